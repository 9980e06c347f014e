"""What each baseline mechanism buys out of sample: the 2015->2020 (and 2020->2025)
validation metrics with the mechanisms of issue 15 switched on one at a time.

    python experiments/baseline/mechanisms.py --scale 10 --seeds 4 --out multirun/baseline_mechanisms.md

Each row adds one mechanism to the row above (same seeds, so the rows differ by the
mechanism, not by the draws): none (the behaviour before issue 15), national births and
deaths aligned to the vital statistics, designated new towns, commuting, the county
term of the ABC calibration. Population log growth per municipality against the census,
RMSE and Spearman, beside zero change, persistence and damped persistence.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import make_config
from sim.data import load_region
from sim.tools.calibrate import census_growth
from sim.tools.validate import growth_metrics, naive_forecasts, run_seeds

STEPS = (
    ("none (before issue 15)", ["behaviour.demography.vital_statistics=false",
                                "behaviour.housing.new_towns=false", "behaviour.economy.commute_km=0",
                                "behaviour.migration.beta_rural=[0,0,0]"]),
    ("+ vital statistics", ["behaviour.housing.new_towns=false", "behaviour.economy.commute_km=0",
                            "behaviour.migration.beta_rural=[0,0,0]"]),
    ("+ new towns", ["behaviour.economy.commute_km=0", "behaviour.migration.beta_rural=[0,0,0]"]),
    ("+ commuting", ["behaviour.migration.beta_rural=[0,0,0]"]),
    ("+ county term (all: the default)", []),
)


def table(period: tuple[int, int], scale: float, seeds: int, behaviour: str) -> pd.DataFrame:
    y0, y1 = period
    region = load_region("korea")
    t = region.table
    obs = census_growth(t, y0, y1)
    p0, p1 = t[f"pop_{y0}"].to_numpy(float), t[f"pop_{y1}"].to_numpy(float)
    rows = []
    for label, overrides in STEPS:
        cfg = make_config([f"behaviour={behaviour}", "scenario=no_investment", f"run.scale={scale}",
                           "run.progress=false", "run.plots=false", *overrides])
        sim = run_seeds(cfg, list(range(seeds)), y0, y1 - y0, region)
        m = growth_metrics(sim.growth.mean(axis=0), obs, p0, p1)
        per_seed = [growth_metrics(g, obs, p0, p1) for g in sim.growth]
        rows.append({"forecast": label, "rmse": m["rmse"], "spearman": m["spearman"], "bias": m["bias"],
                     "rmse_seed_sd": float(np.std([r["rmse"] for r in per_seed])),
                     "spearman_seed_sd": float(np.std([r["spearman"] for r in per_seed]))})
    for name, pred in naive_forecasts(t, y0, y1).items():
        m = growth_metrics(pred, obs, p0, p1)
        rows.append({"forecast": f"naive: {name}", "rmse": m["rmse"], "spearman": m["spearman"],
                     "bias": m["bias"]})
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    """A pipe table, numbers to three decimals (blank where a naive forecast has none)."""
    def cell(x) -> str:
        return x if isinstance(x, str) else ("" if x is None or pd.isna(x) else f"{x:.3f}")
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=10)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--behaviour", default="calibrated")
    ap.add_argument("--periods", default="2015-2020,2020-2025")
    ap.add_argument("--out", type=Path, default=Path("multirun/baseline_mechanisms.md"))
    args = ap.parse_args(argv)
    parts = [f"# What each baseline mechanism buys (behaviour={args.behaviour}, scale {args.scale:g}, "
             f"{args.seeds} seeds)", ""]
    for period in args.periods.split(","):
        y0, y1 = (int(y) for y in period.split("-"))
        df = table((y0, y1), args.scale, args.seeds, args.behaviour)
        parts += [f"## {y0}->{y1}", "", markdown(df), ""]
        print(f"{y0}->{y1}\n{df.to_string(index=False)}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(parts))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
