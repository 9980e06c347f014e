"""The brief's conclusions under each belief arm: paired contrasts from compare_policies.

    python experiments/compare_policies/run.py --sweep-dir multirun/cp_neutral beliefs=neutral
    python experiments/compare_policies/run.py --sweep-dir multirun/cp_brief beliefs=brief
    python experiments/compare_policies/run.py --sweep-dir multirun/cp_sceptic beliefs=sceptic
    python experiments/compare_policies/beliefs_report.py neutral=multirun/cp_neutral \\
        brief=multirun/cp_brief sceptic=multirun/cp_sceptic --out multirun/beliefs_report.md

Each sweep must have been compared (``python -m sim.compare``, which the sweep runs when
it ends) so that its ``comparison.parquet`` holds the twin metrics. For every claim the
report gives, in each arm and year, the mean paired difference between the two named
scenarios (same seeds share random numbers), its 95 % t interval and the verdict: holds
(the interval excludes 0 on the claimed side), fails (it excludes 0 on the other side)
or undecided. Headline effects against ``no_investment`` come from each sweep's
``effects.csv`` / ``effects_<year>.csv``.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io import read_parquet
from sim.tools.claims import CLAIMS, SERVICE_COLUMNS, Claim, display_difference


def service_means(sweep: Path) -> pd.DataFrame:
    """(run, year, value): population-weighted mean of the six service levels."""
    rows = []
    for parquet in sorted(sweep.glob("*/municipalities.parquet")):
        cols = ["year", "population", *SERVICE_COLUMNS]
        m = read_parquet(parquet, columns=cols)
        level = m[cols[2:]].mean(axis=1)
        for year, g in m.assign(level=level).groupby("year"):
            rows.append({"run": parquet.parent.name, "year": int(year),
                         "value": float(np.average(g["level"], weights=g["population"]))})
    return pd.DataFrame(rows)


def load(sweep: Path) -> pd.DataFrame:
    """Wide table: one row per (scenario, seed, year), one column per metric."""
    comp = read_parquet(sweep / "comparison.parquet")
    services = service_means(sweep).merge(comp[["run", "scenario", "seed"]].drop_duplicates(), on="run")
    comp = pd.concat([comp, services.assign(metric="service_mean")], ignore_index=True)
    return comp.pivot_table(index=["scenario", "seed", "year"], columns="metric",
                            values="value", aggfunc="first").reset_index()


def contrast(wide: pd.DataFrame, claim: Claim, year: int) -> dict:
    """Paired difference a - b in ``year`` over the seeds both have."""
    from scipy import stats

    at = wide[wide["year"] == year].set_index(["scenario", "seed"])[claim.metric]
    a, b = at.get(claim.a), at.get(claim.b)
    if a is None or b is None:
        return {"n": 0}
    a, b = a.align(b, join="inner")
    diff = display_difference(a, b, claim).dropna()
    n = len(diff)
    mean = float(diff.mean()) if n else math.nan
    half = float(stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    low, high = mean - half, mean + half
    if claim.sign * low > 0 and claim.sign * high > 0:
        verdict = "holds"
    elif claim.sign * low < 0 and claim.sign * high < 0:
        verdict = "fails"
    else:
        verdict = "undecided"
    return {"n": n, "mean": mean, "low": low, "high": high, "verdict": verdict}


#: Headline effects against no_investment shown side by side: metric -> (label, factor).
HEADLINES = {
    "felt_benefit_paired": ("felt benefit vs twin, pp", 100),
    "felt_loss_paired": ("felt loss vs twin, pp", 100),
    "welfare_krw_total": ("welfare, KRW B/yr", 1e-9),
    "cost_effectiveness_paired": ("B/C vs twin (welfare per KRW)", 1),
    "npv_krw_paired": ("NPV vs twin, KRW B", 1e-9),
    "urban_rural_qol_gap": ("urban-rural gap, QoL pts", 1),
    "capital_region_share": ("capital-region share, pp", 100),
    "jeonbuk_population": ("Jeonbuk, thousand", 1e-3),
    "output": ("output, %", None),
}


def headline_tables(arms: dict[str, Path], year: int | None) -> str:
    """Per metric: scenario x arm effects against no_investment with 95 % CIs."""
    name = "effects.csv" if year is None else f"effects_{year}.csv"
    frames = {}
    for arm, path in arms.items():
        f = path / name
        if f.exists():
            frames[arm] = pd.read_csv(f)
    if not frames:
        return ""
    out = []
    for metric, (label, factor) in HEADLINES.items():
        out += [f"**{label}**", "", "| scenario | " + " | ".join(frames) + " |",
                "|---|" + "---|" * len(frames)]
        scenarios = sorted(set.union(*(set(f["condition"]) for f in frames.values())))
        for sc in scenarios:
            cells = []
            for e in frames.values():
                r = e[(e["condition"] == sc) & (e["metric"] == metric)]
                if r.empty:
                    cells.append("n/a")
                    continue
                r = r.iloc[0]
                k = factor if factor is not None else 100 / r["baseline_mean"]
                cells.append(f"{r['mean'] * k:+.3g} [{r['ci_low'] * k:+.3g}, {r['ci_high'] * k:+.3g}]")
            out.append(f"| {sc} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def report(arms: dict[str, Path], years: list[int]) -> str:
    data = {arm: load(path) for arm, path in arms.items()}
    out = []
    for year in years:
        out += [f"### {year}", "",
                "| claim | unit | " + " | ".join(arms) + " |",
                "|---|---|" + "---|" * len(arms)]
        for claim in CLAIMS:
            cells = []
            for arm in arms:
                c = contrast(data[arm], claim, year)
                if not c.get("n"):
                    cells.append("n/a")
                    continue
                cells.append(f"**{c['verdict']}** {c['mean']:+.3g} [{c['low']:+.3g}, {c['high']:+.3g}]")
            out.append(f"| {claim.label} | {claim.unit} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("arms", nargs="+", help="ARM=SWEEP_DIR, e.g. neutral=multirun/cp_neutral")
    p.add_argument("--years", default="2025,2035", help="comma-separated years")
    p.add_argument("--out", type=Path, help="write the markdown here (default: print)")
    args = p.parse_args(argv)
    arms = {}
    for item in args.arms:
        name, _, path = item.partition("=")
        if not path or not (Path(path) / "comparison.parquet").exists():
            print(f"error: {item}: expected ARM=DIR with DIR/comparison.parquet", file=sys.stderr)
            return 2
        arms[name] = Path(path)
    years = [int(y) for y in args.years.split(",")]
    text = "## The brief's claims, paired contrasts\n\n" + report(arms, years)
    for y in years:
        text += f"\n## Effects against no_investment in {y}\n\n"
        text += headline_tables(arms, y) or headline_tables(arms, None)
    if args.out:
        args.out.write_text(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
