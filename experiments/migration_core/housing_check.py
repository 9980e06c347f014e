"""Why do Seoul's movers come back? Households, dwellings and vacancies of Seoul and
Gyeonggi in ``run.py``'s in-sample run (a 2010 start whose base is 2011-2015), year by
year, against the census of 2010 and 2015 (docs/validation.md 6.3).

    python experiments/migration_core/housing_check.py --scale 5
    python experiments/migration_core/housing_check.py --scale 5 --leave-home-rate 0.09

Prints one row per year and province (with each year's net migration from the other
provinces), and the census's households and dwellings. ``--leave-home-rate`` replaces
the behaviour's rate of adult children leaving home, the model's household formation.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from sim.config import make_config
from sim.model import SmartCityModel
from sim.processes import migration

PROVINCES = {11: "Seoul", 31: "Gyeonggi-do"}


def row(model: SmartCityModel, year: int, code: int, name: str) -> dict:
    where = model.region.table["province_code"].to_numpy() == code
    units, vacant = model.housing.units[where].sum(), model.housing.vacant[where].sum()
    codes = model.world.province_codes
    flows = model.states.migration.flows_persons.astype(float)
    between = migration.province_flows(flows, model.world.province_index, len(codes)) * model.scale
    k = list(codes).index(code)
    net = (between[:, k].sum() - between[k, k]) - (between[k, :].sum() - between[k, k])
    return {"year": year, "province": name, "net_migration_k": net / 1e3 if year > 2010 else np.nan,
            "households_k": model.observed.households[where].sum() * model.scale / 1e3,
            "persons_k": model.persons[where].sum() * model.scale / 1e3,
            "dwellings_k": units / 1e3, "vacancy_rate": vacant / units}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--leave-home-rate", type=float, default=None)
    args = ap.parse_args(argv)
    extra = ([] if args.leave_home_rate is None
             else [f"behaviour.demography.leave_home_rate={args.leave_home_rate}"])
    model = SmartCityModel(make_config([
        "region=korea", "run.start_year=2010", f"run.scale={args.scale}", "run.years=5",
        f"run.seed={args.seed}", "run.progress=false", "run.plots=false",
        "behaviour.migration.constants=in_sample", *extra]))
    rows = [row(model, 2010, c, n) for c, n in PROVINCES.items()]
    for year in range(2011, 2016):
        model.step()
        rows += [row(model, year, c, n) for c, n in PROVINCES.items()]
    print(pd.DataFrame(rows).round(3).to_string(index=False))
    table = model.region.table
    for code, name in PROVINCES.items():
        where = table["province_code"].to_numpy() == code
        census = {c: [float(np.sum(table[f"{c}_{y}"].to_numpy(float)[where])) / 1e3 for y in (2010, 2015)]
                  for c in ("households", "pop", "housing_units")}
        print(f"census {name}: " + ", ".join(f"{c} {a:.0f}k -> {b:.0f}k" for c, (a, b) in census.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
