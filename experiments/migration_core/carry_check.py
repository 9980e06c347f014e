"""What the carry rule does to the study's baseline: the 2025 start's no-investment run
for 20 years with the base period's pull held (the pre-registered rule,
``constants_half_life=0``) and decaying (docs/validation.md 6.2-6.3).

    python experiments/migration_core/carry_check.py --scale 20 --half-lives 0 10

The base period of a 2025 start is 2015-2020, when Sejong grew by 85 % as the ministries
moved in. Held, that pull keeps drawing people there for the whole run. For each
half-life: Sejong's, Jeonbuk's and Seoul's population and the capital region's share in
2025, 2035 and 2045. Writes ``carry_check.csv`` into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.config import make_config
from sim.runner import run

ROOT = Path(__file__).resolve().parents[2]
YEARS = (2025, 2035, 2045)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--half-lives", type=float, nargs="+", default=[0.0, 10.0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core")
    args = ap.parse_args(argv)
    rows = []
    for half_life in args.half_lives:
        result = run(make_config([
            "region=korea", "run.start_year=2025", "run.years=20", f"run.scale={args.scale}",
            f"run.seed={args.seed}", "run.progress=false", "run.plots=false",
            f"behaviour.migration.constants_half_life={half_life}"]))
        muni = result.municipalities
        province = muni["code"].astype(str).str[:2]
        national = result.national.set_index("year")
        for year in YEARS:
            here = muni["year"] == year
            rows.append({"half_life": half_life, "year": year,
                         "sejong": float(muni.loc[here & (province == "29"), "population"].sum()),
                         "seoul": float(muni.loc[here & (province == "11"), "population"].sum()),
                         "jeonbuk": float(national.loc[year, "jeonbuk_population"]),
                         "capital_region_share": float(national.loc[year, "capital_region_share"])})
        print(pd.DataFrame(rows[-len(YEARS):]).round(4).to_string(index=False), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(args.out / "carry_check.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
