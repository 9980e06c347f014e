"""Figures of a sweep comparison (:mod:`sim.tools.compare`), made from its tidy tables only.

Every figure has labelled axes with units and a legend, and is written by
:func:`sim.plots.save` (atomic, PNG plus SVG by default). Each takes ``lang``: its texts
come from :mod:`sim.i18n` and municipality names from the region table (``name_ko`` in
Korean); :func:`all_figures` draws them inside :func:`sim.fonts.context`. :func:`all_figures` decides
which figures a sweep supports (e.g. a heat map needs two swept parameters, maps need a
baseline) and says why a figure was skipped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim import fonts
from sim.constants import JEONBUK_PROVINCE
from sim.i18n import headline, names, national_panels, t
from sim.plots import choropleth, save, subplots

_COLOURS = matplotlib.colormaps["tab20"].colors
JEONBUK_PREFIX = str(JEONBUK_PROVINCE)  # municipality codes of Jeollabuk-do start with it
#: Figures stay readable: at most this many conditions in one figure, and maps of at most
#: this many conditions.
MAX_CONDITIONS_PER_FIGURE = 20
MAX_MAPS = 12


def _colour(i: int) -> tuple:
    return _COLOURS[(2 * i) % 20 if i < 10 else (2 * i + 1) % 20]


#: Dash patterns of the conditions' lines after the first: policy effects are small beside
#: national levels, so the lines of several conditions often coincide, and a solid line drawn
#: last would hide the others. Dashes (and the first line drawn widest) keep each visible.
_DASHES = ["-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)), (0, (3, 3)), (0, (8, 3))]


def _line(i: int, n: int) -> dict:
    """Colour, dash pattern and width of condition ``i`` of ``n`` in a line plot."""
    return {"color": _colour(i), "linestyle": _DASHES[i % len(_DASHES)],
            "lw": 2.8 - 1.4 * i / max(n - 1, 1)}


def _band_kind(n_seeds: int, lang: str = "en") -> str:
    return t("5-95th percentile across seeds" if n_seeds >= 10 else "min-max across seeds", lang)


def _series_stats(national: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per condition and year: mean, band low/high and number of seeds of ``metric``."""
    d = national[national["metric"] == metric]
    grouped = d.groupby(["condition", "year"], sort=False)["value"]
    out = grouped.agg(["mean", "count", "min", "max"])
    q = grouped.quantile([0.05, 0.95]).unstack()
    out["low"] = np.where(out["count"] >= 10, q[0.05], out["min"])
    out["high"] = np.where(out["count"] >= 10, q[0.95], out["max"])
    return out.reset_index()


def national_bands(national: pd.DataFrame, conditions: Sequence[str], lang: str = "en") -> Figure:
    """The headline national series over time, one line per condition (mean over seeds)
    with a band across seeds."""
    fig, axes = subplots(3, 3, figsize=(15, 11), sharex=True)
    n_seeds = int(national.groupby("condition")["seed"].nunique().min())
    for ax, (metric, (name, unit, factor)) in zip(axes.ravel(), national_panels(lang).items(),
                                                  strict=True):
        ax.set_title(name, fontsize=11)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        if metric not in set(national["metric"]):
            ax.text(0.5, 0.5, t("not recorded", lang), ha="center", transform=ax.transAxes)
            continue
        stats = _series_stats(national, metric)
        for i, cond in enumerate(conditions):
            s = stats[stats["condition"] == cond]
            c = _colour(i)
            ax.plot(s["year"], s["mean"] * factor, label=cond, **_line(i, len(conditions)))
            ax.fill_between(s["year"], s["low"] * factor, s["high"] * factor, color=c,
                            alpha=0.18, lw=0)
    for ax in axes[-1]:
        ax.set_xlabel(t("year", lang))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=9,
               frameon=False, bbox_to_anchor=(0.5, -0.02 - 0.018 * (len(labels) // 4)))
    fig.suptitle(t("National outcomes by scenario (line: mean over seeds; band: {band})", lang,
                   band=_band_kind(n_seeds, lang)), fontsize=13)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    return fig


def _display(effects: pd.DataFrame, metric: str, lang: str = "en") -> tuple[pd.DataFrame, str]:
    """Effects of ``metric`` in display units (see :data:`sim.catalogue.HEADLINE`)."""

    name, unit, factor = headline(lang).get(metric, (metric, t("model units", lang), 1))
    e = effects[effects["metric"] == metric].copy()
    scale = 100 / e["baseline_mean"] if factor is None else factor
    for col in ("mean", "ci_low", "ci_high"):
        e[col] = e[col] * scale
    return e, t("{name}: difference, {unit}", lang, name=name, unit=unit)


def effects_forest(effects: pd.DataFrame, baseline: str, lang: str = "en") -> Figure:
    """Final-year effect of each condition against the baseline, with 95 % CIs from
    paired seeds; one panel per headline metric."""

    labels = headline(lang)
    metrics = [m for m in labels if m in set(effects["metric"])]
    conditions = list(dict.fromkeys(effects["condition"]))
    ncol = 3
    nrow = math.ceil(len(metrics) / ncol)
    height = max(2.5, 0.32 * len(conditions) + 1.2)
    fig, axes = subplots(nrow, ncol, figsize=(15, height * nrow), sharey=True, squeeze=False)
    y = np.arange(len(conditions))
    for ax, metric in zip(axes.ravel(), metrics, strict=False):
        e, xlabel = _display(effects, metric, lang)
        e = e.set_index("condition").reindex(conditions)
        err = np.vstack([e["mean"] - e["ci_low"], e["ci_high"] - e["mean"]])
        ax.errorbar(e["mean"], y, xerr=np.nan_to_num(err), fmt="o", color="#1f5f8b",
                    ecolor="#7aa6c2", capsize=3, label=t("mean, 95 % CI", lang))
        ax.axvline(0, color="black", lw=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # long labels (-0.0015) do not collide
        ax.set_xlabel(xlabel, fontsize=9)
        ax.set_title(labels[metric][0], fontsize=11)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.ravel()[len(metrics):]:
        ax.set_axis_off()
    axes[0, 0].set_yticks(y, conditions, fontsize=9)
    axes[0, 0].invert_yaxis()
    axes[0, 0].legend(loc="best", fontsize=8)
    n = int(effects["n"].min())
    fig.suptitle(t("Final-year effect against {baseline} (paired seeds, n = {n} pairs or more; "
                   "bars: 95 % t confidence interval)", lang, baseline=baseline, n=n), fontsize=13)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig


def effect_vs_parameter(effects: pd.DataFrame, param: str, baseline: str,
                        lang: str = "en") -> Figure:
    """Final-year effect against the baseline as a function of one numeric swept
    parameter (e.g. the national budget), one line per scenario, 95 % CI band."""

    labels = headline(lang)
    metrics = [m for m in labels if m in set(effects["metric"])]
    ncol = 3
    nrow = math.ceil(len(metrics) / ncol)
    fig, axes = subplots(nrow, ncol, figsize=(15, 3.6 * nrow), squeeze=False)
    scenarios = list(dict.fromkeys(effects["scenario"]))
    for ax, metric in zip(axes.ravel(), metrics, strict=False):
        e, ylabel = _display(effects, metric, lang)
        for i, sc in enumerate(scenarios):
            s = e[e["scenario"] == sc].sort_values(param)
            x = s[param].astype(float)
            ax.plot(x, s["mean"], "o-", color=_colour(i), label=sc)
            ax.fill_between(x, s["ci_low"], s["ci_high"], color=_colour(i), alpha=0.2, lw=0)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(labels[metric][0], fontsize=11)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.set_xlabel(_param_label(param))
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(metrics):]:
        ax.set_axis_off()
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(t("Final-year effect against {baseline} by {param} (band: 95 % CI, paired seeds)",
                   lang, baseline=baseline, param=param), fontsize=13)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig


def _param_label(param: str) -> str:
    if param.endswith("_krw"):
        return f"{param} (KRW)"
    return param


def heatmap_figure(table: pd.DataFrame, x: str, y: str, metrics: Sequence[str], title: str,
            units: dict[str, str], lang: str = "en") -> Figure:
    """Mean of each metric over a grid of two swept parameters ``x`` and ``y``.

    ``table`` holds columns ``x``, ``y``, ``metric``, ``value`` (already in display units);
    ``units`` maps each metric to its colour-bar label.
    """

    ncol = min(3, len(metrics))
    nrow = math.ceil(len(metrics) / ncol)
    fig, axes = subplots(nrow, ncol, figsize=(5.2 * ncol, 4.3 * nrow), squeeze=False)
    xs = sorted(table[x].dropna().unique(), key=_sort_key)
    ys = sorted(table[y].dropna().unique(), key=_sort_key)
    for ax, metric in zip(axes.ravel(), metrics, strict=False):
        d = table[table["metric"] == metric]
        grid = d.pivot_table(index=y, columns=x, values="value", aggfunc="mean").reindex(
            index=ys, columns=xs)
        vals = grid.to_numpy(dtype=float)
        lim = np.nanmax(np.abs(vals)) if np.isfinite(vals).any() else 1.0
        im = ax.imshow(vals, cmap="RdBu", vmin=-lim or -1, vmax=lim or 1, aspect="auto")
        for (i, j), v in np.ndenumerate(vals):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(xs)), [_short(v) for v in xs], rotation=30, ha="right")
        ax.set_yticks(range(len(ys)), [_short(v) for v in ys])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(headline(lang).get(metric, (metric,))[0], fontsize=11)
        fig.colorbar(im, ax=ax, shrink=0.8, label=units[metric])
    for ax in axes.ravel()[len(metrics):]:
        ax.set_axis_off()
    fig.suptitle(title, fontsize=13)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def _sort_key(v: Any) -> tuple:
    try:
        return (0, float(v), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(v))


def _short(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def difference_maps(mun_effects: pd.DataFrame, condition: str, boundaries, baseline: str,
                    n_seeds: int, lang: str = "en") -> Figure:
    """Two maps: final-year population difference (% of baseline) and QoL difference
    (points) per municipality, mean over paired seeds."""
    d = mun_effects[mun_effects["condition"] == condition].set_index("code")
    codes = boundaries["code"]
    fig, axes = subplots(1, 2, figsize=(14, 8))
    choropleth(axes[0], boundaries, d["population_diff_pct"].reindex(codes).to_numpy(),
               label=t("population, % difference from {baseline}", lang, baseline=baseline))
    axes[0].set_title(t("Population, final year", lang))
    choropleth(axes[1], boundaries, d["qol_diff"].reindex(codes).to_numpy(),
               label=t("QoL, points difference from {baseline}", lang, baseline=baseline))
    axes[1].set_title(t("Quality of life, final year", lang))
    fig.suptitle(t("{condition} vs {baseline} (mean of {n} paired seeds)", lang,
                   condition=condition, baseline=baseline, n=n_seeds), fontsize=13)
    fig.tight_layout()
    return fig


def province_maps(prov_effects: pd.DataFrame, condition: str, boundaries, baseline: str,
                  n_seeds: int, when: str, lang: str = "en") -> Figure:
    """Three maps of the 17 provinces (``boundaries``: the municipalities dissolved by
    province, :func:`sim.gis.province_boundaries`): the effect on population, on net
    migration from the other provinces and on QoL, mean over paired seeds."""
    d = prov_effects[prov_effects["condition"] == condition]
    codes = boundaries["province_code"].astype(int)
    fig, axes = subplots(1, 3, figsize=(18, 7))
    panels = (
        ("population", 1e-3, t("population, thousand people", lang), t("Population", lang)),
        ("net_migration", 1e-3, t("net migration from other provinces, thousand people a year",
                                  lang), t("Net migration from other provinces", lang)),
        ("qol", 1.0, t("QoL, points", lang), t("Quality of life", lang)),
    )
    for ax, (metric, factor, label, title) in zip(axes, panels, strict=True):
        values = (d[d["metric"] == metric].set_index("province_code")["mean"]
                  .reindex(codes).to_numpy(dtype=float) * factor)
        choropleth(ax, boundaries, values, label=label)
        ax.set_title(title)
    fig.suptitle(t("{when} effect by province: {condition} vs {baseline} (mean of {n} paired "
                   "seeds)", lang, condition=condition, baseline=baseline, when=when, n=n_seeds),
                 fontsize=13)
    fig.tight_layout()
    return fig


def jeonbuk_panel(national: pd.DataFrame, effects: pd.DataFrame, mun_effects: pd.DataFrame,
                  conditions: Sequence[str], baseline: str, lang: str = "en") -> Figure:
    """Jeonbuk: population over time per condition; final-year effect on its population
    with 95 % CIs; per-municipality QoL difference by condition (municipalities by their
    ``name`` column: pass Korean names for Korean)."""
    fig = Figure(figsize=(16, 10))
    gs = fig.add_gridspec(2, 2, height_ratios=[1, 1.2])
    ax = fig.add_subplot(gs[0, 0])
    stats = _series_stats(national, "jeonbuk_population")
    for i, cond in enumerate(conditions):
        s = stats[stats["condition"] == cond]
        ax.plot(s["year"], s["mean"] / 1e6, label=cond, **_line(i, len(conditions)))
        ax.fill_between(s["year"], s["low"] / 1e6, s["high"] / 1e6, color=_colour(i),
                        alpha=0.18, lw=0)
    ax.set_xlabel(t("year", lang))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(t("million people", lang))
    ax.set_title(t("Jeonbuk population (mean over seeds, band across seeds)", lang))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)

    ax = fig.add_subplot(gs[0, 1])
    e = effects[effects["metric"] == "jeonbuk_population"] if not effects.empty else effects
    if len(e):
        yy = np.arange(len(e))
        err = np.vstack([e["mean"] - e["ci_low"], e["ci_high"] - e["mean"]]) / 1e3
        ax.errorbar(e["mean"] / 1e3, yy, xerr=np.nan_to_num(err), fmt="o", color="#1f5f8b",
                    ecolor="#7aa6c2", capsize=3)
        ax.set_yticks(yy, e["condition"], fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.8)
    else:
        ax.text(0.5, 0.5, t("no {baseline} runs to compare with", lang, baseline=baseline),
                ha="center", transform=ax.transAxes)
    ax.set_xlabel(t("final-year difference from {baseline}, thousand people", lang,
                    baseline=baseline))
    ax.set_title(t("Effect on Jeonbuk population (95 % CI, paired seeds)", lang))
    ax.grid(axis="x", alpha=0.3)

    ax = fig.add_subplot(gs[1, :])
    m = mun_effects[mun_effects["code"].astype(str).str.startswith(JEONBUK_PREFIX)] \
        if not mun_effects.empty else mun_effects
    if len(m):
        grid = m.pivot_table(index="condition", columns="name", values="qol_diff", aggfunc="mean")
        grid = grid.reindex([c for c in conditions if c in grid.index])
        vals = grid.to_numpy(dtype=float)
        lim = float(np.nanmax(np.abs(vals))) if np.isfinite(vals).any() else 1.0
        im = ax.imshow(vals, cmap="RdBu", vmin=-(lim or 1), vmax=lim or 1, aspect="auto")
        ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
        fig.colorbar(im, ax=ax, label=t("QoL difference from {baseline}, points", lang,
                                        baseline=baseline))
        ax.set_xlabel(t("Jeonbuk municipality", lang))
    else:
        ax.text(0.5, 0.5, t("no Jeonbuk municipalities or no baseline runs", lang),
                ha="center", transform=ax.transAxes)
        ax.set_axis_off()
    ax.set_title(t("Final-year QoL difference per Jeonbuk municipality (mean over paired seeds)",
                   lang))
    fig.suptitle(t("Jeonbuk", lang), fontsize=14)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig


def _slug(text: str) -> str:
    """A file-name stem: no dots (``save`` adds the suffix), no spaces or separators."""
    keep = "".join(c if c.isalnum() or c in "-_" else ("-" if c == "." else "_") for c in text)
    return "_".join(p for p in keep.split("_") if p)[:120]


def all_figures(g, effects: pd.DataFrame, fig_dir: Path, *, baseline: str,
                heatmap: Sequence[str] | None, formats: tuple[str, ...],
                municipal: pd.DataFrame, when: str = "Final-year",
                lang: str = "en", provinces: pd.DataFrame | None = None,
                ) -> tuple[list[tuple[str, Path]], list[str]]:
    """Write every figure the sweep supports into ``fig_dir`` (``when`` names the year of
    the effects in captions, e.g. "2025"), in ``lang`` (English if no Hangul font is
    found: :func:`sim.fonts.context`); ``provinces`` are the province effects
    (:func:`sim.tools.compare.province_effects`) of the province maps.

    Returns ``(caption, path)`` of each figure (first format) and notes on skipped ones,
    in ``lang``.
    """
    with fonts.context(lang) as drawn:
        made, notes = _all_figures(g, effects, fig_dir, baseline=baseline, heatmap=heatmap,
                                   formats=formats, municipal=municipal, when=when,
                                   lang=drawn, provinces=provinces)
    if drawn != lang:
        notes.append(t("figures in English: {why}", lang, why=fonts.MISSING_MESSAGE))
    return made, notes


def _all_figures(g, effects: pd.DataFrame, fig_dir: Path, *, baseline: str,
                 heatmap: Sequence[str] | None, formats: tuple[str, ...],
                 municipal: pd.DataFrame, when: str,
                 lang: str, provinces: pd.DataFrame | None = None,
                 ) -> tuple[list[tuple[str, Path]], list[str]]:
    made: list[tuple[str, Path]] = []
    notes: list[str] = []
    labels = headline(lang)
    when = t("Final-year", lang) if when == "Final-year" else when
    conditions = list(dict.fromkeys(g.national["condition"]))
    # baseline first, so it keeps the same colour in every figure
    conditions.sort(key=lambda c: c.split(" | ")[0] != baseline)
    n_seeds = int(g.national.groupby("condition")["seed"].nunique().min())

    def add(caption: str, fig: Figure, name: str) -> None:
        paths = save(fig, fig_dir / name, formats)
        made.append((caption, paths[0]))

    if len(conditions) <= MAX_CONDITIONS_PER_FIGURE:
        add(t("National outcomes over time by scenario, bands across seeds", lang),
            national_bands(g.national, conditions, lang), "national_by_scenario")
    else:
        notes.append(t("national_by_scenario skipped: {n} conditions (more than {most} lines "
                       "per panel)", lang, n=len(conditions), most=MAX_CONDITIONS_PER_FIGURE))
    if effects.empty:
        has_base = (g.national["scenario"] == baseline).any()
        notes.append(
            t("no effects: the sweep has no scenario other than `{baseline}`", lang,
              baseline=baseline) if has_base else
            t("no `{baseline}` runs in the sweep: effects, maps and effect figures skipped "
              "(add scenario={baseline} with the same seeds, or choose `--baseline`)", lang,
              baseline=baseline))
    elif effects["condition"].nunique() <= 3 * MAX_CONDITIONS_PER_FIGURE:
        add(t("{when} effects against {baseline} with 95 % CIs (paired seeds)", lang, when=when,
              baseline=baseline),
            effects_forest(effects, baseline, lang), "effects")
    else:
        notes.append(t("effects figure skipped: too many conditions; see effects.csv", lang))

    numeric = [p for p in g.params if pd.api.types.is_numeric_dtype(g.national[p])
               and not pd.api.types.is_bool_dtype(g.national[p])]
    if not effects.empty and len(g.params) == 1 and numeric:
        add(t("{when} effect against {baseline} by {param}", lang, when=when, baseline=baseline,
              param=numeric[0]),
            effect_vs_parameter(effects, numeric[0], baseline, lang),
            f"effect_vs_{_slug(numeric[0])}")

    axes = list(heatmap) if heatmap else (list(g.params) if len(g.params) == 2 else None)
    if axes:
        missing = [a for a in axes if a not in g.params]
        if missing:
            notes.append(t("heat map skipped: {missing} not swept (swept: {swept})", lang,
                           missing=missing, swept=g.params))
        else:
            x, y = axes
            metrics = [m for m in labels if m not in ("output", "population")
                       and m in set(g.national["metric"])][:6]
            if not effects.empty:
                e = effects[effects["metric"].isin(metrics)].copy()
                for m in metrics:  # display units
                    sel = e["metric"] == m
                    e.loc[sel, "value"] = e.loc[sel, "mean"] * labels[m][2]
                table = e
                title = t("{when} effect against {baseline} over {x} x {y} (mean of paired seeds)",
                          lang, when=when, baseline=baseline, x=x, y=y)
                label = t("difference from baseline", lang)
            else:
                final = g.national[g.national["year"] == g.national["year"].max()]
                table = final[final["metric"].isin(metrics)].copy()
                table["value"] = [v * labels[m][2] for v, m in zip(table["value"],
                                                                   table["metric"], strict=True)]
                title = t("Final-year level over {x} x {y} (mean over seeds)", lang, x=x, y=y)
                label = t("level", lang)
            units = {m: f"{label}, {labels[m][1]}" for m in metrics}
            add(t("Heat map over {x} x {y}", lang, x=x, y=y),
                heatmap_figure(table, x, y, metrics, title, units, lang),
                f"heatmap_{_slug(x)}_x_{_slug(y)}")
    elif len(g.params) > 2:
        notes.append(t("heat map: {n} swept parameters; choose two with `--heatmap X Y`", lang,
                       n=len(g.params)))

    region = boundaries = None
    provinces = provinces if provinces is not None else pd.DataFrame()
    if not municipal.empty or not provinces.empty:
        from sim.config import region_config
        from sim.data import load_region

        r = g.region
        try:  # a data region (Korea) stores its generator's settings as None
            n, seed = r.get("region.n_municipalities"), r.get("region.seed")
            region = load_region(region_config(r.get("region.name") or "korea"),
                                 n_municipalities=None if n is None else int(n),
                                 seed=None if seed is None else int(seed))
            boundaries = region.boundaries()
        except Exception as err:  # maps are optional; say why they are missing
            notes.append(t("maps skipped: region boundaries unavailable ({err})", lang, err=err))
    if not municipal.empty:
        if lang != "en" and region is not None:  # the region table's Korean names
            municipal = names(municipal, lang, region.table)
        treated = [c for c in conditions if c in set(municipal["condition"])]
        if boundaries is not None:
            for cond in treated[:MAX_MAPS]:
                add(t("Map: {condition} vs {baseline}, population and QoL difference", lang,
                      condition=cond, baseline=baseline),
                    difference_maps(municipal, cond, boundaries, baseline, n_seeds, lang),
                    f"map_{_slug(cond)}")
            if len(treated) > MAX_MAPS:
                notes.append(t("maps drawn for the first {most} of {n} conditions", lang,
                               most=MAX_MAPS, n=len(treated)))
    if not provinces.empty and boundaries is not None:
        from sim.gis import province_boundaries

        shapes = province_boundaries(region)
        for cond in [c for c in conditions if c in set(provinces["condition"])][:MAX_MAPS]:
            add(t("Province map: {condition} vs {baseline}, population, net migration and QoL",
                  lang, condition=cond, baseline=baseline),
                province_maps(provinces, cond, shapes, baseline, n_seeds, when, lang),
                f"provinces_{_slug(cond)}")
    if len(conditions) <= MAX_CONDITIONS_PER_FIGURE and \
            "jeonbuk_population" in set(g.national["metric"]):
        add(t("Jeonbuk panel: population, effect and per-municipality QoL", lang),
            jeonbuk_panel(g.national, effects, municipal, conditions, baseline, lang), "jeonbuk")
    return made, notes
