"""Simulate every run of one world in memory, and keep finished worlds on disk.

One task per world: for each of the world's replicate seeds the worker runs the
``no_investment`` twin, every cell of the lever design (:mod:`brief_claims.design`) and
the named scenarios, all with that seed (common random numbers: the twin shares every
random draw it can with the policy runs) and from copies of one built start state
(:func:`sim.runner.run_many`: build once, run many), and reduces each run to the outcome
rows of the years kept. The world's rows are written atomically to
``worlds/w<world>.parquet`` (its municipal map rows first, to
``worlds/w<world>.map.parquet``), so a killed study loses at most the worlds in flight,
and a rerun skips every world whose file carries the same world key.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.io import read_parquet
from sim.tools.claims import service_mean
from sim.tools.twins import appraisal_series, felt_benefit_paired, felt_loss_paired

BASELINE = "no_investment"
#: Municipal columns kept for the map of where effects land (final year).
MAP_COLUMNS = ("population", "qol")


@dataclass(frozen=True)
class WorldTask:
    """Everything a worker needs for one world (picklable).

    ``runs`` are (label, overrides) pairs: the design's cells (label: the cell's name,
    overrides: its levers) and named scenarios (label: the scenario, overrides:
    ``scenario=<name>``); every one runs once per seed of ``seeds``, beside the twin."""

    world: int
    seeds: tuple[int, ...]
    overrides: tuple[str, ...]  # the world's parameter overrides
    values: dict[str, Any] | None  # nested values merged on top (posterior behaviour)
    base: tuple[str, ...]  # the study's run overrides (region, years, scale, ...)
    runs: tuple[tuple[str, tuple[str, ...]], ...]
    years: tuple[int, ...]  # years whose outcomes are kept (the final year last)
    key: str  # world key (space.world_key): a stored world is reused only if it matches
    out_dir: Path


def world_path(out_dir: Path, world: int) -> Path:
    return Path(out_dir) / "worlds" / f"w{world:05d}.parquet"


def map_path(out_dir: Path, world: int) -> Path:
    return Path(out_dir) / "worlds" / f"w{world:05d}.map.parquet"


def is_done(out_dir: Path, world: int, key: str) -> bool:
    """True if the world's file exists, is readable and was written for ``key``."""
    path = world_path(out_dir, world)
    if not path.exists() or not map_path(out_dir, world).exists():
        return False
    try:
        keys = read_parquet(path, columns=["world_key"])["world_key"].unique()
    except Exception:  # a truncated or foreign file: redo the world
        return False
    return len(keys) == 1 and keys[0] == key


@functools.lru_cache(maxsize=4)
def _region(name: str, n: int, seed: int):
    """The loaded region, once per process (Korea's table and distances are reused)."""
    from sim.config import region_config
    from sim.data import load_region

    return load_region(region_config(name), n_municipalities=n, seed=seed)


def world_config(base: Sequence[str], scenario: str | Sequence[str], seed: int,
                 overrides: Sequence[str], values: dict[str, Any] | None = None):
    """The validated SimConfig of one run in one world: the study's base overrides, the
    run's (a scenario's name, or a cell's lever overrides), the world's parameter
    overrides and run seed, then nested ``values``, composed exactly as ``python -m sim``
    would (:func:`sim.config.make_config`)."""
    from sim.config import make_config

    run = [f"scenario={scenario}"] if isinstance(scenario, str) else list(scenario)
    return make_config([*base, *run, "run.progress=false", "run.plots=false", *overrides,
                        f"run.seed={int(seed)}"], values)


def outcome_rows(national: pd.DataFrame, municipal: pd.DataFrame, twin_national: pd.DataFrame,
                 twin_municipal: pd.DataFrame, *, threshold: float, spread: float, rate: float,
                 years: Sequence[int], is_twin: bool) -> pd.DataFrame:
    """One row per kept year: the national columns, ``service_mean`` and the twin metrics
    (:mod:`sim.tools.twins`, against the same-seed ``no_investment`` run; 0 for the twin
    itself, as :mod:`sim.tools.compare` has them)."""
    nat = national.set_index("year")
    nat = nat[[c for c in nat.columns if pd.api.types.is_numeric_dtype(nat[c])]].astype(float)
    nat["service_mean"] = service_mean(municipal)
    appraisal = appraisal_series(national, twin_national, rate)
    for metric in ("cost_effectiveness_paired", "npv_krw_paired",
                   "qol_person_years_per_krw_b_paired"):
        if metric in appraisal:
            values = appraisal[metric]
            nat[metric] = values.fillna(0.0) * 0.0 if is_twin else values
    felt, loss = {}, {}
    for year in years:
        if is_twin:
            felt[year] = loss[year] = 0.0
            continue
        a = municipal[municipal["year"] == year]
        b = twin_municipal[twin_municipal["year"] == year]
        both = len(a) and len(b)
        felt[year] = felt_benefit_paired(a, b, threshold, spread) if both else np.nan
        loss[year] = felt_loss_paired(a, b, threshold, spread) if both else np.nan
    kept = [y for y in years if y in nat.index]
    out = nat.loc[kept].copy()
    out["felt_benefit_paired"] = pd.Series(felt).reindex(out.index)
    out["felt_loss_paired"] = pd.Series(loss).reindex(out.index)
    return out.rename_axis("year").reset_index()


def simulate_world(task: WorldTask) -> dict[str, Any]:
    """Run every run of a world for each of its seeds (the twin first; one build per
    seed), write its rows atomically and return its timings."""
    from sim import io
    from sim.runner import run_many

    t0, c0 = time.perf_counter(), time.process_time()
    final = max(task.years)
    region = _region_of(task)
    rows, maps, seconds = [], [], {}
    labels = [BASELINE, *[label for label, _ in task.runs if label != BASELINE]]
    overrides = {BASELINE: (f"scenario={BASELINE}",), **dict(task.runs)}
    for seed in task.seeds:
        s0 = time.process_time()
        cfgs = [world_config(task.base, list(overrides[label]), seed, task.overrides, task.values)
                for label in labels]
        results = run_many(cfgs, region=region)
        seconds[int(seed)] = time.process_time() - s0
        twin = results[0]
        fit = fit_stats(twin.national)
        for label, cfg, res in zip(labels, cfgs, results, strict=True):
            frame = outcome_rows(
                res.national, res.municipalities, twin.national, twin.municipalities,
                threshold=float(cfg.behaviour.qol.felt_threshold),  # resolved from the beliefs
                spread=float(cfg.behaviour.qol.felt_threshold_spread),
                rate=float(cfg.run.discount_rate), years=task.years, is_twin=label == BASELINE)
            rows.append(frame.assign(world=task.world, seed=int(seed), cell=label, **fit))
            if seed == task.seeds[0]:
                last = res.municipalities[res.municipalities["year"] == final][["code", *MAP_COLUMNS]]
                maps.append(last.assign(world=task.world, cell=label))
    table = pd.concat(rows, ignore_index=True).assign(world_key=task.key)
    first = ["world", "seed", "cell", "year"]
    table = table[[*first, *[c for c in table.columns if c not in first]]]
    io.atomic_write(map_path(task.out_dir, task.world),
                    lambda tmp: pd.concat(maps, ignore_index=True).to_parquet(tmp, index=False))
    io.atomic_write(world_path(task.out_dir, task.world),
                    lambda tmp: table.to_parquet(tmp, index=False))
    return {"world": task.world, "seconds": time.perf_counter() - t0,
            "cpu_seconds": time.process_time() - c0, "seed_cpu_seconds": seconds,
            "runs": len(labels) * len(task.seeds)}


#: What the fit check reads of a world's twin: the mean of its first five simulated years.
FIT_YEARS = 5


def fit_stats(national: pd.DataFrame) -> dict[str, float]:
    """The twin baseline's national flows over its first years (``fit_<column>``), which
    the study checks against the calibration's tolerance (the space's ``fit`` bands)."""
    early = national.iloc[1:1 + FIT_YEARS]
    out = {f"fit_{c}": float(early[c].mean())
           for c in ("movers_share", "interprovincial_share_of_moves") if c in early}
    if len(early):
        share = national["capital_region_share"]
        out["fit_capital_share_change"] = float((share.iloc[len(early)] - share.iloc[0]) / len(early))
    return out


def _region_of(task: WorldTask):
    """The study's region, loaded once per process."""
    cfg = world_config(task.base, BASELINE, 0, ())
    return _region(cfg.region.name, cfg.region.n_municipalities, cfg.region.seed)


BACKENDS = ("loky", "ray")


def parallel_backend(name: str) -> str:
    """The joblib backend for ``--backend``: ``loky`` (this machine's cores) or ``ray``
    (a Ray cluster through ``ray.util.joblib``; ``ray.init`` connects to the cluster in
    ``RAY_ADDRESS``, else starts a local one). With Ray the workers write the world files
    themselves, so ``--sweep-dir`` must be on a file system every node sees."""
    if name not in BACKENDS:
        raise ValueError(f"--backend={name!r}: allowed {', '.join(BACKENDS)}")
    if name == "ray":
        try:
            import ray
            from ray.util.joblib import register_ray
        except ImportError as err:
            raise ValueError("--backend=ray needs Ray: pip install 'ray[default]' "
                             "(not a dependency of the project)") from err
        if not ray.is_initialized():
            # The workers import this study's modules and this checkout's sim: the same
            # paths as here (on a cluster: the checkout on a shared file system).
            import os

            here = Path(__file__).resolve().parents[1]
            paths = [str(here), str(here.parent), os.environ.get("PYTHONPATH", "")]
            ray.init(runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in paths if p)}},
                     ignore_reinit_error=True, log_to_driver=False)
        register_ray()
    return name


def run_worlds(tasks: Sequence[WorldTask], n_jobs: int = 1, progress: bool = True,
               backend: str = "loky") -> list[dict]:
    """Simulate every task whose world is not done; returns their timings (in finishing
    order). Parallel runs go to a joblib pool (``backend``: loky here, Ray on a cluster),
    one world per task, with one Numba thread per worker after the kernels are compiled
    once here."""
    import os

    from tqdm.auto import tqdm

    todo = [t for t in tasks if not is_done(t.out_dir, t.world, t.key)]
    if not todo:
        return []
    from sim.callbacks import warm_numba_cache

    warm_numba_cache()
    runs_per_world = (len({label for label, _ in todo[0].runs} | {BASELINE})
                      * len(todo[0].seeds))
    bar = tqdm(total=len(todo) * runs_per_world, desc="runs", unit="run", disable=not progress)
    done = []
    if n_jobs <= 1 or len(todo) == 1:
        for task in todo:
            done.append(simulate_world(task))
            bar.update(runs_per_world)
    else:
        from joblib import Parallel, delayed

        os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # the pool's workers inherit it
        # Ray's joblib backend cannot yield results as they finish: it returns them all
        # at the end (the bar then jumps; each world's file is still written by its
        # worker as it finishes, so a killed study keeps them).
        order = "generator_unordered" if backend == "loky" else "list"
        for result in Parallel(n_jobs=n_jobs, backend=parallel_backend(backend),
                               return_as=order)(
                delayed(simulate_world)(t) for t in todo):
            done.append(result)
            bar.update(runs_per_world)
    bar.close()
    return done


def gather(out_dir: Path, worlds: Sequence[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The outcome rows and the map rows of the given worlds."""
    outcomes = pd.concat([read_parquet(world_path(out_dir, w)) for w in worlds],
                         ignore_index=True)
    maps = pd.concat([read_parquet(map_path(out_dir, w)) for w in worlds], ignore_index=True)
    return outcomes, maps
