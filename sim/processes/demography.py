"""Household demography: deaths, births, adult children leaving home, ageing.

Rates (docs/model.md): adult mortality follows a Gompertz curve in the head's age
(q = a * exp(b * age), about 1% at 65 and 10% at 90, close to Korea's life table);
births come to households whose head is 20-44 at ``birth_rate`` (2015 level), which
falls by ``birth_trend`` a year until ``birth_trend_until`` (Korea's births fell from
438 k in 2015 to 230 k in 2023), times the municipality's fertility index (its census
total fertility rate relative to the national mean, ``model.fertility_index``; Seoul's
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
"""

from __future__ import annotations

import numpy as np

from sim.kernels.households import demography as demography_kernel

AGES = np.arange(256)


def rate_tables(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(256,) death, birth and leaving-home probabilities by the head's age this year."""
    d = model.params.demography
    improvement = np.exp(-d.mortality_improvement * (model.year - 2015))
    death_q = np.minimum(1.0, d.mortality_a * improvement * np.exp(d.mortality_b * AGES))
    years = min(model.year, d.birth_trend_until) - 2015
    birth = d.birth_rate * np.exp(d.birth_trend * years)
    birth_p = np.where((AGES >= 20) & (AGES < 45), min(birth, 1.0), 0.0)
    leave_p = np.where(AGES >= 45, d.leave_home_rate, 0.0)
    return death_q, birth_p, leave_p


def step(model) -> None:
    hh = model.households
    death_q, birth_p, leave_p = rate_tables(model)
    if len(model.hh_spawn) < hh.n:
        model.hh_spawn = np.zeros(hh.capacity, dtype=np.uint8)
    spawn = model.hh_spawn[: hh.n]
    key = model.stream_key("demography")
    births, deaths = demography_kernel(
        hh.muni, hh.age, hh.size, hh.uid, key, death_q,
        model.params.demography.child_mortality, birth_p, model.fertility_index, leave_p, spawn,
        model.n_munis,
    )
    model.births, model.deaths = births, deaths
    parents = np.flatnonzero(spawn)
    dissolved = np.flatnonzero(hh.size == 0)
    # New households of adult children: same place, aged 20-34, one person.
    rng = model.stream_rng("demography")
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
    model.households_formed = len(parents)
    model.households_dissolved = len(dissolved)
    model.immigrants = immigrate(model, rng)


def immigrate(model, rng: np.random.Generator) -> np.ndarray:
    """Add this year's households from abroad; return (M,) immigrant persons (agent units)."""
    rate = model.params.demography.immigration_rate
    m = model.n_munis
    if rate <= 0:
        return np.zeros(m, dtype=np.int64)
    persons = float(model.persons.sum())
    n_households = rng.poisson(rate * persons / 1.3)  # 1.3 persons per immigrant household
    if n_households == 0:
        return np.zeros(m, dtype=np.int64)
    jobs = np.maximum(model.jobs.sum(axis=1), 0.0)
    muni = rng.choice(m, size=n_households, p=jobs / jobs.sum()).astype(np.int16)
    size = np.where(rng.random(n_households) < 0.3, 2, 1).astype(np.uint8)
    hh = model.households
    hh.append(
        muni=muni,
        age=rng.integers(20, 40, n_households).astype(np.uint8),
        size=size,
        tenure=np.zeros(n_households, np.uint8),
        employed=np.zeros(n_households, np.uint8),
        sector=np.full(n_households, -1, np.int8),
        income=np.zeros(n_households, np.float32),
        htype=np.zeros(n_households, np.uint8),
        qol_start=model.qol[muni, 0].astype(np.float32),
        skill=np.zeros(n_households, np.float32),
    )
    return np.bincount(muni, weights=size, minlength=m).astype(np.int64)
