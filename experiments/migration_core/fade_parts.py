"""What makes a province's flows drift from what its start reproduces? The in-sample
2010 start (a start fitted on 2011-2015, run to 2015) of behaviour sets, with parts of
the destination choice switched off one at a time, averaged over seeds
(docs/validation.md 6.3 and 6.4).

    python experiments/migration_core/fade_parts.py --seeds 4 --scale 5 \
        --sample configs/behaviour/posterior_screened.csv --ranks 1

Arms (each a set of overrides on top of the sample row; every arm solves its own start,
so each starts on KOSIS's 2011-2015 nets and only the term's dynamics differ):

* ``as_matched``: the set as history matching accepted it;
* ``no_price_response``: house prices do not answer occupancy (``housing.price_elasticity=0``);
* ``no_network``, ``no_vacancy``, ``no_size``, ``no_housing_cost``,
  ``no_dissatisfaction``: that one term off;
* ``no_wage_jobs``: wages and jobs off (and with them the service terms, which are priced
  in the wage coefficient's money, docs/beliefs.md);
* ``no_conditions``: every condition term off (wages, jobs, services, housing costs,
  vacancies, and the dissatisfaction push);
* ``constants_only``: also the network and size terms off: the start's constants,
  distances and the province terms alone (what is left is who the households are:
  ageing, births, deaths, new households).

For each arm and set: every province's five-year net (``net_<code>``, mean over seeds),
Seoul's and Gyeonggi's net a year, and how many provinces' mean five-year total is within
a third of KOSIS. Writes ``fade_parts.csv`` into ``--out`` (default
``docs/img/migration_core/hm_in_sample``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as checks  # noqa: E402  (this folder's run.py)
from sample_fade import with_overrides  # noqa: E402  (this folder's)

from sim.config import derive  # noqa: E402
from sim.data import flows as kosis  # noqa: E402
from sim.runner import run  # noqa: E402
from sim.tools.history import NON_METROPOLITAN  # noqa: E402
from sim.tools.validate import draw_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
#: The non-metropolitan provinces (Gangwon to Gyeongnam; KOSIS 2011-2015: +91 k together).
RURAL = list(NON_METROPOLITAN)
_NO_CONDITIONS = {"beta_wage": [0.0] * 3, "beta_jobs": [0.0] * 3, "beta_services": [0.0] * 3,
                  "beta_housing": [0.0] * 3, "beta_vacancy": 0.0, "dissatisfaction": 0.0}
ARMS = {
    "as_matched": {},
    "no_price_response": {"housing": {"price_elasticity": 0.0}},
    "no_network": {"migration": {"network": 0.0}},
    "no_vacancy": {"migration": {"beta_vacancy": 0.0}},
    "no_size": {"migration": {"beta_size": 0.0}},
    "no_wage_jobs": {"migration": {"beta_wage": [0.0] * 3, "beta_jobs": [0.0] * 3}},
    "no_housing_cost": {"migration": {"beta_housing": [0.0] * 3}},
    "no_dissatisfaction": {"migration": {"dissatisfaction": 0.0}},
    "no_conditions": {"migration": _NO_CONDITIONS},
    "constants_only": {"migration": {**_NO_CONDITIONS, "network": 0.0, "beta_size": 0.0}},
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=Path, default=ROOT / "configs" / "behaviour" / "posterior.csv")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--scale", type=float, default=5.0)
    ap.add_argument("--ranks", type=int, nargs="*", default=None, help="only these sets")
    ap.add_argument("--arms", nargs="*", choices=list(ARMS), default=list(ARMS), help="only these arms")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core" / "hm_in_sample")
    ap.add_argument("--with", dest="overrides", nargs="*", default=[],
                    help="Hydra overrides added to every run, e.g. "
                         "behaviour.migration.start_history_years=5")
    args = ap.parse_args(argv)
    sets = pd.read_csv(args.sample)
    if args.ranks:
        sets = sets[sets["rank"].isin(args.ranks)]
        if sets.empty:
            ap.error(f"--ranks {args.ranks}: no such rank in {args.sample}")
    observed = kosis.net_migration().loc[2011:2015].fillna(0)
    rows = []
    args.out.mkdir(parents=True, exist_ok=True)
    for _, row in sets.iterrows():
        for arm in args.arms:
            overrides = ARMS[arm]
            nets = []
            for seed in range(args.seeds):
                cfg = draw_config(checks._config(2010, 5, checks.IN_SAMPLE, seed, args.scale), row)
                cfg = with_overrides(cfg, args.overrides)
                if overrides:
                    cfg = derive(cfg, {"behaviour": overrides})
                nets.append(checks.province_net(run(cfg).flows).loc[2011:2015])
            net = sum(nets) / len(nets)
            total = observed[net.columns].sum()
            rows.append({"rank": int(row["rank"]), "arm": arm,
                         "within_a_third_of_mean": int(checks.within_a_third(net.sum(), total).sum()),
                         "provinces_32_38_2011_2015": float(net[RURAL].sum().sum()),
                         **{f"seoul_{y}": float(net.loc[y, 11]) for y in net.index},
                         **{f"gyeonggi_{y}": float(net.loc[y, 31]) for y in net.index},
                         **{f"net_{code}": float(net[code].sum()) for code in net.columns}})
            print(rows[-1], flush=True)
            pd.DataFrame(rows).to_csv(args.out / "fade_parts.csv", index=False)
    table = pd.DataFrame(rows)
    years = [c for c in table.columns if c.startswith("seoul_")]
    print((table.groupby("arm", sort=False)[["within_a_third_of_mean", *years]].median()
           ).round(0).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
