"""``python -m sim.validate``: out-of-sample check of the calibrated baseline, 2015->2020.

``run.start_year=2020`` checks 2020->2025 instead (the census 2025 population,
``pop_2025``, is held out of everything else), with ``validate.trends`` naming shifts
estimated on 2015->2020 (``calibrated_trends_2020``).

The calibrated ``no_investment`` baseline is run from the 2015 census for 5 years with
several seeds (``validate.seeds``), and each municipality's predicted log population
growth 2015->2020 (the mean over seeds) is compared with the census, next to two naive
forecasts: ``zero_change`` (no growth anywhere) and ``persistence`` (2010->2015 growth
repeats). Calibration never saw 2015->2020 (sim/calibrate.py fits on 2010->2015 only).

Metrics on log growth g (per municipality): ``rmse``, ``mae``, ``spearman`` (rank
correlation; undefined, reported as null, for a constant forecast); ``ard``, Flee's
averaged relative difference, on population counts at 2020: the mean over municipalities
of |P2015 * exp(g_pred) - P2020| / P2020.

With ``validate.trends`` set (default ``calibrated_trends``), the same is done for that
behaviour option (calibrated parameters plus amenity shifts estimated on 2010->2015),
reported as ``model_amenity_trends``.

Outputs in the Hydra run directory (``hydra.run.dir=...``), written atomically:
``validation.json``, ``summary.md`` (the metrics table and the bar's verdict),
``predictions.parquet`` (per municipality), ``plots/scatter.png``
(predicted vs observed growth), ``plots/error_map.png`` (model minus census) and
``plots/capital_share.png`` (capital-region share path against the census).
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path
from typing import Any

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.config import (
    CONFIG_DIR,
    BehaviourConfig,
    ConfigError,
    SimConfig,
    check_command_line,
    derive,
    make_config,
    register_configs,
    to_typed,
)
from sim.constants import CENSUS_YEARS, POPULATION_YEARS

log = logging.getLogger("sim.validate")
BEHAVIOUR_DIR = CONFIG_DIR / "behaviour"


# ---------------------------------------------------------------------------- metrics
def growth_metrics(pred: np.ndarray, obs: np.ndarray, pop_start: np.ndarray,
                   pop_end: np.ndarray) -> dict[str, float | None]:
    """Compare predicted and observed log growth, shapes (M,); counts for ARD."""
    from scipy.stats import spearmanr

    pred, obs = np.asarray(pred, float), np.asarray(obs, float)
    err = pred - obs
    spearman = None if np.ptp(pred) == 0 else float(spearmanr(pred, obs).statistic)
    ard = np.mean(np.abs(pop_start * np.exp(pred) - pop_end) / pop_end)
    return {
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "spearman": spearman,
        "ard": float(ard),
        "bias": float(np.mean(err)),
    }


def naive_forecasts(table: pd.DataFrame, y0: int, y1: int) -> dict[str, np.ndarray]:
    """``zero_change``, ``persistence`` (the previous period's growth) and, where the
    census reaches two periods back, ``damped_persistence`` for y0->y1: the previous
    period's mean growth plus k times each place's growth relative to it, with k the
    slope of relative growth on the relative growth of the period before (fitted on the
    past only: for 2020->2025, 2015->2020 on 2010->2015)."""
    from sim.tools.calibrate import census_growth

    a = 2 * y0 - y1
    prev = census_growth(table, a, y0)
    out = {"zero_change": np.zeros(len(table)), "persistence": prev}
    b = 2 * a - y0
    if f"pop_{b}" in table:
        before = census_growth(table, b, a)
        x, y = before - before.mean(), prev - prev.mean()
        k = float((x * y).sum() / max((x * x).sum(), 1e-12))
        out["damped_persistence"] = prev.mean() + k * (prev - prev.mean())
    return out


# ------------------------------------------------------------------------------- runs
def run_seeds(cfg: SimConfig, seeds: list[int], start_year: int, years: int, region):
    """Simulate ``cfg`` from ``start_year`` once per seed (common random numbers)."""
    from sim.tools.calibrate import simulate

    cfgs = [derive(cfg, {"run": {"seed": int(s), "start_year": start_year, "years": years,
                                 "progress": False, "plots": False}})
            for s in seeds]
    return simulate(cfgs, region)


def load_behaviour(option: str) -> BehaviourConfig:
    """The behaviour config-group option ``option`` (a file in configs/behaviour/)."""
    path = BEHAVIOUR_DIR / f"{option}.yaml"
    if not path.exists():
        raise ConfigError(f"validate.trends={option!r}: no file {path}")
    return make_config([f"behaviour={option}"]).behaviour


def run_validation(typed: SimConfig, seeds: list[int], trends: str, out_dir: Path,
                   region=None) -> dict[str, Any]:
    """Run the validation and write its JSON, table and figures into ``out_dir``."""
    from sim import io
    from sim.data import load_region
    from sim.tools.calibrate import capital_share, census_growth

    out_dir = Path(out_dir)
    region = region or load_region(typed.region)
    table = region.table
    y0 = typed.run.start_year
    y1 = y0 + typed.run.years
    census_years = [y for y in POPULATION_YEARS if f"pop_{y}" in table]
    if y0 not in CENSUS_YEARS or y1 not in census_years or y1 <= y0:
        raise ConfigError(f"run.start_year={y0}, run.years={typed.run.years}: validation needs "
                          f"census years at both ends (start 2010, 2015 or 2020; the region has "
                          f"populations for {census_years})")
    obs = census_growth(table, y0, y1)
    p_start = table[f"pop_{y0}"].to_numpy(float)
    p_end = table[f"pop_{y1}"].to_numpy(float)

    variants = {"model": typed}
    if trends:
        behaviour = load_behaviour(trends)
        period = f"{y0 - 5}->{y0}"
        if period not in behaviour.note:
            raise ConfigError(f"validate.trends={trends!r}: its amenity shifts were not estimated on "
                              f"{period}, the five years before run.start_year={y0} (note: "
                              f"{behaviour.note[:120]}...); use the matching option, e.g. "
                              "calibrated_trends_2020 for a 2020 start")
        variants["model_amenity_trends"] = derive(typed, {"behaviour": dataclasses.asdict(behaviour)})
    result: dict[str, Any] = {"period": f"{y0}-{y1}"}
    predictions = pd.DataFrame({"code": table["code"], "name": table["name"], "observed": obs})
    paths: dict[str, Any] = {}
    for key, cfg in variants.items():
        sim = run_seeds(cfg, seeds, y0, typed.run.years, region)
        pred = sim.growth.mean(axis=0)
        result[key] = growth_metrics(pred, obs, p_start, p_end)
        result[key]["seed_sd_of_growth"] = float(sim.growth.std(axis=0).mean())
        predictions[key] = pred
        if f"households_{y0}" in table and f"households_{y1}" in table:  # 2015->2020 only
            h0, h1 = (table[f"households_{y}"].to_numpy(float) for y in (y0, y1))
            result[key]["households"] = growth_metrics(
                sim.household_growth.mean(axis=0), np.log(h1 / h0), h0, h1)
            predictions[f"{key}_households"] = sim.household_growth.mean(axis=0)
        # The previous period (in sample for a 2015 start: the calibration period) and
        # the capital-region path.
        a = 2 * y0 - y1
        past = run_seeds(cfg, seeds, a, typed.run.years, region) if a >= 2010 else None
        if past is not None:
            g_past = past.growth.mean(axis=0)
            label = "in_sample_2010_2015" if (a, y0) == (2010, 2015) else f"previous_period_{a}_{y0}"
            result[key][label] = growth_metrics(
                g_past, census_growth(table, a, y0), table[f"pop_{a}"].to_numpy(float),
                table[f"pop_{y0}"].to_numpy(float))
        paths[key] = _capital_path([past, sim] if past is not None else [sim])
    if f"households_{y0}" in table and f"households_{y1}" in table:
        h0, h1 = (table[f"households_{y}"].to_numpy(float) for y in (y0, y1))
        result["naive_households"] = {"zero_change": growth_metrics(np.zeros(len(h0)), np.log(h1 / h0), h0, h1)}
    result["naive"] = {}
    for name, pred in naive_forecasts(table, y0, y1).items() if 2 * y0 - y1 >= 2010 else []:
        result["naive"][name] = growth_metrics(pred, obs, p_start, p_end)
        predictions[name] = pred
    m, z = result["model"], result["naive"].get("zero_change")
    p = result["naive"].get("persistence")
    result["bar"] = {
        "rmse_below_zero_change": bool(z and m["rmse"] < z["rmse"]),
        "spearman_above_persistence": bool(p and m["spearman"] is not None and p["spearman"] is not None
                                           and m["spearman"] > p["spearman"]),
    }
    result["capital_region_share"] = {
        "census": {str(y): capital_share(table, y) for y in census_years if y <= y1},
        **{k: v for k, v in paths.items()},
    }
    result["setup"] = {
        "region": typed.region.name, "scale": typed.run.scale, "seeds": list(seeds),
        "behaviour_note": typed.behaviour.note, "trends": trends or None,
        "git_revision": io.git_revision(),
    }
    io.write_json(result, out_dir / "validation.json")
    io.write_parquet(predictions, out_dir / "predictions.parquet")
    io.atomic_write(out_dir / "summary.md", lambda tmp: tmp.write_text(summary_markdown(result)))
    _figures(predictions, result, region, out_dir / "plots")
    return result


def summary_markdown(result: dict[str, Any]) -> str:
    """The metrics table and the bar's verdict, for a report (``summary.md``)."""
    rows = [(k, result[k]) for k in ("model", "model_amenity_trends") if k in result]
    rows += [(f"naive: {k}", v) for k, v in result.get("naive", {}).items()]

    def fmt(x: float | None) -> str:
        return "—" if x is None else f"{x:.3f}"

    lines = [f"# Validation {result['period']}", "",
             "Log population growth per municipality against the census "
             f"({result['setup']['region']}, scale {result['setup']['scale']:g}, "
             f"seeds {result['setup']['seeds']}).", "",
             "| forecast | RMSE | MAE | Spearman | ARD | mean error |", "|---|---|---|---|---|---|"]
    lines += [f"| {name} | {fmt(m['rmse'])} | {fmt(m['mae'])} | {fmt(m['spearman'])} | "
              f"{fmt(m['ard'])} | {fmt(m['bias'])} |" for name, m in rows]
    households = [(k, result[k]["households"]) for k in ("model", "model_amenity_trends")
                  if k in result and "households" in result[k]]
    if households:
        lines += ["", "Log household growth per municipality (census households):", "",
                  "| forecast | RMSE | Spearman | mean error |", "|---|---|---|---|"]
        lines += [f"| {name} | {fmt(m['rmse'])} | {fmt(m['spearman'])} | {fmt(m['bias'])} |"
                  for name, m in households]
        lines += [f"| naive: {name} | {fmt(m['rmse'])} | {fmt(m['spearman'])} | {fmt(m['bias'])} |"
                  for name, m in result.get("naive_households", {}).items()]
    bar = result["bar"]
    verdict = {True: "yes", False: "no"}
    lines += ["", "The bar (model = default behaviour):", "",
              f"- RMSE below zero change's: {verdict[bar['rmse_below_zero_change']]}",
              f"- Spearman above persistence's: {verdict[bar['spearman_above_persistence']]}", "",
              f"Behaviour: {result['setup']['behaviour_note']}", ""]
    return "\n".join(lines)


def _capital_path(sims) -> dict[str, float]:
    """Mean over seeds of the capital-region share by year, joined across runs."""
    path: dict[str, float] = {}
    for sim in sims:
        frames = pd.concat(sim.national).groupby("year")["capital_region_share"].mean()
        path.update({str(int(y)): float(v) for y, v in frames.items()})
    return path


def _figures(pred: pd.DataFrame, result: dict, region, plots: Path) -> None:
    from sim.plots import choropleth, save, subplots

    period = result["period"]
    fig, ax = subplots(figsize=(6.5, 6))
    obs = pred["observed"] * 100
    lim = [min(obs.min(), (pred["model"] * 100).min()) - 1, max(obs.max(), (pred["model"] * 100).max()) + 1]
    ax.plot(lim, lim, color="grey", lw=1, ls="--", label="perfect forecast")
    if "persistence" in pred:
        ax.scatter(obs, pred["persistence"] * 100, s=10, color="#bbbbbb", label="persistence (naive)")
    if "model_amenity_trends" in pred:
        ax.scatter(obs, pred["model_amenity_trends"] * 100, s=10, color="#e08214",
                   label="model + amenity trends")
    ax.scatter(obs, pred["model"] * 100, s=12, color="#1f5f8b", label="model")
    m = result["model"]
    ax.set_title(f"Log population growth {period}, x100\nmodel RMSE {m['rmse']:.3f}, "
                 f"Spearman {m['spearman'] if m['spearman'] is None else round(m['spearman'], 2)}")
    ax.set_xlabel("census")
    ax.set_ylabel("predicted")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, plots / "scatter")

    boundaries = region.boundaries()
    err = (pred.set_index("code")["model"] - pred.set_index("code")["observed"]) * 100
    fig, ax = subplots(figsize=(8, 9))
    choropleth(ax, boundaries, err.reindex(boundaries["code"]).to_numpy(),
               label="model minus census, log growth x100")
    ax.set_title(f"Forecast error by municipality, {period}")
    save(fig, plots / "error_map")

    cap = result["capital_region_share"]
    fig, ax = subplots(figsize=(7, 4.5))
    census = cap["census"]
    ax.plot([int(y) for y in census], [v * 100 for v in census.values()], "ko-", label="census")
    for key, color in (("model", "#1f5f8b"), ("model_amenity_trends", "#e08214")):
        if key in cap:
            ax.plot([int(y) for y in cap[key]], [v * 100 for v in cap[key].values()], color=color,
                    marker=".", label=key.replace("_", " "))
    start = int(result["period"][:4])
    ax.axvline(start, color="grey", lw=0.8, ls=":")
    ax.set_title(f"Capital-region population share (forecast from {start}, dotted line)")
    ax.set_ylabel("% of population")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, plots / "capital_share")


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="validate")
def _app(cfg: DictConfig) -> None:
    try:
        typed = to_typed(cfg)
        opts = typed.validate
        if not opts.seeds:
            raise ConfigError("validate.seeds: give at least one seed")
        out_dir = Path(HydraConfig.get().runtime.output_dir)
        result = run_validation(typed, list(opts.seeds), opts.trends, out_dir)
    except ConfigError as err:
        log.error("%s", err)
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    m, naive = result["model"], result.get("naive", {})
    log.info("period %s: model RMSE %.4f, Spearman %s; zero-change RMSE %s; persistence Spearman %s",
             result["period"], m["rmse"], m["spearman"],
             naive.get("zero_change", {}).get("rmse"), naive.get("persistence", {}).get("spearman"))
    log.info("wrote %s", out_dir / "validation.json")


def main() -> None:
    """``python -m sim.validate [overrides]``: register the schemas, refuse keys that are
    no setting, then run the app."""
    register_configs()
    try:
        check_command_line(sys.argv[1:], "validate")
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    _app()


if __name__ == "__main__":
    main()
