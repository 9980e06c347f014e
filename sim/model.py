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

from sim import schedule, start
from sim.agents.municipality import Municipality
from sim.beliefs import is_resolved
from sim.compat import ScenarioKeyword, mesa
from sim.config import ConfigError, SimConfig
from sim.data import Region, load_region
from sim.kernels.parallel import DEFAULT, Parallel
from sim.outputs import Recorder
from sim.parameters import config_for
from sim.processes import migration
from sim.schedule import SCHEDULE, Context, States


class SmartCityModel(ScenarioKeyword, mesa.Model):
    """Households, firms and municipalities of a region responding to a policy scenario.

    Built either from a config, ``SmartCityModel(cfg)``, or the Mesa way from keyword
    parameters, ``SmartCityModel(scenario="trouble_shooter", seed=1)``: each keyword is
    the command-line override of :data:`sim.parameters.PARAMETERS` (``seed`` ->
    ``run.seed``), composed and checked by :func:`sim.config.make_config` like
    ``python -m sim``, so a bad value raises the same :class:`~sim.config.ConfigError`.

    Args:
        cfg: the validated, resolved configuration (:func:`sim.config.make_config`);
            None to build it from the keyword parameters below.
        region: the region to run on; loaded from ``cfg.region`` when omitted. Without
            ``cfg`` it may also be a region option's name ("korea", "synthetic").
        parallel: when kernels use threads (:class:`~sim.kernels.parallel.Parallel`);
            results do not depend on it.
        scenario, beliefs, seed, years, scale, start_year, budget_krw: keyword parameters
            (None keeps the config default); see :data:`sim.parameters.PARAMETERS`.
        overrides: more command-line overrides (``["governance=province_led"]``).
        values: a nested mapping merged on top (see :func:`sim.config.make_config`).
        start_state: a start state made for this config (:func:`sim.start.for_levers`
            of a template of the same :func:`sim.start.start_key`) instead of building it.

    Attributes:
        states: every state of the run (:class:`sim.schedule.States`), each owned by one
            process; ``world``, ``households``, ``firms``, ``labour``, ``demography``,
            ``migration``, ``housing``, ``policy`` and ``observed`` read them.
        context: the resolved config, levers, random streams and threading policy.
        records: the output rows (:class:`sim.outputs.Recorder`).
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
        start_state: States | None = None,
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
        if not is_resolved(cfg):
            raise ConfigError("the config's lever magnitudes are not filled from the beliefs: "
                              "build it with sim.config.make_config (or sim.parameters.config_for)")
        super().__init__(rng=cfg.run.seed)
        t0 = time.perf_counter()
        self.cfg = cfg
        self.params = cfg.behaviour
        self.context = Context.of(cfg, parallel)
        self.region = region or load_region(cfg.region)
        self.year = self.context.start_year
        self.timings: dict[str, list[float]] = defaultdict(list)

        self.municipalities = Municipality.create_agents(
            self, self.region.n, index=list(range(self.region.n)), row=self.region.table.to_dict("records")
        )
        self.municipalities_list = list(self.municipalities)
        self.states: States = (start.build(self.region, self.context) if start_state is None
                               else start_state)
        self.states.households.model = self
        self.states.firms.agents.model = self
        self.records = Recorder(self.states.world, self.context.scale, cfg.run.discount_rate)
        self._record()
        self.datacollector = self.records.datacollector()
        self.datacollector.collect(self)
        self.timings["build"].append(time.perf_counter() - t0)

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One simulated year: policy, firms, demography, labour, migration, housing,
        observation (the phases of :mod:`sim.schedule`), then the year's output rows."""
        self.year += 1
        s, ctx, y = self.states, self.context, self.year
        with self._timed("policy"):
            schedule.run_policy(s, ctx, y)
        with self._timed("firms"):
            schedule.run_firms(s, ctx, y)
        with self._timed("demography"):
            schedule.run_demography(s, ctx, y)
        with self._timed("labour"):
            schedule.run_labour(s, ctx, y)
        with self._timed("migration"):
            schedule.run_migration(s, ctx, y)
        with self._timed("housing"):
            schedule.run_housing(s, ctx, y)
        with self._timed("observation"):
            schedule.run_observation(s, ctx, y)
            self._record()
            self.datacollector.collect(self)
        self.running = y - ctx.start_year < self.cfg.run.years

    @contextmanager
    def _timed(self, process: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.timings[process].append(time.perf_counter() - t0)

    def _record(self) -> None:
        self.records.record(schedule.snapshot(self.states, self.context, self.year))

    def reset_records(self) -> None:
        """Observe the households as they are now and start the output records afresh
        from this year: for studies (and tests) that edit the start state by hand, e.g.
        move every household out of a municipality, before the first step."""
        self.states.observed = schedule.observe(self.states, self.context, self.year)
        self.records = Recorder(self.states.world, self.context.scale, self.cfg.run.discount_rate)
        self._record()
        self.datacollector = self.records.datacollector()
        self.datacollector.collect(self)

    # ------------------------------------------------------------ derived state
    # Read-only views of the states and context (each state is written by its process).
    world = property(lambda self: self.states.world)
    households = property(lambda self: self.states.households)
    firms = property(lambda self: self.states.firms)
    labour = property(lambda self: self.states.labour)
    demography = property(lambda self: self.states.demography)
    migration = property(lambda self: self.states.migration)
    housing = property(lambda self: self.states.housing)
    policy = property(lambda self: self.states.policy)
    observed = property(lambda self: self.states.observed)
    levers = property(lambda self: self.context.levers)
    streams = property(lambda self: self.context.streams)
    parallel = property(lambda self: self.context.parallel)
    scale = property(lambda self: self.context.scale)
    start_year = property(lambda self: self.context.start_year)

    @property
    def n_munis(self) -> int:
        return self.world.n

    @property
    def persons(self) -> np.ndarray:
        """(M,) persons at the last observation, in agent units (x ``scale`` for people)."""
        return self.observed.persons

    def service_levels(self) -> np.ndarray:
        """(M, 6) service levels, 0-100: census base plus what smart assets add."""
        return schedule.service_levels(self.states)

    def migration_conditions(self) -> migration.Conditions:
        """The municipal conditions movers weigh now (from the states that own them)."""
        return schedule.conditions(self.states, self.context, self.year)

    def choice_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """This year's move probabilities (M, T, B) and destination probabilities (M, T, M)."""
        move_prob, dest, _ = migration.choice_tables(
            self.params.migration, self.params.qol.service_weights, self.migration_conditions(),
            self.migration.amenity, self.migration.network, self.world, self.migration.anchors,
            self.migration.pair, self.migration.age_pull,
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


def release(model: mesa.Model) -> None:
    """Drop Mesa 3.3's class-level reference to a finished ``model`` (see
    :meth:`SmartCityModel.release`; nothing to drop on Mesa 3.4+, which has no
    ``Agent._ids``); works for any ``mesa.Model``."""
    getattr(mesa.Agent, "_ids", {}).pop(model, None)


__all__ = ["SCHEDULE", "SmartCityModel", "release"]
