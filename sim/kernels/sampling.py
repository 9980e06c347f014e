"""Sampling helpers: inverse-CDF tables, the standard normal and Poisson quantiles.

All turn hashed uniforms (:mod:`sim.kernels.rng`) into draws: a category of M by its
cumulative table (:func:`build_cdf_tables`, :func:`draw_cdf`), or by rejection from a
fixed proposal when the draw must stay coupled across twin runs (:func:`draw_coupled`),
and a standard normal by its quantile (:func:`normal_quantile`). Both inversion and the
coupled draw change a draw only when its inputs move past a boundary: twins that share
uniforms stay in step where their states are close.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels.rng import draw64, uniform

#: Half the spacing of 53-bit uniforms: added to a uniform in [0, 1) to keep it off 0.
HALF_ULP_53 = 0.5 / 9007199254740992.0
_LOW32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_INV32 = 1.0 / 4294967296.0  # 2**-32


@njit(cache=True)
def build_cdf_tables(prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative tables and guide tables for inverse-CDF draws from each row of ``prob``.

    Inverse-CDF sampling maps a uniform to the first column whose cumulative probability
    exceeds it. It is monotone in the uniform and continuous in the probabilities: when
    a row changes a little, only the uniforms near the moved boundaries change their
    draw, which is what keeps same-seed twins in step (an alias table can re-pair all its
    columns after a tiny change). The guide table (Chen & Asau 1974) makes a draw cost
    about two comparisons instead of a binary search.

    Args:
        prob: (K, M) float64, each row non-negative and summing to 1.

    Returns:
        cdf: (K, M) float64 cumulative probabilities; from the last positive column on
            exactly 1.0, so zero-probability columns after it are never drawn.
        guide: (K, M) int32; ``guide[k, g]`` is the first column with ``cdf > g / M``.
    """
    k_rows, m = prob.shape
    cdf = np.empty((k_rows, m))
    guide = np.empty((k_rows, m), dtype=np.int32)
    for k in range(k_rows):
        acc = 0.0
        last = 0
        for j in range(m):
            p = prob[k, j]
            if p > 0.0:
                acc += p
                last = j
            cdf[k, j] = acc
        total = acc if acc > 0.0 else 1.0
        for j in range(m):
            cdf[k, j] = 1.0 if j >= last else min(cdf[k, j] / total, 1.0)
        j = 0
        for g in range(m):
            x = g / m
            while j < m - 1 and cdf[k, j] <= x:
                j += 1
            guide[k, g] = j
    return cdf, guide


@njit(cache=True)
def build_alias_tables(prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Alias tables (Vose 1991) for each row of ``prob`` (K, M): ``threshold`` (K, M) in
    [0, 1] and ``alias`` (K, M) int32. O(1) draws, but a small change of a row can re-pair
    all its columns, so they serve only tables that never change during a run (the fixed
    proposals of :func:`draw_coupled`)."""
    k_rows, m = prob.shape
    threshold = np.ones((k_rows, m))
    alias = np.empty((k_rows, m), dtype=np.int32)
    small = np.empty(m, dtype=np.int64)
    large = np.empty(m, dtype=np.int64)
    scaled = np.empty(m)
    for k in range(k_rows):
        n_small = 0
        n_large = 0
        for j in range(m):
            alias[k, j] = j
            scaled[j] = prob[k, j] * m
            if scaled[j] < 1.0:
                small[n_small] = j
                n_small += 1
            else:
                large[n_large] = j
                n_large += 1
        while n_small > 0 and n_large > 0:
            n_small -= 1
            s = small[n_small]
            n_large -= 1
            g = large[n_large]
            threshold[k, s] = scaled[s]
            alias[k, s] = g
            scaled[g] = (scaled[g] + scaled[s]) - 1.0
            if scaled[g] < 1.0:
                small[n_small] = g
                n_small += 1
            else:
                large[n_large] = g
                n_large += 1
        for i in range(n_large):  # leftovers are 1 up to rounding: keep them
            threshold[k, large[i]] = 1.0
        for i in range(n_small):
            threshold[k, small[i]] = 1.0
    return threshold, alias


def packed_alias(prob: np.ndarray) -> np.ndarray:
    """(K, M) uint64 alias tables, one word per cell: the keep-threshold in 32-bit fixed
    point (high half) and the alias column (low half), so a draw reads one word."""
    threshold, alias = build_alias_tables(np.ascontiguousarray(prob, dtype=float))
    t32 = np.minimum(np.floor(threshold * 4294967296.0), 4294967295.0).astype(np.uint64)
    return (t32 << np.uint64(32)) | alias.astype(np.uint64)


@njit(cache=True, inline="always")
def draw_packed_alias(table: np.ndarray, k: int, x: np.uint64) -> int:
    """The column of packed alias row ``k`` at 32 random bits ``x``."""
    y = x * np.uint64(table.shape[1])
    j = np.int64(y >> _S32)
    word = table[k, j]
    if (y & _LOW32) < (word >> _S32):
        return j
    return np.int64(word & _LOW32)


@njit(cache=True, inline="always")
def draw_cdf(cdf: np.ndarray, guide: np.ndarray, k: int, u: float) -> int:
    """The column of row ``k`` that uniform ``u`` in [0, 1) falls into (inverse CDF)."""
    m = cdf.shape[1]
    g = int(u * m)
    if g >= m:
        g = m - 1
    j = guide[k, g]
    while j < m - 1 and cdf[k, j] <= u:
        j += 1
    return j


#: Coupled draws: rows whose probabilities exceed the fixed proposal's by more than this
#: factor anywhere, and draws not accepted within MAX_TRIES proposals, fall back to the
#: current row's inverse CDF (still an exact draw from it, just not coupled).
COUPLING_MAX_RATIO = 8.0
MAX_TRIES = 24


def coupling_tables(prob: np.ndarray, proposal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For :func:`draw_coupled`: the acceptance probabilities (K, M) float32 of proposal j
    in row k, ``(prob / proposal) / bound`` with ``bound`` the row's largest ratio, and
    whether each row (K,) is drawn by rejection (its bound at most COUPLING_MAX_RATIO and
    no mass the proposal lacks) or from its own inverse CDF."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(proposal > 0, prob / np.where(proposal > 0, proposal, 1.0), 0.0)
    bound = ratio.max(axis=1)
    lacking = ((prob > 0) & (proposal <= 0)).any(axis=1)
    coupled = ~lacking & (bound <= COUPLING_MAX_RATIO) & (bound > 0)
    accept = (ratio / np.where(bound > 0, bound, 1.0)[:, None]).astype(np.float32)
    return accept, coupled


def coupled_tables(prob: np.ndarray, proposal: tuple[np.ndarray, np.ndarray]) -> tuple:
    """The tables of :func:`draw_coupled` for this year's probabilities ``prob`` (K, M) and
    a fixed ``proposal`` ``(prob0, packed_alias0)`` (:func:`proposal_tables` of a start
    table, the same in every run of a seed): ``(alias0, accept, coupled, cdf, guide)``."""
    prop, prop_alias = proposal
    accept, coupled = coupling_tables(prob, prop)
    cdf, guide = build_cdf_tables(prob)
    return (prop_alias, accept, coupled, cdf, guide)


def proposal_tables(prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A fixed proposal for :func:`coupled_tables`: probabilities (K, M) and their packed
    alias tables (:func:`packed_alias`)."""
    prob = np.ascontiguousarray(prob, dtype=float)
    return (prob, packed_alias(prob))


@njit(cache=True, inline="always")
def draw_coupled(
    prop_alias: np.ndarray, accept: np.ndarray, coupled: np.ndarray, cdf: np.ndarray,
    guide: np.ndarray, k: int, akey: np.uint64, first: int,
) -> int:
    """A draw from row ``k`` of the current table by rejection from a fixed proposal.

    Proposals come from the proposal's alias table (``prop_alias``, packed), which is the
    same in every run of a seed (the start year's table; an alias table may re-pair its
    columns when its row changes, but this one never changes); proposal j is accepted
    with probability ``accept[k, j]`` (:func:`coupling_tables`). Twins whose current
    tables differ a little share the proposals and differ only where an acceptance test
    falls between their two probabilities: about the total variation between the rows,
    the least any coupling can do (an inverse CDF over M columns changes draws at every
    boundary a perturbation shifts, up to M times more). Proposal t uses 64-bit draw
    ``first + t`` of the agent key, its high 32 bits for the proposal, its low 32 bits
    for the test. Exact up to the 2**-32 resolution of the proposal's thresholds:
    accepted proposals and the fallback (rows not coupled, or no acceptance within
    MAX_TRIES) are both distributed as the current row.
    """
    if coupled[k]:
        for t in range(MAX_TRIES):
            h = draw64(akey, first + t)
            j = draw_packed_alias(prop_alias, k, h >> _S32)
            if float(h & _LOW32) * _INV32 < accept[k, j]:
                return j
    return draw_cdf(cdf, guide, k, uniform(akey, first + MAX_TRIES))


@njit(cache=True)
def draw_coupled_many(tables: tuple, row: int, akeys: np.ndarray, first: int) -> np.ndarray:
    """(K,) int64 coupled draws from table ``row`` for agent keys ``akeys`` (K,)."""
    prop_alias, accept, coupled, cdf, guide = tables
    out = np.empty(akeys.shape[0], dtype=np.int64)
    for i in range(akeys.shape[0]):
        out[i] = draw_coupled(prop_alias, accept, coupled, cdf, guide, row, akeys[i], first)
    return out


@njit(cache=True)
def normal_quantile_array(u: np.ndarray) -> np.ndarray:
    """(K,) standard normals from uniforms (K,) in [0, 1), each moved off 0 by half a step."""
    out = np.empty(u.shape[0])
    for i in range(u.shape[0]):
        out[i] = normal_quantile(u[i] + HALF_ULP_53)
    return out


# Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9).
_IA = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
       -3.066479806614716e01, 2.506628277459239e00)
_IB = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
       -1.328068155288572e01)
_IC = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
       4.374664141464968e00, 2.938163982698783e00)
_ID = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_P_LOW = 0.02425


@njit(cache=True, inline="always")
def _normal_tail(q):
    c, d = _IC, _ID
    num = ((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]
    return num / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0)


@njit(cache=True, inline="always")
def normal_quantile(p: float) -> float:
    """Standard normal quantile of ``p`` in (0, 1) (Acklam; relative error < 1.2e-9).

    In the central 95% it is a rational function (no transcendental call); only the tails
    take a log and a square root.
    """
    if p < _P_LOW:
        return _normal_tail(math.sqrt(-2.0 * math.log(p)))
    if p > 1.0 - _P_LOW:
        return -_normal_tail(math.sqrt(-2.0 * math.log(1.0 - p)))
    a, b = _IA, _IB
    q = p - 0.5
    r = q * q
    num = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
    return num / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0)
