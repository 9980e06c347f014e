"""Why do Seoul's movers come back? Households, dwellings and vacancies of Seoul and
Gyeonggi in ``run.py``'s in-sample run (a 2010 start whose base is 2011-2015), year by
year, against the census of 2010 and 2015 (docs/validation.md 6.3).

    python experiments/migration_core/housing_check.py --scale 5
    python experiments/migration_core/housing_check.py --scale 5 --leave-home-rate 0.09
    python experiments/migration_core/housing_check.py --scale 5 --rank 1
    python experiments/migration_core/housing_check.py --national --scale 20

Prints one row per year and province (with each year's net migration from the other
provinces), and the census's households and dwellings. ``--leave-home-rate`` replaces
the behaviour's rate of adult children leaving home, the model's household formation;
``--rank N`` runs set N of ``--sample`` (default: the shipped history-matching sample)
instead of the default behaviour. With ``--national``: Korea's household growth over
five years from the 2010, 2015 and 2020 starts (no investment, the base-period start)
against the census; 2015->2020 and 2020->2025 are register-based at both ends.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as checks  # noqa: E402  (this folder's run.py)

from sim.config import derive, make_config
from sim.model import SmartCityModel
from sim.runner import run
from sim.tools.validate import draw_config

ROOT = Path(__file__).resolve().parents[2]

PROVINCES = {11: "Seoul", 31: "Gyeonggi-do"}


def row(model: SmartCityModel, year: int, code: int, name: str) -> dict:
    where = model.region.table["province_code"].to_numpy() == code
    units, vacant = model.housing.units[where].sum(), model.housing.vacant[where].sum()
    net = checks.last_year_net(model)[code]
    return {"year": year, "province": name, "net_migration_k": net / 1e3 if year > 2010 else np.nan,
            "households_k": model.observed.households[where].sum() * model.scale / 1e3,
            "persons_k": model.persons[where].sum() * model.scale / 1e3,
            "dwellings_k": units / 1e3, "vacancy_rate": vacant / units}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--leave-home-rate", type=float, default=None)
    ap.add_argument("--sample", type=Path, default=ROOT / "configs" / "behaviour" / "posterior.csv")
    ap.add_argument("--rank", type=int, default=None, help="run this set of --sample")
    ap.add_argument("--national", action="store_true",
                    help="household growth from the 2010, 2015 and 2020 starts against the census")
    args = ap.parse_args(argv)
    if args.national:
        return national(args.scale, args.seed, args.sample, args.rank, args.leave_home_rate)
    cfg = _behaviour(make_config([
        "region=korea", "run.start_year=2010", f"run.scale={args.scale}", "run.years=5",
        f"run.seed={args.seed}", "run.progress=false", "run.plots=false",
        "behaviour.migration.constants=in_sample"]), args.sample, args.rank, args.leave_home_rate)
    model = SmartCityModel(cfg)
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


def _behaviour(cfg, sample: Path, rank: int | None, leave_home_rate: float | None):
    """``cfg`` with set ``rank`` of ``sample`` and the leaving-home rate, where given."""
    if rank is not None:
        sets = pd.read_csv(sample)
        cfg = draw_config(cfg, sets[sets["rank"] == rank].iloc[0])
    if leave_home_rate is not None:
        cfg = derive(cfg, {"behaviour": {"demography": {"leave_home_rate": leave_home_rate}}})
    return cfg


def national(scale: float, seed: int, sample: Path, rank: int | None,
             leave_home_rate: float | None) -> int:
    """Korea's households and persons over five years from each start, against the census."""
    rows = []
    for start in (2010, 2015, 2020):
        cfg = _behaviour(make_config([
            "region=korea", f"run.start_year={start}", f"run.scale={scale}", "run.years=5",
            f"run.seed={seed}", "run.progress=false", "run.plots=false"]), sample, rank, leave_home_rate)
        result = run(cfg)
        n = result.national.set_index("year")
        rows.append({"period": f"{start}->{start + 5}",
                     "model_households": float(n["households"].iloc[-1] / n["households"].iloc[0] - 1),
                     "model_persons": float(n["population"].iloc[-1] / n["population"].iloc[0] - 1)})
    from sim.data.region import load_korea

    census = load_korea().table
    for row in rows:
        a, b = (int(y) for y in row["period"].split("->"))
        row["census_households"] = float(census[f"households_{b}"].sum() / census[f"households_{a}"].sum() - 1)
        row["census_persons"] = float(census[f"pop_{b}"].sum() / census[f"pop_{a}"].sum() - 1)
    print(pd.DataFrame(rows).round(4).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
