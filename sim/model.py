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

The Mesa way: the model can also be built from keyword parameters
(``SmartCityModel(scenario="trouble_shooter", seed=1, years=5)``, mapped onto the config
by :mod:`sim.parameters`), it stops (``running`` False) after ``run.years`` steps, and its
``datacollector`` (a ``mesa.DataCollector``, collected at the start and after every step)
has the national output columns as model reporters and the municipal output columns as
agent reporters of the Municipality agents. So ``mesa.batch_run(SmartCityModel, ...)``
and Mesa's visualisation work with it (docs/python.md).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from sim.agents.municipality import Municipality
from sim.beliefs import resolve
from sim.compat import ScenarioKeyword, mesa
from sim.config import SimConfig
from sim.data import Region, load_region
from sim.data import world as world_builder
from sim.kernels.parallel import DEFAULT, Parallel, prefer_passive_waiting
from sim.parameters import config_for
from sim.processes import demography, firms, housing, labour, migration, observation, policy
from sim.streams import Streams

#: The processes of one simulated year, in order (MODEL.md, "Process").
SCHEDULE = ("policy", "firms", "labour", "demography", "migration", "housing", "observation")


class SmartCityModel(ScenarioKeyword, mesa.Model):
    """Households, firms and municipalities of a region responding to a policy scenario.

    Built either from a config, ``SmartCityModel(cfg)``, or the Mesa way from keyword
    parameters, ``SmartCityModel(scenario="trouble_shooter", seed=1)``: each keyword is
    the command-line override of :data:`sim.parameters.PARAMETERS` (``seed`` ->
    ``run.seed``), composed and checked by :func:`sim.config.make_config` like
    ``python -m sim``, so a bad value raises the same :class:`~sim.config.ConfigError`.

    Args:
        cfg: the validated configuration (see :mod:`sim.config`); None to build it from
            the keyword parameters below.
        region: the region to run on; loaded from ``cfg.region`` when omitted. Without
            ``cfg`` it may also be a region option's name ("korea", "synthetic").
        parallel: when kernels use threads (:class:`~sim.kernels.parallel.Parallel`);
            results do not depend on it.
        scenario, beliefs, seed, years, scale, start_year, budget_krw: keyword parameters
            (None keeps the config default); see :data:`sim.parameters.PARAMETERS`.
        overrides: more command-line overrides (``["governance=province_led"]``).
        values: a nested mapping merged on top (see :func:`sim.config.make_config`).

    Attributes (the states, each owned by one process; see docs/architecture.md):
        world: static facts of the municipalities. households: the household agents.
        firms, labour, demography, migration, housing, policy: the processes' states.
        observed: last observation's household totals and QoL. records: the outputs.
        datacollector: the same outputs as a ``mesa.DataCollector``.
        running: False once ``cfg.run.years`` years are simulated (``mesa.batch_run``
            and Mesa's visualisation stop there; ``step()`` itself does not refuse).
    """

    def __init__(
        self,
        cfg: SimConfig | None = None,
        region: Region | str | None = None,
        *,
        parallel: Parallel = DEFAULT,
        scenario: str | None = None,
        beliefs: str | None = None,
        seed: int | None = None,
        years: int | None = None,
        scale: float | None = None,
        start_year: int | None = None,
        budget_krw: float | None = None,
        overrides: Sequence[str] = (),
        values: Mapping[str, Any] | None = None,
    ):
        params = {"scenario": scenario, "beliefs": beliefs, "seed": seed, "years": years,
                  "scale": scale, "start_year": start_year, "budget_krw": budget_krw}
        if cfg is None:
            if isinstance(region, str) or region is None:
                params["region"], region = region, None
            else:  # a Region object: run on it, and let the config name it
                params["region"] = region.name
            cfg = config_for(overrides, values, **params)
        elif isinstance(region, str) or overrides or values or any(
                v is not None for v in params.values()):
            raise TypeError("SmartCityModel takes either a config (cfg, optionally a Region) "
                            "or keyword parameters, not both")
        super().__init__(rng=cfg.run.seed)
        prefer_passive_waiting()
        t0 = time.perf_counter()
        cfg = resolve(cfg)  # lever magnitudes left null are the beliefs' (sim.beliefs)
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
        self.levers = policy.Levers.of(cfg)
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
        self.records = observation.Recorder(cfg.run.discount_rate)
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
                       self.policy.tech_shift, self.policy.tech_index, self.cfg.beliefs.tech,
                       s.key("firms", y), s.identity_key(), self.parallel)
        with self._timed("labour"):
            labour.step(self.labour, self.households, e, self.firms.jobs, self.firms.output,
                        self.firms.productivity0, self.observed.labour_force(), elapsed,
                        s.key("labour", y), s.identity_key(), self.parallel, self.world.distance_km)
        with self._timed("demography"):
            demography.step(self.demography, self.households, p.demography, y,
                            self.observed.persons, self.firms.jobs.sum(axis=1),
                            s.key("demography", y), s.identity_key(),
                            p.qol.felt_threshold_spread, self.parallel)
        with self._timed("migration"):
            migration.step(self.migration, self.households, p.migration, p.qol.service_weights,
                           self.migration_conditions(), self.world, elapsed,
                           s.key("migration", y), self.parallel)
        with self._timed("housing"):
            housing.step(self.housing, p.housing, self.households.muni, self.scale, elapsed,
                         self.parallel, y)
        with self._timed("observation"):
            self.observed = self._observe()
            self._record()
        self.running = elapsed < self.cfg.run.years

    @contextmanager
    def _timed(self, process: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.timings[process].append(time.perf_counter() - t0)

    def _observe(self) -> observation.Observed:
        return observation.observe(
            self.households, self.params.qol, self.service_levels(), self.labour.employment_rate,
            self.labour.mean_wage, self.housing.price, self._trend(), self.observed.reference,
            self.world.n, self.parallel,
        )

    def _record(self) -> None:
        self.records.record(
            self.year, self.scale, self.world, self.observed, labour=self.labour,
            firms=self.firms, housing=self.housing, migration=self.migration,
            demography=self.demography, policy=self.policy, services=self.service_levels(),
            money=migration.money_coefficients(self.params.migration),
        )
        # The DataCollector reads the rows just recorded (columns as lists, one item per
        # municipality in index order), so it costs a few lookups per value, not a recount.
        self._latest_municipal = {c: v.tolist() for c, v in self.records.municipal[-1].items()}
        if len(self.records.national) == 1:  # a fresh Recorder: its columns are known now
            self.datacollector = _datacollector(self.records)
        self.datacollector.collect(self)

    def reset_records(self) -> None:
        """Observe the households as they are now and start the output records afresh
        from this year: for studies (and tests) that edit the start state by hand, e.g.
        move every household out of a municipality, before the first step."""
        self.observed = self._observe()
        self.records = observation.Recorder(self.cfg.run.discount_rate)
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
            self.observed, self.service_levels(), self.policy, self.labour, self.housing,
            self._trend(),
        )

    def _trend(self) -> float:
        """The common productivity trend since the start, exp(drift x years)."""
        return float(np.exp(self.params.economy.productivity_drift * (self.year - self.start_year)))

    def choice_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """This year's move probabilities (M, T, B) and destination probabilities (M, T, M)."""
        move_prob, dest, _ = migration.choice_tables(
            self.params.migration, self.params.qol.service_weights, self.migration_conditions(),
            self.migration.amenity, self.migration.network, self.world, self.migration.anchors,
        )
        return move_prob, dest

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

        Mesa 3.3 (Python 3.11) keeps every model alive in the class-level ``Agent._ids``
        counter table (mesa/mesa#3179), so loops that build many models (sweeps,
        calibration) grow without bound unless each model is released. Mesa 3.4+ counts
        agent ids on the model and keeps no such table: there it does nothing. Call it
        only when no more agents will be created for this model.
        """
        release(self)


def _datacollector(records: observation.Recorder) -> mesa.DataCollector:
    """A ``mesa.DataCollector`` of the model's output rows: one model reporter per column
    of ``national.parquet`` and one agent reporter (of the Municipality agents) per column
    of ``municipalities.parquet``, each reading the latest row the Recorder wrote, so
    ``get_model_vars_dataframe()`` and ``get_agent_vars_dataframe()`` hold the parquet
    tables (one Mesa step per simulated year, step 0 the start)."""
    national, municipal = list(records.national[0]), list(records.municipal[0].columns)

    def model_reporter(column: str):
        return lambda m: m.records.national[-1][column]

    def agent_reporter(column: str):
        return lambda a: a.model._latest_municipal[column][a.index]

    return mesa.DataCollector(
        model_reporters={c: model_reporter(c) for c in national},
        agent_reporters={c: agent_reporter(c) for c in municipal},
    )


def release(model: mesa.Model) -> None:
    """Drop Mesa 3.3's class-level reference to a finished ``model`` (see
    :meth:`SmartCityModel.release`; nothing to drop on Mesa 3.4+, which has no
    ``Agent._ids``); works for any ``mesa.Model``."""
    getattr(mesa.Agent, "_ids", {}).pop(model, None)


__all__ = ["SmartCityModel", "SCHEDULE", "release"]
