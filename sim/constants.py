"""Domain constants: sectors, service domains, age and income classes, census years.

One home for the lists every part of the package shares, so that a domain or a sector
is named once. Arrays indexed by these classes follow the order given here.
"""

from __future__ import annotations

import numpy as np

#: Broad sectors of firms and jobs: agriculture; manufacturing (incl. mining, utilities,
#: construction); services; knowledge/ICT (information, finance, professional services).
SECTORS = ("agri", "manuf", "services", "knowledge")
N_SECTORS = len(SECTORS)

#: The six service domains of a municipality (MODEL.md), each an index 0-100.
SERVICE_DOMAINS = ("health", "mobility", "care_education", "safety", "digital", "environment")
N_DOMAINS = len(SERVICE_DOMAINS)

#: The parts of the welfare measure (:func:`sim.processes.migration.welfare_utility`), in
#: order: the destination terms a policy moves (earnings: wage and jobs; services by
#: domain) and ``other``, the movers' gain from choosing anew among the changed places.
WELFARE_PARTS = ("wage", "jobs", *(f"service_{d}" for d in SERVICE_DOMAINS), "other")

#: Age classes of the household head, with the suffixes used in output column names.
AGE_CLASSES = ("20_39", "40_64", "65_plus")
N_AGE_CLASSES = len(AGE_CLASSES)
#: First age (years) of each class after the first: 40 and 65.
AGE_CLASS_STARTS = (40, 65)
#: Income classes (terciles of the start year's incomes, indexed to wage growth).
N_INCOME_CLASSES = 3
#: Household type = N_INCOME_CLASSES * age class + income class (the kernels' ``htype``).
N_TYPES = N_AGE_CLASSES * N_INCOME_CLASSES
#: (T,) age class and income class of each household type.
TYPE_AGE_CLASS = np.repeat(np.arange(N_AGE_CLASSES), N_INCOME_CLASSES)
TYPE_INCOME_CLASS = np.tile(np.arange(N_INCOME_CLASSES), N_AGE_CLASSES)

#: Municipality kinds: autonomous gu of a metropolitan city, city (si), county (gun).
KINDS = ("gu", "si", "gun")

#: Census years a run can start from: each has population, households and dwellings
#: per municipality. 2025 has only those; its other indicators (firms, GRDP, doctors,
#: the elderly proxy, vacancy, fertility) are carried from the latest year that has them
#: (:func:`indicator_year`, :data:`TFR_YEARS`, :data:`VACANCY_YEARS`; docs/data.md).
CENSUS_YEARS = (2010, 2015, 2020, 2025)
#: Years of municipal population in the region table.
POPULATION_YEARS = (2010, 2015, 2020, 2025)
#: Years with a census total fertility rate per municipality (``tfr_{year}``).
TFR_YEARS = (2010, 2015, 2020)
#: Years with a count of vacant dwellings per municipality (``vacant_housing_{year}``).
VACANCY_YEARS = (2015, 2020)
#: The year rates and trends of the behavioural parameters are expressed against.
RATE_BASE_YEAR = 2015

#: Province (adm1) code of Jeollabuk-do, the brief's province.
JEONBUK_PROVINCE = 35


def by_age_class(by_type: np.ndarray) -> np.ndarray:
    """(M, T) totals by household type -> (M, N_AGE_CLASSES) totals by age class."""
    return by_type.reshape(by_type.shape[0], N_AGE_CLASSES, N_INCOME_CLASSES).sum(axis=2)


def age_class_of(age: np.ndarray) -> np.ndarray:
    """(N,) int64 age class (0: 20-39, 1: 40-64, 2: 65+) of heads aged ``age`` (N,)."""
    return (age >= AGE_CLASS_STARTS[0]).astype(np.int64) + (age >= AGE_CLASS_STARTS[1])


def census_year(start_year: int) -> int:
    """The census year at or before ``start_year`` (its indicators describe the start)."""
    return max(c for c in CENSUS_YEARS if c <= max(start_year, CENSUS_YEARS[0]))


def latest_year(years: tuple[int, ...], start_year: int) -> int:
    """The last of ``years`` at or before ``start_year`` (the first if none is)."""
    return max((y for y in years if y <= start_year), default=years[0])


def indicator_year(start_year: int) -> int:
    """The census year of the non-population indicators (GRDP, doctors, firms) for
    ``start_year``: 2015 for 2010 and 2015 starts (2010 lacks them), 2020 for 2020 and
    2025 starts (the 2025 census has none: carried from 2020)."""
    return 2020 if start_year >= 2020 else 2015
