"""The baseline's mechanisms of issue 15: commuting, vital statistics, new towns, the
naive forecasts of the validation and the ABC design. Each is tested for what it must
do by construction (conservation, limits, alignment), never for a fitted number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.config import make_config
from sim.data import census
from sim.data.region import load_korea
from sim.model import SmartCityModel
from sim.processes.labour import commuting, crossing_share
from sim.tools import abc
from sim.tools.validate import naive_forecasts

BASE = ["run.progress=false", "run.plots=false"]


# ------------------------------------------------------------------------- commuting


def test_no_commuting_is_working_where_you_live() -> None:
    d = np.array([[0.0, 5.0], [5.0, 0.0]])
    assert np.array_equal(commuting(d, np.array([3.0, 1.0]), 0.0), np.eye(2))


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 8).flatmap(lambda m: st.tuples(
    arrays(np.float64, (m, m), elements=st.floats(0, 50)),
    arrays(np.float64, m, elements=st.floats(0, 1e4)),
    arrays(np.float64, m, elements=st.floats(1, 1e4)),
    st.floats(0.5, 30))))
def test_commuting_employs_no_more_people_than_there_are_jobs(case) -> None:
    """Row-stochastic reach; the employed (residents x employment rate) never exceed the
    jobs, in total or at any workplace."""
    dist, jobs, labour, km = case
    dist = (dist + dist.T) / 2
    np.fill_diagonal(dist, 0.0)
    c = commuting(dist, jobs, km)
    assert np.allclose(c.sum(axis=1), 1.0)
    seekers = labour @ c
    fill = np.minimum(1.0, jobs / np.maximum(seekers, 1e-9))
    employed_at = (labour[:, None] * c * fill[None, :]).sum(axis=0)
    assert (employed_at <= jobs + 1e-6 * np.maximum(jobs, 1)).all()
    assert 0 <= crossing_share(c, labour) <= 1


def test_a_suburb_without_jobs_finds_work_nearby() -> None:
    """Municipality 1 has no jobs; with commuting its residents work in 0 (5 km away)."""
    dist = np.array([[0.0, 5.0, 300.0], [5.0, 0.0, 300.0], [300.0, 300.0, 0.0]])
    jobs = np.array([100.0, 0.0, 50.0])
    c = commuting(dist, jobs, 5.0)
    assert c[1, 0] > 0.99 and c[2, 2] > 0.99


def test_commuting_in_the_model_keeps_employment_within_jobs() -> None:
    m = SmartCityModel(make_config([*BASE, "region=synthetic", "run.scale=200"]))
    m.step()
    lab = m.labour
    employed = (m.households.employed.astype(bool)).sum()
    assert employed <= m.firms.jobs.sum() * 1.02 + 5  # the kernel draws employment per household
    assert np.allclose(lab.commute.sum(axis=1), 1.0)
    off = make_config([*BASE, "region=synthetic", "run.scale=200", "behaviour.economy.commute_km=0"])
    m0 = SmartCityModel(off)
    assert np.array_equal(m0.labour.commute, np.eye(m0.world.n))


# -------------------------------------------------------------------- vital statistics


def test_national_births_and_deaths_follow_the_vital_statistics() -> None:
    """From 2020 on Korea (scale 100, about 2,500 birth and 3,500 death draws a year):
    every year's births and deaths within 10 % of Statistics Korea's series, and on
    average within 5 %."""
    m = SmartCityModel(make_config([*BASE, "region=korea", "run.scale=100", "run.start_year=2020",
                                    "run.years=5"]))
    m.run()
    n = m.records.national_frame().set_index("year")
    vs = pd.read_csv(census.VITAL_STATISTICS).set_index("year")
    years = range(2021, 2026)
    births = np.array([n.births[y] / vs.births[y] - 1 for y in years])
    deaths = np.array([n.deaths[y] / vs.deaths[y] - 1 for y in years])
    assert np.abs(births).max() < 0.10 and np.abs(deaths).max() < 0.10
    assert np.abs(births).mean() < 0.05 and np.abs(deaths).mean() < 0.05


def test_a_start_at_the_end_of_the_series_keeps_its_years_births_and_deaths() -> None:
    """A 2025 start has no year of the series ahead of it: its rates take their level
    from 2025 itself, whatever the behaviour's unaligned rates are, and then move only
    by the trends (deaths within 10 % of 2025's in the first years, births within 15 %)."""
    vs = pd.read_csv(census.VITAL_STATISTICS).set_index("year")
    for mortality_a, birth_rate in ((1.2e-5, 0.055), (2.4e-5, 0.08)):
        m = SmartCityModel(make_config([*BASE, "region=korea", "run.scale=100", "run.start_year=2025",
                                        "run.years=2", f"behaviour.demography.mortality_a={mortality_a}",
                                        f"behaviour.demography.birth_rate={birth_rate}"]))
        m.run()
        n = m.records.national_frame().set_index("year")
        for y in (2026, 2027):
            assert abs(n.deaths[y] / vs.deaths[2025] - 1) < 0.10, (mortality_a, y, n.deaths[y])
            assert abs(n.births[y] / vs.births[2025] - 1) < 0.15, (birth_rate, y, n.births[y])


def test_vital_targets_scale_with_the_region() -> None:
    full = census.vital_targets(51e6, 2020, 51e6)
    half = census.vital_targets(25.5e6, 2020, 51e6)
    assert min(full) == 2020 and full[2022][0] == pytest.approx(249_186)
    assert half[2022][1] == pytest.approx(full[2022][1] / 2)


# ------------------------------------------------------------------------- new towns


def test_new_town_schedule_spreads_the_planned_dwellings_over_their_years() -> None:
    table = pd.read_csv(census.NEW_TOWNS, dtype={"code": str})
    codes = load_korea().table["code"].astype(str)
    assert set(table["code"]) <= set(codes), "every new town sits in a municipality of the table"
    assert (table["last_year"] >= table["first_year"]).all()
    schedule = census.new_town_schedule(codes, 2000, 2060)
    assert schedule.sum() == pytest.approx(table["dwellings"].sum())
    sejong = list(codes).index("29010")
    assert schedule[2030 - 2000, sejong] == pytest.approx(200_000 / 19)


def test_the_pipeline_leaves_out_what_new_towns_built_in_the_census_years() -> None:
    t = load_korea().table
    plain = census.housing_pipeline(t, 2020)
    net = census.housing_pipeline(t, 2020, new_towns=True)
    assert (net <= plain + 1e-9).all() and (net >= 0).all()
    hanam = list(t["code"].astype(str)).index("31180")
    assert net[hanam] < plain[hanam]


def test_new_towns_add_their_dwellings_in_the_run() -> None:
    cfg = [*BASE, "region=korea", "run.scale=1000", "run.start_year=2020", "run.years=2"]
    on = SmartCityModel(make_config(cfg))
    off = SmartCityModel(make_config([*cfg, "behaviour.housing.new_towns=false"]))
    codes = list(on.world.codes)
    g = codes.index("23070")  # Incheon Gyeyang-gu: the 3rd-generation town from 2026 only
    assert on.housing.scheduled[2021 - 2021, g] == 0 and on.housing.scheduled[2026 - 2021, g] > 0
    geomdan = codes.index("23080")  # Incheon Seo-gu: Geomdan 2021-2025
    assert on.housing.scheduled[0, geomdan] == pytest.approx(74_700 / 5)
    assert off.housing.scheduled.shape[0] == 0


# ------------------------------------------------------------------ validation, ABC


def test_damped_persistence_is_fitted_on_the_past_only() -> None:
    t = pd.DataFrame({"pop_2010": [100.0, 100, 100, 100], "pop_2015": [110.0, 100, 95, 100],
                      "pop_2020": [130.0, 100, 90, 101], "pop_2025": [1.0, 1, 1, 1]})
    f = naive_forecasts(t, 2020, 2025)
    prev = np.log(t.pop_2020 / t.pop_2015).to_numpy()
    before = np.log(t.pop_2015 / t.pop_2010).to_numpy()
    x, y = before - before.mean(), prev - prev.mean()
    k = (x * y).sum() / (x * x).sum()
    assert np.allclose(f["damped_persistence"], prev.mean() + k * (prev - prev.mean()))
    assert "damped_persistence" not in naive_forecasts(t, 2015, 2020)  # no 2005 census


def test_abc_design_is_seeded_and_inside_the_prior_box() -> None:
    a, b = abc.design(50, seed=3), abc.design(50, seed=3)
    assert a == b and abc.design(50, seed=4) != a
    for point in a:
        for p in abc.ABC_SPACE:
            assert p.low <= point[p.path] <= p.high


def test_posterior_draws_are_valid_behaviour() -> None:
    if not abc.POSTERIOR.exists():
        pytest.skip("no posterior sample shipped yet")
    for behaviour in abc.posterior_draws(3, seed=1):
        cfg = make_config([*BASE, "region=synthetic"], {"behaviour": behaviour})
        assert cfg.behaviour.migration.move_rate[0] >= cfg.behaviour.migration.move_rate[1]


def test_abc_refinement_stays_in_the_box_and_is_seeded() -> None:
    accepted = pd.DataFrame(abc.design(20, seed=1))
    a, b = abc.perturbations(accepted, 40, seed=2), abc.perturbations(accepted, 40, seed=2)
    assert a == b
    for point in a:
        for p in abc.ABC_SPACE:
            assert p.low <= point[p.path] <= p.high


def test_abc_run_accepts_the_closest_and_resumes_without_redoing(tmp_path, monkeypatch) -> None:
    """A cheap stand-in distance (squared distance to the box's centre): the accepted
    sets are the smallest distances of both rounds, and a rerun evaluates nothing."""
    calls = []

    def fake(index, point, seeds, scale):
        calls.append(index)
        d = sum(((point[p.path] - (p.low + p.high) / 2) / (p.high - p.low)) ** 2 for p in abc.ABC_SPACE)
        return {"index": index, **point, "d_total": d, "seconds": 0.0}

    monkeypatch.setattr(abc, "_evaluate", fake)
    post = tmp_path / "posterior.csv"
    kw = dict(seeds=1, scale=1.0, jobs=1, accept=0.2, sampler_seed=0, posterior=post, progress=False)
    accepted = abc.run(30, refine=20, **kw)
    trials = pd.read_csv(post.with_suffix(".trials.csv"))
    assert len(accepted) == 6 and sorted(calls) == list(range(50))
    assert accepted["d_total"].max() <= trials["d_total"].nsmallest(6).max() + 1e-12
    assert accepted["d_total"].max() <= trials[trials["index"] < 30]["d_total"].nsmallest(6).max()
    calls.clear()
    again = abc.run(30, refine=20, **kw)
    assert calls == [] and again["index"].tolist() == accepted["index"].tolist()


def test_abc_prior_box_keeps_the_tpe_bounds_it_shares() -> None:
    """The ABC box is the TPE box plus its own terms: where both search a parameter the
    bounds agree, except the capital terms, which the ABC searches with signs."""
    from sim.tools.calibrate import SPACE

    tpe = {p.path: (p.low, p.high, p.log) for p in SPACE}
    signed = {"migration.beta_capital[0]", "migration.beta_capital[1]"}
    for p in abc.ABC_SPACE:
        if p.path in tpe and p.path not in signed:
            assert (p.low, p.high, p.log) == tpe[p.path], p.path
