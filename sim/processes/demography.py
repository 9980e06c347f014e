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

Reads: persons by municipality (last observation) and jobs (firms, for where immigrants
settle), QoL by municipality and age class (the felt-benefit baseline of new
households). Writes: its own :class:`DemographyState` and the household rows (adds and
removes households; ``age`` and ``size`` of every household).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.columns import ColumnAgents
from sim.config import DemographyParams
from sim.constants import RATE_BASE_YEAR
from sim.kernels.households import demography as demography_kernel
from sim.kernels.parallel import Parallel

AGES = np.arange(256)


@dataclass
class DemographyState:
    """Vital events of the year, by municipality (M rows, agent units).

    Attributes:
        fertility_index: (M,) multiplier of the national birth rate (census TFR relative
            to the national mean, see :func:`sim.data.census.fertility_index`).
        births, deaths: (M,) int64 persons born and died this year.
        immigrants: (M,) int64 persons arrived from abroad this year.
        spawn: (capacity,) uint8 scratch column: 1 where an adult child left home.
    """

    fertility_index: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    immigrants: np.ndarray
    spawn: np.ndarray


def init(fertility_index: np.ndarray, capacity: int) -> DemographyState:
    """No events yet; ``capacity`` is the household store's row capacity."""
    m = len(fertility_index)
    zeros = np.zeros(m, dtype=np.int64)
    return DemographyState(fertility_index, zeros, zeros.copy(), zeros.copy(),
                           np.zeros(capacity, dtype=np.uint8))


def rate_tables(d: DemographyParams, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(256,) death, birth and leaving-home probabilities by the head's age in ``year``."""
    improvement = np.exp(-d.mortality_improvement * (year - RATE_BASE_YEAR))
    death_q = np.minimum(1.0, d.mortality_a * improvement * np.exp(d.mortality_b * AGES))
    years = min(year, d.birth_trend_until) - RATE_BASE_YEAR
    birth = d.birth_rate * np.exp(d.birth_trend * years)
    birth_p = np.where((AGES >= 20) & (AGES < 45), min(birth, 1.0), 0.0)
    leave_p = np.where(AGES >= 45, d.leave_home_rate, 0.0)
    return death_q, birth_p, leave_p


def step(
    state: DemographyState,
    households: ColumnAgents,
    d: DemographyParams,
    year: int,
    persons: np.ndarray,
    jobs: np.ndarray,
    qol: np.ndarray,
    key: np.uint64,
    rng: np.random.Generator,
    parallel: Parallel,
) -> None:
    """Deaths, births, leaving home, ageing and immigration for ``year``.

    Args:
        persons: (M,) persons at the last observation (agent units): scales immigration.
        jobs: (M,) jobs now: where immigrants settle.
        qol: (M, 3) QoL by age class at the last observation: new households' baseline.
        key, rng: the demography stream's counter key and generator for this year.
    """
    hh = households
    death_q, birth_p, leave_p = rate_tables(d, year)
    if len(state.spawn) < hh.n:
        state.spawn = np.zeros(hh.capacity, dtype=np.uint8)
    spawn = state.spawn[: hh.n]
    state.births, state.deaths = demography_kernel(
        hh.muni, hh.age, hh.size, hh.uid, key, death_q, d.child_mortality, birth_p,
        state.fertility_index, leave_p, spawn, len(persons), parallel.chunks_for(hh.n),
    )
    parents = np.flatnonzero(spawn)
    dissolved = np.flatnonzero(hh.size == 0)
    # New households of adult children: same place, aged 20-34, one person.
    new = {
        "muni": hh.muni[parents].copy(),
        "age": rng.integers(20, 35, len(parents)).astype(np.uint8),
        "size": np.ones(len(parents), np.uint8),
        "tenure": np.zeros(len(parents), np.uint8),
        "employed": np.zeros(len(parents), np.uint8),
        "sector": np.full(len(parents), -1, np.int8),
        "income": np.zeros(len(parents), np.float32),
        "htype": np.zeros(len(parents), np.uint8),
        "qol_start": hh.qol_start[parents].copy(),
        "skill": np.zeros(len(parents), np.float32),
    }
    hh.remove_rows(dissolved)
    if len(parents):
        hh.append(**new)
    state.immigrants = immigrate(hh, d.immigration_rate, persons, jobs, qol, rng)


def immigrate(
    households: ColumnAgents, rate: float, persons: np.ndarray, jobs: np.ndarray,
    qol: np.ndarray, rng: np.random.Generator,
) -> np.ndarray:
    """Add this year's households from abroad; return (M,) immigrant persons (agent units)."""
    m = len(persons)
    if rate <= 0:
        return np.zeros(m, dtype=np.int64)
    n_households = rng.poisson(rate * float(persons.sum()) / 1.3)  # 1.3 persons per immigrant household
    if n_households == 0:
        return np.zeros(m, dtype=np.int64)
    jobs = np.maximum(jobs, 0.0)
    muni = rng.choice(m, size=n_households, p=jobs / jobs.sum()).astype(np.int16)
    size = np.where(rng.random(n_households) < 0.3, 2, 1).astype(np.uint8)
    households.append(
        muni=muni,
        age=rng.integers(20, 40, n_households).astype(np.uint8),
        size=size,
        tenure=np.zeros(n_households, np.uint8),
        employed=np.zeros(n_households, np.uint8),
        sector=np.full(n_households, -1, np.int8),
        income=np.zeros(n_households, np.float32),
        htype=np.zeros(n_households, np.uint8),
        qol_start=qol[muni, 0].astype(np.float32),
        skill=np.zeros(n_households, np.float32),
    )
    return np.bincount(muni, weights=size, minlength=m).astype(np.int64)
