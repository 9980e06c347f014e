"""A small, seeded synthetic region in the Korea schema, for fast tests and stylized studies.

The layout mimics Korea's structure in miniature: a metropolitan core of dense, young
``gu`` (the "capital region"), mid-size ``si`` cities around it, and older, sparse rural
``gun`` counties at the edge. One rural province carries province code 35 (Jeonbuk's code),
so every Jeonbuk metric and targeting rule has something to act on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.constants import JEONBUK_PROVINCE, SECTORS, TFR_YEARS
from sim.data.region import Region, validate_table

JEONBUK_CODE = JEONBUK_PROVINCE
_PROVINCES = {
    11: "Metro (synthetic)",
    33: "North (synthetic)",
    JEONBUK_CODE: "Jeonbuk (synthetic)",
    38: "South (synthetic)",
}
#: Korean names of the synthetic provinces and kinds ("가상" = synthetic).
_PROVINCES_KO = {11: "가상 대도시", 33: "가상 북도", JEONBUK_CODE: "가상 전북", 38: "가상 남도"}
_KIND_KO = {"gu": "구", "si": "시", "gun": "군"}


def make_synthetic(n_municipalities: int = 30, *, seed: int = 0) -> Region:
    """Generate ``n_municipalities`` (>= 6) municipalities, reproducible from ``seed``.

    Shares: about 20% metropolitan gu, 30% si, 50% gun. Populations are drawn so that a
    gu has 200-600 k people, a si 80-400 k and a gun 15-60 k, with older counties.
    """
    if n_municipalities < 6:
        raise ValueError(f"region.n_municipalities must be >= 6, got {n_municipalities}")
    rng = np.random.default_rng(seed)
    n = n_municipalities
    n_gu = max(2, round(0.2 * n))
    n_si = max(2, round(0.3 * n))
    n_gun = n - n_gu - n_si
    kind = np.array(["gu"] * n_gu + ["si"] * n_si + ["gun"] * n_gun)

    # Geometry (metres, EPSG:5179-like): gu packed near the centre, si on a ring, gun outside.
    radius_km = np.concatenate(
        [
            rng.uniform(0, 15, n_gu),
            rng.uniform(40, 110, n_si),
            rng.uniform(90, 220, n_gun),
        ]
    )
    angle = rng.uniform(0, 2 * np.pi, n)
    cx = 1_000_000 + 1000 * radius_km * np.cos(angle)
    cy = 1_900_000 + 1000 * radius_km * np.sin(angle)

    # Provinces: the core is "Metro"; outside it, the three provinces split by angle.
    sector_of = np.floor(angle / (2 * np.pi / 3)).astype(int)
    province_code = np.where(kind == "gu", 11, np.array([33, JEONBUK_CODE, 38])[sector_of])
    # Make sure the synthetic Jeonbuk has a city and a county.
    for k in ("si", "gun"):
        idx = np.flatnonzero(kind == k)
        if not (province_code[idx] == JEONBUK_CODE).any():
            province_code[idx[0]] = JEONBUK_CODE

    pop_2015 = np.where(
        kind == "gu",
        rng.uniform(200e3, 600e3, n),
        np.where(kind == "si", rng.uniform(80e3, 400e3, n), rng.uniform(15e3, 60e3, n)),
    ).round()
    # 2010 -> 2015 -> 2020: core and cities grow, counties shrink.
    growth = np.where(kind == "gun", rng.normal(-0.04, 0.02, n), rng.normal(0.02, 0.02, n))
    pop_2010 = (pop_2015 / (1 + growth)).round()
    pop_2020 = (pop_2015 * (1 + growth)).round()
    hh_size = np.where(kind == "gun", 2.2, 2.5) + rng.normal(0, 0.05, n)
    elderly_share = np.where(kind == "gun", rng.uniform(0.25, 0.35, n), rng.uniform(0.10, 0.18, n))
    area = np.where(kind == "gu", rng.uniform(20, 40, n), np.where(kind == "si", rng.uniform(150, 600, n), rng.uniform(400, 900, n)))

    table = pd.DataFrame(
        {
            "code": [f"{pc:02d}{i + 1:03d}" for i, pc in enumerate(province_code)],
            "name": [f"{k.capitalize()} {i + 1}" for i, k in enumerate(kind)],
            "name_ko": [f"가상{_KIND_KO[k]} {i + 1}" for i, k in enumerate(kind)],
            "province": [_PROVINCES[pc] for pc in province_code],
            "province_ko": [_PROVINCES_KO[pc] for pc in province_code],
            "province_code": province_code.astype(np.int64),
            "kind": kind,
            "capital_region": kind == "gu",
            "innovation_city": np.zeros(n, dtype=bool),
        }
    )
    # One mid-size city outside the core hosts an "innovation city" (in Jeonbuk).
    jb_si = np.flatnonzero((kind == "si") & (province_code == JEONBUK_CODE))
    table.loc[jb_si[0], "innovation_city"] = True

    # 2025 continues the trend, with households a little smaller (Korea: 2.41 persons a
    # household in 2020, 2.23 in 2025). No random draws: earlier columns stay as they were.
    pop_2025 = (pop_2020 * (1 + growth)).round()
    for y, pop, size in ((2010, pop_2010, hh_size), (2015, pop_2015, hh_size),
                         (2020, pop_2020, hh_size), (2025, pop_2025, 0.93 * hh_size)):
        table[f"pop_{y}"] = pop.astype(np.int64)
        table[f"households_{y}"] = np.maximum(1, (pop / size).round()).astype(np.int64)
    per_capita_grdp = {  # million KRW per person, by sector and kind (gu, si, gun)
        "agri": (0.01, 0.3, 2.0),
        "manuf": (3.0, 12.0, 6.0),
        "services": (18.0, 12.0, 8.0),
        "knowledge": (10.0, 3.0, 0.8),
    }
    kind_idx = np.select([kind == "gu", kind == "si"], [0, 1], 2)
    for y in (2015, 2020):
        pop = table[f"pop_{y}"].to_numpy()
        table[f"elderly_{y}"] = (pop * elderly_share).round().astype(np.int64)
        table[f"firms_{y}"] = (pop * (0.075 if y == 2015 else 0.115)).round().astype(np.int64)
        for s in SECTORS:
            base = np.array(per_capita_grdp[s])[kind_idx]
            table[f"grdp_{s}_{y}"] = pop * base * rng.lognormal(0, 0.2, n)
        doctors_per_1000 = np.array([3.0, 2.0, 0.8])[kind_idx] * rng.lognormal(0, 0.2, n)
        table[f"doctors_{y}"] = (pop / 1000 * doctors_per_1000).round().astype(np.int64)
        hh = table[f"households_{y}"].to_numpy()
        vacancy = np.where(kind == "gun", 0.12, 0.06)
        units = (hh * (1 + vacancy)).round()
        table[f"housing_units_{y}"] = units.astype(np.int64)
        table[f"vacant_housing_{y}"] = (units * vacancy).round().astype(np.int64)
    # Dwellings in 2010: the 2015 stock less five years of building (faster in cities).
    built = np.where(kind == "gun", 0.04, 0.08) * rng.lognormal(0, 0.3, n)
    table["housing_units_2010"] = (table["housing_units_2015"] * (1 - built)).round().astype(np.int64)
    # Dwellings in 2025: the 2020 rate of dwellings per household (no vacancy count, as
    # in Korea's 2025 census), never fewer than in 2020.
    per_household = table["housing_units_2020"] / table["households_2020"]
    units_2025 = (table["households_2025"] * per_household).round().astype(np.int64)
    table["housing_units_2025"] = np.maximum(units_2025, table["housing_units_2020"])
    # Fertility: like Korea, lower in the dense core than in the counties (births/woman).
    tfr = np.where(kind == "gu", 0.9, np.where(kind == "si", 1.2, 1.5)) * rng.lognormal(0, 0.1, n)
    for y, level in zip(TFR_YEARS, (1.0, 1.0, 0.7), strict=True):
        table[f"tfr_{y}"] = (tfr * level).round(3)
    table["area_km2"] = area
    table["cx"] = cx
    table["cy"] = cy
    _service_indicators(table, kind_idx, np.random.default_rng([seed, 23]))
    return Region("synthetic", validate_table(table, f"synthetic(n={n}, seed={seed})"),
                  make_boundaries=synthetic_boundaries)


#: Per-capita levels of the service and need indicators by kind (gu, si, gun), in the
#: direction of Korea's 2020 medians (sim/data/korea; docs/data.md): essential-care and
#: emergency doctors per 1,000 people, welfare facilities per 1,000, urban park m2 per
#: person, urban-planning road km per km2, basic-livelihood recipients per person;
#: income tax (million KRW) per person.
_INDICATORS = {
    "doctors_pediatrics": (0.12, 0.11, 0.05),
    "doctors_obstetrics": (0.12, 0.11, 0.05),
    "doctors_emergency": (0.04, 0.04, 0.02),
    "welfare_facilities": (0.4, 0.6, 1.2),
}


def _service_indicators(table: pd.DataFrame, kind_idx: np.ndarray, rng: np.random.Generator) -> None:
    """The service and need indicator columns (their own random stream, drawn after every
    other column, so the older columns stay as they were)."""
    n = len(table)
    for y in (2015, 2020):
        pop = table[f"pop_{y}"].to_numpy(dtype=float)
        for stem, per_1000 in _INDICATORS.items():
            rate = np.array(per_1000)[kind_idx] * rng.lognormal(0, 0.3, n)
            table[f"{stem}_{y}"] = (pop / 1000 * rate).round().astype(np.int64)
        park = np.array([8.0, 15.0, 20.0])[kind_idx] * rng.lognormal(0, 0.5, n)
        table[f"park_area_m2_{y}"] = (pop * park).round(3)
        roads = np.array([5.0, 1.7, 0.6])[kind_idx] * rng.lognormal(0, 0.3, n)
        table[f"road_km_{y}"] = (table["area_km2"].to_numpy() * roads).round(3)
        poor = np.array([0.035, 0.04, 0.05])[kind_idx] * rng.lognormal(0, 0.3, n)
        table[f"basic_living_security_{y}"] = (pop * poor).round().astype(np.int64)
    tax = np.array([2.0, 0.8, 0.4])[kind_idx] * rng.lognormal(0, 0.3, n)
    table["income_tax_2020"] = (table["pop_2020"].to_numpy() * tax).round(3)


def synthetic_boundaries(table: pd.DataFrame):
    """Square-ish polygons around each centroid with the municipality's area (for maps)."""
    import geopandas as gpd
    from shapely.geometry import box

    half = np.sqrt(table["area_km2"].to_numpy()) * 1000 / 2
    geoms = [
        box(x - h, y - h, x + h, y + h)
        for x, y, h in zip(table["cx"], table["cy"], half, strict=True)
    ]
    return gpd.GeoDataFrame({"code": table["code"].to_numpy()}, geometry=geoms, crs="EPSG:5179")
