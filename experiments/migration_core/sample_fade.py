"""Do the study's behaviour sets keep Korea's province flows? ``run.py``'s in-sample check
(a 2010 start whose base is 2011-2015 itself, run to 2015) for every set of a behaviour
sample, one seed each (docs/validation.md 6.3).

For each set: how many of the 17 provinces' 2011-2015 net migration is within a third of
KOSIS (sign right), the same for each year's pace times five, and Seoul's net a year.

    python experiments/migration_core/sample_fade.py --scale 10
    python experiments/migration_core/sample_fade.py --study-baseline --scale 20

Writes ``sample_fade.csv`` into ``--out`` (default ``docs/img/migration_core``) and
prints the spread over the sets. With ``--study-baseline``: instead, the study's own
baseline (the 2025 start, no investment, 10 years) for the default behaviour and each
set, Seoul's net migration from the rest of Korea a year, into
``sample_fade_2025.csv``. ``--ranks`` runs only those sets; ``--beta-vacancy`` replaces
their vacancy pull (the cause check of docs/validation.md 6.3):

    python experiments/migration_core/sample_fade.py --study-baseline --scale 20 \
        --ranks 48 51 --beta-vacancy 0.034 --out /tmp/fade

With ``--seeds N`` (N > 1): the bar in expectation. Each set (and the default point,
rank 0) runs N seeds; a province counts as *within* where the 95 % interval of its
mean five-year total lies wholly within a third of KOSIS, *outside* where it lies wholly
outside, and *undecided* otherwise. One run is a draw: a province whose net is small
(Gyeongbuk's 2011-2015 is -3.5 k, so a third is 1.2 k) passes or fails one run by its
draws alone, so the script also prints the chance that a model *exactly right in
expectation* passes all 17 in one run at this scale (the bar's noise floor). Writes
``sample_fade_seeds.csv`` (every run's totals) and ``sample_fade_expectation.csv``:

    python experiments/migration_core/sample_fade.py --sample configs/behaviour/posterior.csv \
        --seeds 12 --scale 5 --out docs/img/migration_core/hm_in_sample

``--jobs 2`` runs two of them at a time (the results are the same: each run is its own
seed). ``--with`` adds Hydra overrides to every run (a mechanism switched on, e.g.
``--with behaviour.migration.leaving_home_moves=true``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as checks  # noqa: E402  (this folder's run.py)

from sim.data import flows as kosis  # noqa: E402
from sim.runner import run  # noqa: E402
from sim.tools.validate import draw_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=Path, default=ROOT / "configs" / "behaviour" / "posterior_screened.csv")
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core")
    ap.add_argument("--study-baseline", action="store_true",
                    help="the 2025 start's 10 years instead of the in-sample 2010 start")
    ap.add_argument("--ranks", type=int, nargs="*", default=None, help="only these sets")
    ap.add_argument("--beta-vacancy", type=float, default=None,
                    help="replace the sets' migration.beta_vacancy")
    ap.add_argument("--seeds", type=int, default=1,
                    help="N > 1: the bar in expectation over N seeds (see the module docstring)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="parallel runs of --seeds N (each a process; default 1)")
    ap.add_argument("--with", dest="overrides", nargs="*", default=[],
                    help="Hydra overrides added to every run (either check)")
    args = ap.parse_args(argv)
    in_sample = [*checks.IN_SAMPLE, *args.overrides]
    sets = pd.read_csv(args.sample)
    if args.ranks:
        sets = sets[sets["rank"].isin(args.ranks)]
    if args.beta_vacancy is not None:
        sets = sets.assign(**{"migration.beta_vacancy": args.beta_vacancy})
    if args.study_baseline:
        return study_baseline(sets, args.scale, args.seed, args.out, args.overrides)
    if args.seeds > 1:
        return expectation(sets, args.seeds, args.scale, args.out, args.jobs, in_sample)
    observed = kosis.net_migration().loc[2011:2015].fillna(0)
    rows = []
    for _, row in sets.iterrows():
        cfg = with_overrides(draw_config(checks._config(2010, 5, in_sample, args.seed, args.scale),
                                         row), args.overrides)
        net = checks.province_net(run(cfg).flows).loc[2011:2015]
        total = observed[net.columns].sum()
        rows.append({"rank": int(row["rank"]),
                     "within_a_third_2011_2015": int(checks.within_a_third(net.sum(), total).sum()),
                     **{f"within_a_third_{y}": int(checks.within_a_third(net.loc[y] * 5, total).sum())
                        for y in range(2011, 2016)},
                     **{f"seoul_{y}": float(net.loc[y, 11]) for y in range(2011, 2016)}})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "sample_fade.csv", index=False)
    print(table.describe().round(1).to_string())
    return 0


def with_overrides(cfg, overrides: list[str]):
    """``cfg`` with Hydra-style ``key=value`` overrides applied again: a sample row's
    behaviour is rebuilt on the schema defaults (:func:`draw_config`), which drops them."""
    if not overrides:
        return cfg
    from omegaconf import OmegaConf

    from sim.config import derive
    return derive(cfg, OmegaConf.to_container(OmegaConf.from_dotlist(list(overrides))))


def _province_totals(rank: int, seed: int, cfg) -> list[dict]:
    """One in-sample run's five-year province totals, as rows."""
    net = checks.province_net(run(cfg).flows).loc[2011:2015].sum()
    return [{"rank": rank, "seed": seed, "province_code": int(c), "total": float(v)}
            for c, v in net.items()]


def bar_verdicts(runs: pd.DataFrame, observed: pd.Series, seeds: int, by: list[str]
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every run's five-year province totals (``runs``: ``by`` columns, ``province_code``,
    ``total``) -> each group's and province's mean, sd, KOSIS and verdict in expectation
    (within, undecided, outside a third), and the count of each verdict by group."""
    stats = runs.groupby([*by, "province_code"])["total"].agg(["mean", "std"]).reset_index()
    stats["kosis"] = observed.reindex(stats["province_code"]).to_numpy()
    stats["verdict"] = checks.verdict_in_expectation(stats["mean"], stats["std"], seeds, stats["kosis"])
    counts = stats.pivot_table(index=by, columns="verdict", values="mean", aggfunc="count",
                               fill_value=0).reindex(columns=["within", "undecided", "outside"], fill_value=0)
    return stats, counts


def expectation(sets: pd.DataFrame, seeds: int, scale: float, out: Path, jobs: int = 1,
                in_sample: list[str] | None = None) -> int:
    """The in-sample bar in expectation: each set's (and the default point's) five-year
    province totals over ``seeds`` seeds, classified against a third of KOSIS.
    ``in_sample``: the runs' overrides (default: the in-sample constants alone)."""
    in_sample = checks.IN_SAMPLE if in_sample is None else in_sample
    extra = [o for o in in_sample if o not in checks.IN_SAMPLE]
    from joblib import Parallel, delayed
    from scipy.stats import norm

    observed = kosis.net_migration().loc[2011:2015].fillna(0).sum()
    base = [(0, lambda seed: checks._config(2010, 5, in_sample, seed, scale))]
    base += [(int(r["rank"]), lambda seed, r=r: with_overrides(draw_config(
        checks._config(2010, 5, in_sample, seed, scale), r), extra)) for _, r in sets.iterrows()]
    out.mkdir(parents=True, exist_ok=True)
    tasks = [(rank, seed, config(seed)) for rank, config in base for seed in range(seeds)]
    runs = []
    done = Parallel(n_jobs=jobs, return_as="generator")(
        delayed(_province_totals)(*task) for task in tasks)
    for (rank, seed, _), rows in zip(tasks, done, strict=True):
        runs += rows
        pd.DataFrame(runs).to_csv(out / "sample_fade_seeds.csv", index=False)  # survives a kill
        if seed == seeds - 1:
            print(f"rank {rank}: {seeds} seeds done", flush=True)
    stats, table = bar_verdicts(pd.DataFrame(runs), observed, seeds, ["rank"])
    # A model right in expectation, one run: each province passes with the chance that
    # its draws (the pooled sd over seeds) stay within a third.
    sd = stats.groupby("province_code")["std"].median()
    kosis_third = observed.reindex(sd.index).abs() / 3
    floor = float(np.prod(2 * norm.cdf(kosis_third / sd) - 1))
    table["mean_within_a_third"] = stats.assign(ok=checks.within_a_third(stats["mean"], stats["kosis"])
                                                ).groupby("rank")["ok"].sum()
    table["seoul_mean_k"] = stats[stats["province_code"] == 11].set_index("rank")["mean"] / 1e3
    table["gyeonggi_mean_k"] = stats[stats["province_code"] == 31].set_index("rank")["mean"] / 1e3
    stats.to_csv(out / "sample_fade_expectation.csv", index=False)
    print(table.round(1).to_string())
    print("outside, by province:", stats[stats["verdict"] == "outside"].groupby("province_code").size().to_dict())
    print(f"chance that a model right in expectation passes all 17 in one run at scale {scale}: {floor:.3f}")
    return 0


def study_baseline(sets: pd.DataFrame, scale: float, seed: int, out: Path,
                   overrides: list[str] | None = None) -> int:
    """Seoul's net migration a year in the 2025 start's no-investment baseline, 2026-2035,
    for the default behaviour (rank 0) and each set of the sample (``overrides`` on top)."""
    rows = []
    overrides = list(overrides or [])
    cfg = checks._config(2025, 10, overrides, seed, scale)
    sampled = [(int(r["rank"]), with_overrides(draw_config(cfg, r), overrides)) for _, r in sets.iterrows()]
    for rank, config in [(0, cfg)] + sampled:
        net = checks.province_net(run(config).flows)
        rows.append({"rank": rank, **{f"seoul_{y}": float(net.loc[y, 11]) for y in net.index}})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sample_fade_2025.csv", index=False)
    seoul = table.drop(columns="rank").to_numpy()[1:] / 1e3
    print("median by year (k):", np.median(seoul, axis=0).round(0).tolist())
    print("sets in which Seoul gains in some year:", int((seoul.max(axis=1) > 0).sum()), "of", len(seoul))
    return 0


if __name__ == "__main__":
    sys.exit(main())
