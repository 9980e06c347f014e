"""The migration core (issue 26): the start carries the base period's observed flows,
the carry rule ages them, and the flows are an output.

What must hold: the constants solved at the start reproduce the targets they were
solved for (municipal net migration summing to KOSIS's province nets, and where each
province's leavers went); the equilibrium start is the zero-net one; a decaying pull is
halfway to the equilibrium after one half-life; the flows output regroups exactly the
moves the kernel made.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import schedule, start
from sim.config import ConfigError, make_config
from sim.constants import TYPE_AGE_CLASS
from sim.data import flows as kosis
from sim.data.base_period import base_period, method_correction
from sim.model import SmartCityModel
from sim.processes import demography, migration

QUIET = ["run.progress=false", "run.plots=false"]


def expected_flows(model: SmartCityModel, *, within: bool = False) -> np.ndarray:
    """(M, M) expected moving persons of the start (agent units), diagonal zero unless
    ``within`` (moves inside a municipality): what the constants were solved on (with
    ``leaving_home_moves``, the first year's expected leavers among the movers)."""
    persons, _ = migration.cell_counts(model.households, model.n_munis,
                                       len(model.params.migration.tenure_multiplier))
    move_prob, dest = model.choice_tables()
    movers = (persons * move_prob).sum(axis=2)
    if model.params.migration.leaving_home_moves:
        movers = movers + first_year_leavers(model)
    flows = np.einsum("ot,otd->od", movers, dest)
    if not within:
        np.fill_diagonal(flows, 0.0)
    return flows


def first_year_leavers(model: SmartCityModel) -> np.ndarray:
    """(M, T) the first year's expected households of adult children leaving home."""
    expected = demography.expected_leavers(model.demography, model.households,
                                           model.params.demography, model.year + 1)
    return start.leaver_types(model.households, expected, model.n_munis)


@pytest.fixture(scope="module")
def korea_2015() -> SmartCityModel:
    return SmartCityModel(make_config(["region=korea", "run.start_year=2015", "run.scale=200",
                                       "run.years=1", "behaviour.migration.constants=base_period",
                                       *QUIET]))


@pytest.fixture(scope="module")
def korea_2015_history() -> SmartCityModel:
    return SmartCityModel(make_config(["region=korea", "run.start_year=2015", "run.scale=200",
                                       "run.years=1", "behaviour.migration.start_history_years=5",
                                       *QUIET]))


@pytest.mark.parametrize("variant", ["as_default", "leaving_home_moves", "start_history"])
def test_the_start_reproduces_the_base_periods_province_flows(korea_2015, korea_2015_history,
                                                             variant) -> None:
    """Constants solved on 2011-2015: expected net migration of every province meets
    KOSIS's yearly mean, and each province's leavers go where KOSIS's went; with
    ``leaving_home_moves`` the first year's adult children leaving home among the movers;
    with a migration history the tenures drawn again and the constants solved again."""
    m = korea_2015
    if variant == "leaving_home_moves":
        m = SmartCityModel(make_config(["region=korea", "run.start_year=2015", "run.scale=200",
                                        "run.years=1", "behaviour.migration.leaving_home_moves=true",
                                        *QUIET]))
        assert first_year_leavers(m).sum() * m.scale > 100_000  # they matter to the flows
    if variant == "start_history":
        m = korea_2015_history
    flows = expected_flows(m)
    codes = m.world.province_codes
    between = migration.province_flows(flows, m.world.province_index, len(codes)) * m.scale
    np.fill_diagonal(between, 0.0)
    net = between.sum(axis=0) - between.sum(axis=1)
    observed = kosis.net_migration().reindex(columns=codes).loc[2011:2015].fillna(0).mean()
    np.testing.assert_allclose(net, observed.to_numpy(), rtol=0, atol=0.002 * np.abs(observed).max())
    assert net[list(codes).index(11)] < -100_000  # Seoul loses about 108,000 a year
    base = base_period(m.region.table, 2015, True)
    want = base.od_shares
    share = between / between.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(share[want > 0], want[want > 0], rtol=2e-3)
    # ... and as many of all movers cross a province line as KOSIS saw (32.8 % of all
    # moves in 2011-2015; the behaviour alone gave about 22 %).
    moving = expected_flows(m, within=True).sum() * m.scale
    assert between.sum() / moving == pytest.approx(base.leave_share, rel=2e-3)
    assert 0.3 < base.leave_share < 0.35


def province_nets_by_age_class(model: SmartCityModel) -> tuple[np.ndarray, np.ndarray]:
    """(3, P) expected net migration from other provinces and moves across the province
    line (in + out) of the start, persons, by the head's age class."""
    persons, _ = migration.cell_counts(model.households, model.n_munis,
                                       len(model.params.migration.tenure_multiplier))
    move_prob, dest = model.choice_tables()
    movers = (persons * move_prob).sum(axis=2)
    nets, gross = [], []
    for a in range(3):
        flows = np.einsum("ot,otd->od", movers * (TYPE_AGE_CLASS == a), dest)
        between = migration.province_flows(flows, model.world.province_index,
                                           len(model.world.province_codes)) * model.scale
        np.fill_diagonal(between, 0.0)
        nets.append(between.sum(axis=0) - between.sum(axis=1))
        gross.append(between.sum(axis=0) + between.sum(axis=1))
    return np.array(nets), np.array(gross)


def test_an_even_age_split_gives_each_age_class_its_share_of_the_province_net(korea_2015) -> None:
    """``age_split=even``: every age class of the head carries its province's net in
    proportion to its moves across the province line, and the province nets and where
    each province's leavers go still meet KOSIS. The free split (the default) is far from
    even, so the check can tell the two apart."""
    even = SmartCityModel(make_config(["region=korea", "run.start_year=2015", "run.scale=200",
                                       "run.years=1", "behaviour.migration.age_split=even",
                                       *QUIET]))
    assert even.migration.age_pull is not None and korea_2015.migration.age_pull is None
    codes = even.world.province_codes
    observed = kosis.net_migration().reindex(columns=codes).loc[2011:2015].fillna(0).mean()
    tolerance = 0.003 * np.abs(observed).max()
    results = {}
    for name, model in (("even", even), ("free", korea_2015)):
        nets, gross = province_nets_by_age_class(model)
        np.testing.assert_allclose(nets.sum(axis=0), observed.to_numpy(), rtol=0, atol=tolerance)
        results[name] = np.abs(nets - nets.sum(axis=0) * gross / gross.sum(axis=0)).max()
    assert results["even"] < tolerance
    assert results["free"] > 20 * tolerance  # e.g. Seoul gains young heads, loses the 40-64
    between = migration.province_flows(expected_flows(even), even.world.province_index,
                                       len(codes)) * even.scale
    np.fill_diagonal(between, 0.0)
    want = base_period(even.region.table, 2015, True).od_shares
    share = between / between.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(share[want > 0], want[want > 0], rtol=2e-3)


def test_an_age_split_needs_base_period_constants() -> None:
    with pytest.raises(ConfigError, match="behaviour.migration.age_split=even"):
        make_config(["behaviour.migration.age_split=even",
                     "behaviour.migration.constants=equilibrium", *QUIET])


def test_a_migration_history_needs_base_period_constants() -> None:
    with pytest.raises(ConfigError, match="behaviour.migration.start_history_years=5"):
        make_config(["behaviour.migration.start_history_years=5",
                     "behaviour.migration.constants=equilibrium", *QUIET])


def test_a_migration_history_puts_the_recent_movers_where_the_base_period_sent_them(
        korea_2015, korea_2015_history) -> None:
    """With ``start_history_years`` a municipality's heads of an age class have more
    recent movers (years at the home up to 5) than the stationary draw gives it where the
    start's net by class is a gain, and fewer where it is a loss; the households and
    their ages are the same (only the tenures are drawn again)."""
    plain, history = korea_2015, korea_2015_history
    n = plain.households.n
    assert history.households.n == n
    np.testing.assert_array_equal(plain.households.age[:n], history.households.age[:n])
    np.testing.assert_array_equal(plain.households.muni[:n], history.households.muni[:n])
    age = plain.households.age[:n].astype(np.int64)
    group = plain.households.muni[:n].astype(np.int64) * 3 + (age >= 40) + (age >= 65)
    held = np.bincount(group, minlength=plain.n_munis * 3)

    def recent_share(model):
        recent = np.bincount(group, model.households.tenure[:n] <= 5, minlength=held.size)
        return recent / np.maximum(held, 1)

    net, households = migration.class_nets(history.migration.welfare_base)
    rate = net.reshape(-1) / np.maximum(households.reshape(-1), 1e-9)
    change = recent_share(history) - recent_share(plain)
    big = held >= 100
    gaining, losing = big & (rate > 0.01), big & (rate < -0.01)
    assert gaining.sum() > 20 and losing.sum() > 20
    assert np.median(change[gaining]) > 0.03 > -0.03 > np.median(change[losing])
    assert np.corrcoef(rate[big], change[big])[0, 1] > 0.5


def test_a_start_whose_constants_miss_their_targets_draws_no_history(caplog) -> None:
    """A solve that stopped at its cap leaves nets that are not the base period's, and
    each pass would cost another solve to the cap: the tenures stay as drawn, nothing is
    solved again, and the log says why."""
    import logging
    from types import SimpleNamespace

    tenure = np.arange(10, dtype=np.uint8)
    households = SimpleNamespace(n=10, tenure=tenure.copy())
    state = SimpleNamespace(constants_met=False, welfare_base=None)

    def solve():
        raise AssertionError("solved again")

    with caplog.at_level(logging.WARNING, logger="sim.start"):
        kept = start.with_migration_history(state, households, np.full((2, 3, 4), 0.1), 5,
                                            lambda: np.random.default_rng(0), solve)
    assert kept is state
    np.testing.assert_array_equal(households.tenure, tenure)
    assert "history was not drawn" in caplog.text


def test_the_leave_share_counts_every_move_of_the_years_asked() -> None:
    """Moves within a province count in the denominator; other years do not count."""
    import pandas as pd

    from sim.data.base_period import leave_share

    table = pd.DataFrame({"year": [2014, 2014, 2015, 2015, 2013],
                          "orig_code": [11, 11, 11, 41, 41],
                          "dest_code": [11, 41, 41, 41, 11],
                          "movers": [60, 30, 10, 50, 99]})
    assert leave_share(table, (2014, 2015)) == pytest.approx(40 / 150)


def test_the_in_sample_start_reproduces_the_years_it_simulates() -> None:
    """``constants=in_sample`` (experiments/migration_core/run.py's diagnostic and the
    history matching's runs) gives a 2010 start 2011-2015 as its base: its start's
    expected province nets must then be KOSIS's 2011-2015 means, or a fade afterwards
    would be the start's miss, not the dynamics'."""
    m = SmartCityModel(make_config(["region=korea", "run.start_year=2010", "run.scale=200",
                                    "run.years=1", "behaviour.migration.constants=in_sample",
                                    *QUIET]))
    codes = m.world.province_codes
    between = migration.province_flows(expected_flows(m), m.world.province_index, len(codes)) * m.scale
    np.fill_diagonal(between, 0.0)
    net = between.sum(axis=0) - between.sum(axis=1)
    observed = kosis.net_migration().reindex(columns=codes).loc[2011:2015].fillna(0).mean()
    np.testing.assert_allclose(net, observed.to_numpy(), rtol=0, atol=0.002 * np.abs(observed).max())


@pytest.mark.parametrize("start", [2020, 2025])
def test_an_in_sample_start_may_not_fit_the_test_period(start: int) -> None:
    """2020->2025 is the test of every fit: an in-sample 2020 (or later) start is refused,
    with the key named."""
    with pytest.raises(ConfigError, match="behaviour.migration.constants=in_sample"):
        make_config(["region=korea", f"run.start_year={start}",
                     "behaviour.migration.constants=in_sample"])


def test_municipal_targets_sum_to_zero_and_to_the_province_nets(korea_2015) -> None:
    m = korea_2015
    s = m.states
    targets = start.migration_targets(m.region.table, m.context, s.world, s.observed,
                                      s.demography, s.households, s.firms.jobs.sum(axis=1))
    assert abs(targets.net.sum()) < 1e-6 * np.abs(targets.net).sum()
    by_province = np.bincount(targets.province_index, weights=targets.net) * m.scale
    observed = kosis.net_migration().reindex(columns=m.world.province_codes).loc[2011:2015]
    np.testing.assert_allclose(by_province, observed.fillna(0).mean().to_numpy(), atol=1.0)


def test_the_change_of_census_method_is_corrected_to_the_registered_growth() -> None:
    """2010 -> 2015 census growth is 5.1 % against 2.0 % registered: after the correction
    each province grows as its registered population did (Sejong with Chungnam)."""
    from sim.data import load_korea

    t = load_korea().table
    g = np.log(t["pop_2015"] / t["pop_2010"]).to_numpy() + method_correction(t, 2010, 2015)
    total = (t["pop_2010"] * np.exp(g)).sum() / t["pop_2010"].sum()
    assert 1.015 < total < 1.025  # registered: +2.0 %
    assert method_correction(t, 2015, 2020).tolist() == [0.0] * len(t)


def test_the_equilibrium_start_balances_every_municipality() -> None:
    m = SmartCityModel(make_config(["region=synthetic", "region.n_municipalities=12",
                                    "run.scale=50", "behaviour.migration.constants=equilibrium",
                                    *QUIET]))
    flows = expected_flows(m)
    np.testing.assert_allclose(flows.sum(axis=0), flows.sum(axis=1), rtol=1e-3)
    assert m.migration.pair is None


def test_the_equilibrium_start_balances_every_municipality_with_the_leavers_moving() -> None:
    """With ``leaving_home_moves`` the zero-net constants balance the flows of the
    households and the first year's leavers together (and differ from the constants
    solved without them)."""
    config = ["region=synthetic", "region.n_municipalities=12", "run.scale=50",
              "behaviour.migration.constants=equilibrium", *QUIET]
    m = SmartCityModel(make_config([*config, "behaviour.migration.leaving_home_moves=true"]))
    flows = expected_flows(m)
    np.testing.assert_allclose(flows.sum(axis=0), flows.sum(axis=1), rtol=1e-3)
    without = SmartCityModel(make_config(config))
    assert np.abs(m.migration.amenity - without.migration.amenity).max() > 0.01


def test_the_expected_leavers_are_the_leavers_the_first_year_forms() -> None:
    """What the start's constants count (:func:`demography.expected_leavers`) against the
    households the first year's demography forms by leaving home, in each municipality
    (6 sigma; a sum of independent draws has a variance under its mean)."""
    m = SmartCityModel(make_config(["region=synthetic", "region.n_municipalities=12",
                                    "run.scale=5", "behaviour.migration.leaving_home_moves=true",
                                    *QUIET]))
    year = m.year + 1
    expected = demography.expected_leavers(m.demography, m.households, m.params.demography, year)
    demography.step(m.demography, m.households, schedule.demography_inputs(m.states, m.context, year),
                    m.context.parallel)
    lo, hi = m.demography.leavers
    formed = np.bincount(m.households.muni[lo:hi], minlength=m.n_munis)
    assert formed.sum() > 1000
    assert np.all(np.abs(formed - expected) < 6 * np.sqrt(expected) + 1), (formed, expected)


def test_start_tenures_are_stationary_under_the_hazard_each_home_applies() -> None:
    """The start draws each head's years at the home from what the hazard of its home
    sustains, the push of dissatisfaction included: one year of the model's rule (a mover
    restarts at 1, a stayer adds one) leaves each municipality's share of short tenures
    where it was, in expectation. The base hazard's draw (the start before 2026-12-05)
    drifts where the push is large, which made Daegu's leavers climb after the first year."""
    from sim import schedule
    from sim.agents.households import stationary_tenure
    from sim.processes import policy

    m = SmartCityModel(make_config(["region=synthetic", "region.n_municipalities=12", "run.scale=5",
                                    "behaviour.migration.dissatisfaction=3", *QUIET]))
    s, p = m.states, m.params.migration
    services = policy.service_levels(s.world.services_base, s.policy)
    c = schedule.migration_conditions(s.observed, services, s.policy, s.labour, s.housing)
    prob = migration.move_probabilities(p, c)
    hh = m.households
    muni, htype = hh.muni[: hh.n].astype(np.int64), hh.htype[: hh.n].astype(np.int64)
    count = np.bincount(muni)

    def drift_in_sd(tenure):
        tenure = tenure.astype(np.int64)
        h = prob[muni, htype, migration.TENURE_BIN[tenure]]
        short = np.bincount(muni, tenure <= 2) / count
        after = np.bincount(muni, h + (1 - h) * (tenure + 1 <= 2)) / count
        return (after - short) / np.sqrt(short * (1 - short) / count)

    pushed = np.exp(migration.move_push(p, c)).max(axis=1)
    assert pushed.max() > 3  # the test has a municipality where the push matters
    assert np.abs(drift_in_sd(hh.tenure[: hh.n])).max() < 4
    base = stationary_tenure(hh.age[: hh.n], np.random.default_rng(1).random(hh.n),
                             migration.tenure_hazard(p))
    assert drift_in_sd(base)[np.argmax(pushed)] > 10


def test_a_synthetic_region_has_census_targets_but_no_province_pairs() -> None:
    m = SmartCityModel(make_config(["region=synthetic", "region.n_municipalities=12",
                                    "run.scale=50", "behaviour.migration.constants=base_period",
                                    *QUIET]))
    assert m.migration.pair is None  # its codes are not Korea's: no KOSIS flows
    flows = expected_flows(m)
    net = flows.sum(axis=0) - flows.sum(axis=1)
    assert np.abs(net).max() > 1.0  # not the zero-net start


def test_a_start_whose_constants_miss_their_targets_says_so(caplog) -> None:
    """The balancing rounds stop at ``max_iter``; when their targets are out of reach the
    start warns, naming the municipality furthest off, instead of keeping the last round's
    constants silently (the 2025 start's Sejong, docs/model.md section 5)."""
    import logging

    from sim.processes import policy

    m = SmartCityModel(make_config(["region=synthetic", "region.n_municipalities=12",
                                    "run.scale=50", *QUIET]))
    s, p = m.states, m.params.migration
    c = schedule.migration_conditions(s.observed, policy.service_levels(s.world.services_base,
                                                                        s.policy),
                                      s.policy, s.labour, s.housing)
    weights = m.params.qol.service_weights
    anchors = migration.anchors_now(c, weights)
    index = np.zeros(m.n_munis, dtype=np.int64)

    def solve(net: np.ndarray) -> str:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="sim.migration"):
            met = migration.solve_constants(p, weights, m.households, c, s.world, anchors,
                                            migration.MigrationTargets(net, index), max_iter=200)[-1]
        assert met == (caplog.text == "")  # the state says what the warning says
        return caplog.text

    assert solve(np.zeros(m.n_munis)) == ""  # reachable: met within the tolerance
    # one place to gain, every year, ten times as many people as live in the whole region
    # (and the others to lose it: out of reach for all of them)
    impossible = np.full(m.n_munis, -1.0 / (m.n_munis - 1))
    impossible[3] = 1.0
    said = solve(impossible * 10 * s.observed.persons.sum())
    assert "stopped after 200 rounds without meeting their targets" in said
    named = [f"in {name} ({code})" in said
             for name, code in zip(s.world.names, s.world.codes, strict=True)]
    assert sum(named) == 1  # the municipality furthest off


@given(st.floats(0.2, 3.0), st.floats(0.1, 0.9), st.integers(5, 60))
def test_constants_that_miss_are_the_closest_evaluated_and_their_gap_is_theirs(level, wobble,
                                                                                rounds) -> None:
    """Out of reach, the solver returns the round with the smallest gap it evaluated, and
    the gap it reports is that round's (it returned the last mixed step, never evaluated,
    with the gap of the round before: the warning described other constants)."""
    seen: list[tuple[np.ndarray, float]] = []

    def round_(x: np.ndarray) -> tuple[np.ndarray, float]:  # no fixed point: g(x) > x
        gap = level + wobble * level * np.sin(x)
        seen.append((x.copy(), float(np.max(np.abs(gap)))))
        return x + gap, float(np.max(np.abs(gap)))

    x, worst = migration._anderson(round_, np.zeros(2), 1e-6, rounds)
    evaluated = [w for _, w in seen if np.isfinite(w)]
    assert worst == min(evaluated)
    assert round_(x)[1] == worst


@pytest.mark.parametrize("start_year", [2020, 2025])
def test_a_start_after_the_shipped_flows_leaves_sejongs_in_flows_to_its_net(start_year, caplog) -> None:
    """A base period that ends after the shipped flows (2015) leaves the pairs into a
    province founded during the flows' years (Sejong, 2012) to that province's net: held
    at any shipped year's shares, Sejong's 2015 -> 2020 net could be out of reach, the
    constants stopped at their round cap and nobody left Sejong for another province
    (KOSIS: 11-17 thousand a year in 2012-2015). Now the constants converge, every other
    destination gets its share of each origin's leavers, and Sejong its net."""
    import logging

    with caplog.at_level(logging.WARNING, logger="sim.migration"):
        m = SmartCityModel(make_config(["region=korea", f"run.start_year={start_year}",
                                        "run.scale=500", "run.years=1", *QUIET]))
    assert "without meeting their targets" not in caplog.text
    base = base_period(m.region.table, start_year, True)
    assert base.free_destinations == (29,)
    codes = m.world.province_codes
    sejong = list(codes).index(29)
    want = base.od_shares
    assert (want[:, sejong] == 0).all()
    np.testing.assert_allclose(want.sum(axis=1), 1.0)
    between = migration.province_flows(expected_flows(m), m.world.province_index, len(codes)) * m.scale
    np.fill_diagonal(between, 0.0)
    others = np.delete(between, sejong, axis=1)
    share = others / others.sum(axis=1, keepdims=True)
    kept = np.delete(want, sejong, axis=1)
    np.testing.assert_allclose(share[kept > 0], kept[kept > 0], rtol=2e-3)
    net = between.sum(axis=0) - between.sum(axis=1)
    s = m.states
    targets = start.migration_targets(m.region.table, m.context, s.world, s.observed,
                                      s.demography, s.households, s.firms.jobs.sum(axis=1))
    target = np.bincount(targets.province_index, weights=targets.net)[sejong] * m.scale
    assert net[sejong] == pytest.approx(target, rel=2e-3)
    assert between[sejong].sum() > 5_000  # people leave Sejong again
    # the 2015 start's base period lies inside the flows: every pair is its own years'
    assert base_period(m.region.table, 2015, True).free_destinations == ()


@pytest.mark.parametrize(("start_year", "gap"), [(2020, 0), (2025, 5)])
def test_a_decaying_pull_is_halfway_to_the_equilibrium_after_one_half_life(start_year, gap) -> None:
    """The pull halves every half-life from the base period's end: a 2020 start's base
    (2015-2020) ends at the start, a 2025 start's five years before it."""
    cfg = make_config(["region=synthetic", "region.n_municipalities=12", "run.scale=50",
                       f"run.start_year={start_year}", "behaviour.migration.constants=base_period",
                       "behaviour.migration.constants_half_life=4", *QUIET])
    m = SmartCityModel(cfg)
    st, p = m.migration, m.params.migration
    assert st.amenity_eq is not None and st.base_gap == gap
    mid = migration.carried_constants(st, p, 4 - gap)
    np.testing.assert_allclose(mid, 0.5 * (st.amenity_base + st.amenity_eq))
    np.testing.assert_allclose(migration.carried_constants(st, p, -gap), st.amenity_base)


def test_flows_output_sums_to_the_movers() -> None:
    """flows.parquet holds every move of every year (within provinces and municipalities
    too), by age class of the head: its yearly sum is the national movers."""
    from sim.runner import run

    result = run(make_config(["region=synthetic", "region.n_municipalities=12", "run.scale=50",
                              "run.years=3", *QUIET]))
    nat = result.national.set_index("year")
    by_year = result.flows.groupby("year")["movers"].sum()
    first = int(nat.index.min())
    assert list(by_year.index) == [first + 1, first + 2, first + 3]
    np.testing.assert_allclose(by_year.to_numpy(),
                               (nat["movers_share"] * nat["population"]).loc[by_year.index])
    assert set(result.flows["age_class"]) == {"20_39", "40_64", "65_plus"}
    flows = result.flows
    between = flows[flows["origin_code"] != flows["destination_code"]].groupby("year")["movers"].sum()
    np.testing.assert_allclose(between / by_year,
                               nat["interprovincial_share_of_moves"].loc[by_year.index])


# ------------------------------------------------- the bar in expectation (6.3's script)
def _checks(script: str = "run"):
    """A script of experiments/migration_core (a script folder, not a package). The
    folder's scripts ``import run as checks``; another folder's ``run.py`` imported
    earlier in the session (experiments/sensitivity's, by tests/test_experiments.py)
    would be found under that name, so
    this folder's is put there while the script loads."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "experiments" / "migration_core" / f"{script}.py"
    spec = importlib.util.spec_from_file_location(f"migration_core_{script}", path)
    module = importlib.util.module_from_spec(spec)
    saved = {name: sys.modules.get(name) for name in ("run", "sample_fade")}
    if script != "run":
        sys.modules["run"] = _checks("run")
        sys.modules.pop("sample_fade", None)
    try:
        spec.loader.exec_module(module)
    finally:
        for name, earlier in saved.items():
            if earlier is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = earlier
    return module


def test_the_capital_regions_net_by_age_counts_only_moves_across_its_border() -> None:
    """age_split.py's table (docs/validation.md, "The flows by age"): moves between Seoul,
    Incheon and Gyeonggi do not count, moves in count plus, moves out minus, by age class."""
    import pandas as pd

    flows = pd.DataFrame({
        "year": [2026] * 5 + [2027],
        "origin_code": [11, 21, 31, 23, 38, 21],
        "destination_code": [31, 11, 21, 38, 37, 23],
        "age_class": ["20_39", "20_39", "40_64", "40_64", "20_39", "65_plus"],
        "movers": [500.0, 70.0, 30.0, 5.0, 999.0, 2.0],
    })
    net = _checks("age_split").capital_region_net_by_age(flows).set_index(["year", "age_class"])["net"]
    assert net.loc[(2026, "20_39")] == 70.0
    assert net.loc[(2026, "40_64")] == -35.0
    assert net.loc[(2027, "65_plus")] == 2.0


@given(keep=st.floats(-2.0, 2.0), nets=st.lists(st.floats(-2e5, 2e5).filter(lambda x: abs(x) > 1),
                                                min_size=2, max_size=17))
def test_the_pooled_persistence_slope_recovers_a_common_share_kept(keep, nets) -> None:
    """persistence.py (docs/validation.md, "How fast Korea's own flows fade"): nets that
    all keep the same share of themselves give that share, and a province missing in one
    of the two years drops out instead of counting as zero."""
    import pandas as pd

    slope = _checks("persistence").pooled_slope
    before = pd.Series(nets, dtype=float)
    after = before * keep
    assert slope(before, after) == pytest.approx(keep, abs=1e-9)
    after_missing = after.copy()
    after_missing.iloc[0] = np.nan
    before_moved = before.copy()
    before_moved.iloc[0] = before.iloc[0] * 10  # would bias the slope if it counted
    assert slope(before_moved, after_missing) == pytest.approx(keep, abs=1e-9)


def test_a_pairs_net_gain_is_in_from_the_partner_less_out_to_it() -> None:
    """pair_fade.py (docs/validation.md, "The three misses, pair by pair"): column = the
    province, row = the partner; the table is antisymmetric and its columns sum to each
    province's net from all others."""
    import pandas as pd

    flows = pd.DataFrame([[0, 5, 1], [2, 0, 0], [4, 3, 0]], index=[11, 21, 38],
                         columns=[11, 21, 38], dtype=float)
    gain = _checks("pair_fade").net_gain(flows)
    assert gain.loc[21, 38] == 0 - 3  # Gyeongnam gets nothing from Busan and sends it 3
    assert gain.loc[11, 38] == 1 - 4
    np.testing.assert_array_equal(gain.to_numpy(), -gain.T.to_numpy())
    np.testing.assert_array_equal(gain.sum(axis=0).to_numpy(),
                                  flows.sum(axis=0).to_numpy() - flows.sum(axis=1).to_numpy())


def test_forecast_rules_are_exact_where_their_assumption_holds() -> None:
    """persistence.py --forecast-rules (docs/validation.md 6.4, "Korea's pace of fade"):
    steady nets are forecast exactly by holding them, nets that change by the same amount
    every year exactly by the full trend and by neither of the others; a province missing
    a year drops out of the windows that year falls in."""
    import pandas as pd

    module = _checks("persistence")
    years = range(1995, 2016)
    steady = pd.DataFrame({11: -100.0, 31: 80.0, 38: 3.0}, index=years)
    scores = module.forecast_rules(steady).set_index(["end", "rule"])
    assert (scores.xs("persistence", level="rule")["rmse"] == 0).all()
    assert (scores.xs("persistence", level="rule")["within"] == 3).all()
    assert (scores.xs("zero", level="rule")["within"] == 0).all()
    trend = pd.DataFrame({11: [-100.0 - 2 * i for i in range(21)], 31: [50.0 + 3 * i for i in range(21)]},
                         index=years)
    scores = module.forecast_rules(trend).set_index(["end", "rule"])
    assert scores.xs("full_trend", level="rule")["rmse"].max() == pytest.approx(0.0, abs=1e-9)
    assert (scores.xs("persistence", level="rule")["rmse"] > 0).all()
    assert list(scores.index.get_level_values("end").unique()) == list(range(2004, 2011))
    gap = steady.astype(float)
    gap.loc[2000, 38] = np.nan
    provinces = module.forecast_rules(gap).groupby("end")["provinces"].first()
    assert provinces.loc[2004] == 2 and provinces.loc[2010] == 3  # 2010 spans 2001-2015


def test_start_artefacts_bar_counts_each_rank_and_arm_on_its_own_runs() -> None:
    """start_artefacts.py --seeds N: a province whose runs all sit on KOSIS's net is within,
    one whose runs all have the wrong sign is outside, one that straddles a third is
    undecided; and one arm's runs never decide another's verdicts."""
    import pandas as pd

    module = _checks("start_artefacts")
    observed = pd.Series({11: -500.0, 31: 400.0, 38: 15.0})
    rows = []
    for seed in range(6):
        wobble = (-1) ** seed
        for arm, totals in {"a": {11: -500.0 + wobble, 31: 400.0 + wobble, 38: -15.0 + wobble},
                            "b": {11: -500.0 + 200 * wobble, 31: 400.0, 38: 15.0}}.items():
            rows += [{"rank": 0, "arm": arm, "seed": seed, "province_code": c, "total": v}
                     for c, v in totals.items()]
    counts = module.bar_in_expectation(pd.DataFrame(rows), observed, 6)
    assert counts.loc[(0, "a"), ["within", "undecided", "outside"]].tolist() == [2, 0, 1]
    assert counts.loc[(0, "a"), "outside_provinces"] == "38"
    assert counts.loc[(0, "b"), ["within", "undecided", "outside"]].tolist() == [2, 1, 0]


@given(observed=st.floats(-6e5, 6e5).filter(lambda x: abs(x) > 100),
       rel=st.floats(-3.0, 3.0), sd=st.floats(0.0, 1e5), seeds=st.integers(2, 64))
def test_a_verdict_in_expectation_agrees_with_the_single_run_bar_where_it_is_decided(observed, rel, sd, seeds):
    """A decided verdict never contradicts the bar applied to the mean: "within" means the
    mean is within a third of KOSIS with its sign, "outside" that it is not; and an
    interval that shrinks to nothing (sd 0) always decides."""
    checks = _checks()
    mean = observed * (1 + rel)
    verdict = str(checks.verdict_in_expectation(mean, sd, seeds, observed))
    ok = bool(checks.within_a_third(mean, observed))
    if verdict == "within":
        assert ok
    if verdict == "outside":
        assert not ok
    if sd == 0.0:
        assert verdict in ("within", "outside")


def test_a_verdict_in_expectation_is_undecided_where_the_draws_cover_the_edge():
    checks = _checks()
    kosis_net, edge = -3474.0, -3474.0 * (1 - 1 / 3)
    assert checks.verdict_in_expectation(edge, 4000.0, 12, kosis_net) == "undecided"
    assert checks.verdict_in_expectation(-28000.0, 4000.0, 12, kosis_net) == "outside"
    assert checks.verdict_in_expectation(-3474.0, 400.0, 12, kosis_net) == "within"


def test_the_size_term_counts_the_homes_lived_in_when_asked() -> None:
    """``size_of=occupied``: a destination's size term is beta_size x log(dwellings less
    the empty ones), so a place's pull grows as households move in; the default counts
    the whole stock. Everything else in the utility is the same."""
    import dataclasses

    m = SmartCityModel(make_config(["region=synthetic", "region.n_municipalities=12",
                                    "run.scale=50", *QUIET]))
    m.step()
    s, ctx = m.states, m.context
    c = schedule.conditions(s, ctx, m.year)
    p = ctx.cfg.behaviour.migration
    assert p.size_of == "dwellings" and p.beta_size > 0
    args = (ctx.cfg.behaviour.qol.service_weights, c, s.migration.amenity, s.migration.network,
            s.world)
    stock = migration.destination_logits(p, *args)
    lived_in = migration.destination_logits(dataclasses.replace(p, size_of="occupied"), *args)
    shift = p.beta_size * (np.log(c.dwellings - c.vacant) - np.log(c.dwellings))
    assert (c.vacant > 0).all() and (shift < 0).all()
    np.testing.assert_allclose(lived_in - stock, np.broadcast_to(shift, stock.shape), atol=1e-9)


def test_the_2010_dwelling_arms_move_only_the_empty_homes() -> None:
    """vacancy_2010.py (docs/validation.md 6.4): each arm spreads the 2010 census's empty
    dwellings its own way on top of every municipality's occupied dwellings, and keeps
    Korea's total of 2010 dwellings; ``as_shipped`` leaves the table as it is, and the
    patched loader gives the model the arm's column only while it is on."""
    import pandas as pd

    module = _checks("vacancy_2010")
    vacant = 793_848.0
    occupied = pd.Series([1_000_000.0, 200_000.0, 50_000.0, 3_000.0])
    vacant_2015 = pd.Series([50_000, 40_000, 10_000, 1_000])
    table = pd.DataFrame({
        "province_code": [11, 11, 37, 37], "housing_units_2015": [1_200_000, 300_000, 60_000, 4_500],
        "vacant_housing_2015": vacant_2015,
        "housing_units_2010": (occupied + vacant * vacant_2015 / vacant_2015.sum()).round().astype("int64")})
    total = int(table["housing_units_2010"].sum())
    for arm in module.ARMS:
        units = module.dwellings_2010(table, arm)
        assert units.dtype == np.int64 and int(units.sum()) == total
        spread = vacant * module.vacant_share(table, arm)
        assert spread.sum() == pytest.approx(vacant)
        np.testing.assert_allclose(units - spread, occupied, atol=1.0)  # whole dwellings
    pd.testing.assert_series_equal(module.dwellings_2010(table, "as_shipped"), table["housing_units_2010"])
    pd.testing.assert_frame_equal(module.with_arm(table, "as_shipped"), table)
    rate = 1 - occupied / module.dwellings_2010(table, "occupied_share")
    np.testing.assert_allclose(rate, vacant / total, atol=1e-4)  # Korea's 2010 rate everywhere
    half = module.vacant_share(table, "half")
    np.testing.assert_allclose(half, (module.vacant_share(table, "as_shipped")
                                      + module.vacant_share(table, "occupied_share")) / 2)
    with pytest.raises(ValueError, match="unknown arm"):
        module.vacant_share(table, "vacant_2020")

    from sim.data import load_data

    korea = load_data("korea").table
    with module.arm_table("as_shipped"):
        pd.testing.assert_frame_equal(load_data("korea").table, korea)
    from sim.data import census

    record = []
    with module.arm_table("occupied_share", record):
        patched = load_data("korea").table
        pipeline = census.housing_pipeline(patched, 2010, True)  # as sim.start calls it
    assert len(record) == 1
    np.testing.assert_allclose(record[0]["pipeline_a_year"].sum(), pipeline.sum())
    np.testing.assert_array_equal(record[0]["dwellings_2010"],
                                  module.province_growth(patched)["dwellings_2010"])
    assert int(patched["housing_units_2010"].sum()) == int(korea["housing_units_2010"].sum())
    assert (patched["housing_units_2010"] != korea["housing_units_2010"]).any()
    pd.testing.assert_frame_equal(patched.drop(columns="housing_units_2010"),
                                  korea.drop(columns="housing_units_2010"))
    pd.testing.assert_frame_equal(load_data("korea").table, korea)  # restored on exit


def test_expected_flows_split_by_households_add_up_to_the_whole(korea_2015) -> None:
    """cohort_fade.py (docs/validation.md 6.4, "Whose flows fade"): the expected flows of
    complementary sets of households sum to the flows of all of them, so each cohort's
    part of a province's net is exact; an empty set moves nobody."""
    checks = _checks()
    model = korea_2015
    rng = np.random.default_rng(3)
    part = rng.random(model.households.n) < 0.3
    whole = checks.expected_flows(model)
    split = checks.expected_flows(model, rows=part) + checks.expected_flows(model, rows=~part)
    np.testing.assert_allclose(split, whole, rtol=1e-9, atol=1e-9)
    assert checks.expected_flows(model, rows=part).sum() < 0.5 * whole.sum()
    assert checks.expected_flows(model, rows=np.zeros(model.households.n, bool)).sum() == 0
