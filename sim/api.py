"""The Python API: run and read simulations from a notebook or a script.

::

    import sim

    ts = sim.simulate(scenario="trouble_shooter", years=20, seed=0)
    base = sim.simulate(scenario="no_investment", years=20, seed=0)   # its same-seed twin
    ts.national                # one row a year, the columns of national.parquet
    ts.municipalities          # one row per municipality and year (municipalities.parquet)
    ts.manifest["config"]      # the resolved config, as in run.json
    ts.effects(base)           # year by year: scenario - baseline, headline metrics

:func:`simulate` builds its config with the keyword parameters of
:mod:`sim.parameters` and :func:`sim.config.make_config`, the helper behind
``python -m sim``, so a setting is checked, and refused, exactly as on the command line
(:class:`~sim.config.ConfigError`). With ``out_dir`` it writes the command line's run
directory (parquet tables, ``run.json``, plots) and reads it back. For Mesa's own ways
(keyword construction, ``model.datacollector``, ``mesa.batch_run``) see
:class:`sim.model.SmartCityModel` and docs/python.md.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from sim import io
from sim.catalogue import HEADLINE_METRICS, NATIONAL
from sim.config import ConfigError, SimConfig
from sim.parameters import PARAMETERS, config_for, overrides_for


class RunDirError(ValueError):
    """A directory that does not hold a complete run; the message says what is missing."""


@dataclass
class Result:
    """One finished run: its two output tables and its manifest.

    Attributes:
        national: one row a year (``national.parquet``), from the start year.
        municipalities: one row per municipality and year (``municipalities.parquet``).
        manifest: what ``run.json`` holds: ``config`` (resolved), ``seed``, ``versions``,
            ``git_revision``, ``wall_seconds``, ``completed``.
        path: the run directory, if the run was written to (or read from) disk.
    """

    national: pd.DataFrame
    municipalities: pd.DataFrame
    manifest: dict[str, Any]
    path: Path | None = field(default=None)

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
        """Year by year, this run minus ``baseline`` (see :func:`national_effects`)."""
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
            national=pd.read_parquet(run_dir / "national.parquet"),
            municipalities=pd.read_parquet(run_dir / "municipalities.parquet"),
            manifest=io.read_manifest(run_dir) or {},
            path=run_dir,
        )


def simulate(
    scenario: str | None = None,
    *,
    years: int | None = None,
    seed: int | None = None,
    scale: float | None = None,
    start_year: int | None = None,
    budget_krw: float | None = None,
    region: str | None = None,
    beliefs: str | None = None,
    overrides: Sequence[str] = (),
    values: Mapping[str, Any] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> Result:
    """Run one simulation and return its outputs.

    Args:
        scenario: a scenario of ``configs/scenario/`` (default ``no_investment``).
        years, seed, scale, start_year, budget_krw, region, beliefs: the keyword
            parameters of :data:`sim.parameters.PARAMETERS`; None keeps the default.
        overrides: any other setting, as on the command line
            (``["governance=province_led", "behaviour.migration.network=0.2"]``).
        values: a nested mapping merged on top (``{"behaviour": {"qol": {...}}}``).
        out_dir: also write the command line's run directory there (and return what
            was written); a directory that already holds this exact run is reused.
        progress: show a progress bar over the simulated years.

    Raises:
        sim.config.ConfigError: an impossible or unknown setting, before any simulation.
    """
    params = {"scenario": scenario, "years": years, "seed": seed, "scale": scale,
              "start_year": start_year, "budget_krw": budget_krw, "region": region,
              "beliefs": beliefs}
    # run.progress is part of a run's config (as on the command line), so say the truth
    cfg = config_for([f"run.progress={str(progress).lower()}", *overrides], values, **params)
    if out_dir is not None:
        from sim.__main__ import run_simulation

        run_simulation(OmegaConf.structured(cfg), Path(out_dir))
        return Result.load(out_dir)

    from sim.model import SmartCityModel

    t0 = time.perf_counter()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    model = SmartCityModel(cfg)
    try:
        model.run(progress=progress)
        national = model.records.national_frame()
        municipalities = model.records.municipal_frame()
        wall = {name: float(sum(v)) for name, v in model.timings.items()}
        wall["total"] = time.perf_counter() - t0
        manifest = _manifest(cfg, wall, started, households_agents=len(model.households),
                             firm_agents=len(model.firms.agents))
    finally:
        model.release()
    return Result(national, municipalities, manifest)


def _manifest(cfg: SimConfig, wall: dict[str, float], started: str, **extra: Any) -> dict[str, Any]:
    """The keys of ``run.json`` (:class:`sim.io.Manifest`) for a run kept in memory."""
    config = OmegaConf.to_container(OmegaConf.structured(cfg), resolve=True)
    return {
        "completed": True,
        "started": started,
        "config": config,
        "seed": cfg.run.seed,
        "versions": io.package_versions(),
        "git_revision": io.git_revision(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "wall_seconds": wall,
        **extra,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def national_effects(
    treated: pd.DataFrame, baseline: pd.DataFrame, metrics: Sequence[str] = HEADLINE_METRICS,
) -> pd.DataFrame:
    """Year by year, ``treated - baseline`` of each national metric (in the columns'
    own units), over the years both tables hold; indexed by year.

    With a baseline run of the same seed (``no_investment``), the difference is the
    scenario's effect with the run-to-run noise mostly cancelled (common random numbers).
    """
    t = treated.set_index("year")
    b = baseline.set_index("year")
    years = t.index.intersection(b.index)
    cols = [m for m in metrics if m in t.columns and m in b.columns]
    return t.loc[years, cols] - b.loc[years, cols]


def headline_effects(
    treated: pd.DataFrame, baseline: pd.DataFrame, year: int | None = None,
    metrics: Sequence[str] = HEADLINE_METRICS,
) -> pd.DataFrame:
    """The headline metrics in display units in ``year`` (default: the last year both
    tables hold): one row per metric with ``label``, ``unit`` (of the level),
    ``scenario`` and ``baseline`` levels, and the ``effect`` in ``effect_unit`` (a
    relative effect, e.g. national output, in % of the baseline)."""
    t = treated.set_index("year")
    b = baseline.set_index("year")
    years = t.index.intersection(b.index)
    if not len(years):
        return pd.DataFrame(columns=["metric", "label", "unit", "scenario", "baseline",
                                     "effect", "effect_unit"])
    year = int(years.max()) if year is None else int(year)
    rows = []
    for m in metrics:
        if m not in t.columns or m not in b.columns or m not in NATIONAL:
            continue
        meta = NATIONAL[m]
        tv, bv = float(t.at[year, m]), float(b.at[year, m])
        if meta.effect_factor is None:
            effect = 100 * (tv - bv) / bv if bv else float("nan")
        else:
            effect = (tv - bv) * meta.effect_factor
        rows.append({"metric": m, "label": meta.label, "unit": meta.level_unit,
                     "scenario": tv * meta.level_factor, "baseline": bv * meta.level_factor,
                     "effect": effect, "effect_unit": meta.effect_unit})
    return pd.DataFrame(rows)


__all__ = [
    "PARAMETERS", "ConfigError", "Result", "RunDirError", "config_for", "headline_effects",
    "national_effects", "overrides_for", "simulate",
]
