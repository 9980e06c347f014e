"""The start state of a run, derived from the census of its region.

:func:`build` is the one place where a run's state comes into being. From the region
table at ``run.start_year`` it synthesizes the household and firm agents, derives the
start indicators (:mod:`sim.data.census`), creates each process's state with that
process's own ``init``, and settles the start: households are assigned to jobs (a first
labour-market pass, wired by :func:`sim.schedule.labour_inputs` like every later year),
aggregated, given the QoL they feel now as their felt-benefit baseline, given the years
at their home that the move hazard they now face sustains, and the migration constants
are solved for the base period. After that the model only steps.
"""

from __future__ import annotations

import logging

import numpy as np

from sim import schedule
from sim.agents.firms import firm_store, job_shares, synthesize_firms
from sim.agents.households import (
    elderly_share_by_municipality,
    household_store,
    size_shares,
    stationary_tenure,
    synthesize_households,
    tenure_survival,
)
from sim.constants import AGE_CLASS_STARTS, TYPE_AGE_CLASS, age_class_of
from sim.data import census
from sim.data.base_period import base_period
from sim.data.region import Region, national_population
from sim.kernels.households import felt_factors
from sim.processes import demography, firms, housing, labour, migration, observation, policy
from sim.schedule import Context, States
from sim.world import make_world

log = logging.getLogger(__name__)


def build(region: Region, ctx: Context) -> States:
    """The start state of a run of ``ctx.cfg`` (resolved: :func:`sim.beliefs.resolve`) on
    ``region`` (see the module docstring)."""
    cfg, streams, parallel = ctx.cfg, ctx.streams, ctx.parallel
    b = cfg.behaviour
    e = b.economy
    scale = float(cfg.run.scale)
    y = int(cfg.run.start_year)
    table = region.table
    m = region.n
    world = make_world(region, y, cfg.region.focus_province)
    rng = streams.rng("setup", y)

    # Agents: households from the census, then firms whose jobs employ the heads under 65.
    households = household_store()
    cols = synthesize_households(
        table[f"pop_{y}"].to_numpy(dtype=float),
        table[f"households_{y}"].to_numpy(dtype=float),
        elderly_share_by_municipality(table, y),
        size_shares(y),
        scale,
        rng,
    )
    uid = np.arange(len(cols["muni"]), dtype=np.int64)
    cols["felt_factor"] = felt_factors(streams.identity_key(), uid, b.qol.felt_threshold_spread)
    households.append(uid=uid, **cols)
    young = np.bincount(cols["muni"], weights=cols["age"] < 65, minlength=m)
    grdp = census.grdp_by_sector(table, y)
    job_share0 = job_shares(grdp)
    jobs0 = e.employment_rate * young[:, None] * job_share0
    firm_agents = firm_store()
    firm_cols = synthesize_firms(census.firm_counts(table, y), jobs0, grdp, scale, rng)
    firm_agents.append(uid=np.arange(len(firm_cols["muni"]), dtype=np.int64), **firm_cols)
    persons0 = np.bincount(cols["muni"], weights=cols["size"], minlength=m)
    firm_state = firms.init(firm_agents, jobs0.copy(), grdp / scale, persons0, streams.identity_key())

    # Markets at the start: wages, then prices from density and those wages.
    labour_state = labour.init(e, firm_state.jobs, firm_state.output, firm_state.productivity0,
                               np.maximum(young, 1), job_share0, world.distance_km)
    price = census.initial_price_index(table, y, labour_state.mean_wage)
    parents = np.bincount(cols["muni"], weights=(cols["age"] >= 20) & (cols["age"] < 45), minlength=m)
    targets = {}
    if b.demography.vital_statistics:
        nation = national_population(region, cfg.region.nation, y)
        real = census.vital_targets(float(cols["size"].sum()) * scale, y, nation)
        targets = {year: (births / scale, deaths / scale) for year, (births, deaths) in real.items()}
    demography_state = demography.init(
        census.fertility_index(table, y, parents, b.demography.local_fertility), households.capacity,
        firm_state.jobs.sum(axis=1), streams.identity_key(), targets,
    )
    if targets:  # the start year's own level: what a start at the series' end keeps
        demography.align_to_vital_statistics(demography_state, households, b.demography, y)
    policy_state = policy.init(ctx.levers, world, region.name, firm_state.output, scale, persons0,
                               real_codes=cfg.region.real_codes)

    # Households take jobs and incomes, are counted, and feel their QoL: the baseline.
    labour.step(labour_state, households,
                schedule.labour_inputs(ctx, y, world, firm_state, np.maximum(young, 1)), parallel)
    services = policy.service_levels(world.services_base, policy_state)
    observed = observation.init(
        households, schedule.observation_inputs(ctx, y, world, services, labour_state, price, None),
        parallel)

    new_towns = b.housing.new_towns
    horizon = max(y + int(cfg.run.years), 2060)  # steps beyond run.years still see it
    housing_state = housing.init(
        census.housing_units(table, y, table[f"households_{y}"].to_numpy(float)),
        census.housing_pipeline(table, y, new_towns),
        price,
        census.vacancy_rate(table, y),
        observed.households * scale,
        census.new_town_schedule(table["code"].astype(str), y + 1, horizon) if new_towns else None,
        y + 1,
    )
    conditions = schedule.migration_conditions(observed, services, policy_state, labour_state,
                                               housing_state)
    hazard = migration.tenure_hazard(b.migration, migration.move_push(b.migration, conditions))
    households.tenure[: households.n] = draw_start_tenures(households, hazard,
                                                           streams.rng("tenure", y))
    targets = migration_targets(table, ctx, world, observed, demography_state, households,
                                firm_state.jobs.sum(axis=1))
    leavers = None
    if b.migration.leaving_home_moves:
        leavers = leaver_types(households, demography.expected_leavers(
            demography_state, households, b.demography, y + 1), m)
    migration_state = migration.init(b.migration, b.qol.service_weights, households, conditions,
                                     world, targets, leavers=leavers)
    if b.migration.start_history_years and targets is not None:
        migration_state = with_migration_history(
            migration_state, households, hazard, b.migration.start_history_years,
            lambda: streams.rng("tenure", y),
            lambda: migration.init(b.migration, b.qol.service_weights, households, conditions,
                                   world, targets, leavers=leavers))
    return States(world, households, firm_state, labour_state, demography_state,
                  migration_state, housing_state, policy_state, observed)


def leaver_types(households, leavers: np.ndarray, m: int) -> np.ndarray:
    """(M, T) the expected leavers (M,) spread over household types as the municipality's
    households with a head under 40 are (the nation's where it has none): the type a new
    household gets from the labour market is not known before its year."""
    hh = households
    t = len(TYPE_AGE_CLASS)
    young = age_class_of(hh.age[: hh.n]) == 0
    counts = np.bincount(hh.muni[: hh.n][young].astype(np.int64) * t + hh.htype[: hh.n][young],
                         minlength=m * t).reshape(m, t).astype(float)
    national = counts.sum(axis=0) / max(counts.sum(), 1.0)
    total = counts.sum(axis=1, keepdims=True)
    shares = np.where(total > 0, counts / np.maximum(total, 1.0), national[None, :])
    return leavers[:, None] * shares


def draw_start_tenures(households, hazard: np.ndarray, rng: np.random.Generator,
                       entry_weight: np.ndarray | None = None) -> np.ndarray:
    """(N,) the start's years at the home, drawn from the distribution that the hazard the
    model applies at each home sustains: ``hazard`` (M, 3, T) by municipality and age
    class, the dissatisfaction push and attachment included
    (:func:`sim.processes.migration.tenure_hazard`). Drawn from the base hazard alone,
    the start had too few short tenures where the push is large (Daegu's QoL gap is the
    largest) and its leavers climbed after the first year (docs/validation.md 6.3).
    ``entry_weight`` (M * 3, T): a migration history (:func:`with_migration_history`)."""
    n = households.n
    age = households.age[:n]
    group = households.muni[:n].astype(np.int32) * np.int32(hazard.shape[1])
    for start in AGE_CLASS_STARTS:  # + the age class, without (N,) int64 temporaries at 1:1
        group += age >= start
    return stationary_tenure(age, rng.random(n), hazard.reshape(-1, hazard.shape[-1]),
                             groups=group, entry_weight=entry_weight)


HISTORY_PASSES = 6  # at most; the weights settle in 3-4 (docs/validation.md 6.4)
HISTORY_TOL = 0.005  # the change of the entry weights (mean over households) that ends them


def with_migration_history(state, households, hazard: np.ndarray, years: int, rng, solve):
    """The migration state of a start whose tenures hold the base period's recent movers
    (``start_history_years``): the tenures are drawn again with the last ``years`` years'
    entries weighted as the solved start's nets by age class need
    (:func:`sim.processes.migration.recent_entry_weights`), with the same uniforms
    (``rng()``, a fresh generator of the tenure stream), and the constants solved again
    (``solve()``), until the weights settle. The stationary draw gives every place the
    recent movers of a place in balance, so a gaining place's in-movers accumulated only
    in the simulated years and their churn faded its net (docs/validation.md 6.4). A
    start whose constants stopped at their cap keeps its tenures (its nets are not the
    base period's, and a pass would cost another solve to the cap)."""
    survival = tenure_survival(hazard.reshape(-1, hazard.shape[-1]))
    weight = np.ones(survival.shape[0])
    for _ in range(HISTORY_PASSES):
        if not state.constants_met:
            # The nets the weights read are then not the base period's, and every pass
            # would cost a solve to the cap: the start keeps the tenures it has.
            log.warning("the start's migration history was not drawn (again): its destination "
                        "constants do not meet their targets (the warning above)")
            break
        net, held = migration.class_nets(state.welfare_base)
        new = migration.recent_entry_weights(net.reshape(-1), held.reshape(-1), survival, years)
        change = float(np.average(np.abs(new - weight), weights=held.reshape(-1) + 1e-12))
        if change < HISTORY_TOL:
            break
        weight = new
        entry = np.ones_like(survival)
        entry[:, 1:years + 1] = weight[:, None]
        households.tenure[: households.n] = draw_start_tenures(households, hazard, rng(), entry)
        state = solve()
    else:
        log.warning("the start's migration history did not settle in %d passes (mean change "
                    "of the entry weights %.4f)", HISTORY_PASSES, change)
    return state


def start_key(cfg) -> str:
    """What a run's start state depends on, as a string: the region, the run settings and
    the (resolved) behaviour. Runs with equal keys start from the same state but for the
    policy (levers, budget, beliefs' lever magnitudes), so a study builds it once
    (:func:`for_levers`) and runs every scenario of a world and seed from a copy."""
    import json

    from sim.config import config_record

    record = config_record(cfg)
    return json.dumps({k: record[k] for k in ("region", "run", "behaviour")}, sort_keys=True,
                      default=str)


def for_levers(template: States, region: Region, ctx: Context) -> States:
    """A copy of a start state built for another run of the same :func:`start_key`, with
    the policy made for ``ctx``'s levers. Nothing else in the start depends on the levers
    (the policy has built nothing yet), so the copy is the state :func:`build` would make
    for ``ctx``, at a fraction of the cost (tests/test_runner.py checks it bit for bit)."""
    import copy

    owners = (template.households.model, template.firms.agents.model)
    template.households.model = template.firms.agents.model = None  # never copy a model
    try:
        states = copy.deepcopy(template)
    finally:
        template.households.model, template.firms.agents.model = owners
    states.policy = policy.init(ctx.levers, states.world, region.name, states.firms.output,
                                ctx.scale, states.observed.persons.astype(float),
                                real_codes=ctx.cfg.region.real_codes)
    return states


def migration_targets(
    table, ctx: Context, world, observed: observation.Observed,
    demography_state: demography.DemographyState, households, jobs: np.ndarray,
) -> migration.MigrationTargets | None:
    """What the start's destination constants reproduce (agent units a year): each
    municipality's census growth over the base period (:mod:`sim.data.base_period`) less
    the start's expected births, deaths and arrivals from abroad, summing to zero over
    the nation and shifted within each province (in proportion to persons) so that
    provinces meet the observed net migration from other provinces where the base years
    have it; where each province's leavers went, and how many of all movers crossed a
    province line. None without a base period (a 2010 start) or when the constants are
    the equilibrium's."""
    cfg = ctx.cfg
    p = cfg.behaviour.migration
    if not p.equilibrium_start or p.constants == "equilibrium":
        return None
    y = ctx.start_year
    base = base_period(table, y, cfg.region.real_codes, in_sample=p.constants == "in_sample")
    if base is None:
        return None
    d = cfg.behaviour.demography
    persons = observed.persons.astype(float)
    births, deaths = demography.expected_events_by_municipality(demography_state, households, d,
                                                                 y + 1)
    arrivals = d.immigration_rate * persons.sum() * jobs / max(jobs.sum(), 1e-9)
    # The base period's yearly change in persons (its level, scaled to the start's
    # population), less what is not internal migration.
    years = base.years[1] - base.years[0]
    if base.growth is None:  # provinces only: their nets come in below
        net = np.zeros(len(persons))
    else:
        net = persons * -np.expm1(-years * base.growth) / years - (births - deaths) - arrivals
    # Internal migration sums to zero: what census growth, births, deaths and arrivals
    # leave over nationally is spread in proportion to persons.
    net -= persons * net.sum() / max(persons.sum(), 1e-9)
    province_index = np.searchsorted(base.province_codes, world.province_code)
    if base.province_net is not None:
        wanted = base.province_net / ctx.scale
        for k in range(len(base.province_codes)):
            here = province_index == k
            net[here] += (wanted[k] - net[here].sum()) * persons[here] / max(persons[here].sum(), 1e-9)
    return migration.MigrationTargets(net, province_index, base.od_shares, base.gap,
                                      leave_share=base.leave_share)
