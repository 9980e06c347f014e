"""Sampling helpers for the kernels: alias tables and the standard normal quantile.

Both turn hashed uniforms (:mod:`sim.kernels.rng`) into draws: an alias table (Vose 1991)
draws one of M categories in O(1) from one uniform; the normal quantile turns one uniform
into a standard normal (one draw per normal, so the draw keys stay simple).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Half the spacing of 53-bit uniforms: added to a uniform in [0, 1) to keep it off 0.
HALF_ULP_53 = 0.5 / 9007199254740992.0


@njit(cache=True)
def build_alias_tables(prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Alias tables for each row of ``prob``.

    Args:
        prob: (K, M) float64, each row non-negative and summing to 1.

    Returns:
        threshold: (K, M) float64 in [0, 1]; keep column j if the fractional draw is below.
        alias: (K, M) int32; otherwise take this column.
    """
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
        # Leftovers are 1 up to rounding: keep them.
        for i in range(n_large):
            threshold[k, large[i]] = 1.0
        for i in range(n_small):
            threshold[k, small[i]] = 1.0
    return threshold, alias


@njit(cache=True, inline="always")
def draw_alias(threshold: np.ndarray, alias: np.ndarray, k: int, u: float) -> int:
    """Draw a column of alias table ``k`` from one uniform ``u`` in [0, 1)."""
    m = threshold.shape[1]
    x = u * m
    j = int(x)
    if j >= m:
        j = m - 1
    if x - j < threshold[k, j]:
        return j
    return alias[k, j]


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
