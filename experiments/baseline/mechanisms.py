"""What each baseline mechanism buys out of sample: the 2015->2020 (and 2020->2025)
validation metrics with the mechanisms of issue 15 switched on one at a time.

    python experiments/baseline/mechanisms.py --scale 10 --seeds 4 --draws 20 \
        --out multirun/baseline_mechanisms.md

Each row adds one mechanism to the row above (same seeds, so the rows differ by the
mechanism, not by the draws), all with the default behaviour (``--behaviour``): without
the four mechanisms, then national births and deaths aligned to the vital statistics,
designated new towns, commuting (the default ends here), and the county term (return
to the countryside) at the ABC posterior medians. Population log growth per municipality against the census,
RMSE and Spearman, beside zero change, persistence and damped persistence. With
``--draws K``, also the spread of the metrics over K behaviour sets drawn from the ABC
posterior sample (``configs/behaviour/posterior.csv``), two seeds each.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import make_config, region_config
from sim.data import load_region
from sim.tools.calibrate import census_growth
from sim.tools.validate import growth_metrics, naive_forecasts, run_seeds

STEPS = (
    ("without the four mechanisms", ["behaviour.demography.vital_statistics=false",
                                "behaviour.housing.new_towns=false", "behaviour.economy.commute_km=0",
                                "behaviour.migration.beta_rural=[0,0,0]"]),
    ("+ vital statistics", ["behaviour.housing.new_towns=false", "behaviour.economy.commute_km=0",
                            "behaviour.migration.beta_rural=[0,0,0]"]),
    ("+ new towns", ["behaviour.economy.commute_km=0", "behaviour.migration.beta_rural=[0,0,0]"]),
    ("+ commuting (the default)", ["behaviour.migration.beta_rural=[0,0,0]"]),
)


def county_step() -> tuple[str, list[str]]:
    """The county term at the ABC posterior medians (the default point has none)."""
    import json

    from sim.tools.abc import POSTERIOR

    med = json.loads(POSTERIOR.with_suffix(".summary.json").read_text())["parameters"]
    mid, old = (med[f"migration.beta_rural[{i}]"]["median"] for i in (1, 2))
    return (f"+ county term (posterior medians 0, {mid:.2f}, {old:.2f})",
            [f"behaviour.migration.beta_rural=[0,{mid:.4f},{old:.4f}]"])


def table(period: tuple[int, int], scale: float, seeds: int, behaviour: str) -> pd.DataFrame:
    y0, y1 = period
    region = load_region(region_config("korea"))
    t = region.table
    obs = census_growth(t, y0, y1)
    p0, p1 = t[f"pop_{y0}"].to_numpy(float), t[f"pop_{y1}"].to_numpy(float)
    rows = []
    for label, overrides in (*STEPS, county_step()):
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


def posterior_spread(period: tuple[int, int], scale: float, draws: int) -> dict[str, float]:
    """RMSE and Spearman of the 2-seed mean growth for ``draws`` posterior sets: median,
    5th and 95th percentiles (the parameters' uncertainty, not the seeds')."""
    from sim.tools.abc import posterior_draws

    y0, y1 = period
    region = load_region(region_config("korea"))
    t = region.table
    obs = census_growth(t, y0, y1)
    p0, p1 = t[f"pop_{y0}"].to_numpy(float), t[f"pop_{y1}"].to_numpy(float)
    rmse, rho = [], []
    for behaviour in posterior_draws(draws, seed=1):
        cfg = make_config(["behaviour=default", "scenario=no_investment", f"run.scale={scale}",
                           "run.progress=false", "run.plots=false"], {"behaviour": behaviour})
        sim = run_seeds(cfg, [0, 1], y0, y1 - y0, region)
        m = growth_metrics(sim.growth.mean(axis=0), obs, p0, p1)
        rmse.append(m["rmse"])
        rho.append(m["spearman"])
    q = lambda x, k: float(np.quantile(x, k))  # noqa: E731
    return {"draws": draws, "rmse_median": q(rmse, 0.5), "rmse_p05": q(rmse, 0.05), "rmse_p95": q(rmse, 0.95),
            "spearman_median": q(rho, 0.5), "spearman_p05": q(rho, 0.05), "spearman_p95": q(rho, 0.95)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=10)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--behaviour", default="calibrated")
    ap.add_argument("--periods", default="2015-2020,2020-2025")
    ap.add_argument("--draws", type=int, default=0, help="posterior behaviour sets (0: none)")
    ap.add_argument("--out", type=Path, default=Path("multirun/baseline_mechanisms.md"))
    args = ap.parse_args(argv)
    parts = [f"# What each baseline mechanism buys (behaviour={args.behaviour}, scale {args.scale:g}, "
             f"{args.seeds} seeds)", ""]
    for period in args.periods.split(","):
        y0, y1 = (int(y) for y in period.split("-"))
        df = table((y0, y1), args.scale, args.seeds, args.behaviour)
        parts += [f"## {y0}->{y1}", "", markdown(df), ""]
        print(f"{y0}->{y1}\n{df.to_string(index=False)}", flush=True)
        if args.draws:
            sp = posterior_spread((y0, y1), args.scale, args.draws)
            parts += [f"Over {sp['draws']} posterior behaviour sets (2 seeds each): RMSE "
                      f"{sp['rmse_median']:.3f} ({sp['rmse_p05']:.3f}-{sp['rmse_p95']:.3f}, 5-95 %), "
                      f"Spearman {sp['spearman_median']:.3f} ({sp['spearman_p05']:.3f}-"
                      f"{sp['spearman_p95']:.3f}).", ""]
            print(sp, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(parts))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
