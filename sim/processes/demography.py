"""Household demography: deaths, births, adult children leaving home, ageing.

Rates (docs/model.md): adult mortality follows a Gompertz curve in the head's age
(q = a * exp(b * age), about 1% at 65 and 10% at 90, close to Korea's life table);
births come to households whose head is 20-44 at ``birth_rate`` (2015 level), which
falls by ``birth_trend`` a year until ``birth_trend_until`` (Korea's births fell from
438 k in 2015 to 230 k in 2023), times the municipality's fertility index (its census
total fertility rate relative to the national mean, ``DemographyState.fertility_index``; Seoul's
gu about 0.65, rural gun up to 1.9); an adult child of a household of 3+ with a head aged
45+ leaves at ``leave_home_rate`` and forms a one-person household aged 20-34 in the same
municipality. A household whose members all died dissolves. Mortality falls by
``mortality_improvement`` a year from its 2015 level (Korea's life expectancy rose by
about 0.3 years a year in 2010-2020).

International migration: ``immigration_rate`` persons per resident a year arrive from
abroad (net), as households of one or two people with a head aged 20-39 (most of
Korea's net international in-migration is foreign workers and students), placed in
municipalities in proportion to their jobs. They are counted as ``immigrants``, so that
each municipality's change in persons is births - deaths + net internal moves +
immigrants, exactly.

Vital statistics: with ``vital_statistics`` (the default) the year's birth and death
rates are scaled so that national births and deaths follow Statistics Korea's series
(``sim/data/korea/vital_statistics.csv``, 2010-2025; the synthetic region in proportion
to its population), each factor set from the year's expected events at the unscaled
rates, first at the start for the start year itself; after the series ends the last
factors stay (so a 2025 start keeps 2025's level, and its rates then move only by the
trends: mortality improvement, the birth trend until ``birth_trend_until``). The municipal pattern (age structure, fertility
index) is the model's; only the national level is the data's.

Reads: persons by municipality (last observation) and jobs (firms, for where immigrants
settle). Writes: its own :class:`DemographyState` and the household rows (adds and
removes households; ``age`` and ``size`` of every household).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.agents.columns import ColumnAgents
from sim.config import DemographyParams
from sim.constants import RATE_BASE_YEAR
from sim.kernels.households import demography as demography_kernel
from sim.kernels.households import felt_factors
from sim.kernels.parallel import Parallel
from sim.kernels.rng import agent_keys, derive_ids, uniforms
from sim.kernels.sampling import coupled_tables, draw_coupled_many, proposal_tables

AGES = np.arange(256)
#: Purposes of the demography stream's draws outside the kernel (its own: EVENTS = 1).
CHILD = 11  # a new household's id, from its parent's
CHILD_AGE = 12  # its head's age
IMMIGRATION = 13  # the phase of the immigration credit
IMMIGRANT = 14  # an immigrant household's id, from its arrival number
IMMIGRANT_DRAWS = 15  # its size (draw 0), age (1), municipality (2 and on)


@dataclass
class DemographyState:
    """Vital events of the year, by municipality (M rows, agent units).

    Attributes:
        fertility_index: (M,) multiplier of the national birth rate (census TFR relative
            to the national mean, see :func:`sim.data.census.fertility_index`).
        births, deaths: (M,) int64 persons born and died this year.
        immigrants: (M,) int64 persons arrived from abroad this year.
        spawn: (capacity,) uint8 scratch column: 1 where an adult child left home.
        immigration_credit: expected immigrant households not yet arrived, in [0, 1)
            after each year (error diffusion: twins whose expectations differ a little
            differ by at most one household at any time).
        immigrant_households: immigrant households so far; the k-th has an id and draws
            of its own, whatever year it arrives.
        placement: the start's placement table (1, M) of immigrants (by jobs) with its
            inverse CDF and guide: the fixed proposal of their coupled placement.
        targets: year -> (births, deaths) the national totals should follow (agent
            units; empty: no alignment), from Statistics Korea's series.
        birth_factor, death_factor: this year's scaling of the birth and death rates.
        leavers: rows [lo, hi) of the household table holding this year's households of
            adult children who left home (migration moves them with
            ``leaving_home_moves``); valid until the table next changes.
    """

    fertility_index: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    immigrants: np.ndarray
    spawn: np.ndarray
    immigration_credit: float
    immigrant_households: int
    placement: tuple[np.ndarray, np.ndarray, np.ndarray]
    targets: dict[int, tuple[float, float]] = field(default_factory=dict)
    birth_factor: float = 1.0
    death_factor: float = 1.0
    leavers: tuple[int, int] = (0, 0)


def init(fertility_index: np.ndarray, capacity: int, jobs: np.ndarray,
         identity_key: np.uint64, targets: dict[int, tuple[float, float]] | None = None,
         ) -> DemographyState:
    """No events yet; ``capacity`` is the household store's row capacity, ``jobs`` (M,)
    the start's jobs (where immigrants go), ``identity_key`` the run's key of persistent
    draws (the immigration phase), ``targets`` the national births and deaths to follow
    (year -> (births, deaths), agent units)."""
    m = len(fertility_index)
    zeros = np.zeros(m, dtype=np.int64)
    phase = float(uniforms(identity_key, IMMIGRATION, np.zeros(1, np.int64))[0])
    return DemographyState(fertility_index, zeros, zeros.copy(), zeros.copy(),
                           np.zeros(capacity, dtype=np.uint8), phase, 0,
                           proposal_tables(_placement(jobs)), dict(targets or {}))


def align_to_vital_statistics(state: DemographyState, households: ColumnAgents,
                              d: DemographyParams, year: int) -> None:
    """Set this year's birth and death factors so that national births and deaths meet
    ``state.targets[year]``; a year without a target keeps the factors.

    The denominators are this year's expected events at the unscaled rates
    (:func:`expected_events`), not last year's realised ones: realised events carry
    the draws' noise, which would feed into the next year's factor and grow."""
    target = state.targets.get(year)
    if target is None:
        return
    births, deaths = target
    expected_births, expected_deaths = expected_events(state, households, d, year)
    if expected_births > 0:
        state.birth_factor = births / expected_births
    if expected_deaths > 0:
        state.death_factor = deaths / expected_deaths


EXPECTATION_ROWS = 400_000
"""At most this many household rows (a systematic sample) estimate the expected events:
the relative error is about 0.1 %, and a 1:1 Korea year does not pay for 20 M rows."""


def expected_events(state: DemographyState, households: ColumnAgents, d: DemographyParams,
                    year: int) -> tuple[float, float]:
    """Expected births and deaths of ``year`` at the unscaled rates (agent units), from
    every k-th household row (no random draws: the twins' streams are untouched)."""
    hh = households
    stride = max(1, hh.n // EXPECTATION_ROWS)
    rows = slice(0, hh.n, stride)
    age = hh.age[rows].astype(np.int64)
    size = hh.size[rows].astype(np.int64)
    weight = hh.n / max(len(age), 1)
    death_q, birth_p, _ = rate_tables(d, year)
    adults = np.bincount(age, weights=np.minimum(size, 2), minlength=256)[:256]
    others = float(np.maximum(size - 2, 0).sum())
    mothers = np.bincount(age, weights=state.fertility_index[hh.muni[rows]], minlength=256)[:256]
    return (weight * float(mothers @ birth_p),
            weight * float(adults @ death_q + others * d.child_mortality))


def expected_leavers(state: DemographyState, households: ColumnAgents, d: DemographyParams,
                     year: int) -> np.ndarray:
    """(M,) expected adult children leaving home in ``year`` by their parents'
    municipality (agent units, every household row, no draws): households of 3+ with a
    head of 45+ at ``leave_home_rate``, if the head (and a partner) survive the year (a
    child's death first is left out: under 0.1 %)."""
    hh = households
    m = len(state.fertility_index)
    death_q, _, leave_p = rate_tables(d, year, state.birth_factor, state.death_factor)
    survive = 1.0 - death_q
    leavers = np.zeros(m)
    step = 1 << 20
    for lo in range(0, hh.n, step):
        rows = slice(lo, min(hh.n, lo + step))
        age, size, muni = hh.age[rows], hh.size[rows], hh.muni[rows]
        p = np.where(size >= 3, leave_p[age] * survive[age] ** 2, 0.0)
        leavers += np.bincount(muni, weights=p, minlength=m)
    return leavers


def expected_events_by_municipality(
    state: DemographyState, households: ColumnAgents, d: DemographyParams, year: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(M,) expected births and deaths of ``year`` by municipality (agent units, every
    household row, no draws), at the rates aligned to the vital statistics of ``year``
    when there is a target for it, else at the factors in force (a year without a target
    keeps them, as :func:`step` does): the natural change the start's migration targets
    leave out of census growth."""
    hh = households
    m = len(state.fertility_index)
    birth_factor, death_factor = state.birth_factor, state.death_factor
    target = state.targets.get(year) if d.vital_statistics else None
    if target is not None:
        exp_births, exp_deaths = expected_events(state, hh, d, year)
        birth_factor = target[0] / exp_births if exp_births > 0 else 1.0
        death_factor = target[1] / exp_deaths if exp_deaths > 0 else 1.0
    death_q, birth_p, _ = rate_tables(d, year, birth_factor, death_factor)
    births = np.zeros(m)
    deaths = np.zeros(m)
    step = 1 << 20  # rows at a time: the temporaries stay small at one agent per household
    for lo in range(0, hh.n, step):
        rows = slice(lo, min(hh.n, lo + step))
        age, size, muni = hh.age[rows], hh.size[rows].astype(np.int64), hh.muni[rows]
        births += np.bincount(muni, weights=birth_p[age] * state.fertility_index[muni],
                              minlength=m)
        deaths += np.bincount(muni, weights=death_q[age] * np.minimum(size, 2)
                              + np.maximum(size - 2, 0) * d.child_mortality, minlength=m)
    return births, deaths


def _placement(jobs: np.ndarray) -> np.ndarray:
    """(1, M) where immigrant households settle: in proportion to jobs."""
    jobs = np.maximum(jobs, 0.0)
    return (jobs / jobs.sum())[None, :]


def rate_scalars(d: DemographyParams, year: int) -> tuple[float, float]:
    """The birth rate of a head aged 20-44 and the mortality multiplier in ``year``
    (before any alignment to the vital statistics)."""
    improvement = float(np.exp(-d.mortality_improvement * (year - RATE_BASE_YEAR)))
    years = min(year, d.birth_trend_until) - RATE_BASE_YEAR
    return float(d.birth_rate * np.exp(d.birth_trend * years)), improvement


def rate_tables(d: DemographyParams, year: int, birth_factor: float = 1.0,
                death_factor: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(256,) death, birth and leaving-home probabilities by the head's age in ``year``,
    birth and adult death rates scaled by the alignment factors."""
    birth, improvement = rate_scalars(d, year)
    death_q = np.minimum(1.0, d.mortality_a * improvement * death_factor * np.exp(d.mortality_b * AGES))
    birth_p = np.where((AGES >= 20) & (AGES < 45), min(birth * birth_factor, 1.0), 0.0)
    leave_p = np.where(AGES >= 45, d.leave_home_rate, 0.0)
    return death_q, birth_p, leave_p


@dataclass(frozen=True)
class Inputs:
    """What demography reads in a year (built by :func:`sim.schedule.demography_inputs`).

    Attributes:
        params: the demographic rates. year: the calendar year.
        persons: (M,) persons at the last observation (agent units): scales immigration.
        jobs: (M,) jobs now: where immigrants settle.
        felt_spread: ``qol.felt_threshold_spread`` (new households' thresholds).
        key: the demography stream's key for this year. Every draw is keyed by it, a
            purpose and an identity (:mod:`sim.kernels.rng`): a new household's id and
            age by its parent's id.
        identity_key: the run's key of persistent draws: the k-th immigrant household's
            id, place, size and age; new households' perception thresholds.
    """

    params: DemographyParams
    year: int
    persons: np.ndarray
    jobs: np.ndarray
    felt_spread: float
    key: np.uint64
    identity_key: np.uint64


def step(state: DemographyState, households: ColumnAgents, inputs: Inputs,
         parallel: Parallel) -> None:
    """Deaths, births, leaving home, ageing and immigration for ``inputs.year`` (adds and
    removes rows of ``households``; writes their ``age`` and ``size``)."""
    d, year, persons, jobs = inputs.params, inputs.year, inputs.persons, inputs.jobs
    key, identity_key, felt_spread = inputs.key, inputs.identity_key, inputs.felt_spread
    hh = households
    if d.vital_statistics and state.targets:
        align_to_vital_statistics(state, hh, d, year)
    death_q, birth_p, leave_p = rate_tables(d, year, state.birth_factor, state.death_factor)
    if len(state.spawn) < hh.n:
        state.spawn = np.zeros(hh.capacity, dtype=np.uint8)
    spawn = state.spawn[: hh.n]
    state.births, state.deaths = demography_kernel(
        hh.muni, hh.age, hh.size, hh.uid, key, death_q, d.child_mortality, birth_p,
        state.fertility_index, leave_p, spawn, len(persons), parallel.chunks_for(hh.n),
    )
    parents = np.flatnonzero(spawn.view(bool))  # 0/1 bytes; numpy finds bools 7x faster
    dissolved = np.flatnonzero(hh.size == 0)
    # New households of adult children: same place, aged 20-34, one person. Labour, next
    # in the year, gives them (and immigrants) employment, income and type before they
    # choose where to live or are observed.
    n = len(parents)
    uid = derive_ids(key, CHILD, hh.uid[parents])
    new = {
        "uid": uid,
        "muni": hh.muni[parents].copy(),
        "age": (20 + np.floor(uniforms(key, CHILD_AGE, uid) * 15)).astype(np.uint8),
        "size": np.ones(n, np.uint8),
        "tenure": np.zeros(n, np.uint8),
        "employed": np.zeros(n, np.uint8),
        "sector": np.full(n, -1, np.int8),
        "income": np.zeros(n, np.float32),
        "htype": np.zeros(n, np.uint8),
        "felt_class": np.zeros(n, np.uint8),  # heads aged 20-34
        "skill": np.zeros(n, np.float32),
        "felt_factor": felt_factors(identity_key, uid, felt_spread),
    }
    hh.remove_rows(dissolved)
    state.leavers = (hh.n, hh.n + n)
    if n:
        hh.append(**new)
    state.immigrants = immigrate(state, hh, d.immigration_rate, persons, jobs, identity_key,
                                 felt_spread)


def immigrate(
    state: DemographyState, households: ColumnAgents, rate: float, persons: np.ndarray,
    jobs: np.ndarray, identity_key: np.uint64, felt_spread: float,
) -> np.ndarray:
    """Add this year's households from abroad; return (M,) immigrant persons (agent units).

    The number of households is the whole part of the expected arrivals accumulated over
    the years (``immigration_credit``); the k-th immigrant household of the run has its
    own id and draws (municipality by jobs, coupled to the start's placement; size; age),
    so one more or fewer arrival changes only that household."""
    m = len(persons)
    if rate <= 0:
        return np.zeros(m, dtype=np.int64)
    credit = state.immigration_credit + rate * float(persons.sum()) / 1.3  # 1.3 persons each
    n_households = int(np.floor(credit))
    state.immigration_credit = credit - n_households
    if n_households == 0:
        return np.zeros(m, dtype=np.int64)
    slots = state.immigrant_households + np.arange(n_households, dtype=np.int64)
    state.immigrant_households += n_households
    uid = derive_ids(identity_key, IMMIGRANT, slots)
    tables = coupled_tables(_placement(jobs), state.placement)
    akeys = agent_keys(identity_key, IMMIGRANT_DRAWS, uid)
    muni = draw_coupled_many(tables, 0, akeys, 2).astype(np.int16)
    size = np.where(uniforms(identity_key, IMMIGRANT_DRAWS, uid, 0) < 0.3, 2, 1).astype(np.uint8)
    households.append(
        uid=uid,
        muni=muni,
        age=(20 + np.floor(uniforms(identity_key, IMMIGRANT_DRAWS, uid, 1) * 20)).astype(np.uint8),
        size=size,
        tenure=np.zeros(n_households, np.uint8),
        employed=np.zeros(n_households, np.uint8),
        sector=np.full(n_households, -1, np.int8),
        income=np.zeros(n_households, np.float32),
        htype=np.zeros(n_households, np.uint8),
        felt_class=np.zeros(n_households, np.uint8),  # heads aged 20-39
        skill=np.zeros(n_households, np.float32),
        felt_factor=felt_factors(identity_key, uid, felt_spread),
    )
    return np.bincount(muni, weights=size, minlength=m).astype(np.int64)
