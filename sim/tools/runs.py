"""Run many configurations, in this process or a joblib pool, resumably.

The studies and benchmarks that are not Hydra multiruns (a Latin hypercube, a precision
check) describe each run by its Hydra overrides and output directory. :func:`run_all`
skips a directory that already holds a complete run of the same resolved config (as a
relaunched sweep does, :mod:`sim.io`), so a killed study loses nothing it finished and
redoes nothing, and runs the rest with one Numba thread per worker.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Job:
    """One run: Hydra ``overrides`` (as on the command line) and where it writes."""

    overrides: tuple[str, ...]
    out_dir: Path


def _run(job: Job) -> Path:
    from sim.config import make_config
    from sim.runner import run

    run(make_config(list(job.overrides)), out_dir=job.out_dir)
    return job.out_dir


def pending(jobs: Sequence[Job]) -> list[Job]:
    """The jobs whose directory does not hold a complete run of their config (compared
    as ``run.json`` records it: :func:`sim.config.config_record` of the resolved config)."""
    from sim import io
    from sim.config import config_record, make_config

    todo = []
    for job in jobs:
        if not io.is_complete(job.out_dir):
            todo.append(job)
            continue
        if not io.is_complete(job.out_dir, config_record(make_config(list(job.overrides)))):
            todo.append(job)
    return todo


def run_all(jobs: Sequence[Job], n_jobs: int = 1, desc: str = "runs", progress: bool = True) -> int:
    """Run every job not yet complete; returns how many ran.

    With ``n_jobs`` > 1 the runs go to a joblib (loky) pool whose workers use one Numba
    thread each (``NUMBA_NUM_THREADS=1``, unless the environment sets it), after the
    kernels are compiled once here (:func:`sim.callbacks.warm_numba_cache`).
    """
    todo = pending(jobs)
    if not todo:
        return 0
    from tqdm.auto import tqdm

    from sim.callbacks import warm_numba_cache

    warm_numba_cache()
    bar = tqdm(total=len(todo), desc=desc, unit="run", disable=not progress)
    if n_jobs <= 1:
        for job in todo:
            _run(job)
            bar.update()
    else:
        from joblib import Parallel, delayed

        os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # the pool's workers inherit it
        for _ in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(_run)(job) for job in todo
        ):
            bar.update()
    bar.close()
    return len(todo)
