"""Bad Korea data files fail loudly, naming the file and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.data.region import KOREA_BOUNDARIES, KOREA_TABLE, RegionDataError, load_korea
from sim.io import read_parquet


@pytest.fixture()
def table() -> pd.DataFrame:
    return read_parquet(KOREA_TABLE)


def _write(tmp_path: Path, table: pd.DataFrame, name: str = "municipalities.parquet") -> Path:
    path = tmp_path / name
    table.to_parquet(path, index=False)
    return path


def _load(path: Path):
    return load_korea(table_path=path, boundaries_path=KOREA_BOUNDARIES)


def test_shipped_files_load() -> None:
    assert load_korea().n == 229


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.parquet"
    with pytest.raises(RegionDataError, match="not found") as err:
        _load(path)
    assert str(path) in str(err.value)


def test_truncated_parquet(tmp_path: Path) -> None:
    path = tmp_path / "truncated.parquet"
    data = KOREA_TABLE.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RegionDataError, match="cannot be read as parquet") as err:
        _load(path)
    assert str(path) in str(err.value)


def test_corrupted_parquet(tmp_path: Path) -> None:
    path = tmp_path / "garbage.parquet"
    path.write_bytes(b"this is not a parquet file" * 100)
    with pytest.raises(RegionDataError, match="cannot be read as parquet") as err:
        _load(path)
    assert str(path) in str(err.value)


def test_missing_column(tmp_path: Path, table: pd.DataFrame) -> None:
    path = _write(tmp_path, table.drop(columns=["pop_2020"]))
    with pytest.raises(RegionDataError, match=r"missing columns \['pop_2020'\]") as err:
        _load(path)
    assert str(path) in str(err.value)


def test_nan_population(tmp_path: Path, table: pd.DataFrame) -> None:
    table["pop_2015"] = table["pop_2015"].astype("float64")
    table.loc[3, "pop_2015"] = np.nan
    path = _write(tmp_path, table)
    with pytest.raises(RegionDataError, match="'pop_2015' has missing values") as err:
        _load(path)
    assert str(path) in str(err.value)
    assert table.loc[3, "code"] in str(err.value)


def test_negative_population(tmp_path: Path, table: pd.DataFrame) -> None:
    table.loc[7, "pop_2010"] = -5
    path = _write(tmp_path, table)
    with pytest.raises(RegionDataError, match="'pop_2010' has negative values") as err:
        _load(path)
    assert str(path) in str(err.value)


def test_duplicate_codes(tmp_path: Path, table: pd.DataFrame) -> None:
    table.loc[1, "code"] = table.loc[0, "code"]
    path = _write(tmp_path, table)
    with pytest.raises(RegionDataError, match="duplicate municipality codes") as err:
        _load(path)
    assert str(path) in str(err.value)


def test_bad_kind(tmp_path: Path, table: pd.DataFrame) -> None:
    table.loc[0, "kind"] = "metropolis"
    path = _write(tmp_path, table)
    with pytest.raises(RegionDataError, match="'kind' has values \\['metropolis'\\]") as err:
        _load(path)
    assert str(path) in str(err.value)


def test_zero_population(tmp_path: Path, table: pd.DataFrame) -> None:
    table.loc[0, "households_2020"] = 0
    path = _write(tmp_path, table)
    with pytest.raises(RegionDataError, match="zero population or households in 2020"):
        _load(path)


def test_missing_polygon(tmp_path: Path, table: pd.DataFrame) -> None:
    import geopandas as gpd

    gdf = gpd.read_parquet(KOREA_BOUNDARIES)
    bpath = tmp_path / "boundaries.parquet"
    gdf.iloc[1:].to_parquet(bpath)
    tpath = tmp_path / "municipalities.parquet"
    shutil.copy(KOREA_TABLE, tpath)
    region = load_korea(table_path=tpath, boundaries_path=bpath)
    with pytest.raises(RegionDataError, match="no polygon") as err:
        region.boundaries()
    assert str(bpath) in str(err.value) and gdf["code"].iloc[0] in str(err.value)
