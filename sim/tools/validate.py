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

Households: the same metrics on census households (where the census has them at both
ends) against zero change, persistence and damped persistence of household growth.

``validate.draws=N``: N behaviour sets drawn from the shipped sample
(``configs/behaviour/posterior.csv``, or ``validate.posterior``), each run with the first
two seeds; ``posterior_draws`` holds the median and 5-95 % over the sets of each metric
and the metrics of the sets' mean forecast, ``draws.csv`` one row per set.

Province flows: when the simulated years have KOSIS's flows (a 2010 start: 2011-2015),
each province's net migration from the others per year (Sejong with Chungnam, 16 units)
against KOSIS, next to the naive rival that the previous five years' mean repeats
(``province_net``, ``naive_province_net``, ``province_net_by_year``).

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


def _growth(table: pd.DataFrame, prefix: str, a: int, b: int) -> np.ndarray:
    return np.log(table[f"{prefix}_{b}"].to_numpy(float) / table[f"{prefix}_{a}"].to_numpy(float))


def naive_forecasts(table: pd.DataFrame, y0: int, y1: int, prefix: str = "pop",
                    corrected: bool = False) -> dict[str, np.ndarray]:
    """``zero_change``, ``persistence`` (the previous period's growth) and, where the
    census reaches two periods back, ``damped_persistence`` for y0->y1: the previous
    period's mean growth plus k times each place's growth relative to it, with k the
    slope of relative growth on the relative growth of the period before (fitted on the
    past only: for 2020->2025, 2015->2020 on 2010->2015). ``prefix`` names the census
    columns (``pop`` or ``households``). With ``corrected`` (a region with Korea's
    province codes) and a previous period that spans the change of census method
    (2010->2015), ``persistence_corrected`` repeats that growth corrected province by
    province to the registered population's (:func:`sim.data.base_period.method_correction`;
    population only: no registered households are shipped)."""
    from sim.data.base_period import METHOD_CHANGE, method_correction

    a = 2 * y0 - y1
    prev = _growth(table, prefix, a, y0)
    out = {"zero_change": np.zeros(len(table)), "persistence": prev}
    if corrected and prefix == "pop" and (a, y0) == METHOD_CHANGE:
        out["persistence_corrected"] = prev + method_correction(table, a, y0)
    b = 2 * a - y0
    if f"{prefix}_{b}" in table:
        before = _growth(table, prefix, b, a)
        x, y = before - before.mean(), prev - prev.mean()
        k = float((x * y).sum() / max((x * x).sum(), 1e-12))
        out["damped_persistence"] = prev.mean() + k * (prev - prev.mean())
    return out


# ------------------------------------------------------------------ province flows
def province_units() -> dict[int, tuple[int, ...]]:
    """The units of the province check: each province by its code, Sejong counted with
    Chungcheongnam-do (it was part of it until July 2012, and KOSIS has no Sejong rows
    before), so no unit's net migration changes because a province was founded."""
    from sim.data import flows as kosis

    units = {c: (c,) for c in kosis.PROVINCES if c != 29}
    units[34] = (29, 34)
    return units


def _unit_net(frame: pd.DataFrame, members: tuple[int, ...]) -> pd.Series:
    """Net migration of a group of provinces by year from a flows frame (origin_code,
    destination_code, year, movers)."""
    o = frame["origin_code"].isin(members)
    d = frame["destination_code"].isin(members)
    inflow = frame[d & ~o].groupby("year")["movers"].sum()
    outflow = frame[o & ~d].groupby("year")["movers"].sum()
    return inflow.sub(outflow, fill_value=0.0)


def model_province_net(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Net migration from other provinces, thousand a year, year x unit code
    (:func:`province_units`), the mean over the runs' flows frames."""
    nets = []
    for frame in frames:
        nets.append(pd.DataFrame({c: _unit_net(frame, m) for c, m in province_units().items()}))
    return sum(nets) / len(nets) / 1e3


def kosis_province_net(years: list[int]) -> pd.DataFrame:
    """KOSIS's net migration from other provinces, thousand a year, year x unit code."""
    from sim.data import flows as kosis

    shipped = kosis.load_province_flows()
    return pd.DataFrame({c: kosis.group_net_migration(m, shipped).reindex(years)
                         for c, m in province_units().items()}) / 1e3


def province_metrics(pred: pd.DataFrame, obs: pd.DataFrame) -> dict[str, float | int]:
    """Province nets (year x unit, thousand a year) against KOSIS's: RMSE and MAE over
    unit-years, and on the five-year totals the Spearman correlation across units, how
    many units have the observed sign and how many are within a third of KOSIS (the
    issue's bar)."""
    from scipy.stats import spearmanr

    pred, obs = pred.reindex_like(obs), obs
    err = (pred - obs).to_numpy(float)
    tp, to = pred.sum(), obs.sum()
    same = np.sign(tp) == np.sign(to)
    within = same & ((tp - to).abs() <= to.abs() / 3)
    return {"rmse": float(np.sqrt(np.mean(err**2))), "mae": float(np.mean(np.abs(err))),
            "spearman_totals": float(spearmanr(tp, to).statistic), "sign_right": int(same.sum()),
            "within_a_third": int(within.sum()), "units": int(len(to))}


# ---------------------------------------------------------------- posterior draws
def posterior_rows(path: Path, n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` behaviour sets drawn without replacement (seeded) from the sample at ``path``
    (all of them when it has fewer)."""
    if not Path(path).exists():
        raise ConfigError(f"validate.posterior: {path}: no such file (python -m sim.calibrate "
                          "--history writes it)")
    table = pd.read_csv(path)
    if len(table) == 0:
        raise ConfigError(f"validate.posterior: {path}: the sample is empty")
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(table), size=min(n, len(table)), replace=False)
    return table.iloc[np.sort(pick)].reset_index(drop=True)


def draw_config(cfg: SimConfig, row: pd.Series) -> SimConfig:
    """``cfg`` with the behaviour of one sample row on the schema defaults (the sample's
    sets were fitted on them, :func:`sim.tools.history.simulate_run`). What the start's
    constants reproduce (``migration.constants``) is the run's choice, not a fitted
    behaviour: ``cfg``'s is kept."""
    from sim.tools.abc import behaviour_of

    behaviour = dataclasses.asdict(BehaviourConfig())
    behaviour["migration"]["constants"] = cfg.behaviour.migration.constants
    for group, values in behaviour_of(row).items():
        behaviour[group].update(values)
    behaviour["note"] = f"sample row {int(row.get('rank', -1))}"
    return derive(cfg, {"behaviour": behaviour})


def _spread(values: list[float | None]) -> dict[str, float | None]:
    v = np.array([x for x in values if x is not None], float)
    if len(v) == 0:
        return {"median": None, "p05": None, "p95": None}
    return {"median": float(np.median(v)), "p05": float(np.quantile(v, 0.05)),
            "p95": float(np.quantile(v, 0.95))}


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
                   region=None, draws: int = 0, posterior: Path | str | None = None) -> dict[str, Any]:
    """Run the validation and write its JSON, table and figures into ``out_dir``; with
    ``draws`` > 0, also that many behaviour sets of the sample ``posterior`` (default
    configs/behaviour/posterior.csv), each with the first two ``seeds``."""
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
    has_households = f"households_{y0}" in table and f"households_{y1}" in table
    if has_households:
        h0, h1 = (table[f"households_{y}"].to_numpy(float) for y in (y0, y1))
    from sim.data import flows as kosis

    flow_years = list(range(y0 + 1, y1 + 1))
    check_flows = typed.region.real_codes and y1 <= kosis.LAST_YEAR
    kosis_net = kosis_province_net(flow_years) if check_flows else None

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
        if has_households:
            result[key]["households"] = growth_metrics(
                sim.household_growth.mean(axis=0), np.log(h1 / h0), h0, h1)
            predictions[f"{key}_households"] = sim.household_growth.mean(axis=0)
        if check_flows:
            net = model_province_net(sim.flows)
            result[key]["province_net"] = province_metrics(net, kosis_net)
            result.setdefault("province_net_by_year", {})[key] = _net_table(net)
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
    back = 2 * y0 - y1 >= 2010  # the census has the period before
    if has_households:
        naive_h = (naive_forecasts(table, y0, y1, "households") if back
                   else {"zero_change": np.zeros(len(h0))})
        result["naive_households"] = {name: growth_metrics(pred, np.log(h1 / h0), h0, h1)
                                      for name, pred in naive_h.items()}
    result["naive"] = {}
    for name, pred in naive_forecasts(table, y0, y1, corrected=typed.region.real_codes).items() if back else []:
        result["naive"][name] = growth_metrics(pred, obs, p_start, p_end)
        predictions[name] = pred
    if check_flows:
        before = kosis_province_net(list(range(y0 - 4, y0 + 1)))
        persistence = pd.DataFrame({c: [before[c].mean()] * len(flow_years) for c in before},
                                   index=flow_years)
        result["naive_province_net"] = {"persistence": province_metrics(persistence, kosis_net)}
        result.setdefault("province_net_by_year", {})["kosis"] = _net_table(kosis_net)
        result["province_net_by_year"]["persistence"] = _net_table(persistence)
    if draws > 0:
        result["posterior_draws"] = _validate_draws(
            typed, seeds[:2], draws, posterior, region, obs, (p_start, p_end),
            (h0, h1) if has_households else None, kosis_net, out_dir)
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
        "draws": draws, "posterior": str(posterior) if draws else None,
    }
    io.write_json(result, out_dir / "validation.json")
    io.write_parquet(predictions, out_dir / "predictions.parquet")
    io.atomic_write(out_dir / "summary.md", lambda tmp: tmp.write_text(summary_markdown(result)))
    _figures(predictions, result, region, out_dir / "plots")
    return result


def _net_table(net: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Province nets as JSON: unit code -> year -> thousand a year."""
    return {str(c): {str(int(y)): round(float(v), 2) for y, v in net[c].items()} for c in net}


def _validate_draws(typed: SimConfig, seeds: list[int], n: int, posterior, region,
                    obs: np.ndarray, pops: tuple, households: tuple | None,
                    kosis_net: pd.DataFrame | None, out_dir: Path) -> dict[str, Any]:
    """The sample's spread: each of ``n`` drawn sets run with ``seeds``; per set the
    metrics of population (and households, province nets), their median and 5-95 %
    over the sets, and the metrics of the sets' mean forecast. Writes ``draws.csv``."""
    from sim import io
    from sim.tools.abc import POSTERIOR

    path = Path(posterior) if posterior else POSTERIOR
    rows = posterior_rows(path, n)
    y0, years = typed.run.start_year, typed.run.years
    per_draw, growths, hh_growths = [], [], []
    for _, row in rows.iterrows():
        sim = run_seeds(draw_config(typed, row), seeds, y0, years, region)
        g = sim.growth.mean(axis=0)
        growths.append(g)
        m = growth_metrics(g, obs, *pops)
        rec = {"rank": int(row.get("rank", -1)), "rmse": m["rmse"], "spearman": m["spearman"],
               "bias": m["bias"]}
        if households is not None:
            hg = sim.household_growth.mean(axis=0)
            hh_growths.append(hg)
            mh = growth_metrics(hg, np.log(households[1] / households[0]), *households)
            rec |= {"households_rmse": mh["rmse"], "households_spearman": mh["spearman"]}
        if kosis_net is not None:
            mp = province_metrics(model_province_net(sim.flows), kosis_net)
            rec |= {f"province_{k}": v for k, v in mp.items() if k != "units"}
        per_draw.append(rec)
    frame = pd.DataFrame(per_draw)
    io.write_parquet(frame, Path(out_dir) / "draws.parquet")
    frame.to_csv(Path(out_dir) / "draws.csv", index=False)
    out: dict[str, Any] = {"n": len(rows), "seeds": list(seeds), "posterior": str(path),
                           "spread": {c: _spread(frame[c].tolist()) for c in frame if c != "rank"}}
    out["mean_forecast"] = growth_metrics(np.mean(growths, axis=0), obs, *pops)
    if hh_growths:
        out["mean_forecast_households"] = growth_metrics(
            np.mean(hh_growths, axis=0), np.log(households[1] / households[0]), *households)
    return out


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
    draws = result.get("posterior_draws")
    if draws:
        sp = draws["spread"]

        def rng(key: str) -> str:
            v = sp.get(key)
            return "—" if not v or v["median"] is None else (
                f"{v['median']:.3f} ({v['p05']:.3f}–{v['p95']:.3f})")

        lines += ["", f"Over {draws['n']} behaviour sets of the sample (seeds {draws['seeds']}; "
                  "median, 5–95 %):", "", "| | RMSE | Spearman |", "|---|---|---|",
                  f"| population | {rng('rmse')} | {rng('spearman')} |"]
        if "households_rmse" in sp:
            lines.append(f"| households | {rng('households_rmse')} | {rng('households_spearman')} |")
        mf = draws["mean_forecast"]
        lines.append(f"| population, the sets' mean forecast | {fmt(mf['rmse'])} | {fmt(mf['spearman'])} |")
        if "province_rmse" in sp:
            lines.append(f"| province nets (thousand a year; Spearman of the totals) | "
                         f"{rng('province_rmse')} | {rng('province_spearman_totals')} |")
    prov = [(k, result[k]["province_net"]) for k in ("model", "model_amenity_trends")
            if k in result and "province_net" in result[k]]
    if prov:
        lines += ["", "Net migration from other provinces per year against KOSIS (16 units, Sejong "
                  "with Chungnam; thousand a year):", "",
                  "| forecast | RMSE | MAE | Spearman of the totals | sign right | within a third |",
                  "|---|---|---|---|---|---|"]
        prov += [(f"naive: {k}", v) for k, v in result.get("naive_province_net", {}).items()]
        lines += [f"| {name} | {m['rmse']:.1f} | {m['mae']:.1f} | {m['spearman_totals']:.2f} | "
                  f"{m['sign_right']}/{m['units']} | {m['within_a_third']}/{m['units']} |"
                  for name, m in prov]
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
        result = run_validation(typed, list(opts.seeds), opts.trends, out_dir, draws=opts.draws,
                                posterior=opts.posterior or None)
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
