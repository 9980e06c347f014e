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
            ``governance``, ``z``, ``site_weight``, ``persons``, ``output``,
            ``qol_mean``, ``is_gun``); each rule names those it reads.
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
def _need_based(*, governance, z: np.ndarray, persons: np.ndarray, qol_mean: np.ndarray,
                **_) -> np.ndarray:
    """Felt need seen with noise."""
    return noisy(felt_need(persons, qol_mean), governance.need_noise, z)


@_rule("balanced", only=lambda world: ~world.capital_region)
def _balanced(*, persons: np.ndarray, output: np.ndarray, **_) -> np.ndarray:
    """Persons / fiscal capacity, outside the capital region (a formula, no noise)."""
    return persons.astype(float) / np.maximum(fiscal_capacity(persons, output), 1e-6)


@_rule("rural_first")
def _rural_first(*, targeting, governance, z: np.ndarray, persons: np.ndarray,
                 qol_mean: np.ndarray, is_gun: np.ndarray, **_) -> np.ndarray:
    """Felt need seen with noise, gun (counties) times ``targeting.rural_weight``."""
    s = noisy(felt_need(persons, qol_mean), governance.need_noise, z)
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
    persons: np.ndarray, output: np.ndarray, qol_mean: np.ndarray, is_gun: np.ndarray,
) -> np.ndarray:
    """(M,) non-negative scores of every municipality under ``rule`` (before eligibility):
    the rule's own score (:data:`RULES`), times ``planning capacity **
    governance.capacity_bias`` unless the rule is exempt (named sites)."""
    if rule not in RULES:
        raise ValueError(f"unknown targeting rule {rule!r}")
    r = RULES[rule]
    s = r.score(targeting=targeting, governance=governance, z=z, site_weight=site_weight,
                persons=persons, output=output, qol_mean=qol_mean, is_gun=is_gun)
    if not r.capacity_bias:
        return s
    return s * planning_capacity(persons, output) ** governance.capacity_bias


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
    province_code: np.ndarray,
) -> list[tuple[float, np.ndarray]]:
    """The year's national money as (amount, members (M,) bool) pots.

    Centre-led: one national pot over everyone. Block grants: one pot per province that
    has an eligible municipality, sized by ``grant_key`` over its eligible members:
    population, felt need (as the centre sees it), or equal. Amounts sum to ``money``.
    """
    m = len(mask)
    if not governance.block_grants:
        return [(money, np.ones(m, dtype=bool))]
    prov = province_code
    provinces = np.unique(prov[mask])
    if governance.grant_key == "population":
        key_m = persons.astype(float)
    elif governance.grant_key == "need":
        key_m = need_seen
    else:
        key_m = np.ones(m)
    keys = np.array([key_m[mask & (prov == p)].sum() for p in provinces], dtype=float)
    if not (keys > 0).any():
        keys = np.ones(len(provinces))
    amounts = money * keys / keys.sum()
    return [(float(a), prov == p) for a, p in zip(amounts, provinces, strict=True)]
