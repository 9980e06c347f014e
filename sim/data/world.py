"""The world builder: the start state of a run, derived from the census of its region.

:func:`build` is the one place where a run's state comes into being. From the region
table at ``run.start_year`` it synthesizes the household and firm agents, derives the
start indicators (:mod:`sim.data.census`), creates each process's state with that
process's own ``init``, and settles the start: households are assigned to jobs (a first
labour-market pass), aggregated, given the QoL they feel now as their felt-benefit
baseline, and the migration amenities are solved for a start equilibrium. After that the
model only steps.

:class:`World` holds what never changes during a run: the municipalities' static facts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.columns import ColumnAgents
from sim.agents.firms import firm_store, job_shares, synthesize_firms
from sim.agents.households import (
    elderly_share_by_municipality,
    household_store,
    synthesize_households,
)
from sim.config import SimConfig
from sim.constants import JEONBUK_PROVINCE
from sim.data import census
from sim.data.region import Region, load_korea
from sim.kernels.households import felt_factors
from sim.kernels.parallel import Parallel
from sim.processes import demography, firms, housing, labour, migration, observation, policy
from sim.streams import Streams


@dataclass(frozen=True)
class World:
    """The municipalities' static facts (M rows, ordered like the region table).

    Attributes:
        n: number of municipalities M.
        codes, names, provinces, kinds: (M,) object arrays of the table's strings.
        province_code: (M,) int adm1 codes. capital_region, innovation_city, is_gun,
            jeonbuk: (M,) bool flags.
        area_km2: (M,) km2. distance_km: (M, M) centroid distances, km.
        same_province: (M, M) bool, origin and destination in one province.
        services_base: (M, 6) census service levels, 0-100 (:func:`census.base_services`);
            policy adds to them (:func:`sim.processes.policy.service_levels`).
    """

    n: int
    codes: np.ndarray
    names: np.ndarray
    provinces: np.ndarray
    kinds: np.ndarray
    province_code: np.ndarray
    capital_region: np.ndarray
    innovation_city: np.ndarray
    is_gun: np.ndarray
    jeonbuk: np.ndarray
    area_km2: np.ndarray
    distance_km: np.ndarray
    same_province: np.ndarray
    services_base: np.ndarray


def make_world(region: Region, start_year: int) -> World:
    """The static facts of ``region``, with census service levels of ``start_year``."""
    t = region.table
    province_code = t["province_code"].to_numpy()
    return World(
        n=region.n,
        codes=t["code"].to_numpy(),
        names=t["name"].to_numpy(),
        provinces=t["province"].to_numpy(),
        kinds=t["kind"].to_numpy(),
        province_code=province_code,
        capital_region=t["capital_region"].to_numpy(dtype=bool),
        innovation_city=t["innovation_city"].to_numpy(dtype=bool),
        is_gun=(t["kind"] == "gun").to_numpy(),
        jeonbuk=(t["province_code"] == JEONBUK_PROVINCE).to_numpy(),
        area_km2=t["area_km2"].to_numpy(dtype=float),
        distance_km=region.distance_km,
        same_province=province_code[:, None] == province_code[None, :],
        services_base=census.base_services(t, start_year),
    )


@dataclass
class StartState:
    """Every state of a run at its start (see docs/architecture.md)."""

    world: World
    households: ColumnAgents
    firms: firms.FirmState
    labour: labour.LabourState
    demography: demography.DemographyState
    migration: migration.MigrationState
    housing: housing.HousingState
    policy: policy.PolicyState
    observed: observation.Observed


def build(region: Region, cfg: SimConfig, streams: Streams, parallel: Parallel) -> StartState:
    """The start state of a run of ``cfg`` (resolved: :func:`sim.beliefs.resolve`) on
    ``region`` (see the module docstring)."""
    b = cfg.behaviour
    e = b.economy
    scale = float(cfg.run.scale)
    y = int(cfg.run.start_year)
    table = region.table
    m = region.n
    world = make_world(region, y)
    rng = streams.rng("setup", y)

    # Agents: households from the census, then firms whose jobs employ the heads under 65.
    households = household_store()
    cols = synthesize_households(
        table[f"pop_{y}"].to_numpy(dtype=float),
        table[f"households_{y}"].to_numpy(dtype=float),
        elderly_share_by_municipality(table, y),
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
        korea = float(load_korea().table[f"pop_{y}"].sum())
        real = census.vital_targets(float(cols["size"].sum()) * scale, y, korea)
        targets = {year: (births / scale, deaths / scale) for year, (births, deaths) in real.items()}
    demography_state = demography.init(
        census.fertility_index(table, y, parents, b.demography.local_fertility), households.capacity,
        firm_state.jobs.sum(axis=1), streams.identity_key(), targets,
    )
    policy_state = policy.init(policy.Levers.of(cfg), world, region.name, firm_state.output,
                               scale, persons0)

    # Households take jobs and incomes, are counted, and feel their QoL: the baseline.
    labour.step(labour_state, households, e, firm_state.jobs, firm_state.output,
                firm_state.productivity0, np.maximum(young, 1), 0,
                streams.key("labour", y), streams.identity_key(), parallel, world.distance_km)
    services = policy.service_levels(world.services_base, policy_state)
    observed = observation.init(households, b.qol, services, labour_state.employment_rate,
                                labour_state.mean_wage, price, m, parallel)

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
    conditions = migration_conditions(observed, services, policy_state, labour_state, housing_state)
    migration_state = migration.init(b.migration, b.qol.service_weights, households, conditions, world)
    return StartState(world, households, firm_state, labour_state, demography_state,
                      migration_state, housing_state, policy_state, observed)


def migration_conditions(
    observed: observation.Observed, services: np.ndarray, policy_state: policy.PolicyState,
    labour_state: labour.LabourState, housing_state: housing.HousingState, trend: float = 1.0,
) -> migration.Conditions:
    """What movers weigh, gathered from the states that own it (``trend``: the common
    productivity trend since the start)."""
    return migration.Conditions(
        persons=observed.persons,
        qol=observed.qol,
        services=services,
        attachment=policy_state.attachment,
        mean_wage=labour_state.mean_wage,
        employment_rate=labour_state.employment_rate,
        price=housing_state.price,
        dwellings=housing_state.units,
        vacant=housing_state.vacant,
        vacancy0=housing_state.vacancy0,
        trend=trend,
    )
