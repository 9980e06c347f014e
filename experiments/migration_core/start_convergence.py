"""Does each set's start meet its targets? A start whose destination constants stop at
their cap (500 rounds) reproduces its base period only as closely as its warning says,
and draws no migration history (``behaviour.migration.start_history_years``); a history
matching's run of such a set is not the start the matching is about
(docs/validation.md 6.4, round 13).

    python experiments/migration_core/start_convergence.py --sample \
        configs/behaviour/posterior_screened.csv --out /tmp/convergence.csv

For every set of each ``--sample`` file: the start of each ``--seeds`` seed (0) built (no year run) with
``--start-year``, ``--scale`` and ``--constants`` (default: the history matching's start,
the in-sample 2010 start at scale 25) and ``--history`` years of migration history, and
whether its constants met their targets. Writes one row a set and seed and prints the
count per file.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def start_met(path: str, row: int, year: int, scale: float, constants: str, history: int,
              seed: int = 0) -> dict:
    """Build the start of ``row`` of ``path``; whether its constants met their targets."""
    from sim.model import SmartCityModel
    from sim.tools import history as hm
    from sim.tools.abc import behaviour_of
    from sim.tools.calibrate import run_config

    logging.disable(logging.WARNING)  # the unmet start's warning is the row's answer
    table = pd.read_csv(path)
    base = run_config(None, start_year=year, years=1, seed=seed, scale=scale)
    held = {"migration": {"start_history_years": history, "constants": constants}}
    model = SmartCityModel(hm.point_config(base, hm._merge(behaviour_of(table.iloc[row]), held), seed))
    try:
        met = bool(model.states.migration.constants_met)
    finally:
        model.release()
    return {"sample": Path(path).name, "rank": int(table.iloc[row]["rank"]), "row": row, "seed": seed,
            "imp_sumsq": float(table.iloc[row].get("imp_sumsq", float("nan"))), "met": met}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", nargs="+", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--start-year", type=int, default=2010)
    ap.add_argument("--scale", type=float, default=25.0)
    ap.add_argument("--constants", default="in_sample", choices=("in_sample", "base_period"))
    ap.add_argument("--history", type=int, default=5, help="start_history_years (default 5)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds (default 0)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    from joblib import Parallel, delayed

    tasks = [(p, i, s) for p in args.sample for i in range(len(pd.read_csv(p))) for s in args.seeds]
    rows = Parallel(n_jobs=args.jobs)(delayed(start_met)(p, i, args.start_year, args.scale,
                                                         args.constants, args.history, s)
                                      for p, i, s in tasks)
    table = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    print(table.groupby("sample")["met"].agg(met="sum", sets="count").to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
