"""Start indicators derived from the census table: services, GRDP, firms, prices,
fertility, dwellings, vacancies and the building pipeline.

Pure functions of the municipality table (one row per municipality) and the start year;
:mod:`sim.data.world` assembles them into the start state. The service indices are
stylized indicators, documented in docs/model.md: each domain is a 0-100 index, 50 at
the national (population-weighted) mean of its census proxy and 15 points per standard
deviation of the proxy's log across municipalities.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.constants import (
    CENSUS_YEARS,
    SECTORS,
    TFR_YEARS,
    VACANCY_YEARS,
    census_year,
    indicator_year,
    latest_year,
)

#: Floor of the vacancy rate: some homes are always between occupants.
MIN_VACANCY = 0.005


def _index(proxy: np.ndarray, weights: np.ndarray) -> np.ndarray:
    x = np.log(np.maximum(proxy, 1e-9))
    mean = np.average(x, weights=weights)
    sd = np.sqrt(np.average((x - mean) ** 2, weights=weights))
    return np.clip(50 + 15 * (x - mean) / max(sd, 1e-9), 0, 100)


def _mean_index(proxies: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """The mean of the indices of several indicators of one domain (each standardised
    on its own, then averaged)."""
    return np.mean([_index(p, weights) for p in proxies], axis=0)


def base_services(table: pd.DataFrame, start_year: int) -> np.ndarray:
    """(M, 6) service levels: health, mobility, care/education, safety, digital, environment.

    Indicators (census, year ``indicator_year(start_year)``; docs/model.md 5 and
    docs/data.md, "Service indicators"); a domain with two indicators averages their
    indices:

    * health: doctors per person; pediatricians and obstetricians per person (the
      essential care that rural places lack);
    * mobility: urban-planning road km per km2 (how much of the territory the road
      network reaches);
    * care/education: welfare facilities (residential and service) per person;
      services GRDP per person;
    * safety: emergency physicians per person (+ 0.5: none in 74 units in 2020), the
      emergency response capacity the census has (no police, fire or CCTV counts);
    * digital/administration: knowledge-sector GRDP per person;
    * environment: urban park area per person.
    """
    y = indicator_year(start_year)
    pop = table[f"pop_{y}"].to_numpy(dtype=float)
    area = np.maximum(table["area_km2"].to_numpy(dtype=float), 0.5)

    def col(name: str) -> np.ndarray:
        return table[f"{name}_{y}"].to_numpy(dtype=float)

    essential = col("doctors_pediatrics") + col("doctors_obstetrics")
    domains = [
        [(col("doctors") + 1) / pop, (essential + 0.5) / pop],
        [col("road_km") / area],
        [(col("welfare_facilities") + 0.5) / pop, col("grdp_services") / pop],
        [(col("doctors_emergency") + 0.5) / pop],
        [col("grdp_knowledge") / pop + 1e-3],
        [col("park_area_m2") / pop + 1e-3],
    ]
    return np.column_stack([_mean_index(d, pop) for d in domains])


#: The need indicators (docs/model.md 5, "Need"): per-capita service counts whose
#: shortfall below the national level counts as need, then the rates whose excess does.
NEED_SERVICES = ("doctors", "essential_doctors", "doctors_emergency", "welfare_facilities",
                 "park_area_m2")
NEED_BURDENS = ("basic_living_security", "vacancy")


def need_indicators(table: pd.DataFrame, start_year: int) -> tuple[np.ndarray, np.ndarray]:
    """The census counts behind the need index, year ``indicator_year(start_year)``.

    Returns:
        counts: (M, K) service counts (:data:`NEED_SERVICES`) and recipients of basic
            livelihood security, to be divided by the current residents;
        vacancy: (M,) the census vacancy rate (vacant / all dwellings).
    """
    y = indicator_year(start_year)

    def col(name: str) -> np.ndarray:
        return table[f"{name}_{y}"].to_numpy(dtype=float)

    counts = np.column_stack([
        col("doctors"), col("doctors_pediatrics") + col("doctors_obstetrics"),
        col("doctors_emergency"), col("welfare_facilities"), col("park_area_m2"),
        col("basic_living_security"),
    ])
    vacancy = col("vacant_housing") / np.maximum(col("housing_units"), 1.0)
    return counts, vacancy


def remoteness_km(table: pd.DataFrame, distance_km: np.ndarray) -> np.ndarray:
    """(M,) km from each municipality's centroid to the nearest autonomous gu of a
    metropolitan city (0 for a gu; to the most populous municipality where the region
    has no gu)."""
    core = (table["kind"] == "gu").to_numpy()
    if not core.any():
        core = np.zeros(len(table), dtype=bool)
        core[int(np.argmax(table["pop_2020"].to_numpy()))] = True
    return distance_km[:, core].min(axis=1)


def grdp_by_sector(table: pd.DataFrame, start_year: int) -> np.ndarray:
    """(M, S) GRDP by broad sector, million KRW."""
    y = indicator_year(start_year)
    return np.column_stack([table[f"grdp_{s}_{y}"].to_numpy(dtype=float) for s in SECTORS])


def firm_counts(table: pd.DataFrame, start_year: int) -> np.ndarray:
    """(M,) establishments. 2015 counts are used for 2010 and 2015 starts; the 2020 count
    follows a new, broader counting basis (docs/data.md) and is used only for 2020."""
    return table["firms_2020" if start_year >= 2020 else "firms_2015"].to_numpy(dtype=float)


def initial_price_index(table: pd.DataFrame, start_year: int, wage: np.ndarray) -> np.ndarray:
    """(M,) relative housing price (1 = national mean): density and local wages drive it."""
    y = indicator_year(start_year)
    pop = table[f"pop_{y}"].to_numpy(dtype=float)
    density = pop / np.maximum(table["area_km2"].to_numpy(dtype=float), 0.5)
    log_p = 0.25 * np.log(density / np.average(density, weights=pop)) + np.log(wage / np.average(wage, weights=pop))
    p = np.exp(log_p)
    return p / np.average(p, weights=pop)


def fertility_index(
    table: pd.DataFrame, start_year: int, parents: np.ndarray, weight: float
) -> np.ndarray:
    """(M,) multiplier of the national birth rate: each place's census total fertility
    rate relative to the mean over households that can have births (``parents``: heads
    aged 20-44 by municipality), raised to ``weight`` (0 = the national rate everywhere).

    The mean is taken over the model's own potential parents, so the national number of
    births at the start is the same for any ``weight``; only where they happen changes.
    The rates are the census year's, the latest before a 2025 start (2020: the 2025
    census has no fertility).
    """
    y = latest_year(TFR_YEARS, start_year)
    ratio = table[f"tfr_{y}"].to_numpy(dtype=float) ** weight
    return ratio / np.average(ratio, weights=np.maximum(parents, 1e-9))


def housing_units(table: pd.DataFrame, start_year: int, households: np.ndarray) -> np.ndarray:
    """(M,) dwellings: census units per household of the start's census year, times the
    start's households."""
    y = census_year(start_year)
    units = table[f"housing_units_{y}"].to_numpy(dtype=float)
    hh = table[f"households_{y}"].to_numpy(dtype=float)
    ratio = np.clip(units / hh, 0.8, 2.0)
    return households * ratio


def vacancy_rate(table: pd.DataFrame, start_year: int) -> np.ndarray:
    """(M,) share of dwellings standing empty in the census (2015 figures for a 2010
    start: the 2010 census has no vacancy count; 2020 figures for a 2025 start: the 2025
    census in the package has none), at least 0.5 %."""
    y = latest_year(VACANCY_YEARS, start_year)
    rate = table[f"vacant_housing_{y}"].to_numpy(dtype=float) / table[f"housing_units_{y}"].to_numpy(dtype=float)
    return np.maximum(rate, MIN_VACANCY)



#: Designated new towns and large housing districts (docs/data.md, "New towns").
NEW_TOWNS = Path(__file__).parent / "korea" / "new_towns.csv"


def new_town_schedule(codes, first_year: int, last_year: int,
                      path: Path = NEW_TOWNS) -> np.ndarray:
    """(last_year - first_year + 1, M) dwellings the listed new towns complete in each
    calendar year, spread evenly from their first move-in to their completion year, in
    the municipalities ``codes`` (M,); zero where a code has no new town (the synthetic
    region)."""
    table = pd.read_csv(path, dtype={"code": str})
    pos = {str(c): i for i, c in enumerate(codes)}
    out = np.zeros((last_year - first_year + 1, len(pos)))
    for r in table.itertuples():
        if r.code not in pos:
            continue
        years = np.arange(r.first_year, r.last_year + 1)
        per_year = r.dwellings / len(years)
        for y in years:
            if first_year <= y <= last_year:
                out[y - first_year, pos[r.code]] += per_year
    return out


def housing_pipeline(table: pd.DataFrame, start_year: int, new_towns: bool = False) -> np.ndarray:
    """(M,) dwellings completed a year at the start: the census stock's growth over the
    five years up to the start (2020->2025 for a 2025 start, 2015->2020 for a 2020
    start, 2010->2015 for 2010 and 2015 starts).
    With ``new_towns``, minus what the listed new towns completed in those years (they
    are scheduled on their own, :func:`new_town_schedule`, so nothing is counted twice).

    For a 2010 start this is the building of 2010->2015 (the supply planned by 2010,
    taken as known: the calibration is conditional on it; with the half-life the model
    builds about 87 % of it in the five years). From 2015 it is a forecast: recent building
    continues and fades (docs/model.md). Floored at 0: dwellings are not demolished.
    """
    b = max(census_year(start_year), CENSUS_YEARS[1])
    a = CENSUS_YEARS[CENSUS_YEARS.index(b) - 1]
    growth = table[f"housing_units_{b}"].to_numpy(dtype=float) - table[f"housing_units_{a}"].to_numpy(dtype=float)
    if new_towns:
        growth = growth - new_town_schedule(table["code"].astype(str), a + 1, b).sum(axis=0)
    return np.maximum(growth, 0.0) / (b - a)


#: Statistics Korea's national births and deaths by year (docs/data.md, "Vital statistics").
VITAL_STATISTICS = Path(__file__).parent / "korea" / "vital_statistics.csv"


def vital_targets(region_persons: float, start_year: int, korea_persons: float,
                  path: Path = VITAL_STATISTICS) -> dict[int, tuple[float, float]]:
    """Year -> (births, deaths) for a region of ``region_persons`` people at the start:
    Korea's series (``vital_statistics.csv``) times the region's share of Korea's
    census population in ``start_year`` (``korea_persons``), so the synthetic region
    follows Korea's rates. The start year and after: the start's own year sets the level
    a start at the end of the series keeps (:func:`sim.processes.demography.align_to_vital_statistics`)."""
    table = pd.read_csv(path)
    share = region_persons / max(korea_persons, 1.0)
    rows = table[table["year"] >= start_year]
    return {int(r.year): (float(r.births) * share, float(r.deaths) * share)
            for r in rows.itertuples()}
