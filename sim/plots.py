"""Figures of one run, made from its output tables (never from the model).

``run_figures`` writes ``plots/national.png`` (the headline national series) and
``plots/map_population_change.png`` (per-municipality population change, a Korea map).
The helpers (:func:`subplots`, :func:`save`, :func:`choropleth`) are shared with the
tools (:mod:`sim.tools.compare_plots`, :mod:`sim.tools.validate`, :mod:`sim.tools.bench`).

Figures are :class:`matplotlib.figure.Figure` objects drawn without pyplot, so making
them needs no GUI backend, changes no global state and is safe in any worker. Each
figure takes ``lang`` (``report.lang``): its texts come from :mod:`sim.i18n`, and Korean
figures are made and saved inside :func:`sim.fonts.context`, which gives them a Hangul
font (or falls back to English, saying why).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from sim import fonts
from sim.i18n import national_panels, t
from sim.io import atomic_write


def subplots(nrows: int = 1, ncols: int = 1, **kwargs) -> tuple[Figure, Axes | np.ndarray]:
    """A new figure and its axes, like ``pyplot.subplots`` but without pyplot.

    Keyword arguments ``figsize``, ``dpi`` and ``layout`` go to the figure, the rest to
    :meth:`Figure.subplots` (``sharex``, ``sharey``, ``squeeze``, ``subplot_kw``, ...).
    """
    fig_kw = {k: kwargs.pop(k) for k in ("figsize", "dpi", "layout") if k in kwargs}
    fig = Figure(**fig_kw)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def save(fig: Figure, path: Path, formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """Save ``fig`` atomically in each format; returns the paths."""
    paths = []
    for fmt in formats:
        p = Path(path).with_suffix(f".{fmt}")
        atomic_write(p, lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight"))
        paths.append(p)
    return paths


def national_figure(national: pd.DataFrame, title: str = "", lang: str = "en") -> Figure:
    """A 3x3 grid of the headline national series over time."""
    fig, axes = subplots(3, 3, figsize=(13, 10), sharex=True)
    for ax, (col, (name, unit, factor)) in zip(axes.ravel(), national_panels(lang).items(),
                                               strict=True):
        if col in national:
            ax.plot(national["year"], national[col] * factor, color="#1f5f8b", lw=2)
        ax.set_title(name, fontsize=11)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel(t("year", lang))
    fig.suptitle(title or t("National outcomes", lang), fontsize=14)
    fig.tight_layout()
    return fig


def choropleth(
    ax: Axes,
    boundaries,
    values: np.ndarray,
    *,
    label: str,
    diverging: bool = True,
    cmap: str | None = None,
) -> None:
    """Fill each municipality polygon by ``values`` (ordered like ``boundaries``)."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if diverging:
        lim = float(np.nanpercentile(np.abs(finite), 98)) if len(finite) else 1.0
        lim = lim or 1.0
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-lim, vmax=lim)
        cmap = cmap or "RdBu"
    else:
        norm = None
        cmap = cmap or "viridis"
    gdf = boundaries.assign(value=values)
    gdf.plot(column="value", ax=ax, cmap=cmap, norm=norm, edgecolor="white", linewidth=0.15,
             legend=True, legend_kwds={"label": label, "shrink": 0.6},
             missing_kwds={"color": "lightgrey"})
    ax.set_axis_off()


def population_change_map(municipal: pd.DataFrame, region, lang: str = "en") -> Figure:
    """Map of the % change in population from the first to the last year of a run."""
    first, last = municipal["year"].min(), municipal["year"].max()
    start = municipal[municipal["year"] == first].set_index("code")["population"]
    end = municipal[municipal["year"] == last].set_index("code")["population"]
    change = (end / start - 1) * 100
    boundaries = region.boundaries()
    fig, ax = subplots(figsize=(8, 9))
    choropleth(ax, boundaries, change.reindex(boundaries["code"]).to_numpy(),
               label=t("population change {first}-{last}, %", lang, first=first, last=last))
    ax.set_title(t("Population change by municipality, {first}-{last}", lang, first=first,
                   last=last))
    return fig


def run_title(scenario: str, beliefs: str, lang: str = "en") -> str:
    """The title of a run's figures: its scenario and beliefs."""
    return t("{scenario} under the {beliefs} beliefs", lang, scenario=scenario, beliefs=beliefs)


def run_figures(out_dir: Path, national: pd.DataFrame, municipal: pd.DataFrame,
                region, title: str = "", lang: str = "en", *,
                scenario: str | None = None, beliefs: str | None = None) -> list[Path]:
    """Write the figures of one run (its output tables, in memory) into ``out_dir/plots``
    in ``lang``; ``title`` names the run (or ``scenario`` and ``beliefs`` do, in the
    language the figures are drawn in)."""
    plots = Path(out_dir) / "plots"
    with fonts.context(lang) as lang:
        if scenario is not None:
            title = run_title(scenario, beliefs or "neutral", lang)
        paths = save(national_figure(national, title, lang), plots / "national")
        paths += save(population_change_map(municipal, region, lang),
                      plots / "map_population_change")
    return paths
