"""How much of a paired welfare effect is composition: households the policy moved,
credited with their new place's welfare change since the start instead of their old
place's (docs/study/reading.md, "Open construction questions").

    python experiments/brief_claims/welfare_composition.py --seeds 6 run.scale=50 \\
        --out docs/study/welfare_composition.csv

The welfare measure sums each municipality's welfare change per household over the
households living there now. A paired effect (policy run minus its same-seed twin) is
then ``sum_m n_P,m w_P,m - sum_m n_B,m w_B,m``, which splits exactly into

- ``twin_weighted``: ``sum_m n_B,m (w_P,m - w_B,m)``, the change of each place's welfare
  per household, over the households the twin has there (no one credited for moving);
- ``composition``: ``sum_m (n_P,m - n_B,m) w_P,m``, the households the policy moved,
  each valued at its new place's welfare change since the start.

``start_weighted`` (``sum_m n_0,m (w_P,m - w_B,m)``, the start's households) is shown
beside them: a measure of the start's population, not a correction. Municipalities are
the unit (the household types within one are pooled), in the configured (neutral) world
with the configured behaviour; the study's worlds are not rerun here. Each scenario runs
for ``--years`` from the default start with each seed, against ``no_investment`` with the
same seed, at the scenario's budget or at each of ``--budgets`` (KRW a year): a policy
that spends almost nothing must change almost nothing, so small budgets show how far the
twins drift apart for reasons other than the policy::

    python experiments/brief_claims/welfare_composition.py --scenarios status_quo_2018 \\
        --budgets 1e8,1e9,1e10 --seeds 3 run.scale=50 --out docs/study/welfare_small_budgets.csv

Prints the mean and standard deviation over the seeds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

SCENARIOS = ("brief_combined", "trouble_shooter", "tech_city", "status_quo_2018")
YEARS = (2035, 2045)


def composition_split(policy: pd.DataFrame, twin: pd.DataFrame,
                      start_households: pd.Series) -> dict[str, float]:
    """The paired welfare effect of one year and its split (KRW a year; see the module
    docstring). ``policy`` and ``twin``: one year's municipal rows (``code``,
    ``households``, ``welfare_krw_per_household``); ``start_households`` by code."""
    p = policy.set_index("code")
    b = twin.set_index("code").reindex(p.index)
    if b["households"].isna().any():
        raise ValueError("the policy run and its twin hold different municipalities")
    wp, wb = p["welfare_krw_per_household"], b["welfare_krw_per_household"]
    effect = float((p["households"] * wp).sum() - (b["households"] * wb).sum())
    twin_weighted = float((b["households"] * (wp - wb)).sum())
    start = start_households.reindex(p.index).fillna(0.0)
    return {"effect": effect, "twin_weighted": twin_weighted,
            "composition": float(((p["households"] - b["households"]) * wp).sum()),
            "start_weighted": float((start * (wp - wb)).sum()),
            "households_moved": float((p["households"] - b["households"]).abs().sum() / 2)}


def measure(scenarios: list[str], seeds: int, years: int, overrides: list[str],
            budgets: list[float | None] | None = None, progress: bool = True) -> pd.DataFrame:
    """One row per seed, scenario, budget (None: the scenario's own) and outcome year of
    :data:`YEARS` within the run."""
    from tqdm.auto import tqdm

    import sim

    rows = []
    budgets = budgets or [None]
    bar = tqdm(total=seeds * (1 + len(scenarios) * len(budgets)), desc="runs", unit="run",
               disable=not progress)
    for seed in range(seeds):
        twin = sim.simulate("no_investment", seed=seed, years=years, overrides=overrides)
        bar.update()
        mun = twin.municipalities
        start = mun[mun["year"] == mun["year"].min()].set_index("code")["households"]
        for scenario in scenarios:
            for budget in budgets:
                run = sim.simulate(scenario, seed=seed, years=years, budget_krw=budget,
                                   overrides=overrides)
                bar.update()
                for year in YEARS:
                    pol = run.municipalities[run.municipalities["year"] == year]
                    if pol.empty:
                        continue
                    split = composition_split(pol, mun[mun["year"] == year], start)
                    rows.append({"scenario": scenario, "budget_krw": budget, "seed": seed,
                                 "year": year, **{k: v / 1e9 if k != "households_moved" else v
                                                  for k, v in split.items()}})
    bar.close()
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    cols = ["effect", "twin_weighted", "composition", "start_weighted"]
    keys = ["scenario", "budget_krw", "year"] if table["budget_krw"].notna().any() else \
        ["scenario", "year"]
    return table.groupby(keys)[cols].agg(["mean", "std"]).round(3)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Other arguments are overrides of the run "
                                 "(e.g. run.scale=50).")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS),
                    help=f"comma-separated (default {','.join(SCENARIOS)})")
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--years", type=int, default=20, help="simulated years (default 20)")
    ap.add_argument("--budgets", help="comma-separated annual budgets, KRW (default: each "
                    "scenario's own)")
    ap.add_argument("--out", type=Path, help="write the table (one row per seed) here")
    args, overrides = ap.parse_known_args(argv)
    budgets = [float(b) for b in args.budgets.split(",")] if args.budgets else None
    table = measure(args.scenarios.split(","), args.seeds, args.years, overrides, budgets)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False)
    print("KRW B a year, mean and sd over the seeds:")
    print(summary(table).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
