"""Study: Morris screening of the behavioural parameters: which drive the headline effects?

    python experiments/sensitivity/run.py                 # 11 parameters x 10 trajectories
    python experiments/sensitivity/run.py --quick         # a one-minute trial

A seeded SALib Morris design varies the behavioural parameters in ``PARAMETERS``, each
over +-50 % around its value in the config in effect (the calibrated defaults), or over
the fixed range in ``BOUNDS`` (weakly identified parameters). Each design point is run twice
with the same run seed (common random numbers), under ``--scenario`` and under
``--baseline``, and the outcome is the final-year *effect* (scenario - baseline) on each
headline metric. Parameters are ranked per outcome by mu* (mean absolute elementary
effect, with a bootstrap 95 % interval); sigma flags interactions and non-linearity.

Writes into the sweep directory (default ``multirun/sensitivity``): ``design.csv``,
``runs/<point>_<scenario>/`` (one complete run each; a rerun skips complete ones),
``sensitivity.csv``, ``figures/morris.{png,svg}`` and ``summary.md``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io import read_parquet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402

from sim.catalogue import HEADLINE  # noqa: E402

#: Parameters screened; each varies over +-``SPREAD`` around its value in the config in
#: effect (the calibrated defaults, or whatever ``behaviour=...`` and overrides select).
PARAMETERS = (
    "behaviour.migration.dissatisfaction",
    "behaviour.migration.distance_decay",
    "behaviour.migration.same_province",
    "behaviour.migration.network",
    "behaviour.migration.beta_size",
    "behaviour.migration.beta_vacancy",
    "behaviour.economy.agglomeration",
    "behaviour.economy.wage_tightness",
    "behaviour.housing.price_elasticity",
    "behaviour.housing.pipeline_half_life",
    "beliefs.felt_threshold",
)
SPREAD = 0.5
#: Fixed ranges instead of +-SPREAD, for parameters the calibration leaves weakly
#: identified (docs/validation.md): it shrank dissatisfaction and beta_vacancy to near
#: zero, where +-50 % would test nothing; the pipeline half-life is a prior.
BOUNDS = {
    "behaviour.migration.dissatisfaction": (0.0, 1.0),
    "behaviour.migration.beta_vacancy": (0.0, 1.0),
    "behaviour.housing.pipeline_half_life": (5.0, 20.0),
}
#: headline outcomes (national, final year): column -> (label, unit, display factor),
#: the labels and units of the effect tables (sim.catalogue)
OUTCOMES = {
    k: HEADLINE[k]
    for k in ("capital_region_share", "jeonbuk_population", "urban_rural_qol_gap",
              "qol_mean", "qol_theil", "felt_benefit_share")
}
DEFAULTS = ["run.years=10", "run.scale=200"]  # Korea, 10 years: ~200 runs in minutes

log = logging.getLogger("sensitivity")


def _run(cfg, out_dir: Path) -> None:
    from sim.__main__ import run_simulation

    run_simulation(cfg, out_dir)


def main() -> None:
    p = common.parser("sensitivity", __doc__.splitlines()[0], seeds=1)
    p.add_argument("--trajectories", type=int, default=10, help="Morris trajectories r")
    p.add_argument("--levels", type=int, default=4, help="Morris grid levels")
    p.add_argument("--design-seed", type=int, default=0, help="seed of the Morris design")
    p.add_argument("--scenario", default="brief_combined")
    p.add_argument("--baseline", default="no_investment")
    args, extra = p.parse_known_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    if any(e.startswith("hydra/launcher") for e in extra):
        p.error("the sensitivity study runs its design with joblib (--jobs); no launcher choice")
    for name in (args.scenario, args.baseline):
        if name not in common.options("scenario"):
            p.error(f"scenario {name!r} not in configs/scenario ({common.options('scenario')})")
    r = 2 if args.quick else args.trajectories
    sweep = common.sweep_dir(args)
    base = (common.QUICK if args.quick else DEFAULTS) + list(extra)

    from omegaconf import OmegaConf
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    from sim.config import compose

    centre = compose([*base, f"scenario={args.scenario}"])
    values = {k: float(OmegaConf.select(centre, k)) for k in PARAMETERS}
    problem = {"num_vars": len(PARAMETERS), "names": list(PARAMETERS),
               "bounds": [list(BOUNDS[k]) if k in BOUNDS else sorted([(1 - SPREAD) * v, (1 + SPREAD) * v])
                          for k, v in values.items()]}
    if any(lo == hi for lo, hi in problem["bounds"]):
        p.error(f"a parameter is 0 in the config, so +-{SPREAD:.0%} is no range: {values}")
    X = morris_sample.sample(problem, N=r, num_levels=args.levels, seed=args.design_seed)
    design = pd.DataFrame(X, columns=problem["names"]).rename_axis("point").reset_index()
    print(f"Morris design: {len(PARAMETERS)} parameters x {r} trajectories = {len(X)} points, "
          f"x 2 arms = {2 * len(X)} runs into {sweep}", flush=True)
    if args.dry_run:
        print(design.to_string())
        return

    from sim import io
    from sim.config import ConfigError

    io.atomic_write(sweep / "design.csv", lambda tmp: design.to_csv(tmp, index=False))
    jobs: list[tuple[object, Path]] = []
    for i, row in enumerate(X):
        for arm in (args.scenario, args.baseline):
            overrides = [*base, f"scenario={arm}", "run.progress=false", "run.plots=false",
                         *(f"{k}={float(v)!r}" for k, v in zip(PARAMETERS, row, strict=True))]
            jobs.append((compose(overrides), sweep / "runs" / f"{i:04d}_{arm}"))
    todo = [(c, d) for c, d in jobs if not io.is_complete(d)]
    print(f"{len(jobs) - len(todo)} runs already complete; running {len(todo)}", flush=True)
    if todo:
        from joblib import Parallel, delayed

        from sim.callbacks import warm_numba_cache

        warm_numba_cache()
        if args.jobs > 1:
            os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # workers inherit it
        try:
            Parallel(n_jobs=args.jobs, verbose=5)(delayed(_run)(c, d) for c, d in todo)
        except ConfigError as err:
            sys.exit(f"error: {err}")

    # final-year effect (scenario - baseline) per design point
    Y = {o: np.empty(len(X)) for o in OUTCOMES}
    for i in range(len(X)):
        finals = {}
        for arm in (args.scenario, args.baseline):
            nat = read_parquet(sweep / "runs" / f"{i:04d}_{arm}" / "national.parquet")
            finals[arm] = nat.iloc[-1]
        for o in OUTCOMES:
            Y[o][i] = finals[args.scenario][o] - finals[args.baseline][o]
    rows = []
    for o, (_label, unit, factor) in OUTCOMES.items():
        res = morris_analyze.analyze(problem, X, Y[o] * factor, num_levels=args.levels,
                                     conf_level=0.95, num_resamples=1000, seed=args.design_seed)
        top = max(float(np.max(res["mu_star"])), 1e-300)
        for j, name in enumerate(problem["names"]):
            rows.append({"outcome": o, "unit": unit, "parameter": name,
                         "mu_star": res["mu_star"][j], "mu_star_conf": res["mu_star_conf"][j],
                         "mu": res["mu"][j], "sigma": res["sigma"][j],
                         "mu_star_relative": res["mu_star"][j] / top})
    table = pd.DataFrame(rows)
    table["rank"] = table.groupby("outcome")["mu_star"].rank(ascending=False, method="min").astype(int)
    io.atomic_write(sweep / "sensitivity.csv", lambda tmp: table.to_csv(tmp, index=False))
    fig_paths = figure(table, sweep / "figures" / "morris", args)
    summary(table, sweep, fig_paths, args, len(X))
    print(sweep / "summary.md")


def figure(table: pd.DataFrame, path: Path, args) -> list[Path]:
    from sim.plots import save, subplots

    outcomes = list(OUTCOMES)
    fig, axes = subplots(2, 4, figsize=(20, 9), gridspec_kw={"width_ratios": [1, 1, 1, 1.3]})
    bar_axes = [axes[0, 0], axes[0, 1], axes[0, 2], axes[1, 0], axes[1, 1], axes[1, 2]]
    for ax, o in zip(bar_axes, outcomes, strict=True):
        t = table[table["outcome"] == o].sort_values("mu_star")
        ax.barh([n.split(".", 1)[1] for n in t["parameter"]], t["mu_star"],
                xerr=t["mu_star_conf"], color="#1f5f8b", ecolor="#7aa6c2", capsize=2)
        ax.set_xlabel(f"mu* ({OUTCOMES[o][1]})")
        ax.set_title(f"Effect on {OUTCOMES[o][0]}", fontsize=11)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    gs = axes[0, 3].get_gridspec()
    axes[0, 3].remove()
    axes[1, 3].remove()
    ax = fig.add_subplot(gs[:, 3])
    grid = table.pivot(index="parameter", columns="outcome", values="mu_star_relative")
    grid = grid.loc[grid.mean(axis=1).sort_values(ascending=False).index, outcomes]
    im = ax.imshow(grid.to_numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(outcomes)), [OUTCOMES[o][0] for o in outcomes], rotation=40,
                  ha="right", fontsize=8)
    ax.set_yticks(range(len(grid)), [n.split(".", 1)[1] for n in grid.index], fontsize=8)
    ax.set_title("mu* relative to the top parameter", fontsize=11)
    fig.colorbar(im, ax=ax, label="mu* / max mu* of the outcome")
    fig.suptitle(f"Morris screening: final-year effect of {args.scenario} against "
                 f"{args.baseline} (bars: mu* with bootstrap 95 % interval)", fontsize=13)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return save(fig, path, ("png", "svg"))


def summary(table: pd.DataFrame, sweep: Path, figs: list[Path], args, n_points: int) -> None:
    from sim import io

    overall = (table.groupby("parameter")["mu_star_relative"].mean()
               .sort_values(ascending=False))
    lines = [
        "# Sensitivity: Morris screening of behavioural parameters\n",
        f"- Outcome: final-year effect of `{args.scenario}` against `{args.baseline}` "
        "(same run seed in both arms)",
        f"- Design: SALib Morris, {len(PARAMETERS)} parameters, {n_points} points, "
        f"{args.levels} levels, design seed {args.design_seed}; each parameter +-"
        f"{SPREAD:.0%} around its configured value, except fixed ranges for "
        + ", ".join(f"`{k.split('.')[-1]}` {lo:g}-{hi:g}" for k, (lo, hi) in BOUNDS.items())
        + " (points: `design.csv`)",
        "",
        "## Overall ranking (mean of mu* relative to each outcome's top parameter)",
        "",
        "| rank | parameter | mean relative mu* |",
        "|---|---|---|",
        *[f"| {i + 1} | `{p}` | {v:.2f} |" for i, (p, v) in enumerate(overall.items())],
        "",
        "## Top three per outcome (mu* [95 % bootstrap interval], sigma)",
        "",
    ]
    for o, (label, unit, _) in OUTCOMES.items():
        t = table[table["outcome"] == o].sort_values("mu_star", ascending=False).head(3)
        cells = [f"`{r.parameter.split('.', 1)[1]}` {r.mu_star:.3g} "
                 f"[±{r.mu_star_conf:.2g}], sigma {r.sigma:.3g}" for r in t.itertuples()]
        lines.append(f"- **{label}** ({unit}): " + "; ".join(cells))
    lines += ["", "## Figures", "",
              *[f"- [{p.name}]({p.relative_to(sweep).as_posix()})" for p in figs],
              "", "All values: `sensitivity.csv`."]
    io.atomic_write(sweep / "summary.md", lambda tmp: tmp.write_text("\n".join(lines) + "\n"))


if __name__ == "__main__":
    main()
