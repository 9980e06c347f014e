"""Rerun the welfare contrasts of the brief_claims study on a subset of its worlds.

    python experiments/brief_claims/rerun_welfare.py --sample 40 --jobs 2 run.start_year=2020

The full study (200 worlds x 10 scenarios) is expensive; when only the welfare measure
changed (issue 25), the welfare claims need only the scenarios they compare. This draws
the study's own 200-world design (``--design-worlds``, the same Latin hypercube and run
seeds as ``run.py``), keeps a seeded random subset of ``--sample`` worlds plus the
worlds named by ``--include`` (default 135, the world the results page's caveat was
about), runs the scenarios of the welfare claims (``no_investment``, trouble_shooter,
tech_city, brief_combined, status_quo_2018) in each, and writes into ``--sweep-dir``
(default ``multirun/brief_claims_welfare``) ``worlds.csv``, ``outcomes.parquet``,
``claims.csv`` (every claim these scenarios decide, with each claim's share of worlds
where it holds and the quantiles of the difference) and ``welfare_rerun.md``. Finished
worlds are kept in ``worlds/`` as the full study keeps them. Other arguments are Hydra
overrides of every run (as in ``run.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT / "experiments", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from brief_claims import analysis, space, worlds  # noqa: E402
from brief_claims.run import outcome_years  # noqa: E402

SCENARIOS = ("no_investment", "trouble_shooter", "tech_city", "brief_combined", "status_quo_2018")
#: Columns of the welfare decomposition shown per contrast.
PARTS = ("welfare_krw_total", "welfare_earnings_krw", "welfare_services_krw", "welfare_other_krw",
         "housing_transfer_krw", "output")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python experiments/brief_claims/rerun_welfare.py",
                                description=__doc__.splitlines()[0],
                                epilog="Other arguments are Hydra overrides of every run.")
    p.add_argument("--design-worlds", type=int, default=200, help="size of the study's design")
    p.add_argument("--sample", type=int, default=40, help="worlds drawn from it (seeded)")
    p.add_argument("--sample-seed", type=int, default=0)
    p.add_argument("--include", default="135", help="comma-separated worlds always kept")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--sweep-dir", type=Path, default=ROOT / "multirun" / "brief_claims_welfare")
    p.add_argument("--space", type=Path, default=space.DEFAULT_SPACE)
    p.add_argument("--no-progress", action="store_true")
    return p


def chosen_worlds(n: int, sample: int, seed: int, include: list[int]) -> list[int]:
    """A seeded sample of ``sample`` of the ``n`` worlds, plus ``include``, sorted."""
    rng = np.random.default_rng(seed)
    picked = set(rng.choice(n, size=min(sample, n), replace=False).tolist())
    return sorted(picked | {w for w in include if 0 <= w < n})


def contrast_table(outcomes: pd.DataFrame, a: str, b: str, year: int) -> pd.DataFrame:
    """Per world: ``a - b`` of the welfare parts and output (KRW trillion a year)."""
    at = outcomes[outcomes["year"] == year].set_index(["world", "scenario"])
    cols = [c for c in PARTS if c in at.columns]
    diff = at.xs(a, level="scenario")[cols] - at.xs(b, level="scenario")[cols]
    return diff / 1e12


def markdown(claims: pd.DataFrame, outcomes: pd.DataFrame, years, design: pd.DataFrame,
             kept: list[int], settings: dict) -> str:
    lines = ["# Welfare contrasts of the brief_claims study, rerun on a subset of its worlds", "",
             f"- Worlds: {len(kept)} of the study's {settings['design_worlds']} (seeded sample "
             f"{settings['sample']} with seed {settings['sample_seed']}, plus "
             f"{settings['include']}); scenarios: {', '.join(SCENARIOS)}",
             f"- Overrides: {' '.join(settings['base']) or 'none'}; outcome years {list(years)}",
             f"- Wall time: {settings['wall_s']:.0f} s with {settings['jobs']} jobs", "",
             "## Claims", "",
             "| claim | year | holds in (95 % CI) | n | difference: 5 % / median / 95 % |",
             "|---|---|---|---|---|"]
    for _, r in claims.iterrows():
        lines.append(f"| {r['claim']} | {r['year']} | {100 * r['share_holds']:.0f} % "
                     f"({100 * r['ci_low']:.0f}-{100 * r['ci_high']:.0f}) | {r['n_worlds']} | "
                     f"{r['diff_p05']:+.3g} / {r['diff_median']:+.3g} / {r['diff_p95']:+.3g} "
                     f"{r['unit']} |")
    for a, b in (("trouble_shooter", "tech_city"), ("brief_combined", "status_quo_2018")):
        for year in years:
            t = contrast_table(outcomes, a, b, year)
            lines += ["", f"## {a} - {b}, {year}: KRW trillion a year, quantiles over worlds", "",
                      "| | " + " | ".join(t.columns) + " |", "|---|" + "---|" * len(t.columns)]
            for q in (0.05, 0.5, 0.95):
                lines.append(f"| {int(q * 100)} % | "
                             + " | ".join(f"{v:+.3g}" for v in t.quantile(q)) + " |")
            for w in settings["include_list"]:
                if w in t.index:
                    lines.append(f"| world {w} | " + " | ".join(f"{v:+.3g}" for v in t.loc[w]) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args, extra = parser().parse_known_args(argv)
    base = list(extra)
    t0 = time.perf_counter()
    sp = space.load_space(args.space)
    space.check_against_config(sp, base)
    years = outcome_years(base, None)
    design = space.design(sp, args.design_worlds)
    include = [int(w) for w in args.include.split(",") if w.strip()]
    kept = chosen_worlds(args.design_worlds, args.sample, args.sample_seed, include)
    design = design[design["world"].isin(kept)]
    sweep = Path(args.sweep_dir)
    sweep.mkdir(parents=True, exist_ok=True)
    from sim import io

    io.atomic_write(sweep / "worlds.csv", lambda tmp: design.to_csv(tmp, index=False))
    tasks = []
    for _, row in design.iterrows():
        point = space.world_point(row, sp)
        values = space.world_values(row, sp)
        seed = int(row["run_seed"])
        key = space.world_key(point, values, base, SCENARIOS, seed, years)
        tasks.append(worlds.WorldTask(int(row["world"]), seed, tuple(space.overrides(point, sp)),
                                      values, tuple(base), SCENARIOS, years, key, sweep))
    worlds.run_worlds(tasks, n_jobs=args.jobs, progress=not args.no_progress)
    outcomes, _ = worlds.gather(sweep, kept)
    outcomes = outcomes.drop(columns=["world_key"])
    io.atomic_write(sweep / "outcomes.parquet", lambda tmp: outcomes.to_parquet(tmp, index=False))
    claims = [c for c in analysis.CLAIMS if {c.a, c.b} <= set(SCENARIOS)]
    table = analysis.claims_table(outcomes, years, claims)
    io.atomic_write(sweep / "claims.csv", lambda tmp: table.to_csv(tmp, index=False))
    settings = {"design_worlds": args.design_worlds, "sample": args.sample,
                "sample_seed": args.sample_seed, "include": args.include, "include_list": include,
                "base": base, "jobs": args.jobs, "wall_s": time.perf_counter() - t0}
    text = markdown(table, outcomes, years, design, kept, settings)
    io.atomic_write(sweep / "welfare_rerun.md", lambda tmp: tmp.write_text(text))
    print(sweep / "welfare_rerun.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
