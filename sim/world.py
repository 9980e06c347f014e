"""The world: what never changes during a run, the municipalities' static facts.

A type of its own, below the processes, so that every process can say in its signature
that it reads the world (``world: World``) without importing the builder that makes it.
:func:`make_world` derives it from a region's table; the region's config names the
province the outputs follow (``region.focus_province``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.constants import JEONBUK_PROVINCE
from sim.data.census import base_services, need_indicators, remoteness_km
from sim.data.region import Region


@dataclass(frozen=True)
class World:
    """The municipalities' static facts (M rows, ordered like the region table).

    Attributes:
        n: number of municipalities M.
        codes, names, provinces, kinds: (M,) object arrays of the table's strings.
        provinces_ko: (M,) the province's Korean name (``province_ko``; "" if the table
            has none).
        province_code: (M,) int adm1 codes. capital_region, innovation_city, is_gun: (M,)
            bool flags.
        jeonbuk: (M,) bool, in Jeollabuk-do (the brief's province; ``jeonbuk_population``).
        focus: (M,) bool, in the province the region's config puts in focus
            (``region.focus_province``; the ``focus_*`` outputs).
        province_codes: (P,) the region's province codes, sorted; province_index: (M,)
            each municipality's position in them (0..P-1).
        area_km2: (M,) km2. distance_km: (M, M) centroid distances, km.
        same_province: (M, M) bool, origin and destination in one province.
        services_base: (M, 6) census service levels, 0-100
            (:func:`sim.data.census.base_services`); policy adds to them
            (:func:`sim.processes.policy.service_levels`).
        need_counts: (M, K) census counts behind the need index (doctors, essential-care
            and emergency doctors, welfare facilities, park m2, basic-livelihood
            recipients); need_vacancy: (M,) census vacancy rate
            (:func:`sim.data.census.need_indicators`).
        tax_base: (M,) income tax collected in 2020, million KRW (the local tax base).
        remoteness_km: (M,) km to the nearest metropolitan gu
            (:func:`sim.data.census.remoteness_km`).
    """

    n: int
    codes: np.ndarray
    names: np.ndarray
    provinces: np.ndarray
    provinces_ko: np.ndarray
    kinds: np.ndarray
    province_code: np.ndarray
    capital_region: np.ndarray
    innovation_city: np.ndarray
    is_gun: np.ndarray
    jeonbuk: np.ndarray
    focus: np.ndarray
    province_codes: np.ndarray
    province_index: np.ndarray
    area_km2: np.ndarray
    distance_km: np.ndarray
    same_province: np.ndarray
    services_base: np.ndarray
    need_counts: np.ndarray
    need_vacancy: np.ndarray
    tax_base: np.ndarray
    remoteness_km: np.ndarray


def make_world(region: Region, start_year: int, focus_province: int = JEONBUK_PROVINCE) -> World:
    """The static facts of ``region``, with census service levels of ``start_year`` and
    ``focus_province`` (an adm1 code) as the province in focus."""
    t = region.table
    province_code = t["province_code"].to_numpy()
    province_codes, province_index = np.unique(province_code, return_inverse=True)
    need_counts, need_vacancy = need_indicators(t, start_year)
    return World(
        n=region.n,
        codes=t["code"].to_numpy(),
        names=t["name"].to_numpy(),
        provinces=t["province"].to_numpy(),
        provinces_ko=(t["province_ko"].fillna("").astype(str).to_numpy(dtype=object)
                      if "province_ko" in t else np.full(region.n, "", dtype=object)),
        kinds=t["kind"].to_numpy(),
        province_code=province_code,
        capital_region=t["capital_region"].to_numpy(dtype=bool),
        innovation_city=t["innovation_city"].to_numpy(dtype=bool),
        is_gun=(t["kind"] == "gun").to_numpy(),
        jeonbuk=(t["province_code"] == JEONBUK_PROVINCE).to_numpy(),
        focus=(t["province_code"] == focus_province).to_numpy(),
        province_codes=province_codes,
        province_index=province_index.astype(np.int64),
        area_km2=t["area_km2"].to_numpy(dtype=float),
        distance_km=region.distance_km,
        same_province=province_code[:, None] == province_code[None, :],
        services_base=base_services(t, start_year),
        need_counts=need_counts,
        need_vacancy=need_vacancy,
        tax_base=t["income_tax_2020"].to_numpy(dtype=float),
        remoteness_km=remoteness_km(t, region.distance_km),
    )
