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
from collections.abc import Mapping, Sequence
from typing import Any

from sim.config import ConfigError
from sim.effects import appraisal_effects, headline_effects, national_effects
from sim.kernels.parallel import prefer_passive_waiting
from sim.parameters import PARAMETERS, config_for, overrides_for
from sim.runner import Result, RunDirError, run


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
    prefer_passive_waiting()  # an entry point: before the first parallel kernel
    return run(cfg, out_dir=out_dir)


__all__ = [
    "PARAMETERS", "ConfigError", "Result", "RunDirError", "appraisal_effects", "config_for",
    "headline_effects",
    "national_effects", "overrides_for", "simulate",
]
