"""``python -m sim.compare SWEEP_DIR``: gather a sweep's runs, compare scenarios, draw figures.

Reads every *complete* run directory under ``SWEEP_DIR`` (its ``run.json`` config and
its parquet tables, one run at a time, so memory does not grow with the number of runs)
and writes into ``SWEEP_DIR``:

- ``comparison.parquet``: tidy, one row per run x year x national metric, with columns
  ``run``, ``scenario``, ``seed``, one column per swept parameter, ``year``, ``metric``,
  ``value``;
- ``municipal_final.parquet``: per run and municipality, the final-year population and
  QoL and the investment received over the run (for the maps);
- ``effects.csv``: final-year effect of each scenario (and swept setting) against the
  baseline (``no_investment``), from *paired seeds*: runs with equal seeds share random
  numbers, so the per-seed differences cancel most of the noise (common random numbers).
  Mean difference, its standard deviation, and a t-based 95 % confidence interval; the
  paired and unpaired standard errors, their variance ratio and the minimum detectable
  effect (95 %, 80 % power) beside it;
- ``province_effects.csv``: the same paired effects on each province (population, net
  migration from the other provinces, QoL, welfare and its parts, the housing transfer),
  from each run's ``provinces.parquet``;
- ``figures/``: PNG and SVG figures (see :mod:`sim.tools.compare_plots`), and ``summary.md``
  listing the figures and the table of effects.

Swept parameters are the config keys whose values differ across the runs (seed and the
scenario's own settings aside); a key that is a function of another swept key (e.g. the
sub-settings of an ``instrument`` option) is folded into it.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import io
from sim.catalogue import HEADLINE, NATIONAL, WELFARE_PART_METRICS
from sim.i18n import LANGS, headline, t
from sim.tools import twins

log = logging.getLogger("sim.compare")

BASELINE = "no_investment"
#: Config keys never treated as swept parameters (they do not change the simulation
#: or are reported in their own columns).
IGNORED_KEYS = ("run.seed", "run.progress", "run.plots", "behaviour.note", "run.gis",
                "report.lang")


class CompareError(ValueError):
    """The sweep directory cannot be compared; the message says why."""


@dataclass
class Run:
    """One complete run directory and its flattened config (``{"run.seed": 0, ...}``)."""

    path: Path
    config: dict[str, Any]

    @property
    def scenario(self) -> str:
        return str(self.config.get("scenario.name", "?"))

    @property
    def seed(self) -> int:
        return int(self.config.get("run.seed", 0))


# ---------------------------------------------------------------------------- loading


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> ``{"a.b.c": value}``; lists become JSON strings (hashable)."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            out[name] = json.dumps(value)
        else:
            out[name] = value
    return out


def find_runs(sweep_dir: Path) -> tuple[list[Run], list[Path]]:
    """Complete runs under ``sweep_dir`` (any depth) and the run dirs that are not complete."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise CompareError(f"{sweep_dir}: not a directory")
    complete, incomplete = [], []
    for manifest in sorted(sweep_dir.rglob("run.json")):
        run_dir = manifest.parent
        if io.is_complete(run_dir):
            data = io.read_manifest(run_dir) or {}
            complete.append(Run(run_dir, flatten(data.get("config", {}))))
        else:
            incomplete.append(run_dir)
    return complete, incomplete


def describe_region(region: dict[str, Any]) -> str:
    """'korea', or 'synthetic (n_municipalities=30, seed=0)' for a generated region: only
    settings that apply."""
    name = region.get("region.name", "?")
    if not region.get("region.generator"):
        return str(name)
    extra = ", ".join(f"{k}={region[f'region.{k}']}" for k in ("n_municipalities", "seed")
                      if f"region.{k}" in region)
    return f"{name} ({extra})"


def check_one_region(runs: Sequence[Run]) -> dict[str, Any]:
    """The region settings shared by all runs; fails naming the regions if they differ."""
    regions: dict[str, list[Path]] = {}
    for run in runs:
        region = {k: v for k, v in run.config.items() if k.startswith("region.")}
        regions.setdefault(json.dumps(region, sort_keys=True), []).append(run.path)
    if len(regions) > 1:
        lines = [
            f"  {json.loads(key)}: {len(paths)} runs, e.g. {paths[0]}"
            for key, paths in regions.items()
        ]
        raise CompareError(
            "the runs are on different regions and cannot be compared; compare each "
            "region's sweep separately:\n" + "\n".join(lines)
        )
    return json.loads(next(iter(regions)))


def _values(runs: Iterable[Run], key: str) -> list[Any]:
    return [run.config.get(key) for run in runs]


def _is_function_of(runs: Sequence[Run], key: str, of: Sequence[str]) -> bool:
    """True if the value of ``key`` is determined by the values of the keys ``of``."""
    seen: dict[str, str] = {}
    for run in runs:
        k = json.dumps([run.config.get(o) for o in of], default=str)
        v = json.dumps(run.config.get(key), default=str)
        if seen.setdefault(k, v) != v:
            return False
    return True


def swept_parameters(runs: Sequence[Run]) -> list[str]:
    """Config keys that differ across runs, other than seed and the scenario's own settings.

    With several scenarios, a key that is constant within each scenario is the scenario's
    setting (e.g. its targeting rule) and not a swept parameter. Of keys that determine
    each other, the first in preference order (``.name``/``.kind``/``.rule`` keys first)
    is kept.
    """
    keys = sorted({k for run in runs for k in run.config})
    differing = [
        k for k in keys
        if not k.startswith(("scenario.", "region.")) and k not in IGNORED_KEYS
        and len({json.dumps(v, default=str) for v in _values(runs, k)}) > 1
    ]
    if len({run.scenario for run in runs}) > 1:
        differing = [k for k in differing if not _is_function_of(runs, k, ["scenario.name"])]

    def preference(k: str) -> tuple[int, int, str]:
        return (0 if k.endswith((".name", ".kind", ".rule")) else 1, k.count("."), k)

    kept: list[str] = []
    for k in sorted(differing, key=preference):
        if not any(_is_function_of(runs, k, ["scenario.name", other]) for other in kept):
            kept.append(k)
    return sorted(kept, key=keys.index)


def beliefs_of(g: Gathered) -> str:
    """The beliefs the runs were made under (``configs/beliefs``), for the report header:
    one name, or the names when a sweep varies them."""
    names = g.beliefs or ["neutral"]
    return ", ".join(f"`{n}`" for n in names) + ("" if len(names) == 1 else " (swept)")


def condition_label(scenario: str, params: dict[str, Any]) -> str:
    """``"tech_city"`` or ``"tech_city | budget.annual_krw=1e+12"``."""
    if not params:
        return scenario
    parts = [f"{k.rsplit('.', 1)[0] if k.endswith(('.kind', '.rule', '.name')) else k}={_fmt(v)}"
             for k, v in params.items()]
    return f"{scenario} | " + ", ".join(parts)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass
class Gathered:
    """A sweep's runs gathered into tidy tables."""

    national: pd.DataFrame  # tidy: run, scenario, seed, <params>, condition, year, metric, value
    municipal: pd.DataFrame  # run, scenario, seed, <params>, condition, code, ..., population, qol
    params: list[str]
    region: dict[str, Any]
    incomplete: list[Path]
    beliefs: list[str] = field(default_factory=list)  # the beliefs the runs were made under
    # run, scenario, seed, <params>, condition, and provinces.parquet's columns (every year)
    provinces: pd.DataFrame = field(default_factory=pd.DataFrame)


def gather(sweep_dir: Path, baseline: str = BASELINE) -> Gathered:
    """Read the complete runs under ``sweep_dir`` one at a time into tidy tables."""
    sweep_dir = Path(sweep_dir)
    runs, incomplete = find_runs(sweep_dir)
    if not runs:
        hint = (f" ({len(incomplete)} run directories are incomplete: the sweep was "
                "interrupted or is still running; relaunch it with the same "
                "hydra.sweep.dir to finish them)") if incomplete else ""
        raise CompareError(f"{sweep_dir}: no complete runs found{hint}")
    region = check_one_region(runs)
    params = swept_parameters(runs)
    # the baseline's label shows only what varies among baseline runs
    base_runs = [r for r in runs if r.scenario == baseline]
    base_params = [p for p in params
                   if len({json.dumps(v, default=str) for v in _values(base_runs, p)}) > 1]
    national, municipal, provinces = [], [], []
    twin_inputs: dict[str, tuple[Run, pd.DataFrame, pd.DataFrame | None]] = {}
    for run in runs:
        ident = {
            "run": str(run.path.relative_to(sweep_dir)),
            "scenario": run.scenario,
            "seed": run.seed,
            **{p: run.config.get(p) for p in params},
        }
        shown = base_params if run.scenario == baseline else params
        ident["condition"] = condition_label(run.scenario, {p: run.config.get(p) for p in shown})
        nat = io.read_parquet(run.path / "national.parquet")
        tidy = nat.melt(id_vars="year", var_name="metric", value_name="value")
        national.append(tidy.assign(**ident))
        mun = io.read_parquet(run.path / "municipalities.parquet")
        wanted = ["year", "code", "name", "province", "kind", "population", "qol", "investment_krw"]
        class_cols = [c for pair in twins.CLASS_COLUMNS for c in pair]
        by_class = (mun[["year", "code", "population", *class_cols]].copy()
                    if set(class_cols) <= set(mun.columns) else None)
        series = [c for c in ("year", "welfare_krw_total", "investment_krw", "population",
                              "qol_mean") if c in nat.columns]
        twin_inputs[ident["run"]] = (run, nat[series].copy(), by_class)
        mun = mun[wanted]
        final = mun[mun["year"] == mun["year"].max()].drop(columns="investment_krw")
        invested = mun.groupby("code")["investment_krw"].sum().rename("investment_krw_total")
        final = final.merge(invested, left_on="code", right_index=True)
        municipal.append(final.assign(**ident))
        if (run.path / "provinces.parquet").exists():
            provinces.append(io.read_parquet(run.path / "provinces.parquet").assign(**ident))
        del nat, mun
    id_cols = ["run", "scenario", "seed", *params, "condition"]
    national += _twin_rows(twin_inputs, national, baseline, base_params)
    nat_df = pd.concat(national, ignore_index=True)
    nat_df = nat_df[[*id_cols, "year", "metric", "value"]]
    mun_df = pd.concat(municipal, ignore_index=True)
    mun_df = mun_df[[*id_cols, *[c for c in mun_df.columns if c not in id_cols]]]
    beliefs = sorted({str(r.config.get("beliefs.name", "neutral")) for r in runs})
    prov_df = pd.concat(provinces, ignore_index=True) if provinces else pd.DataFrame()
    return Gathered(nat_df, mun_df, params, region, incomplete, beliefs, prov_df)


def _twin_rows(inputs: dict[str, tuple[Run, pd.DataFrame, pd.DataFrame | None]],
               national: list[pd.DataFrame], baseline: str,
               base_params: Sequence[str]) -> list[pd.DataFrame]:
    """Rows (every year) of the twin metrics (:mod:`sim.tools.twins`) of every run
    against the baseline run with the same seed (and the same baseline parameters); runs
    without a twin, or written before the metrics' columns existed, get none."""
    def key(run: Run) -> str:
        return json.dumps([run.seed, *[run.config.get(p) for p in base_params]], default=str)

    twins_of = {key(r): name for name, (r, _, _) in inputs.items() if r.scenario == baseline}
    ids = {frame["run"].iloc[0]: frame.iloc[0] for frame in national}
    out = []
    for name, (run, series, by_class) in inputs.items():
        twin = twins_of.get(key(run))
        if twin is None:
            continue
        _, twin_series, twin_class = inputs[twin]
        rows: list[tuple[int, str, float]] = []
        threshold = run.config.get("behaviour.qol.felt_threshold")
        if by_class is not None and twin_class is not None and threshold is not None:
            spread = float(run.config.get("behaviour.qol.felt_threshold_spread", 0.5))
            for year, frame in by_class.groupby("year"):
                other = twin_class[twin_class["year"] == year]
                if len(other):
                    args = (frame, other, float(threshold), spread)
                    rows.append((int(year), "felt_benefit_paired", twins.felt_benefit_paired(*args)))
                    rows.append((int(year), "felt_loss_paired", twins.felt_loss_paired(*args)))
        if {"welfare_krw_total", "investment_krw"} <= set(series.columns) & set(twin_series.columns):
            rate = float(run.config.get("run.discount_rate", 0.0))
            appraisal = twins.appraisal_series(series, twin_series, rate)
            for metric in ("cost_effectiveness_paired", "npv_krw_paired",
                           "qol_person_years_per_krw_b_paired"):
                if metric not in appraisal:
                    continue
                values = appraisal[metric]
                if run.scenario == baseline:  # against itself: nothing bought, nothing spent
                    values = values.fillna(0.0) * 0.0
                rows += [(int(y), metric, float(v)) for y, v in values.items()]
        if not rows:
            continue
        ident = ids[name]
        frame = pd.DataFrame(rows, columns=["year", "metric", "value"])
        out.append(frame.assign(**{c: ident[c] for c in ident.index
                                   if c not in ("year", "metric", "value")}))
    return out


def municipal_year(sweep_dir: Path, year: int | None = None,
                   baseline: str = BASELINE) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The municipal rows of ``year`` (each run's last year by default) of every complete
    run under ``sweep_dir``, with the run's ``condition``, ``scenario``, ``seed`` and
    ``_pair`` (the seed and the baseline's swept settings: what pairs a run with its
    baseline run, as :func:`paired_effects` does); and the runs' region settings.
    The GIS export's input (:func:`sim.gis.comparison_layers`)."""
    runs, _ = find_runs(Path(sweep_dir))
    if not runs:
        raise CompareError(f"{sweep_dir}: no complete runs found")
    region = check_one_region(runs)
    params = swept_parameters(runs)
    base_runs = [r for r in runs if r.scenario == baseline]
    base_params = [p for p in params
                   if len({json.dumps(v, default=str) for v in _values(base_runs, p)}) > 1]
    rows = []
    for run in runs:
        mun = io.read_parquet(run.path / "municipalities.parquet")
        y = int(mun["year"].max()) if year is None else int(year)
        if y not in set(mun["year"]):
            raise CompareError(f"{run.path}: no year {y} (years {int(mun['year'].min())}-"
                               f"{int(mun['year'].max())})")
        at = mun[mun["year"] == y].drop(columns=["name", "province", "kind"], errors="ignore")
        shown = base_params if run.scenario == baseline else params
        rows.append(at.assign(
            condition=condition_label(run.scenario, {p: run.config.get(p) for p in shown}),
            scenario=run.scenario, seed=run.seed,
            _pair=json.dumps([run.seed, *[run.config.get(p) for p in base_params]], default=str)))
        del mun
    return pd.concat(rows, ignore_index=True), region


def export_gis(sweep_dir: Path, *, year: int | None = None, baseline: str = BASELINE,
               formats: Sequence[str] = ("gpkg", "parquet")) -> list[Path]:
    """Write the sweep's ``gis/`` (:mod:`sim.gis`: the levels and effects per condition and
    municipality, with boundaries); returns the files written."""
    from sim import gis

    table, region = municipal_year(sweep_dir, year, baseline)
    shape = gis.region_of({"region": {k.split(".", 1)[1]: v for k, v in region.items()}})
    layers = gis.comparison_layers(table, shape, baseline)
    paths = gis.write_layers(layers, Path(sweep_dir) / "gis", "comparison",
                             int(table["year"].max()), formats)
    log.info("GIS export of %s: %s", sweep_dir, ", ".join(p.name for p in paths))
    return paths


# ---------------------------------------------------------------------------- effects


def _t_crit(df: int, level: float = 0.95) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, df)) if df > 0 else math.nan


def final_year_wide(national: pd.DataFrame, params: Sequence[str], year: int | None = None) -> pd.DataFrame:
    """One row per run: its id columns and every metric's final-year value (or its value
    in ``year``)."""
    if year is None:
        final = national[national["year"] == national.groupby("run")["year"].transform("max")]
    else:
        final = national[national["year"] == year]
        if final.empty:
            raise CompareError(f"no run has year {year} (years {int(national['year'].min())}-"
                               f"{int(national['year'].max())})")
    ids = ["run", "scenario", "seed", *params, "condition"]
    wide = final.pivot_table(index="run", columns="metric", values="value", aggfunc="first")
    meta = final.drop_duplicates("run").set_index("run")[[c for c in ids if c != "run"]]
    return meta.join(wide).reset_index()


def minimum_detectable_effect(se: float, n: int, level: float = 0.95, power: float = 0.8) -> float:
    """The smallest true effect that ``n`` pairs with standard error ``se`` detect with a
    two-sided t test at 1 - ``level`` with probability ``power``:
    ``(t(1 - alpha/2, n-1) + t(power, n-1)) x se``."""
    from scipy import stats

    if n < 2 or not math.isfinite(se):
        return math.nan
    return float((stats.t.ppf(0.5 + level / 2, n - 1) + stats.t.ppf(power, n - 1)) * se)


def paired_effects(
    gathered: Gathered, baseline: str = BASELINE, metrics: Sequence[str] | None = None,
    level: float = 0.95, year: int | None = None,
) -> pd.DataFrame:
    """Final-year (or ``year``'s) effect of every condition against ``baseline``, paired by seed.

    Each treatment run is paired with the baseline run of the same seed (and the same
    value of every swept parameter that also varies among the baseline runs). For each
    condition and metric: ``n`` pairs, ``mean`` difference (treatment - baseline), ``sd``
    of the differences, ``ci_low``/``ci_high`` (t interval at ``level``), the means of
    both arms, ``relative_pct`` (mean difference / baseline mean), ``se_paired`` (sd /
    sqrt(n)), ``se_unpaired`` (the standard error that ignoring the pairing would give),
    ``variance_ratio`` (se_paired^2 / se_unpaired^2: what the pairing leaves of the
    noise) and ``mde`` (the minimum detectable effect: the smallest true effect this many
    pairs detect with a two-sided test at 1 - ``level`` and 80 % power, ``(t(1 - a/2) +
    t(0.8)) x se_paired`` with n - 1 degrees of freedom). Empty if no baseline runs.
    """
    wide = final_year_wide(gathered.national, gathered.params, year)
    metrics = list(metrics) if metrics else sorted(gathered.national["metric"].unique())
    return paired_differences(wide, gathered.params, baseline, metrics, level)


def paired_differences(wide: pd.DataFrame, params: Sequence[str], baseline: str,
                       metrics: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """The rows of :func:`paired_effects` from ``wide``: one row per run (its id columns
    and one column per metric), each treatment run paired with its baseline run."""
    metrics = [m for m in metrics if m in wide.columns]
    base = wide[wide["scenario"] == baseline]
    if base.empty:
        return pd.DataFrame()
    match = ["seed", *[p for p in params if base[p].astype(str).nunique() > 1]]
    key = base[match].astype(str).agg("|".join, axis=1)
    if key.duplicated().any():
        log.warning("several baseline runs share %s; pairing with the first", match)
    base = base.assign(_key=key).drop_duplicates("_key").set_index("_key")
    treat = wide[wide["scenario"] != baseline]
    rows = []
    for condition, group in treat.groupby("condition", sort=False):
        gkey = group[match].astype(str).agg("|".join, axis=1)
        paired = gkey.isin(base.index)
        if not paired.all():
            log.warning("%s: %d of %d runs have no baseline run with the same %s",
                        condition, int((~paired).sum()), len(group), match)
        t = group[paired.to_numpy()]
        b = base.loc[gkey[paired].to_numpy()]
        n = len(t)
        if n == 0:
            continue
        first = t.iloc[0]
        for metric in metrics:
            tv = t[metric].to_numpy(dtype=float)
            bv = b[metric].to_numpy(dtype=float)
            diff = tv - bv
            mean = float(np.mean(diff))
            sd = float(np.std(diff, ddof=1)) if n > 1 else math.nan
            half = _t_crit(n - 1, level) * sd / math.sqrt(n) if n > 1 else math.nan
            se_unpaired = (math.sqrt(np.var(tv, ddof=1) / n + np.var(bv, ddof=1) / n)
                           if n > 1 else math.nan)
            se_paired = sd / math.sqrt(n) if n > 1 else math.nan
            bmean = float(np.mean(bv))
            rows.append({
                "condition": condition, "scenario": first["scenario"],
                **{p: first[p] for p in params},
                "metric": metric, "n": n, "mean": mean, "sd": sd,
                "ci_low": mean - half, "ci_high": mean + half,
                "baseline_mean": bmean, "treatment_mean": float(np.mean(tv)),
                "relative_pct": 100 * mean / bmean if bmean else math.nan,
                "se_paired": se_paired, "se_unpaired": se_unpaired,
                "variance_ratio": (se_paired / se_unpaired) ** 2 if se_unpaired > 0 else math.nan,
                "mde": minimum_detectable_effect(se_paired, n, level),
            })
    return pd.DataFrame(rows)


#: The columns of ``provinces.parquet`` whose effects ``province_effects.csv`` holds
#: (those a run has): welfare with its parts, so a reader sees where it comes from.
PROVINCE_METRICS = ("population", "net_migration", "qol", "welfare_krw_total",
                    "welfare_earnings_krw", "welfare_services_krw", "welfare_other_krw",
                    "housing_transfer_krw")


def province_effects(gathered: Gathered, baseline: str = BASELINE, year: int | None = None,
                     level: float = 0.95) -> pd.DataFrame:
    """Final-year (or ``year``'s) effect of every condition on every province against
    ``baseline``, paired by seed exactly as :func:`paired_effects` (its columns, plus
    ``province_code``, ``province`` and ``province_ko``; ``metric`` one of
    :data:`PROVINCE_METRICS`). Empty without ``provinces.parquet`` or baseline runs."""
    prov = gathered.provinces
    if prov.empty:
        return pd.DataFrame()
    if year is None:
        at = prov[prov["year"] == prov.groupby("run")["year"].transform("max")]
    else:
        at = prov[prov["year"] == year]
    if at.empty:
        return pd.DataFrame()
    ids = ["run", "scenario", "seed", *gathered.params, "condition"]
    metrics = [m for m in PROVINCE_METRICS if m in at.columns]
    long = at.melt(id_vars=["run", "province_code"], value_vars=metrics, var_name="metric")
    long["column"] = long["metric"] + "@" + long["province_code"].astype(str)
    wide = long.pivot_table(index="run", columns="column", values="value", aggfunc="first")
    meta = at.drop_duplicates("run").set_index("run")[[c for c in ids if c != "run"]]
    wide = meta.join(wide).reset_index()
    columns = [f"{m}@{c}" for c in sorted(set(long["province_code"].astype(int)))
               for m in metrics]
    effects = paired_differences(wide, gathered.params, baseline, columns, level)
    if effects.empty:
        return effects
    parts = effects["metric"].str.split("@", n=1, expand=True)
    names = at.drop_duplicates("province_code").set_index("province_code")
    codes = parts[1].astype(int).to_numpy()
    effects = effects.assign(metric=parts[0], province_code=codes, **{
        col: names[col].reindex(codes).to_numpy() if col in names else ""
        for col in ("province", "province_ko")})
    lead = ["condition", "scenario", *gathered.params, "province_code", "province", "province_ko",
            "metric"]
    return effects[[*lead, *[c for c in effects.columns if c not in lead]]]


def municipal_effects(gathered: Gathered, baseline: str = BASELINE) -> pd.DataFrame:
    """Per condition and municipality: final-year population difference (% of baseline)
    and QoL difference (points), averaged over paired seeds."""
    mun = gathered.municipal
    base = mun[mun["scenario"] == baseline]
    if base.empty:
        return pd.DataFrame()
    match = ["seed", *[p for p in gathered.params if base[p].astype(str).nunique() > 1]]
    cols = ["code", *match, "population", "qol"]
    b = base[cols].astype({m: str for m in match}).drop_duplicates(["code", *match])
    t = mun[mun["scenario"] != baseline].astype({m: str for m in match})
    merged = t.merge(b, on=["code", *match], suffixes=("", "_base"))
    merged["population_diff_pct"] = 100 * (merged["population"] / merged["population_base"] - 1)
    merged["qol_diff"] = merged["qol"] - merged["qol_base"]
    return (merged.groupby(["condition", "code", "name", "province", "kind"], sort=False)
            [["population_diff_pct", "qol_diff"]].mean().reset_index())


# ---------------------------------------------------------------------------- summary


def money_tables(gathered: Gathered, year: int | None = None,
                 lang: str = "en") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where the public money went, by condition (mean over its runs), cumulative from
    the start to the final year (or ``year``): shares (%) of the capital region and the
    rest, of gu, si and gun (first table) and of each province (second; columns are
    province names, in Korean with ``lang="ko"`` where the runs wrote them). Empty if
    the runs predate the ``money_share_*`` columns."""
    nat = gathered.national
    money = nat[nat["metric"].astype(str).str.startswith("money_share_")]
    if money.empty:
        return pd.DataFrame(), pd.DataFrame()
    if year is None:
        money = money[money["year"] == money.groupby("run")["year"].transform("max")]
    else:
        money = money[money["year"] == year]
    wide = (money.pivot_table(index="condition", columns="metric", values="value", aggfunc="mean")
            * 100)
    order = list(dict.fromkeys(nat["condition"]))
    wide = wide.reindex([c for c in order if c in wide.index])
    groups = [f"money_share_{k}" for k in ("capital_region", "noncapital", "gu", "si", "gun")]
    kinds = wide[[c for c in groups if c in wide.columns]]
    kinds.columns = [c.removeprefix("money_share_") for c in kinds.columns]
    prov_cols = [c for c in wide.columns if c.startswith("money_share_province_")]
    names = {}
    mun = gathered.municipal
    if {"code", "province"} <= set(mun.columns):
        pairs = mun[["code", "province"]].drop_duplicates()
        names = {str(c)[:2]: p for c, p in zip(pairs["code"], pairs["province"], strict=True)}
    prov = gathered.provinces
    if lang != "en" and {"province_code", "province_ko"} <= set(prov.columns):
        pairs = prov[["province_code", "province_ko"]].drop_duplicates()
        names |= {str(c): k for c, k in zip(pairs["province_code"], pairs["province_ko"],
                                            strict=True)}
    provinces = wide[prov_cols]
    provinces.columns = [names.get(c.removeprefix("money_share_province_"),
                                   c.removeprefix("money_share_province_")) for c in prov_cols]
    return kinds, provinces


def money_markdown(gathered: Gathered, year: int | None = None, lang: str = "en") -> str:
    """The two tables of :func:`money_tables` in Markdown (% of the public money)."""
    kinds, provinces = money_tables(gathered, year, lang)
    if kinds.empty:
        return t("_No money shares in these runs (written before the `money_share_*` "
                 "columns)._", lang) + "\n"

    def table(frame: pd.DataFrame) -> list[str]:
        cols = list(frame.columns)
        lines = [f"| {t('condition', lang)} | " + " | ".join(cols) + " |",
                 "|" + "---|" * (len(cols) + 1)]
        for cond, row in frame.iterrows():
            cells = ["n/a" if not math.isfinite(v) else f"{v:.1f}" for v in row.to_numpy(dtype=float)]
            lines.append(f"| {str(cond).replace('|', chr(92) + '|')} | " + " | ".join(cells) + " |")
        return lines

    out = table(kinds.rename(columns={"capital_region": t("capital region", lang),
                                      "noncapital": t("non-capital", lang),
                                      "gu": t("gu", lang), "si": t("si", lang),
                                      "gun": t("gun", lang)}))
    if not provinces.empty:
        out += ["", *table(provinces)]
    return "\n".join(out) + "\n"


def programme_units(gathered: Gathered, year: int | None = None,
                    table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Spending in programme units (:mod:`sim.programme_units`), by condition: each
    item's public money from the start to the final year (or ``year``), summed over the
    years of each run and averaged over the condition's runs (``spend_krw``), and what it
    buys of each unit of ``table`` (default: the shipped units table; ``units``), with
    the table's columns and the condition's number of ``runs``. Only units of items the
    condition spent money on; empty if the runs predate the ``spend_*`` columns."""
    from sim import programme_units as pu

    nat = gathered.national
    is_spend = nat["metric"].astype(str).map(lambda c: pu.item_of(c) is not None)
    spend = nat[is_spend.to_numpy(dtype=bool)]
    if spend.empty:
        return pd.DataFrame()
    if year is not None:
        spend = spend[spend["year"] <= year]
    table = pu.load_units() if table is None else table
    per_run = spend.groupby(["condition", "run", "metric"], sort=False)["value"].sum()
    runs = spend.groupby("condition", sort=False)["run"].nunique()
    mean = per_run.groupby(["condition", "metric"], sort=False).mean()
    known = set(table["recipe"])
    frames = []
    for condition in dict.fromkeys(nat["condition"]):
        if condition not in runs.index:
            continue
        items = {pu.item_of(m): float(v) for m, v in mean.loc[condition].items()}
        lost = sorted(k for k, v in items.items() if v > 0 and k not in known)
        if lost:
            log.warning("%s: money spent on %s, which have no programme unit", condition, lost)
        bought = pu.units_bought({k: v for k, v in items.items() if k in known}, table)
        bought = bought[bought["spend_krw"] > 0]
        if len(bought):
            frames.append(bought.assign(condition=condition, runs=int(runs[condition])))
    if not frames:
        return pd.DataFrame(columns=["condition", *pu.COLUMNS, "spend_krw", "units", "runs"])
    out = pd.concat(frames, ignore_index=True)
    return out[["condition", *pu.COLUMNS, "spend_krw", "units", "runs"]]


def _amount(x: float) -> str:
    """A number of KRW billion or units for a table: 3 significant digits below 100."""
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def programme_units_markdown(units: pd.DataFrame, lang: str = "en") -> str:
    """The table of :func:`programme_units` in Markdown: per condition and unit, the
    money spent (KRW billion, mean over runs), the unit's cost and its basis, the units
    it buys, and the real programme beside it."""
    if units.empty and "units" not in units.columns:
        return t("_No spending by recipe in these runs (written before the `spend_*` "
                 "columns)._", lang) + "\n"
    if units.empty:
        return t("_No public money was spent in these runs._", lang) + "\n"
    basis = {"sourced": t("sourced", lang), "derived": t("derived", lang),
             "assumption": t("assumption", lang)}
    head = [t("condition", lang), t("recipe", lang), t("unit", lang),
            t("KRW billion a unit", lang), t("cost basis", lang), t("spent, KRW billion", lang),
            t("units bought", lang), t("real programme", lang)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in units.iterrows():
        real = r["real_ko" if lang == "ko" else "real_en"]
        period = r["real_period"]
        real = "" if not isinstance(real, str) else (
            f"{real} ({period})" if isinstance(period, str) and period else real)
        unit = r["unit_ko" if lang == "ko" else "unit_en"]
        cells = [str(r["condition"]).replace("|", chr(92) + "|"), f"`{r['recipe']}`", unit,
                 _amount(r["unit_cost_krw"] * 1e-9), basis.get(r["basis"], r["basis"]),
                 _amount(r["spend_krw"] * 1e-9), _amount(r["units"]), real]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def province_markdown(effects: pd.DataFrame, lang: str = "en") -> str:
    """A Markdown table of :func:`province_effects`: one row per condition and province,
    ``mean [ci_low, ci_high]`` of population (thousand people), net migration from the
    other provinces (thousand people a year), QoL (points) and, where the runs have it,
    welfare with its parts (KRW B a year: total, then earnings / services / other)."""
    if effects.empty:
        return t("_No province effects (the runs have no `provinces.parquet`, or no baseline "
                 "runs)._", lang) + "\n"
    scale = {"population": 1e-3, "net_migration": 1e-3, "qol": 1.0}
    welfare = "welfare_krw_total" in set(effects["metric"])
    header = [t("condition", lang), t("province", lang), t("pairs", lang),
              t("population, thousand people", lang),
              t("net migration from other provinces, thousand people a year", lang),
              t("QoL, points", lang)]
    if welfare:
        header.append(t("welfare, KRW B a year (earnings / services / other)", lang))
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (condition, _), group in effects.groupby(["condition", "province_code"], sort=False):
        g = group.set_index("metric")
        first = group.iloc[0]
        ko = first.get("province_ko")
        name = ko if lang == "ko" and isinstance(ko, str) and ko else first["province"]
        cells = [str(condition).replace("|", "\\|"), str(name), str(int(group["n"].max()))]
        for m in scale:
            if m not in g.index:
                cells.append("n/a")
                continue
            r, k = g.loc[m], scale[m]
            cells.append(_ci_text(r["mean"] * k, r["ci_low"] * k, r["ci_high"] * k))
        if welfare:
            r = g.loc["welfare_krw_total"]
            parts = " / ".join(f"{g.loc[p, 'mean'] * 1e-9:+.3g}" if p in g.index else "n/a"
                               for p in ("welfare_earnings_krw", "welfare_services_krw",
                                         "welfare_other_krw"))
            cells.append(_ci_text(r["mean"] * 1e-9, r["ci_low"] * 1e-9, r["ci_high"] * 1e-9)
                         + f" ({parts})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _display_scale(metric: str, row: pd.Series) -> float:
    factor = HEADLINE[metric][2]
    if factor is None:
        return 100 / row["baseline_mean"] if row["baseline_mean"] else math.nan
    return factor


def spending_note(national: pd.DataFrame, year: int | None, lang: str = "en") -> list[str]:
    """A summary line saying when public money was spent, and how long before the year
    the effects are read in it stopped: a comparison read years after the spending ended
    shows effects that have faded, which a reader should not take for "no effect"."""
    spent = national[(national["metric"] == "investment_krw") & (national["value"] > 0)]
    if spent.empty:
        return []
    first, last = int(spent["year"].min()), int(spent["year"].max())
    read = int(national["year"].max()) if year is None else year
    line = t("- Public money spent in years {first}-{last}", lang, first=first, last=last)
    if read > last:
        line += t("; the effects below are of {read}, {gap} years after the last spending "
                  "(`--year {last}`: the effects in the last year of spending)", lang,
                  read=read, gap=read - last, last=last)
    return [line]


def effects_markdown(effects: pd.DataFrame, metrics: Sequence[str] = tuple(HEADLINE),
                     lang: str = "en") -> str:
    """A Markdown table: one row per condition, one column per headline metric,
    ``mean [ci_low, ci_high] (MDE x)`` in display units: the effect, its 95 % interval and
    the minimum detectable effect of the sweep (an effect smaller than the MDE may be
    there and go undetected)."""
    if effects.empty:
        return t("_No effects computed (see the notes below)._", lang) + "\n"
    labels = headline(lang)
    metrics = [m for m in metrics if m in set(effects["metric"])]
    header = [t("condition", lang), t("seeds", lang)] + [f"{labels[m][0]} ({labels[m][1]})"
                                                         for m in metrics]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for condition, group in effects.groupby("condition", sort=False):
        g = group.set_index("metric")
        cells = [condition.replace("|", "\\|"), str(int(g["n"].iloc[0]))]
        for m in metrics:
            r = g.loc[m]
            scale = _display_scale(m, r)
            text = _ci_text(r["mean"] * scale, r["ci_low"] * scale, r["ci_high"] * scale)
            if "mde" in r and math.isfinite(r["mde"]):
                text += f" (MDE {abs(r['mde'] * scale):.2g})"
            cells.append(text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def welfare_markdown(effects: pd.DataFrame, lang: str = "en") -> str:
    """A Markdown table of where each condition's welfare effect comes from: the parts
    (earnings, each service domain, other; they sum to the total) and the total, KRW
    billion a year, mean over paired seeds, with the housing transfer beside them (paid
    by occupants to owners: not welfare). Empty if the runs have no parts."""
    parts = [m for m in (*WELFARE_PART_METRICS, "welfare_krw_total", "housing_transfer_krw")
             if m in set(effects.get("metric", []))]
    if effects.empty or "welfare_earnings_krw" not in parts:
        return ""
    named = {"welfare_krw_total": t("total", lang),
             "housing_transfer_krw": t("housing transfer (not welfare)", lang)}
    head = [named.get(m) or t(NATIONAL[m].label, lang) for m in parts]
    lines = ["| " + t("condition", lang) + " | " + " | ".join(head) + " |",
             "|---|" + "---|" * len(parts)]
    for condition, group in effects.groupby("condition", sort=False):
        g = group.set_index("metric")
        cells = [_ci_text(g.at[m, "mean"] * 1e-9, g.at[m, "ci_low"] * 1e-9, g.at[m, "ci_high"] * 1e-9)
                 for m in parts]
        lines.append(f"| {condition.replace('|', chr(92) + '|')} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def precision_markdown(effects: pd.DataFrame, metrics: Sequence[str] = tuple(HEADLINE),
                       lang: str = "en") -> str:
    """A Markdown table of how precise each headline effect is: paired and unpaired
    standard errors (display units), their variance ratio and the minimum detectable
    effect, one row per condition and metric."""
    if effects.empty or "se_paired" not in effects:
        return ""
    labels = headline(lang)
    metrics = [m for m in metrics if m in set(effects["metric"])]
    header = [t("condition", lang), t("metric", lang), t("SE paired", lang),
              t("SE unpaired", lang), t("variance ratio", lang),
              t("MDE (95 %, 80 % power)", lang)]
    lines = ["| " + " | ".join(header) + " |", "|---|---|---|---|---|---|"]
    for condition, group in effects.groupby("condition", sort=False):
        g = group.set_index("metric")
        for m in metrics:
            r = g.loc[m]
            scale = abs(_display_scale(m, r))
            ratio = r["variance_ratio"]
            lines.append(
                f"| {condition.replace('|', chr(92) + '|')} | {labels[m][0]} ({labels[m][1]}) | "
                f"{r['se_paired'] * scale:.3g} | {r['se_unpaired'] * scale:.3g} | "
                f"{ratio:.3f} | {abs(r['mde']) * scale:.3g} |" if math.isfinite(ratio) else
                f"| {condition} | {labels[m][0]} | n/a | n/a | n/a | n/a |")
    return "\n".join(lines) + "\n"


def _ci_text(mean: float, low: float, high: float) -> str:
    def f(x: float) -> str:
        return "n/a" if not math.isfinite(x) else f"{x:+.3g}"

    if not math.isfinite(low):
        return f"{f(mean)}"
    return f"{f(mean)} [{f(low)}, {f(high)}]"


def run_settings(sweep_dir: Path, key: str) -> list[Any]:
    """The distinct values of the dotted setting ``key`` (e.g. ``report.lang``) over the
    complete runs under ``sweep_dir``."""
    runs, _ = find_runs(Path(sweep_dir))
    values = {json.dumps(r.config[key]) for r in runs if key in r.config}
    return [json.loads(v) for v in sorted(values)]


def compare(
    sweep_dir: Path, *, baseline: str = BASELINE, heatmap: Sequence[str] | None = None,
    formats: Sequence[str] = ("png", "svg"), figures: bool = True, year: int | None = None,
    lang: str | None = None, gis: bool | None = None,
) -> Path:
    """Gather ``sweep_dir``, write the tables, figures and ``summary.md``; return its path.

    With ``year``, the effects are those of that year (e.g. the last year of spending)
    and go to ``effects_<year>.csv`` and ``summary_<year>.md``, beside the final year's.
    ``lang`` is the language of the summary and figures (default: the runs'
    ``report.lang`` when they all share one, else English); ``gis`` also writes ``gis/``
    (:func:`export_gis`; default: when any run had ``run.gis``)."""
    from sim.tools import compare_plots as cp

    sweep_dir = Path(sweep_dir)
    if lang is None:
        langs = run_settings(sweep_dir, "report.lang")
        lang = langs[0] if len(langs) == 1 else "en"
    if lang not in LANGS:
        raise CompareError(f"--lang {lang!r}: one of {list(LANGS)}")
    g = gather(sweep_dir, baseline)
    scenarios = sorted(set(g.national["scenario"]))
    if baseline != BASELINE and baseline not in scenarios:  # a misspelt --baseline
        raise CompareError(f"--baseline {baseline!r}: no run of that scenario under "
                           f"{sweep_dir}; its scenarios: {scenarios}")
    io.write_parquet(g.national, sweep_dir / "comparison.parquet")
    io.write_parquet(g.municipal, sweep_dir / "municipal_final.parquet")
    effects = paired_effects(g, baseline, year=year)
    suffix = "" if year is None else f"_{year}"
    if not effects.empty:
        io.atomic_write(sweep_dir / f"effects{suffix}.csv", lambda tmp: effects.to_csv(tmp, index=False))
    units = programme_units(g, year)
    if "units" in units.columns:
        io.atomic_write(sweep_dir / f"programme_units{suffix}.csv",
                        lambda tmp: units.to_csv(tmp, index=False))
    by_province = province_effects(g, baseline, year=year)
    if not by_province.empty:
        io.atomic_write(sweep_dir / f"province_effects{suffix}.csv",
                        lambda tmp: by_province.to_csv(tmp, index=False))
    n_conditions = g.national["condition"].nunique()
    notes: list[str] = []
    if baseline not in scenarios:
        notes.append(t("no `{baseline}` runs: effects are paired with a same-seed run of that "
                       "scenario (add it to the sweep, or name another with `--baseline`)",
                       lang, baseline=baseline))
    made: list[tuple[str, Path]] = []
    fig_dir = sweep_dir / f"figures{suffix}"
    if figures:
        maps = municipal_effects(g, baseline) if year is None else pd.DataFrame()
        made, notes = cp.all_figures(g, effects, fig_dir, baseline=baseline, heatmap=heatmap,
                                     formats=tuple(formats), municipal=maps,
                                     provinces=by_province,
                                     when="Final-year" if year is None else str(year), lang=lang)
        if year is not None:
            notes.append(t("maps show the final year only: see summary.md", lang))
    if gis if gis is not None else any(run_settings(sweep_dir, "run.gis")):
        made_gis = export_gis(sweep_dir, year=year, baseline=baseline)
        notes.append(t("GIS files (EPSG:5179): {files}", lang, files=", ".join(
            f"`{p.relative_to(sweep_dir).as_posix()}`" for p in made_gis)))
    seeds = g.national.groupby("condition")["seed"].nunique()
    seeds_text = (t("{n} seeds each", lang, n=seeds.min()) if seeds.min() == seeds.max()
                  else t("{low} to {high} seeds each", lang, low=seeds.min(), high=seeds.max()))
    text = [
        t("# Sweep comparison: {name}", lang, name=sweep_dir.name) + "\n",
        t("- Region: {region}", lang, region=describe_region(g.region)),
        t("- Complete runs: {runs} ({n} conditions, {seeds})", lang,
          runs=g.national["run"].nunique(), n=n_conditions, seeds=seeds_text),
        t("- Incomplete runs skipped: {n}", lang, n=len(g.incomplete))
        + (t(" (relaunch the sweep with the same `hydra.sweep.dir` to finish them)", lang)
           if g.incomplete else ""),
        t("- Beliefs: {beliefs}", lang, beliefs=beliefs_of(g)),
        t("- Swept parameters: {params}", lang, params=", ".join(g.params) if g.params
          else t("none (scenarios and seeds only)", lang)),
        t("- Baseline: `{baseline}`; years {first}-{last}", lang, baseline=baseline,
          first=int(g.national["year"].min()), last=int(g.national["year"].max())),
        *spending_note(g.national, year, lang),
        "",
        t("## Final-year effects against the baseline", lang) if year is None
        else t("## Effects in {year} against the baseline", lang, year=year),
        "",
        t("Mean difference (scenario - baseline) over paired seeds (equal seeds share random "
          "numbers), with a 95 % t confidence interval in brackets and, in parentheses, the "
          "minimum detectable effect (MDE) of this sweep: the smallest true effect it finds "
          "with 80 % probability at the 5 % level. An interval that includes 0 says nothing "
          "about effects below the MDE; add seeds to lower it. National output is in % of "
          "the baseline. All effects for every metric: `effects.csv`; all runs, years and "
          "metrics: `comparison.parquet`.", lang),
        "",
        effects_markdown(effects, lang=lang),
        *([t("## Welfare by part", lang), "",
           t("Where each welfare effect comes from, KRW billion a year against the baseline "
             "(mean over paired seeds, 95 % interval): earnings (wages and employment), "
             "services by domain, and other (movers choosing anew among the changed places); "
             "the parts sum to the total. Dwellings, vacancy, prices, networks and the "
             "constants are held at the start's values in both arms (docs/model.md 6.1). The "
             "housing transfer, what occupants pay owners because prices moved, is shown "
             "beside it and is not welfare. The appraisal (B/C, NPV at "
             "`run.discount_rate`, cumulative) is in the table above.", lang), "",
           welfare_markdown(effects, lang)] if welfare_markdown(effects) else []),
        t("## Precision of the pairing", lang),
        "",
        t("Standard errors of the effects with the pairing (paired seeds) and without it "
          "(independent runs), and the variance ratio between them: the share of the "
          "run-to-run noise that the common random numbers leave (docs/experiments.md).", lang),
        "",
        precision_markdown(effects, lang=lang),
        t("## Where the money went", lang),
        "",
        t("Share of the public money (national + local match, %) received from the start to "
          "{when}, mean over each condition's runs: by capital region, by kind of "
          "municipality, and by province.", lang,
          when=t("the final year", lang) if year is None else str(year)),
        "",
        money_markdown(g, year, lang),
        t("## Programme units", lang),
        "",
        t("The public money (national + local match) each condition spent on each recipe "
          "from the start to {when}, building and operation, mean over its runs, and what "
          "it would buy in units of a real Korean programme: units = spending / unit cost "
          "(`sim/data/programme_units.csv`, nominal KRW of the source's year; a cost basis "
          "of assumption means no source gave the cost). The real programme's scale is "
          "beside it. A unit is a scale, not what the model builds. All rows: "
          "`programme_units{suffix}.csv`.", lang,
          when=t("the final year", lang) if year is None else str(year), suffix=suffix),
        "",
        programme_units_markdown(units, lang),
        t("## Province effects", lang),
        "",
        t("Effect on each province in {when} against the baseline: mean difference over "
          "paired seeds with its 95 % t interval, as above; population in thousand people, "
          "net migration from the other provinces (moves in minus moves out across the "
          "province's border, that year) in thousand people a year, QoL in points "
          "(population-weighted). All of them, with standard errors and MDE: "
          "`province_effects.csv`; levels by year: each run's `provinces.parquet`.", lang,
          when=t("the final year", lang) if year is None else str(year)),
        "",
        province_markdown(by_province, lang),
        t("## Figures", lang),
        "",
    ]
    for caption, path in made:
        text.append(f"- [{caption}]({path.relative_to(sweep_dir).as_posix()})")
    if not made:
        text.append(t("- none", lang))
    if notes:
        text += ["", t("## Notes", lang), ""] + [f"- {n}" for n in notes]
    summary = sweep_dir / f"summary{suffix}.md"
    io.atomic_write(summary, lambda tmp: tmp.write_text("\n".join(text) + "\n"))
    log.info("compared %d runs in %s: %s", g.national["run"].nunique(), sweep_dir, summary)
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.compare",
        description="Gather a sweep's complete runs into comparison.parquet, compute paired-"
        "seed effects against a baseline scenario, and write figures and summary.md.",
    )
    parser.add_argument("sweep_dir", type=Path, help="a hydra.sweep.dir (or any folder of runs)")
    parser.add_argument("--baseline", default=BASELINE, help="scenario to compare against")
    parser.add_argument("--heatmap", nargs=2, metavar=("X", "Y"),
                        help="two swept parameters for the heat map (default: the two swept)")
    parser.add_argument("--formats", default="png,svg", help="figure formats, comma-separated")
    parser.add_argument("--no-figures", action="store_true", help="tables and summary only")
    parser.add_argument("--year", type=int, help="effects in this year instead of the final one "
                        "(written to effects_<year>.csv and summary_<year>.md)")
    parser.add_argument("--lang", choices=LANGS, help="the language of summary.md and the "
                        "figures (default: the runs' report.lang, else en)")
    parser.add_argument("--gis", action=argparse.BooleanOptionalAction, default=None,
                        help="also write gis/ (GeoPackage and GeoParquet of the municipal "
                        "levels and effects; default: when the runs had run.gis=true)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        summary = compare(args.sweep_dir, baseline=args.baseline, heatmap=args.heatmap,
                          formats=tuple(f for f in args.formats.split(",") if f),
                          figures=not args.no_figures, year=args.year, lang=args.lang,
                          gis=args.gis)
    except CompareError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
