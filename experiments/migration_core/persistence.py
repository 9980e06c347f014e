"""How fast do province nets fade, in Korea and in the model?

A start whose pull is held fixed relaxes towards the distribution its choice
probabilities sustain, so its net flows fade (docs/validation.md 6.4, "An even age
split"). Korea's flows change too. This puts the two on one scale: the slope (through
the origin, pooled over the 17 provinces) of each province's net migration from other
provinces in year t + h on its net in year t, for h = 1 and h = 5. A slope of 1 keeps the
flows; 0.5 halves them.

* Korea: every pair of years of the shipped KOSIS flows (1995-2015,
  :func:`sim.data.flows.net_migration`; provinces weigh by their nets, so Seoul and
  Gyeonggi dominate).
* The model: the expected nets (no draws) of ``fade_composition.py``'s table, by arm,
  from the in-sample 2010 start (2010 is the start, 2011-2015 after each year).

    python experiments/migration_core/persistence.py \\
        --model docs/img/migration_core/age_split_even/expected_by_year.csv

Writes ``persistence.csv`` (source, arm, from year, horizon, slope) and
``persistence.png`` into ``--out`` (default ``docs/img/migration_core/persistence``).

With ``--study-sets`` (``sample_fade.py --study-baseline``'s ``sample_fade_2025.csv``,
Seoul's net each year of the 2025 start's baseline, one row per set) also
``seoul_net_kept.csv``: how much of Seoul's net each set keeps (its mean over the last
three years over that of the first three), for ``experiments/brief_claims/by_behaviour.py
docs/study seoul_net_kept --values ...``: do the study's verdicts go with how fast its
worlds' flows fade?

With ``--forecast-rules``: would a carry rule that continues a trend have done better than
holding? For every five-year window of the KOSIS nets (ending 2004-2010), each
province's next five-year total forecast by zero, by the window's total held
(persistence), by the mean of the last two windows, and by the last window plus half or
all of its change from the one before (a trend); RMSE over the provinces (those with
data in all three windows: Sejong never, Ulsan from 1997) and how many fall within a
third of the outcome with its sign. Writes ``forecast_rules.csv``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.data import flows as kosis

ROOT = Path(__file__).resolve().parents[2]
HORIZONS = (1, 5)


def pooled_slope(x: pd.Series, y: pd.Series) -> float:
    """Least-squares slope through the origin of ``y`` on ``x`` over the provinces both
    have (a province that did not exist in one of the years drops out)."""
    ok = x.notna() & y.notna()
    return float((x[ok] * y[ok]).sum() / (x[ok] ** 2).sum())


def slopes(nets: pd.DataFrame, source: str, arm: str) -> list[dict]:
    """Rows (source, arm, year, horizon, slope) for every year pair ``h`` apart in
    ``nets`` (year x province)."""
    years = list(nets.index)
    return [{"source": source, "arm": arm, "year": t, "horizon": h,
             "slope": pooled_slope(nets.loc[t], nets.loc[t + h])}
            for h in HORIZONS for t in years if t + h in nets.index]


def seoul_net_kept(baseline: pd.DataFrame, years: int = 3) -> pd.DataFrame:
    """(rank, seoul_net_kept): each set's mean Seoul net of the last ``years`` years over
    that of the first ``years`` (``seoul_<year>`` columns; rank 0, the default point
    repeated, is left out)."""
    columns = sorted(c for c in baseline.columns if c.startswith("seoul_"))
    if len(columns) < 2 * years:
        raise ValueError(f"need at least {2 * years} years of seoul_<year> columns, got {columns}")
    sets = baseline[baseline["rank"] > 0]
    kept = sets[columns[-years:]].mean(axis=1) / sets[columns[:years]].mean(axis=1)
    return pd.DataFrame({"rank": sets["rank"].astype(int), "seoul_net_kept": kept.round(4)})


#: The rules of ``--forecast-rules``: the next five-year total from the last (``last``)
#: and the one before (``previous``).
FORECAST_RULES = {
    "zero": lambda last, previous: 0.0 * last,
    "persistence": lambda last, previous: last,
    "mean_of_two": lambda last, previous: (last + previous) / 2,
    "half_trend": lambda last, previous: last + 0.5 * (last - previous),
    "full_trend": lambda last, previous: last + (last - previous),
}


def forecast_rules(nets: pd.DataFrame, window: int = 5) -> pd.DataFrame:
    """Rows (end, rule, rmse, within): for each window of ``window`` years ending at
    ``end`` with a window before it and one after it in ``nets`` (year x province), each
    rule's forecast of the next window's totals against what happened."""
    years = list(nets.index)
    rows = []
    for end in years:
        if end - 2 * window + 1 < years[0] or end + window > years[-1]:
            continue
        span = nets.loc[end - 2 * window + 1:end + window].dropna(axis=1, how="any")
        total = lambda a, b, span=span: span.loc[a:b].sum()  # noqa: E731
        last, previous = total(end - window + 1, end), total(end - 2 * window + 1, end - window)
        outcome = total(end + 1, end + window)
        for rule, forecast in FORECAST_RULES.items():
            f = forecast(last, previous)
            err = f - outcome
            within = (err.abs() <= outcome.abs() / 3) & (np.sign(f) == np.sign(outcome))
            rows.append({"end": end, "rule": rule, "rmse": float(np.sqrt((err ** 2).mean())),
                         "within": int(within.sum()), "provinces": len(outcome)})
    return pd.DataFrame(rows)


def figure(table: pd.DataFrame, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401  (MaxNLocator)

    fig, axes = plt.subplots(1, len(HORIZONS), figsize=(5.0 * len(HORIZONS), 3.8))
    for ax, h in zip(axes, HORIZONS, strict=True):
        korea = table[(table["source"] == "KOSIS") & (table["horizon"] == h)]
        ax.plot(korea["year"], korea["slope"], "o-", color="black", ms=4, label="Korea (KOSIS)")
        model = table[(table["source"] == "model") & (table["horizon"] == h)]
        palette = plt.get_cmap("tab10").colors
        for i, (arm, rows) in enumerate(model.groupby("arm")):
            ax.axhline(rows["slope"].mean(), lw=1.6, ls="--", color=palette[i % len(palette)],
                       label=f"model, {arm.replace('_', ' ')} (2010 start; mean of its "
                             f"{len(rows)} slope{'s' if len(rows) > 1 else ''})")
        ax.axhline(1.0, color="grey", lw=0.5)
        ax.set_title(f"net in year t + {h} on net in year t", fontsize=10)
        ax.set_xlabel("year t")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[0].set_ylabel("pooled slope over the provinces")
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle("How much of a province's net migration is left a year and five years on",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.savefig(path, dpi=130)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, nargs="*", default=[],
                    help="fade_composition.py's expected_by_year.csv (any number)")
    ap.add_argument("--arms", nargs="*", default=["as_matched", "constants_only"],
                    help="the arms of the model tables to compare")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core" / "persistence")
    ap.add_argument("--study-sets", type=Path, default=None,
                    help="sample_fade.py --study-baseline's sample_fade_2025.csv")
    ap.add_argument("--forecast-rules", action="store_true",
                    help="also score held and trend carry rules on Korea's own nets")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.forecast_rules:
        scores = forecast_rules(kosis.net_migration())
        scores.to_csv(args.out / "forecast_rules.csv", index=False)
        print(scores.groupby("rule")[["rmse", "within"]].agg(["mean", "median"]).round(1).to_string())
    if args.study_sets is not None:
        kept = seoul_net_kept(pd.read_csv(args.study_sets))
        kept.to_csv(args.out / "seoul_net_kept.csv", index=False)
        print(kept.describe().round(3).to_string())
    rows = slopes(kosis.net_migration(), "KOSIS", "observed")
    for path in args.model:
        table = pd.read_csv(path)
        expected = (table[table["kind"] == "expected"]
                    .groupby(["arm", "year", "province_code"])["value"].mean()
                    .unstack("province_code"))
        for arm in [a for a in args.arms if a in expected.index.get_level_values(0)]:
            rows += slopes(expected.loc[arm], "model", arm)
    table = pd.DataFrame(rows)
    table.to_csv(args.out / "persistence.csv", index=False)
    figure(table, args.out / "persistence.png")
    summary = table.groupby(["source", "arm", "horizon"])["slope"].describe()[
        ["count", "min", "25%", "50%", "75%", "max"]]
    print(summary.round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
