"""The region a simulation runs on: one table row per municipality, plus distances.

Both the Korea default (built from the census by :mod:`sim.data.build` and shipped in
``sim/data/korea/``, loaded by :func:`load_korea`) and the synthetic generator
(:mod:`sim.data.synthetic`) produce the same :class:`Region`, so every part of the model
runs on either unchanged; :func:`sim.data.load_region` picks one by name.

The municipality table's columns are a contract (``REQUIRED_COLUMNS``); loading checks
it and fails with an error naming the file and the problem, never falling back to
made-up data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.constants import CENSUS_YEARS, KINDS, SECTORS, TFR_YEARS
from sim.io import read_parquet

#: column -> dtype kind ("i" integer, "f" float, "b" bool, "O" string). Integer columns
#: may be stored as int32/int64; "f" columns may hold NaN only where ``NULLABLE`` says.
REQUIRED_COLUMNS: dict[str, str] = {
    "code": "O",  # 5-digit harmonized municipality code (2020 vintage), e.g. "11010"
    "name": "O",  # English name, e.g. "Jongno-gu"
    "name_ko": "O",  # Korean name ("" where unknown)
    "province": "O",  # English province (adm1) name, e.g. "Seoul"
    "province_code": "i",  # 2-digit adm1 code, e.g. 11
    "kind": "O",  # "gu" (autonomous gu of a metropolitan city), "si" or "gun"
    "capital_region": "b",  # Seoul, Incheon, Gyeonggi
    "innovation_city": "b",  # hosts one of the ten innovation cities
    **{f"pop_{y}": "i" for y in CENSUS_YEARS},  # persons incl. foreigners (2010 estimated)
    **{f"households_{y}": "i" for y in CENSUS_YEARS},  # households (2010 estimated)
    "elderly_2015": "i",  # basic-pension recipients, a proxy for people aged 65+
    "elderly_2020": "i",
    "firms_2015": "i",  # establishments ("company" count); 2020 uses a new count basis
    "firms_2020": "i",
    **{f"grdp_{s}_2015": "f" for s in SECTORS},  # million KRW
    **{f"grdp_{s}_2020": "f" for s in SECTORS},
    "doctors_2015": "i",
    "doctors_2020": "i",
    # dwellings incl. vacant (2010: housing-census type total plus estimated vacant)
    **{f"housing_units_{y}": "i" for y in CENSUS_YEARS},
    "vacant_housing_2015": "i",
    "vacant_housing_2020": "i",
    # total fertility rate (births per woman, sum of 5-year rates 20-49), census year
    **{f"tfr_{y}": "f" for y in TFR_YEARS},
    # Service and need indicators (docs/data.md, "Service indicators"; docs/model.md 5):
    # doctors by specialty, welfare facilities, urban parks (m2), urban-planning roads
    # (km), recipients of basic livelihood security, and income tax (million KRW, the
    # base of the local income tax: the balanced envelope's fiscal weakness).
    **{f"{stem}_{y}": kind for y in (2015, 2020) for stem, kind in (
        ("doctors_pediatrics", "i"), ("doctors_obstetrics", "i"), ("doctors_emergency", "i"),
        ("welfare_facilities", "i"), ("park_area_m2", "f"), ("road_km", "f"),
        ("basic_living_security", "i"))},
    "income_tax_2020": "f",
    "area_km2": "f",
    "cx": "f",  # centroid x, metres, EPSG:5179
    "cy": "f",  # centroid y, metres, EPSG:5179
}

#: Columns allowed to hold NaN (documented gaps in the source data).
NULLABLE: frozenset[str] = frozenset()

#: The package's data folders: ``sim/data/<folder>/municipalities.parquet`` (and
#: ``boundaries.parquet``) make a region (``region.data`` names the folder).
DATA_DIR = Path(__file__).parent
KOREA_DIR = DATA_DIR / "korea"
KOREA_TABLE = KOREA_DIR / "municipalities.parquet"
KOREA_BOUNDARIES = KOREA_DIR / "boundaries.parquet"


class RegionDataError(ValueError):
    """A region's data file is missing, truncated or inconsistent."""


@dataclass
class Region:
    """Municipalities of a region, sorted by code, and their pairwise distances.

    Attributes:
        name: the region's name (its config option, e.g. "korea", "synthetic").
        table: one row per municipality, columns ``REQUIRED_COLUMNS`` (and possibly more).
        boundaries_path: GeoParquet of the polygons (EPSG:5179), or None if the region
            has none on disk; :meth:`boundaries` loads it lazily (maps only).
        make_boundaries: for a region without a file, a function of the table that
            returns its polygons (the synthetic region's squares).
    """

    name: str
    table: pd.DataFrame
    boundaries_path: Path | None = None
    make_boundaries: Callable[[pd.DataFrame], object] | None = field(default=None, repr=False)
    _boundaries: object | None = field(default=None, repr=False)
    #: The data folder the table came from (None for a generated region).
    source: str | None = None

    @property
    def n(self) -> int:
        return len(self.table)

    @cached_property
    def distance_km(self) -> np.ndarray:
        """Pairwise centroid distances in km, shape (n, n), float64, zero diagonal."""
        xy = self.table[["cx", "cy"]].to_numpy(dtype=np.float64) / 1000.0
        diff = xy[:, None, :] - xy[None, :, :]
        return np.sqrt((diff**2).sum(axis=-1))

    def boundaries(self):
        """Polygons as a GeoDataFrame indexed like ``table`` (loaded on first use)."""
        if self._boundaries is None:
            if self.boundaries_path is None:
                if self.make_boundaries is None:
                    raise RegionDataError(f"region {self.name!r} has no boundaries")
                self._boundaries = self.make_boundaries(self.table)
            else:
                import geopandas as gpd

                gdf = gpd.read_parquet(self.boundaries_path)
                gdf = gdf.set_index("code").reindex(self.table["code"]).reset_index()
                if gdf.geometry.isna().any():
                    missing = gdf.loc[gdf.geometry.isna(), "code"].tolist()
                    raise RegionDataError(
                        f"{self.boundaries_path}: no polygon for municipalities {missing}"
                    )
                self._boundaries = gdf
        return self._boundaries


def validate_table(table: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check the municipality table against the contract; return it sorted by code.

    Raises:
        RegionDataError: naming ``source`` and every problem found.
    """
    problems: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise RegionDataError(f"{source}: missing columns {missing}")
    if len(table) == 0:
        raise RegionDataError(f"{source}: the table has no rows")
    for col, kind in REQUIRED_COLUMNS.items():
        s = table[col]
        if kind in "if":
            if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                problems.append(f"column {col!r} must be numeric, found {s.dtype}")
                continue
            if col not in NULLABLE and s.isna().any():
                bad = table.loc[s.isna(), "code"].tolist()[:5]
                problems.append(f"column {col!r} has missing values (e.g. codes {bad})")
            if col not in ("cx", "cy") and (s < 0).any():
                bad = table.loc[s < 0, "code"].tolist()[:5]
                problems.append(f"column {col!r} has negative values (e.g. codes {bad})")
        elif kind == "b":
            if not pd.api.types.is_bool_dtype(s):
                problems.append(f"column {col!r} must be boolean, found {s.dtype}")
        elif s.isna().any():
            problems.append(f"column {col!r} has missing values")
    if table["code"].duplicated().any():
        dup = table.loc[table["code"].duplicated(), "code"].tolist()
        problems.append(f"duplicate municipality codes {dup}")
    bad_kind = sorted(set(table["kind"]) - set(KINDS))
    if bad_kind:
        problems.append(f"column 'kind' has values {bad_kind}; allowed {list(KINDS)}")
    for y in CENSUS_YEARS:
        if (table[f"households_{y}"] <= 0).any() or (table[f"pop_{y}"] <= 0).any():
            problems.append(f"municipalities with zero population or households in {y}")
    if problems:
        raise RegionDataError(f"{source}: " + "; ".join(problems))
    return table.sort_values("code").reset_index(drop=True)


def load_korea(table_path: Path = KOREA_TABLE, boundaries_path: Path = KOREA_BOUNDARIES) -> Region:
    """Load the shipped Korea default (229 municipalities); no network, well under a second."""
    return _load_table(table_path, boundaries_path, "korea")


def load_data(folder: str) -> Region:
    """The region of a package data folder, ``sim/data/<folder>/`` (the table is read
    and checked once per process; each call gets its own copy)."""
    table, boundaries = _cached_table(folder)
    return Region(folder, table.copy(), boundaries, source=folder)


@lru_cache(maxsize=8)
def _cached_table(folder: str) -> tuple[pd.DataFrame, Path | None]:
    if not folder or "/" in folder or folder.startswith("."):
        raise RegionDataError(f"region.data={folder!r}: a folder name of {DATA_DIR}")
    region = _load_table(DATA_DIR / folder / "municipalities.parquet",
                         DATA_DIR / folder / "boundaries.parquet", folder)
    return region.table, region.boundaries_path


def national_population(region: Region, nation: str, year: int) -> float:
    """Persons of the nation in census ``year``: the population of the data folder
    ``nation`` (the region's own table when it is that folder). National series (births
    and deaths) are scaled to a region by its share of this."""
    table = region.table if region.source == nation else load_data(nation).table
    return float(table[f"pop_{year}"].sum())


def _load_table(table_path: Path, boundaries_path: Path, name: str) -> Region:
    if not table_path.exists():
        raise RegionDataError(
            f"{table_path}: file not found; reinstall the package or rebuild it with "
            "`python -m sim.data.build`"
        )
    try:
        table = read_parquet(table_path)
    except Exception as err:  # pyarrow raises several types for truncated files
        raise RegionDataError(f"{table_path}: cannot be read as parquet ({err})") from err
    table = validate_table(table, str(table_path))
    return Region(name, table, boundaries_path if boundaries_path.exists() else None, source=name)

