"""Direct effects of the policy mechanisms on the state they target (issue 4).

Each test builds a tiny synthetic model with one scenario and checks what the policy
engine must do to its own state: where money goes, what is built, how assets age and
how the budget is accounted. Emergent outcomes (who gains people) are not asserted.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import schedule
from sim.config import ConfigError, make_config
from sim.constants import SECTORS, SERVICE_DOMAINS, by_age_class
from sim.model import SmartCityModel
from sim.policy.assets import SERVICE, AssetRegistry
from sim.processes import policy

BASE = ["region=synthetic", "run.scale=400", "run.years=3", "run.plots=false", "run.progress=false"]


def compose(*overrides: str):
    return make_config([*BASE, *overrides])


def model_for(*overrides: str) -> SmartCityModel:
    return SmartCityModel(compose(*overrides))


def policy_step_alone(m: SmartCityModel) -> None:
    """Next year's policy phase and nothing else, wired as ``SmartCityModel.step`` wires
    it (:func:`sim.schedule.run_policy`: its dwellings are handed to housing)."""
    schedule.run_policy(m.states, m.context, m.year + 1)


def test_smart_village_raises_services_in_receiving_gun_only() -> None:
    m = model_for("scenario=smart_village")
    m.step()
    got = m.policy.investment_krw > 0
    assert got.any()
    assert (m.world.is_gun[got] & m.world.jeonbuk[got]).all()  # the pilot: Jeonbuk's gun only
    d = [SERVICE_DOMAINS.index("mobility"), SERVICE_DOMAINS.index("health")]
    others = [k for k in range(len(SERVICE_DOMAINS)) if k not in d]
    assert (m.policy.services[np.ix_(got, d)] > 0).all()
    assert np.all(m.policy.services[~got] == 0)
    assert np.all(m.policy.services[:, others] == 0)
    agri = SECTORS.index("agri")
    assert (m.policy.tech_shift[got, agri] > 0).all() and np.all(m.policy.tech_shift[~got] == 0)
    # The service levels the households see moved by exactly the policy points (below 100).
    lv = m.service_levels()
    assert np.allclose(lv[~got], np.clip(m.world.services_base[~got], 0, 100))


def test_unfunded_assets_decay_funded_do_not() -> None:
    reg = AssetRegistry()
    reg.add([0, 1], [SERVICE, SERVICE], [0, 0], [100.0, 100.0], [100.0, 100.0], 2016, "x")
    for year in (2017, 2018, 2019):
        reg.age(np.array([1.0, 0.0]), decay_rate=0.15, year=year, service_life=8)
    assert reg.condition[0] == 1.0
    assert reg.condition[1] == pytest.approx(0.85**3)
    k = reg.capital_by(SERVICE, 2, len(SERVICE_DOMAINS))
    assert k[0, 0] == 100.0 and k[1, 0] == pytest.approx(100 * 0.85**3)


def test_every_asset_retires_at_the_end_of_its_service_life() -> None:
    """Operation keeps an asset's condition, but not beyond its service life."""
    reg = AssetRegistry()
    reg.add([0, 1], [SERVICE, SERVICE], [0, 0], [100.0, 100.0], [100.0, 100.0], 2016, "x")
    for year in range(2017, 2016 + 8):
        reg.age(np.array([1.0, 0.0]), decay_rate=0.15, year=year, service_life=8)
    assert reg.condition[0] == 1.0 and reg.condition[1] > 0  # 7 years old: still working
    reg.age(np.array([1.0, 0.0]), decay_rate=0.15, year=2024, service_life=8)
    assert np.all(reg.condition == 0)  # 8 years old: retired, operated or not


@pytest.mark.parametrize("lifecycle", ["build_only", "package"])
def test_lifecycle_operation_in_the_model(lifecycle: str) -> None:
    """Package: first-year assets keep their condition but for the share of operation
    money that delivery absorbs (operation bears overhead, capture and capacity like
    building); build-only: they lose decay_rate a year."""
    m = model_for("scenario=trouble_shooter", f"lifecycle={lifecycle}")
    m.step()
    first = len(m.policy.assets)
    m.step()
    m.step()
    cond = m.policy.assets.condition[:first]
    decay, overhead = m.cfg.lifecycle.decay_rate, m.cfg.governance.overhead
    assert 0 < overhead < 1 and decay > 0
    if lifecycle == "package":
        lost = 1 - policy.delivery_factor(m.cfg.governance, m.policy.plan)[m.policy.assets.muni[:first]]
        assert np.allclose(cond, (1 - decay * lost) ** 2)
    else:
        assert np.allclose(cond, (1 - decay) ** 2)


def test_services_fall_after_the_horizon_without_operation() -> None:
    """After the horizon nothing pays operation: the service capital behind the points
    loses 15% a year (points are per resident, so they also follow population)."""
    m = model_for("scenario=trouble_shooter", "budget.horizon_years=1")
    m.step()
    k0 = m.policy.assets.capital_by(SERVICE, m.n_munis, len(SERVICE_DOMAINS))
    m.step()
    assert m.policy.investment_krw.sum() == 0
    k1 = m.policy.assets.capital_by(SERVICE, m.n_munis, len(SERVICE_DOMAINS))
    assert k0.sum() > 0 and np.allclose(k1, (1 - m.cfg.lifecycle.decay_rate) * k0)
    got = k0 > 0
    assert np.array_equal(m.policy.services > 0, got)


@pytest.mark.parametrize("gov", ["province_led", "collaborative"])
def test_block_grants_stay_within_each_province(gov: str) -> None:
    key = ["governance.grant_key=population"] if gov == "province_led" else []
    m = model_for("scenario=province_led", f"governance={gov}", "lifecycle=package", *key)
    for _ in range(2):  # the second year also pays operation out of each grant
        persons = m.persons.astype(float)  # what the grants are keyed on this year
        m.step()
        pots = m.policy.pots
        assert len(pots) == len(np.unique(m.world.province_code))
        for amount, members in pots:
            assert m.policy.investment_krw[members].sum() == pytest.approx(amount, rel=1e-9)
        assert sum(a for a, _ in pots) == pytest.approx(m.cfg.budget.annual_krw, rel=1e-12)
    if gov == "province_led":  # grant_key=population: grants follow eligible residents
        for amount, members in pots:
            share = persons[members].sum() / persons.sum()
            assert amount / m.cfg.budget.annual_krw == pytest.approx(share, rel=1e-9)


@pytest.mark.parametrize(
    ("scenario", "extra", "years"),
    [
        ("status_quo_2018", [], 3),
        ("brief_combined", ["budget.local_match_rate=0.5"], 3),
        ("living_soc_package", ["budget.horizon_years=2"], 4),
        ("smart_village_national", ["budget.annual_krw=1e11"], 2),
    ],
)
def test_budget_spent_exactly_as_configured(scenario: str, extra: list[str], years: int) -> None:
    m = model_for(f"scenario={scenario}", *extra)
    yearly = []
    for _ in range(years):
        m.step()
        yearly.append(m.policy.investment_krw.sum())
    b = m.cfg.budget
    spent_years = min(years, b.horizon_years)
    expected = b.annual_krw * (1 + b.local_match_rate) * spent_years
    assert m.policy.investment_total_krw.sum() == pytest.approx(expected, rel=1e-12)
    assert m.policy.national_spent == pytest.approx(b.annual_krw * spent_years, rel=1e-12)
    assert all(y == 0 for y in yearly[spent_years:])


@pytest.mark.parametrize("scenario", ["no_investment", "brief_combined"])
def test_zero_budget_builds_nothing(scenario: str) -> None:
    extra = [] if scenario == "no_investment" else ["budget.annual_krw=0"]
    m = model_for(f"scenario={scenario}", *extra)
    m.run(2)
    assert m.policy.investment_total_krw.sum() == 0 and len(m.policy.assets) == 0
    assert np.all(m.policy.services == 0) and np.all(m.policy.tech_shift == 0) and np.all(m.policy.attachment == 0)


def test_ts_system_funds_the_most_felt_deficit() -> None:
    """With a perfect signal (no error, every age class heard alike) the TS system funds
    the domain residents feel most lacking (the choice before issue 23)."""
    m = model_for("scenario=trouble_shooter", "instrument.ts_signal_noise=0",
                  "instrument.ts_participation=[1,1,1]")
    levels = m.service_levels()
    chosen = {a.index: a.choose_ts_domains(1, levels)[0] for a in m.municipalities_list}
    # The choice is the argmax of residents' weight x shortfall, per municipality.
    w = np.asarray(m.params.qol.service_weights)
    by_class = by_age_class(m.observed.persons_by_type)
    felt = (by_class @ w) / by_class.sum(axis=1, keepdims=True) * (100 - levels)
    assert all(chosen[i] == int(np.argmax(felt[i])) for i in range(m.n_munis))
    m.step()
    a = m.policy.assets
    assert len(a) and (a.target == SERVICE).all()
    assert all(a.index[k] == chosen[a.muni[k]] for k in range(len(a)))


def test_tech_test_bed_raises_knowledge_productivity_then_decays() -> None:
    m = model_for("scenario=tech_city", "budget.horizon_years=1")
    m.step()
    got = m.policy.investment_krw > 0
    k = SECTORS.index("knowledge")
    assert got.sum() == 10  # competitive: the 10 best-scored places
    assert (m.policy.tech_shift[got, k] > 0).all()
    assert np.all(m.policy.tech_shift[~got] == 0) and np.all(m.policy.tech_shift[:, :k] == 0)
    assert (m.policy.services[got, SERVICE_DOMAINS.index("digital")] > 0).all()
    m.step()  # no money, no operation: the productivity level falls back a little
    assert (m.policy.tech_shift[got, k] < 0).all()


def test_living_lab_reaches_the_innovation_city_with_attachment() -> None:
    m = model_for("scenario=innovation_city_living_lab")
    m.step()
    host = m.region.table["innovation_city"].to_numpy(bool) & m.world.jeonbuk
    got = m.policy.investment_krw > 0
    assert np.array_equal(got, host)
    assert (m.policy.attachment[host] > 0).all() and np.all(m.policy.attachment[~host] == 0)
    k = SECTORS.index("knowledge")
    assert (m.policy.tech_shift[host, k] > 0).all()
    assert m.policy.assets.instrument.tolist() and set(m.policy.assets.instrument) == {"living_lab"}


def test_centre_led_need_noise_changes_only_who_is_seen() -> None:
    """Same seed, noise off vs on: the same total, a different split (noisy knowledge)."""
    a = model_for("scenario=trouble_shooter", "governance.need_noise=0")
    b = model_for("scenario=trouble_shooter", "governance.need_noise=1.0")
    a.step()
    b.step()
    assert a.policy.investment_krw.sum() == pytest.approx(b.policy.investment_krw.sum(), rel=1e-12)
    assert not np.allclose(a.policy.investment_krw, b.policy.investment_krw)


def test_housing_share_builds_dwellings() -> None:
    m = model_for("scenario=innovation_city_living_lab", "instrument.living_lab.housing_share=0.2",
                  "governance.planning_cost_krw=0", "governance.proposal_cost_krw=0")
    units0 = m.housing.units.copy()
    policy_step_alone(m)  # before housing supply responds
    host = m.policy.investment_krw > 0
    built = m.housing.units - units0
    delivery = policy.delivery_factor(m.cfg.governance, m.policy.plan)
    expected = m.policy.investment_krw * 0.2 * delivery / m.cfg.instrument.krw_per_dwelling
    assert np.allclose(built, expected) and (built[host] > 0).all()


BAD = [
    (["budget.annual_krw=-5e11"], "budget.annual_krw"),
    (["budget.local_match_rate=-0.5"], "budget.local_match_rate"),
    (["scenario=trouble_shooter", "targeting.rule=lottery"], "targeting.rule='lottery'"),
    (["scenario=trouble_shooter", "instrument.kind=jetpacks"], "instrument.kind='jetpacks'"),
    (["scenario=trouble_shooter", "governance.overhead=1.5"], "governance.overhead"),
    (["scenario=trouble_shooter", "governance.need_noise=-1"], "governance.need_noise"),
    (["scenario=trouble_shooter", "lifecycle.decay_rate=-0.1"], "lifecycle.decay_rate"),
    (["scenario=trouble_shooter", "instrument.cost_per_point_krw=-1"], "instrument.cost_per_point_krw"),
    (["scenario=status_quo_2018", "targeting.sites=[29010,99999,Atlantis]"], "['99999', 'Atlantis']"),
    (["scenario=status_quo_2018", "targeting.site_weights=[1,2]"], "targeting.site_weights"),
    (["scenario=trouble_shooter", "instrument.smart_village.tech_share=2"], "instrument.smart_village.tech_share"),
    (["scenario=trouble_shooter", "targeting.kinds=[village]"], "targeting.kinds[0]='village'"),
]


@pytest.mark.parametrize(("overrides", "named"), BAD)
def test_bad_policy_settings_fail_at_start_naming_the_setting(overrides: list[str], named: str) -> None:
    with pytest.raises(ConfigError) as err:
        compose(*overrides)
    assert named in str(err.value)


def test_no_eligible_municipality_fails_at_build() -> None:
    cfg = compose("scenario=smart_village", "targeting.provinces=[99]")
    with pytest.raises(ConfigError, match="no municipality"):
        SmartCityModel(cfg)


def test_policy_dwellings_arrive_empty() -> None:
    """Dwellings the policy engine builds join the empty homes the moment they are built
    and are counted once: over a run, vacant - vacant0 = every dwelling added (policy,
    pipeline, price-driven) - households added, in places that never hit a bound."""
    m = model_for("scenario=innovation_city_living_lab", "instrument.living_lab.housing_share=0.2")
    vacant0, units0, housed0 = m.housing.vacant.copy(), m.housing.units.copy(), m.housing.households_housed.copy()
    policy_step_alone(m)  # its dwellings are empty at once
    built = m.housing.units - units0
    assert (built > 0).any()
    np.testing.assert_allclose(m.housing.vacant - vacant0, built)
    m.run()
    inside = (m.housing.vacant > 0.005 * m.housing.units * (1 + 1e-9)) & (m.housing.vacant < m.housing.units)
    assert inside.sum() >= m.n_munis // 2
    expected = vacant0 + (m.housing.units - units0) - (m.housing.households_housed - housed0)
    np.testing.assert_allclose(m.housing.vacant[inside], expected[inside])
