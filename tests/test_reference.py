"""The fast migration kernel against the plain-Mesa reference, and thread-count independence.

The kernel and :mod:`sim.reference` apply the same tables with different random numbers,
so they can only agree in distribution: mover rate, destination shares and mean distance
must match within sampling error (seeded, so each check is deterministic). A deliberately
wrong reference must be told apart, or the checks would prove nothing.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from sim.kernels.migration import migrate
from sim.kernels.parallel import Parallel
from sim.kernels.sampling import coupled_tables, proposal_tables
from sim.model import SmartCityModel
from sim.processes.migration import TENURE_BIN
from sim.tools.reference import ReferenceModel, compare_flows, tables_from_model
from tests.conftest import make_config


@pytest.fixture(scope="module")
def world() -> SmartCityModel:
    """12 synthetic municipalities, about 40 k household agents."""
    return SmartCityModel(make_config())


def _coupled(dest: np.ndarray) -> tuple:
    """Destination tables drawn by rejection from a proposal that differs from them (half
    the table, half uniform), so the coupled draws' rejection path is exercised."""
    m, t, _ = dest.shape
    rows = dest.reshape(m * t, m)
    return coupled_tables(rows, proposal_tables(0.5 * rows + 0.5 / m))


def _kernel_flows(model: SmartCityModel, move_prob, dest, key: int) -> np.ndarray:
    hh = model.households
    flows, _, _ = migrate(
        hh.muni.copy(), hh.htype, hh.tenure.copy(), hh.size, hh.uid, move_prob, TENURE_BIN,
        _coupled(dest), np.uint64(key),
    )
    return flows


def _reference_flows(model: SmartCityModel, move_prob, dest, seed: int) -> np.ndarray:
    hh = model.households
    ref = ReferenceModel(hh.muni, hh.htype, hh.tenure, hh.size, move_prob, dest, seed=seed)
    ref.step()
    return ref.flows_hh


def _compare(a, b, n, km) -> dict[str, float]:
    p = compare_flows(a, b, n, km)
    return {k: p[k] for k in ("rate", "destinations", "origin_destination", "distance")}


def test_kernel_and_reference_agree_in_distribution(world) -> None:
    tables = tables_from_model(world)
    n = world.households.n
    assert 20_000 <= n <= 60_000
    fast = _kernel_flows(world, tables.move_prob, tables.dest, key=12345)
    slow = _reference_flows(world, tables.move_prob, tables.dest, seed=7)
    assert fast.sum() > 2_000  # enough movers for the tests to have power
    pvalues = _compare(fast, slow, n, world.world.distance_km)
    assert min(pvalues.values()) > 1e-3, pvalues


def test_both_paths_match_the_expected_mover_count(world) -> None:
    """Expected movers = sum over households of their move probability (no simulation)."""
    tables = tables_from_model(world)
    hh = world.households
    p = tables.move_prob[hh.muni, hh.htype, TENURE_BIN[hh.tenure]]
    expected, sd = p.sum(), np.sqrt((p * (1 - p)).sum())
    fast = _kernel_flows(world, tables.move_prob, tables.dest, key=99).sum()
    slow = _reference_flows(world, tables.move_prob, tables.dest, seed=3).sum()
    assert abs(fast - expected) < 4 * sd
    assert abs(slow - expected) < 4 * sd


def test_comparison_detects_a_wrong_destination_rule(world) -> None:
    """A reference whose destinations are shifted by one municipality must fail the tests."""
    tables = tables_from_model(world)
    wrong = np.roll(tables.dest, 1, axis=2)
    fast = _kernel_flows(world, tables.move_prob, tables.dest, key=12345)
    slow = _reference_flows(world, tables.move_prob, wrong, seed=7)
    pvalues = _compare(fast, slow, world.households.n, world.world.distance_km)
    assert pvalues["origin_destination"] < 1e-6


def _random_columns(n: int, m: int, t: int, seed: int):
    rng = np.random.default_rng(seed)
    muni = rng.integers(0, m, n).astype(np.int16)
    htype = rng.integers(0, t, n).astype(np.uint8)
    tenure = rng.integers(0, 30, n).astype(np.uint8)
    size = rng.integers(1, 6, n).astype(np.uint8)
    uid = rng.permutation(n).astype(np.int64)
    move_prob = rng.uniform(0.02, 0.3, (m, t, 4))
    dest = rng.dirichlet(np.ones(m), (m, t))
    return muni, htype, tenure, size, uid, move_prob, dest


#: Every kernel down its threaded path, however small the arrays.
PARALLEL_EVERYWHERE = Parallel(threshold=1_000)


def _with_threads(threads: int, fn):
    before = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        return fn()
    finally:
        numba.set_num_threads(before)


def test_migration_kernel_does_not_depend_on_thread_count() -> None:
    n, m, t = 250_000, 40, 9
    muni, htype, tenure, size, uid, move_prob, dest = _random_columns(n, m, t, seed=5)
    tables = _coupled(dest)

    def run():
        mu, te = muni.copy(), tenure.copy()
        flows = migrate(mu, htype, te, size, uid, move_prob, TENURE_BIN, tables, np.uint64(3),
                        PARALLEL_EVERYWHERE.blocks_for(len(mu)))
        return (mu, te, *flows)

    one, two = _with_threads(1, run), _with_threads(2, run)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)
    assert one[2].sum() > 0.02 * n


def test_a_model_year_does_not_depend_on_thread_count() -> None:
    """Build and two years of every process, all kernels on their threaded paths."""
    cfg = make_config()

    def run():
        model = SmartCityModel(cfg, parallel=PARALLEL_EVERYWHERE)
        model.run(2)
        return (model.households.to_frame(), model.firms.agents.to_frame(),
                model.migration.flows_persons, model.observed.qol)

    (h1, f1, fl1, q1), (h2, f2, fl2, q2) = _with_threads(1, run), _with_threads(2, run)
    assert len(h1) > 10_000
    assert h1.equals(h2)
    assert f1.equals(f2)
    np.testing.assert_array_equal(fl1, fl2)
    np.testing.assert_array_equal(q1, q2)


def test_normal_quantile_of_the_income_factor_is_accurate() -> None:
    """The labour kernel's normal quantile (used for the lognormal income factor)."""
    from scipy.stats import norm

    from sim.kernels.sampling import normal_quantile

    p = np.concatenate([[1e-300, 1e-12, 1e-6, 0.02424, 0.02426], np.linspace(0.001, 0.999, 999),
                        [1 - 1e-9, 1 - 2**-53]])
    got = np.array([normal_quantile(x) for x in p])
    np.testing.assert_allclose(got, norm.ppf(p), rtol=2e-9, atol=1e-12)
