"""Do the study's verdicts depend on one setting? Two published runs of the same design
(the same worlds: design seed, beliefs and behaviour rows), differing in one override,
compared claim by claim and world by world.

    python experiments/brief_claims/run.py --worlds 50 run.scale=50 \\
        behaviour.migration.constants_half_life=10 --sweep-dir multirun/brief_claims_d10 \\
        --publish docs/study/carry_half_life_10
    python experiments/brief_claims/sensitivity.py docs/study docs/study/carry_half_life_10

For each claim and outcome year: the share of worlds where it holds, fails, is
negligible or undecided in each run (each over the worlds that fit in that run, as
docs/results.md counts them), the median effect, and, over the worlds that fit in both,
the share whose verdict differs. Writes ``sensitivity.csv`` into the second folder and
prints a markdown table. Refuses two runs whose worlds differ (their verdicts could not
be paired).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

VERDICTS = ("holds", "fails", "negligible", "undecided")


def same_worlds(base: Path, alt: Path) -> None:
    """Raise ValueError unless the two runs drew the same worlds."""
    a, b = (pd.read_csv(p / "worlds.csv") for p in (base, alt))
    keys = [c for c in a.columns if c.startswith("beliefs.") or c in ("world", "seeds", "posterior_row")]
    if list(a["world"]) != list(b["world"]) or not all(c in b for c in keys):
        raise ValueError(f"{base} and {alt} do not have the same worlds")
    for c in keys:
        x, y = a[c], b[c]
        same = (x.astype(str) == y.astype(str)) if x.dtype == object else np.isclose(x, y)
        if not bool(np.all(same)):
            raise ValueError(f"{base} and {alt} differ in {c}: not the same design")


def compare(base: Path, alt: Path) -> pd.DataFrame:
    """One row per claim and year: each run's verdict shares and median effect, and the
    share of worlds (fitting in both) whose verdict differs."""
    same_worlds(base, alt)
    va, vb = (pd.read_csv(p / "verdicts.csv") for p in (base, alt))
    ca, cb = (pd.read_csv(p / "claims.csv").set_index(["claim", "year"]) for p in (base, alt))
    rows = []
    for (claim, year), a in va.groupby(["claim", "year"], sort=False):
        b = vb[(vb["claim"] == claim) & (vb["year"] == year)]
        both = a.merge(b, on="world", suffixes=("_base", "_alt"))
        row = {"claim": claim, "year": int(year), "worlds_base": len(a), "worlds_alt": len(b),
               "worlds_both": len(both),
               "changed": float((both["verdict_base"] != both["verdict_alt"]).mean()) if len(both) else np.nan}
        for name, frame in (("base", a), ("alt", b)):
            for v in VERDICTS:
                row[f"{v}_{name}"] = float((frame["verdict"] == v).mean()) if len(frame) else np.nan
        row["effect_median_base"] = float(ca.loc[(claim, year), "effect_median"])
        row["effect_median_alt"] = float(cb.loc[(claim, year), "effect_median"])
        row["unit"] = ca.loc[(claim, year), "unit"]
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    def pct(x: float) -> str:
        return "—" if pd.isna(x) else f"{100 * x:.0f} %"

    lines = ["| claim | year | holds | fails | negligible | undecided | median effect | verdict changed |",
             "|---|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        cells = [f"{pct(r[f'{v}_base'])} → {pct(r[f'{v}_alt'])}" for v in VERDICTS]
        lines.append(f"| {r['claim']} | {r['year']} | {' | '.join(cells)} | "
                     f"{r['effect_median_base']:.3g} → {r['effect_median_alt']:.3g} {r['unit']} | "
                     f"{pct(r['changed'])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", type=Path, help="the published study (e.g. docs/study)")
    ap.add_argument("alt", type=Path, help="the same design with one override, published")
    args = ap.parse_args(argv)
    try:
        table = compare(args.base, args.alt)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    table.to_csv(args.alt / "sensitivity.csv", index=False)
    print(markdown(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
