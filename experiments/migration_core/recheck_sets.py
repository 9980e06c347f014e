"""Do a history matching's accepted sets still pass its cut under the current code?

Each set of ``--sample`` files (a history matching's ``posterior*.csv``) is run again with
the matching's own simulator, seeds and scale (``sim.tools.history.simulate_run``; the
settings and the final seed variance come from the sample's ``.summary.json``), and its
seed means are put through the same cut (the k-th largest implausibility). For a change
that corrects how the matched runs were made rather than the model, this says whether the
sets survive the correction without a new matching.

    python experiments/migration_core/recheck_sets.py \
        --sample configs/behaviour/posterior.csv configs/behaviour/posterior_hm_round12_wave6.csv \
        --out docs/img/migration_core/recheck_round12 --jobs 2

``--with migration.start_history_years=5`` reruns them with a setting the matching did
not hold (the trials file then belongs to that rerun: give another ``--out``).

Writes ``recheck.csv`` (one row a set: its implausibilities before and after, and whether
it still passes) and ``trials_<sample>.csv`` (every run; rerunning resumes from it). With
``--keep FILE``, also the sets that still pass as one accepted-sets table, their summaries
and implausibilities those of the rerun, closest first (``origin_sample`` and
``origin_row`` say where each came from): what the screen and ``--default-from`` read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.tools import history as hm  # noqa: E402


def recheck(sample: Path, out: Path, jobs: int, wave: int,
            held: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sets of ``sample`` rerun and cut as its matching did (with the behaviour
    settings its matching held, and ``held`` on top): one row a set, and the sample's own
    rows with the rerun's summaries and implausibilities."""
    summary = json.loads(sample.with_suffix(".summary.json").read_text())
    s = summary["setup"]
    setup = hm.Setup(seeds=int(s["seeds"]), scale=float(s["scale"]), region=s["region"],
                     n_municipalities=int(s["n_municipalities"]), start_year=int(s["start_year"]),
                     years=int(s["years"]), cut=float(s["cut"]), kth=int(s["kth"]), base=s["base"],
                     fixed=hm._merge(s.get("fixed") or {}, held or {}))
    targets = hm.korea_targets(base=setup.base)
    names = [t.name for t in targets]
    var_seed = np.array([summary["var_seed_final"][n] for n in names])
    table = pd.read_csv(sample)
    design = table[[p.path for p in setup.space]].assign(point=np.arange(len(table)))
    trials = out / f"trials_{sample.stem}.csv"
    hm.evaluate_design(wave, design, setup, trials, jobs=jobs)
    runs = hm.read_trials(trials)
    runs = runs[runs["wave"] == wave]
    means, _ = hm.point_means(runs, names, setup.seeds)
    means = means.sort_values("point").reset_index(drop=True)
    imp = hm.simulated_implausibility(means, targets, var_seed)
    kth = hm.effective_kth(setup.kth, len(targets))
    after_kth = hm.kth_largest(imp, kth)
    rows = pd.DataFrame({
        "sample": sample.name, "source_row": means["point"].astype(int),
        "rank": table["rank"].to_numpy()[means["point"].astype(int)],
        "imp_kth_before": table["imp_kth"].to_numpy()[means["point"].astype(int)],
        "imp_kth_after": after_kth,
        "imp_sumsq_before": table["imp_sumsq"].to_numpy()[means["point"].astype(int)],
        "imp_sumsq_after": (imp**2).sum(axis=1),
        "imp_max_after": imp.max(axis=1),
        "passes": after_kth <= setup.cut,
        "worst_after": [names[j] for j in imp.argmax(axis=1)],
    })
    redone = table.iloc[means["point"].astype(int)].reset_index(drop=True).copy()
    for col in redone.columns:
        if col in means and not col.startswith("migration.") and col not in ("wave", "point"):
            redone[col] = means[col].to_numpy()
    for j, name in enumerate(names):
        redone[f"I_{name}"] = imp[:, j]
    redone["imp_max"], redone["imp_kth"] = imp.max(axis=1), after_kth
    redone["imp_sumsq"] = (imp**2).sum(axis=1)
    redone = redone.assign(origin_sample=sample.name, origin_row=means["point"].astype(int).to_numpy(),
                           passes=after_kth <= setup.cut)
    return rows, redone


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=Path, nargs="+", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None,
                    help="write the sets that still pass here, as one accepted-sets table")
    ap.add_argument("--with", dest="held", nargs="+", default=[], metavar="GROUP.KEY=VALUE",
                    help="behaviour settings to hold in every rerun besides the matching's own, "
                         "e.g. migration.start_history_years=5 (the sets under a changed start)")
    args = ap.parse_args(argv)
    held = hm.held_settings(args.held, "--with")
    args.out.mkdir(parents=True, exist_ok=True)
    done = [recheck(p, args.out, args.jobs, wave=i, held=held) for i, p in enumerate(args.sample)]
    table = pd.concat([d[0] for d in done], ignore_index=True)
    table.to_csv(args.out / "recheck.csv", index=False)
    if args.keep is not None:
        kept = pd.concat([d[1] for d in done], ignore_index=True)
        kept = kept[kept.pop("passes")].sort_values("imp_sumsq").reset_index(drop=True)
        kept["rank"] = range(1, len(kept) + 1)
        kept.to_csv(args.keep, index=False)
        print(f"wrote {args.keep}: {len(kept)} sets")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"{int(table['passes'].sum())} of {len(table)} sets still pass the cut")
    return 0


if __name__ == "__main__":
    sys.exit(main())
