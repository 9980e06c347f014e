"""Shared plumbing of the studies in ``experiments/``: options of a config group, the
command line every study accepts, and launching a Hydra multirun of ``python -m sim``.

Each study's ``run.py`` is one command. Its sweep directory is fixed (default
``multirun/<study>``, and ``multirun/<study>_quick`` for ``--quick``, so that a trial never
overwrites a finished study's runs), so running the same command again after a crash or a
kill skips the runs that are complete and redoes the rest (see docs/experiments.md).
Arguments the study does not know are passed to ``python -m sim`` unchanged, e.g.
``run.scale=50`` or ``hydra/launcher=ray``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
#: ``--quick``: a tiny version of any study (synthetic region, 3 years) for trying it out.
QUICK = ["region=synthetic", "run.years=3", "run.scale=200"]


def options(group: str, exclude: Sequence[str] = ()) -> list[str]:
    """The options of a config group (``configs/<group>/*.yaml``), sorted."""
    names = sorted(p.stem for p in (CONFIGS / group).glob("*.yaml"))
    if not names:
        raise SystemExit(f"error: no options in {CONFIGS / group}")
    return [n for n in names if n not in exclude]


def parser(study: str, description: str, seeds: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=f"python experiments/{study}/run.py", description=description,
        epilog="Other arguments are Hydra overrides passed to `python -m sim` "
        "(e.g. run.scale=50 run.years=30 hydra/launcher=ray).",
    )
    p.add_argument("--seeds", type=int, default=seeds, help=f"seeds per setting (default {seeds})")
    p.add_argument("--sweep-dir", type=Path, default=None,
                   help=f"where runs, figures and summary go (default multirun/{study}; "
                   f"--quick: multirun/{study}_quick)")
    p.set_defaults(study=study)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel runs with the joblib launcher (default: all cores)")
    p.add_argument("--quick", action="store_true",
                   help="tiny trial: synthetic region, 3 years, scale 200, 2 seeds")
    p.add_argument("--dry-run", action="store_true", help="print the commands only")
    return p


def multirun(overrides: Sequence[str], args: argparse.Namespace, extra: Sequence[str],
             *, compare: bool = True) -> None:
    """Launch ``python -m sim -m`` with ``overrides`` into :func:`sweep_dir`.

    Uses the joblib launcher with ``args.jobs`` workers unless ``extra`` picks another
    launcher. Every worker runs Numba single-threaded when several run side by side
    (runs, not threads, fill the cores). Exits with the sweep's status if it fails.
    """
    cmd = [sys.executable, "-m", "sim", "-m", *(QUICK if args.quick else []), *overrides,
           "run.progress=false", "run.plots=false", f"hydra.sweep.dir={sweep_dir(args)}",
           f"hydra.callbacks.compare.enabled={str(compare).lower()}"]
    env = dict(os.environ)
    if not any(e.startswith("hydra/launcher=") for e in extra):
        cmd += ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={args.jobs}"]
        if args.jobs > 1:
            env.setdefault("NUMBA_NUM_THREADS", "1")
    cmd += list(extra)
    print("+", shlex.join(cmd), flush=True)
    if args.dry_run:
        return
    result = subprocess.run(cmd, cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def sweep_dir(args: argparse.Namespace) -> Path:
    """The study's sweep directory: ``--sweep-dir``, else ``multirun/<study>``, and
    ``multirun/<study>_quick`` for a ``--quick`` trial (a trial launched after a full study
    would otherwise overwrite the full study's runs of the same job numbers)."""
    if args.sweep_dir is not None:
        return Path(args.sweep_dir)
    return ROOT / "multirun" / (f"{args.study}_quick" if args.quick else args.study)


def seeds(args: argparse.Namespace) -> str:
    n = 2 if args.quick and args.seeds > 2 else args.seeds
    return f"run.seed=range(0,{n})"
