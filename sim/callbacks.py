"""Hydra callbacks of a sweep (``python -m sim -m ...``), enabled in ``configs/config.yaml``.

- :class:`WarmNumbaCache` runs a tiny model in the launching process before any job
  starts, so the Numba kernels (``@njit(cache=True)``) are compiled once and written to
  the on-disk cache; parallel workers (joblib, a local Ray instance) then load them
  instead of all compiling at once. On a cluster whose nodes do not share the source
  tree's disk, each node compiles once on its first job.
- :class:`CompareSweep` runs :func:`sim.compare.compare` on the sweep directory when
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
    with an active policy for two years, the second with the parallel kernels that
    large runs use (their size threshold set to 0 meanwhile; it is read in Python, not
    compiled in). Returns the seconds it took. Writes no files other than Numba's cache."""
    from omegaconf import OmegaConf

    from sim.config import SimConfig, validate
    from sim.model import SmartCityModel

    t0 = time.perf_counter()
    cfg = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(SimConfig), {
        "region": {"name": "synthetic", "n_municipalities": 8, "seed": 0},
        "scenario": {"name": "numba_warm_up"},
        "run": {"years": 2, "scale": 1000.0, "progress": False, "plots": False},
        "targeting": {"rule": "need_based"},
        "instrument": {"kind": "ts_living_services"},
    }))
    validate(cfg)
    mesa_log = logging.getLogger("MESA")  # Mesa logs every step at INFO; not worth showing here
    level = mesa_log.level
    mesa_log.setLevel(logging.WARNING)
    from sim.kernels import firms, households, migration

    model = None
    thresholds = {m: m.PARALLEL_THRESHOLD for m in (firms, households, migration)}
    try:
        model = SmartCityModel(cfg)
        model.step()  # serial kernels
        for module in thresholds:
            module.PARALLEL_THRESHOLD = 0
        model.step()  # parallel kernels
    finally:
        if model is not None:
            model.release()
        for module, value in thresholds.items():
            module.PARALLEL_THRESHOLD = value
        mesa_log.setLevel(level)
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
    """Compare the sweep's runs when the multirun ends (see :mod:`sim.compare`)."""

    def __init__(self, enabled: bool = True, baseline: str = "no_investment") -> None:
        self.enabled = enabled
        self.baseline = baseline

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if not self.enabled:
            return
        from sim.compare import CompareError, compare

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
