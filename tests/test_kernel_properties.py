"""Property-based tests of the migration kernels (issue 8, item 3).

Alias tables reproduce their probabilities exactly and never draw an impossible
destination; sampling frequencies match the probabilities; the migration pass neither
loses nor duplicates a household and gives the same answer on its serial and parallel
paths; destination tables stay finite and normalized under extreme but legal parameters
(huge distance costs, zero utilities, huge utilities, an empty municipality).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from conftest import make_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.kernels.migration import _migrate_parallel, _migrate_range, migrate
from sim.kernels.parallel import DEFAULT
from sim.kernels.sampling import build_cdf_tables, coupled_tables, draw_cdf, proposal_tables
from sim.model import SmartCityModel
from sim.processes.migration import TENURE_BIN, choice_tables

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def prob_tables(draw, max_rows: int = 6, max_cols: int = 40) -> np.ndarray:
    """(K, M) rows of probabilities: zeros, ties, and weights spanning 300 orders of magnitude."""
    k = draw(st.integers(1, max_rows))
    m = draw(st.integers(1, max_cols))
    log_w = draw(arrays(np.float64, (k, m), elements=st.floats(-700, 0, allow_nan=False)))
    zero = draw(arrays(np.bool_, (k, m)))
    w = np.exp(log_w)
    w[zero] = 0.0
    w[np.arange(k), draw(st.integers(0, m - 1))] = 1.0  # every row has mass somewhere
    return w / w.sum(axis=1, keepdims=True)


def cdf_probabilities(cdf: np.ndarray) -> np.ndarray:
    """The exact distribution an inverse-CDF table samples from."""
    return np.diff(cdf, axis=1, prepend=0.0)


@SETTINGS
@given(prob_tables())
def test_cdf_tables_reproduce_the_probabilities(prob: np.ndarray) -> None:
    cdf, guide = build_cdf_tables(prob)
    assert np.all(np.isfinite(cdf)) and np.all(np.diff(cdf, axis=1) >= 0)
    assert cdf.min() >= 0.0 and np.all(cdf[:, -1] == 1.0)
    assert guide.min() >= 0 and guide.max() < prob.shape[1]
    np.testing.assert_allclose(cdf_probabilities(cdf), prob, rtol=0, atol=1e-12)
    # An impossible destination is never drawn: it has no width in the table.
    assert np.all(cdf_probabilities(cdf)[prob == 0.0] == 0.0)


@SETTINGS
@given(prob_tables(max_rows=2, max_cols=12))
def test_cdf_draws_on_a_fine_grid_match_the_probabilities(prob: np.ndarray) -> None:
    """draw_cdf over N evenly spaced uniforms hits each column N * p times, up to 1."""
    cdf, guide = build_cdf_tables(prob)
    n = 20_000
    m = prob.shape[1]
    u = (np.arange(n) + 0.5) / n
    for row in range(prob.shape[0]):
        draws = np.array([draw_cdf(cdf, guide, row, x) for x in u])
        assert np.all(np.diff(draws) >= 0), "inverse CDF: monotone in the uniform"
        counts = np.bincount(draws, minlength=m)
        assert counts.sum() == n
        assert np.all(counts[prob[row] == 0] == 0)
        np.testing.assert_allclose(counts / n, prob[row], rtol=0, atol=2 / n)


@SETTINGS
@given(prob_tables(max_rows=1, max_cols=30), st.floats(1e-6, 1e-2), st.integers(0, 2**32 - 1))
def test_a_small_change_of_the_table_changes_few_draws(prob: np.ndarray, eps: float, seed: int) -> None:
    """Common random numbers stay in step: perturbing the probabilities by eps changes the
    draw only for uniforms between the old and new boundaries (a share of at most
    sum_j |cdf'_j - cdf_j|), never the rest (an alias table can re-pair all its columns)."""
    rng = np.random.default_rng(seed)
    new = prob * np.exp(eps * rng.standard_normal(prob.shape))
    new /= new.sum(axis=1, keepdims=True)
    (c0, g0), (c1, g1) = build_cdf_tables(prob), build_cdf_tables(new)
    u = rng.random(20_000)
    before = np.array([draw_cdf(c0, g0, 0, x) for x in u])
    after = np.array([draw_cdf(c1, g1, 0, x) for x in u])
    # Exactly: every uniform whose draw changed lies between a column's old and new
    # boundary. (A share test, changed <= sum |cdf' - cdf| plus a normal tolerance, is
    # wrong when that sum is tiny: one uniform in a band of 2e-6 is a 4 % event.)
    lo, hi = np.minimum(c0[0], c1[0]) - 1e-12, np.maximum(c0[0], c1[0]) + 1e-12
    moved = u[before != after]
    in_band = ((moved[:, None] >= lo[None, :]) & (moved[:, None] <= hi[None, :])).any(axis=1)
    assert in_band.all(), moved[~in_band]


def coupled(dest: np.ndarray) -> tuple:
    """Migration tables for ``dest`` (K, M), drawn by rejection from a proposal that
    differs from them (half the table, half uniform; zeros kept where the table has
    mass the proposal must cover)."""
    m = dest.shape[1]
    return coupled_tables(dest, proposal_tables(0.5 * dest + 0.5 / m))


def test_hashed_draws_have_the_right_frequencies() -> None:
    """Everybody moves from one origin: destination counts agree with the table (5 sigma)."""
    m, n = 8, 200_000
    prob = np.array([0.3, 0.0, 0.25, 0.2, 0.1, 0.1, 0.05, 0.0])
    dest = np.tile(prob, (m, 1))
    muni = np.zeros(n, dtype=np.int16)
    flows, _, _ = migrate(
        muni, np.zeros(n, np.uint8), np.zeros(n, np.uint8), np.ones(n, np.uint8),
        np.arange(n, dtype=np.int64), np.ones((m, 1, 4)), TENURE_BIN, coupled(dest), np.uint64(7),
    )
    counts = flows[0]
    sigma = np.sqrt(n * prob * (1 - prob))
    assert np.all(np.abs(counts - n * prob) <= 5 * sigma + 1e-9), (counts, n * prob)
    assert counts[prob == 0].sum() == 0


@st.composite
def populations(draw):
    """Households over M municipalities (some empty), T types, with move and destination tables."""
    m = draw(st.integers(1, 12))
    t = draw(st.integers(1, 4))
    n = draw(st.integers(0, 3000))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    occupied = rng.choice(m, size=draw(st.integers(1, m)), replace=False)  # others stay empty
    muni = rng.choice(occupied, size=n).astype(np.int16)
    htype = rng.integers(0, t, n).astype(np.uint8)
    tenure = rng.integers(0, 256, n).astype(np.uint8)
    size = rng.integers(1, 8, n).astype(np.uint8)
    uid = rng.permutation(10 * n + 1)[:n].astype(np.int64)
    style = draw(st.sampled_from(["random", "never", "always"]))
    move_prob = {"random": rng.uniform(0, 1, (m, t, 4)), "never": np.zeros((m, t, 4)),
                 "always": np.ones((m, t, 4))}[style]
    w = rng.exponential(size=(m * t, m)) * (rng.uniform(size=(m * t, m)) < 0.6)
    w[np.arange(m * t), rng.integers(0, m, m * t)] += 1.0
    dest = w / w.sum(axis=1, keepdims=True)
    key = np.uint64(draw(st.integers(0, 2**64 - 1)))
    return muni, htype, tenure, size, uid, move_prob, dest, key, style


@SETTINGS
@given(populations())
def test_migration_conserves_households(pop) -> None:
    muni, htype, tenure, size, uid, move_prob, dest, key, style = pop
    m = move_prob.shape[0]
    t = move_prob.shape[1]
    before = muni.copy()
    uid0, size0, htype0, tenure0 = uid.copy(), size.copy(), htype.copy(), tenure.copy()
    flows_hh, flows_persons, _ = migrate(muni, htype, tenure, size, uid, move_prob, TENURE_BIN,
                                      coupled(dest), key)
    # Nobody lost or duplicated; only municipality and tenure change.
    assert len(muni) == len(before)
    np.testing.assert_array_equal(uid, uid0)
    np.testing.assert_array_equal(size, size0)
    np.testing.assert_array_equal(htype, htype0)
    assert muni.min(initial=0) >= 0 and muni.max(initial=0) < m
    # The flows are exactly the difference of the head counts.
    count0 = np.bincount(before, minlength=m)
    count1 = np.bincount(muni, minlength=m)
    np.testing.assert_array_equal(count1, count0 - flows_hh.sum(axis=1) + flows_hh.sum(axis=0))
    persons0 = np.bincount(before, weights=size, minlength=m)
    persons1 = np.bincount(muni, weights=size, minlength=m)
    np.testing.assert_array_equal(persons1, persons0 - flows_persons.sum(axis=1) + flows_persons.sum(axis=0))
    # Movers had their tenure reset; they only went where the table allows.
    moved = int(flows_hh.sum())
    assert np.sum(muni != before) <= moved <= np.sum(tenure == 0)
    assert np.all((tenure == tenure0) | (tenure == 0))
    changed = muni != before
    assert np.all(tenure[changed] == 0)
    rows = before[changed].astype(np.int64) * t + htype[changed]
    assert np.all(dest[rows, muni[changed]] > 0)
    if style == "never":
        assert moved == 0
    if style == "always":
        assert moved == len(muni) and np.all(tenure == 0)


@SETTINGS
@given(populations())
def test_parallel_and_serial_paths_agree(pop) -> None:
    """The threaded path (used above the parallel threshold) gives the serial path's answer."""
    muni, htype, tenure, size, uid, move_prob, dest, key, _ = pop
    tables = coupled(dest)
    m = move_prob.shape[0]
    results = []
    group_of = np.arange(m, dtype=np.int64) % 3  # three "provinces"
    class_of = np.arange(move_prob.shape[1], dtype=np.int64) % 2
    for parallel in (False, True):
        mu, te = muni.copy(), tenure.copy()
        flows = np.zeros((m, m), dtype=np.int64)
        groups = np.zeros((3, 3, 2), dtype=np.int64)
        form = (np.int64(len(mu) // 3), np.int64(len(mu) // 2))  # some rows move for certain
        args = (mu, htype, te, size, uid, move_prob, TENURE_BIN, tables, key, group_of, class_of,
                *form, flows, groups)
        if parallel:
            _migrate_parallel(len(mu), 16, *args)
        else:
            _migrate_range(0, len(mu), *args)
        results.append((mu, te, flows, groups))
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


@SETTINGS
@given(populations(), st.floats(0, 1), st.floats(0, 1))
def test_rows_that_must_move_all_move_and_nobody_else_changes_course(pop, a, b) -> None:
    """Rows in the ``forming`` range (households of adult children leaving home, with
    ``migration.leaving_home_moves``) all move; every other household decides as without
    the range, and every household that moves in both runs goes to the same place (the
    decision's draw is drawn either way, so the destination draws stay in step)."""
    muni, htype, tenure, size, uid, move_prob, dest, key, _ = pop
    tenure = np.maximum(tenure, 1)  # so that tenure 0 afterwards marks the movers
    n = len(muni)
    lo, hi = sorted((int(a * n), int(b * n)))
    tables = coupled(dest)
    runs = []
    for forming in ((0, 0), (lo, hi)):
        mu, te = muni.copy(), tenure.copy()
        flows, _, _ = migrate(mu, htype, te, size, uid, move_prob, TENURE_BIN, tables, key,
                              forming=forming)
        runs.append((mu, te, flows))
    (mu0, te0, flows0), (mu1, te1, flows1) = runs
    moved0, moved1 = te0 == 0, te1 == 0  # the kernel sets a mover's tenure to 0
    inside = np.zeros(n, bool)
    inside[lo:hi] = True
    assert moved1[inside].all()
    np.testing.assert_array_equal(moved1[~inside], moved0[~inside])
    both = moved0 & moved1
    np.testing.assert_array_equal(mu1[both], mu0[both])
    np.testing.assert_array_equal(mu1[~moved1], muni[~moved1])
    assert int(flows1.sum()) == int(moved1.sum()) and int(flows0.sum()) == int(moved0.sum())


# -- destination tables of the model under extreme but legal parameters -------------------


@pytest.fixture(scope="module")
def world() -> SmartCityModel:
    return SmartCityModel(make_config(region={"n_municipalities": 8}, run={"scale": 200.0}))


def _tables(model: SmartCityModel, empty: int | None = None, **migration):
    """choice_tables on a copy of the model's state with changed parameters (and optionally
    one municipality emptied of households)."""
    params = dataclasses.replace(
        model.params, migration=dataclasses.replace(model.params.migration, **migration)
    )
    c = model.migration_conditions()
    persons = c.persons.astype(float).copy()
    vacant = c.vacant.copy()
    if empty is not None:
        persons[empty] = 0.0
        vacant[empty] = c.dwellings[empty]  # every home empty
    c = dataclasses.replace(c, persons=persons, vacant=vacant)
    move_prob, dest, _ = choice_tables(params.migration, params.qol.service_weights, c,
                                       model.migration.amenity, model.migration.network,
                                       model.world, model.migration.anchors)
    return move_prob, dest


def _check(move_prob: np.ndarray, dest: np.ndarray) -> None:
    assert np.all(np.isfinite(move_prob)) and np.all(np.isfinite(dest))
    assert move_prob.min() >= 0 and move_prob.max() <= 1
    assert dest.min() >= 0
    np.testing.assert_allclose(dest.sum(axis=2), 1.0, rtol=0, atol=1e-12)
    cdf, guide = build_cdf_tables(dest.reshape(-1, dest.shape[2]))
    assert np.all(np.isfinite(cdf))


finite = st.floats(-1e6, 1e6, allow_nan=False)
three = st.lists(finite, min_size=3, max_size=3)


@settings(max_examples=40, deadline=None)
@given(
    decay=st.one_of(st.floats(0, 1e300), st.sampled_from([0.0, 1e4, 1e300])),
    beta_wage=three, beta_jobs=three, beta_services=three, beta_housing=three, beta_capital=three,
    beta_size=finite, beta_vacancy=finite, same_province=finite, stay_local=finite, network=finite,
    dissatisfaction=st.floats(-1e3, 1e3), empty=st.one_of(st.none(), st.integers(0, 7)),
    move_rate=st.lists(st.sampled_from([0.0, 1e-9, 0.2, 1.0]), min_size=3, max_size=3),
    tenure_multiplier=st.lists(st.sampled_from([0.0, 1.0, 1e6]), min_size=4, max_size=4),
)
def test_destination_tables_stay_normalized(world, decay, empty, **betas) -> None:
    move_prob, dest = _tables(world, empty=empty, distance_decay=decay, **betas)
    _check(move_prob, dest)


def test_zero_utilities_give_uniform_destinations(world) -> None:
    zero = [0.0, 0.0, 0.0]
    move_prob, dest = _tables(
        world, distance_decay=0.0, beta_wage=zero, beta_jobs=zero, beta_services=zero,
        beta_housing=zero, beta_capital=zero, beta_size=0.0, same_province=0.0, stay_local=0.0,
        network=0.0,
    )
    world_amenity = world.migration.amenity
    if np.any(world_amenity != 0):  # the start equilibrium's amenities are the only utility
        expected = np.exp(world_amenity) / np.exp(world_amenity).sum()
    else:
        expected = np.full(world.n_munis, 1.0 / world.n_munis)
    _check(move_prob, dest)
    np.testing.assert_allclose(dest, np.broadcast_to(expected, dest.shape), rtol=1e-12)


def test_huge_distance_cost_keeps_everyone_local(world) -> None:
    _, dest = _tables(world, distance_decay=1e300)
    _check(_, dest)
    np.testing.assert_array_equal(dest.argmax(axis=2), np.repeat(np.arange(world.n_munis)[:, None], dest.shape[1], 1))
    np.testing.assert_allclose(np.diagonal(dest, axis1=0, axis2=2), 1.0)


def test_model_with_an_empty_municipality_runs_finite() -> None:
    """Empty one municipality of households after the build (its empty homes draw
    newcomers later): every recorded number stays finite and persons add up."""
    model = SmartCityModel(make_config(region={"n_municipalities": 8}, run={"scale": 200.0, "seed": 2}))
    hh = model.households
    hh.muni[hh.muni == 0] = 1
    model.reset_records()  # the start row shows the emptied place
    assert model.persons[0] == 0
    for _ in range(3):
        model.step()
        assert np.isfinite(model.observed.qol).all() and np.isfinite(model.housing.price).all()
        assert np.isfinite(model.labour.mean_wage).all() and np.isfinite(model.labour.wage).all()
    frame = model.records.municipal_frame()
    empty = frame["households"] == 0
    assert empty.any() and (frame.loc[empty, "code"] == model.region.table["code"][0]).all()
    # The one documented exception: young_to_old is undefined (NaN) with no households.
    assert frame.loc[empty, "young_to_old"].isna().all()
    numeric = frame.select_dtypes("number")
    numeric.loc[empty, "young_to_old"] = 0.0
    # And, documented too (docs/reliability.md): +inf where young but no old heads live,
    # as in the emptied place once young movers arrive before any old one.
    numeric["young_to_old"] = numeric["young_to_old"].replace(np.inf, 0.0)
    bad = [c for c in numeric if not np.isfinite(numeric[c]).all()]
    assert not bad, f"non-finite municipal columns with an empty municipality: {bad}"
    national = model.records.national_frame().iloc[1:]  # the start row has no flows yet
    # The documented exceptions: cost-effectiveness and the shares of the money are
    # undefined (NaN) while nothing is spent.
    shares = [c for c in national if c.startswith("money_share_")]
    assert national["cost_effectiveness"].isna().all() and (national["investment_krw"] == 0).all()
    assert shares and national[shares].isna().all().all()
    numeric = national.select_dtypes("number").drop(columns=["cost_effectiveness", *shares])
    bad = [c for c in numeric if not np.isfinite(numeric[c]).all()]
    assert not bad, f"non-finite national columns with an empty municipality: {bad}"
    np.testing.assert_array_equal(
        np.bincount(hh.muni, weights=hh.size, minlength=model.n_munis), model.persons
    )


@pytest.mark.parametrize("n", [0, 1, 1_000, 199_999, 200_000, 650_001])
def test_count_by_municipality_matches_bincount(n: int) -> None:
    """The parallel household count equals np.bincount (the slow reference), at sizes on
    both sides of the parallel threshold, including municipalities with no households."""
    from sim.kernels.households import count_by_municipality

    rng = np.random.default_rng(n)
    muni = rng.integers(0, 250, n).astype(np.int16)  # municipalities 250-299 stay empty
    counted = count_by_municipality(muni, 300, DEFAULT.chunks_for(n))
    np.testing.assert_array_equal(counted, np.bincount(muni, minlength=300))


@SETTINGS
@given(populations())
def test_province_flows_by_age_are_the_municipal_flows_regrouped(pop) -> None:
    """The kernel's (province, province, age class) counter holds exactly the persons of
    its (municipality, municipality) counter, regrouped: nobody is lost or counted twice."""
    muni, htype, tenure, size, uid, move_prob, dest, key, _ = pop
    m, t = move_prob.shape[:2]
    group_of = np.arange(m, dtype=np.int64) % 3
    class_of = np.arange(t, dtype=np.int64) % 2
    _, persons, groups = migrate(muni.copy(), htype, tenure.copy(), size, uid, move_prob,
                                 TENURE_BIN, coupled(dest), key, 1, group_of, class_of)
    g = int(group_of.max()) + 1
    regrouped = np.zeros((g, g))
    np.add.at(regrouped, (group_of[:, None], group_of[None, :]), persons)
    np.testing.assert_array_equal(groups.sum(axis=2), regrouped)


def _random_firms(rng: np.random.Generator, n: int, m: int, s: int) -> tuple[np.ndarray, ...]:
    """Firm columns as the model holds them: municipality, sector, employees, log productivity."""
    return (rng.integers(0, m, n).astype(np.int16), rng.integers(0, s, n).astype(np.int8),
            rng.lognormal(0, 2, n).astype(np.float32), rng.normal(3, 1, n).astype(np.float32))


@SETTINGS
@given(n=st.integers(0, 3000), split=st.floats(0, 1), seed=st.integers(0, 2**31 - 1))
def test_firm_cell_totals_match_bincount_bit_for_bit(n: int, split: float, seed: int) -> None:
    """The firms' totals by (municipality, sector), summed in two parts (the survivors,
    then the entrants appended after them), equal a count over all rows at the end,
    bit for bit: the fused pass may not change any output."""
    from sim.kernels.firms import cell_totals

    rng = np.random.default_rng(seed)
    m, s = 7, 4
    muni, sector, employees, log_prod = _random_firms(rng, n, m, s)
    counts, jobs, output = np.zeros((m, s), np.int64), np.zeros((m, s)), np.zeros((m, s))
    lo = int(split * n)
    for a, b in ((0, lo), (lo, n)):
        cell_totals(muni[:b], sector[:b], employees[:b], log_prod[:b], a, counts, jobs, output)
    cell = muni.astype(np.int64) * s + sector
    np.testing.assert_array_equal(counts.ravel(), np.bincount(cell, minlength=m * s))
    np.testing.assert_array_equal(jobs.ravel(), np.bincount(cell, weights=employees, minlength=m * s))
    # libm's exp, as the kernel's math.exp (NumPy's own SIMD exp may differ by an ulp).
    weight = employees * np.array([math.exp(v) for v in log_prod.astype(float)])
    np.testing.assert_array_equal(output.ravel(), np.bincount(cell, weights=weight, minlength=m * s))


@SETTINGS
@given(n=st.integers(0, 3000), parts=st.integers(1, 9), lo=st.integers(0, 3000),
       seed=st.integers(0, 2**31 - 1))
def test_firm_cell_totals_split_by_municipality_match_one_pass_bit_for_bit(
        n: int, parts: int, lo: int, seed: int) -> None:
    """Summed by threads over municipality ranges, the firms' totals are the single pass's
    bit for bit, however many ranges and wherever they split (each cell is still summed by
    one thread in row order); a thread whose range holds no rows adds nothing."""
    from sim.kernels.firms import cell_totals, municipality_parts

    rng = np.random.default_rng(seed)
    m, s = 11, 4
    muni, sector, employees, log_prod = _random_firms(rng, n, m, s)
    lo = min(lo, n)
    bounds = municipality_parts(rng.integers(0, 50, m), parts)
    assert bounds[0] == 0 and bounds[-1] == m and np.all(np.diff(bounds) > 0)
    one = np.zeros((m, s), np.int64), np.zeros((m, s)), np.zeros((m, s))
    split = np.zeros((m, s), np.int64), np.zeros((m, s)), np.zeros((m, s))
    cell_totals(muni, sector, employees, log_prod, lo, *one)
    cell_totals(muni, sector, employees, log_prod, lo, *split, bounds=bounds)
    for a, b in zip(one, split, strict=True):
        np.testing.assert_array_equal(a, b)


def test_labour_kernel_refuses_a_sector_table_of_another_width() -> None:
    """The labour kernel's sector loop is compiled for ``N_SECTORS``: a table of another
    width is an error that says so, not a silently wrong sector."""
    from sim.constants import N_SECTORS
    from sim.kernels.households import labour_status

    n, m, s = 10, 3, N_SECTORS + 1
    cdf = np.cumsum(np.full((m, s), 1.0 / s), axis=1)
    with pytest.raises(ValueError, match="sectors"):
        labour_status(np.zeros(n, np.int16), np.full(n, 30, np.uint8), np.arange(n, dtype=np.int64),
                      np.uint64(1), np.uint64(2), np.full(m, 0.9), cdf, np.ones((m, s)), 0.5, 1.0,
                      np.array([1.0, 2.0]), np.zeros(n, np.float32), np.zeros(n, np.uint8),
                      np.zeros(n, np.int8), np.zeros(n, np.float32), np.zeros(n, np.uint8))
