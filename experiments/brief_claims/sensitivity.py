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
the share whose verdict differs, the share going between holds and fails, and the change
of each world's mean effect (mean and standard error over the worlds, in the claim's
unit). Writes ``sensitivity.csv`` into the second folder (or ``--out``) and prints a
markdown table. Refuses two runs whose worlds differ (their verdicts could not be
paired), unless the columns that differ are named with ``--except`` (a rerun whose box
changed those beliefs' ranges on purpose, every other draw the same):

    python experiments/brief_claims/sensitivity.py OLD_STUDY docs/study \
        --except beliefs.governance.need_noise_centre --out changes.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

VERDICTS = ("holds", "fails", "negligible", "undecided")


def same_worlds(base: Path, alt: Path, allowed: tuple[str, ...] = ()) -> None:
    """Raise ValueError unless the two runs drew the same worlds (columns in ``allowed``
    may differ)."""
    a, b = (pd.read_csv(p / "worlds.csv") for p in (base, alt))
    keys = [c for c in a.columns if c.startswith("beliefs.") or c in ("world", "seeds", "posterior_row")]
    if list(a["world"]) != list(b["world"]) or not all(c in b for c in keys):
        raise ValueError(f"{base} and {alt} do not have the same worlds")
    for c in keys:
        if c in allowed:
            continue
        x, y = a[c], b[c]
        same = (x.astype(str) == y.astype(str)) if x.dtype == object else np.isclose(x, y)
        if not bool(np.all(same)):
            raise ValueError(f"{base} and {alt} differ in {c}: not the same design")


def compare(base: Path, alt: Path, allowed: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per claim and year: each run's verdict shares and median effect, the
    share of worlds (fitting in both) whose verdict differs and of those going between
    holds and fails, and the change of the worlds' mean effects (``effect_change_mean``
    and its standard error ``effect_change_se``, in the claim's unit; where the
    verdicts carry the means)."""
    same_worlds(base, alt, allowed)
    va, vb = (pd.read_csv(p / "verdicts.csv") for p in (base, alt))
    ca, cb = (pd.read_csv(p / "claims.csv").set_index(["claim", "year"]) for p in (base, alt))
    rows = []
    for (claim, year), a in va.groupby(["claim", "year"], sort=False):
        b = vb[(vb["claim"] == claim) & (vb["year"] == year)]
        both = a.merge(b, on="world", suffixes=("_base", "_alt"))
        row = {"claim": claim, "year": int(year), "worlds_base": len(a), "worlds_alt": len(b),
               "worlds_both": len(both),
               "changed": float((both["verdict_base"] != both["verdict_alt"]).mean()) if len(both) else np.nan}
        flips = both["verdict_base"].add("/").add(both["verdict_alt"]).isin(["holds/fails", "fails/holds"])
        row["holds_fails"] = float(flips.mean()) if len(both) else np.nan
        if "mean_base" in both and len(both) > 1:
            factor = float(ca.loc[(claim, year), "factor"]) if "factor" in ca else 1.0
            change = (both["mean_alt"] - both["mean_base"]) * factor
            row["effect_change_mean"] = float(change.mean())
            row["effect_change_se"] = float(change.std(ddof=1) / np.sqrt(len(change)))
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

    lines = ["| claim | year | holds | fails | negligible | undecided | median effect "
             "| effect change, world by world | verdict changed |",
             "|---|---|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        cells = [f"{pct(r[f'{v}_base'])} → {pct(r[f'{v}_alt'])}" for v in VERDICTS]
        change = (f"{r['effect_change_mean']:+.3g} ± {r['effect_change_se']:.2g}"
                  if pd.notna(r.get("effect_change_mean", np.nan)) else "—")
        lines.append(f"| {r['claim']} | {r['year']} | {' | '.join(cells)} | "
                     f"{r['effect_median_base']:.3g} → {r['effect_median_alt']:.3g} {r['unit']} | "
                     f"{change} | {pct(r['changed'])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", type=Path, help="the published study (e.g. docs/study)")
    ap.add_argument("alt", type=Path, help="the same design with one override, published")
    ap.add_argument("--except", dest="allowed", action="append", default=[], metavar="COLUMN",
                    help="a worlds.csv column allowed to differ (a belief whose range changed)")
    ap.add_argument("--out", type=Path, default=None, help="default ALT/sensitivity.csv")
    args = ap.parse_args(argv)
    try:
        table = compare(args.base, args.alt, tuple(args.allowed))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    table.to_csv(args.out or args.alt / "sensitivity.csv", index=False)
    print(markdown(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
