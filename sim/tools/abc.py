"""Approximate Bayesian computation for the behaviour: a sample of parameter sets, not a point.

    python -m sim.calibrate --abc 600 --seeds 2 --scale 25 --jobs 2

Rejection ABC: draw ``N`` parameter sets from the prior box (:data:`ABC_SPACE`, a seeded
Latin hypercube, no warm start), run each on 2010->2015 with ``--seeds`` common-seed
runs, score it with the calibration objective (:func:`sim.tools.calibrate.objective`:
the scaled misfits to municipal growth, flow shares, the capital-region share and the
national path), and accept the ``--abc-accept`` share with the smallest distance. The
accepted sets are the posterior sample: ``configs/behaviour/posterior.csv`` (one row each:
the behaviour parameters, the distance and its parts), which studies draw behaviour
from (``sim.tools.abc.posterior_draws``), and the best of them becomes the default
behaviour point (``configs/behaviour/calibrated.yaml``) unless ``--abc-no-default``.

Every evaluated set is appended to ``<posterior>.trials.csv`` as soon as it is done, so a
killed run resumes where it stopped (the design is seeded: the same ``N`` and
``--sampler-seed`` give the same sets). Births and deaths are not searched: with
``demography.vital_statistics`` they follow Statistics Korea's series; the service
coefficients are the belief ``beliefs.service_wtp``'s.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import CONFIG_DIR
from sim.tools.calibrate import MOVE_RATE, Param, behaviour_overrides, expand_move_rate

#: The prior box of the ABC (uniform; log-uniform where ``log``). It is the TPE search's
#: box (:data:`sim.tools.calibrate.SPACE`, same bounds where both have a parameter; a
#: test keeps them equal) with signed capital terms, the county terms and ``commute_km``
#: added, and without what no longer needs searching: births and deaths follow the vital
#: statistics, service coefficients are the beliefs'. Listed in full because the order
#: fixes the Latin hypercube's columns (the shipped trials depend on it).
ABC_SPACE: tuple[Param, ...] = (
    Param("migration.move_rate_20_39", 0.08, 0.40),
    Param("migration.move_rate_ratio_mid", 0.25, 0.75),
    Param("migration.move_rate_ratio_old", 0.2, 0.7),
    Param("migration.dissatisfaction", 0.0, 1.5),
    Param("migration.beta_wage[0]", 0.0, 3.0),
    Param("migration.beta_wage[1]", 0.0, 2.0),
    Param("migration.beta_jobs[0]", 0.0, 2.0),
    Param("migration.beta_jobs[1]", 0.0, 2.0),
    Param("migration.beta_housing[0]", 0.0, 2.0),
    # The capital region's pull by age: the young are drawn to it, 40-64 leave it
    # (FACTS.md; KOSTAT 2025: net -18 k aged 40-64 and +61 k aged 19-34 in 2024), so
    # the 40-64 term is searched below zero and the 20-39 one above.
    Param("migration.beta_capital[0]", 0.0, 1.5),
    Param("migration.beta_capital[1]", -1.0, 0.3),
    # Return to the countryside at older ages (FACTS.md: 494,569 people in 2020).
    Param("migration.beta_rural[1]", -0.5, 1.5),
    Param("migration.beta_rural[2]", -0.5, 1.5),
    Param("migration.beta_vacancy", 0.0, 3.0),
    Param("migration.distance_decay", 0.3, 3.0),
    Param("migration.same_province", 0.0, 3.0),
    Param("migration.stay_local", 0.0, 5.0),
    Param("migration.network", 0.0, 1.5),
    Param("demography.leave_home_rate", 0.01, 0.08),
    Param("demography.immigration_rate", 0.0011, 0.0019),
    Param("economy.commute_km", 2.0, 12.0),
)
#: Searched by the history matching only (appended to :data:`ABC_SPACE`, whose order fixes
#: the ABC's design): how strongly house prices answer occupancy. No Korean estimate of
#: this elasticity is in FACTS.md; the box is centred on the schema's 1.0. It is half of
#: what pulls the start's flows back within five years (docs/validation.md 6.3), so the
#: flows' targets, not the default, should say how large it is.
HOUSING_SPACE: tuple[Param, ...] = (Param("housing.price_elasticity", 0.0, 2.0),)
#: Also searched by the history matching only, from round 12 (docs/validation.md 6.4): how
#: much a destination's pull grows with its stock of homes. It was held at 1, choice in
#: proportion to the stock, which is the most it can be: the coefficient on the log
#: number of elemental alternatives pooled in a zone is the zone's similarity parameter,
#: in (0, 1] for a choice consistent with random utility (McFadden 1978, "Modelling the
#: choice of residential location"; less than 1 when homes within a place are alike). It
#: is the largest single part of the non-metropolitan provinces' drift in the in-sample
#: run (validation.md 6.4), so the flows' targets, not the bound, should say how large.
SIZE_SPACE: tuple[Param, ...] = (Param("migration.beta_size", 0.0, 1.0),)
#: Every column a behaviour sample can carry, in the history matching's order: what
#: :func:`behaviour_of` reads (a sample without a column keeps the schema's default).
SAMPLE_SPACE: tuple[Param, ...] = (*ABC_SPACE, *HOUSING_SPACE, *SIZE_SPACE)
#: Where the posterior sample ships.
POSTERIOR = CONFIG_DIR / "behaviour" / "posterior.csv"


def _from_unit(u: float, p: Param) -> float:
    if p.log:
        return float(math.exp(math.log(p.low) + u * (math.log(p.high) - math.log(p.low))))
    return float(p.low + u * (p.high - p.low))


def _to_unit(x: float, p: Param) -> float:
    if p.log:
        return (math.log(x) - math.log(p.low)) / (math.log(p.high) - math.log(p.low))
    return (x - p.low) / (p.high - p.low)


def design(n: int, seed: int, space: tuple[Param, ...] = ABC_SPACE) -> list[dict[str, float]]:
    """``n`` parameter sets from a seeded Latin hypercube over the prior box."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(space), seed=seed).random(n)
    return [{p.path: _from_unit(u, p) for u, p in zip(row, space, strict=True)} for row in unit]


def perturbations(accepted: pd.DataFrame, n: int, seed: int,
                  space: tuple[Param, ...] = ABC_SPACE) -> list[dict[str, float]]:
    """``n`` refinement proposals (the second round of a population Monte Carlo ABC,
    Beaumont et al. 2009): a parent drawn uniformly from the accepted sets, moved by a
    normal kernel with twice their variance in each coordinate of the unit box,
    reflected back into the prior box. Seeded and a function of the accepted sets only,
    so a resumed run proposes the same points."""
    rng = np.random.default_rng([seed, 7919])
    unit = np.array([[_to_unit(float(r[p.path]), p) for p in space] for _, r in accepted.iterrows()])
    sd = np.sqrt(2.0) * unit.std(axis=0) + 1e-3
    parents = unit[rng.integers(0, len(unit), n)]
    moved = parents + rng.normal(size=parents.shape) * sd
    moved = np.abs(moved)  # reflect at 0 ...
    moved = 1.0 - np.abs(1.0 - moved)  # ... and at 1
    moved = np.clip(moved, 0.0, 1.0)
    return [{p.path: _from_unit(float(u), p) for u, p in zip(row, space, strict=True)} for row in moved]


def _evaluate(index: int, point: dict[str, float], seeds: int, scale: float) -> dict[str, Any]:
    """One design point's distance and parts (runs in a worker process)."""
    from sim.tools.calibrate import make_evaluator

    t0 = time.perf_counter()
    parts = make_evaluator(seeds=seeds, scale=scale)(behaviour_overrides(point))
    return {"index": index, **point, **{f"d_{k}": v for k, v in parts.items()},
            "seconds": time.perf_counter() - t0}


def _evaluate_all(points: dict[int, dict[str, float]], trials_path: Path, *, seeds: int,
                  scale: float, jobs: int, desc: str, progress: bool) -> None:
    """Evaluate the points not yet in ``trials_path``, appending each row when done."""
    from joblib import Parallel, delayed

    done = set(pd.read_csv(trials_path)["index"].astype(int)) if trials_path.exists() else set()
    todo = [(i, p) for i, p in points.items() if i not in done]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(points), initial=len(points) - len(todo), desc=desc, unit="pt")
    header = not trials_path.exists()
    with open(trials_path, "a", newline="") as fh:
        writer = None
        for row in Parallel(n_jobs=jobs, return_as="generator_unordered")(
                delayed(_evaluate)(i, p, seeds, scale) for i, p in todo):
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(row))
                if header:
                    writer.writeheader()
            writer.writerow(row)
            fh.flush()
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()


def _best(trials_path: Path, below: int, k: int) -> pd.DataFrame:
    trials = pd.read_csv(trials_path)
    trials = trials[trials["index"] < below].drop_duplicates("index")
    return trials.nsmallest(k, "d_total").reset_index(drop=True)


def run(n: int, *, seeds: int, scale: float, jobs: int, accept: float, sampler_seed: int,
        refine: int = 0, posterior: Path = POSTERIOR, progress: bool = True) -> pd.DataFrame:
    """Evaluate the design (resuming from ``<posterior>.trials.csv``), write the accepted
    sets to ``posterior``, return them (best first).

    Round 1: ``n`` prior draws; the ``accept`` share with the smallest distance is
    accepted. With ``refine`` > 0, round 2 evaluates ``refine`` perturbations of round 1's
    accepted sets (:func:`perturbations`) and the accepted sample is the same number of
    smallest distances among all ``n + refine`` evaluated sets."""
    posterior = Path(posterior)
    trials_path = posterior.with_suffix(".trials.csv")
    posterior.parent.mkdir(parents=True, exist_ok=True)
    k = max(1, int(round(accept * n)))
    first = dict(enumerate(design(n, sampler_seed)))
    _evaluate_all(first, trials_path, seeds=seeds, scale=scale, jobs=jobs,
                  desc="ABC round 1 (prior)", progress=progress)
    accepted = _best(trials_path, n, k)
    if refine > 0:
        second = dict(enumerate(perturbations(accepted, refine, sampler_seed), start=n))
        _evaluate_all(second, trials_path, seeds=seeds, scale=scale, jobs=jobs,
                      desc="ABC round 2 (refinement)", progress=progress)
        accepted = _best(trials_path, n + refine, k)
    accepted.insert(0, "rank", np.arange(1, len(accepted) + 1))
    accepted.to_csv(posterior, index=False)
    return accepted


def behaviour_of(row: pd.Series | dict, space: Sequence[Param] = SAMPLE_SPACE) -> dict[str, Any]:
    """The nested ``behaviour`` overrides of one sample row (an ABC trial or a history
    matching's accepted set): the columns of ``space`` it has."""
    return behaviour_overrides({p.path: float(row[p.path]) for p in space if p.path in row})


def posterior_draws(n: int, seed: int = 0, path: Path = POSTERIOR) -> list[dict[str, Any]]:
    """``n`` behaviour overrides drawn with replacement from the shipped posterior sample."""
    table = pd.read_csv(path)
    rng = np.random.default_rng(seed)
    return [behaviour_of(table.iloc[i]) for i in rng.integers(0, len(table), n)]


def summary(accepted: pd.DataFrame, trials: int) -> dict[str, Any]:
    """Posterior spread per parameter (expanded move rates included) and the distances."""
    rows = [expand_move_rate({p.path: float(r[p.path]) for p in ABC_SPACE}) | dict(r)
            for _, r in accepted.iterrows()]
    frame = pd.DataFrame(rows)
    keys = [k for k in frame.columns if k.startswith(("migration.", "demography.", "economy.", "housing."))
            and k not in MOVE_RATE]
    return {
        "trials": trials, "accepted": len(accepted),
        "distance": {"best": float(accepted["d_total"].min()), "worst_accepted": float(accepted["d_total"].max())},
        "parameters": {k: {"median": float(frame[k].median()), "p05": float(frame[k].quantile(0.05)),
                           "p95": float(frame[k].quantile(0.95))} for k in keys},
    }


def write_summary(accepted: pd.DataFrame, trials: int, path: Path) -> None:
    Path(path).write_text(json.dumps(summary(accepted, trials), indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.calibrate --abc N ...``: the posterior sample, its summary, and the
    best set as the default behaviour (unless ``--abc-no-default``)."""
    import datetime as dt
    import sys

    from sim.config import region_config
    from sim.tools.calibrate import parser, write_behaviour_yaml

    args = parser().parse_args(argv)
    if region_config(args.region).generator:
        raise SystemExit("--abc runs on a census region, not a generated one")
    if not 0 < args.abc_accept <= 1:
        raise SystemExit("--abc-accept must be in (0, 1]")
    command = "python -m sim.calibrate " + " ".join(argv if argv is not None else sys.argv[1:])
    t0 = time.perf_counter()
    accepted = run(args.abc, seeds=args.seeds, scale=args.scale, jobs=args.jobs,
                       accept=args.abc_accept, sampler_seed=args.sampler_seed,
                       refine=args.abc_refine,
                       posterior=args.posterior)
    summary_path = args.posterior.with_suffix(".summary.json")
    write_summary(accepted, args.abc + args.abc_refine, summary_path)
    best = accepted.iloc[0]
    today = dt.date.today().isoformat()
    if not args.abc_no_default:
        note = (f"calibrated {today} on census 2010->2015 by `{command.strip()}` (ABC: "
                f"{args.abc} Latin-hypercube prior draws + {args.abc_refine} refinement proposals x "
                f"{args.seeds} seeds, scale {args.scale:g}, "
                f"best {len(accepted)} accepted as the posterior sample {args.posterior.name}); "
                f"this is the accepted set with the smallest distance, {best['d_total']:.4f}")
        header = ("Calibrated behavioural parameters (written by sim/calibrate.py --abc; do not edit by hand).\n"
                  "The best set of the ABC posterior sample (configs/behaviour/posterior.csv);\n"
                  "see docs/validation.md. Unlisted parameters keep the schema defaults of sim/config.py.")
        write_behaviour_yaml(args.out, behaviour_of(best), note, header)
    print(f"ABC: {args.abc} draws, {len(accepted)} accepted (distance {best['d_total']:.3f} to "
          f"{accepted['d_total'].max():.3f}) in {time.perf_counter() - t0:.0f} s; wrote "
          f"{args.posterior}, {summary_path}" + ("" if args.abc_no_default else f", {args.out}"))
    return 0
