"""Three artefacts of how the start's households were synthesized, and what they do to the
in-sample flows (docs/validation.md 6.3). Nothing here changes the model: the script
swaps the start's tenure or head ages for the run it makes.

* **Tenure.** The start drew each household's years at its home from one geometric
  distribution (mean 8 years) whatever its age, while the model's move hazard
  (``move_rate`` by age class times ``tenure_multiplier``) sustains another: long
  tenures among the middle-aged, short among the young. Mobility then drifted for years
  for no reason of behaviour. The model now draws the stationary distribution of its
  own hazard (:func:`sim.agents.households.stationary_tenure`, 2026-12-05); the arm
  ``geometric_tenure`` puts the old draw back, for the record.
* **Head ages.** Heads aged 40-64 are drawn uniformly, so 4 % of them turn 65 each
  year. In 2010 the large cohorts were in their 40s and 50s and the 60-64 cohort (born
  1946-50) was small: Statistics Korea counts 17.8 % of households headed by someone
  65+ in 2010 and 19.5 % in 2013 (2013 고령자 통계), and a median head age of 48.3 in
  2010 and 50.8 in 2015 (2015 census release). ``--mid-slope s`` draws the 40-64 ages
  from a linear density falling from 1 + s at 40 to 1 - s at 64 (relative to uniform).

* **Tenure without the push.** The stationary draw used the base hazard, while the model
  multiplies it by the dissatisfaction push of the home's municipality and age class.
  The start now draws from the pushed hazard (:func:`sim.start.draw_start_tenures`,
  2026-12-05; docs/validation.md 6.3, "Why Daegu loses too much"); the arm
  ``base_tenure`` puts the base draw back, for the record (round 9 measured the fix as
  the arm ``pushed_tenure``).

    python experiments/migration_core/start_artefacts.py --scale 10 --seeds 2
    python experiments/migration_core/start_artefacts.py --ranks 0 1 3 5 --seeds 2 \
        --scale 10 --arms as_shipped base_tenure --out docs/img/migration_core/hm_round9

For the default behaviour (rank 0) and each history-matching set: per year, the share
of households moving, the share of heads aged 65+, the median head age, Seoul's net
migration, and the provinces within a third of KOSIS over 2011-2015 (mean over seeds).
Writes ``start_artefacts.csv`` into ``--out``, and every run's five-year province totals
into ``start_artefacts_seeds.csv``; with ``--seeds`` 2 or more it prints the bar in
expectation of each rank and arm (``sample_fade.py``'s verdicts: within, undecided,
outside). ``--with`` adds Hydra overrides to every run, e.g. the head ages with a size
term (docs/validation.md 6.4, "Korea's pace of fade"):

    python experiments/migration_core/start_artefacts.py --ranks 0 --arms head_ages \
        --seeds 6 --scale 5 --with behaviour.migration.size_of=occupied \
        behaviour.migration.beta_size=0.6 --out docs/img/migration_core/start_composition/head_ages_occupied
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as checks  # noqa: E402  (this folder's run.py)
from sample_fade import bar_verdicts, with_overrides  # noqa: E402  (this folder's)

import sim.start  # noqa: E402
from sim.data import flows as kosis  # noqa: E402
from sim.model import SmartCityModel  # noqa: E402
from sim.processes import migration  # noqa: E402
from sim.tools.validate import draw_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def middle_ages(u: np.ndarray, slope: float) -> np.ndarray:
    """Ages 40-64 from a linear density 1 + slope at 40 falling to 1 - slope at 64."""
    if slope == 0:
        return 40 + np.minimum(np.floor(25 * u), 24).astype(np.int64)
    x = ((1 + slope) - np.sqrt((1 + slope) ** 2 - 4 * slope * u)) / (2 * slope)
    return 40 + np.minimum(np.floor(25 * x), 24).astype(np.int64)


def patched_synthesis(original, geometric: bool, slope: float):
    """``sim.start.synthesize_households`` with the arm's tenure and head ages."""
    def synthesize(*args, **kwargs):
        cols = original(*args, **kwargs)
        extra = np.random.default_rng(20101101)  # the arm's own draws: the rng's stay as they were
        age = cols["age"].astype(np.int64)
        if slope:
            mid = (age >= 40) & (age < 65)
            age[mid] = middle_ages(extra.random(int(mid.sum())), slope)
            cols["age"] = age.astype(np.uint8)
        if geometric:
            cols["tenure"] = np.minimum(extra.geometric(1 / 8, len(age)) - 1, 60).astype(np.uint8)
        return cols
    return synthesize


def base_tenure_draw(original, p):
    """``sim.start.draw_start_tenures`` from the base hazard alone, the dissatisfaction
    push left out: the start's draw before 2026-12-05, for the record. Same uniforms."""
    def draw(households, hazard, rng):
        return original(households, np.broadcast_to(migration.tenure_hazard(p), hazard.shape), rng)
    return draw


def one_run(cfg, geometric: bool, slope: float, unpushed: bool = False) -> tuple[pd.DataFrame, pd.Series]:
    """Yearly mobility, head ages and Seoul's net, and the province nets of 2011-2015."""
    original = sim.start.synthesize_households
    original_draw = sim.start.draw_start_tenures
    sim.start.synthesize_households = patched_synthesis(original, geometric, slope)
    if unpushed:
        sim.start.draw_start_tenures = base_tenure_draw(original_draw, cfg.behaviour.migration)
    try:
        model = SmartCityModel(cfg)
    finally:
        sim.start.synthesize_households = original
        sim.start.draw_start_tenures = original_draw
    rows, nets = [], []
    for year in range(2011, 2016):
        model.step()
        hh = model.households
        age = hh.age[: hh.n]
        net = checks.last_year_net(model)
        nets.append(net)
        moved = model.states.migration.flows_persons.sum()
        rows.append({"year": year, "movers_share": float(moved / model.persons.sum()),
                     "heads_65_plus_share": float((age >= 65).mean()),
                     "median_head_age": float(np.median(age)), "seoul_net": float(net[11])})
    return pd.DataFrame(rows), sum(nets)


def bar_in_expectation(runs: pd.DataFrame, observed: pd.Series, seeds: int) -> pd.DataFrame:
    """Provinces decidedly within a third of KOSIS, undecided and outside, by rank and arm,
    from every run's five-year totals (``sample_fade.py``'s verdict in expectation)."""
    stats, counts = bar_verdicts(runs, observed, seeds, ["rank", "arm"])
    counts["outside_provinces"] = stats[stats["verdict"] == "outside"].groupby(["rank", "arm"])[
        "province_code"].agg(lambda c: " ".join(str(int(x)) for x in c))
    return counts.fillna("")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=Path, default=ROOT / "configs" / "behaviour" / "posterior.csv")
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--ranks", type=int, nargs="*", default=None, help="only these sets (0: default)")
    ap.add_argument("--mid-slope", type=float, default=0.7)
    ap.add_argument("--arms", nargs="*", default=None,
                    help="only these arms (as_shipped, geometric_tenure, head_ages, base_tenure, "
                         "history_tenure, history_tenure_10, history_head_ages)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core" / "hm_in_sample")
    ap.add_argument("--with", dest="overrides", nargs="*", default=[],
                    help="Hydra overrides added to every run (a mechanism switched on)")
    args = ap.parse_args(argv)
    sets = pd.read_csv(args.sample)
    ranks = args.ranks if args.ranks is not None else [0, *sets["rank"].astype(int)]
    missing = sorted(set(ranks) - {0, *sets["rank"].astype(int)})
    if missing:
        ap.error(f"--ranks {missing}: no such rank in {args.sample}")
    observed = kosis.net_migration().loc[2011:2015].fillna(0).sum()
    arms = {"as_shipped": (False, 0.0, False), "geometric_tenure": (True, 0.0, False),
            "head_ages": (False, args.mid_slope, False), "base_tenure": (False, 0.0, True),
            "history_tenure": (False, 0.0, False), "history_tenure_10": (False, 0.0, False),
            "history_head_ages": (False, args.mid_slope, False)}
    # the model's start_history_years, as arms
    history = {"history_tenure": 5, "history_tenure_10": 10, "history_head_ages": 5}
    unknown = set(args.arms or ()) - set(arms)
    if unknown:
        ap.error(f"unknown --arms {sorted(unknown)}: choose from {sorted(arms)}")
    arms = {k: v for k, v in arms.items() if not args.arms or k in args.arms}
    rows, runs = [], []
    args.out.mkdir(parents=True, exist_ok=True)
    for rank in ranks:
        for arm, (geometric, slope, unpushed) in arms.items():
            yearly, totals = [], []
            for seed in range(args.seeds):
                cfg = checks._config(2010, 5, checks.IN_SAMPLE, seed, args.scale)
                if rank:
                    cfg = draw_config(cfg, sets[sets["rank"] == rank].iloc[0])
                extra = ([f"behaviour.migration.start_history_years={history[arm]}"]
                         if arm in history else [])
                y, t = one_run(with_overrides(cfg, [*args.overrides, *extra]), geometric, slope,
                               unpushed)
                yearly.append(y.set_index("year"))
                totals.append(t)
                runs += [{"rank": rank, "arm": arm, "seed": seed, "province_code": int(c),
                          "total": float(v)} for c, v in t.items()]
                pd.DataFrame(runs).to_csv(args.out / "start_artefacts_seeds.csv", index=False)
            y = sum(yearly) / len(yearly)
            total = sum(totals) / len(totals)
            rows.append({"rank": rank, "arm": arm,
                         "within_a_third_of_mean": int(checks.within_a_third(
                             total, observed.reindex(total.index)).sum()),
                         **{f"net_2011_2015_{int(c)}": float(v) for c, v in total.items()},
                         **{f"{c}_{yr}": float(y.loc[yr, c]) for yr in y.index
                            for c in ("movers_share", "heads_65_plus_share", "median_head_age",
                                      "seoul_net")}})
            print(rows[-1], flush=True)
            pd.DataFrame(rows).to_csv(args.out / "start_artefacts.csv", index=False)
    if args.seeds >= 2:
        print(bar_in_expectation(pd.DataFrame(runs), observed, args.seeds).to_string())
    table = pd.DataFrame(rows)
    print(table.groupby("arm", sort=False)[["within_a_third_of_mean", "seoul_net_2015",
                                            "movers_share_2011", "movers_share_2015",
                                            "heads_65_plus_share_2015"]].median().round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
