"""The Mesa model: holds the processes' states and steps their schedule.

The world builder (:func:`sim.data.world.build`) derives every state from the census of
the region; ``step()`` is the schedule of one simulated year, each process a module of
:mod:`sim.processes` whose ``step`` takes what it reads as arguments and writes only its
own state. Municipalities are Mesa agents over their rows; households and firms are
column stores (:class:`~sim.agents.columns.ColumnAgents`) stepped by Numba kernels.
docs/architecture.md has the table of which process reads and writes which state.

Randomness: one run seed (:class:`~sim.streams.Streams`); each process draws from its
own stream for each year, so two runs with the same seed share their random numbers
process by process and year by year (common random numbers).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

import mesa
import numpy as np

from sim.agents.municipality import Municipality
from sim.config import SimConfig
from sim.data import Region, load_region
from sim.data import world as world_builder
from sim.kernels.parallel import DEFAULT, Parallel, prefer_passive_waiting
from sim.processes import demography, firms, housing, labour, migration, observation, policy
from sim.streams import Streams

#: The processes of one simulated year, in order (MODEL.md, "Process").
SCHEDULE = ("policy", "firms", "labour", "demography", "migration", "housing", "observation")


class SmartCityModel(mesa.Model):
    """Households, firms and municipalities of a region responding to a policy scenario.

    Args:
        cfg: the validated configuration (see :mod:`sim.config`).
        region: the region to run on; loaded from ``cfg.region`` when omitted.
        parallel: when kernels use threads (:class:`~sim.kernels.parallel.Parallel`);
            results do not depend on it.

    Attributes (the states, each owned by one process; see docs/architecture.md):
        world: static facts of the municipalities. households: the household agents.
        firms, labour, demography, migration, housing, policy: the processes' states.
        observed: last observation's household totals and QoL. records: the outputs.
    """

    def __init__(self, cfg: SimConfig, region: Region | None = None, *, parallel: Parallel = DEFAULT):
        super().__init__(seed=cfg.run.seed)
        prefer_passive_waiting()
        t0 = time.perf_counter()
        self.cfg = cfg
        self.params = cfg.behaviour
        self.region = region or load_region(
            cfg.region.name, n_municipalities=cfg.region.n_municipalities, seed=cfg.region.seed
        )
        self.scale = float(cfg.run.scale)
        self.start_year = int(cfg.run.start_year)
        self.year = self.start_year
        self.streams = Streams(int(cfg.run.seed))
        self.parallel = parallel
        self.levers = policy.Levers(cfg.budget, cfg.targeting, cfg.instrument, cfg.governance, cfg.lifecycle)
        self.timings: dict[str, list[float]] = defaultdict(list)

        self.municipalities = Municipality.create_agents(
            self, self.region.n, index=list(range(self.region.n)), row=self.region.table.to_dict("records")
        )
        self.municipalities_list = list(self.municipalities)
        start = world_builder.build(self.region, cfg, self.streams, parallel)
        self.world = start.world
        self.households = start.households
        self.households.model = self
        self.firms = start.firms
        self.firms.agents.model = self
        self.labour = start.labour
        self.demography = start.demography
        self.migration = start.migration
        self.housing = start.housing
        self.policy = start.policy
        self.observed = start.observed
        self.records = observation.Recorder()
        self._record()
        self.timings["build"].append(time.perf_counter() - t0)

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One simulated year: policy, firms, labour, demography, migration, housing, observation."""
        self.year += 1
        y, s, p, e = self.year, self.streams, self.params, self.params.economy
        elapsed = y - self.start_year
        with self._timed("policy"):
            policy.step(self.policy, self.levers, y, elapsed - 1, self.world,
                        self.observed.persons_by_type, self.observed.qol_mean,
                        self.firms.output.sum(axis=1), p.qol.service_weights, self.scale,
                        s.rng("policy", y))
            housing.add_dwellings(self.housing, self.policy.dwellings_built)
        with self._timed("firms"):
            firms.step(self.firms, e, self.world.area_km2, self.observed.persons,
                       self.policy.tech_shift, s.key("firms", y), s.identity_key(), self.parallel)
        with self._timed("labour"):
            labour.step(self.labour, self.households, e, self.firms.jobs, self.firms.output,
                        self.firms.productivity0, self.observed.labour_force(), elapsed,
                        s.key("labour", y), s.identity_key(), self.parallel)
        with self._timed("demography"):
            demography.step(self.demography, self.households, p.demography, y,
                            self.observed.persons, self.firms.jobs.sum(axis=1), self.observed.qol,
                            s.key("demography", y), s.identity_key(),
                            p.qol.felt_threshold_spread, self.parallel)
        with self._timed("migration"):
            migration.step(self.migration, self.households, p.migration, p.qol.service_weights,
                           self.migration_conditions(), self.world, elapsed,
                           s.key("migration", y), self.parallel)
        with self._timed("housing"):
            housing.step(self.housing, p.housing, self.households.muni, self.scale, elapsed,
                         self.parallel)
        with self._timed("observation"):
            self.observed = self._observe()
            self._record()

    @contextmanager
    def _timed(self, process: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.timings[process].append(time.perf_counter() - t0)

    def _observe(self) -> observation.Observed:
        return observation.observe(
            self.households, self.params.qol, self.service_levels(), self.labour.employment_rate,
            self.labour.mean_wage, self.housing.price, self.world.n, self.parallel,
        )

    def _record(self) -> None:
        self.records.record(
            self.year, self.scale, self.world, self.observed, labour=self.labour,
            firms=self.firms, housing=self.housing, migration=self.migration,
            demography=self.demography, policy=self.policy, services=self.service_levels(),
        )

    def reset_records(self) -> None:
        """Observe the households as they are now and start the output records afresh
        from this year: for studies (and tests) that edit the start state by hand, e.g.
        move every household out of a municipality, before the first step."""
        self.observed = self._observe()
        self.records = observation.Recorder()
        self._record()

    # ------------------------------------------------------------ derived state
    @property
    def n_munis(self) -> int:
        return self.world.n

    @property
    def persons(self) -> np.ndarray:
        """(M,) persons at the last observation, in agent units (x ``scale`` for people)."""
        return self.observed.persons

    def service_levels(self) -> np.ndarray:
        """(M, 6) service levels, 0-100: census base plus what smart assets add."""
        return policy.service_levels(self.world.services_base, self.policy)

    def migration_conditions(self) -> migration.Conditions:
        """The municipal conditions movers weigh now (from the states that own them)."""
        return world_builder.migration_conditions(
            self.observed, self.service_levels(), self.policy, self.labour, self.housing
        )

    def choice_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """This year's move probabilities (M, T, B) and destination probabilities (M, T, M)."""
        return migration.choice_tables(
            self.params.migration, self.params.qol.service_weights, self.migration_conditions(),
            self.migration.amenity, self.migration.network, self.world,
        )

    # ------------------------------------------------------------------ running
    def run(self, years: int | None = None, progress: bool = False) -> None:
        """Step ``years`` times (default ``cfg.run.years``), with an optional progress bar."""
        years = self.cfg.run.years if years is None else years
        steps = range(years)
        if progress:
            from tqdm.auto import tqdm

            steps = tqdm(steps, desc="simulated years", unit="yr")
        for _ in steps:
            self.step()

    def release(self) -> None:
        """Let this finished model be garbage-collected once the caller drops it.

        Mesa 3.3.1 keeps every model alive in the class-level ``Agent._ids`` counter table
        (mesa/mesa#3179, fixed upstream after 3.3.1), so loops that build many models
        (sweeps, calibration) grow without bound unless each model is released. Call it
        only when no more agents will be created for this model.
        """
        release(self)


def release(model: mesa.Model) -> None:
    """Drop Mesa 3.3.1's class-level reference to a finished ``model`` (see
    :meth:`SmartCityModel.release`); works for any ``mesa.Model``."""
    getattr(mesa.Agent, "_ids", {}).pop(model, None)


__all__ = ["SmartCityModel", "SCHEDULE", "release"]
