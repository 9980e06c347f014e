"""The one run path: build a model, step it, collect its tables, write them, release it.

:func:`run` is what every way of running the model goes through: the command line
(``python -m sim``), the Python API (:func:`sim.simulate`), the calibration, the studies
and the sweep runner. It takes a config made by :func:`sim.config.make_config` or Hydra
(validated and resolved once, there) and returns a :class:`Result`; with ``out_dir`` it
writes the run directory (``national.parquet``, ``municipalities.parquet``,
``flows.parquet``, ``provinces.parquet``, ``run.json``, ``plots/`` in ``report.lang``, and ``gis/`` with ``run.gis``) atomically,
and a directory that already holds a complete run of the same config is read back
instead of rerun (how a relaunched sweep skips finished runs). The dashboard steps its models year by year (Mesa's way) and reads the same
recorder.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim import io
from sim.catalogue import HEADLINE_METRICS
from sim.config import SimConfig, config_record
from sim.data import Region
from sim.effects import national_effects
from sim.kernels.parallel import DEFAULT, Parallel
from sim.outputs import provinces_frame

log = logging.getLogger("sim")
year_log = logging.getLogger("sim.years")  # one line per simulated year, to the log file


class RunDirError(ValueError):
    """A directory that does not hold a complete run; the message says what is missing."""


@dataclass(repr=False)
class Result:
    """One finished run: its two output tables and its manifest.

    Attributes:
        national: one row a year (``national.parquet``), from the start year.
        municipalities: one row per municipality and year (``municipalities.parquet``).
        manifest: what ``run.json`` holds: ``config`` (resolved), ``seed``, ``versions``,
            ``git_revision``, ``wall_seconds``, ``completed``.
        path: the run directory, if the run was written to (or read from) disk.
        flows: movers by origin and destination province, age class and year
            (``flows.parquet``), from the first simulated year.
        provinces: one row per province and year (``provinces.parquet``), summed from
            the municipal rows and the flows (:func:`sim.outputs.provinces_frame`).
    """

    national: pd.DataFrame
    municipalities: pd.DataFrame
    manifest: dict[str, Any]
    path: Path | None = field(default=None)
    flows: pd.DataFrame | None = field(default=None)
    provinces: pd.DataFrame | None = field(default=None)

    def __repr__(self) -> str:
        years = self.national["year"] if "year" in self.national else pd.Series(dtype=int)
        span = f"{int(years.min())}-{int(years.max())}" if len(years) else "no years"
        beliefs = self.config.get("beliefs", {}).get("name", "?")
        where = f", path={str(self.path)!r}" if self.path else ""
        return (f"Result(scenario={self.scenario!r}, beliefs={beliefs!r}, seed={self.seed}, "
                f"years={span}, municipalities={self.municipalities['code'].nunique()}{where})")

    @property
    def config(self) -> dict[str, Any]:
        """The resolved config (nested dicts), as recorded in the manifest."""
        return self.manifest["config"]

    @property
    def scenario(self) -> str:
        return str(self.config["scenario"]["name"])

    @property
    def seed(self) -> int:
        return int(self.config["run"]["seed"])

    def final(self) -> pd.Series:
        """The national row of the last simulated year."""
        return self.national.iloc[-1]

    def effects(self, baseline: Result, metrics: Sequence[str] = HEADLINE_METRICS) -> pd.DataFrame:
        """Year by year, this run minus ``baseline`` (see :func:`sim.effects.national_effects`)."""
        return national_effects(self.national, baseline.national, metrics)

    @classmethod
    def load(cls, run_dir: str | os.PathLike[str]) -> Result:
        """Read a run directory written by ``python -m sim`` or ``simulate(out_dir=...)``.

        Raises:
            RunDirError: the directory holds no complete run.
        """
        run_dir = Path(run_dir)
        if not io.is_complete(run_dir):
            missing = [n for n in io.RUN_OUTPUTS if not (run_dir / n).exists()]
            why = f"missing {', '.join(missing)}" if missing else "run.json does not say completed"
            raise RunDirError(f"{run_dir}: not a complete run directory ({why})")
        return cls(
            national=io.read_parquet(run_dir / "national.parquet"),
            municipalities=io.read_parquet(run_dir / "municipalities.parquet"),
            manifest=io.read_manifest(run_dir) or {},
            path=run_dir,
            flows=io.read_parquet(run_dir / "flows.parquet"),
            provinces=io.read_parquet(run_dir / "provinces.parquet"),
        )


def run(
    cfg: SimConfig,
    *,
    region: Region | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    parallel: Parallel = DEFAULT,
    progress: bool | None = None,
    start_state=None,
) -> Result:
    """Build, step ``cfg.run.years`` years, collect, (write,) release.

    Args:
        cfg: a validated, resolved config (:func:`sim.config.make_config`,
            :func:`sim.config.to_typed`).
        region: the region, if already loaded (a study reuses it across its runs);
            loaded from ``cfg.region`` otherwise.
        out_dir: write the run directory there; if it already holds a complete run of
            this config, that run is read back and nothing is simulated.
        parallel: when kernels use threads (results do not depend on it).
        progress: a progress bar over the years (default: ``cfg.run.progress``).
        start_state: the run's start state, if made already (:func:`run_many` does).
    """
    from sim.model import SmartCityModel

    record = config_record(cfg)
    manifest = None
    if out_dir is not None:
        out_dir = Path(out_dir)
        if io.is_complete(out_dir, record):
            log.info("%s already holds a complete run of this config; skipping", out_dir)
            return Result.load(out_dir)
        io.clear_run(out_dir)  # a stale, incomplete run: start afresh
        manifest = io.Manifest(out_dir, record)
    t0 = time.perf_counter()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    model = SmartCityModel(cfg, region=region, parallel=parallel, start_state=start_state)
    try:
        log.info("built %s: %d municipalities, %d household agents, %d firm agents (scale %g) "
                 "in %.1f s", cfg.region.name, model.n_munis, len(model.households),
                 len(model.firms.agents), model.scale, time.perf_counter() - t0)
        years = range(cfg.run.years)
        if cfg.run.progress if progress is None else progress:
            from tqdm.auto import tqdm

            years = tqdm(years, desc=f"{cfg.scenario.name} seed {cfg.run.seed}", unit="yr")
        for _ in years:
            t_year = time.perf_counter()
            model.step()
            year_log.info("year %d simulated in %.2f s", model.year, time.perf_counter() - t_year)
        national = model.records.national_frame()
        municipal = model.records.municipal_frame()
        flows = model.records.flows_frame()
        provinces = provinces_frame(municipal, flows, model.world)
        wall = {name: float(sum(v)) for name, v in model.timings.items()}
        extra = {"households_agents": len(model.households), "firm_agents": len(model.firms.agents)}
        if manifest is None:
            wall["total"] = time.perf_counter() - t0
            data = io.manifest_data(record, started=started, wall_seconds=wall, completed=True,
                                    **extra)
        else:
            t_write = time.perf_counter()
            io.write_parquet(national, out_dir / "national.parquet")
            io.write_parquet(municipal, out_dir / "municipalities.parquet")
            io.write_parquet(flows, out_dir / "flows.parquet")
            io.write_parquet(provinces, out_dir / "provinces.parquet")
            if cfg.run.plots:
                from sim import plots

                plots.run_figures(out_dir, national, municipal, model.region,
                                  lang=cfg.report.lang, scenario=cfg.scenario.name,
                                  beliefs=cfg.beliefs.name)
            if cfg.run.gis:
                from sim import gis

                gis.export_run(out_dir, municipal=municipal, region=model.region)
            wall["write"] = time.perf_counter() - t_write
            wall["total"] = time.perf_counter() - t0
            manifest.finish(wall, **extra)
            data = manifest.data
            log.info("outputs in %s (%.1f s)", out_dir, wall["total"])
    finally:
        model.release()  # a sweep worker's memory must not grow per run (Mesa 3.3.1 leak)
    return Result(national, municipal, data, out_dir, flows, provinces)


def run_many(cfgs: Sequence[SimConfig], *, region: Region | None = None,
             parallel: Parallel = DEFAULT) -> list[Result]:
    """:func:`run` each config in memory, building each distinct start state once: runs
    that differ only in their policy (scenario, levers, budget, beliefs' lever
    magnitudes) start from copies of one state (:func:`sim.start.for_levers`), so a
    world's scenarios cost one build. Results are those of :func:`run`, bit for bit."""
    from sim import start
    from sim.data import load_region
    from sim.schedule import Context

    results: list[Result | None] = [None] * len(cfgs)
    groups: dict[str, list[int]] = {}
    for i, cfg in enumerate(cfgs):
        groups.setdefault(start.start_key(cfg), []).append(i)
    for members in groups.values():
        first = cfgs[members[0]]
        here = region or load_region(first.region)
        template = start.build(here, Context.of(first, parallel))
        for i in members:
            state = start.for_levers(template, here, Context.of(cfgs[i], parallel))
            results[i] = run(cfgs[i], region=here, parallel=parallel, progress=False,
                             start_state=state)
        del template
    return results  # type: ignore[return-value]


__all__ = ["Result", "RunDirError", "run", "run_many"]
