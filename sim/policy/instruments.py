"""What each instrument builds with a municipality's build money.

An instrument is a *recipe* (:class:`sim.policy.config.Recipe`): shares of the money for
sector productivity (``tech_share``), co-design with residents (``attachment_share``),
dwellings (``housing_share``), plans and studies (``plan_share``, counted but building
nothing) and the rest for services, either in fixed domains or in the domains the TS
system picks from residents' felt deficits. ``place_based`` (the brief's combination)
uses the recipes its config names for gun, innovation-city hosts and everyone else;
``programmes`` the recipe of each programme.

The capital that reaches the ground is the build money after the project's selection
and planning costs (:func:`sim.processes.policy.project_costs`) and its plan stage
(``lifecycle.plan_share``), times the delivery factor of the governance (overhead,
capture, capacity; :func:`sim.processes.policy.delivery_factor`) and the place's plan
factor (what its plans add, ``lifecycle.plan_gain``); services also scale with the
recipe's ``service_efficiency`` (a belief by design) and with what learning has done to
the design's costs.

The TS system does not see residents' felt deficits directly: it hears them through a
survey or participation process (:func:`choose_ts_domains`'s ``signal``: a persistent
log-normal error per domain, and ``participation``: the voice of each age class). The
deficits residents feel weigh the domains with the QoL's own weights (``service_weights``),
so the report is of what the outcome is judged on, blurred by the error: how well the
process hears residents is the belief ``ts.signal_noise`` (0: an oracle on those weights). What that capital does to the model's state is in
:mod:`sim.processes.policy` (saturating effects per resident and per KRW of sector output).
"""

from __future__ import annotations

import numpy as np

from sim.constants import SECTORS, SERVICE_DOMAINS
from sim.policy.assets import ATTACHMENT, SERVICE, TECH, AssetRegistry
from sim.policy.config import DESIGNS


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
    signal: np.ndarray | None = None, participation: list[float] | None = None,
) -> list[int]:
    """The TS ("Trouble Shooter") system: the ``n`` domains whose deficits residents
    report most, most-reported first (indices into SERVICE_DOMAINS).

    What is reported: the felt deficits (:func:`felt_service_deficits`) of the residents
    weighted by how much each age class of the head takes part (``participation`` (3,),
    None: all alike), times ``signal`` (6,), the process's error (None: none). With no
    error and equal participation it is the domain residents feel most lacking.
    """
    voice = persons_by_class if participation is None else persons_by_class * np.asarray(participation)
    d = felt_service_deficits(voice, service_weights, levels)
    if signal is not None:
        d = d * signal
    return [int(i) for i in np.argsort(-d, kind="stable")[:n]]


def recipe_names(instrument, world) -> np.ndarray:
    """(M,) the recipe (a field name of the instrument config) each municipality gets.

    ``place_based`` maps places to the recipes its settings name
    (``place_based_innovation_city``, ``place_based_gun``, ``place_based_other``);
    every other kind is itself the recipe's name."""
    if instrument.kind != "place_based":
        return np.full(world.n, instrument.kind, dtype=object)
    return np.where(
        world.innovation_city, instrument.place_based_innovation_city,
        np.where(world.is_gun, instrument.place_based_gun, instrument.place_based_other),
    ).astype(object)


def build(
    instrument, money: np.ndarray, recipes: np.ndarray, delivery: np.ndarray,
    fixed: np.ndarray | float, learning: np.ndarray, assets: AssetRegistry, year: int, world,
    levels: np.ndarray, persons_by_class: np.ndarray, service_weights: list[list[float]],
    planned: np.ndarray | None = None, plan_share: float = 0.0,
    signal: np.ndarray | None = None, participation: list[float] | None = None,
    zone: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn build money (M,) KRW into assets.

    Args:
        recipes: (M,) recipe name per municipality (:func:`recipe_names`).
        delivery: (M,) share of build money that reaches the ground as capital.
        fixed: KRW (M,) or one number per project that selection and planning take
            first (:func:`sim.processes.policy.project_costs`).
        learning: (M, D) capital per KRW relative to the first deployment, by design
            (DESIGNS): what learning by doing has done to costs so far (it scales the
            services, technology capital and co-design a design builds).
        levels: (M, 6) service levels before this year's building; ``persons_by_class``
            (M, 3) residents by age class of the head (the TS choice weighs them).
        planned: (M,) what plans make a KRW build there (1: no plan).
        plan_share: share of the money left after ``fixed`` that goes to the plan stage
            first (``lifecycle.plan_share``).
        signal: (M, 6) the TS system's error on each domain (None: none);
            participation: (3,) voice by age class (None: equal).
        zone: (M,) residents the services of each site reach (0: all).

    Returns:
        dwellings built (M,); (M, D) KRW each municipality spent on what each design
        builds this year (services, technology capital and co-design: what learning by
        doing counts); plan-stage money spent (M,) (the lifecycle's plan stage and a
        recipe's ``plan_share``).
    """
    m = world.n
    dwellings = np.zeros(m)
    plans = np.zeros(m)
    deployed = np.zeros((m, len(DESIGNS)))
    fixed = np.broadcast_to(np.asarray(fixed, dtype=float), (m,))
    planned = np.ones(m) if planned is None else planned
    zone = np.zeros(m) if zone is None else zone
    rows: dict[str, list] = {k: [] for k in ("muni", "target", "index", "capital", "cost",
                                             "instrument", "zone")}

    def add(i, target, index, cost, capital, name, reach=0.0):
        rows["muni"].append(i)
        rows["target"].append(target)
        rows["index"].append(index)
        rows["cost"].append(cost)
        rows["capital"].append(capital)
        rows["instrument"].append(name)
        rows["zone"].append(reach)

    for i in np.flatnonzero(money > 0):
        name = str(recipes[i])
        r = getattr(instrument, name)
        x = max(float(money[i]) - float(fixed[i]), 0.0)
        if x <= 0:
            continue
        stage = x * plan_share
        x -= stage
        plans[i] += stage + x * r.plan_share
        ground = x * float(delivery[i]) * float(planned[i])
        share = max(1.0 - r.tech_share - r.attachment_share - r.housing_share - r.plan_share, 0.0)
        # Learning by doing is the design's, whatever the money builds (technology capital,
        # co-design and services alike; dwellings and plans are not the design's own), and
        # every KRW of it is experience.
        design = DESIGNS.index(r.design)
        learned = float(learning[i, design])
        deployed[i, design] += x * (r.tech_share + r.attachment_share + (share if share > 1e-12 else 0.0))
        if r.tech_share > 0:
            add(i, TECH, SECTORS.index(r.tech_sector), x * r.tech_share,
                ground * r.tech_share * learned, name)
        if r.attachment_share > 0:
            add(i, ATTACHMENT, 0, x * r.attachment_share, ground * r.attachment_share * learned, name)
        if r.housing_share > 0:
            dwellings[i] += x * float(delivery[i]) * r.housing_share / instrument.krw_per_dwelling
        if share <= 1e-12:
            continue
        if r.service_domains:
            domains = [SERVICE_DOMAINS.index(d) for d in r.service_domains]
        else:
            domains = choose_ts_domains(persons_by_class[i], service_weights, levels[i],
                                        instrument.ts_domains,
                                        None if signal is None else signal[i], participation)
        efficiency = r.service_efficiency * learned
        for d in domains:
            add(i, SERVICE, d, x * share / len(domains), ground * share * efficiency / len(domains),
                name, float(zone[i]))
    if rows["muni"]:
        assets.add(
            rows["muni"], rows["target"], rows["index"], rows["capital"], rows["cost"],
            year, np.array(rows["instrument"], dtype=object), np.array(rows["zone"]),
        )
    return dwellings, deployed, plans


def build_private(
    money: np.ndarray, tech_sector: np.ndarray, housing_share: np.ndarray,
    krw_per_dwelling: float, assets: AssetRegistry, year: int,
) -> np.ndarray:
    """Private co-investment (M,) KRW: ``housing_share`` (M,) of it builds dwellings, the
    rest tech capital of each place's ``tech_sector`` (M,) index (private money pays no
    public overhead). Returns dwellings built (M,)."""
    idx = np.flatnonzero(money > 0)
    tech = money[idx] * (1.0 - housing_share[idx])
    assets.add(idx, np.full(len(idx), TECH), tech_sector[idx], tech, tech, year, "private")
    dwellings = np.zeros(len(money))
    dwellings[idx] = money[idx] * housing_share[idx] / krw_per_dwelling
    return dwellings
