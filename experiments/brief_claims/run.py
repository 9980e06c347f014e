"""Study: which of the brief's claims hold, as main effects of its levers, in worlds that
fit the data (issue 27).

    python experiments/brief_claims/run.py                        # the default study, Korea
    python experiments/brief_claims/run.py --quick                # tiny: synthetic region
    python experiments/brief_claims/run.py --publish docs/study   # + copy its tables there
    python experiments/brief_claims/report.py docs/study          # docs/results.md from them

Samples ``--worlds`` worlds (a seeded Latin hypercube over the contested beliefs and
structural constants of ``--space``, behaviour drawn from the calibration's accepted
sets when the space names them), and in every world and each of its replicate seeds runs
the ``no_investment`` twin, every cell of the two-level lever design (targeting x
instrument x governance x lifecycle, full or half fraction, the same budget in every
cell) and the named scenarios, from one built start per seed (build once, run many).
The brief's claims are the levers' main effects; a world's verdict on a claim is holds /
fails / negligible / undecided from its seeds against the claim's smallest effect that
matters (:mod:`brief_claims.verdicts`). Worlds whose twin baseline falls outside the
calibration's tolerance (the space's ``fit`` bands) are flagged and left out of the
verdicts. Writes into ``--sweep-dir`` (default ``multirun/brief_claims``; ``--quick``:
``multirun/brief_claims_quick``): ``worlds.csv``, ``outcomes.parquet``, ``claims.csv``,
``verdicts.csv``, ``interactions.csv``, ``prim_boxes.csv``, ``feature_scores.csv``,
``breakeven.csv``, ``regret.csv``, ``timing.json`` and ``report.md``; each finished world is kept in ``worlds/`` (written
atomically), so a killed study rerun with the same command loses no finished world.
Other arguments are Hydra overrides of every run (``run.scale=25``, ``budget.annual_krw=1e12``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT / "experiments", ROOT):  # this checkout's sim and the study's modules
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import common  # noqa: E402  (experiments/common.py: the sweep directory)
import pandas as pd  # noqa: E402

from brief_claims import analysis, design, report, space, verdicts, worlds  # noqa: E402
from sim.io import read_parquet  # noqa: E402

#: ``--quick``: the synthetic region, 4 years, scale 200, few worlds.
QUICK = ["region=synthetic", "region.n_municipalities=12", "run.years=4", "run.scale=200"]
QUICK_WORLDS = 6
#: The tables a published study keeps (``--publish``); report.py reads them.
TABLES = ("worlds.csv", "outcomes.parquet", "claims.csv", "verdicts.csv", "interactions.csv",
          "prim_boxes.csv", "feature_scores.csv", "breakeven.csv", "regret.csv", "timing.json",
          "settings.json")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python experiments/brief_claims/run.py",
                                description=__doc__.splitlines()[0],
                                epilog="Other arguments are Hydra overrides of every run.")
    p.add_argument("--worlds", type=int, default=None, help="worlds to sample (default 60; "
                   f"--quick {QUICK_WORLDS})")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel worlds (joblib loky workers; default: all cores)")
    p.add_argument("--backend", default="loky", choices=worlds.BACKENDS,
                   help="joblib backend: loky (this machine) or ray (a Ray cluster; needs "
                        "ray installed and a shared --sweep-dir)")
    p.add_argument("--sweep-dir", type=Path, default=None,
                   help="where everything goes (default multirun/brief_claims; --quick: "
                        "multirun/brief_claims_quick, so a trial never overwrites a study)")
    p.set_defaults(study="brief_claims")
    p.add_argument("--space", type=Path, default=space.DEFAULT_SPACE,
                   help="the study config (default configs/study/brief_claims.yaml)")
    p.add_argument("--posterior", type=Path, default=None,
                   help="draw each world's behaviour from this sample of accepted sets "
                   "(default: the space file's `posterior`)")
    p.add_argument("--behaviour-value", dest="behaviour_values", action="append", default=[],
                   metavar="GROUP.KEY=VALUE",
                   help="set one behaviour value in every world's drawn set (e.g. "
                   "migration.beta_size=1.0): the same worlds with one assumption changed "
                   "(a sensitivity; repeatable). A Hydra override cannot do it: the drawn set "
                   "is laid on after the overrides")
    p.add_argument("--replicates", type=int, default=None,
                   help="seeds per world (default: the design's `replicates`)")
    p.add_argument("--mid-year", type=int, default=None,
                   help="a second outcome year (default: halfway; 0: final year only)")
    p.add_argument("--threshold", type=float, default=0.8, help="PRIM's minimum box density")
    p.add_argument("--quick", action="store_true",
                   help=f"tiny trial: {' '.join(QUICK)}, {QUICK_WORLDS} worlds (no fit check: "
                   "the space's fit bands are Korea's)")
    p.add_argument("--no-fit-check", action="store_true",
                   help="keep every world in the verdicts (the fit bands are Korea's)")
    p.add_argument("--report-only", action="store_true",
                   help="rebuild the tables and report from the finished worlds, run nothing")
    p.add_argument("--reanalyse", type=Path, default=None, metavar="DIR",
                   help="recompute a published study's tables in DIR (docs/study or a rerun "
                   "of it) from its outcomes.parquet and worlds.csv, run nothing")
    p.add_argument("--publish", type=Path, default=None,
                   help="copy the study's tables there (e.g. docs/study) for report.py")
    p.add_argument("--dry-run", action="store_true", help="check the config, print the design")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def outcome_years(base: list[str], mid: int | None) -> tuple[int, ...]:
    """The mid year (if any) and the final year of the runs."""
    from sim.config import compose

    run = compose(base).run
    final = int(run.start_year) + int(run.years)
    mid = int(run.start_year) + int(run.years) // 2 if mid is None else mid
    return (mid, final) if mid and int(run.start_year) < mid < final else (final,)


def run_labels(d: design.Design) -> list[tuple[str, tuple[str, ...]]]:
    """The runs of a world besides the twin: every cell, then the named scenarios."""
    cells = design.cells(d)
    codes = cells[[f.name for f in d.factors]].to_numpy()
    runs = [(name, tuple(design.cell_overrides(d, row)))
            for name, row in zip(cells["cell"], codes, strict=True)]
    runs += [(s, (f"scenario={s}",)) for s in d.named if s != worlds.BASELINE]
    return runs


def reanalyse(target: Path, space_path: Path = space.DEFAULT_SPACE, threshold: float = 0.8) -> None:
    """Recompute the tables of a published study (``target``: its ``outcomes.parquet``,
    ``worlds.csv`` and ``settings.json``) with the analysis as it is now, in place: for a
    change of the verdict rule, without rerunning a world."""
    settings = json.loads((target / "settings.json").read_text())
    sp = space.load_space(space_path)
    d = design.Design(sp.design.factors, sp.design.fraction, settings["replicates"],
                      sp.design.named, sp.design.claims)
    outcomes = read_parquet(target / "outcomes.parquet")
    plan = pd.read_csv(target / "worlds.csv")
    tables = analyse(outcomes, plan, d, sp, tuple(settings["years"]), threshold=threshold)
    from sim import io

    for name, frame in tables.items():  # each whole or not at all, as the study writes them
        io.atomic_write(target / name, lambda tmp, f=frame: f.to_csv(tmp, index=False))
    print(f"tables of {target} recomputed: {', '.join(tables)}")


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args, extra = p.parse_known_args(argv)
    if args.reanalyse is not None:
        reanalyse(args.reanalyse, args.space, args.threshold)
        return 0
    bad = [e for e in extra if "=" not in e or e.startswith("-")]
    if bad:
        p.error(f"unrecognised arguments {bad} (Hydra overrides are key=value)")
    n_worlds = args.worlds if args.worlds is not None else (QUICK_WORLDS if args.quick else 60)
    if n_worlds < 1:
        p.error("--worlds must be >= 1")
    try:
        worlds.parallel_backend(args.backend)  # Ray missing: say so before any run
    except ValueError as err:
        p.error(str(err))
    base = [*(QUICK if args.quick else []), *extra]
    sweep = common.sweep_dir(args)
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
            sp = space.Space(sp.params, sp.design_seed, args.posterior.resolve(), sp.design,
                             sp.fit)
        d = sp.design
        if sp.posterior is not None:  # the sets on the defaults they were matched on
            base = space.sample_base(base)
        if args.replicates is not None:
            if args.replicates < 2:
                raise space.StudyConfigError(f"--replicates={args.replicates}: at least 2")
            d = design.Design(d.factors, d.fraction, args.replicates, d.named, d.claims)
        space.check_against_config(sp, base)
        space.check_design(d, base)
        years = outcome_years(base, args.mid_year)
        fixed_values = space.parse_behaviour_values(args.behaviour_values, base)
        plan = space.design(sp, n_worlds, replicates=d.replicates)
    except (space.StudyConfigError, design.DesignError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    runs = run_labels(d)
    t = phase("check_and_design", t)
    n_runs = n_worlds * d.replicates * (len(runs) + 1)
    print(f"{n_worlds} worlds x {d.replicates} seeds x {len(runs) + 1} runs "
          f"({len(design.cells(d))} cells, {d.fraction} design) = {n_runs} runs "
          f"({' '.join(base) or 'Korea default'}), outcomes in {list(years)}, into {sweep}",
          flush=True)
    if args.dry_run:
        print(design.cells(d).to_string(index=False))
        print(plan.to_string())
        return 0

    from sim import io

    sweep.mkdir(parents=True, exist_ok=True)
    tasks = []
    for _, row in plan.iterrows():
        point = space.world_point(row, sp)
        values = space.with_behaviour_values(space.world_values(row, sp), fixed_values)
        seeds = tuple(int(s) for s in str(row["seeds"]).split())
        key = space.world_key(point, values, base, [label for label, _ in runs], seeds, years)
        tasks.append(worlds.WorldTask(int(row["world"]), seeds, tuple(space.overrides(point, sp)),
                                      values, tuple(base), tuple(runs), years, key, sweep))
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
    plan = plan[plan["world"].isin(finished)].copy()
    plan = space.flag_fit(plan, outcomes, {} if args.quick or args.no_fit_check else sp.fit)
    io.atomic_write(sweep / "worlds.csv", lambda tmp: plan.to_csv(tmp, index=False))
    io.atomic_write(sweep / "outcomes.parquet", lambda tmp: outcomes.to_parquet(tmp, index=False))
    t = phase("gather", t)

    tables = analyse(outcomes, plan, d, sp, years, threshold=args.threshold)
    for name, frame in tables.items():
        io.atomic_write(sweep / name, lambda tmp, f=frame: f.to_csv(tmp, index=False))
    t = phase("analysis", t)

    run_cpu = [s for dn in done for s in dn["seed_cpu_seconds"].values()]
    sim_wall = timing["phases_s"]["simulate"]
    runs_now = sum(dn["runs"] for dn in done)
    timing.update({
        "runs": runs_now, "worlds_computed": sorted(dn["world"] for dn in done),
        "runs_total": len(finished) * d.replicates * (len(runs) + 1),
        "worlds_total": len(finished), "jobs": args.jobs, "cpus": os.cpu_count(),
        "base_overrides": base,
        "runs_per_hour": 3600 * runs_now / sim_wall if runs_now and sim_wall > 0 else None,
        # CPU seconds hardly depend on other work on the machine (wall seconds do): with
        # one Numba thread per worker, a run's CPU time is its wall time on an idle core
        "run_cpu_s_mean": sum(run_cpu) / runs_now if runs_now else None,
        # efficiency: runs x one run's CPU time over the wall time and the cores used
        "efficiency": (sum(run_cpu) / (sim_wall * args.jobs)) if runs_now and sim_wall > 0 else None,
    })
    settings = {"worlds": len(finished), "worlds_fitting": int(plan["fits"].sum()),
                "n_params": len(sp.params),
                "space": os.path.relpath(args.space, ROOT) if Path(args.space).is_absolute()
                else str(args.space), "design_seed": sp.design_seed,
                "posterior": os.path.relpath(sp.posterior, ROOT) if sp.posterior else None,
                "factors": {f.name: [f.low, f.high] for f in d.factors},
                "fraction": d.fraction, "replicates": d.replicates, "named": list(d.named),
                "cells": list(design.cells(d)["cell"]), "years": list(years),
                "base": base or ["Korea default (configs/run/default.yaml)"], "jobs": args.jobs}
    if args.behaviour_values:  # the worlds' drawn sets with these values laid over them
        settings["behaviour_values"] = list(args.behaviour_values)
    io.write_json(settings, sweep / "settings.json")
    timing["wall_s"] = round(time.perf_counter() - t_start, 3)
    timing = _keep_simulation_timing(timing, sweep / "timing.json")
    io.write_json(timing, sweep / "timing.json")
    report.write_report(sweep, settings=settings, timing=timing)
    phase("report", t)
    if args.publish is not None:
        publish(sweep, args.publish)
    print(sweep / "report.md")
    return 0


def analyse(outcomes: pd.DataFrame, plan: pd.DataFrame, d: design.Design, sp: space.Space,
            years, threshold: float = 0.8) -> dict[str, pd.DataFrame]:
    """Every table of the study from its outcomes and worlds (worlds that do not fit the
    calibration's tolerance are left out of the verdicts)."""
    fitting = plan.loc[plan["fits"], "world"]
    kept = outcomes[outcomes["world"].isin(fitting)]
    final = max(years)
    claims = verdicts.claims_table(kept, d, years)
    v = pd.concat([verdicts.verdict_frame(kept, d, y) for y in years], ignore_index=True)
    inter = analysis.interaction_table(kept, d, years)
    params = [q.key for q in sp.params]
    disc = analysis.discover(v[v["year"] == final] if len(v) else v, plan, params,
                             threshold=threshold, seed=sp.design_seed,
                             bounds={q.key: (min(q.low, plan[q.key].min()),
                                             max(q.high, plan[q.key].max())) for q in sp.params})
    reg = pd.concat([analysis.regret(kept.groupby(["world", "cell", "year"], as_index=False)
                                     .mean(numeric_only=True), y) for y in years],
                    ignore_index=True)
    return {"claims.csv": claims, "verdicts.csv": v, "interactions.csv": inter,
            "prim_boxes.csv": disc["boxes"], "feature_scores.csv": disc["scores"],
            "breakeven.csv": disc["breakeven"], "regret.csv": reg}


#: What ``timing.json`` says about the simulation (kept when a rerun only recomputes tables).
SIMULATION_TIMING = ("runs", "worlds_computed", "runs_per_hour", "run_cpu_s_mean", "efficiency",
                     "wall_s")


def _keep_simulation_timing(timing: dict, path: Path) -> dict:
    """A rerun that simulated nothing (every world finished) recomputes the tables only:
    keep the timing of the run that simulated (from ``path``), so the report still says
    how long the study took, and record this rerun's own phases beside it."""
    if timing.get("runs") or not path.exists():
        return timing
    previous = json.loads(path.read_text())
    if not previous.get("runs"):
        return timing
    kept = dict(timing)
    kept.update({k: previous[k] for k in SIMULATION_TIMING if k in previous})
    kept["phases_s"] = previous.get("phases_s", {})
    kept["tables_recomputed"] = {"phases_s": timing["phases_s"], "wall_s": timing["wall_s"]}
    return kept


def publish(sweep: Path, target: Path) -> None:
    """Copy the study's tables (not its per-world resume files) to ``target``."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        if (sweep / name).exists():
            shutil.copyfile(sweep / name, target / name)
    print(f"tables copied to {target}")


if __name__ == "__main__":
    sys.exit(main())
