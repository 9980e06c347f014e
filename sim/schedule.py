"""The yearly schedule's wiring: what each process reads, gathered from the states that
own it, and the phases that step the processes in order.

Every process's ``step`` takes its own state, the household columns it writes (if any)
and one frozen ``Inputs`` record of everything it reads. The functions here build those
records (``<process>_inputs``) and run each phase (``run_<process>``); the model's
``step()`` calls the phases in the order of :data:`SCHEDULE`, the start-state builder
(:mod:`sim.start`) and the tests use the same input builders, so the wiring is written
once. :func:`snapshot` hands the year's outputs to the recorder (:mod:`sim.outputs`).

Processes read the *last observation* of the households (``States.observed``), not the
live columns: municipalities and governments act on last year's census. The two
exceptions are explicit here: housing counts this year's households, and the kernels
read the columns they update.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import metrics
from sim.agents.columns import ColumnAgents
from sim.config import SimConfig
from sim.constants import by_age_class
from sim.kernels.parallel import Parallel
from sim.outputs import Snapshot
from sim.processes import demography, firms, housing, labour, migration, observation, policy
from sim.streams import Streams
from sim.world import World

#: The processes of one simulated year, in order (MODEL.md, "Process").
SCHEDULE = ("policy", "firms", "demography", "labour", "migration", "housing", "observation")


@dataclass(frozen=True)
class Context:
    """What every phase of a run shares and nothing changes: the resolved config, the
    policy levers, the random streams and the threading policy.

    Attributes:
        cfg: the resolved configuration (beliefs filled in, :func:`sim.config.make_config`).
        levers: the scenario's policy levers (:class:`sim.processes.policy.Levers`).
        streams: the run's random streams (:class:`sim.streams.Streams`).
        parallel: when kernels use threads (results do not depend on it).
    """

    cfg: SimConfig
    levers: policy.Levers
    streams: Streams
    parallel: Parallel

    @classmethod
    def of(cls, cfg: SimConfig, parallel: Parallel) -> Context:
        return cls(cfg, policy.Levers.of(cfg), Streams(int(cfg.run.seed)), parallel)

    @property
    def scale(self) -> float:
        """Real households per household agent."""
        return float(self.cfg.run.scale)

    @property
    def start_year(self) -> int:
        return int(self.cfg.run.start_year)

    def trend(self, year: int) -> float:
        """The common productivity trend since the start, exp(drift x years)."""
        drift = self.cfg.behaviour.economy.productivity_drift
        return float(np.exp(drift * (year - self.start_year)))


@dataclass
class States:
    """Every state of a run, each owned by one process (docs/architecture.md).

    Attributes:
        world: the static facts. households: the household agents (columns).
        firms, labour, demography, migration, housing, policy: the processes' states.
        observed: the last observation of the households (observation's state).
    """

    world: World
    households: ColumnAgents
    firms: firms.FirmState
    labour: labour.LabourState
    demography: demography.DemographyState
    migration: migration.MigrationState
    housing: housing.HousingState
    policy: policy.PolicyState
    observed: observation.Observed


# ------------------------------------------------------------------------- inputs
def service_levels(s: States) -> np.ndarray:
    """(M, 6) service levels, 0-100: census base plus what smart assets add."""
    return policy.service_levels(s.world.services_base, s.policy)


def policy_inputs(s: States, ctx: Context, year: int) -> policy.Inputs:
    return policy.Inputs(
        levers=ctx.levers, world=s.world, year=year, year_index=year - ctx.start_year - 1,
        persons_by_type=s.observed.persons_by_type, qol_mean=s.observed.qol_mean,
        output=s.firms.output.sum(axis=1),
        service_weights=ctx.cfg.behaviour.qol.service_weights, scale=ctx.scale,
        rng=ctx.streams.rng("policy", year),
    )


def firms_inputs(s: States, ctx: Context, year: int) -> firms.Inputs:
    return firms.Inputs(
        economy=ctx.cfg.behaviour.economy, tech=ctx.cfg.beliefs.tech,
        area_km2=s.world.area_km2, persons=s.observed.persons,
        tech_shift=s.policy.tech_shift, tech_index=s.policy.tech_index,
        key=ctx.streams.key("firms", year), identity_key=ctx.streams.identity_key(),
    )


def labour_inputs(ctx: Context, year: int, world: World, firm_state: firms.FirmState,
                  labour_force: np.ndarray) -> labour.Inputs:
    """The labour market's inputs; ``labour_force`` (M,) is the heads under 65 by
    residence (the last observation's; the builder's own count at the start)."""
    return labour.Inputs(
        economy=ctx.cfg.behaviour.economy, jobs=firm_state.jobs, output=firm_state.output,
        productivity0=firm_state.productivity0, labour_force=labour_force,
        distance_km=world.distance_km, years_elapsed=year - ctx.start_year,
        key=ctx.streams.key("labour", year), identity_key=ctx.streams.identity_key(),
    )


def demography_inputs(s: States, ctx: Context, year: int) -> demography.Inputs:
    b = ctx.cfg.behaviour
    return demography.Inputs(
        params=b.demography, year=year, persons=s.observed.persons,
        jobs=s.firms.jobs.sum(axis=1), felt_spread=b.qol.felt_threshold_spread,
        key=ctx.streams.key("demography", year), identity_key=ctx.streams.identity_key(),
    )


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


def conditions(s: States, ctx: Context, year: int) -> migration.Conditions:
    """This year's migration conditions of the states ``s``."""
    return migration_conditions(s.observed, service_levels(s), s.policy, s.labour, s.housing,
                                ctx.trend(year))


def migration_inputs(s: States, ctx: Context, year: int) -> migration.Inputs:
    b = ctx.cfg.behaviour
    return migration.Inputs(
        params=b.migration, service_weights=b.qol.service_weights, world=s.world,
        conditions=conditions(s, ctx, year), years_elapsed=year - ctx.start_year,
        key=ctx.streams.key("migration", year), leavers=s.demography.leavers,
    )


def housing_inputs(s: States, ctx: Context, year: int) -> housing.Inputs:
    return housing.Inputs(params=ctx.cfg.behaviour.housing, muni=s.households.muni,
                          scale=ctx.scale, years_elapsed=year - ctx.start_year, year=year)


def observation_inputs(
    ctx: Context, year: int, world: World, services: np.ndarray,
    labour_state: labour.LabourState, price: np.ndarray,
    reference: observation.QolReference | None,
) -> observation.Inputs:
    """The observation's inputs (``reference`` None at the start, where it is made)."""
    return observation.Inputs(
        qol=ctx.cfg.behaviour.qol, services=services,
        employment_rate=labour_state.employment_rate, mean_wage=labour_state.mean_wage,
        price=price, trend=ctx.trend(year), reference=reference, n_municipalities=world.n,
    )


# ------------------------------------------------------------------------- phases
def run_policy(s: States, ctx: Context, year: int) -> None:
    """Policy, then the dwellings it built go to housing (movers see them this year)."""
    policy.step(s.policy, policy_inputs(s, ctx, year))
    housing.add_dwellings(s.housing, s.policy.dwellings_built)


def run_firms(s: States, ctx: Context, year: int) -> None:
    firms.step(s.firms, firms_inputs(s, ctx, year), ctx.parallel)


def run_labour(s: States, ctx: Context, year: int) -> None:
    inputs = labour_inputs(ctx, year, s.world, s.firms, s.observed.labour_force())
    labour.step(s.labour, s.households, inputs, ctx.parallel)


def run_demography(s: States, ctx: Context, year: int) -> None:
    demography.step(s.demography, s.households, demography_inputs(s, ctx, year), ctx.parallel)


def run_migration(s: States, ctx: Context, year: int) -> None:
    migration.step(s.migration, s.households, migration_inputs(s, ctx, year), ctx.parallel)


def run_housing(s: States, ctx: Context, year: int) -> None:
    housing.step(s.housing, housing_inputs(s, ctx, year), ctx.parallel)


def run_observation(s: States, ctx: Context, year: int) -> None:
    s.observed = observe(s, ctx, year)


def observe(s: States, ctx: Context, year: int) -> observation.Observed:
    """The households as they are now, against the start's QoL reference."""
    inputs = observation_inputs(ctx, year, s.world, service_levels(s), s.labour, s.housing.price,
                                s.observed.reference)
    return observation.observe(s.households, inputs, ctx.parallel)


# ------------------------------------------------------------------------- outputs
@dataclass(frozen=True)
class Welfare:
    """A year's welfare by municipality, in KRW terms of the start year (agent units,
    million KRW a year; :func:`welfare`).

    Attributes:
        parts: (M, P) the compensating variation of the municipality's households by
            part (:data:`sim.processes.migration.WELFARE_PARTS`); the parts sum to the
            total.
        by_age: (M, 3) the total by age class of the head.
        households: (M,) the households it is summed over.
        income: (M,) the income it is measured on: the start's mean income of each cell
            times the cell's households now.
        housing_transfer: (M,) what occupants pay more for housing than at the start's
            prices (owners receive it: a transfer, not welfare).
    """

    parts: np.ndarray
    by_age: np.ndarray
    households: np.ndarray
    income: np.ndarray
    housing_transfer: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.parts.sum(axis=1)


def welfare(s: States, ctx: Context) -> Welfare:
    """This year's welfare change against the start in money (:class:`Welfare`): the
    utility parts of :func:`sim.processes.migration.welfare_utility`, each cell's
    exact compensating variation on the start's income of the cell
    (:func:`sim.metrics.welfare_money`), summed over the households of each cell."""
    base = s.migration.welfare_base
    money = migration.money_coefficients(ctx.cfg.behaviour.migration)
    cells = s.observed.households_by_type.astype(float)
    per_household = metrics.welfare_money(s.migration.welfare, base.income, money)  # (M, T, P)
    parts = np.einsum("mt,mtp->mp", cells, per_household)
    by_age = by_age_class(np.einsum("mt,mtp->mt", cells, per_household))
    income = (cells * base.income).sum(axis=1)
    transfer = ctx.cfg.run.housing_cost_share * income * (s.housing.price / base.price - 1.0)
    return Welfare(parts, by_age, cells.sum(axis=1), income, transfer)


def snapshot(s: States, ctx: Context, year: int) -> Snapshot:
    """What the outputs need of this year (:class:`sim.outputs.Snapshot`)."""
    o = s.observed
    w = welfare(s, ctx)
    return Snapshot(
        year=year,
        households_by_type=o.households_by_type,
        persons_by_type=o.persons_by_type,
        income_by_type=o.income_by_type,
        felt_persons=o.felt_persons,
        felt_loss_persons=o.felt_loss_persons,
        qol=o.qol,
        qol_mean=o.qol_mean,
        flows_persons=s.migration.flows_persons,
        jobs=s.firms.jobs,
        output=s.firms.output,
        firms=s.firms.counts.astype(float),
        wage=s.labour.mean_wage,
        employment_rate=s.labour.employment_rate,
        price=s.housing.price,
        services=service_levels(s),
        investment_krw=s.policy.investment_krw,
        private_krw=s.policy.private_krw,
        births=s.demography.births,
        deaths=s.demography.deaths,
        immigrants=s.demography.immigrants,
        welfare_krw=w.total,
        welfare_parts=w.parts,
        welfare_by_age=w.by_age,
        welfare_households=w.households,
        welfare_income=w.income,
        housing_transfer=w.housing_transfer,
        flows_by_age=s.migration.flows_by_age,
        local_operation_krw=s.policy.local_operation_krw,
        spend_krw=s.policy.spend_krw,
    )
