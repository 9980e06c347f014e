"""A run can start from the 2025 census: population, households and dwellings of 2025,
the other indicators carried from 2020 (docs/data.md)."""

from __future__ import annotations

import numpy as np
import pytest

from sim import api
from sim.config import ConfigError, make_config
from sim.constants import census_year, indicator_year
from sim.data import census, load_korea, make_synthetic

#: Statistics Korea, 2025 Population and Housing Census (the package's eup/myeon/dong
#: totals): persons incl. foreigners, households (general + collective + foreign),
#: dwellings (vacant included).
CENSUS_2025 = {"population": 51_817_499, "households": 23_245_980, "dwellings": 20_181_352}


def test_the_table_carries_the_2025_census() -> None:
    t = load_korea().table
    assert int(t["pop_2025"].sum()) == CENSUS_2025["population"]
    assert int(t["households_2025"].sum()) == CENSUS_2025["households"]
    assert int(t["housing_units_2025"].sum()) == CENSUS_2025["dwellings"]
    assert (t["households_2025"] > 0).all() and (t["housing_units_2025"] > 0).all()
    size = t["pop_2025"] / t["households_2025"]
    assert size.between(1.5, 3.2).all()
    # households shrink, stock grows: 2.41 -> 2.23 persons a household nationally
    assert t["pop_2025"].sum() / t["households_2025"].sum() < t["pop_2020"].sum() / t[
        "households_2020"].sum()
    assert t["housing_units_2025"].sum() > t["housing_units_2020"].sum()


def test_config_accepts_a_2025_start_and_refuses_others() -> None:
    assert make_config(["run.start_year=2025"]).run.start_year == 2025
    with pytest.raises(ConfigError, match="2010, 2015, 2020, 2025"):
        make_config(["run.start_year=2024"])


def test_2025_indicators_are_carried_from_2020() -> None:
    t = load_korea().table
    assert census_year(2025) == 2025 and indicator_year(2025) == 2020
    np.testing.assert_array_equal(census.vacancy_rate(t, 2025), census.vacancy_rate(t, 2020))
    np.testing.assert_array_equal(census.base_services(t, 2025), census.base_services(t, 2020))
    np.testing.assert_array_equal(census.grdp_by_sector(t, 2025), census.grdp_by_sector(t, 2020))
    np.testing.assert_array_equal(census.firm_counts(t, 2025), t["firms_2020"].to_numpy(float))
    parents = t["households_2025"].to_numpy(float)
    expected = t["tfr_2020"].to_numpy(float) / np.average(t["tfr_2020"], weights=parents)
    np.testing.assert_allclose(census.fertility_index(t, 2025, parents, 1.0), expected)
    # dwellings at the start: the 2025 census units per household
    hh = t["households_2025"].to_numpy(float)
    ratio = np.clip(t["housing_units_2025"] / t["households_2025"], 0.8, 2.0).to_numpy()
    np.testing.assert_allclose(census.housing_units(t, 2025, hh), hh * ratio)


def test_2025_pipeline_is_the_2020_2025_building() -> None:
    t = load_korea().table
    growth = (t["housing_units_2025"] - t["housing_units_2020"]).to_numpy(float)
    np.testing.assert_allclose(census.housing_pipeline(t, 2025), np.maximum(growth, 0) / 5)
    # new towns completed 2021-2025 come out of it (e.g. Incheon Seo-gu's Geomdan)
    with_towns = census.housing_pipeline(t, 2025, new_towns=True)
    assert (with_towns <= census.housing_pipeline(t, 2025) + 1e-9).all()
    built = census.new_town_schedule(t["code"], 2021, 2025).sum(axis=0)
    assert built.sum() > 0
    np.testing.assert_allclose(with_towns, np.maximum(growth - built, 0) / 5)
    # the existing starts keep their periods
    for start, (a, b) in ((2010, (2010, 2015)), (2015, (2010, 2015)), (2020, (2015, 2020))):
        g = (t[f"housing_units_{b}"] - t[f"housing_units_{a}"]).to_numpy(float)
        np.testing.assert_allclose(census.housing_pipeline(t, start), np.maximum(g, 0) / 5)


@pytest.fixture(scope="module")
def korea_2025() -> api.Result:
    return api.simulate("no_investment", years=2, scale=200, start_year=2025, region="korea",
                        seed=0)


def test_korea_2025_start_matches_the_census(korea_2025) -> None:
    start = korea_2025.national.set_index("year").loc[2025]
    for key in ("population", "households"):
        assert start[key] == pytest.approx(CENSUS_2025[key], rel=0.01), key
    m = korea_2025.municipalities
    first = m[m["year"] == 2025].set_index("code")
    t = load_korea().table.set_index("code")
    # each municipality starts from its own 2025 census count (agents of 200 households)
    err = (first["households"] - t["households_2025"]).abs()
    assert (err <= 100 + 1e-6).all()


def test_korea_2025_start_runs_two_years(korea_2025) -> None:
    n = korea_2025.national
    assert n["year"].tolist() == [2025, 2026, 2027]
    assert np.isfinite(n[["population", "households", "qol_mean"]].to_numpy()).all()
    change = n["population"].iloc[-1] / n["population"].iloc[0] - 1
    assert abs(change) < 0.02  # two years of births, deaths, immigration


def test_synthetic_region_starts_from_2025() -> None:
    t = make_synthetic(12, seed=1).table
    assert (t["housing_units_2025"] >= t["housing_units_2020"]).all()
    r = api.simulate("no_investment", years=1, scale=50, start_year=2025, region="synthetic",
                     overrides=["region.n_municipalities=12", "region.seed=1"])
    start = r.national.set_index("year").loc[2025]
    assert start["households"] == pytest.approx(t["households_2025"].sum(), rel=0.02)
