"""Firm kernel: productivity, labour demand, exit and rare relocation in one pass.

Firms are column arrays (F rows): municipality, sector, employees (workers, in the same
agent units as households), log productivity (value added per worker, million KRW), age.
Per-(municipality, sector) drivers are precomputed by :mod:`sim.processes.firms` into
small (M, S) tables; the kernel only reads them.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.kernels.parallel import chunk_bounds
from sim.kernels.rng import agent_key, purpose_key, uniform
from sim.kernels.sampling import HALF_ULP_53, draw_coupled, normal_quantile

#: Purpose of a firm's yearly draws: 0 its productivity shock, 1 exit, 2 a relocation
#: attempt, 3 and on the destination.
FIRM = 1


@njit(cache=True)
def _firm_range(
    lo, hi, uid, muni, sector, employees, log_prod, age, key, prod_shift, prod_sigma,
    demand_growth, labour_elasticity, exit_p, relocate_p, reloc,
    jobs, output, exits, relocations,
):
    prop_alias, accept, coupled, cdf, guide = reloc
    pkey = purpose_key(key, FIRM)
    for row in range(lo, hi):
        i = np.uint64(row)  # unsigned indices: no negative-index fix-up on every access
        m = np.uint64(muni[i])
        s = np.uint64(sector[i])
        ak = agent_key(pkey, np.uint64(uid[i]))
        # A normal shock from the quantile of one hashed uniform (no log/sqrt/cos per firm).
        noise = prod_sigma * normal_quantile(uniform(ak, 0) + HALF_ULP_53)
        log_prod[i] += prod_shift[m, s] + noise
        emp = employees[i] * math.exp(labour_elasticity * noise + demand_growth[m, s])
        if uniform(ak, 1) < exit_p[s] or emp < 0.05:
            employees[i] = 0.0  # exit; removed by the caller
            exits[m, s] += 1
            continue
        if uniform(ak, 2) < relocate_p:
            d = draw_coupled(prop_alias, accept, coupled, cdf, guide, s, ak, 3)
            if d != m:
                relocations[m, s] += 1
                muni[i] = d
                m = np.uint64(d)
        employees[i] = emp
        if age[i] < 255:
            age[i] += 1
        jobs[m, s] += emp
        output[m, s] += emp * math.exp(log_prod[i])


@njit(cache=True, parallel=True)
def _firm_parallel(n, n_chunks, uid, muni, sector, employees, log_prod, age, key, prod_shift, prod_sigma,
                   demand_growth, labour_elasticity, exit_p, relocate_p, reloc,
                   jobs, output, exits, relocations):
    m, s = jobs.shape
    lj = np.zeros((n_chunks, m, s))
    lo_ = np.zeros((n_chunks, m, s))
    le = np.zeros((n_chunks, m, s), dtype=np.int64)
    lr = np.zeros((n_chunks, m, s), dtype=np.int64)
    for c in prange(n_chunks):
        lo, hi = chunk_bounds(n, n_chunks, c)
        _firm_range(lo, hi, uid, muni, sector, employees, log_prod, age, key, prod_shift,
                    prod_sigma, demand_growth, labour_elasticity, exit_p, relocate_p,
                    reloc, lj[c], lo_[c], le[c], lr[c])
    for c in range(n_chunks):
        jobs += lj[c]
        output += lo_[c]
        exits += le[c]
        relocations += lr[c]


def step_firms(
    uid: np.ndarray,
    muni: np.ndarray,
    sector: np.ndarray,
    employees: np.ndarray,
    log_prod: np.ndarray,
    age: np.ndarray,
    key: np.uint64,
    prod_shift: np.ndarray,
    prod_sigma: float,
    demand_growth: np.ndarray,
    labour_elasticity: float,
    exit_p: np.ndarray,
    relocate_p: float,
    reloc: tuple,
    n_chunks: int = 1,
) -> dict[str, np.ndarray]:
    """Advance every firm one year, in place.

    Args:
        prod_shift: (M, S) expected change of log productivity (drift, agglomeration,
            spill-overs from smart-city tech investment).
        prod_sigma: standard deviation of a firm's yearly productivity shock.
        demand_growth: (M, S) expected log change of a firm's employment (local demand,
            and the employment response to tech spill-overs).
        labour_elasticity: response of employment to the firm's own productivity shock
            (the idiosyncratic part; the common drift does not create jobs).
        exit_p: (S,) annual exit probability.
        relocate_p: annual probability of a relocation attempt; the destination is drawn
            from the sector's row of ``reloc``, (S, M) tables in the form of
            :func:`sim.kernels.sampling.coupled_tables` (coupled draws).
        n_chunks: 1 for the serial loop, more for that many parallel chunks.

    Returns:
        ``jobs`` and ``output`` (M, S) float64 after the step (workers, million KRW per
        agent unit); ``exits`` and ``relocations`` (M, S) int64. Exiting firms have
        ``employees == 0`` and must be removed by the caller.
    """
    m, s = prod_shift.shape
    out = {
        "jobs": np.zeros((m, s)),
        "output": np.zeros((m, s)),
        "exits": np.zeros((m, s), dtype=np.int64),
        "relocations": np.zeros((m, s), dtype=np.int64),
    }
    n = uid.shape[0]
    args = (uid, muni, sector, employees, log_prod, age, np.uint64(key), prod_shift,
            float(prod_sigma), demand_growth, float(labour_elasticity), exit_p,
            float(relocate_p), reloc,
            out["jobs"], out["output"], out["exits"], out["relocations"])
    if n_chunks <= 1:
        _firm_range(0, n, *args)
    else:
        _firm_parallel(n, n_chunks, *args)
    return out


@njit(cache=True)
def _cell_totals_range(muni, sector, employees, log_prod, lo, m_lo, m_hi, counts, jobs, output):
    for row in range(lo, muni.shape[0]):
        i = np.uint64(row)  # unsigned indices: no negative-index fix-up on every access
        m = np.int64(muni[i])
        if m < m_lo or m >= m_hi:  # another part's municipality (rows come in runs of one)
            continue
        mu, s = np.uint64(m), np.uint64(sector[i])
        emp = np.float64(employees[i])
        counts[mu, s] += 1
        jobs[mu, s] += emp
        output[mu, s] += emp * math.exp(np.float64(log_prod[i]))


@njit(cache=True, parallel=True)
def _cell_totals_parallel(muni, sector, employees, log_prod, lo, bounds, counts, jobs, output):
    for p in prange(bounds.shape[0] - 1):
        _cell_totals_range(muni, sector, employees, log_prod, lo, bounds[p], bounds[p + 1],
                           counts, jobs, output)


def cell_totals(muni: np.ndarray, sector: np.ndarray, employees: np.ndarray,
                log_prod: np.ndarray, lo: int, counts: np.ndarray, jobs: np.ndarray,
                output: np.ndarray, bounds: np.ndarray | None = None) -> None:
    """Add the firm rows from ``lo`` on to ``counts``, ``jobs`` and ``output`` (M, S), in
    row order: what ``np.bincount(muni * s + sector, weights=...)`` over all rows gives,
    bit for bit (float64 sums in the same order), in one pass and without the int64 cell
    column or a weight column. A row's output is employees x exp(log_prod), as the
    firm kernel values it (``math.exp``, libm's, like the kernel's).

    ``bounds`` (P + 1,) int64 splits the municipalities into P ranges
    ``[bounds[p], bounds[p + 1])`` summed by P threads, each over every row but adding
    only its own municipalities' (:func:`municipality_parts`): each cell is still summed
    by one thread in row order, so the totals are the same bit for bit however the
    municipalities are split. None: one serial pass."""
    if bounds is None or len(bounds) <= 2:
        _cell_totals_range(muni, sector, employees, log_prod, lo, 0, counts.shape[0],
                           counts, jobs, output)
    else:
        _cell_totals_parallel(muni, sector, employees, log_prod, lo,
                              np.asarray(bounds, dtype=np.int64), counts, jobs, output)


def municipality_parts(rows_by_municipality: np.ndarray, parts: int) -> np.ndarray:
    """(parts + 1,) int64 bounds of ``parts`` contiguous municipality ranges holding about
    equal numbers of rows (``rows_by_municipality`` (M,), e.g. last year's firm counts)."""
    m = len(rows_by_municipality)
    if parts <= 1 or m < 2:
        return np.array([0, m], dtype=np.int64)
    cum = np.cumsum(np.asarray(rows_by_municipality, dtype=float))
    inner = np.searchsorted(cum, cum[-1] * np.arange(1, parts) / parts, side="right")
    return np.unique(np.concatenate(([0], np.clip(inner, 0, m), [m]))).astype(np.int64)
