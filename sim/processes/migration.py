"""Migration: a move decision, then a multinomial-logit destination choice.

Once a year this module builds small tables from municipal state, and the Numba kernel
(:func:`sim.kernels.migration.migrate`) applies them to every household.

Move probability of a household of age class a in municipality o with tenure bin b::

    p = move_rate[a] * tenure_multiplier[b] * exp(dissatisfaction * gap / 10 - attachment[o])

where ``gap`` = max(0, national mean QoL of class a - QoL of class a in o), capped at 0.95.

Destination utility for household type t = (age class a, income class i)::

    V[o, d, t] = beta_wage[a] * log(wage_d / mean) + beta_jobs[a] * log(employment rate_d)
               + beta_services[a] * (service index of d for class a - mean) / 10
               - beta_housing[i] * log(price_d) + beta_size * log(dwellings_d)
               + beta_vacancy * log(vacancy rate_d / vacancy rate_d at start)
               + beta_capital[a] * capital_d + beta_rural[a] * gun_d - distance_decay * log(1 + km_od / 10)
               + same_province * [same province] + stay_local * [d == o]
               + network * log1p(M * share of o's earlier movers who went to d)
               + amenity_d + age_pull[a, d]

(with ``size_of = "occupied"`` the size term counts the homes lived in, dwellings less
the empty ones, instead of the whole stock). ``amenity_d`` stands for everything about a
place that the model does not see (coast, schools' reputation, new towns): a destination
constant. With ``equilibrium_start`` (the
default) the constants are solved at the start, in one of two ways (``constants``):

* ``base_period`` (the default): the start reproduces what was observed in the five years
  before it (:class:`MigrationTargets`, from :mod:`sim.data.base_period`): each
  municipality's net migration, and, with ``province_pairs``, where each province's
  leavers went, through origin-province x destination-province constants ``pair[P_o,
  P_d]`` added to the utility of moves between provinces, at a common level that makes
  as many of all movers cross a province line as KOSIS saw (``leave_share``; without
  it the behaviour alone decided, and crossed too rarely). With ``age_split = "even"``
  also constants by age class and destination province, ``age_pull[a, d]``, so that
  every age class carries its province's net in proportion to its moves across the
  province line (otherwise 0: the age terms alone split the nets). Korea's persistent flows
  (Seoul to Gyeonggi and Incheon, the south-east's losses, Sejong's gains) are thus in
  the start, not thrown away. How that pull carries into the future is
  ``constants_half_life``: 0 holds it; h > 0 moves the constants towards the zero-net
  equilibrium's, the distance halving every h years from the base period's end.
* ``equilibrium``: expected in- and out-migration balance in every municipality: the
  start is a spatial equilibrium and later flows come from changes only.

Without ``equilibrium_start`` there are no constants. ``amenity_shift`` (municipality
code -> utility, empty by default) is then added to the constants: a persistent pull or
push estimated by ``python -m sim.calibrate --trends`` for the equilibrium start
(docs/validation.md, earlier rounds); with ``amenity_shift_half_life`` > 0 it decays,
halving every that many years from the start year.

and P(d | o, t) = softmax_d V. Moves with d == o are moves within the municipality (across
eup/myeon/dong lines); ``movers_share`` counts all moves, ``intermunicipal_share`` only
those across municipality lines.

Reads: the households (``muni``, ``htype``, ``tenure``, ``size``, ``uid``), the last
observation (persons, QoL), wages and employment rates (labour), prices, dwellings and
vacancies (housing), service levels and attachment (policy), distances and the capital
region (world). Writes: its own :class:`MigrationState` and the households' ``muni`` and
``tenure``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from sim.agents.columns import ColumnAgents
from sim.config import MigrationParams
from sim.constants import N_AGE_CLASSES, N_DOMAINS, TYPE_AGE_CLASS, TYPE_INCOME_CLASS, WELFARE_PARTS
from sim.kernels.migration import migrate
from sim.kernels.parallel import Parallel
from sim.kernels.sampling import coupled_tables, proposal_tables
from sim.world import World

log = logging.getLogger("sim.migration")

#: Tenure (years at the current home) -> bin: 0-1, 2-4, 5-9, 10+.
TENURE_BIN = np.minimum(np.searchsorted([2, 5, 10], np.arange(256), side="right"), 3).astype(np.int64)


@dataclass
class MigrationState:
    """What movers see that is migration's own, and last year's moves.

    Attributes:
        amenity: (M,) utility of each destination that the model's terms do not explain,
            this year (the constants carried by the carry rule, plus the decayed
            ``amenity_shift``).
        amenity_base: (M,) the constants solved at the start (base period or equilibrium).
        amenity_shift: (M,) ``migration.amenity_shift`` at the start, by municipality.
        network: (M, M) decayed stock of earlier movers (households), origin x destination.
        flows_hh, flows_persons: (M, M) int64 moves of the last year in agents and
            persons, origin x destination (the diagonal: moves within a municipality).
        proposal: the start year's destination table, (M * T, M) probabilities with
            their packed alias table: the fixed proposal of every year's destination
            draws, the same in every run of a seed (so that twins pick the same
            destinations, :func:`sim.kernels.sampling.draw_coupled`).
        anchors: the start's national wage and service levels the utility is measured
            from (:class:`Anchors`).
        logsum0: (M, T) the start's log-sum (expected maximum utility) of each origin and
            household type.
        welfare: (M, T, P) this year's welfare change against the start of each origin
            and household type, in utility units, by part (:data:`WELFARE_PARTS`; they
            sum to the total): :func:`welfare_utility`. :func:`sim.metrics.welfare_money`
            turns it into KRW.
        welfare_base: what the welfare measure holds at the start (:class:`WelfareBase`).
        pair: (M, M) origin-province x destination-province constants by municipality
            pair (None without ``province_pairs``).
        amenity_eq: (M,) the zero-net equilibrium's constants, towards which a decaying
            base-period pull moves (None when the pull is held).
        base_gap: years from the base period's end to the start (a 2025 start carries
            the 2015-2020 pull five years).
        flows_by_age: (P, P, 3) int64 moving persons of the last year by origin province,
            destination province and age class of the head (None before the first year).
        age_pull: (3, M) the constants by age class of the head and destination (the
            same across a province) with ``age_split = "even"``; None otherwise.
        constants_met: whether the start's solve met its targets within its tolerance
            (False: it stopped at its cap and reproduces the base period only as closely
            as its warning says; a migration history is then not drawn).
    """

    amenity: np.ndarray
    amenity_base: np.ndarray
    amenity_shift: np.ndarray
    network: np.ndarray
    flows_hh: np.ndarray
    flows_persons: np.ndarray
    proposal: tuple[np.ndarray, np.ndarray] | None = None
    anchors: Anchors | None = None
    logsum0: np.ndarray | None = None
    welfare: np.ndarray | None = None
    welfare_base: WelfareBase | None = None
    pair: np.ndarray | None = None
    amenity_eq: np.ndarray | None = None
    base_gap: int = 0
    flows_by_age: np.ndarray | None = None
    age_pull: np.ndarray | None = None
    constants_met: bool = True


@dataclass(frozen=True)
class Conditions:
    """The municipal conditions a mover weighs this year (M rows), gathered from the
    other processes' states by the caller.

    Attributes:
        persons: (M,) persons (agent units), the weights of national means.
        qol: (M, 3) QoL by age class of the head (observation).
        services: (M, 6) service levels, 0-100 (census base plus policy).
        attachment: (M,) the policy's attachment (lower propensity to leave).
        mean_wage, employment_rate: (M,) from the labour market.
        price, dwellings, vacant, vacancy0: (M,) from housing: price index, dwellings,
            empty dwellings, and the vacancy rate at the start.
        trend: the common productivity trend since the start, exp(drift x years) (wages
            are valued net of it, so shared growth leaves the log-sum welfare alone).
    """

    persons: np.ndarray
    qol: np.ndarray
    services: np.ndarray
    attachment: np.ndarray
    mean_wage: np.ndarray
    employment_rate: np.ndarray
    price: np.ndarray
    dwellings: np.ndarray
    vacant: np.ndarray
    vacancy0: np.ndarray
    trend: float = 1.0


@dataclass(frozen=True)
class Anchors:
    """The start's national levels that the utility's wage and service terms are measured
    from (any constant would give the same choices; fixed ones make the log-sum welfare
    comparable across years and scenarios).

    Attributes:
        wage: persons-weighted mean wage at the start, million KRW a year.
        services: (3,) persons-weighted mean service index by age class at the start.
    """

    wage: float
    services: np.ndarray


@dataclass(frozen=True)
class MigrationTargets:
    """What the start's constants reproduce in the ``base_period`` mode (agent units),
    made by the start-state builder from :mod:`sim.data.base_period`.

    Attributes:
        net: (M,) net internal migration a year, persons: census growth less the start's
            expected births, deaths and arrivals from abroad; summing by province to the
            observed net migration from other provinces where it is known.
        province_index: (M,) each municipality's province, 0..P-1.
        od_shares: (P, P) where each province's leavers went (row shares, zero diagonal);
            None: no province-pair constants.
        gap: years from the base period's end to the start.
        leave_share: the share of all moves that cross a province line; with
            ``od_shares`` it sets the pair constants' common level. None: the level stays
            0 and how many leave is the behaviour's alone.
    """

    net: np.ndarray
    province_index: np.ndarray
    od_shares: np.ndarray | None = None
    gap: int = 0
    leave_share: float | None = None


@dataclass(frozen=True)
class WelfareBase:
    """What the welfare measure holds at the start (:func:`welfare_utility`).

    Every term of the destination utility that is an outcome of the market or of
    structure (dwellings, vacancy, prices, the capital and county terms, constants,
    distance, province, stay-local and network terms) enters the welfare measure at its
    start value, through the start's logits; only the terms a policy moves (wage, jobs,
    services) are valued as they change.

    Attributes:
        logits: (M, T, M) the start's destination utility (origin, type, destination).
        dest: (M, T, M) the start's destination probabilities.
        move: (M, T) the start's move probability of each origin and type, the tenure
            bins weighted by the start's households (their mean where a cell is empty).
        log_wage, log_emp: (M,) the start's policy terms (:func:`policy_terms`).
        services: (M, 6) the start's service levels.
        income: (M, T) the start's mean household income of each cell, million KRW a
            year (the national mean of the type where a cell is empty): the income the
            compensating variation is measured on (real, start-year KRW).
        households: (M, T) the start's households (agent units).
        price: (M,) the start's price index (the housing transfer is measured from it).
    """

    logits: np.ndarray
    dest: np.ndarray
    move: np.ndarray
    log_wage: np.ndarray
    log_emp: np.ndarray
    services: np.ndarray
    income: np.ndarray
    households: np.ndarray
    price: np.ndarray


def province_flows(flows: np.ndarray, province_index: np.ndarray, n_provinces: int) -> np.ndarray:
    """(P, P) the municipal flows (M, M) summed by origin and destination province."""
    one_hot = np.zeros((len(province_index), n_provinces))
    one_hot[np.arange(len(province_index)), province_index] = 1.0
    return one_hot.T @ flows @ one_hot


def anchors_now(c: Conditions, service_weights: list[list[float]]) -> Anchors:
    """The national levels of conditions ``c`` (the start's become the fixed anchors)."""
    pop = np.maximum(c.persons.astype(float), 1.0)
    services = c.services @ np.asarray(service_weights).T
    return Anchors(float(np.average(c.mean_wage, weights=pop)),
                   np.average(services, axis=0, weights=pop))


def policy_terms(c: Conditions, anchors: Anchors) -> tuple[np.ndarray, np.ndarray]:
    """(M,) the log wage (net of the common trend, against the anchor) and the log
    employment rate of conditions ``c``: the destination terms that earnings move."""
    log_wage = np.log(c.mean_wage / (anchors.wage * c.trend))
    log_emp = np.log(np.maximum(c.employment_rate, 1e-3))
    return log_wage, log_emp


@dataclass(frozen=True)
class FixedTerms:
    """The terms of the destination utility that neither the destination constants nor
    the network move: computed once where many choices are made under one set of
    conditions (the start's balancing rounds), and each time otherwise.

    Attributes:
        v_dest: (T, M) the destination terms of each household type, without the constants.
        v_origin: (M, M) distance decay, same province and stay local, without the network.
    """

    v_dest: np.ndarray
    v_origin: np.ndarray


def fixed_terms(
    p: MigrationParams,
    service_weights: list[list[float]],
    c: Conditions,
    world: World,
    anchors: Anchors | None = None,
) -> FixedTerms:
    """The :class:`FixedTerms` of conditions ``c``. Arguments as :func:`choice_tables`."""
    m = world.n
    a_idx, i_idx = TYPE_AGE_CLASS, TYPE_INCOME_CLASS
    services = c.services @ np.asarray(service_weights).T  # (M, 3)
    anchors = anchors or anchors_now(c, service_weights)
    svc_mean = anchors.services
    log_wage, log_emp = policy_terms(c, anchors)
    log_price = np.log(np.maximum(c.price, 1e-6))
    homes = c.dwellings - c.vacant if p.size_of == "occupied" else c.dwellings
    log_size = np.log(np.maximum(homes, 1.0))  # homes to move into (or lived in)
    log_vacancy = np.log(c.vacant / np.maximum(c.dwellings, 1.0) / c.vacancy0)
    cap = world.capital_region.astype(float)
    gun = world.is_gun.astype(float)

    bw, bj, bs, bc, br = (np.asarray(x)[a_idx] for x in (p.beta_wage, p.beta_jobs, p.beta_services,
                                                         p.beta_capital, p.beta_rural))
    bh = np.asarray(p.beta_housing)[i_idx]
    v_dest = (
        bw[:, None] * log_wage[None, :]
        + bj[:, None] * log_emp[None, :]
        + bs[:, None] * ((services - svc_mean) / 10.0).T[a_idx]
        - bh[:, None] * log_price[None, :]
        + p.beta_size * log_size[None, :]
        + p.beta_vacancy * log_vacancy[None, :]
        + bc[:, None] * cap[None, :]
        + br[:, None] * gun[None, :]
    )  # (T, M)
    v_origin = (
        -p.distance_decay * np.log1p(world.distance_km / 10.0)
        + p.same_province * world.same_province
        + p.stay_local * np.eye(m)
    )  # (M, M)
    return FixedTerms(v_dest, v_origin)


def destination_logits(
    p: MigrationParams,
    service_weights: list[list[float]],
    c: Conditions,
    amenity: np.ndarray,
    network: np.ndarray,
    world: World,
    anchors: Anchors | None = None,
    pair: np.ndarray | None = None,
    age_pull: np.ndarray | None = None,
    fixed: FixedTerms | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """(M, T, M) the destination utility ``V[o, t, d]`` of the module docstring (origin,
    household type, destination). Arguments as :func:`choice_tables`; ``fixed``, the
    conditions' :class:`FixedTerms` if already computed; ``out``, an (M, T, M) array to
    write into."""
    m = world.n
    fixed = fixed or fixed_terms(p, service_weights, c, world, anchors)
    v_dest = fixed.v_dest + amenity[None, :]  # (T, M)
    if age_pull is not None:
        v_dest = v_dest + age_pull[TYPE_AGE_CLASS]

    out_total = network.sum(axis=1, keepdims=True)
    share = np.divide(network, out_total, out=np.zeros_like(network), where=out_total > 0)
    v_origin = fixed.v_origin + p.network * np.log1p(m * share)  # (M, M)
    if pair is not None:
        v_origin = v_origin + pair
    return np.add(v_origin[:, None, :], v_dest[None, :, :], out=out)  # (M, T, M)


def choice_tables(
    p: MigrationParams,
    service_weights: list[list[float]],
    c: Conditions,
    amenity: np.ndarray,
    network: np.ndarray,
    world: World,
    anchors: Anchors | None = None,
    pair: np.ndarray | None = None,
    age_pull: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move probabilities (M, T, B), destination probabilities (M, T, M) and each origin
    and type's log-sum, the expected maximum utility of the destination choice (M, T).
    ``pair`` (M, M), if given, adds the province-pair constants of each move;
    ``age_pull`` (3, M), if given, the constants by age class and destination.

    ``service_weights`` (3, 6) are the QoL weights of the domains by age class; ``world``
    gives distances, provinces and the capital region; wages (net of the common trend)
    and services are measured from ``anchors`` (the start's national levels; this
    year's when None, as at the start itself).
    """
    logits = destination_logits(p, service_weights, c, amenity, network, world, anchors, pair,
                                age_pull)
    dest, logsum = softmax_logsum(logits, overwrite=True)
    return move_probabilities(p, c), dest, logsum


def softmax_logsum(logits: np.ndarray, overwrite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Choice probabilities along the last axis and the log-sum, computed stably;
    ``overwrite`` computes the probabilities in ``logits``' own memory (its caller does
    not need the utilities after)."""
    top = logits.max(axis=-1, keepdims=True)
    dest = np.subtract(logits, top, out=logits if overwrite else None)
    np.exp(dest, out=dest)
    total = dest.sum(axis=-1, keepdims=True)
    dest /= total
    return dest, (top + np.log(total))[..., 0]


def move_push(p: MigrationParams, c: Conditions) -> np.ndarray:
    """(M, 3) the exponent that multiplies the base move hazard of each origin and age
    class: ``dissatisfaction * gap / 10 - attachment``, capped at 50."""
    pop = np.maximum(c.persons.astype(float), 1.0)
    qol_mean = np.average(c.qol, axis=0, weights=pop)
    gap = np.maximum(0.0, qol_mean[None, :] - c.qol) / 10.0  # (M, 3)
    # Capped well below exp's overflow: the product with the tenure multipliers must stay
    # finite too (0 * inf is NaN with a zero move rate), and e^50 already caps at 0.95.
    return np.minimum(p.dissatisfaction * gap - c.attachment[:, None], 50.0)


def move_probabilities(p: MigrationParams, c: Conditions) -> np.ndarray:
    """(M, T, B) the move probability of each origin, household type and tenure bin."""
    a_idx = TYPE_AGE_CLASS
    base = np.asarray(p.move_rate)[a_idx]  # (T,)
    push = move_push(p, c)[:, a_idx]
    prob = (
        base[None, :, None]
        * np.asarray(p.tenure_multiplier)[None, None, :]
        * np.exp(push)[:, :, None]
    )
    return np.minimum(prob, 0.95)


def tenure_hazard(p: MigrationParams, push: np.ndarray | None = None) -> np.ndarray:
    """The yearly move probability by years at the home that the model applies (``move_rate``
    times ``tenure_multiplier``, at most 0.95): (3, 256) by age class without a push, or
    (M, 3, 256) by origin and age class with ``push`` (M, 3), the exponent of dissatisfaction
    and attachment (:func:`move_push`), as :func:`move_probabilities` applies it. The start
    draws its tenures from the distribution this hazard sustains
    (:func:`sim.agents.households.stationary_tenure`)."""
    base = (np.asarray(p.move_rate, float)[:, None]
            * np.asarray(p.tenure_multiplier, float)[TENURE_BIN][None, :])
    if push is None:
        return np.minimum(base, 0.95)
    return np.minimum(base[None, :, :] * np.exp(np.asarray(push, float))[:, :, None], 0.95)


MAX_ENTRY_WEIGHT = 4.0  # recent movers at most 4x (at least 1/4) what the hazard sustains


def recent_entry_weights(net: np.ndarray, held: np.ndarray, survival: np.ndarray,
                         years: int) -> np.ndarray:
    """(G,) how many times more households entered each group's homes a year over the
    last ``years`` years than the move hazard alone sustains: the start's migration
    history (``start_history_years``).

    A group (a municipality's heads of one age class) that was in balance before, with c
    entries a year surviving at ``survival`` (G, T) (:func:`sim.agents.households.tenure_survival`),
    and took w * c a year in its last ``years`` years has a yearly net of
    (w - 1) c S(years + 1) and H = c (w R + O) households (R, O: the survival's mass up
    to and beyond ``years``). Solved for w with ``net`` (G,) and ``held`` (G,)::

        w = (1 + n O) / (1 - n R),   n = net / (held * S(years + 1))

    So a place gaining by migration starts with the recent movers its base period
    brought, and a losing one with fewer; with a zero net, w = 1 (the stationary draw).
    Bounded to [1/4, 4]; 1 where the group has no households."""
    survival = np.asarray(survival, float)
    held = np.asarray(held, float)
    recent = survival[:, 1:years + 1].sum(axis=1)
    older = survival[:, years + 1:].sum(axis=1)
    edge = np.maximum(survival[:, min(years + 1, survival.shape[1] - 1)], 1e-9)
    rate = np.asarray(net, float) / np.maximum(held, 1e-9) / edge
    denominator = 1.0 - rate * recent
    weight = np.where(denominator > 0, (1.0 + rate * older) / np.maximum(denominator, 1e-9),
                      MAX_ENTRY_WEIGHT)
    weight = np.clip(weight, 1.0 / MAX_ENTRY_WEIGHT, MAX_ENTRY_WEIGHT)
    return np.where(held > 0, weight, 1.0)


def class_nets(base: WelfareBase) -> tuple[np.ndarray, np.ndarray]:
    """(M, 3) each municipality's expected yearly net of households by the head's age
    class at the start (moves within the municipality cancel), and (M, 3) its households,
    from the start's :class:`WelfareBase`."""
    moving = base.households * base.move  # (M, T) households leaving each origin
    arriving = np.einsum("ot,otd->dt", moving, base.dest)  # (M, T) arriving at each place
    by_class = np.eye(N_AGE_CLASSES)[TYPE_AGE_CLASS]  # (T, 3)
    return (arriving - moving) @ by_class, base.households @ by_class


def money_coefficients(p: MigrationParams) -> np.ndarray:
    """(T,) the model's one money coefficient, the utility of a log unit of income, for
    each household type: ``beta_wage`` of the head's age class under 65; for heads 65+,
    whose income is not a wage, the 40-64 value (one coefficient for working-age and
    retired income alike). The same coefficients turn welfare into KRW
    (:func:`sim.metrics.welfare_money`) and service valuations into utility
    (:func:`sim.beliefs.service_coefficients`)."""
    by_age = np.array([p.beta_wage[0], p.beta_wage[1], p.beta_wage[1]], dtype=float)
    return np.maximum(by_age[TYPE_AGE_CLASS], 1e-6)


def welfare_base(
    p: MigrationParams, service_weights: list[list[float]], households: ColumnAgents,
    c: Conditions, world: World, anchors: Anchors, amenity: np.ndarray, network: np.ndarray,
    pair: np.ndarray | None, age_pull: np.ndarray | None = None,
) -> tuple[WelfareBase, np.ndarray]:
    """The start's :class:`WelfareBase` and log-sum (M, T), from the start's conditions
    ``c``, constants, network and households (their incomes set)."""
    m, t = world.n, len(TYPE_AGE_CLASS)
    logits = destination_logits(p, service_weights, c, amenity, network, world, anchors, pair,
                                age_pull)
    dest, logsum = softmax_logsum(logits, overwrite=True)
    move_tb = move_probabilities(p, c)
    _, households_tb = cell_counts(households, m, move_tb.shape[2])
    count = households_tb.sum(axis=2)
    move = np.where(count > 0, (move_tb * households_tb).sum(axis=2) / np.maximum(count, 1),
                    move_tb.mean(axis=2))
    hh = households
    income = np.zeros(m * t)
    step = 1 << 20  # a million rows at a time: no N-sized int64 temporaries at scale 1
    for lo in range(0, hh.n, step):
        rows = slice(lo, min(hh.n, lo + step))
        cell = hh.muni[rows].astype(np.int64) * t + hh.htype[rows]
        income += np.bincount(cell, weights=hh.income[rows], minlength=m * t)
    income = income.reshape(m, t)
    by_type = income.sum(axis=0) / np.maximum(count.sum(axis=0), 1)
    income = np.where(count > 0, income / np.maximum(count, 1), by_type[None, :])
    log_wage, log_emp = policy_terms(c, anchors)
    base = WelfareBase(logits, dest, move, log_wage, log_emp, c.services.copy(), income,
                       count.astype(float), c.price.copy())
    return base, logsum


def welfare_utility(p: MigrationParams, service_weights: list[list[float]], c: Conditions,
                    anchors: Anchors, base: WelfareBase) -> np.ndarray:
    """(M, T, P) the welfare change against the start of each origin and household type,
    in utility units, by part (:data:`WELFARE_PARTS`).

    The annual choice is to stay (probability ``1 - base.move``) or to move and choose a
    destination (the logit). The policy-relevant utility of a destination changes by
    ``dv[t, d]`` = the wage, jobs and service terms now minus at the start; everything
    else is held at the start (:class:`WelfareBase`). Stayers gain their own place's
    ``dv[t, o]``; movers the log-sum change ``log sum_d P0(d) exp(dv[t, d])``. Each part
    c is the probability-weighted sum of its own terms, ``(1 - p0) dv_c[t, o] + p0
    sum_d P0(d) dv_c[t, d]`` (first order, the start's choice probabilities), and
    ``other`` is the movers' rest, ``p0 (log-sum change - sum_d P0(d) dv[t, d])`` >= 0,
    their gain from choosing anew among the changed places. The move probability is held
    at the start's (a stay-or-move choice whose probability does not follow utility has
    no log-sum of its own).
    """
    a_idx = TYPE_AGE_CLASS
    m, t = base.move.shape
    log_wage, log_emp = policy_terms(c, anchors)
    bw, bj, bs = (np.asarray(x, dtype=float)[a_idx]
                  for x in (p.beta_wage, p.beta_jobs, p.beta_services))
    weights = np.asarray(service_weights, dtype=float)[a_idx]  # (T, 6)
    dv = np.empty((2 + N_DOMAINS, t, m))
    dv[0] = bw[:, None] * (log_wage - base.log_wage)[None, :]
    dv[1] = bj[:, None] * (log_emp - base.log_emp)[None, :]
    dv[2:] = ((bs[:, None] * weights).T[:, :, None]
              * ((c.services - base.services) / 10.0).T[:, None, :])
    total = dv.sum(axis=0)  # (T, M)
    stay = dv.transpose(2, 1, 0)  # (M, T, C): [o, t, c] = dv[c, t, o]
    linear = np.einsum("otd,ctd->otc", base.dest, dv)
    top = total.max(axis=1)  # (T,)
    shifted = np.einsum("otd,td->ot", base.dest, np.exp(total - top[:, None]))
    norm = np.einsum("otd,td->ot", base.dest, np.ones_like(total))
    d_logsum = np.log(shifted) - np.log(norm) + top[None, :]
    p0 = base.move[:, :, None]
    parts = np.empty((m, t, len(WELFARE_PARTS)))
    parts[:, :, :-1] = (1.0 - p0) * stay + p0 * linear
    parts[:, :, -1] = base.move * (d_logsum - linear.sum(axis=2))
    return parts


def init(
    p: MigrationParams,
    service_weights: list[list[float]],
    households: ColumnAgents,
    c: Conditions,
    world: World,
    targets: MigrationTargets | None = None,
    tol: float = 1e-4,
    max_iter: int = 500,
    leavers: np.ndarray | None = None,
) -> MigrationState:
    """The migration state at the start: with ``equilibrium_start``, destination constants
    that reproduce the base period's net migration and province flows (``constants =
    "base_period"`` or ``"in_sample"`` with ``targets``) or balance expected in- and out-migration in every
    municipality (``"equilibrium"``, or no targets), and the migrant-network stock at the
    steady state of those flows (so the first simulated years do not jump when networks
    start to count); then ``amenity_shift`` on top.

    The constants are a fixed point in the style of gravity-model balancing
    (:func:`solve_constants`). Without ``equilibrium_start`` constants and the network
    start at zero (and no shift is applied). ``leavers`` (M, T), with
    ``leaving_home_moves``: the first year's expected households of adult children leaving
    home (one person each), by parents' municipality and type, who all move; the
    constants then reproduce the targets with their moves among the rest.
    """
    leavers = leavers if p.leaving_home_moves else None
    m = world.n
    zeros_mm = np.zeros((m, m), dtype=np.int64)
    state = MigrationState(np.zeros(m), np.zeros(m), np.zeros(m), np.zeros((m, m)),
                           zeros_mm, zeros_mm.copy())
    state.anchors = anchors_now(c, service_weights)
    if p.equilibrium_start:
        base = targets if p.constants != "equilibrium" else None
        amenity, gamma, by_age, state.network, state.constants_met = solve_constants(
            p, service_weights, households, c, world, state.anchors, base, tol=tol,
            max_iter=max_iter, leavers=leavers)
        if gamma is not None:
            state.pair = gamma[base.province_index][:, base.province_index]
        if by_age is not None:
            state.age_pull = by_age[:, base.province_index]
        if base is not None and p.constants_half_life > 0:
            # The zero-net constants (with the province pairs and age constants held) the
            # pull decays towards.
            state.amenity_eq, _, _, _, _ = solve_constants(
                p, service_weights, households, c, world, state.anchors, None, tol=tol,
                max_iter=max_iter, pair=state.pair, leavers=leavers, age_pull=state.age_pull)
            state.base_gap = base.gap
        state.amenity_base = amenity
        state.amenity_shift = amenity_shift(p, world.codes)
        state.amenity = carried_constants(state, p, 0) + state.amenity_shift
    state.welfare_base, state.logsum0 = welfare_base(
        p, service_weights, households, c, world, state.anchors, state.amenity, state.network,
        state.pair, state.age_pull)
    state.welfare = np.zeros((*state.logsum0.shape, len(WELFARE_PARTS)))
    state.proposal = proposal_tables(state.welfare_base.dest.reshape(-1, m))
    return state


def carried_constants(state: MigrationState, p: MigrationParams, years_elapsed: int) -> np.ndarray:
    """(M,) the destination constants ``years_elapsed`` years after the start: the
    solved constants, or, with a base-period pull that decays, the equilibrium's plus the
    pull halved every ``constants_half_life`` years since the base period's end."""
    if state.amenity_eq is None or p.constants_half_life <= 0:
        return state.amenity_base
    keep = 0.5 ** ((state.base_gap + years_elapsed) / p.constants_half_life)
    return state.amenity_eq + (state.amenity_base - state.amenity_eq) * keep


def cell_counts(households: ColumnAgents, m: int, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(M, T, B) persons and households by municipality, household type and tenure bin,
    counted a million rows at a time (at one agent per household the int64 temporaries
    of a single pass would cost about 0.7 GB)."""
    hh = households
    t = len(TYPE_AGE_CLASS)
    persons = np.zeros(m * t * n_bins)
    count = np.zeros(m * t * n_bins, dtype=np.int64)
    step = 1 << 20
    for lo in range(0, hh.n, step):
        rows = slice(lo, min(hh.n, lo + step))
        cell = (hh.muni[rows].astype(np.int64) * t + hh.htype[rows]) * n_bins + TENURE_BIN[hh.tenure[rows]]
        persons += np.bincount(cell, weights=hh.size[rows], minlength=m * t * n_bins)
        count += np.bincount(cell, minlength=m * t * n_bins)
    return persons.reshape(m, t, n_bins), count.reshape(m, t, n_bins)


def solve_constants(
    p: MigrationParams, service_weights, households: ColumnAgents, c: Conditions, world: World,
    anchors: Anchors, targets: MigrationTargets | None, *, tol: float = 1e-4,
    max_iter: int = 500, pair: np.ndarray | None = None, leavers: np.ndarray | None = None,
    age_pull: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray, bool]:
    """Destination constants (M,), province-pair constants (P, P) or None, constants by
    age class and destination province (3, P) or None, the steady-state migrant network
    (M, M) they imply, and whether they met the targets within ``tol``.

    Each round computes the expected flows of the start's households (persons) and moves
    the constants towards the targets: a municipality's constant by half the log of the
    in-migration it needs over the in-migration it gets (needed = out-migration + its
    target net; 0 without targets: the zero-net equilibrium), a province pair's by half
    the log of the share of the origin's leavers that should go there over the share that
    does, each origin's row kept at one common mean: 0 without ``leave_share``, with it
    moved by half the log-odds gap of the share of all movers who cross a province line.
    Each province's leavers are implied by its movers, its net and where leavers go; only
    that national level is free (a level per origin would fight the province nets). The
    network is the steady state of the round's flows. With
    targets the rounds are mixed by Anderson acceleration (a few dozen rounds instead of
    hundreds). It stops when every log gap is under ``tol`` or after ``max_iter`` rounds.
    With targets and ``age_split = "even"`` each age class's constant in a destination
    province moves by half the log gap between the in-migration the class needs for its
    share of the province's net (the class's moves across the province line, in + out,
    over all classes') and what it gets, less the province's own gap (the municipal
    constants meet the total), each province's classes kept at mean 0.
    ``pair`` (M, M) holds given province-pair constants fixed, ``age_pull`` (3, M) given
    age constants. ``leavers`` (M, T):
    households of one person who move for certain (adult children leaving home, with
    ``leaving_home_moves``), added to the expected movers of every round.
    """
    m = world.n
    persons, households_tb = cell_counts(households, m, len(p.tenure_multiplier))
    memory = p.network_memory
    fit_pairs = targets is not None and targets.od_shares is not None and p.province_pairs
    n_prov = len(targets.od_shares) if fit_pairs else 0
    want = targets.od_shares if fit_pairs else None
    known = (want > 0) & ~np.eye(n_prov, dtype=bool) if fit_pairs else None
    # Pairs between provinces with no share to fit (into a province the base period's
    # flows leave free, or that did not exist then) carry the common level of crossing a
    # province line, so that only where leavers go, not whether they leave, is left open.
    unknown = ~known & ~np.eye(n_prov, dtype=bool) if fit_pairs else None
    leave = targets.leave_share if fit_pairs else None
    fit_ages = targets is not None and p.age_split == "even"
    if fit_ages:
        n_age_prov = int(targets.province_index.max()) + 1
        in_province = np.eye(n_age_prov)[targets.province_index]  # (M, P) indicator
        province_net = np.bincount(targets.province_index, weights=targets.net,
                                   minlength=n_age_prov)
        class_of_type = np.eye(N_AGE_CLASSES)[TYPE_AGE_CLASS]  # (T, 3)
    n_age = N_AGE_CLASSES * n_age_prov if fit_ages else 0

    network = np.zeros((m, m))
    # With targets the network's row shares (what the choice sees of it) are part of the
    # mixed vector: a round that used the network of the round before could end, after
    # a mixed step, far from the network it used, and with a strong network term the
    # constants then met the targets only with a network they do not build (a 2010 start
    # missed KOSIS's province nets by up to 8 % at network 0.95).
    joint = targets is not None
    n_const = m + n_prov * n_prov + n_age
    # What the rounds do not move, once: the move decisions (so the expected movers) and
    # the utility's terms other than the constants and the network.
    move_prob = move_probabilities(p, c)
    movers = (persons * move_prob).sum(axis=2)  # (M, T) expected moving persons
    moving_households = (households_tb * move_prob).sum(axis=2)
    if leavers is not None:  # one person each, all moving
        movers = movers + leavers
        moving_households = moving_households + leavers
    fixed = fixed_terms(p, service_weights, c, world, anchors)
    logits = np.empty((m, len(TYPE_AGE_CLASS), m))

    def unpack(x: np.ndarray):
        amenity = x[:m]
        gamma = x[m:m + n_prov * n_prov].reshape(n_prov, n_prov) if fit_pairs else None
        by_age = (x[m + n_prov * n_prov:n_const].reshape(N_AGE_CLASSES, n_age_prov)
                  if fit_ages else None)
        return amenity, gamma, by_age

    def round_(x: np.ndarray) -> tuple[np.ndarray, float]:
        """One balancing round from ``x`` (the constants, and with targets the network's
        row shares; without, the network of the round before is the round's): the next
        ``x`` and the largest gap (log flows, or utility for the network)."""
        nonlocal network
        amenity, gamma, by_age = unpack(x)
        here = pair
        if gamma is not None:
            here = gamma[targets.province_index][:, targets.province_index]
        ages = by_age[:, targets.province_index] if by_age is not None else age_pull
        seen = np.maximum(x[n_const:].reshape(m, m), 0.0) if joint else network
        destination_logits(p, service_weights, c, amenity, seen, world, anchors, here, ages,
                           fixed=fixed, out=logits)
        dest, _ = softmax_logsum(logits, overwrite=True)
        flows = np.einsum("ot,otd->od", movers, dest)
        np.fill_diagonal(flows, 0.0)
        # The migrant-network stock these flows would have built up in steady state.
        hh_flows = np.einsum("ot,otd->od", moving_households, dest)
        np.fill_diagonal(hh_flows, 0.0)
        network = hh_flows / max(1.0 - memory, 1e-3)
        out, inflow = flows.sum(axis=1), flows.sum(axis=0)
        if targets is None:
            gap = np.log(np.maximum(out, 1e-12) / np.maximum(inflow, 1e-12))
        else:  # in-migration needed for the target net (at least a trickle)
            needed = np.maximum(out + targets.net, 1e-3 * np.maximum(out, 1e-9))
            gap = np.log(needed / np.maximum(inflow, 1e-12))
        worst = float(np.max(np.abs(gap)))
        largest_muni_gap[:] = [worst, int(np.argmax(np.abs(gap)))]
        if targets is not None:  # targets can be out of reach (a place nobody can enter):
            gap = np.clip(gap, -MAX_GAP, MAX_GAP)  # bounded steps, bounded constants
        parts = [amenity + 0.5 * gap]
        parts[0] = parts[0] - parts[0].mean()
        if targets is not None:
            parts[0] = np.clip(parts[0], -MAX_CONSTANT, MAX_CONSTANT)
        if gamma is not None:
            # Shares among the destinations the base period has flows to (a province that
            # did not exist then, e.g. Sejong before 2012, or whose in-flows are left to
            # its net, has no share to fit: its pairs carry the level only).
            by_province = province_flows(flows, targets.province_index, n_prov)
            between = by_province * known
            share = between / np.maximum(between.sum(axis=1, keepdims=True), 1e-12)
            pair_gap = np.where(known, np.log(np.maximum(want, 1e-12)
                                              / np.maximum(share, 1e-12)), 0.0)
            worst = max(worst, float(np.max(np.abs(pair_gap))))
            step = 0.5 * pair_gap
            step -= np.where(known, step.sum(axis=1, keepdims=True)
                             / np.maximum(known.sum(axis=1, keepdims=True), 1), 0.0)
            if leave is not None:
                # How many cross a province line: raising every pair constant by g
                # multiplies the odds of leaving by about e^g (the move decision does
                # not see it).
                left = (by_province.sum() - np.trace(by_province)) / max(movers.sum(), 1e-12)
                level_gap = _logit(leave) - _logit(left)
                worst = max(worst, abs(level_gap))
                step = step + np.where(known, 0.5 * level_gap, 0.0)
            nxt = np.where(known, gamma + step, 0.0)
            if unknown.any():
                nxt[unknown] = nxt[known].mean()
            parts.append(nxt.ravel())
        if by_age is not None:
            age_gap, age_worst = _age_split_gap(movers, dest, class_of_type, in_province,
                                                province_net)
            worst = max(worst, age_worst)
            nxt = by_age + 0.5 * np.clip(age_gap, -MAX_GAP, MAX_GAP)
            nxt = np.clip(nxt - nxt.mean(axis=0, keepdims=True), -MAX_CONSTANT, MAX_CONSTANT)
            parts.append(nxt.ravel())
        if joint:
            out_total = network.sum(axis=1, keepdims=True)
            share = np.divide(network, out_total, out=np.zeros_like(network), where=out_total > 0)
            # the network's gap in utility: how far the choice's network term would move
            worst = max(worst, p.network * float(np.max(np.abs(np.log1p(m * share)
                                                                - np.log1p(m * seen)))))
            parts.append(share.ravel())
        return np.concatenate(parts), worst

    largest_muni_gap = [0.0, 0]  # the last round's largest municipal gap and where
    x = np.zeros(n_const + (m * m if joint else 0))
    worst = np.inf
    if targets is None:  # the zero-net equilibrium: plain rounds (converge in tens)
        for _ in range(max_iter):
            nxt, worst = round_(x)
            if worst < tol:
                break
            x = nxt
    else:
        x, worst = _anderson(round_, x, tol, max_iter)
        if worst >= tol:  # the network and the municipal gap of the constants returned
            _, worst = round_(x)
    if worst >= tol:
        muni_gap, k = largest_muni_gap
        log.warning(
            "the start's destination constants stopped after %d rounds without meeting their "
            "targets: largest gap %.3g (tolerance %.0e); largest municipal gap %.3g, in %s "
            "(%s): the start reproduces its base period only that closely (docs/model.md, "
            "section 5, the destination constants)", max_iter, worst, tol, muni_gap, world.names[k], world.codes[k])
    amenity, gamma, by_age = unpack(x)
    return (amenity.copy(), None if gamma is None else gamma.copy(),
            None if by_age is None else by_age.copy(), network, bool(worst < tol))


def _age_split_gap(movers: np.ndarray, dest: np.ndarray, class_of_type: np.ndarray,
                   in_province: np.ndarray, province_net: np.ndarray) -> tuple[np.ndarray, float]:
    """(3, P) how far each age class's in-migration to each province is from what an even
    split of the province's net needs, in logs and less the province's own gap (the
    municipal constants meet the total); and the largest such gap.

    An even split gives age class a of province k the net ``net_k * gross_ak / gross_k``,
    where gross counts the class's moving persons across k's line both ways: the same
    migration effectiveness (net over gross) at every age. ``movers`` (M, T) expected
    moving persons, ``dest`` (M, T, M) their destination probabilities, ``class_of_type``
    (T, 3) and ``in_province`` (M, P) indicators, ``province_net`` (P,) the target nets."""
    flows = np.einsum("ot,otd,ta->aod", movers, dest, class_of_type)  # (3, M, M)
    by_province = np.einsum("mp,amn,nq->apq", in_province, flows, in_province, optimize=True)
    within = np.einsum("app->ap", by_province)
    out = by_province.sum(axis=2) - within
    inflow = by_province.sum(axis=1) - within
    gross = out + inflow
    share = gross / np.maximum(gross.sum(axis=0, keepdims=True), 1e-12)
    floor = 1e-3 * np.maximum(out, 1e-9)
    needed = np.maximum(out + province_net[None, :] * share, floor)
    total_needed = np.maximum(out.sum(axis=0) + province_net, floor.sum(axis=0))
    gap = (np.log(needed / np.maximum(inflow, 1e-12))
           - np.log(total_needed / np.maximum(inflow.sum(axis=0), 1e-12))[None, :])
    return gap, float(np.max(np.abs(gap)))


#: Largest log gap one balancing round acts on, and the largest constant (utility): a
#: target out of reach (a place nobody can enter) leaves its constant at the bound
#: instead of running away.
MAX_GAP = 4.0
MAX_CONSTANT = 25.0


def _logit(share: float) -> float:
    share = min(max(share, 1e-9), 1 - 1e-9)
    return float(np.log(share / (1 - share)))


def _anderson(round_, x: np.ndarray, tol: float, max_iter: int, depth: int = 6) -> np.ndarray:
    """The fixed point of ``x -> round_(x)[0]`` by Anderson mixing of the last ``depth``
    rounds (Walker and Ni 2011, type II); ``round_`` also returns the largest log gap,
    and the iteration stops below ``tol``. A mixed step that is not finite, or a round
    whose gap grew tenfold, falls back to the plain round and forgets the history.
    Returns the last round's ``x`` and its largest gap below ``tol``; if ``max_iter``
    rounds did not get there, the ``x`` of the round with the smallest gap and that gap
    (the last mixed step was never evaluated, and may be further off)."""
    xs: list[np.ndarray] = []
    fs: list[np.ndarray] = []
    best = worst = np.inf
    best_x = x
    for _ in range(max_iter):
        gx, worst = round_(x)
        if worst < tol:
            return gx, worst
        f = gx - x
        if not np.isfinite(worst) or worst > 10 * best:
            xs, fs = [], []  # a bad mix: start afresh from the plain round
            x = gx if np.all(np.isfinite(gx)) else np.nan_to_num(x)
            continue
        if worst < best:
            best, best_x = worst, x
        xs.append(x)
        fs.append(f)
        if len(xs) > depth + 1:
            xs.pop(0)
            fs.pop(0)
        step = f
        if len(fs) > 1:
            d_f = np.diff(np.array(fs), axis=0)
            d_x = np.diff(np.array(xs), axis=0)
            try:
                coef, *_ = np.linalg.lstsq(d_f.T, f, rcond=None)
                step = f - (d_x + d_f).T @ coef
            except np.linalg.LinAlgError:
                step = f
            if not np.all(np.isfinite(step)):
                xs, fs, step = [], [], f
        x = x + step
    return best_x, best


def amenity_shift(p: MigrationParams, codes: np.ndarray) -> np.ndarray:
    """(M,) ``migration.amenity_shift`` by municipality code (0 where not listed)."""
    if not p.amenity_shift:
        return np.zeros(len(codes))
    return np.array([float(p.amenity_shift.get(str(c), 0.0)) for c in codes])


@dataclass(frozen=True)
class Inputs:
    """What migration reads in a year (built by :func:`sim.schedule.migration_inputs`).

    Attributes:
        params: the move decision's and destination choice's parameters.
        service_weights: (3, 6) QoL weights of the service domains by age class.
        world: distances, provinces, the capital region and counties.
        conditions: this year's municipal conditions (:class:`Conditions`).
        years_elapsed: years since the start (the amenity shift's half-life counts them).
        key: this year's migration stream key.
        leavers: rows [lo, hi) of the households formed this year by adult children
            leaving home (demography); with ``leaving_home_moves`` they move for certain.
    """

    params: MigrationParams
    service_weights: list[list[float]]
    world: World
    conditions: Conditions
    years_elapsed: int
    key: np.uint64
    leavers: tuple[int, int] = (0, 0)


def step(state: MigrationState, households: ColumnAgents, inputs: Inputs,
         parallel: Parallel) -> None:
    """One year of moves: decay the amenity shift, build the choice tables, value the
    year's welfare change (:func:`welfare_utility`), move (writes the households'
    ``muni`` and ``tenure``)."""
    p, service_weights, c, world = inputs.params, inputs.service_weights, inputs.conditions, inputs.world
    years_elapsed, key = inputs.years_elapsed, inputs.key
    half_life = p.amenity_shift_half_life
    if state.amenity_eq is not None and p.constants_half_life > 0:
        state.amenity = carried_constants(state, p, years_elapsed) + state.amenity_shift
    if half_life > 0 and state.amenity_shift.any():
        state.amenity = (carried_constants(state, p, years_elapsed)
                         + state.amenity_shift * 0.5 ** (years_elapsed / half_life))
    hh = households
    move_prob, dest, _ = choice_tables(p, service_weights, c, state.amenity, state.network,
                                       world, state.anchors, state.pair, state.age_pull)
    state.welfare = welfare_utility(p, service_weights, c, state.anchors, state.welfare_base)
    m, t, _ = dest.shape
    tables = coupled_tables(dest.reshape(m * t, m), state.proposal)
    state.flows_hh, state.flows_persons, state.flows_by_age = migrate(
        hh.muni, hh.htype, hh.tenure, hh.size, hh.uid, move_prob, TENURE_BIN,
        tables, key, parallel.blocks_for(hh.n), world.province_index, TYPE_AGE_CLASS,
        inputs.leavers if p.leaving_home_moves else (0, 0),
    )
    off = state.flows_hh.astype(float)
    np.fill_diagonal(off, 0.0)
    state.network = p.network_memory * state.network + off
    # Those who did not move spent one more year at their home (the kernel set movers' to 0).
    np.add(hh.tenure, 1, out=hh.tenure, where=hh.tenure < 255)
