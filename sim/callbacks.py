"""Hydra callbacks of a sweep (``python -m sim -m ...``), enabled in ``configs/config.yaml``.

- :class:`WarmNumbaCache` runs a tiny model in the launching process before any job
  starts, so the Numba kernels (``@njit(cache=True)``) are compiled once and written to
  the on-disk cache; parallel workers (joblib, a local Ray instance) then load them
  instead of all compiling at once. On a cluster whose nodes do not share the source
  tree's disk, each node compiles once on its first job.
- :class:`CompareSweep` runs :func:`sim.tools.compare.compare` on the sweep directory when
  the multirun ends (``comparison.parquet``, ``effects.csv``, ``figures/``,
  ``summary.md``). Turn it off with ``hydra.callbacks.compare.enabled=false``. A failed
  comparison is logged, never turned into a failed sweep: the runs are on disk and
  ``python -m sim.compare SWEEP_DIR`` redoes it.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger("sim.callbacks")


def warm_numba_cache() -> float:
    """Compile (or load from cache) every Numba kernel by running a tiny synthetic model
    with an active policy for a year, twice: once with the serial kernels and once with
    the parallel ones that large runs use (``Parallel(threshold=0)``). Returns the seconds
    it took. Writes no files other than Numba's cache."""
    from sim.config import make_config
    from sim.kernels.parallel import DEFAULT, Parallel
    from sim.model import SmartCityModel

    t0 = time.perf_counter()
    cfg = make_config([
        "region=synthetic", "region.n_municipalities=8", "region.seed=0",
        "scenario=trouble_shooter", "run.years=1", "run.scale=1000", "run.progress=false",
        "run.plots=false",
    ])
    mesa_log = logging.getLogger("MESA")  # Mesa logs every step at INFO; not worth showing here
    level = mesa_log.level
    mesa_log.setLevel(logging.WARNING)
    # The tiny region's start cannot meet its base period at this coarse scale
    # (docs/model.md, section 5); a warm-up is not a run, so its warning would only mislead.
    migration_log = logging.getLogger("sim.migration")
    migration_level = migration_log.level
    migration_log.setLevel(logging.ERROR)
    try:
        for parallel in (DEFAULT, Parallel(threshold=0)):
            model = SmartCityModel(cfg, parallel=parallel)
            try:
                model.step()
            finally:
                model.release()
    finally:
        mesa_log.setLevel(level)
        migration_log.setLevel(migration_level)
    return time.perf_counter() - t0


class WarmNumbaCache(Callback):
    """Fill the Numba cache in the launching process before the sweep's jobs start."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if not self.enabled:
            return
        seconds = warm_numba_cache()
        log.info("Numba kernels compiled or loaded from cache in %.1f s", seconds)


class CompareSweep(Callback):
    """Compare the sweep's runs when the multirun ends (see :mod:`sim.tools.compare`)."""

    def __init__(self, enabled: bool = True, baseline: str = "no_investment") -> None:
        self.enabled = enabled
        self.baseline = baseline

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if not self.enabled:
            return
        from sim.tools.compare import CompareError, compare

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            summary = compare(sweep_dir, baseline=self.baseline)
        except CompareError as err:
            log.warning("no comparison written: %s", err)
            return
        except Exception:  # the runs are safe on disk; the comparison can be redone
            log.exception("comparing %s failed; rerun `python -m sim.compare %s`",
                          sweep_dir, sweep_dir)
            return
        log.info("comparison of the sweep: %s", summary)
