"""``python -m sim.bench --precision``: how well same-seed twins pair, on the Korea default.

A paired effect (scenario minus its same-seed ``no_investment`` twin) is the policy's own
only if the twins' random numbers stay in step. Three checks, each on final-year outcomes
(``--years``, default 20, at the default scale):

1. **continuity**: ``status_quo_2018`` and ``trouble_shooter`` with a budget of KRW 1 bn a
   year (``budget.annual_krw=1e9``, 500 times below the default) against
   ``no_investment``, seeds 0..``--seeds``-1: the paired effects on national output (% of
   the baseline), Jeonbuk's population, the felt-benefit share (points) and the
   capital-region share (points), and, for ``status_quo_2018``, the median and 90th
   percentile of the absolute population difference (%) among municipalities that
   receive no money. A policy that spends almost nothing must change almost nothing.
2. **variance ratio**: ``trouble_shooter`` at the default budget against ``no_investment``
   over ``--variance-seeds`` seeds: the variance of the paired differences over the
   variance of an unpaired difference (var(scenario) + var(baseline)). Below 1 pairing
   helps; the targets ask for 0.05.
3. **dose response**: ``status_quo_2018`` at 0.1, 1 and 10 times the default budget
   (``--seeds`` seeds each): the mean paired effects, which should grow smoothly with
   money.

Runs go to ``--dir`` (default ``multirun/precision``) and are resumed when the command is
rerun; ``precision.json`` and ``precision.md`` summarise them there.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.io import read_parquet
from sim.tools.runs import Job, run_all

#: Final-year outcomes of the checks: column -> (label, unit, how the paired effect is
#: computed: "relative" in % of the baseline, else the difference times the factor).
OUTCOMES: dict[str, tuple[str, str, str | float]] = {
    "output": ("National output", "% of baseline", "relative"),
    "jeonbuk_population": ("Jeonbuk population", "persons", 1.0),
    "felt_benefit_share": ("Felt-benefit share", "points", 100.0),
    "capital_region_share": ("Capital-region share", "points", 100.0),
}
#: The issue's targets for the continuity check (absolute paired effects, per seed).
CONTINUITY_TARGETS = {"output": 0.05, "jeonbuk_population": 1000.0, "felt_benefit_share": 0.2}
UNTOUCHED_TARGET = 0.5  # median |population difference| in %, municipalities without money
VARIANCE_TARGET = 0.05
TINY_BUDGET = 1e9
DOSES = (0.1, 1.0, 10.0)


def _run_dir(root: Path, label: str, seed: int) -> Path:
    return root / "runs" / f"{label}_seed{seed}"


def plan(root: Path, seeds: int, variance_seeds: int, years: int, scale: float | None,
         default_budget: float) -> dict[str, list[tuple[int, Job]]]:
    """The runs of the three checks, by label: (seed, job) pairs."""
    common = [f"run.years={years}", "run.progress=false", "run.plots=false"]
    if scale is not None:
        common.append(f"run.scale={scale:g}")
    arms = {
        "baseline": (["scenario=no_investment"], max(seeds, variance_seeds)),
        "trouble_shooter": (["scenario=trouble_shooter"], variance_seeds),
        "status_quo_2018_tiny": (["scenario=status_quo_2018", f"budget.annual_krw={TINY_BUDGET:g}"], seeds),
        "trouble_shooter_tiny": (["scenario=trouble_shooter", f"budget.annual_krw={TINY_BUDGET:g}"], seeds),
    }
    for dose in DOSES:
        arms[f"status_quo_2018_x{dose:g}"] = (
            ["scenario=status_quo_2018", f"budget.annual_krw={dose * default_budget:g}"], seeds)
    return {
        label: [(s, Job(tuple([*o, *common, f"run.seed={s}"]), _run_dir(root, label, s)))
                for s in range(n)]
        for label, (o, n) in arms.items()
    }


def _final(run_dir: Path) -> tuple[pd.Series, pd.DataFrame]:
    nat = read_parquet(run_dir / "national.parquet")
    mun = read_parquet(run_dir / "municipalities.parquet")
    last = mun["year"].max()
    final = mun[mun["year"] == last].set_index("code")
    final["investment_total_krw"] = mun.groupby("code")["investment_krw"].sum()
    return nat.iloc[-1], final


def paired(scenario: Path, baseline: Path) -> dict[str, float]:
    """Final-year paired effects of one twin pair, in the units of :data:`OUTCOMES`, plus
    the untouched municipalities' population differences."""
    (ns, ms), (nb, mb) = _final(scenario), _final(baseline)
    out = {}
    for col, (_, _, how) in OUTCOMES.items():
        out[col] = (ns[col] / nb[col] - 1) * 100 if how == "relative" else (ns[col] - nb[col]) * how
    untouched = ms["investment_total_krw"] == 0
    rel = (ms.loc[untouched, "population"] / mb.loc[untouched, "population"] - 1).abs() * 100
    out["untouched_municipalities"] = int(untouched.sum())
    out["untouched_median_abs_pct"] = float(rel.median()) if len(rel) else math.nan
    out["untouched_p90_abs_pct"] = float(rel.quantile(0.9)) if len(rel) else math.nan
    return out


def levels(run_dir: Path) -> dict[str, float]:
    nat, _ = _final(run_dir)
    return {col: float(nat[col]) for col in OUTCOMES}


def variance_ratios(pairs: list[tuple[Path, Path]]) -> dict[str, dict[str, float]]:
    """Per outcome: sd of paired differences, sd of an unpaired difference, and the ratio
    of their variances."""
    out = {}
    for col, (_, _, how) in OUTCOMES.items():
        scen = np.array([levels(s)[col] for s, _ in pairs])
        base = np.array([levels(b)[col] for _, b in pairs])
        if how == "relative":
            ref = base.mean()
            scen, base = scen / ref * 100, base / ref * 100
        else:
            scen, base = scen * how, base * how
        d = scen - base
        var_paired = float(np.var(d, ddof=1))
        var_unpaired = float(np.var(scen, ddof=1) + np.var(base, ddof=1))
        out[col] = {"sd_paired": math.sqrt(var_paired), "sd_unpaired": math.sqrt(var_unpaired),
                    "variance_ratio": var_paired / var_unpaired if var_unpaired > 0 else math.nan,
                    "mean_effect": float(d.mean())}
    return out


def run(root: Path, seeds: int = 3, variance_seeds: int = 6, years: int = 20,
        scale: float | None = None, n_jobs: int = 2) -> dict[str, Any]:
    """Run (or resume) every check into ``root`` and summarise it."""
    from sim.config import BudgetConfig

    default_budget = BudgetConfig().annual_krw
    runs = plan(Path(root), seeds, variance_seeds, years, scale, default_budget)
    run_all([job for jobs in runs.values() for _, job in jobs], n_jobs=n_jobs, desc="precision runs")
    base = {s: job.out_dir for s, job in runs["baseline"]}
    result: dict[str, Any] = {"years": years, "scale": scale, "seeds": seeds,
                              "variance_seeds": variance_seeds, "default_budget_krw": default_budget}
    cont = {}
    for name in ("status_quo_2018", "trouble_shooter"):
        per_seed = [paired(job.out_dir, base[s]) for s, job in runs[f"{name}_tiny"]]
        cont[name] = {"per_seed": per_seed,
                      "max_abs": {k: max(abs(p[k]) for p in per_seed) for k in CONTINUITY_TARGETS}}
    result["continuity"] = cont
    ts = [(job.out_dir, base[s]) for s, job in runs["trouble_shooter"]]
    result["variance"] = {"trouble_shooter": variance_ratios(ts)}
    dose = {}
    for d in DOSES:
        per_seed = [paired(job.out_dir, base[s]) for s, job in runs[f"status_quo_2018_x{d:g}"]]
        dose[f"{d:g}"] = {
            col: {"mean": float(np.mean([p[col] for p in per_seed])),
                  "se": float(np.std([p[col] for p in per_seed], ddof=1) / math.sqrt(len(per_seed)))
                  if len(per_seed) > 1 else math.nan}
            for col in OUTCOMES
        }
    result["dose_response"] = {"status_quo_2018": dose}
    result["targets"] = _verdicts(result)
    return result


def _verdicts(result: dict[str, Any]) -> dict[str, bool]:
    v = {}
    for name, c in result["continuity"].items():
        for col, limit in CONTINUITY_TARGETS.items():
            v[f"continuity {name} {col} < {limit:g}"] = bool(c["max_abs"][col] < limit)
    sq = result["continuity"]["status_quo_2018"]["per_seed"]
    v[f"untouched median < {UNTOUCHED_TARGET}%"] = bool(
        max(p["untouched_median_abs_pct"] for p in sq) < UNTOUCHED_TARGET)
    for col, r in result["variance"]["trouble_shooter"].items():
        v[f"variance ratio {col} < {VARIANCE_TARGET}"] = bool(r["variance_ratio"] < VARIANCE_TARGET)
    return v


def markdown(result: dict[str, Any]) -> str:
    """The checks as a report (``precision.md``)."""
    lines = ["# Precision of paired effects", "",
             f"Korea default, {result['years']} years, scale "
             f"{result['scale'] if result['scale'] else 'default'}; effects are final-year "
             "differences against the same-seed `no_investment` twin.", "",
             f"## 1. Continuity: a budget of KRW {TINY_BUDGET:.0e} a year", "",
             "| scenario | seed | " + " | ".join(f"{OUTCOMES[c][0]} ({OUTCOMES[c][1]})" for c in OUTCOMES)
             + " | untouched municipalities: median / p90 abs. population difference (%) |",
             "|---|---|" + "---|" * (len(OUTCOMES) + 1)]
    for name, c in result["continuity"].items():
        for s, p in enumerate(c["per_seed"]):
            cells = [f"{p[col]:+.4g}" for col in OUTCOMES]
            lines.append(f"| {name} | {s} | " + " | ".join(cells)
                         + f" | {p['untouched_median_abs_pct']:.3f} / {p['untouched_p90_abs_pct']:.3f} |")
    lines += ["", "## 2. Variance of paired vs unpaired differences (trouble_shooter, default budget)", "",
              "| outcome | mean effect | sd paired | sd unpaired | variance ratio |", "|---|---|---|---|---|"]
    for col, r in result["variance"]["trouble_shooter"].items():
        lines.append(f"| {OUTCOMES[col][0]} ({OUTCOMES[col][1]}) | {r['mean_effect']:+.4g} | "
                     f"{r['sd_paired']:.4g} | {r['sd_unpaired']:.4g} | {r['variance_ratio']:.3f} |")
    lines += ["", "## 3. Dose response: status_quo_2018 at 0.1x, 1x and 10x the default budget", "",
              "| budget | " + " | ".join(f"{OUTCOMES[c][0]} ({OUTCOMES[c][1]})" for c in OUTCOMES) + " |",
              "|---|" + "---|" * len(OUTCOMES)]
    for d, eff in result["dose_response"]["status_quo_2018"].items():
        lines.append(f"| {d}x | " + " | ".join(f"{eff[c]['mean']:+.4g} ± {eff[c]['se']:.2g}" for c in OUTCOMES) + " |")
    lines += ["", "## Targets", ""] + [f"- {k}: {'met' if ok else '**not met**'}"
                                       for k, ok in result["targets"].items()]
    return "\n".join(lines) + "\n"


def main(root: Path, seeds: int, variance_seeds: int, years: int, scale: float | None,
         n_jobs: int) -> dict[str, Any]:
    from sim import io

    result = run(root, seeds, variance_seeds, years, scale, n_jobs)
    io.write_json(result, Path(root) / "precision.json")
    io.atomic_write(Path(root) / "precision.md", lambda tmp: tmp.write_text(markdown(result)))
    return result


def dumps(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, default=float)
