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
:mod:`sim.policy.engine` (saturating effects per resident and per KRW of sector output).
"""

from __future__ import annotations

import numpy as np

from sim.agents.municipality import SERVICE_DOMAINS
from sim.data.region import SECTORS
from sim.policy.assets import ATTACHMENT, SERVICE, TECH, AssetRegistry


def recipe_of(model, instrument, i: int) -> tuple[str, object]:
    """(name, Recipe) the instrument uses in municipality ``i``."""
    if instrument.kind != "place_based":
        return instrument.kind, getattr(instrument, instrument.kind)
    if model.region.table["innovation_city"].iat[i]:
        return "living_lab", instrument.living_lab
    if model.is_gun[i]:
        return "smart_village", instrument.smart_village
    return "ts_living_services", instrument.ts_living_services


def build(model, instrument, money: np.ndarray, overhead: float, assets: AssetRegistry) -> np.ndarray:
    """Turn build money (M,) KRW into assets; returns dwellings built (M,).

    Each receiving municipality gets one asset per target it funds this year.
    """
    dwellings = np.zeros(model.n_munis)
    levels = model.service_levels()
    munis = model.municipalities_list
    rows: dict[str, list] = {k: [] for k in ("muni", "target", "index", "capital", "cost", "instrument")}

    def add(i, target, index, cost, efficiency, name):
        rows["muni"].append(i)
        rows["target"].append(target)
        rows["index"].append(index)
        rows["cost"].append(cost)
        rows["capital"].append(cost * (1.0 - overhead) * efficiency)
        rows["instrument"].append(name)

    for i in np.flatnonzero(money > 0):
        name, r = recipe_of(model, instrument, int(i))
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
            domains = munis[i].choose_ts_domains(instrument.ts_domains, levels)
        for d in domains:
            add(i, SERVICE, d, service / len(domains), r.service_efficiency, name)
    if rows["muni"]:
        assets.add(
            rows["muni"], rows["target"], rows["index"], rows["capital"], rows["cost"],
            model.year, np.array(rows["instrument"], dtype=object),
        )
    return dwellings
