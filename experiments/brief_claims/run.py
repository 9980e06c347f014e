"""Study: which of the brief's claims hold, and when (issue 16).

    python experiments/brief_claims/run.py                       # 200 worlds x 10 scenarios, Korea
    python experiments/brief_claims/run.py --worlds 2 --jobs 2   # a timing trial on Korea
    python experiments/brief_claims/run.py --quick               # a tiny trial: synthetic region

Samples ``--worlds`` worlds, a seeded Latin hypercube over the contested assumptions of
``--space`` (default ``configs/study/brief_claims.yaml``: the beliefs of
docs/scenarios.md and the weakly identified behaviour of docs/validation.md), runs every
scenario of ``configs/scenario`` in every world with the world's run seed (common random
numbers; the twin is the same-seed ``no_investment`` run), one joblib (loky) task per
world, in memory, and writes into ``--sweep-dir`` (default ``multirun/brief_claims``):
``worlds.csv``, ``outcomes.parquet``, ``claims.csv``, ``prim_boxes.csv``, ``prim.json``,
``feature_scores.csv``, ``breakeven.csv``, ``regret.csv``, ``timing.json``,
``figures/*.png``, ``report.md`` and ``report.html``. Each finished world is kept in
``worlds/`` (written atomically), so a killed study rerun with the same command loses
no finished world and redoes none. Other arguments are Hydra overrides of every run
(e.g. ``run.scale=200`` or ``beliefs=brief``: the sampled values win over the arm's).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT / "experiments", ROOT):  # this checkout's sim and the study's modules
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import pandas as pd  # noqa: E402

from brief_claims import analysis, report, space, worlds  # noqa: E402

#: ``--quick``: the synthetic region, 4 years, scale 200 (every scenario, few worlds).
QUICK = ["region=synthetic", "run.years=4", "run.scale=200"]
QUICK_WORLDS = 6


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python experiments/brief_claims/run.py",
                                description=__doc__.splitlines()[0],
                                epilog="Other arguments are Hydra overrides of every run.")
    p.add_argument("--worlds", type=int, default=None, help="worlds to sample (default 200; "
                   f"--quick {QUICK_WORLDS})")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel worlds (joblib loky workers; default: all cores)")
    p.add_argument("--backend", default="loky", choices=worlds.BACKENDS,
                   help="joblib backend: loky (this machine) or ray (a Ray cluster; needs "
                        "ray installed and a shared --sweep-dir)")
    p.add_argument("--sweep-dir", type=Path, default=ROOT / "multirun" / "brief_claims",
                   help="where everything goes (default multirun/brief_claims)")
    p.add_argument("--space", type=Path, default=space.DEFAULT_SPACE,
                   help="the uncertainty space (default configs/study/brief_claims.yaml)")
    p.add_argument("--posterior", type=Path, default=None,
                   help="draw each world's behaviour from this posterior sample "
                   "(configs/behaviour/posterior.csv); default: the space file's `posterior`")
    p.add_argument("--scenarios", default=None,
                   help="comma-separated scenarios (default: every configs/scenario/*.yaml)")
    p.add_argument("--mid-year", type=int, default=None,
                   help="a second outcome year (default: halfway; 0: final year only)")
    p.add_argument("--fixed-seed", type=int, default=None,
                   help="one run seed for every world (default: the world index); either way "
                   "all scenarios of a world share it")
    p.add_argument("--threshold", type=float, default=0.8, help="PRIM's minimum box density")
    p.add_argument("--map-scenario", default="brief_combined",
                   help="scenario whose effects the map shows (against no_investment)")
    p.add_argument("--quick", action="store_true",
                   help=f"tiny trial: {' '.join(QUICK)}, {QUICK_WORLDS} worlds")
    p.add_argument("--report-only", action="store_true",
                   help="rebuild the tables and report from the finished worlds, run nothing")
    p.add_argument("--dry-run", action="store_true", help="check the space, print the design")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def scenario_names(arg: str | None) -> list[str]:
    names = sorted(p.stem for p in (ROOT / "configs" / "scenario").glob("*.yaml"))
    if arg is None:
        return names
    chosen = [s.strip() for s in arg.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in names]
    if unknown:
        raise space.StudyConfigError(f"--scenarios: unknown {unknown}; allowed: {names}")
    return chosen


def outcome_years(base: list[str], mid: int | None) -> tuple[int, ...]:
    """The mid year (if any) and the final year of the runs."""
    from sim.config import compose

    run = compose(base).run
    final = int(run.start_year) + int(run.years)
    mid = int(run.start_year) + int(run.years) // 2 if mid is None else mid
    return (mid, final) if mid and int(run.start_year) < mid < final else (final,)


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args, extra = p.parse_known_args(argv)
    bad = [e for e in extra if "=" not in e or e.startswith("-")]
    if bad:
        p.error(f"unrecognised arguments {bad} (Hydra overrides are key=value)")
    n_worlds = args.worlds if args.worlds is not None else (QUICK_WORLDS if args.quick else 200)
    if n_worlds < 1:
        p.error("--worlds must be >= 1")
    try:
        worlds.parallel_backend(args.backend)  # Ray missing: say so before any run
    except ValueError as err:
        p.error(str(err))
    base = [*(QUICK if args.quick else []), *extra]
    sweep = Path(args.sweep_dir)
    timing: dict = {"phases_s": {}}
    t_start = time.perf_counter()

    def phase(name: str, t0: float) -> float:
        now = time.perf_counter()
        timing["phases_s"][name] = round(now - t0, 3)
        return now

    t = t_start
    try:
        sp = space.load_space(args.space)
        if args.posterior is not None:
            sp = space.Space(sp.params, sp.design_seed, args.posterior.resolve())
        scenarios = scenario_names(args.scenarios)
        if worlds.BASELINE not in scenarios:
            scenarios = [worlds.BASELINE, *scenarios]
        space.check_against_config(sp, base)
        years = outcome_years(base, args.mid_year)
        if args.fixed_seed is not None and args.fixed_seed < 0:
            raise space.StudyConfigError(f"--fixed-seed={args.fixed_seed}: must be >= 0")
        design = space.design(sp, n_worlds, run_seed=args.fixed_seed)
    except (space.StudyConfigError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    t = phase("check_and_design", t)
    print(f"{n_worlds} worlds x {len(scenarios)} scenarios = {n_worlds * len(scenarios)} runs "
          f"({' '.join(base) or 'Korea default'}), outcomes in {list(years)}, into {sweep}",
          flush=True)
    if args.dry_run:
        print(design.to_string())
        return 0

    from sim import io

    sweep.mkdir(parents=True, exist_ok=True)
    io.atomic_write(sweep / "worlds.csv", lambda tmp: design.to_csv(tmp, index=False))
    tasks = []
    for _, row in design.iterrows():
        point = space.world_point(row, sp)
        values = space.world_values(row, sp)
        seed = int(row["run_seed"])
        key = space.world_key(point, values, base, scenarios, seed, years)
        tasks.append(worlds.WorldTask(int(row["world"]), seed, tuple(space.overrides(point, sp)),
                                      values, tuple(base), tuple(scenarios), years, key, sweep))
    done = []
    if not args.report_only:
        pending = [tk for tk in tasks if not worlds.is_done(sweep, tk.world, tk.key)]
        print(f"{len(tasks) - len(pending)} worlds already finished; running {len(pending)}",
              flush=True)
        done = worlds.run_worlds(pending, n_jobs=args.jobs, progress=not args.no_progress,
                                 backend=args.backend)
    t = phase("simulate", t)
    finished = [tk.world for tk in tasks if worlds.is_done(sweep, tk.world, tk.key)]
    if not finished:
        print("error: no finished world to analyse", file=sys.stderr)
        return 1
    outcomes, maps = worlds.gather(sweep, finished)
    outcomes = outcomes.drop(columns=["world_key"])
    io.atomic_write(sweep / "outcomes.parquet", lambda tmp: outcomes.to_parquet(tmp, index=False))
    t = phase("gather", t)

    params = [q.key for q in sp.params]
    table = analysis.claims_table(outcomes, years)
    io.atomic_write(sweep / "claims.csv", lambda tmp: table.to_csv(tmp, index=False))
    final = max(years)
    disc = analysis.discovery(outcomes, design, params, final, threshold=args.threshold,
                              seed=sp.design_seed,
                              bounds={q.key: (min(q.low, design[q.key].min()),  # posterior
                                              max(q.high, design[q.key].max()))  # values may
                                      for q in sp.params})  # lie outside the space's range
    io.atomic_write(sweep / "prim_boxes.csv", lambda tmp: disc["boxes"].to_csv(tmp, index=False))
    io.write_json(disc["prim"], sweep / "prim.json")
    io.atomic_write(sweep / "feature_scores.csv", lambda tmp: disc["scores"].to_csv(tmp, index=False))
    io.atomic_write(sweep / "breakeven.csv", lambda tmp: disc["breakeven"].to_csv(tmp, index=False))
    reg = pd.concat([analysis.regret(outcomes, y) for y in years], ignore_index=True)
    io.atomic_write(sweep / "regret.csv", lambda tmp: reg.to_csv(tmp, index=False))
    t = phase("analysis", t)

    runs_now = sum(len(d["run_seconds"]) for d in done)
    run_secs = [s for d in done for s in d["run_seconds"].values()]
    sim_wall = timing["phases_s"]["simulate"]
    timing.update({
        "runs": runs_now, "worlds_computed": sorted(d["world"] for d in done),
        "runs_total": len(finished) * len(scenarios), "worlds_total": len(finished),
        "jobs": args.jobs, "cpus": os.cpu_count(), "base_overrides": base,
        "runs_per_s": runs_now / sim_wall if runs_now and sim_wall > 0 else None,
        "simulate_s_per_run": sim_wall / runs_now if runs_now else None,
        "run_s_mean": sum(run_secs) / len(run_secs) if run_secs else None,
        "world_s_mean": sum(d["seconds"] for d in done) / len(done) if done else None,
        # CPU seconds hardly depend on other work on the machine (wall seconds do): with
        # one Numba thread per worker, a world's CPU time is its wall time on an idle core
        "run_cpu_s_mean": (sum(c for d in done for c in d["run_cpu_seconds"].values())
                           / len(run_secs)) if run_secs else None,
        "world_cpu_s_mean": sum(d["cpu_seconds"] for d in done) / len(done) if done else None,
    })
    if done:  # what 2,000 runs (200 worlds x 10) would take on `jobs` idle cores
        per_run = timing["world_cpu_s_mean"] / len(scenarios)
        timing["estimate_2000_runs_idle_s"] = round(2000 * per_run / max(1, args.jobs), 1)
    region = None
    try:
        from sim.data import load_region

        region = load_region(worlds.world_config(base, worlds.BASELINE, 0, ()).region)
    except Exception as err:  # no map, the rest of the report stands
        print(f"warning: no map ({err})", file=sys.stderr)
    top = disc["breakeven"]
    colour = None
    if len(top):
        welfare = top[top["claim"] == analysis.CLAIMS[8].label]
        colour = str((welfare if len(welfare) else top)["parameter"].iloc[0])
    figs = report.all_figures(sweep, table=table, disc=disc, outcomes=outcomes, worlds=design,
                              maps=maps, region=region, map_scenario=args.map_scenario,
                              tradeoff=(8, 9), colour=colour)
    t = phase("figures", t)
    timing["wall_s"] = round(time.perf_counter() - t_start, 3)
    settings = {"worlds": len(finished), "n_params": len(params),
                "space": os.path.relpath(args.space, ROOT) if Path(args.space).is_absolute()
                else str(args.space), "design_seed": sp.design_seed,
                "posterior": str(sp.posterior) if sp.posterior else None,
                "scenarios": scenarios, "runs": len(finished) * len(scenarios),
                "base": base or ["Korea default (configs/run/default.yaml)"], "jobs": args.jobs,
                "map_scenario": args.map_scenario}
    report.write_report(sweep, table=table, disc=disc, reg=reg, figs=figs, settings=settings,
                        timing=timing)
    phase("report", t)
    timing["wall_s"] = round(time.perf_counter() - t_start, 3)
    io.write_json(timing, sweep / "timing.json")
    print(sweep / "report.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
