"""The migration kernel: who moves, and where to.

Once a year the model computes, for every (origin municipality, household type), the
probability of moving and a multinomial-logit distribution over destinations (see
:mod:`sim.processes.migration`). Those tables are small (229 x 9 x 229). Each destination
distribution is drawn by rejection from a fixed proposal, the start year's table
(:func:`sim.kernels.sampling.draw_coupled`: about one proposal per mover, and twins whose
tables differ a little pick the same destination but for about the total variation
between their rows). This module passes once over the household columns: one hashed
uniform decides whether a household moves, the next ones pick its destination (draws of
purpose :data:`MOVE` of the household's identity). Households in a given row range (those
formed this year by leaving home, with ``migration.leaving_home_moves``) move for certain:
they still draw the decision's uniform, so every household's destination draws stay the
same whichever way the option is set.

Notation: N households, M municipalities (origins = destinations), T household types,
B tenure bins, K = M * T destination tables.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.kernels.parallel import chunk_bounds
from sim.kernels.rng import agent_key, bits53, purpose_key
from sim.kernels.sampling import draw_coupled

#: Purpose of the migration draws (draw 0: the move decision, draws 1, 2, ...: the
#: destination, by :func:`sim.kernels.sampling.draw_coupled`).
MOVE = 1


@njit(cache=True)
def _move_cuts(move_prob):
    """(M, T, B) probabilities -> (M * T * B,) uint64 ceil(p * 2**53), for :func:`bits53`."""
    flat = move_prob.ravel()
    cut = np.empty(flat.shape[0], dtype=np.uint64)
    for j in range(flat.shape[0]):
        cut[j] = np.uint64(math.ceil(min(max(flat[j], 0.0), 1.0) * 9007199254740992.0))
    return cut


#: Households per block of the two-pass loop (the movers' buffers: 32 KB).
MOVER_BLOCK = 2048
#: A household in the packed flow counter (persons fill the low 32 bits).
_ONE_HOUSEHOLD = np.int64(1) << np.int64(32)


@njit(cache=True)
def _migrate_range(
    lo, hi, muni, htype, tenure, size, uid, move_prob, tenure_bin, tables, key, group_of,
    class_of, form_lo, form_hi, flows, group_flows,
):
    prop_alias, accept, coupled, cdf, guide = tables
    n_types = move_prob.shape[1]
    n_bins = move_prob.shape[2]
    # Integer thresholds (a few thousand, per call): ``bits53 < cut`` decides exactly as
    # ``uniform < p`` does, without a float conversion and a 3-D index per household.
    move_cut = _move_cuts(move_prob)
    tbin = np.empty(tenure_bin.shape[0], dtype=np.int32)
    for j in range(tbin.shape[0]):
        tbin[j] = tenure_bin[j]
    pkey = purpose_key(key, MOVE)
    # Two passes per block: the first decides who moves for every household without a
    # branch (the row and agent key are written, the count advances only for movers), the
    # second moves just the ~12% movers. The mispredicted branch per mover of a single
    # loop goes, and the first pass's independent iterations overlap.
    # Rows, cells and the count are unsigned: Numba fixes up negative indices on every
    # access with a signed one (:mod:`sim.kernels.households`).
    movers = np.empty(MOVER_BLOCK, dtype=np.uint64)
    akeys = np.empty(MOVER_BLOCK, dtype=np.uint64)
    types, bins = np.uint64(n_types), np.uint64(n_bins)
    start = lo
    while start < hi:
        stop = min(hi, start + MOVER_BLOCK)
        count = np.uint64(0)
        for row in range(start, stop):
            i = np.uint64(row)
            cell = ((np.uint64(muni[i]) * types + np.uint64(htype[i])) * bins
                    + np.uint64(tbin[tenure[i]]))
            a = agent_key(pkey, np.uint64(uid[i]))
            movers[count] = i
            akeys[count] = a
            count += np.uint64(bits53(a, 0) < move_cut[cell])
        # Rows that move for certain (households leaving home): those the draw did not
        # pick join the movers. Only the few blocks that hold such rows pay for it.
        for row in range(max(start, form_lo), min(stop, form_hi)):
            i = np.uint64(row)
            cell = ((np.uint64(muni[i]) * types + np.uint64(htype[i])) * bins
                    + np.uint64(tbin[tenure[i]]))
            a = agent_key(pkey, np.uint64(uid[i]))
            if bits53(a, 0) >= move_cut[cell]:
                movers[count] = i
                akeys[count] = a
                count += np.uint64(1)
        for j in range(count):
            i = movers[j]
            o = muni[i]
            k = o * n_types + htype[i]
            d = draw_coupled(prop_alias, accept, coupled, cdf, guide, k, akeys[j], 1)
            muni[i] = d
            tenure[i] = 0
            # One counter per cell: households in the high 32 bits, persons in the low.
            flows[o, d] += _ONE_HOUSEHOLD + np.int64(size[i])
            group_flows[group_of[o], group_of[d], class_of[htype[i]]] += np.int64(size[i])
        start = stop


@njit(cache=True, parallel=True)
def _migrate_parallel(
    n, n_chunks, muni, htype, tenure, size, uid, move_prob, tenure_bin, tables, key, group_of,
    class_of, form_lo, form_hi, flows, group_flows,
):
    # The caller passes one block per thread (``Parallel.blocks_for``), not 16 chunks: the
    # per-block (M, M) flow tables are large (229 x 229 int64 each), and zeroing and adding
    # 16 of them cost more than moving a million households. The split may depend on the
    # thread count because nothing here depends on the split: each household's draws are
    # hashed from its identity, and the flows are integer counts, exact in any order.
    m = flows.shape[0]
    g, _, a = group_flows.shape
    local = np.zeros((n_chunks, m, m), dtype=np.int64)
    local_groups = np.zeros((n_chunks, g, g, a), dtype=np.int64)
    for c in prange(n_chunks):
        lo, hi = chunk_bounds(n, n_chunks, c)
        _migrate_range(
            lo, hi, muni, htype, tenure, size, uid, move_prob, tenure_bin, tables, key, group_of,
            class_of, form_lo, form_hi, local[c], local_groups[c],
        )
    for c in range(n_chunks):
        flows += local[c]
        group_flows += local_groups[c]


def migrate(
    muni: np.ndarray,
    htype: np.ndarray,
    tenure: np.ndarray,
    size: np.ndarray,
    uid: np.ndarray,
    move_prob: np.ndarray,
    tenure_bin: np.ndarray,
    tables: tuple,
    key: np.uint64,
    n_chunks: int = 1,
    group_of: np.ndarray | None = None,
    class_of: np.ndarray | None = None,
    forming: tuple[int, int] = (0, 0),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move households in place; return the flows.

    Args:
        muni: (N,) int16, municipality index; updated for movers.
        htype: (N,) uint8, household type in [0, T).
        tenure: (N,) uint8, years at the current home; set to 0 for movers.
        size: (N,) uint8, persons in the household.
        uid: (N,) int64, stable agent ids (keys of the counter-based RNG).
        move_prob: (M, T, B) float64, probability of moving this year.
        tenure_bin: (256,) int64, maps tenure years to a bin in [0, B).
        tables: the destination tables, rows (M * T) over destinations (M):
            ``(prop_alias, accept, coupled, cdf, guide)``: the fixed proposal's packed
            alias table, this year's acceptance probabilities and coupled rows, and this
            year's inverse CDF (:func:`sim.kernels.sampling.coupled_tables`).
        key: uint64 stream key of this year's migration draws.
        n_chunks: 1 for the serial loop, more for that many parallel blocks.
        group_of: (M,) int64, each municipality's group (province) in [0, G); None: one.
        class_of: (T,) int64, each household type's class (age class) in [0, A); None: one.
        forming: rows [lo, hi) that move for certain this year (households formed by
            leaving home, with ``migration.leaving_home_moves``); (0, 0): none.

    Returns:
        flows_hh, flows_persons: (M, M) int64, movers by origin (row) and destination
        (column), in agents and in persons; the diagonal holds moves within a municipality.
        group_flows: (G, G, A) int64, moving persons by origin group, destination group
        and class (provinces by age class of the head).

    The result does not depend on the number of threads (each draw is a hash of the
    household's identity, and the flow counters are integers).
    """
    m, t = move_prob.shape[:2]
    group_of = np.zeros(m, np.int64) if group_of is None else np.asarray(group_of, np.int64)
    class_of = np.zeros(t, np.int64) if class_of is None else np.asarray(class_of, np.int64)
    flows = np.zeros((m, m), dtype=np.int64)
    group_flows = np.zeros((int(group_of.max()) + 1, int(group_of.max()) + 1,
                            int(class_of.max()) + 1), dtype=np.int64)
    n = muni.shape[0]
    form_lo, form_hi = (int(forming[0]), int(forming[1]))
    args = (muni, htype, tenure, size, uid, move_prob, tenure_bin, tables, np.uint64(key),
            group_of, class_of, np.int64(form_lo), np.int64(form_hi))
    if n_chunks <= 1:
        _migrate_range(0, n, *args, flows, group_flows)
    else:
        _migrate_parallel(n, n_chunks, *args, flows, group_flows)
    return flows >> 32, flows & 0xFFFFFFFF, group_flows
