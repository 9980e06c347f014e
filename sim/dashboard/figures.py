"""The dashboard's figures, apart from its pages: a Korea choropleth and the national
series, as Vega-Lite specs (drawn in the browser, with hover).

Each is a plain Vega-Lite dict (what Altair would produce), drawn by Solara's
``VegaLite`` widget: building it by hand costs next to nothing, where Altair's chart
objects took about 0.3 s a redraw for 229 polygons. The polygons are simplified to about
1 km (below a pixel at the map's size) and kept in their projected metres (EPSG:5179)
with Vega's identity projection, so the browser receives about 190 kB a redraw.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from sim import i18n
from sim.config import region_config
from sim.dashboard.names import with_korean_names
from sim.data import load_region
from sim.i18n import t

#: Polygon simplification tolerance and coordinate grid, metres.
SIMPLIFY_M = 1000.0
GRID_M = 100.0
#: The national series of the Explore page, in panel order.
SERIES = ("population", "capital_region_share", "jeonbuk_population", "urban_rural_qol_gap",
          "felt_benefit_share", "qol_theil")


@lru_cache(maxsize=4)
def region_shapes(name: str = "korea", n_municipalities: int | None = None,
                  seed: int | None = None) -> tuple:
    """The region's polygons as GeoJSON features with hover names (``label``: Korean
    and English name, ``area``: province), simplified; cached per region."""
    import shapely

    region = load_region(region_config(name), n_municipalities=n_municipalities, seed=seed)
    gdf = region.boundaries()
    table = with_korean_names(region.table[["code", "name", "province"]
                                           + [c for c in ("name_ko", "province_ko") if c in region.table]])
    table = table.set_index("code").reindex(gdf["code"])
    geoms = shapely.set_precision(
        gdf.geometry.simplify(SIMPLIFY_M, preserve_topology=True).to_numpy(), GRID_M)
    features = []
    for code, geom, row in zip(gdf["code"], geoms, table.itertuples(), strict=True):
        features.append({
            "type": "Feature",
            "geometry": _integer_coords(json.loads(shapely.to_geojson(geom))),
            "properties": {"code": code, "label": _both(row.name_ko, row.name),
                           "area": _both(row.province_ko, row.province)},
        })
    return tuple(features)


def _both(korean: str, english: str) -> str:
    return f"{korean} {english}" if korean else str(english)


def _integer_coords(geometry: dict) -> dict:
    def walk(c):
        return [walk(x) for x in c] if isinstance(c[0], list) else [int(round(v)) for v in c]

    return {**geometry, "coordinates": walk(geometry["coordinates"])}


def choropleth_spec(
    features: Sequence[dict], table: pd.DataFrame, *, title: str, unit: str,
    diverging: bool, domain: tuple[float, float] | None = None, log: bool = False,
    note: str | None = None, width: int = 430, height: int = 520, lang: str = "en",
) -> dict[str, Any]:
    """A Vega-Lite spec colouring each feature by ``table.value`` (joined on ``code``).

    ``domain`` is a colour range fixed by the caller (the Explore map's range for a whole
    run, :func:`sim.dashboard.runs.colour_range`, so that the frames of two years can be
    compared): values beyond it take the end colours, and the colour bar's title says
    that the range is fixed (unless a ``note`` says the map stands in for this year). Without it the range follows the values shown: diverging
    layers are centred on 0 with a symmetric range (98th percentile of the absolute
    values, so one outlier does not wash out the rest), others span the values. ``log``
    colours on a log-like scale (symlog); ``note`` is a line under the title (what the map shows
    instead of what was asked). A missing value is grey. The tooltip shows the Korean
    and English names, the province and the value (its titles in ``lang``).
    """
    values = table.set_index("code")["value"]
    data = []
    for f in features:
        v = values.get(f["properties"]["code"], np.nan)
        v = float(v) if v is not None and np.isfinite(v) else None
        data.append({**f, "properties": {**f["properties"], "value": v}})
    finite = np.array([d["properties"]["value"] for d in data if d["properties"]["value"] is not None])
    scheme = "redblue" if diverging else "viridis"
    legend_title: str | list[str] = f"{unit}" if unit else title
    if domain is not None:
        scale = {"scheme": scheme, "domain": [float(domain[0]), float(domain[1])],
                 "clamp": True}
        if not note:  # a map with a note stands in for one year: no claim on the others
            legend_title = [legend_title, t("same colours every year", lang)]
    elif diverging:
        lim = float(np.nanpercentile(np.abs(finite), 98)) if len(finite) else 1.0
        lim = lim if lim > 0 and math.isfinite(lim) else 1.0
        scale = {"scheme": scheme, "domain": [-lim, lim], "clamp": True}
    else:
        scale = {"scheme": scheme, "zero": False}
    if log:  # symlog: like log over orders of magnitude, and a zero still has a colour
        scale.update(type="symlog", constant=1)
    heading: dict[str, Any] = {"text": title, "fontSize": 13}
    if note:
        heading.update(subtitle=note, subtitleFontSize=12, subtitleColor="#b35900")
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": heading,
        "width": width,
        "height": height,
        "data": {"values": data},
        "projection": {"type": "identity", "reflectY": True},
        "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.3, "invalid": None},
        "encoding": {
            "color": {
                "condition": {"test": "datum.properties.value === null", "value": "#d0d0d0"},
                "field": "properties.value", "type": "quantitative", "scale": scale,
                "legend": {"title": legend_title, "orient": "bottom-right", "gradientLength": 160},
            },
            "tooltip": [
                {"field": "properties.label", "type": "nominal",
                 "title": t("municipality", lang)},
                {"field": "properties.area", "type": "nominal", "title": t("province", lang)},
                {"field": "properties.value", "type": "quantitative", "title": unit or title,
                 "format": ",.2f"},
            ],
        },
        "config": {"view": {"stroke": None}},
        "usermeta": {"embedOptions": {"actions": False}},
    }


def series_spec(
    national: pd.DataFrame, twin: pd.DataFrame | None, *, scenario: str, start_year: int,
    end_year: int, metrics: Sequence[str] = SERIES, lang: str = "en",
) -> dict[str, Any]:
    """A Vega-Lite spec of the national series so far: one small panel per metric, the
    run solid and its ``no_investment`` twin dashed, on the whole horizon so the lines
    grow as the run steps. (A matplotlib figure took about 0.45 s a redraw, half of a
    step's; this spec costs the server next to nothing.)"""
    twin_name = t("no_investment (same seed)", lang)
    metas = i18n.national(lang)  # the catalogue's metrics in lang
    rows = []
    panels = []
    for col in metrics:
        if col not in metas or col not in national:
            continue
        meta = metas[col]
        panel = f"{meta.label}|{meta.level_unit}"  # two header lines (labelExpr)
        panels.append(panel)
        for frame, name in ((national, scenario), (twin, twin_name)):
            if frame is None or col not in frame:
                continue
            for year, value in zip(frame["year"], frame[col], strict=True):
                v = float(value) * meta.level_factor
                rows.append({"panel": panel, "run": name, "year": int(year),
                             "value": v if math.isfinite(v) else None})
    names = [scenario] + ([twin_name] if twin is not None else [])
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": rows},
        "facet": {"field": "panel", "type": "nominal", "sort": panels,
                  "header": {"title": None, "labelFontSize": 10, "labelFontWeight": "bold",
                             "labelExpr": "split(datum.label, '|')"}},
        "columns": 3,
        "spec": {
            "width": 128,
            "height": 95,
            "mark": {"type": "line", "point": {"size": 18}, "strokeWidth": 2},
            "encoding": {
                "x": {"field": "year", "type": "quantitative", "title": None,
                      "scale": {"domain": [start_year, max(end_year, start_year + 1)]},
                      "axis": {"format": "d", "tickCount": 5}},
                "y": {"field": "value", "type": "quantitative", "title": None,
                      "scale": {"zero": False}},
                "color": {"field": "run", "type": "nominal", "title": None,
                          "scale": {"domain": names, "range": ["#1f5f8b", "#888888"]},
                          "legend": {"orient": "top"}},
                "strokeDash": {"field": "run", "type": "nominal", "legend": None,
                               "scale": {"domain": names, "range": [[1, 0], [5, 3]]}},
                "tooltip": [{"field": "run", "type": "nominal"},
                            {"field": "year", "type": "quantitative"},
                            {"field": "value", "type": "quantitative", "format": ",.4g"}],
            },
        },
        "resolve": {"scale": {"y": "independent"}},
        "usermeta": {"embedOptions": {"actions": False}},
    }
