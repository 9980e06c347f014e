"""Household kernels: demography, labour-market status and income, and aggregation.

Each kernel is a pure function over household columns (N rows) and small per-municipality
tables (M rows). Random numbers are hashed from (stream key, purpose, identity, draw)
(:mod:`sim.kernels.rng`) so results do not depend on row order or the thread count. Persons are counted exactly: births and deaths are returned
per municipality so that the model can check ``change = births - deaths + net moves``.

Indices in the hot loops are unsigned (``np.uint64``): Numba adds a fix-up for negative
indices to every array access with a signed index, and the loops run about 15 % faster
without it (the labour pass over 23 M households: 0.31 -> 0.26 s serial).

Every wrapper takes ``n_chunks``: 1 runs the serial loop, more the parallel loop over
that many fixed chunks, whose results are added in chunk order (the caller decides, from
a :class:`sim.kernels.parallel.Parallel`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.constants import N_INCOME_CLASSES, N_SECTORS, N_TYPES
from sim.kernels.parallel import chunk_bounds
from sim.kernels.rng import agent_key, purpose_key, uniform, uniform_pair
from sim.kernels.sampling import HALF_ULP_53, normal_quantile

#: Purposes of the household draws. Demography (per year): draw 0 (halves: adult deaths,
#: other members' deaths), draw 1 (halves: a birth, a child leaving home). Labour (per
#: year): draw 0 (halves: the employment test, the sector). Skill and the felt threshold
#: (once per household, run-wide key): draw 0.
EVENTS = 1
EMPLOYMENT = 2
SKILL = 3
FELT = 4  # a household's perception threshold (run-wide key, draw 0)


@njit(cache=True, inline="always")
def age_class(age: int) -> int:
    """0 for a head aged < 40, 1 for 40-64, 2 for 65+."""
    return (age >= 40) + (age >= 65)


# ------------------------------------------------------------------------------ counting
@njit(cache=True, parallel=True)
def _count_parallel(muni, n_municipalities, n_chunks):
    n = muni.shape[0]
    local = np.zeros((n_chunks, n_municipalities), dtype=np.int64)
    for c in prange(n_chunks):
        lo, hi = chunk_bounds(n, n_chunks, c)
        for row in range(lo, hi):
            local[c, np.uint64(muni[np.uint64(row)])] += 1
    return local.sum(axis=0)


def count_by_municipality(muni: np.ndarray, n_municipalities: int, n_chunks: int = 1) -> np.ndarray:
    """(M,) int64 households per municipality: ``np.bincount``, or a count in ``n_chunks``
    parallel chunks (the housing step needs this year's count at full scale, 20 M rows)."""
    if n_chunks <= 1:
        return np.bincount(muni, minlength=n_municipalities).astype(np.int64)
    return _count_parallel(muni, n_municipalities, n_chunks)


# ------------------------------------------------------------------------------ tenure
@njit(cache=True)
def draw_tenures(cdf, group, u, age, adult_age, t_max):
    """(N,) uint8 years at the home: for each head, the first tenure ``t`` whose cumulative
    weight ``cdf[group, t]`` reaches ``u * cdf[group, -1]`` (inverse CDF, as
    ``np.searchsorted(side="left")``), at least 1 and at most ``age - adult_age`` (and
    ``t_max``). The caller builds ``cdf`` (:func:`sim.agents.households.stationary_tenure`)."""
    n = u.shape[0]
    width = cdf.shape[1]
    out = np.empty(n, np.uint8)
    for i in range(n):
        row = cdf[np.uint64(group[np.uint64(i)])]
        target = u[np.uint64(i)] * row[width - 1]
        lo, hi = 0, width
        while lo < hi:
            mid = (lo + hi) >> 1
            if row[np.uint64(mid)] < target:
                lo = mid + 1
            else:
                hi = mid
        cap = min(max(np.int64(age[np.uint64(i)]) - adult_age, 1), t_max)
        out[np.uint64(i)] = min(max(lo, 1), cap)
    return out


# --------------------------------------------------------------------------- demography
@njit(cache=True)
def _binomial_tail(u: float, n: int, q: float, p0: float) -> int:
    """The Binomial(n, q) count at ``u`` >= ``p0`` = (1 - q)**n (the rare path of
    :func:`binomial_quantile`, not inlined so that its division stays out of the loop)."""
    if n <= 0 or q <= 0.0:
        return 0
    if q >= 1.0:
        return n
    p = p0
    cdf = p
    k = 0
    r = q / (1.0 - q)
    while u >= cdf and k < n:
        p *= (n - k) / (k + 1) * r
        k += 1
        cdf += p
    return k


@njit(cache=True, inline="always")
def binomial_quantile(u: float, n: int, q: float, p0: float) -> int:
    """The Binomial(n, q) count at uniform ``u`` (inverse CDF, small n), ``p0`` being
    (1 - q)**n: the number of deaths among ``n`` members from one draw instead of one
    draw per member (mostly none: one comparison; ``p0`` = 1 when n = 0 or q = 0)."""
    if u < p0:
        return 0
    return _binomial_tail(u, n, q, p0)


@njit(cache=True)
def _demography_range(
    lo, hi, muni, age, size, uid, key, death_q, child_death_q, birth_p, fertility, leave_p,
    spawn, births, deaths,
):
    pkey = purpose_key(key, EVENTS)
    # Probabilities that nobody dies: (1 - q)**n for one and two adults by age, and for
    # 0..255 other members at the child rate (one comparison for most households).
    survive1 = 1.0 - death_q
    survive2 = survive1 * survive1
    child_p0 = np.empty(256)
    child_p0[0] = 1.0
    for n in range(1, 256):
        child_p0[n] = child_p0[n - 1] * (1.0 - child_death_q)
    for row in range(lo, hi):
        i = np.uint64(row)
        a = age[i]
        s = np.int64(size[i])
        m = np.uint64(muni[i])
        ak = agent_key(pkey, np.uint64(uid[i]))
        # Deaths: the head and a partner (up to two adults) at the head's age-specific rate,
        # other members at the child rate; each count from one 32-bit uniform (the two
        # halves of draw 0).
        # Written without branches on the household's size, age or events (unpredictable
        # from one household to the next, they cost more than the draws: 21 -> 12 ns).
        u_adult, u_child = uniform_pair(ak, 0)
        adults = min(s, 2)
        p0 = survive2[a] if adults == 2 else survive1[a]
        dead = binomial_quantile(u_adult, adults, death_q[a], p0)
        others = max(s - 2, 0)
        dead += binomial_quantile(u_child, others, child_death_q, child_p0[np.uint64(others)])
        s -= dead
        deaths[m] += dead
        # A birth, and an adult child leaving to form a household of their own (the halves
        # of draw 1), for households still alive; as arithmetic on the tests' outcomes.
        alive = s > 0
        u_birth, u_leave = uniform_pair(ak, 1)
        born = alive & (u_birth < birth_p[a] * fertility[m])
        s += born
        leaves = alive & (s >= 3) & (u_leave < leave_p[a])
        s -= leaves
        births[m] += born
        spawn[i] = leaves
        age[i] = a + (alive & (a < 110))
        size[i] = s


@njit(cache=True, parallel=True)
def _demography_parallel(
    n, n_chunks, muni, age, size, uid, key, death_q, child_death_q, birth_p, fertility, leave_p,
    spawn, births, deaths,
):
    m = births.shape[0]
    lb = np.zeros((n_chunks, m), dtype=np.int64)
    ld = np.zeros((n_chunks, m), dtype=np.int64)
    for c in prange(n_chunks):
        lo, hi = chunk_bounds(n, n_chunks, c)
        _demography_range(
            lo, hi, muni, age, size, uid, key, death_q, child_death_q, birth_p, fertility,
            leave_p, spawn, lb[c], ld[c],
        )
    for c in range(n_chunks):
        births += lb[c]
        deaths += ld[c]


def demography(
    muni: np.ndarray,
    age: np.ndarray,
    size: np.ndarray,
    uid: np.ndarray,
    key: np.uint64,
    death_q: np.ndarray,
    child_death_q: float,
    birth_p: np.ndarray,
    fertility: np.ndarray,
    leave_p: np.ndarray,
    spawn: np.ndarray,
    n_municipalities: int,
    n_chunks: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Deaths, births, children leaving home and ageing, in place.

    Args:
        muni: (N,) int16. age: (N,) uint8 head's age, incremented by one.
        size: (N,) uint8 persons; 0 afterwards means the household dissolved.
        uid: (N,) int64. key: the year's demography stream key.
        death_q: (256,) float64 annual death probability of an adult by the head's age.
        child_death_q: death probability of other members.
        birth_p: (256,) float64 probability of a birth by the head's age (national).
        fertility: (M,) float64 municipality multiplier of ``birth_p`` (local fertility).
        leave_p: (256,) float64 probability that an adult child leaves (households of 3+).
        spawn: (N,) uint8 output, 1 where a child left (the caller creates their household).

    Returns:
        births, deaths: (M,) int64 persons by municipality (in agent units).
    """
    births = np.zeros(n_municipalities, dtype=np.int64)
    deaths = np.zeros(n_municipalities, dtype=np.int64)
    n = muni.shape[0]
    args = (
        muni, age, size, uid, np.uint64(key), death_q, child_death_q, birth_p, fertility, leave_p,
        spawn,
    )
    if n_chunks <= 1:
        _demography_range(0, n, *args, births, deaths)
    else:
        _demography_parallel(n, n_chunks, *args, births, deaths)
    return births, deaths


# ------------------------------------------------------------------ labour and income
@njit(cache=True, inline="always")
def _skill(skill_pkey, u, income_sigma):
    """exp(income_sigma * z), z standard normal: the persistent personal income factor.

    Drawn once per household from its identity (then cached in the ``skill`` column),
    cheaply: z is the normal quantile of one hashed uniform (moved off 0 by half a step),
    one exp instead of Box-Muller's log, sqrt, cos and exp (about 3x faster).
    """
    p = uniform(agent_key(skill_pkey, u), 0) + HALF_ULP_53
    return math.exp(income_sigma * normal_quantile(p))


@njit(cache=True)
def _labour_range(
    lo, hi, muni, age, uid, key, identity_key, employment_rate, sector_cdf, wage,
    income_sigma, pension_income, income_cuts, skills, employed, sector, income, htype,
):
    pkey = purpose_key(key, EMPLOYMENT)
    skill_pkey = purpose_key(identity_key, SKILL)
    low_cut, high_cut = income_cuts[0], income_cuts[1]
    for row in range(lo, hi):
        i = np.uint64(row)
        m = np.uint64(muni[i])
        a = age[i]
        u = np.uint64(uid[i])
        skill = skills[i]
        if skill == 0.0:  # drawn once per household, then cached in its column
            skill = np.float32(_skill(skill_pkey, u, income_sigma))
            skills[i] = skill
        # The employment test and the sector (the halves of draw 0), for heads under 65;
        # as arithmetic on the tests' outcomes, without branches on age or employment
        # (unpredictable from one household to the next, they cost more than the draw).
        w, v = uniform_pair(agent_key(pkey, u), 0)
        employ = (a < 65) & (w < employment_rate[m])
        k = 0
        # The sector whose cumulative share v falls in; the bound is a compile-time
        # constant, so the loop unrolls (about 10 % of the pass).
        for j in range(N_SECTORS - 1):
            k += v >= sector_cdf[m, np.uint64(j)]
        earned = wage[m, np.uint64(k)] * skill
        pension = pension_income * math.sqrt(skill)
        # Selected by arithmetic, not ``if employ``: a branch on a random test mispredicts
        # often, and it halved this loop's speed (both values are finite, so
        # 1 * earned + 0 * pension is earned exactly).
        e = np.float64(employ)
        y = e * earned + (1.0 - e) * pension
        employed[i] = employ
        sector[i] = k * employ - (1 - employ)
        income[i] = y
        ic = (y >= low_cut) + (y >= high_cut)
        htype[i] = age_class(a) * N_INCOME_CLASSES + ic


@njit(cache=True, parallel=True)
def _labour_parallel(n, n_chunks, *args):
    for c in prange(n_chunks):
        lo, hi = chunk_bounds(n, n_chunks, c)
        _labour_range(lo, hi, *args)


def labour_status(
    muni: np.ndarray,
    age: np.ndarray,
    uid: np.ndarray,
    key: np.uint64,
    identity_key: np.uint64,
    employment_rate: np.ndarray,
    sector_cdf: np.ndarray,
    wage: np.ndarray,
    income_sigma: float,
    pension_income: float,
    income_cuts: np.ndarray,
    skill: np.ndarray,
    employed: np.ndarray,
    sector: np.ndarray,
    income: np.ndarray,
    htype: np.ndarray,
    n_chunks: int = 1,
) -> None:
    """Employment, sector, income and household type for every household, in place.

    A head under 65 is employed with the municipality's ``employment_rate`` (M,), in a
    sector drawn from ``sector_cdf`` (M, S) (cumulative job shares), and earns
    ``wage`` (M, S) times a persistent personal factor (lognormal, hashed from the uid with
    ``identity_key`` so it is the same every year; drawn where ``skill`` (N,) float32 is
    still 0 and cached there). Others receive ``pension_income``.
    ``income_cuts`` (2,) split incomes into low/middle/high; ``htype`` = 3 * age class +
    income class.
    """
    if sector_cdf.shape[1] != N_SECTORS:
        raise ValueError(f"sector_cdf has {sector_cdf.shape[1]} sectors; the kernel is built for "
                         f"{N_SECTORS} (sim.constants.SECTORS)")
    n = muni.shape[0]
    args = (
        muni, age, uid, np.uint64(key), np.uint64(identity_key), employment_rate, sector_cdf,
        wage, income_sigma, pension_income, income_cuts, skill, employed, sector, income, htype,
    )
    if n_chunks <= 1:
        _labour_range(0, n, *args)
    else:
        _labour_parallel(n, n_chunks, *args)


# ---------------------------------------------------------------------- aggregation
@njit(cache=True)
def _aggregate_range(
    lo, hi, muni, size, htype, employed, sector, income, hh_by_type, persons_by_type,
    workers_by_sector, income_by_type,
):
    # Households mostly come in runs of one municipality: income is summed in registers
    # (one per type) over a run, not into memory per household, and the data-dependent
    # branches are replaced by arithmetic.
    if hi <= lo:
        return
    n_types = hh_by_type.shape[1]
    inc = np.zeros(n_types)
    cur = np.uint64(muni[lo])
    for row in range(lo, hi):
        i = np.uint64(row)
        m = np.uint64(muni[i])
        if m != cur:
            for t in range(n_types):
                income_by_type[cur, t] += inc[t]
                inc[t] = 0.0
            cur = m
        t = htype[i]
        hh_by_type[m, t] += 1
        persons_by_type[m, t] += size[i]
        workers_by_sector[m, sector[i]] += employed[i]  # sector -1 (no job) adds 0 to the last
        inc[t] += income[i]
    for t in range(n_types):
        income_by_type[cur, t] += inc[t]


@njit(cache=True, parallel=True)
def _aggregate_parallel(n, n_chunks, muni, size, htype, employed, sector, income,
                        hh_by_type, persons_by_type, workers_by_sector, income_by_type):
    m, t = hh_by_type.shape
    s = workers_by_sector.shape[1]
    l_hh = np.zeros((n_chunks, m, t), dtype=np.int64)
    l_p = np.zeros((n_chunks, m, t), dtype=np.int64)
    l_w = np.zeros((n_chunks, m, s), dtype=np.int64)
    l_inc = np.zeros((n_chunks, m, t))
    for c in prange(n_chunks):
        lo, hi = chunk_bounds(n, n_chunks, c)
        _aggregate_range(lo, hi, muni, size, htype, employed, sector, income,
                         l_hh[c], l_p[c], l_w[c], l_inc[c])
    for c in range(n_chunks):
        hh_by_type += l_hh[c]
        persons_by_type += l_p[c]
        workers_by_sector += l_w[c]
        income_by_type += l_inc[c]


def aggregate(
    muni: np.ndarray,
    size: np.ndarray,
    htype: np.ndarray,
    employed: np.ndarray,
    sector: np.ndarray,
    income: np.ndarray,
    n_municipalities: int,
    n_sectors: int,
    n_chunks: int = 1,
) -> dict[str, np.ndarray]:
    """Per-municipality totals in one pass over the households.

    Returns a dict of arrays (agent units): ``households_by_type`` and
    ``persons_by_type`` (M, T) int64, ``workers_by_sector`` (M, S) int64 and
    ``income_by_type`` (M, T) float64 (million KRW a year). Income sums are accumulated in
    float64 per chunk of a fixed chunking, so the result does not depend on the thread
    count. The felt-benefit count needs the QoL refreshed from these totals, so it is a
    pass of its own (:func:`felt_benefit`).
    """
    m = n_municipalities
    out = {
        "households_by_type": np.zeros((m, N_TYPES), dtype=np.int64),
        "persons_by_type": np.zeros((m, N_TYPES), dtype=np.int64),
        "workers_by_sector": np.zeros((m, n_sectors), dtype=np.int64),
        "income_by_type": np.zeros((m, N_TYPES)),
    }
    n = muni.shape[0]
    args = (muni, size, htype, employed, sector, income, out["households_by_type"],
            out["persons_by_type"], out["workers_by_sector"], out["income_by_type"])
    if n_chunks <= 1:
        _aggregate_range(0, n, *args)
    else:
        _aggregate_parallel(n, n_chunks, *args)
    return out


# ------------------------------------------------------------------- felt benefit
@njit(cache=True)
def felt_factors(identity_key: np.uint64, uid: np.ndarray, spread: float) -> np.ndarray:
    """(N,) float32 perception-threshold factors ``exp(spread z - spread**2 / 2)`` (mean 1),
    z standard normal from each household's identity: people differ in the QoL gain they
    notice, so a municipality's felt-benefit share rises smoothly with its QoL gain
    instead of all its households crossing one threshold at once."""
    pkey = purpose_key(identity_key, FELT)
    out = np.empty(uid.shape[0], dtype=np.float32)
    for i in range(uid.shape[0]):
        z = normal_quantile(uniform(agent_key(pkey, np.uint64(uid[i])), 0) + HALF_ULP_53)
        out[i] = math.exp(spread * z - 0.5 * spread * spread)
    return out


@njit(cache=True)
def _felt_range(lo, hi, muni, size, felt_class, felt_factor, qol_now, qol_start, felt_threshold,
                felt_persons, loss_persons):
    # Integer counts, exact in any order: added straight into the municipality's cell.
    # (Summing runs of one municipality in registers, as the income sums must, costs a
    # mispredicted branch wherever a run ends, and once movers have left their rows in
    # place a third of the rows end one.)
    for row in range(lo, hi):
        i = np.uint64(row)
        m = np.uint64(muni[i])
        c = felt_class[i]
        gain = qol_now[m, c] - qol_start[m, c]
        threshold = felt_threshold * felt_factor[i]
        s = np.int64(size[i])
        felt_persons[m] += s * (gain >= threshold)
        loss_persons[m] += s * (-gain >= threshold)


@njit(cache=True, parallel=True)
def _felt_parallel(n, n_chunks, muni, size, felt_class, felt_factor, qol_now, qol_start,
                   felt_threshold, felt_persons, loss_persons):
    local = np.zeros((n_chunks, felt_persons.shape[0]), dtype=np.int64)
    local_loss = np.zeros((n_chunks, felt_persons.shape[0]), dtype=np.int64)
    for c in prange(n_chunks):
        lo, hi = chunk_bounds(n, n_chunks, c)
        _felt_range(lo, hi, muni, size, felt_class, felt_factor, qol_now, qol_start,
                    felt_threshold, local[c], local_loss[c])
    for c in range(n_chunks):
        felt_persons += local[c]
        loss_persons += local_loss[c]


def felt_counts(
    muni: np.ndarray,
    size: np.ndarray,
    felt_class: np.ndarray,
    felt_factor: np.ndarray,
    qol_now: np.ndarray,
    qol_start: np.ndarray,
    felt_threshold: float,
    n_municipalities: int,
    n_chunks: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """(M,) int64 persons who feel their place got better, and (M,) int64 persons who feel
    it got worse, in one pass: the QoL of their municipality now (``qol_now`` (M, 3))
    is above (below) its QoL at the start (``qol_start`` (M, 3)), both for the age class
    the household had when it entered (``felt_class`` (N,): its weights held fixed, so
    ageing alone changes nothing), by at least the household's own threshold
    ``felt_threshold * felt_factor`` (:func:`felt_factors`). With a threshold of 0 a
    household whose place did not change counts as both.

    A pass of its own because it needs the QoL that the aggregation's totals refresh.
    """
    out = np.zeros(n_municipalities, dtype=np.int64)
    loss = np.zeros(n_municipalities, dtype=np.int64)
    n = muni.shape[0]
    args = (muni, size, felt_class, felt_factor, qol_now, qol_start, float(felt_threshold), out,
            loss)
    if n_chunks <= 1:
        _felt_range(0, n, *args)
    else:
        _felt_parallel(n, n_chunks, *args)
    return out, loss


def felt_benefit(
    muni: np.ndarray,
    size: np.ndarray,
    felt_class: np.ndarray,
    felt_factor: np.ndarray,
    qol_now: np.ndarray,
    qol_start: np.ndarray,
    felt_threshold: float,
    n_municipalities: int,
    n_chunks: int = 1,
) -> np.ndarray:
    """(M,) int64 persons who feel their place got better (the first count of
    :func:`felt_counts`)."""
    return felt_counts(muni, size, felt_class, felt_factor, qol_now, qol_start, felt_threshold,
                       n_municipalities, n_chunks)[0]
