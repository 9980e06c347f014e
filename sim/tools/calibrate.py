"""``python -m sim.calibrate``: fit the behavioural parameters to the 2010->2015 census.

What is fitted, and against what (all from 2010->2015 only; 2015->2020 is never used):

* each municipality's log population growth 2010->2015 from the census, demeaned;
* the national log growth 2010->2015, in a band of 2.5-5 %: the census gives +5.0 %
  (foreigners included), part of which is the change to a register-based census in 2015;
  vital statistics give about +1.9 % of natural increase and Statistics Korea's
  international migration statistics a net inflow of about 60-90 k a year (+0.6 %), so
  2.5 % is the lower end;
* the share of people moving a year (movers across eup/myeon/dong lines, 12-15 %,
  FACTS.md), the share of moves crossing a province line (about 34 %), and the share of
  moves crossing a si/gun/gu line (about 56 %: KOSIS internal migration statistics 2019,
  44 % of moves within a si/gun/gu, 22 % between si/gun/gu of a province, 34 % between
  provinces);
* the change of the capital-region population share, 49.24 % -> 49.49 %;
* births and deaths a year 2011-2015 (Statistics Korea vital statistics: about 453 k
  births and 267 k deaths a year on average).

The move rates by head age are searched as the 20-39 rate and two ratios,
``move_rate = [m, m * r_mid, m * r_mid * r_old]`` with r_mid in (0.25, 0.75) and r_old in
(0.2, 0.7), so they fall with age as Korea's mover rates do (FACTS.md, 2024: 20s 23.9 %,
30s 21.0 %, 60s 7.1 %, 70s 5.0 %): the national targets cannot tell ages apart, and an
unordered search put the 40-64 rate above the 20-39 one.

``demography.mortality_improvement`` is not searched: five years of deaths cannot tell a
yearly decline of mortality from its level (``mortality_a``, the 2015 level); it keeps its
prior (0.02 a year, Korea's gain in life expectancy 2010-2020). ``immigration_rate`` is
searched only within the range of the international migration statistics (see SPACE).

The objective is a sum of squared, scaled misfits (:func:`objective`), averaged over
``--seeds`` runs with common random numbers (seeds 0..K-1 in every trial), and minimized
with Optuna's TPE sampler (seeded, so the search is reproducible on the same machine and
library versions) in two stages: ``--trials`` over the whole space :data:`SPACE`, then
``--refine`` trials over the flow-share and vital-rate parameters (:data:`REFINE`) in a
narrowed box around stage 1's best, the rest held fixed (TPE in 19 dimensions with a
few dozen trials does not pin the flow shares). ``--stage1-from RECORD`` takes stage 1's
trials from an earlier record instead of rerunning them. The best parameters are written as a behaviour config
(``configs/behaviour/calibrated.yaml``) with a ``note`` saying when and how they were
obtained, and the whole search (space, every trial, the best) as
``docs/calibration_record.json``.

``--trends`` also estimates *municipality-specific amenity shifts*
(``behaviour.migration.amenity_shift``) on 2010->2015 so that the calibrated model
reproduces each municipality's 2010->2015 growth, and writes them as
``configs/behaviour/calibrated_trends.yaml``. Carried forward, they build in part of the
persistence forecast; docs/validation.md reports the model with and without them.

An argparse tool, not a Hydra app: it runs hundreds of model configurations (each built
with :func:`sim.config.make_config`, the same helper as every other entry point), not
one, and its options are the reproduction commands docs/validation.md records.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from sim.config import CONFIG_DIR, BehaviourConfig, SimConfig, make_config

ROOT = CONFIG_DIR.parent  # the source tree: configs/, docs/

#: Calibration targets for 2010->2015 (FACTS.md; vital statistics from Statistics Korea).
TARGETS = {
    "movers_share": (0.12, 0.15),  # band: people moving across eup/myeon/dong lines a year
    "interprovincial_share_of_moves": (0.31, 0.37),  # about 34 % of moves
    "intermunicipal_share_of_moves": (0.53, 0.59),  # about 56 % (KOSIS 2019: 44 / 22 / 34 %)
    "national_growth": (0.025, 0.050),  # log, 2010->2015; census +5.0 % incl. foreigners
    "births_per_year": 453_000.0,  # mean 2011-2015
    "deaths_per_year": 267_000.0,  # mean 2011-2015
}


@dataclass(frozen=True)
class Param:
    """One searched parameter: a dotted path into ``behaviour`` (``[i]`` for list items)."""

    path: str
    low: float
    high: float
    log: bool = False


#: The search space. Everything else keeps the schema default (sim/config.py).
SPACE: tuple[Param, ...] = (
    # Move rates by head age (20-39, 40-64, 65+) with the age order built in: the young
    # rate and two ratios, move_rate = [m, m * r_mid, m * r_mid * r_old] (MOVE_RATE).
    # Prior from FACTS.md (Statistics Korea 2024 mover rates by age: 20s 23.9 %, 30s
    # 21.0 %, 60s 7.1 %, 70s 5.0 %): 40-64 about 0.35-0.6 of 20-39, 65+ about 0.5-0.7 of
    # 40-64. The national targets alone cannot tell ages apart (an unordered search put
    # 40-64 above 20-39), so the ratios are bounded to (0.25, 0.75) and (0.2, 0.7).
    Param("migration.move_rate_20_39", 0.08, 0.40),
    Param("migration.move_rate_ratio_mid", 0.25, 0.75),
    Param("migration.move_rate_ratio_old", 0.2, 0.7),
    Param("migration.dissatisfaction", 0.0, 1.5),
    Param("migration.beta_wage[0]", 0.0, 3.0),
    Param("migration.beta_wage[1]", 0.0, 2.0),
    Param("migration.beta_jobs[0]", 0.0, 2.0),
    Param("migration.beta_jobs[1]", 0.0, 2.0),
    Param("migration.beta_services[0]", 0.0, 1.0),
    Param("migration.beta_housing[0]", 0.0, 2.0),
    Param("migration.beta_capital[0]", -1.0, 1.0),
    Param("migration.beta_capital[1]", -1.0, 1.0),
    # How strongly movers are drawn to empty homes (new building, or places emptying).
    # beta_size stays 1 here (choice proportional to the stock of homes): a larger value
    # makes growth self-reinforcing without bound (a first search put it at 2.8;
    # docs/validation.md). The history matching searches it below 1 (abc.SIZE_SPACE).
    Param("migration.beta_vacancy", 0.0, 3.0),
    Param("migration.distance_decay", 0.3, 3.0),
    Param("migration.same_province", 0.0, 3.0),
    Param("migration.stay_local", 0.0, 5.0),
    Param("migration.network", 0.0, 1.5),
    Param("demography.mortality_a", 5e-6, 6e-5, log=True),
    Param("demography.birth_rate", 0.03, 0.10),
    Param("demography.leave_home_rate", 0.01, 0.08),
    # Net inflow from abroad 60-90 k a year (Statistics Korea international migration
    # statistics: +61 k 2015, +75 k 2016, +88 k 2022): about 0.0012-0.0018 per resident.
    # A wider box (0.0005-0.003) let the search trade it for the growth pattern and settle
    # at 0.0007, which leaves the long-run national path falling too fast.
    Param("demography.immigration_rate", 0.0011, 0.0019),
)


def census_growth(table, y0: int, y1: int) -> np.ndarray:
    """(M,) log population growth between two census years."""
    return np.log(table[f"pop_{y1}"].to_numpy(float) / table[f"pop_{y0}"].to_numpy(float))


def capital_share(table, year: int) -> float:
    pop = table[f"pop_{year}"].to_numpy(float)
    return float(pop[table["capital_region"].to_numpy(bool)].sum() / pop.sum())


#: The ordered move-rate parameters (searched) and the ``move_rate`` list they set.
MOVE_RATE = ("migration.move_rate_20_39", "migration.move_rate_ratio_mid",
             "migration.move_rate_ratio_old")


def expand_move_rate(values: dict[str, float]) -> dict[str, float]:
    """Replace the young rate and the two age ratios by ``migration.move_rate[0..2]``:
    ``[m, m * r_mid, m * r_mid * r_old]`` (decreasing with age for ratios below 1)."""
    if not any(k in values for k in MOVE_RATE):
        return dict(values)
    if not all(k in values for k in MOVE_RATE):
        raise ValueError(f"the ordered move rates need all of {MOVE_RATE}")
    out = {k: v for k, v in values.items() if k not in MOVE_RATE}
    m, r_mid, r_old = (float(values[k]) for k in MOVE_RATE)
    out.update({"migration.move_rate[0]": m, "migration.move_rate[1]": m * r_mid,
                "migration.move_rate[2]": m * r_mid * r_old})
    return out


def behaviour_overrides(values: dict[str, float]) -> dict[str, Any]:
    """Nested ``behaviour`` overrides from ``{"migration.move_rate[0]": 0.2, ...}``.

    List items are filled into the schema default list, so unlisted items keep defaults.
    The ordered move-rate parameters (:data:`MOVE_RATE`) are expanded first
    (:func:`expand_move_rate`).
    """
    defaults = dataclasses.asdict(BehaviourConfig())
    out: dict[str, Any] = {}
    for path, value in expand_move_rate(values).items():
        group, name = path.split(".", 1)
        node = out.setdefault(group, {})
        if "[" in name:
            key, idx = name[:-1].split("[")
            lst = node.setdefault(key, list(defaults[group][key]))
            lst[int(idx)] = float(value)
        else:
            node[name] = float(value)
    return out


def run_config(behaviour: dict | None, *, start_year: int, years: int, seed: int,
               scale: float, region: str = "korea", n_municipalities: int = 12) -> SimConfig:
    """A validated no-investment config with ``behaviour`` merged onto the prior behaviour
    (``behaviour=default``: the schema defaults of sim/config.py)."""
    return make_config(
        ["behaviour=default", f"region={region}", f"run.start_year={start_year}",
         f"run.years={years}", f"run.seed={seed}", f"run.scale={scale}", "run.progress=false",
         "run.plots=false"],
        {"region": {"n_municipalities": n_municipalities}, "behaviour": behaviour or {}},
    )


@dataclass
class Simulated:
    """What an evaluation needs from a set of runs (one row per seed)."""

    growth: np.ndarray  # (S, M) log population growth over the run
    pop_end: np.ndarray  # (S, M) population at the end
    in_rate: np.ndarray  # (S, M) in-migrants per person a year
    national: list = field(default_factory=list)  # one national frame per seed
    household_growth: np.ndarray | None = None  # (S, M) log household growth over the run
    flows: list = field(default_factory=list)  # one flows frame per seed (flows.parquet)


def simulate(cfgs: list[SimConfig], region=None) -> Simulated:
    """Run each config to the end and collect growth, flows and national series."""
    from sim.runner import run

    growth, pop_end, in_rate, national, hh_growth, flows = [], [], [], [], [], []
    for cfg in cfgs:
        result = run(cfg, region=region, progress=False)
        mun = result.municipalities
        first, last = mun["year"].min(), mun["year"].max()
        p0 = mun.loc[mun["year"] == first, "population"].to_numpy(float)
        p1 = mun.loc[mun["year"] == last, "population"].to_numpy(float)
        inflow = mun[mun["year"] > first].groupby("code", sort=False)["in_migrants"].sum()
        growth.append(np.log(np.maximum(p1, 1.0) / np.maximum(p0, 1.0)))
        h0 = mun.loc[mun["year"] == first, "households"].to_numpy(float)
        h1 = mun.loc[mun["year"] == last, "households"].to_numpy(float)
        hh_growth.append(np.log(np.maximum(h1, 1.0) / np.maximum(h0, 1.0)))
        pop_end.append(p1)
        in_rate.append(inflow.to_numpy(float) / np.maximum(p0, 1.0) / max(last - first, 1))
        national.append(result.national)
        flows.append(result.flows)
    return Simulated(np.array(growth), np.array(pop_end), np.array(in_rate), national,
                     np.array(hh_growth), flows)


def _band(x: float, lo: float, hi: float) -> float:
    """Squared distance outside [lo, hi], in units of the band's width."""
    width = hi - lo
    return (max(lo - x, 0.0, x - hi) / width) ** 2


def objective(sim: Simulated, observed_growth: np.ndarray, capital_change: float) -> dict[str, float]:
    """The calibration objective and its parts (lower is better).

    * ``growth``: RMSE of demeaned log growth (seed mean) over the census's standard
      deviation of it (1 = no better than predicting the national mean everywhere);
    * ``movers``, ``interprovincial``, ``intermunicipal``, ``national``: squared distance
      outside the target bands, in band widths (``national``: national log growth);
    * ``capital``: capital-region share change, misfit over 0.2 percentage points, squared;
    * ``births``, ``deaths``: relative misfit over 10 %, squared.
    """
    g = sim.growth.mean(axis=0)
    obs = observed_growth - observed_growth.mean()
    rmse = float(np.sqrt(np.mean((g - g.mean() - obs) ** 2)))
    nat = [n.iloc[1:] for n in sim.national]
    movers = float(np.mean([n["movers_share"].mean() for n in nat]))
    inter = float(np.mean([(n["intermunicipal_share"] / n["movers_share"]).mean() for n in nat]))
    interprov = float(np.mean([n["interprovincial_share_of_moves"].mean() for n in nat]))
    cap = float(np.mean([n["capital_region_share"].iloc[-1] for n in sim.national])
                - np.mean([n["capital_region_share"].iloc[0] for n in sim.national]))
    births = float(np.mean([n["births"].mean() for n in nat]))
    deaths = float(np.mean([n["deaths"].mean() for n in nat]))
    national = float(np.mean([np.log(n["population"].iloc[-1] / n["population"].iloc[0])
                              for n in sim.national]))
    parts = {
        "growth": rmse / float(obs.std()),
        "movers": _band(movers, *TARGETS["movers_share"]),
        "interprovincial": _band(interprov, *TARGETS["interprovincial_share_of_moves"]),
        "intermunicipal": _band(inter, *TARGETS["intermunicipal_share_of_moves"]),
        "national": _band(national, *TARGETS["national_growth"]),
        "capital": ((cap - capital_change) / 0.002) ** 2,
        "births": ((births / TARGETS["births_per_year"] - 1) / 0.10) ** 2,
        "deaths": ((deaths / TARGETS["deaths_per_year"] - 1) / 0.10) ** 2,
    }
    parts["total"] = float(sum(parts.values()))
    parts.update(
        rmse_growth_demeaned=rmse, movers_share=movers, intermunicipal_share_of_moves=inter,
        interprovincial_share_of_moves=interprov, capital_share_change=cap,
        births_per_year=births, deaths_per_year=deaths, national_growth=national,
    )
    return parts


def make_evaluator(*, seeds: int, scale: float, region=None) -> Callable[[dict], dict]:
    """``evaluate(behaviour_overrides) -> objective parts`` on 2010->2015, common seeds."""
    from sim.data import load_korea

    region = region or load_korea()
    name, n = region.name, region.n
    observed = census_growth(region.table, 2010, 2015)
    cap_change = capital_share(region.table, 2015) - capital_share(region.table, 2010)

    def evaluate(behaviour: dict) -> dict:
        cfgs = [run_config(behaviour, start_year=2010, years=5, seed=s, scale=scale,
                            region=name, n_municipalities=n) for s in range(seeds)]
        return objective(simulate(cfgs, region), observed, cap_change)

    return evaluate


#: Stage 2 (``--refine``): the parameters that set the flow shares and vital rates, searched
#: in a narrowed box around stage 1's best (see :func:`refine_space`), others held fixed.
REFINE = (*MOVE_RATE,
          "migration.distance_decay", "migration.same_province", "migration.stay_local",
          "demography.mortality_a", "demography.birth_rate", "demography.immigration_rate")


def refine_space(best: dict[str, float]) -> tuple[Param, ...]:
    """Stage-2 box: each REFINE parameter within x0.5..x2 of its stage-1 value (stay_local
    and same_province: +-3 around it), cut to the stage-1 bounds widened by 1 for those two."""
    out = []
    for p in SPACE:
        if p.path not in REFINE:
            continue
        x = best[p.path]
        if p.path.endswith(("stay_local", "same_province")):
            out.append(Param(p.path, max(0.0, x - 3.0), min(p.high + 1.0, x + 3.0)))
        else:
            out.append(Param(p.path, max(p.low, 0.5 * x), min(p.high, 2.0 * x), p.log))
    return tuple(out)


def search(evaluate: Callable[[dict], dict], trials: int, sampler_seed: int = 0,
           log: Callable[[str], None] = print, space: tuple[Param, ...] = SPACE,
           start: dict[str, float] | None = None,
           history: list[dict] | None = None) -> tuple[dict[str, float], dict, list[dict]]:
    """Minimize the objective with Optuna TPE over ``space``.

    ``start`` (default: the schema defaults) is evaluated first; parameters outside
    ``space`` are held at their ``start`` values. ``history`` is extended in place, so a
    second stage continues the trial record of the first.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start = dict(start or _schema_values())
    sampler = optuna.samplers.TPESampler(seed=sampler_seed, n_startup_trials=min(15, trials))
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.enqueue_trial({p.path: start[p.path] for p in space})
    history = [] if history is None else history
    first = len(history)
    stage = "refine" if first else "global"

    def run_trial(trial) -> float:
        values = dict(start)
        values.update({p.path: trial.suggest_float(p.path, p.low, p.high, log=p.log) for p in space})
        t0 = time.perf_counter()
        parts = evaluate(behaviour_overrides(values))
        history.append({"trial": len(history), "stage": stage, "params": values, "objective": parts,
                        "seconds": round(time.perf_counter() - t0, 2)})
        log(f"{stage} trial {trial.number:3d}: objective {parts['total']:.3f} "
            f"(growth {parts['growth']:.3f}, movers {parts['movers_share']:.3f}, "
            f"best {min(h['objective']['total'] for h in history):.3f})")
        return parts["total"]

    study.optimize(run_trial, n_trials=trials)
    best = history[first + study.best_trial.number]
    return best["params"], best["objective"], history


def _schema_values() -> dict[str, float]:
    b = dataclasses.asdict(BehaviourConfig())
    m0, m1, m2 = (float(x) for x in b["migration"]["move_rate"])
    out = {"migration.move_rate_20_39": m0, "migration.move_rate_ratio_mid": m1 / m0,
           "migration.move_rate_ratio_old": m2 / m1}
    for p in SPACE:
        if p.path in out:
            continue
        group, name = p.path.split(".", 1)
        if "[" in name:
            key, idx = name[:-1].split("[")
            out[p.path] = float(b[group][key][int(idx)])
        else:
            out[p.path] = float(b[group][name])
    return out


def estimate_amenity_shift(behaviour: dict, *, seeds: int, scale: float, iterations: int = 4,
                           damping: float = 0.8, region=None, start_year: int = 2010,
                           log: Callable[[str], None] = print) -> tuple[dict[str, float], list[dict]]:
    """Per-municipality amenity shifts that make the model reproduce the census growth of
    the five years from ``start_year`` (2010->2015 for the calibration).

    A damped Newton-style fixed point on the demeaned growth residual r_i: an amenity
    shift raises in-migration to i roughly in proportion (logit), so 5-year growth moves
    by about 5 * in_rate_i per unit of shift; shift_i += damping * r_i / (5 * in_rate_i).
    Shifts are centred (mean zero) and clipped to [-3, 3]. The rule of thumb can
    overshoot (a strong migrant network feeds a shift back into next year's pull): a step
    that makes the fit worse is not taken; the next one starts from the best shifts so far
    with half the damping, and the best shifts are returned, whichever iteration found
    them (the trace says which were kept). The runs use common random
    numbers across iterations, so whatever simulation noise the ``seeds`` runs share is
    fitted too and carried into forecasts: use enough seeds, or a fine enough ``scale``,
    for that noise to be small next to the growth differences (docs/validation.md).
    """
    from sim.data import load_korea

    region = region or load_korea()
    codes = region.table["code"].astype(str).tolist()
    observed = census_growth(region.table, start_year, start_year + 5)
    obs = observed - observed.mean()
    shift = np.zeros(len(codes))
    best: tuple[float, np.ndarray, np.ndarray, np.ndarray] | None = None  # rmse, shift, resid, in_rate
    step, used = damping, None  # used: the damping of the step that led to ``shift``
    trace = []
    for it in range(iterations + 1):
        beh = _with_shift(behaviour, codes, shift)
        cfgs = [run_config(beh, start_year=start_year, years=5, seed=s, scale=scale, region=region.name,
                            n_municipalities=region.n) for s in range(seeds)]
        sim = simulate(cfgs, region)
        g = sim.growth.mean(axis=0)
        resid = obs - (g - g.mean())
        rmse = float(np.sqrt(np.mean(resid**2)))
        kept = best is None or rmse < best[0]
        trace.append({"iteration": it, "rmse_growth_demeaned": rmse, "damping": used, "kept": kept})
        log(f"amenity shift iteration {it}: in-sample RMSE of demeaned growth {rmse:.4f}"
            + ("" if kept else f" (worse than {best[0]:.4f}: not kept)"))
        if kept:
            best = (rmse, shift, resid, np.maximum(sim.in_rate.mean(axis=0), 0.01))
        else:
            step /= 2.0
        if it == iterations:
            break
        _, base, base_resid, in_rate = best
        shift, used = np.clip(base + step * base_resid / (5.0 * in_rate), -3.0, 3.0), step
        shift -= shift.mean()
    return {c: round(float(v), 4) for c, v in zip(codes, best[1], strict=True)}, trace


def _with_shift(behaviour: dict, codes: list[str], shift: np.ndarray) -> dict:
    """``behaviour`` with the amenity shifts by code; the shifts are estimated on top of
    the zero-net start, so they come with it (``constants: equilibrium``)."""
    beh = json.loads(json.dumps(behaviour))
    mig = beh.setdefault("migration", {})
    mig["constants"] = "equilibrium"
    mig["amenity_shift"] = {c: float(v) for c, v in zip(codes, shift, strict=True)}
    return beh


def write_behaviour_yaml(path: Path, behaviour: dict, note: str, header: str) -> None:
    """A behaviour config-group file: ``# header`` lines, then ``note`` and the values."""
    from sim.io import atomic_write

    body = OmegaConf.to_yaml(OmegaConf.create({"note": note, **behaviour}))
    text = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines()) + body
    atomic_write(Path(path), lambda tmp: tmp.write_text(text))


def write_trends(args, behaviour: dict, region, command: str, today: str) -> dict:
    """Estimate amenity shifts for ``behaviour`` and write the ``--trends`` config file."""
    trend_seeds = args.seeds if args.trend_seeds is None else args.trend_seeds
    trend_scale = args.scale if args.trend_scale is None else args.trend_scale
    if trend_seeds < 1 or trend_scale <= 0:
        raise SystemExit("--trend-seeds must be >= 1 and --trend-scale > 0")
    a, b = args.trends_start, args.trends_start + 5
    shift, trace = estimate_amenity_shift(behaviour, seeds=trend_seeds, scale=trend_scale,
                                          iterations=args.trend_iterations, region=region,
                                          start_year=a)
    note = (f"amenity shifts estimated {today} on census {a}->{b} by `{command.strip()}` "
            f"({args.trend_iterations} iterations x {trend_seeds} seeds at scale {trend_scale:g}); "
            f"in-sample RMSE of demeaned growth {trace[0]['rmse_growth_demeaned']:.4f} -> "
            f"{min(t['rmse_growth_demeaned'] for t in trace):.4f} (the best iteration's shifts)")
    header = (f"Calibrated parameters plus municipality-specific amenity shifts estimated on\n"
              f"{a}->{b} only (sim/calibrate.py --trends), for runs starting in {b}. Carried\n"
              "forward they build in part of the persistence forecast; see docs/validation.md.")
    write_behaviour_yaml(args.trends, {**behaviour, "migration": {
        **behaviour.get("migration", {}), "amenity_shift": shift}}, note, header)
    return {"iterations": trace, "file": str(args.trends), "command": command.strip(),
            "period": f"{a}-{b}",
            "seeds": list(range(trend_seeds)), "scale": trend_scale}


def _shift_key(args) -> str:
    """The calibration record's entry for amenity shifts of ``--trends-start``."""
    return "amenity_shift" if args.trends_start == 2010 else f"amenity_shift_{args.trends_start}"


def trends_only(args, region, command: str, today: str) -> int:
    """``--trends-only``: amenity shifts for the behaviour already in ``--out``; the
    record's ``amenity_shift`` entry (``amenity_shift_2015`` for ``--trends-start 2015``)
    is replaced, the search it holds is kept."""
    from sim.io import write_json

    behaviour = OmegaConf.to_container(OmegaConf.load(args.out))
    behaviour.pop("note", None)
    behaviour.get("migration", {}).pop("amenity_shift", None)
    record = json.loads(Path(args.record).read_text())
    key = _shift_key(args)
    record[key] = write_trends(args, behaviour, region, command, today)
    write_json(_finite(record), args.record)
    print(f"wrote {args.trends}; {key} entry of {args.record} replaced")
    return 0


def parser() -> argparse.ArgumentParser:
    """The options of ``python -m sim.calibrate`` (the TPE search, the amenity trends and
    ``--abc``, which :func:`sim.tools.abc.main` runs)."""
    ap = argparse.ArgumentParser(prog="python -m sim.calibrate", description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=120, help="Optuna trials (default 120)")
    ap.add_argument("--seeds", type=int, default=2, help="runs per trial, seeds 0..K-1 (default 2)")
    ap.add_argument("--scale", type=float, default=25.0, help="households per agent (default 25)")
    ap.add_argument("--sampler-seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=CONFIG_DIR / "behaviour/calibrated.yaml")
    ap.add_argument("--record", type=Path, default=ROOT / "docs/calibration_record.json")
    ap.add_argument("--trends", type=Path, default=None,
                    help="also estimate amenity shifts and write them here "
                         "(e.g. configs/behaviour/calibrated_trends.yaml)")
    ap.add_argument("--trend-iterations", type=int, default=4)
    ap.add_argument("--trend-seeds", type=int, default=None,
                    help="runs per amenity-shift iteration (default: --seeds)")
    ap.add_argument("--trend-scale", type=float, default=None,
                    help="households per agent when estimating amenity shifts (default: --scale); "
                         "a finer scale fits less simulation noise into the shifts")
    ap.add_argument("--trends-start", type=int, default=2010, choices=(2010, 2015),
                    help="census period the amenity shifts reproduce: 2010 (2010->2015, for runs "
                         "from 2015; the default) or 2015 (2015->2020, for runs from 2020)")
    ap.add_argument("--trends-only", action="store_true",
                    help="skip the search: estimate amenity shifts (--trends) for the behaviour "
                         "in --out and update the record's amenity_shift entry")
    ap.add_argument("--refine", type=int, default=30,
                    help="stage-2 trials over the flow-share and vital-rate parameters (default 30)")
    ap.add_argument("--stage1-from", type=Path, default=None,
                    help="take stage 1 from this calibration record instead of rerunning it")
    ap.add_argument("--region", choices=("korea", "synthetic"), default="korea",
                    help="synthetic: a 12-municipality test world (for tests only)")
    ap.add_argument("--abc", type=int, default=0, metavar="N",
                    help="approximate Bayesian computation instead of the TPE search: N prior "
                         "draws (Latin hypercube), the best --abc-accept share kept as the "
                         "posterior sample (sim/tools/abc.py)")
    ap.add_argument("--abc-accept", type=float, default=0.1,
                    help="accepted share of the N prior draws (default 0.1)")
    ap.add_argument("--abc-refine", type=int, default=0, metavar="M",
                    help="a second round: M perturbations of the accepted sets; the accepted "
                         "sample is then the same number of best among all N + M (default 0)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers of --abc (default 2)")
    ap.add_argument("--posterior", type=Path, default=CONFIG_DIR / "behaviour/posterior.csv",
                    help="where --abc writes the accepted sets (trials beside it, resumable)")
    ap.add_argument("--abc-no-default", action="store_true",
                    help="keep --out as it is (do not make the best accepted set the default)")
    hm = ap.add_argument_group("history matching (--history; sim/tools/history.py)")
    hm.add_argument("--history", type=int, default=0, metavar="N",
                    help="Bayesian history matching with Gaussian-process emulators instead of the "
                         "TPE search: N simulated points per wave (each --seeds runs)")
    hm.add_argument("--history-first", type=int, default=None, metavar="N1",
                    help="points of wave 1, a Latin hypercube over the prior box (default: N)")
    hm.add_argument("--history-waves", type=int, default=4, help="waves (default 4)")
    hm.add_argument("--history-cut", type=float, default=3.0,
                    help="implausibility cut (default 3)")
    hm.add_argument("--history-kth", type=int, default=2,
                    help="which largest implausibility must pass the cut: 1 the maximum, 2 the "
                         "second largest (default 2)")
    hm.add_argument("--history-candidates", type=int, default=100_000,
                    help="candidates drawn per wave for the rejection design (default 100000)")
    hm.add_argument("--history-dir", type=Path, default=ROOT / "outputs/history",
                    help="working directory: trials.csv (every run) and the wave designs; "
                         "rerunning the same command resumes from it")
    hm.add_argument("--history-base", choices=("in_sample", "base_period"), default="in_sample",
                    help="the runs' destination constants: in_sample (default: the 2010 start "
                         "fitted on 2011-2015, matched on each year's province-group nets) or "
                         "base_period (round 6: 2006-2010's flows held, five-year means)")
    hm.add_argument("--history-with", nargs="+", default=[], metavar="GROUP.KEY=VALUE",
                    help="behaviour settings every run holds besides the searched ones, e.g. "
                         "migration.start_history_years=5 (a start with a migration history); "
                         "kept in the working directory's setup and the summary")
    hm.add_argument("--history-no-default", action="store_true",
                    help="keep --out as it is (do not make the closest accepted set the default)")
    hm.add_argument("--default-from", type=Path, default=None, metavar="SETS.csv",
                    help="only write --out: the set of this accepted-sets table (e.g. "
                         "configs/behaviour/posterior_screened.csv) closest to the targets")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    args = ap.parse_args(argv)
    if args.abc:
        ap.error("--abc runs through python -m sim.calibrate (sim.tools.abc.main)")
    if args.history:
        ap.error("--history runs through python -m sim.calibrate (sim.tools.history.main)")
    if args.trials < 1 or args.seeds < 1:
        ap.error("--trials and --seeds must be >= 1")

    from sim.config import region_config
    from sim.data import load_region

    region = load_region(region_config(args.region), n_municipalities=12)
    command = "python -m sim.calibrate " + " ".join(argv if argv is not None else sys.argv[1:])
    today = dt.date.today().isoformat()
    if args.trends_only:
        if args.trends is None:
            ap.error("--trends-only needs --trends PATH")
        return trends_only(args, region, command, today)
    t0 = time.perf_counter()
    evaluate = make_evaluator(seeds=args.seeds, scale=args.scale, region=region)
    if args.stage1_from is not None:
        # Continue from a finished stage 1 (the "global" trials of an earlier record):
        # the same result as rerunning it, since the seeded TPE search is deterministic.
        old = json.loads(Path(args.stage1_from).read_text())
        history = [h for h in old["history"] if h.get("stage", "global") == "global"]
        if any(set(h["params"]) != {p.path for p in SPACE} for h in history):
            ap.error(f"--stage1-from {args.stage1_from}: its trials were searched over another "
                     "space (e.g. unordered move rates); rerun stage 1")
        for h in history:
            h.setdefault("stage", "global")
        best_h = min(history, key=lambda h: h["objective"]["total"])
        best, best_obj = best_h["params"], best_h["objective"]
        log_msg = f"stage 1 from {args.stage1_from}: {len(history)} trials, best {best_obj['total']:.4f}"
        print(log_msg)
    else:
        best, best_obj, history = search(evaluate, args.trials, args.sampler_seed)
    stage1 = {"params": best, "objective": best_obj}
    refine = refine_space(best)
    if args.refine > 0:
        best, best_obj, history = search(evaluate, args.refine, args.sampler_seed + 1, space=refine,
                                         start=best, history=history)
    behaviour = behaviour_overrides(best)
    space = {p.path: [p.low, p.high] + (["log"] if p.log else []) for p in SPACE}
    note = (f"calibrated {today} on census 2010->2015 by `{command.strip()}` "
            f"(Optuna TPE, {args.trials} + {args.refine} refinement trials x {args.seeds} seeds, "
            f"scale {args.scale:g}); "
            f"objective {best_obj['total']:.4f}; search space and trials in "
            "docs/calibration_record.json")
    header = ("Calibrated behavioural parameters (written by sim/calibrate.py; do not edit by hand).\n"
              "Objective: 2010->2015 municipal growth, movers, province/municipality-crossing\n"
              "shares, capital-region share change, births and deaths (see docs/validation.md).\n"
              "Unlisted parameters keep the schema defaults of sim/config.py.")
    write_behaviour_yaml(args.out, behaviour, note, header)
    record: dict[str, Any] = {
        "date": today,
        "command": command.strip(),
        "period": "2010-2015",
        "targets": TARGETS,
        "objective_parts": " ".join(objective.__doc__.split()),
        "search_space": space,
        "move_rate_prior": ("move_rate = [m, m * r_mid, m * r_mid * r_old] for heads aged 20-39, "
                            "40-64, 65+ (m = migration.move_rate_20_39, r_mid / r_old = "
                            "migration.move_rate_ratio_mid / _old): the age order is built in. "
                            "Ratio bounds from FACTS.md, Statistics Korea 2024 mover rates by "
                            "age (20s 23.9 %, 30s 21.0 %, 60s 7.1 %, 70s 5.0 %)"),
        "move_rate": behaviour["migration"]["move_rate"],
        "refine_space": {p.path: [p.low, p.high] + (["log"] if p.log else []) for p in refine},
        "trials": args.trials,
        "refine_trials": args.refine,
        "stage1_best": stage1,
        "seeds": list(range(args.seeds)),
        "scale": args.scale,
        "sampler": f"optuna TPESampler(seed={args.sampler_seed})",
        "best": {"params": best, "objective": best_obj},
        "defaults_objective": history[0]["objective"],
        "history": history,
    }
    if args.trends is not None:
        record[_shift_key(args)] = write_trends(args, behaviour, region, command, today)
    record["seconds"] = round(time.perf_counter() - t0, 1)
    from sim.io import write_json

    write_json(_finite(record), args.record)
    print(f"best objective {best_obj['total']:.4f} (defaults {history[0]['objective']['total']:.4f}); "
          f"wrote {args.out} and {args.record}")
    return 0


def _finite(obj: Any) -> Any:
    """JSON-safe copy: NaN/inf become None."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


if __name__ == "__main__":
    sys.exit(main())
