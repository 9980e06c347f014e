"""How much would it take? Every claim's effect against the annual budget, and the noise
floor of the study at several scales (issue 27 items 4 and 6).

    python experiments/brief_claims/dose.py --publish docs/study              # dose.csv
    python experiments/brief_claims/dose.py --noise-floor --publish docs/study # noise_floor.csv

**Dose-response**: in the neutral world (the configured beliefs and behaviour, nothing
sampled) the study's lever design runs at each budget of ``--budgets`` (KRW a year;
default 0.1, 0.3, 1, 3 and 5 trillion) with ``--seeds`` seeds; each claim's effect gets
an interval from the seeds' spread, and its break-even budget is the smallest from which
that interval lies beyond the claim's threshold on the claimed side at every budget tried
(:func:`break_even`), or none within the budgets tried; ``against_at_krw`` flags a budget
at which the lever works against the claim beyond the threshold. ``--break-even-only``
recomputes both columns of a published ``dose.csv`` (no runs).

**Noise floor** (``--noise-floor``): the first ``--worlds`` worlds of the study's design
of ``--study-worlds`` worlds (their beliefs and behaviour sets; until 2026-12-07 the
design was drawn anew for ``--worlds`` points, so its worlds were not the study's: the
published ``noise_floor.csv`` of 2026-12-07 ran two other worlds of the same space, on
posterior rows 11 and 0) at each scale of ``--scales`` (default 100, 25, 10), ``--seeds`` seeds each; per claim the
seeds' pooled spread and the half-width of a world's 95 % interval with the study's
replicates, in thresholds: below 1 the study can call an effect at the threshold
negligible or decided at that scale. The study's scale is chosen from it.

Both write their table into ``--out`` (and ``--publish``); every run is resumable (one file
per budget or scale and world under ``--out``).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT / "experiments", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from brief_claims import design, run, space, verdicts, worlds  # noqa: E402

BUDGETS = (1e11, 3e11, 1e12, 3e12, 5e12)
SCALES = (100.0, 25.0, 10.0)


def _tasks(label: str, base: list[str], d: design.Design, seeds: tuple[int, ...],
           out: Path, points: list[tuple[int, dict, list[str]]], years,
           values: list[dict | None] | None = None) -> list:
    """One task a point; ``values`` (one a point) the nested behaviour of a world drawn
    from the sample, None for the configured behaviour."""
    runs = run.run_labels(design.Design(d.factors, d.fraction, d.replicates, (), d.claims))
    tasks = []
    for i, (world, point, overrides) in enumerate(points):
        v = values[i] if values is not None else None
        key = space.world_key(point, v, base, [r for r, _ in runs], seeds, years) + label
        tasks.append(worlds.WorldTask(world, seeds, tuple(overrides), v, tuple(base),
                                      tuple(runs), years, key, out))
    return tasks


def dose_table(out_root: Path, d: design.Design, base: list[str], budgets, seeds: int,
               jobs: int, progress: bool) -> pd.DataFrame:
    """One row per claim and budget: the effect (display units) with its 95 % interval,
    the threshold and the break-even budget (NaN: none within the budgets)."""
    years = run.outcome_years(base, None)  # the study's years: the money's end and the run's
    rows = []
    for budget in budgets:
        here = [*base, f"budget.annual_krw={budget:g}"]
        out = out_root / f"budget_{budget:.0e}"
        tasks = _tasks(f"b{budget:g}", here, d, tuple(range(seeds)), out, [(0, {}, [])], years)
        worlds.run_worlds(tasks, n_jobs=jobs, progress=progress)
        outcomes, _ = worlds.gather(out, [0])
        for year in years:
            for c in d.claims:
                eff = verdicts.claim_effects(outcomes, d, c, year)
                if eff.empty:
                    continue
                mean, sd, n = eff["effect"].mean(), eff["effect"].std(ddof=1), len(eff)
                half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
                rows.append({"claim": c.label, "key": c.key, "lever": c.lever,
                             "budget_krw": budget, "effect": mean * c.factor,
                             "low": (mean - half) * c.factor, "high": (mean + half) * c.factor,
                             "threshold": c.threshold * c.factor, "unit": c.unit, "seeds": n,
                             "year": int(year)})
    table = break_even(pd.DataFrame(rows), {c.label: c.sign for c in d.claims})
    table["note"] = f"the neutral world, {seeds} seeds, {' '.join(base) or 'Korea default'}"
    return table


def break_even(table: pd.DataFrame, signs: dict[str, int]) -> pd.DataFrame:
    """Add each claim's break-even budget (``crosses_at_krw``): the smallest budget from
    which, at it and at every larger budget tried, the effect's interval lies beyond the
    threshold on the claimed side (``signs``: claim label -> +1 or -1); NaN when there is
    none. ``against_at_krw``: the smallest budget at which it lies beyond the threshold
    on the other side (the lever works against the claim there), NaN when none.

    Until 2026-12-07 a crossing on either side counted, at any one budget: a claim whose
    effect went against it at 1 T and for it at 3 T was reported as breaking even at 1 T."""
    table = table.copy()
    cross, against = {}, {}
    for (label, year), g in table.groupby(["claim", "year"], sort=False):
        g = g.sort_values("budget_krw")
        sign = signs[label]
        signed_low = np.where(sign > 0, g["low"], -g["high"])
        signed_high = np.where(sign > 0, g["high"], -g["low"])
        holds = pd.Series(signed_low > g["threshold"].to_numpy(), index=g.index)
        from_here_on = holds[::-1].cummin()[::-1]  # holds here and at every larger budget
        cross[label, year] = float(g.loc[from_here_on, "budget_krw"].min()) if from_here_on.any() else math.nan
        opposite = signed_high < -g["threshold"].to_numpy()
        against[label, year] = float(g.loc[opposite, "budget_krw"].min()) if opposite.any() else math.nan
    keys = list(zip(table["claim"], table["year"], strict=True))
    table["crosses_at_krw"] = [cross[k] for k in keys]
    table["against_at_krw"] = [against[k] for k in keys]
    return table


def noise_table(out_root: Path, d: design.Design, sp: space.Space, base: list[str], scales,
                n_worlds: int, seeds: int, jobs: int, progress: bool,
                study_worlds: int = 50) -> pd.DataFrame:
    """One row per claim and scale: the seeds' pooled spread (display units) and the
    half-width of a world's interval with the study's replicates, in thresholds."""
    # the study's own first worlds: a Latin hypercube of n points is not the first n of one
    # of more points
    plan = space.design(sp, max(study_worlds, n_worlds), replicates=seeds).head(n_worlds)
    if sp.posterior is not None:  # the study's worlds, their behaviour as the study runs it
        base = space.sample_base(base)
    values = [space.world_values(r, sp) for _, r in plan.iterrows()]
    rows = []
    for scale in scales:
        here = [*base, f"run.scale={scale:g}"]
        years = run.outcome_years(here, None)
        points = [(int(r["world"]), space.world_point(r, sp),
                   space.overrides(space.world_point(r, sp), sp)) for _, r in plan.iterrows()]
        out = out_root / f"scale_{scale:g}"
        tasks = _tasks(f"s{scale:g}", here, d, tuple(range(seeds)), out, points, years, values)
        worlds.run_worlds(tasks, n_jobs=jobs, progress=progress)
        outcomes, _ = worlds.gather(out, [p[0] for p in points])
        for year in years:
            for c in d.claims:
                eff = verdicts.claim_effects(outcomes, d, c, year)
                if eff.empty:
                    continue
                sd, df = verdicts.pooled_sd(eff)
                half = stats.t.ppf(0.975, df) * sd / math.sqrt(d.replicates) if df else math.inf
                rows.append({"claim": c.label, "key": c.key, "scale": scale, "year": int(year),
                             "seed_sd": sd * c.factor, "df": df, "unit": c.unit,
                             "threshold": c.threshold * c.factor,
                             "half_width": half * c.factor,
                             "half_width_in_thresholds": half / c.threshold,
                             "worlds": n_worlds, "seeds": seeds, "replicates": d.replicates})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog="Other arguments are Hydra overrides of every run.")
    ap.add_argument("--space", type=Path, default=space.DEFAULT_SPACE)
    ap.add_argument("--noise-floor", action="store_true", help="the noise floor by scale")
    ap.add_argument("--budgets", default=",".join(f"{b:g}" for b in BUDGETS),
                    help="KRW a year, comma-separated")
    ap.add_argument("--scales", default=",".join(f"{s:g}" for s in SCALES))
    ap.add_argument("--worlds", type=int, default=2, help="worlds of the noise floor")
    ap.add_argument("--study-worlds", type=int, default=50,
                    help="worlds of the study whose first --worlds the noise floor runs")
    ap.add_argument("--break-even-only", type=Path, default=None, metavar="DOSE_CSV",
                    help="recompute the break-even columns of this dose.csv in place (no runs)")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", type=Path, default=ROOT / "multirun" / "brief_claims_dose")
    ap.add_argument("--publish", type=Path, default=None, help="copy the table there")
    ap.add_argument("--no-progress", action="store_true")
    args, extra = ap.parse_known_args(argv)
    if args.seeds < 2:
        ap.error("--seeds must be >= 2 (an interval needs a spread)")
    try:
        sp = space.load_space(args.space)
        d = sp.design
        space.check_design(d, extra)
        budgets = [float(b) for b in args.budgets.split(",")]
        scales = [float(s) for s in args.scales.split(",")]
    except (space.StudyConfigError, design.DesignError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.break_even_only is not None:
        table = break_even(pd.read_csv(args.break_even_only), {c.label: c.sign for c in d.claims})
        table.to_csv(args.break_even_only, index=False)
        print(table.groupby(["claim", "year"], sort=False)[["crosses_at_krw", "against_at_krw"]]
              .first().to_string())
        return 0
    if args.noise_floor:
        table = noise_table(args.out, d, sp, list(extra), scales, args.worlds, args.seeds,
                            args.jobs, not args.no_progress, args.study_worlds)
        name = "noise_floor.csv"
    else:
        table = dose_table(args.out, d, list(extra), budgets, args.seeds, args.jobs,
                           not args.no_progress)
        name = "dose.csv"
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / name, index=False)
    if args.publish is not None:
        args.publish.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.out / name, args.publish / name)
    with pd.option_context("display.width", 160, "display.max_colwidth", 60):
        print(table.drop(columns=[c for c in ("note",) if c in table]).round(4).to_string(index=False))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
