"""Policy process: the year's smart-city budget is allocated and spent, assets age.

The mechanisms live in :mod:`sim.policy` (allocation by targeting and governance,
building by instrument, asset ageing); this module runs them once a year and owns
their state. One year (:func:`step`):

1. money: ``budget.annual_krw`` of national money while the year is within
   ``budget.horizon_years`` (0 after it, and always 0 when ``targeting.rule='none'``),
   plus the local match ``budget.local_match_rate`` x national; a research centre
   (``instrument.research_centre.share``) takes its share first;
2. what the selector sees: each place's felt need through a log-normal error that
   persists from year to year (AR(1), ``governance.need_noise_persistence``);
3. pots: one national pot, or provincial block grants (:func:`allocation.pots`), or
   the 2018 programmes, each with its own sites, recipe and local match;
4. operation (``lifecycle.funds_operation``): each pot first pays the operating cost of
   the assets in its municipalities, up to ``lifecycle.max_operating_share`` of the pot;
   operation money bears the same delivery losses as building;
5. ageing: every asset loses ``decay_rate`` x (unfunded share of its operation) of its
   condition and retires after ``service_life_years``;
6. building: the rest of each pot goes to municipalities by the targeting rule and is
   built by the recipe (:mod:`sim.policy.instruments`): a project first pays its fixed
   planning cost (block grants: provinces plan), then ``delivery_factor`` of it reaches
   the ground; service capital is scaled by the design's efficiency and learning;
7. private co-investment: programmes that invite it draw ``beliefs.private.leverage``
   private KRW per public KRW, ``lag_years`` later (reported apart, ``private_krw``);
8. state: policy service points, productivity level, tech-capital index and attachment
   are recomputed from the condition-weighted capital (saturating).

Accounting: ``investment_krw`` = national + local public money received (operation,
planning, building, the research centre); over a run it sums to ``annual_krw x (1 +
local_match_rate) x min(years, horizon_years)`` in every scenario. Overhead, capture
and planning are spent in the municipality too (counted as investment) but build nothing.

Reads: the last observation (persons, persons by type, mean QoL), the firms' output, the
census service levels (world). Writes: its own :class:`PolicyState`; the dwellings it
builds are handed to housing by the model (:func:`sim.processes.housing.add_dwellings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from sim.beliefs import LearningBeliefs, PrivateBeliefs
from sim.config import BudgetConfig, ConfigError
from sim.constants import N_DOMAINS, N_SECTORS, SECTORS, by_age_class
from sim.policy import allocation, instruments
from sim.policy.assets import ATTACHMENT, SERVICE, TECH, AssetRegistry
from sim.policy.config import (
    DESIGNS,
    GovernanceConfig,
    InstrumentConfig,
    LifecycleConfig,
    TargetingConfig,
    unknown_sites,
)
from sim.world import World


@dataclass(frozen=True)
class Levers:
    """The scenario's five policy levers (their config schemas, beliefs filled in) and
    the beliefs about private money and learning they act through."""

    budget: BudgetConfig
    targeting: TargetingConfig
    instrument: InstrumentConfig
    governance: GovernanceConfig
    lifecycle: LifecycleConfig
    private: PrivateBeliefs = field(default_factory=PrivateBeliefs)
    learning: LearningBeliefs = field(default_factory=LearningBeliefs)

    @classmethod
    def of(cls, cfg) -> Levers:
        """The levers of a resolved SimConfig (:func:`sim.beliefs.resolve`)."""
        return cls(cfg.budget, cfg.targeting, cfg.instrument, cfg.governance, cfg.lifecycle,
                   cfg.beliefs.private, cfg.beliefs.learning)


@dataclass(frozen=True)
class SitePlan:
    """The targeting rule as it applies to this region.

    Attributes:
        targeting: ``targeting`` with the rule in force (named sites fall back to
            ``targeting.sites_synthetic`` on the synthetic region, which has no real codes).
        max_sites: recipients a year (the number of sites on the fallback).
        site_weight: (M,) relative money of named sites (0 elsewhere).
        programme_weight: (K, M) national money weights of each programme's sites.
        host: the research centre's municipality (row), or -1 without one.
        province_index: (M,) index of each municipality's province (0..P-1).
        province_capacity: (P,) planning capacity of each province at the start (mean 1
            over persons): how well its administration implements what it plans.
    """

    targeting: TargetingConfig
    max_sites: int
    site_weight: np.ndarray
    programme_weight: np.ndarray
    host: int
    province_index: np.ndarray
    province_capacity: np.ndarray


@dataclass
class PolicyState:
    """What the policy has built and what it does to municipalities (M rows).

    Attributes:
        plan: the targeting rule in force (:class:`SitePlan`).
        assets: every asset built so far (:class:`~sim.policy.assets.AssetRegistry`).
        services: (M, 6) service points added by smart assets (0-100 index points).
        tech_level: (M, S) log-productivity level from tech capital.
        tech_shift: (M, S) this year's change of ``tech_level`` (log points).
        tech_index: (M, S) tech-capital index, ``1 - exp(-tech capital / sector output at
            the start)`` in [0, 1): what footloose firms see of a test bed.
        attachment: (M,) lower propensity to leave (co-designed services), log points.
        output0: (M, S) sector output at policy start, KRW, floored at 1 % of the place's
            output (at least KRW 1 B) so that a tiny sector cannot explode: the
            denominator of tech effects.
        need_error: (M,) the selector's standardized error about each place's need this
            year (AR(1) over years, stationary N(0, 1)).
        deployments: (P, D) service deployments so far by province and design.
        investment_krw: (M,) national + local money received this year, KRW.
        private_krw: (M,) private co-investment this year, KRW (not part of
            ``investment_krw``, which is the public money every scenario spends equally).
        private_due: (L+1, M) public money of earlier years that still draws private money
            (row 0 is due this year).
        investment_total_krw: (M,) the same, summed over the run.
        dwellings_built: (M,) dwellings built this year.
        pots: this year's pots as (amount incl. match, members (M,) bool) pairs.
        national_spent: national KRW spent so far.
    """

    plan: SitePlan
    assets: AssetRegistry
    services: np.ndarray
    tech_level: np.ndarray
    tech_shift: np.ndarray
    tech_index: np.ndarray
    attachment: np.ndarray
    output0: np.ndarray
    need_error: np.ndarray | None
    deployments: np.ndarray
    investment_krw: np.ndarray
    private_krw: np.ndarray
    private_due: np.ndarray
    investment_total_krw: np.ndarray
    dwellings_built: np.ndarray
    pots: list[tuple[float, np.ndarray]]
    national_spent: float = 0.0


def service_levels(services_base: np.ndarray, policy: PolicyState) -> np.ndarray:
    """(M, 6) service levels, 0-100: the census base plus what smart assets add."""
    return np.clip(services_base + policy.services, 0, 100)


@dataclass(frozen=True)
class Inputs:
    """What the policy reads in a year (built by :func:`sim.schedule.policy_inputs`).

    Attributes:
        levers: the scenario's levers. world: the static facts.
        year: the calendar year; year_index: 0 in the first simulated year.
        persons_by_type: (M, T) persons by household type at the last observation.
        qol_mean: (M,) mean QoL at the last observation.
        output: (M,) value added now (any unit; only ratios matter to allocation).
        service_weights: (3, 6) QoL weights of the domains (the TS choice uses them).
        scale: real households per agent.
        rng: the policy stream's generator for this year.
    """

    levers: Levers
    world: World
    year: int
    year_index: int
    persons_by_type: np.ndarray
    qol_mean: np.ndarray
    output: np.ndarray
    service_weights: list[list[float]]
    scale: float
    rng: np.random.Generator


def init(levers: Levers, world: World, region_name: str, output: np.ndarray, scale: float,
         persons: np.ndarray | None = None, real_codes: bool = True) -> PolicyState:
    """The policy before its first year: the targeting rule resolved for this region.

    Args:
        output: (M, S) value added at the start, million KRW per agent unit.
        scale: real households (and firms) per agent.
        persons: (M,) persons at the start (agent units); the planning capacity of
            provinces and the stand-ins for named sites rank by it.
        real_codes: False for a region whose codes are not Korea's (``region.real_codes``):
            named sites then fall back to ``targeting.sites_synthetic``.

    Raises:
        ConfigError: named sites that are not codes of the region, or targeting filters
            that leave no municipality eligible.
    """
    t = levers.targeting
    m = world.n
    persons = np.ones(m) if persons is None else np.asarray(persons, dtype=float)
    capacity = allocation.planning_capacity(persons, output.sum(axis=1))
    site_weight = np.zeros(m)
    programme_weight = np.zeros((len(t.programmes), m))
    rule, max_sites = t.rule, t.max_sites
    codes = [str(c) for c in world.codes]
    pos = {c: k for k, c in enumerate(codes)}
    synthetic = not real_codes
    if t.rule == "named_sites":
        if synthetic:
            # No real codes: stand in a rule that picks as many places.
            rule = t.sites_synthetic
            max_sites = t.max_sites or len(t.sites)
        else:
            _check_codes(t.sites, codes)
            weights = t.site_weights or [1.0] * len(t.sites)
            for site, w in zip(t.sites, weights, strict=True):
                site_weight[pos[str(site)]] = w
    ranked = iter(np.argsort(-capacity, kind="stable"))  # synthetic stand-ins, most capable first
    for k, prog in enumerate(t.programmes):
        weights = prog.site_weights or [1.0] * len(prog.sites)
        if not synthetic:
            _check_codes(prog.sites, codes)
        for site, w in zip(prog.sites, weights, strict=True):
            row = next(ranked, None) if synthetic else pos[str(site)]
            if row is not None:
                programme_weight[k, row] += w
    in_force = t if rule == t.rule else replace(t, rule=rule)
    if t.rule not in ("none", "programmes") and levers.budget.annual_krw > 0:
        for yi in {0, t.pilot_years}:
            if not allocation.eligible(world, in_force, yi).any():
                raise ConfigError(
                    "invalid configuration:\n  targeting: no municipality of region "
                    f"{region_name!r} is eligible (rule={rule!r}, provinces="
                    f"{list(t.provinces)}, kinds={list(t.kinds)}, exclude_capital={t.exclude_capital})"
                )
    provinces, province_index = np.unique(world.province_code, return_inverse=True)
    host = -1
    rc = levers.instrument.research_centre
    if rc.share > 0:
        in_province = np.flatnonzero(world.province_code == rc.province)
        if len(in_province) == 0:
            raise ConfigError(
                f"invalid configuration:\n  instrument.research_centre.province={rc.province}: "
                f"no municipality of region {region_name!r} is in it "
                f"(provinces: {sorted(int(p) for p in provinces)})")
        host = int(in_province[np.argmax(persons[in_province])])
    # A province's capacity: its persons-weighted planning capacity over the nation's.
    by_province = np.bincount(province_index, weights=capacity * persons) / np.maximum(
        np.bincount(province_index, weights=persons), 1e-9)
    province_capacity = by_province / np.average(capacity, weights=np.maximum(persons, 1e-9))
    scale_krw = scale * 1e6  # output is million KRW per agent unit
    total = output.sum(axis=1, keepdims=True) * scale_krw
    output0 = np.maximum(output * scale_krw, np.maximum(0.01 * total, 1e9))
    lag = int(levers.private.lag_years)
    return PolicyState(
        plan=SitePlan(in_force, max_sites, site_weight, programme_weight, host,
                      province_index, province_capacity),
        assets=AssetRegistry(),
        services=np.zeros((m, N_DOMAINS)),
        tech_level=np.zeros((m, N_SECTORS)),
        tech_shift=np.zeros((m, N_SECTORS)),
        tech_index=np.zeros((m, N_SECTORS)),
        attachment=np.zeros(m),
        output0=output0,
        need_error=None,
        deployments=np.zeros((len(provinces), len(DESIGNS))),
        investment_krw=np.zeros(m),
        private_krw=np.zeros(m),
        private_due=np.zeros((lag + 1, m)),
        investment_total_krw=np.zeros(m),
        dwellings_built=np.zeros(m),
        pots=[],
    )


def _check_codes(sites, codes) -> None:
    bad = unknown_sites(sites, codes)
    if bad:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(bad))


def national_money(levers: Levers, year_index: int) -> float:
    """National KRW to spend in the ``year_index``-th simulated year (0-based)."""
    if levers.targeting.rule == "none" or year_index >= levers.budget.horizon_years:
        return 0.0
    return float(levers.budget.annual_krw)


def persistent_error(previous: np.ndarray | None, z: np.ndarray, persistence: float) -> np.ndarray:
    """This year's standardized need error: AR(1) with correlation ``persistence`` and a
    stationary N(0, 1) distribution, started at ``z`` (a place misjudged one year is
    likely misjudged the next, so the error does not average out over a programme)."""
    if previous is None:
        return z.copy()
    return persistence * previous + np.sqrt(1.0 - persistence**2) * z


def delivery_factor(g: GovernanceConfig, plan: SitePlan) -> np.ndarray:
    """(M,) share of build or operation money that reaches the ground as capital:
    ``1 - overhead``; under block grants also ``1 - capture_loss`` and the province's
    implementation capacity, ``min(1, capacity ** capacity_exponent)``."""
    m = len(plan.province_index)
    factor = np.full(m, 1.0 - g.overhead)
    if g.block_grants:
        cap = np.minimum(1.0, plan.province_capacity ** g.capacity_exponent)
        factor = factor * (1.0 - g.capture_loss) * cap[plan.province_index]
    return factor


def learning_factor(state: PolicyState, levers: Levers) -> np.ndarray:
    """(M, D) service points per KRW by design relative to a design's first deployments:
    ``(E / E0) ** b`` with ``b = -log2(1 - rate)`` (each doubling of experience cuts unit
    cost by ``rate``), ``E = E0 + own province's deployments + spillover x other
    provinces'`` and ``E0 = learning.prior_deployments``. A research centre's designs
    learn at its rate and spillover."""
    lb, rc = levers.learning, levers.instrument.research_centre
    dep = state.deployments  # (P, D)
    studied = np.array([rc.share > 0 and d in rc.designs for d in DESIGNS])
    rate = np.where(studied, lb.research_centre_rate, lb.rate)
    spill = np.where(studied, lb.research_centre_spillover, lb.spillover)
    others = dep.sum(axis=0, keepdims=True) - dep
    experience = lb.prior_deployments + dep + spill * others
    b = -np.log2(1.0 - rate)
    factor = (experience / lb.prior_deployments) ** b  # (P, D)
    return factor[state.plan.province_index]


def step(state: PolicyState, inputs: Inputs) -> None:
    """Allocate, operate, age, build and update the policy state for ``inputs.year``."""
    levers, year, year_index, world = inputs.levers, inputs.year, inputs.year_index, inputs.world
    persons_by_type, qol_mean, output = inputs.persons_by_type, inputs.qol_mean, inputs.output
    service_weights, scale, rng = inputs.service_weights, inputs.scale, inputs.rng
    m = world.n
    persons = persons_by_type.sum(axis=1)
    state.investment_krw = np.zeros(m)
    national = national_money(levers, year_index)
    z = rng.standard_normal(m)  # drawn every year, so streams line up across scenarios
    plan, g, life, inst = state.plan, levers.governance, levers.lifecycle, levers.instrument
    state.need_error = persistent_error(state.need_error, z, g.need_noise_persistence)
    err = state.need_error
    funded = np.zeros(len(state.assets))
    delivery = delivery_factor(g, plan)
    match = levers.budget.local_match_rate
    allocations: list[tuple[np.ndarray, np.ndarray]] = []  # (build money (M,), recipes (M,))
    private_base = np.zeros(m)
    state.pots = []
    need = state.assets.operating_need(life.operating_cost_rate)

    def operate(pot: float, members: np.ndarray) -> float:
        """Pay the operation of the assets in ``members`` from ``pot``; what is left."""
        if not (life.funds_operation and len(state.assets)):
            return pot
        here = members[state.assets.muni]
        need_here = need[here].sum()
        if need_here <= 0:
            return pot
        paid = min(need_here, life.max_operating_share * pot)
        # Operation money bears the delivery losses of the place like build money.
        funded[here] = paid / need_here * delivery[state.assets.muni[here]]
        state.investment_krw += np.bincount(
            state.assets.muni[here], weights=need[here] * paid / need_here, minlength=m)
        return pot - paid

    if national > 0:
        state.national_spent += national
        rc = inst.research_centre
        if plan.host >= 0:  # the research centre takes its share of the year's money first
            state.investment_krw[plan.host] += national * rc.share * (1.0 + match)
            national -= national * rc.share
        if plan.targeting.rule == "programmes":
            allocations, private_base = _programme_money(state, levers, national * (1.0 + match),
                                                         year_index, operate)
        else:
            t = plan.targeting
            mask = allocation.eligible(world, t, year_index)
            if t.rule == "named_sites":
                mask &= plan.site_weight > 0
            score = allocation.scores(t.rule, t, g, err, plan.site_weight, persons, output,
                                      qol_mean, world.is_gun)
            need_seen = allocation.noisy(allocation.felt_need(persons, qol_mean), g.need_noise, err)
            build_money = np.zeros(m)
            for amount, members in allocation.pots(national, mask, g, need_seen, persons,
                                                   world.province_code):
                state.pots.append((amount * (1.0 + match), members))
                pot = operate(amount * (1.0 + match), members)
                build_money += allocation.split(pot, score, mask & members, plan.max_sites,
                                                persons.astype(float))
            allocations = [(build_money, instruments.recipe_names(inst, world))]
    state.assets.age(funded, life.decay_rate, year, life.service_life_years)
    state.dwellings_built = np.zeros(m)
    learning = learning_factor(state, levers)
    fixed = g.planning_cost_krw if g.block_grants else 0.0
    levels = service_levels(world.services_base, state)
    by_class = by_age_class(persons_by_type)
    for money, recipes in allocations:
        state.investment_krw += money
        if money.any():
            dwellings, deployed = instruments.build(
                inst, money, recipes, delivery, fixed, learning, state.assets, year, world,
                levels, by_class, service_weights)
            state.dwellings_built += dwellings
            state.deployments += np.stack([np.bincount(plan.province_index, weights=deployed[:, d],
                                                       minlength=len(state.deployments))
                                           for d in range(len(DESIGNS))], axis=1)
    state.investment_total_krw += state.investment_krw
    _private(state, levers, private_base, year)
    _update_effects(state, inst, persons * scale)


def _programme_money(state: PolicyState, levers: Levers, money: float, year_index: int,
                     operate) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """The year's public money (national + match) over the running programmes, in
    proportion to site weight x (1 + the programme's local match); each programme
    first pays the operation of assets at its sites. Returns one (build money (M,),
    recipes (M,)) per programme and the public money (M,) that draws private money."""
    t, plan = state.plan.targeting, state.plan
    m = plan.programme_weight.shape[1]
    running = [k for k, prog in enumerate(t.programmes) if prog.years == 0 or year_index < prog.years]
    total = sum(plan.programme_weight[k].sum() * (1.0 + t.programmes[k].local_match_rate)
                for k in running)
    out, private_base = [], np.zeros(m)
    if total <= 0:
        return out, private_base
    for k in running:
        prog = t.programmes[k]
        w = plan.programme_weight[k]
        if w.sum() <= 0:  # no site in this region (a small synthetic one runs out of stand-ins)
            continue
        pot = money * w.sum() * (1.0 + prog.local_match_rate) / total
        members = w > 0
        state.pots.append((pot, members))
        left = operate(pot, members)
        build = left * w / w.sum()
        out.append((build, np.full(m, prog.recipe, dtype=object)))
        if prog.private:
            private_base += pot * w / w.sum()
    return out, private_base


def _private(state: PolicyState, levers: Levers, public: np.ndarray, year: int) -> None:
    """Private co-investment: ``leverage`` x the public money a programme that invites it
    spent ``lag_years`` ago, building dwellings (the programme's private housing share)
    and tech capital of its recipe's sector."""
    due = state.private_due
    due[-1] += public
    arriving = due[0].copy()
    state.private_due = np.roll(due, -1, axis=0)
    state.private_due[-1] = 0.0
    state.private_krw = levers.private.leverage * arriving
    if not state.private_krw.any():
        return
    t, inst = state.plan.targeting, levers.instrument
    m = len(arriving)
    sector = np.full(m, SECTORS.index("knowledge"), dtype=np.int64)
    housing_share = np.zeros(m)
    for k, prog in enumerate(t.programmes):
        if prog.private:
            at = state.plan.programme_weight[k] > 0
            sector[at] = SECTORS.index(getattr(inst, prog.recipe).tech_sector)
            housing_share[at] = prog.private_housing_share
    state.dwellings_built += instruments.build_private(
        state.private_krw, sector, housing_share, inst.krw_per_dwelling, state.assets, year)


def _update_effects(state: PolicyState, i: InstrumentConfig, residents: np.ndarray) -> None:
    """Policy effects from the condition-weighted capital of all assets.

    services (M, 6): ``max_points (1 - exp(-K / (cost_per_point pop max_points)))`` with
    pop the current residents (real persons); tech level (M, S):
    ``tech_max (1 - exp(-tech_return K / (Y0 tech_max)))`` with Y0 the sector's output
    at policy start; ``tech_shift`` is the level's change this year; tech index (M, S):
    ``1 - exp(-K / Y0)``; attachment (M,):
    ``attachment_max (1 - exp(-K / (attachment_cost pop attachment_max)))``.
    """
    m = len(residents)
    pop = np.maximum(residents.astype(float), 1.0)
    k_serv = state.assets.capital_by(SERVICE, m, N_DOMAINS)
    state.services = _saturate(k_serv / (i.cost_per_point_krw * pop[:, None]), i.max_points)
    k_tech = state.assets.capital_by(TECH, m, N_SECTORS)
    level = _saturate(i.tech_return * k_tech / state.output0, i.tech_max)
    state.tech_shift = level - state.tech_level
    state.tech_level = level
    state.tech_index = _saturate(k_tech / state.output0, 1.0)
    k_att = state.assets.capital_by(ATTACHMENT, m, 1)[:, 0]
    state.attachment = _saturate(k_att / (i.attachment_cost_krw * pop), i.attachment_max)


def _saturate(x: np.ndarray, ceiling: float) -> np.ndarray:
    """``ceiling (1 - exp(-x / ceiling))``: slope 1 at 0, never above ``ceiling``."""
    if ceiling <= 0:
        return np.zeros_like(x)
    return ceiling * -np.expm1(-x / ceiling)
