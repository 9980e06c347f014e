"""Figures of one run, made from its output tables (never from the model).

``run_figures`` writes ``plots/national.png`` (the headline national series) and
``plots/map_population_change.png`` (per-municipality population change, a Korea map).
The map helpers are shared with :mod:`sim.compare`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402

from sim.io import atomic_write  # noqa: E402

#: Headline national series: column -> (title, unit label, scale factor).
NATIONAL_PANELS = {
    "population": ("Population", "million people", 1e-6),
    "capital_region_share": ("Capital-region share", "% of population", 100),
    "jeonbuk_population": ("Jeonbuk population", "million people", 1e-6),
    "urban_rural_qol_gap": ("Urban-rural QoL gap (gu/si - gun)", "QoL points", 1),
    "felt_benefit_share": ("Felt benefit (QoL up >= threshold)", "% of people", 100),
    "movers_share": ("Movers", "% of people a year", 100),
    "qol_theil": ("QoL inequality across places", "Theil index x 1000", 1000),
    "shrinking_municipalities": ("Shrinking municipalities", "count", 1),
    "investment_krw": ("Smart-city investment", "KRW billion a year", 1e-9),
}


def save(fig: plt.Figure, path: Path, formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """Save ``fig`` atomically in each format; returns the paths."""
    paths = []
    for fmt in formats:
        p = Path(path).with_suffix(f".{fmt}")
        atomic_write(p, lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight"))
        paths.append(p)
    plt.close(fig)
    return paths


def national_figure(national: pd.DataFrame, title: str = "") -> plt.Figure:
    """A 3x3 grid of the headline national series over time."""
    fig, axes = plt.subplots(3, 3, figsize=(13, 10), sharex=True)
    for ax, (col, (name, unit, factor)) in zip(axes.ravel(), NATIONAL_PANELS.items(), strict=True):
        if col in national:
            ax.plot(national["year"], national[col] * factor, color="#1f5f8b", lw=2)
        ax.set_title(name, fontsize=11)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("year")
    fig.suptitle(title or "National outcomes", fontsize=14)
    fig.tight_layout()
    return fig


def choropleth(
    ax: plt.Axes,
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


def population_change_map(municipal: pd.DataFrame, region) -> plt.Figure:
    """Map of the % change in population from the first to the last year of a run."""
    first, last = municipal["year"].min(), municipal["year"].max()
    start = municipal[municipal["year"] == first].set_index("code")["population"]
    end = municipal[municipal["year"] == last].set_index("code")["population"]
    change = (end / start - 1) * 100
    boundaries = region.boundaries()
    fig, ax = plt.subplots(figsize=(8, 9))
    choropleth(ax, boundaries, change.reindex(boundaries["code"]).to_numpy(),
               label=f"population change {first}-{last}, %")
    ax.set_title(f"Population change by municipality, {first}-{last}")
    return fig


def run_figures(out_dir: Path, region) -> list[Path]:
    """Write the figures of one run into ``out_dir/plots``."""
    out_dir = Path(out_dir)
    national = pd.read_parquet(out_dir / "national.parquet")
    municipal = pd.read_parquet(out_dir / "municipalities.parquet")
    plots = out_dir / "plots"
    paths = save(national_figure(national), plots / "national")
    paths += save(population_change_map(municipal, region), plots / "map_population_change")
    return paths
