"""Outcome measures: inequality indices, urban-rural gap, felt benefit, extinction risk.

Pure functions over per-municipality arrays; no model objects.
"""

from __future__ import annotations

import numpy as np


def theil(values: np.ndarray, weights: np.ndarray) -> float:
    """Population-weighted Theil T index of positive ``values`` (0 = equality)."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = (w > 0) & (v > 0)
    v, w = v[keep], w[keep]
    if len(v) == 0:
        return 0.0
    w = w / w.sum()
    mu = float(np.sum(w * v))
    r = v / mu
    return float(np.sum(w * r * np.log(r)))


def gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Population-weighted Gini coefficient (0 = equality, 1 = one place has all)."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = w > 0
    v, w = v[keep], w[keep]
    if len(v) == 0 or np.sum(w * v) <= 0:
        return 0.0
    order = np.argsort(v)
    v, w = v[order], w[order]
    cw = np.cumsum(w) / w.sum()
    cv = np.cumsum(w * v) / np.sum(w * v)
    # Area under the Lorenz curve by trapezoids.
    area = np.sum((cw - np.concatenate([[0], cw[:-1]])) * (cv + np.concatenate([[0], cv[:-1]])) / 2)
    return float(1 - 2 * area)


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    w = np.asarray(weights, dtype=float)
    return float(np.sum(np.asarray(values) * w) / w.sum()) if w.sum() > 0 else float("nan")


def urban_rural_gap(qol: np.ndarray, persons: np.ndarray, is_gun: np.ndarray) -> float:
    """Population-weighted QoL of cities (gu and si) minus that of rural counties (gun)."""
    if not is_gun.any() or is_gun.all():
        return float("nan")
    return weighted_mean(qol[~is_gun], persons[~is_gun]) - weighted_mean(qol[is_gun], persons[is_gun])


def young_to_old(households_by_type: np.ndarray) -> np.ndarray:
    """(M,) households headed by 20-39-year-olds per household headed by someone 65+.

    The model's analogue of the local-extinction-risk index (women 20-39 / people 65+),
    which it cannot compute because it does not track members' sex and age. Infinite
    where there are young but no old households; NaN where there are neither (an empty
    municipality).
    """
    young = households_by_type[:, 0:3].sum(axis=1).astype(float)
    old = households_by_type[:, 6:9].sum(axis=1).astype(float)
    undefined = np.where(young > 0, np.inf, np.nan)
    return np.divide(young, old, out=undefined, where=old > 0)


def logsum(utility: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(sum(exp(utility))) along ``axis``, computed stably: the expected maximum
    utility of a logit choice over the alternatives (up to Euler's constant)."""
    u = np.asarray(utility, dtype=float)
    top = np.max(u, axis=axis, keepdims=True)
    return np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(u - top), axis=axis))


def compensating_variation(du: np.ndarray, income: np.ndarray, money: np.ndarray) -> np.ndarray:
    """The income change that is worth a utility change ``du`` to a household with
    log-income utility ``money x log(income)``: ``income x (exp(du / money) - 1)``, exact
    (``money x log(income + cv) - money x log(income) = du``), in the units of
    ``income``. Arrays broadcast; ``money`` > 0."""
    return np.asarray(income) * np.expm1(np.asarray(du) / np.asarray(money))


def welfare_money(parts: np.ndarray, income: np.ndarray, money: np.ndarray) -> np.ndarray:
    """(M, T, P) the compensating variation of each cell, by part, in the units of
    ``income``; the last part takes the rest, so the parts sum to the cell's total
    :func:`compensating_variation` of ``parts.sum(-1)``.

    The total utility change ``du = sum(parts)`` is worth ``cv = income x (exp(du /
    money) - 1)``; each part gets ``income x (part / money) x f(du / money)`` with ``f(x)
    = (e^x - 1) / x`` (1 at 0), the exact CV's factor over the linear one, shared in
    proportion to the parts' utility (so an earnings gain that raises income by 35 %
    shows as 35 % of income under earnings, not 30 % with the curvature under another
    part).

    Args:
        parts: (M, T, P) utility changes by part (:data:`sim.processes.migration.WELFARE_PARTS`).
        income: (M, T) household income of each cell (any money unit a year).
        money: (T,) the money coefficient of each type (utility per log of income).
    """
    money = np.asarray(money, dtype=float)[None, :]
    x = parts.sum(axis=2) / money
    total = compensating_variation(x, income, 1.0)
    safe = np.where(x == 0.0, 1.0, x)
    factor = np.where(x == 0.0, 1.0, np.expm1(safe) / safe)
    out = (income * factor / money)[:, :, None] * parts
    out[:, :, -1] = total - out[:, :, :-1].sum(axis=2)
    return out
