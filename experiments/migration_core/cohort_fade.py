"""Whose flows fade? Each province's expected net split by cohort of households.

The in-sample 2010 start (constants fitted on KOSIS's 2011-2015 flows) of the default
behaviour, run to 2015. After each year the expected net migration a year that the move
and destination probabilities give the households (no draws) is split, exactly, into the
parts of three cohorts: the households of the start, those formed since by an adult child
leaving home, and those arrived from abroad since (docs/validation.md 6.4, "What keeps
three provinces off the bar"):

    python experiments/migration_core/cohort_fade.py --seeds 2 --scale 5

Writes ``cohort_fade.csv`` (arm, seed, year, cohort, province code, expected net a year
in persons, the cohort's households in agents) into ``--out`` (default
``docs/img/migration_core/cohort_fade``) and prints the shown provinces' parts, mean over
seeds, in thousands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fade_composition  # noqa: E402  (this folder's)
import run as checks  # noqa: E402  (this folder's run.py)

from sim.data import flows as kosis  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
COHORTS = ("start", "leaving_home", "immigrants")


def cohort_rows(arm: str, row: pd.Series, seed: int, scale: float, years: int = 5) -> list[dict]:
    """Rows (arm, seed, year, cohort, province_code, net, households): each cohort's part of
    the expected province nets at the start (2010) and after each simulated year."""
    model = fade_composition._model(row, arm, seed, scale)
    hh = model.households
    start_ids = hh.uid.copy()
    leaver_ids: list[np.ndarray] = []
    records: list[dict] = []

    def record() -> None:
        uid = hh.uid
        is_start = np.isin(uid, start_ids)
        is_leaver = np.isin(uid, np.concatenate(leaver_ids)) if leaver_ids else np.zeros(hh.n, bool)
        masks = {"start": is_start, "leaving_home": is_leaver, "immigrants": ~(is_start | is_leaver)}
        for cohort, mask in masks.items():
            net = checks.expected_net(model, rows=mask) if mask.any() else None
            for code in model.world.province_codes:
                records.append({"arm": arm, "seed": seed, "year": model.year, "cohort": cohort,
                                "province_code": int(code),
                                "net": float(net[code]) if net is not None else 0.0,
                                "households": int(mask.sum())})

    record()
    for _ in range(years):
        model.step()
        lo, hi = model.states.demography.leavers  # this year's new households' rows
        leaver_ids.append(hh.uid[lo:hi].copy())
        record()
    return records


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fade_composition.set_arguments(ap)
    ap.add_argument("--arms", nargs="*", choices=list(fade_composition.ARMS),
                    default=["as_matched", "constants_only"])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core" / "cohort_fade")
    args = ap.parse_args(argv)
    row = fade_composition.chosen_set(ap, args)
    args.out.mkdir(parents=True, exist_ok=True)
    table = fade_composition.run_arms(lambda arm, seed: cohort_rows(arm, row, seed, args.scale),
                                      args.arms, args.seeds, args.out / "cohort_fade.csv")
    shown = [p for p in fade_composition.SHOWN] + [21]
    parts = (table[table["province_code"].isin(shown)]
             .pivot_table(index=["arm", "province_code", "cohort"], columns="year", values="net") / 1e3)
    print("Expected net a year by cohort (thousand), mean over seeds:")
    print(parts.round(1).to_string())
    observed = kosis.net_migration().loc[2011:2015].fillna(0)
    print("KOSIS 2011-2015 mean:", (observed[shown].mean() / 1e3).round(1).to_dict())
    return 0


if __name__ == "__main__":
    sys.exit(main())
