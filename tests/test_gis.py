"""The GIS export (issue 24 item 5): a run's or a sweep's municipal (and province) results
with boundaries as GeoPackage and GeoParquet (sim/gis.py, python -m sim.export, run.gis).

The files are opened with geopandas: 229 geometries in EPSG:5179 for Korea, the run's
columns, English and Korean names; a sweep's effects are the known paired differences.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from sim import export, gis, io
from sim.config import ConfigError
from sim.data import load_korea

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

YEARS = (2025, 2026, 2027)


def _korea_run(run_dir: Path, provinces: bool = False) -> pd.DataFrame:
    """A finished run directory on the Korea region, its tables made up (quick)."""
    table = load_korea().table
    rng = np.random.default_rng(0)
    municipal = pd.concat([table[["code", "name", "province", "kind"]].assign(
        year=y, population=table["pop_2020"].to_numpy() * (1 + 0.01 * i),
        households=table["households_2020"].to_numpy(), qol=50 + rng.normal(0, 5, len(table)),
        investment_krw=1e9 * i, felt_benefit_share=0.1 * i)
        for i, y in enumerate(YEARS)], ignore_index=True)
    config = {"region": {"name": "korea", "data": "korea", "generator": ""},
              "run": {"seed": 0, "gis": False}, "scenario": {"name": "tech_city"}}
    manifest = io.Manifest(run_dir, config)
    io.write_parquet(pd.DataFrame({"year": YEARS, "population": 5e7}), run_dir / "national.parquet")
    io.write_parquet(municipal, run_dir / "municipalities.parquet")
    io.write_parquet(pd.DataFrame({"year": YEARS[1:], "movers": 1.0}), run_dir / "flows.parquet")
    if provinces:
        by = municipal.merge(table[["code", "province_code"]], on="code")
        prov = by.groupby(["year", "province_code"], as_index=False)["population"].sum()
        io.write_parquet(prov, run_dir / "provinces.parquet")
    manifest.finish({"total": 1.0})
    return municipal


def test_a_run_exports_229_municipalities_with_names_and_columns(tmp_path: Path) -> None:
    municipal = _korea_run(tmp_path)
    paths = gis.export_run(tmp_path)
    assert {p.name for p in paths} == {"run_2027.gpkg", "municipalities_2027.parquet"}
    assert pyogrio.list_layers(tmp_path / "gis" / "run_2027.gpkg")[:, 0].tolist() == [
        "municipalities"]
    table = load_korea().table
    for path in paths:
        gdf = gpd.read_file(path, layer="municipalities") if path.suffix == ".gpkg" \
            else gpd.read_parquet(path)
        assert len(gdf) == 229 and gdf.geometry.notna().all() and gdf.geometry.is_valid.all()
        assert gdf.crs.to_epsg() == 5179
        assert set(gdf["code"]) == set(table["code"])
        for col in ("name", "name_ko", "province", "province_ko", "province_code", "kind",
                    "year", "population", "households", "qol", "investment_krw",
                    "felt_benefit_share", "population_start", "population_change_pct"):
            assert col in gdf.columns, col
        gdf = gdf.set_index("code")
        assert (gdf["name_ko"] == table.set_index("code")["name_ko"].reindex(gdf.index)).all()
        last = municipal[municipal["year"] == 2027].set_index("code")
        np.testing.assert_allclose(gdf["population"], last["population"].reindex(gdf.index))
        np.testing.assert_allclose(gdf["population_change_pct"], 2.0)
        assert (gdf["year"] == 2027).all()
    # the area of the polygons is Korea's (about 100,000 km2)
    assert 9.5e4 < gdf.geometry.area.sum() / 1e6 < 1.05e5


def test_the_command_exports_a_year_and_a_format(tmp_path: Path, capsys) -> None:
    _korea_run(tmp_path, provinces=True)  # a complete run holds provinces.parquet
    assert export.main([str(tmp_path), "--format", "gpkg", "--year", "2026"]) == 0
    assert capsys.readouterr().out.strip().endswith("run_2026.gpkg")
    gdf = gpd.read_file(tmp_path / "gis" / "run_2026.gpkg", layer="municipalities")
    assert (gdf["year"] == 2026).all() and len(gdf) == 229
    assert not (tmp_path / "gis" / "municipalities_2026.parquet").exists()
    assert export.main([str(tmp_path), "--year", "1999"]) == 2
    assert "--year 1999" in capsys.readouterr().err
    assert export.main([str(tmp_path / "nowhere")]) == 2


def test_provinces_are_exported_once_a_run_writes_them(tmp_path: Path) -> None:
    _korea_run(tmp_path, provinces=True)
    paths = gis.export_run(tmp_path)
    assert "provinces_2027.parquet" in {p.name for p in paths}
    assert set(pyogrio.list_layers(tmp_path / "gis" / "run_2027.gpkg")[:, 0]) == {
        "municipalities", "provinces"}
    prov = gpd.read_file(tmp_path / "gis" / "run_2027.gpkg", layer="provinces")
    assert len(prov) == 17 and prov.crs.to_epsg() == 5179
    assert "전라북도" in set(prov["province_ko"]) and prov["population"].notna().all()
    mun = gpd.read_parquet(tmp_path / "gis" / "municipalities_2027.parquet")
    # dissolved: the slivers where neighbouring municipal polygons overlap count once
    np.testing.assert_allclose(prov.geometry.area.sum(), mun.geometry.area.sum(), rtol=1e-2)
    np.testing.assert_allclose(prov["population"].sum(), mun["population"].sum())


def test_a_sweep_exports_levels_and_paired_effects(tmp_path: Path, capsys) -> None:
    from test_compare import REGION, _config, write_run

    for seed in range(3):
        write_run(tmp_path / f"b{seed}", _config("no_investment", seed))
        write_run(tmp_path / f"t{seed}", _config("tech_city", seed), pop_shift=10.0 + seed)
    assert export.main([str(tmp_path)]) == 0
    files = {Path(p).name for p in capsys.readouterr().out.split()}
    assert files == {"comparison_2017.gpkg", "levels_2017.parquet", "effects_2017.parquet"}
    path = tmp_path / "gis" / "comparison_2017.gpkg"
    assert set(pyogrio.list_layers(path)[:, 0]) == {"levels", "effects"}
    levels = gpd.read_file(path, layer="levels")
    n = REGION["n_municipalities"]
    assert len(levels) == 2 * n and set(levels["condition"]) == {"no_investment", "tech_city"}
    assert (levels["seeds"] == 3).all() and levels.crs.to_epsg() == 5179
    effects = gpd.read_parquet(tmp_path / "gis" / "effects_2017.parquet")
    assert len(effects) == n and set(effects["condition"]) == {"tech_city"}
    # the treatment adds 10 + seed people and (10 + seed) / 100 QoL points: mean 11, 0.11
    np.testing.assert_allclose(effects["population_diff"], 11.0)
    np.testing.assert_allclose(effects["qol_diff"], 0.11)
    assert (effects["pairs"] == 3).all() and effects["name_ko"].str.len().gt(0).all()


def test_compare_writes_gis_when_asked(tmp_path: Path) -> None:
    from test_compare import _config, write_run

    from sim.tools import compare as cmp

    for seed in range(2):
        write_run(tmp_path / f"b{seed}", _config("no_investment", seed))
        write_run(tmp_path / f"t{seed}", _config("tech_city", seed), pop_shift=5.0)
    cmp.compare(tmp_path, figures=False)
    assert not (tmp_path / "gis").exists()  # the runs did not ask for it
    summary = cmp.compare(tmp_path, figures=False, gis=True)
    assert (tmp_path / "gis" / "comparison_2017.gpkg").exists()
    assert "gis/comparison_2017.gpkg" in summary.read_text()


def test_run_gis_writes_the_files_at_the_end_of_a_run(tmp_path: Path) -> None:
    from conftest import make_config

    from sim.runner import run

    cfg = make_config("run.gis=true", "run.years=1", "run.scale=100")
    result = run(cfg, out_dir=tmp_path)
    assert result.manifest["config"]["run"]["gis"] is True
    gdf = gpd.read_parquet(tmp_path / "gis" / f"municipalities_{cfg.run.start_year + 1}.parquet")
    assert len(gdf) == cfg.region.n_municipalities and gdf.crs.to_epsg() == 5179
    mun = result.municipalities
    assert set(mun.columns) - {"name", "province", "kind"} <= set(gdf.columns)


def test_run_gis_is_validated_by_name() -> None:
    from conftest import make_config

    assert make_config().run.gis is False
    with pytest.raises(ConfigError, match="run.gis"):
        make_config("run.gis=maybe")
