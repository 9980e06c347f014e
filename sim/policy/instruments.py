"""What each instrument builds with a municipality's build money.

An instrument is a *recipe* (:class:`sim.policy.config.Recipe`): shares of the money for
sector productivity (``tech_share``), co-design with residents (``attachment_share``),
dwellings (``housing_share``), and the rest for services, either in fixed domains or in
the domains the TS system picks from residents' felt deficits. ``place_based`` (the
brief's combination) gives gun the smart-village recipe, innovation-city hosts the living
lab and everyone else TS services.

The money that reaches the ground is ``build x (1 - governance.overhead)``; services
also scale with the recipe's ``service_efficiency`` (technology-push services are
assumed to meet felt needs half as well as services residents chose; co-designed ones
a little better). What that capital does to the model's state is in
:mod:`sim.processes.policy` (saturating effects per resident and per KRW of sector output).
"""

from __future__ import annotations

import numpy as np

from sim.constants import SECTORS, SERVICE_DOMAINS
from sim.policy.assets import ATTACHMENT, SERVICE, TECH, AssetRegistry


def felt_service_deficits(
    persons_by_class: np.ndarray, service_weights: list[list[float]], levels: np.ndarray,
) -> np.ndarray:
    """(6,) how much a municipality's residents feel each service domain is lacking.

    Per domain: the residents' weight on it (the QoL service weights (3, 6) of each age
    class, averaged over the residents by age class of the household head,
    ``persons_by_class`` (3,)) times the shortfall from the top of the scale,
    ``100 - level`` (``levels`` (6,)). With no residents, the plain mean of the weights.
    """
    weights = np.asarray(service_weights, dtype=float)  # (3, 6)
    w = persons_by_class @ weights / max(float(persons_by_class.sum()), 1e-9)
    if persons_by_class.sum() <= 0:
        w = weights.mean(axis=0)
    return w * (100.0 - levels)


def choose_ts_domains(
    persons_by_class: np.ndarray, service_weights: list[list[float]], levels: np.ndarray, n: int = 1,
) -> list[int]:
    """The TS ("Trouble Shooter") system: the ``n`` domains whose deficits residents feel
    most, most-felt first (indices into SERVICE_DOMAINS); see :func:`felt_service_deficits`."""
    d = felt_service_deficits(persons_by_class, service_weights, levels)
    return [int(i) for i in np.argsort(-d, kind="stable")[:n]]


def recipe_of(instrument, world, i: int) -> tuple[str, object]:
    """(name, Recipe) the instrument uses in municipality ``i``."""
    if instrument.kind != "place_based":
        return instrument.kind, getattr(instrument, instrument.kind)
    if world.innovation_city[i]:
        return "living_lab", instrument.living_lab
    if world.is_gun[i]:
        return "smart_village", instrument.smart_village
    return "ts_living_services", instrument.ts_living_services


def build(
    instrument, money: np.ndarray, overhead: float, assets: AssetRegistry, year: int, world,
    levels: np.ndarray, persons_by_class: np.ndarray, service_weights: list[list[float]],
) -> np.ndarray:
    """Turn build money (M,) KRW into assets; returns dwellings built (M,).

    Each receiving municipality gets one asset per target it funds this year. ``levels``
    (M, 6) are the service levels before this year's building, ``persons_by_class``
    (M, 3) the residents by age class of the head (the TS choice weighs them).
    """
    dwellings = np.zeros(world.n)
    rows: dict[str, list] = {k: [] for k in ("muni", "target", "index", "capital", "cost", "instrument")}

    def add(i, target, index, cost, efficiency, name):
        rows["muni"].append(i)
        rows["target"].append(target)
        rows["index"].append(index)
        rows["cost"].append(cost)
        rows["capital"].append(cost * (1.0 - overhead) * efficiency)
        rows["instrument"].append(name)

    for i in np.flatnonzero(money > 0):
        name, r = recipe_of(instrument, world, int(i))
        x = float(money[i])
        if r.tech_share > 0:
            add(i, TECH, SECTORS.index(r.tech_sector), x * r.tech_share, 1.0, name)
        if r.attachment_share > 0:
            add(i, ATTACHMENT, 0, x * r.attachment_share, 1.0, name)
        if r.housing_share > 0:
            dwellings[i] += x * r.housing_share * (1.0 - overhead) / instrument.krw_per_dwelling
        service = x * (1.0 - r.tech_share - r.attachment_share - r.housing_share)
        if service <= 0:
            continue
        if r.service_domains:
            domains = [SERVICE_DOMAINS.index(d) for d in r.service_domains]
        else:
            domains = choose_ts_domains(persons_by_class[i], service_weights, levels[i],
                                        instrument.ts_domains)
        for d in domains:
            add(i, SERVICE, d, service / len(domains), r.service_efficiency, name)
    if rows["muni"]:
        assets.add(
            rows["muni"], rows["target"], rows["index"], rows["capital"], rows["cost"],
            year, np.array(rows["instrument"], dtype=object),
        )
    return dwellings
