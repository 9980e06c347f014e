"""GIS export: a run's or a comparison's municipal (and province) results with their
boundaries, as GeoPackage and GeoParquet, for QGIS and other GIS.

    python -m sim.export outputs/tech_city/2025-01-01_00-00-00          # one finished run
    python -m sim.export multirun/2025-01-01_00-00-00 --format gpkg     # a sweep
    python -m sim.export RUN_DIR --year 2035                            # another year

A run (``run.gis=true`` writes it at the end of the run, or the command for a finished
run: :func:`export_run`) gets ``gis/`` in its directory:

- ``run_<year>.gpkg`` with the layers ``municipalities`` and ``provinces`` (from
  ``provinces.parquet``; runs written before it existed get no ``provinces`` layer);
- ``municipalities_<year>.parquet`` (and ``provinces_<year>.parquet``): the same layers
  as GeoParquet.

Each municipality's row has its ``code``, ``name`` and ``name_ko``, ``province`` and
``province_ko``, ``province_code`` and ``kind``, every column of ``municipalities.parquet``
in that year (model units: persons, households, KRW, QoL points, shares 0-1), and
``population_start`` and ``population_change_pct`` against the run's first year; the
geometry is the municipality's polygon in EPSG:5179 (Korea 2000 / Unified CS, metres).

A sweep (a folder of runs: the command, ``python -m sim.compare --gis``, or a sweep of
runs with ``run.gis=true``; :func:`sim.tools.compare.export_gis`) gets
``gis/comparison_<year>.gpkg`` with two layers, and the same as GeoParquet files:

- ``levels``: per condition (scenario and swept settings, as in ``summary.md``) and
  municipality, the mean over seeds of the year's columns, with ``seeds``;
- ``effects``: per treated condition and municipality, the mean over paired seeds of the
  difference from the baseline (``<column>_diff``, model units;
  ``population_diff_pct`` in % of the baseline), with ``pairs``.

docs/gis.md shows a map drawn from an exported file.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim import io

log = logging.getLogger("sim.gis")

#: The formats: name -> file suffix.
FORMATS = {"gpkg": ".gpkg", "parquet": ".parquet"}
#: The coordinate reference system of every exported geometry.
CRS = "EPSG:5179"
#: The name columns every exported layer starts with.
NAME_COLUMNS = ("code", "name", "name_ko", "province", "province_ko", "province_code", "kind")


class ExportError(ValueError):
    """The directory cannot be exported; the message says why."""


# ---------------------------------------------------------------------------- layers


def region_of(record: dict[str, Any]):
    """The region of a run's recorded config (``run.json``'s ``config``): the recorded
    region settings over those of its option in ``configs/region/`` (when there is one)."""
    from omegaconf import OmegaConf

    from sim.config import CONFIG_DIR, RegionConfig, region_config
    from sim.data import load_region

    recorded = {k: v for k, v in record.get("region", {}).items() if v is not None}
    name = recorded.get("name")
    base = (region_config(name) if name and (CONFIG_DIR / "region" / f"{name}.yaml").exists()
            else RegionConfig())
    cfg = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(base), recorded))
    return load_region(cfg)


def _names(region) -> pd.DataFrame:
    """The region's name columns, one row per municipality, ordered like its boundaries."""
    table = region.table.copy()
    for col in ("name_ko", "province_ko"):
        if col not in table:
            table[col] = ""
    return table[list(NAME_COLUMNS)].astype({"code": str})


def _geodataframe(frame: pd.DataFrame, geometry, key: str = "code"):
    """``frame`` joined to ``geometry`` (a GeoDataFrame with ``key``) on ``key``."""
    import geopandas as gpd

    geo = geometry[[key, "geometry"]].astype({key: str})
    out = geo.merge(frame.astype({key: str}), on=key, how="inner")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=geometry.crs or CRS).to_crs(CRS)


def municipal_layer(municipal: pd.DataFrame, region, year: int | None = None):
    """One row per municipality: names, the columns of ``year`` (default: the last) and
    the population change since the first year, with its polygon."""
    year = _year(municipal, year)
    first = int(municipal["year"].min())
    at = municipal[municipal["year"] == year].drop(columns=["name", "province", "kind"],
                                                   errors="ignore")
    start = municipal[municipal["year"] == first].set_index("code")["population"]
    at = at.assign(population_start=at["code"].map(start).to_numpy())
    at["population_change_pct"] = 100 * (at["population"] / at["population_start"] - 1)
    frame = _names(region).merge(at.astype({"code": str}), on="code", how="left")
    return _geodataframe(frame, region.boundaries())


def province_boundaries(region):
    """The provinces' polygons: the municipalities' dissolved by ``province_code``."""
    gdf = region.boundaries().astype({"code": str}).merge(
        _names(region)[["code", "province_code", "province", "province_ko"]], on="code")
    return gdf.dissolve(by=["province_code", "province", "province_ko"], as_index=False)[
        ["province_code", "province", "province_ko", "geometry"]]


def province_layer(provinces: pd.DataFrame, region, year: int | None = None):
    """One row per province of ``provinces.parquet`` in ``year`` (default: the last),
    with the names and the dissolved polygon of its municipalities."""
    year = _year(provinces, year)
    at = provinces[provinces["year"] == year].drop(columns=["province", "province_ko"],
                                                   errors="ignore")
    if "province_code" not in at:
        raise ExportError("provinces.parquet has no province_code column")
    shapes = province_boundaries(region).astype({"province_code": int})
    out = shapes.merge(at.astype({"province_code": int}), on="province_code", how="left")
    return out.to_crs(CRS)


def _year(table: pd.DataFrame, year: int | None) -> int:
    years = sorted(int(y) for y in table["year"].unique())
    if year is None:
        return years[-1]
    if int(year) not in years:
        raise ExportError(f"--year {year}: the results have the years {years[0]}-{years[-1]}")
    return int(year)


# ---------------------------------------------------------------------------- writing


def write_layers(layers: dict[str, Any], folder: Path, stem: str, year: int,
                 formats: Sequence[str] = tuple(FORMATS)) -> list[Path]:
    """Write ``layers`` (name -> GeoDataFrame) into ``folder``: one GeoPackage
    ``<stem>_<year>.gpkg`` with every layer, and one GeoParquet ``<layer>_<year>.parquet``
    per layer. Each file is written atomically."""
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ExportError(f"format {bad}: allowed {list(FORMATS)}")
    folder = Path(folder)
    paths: list[Path] = []
    if "gpkg" in formats:
        path = folder / f"{stem}_{year}.gpkg"
        folder.mkdir(parents=True, exist_ok=True)
        # a GeoPackage's name must end in .gpkg: written beside, then renamed
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}.", suffix=".gpkg")
        os.close(fd)
        tmp = Path(name)
        try:
            tmp.unlink()
            for i, (layer, gdf) in enumerate(layers.items()):
                gdf.to_file(tmp, layer=layer, driver="GPKG", mode="w" if i == 0 else "a")
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        paths.append(path)
    if "parquet" in formats:
        for name, gdf in layers.items():
            path = folder / f"{name}_{year}.parquet"
            io.atomic_write(path, lambda tmp, gdf=gdf: gdf.to_parquet(tmp, index=False))
            paths.append(path)
    return paths


def export_run(run_dir: str | Path, *, formats: Sequence[str] = tuple(FORMATS),
               year: int | None = None, municipal: pd.DataFrame | None = None, region=None) -> list[Path]:
    """Write ``run_dir/gis/`` (see the module's doc) from the run's tables (given, or
    read from ``run_dir``); returns the files written."""
    run_dir = Path(run_dir)
    if municipal is None:
        path = run_dir / "municipalities.parquet"
        if not path.exists():
            raise ExportError(f"{run_dir}: no municipalities.parquet (not a run directory)")
        municipal = io.read_parquet(path)
    if region is None:
        manifest = io.read_manifest(run_dir) or {}
        if "config" not in manifest:
            raise ExportError(f"{run_dir}: no run.json with the run's config")
        region = region_of(manifest["config"])
    year = _year(municipal, year)
    layers = {"municipalities": municipal_layer(municipal, region, year)}
    provinces = run_dir / "provinces.parquet"
    if provinces.exists():
        layers["provinces"] = province_layer(io.read_parquet(provinces), region, year)
    paths = write_layers(layers, run_dir / "gis", "run", year, formats)
    log.info("GIS export of %s (%d): %s", run_dir, year, ", ".join(p.name for p in paths))
    return paths


def comparison_layers(table: pd.DataFrame, region, baseline: str = "no_investment") -> dict[str, Any]:
    """The ``levels`` and ``effects`` layers of a sweep (see the module's doc) from
    ``table``: the municipal rows of one year of every run, with the run's
    ``condition``, ``scenario``, ``seed`` and ``_pair`` (what pairs a run with its
    baseline run; :func:`sim.tools.compare.municipal_year`)."""
    numeric = [c for c in table.columns if c not in ("code", "year", "seed", "condition",
                                                      "scenario", "_pair")
               and pd.api.types.is_numeric_dtype(table[c])]
    levels = (table.groupby(["condition", "code"], sort=False)[numeric].mean()
              .join(table.groupby(["condition", "code"], sort=False)["seed"].nunique()
                    .rename("seeds")).reset_index())
    names = _names(region)
    geo = region.boundaries()
    layers = {"levels": _geodataframe(names.merge(levels.astype({"code": str}), on="code"), geo)}
    base = table[table["scenario"] == baseline]
    treated = table[table["scenario"] != baseline]
    if len(base) and len(treated):
        merged = treated.merge(base[["code", "_pair", *numeric]], on=["code", "_pair"],
                               suffixes=("", "_base"))
        diffs = pd.DataFrame({"condition": merged["condition"], "code": merged["code"]})
        for c in numeric:
            diffs[f"{c}_diff"] = merged[c] - merged[f"{c}_base"]
        if "population" in numeric:
            diffs["population_diff_pct"] = 100 * (merged["population"] /
                                                  merged["population_base"] - 1)
        effects = diffs.groupby(["condition", "code"], sort=False).mean().join(
            merged.groupby(["condition", "code"], sort=False)["_pair"].nunique()
            .rename("pairs")).reset_index()
        layers["effects"] = _geodataframe(names.merge(effects.astype({"code": str}), on="code"),
                                          geo)
    else:
        log.warning("no %s runs beside the others: the effects layer is left out", baseline)
    return layers
