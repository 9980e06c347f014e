"""Which province pairs carry a province's drift away from the base period?

The in-sample 2010 start (constants fitted on KOSIS's 2011-2015 flows) of the default
behaviour, run to 2015: for each pair of provinces, the net flow a year from one to the
other that the model's move and destination probabilities give its households (no
draws) at the start and after five years, beside KOSIS's net flow between the same two
provinces each year of 2011-2015 (docs/validation.md 6.4, "An even age split"):

    python experiments/migration_core/pair_fade.py --seeds 2 --scale 5

Writes ``pair_fade.csv`` (province, partner, the province's net gain from the partner
at the start and in 2015, thousand a year, mean over seeds; KOSIS's each year and mean)
into ``--out`` (default ``docs/img/migration_core/persistence``) and prints the pairs
that move most for the provinces asked (``--provinces``, default the three the default
behaviour misses on the bar: Gangwon, Gyeongbuk, Gyeongnam).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fade_composition  # noqa: E402  (this folder's)
import run as checks  # noqa: E402  (this folder's run.py)

from sim.data import flows as kosis  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def net_gain(flows: pd.DataFrame) -> pd.DataFrame:
    """(P, P) each province's (columns) net gain from each partner (rows): in from the
    partner minus out to it."""
    return flows - flows.T


def observed_pair_gain(years: range) -> dict[int, pd.DataFrame]:
    """KOSIS's net gain of each province from each partner, by year."""
    table = kosis.load_province_flows()
    table = table[table["orig_code"] != table["dest_code"]]
    out = {}
    for year in years:
        flows = (table[table["year"] == year].groupby(["orig_code", "dest_code"])["movers"].sum()
                 .unstack("dest_code").fillna(0.0))
        flows = flows.reindex(index=flows.columns, fill_value=0.0)
        out[year] = net_gain(flows)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fade_composition.set_arguments(ap)
    ap.add_argument("--arm", default="as_matched", choices=list(fade_composition.ARMS))
    ap.add_argument("--with", dest="overrides", nargs="*", default=[],
                    help="behaviour.KEY=VALUE settings for the arm (e.g. behaviour.migration.beta_size=1.0)")
    ap.add_argument("--provinces", type=int, nargs="*", default=[32, 37, 38])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core" / "persistence")
    args = ap.parse_args(argv)
    row = fade_composition.chosen_set(ap, args)
    arm = args.arm
    if args.overrides:
        arm = f"{args.arm}_with"
        fade_composition.ARMS[arm] = {**(fade_composition.ARMS[args.arm] or {}),
                                      **fade_composition.behaviour_overrides(args.overrides)}
    start, after = [], []
    for seed in range(args.seeds):
        model = fade_composition._model(row, arm, seed, args.scale)
        start.append(net_gain(checks.province_pairs(model, checks.expected_flows(model))))
        model.run(5)
        after.append(net_gain(checks.province_pairs(model, checks.expected_flows(model))))
    start_mean = sum(start) / len(start) / 1e3
    after_mean = sum(after) / len(after) / 1e3
    observed = observed_pair_gain(range(2011, 2016))
    records = []
    for province in start_mean.columns:
        for partner in start_mean.index:
            if partner == province:
                continue
            seen = {f"kosis_{y}": float(o.loc[partner, province]) / 1e3
                    if partner in o.index and province in o.columns else np.nan
                    for y, o in observed.items()}
            records.append({"province_code": int(province), "partner_code": int(partner),
                            "model_2010": float(start_mean.loc[partner, province]),
                            "model_2015": float(after_mean.loc[partner, province]), **seen})
    table = pd.DataFrame(records)
    table["kosis_mean"] = table[[f"kosis_{y}" for y in observed]].mean(axis=1)
    table["model_change"] = table["model_2015"] - table["model_2010"]
    args.out.mkdir(parents=True, exist_ok=True)
    table.round(3).to_csv(args.out / "pair_fade.csv", index=False)
    for province in args.provinces:
        rows_p = table[table["province_code"] == province].sort_values("model_change", key=abs,
                                                                       ascending=False).head(4)
        print(f"{province}: its net gain from each partner, thousand a year")
        print(rows_p[["partner_code", "model_2010", "model_2015", "kosis_mean"]
                     + [f"kosis_{y}" for y in observed]].round(1).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
