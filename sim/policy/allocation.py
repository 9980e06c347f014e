"""Who gets the year's money: eligibility, scores by targeting rule, governance.

The year's national money is first cut into *pots*: one national pot (centre-led) or
one block grant per province with eligible municipalities (province-led, collaborative;
``governance.grant_key`` splits it). Inside each pot the targeting rule scores the
eligible municipalities, the top ``targeting.max_sites`` are kept, and the pot is split
in proportion to their scores. Pots always sum to the year's money exactly, so the
budget is spent as configured.

Governance acts through what the selector knows and prefers:

* ``need_noise``: felt need (and competitive proposal quality) is seen through a
  multiplicative log-normal error, ``exp(noise * z - noise**2 / 2)`` with ``z`` from the
  policy stream. The centre sees far-away needs badly (0.5); provinces better (0.1).
* ``capacity_bias``: scores are multiplied by ``capacity ** capacity_bias``, where
  planning capacity favours large, rich places (see :func:`planning_capacity`).

Need is measured apart from the QoL that judges outcomes (``targeting.need``,
:func:`indicator_need`): shortfalls of per-capita census services below the national
level and excesses of deprivation and vacancy, times the residents; ``qol`` keeps the
older measure, the QoL deficit (:func:`felt_need`). A balanced envelope
(``targeting.envelope='formula'``, :func:`envelope_shares`) first cuts the money by
province from population, area, fiscal weakness and remoteness; the rule then decides
within each province.

The targeting rules are a registry (:data:`RULES`, name -> scoring function), so a rule
is one decorated function and ``targeting.rule`` is checked against the registry.

Arrays are (M,) over municipalities unless stated. ``persons`` are the last
observation's persons (agent units), ``output`` value added per municipality (any unit:
only ratios matter), ``world`` the static facts (:class:`sim.data.world.World`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


def fiscal_capacity(persons: np.ndarray, output: np.ndarray) -> np.ndarray:
    """(M,) output per person relative to the population-weighted national mean."""
    persons = np.maximum(persons.astype(float), 1.0)
    per_head = output / persons
    return per_head / np.average(per_head, weights=persons)


def planning_capacity(persons: np.ndarray, output: np.ndarray) -> np.ndarray:
    """(M,) planning capacity, mean 1: sqrt(fiscal capacity) x sqrt(size / mean size).

    An assumption: bigger and richer local governments employ more planners and write
    stronger applications (the brief's "city-centred" bias). Only its ranking matters
    much; ``capacity_bias`` sets its strength.
    """
    cap = np.sqrt(fiscal_capacity(persons, output))
    persons = np.maximum(persons.astype(float), 1.0)
    cap = cap * np.sqrt(persons / persons.mean())
    return cap / cap.mean()


def felt_need(persons: np.ndarray, qol_mean: np.ndarray) -> np.ndarray:
    """(M,) felt QoL deficit x persons: how far residents' mean QoL falls below the
    population-weighted national mean, summed over the people who feel it (>= 0)."""
    persons = persons.astype(float)
    national = np.average(qol_mean, weights=np.maximum(persons, 1e-9))
    return np.maximum(national - qol_mean, 0.0) * persons


def indicator_need(persons: np.ndarray, counts: np.ndarray, vacancy: np.ndarray) -> np.ndarray:
    """(M,) need from census indicators, apart from the QoL index: the mean over the
    indicators of each place's shortfall below the national per-capita level (service
    counts, ``counts[:, :-1]``: ``max(0, 1 - x / x_national)``) and its excess above
    the national level (basic-livelihood recipients per person, ``counts[:, -1]``, and
    the vacancy rate ``vacancy``: ``min(1, max(0, x / x_national - 1))``), times the
    residents. Per-capita values use the current residents, national levels their
    persons-weighted totals; each term lies in [0, 1].

    Args:
        persons: (M,) residents (any unit). counts: (M, K) census counts
            (:func:`sim.data.census.need_indicators`). vacancy: (M,) vacancy rates.
    """
    p = np.maximum(persons.astype(float), 1e-9)
    per_capita = counts / p[:, None]
    national = counts.sum(axis=0) / p.sum()
    short = np.maximum(0.0, 1.0 - per_capita[:, :-1] / np.maximum(national[:-1], 1e-300))
    poor = np.clip(per_capita[:, -1] / max(national[-1], 1e-300) - 1.0, 0.0, 1.0)
    vac_national = np.average(vacancy, weights=p)
    empty = np.clip(vacancy / max(vac_national, 1e-300) - 1.0, 0.0, 1.0)
    terms = np.column_stack([short, poor, empty])
    return terms.mean(axis=1) * persons.astype(float)


def need_of(targeting, persons: np.ndarray, qol_mean: np.ndarray, world) -> np.ndarray:
    """(M,) need as ``targeting.need`` measures it: census indicators
    (:func:`indicator_need`) or the QoL deficit (:func:`felt_need`)."""
    if targeting.need == "qol":
        return felt_need(persons, qol_mean)
    return indicator_need(persons, world.need_counts, world.need_vacancy)


#: The envelope's four shares, in the order of ``targeting.envelope_weights``.
ENVELOPE_PARTS = ("population", "area", "fiscal_weakness", "remoteness")


def envelope_parts(world, persons: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The provinces with an eligible municipality (P',) and their (P', 4) totals over
    the eligible places: residents; km2; fiscal weakness, residents x max(0, 1 - the
    province's income tax per resident / the national one) (the local income tax is
    10 % of it: the province's own tax base); remoteness, residents x km to the nearest
    metropolitan gu."""
    persons = persons.astype(float)
    prov = world.province_code
    provinces = np.unique(prov[mask])
    tax_pc = world.tax_base.sum() / max(persons.sum(), 1e-9)
    rows = []
    for p in provinces:
        here, own = mask & (prov == p), prov == p
        strength = world.tax_base[own].sum() / max(persons[own].sum(), 1e-9) / max(tax_pc, 1e-300)
        people = persons[here].sum()
        rows.append([people, world.area_km2[here].sum(), people * max(0.0, 1.0 - strength),
                     float((persons[here] * world.remoteness_km[here]).sum())])
    return provinces, np.array(rows, dtype=float).reshape(len(provinces), len(ENVELOPE_PARTS))


def envelope_shares(world, persons: np.ndarray, mask: np.ndarray,
                    weights) -> tuple[np.ndarray, np.ndarray]:
    """The balanced envelope: each province's share of the money, ``sum_k w_k x_pk /
    sum_p x_pk`` over the four parts of :func:`envelope_parts` with the weights
    ``targeting.envelope_weights`` (normalised to sum 1; a part that is zero everywhere
    drops out). Returns the provinces (P',) and their shares (P',), summing to 1."""
    provinces, parts = envelope_parts(world, persons, mask)
    w = np.array([getattr(weights, k) for k in ENVELOPE_PARTS], dtype=float)
    totals = parts.sum(axis=0)
    w = np.where(totals > 0, w, 0.0)
    if w.sum() <= 0:
        return provinces, np.full(len(provinces), 1.0 / max(len(provinces), 1))
    shares = (parts / np.where(totals > 0, totals, 1.0)) @ (w / w.sum())
    return provinces, shares / shares.sum()


def eligible(world, targeting, year_index: int) -> np.ndarray:
    """(M,) bool: who may receive money this year under the targeting filters."""
    ok = np.ones(world.n, dtype=bool)
    filter_on = targeting.pilot_years == 0 or year_index < targeting.pilot_years
    if targeting.provinces and filter_on:
        ok &= np.isin(world.province_code, list(targeting.provinces))
    if targeting.kinds:
        ok &= np.isin(world.kinds, list(targeting.kinds))
    if targeting.exclude_capital:
        ok &= ~world.capital_region
    rule = RULES.get(targeting.rule)
    if rule is not None and rule.only is not None:
        ok &= rule.only(world)
    return ok


def noisy(x: np.ndarray, sigma: float, z: np.ndarray) -> np.ndarray:
    """x seen with a mean-preserving log-normal error of s.d. ``sigma`` (z standard normal)."""
    return x * np.exp(sigma * z - 0.5 * sigma**2)


@dataclass(frozen=True)
class TargetingRule:
    """A targeting rule: how it scores municipalities and whom it may fund at all.

    Attributes:
        score: (M,) non-negative scores, from keyword arguments (``targeting``,
            ``governance``, ``z``, ``site_weight``, ``persons``, ``output``, ``need``
            (as ``targeting.need`` measures it), ``is_gun``); each rule names those it
            reads.
        capacity_bias: scores are multiplied by ``planning capacity **
            governance.capacity_bias`` (the selector's taste for capable places); off for
            named sites, which are decided, not selected.
        only: (M,) bool of who may receive money under this rule, from the world (None:
            anyone the targeting filters leave).
    """

    score: Callable[..., np.ndarray]
    capacity_bias: bool = True
    only: Callable[[Any], np.ndarray] | None = None


#: Targeting rule name -> :class:`TargetingRule`; ``targeting.rule`` is one of these or
#: of :data:`UNSCORED`. A new rule is one decorated function below.
RULES: dict[str, TargetingRule] = {}
#: Rules that score nobody: ``none`` funds no one, ``programmes`` splits money over the
#: programmes' own sites (:mod:`sim.processes.policy`).
UNSCORED = ("none", "programmes")


def _rule(name: str, *, capacity_bias: bool = True,
          only: Callable[[Any], np.ndarray] | None = None) -> Callable:
    def register(score: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        RULES[name] = TargetingRule(score, capacity_bias, only)
        return score
    return register


@_rule("named_sites", capacity_bias=False)
def _named_sites(*, site_weight: np.ndarray, **_) -> np.ndarray:
    """The configured site weights (no noise, no capacity bias: the sites are decided)."""
    return site_weight.copy()


@_rule("competitive")
def _competitive(*, governance, z: np.ndarray, persons: np.ndarray, output: np.ndarray,
                 **_) -> np.ndarray:
    """Planning capacity seen with noise: proposal quality judged by a panel."""
    return noisy(planning_capacity(persons, output), governance.need_noise, z)


@_rule("need_based")
def _need_based(*, governance, z: np.ndarray, need: np.ndarray, **_) -> np.ndarray:
    """Need (``targeting.need``) seen with noise."""
    return noisy(need, governance.need_noise, z)


@_rule("balanced", only=lambda world: ~world.capital_region)
def _balanced(*, persons: np.ndarray, output: np.ndarray, **_) -> np.ndarray:
    """Persons / fiscal capacity, outside the capital region (a formula, no noise)."""
    return persons.astype(float) / np.maximum(fiscal_capacity(persons, output), 1e-6)


@_rule("rural_first")
def _rural_first(*, targeting, governance, z: np.ndarray, need: np.ndarray,
                 is_gun: np.ndarray, **_) -> np.ndarray:
    """Need seen with noise, gun (counties) times ``targeting.rural_weight``."""
    s = noisy(need, governance.need_noise, z)
    return s * np.where(is_gun, targeting.rural_weight, 1.0)


@_rule("innovation_cities", only=lambda world: world.innovation_city)
def _innovation_cities(*, persons: np.ndarray, **_) -> np.ndarray:
    """Persons, among the innovation-city hosts."""
    return persons.astype(float)


#: Every value ``targeting.rule`` may take.
TARGETING_RULES = (*UNSCORED, *RULES)
#: Rules that pick their own places (every scoring rule but named sites), for named sites
#: on a region without real municipality codes (``targeting.sites_synthetic``).
SYNTHETIC_FALLBACKS = tuple(name for name in RULES if name != "named_sites")


def scores(
    rule: str, targeting, governance, z: np.ndarray, site_weight: np.ndarray,
    persons: np.ndarray, output: np.ndarray, need: np.ndarray, is_gun: np.ndarray,
) -> np.ndarray:
    """(M,) non-negative scores of every municipality under ``rule`` (before eligibility):
    the rule's own score (:data:`RULES`), times ``planning capacity **
    governance.capacity_bias`` unless the rule is exempt (named sites)."""
    if rule not in RULES:
        raise ValueError(f"unknown targeting rule {rule!r}")
    r = RULES[rule]
    s = r.score(targeting=targeting, governance=governance, z=z, site_weight=site_weight,
                persons=persons, output=output, need=need, is_gun=is_gun)
    if not r.capacity_bias:
        return s
    return s * planning_capacity(persons, output) ** governance.capacity_bias


def pot_sites(max_sites: int, amount: float, total: float, n_pots: int) -> int:
    """A pot's part of the year's ``max_sites`` recipients (0: every eligible one).

    ``targeting.max_sites`` counts recipients nationally, whoever selects: when the money
    comes in several pots (block grants, provincial envelopes), each gets its share in
    proportion to its money, at least one. Until 2026-12-07 every pot had the whole cap,
    so province-led selection under a competition funded about 136 places a year where
    centre-led funded 10, and the governance lever also set how thinly money was spread
    (docs/study/reading.md, "What changed on 2026-12-07, late").
    """
    if max_sites == 0 or n_pots <= 1:
        return max_sites
    if total <= 0:
        return 1
    return max(1, int(round(max_sites * amount / total)))


def split(money: float, score: np.ndarray, mask: np.ndarray, max_sites: int, persons: np.ndarray) -> np.ndarray:
    """(M,) ``money`` split over ``mask`` in proportion to ``score`` among the top ``max_sites``.

    If nobody eligible has a positive score (e.g. no felt deficit in a province), the
    money is split by persons instead, so that it is always spent in full.
    """
    out = np.zeros(len(score))
    idx = np.flatnonzero(mask)
    if money <= 0 or len(idx) == 0:
        return out
    s = score[idx]
    if not (s > 0).any():
        s = np.maximum(persons[idx], 1e-9)
    if max_sites and len(idx) > max_sites:
        keep = np.argsort(-s, kind="stable")[:max_sites]
        idx, s = idx[keep], s[keep]
    if s.sum() <= 0:
        s = np.ones(len(idx))
    out[idx] = money * s / s.sum()
    return out


def pots(
    money: float, mask: np.ndarray, governance, need_seen: np.ndarray, persons: np.ndarray,
    province_code: np.ndarray, score: np.ndarray | None = None,
    envelope: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[tuple[float, np.ndarray]]:
    """The year's national money as (amount, members (M,) bool) pots.

    With an ``envelope`` (provinces (P',), shares (P',); :func:`envelope_shares`): one
    pot per province, sized by its share, whoever selects. Otherwise centre-led: one
    national pot over everyone; block grants: one pot per province that has an eligible
    municipality, sized by ``grant_key`` over its eligible members: population, need (as
    the selector sees it), equal, or the targeting rule's scores (``rule``: what a
    national pot would have sent there). Amounts sum to ``money``.
    """
    m = len(mask)
    prov = province_code
    if envelope is not None:
        provinces, shares = envelope
        return [(float(money * s), prov == p) for p, s in zip(provinces, shares, strict=True)]
    if not governance.block_grants:
        return [(money, np.ones(m, dtype=bool))]
    provinces = np.unique(prov[mask])
    if governance.grant_key == "population":
        key_m = persons.astype(float)
    elif governance.grant_key == "need":
        key_m = need_seen
    elif governance.grant_key == "rule":
        key_m = np.ones(m) if score is None else score
    else:
        key_m = np.ones(m)
    keys = np.array([key_m[mask & (prov == p)].sum() for p in provinces], dtype=float)
    if not (keys > 0).any():
        keys = np.ones(len(provinces))
    amounts = money * keys / keys.sum()
    return [(float(a), prov == p) for a, p in zip(amounts, provinces, strict=True)]
