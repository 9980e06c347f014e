"""Which of the calibration's accepted behaviour sets still fit under the current model?

    python experiments/brief_claims/screen.py run.scale=50     # writes configs/behaviour/posterior_screened.csv
    python experiments/brief_claims/screen.py run.scale=50 --posterior configs/behaviour/posterior.csv \
        configs/behaviour/posterior_hm_round12_wave6.csv        # several samples: the fitting sets of all

The study draws each world's behaviour from an accepted set (``posterior`` of
``configs/study/brief_claims.yaml``) and leaves out of the verdicts every world whose
no-investment baseline leaves the calibration's tolerance (the space's ``fit`` bands:
movers share, share of moves crossing a province). The shipped sample
(``configs/behaviour/posterior.csv``, history matching from the in-sample 2010 start,
docs/validation.md 6.4) was fitted on 2011-2015; the study starts from 2025, and the
twin's fit is decided by the set, not by the sampled beliefs (under round 5's ABC sample
the set's own movers share correlated 0.87 with the twin's; 10 of its 60 sets fitted, 45
of round 6's 55 history-matching sets did, 7 of round 7's 11). Drawing worlds from sets that cannot fit only wastes them.

This screen runs every set's no-investment baseline under the neutral beliefs (``--seeds``
seeds, the study's first ``FIT_YEARS`` years, the study's overrides), computes the same
fit statistics the study checks (:func:`brief_claims.worlds.fit_stats`), and writes the
sets whose seed-mean statistics lie inside every band, with those statistics and the
revision, as ``--out``; ``--all`` gets every set's statistics. It is a rejection step of
the calibration on the current model with the study's tolerance, not a new calibration
(``python -m sim.calibrate --history`` is that; docs/validation.md 6.4). The study still
checks every world (its beliefs can move the baseline too).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT / "experiments", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import pandas as pd  # noqa: E402

from brief_claims import space, worlds  # noqa: E402

SOURCE = ROOT / "configs" / "behaviour" / "posterior.csv"
OUT = ROOT / "configs" / "behaviour" / "posterior_screened.csv"


def screen(posterior: Path, fit: dict[str, tuple[float, float]], base: list[str], seeds: int,
           out_dir: Path, jobs: int = 1, progress: bool = True) -> pd.DataFrame:
    """Every row of ``posterior`` with its twin's fit statistics (seed means) and ``fits``."""
    from sim.config import compose
    from sim.tools.abc import behaviour_of

    table = space.read_posterior(posterior)
    base = space.sample_base(base)  # the sets on the defaults they were matched on
    start = int(compose(base).run.start_year)
    here = [*base, f"run.years={worlds.FIT_YEARS}"]
    years = (start + worlds.FIT_YEARS,)
    tasks = []
    for i in range(len(table)):
        values = {"behaviour": behaviour_of(table.iloc[i])}
        key = space.world_key({}, values, here, [], tuple(range(seeds)), years) + "screen"
        tasks.append(worlds.WorldTask(i, tuple(range(seeds)), (), values, tuple(here), (),
                                      years, key, out_dir))
    worlds.run_worlds(tasks, n_jobs=jobs, progress=progress)
    outcomes, _ = worlds.gather(out_dir, list(range(len(table))))
    stats = outcomes.groupby("world")[[c for c in outcomes.columns if c.startswith("fit_")]].mean()
    out = table.join(stats)
    ok = pd.Series(True, index=out.index)
    for key, (lo, hi) in fit.items():
        ok &= out[f"fit_{key}"].between(lo, hi)
    return out.assign(fits=ok, source_row=out.index)


def main(argv: list[str] | None = None) -> int:
    from sim import io

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog="Other arguments are Hydra overrides of every run.")
    ap.add_argument("--space", type=Path, default=space.DEFAULT_SPACE,
                    help="the study config whose fit bands are the tolerance")
    ap.add_argument("--posterior", type=Path, nargs="+", default=[SOURCE],
                    help="the samples to screen; the sets of all that fit are written together, "
                         "each row's file in the column 'sample'")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--all", type=Path, default=ROOT / "multirun" / "posterior_screen.csv",
                    help="every set's statistics")
    ap.add_argument("--work", type=Path, default=ROOT / "multirun" / "posterior_screen")
    ap.add_argument("--no-progress", action="store_true")
    args, extra = ap.parse_known_args(argv)
    sp = space.load_space(args.space)
    if not sp.fit:
        ap.error(f"{args.space}: no fit bands to screen against")
    names = [p.name for p in args.posterior]
    if len(set(names)) < len(names):
        ap.error(f"--posterior: two samples share a file name ({names}); 'sample' would not tell them apart")
    table = pd.concat([
        screen(p, sp.fit, extra, args.seeds, args.work / p.stem if len(names) > 1 else args.work,
               args.jobs, not args.no_progress).assign(sample=p.name)
        for p in args.posterior], ignore_index=True)
    io.atomic_write(args.all, lambda tmp: table.to_csv(tmp, index=False))
    kept = table[table["fits"]].drop(columns=["fits"])
    if kept.empty:
        print("error: no set of the sample fits the bands; nothing written", file=sys.stderr)
        return 1
    io.atomic_write(args.out, lambda tmp: kept.to_csv(tmp, index=False))
    print(f"{len(kept)} of {len(table)} sets fit {dict(sp.fit)} "
          f"({' '.join(extra) or 'Korea default'}, {args.seeds} seeds, revision "
          f"{io.git_revision()}): {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
