"""A symmetric contest (issue 23): need measured apart from the outcome, a balanced
envelope, the same selection and planning costs for centre and province, assets that
operation keeps alive, a TS system that can be wrong, measured service indicators and
the 2018 programmes at the scale of their sites.

Each test checks what a lever does at its own sites or what symmetry requires; which
scenario wins is never asserted.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.config import CONFIG_DIR, make_config
from sim.constants import SECTORS, SERVICE_DOMAINS, by_age_class
from sim.data import load_region
from sim.data.census import base_services
from sim.io import read_parquet
from sim.model import SmartCityModel
from sim.policy import allocation
from sim.policy.assets import SERVICE, AssetRegistry, operation_break_even
from sim.policy.config import EnvelopeWeights
from sim.processes import policy
from sim.world import make_world

BASE = ["region=synthetic", "run.scale=400", "run.plots=false", "run.progress=false"]
LEVELS = ("centre", "province", "joint")


def model(*overrides: str) -> SmartCityModel:
    return SmartCityModel(make_config([*BASE, *overrides]))


def run(*overrides: str, years: int = 3) -> SmartCityModel:
    m = model(*overrides)
    m.run(years)
    return m


@pytest.fixture(scope="module")
def korea():
    """The Korea world of a 2020 start and its census residents."""
    cfg = make_config(["region=korea", "run.start_year=2020"])
    region = load_region(cfg.region)
    return make_world(region, 2020), region.table["pop_2020"].to_numpy(dtype=float)


# ------------------------------------------------------------- service indicators


def test_service_indices_no_longer_mirror_each_other(korea) -> None:
    """Mobility was people per km2 and environment km2 per person (correlation -1);
    the indicators are now measured services: no two domains mirror each other."""
    table = load_region(make_config(["region=korea"]).region).table
    for year in (2015, 2020):
        s = base_services(table, year)
        corr = np.corrcoef(s.T)
        off = corr[~np.eye(6, dtype=bool)]
        assert np.abs(off).max() < 0.7, corr.round(2)
        pop = table[f"pop_{year}"].to_numpy(dtype=float)
        assert np.allclose(np.average(s, axis=0, weights=pop), 50, atol=0.5)


# ------------------------------------------------------------------------ need


def test_indicator_need_is_apart_from_the_qol_that_judges_outcomes() -> None:
    """Need from census indicators does not move with QoL (the outcome), and it rises
    where a service count falls short."""
    rng = np.random.default_rng(0)
    m = 8
    persons = rng.uniform(1e3, 1e5, m)
    counts = rng.uniform(1, 100, (m, 6)) * persons[:, None] / 1e3
    vacancy = rng.uniform(0.03, 0.2, m)
    t = make_config(BASE).targeting
    world = type("W", (), {"need_counts": counts, "need_vacancy": vacancy})()
    a = allocation.need_of(t, persons, rng.uniform(30, 70, m), world)
    b = allocation.need_of(t, persons, rng.uniform(30, 70, m), world)
    assert np.array_equal(a, b)
    fewer = counts.copy()
    fewer[0, 0] *= 0.2  # place 0 loses most of its doctors
    assert allocation.indicator_need(persons, fewer, vacancy)[0] > a[0]
    qol = dataclasses.replace(t, need="qol")
    assert not np.array_equal(allocation.need_of(qol, persons, np.full(m, 40.0), world),
                              allocation.need_of(qol, persons, np.full(m, 60.0) - np.arange(m), world))


# -------------------------------------------------------------------- envelope


@pytest.mark.parametrize("arm", ["neutral", "brief", "sceptic"])
def test_the_balanced_envelope_gives_the_capital_region_at_most_its_population_share(
        arm: str, korea) -> None:
    world, persons = korea
    weights = make_config(["region=korea", f"beliefs={arm}", "scenario=brief_combined"]
                          ).targeting.envelope_weights
    mask = np.ones(world.n, dtype=bool)
    provinces, shares = allocation.envelope_shares(world, persons, mask, weights)
    assert shares.sum() == pytest.approx(1.0) and (shares >= 0).all()
    capital = np.isin(provinces, np.unique(world.province_code[world.capital_region]))
    population_share = persons[world.capital_region].sum() / persons.sum()
    assert shares[capital].sum() <= population_share + 1e-9


def test_any_envelope_weights_keep_the_capital_region_at_or_below_its_population_share(korea) -> None:
    """Population alone gives exactly the population share; every other part less."""
    world, persons = korea
    mask = np.ones(world.n, dtype=bool)
    population_share = persons[world.capital_region].sum() / persons.sum()
    capital_provinces = np.unique(world.province_code[world.capital_region])
    rng = np.random.default_rng(1)
    for w in [(1, 0, 0, 0), *rng.uniform(0, 1, (20, 4))]:
        provinces, shares = allocation.envelope_shares(world, persons, mask, EnvelopeWeights(*w))
        assert shares[np.isin(provinces, capital_provinces)].sum() <= population_share + 1e-9


def test_the_envelope_sizes_each_provinces_pot_whoever_selects() -> None:
    for gov in ("centre_led", "collaborative"):
        m = model("scenario=brief_combined", f"governance={gov}", "lifecycle=build_only",
                  "instrument.research_centre.share=0")
        persons = m.persons.astype(float)
        m.step()
        mask = np.ones(m.world.n, dtype=bool)
        provinces, shares = allocation.envelope_shares(m.world, persons, mask,
                                                       m.cfg.targeting.envelope_weights)
        for (amount, members), p, share in zip(m.policy.pots, provinces, shares, strict=True):
            assert amount == pytest.approx(share * m.cfg.budget.annual_krw, rel=1e-12)
            assert m.policy.investment_krw[members].sum() == pytest.approx(amount, rel=1e-9)
            assert (m.world.province_code[members] == p).all()


def test_every_run_reports_the_money_by_region_kind_and_province() -> None:
    m = run("scenario=brief_combined", years=2)
    nat = m.records.national_frame()
    last = nat.iloc[-1]
    assert np.isnan(nat["money_share_capital_region"].iloc[0])  # nothing spent at the start
    inv = m.records.municipal_frame().groupby("code", sort=False)["investment_krw"].sum()
    inv = inv.reindex(m.world.codes).to_numpy()
    assert last["money_share_capital_region"] == pytest.approx(
        inv[m.world.capital_region].sum() / inv.sum())
    assert last["money_share_capital_region"] + last["money_share_noncapital"] == pytest.approx(1)
    assert sum(last[f"money_share_{k}"] for k in ("gu", "si", "gun")) == pytest.approx(1)
    prov = [f"money_share_province_{int(c)}" for c in m.world.province_codes]
    assert sum(last[c] for c in prov) == pytest.approx(1)


# -------------------------------------------------------------- governance symmetry


def _same_beliefs_for_centre_and_province() -> list[str]:
    """Every by-level governance belief of the province set to the centre's value."""
    b = make_config(BASE).beliefs.governance
    names = {f.name.rsplit("_", 1)[0] for f in dataclasses.fields(b) if f.name.endswith("_centre")}
    return [f"beliefs.governance.{n}_province={getattr(b, f'{n}_centre')}" for n in sorted(names)]


def test_centre_and_province_with_identical_beliefs_spend_identically() -> None:
    """Same beliefs for both levels: province-led grants (grant key: what the rule would
    send) put the same money in the same places and build the same capital in all as
    the centre's national pot; no cost is charged to one side only. (Per place the
    capital differs a little: a call's losers are paid by its own pot, the nation's or
    the province's.)"""
    same = _same_beliefs_for_centre_and_province()
    a = model("scenario=trouble_shooter", *same)
    b = model("scenario=province_led", *same)
    for _ in range(2):
        a.step()
        b.step()
        np.testing.assert_allclose(a.policy.investment_krw, b.policy.investment_krw, rtol=1e-9)
    ka = a.policy.assets.capital_by(SERVICE, a.world.n, len(SERVICE_DOMAINS))
    kb = b.policy.assets.capital_by(SERVICE, b.world.n, len(SERVICE_DOMAINS))
    assert ka.sum() == pytest.approx(kb.sum(), rel=1e-3)  # small places: plans wait for money
    np.testing.assert_allclose(ka, kb, rtol=0.01)


def test_symmetry_province_led_minus_centre_led_is_within_the_seed_noise() -> None:
    """The issue's symmetry test. With identical beliefs for centre and province, the
    paired difference province_led - trouble_shooter in mean QoL and in felt benefit
    lies within the seed noise: the standard deviation, over seeds, of the same outcome
    of one scenario. Four seeds, four years."""
    same = _same_beliefs_for_centre_and_province()
    diffs, levels = {"qol_mean": [], "felt_benefit_share": []}, {"qol_mean": [], "felt_benefit_share": []}
    for seed in (1, 2, 3, 4):
        c = run("scenario=trouble_shooter", f"run.seed={seed}", *same, years=4).records.latest
        p = run("scenario=province_led", f"run.seed={seed}", *same, years=4).records.latest
        for k in diffs:
            diffs[k].append(p[k] - c[k])
            levels[k].append(c[k])
    for k in diffs:
        noise = float(np.std(levels[k], ddof=1))
        assert noise > 0
        assert abs(float(np.mean(diffs[k]))) <= noise, (k, diffs[k], noise)


def test_a_project_plans_once_and_carries_a_shortfall_over() -> None:
    """The plan is paid once per project, whoever selects; a project funded below its
    planning cost pays what it gets and the rest in later years."""
    for gov in ("centre_led", "province_led"):
        m = model("scenario=trouble_shooter", f"governance={gov}", "governance.proposal_cost_krw=0",
                  "budget.annual_krw=5e9", "governance.planning_cost_krw=2e8")
        m.step()
        got = m.policy.investment_krw > 0
        planned = m.policy.planned.sum(axis=1)
        np.testing.assert_allclose(planned[got], np.minimum(m.policy.investment_krw[got], 2e8))
        short = got & (m.policy.investment_krw < 2e8)
        assert short.any()  # small places cannot pay their plan in one year
        first = planned.copy()
        m.step()
        again = m.policy.investment_krw > 0
        paid = m.policy.planned.sum(axis=1) - first
        assert (paid[got & ~short] == 0).all()  # a finished plan is not paid again
        assert (paid[short & again] > 0).all()
        assert (m.policy.planned.sum(axis=1) <= 2e8 + 1e-6).all()


def test_losing_applicants_cost_what_a_call_selects_for() -> None:
    """A competition's losers spend a proposal each (apply_share of the eligible places
    not funded): the same money, less built; none where everyone is funded."""
    built = {}
    for share in (0.0, 1.0):
        m = model("scenario=tech_city", "governance.planning_cost_krw=0",
                  f"governance.apply_share={share}", "governance.proposal_cost_krw=1e9")
        m.step()
        built[share] = m.policy.assets.capital.sum()
        losers = (m.policy.investment_krw == 0).sum()
        assert losers > 0
    delivery = policy.delivery_factor(m.cfg.governance, m.policy.plan)
    funded = m.policy.investment_krw > 0
    assert built[1.0] < built[0.0]
    assert built[0.0] - built[1.0] == pytest.approx(
        1e9 * losers * float(np.average(delivery[funded], weights=m.policy.investment_krw[funded])),
        rel=1e-6)


# -------------------------------------------------------------------- lifecycle


def test_operation_extends_the_service_life() -> None:
    reg = AssetRegistry()
    reg.add([0, 1, 2], [SERVICE] * 3, [0, 0, 0], [1.0] * 3, [1.0] * 3, 2020, "x")
    for year in range(2021, 2033):
        reg.age(np.array([1.0, 0.0, 0.5]), decay_rate=0.0, year=year, service_life=8,
                operated_life=12)
        age = year - 2020
        assert (reg.condition[0] > 0) == (age < 12)  # operated: 12 years
        assert (reg.condition[1] > 0) == (age < 8)  # never operated: 8 years
        assert (reg.condition[2] > 0) == (age < 9.6)  # half operated: 1 / (0.5/8 + 0.5/12)


def test_the_break_even_operating_cost_separates_operating_from_rebuilding() -> None:
    """Below the break-even rate a KRW of operation buys more condition-years than a
    KRW of new unoperated assets; above it, fewer (the asset registry's own ageing)."""
    decay, life, factor = 0.15, 8, 1.5
    c_star = operation_break_even(decay, life, factor)
    assert 0 < c_star < 1

    def per_krw(cost_rate: float, operated: bool) -> float:
        reg = AssetRegistry()
        reg.add([0], [SERVICE], [0], [1.0], [1.0], 0, "x")
        years, spent = reg.condition.sum(), 1.0
        for year in range(1, 40):
            f = np.ones(1) if operated else np.zeros(1)
            if operated and reg.condition[0] > 0:
                spent += cost_rate * reg.condition[0]
            reg.age(f, decay, year, life, life * factor)
            years += reg.condition.sum()
        return years / spent

    build = per_krw(0.0, False)
    assert per_krw(0.9 * c_star, True) > build > per_krw(1.1 * c_star, True)


@pytest.mark.parametrize("lifecycle", ["package", "build_only"])
def test_after_the_spending_local_budgets_operate_only_where_the_lifecycle_says(lifecycle: str) -> None:
    m = model("scenario=living_soc_package", f"lifecycle={lifecycle}", "budget.horizon_years=1")
    m.step()
    m.step()
    assert m.policy.investment_krw.sum() == 0
    local = m.policy.local_operation_krw
    if lifecycle == "package":
        assert local.sum() > 0 and m.records.latest["local_operation_krw"] == pytest.approx(local.sum())
        need = m.cfg.lifecycle.operating_cost_rate * m.policy.assets.cost
        assert local.sum() <= m.cfg.lifecycle.local_operation_share * need.sum() + 1e-6
    else:
        assert local.sum() == 0


def test_a_plan_stage_makes_later_money_build_more() -> None:
    """The package's plan stage adds to each place's plans; plans raise what a KRW
    builds there (plan_gain), and nothing without a gain."""
    m = model("scenario=living_soc_package")
    m.step()
    assert (m.policy.plan_money[m.policy.investment_krw > 0] > 0).all()
    g, life = m.cfg.governance, m.cfg.lifecycle
    factor = policy.plan_factor(m.policy.plan_money, g, life)
    got = m.policy.plan_money > 0
    assert (factor[got] > 1).all() and (factor[~got] == 1).all()
    assert (factor <= 1 + life.plan_gain).all()
    none = policy.plan_factor(m.policy.plan_money, g, dataclasses.replace(life, plan_gain=0.0))
    assert (none == 1).all()


# -------------------------------------------------------------------- TS system


def _felt_value(m: SmartCityModel) -> float:
    """Residents' felt value of the policy's service points: points weighted by the
    QoL's domain weights of the residents' age classes, summed over residents."""
    w = np.asarray(m.params.qol.service_weights)
    by_class = by_age_class(m.observed.persons_by_type)
    return float((by_class @ w * m.policy.services).sum())


def test_the_ts_system_s_edge_shrinks_with_its_accuracy() -> None:
    """The felt value of what TS builds falls as its signal gets noisier (two seeds)."""
    values = []
    for noise in (0.0, 0.5, 3.0):
        values.append(np.mean([
            _felt_value(run("scenario=trouble_shooter", f"instrument.ts_signal_noise={noise}",
                            "instrument.ts_participation=[1,1,1]", f"run.seed={seed}", years=2))
            for seed in (1, 2)]))
    assert values[0] > values[1] > values[2], values


def test_with_perfect_accuracy_the_ts_choice_is_the_felt_deficit() -> None:
    rng = np.random.default_rng(3)
    from sim.policy.instruments import choose_ts_domains, felt_service_deficits

    w = make_config(BASE).behaviour.qol.service_weights
    for _ in range(50):
        by_class, levels = rng.uniform(0, 10, 3), rng.uniform(20, 80, 6)
        felt = felt_service_deficits(by_class, w, levels)
        assert choose_ts_domains(by_class, w, levels, 1, np.ones(6), [1, 1, 1]) == [int(np.argmax(felt))]
    # a biased process hears the age classes that take part
    old_only = choose_ts_domains(np.array([1.0, 1.0, 1.0]), w, np.full(6, 50.0), 1, None, [0, 0, 1])
    assert old_only == [int(np.argmax(np.asarray(w)[2]))]


# ------------------------------------------------------- the 2018 programmes' sites


def test_pilot_city_services_reach_only_their_zone() -> None:
    """A pilot city's services raise the points of its zone's residents only: the
    municipality's mean points are the zone's share of residents times the zone's
    (saturating) points, at most that share of the ceiling and at most what the same
    capital spread over everyone would give."""
    cfg = make_config([*BASE, "scenario=status_quo_2018"])
    m = SmartCityModel(cfg)
    pop = m.observed.persons.astype(float) * m.scale  # the residents the policy sees
    m.step()
    pilots = np.flatnonzero(m.policy.plan.programme_zone[0] > 0)
    assert len(pilots) == 2
    i = m.cfg.instrument
    a = m.policy.assets
    for site in pilots:
        zone = m.policy.plan.programme_zone[0, site]
        reach = min(1.0, zone / pop[site])
        for d in {SERVICE_DOMAINS.index(x) for x in i.pilot_city.service_domains}:
            sel = (a.muni == site) & (a.index == d) & (a.target == SERVICE)
            k = float((a.capital[sel] * a.condition[sel]).sum())
            expected = reach * i.max_points * -np.expm1(-k / (i.cost_per_point_krw * reach * pop[site] * i.max_points))
            assert m.policy.services[site, d] == pytest.approx(expected, rel=1e-9)
            everyone = i.max_points * -np.expm1(-k / (i.cost_per_point_krw * pop[site] * i.max_points))
            assert m.policy.services[site, d] <= min(everyone, reach * i.max_points) + 1e-12


def test_smart_energy_is_a_productivity_channel_not_a_service() -> None:
    m = model("scenario=status_quo_2018")
    m.step()
    a = m.policy.assets
    energy = a.instrument == "smart_energy"
    assert energy.any()
    assert (a.target[energy] != SERVICE).all()
    assert set(a.index[energy]) == {SECTORS.index("manuf")}


def test_master_planning_support_builds_plans_that_shape_later_spending() -> None:
    m = model("scenario=status_quo_2018")
    m.step()
    t = m.cfg.targeting
    k = [p.name for p in t.programmes].index("master_planning_support")
    sites = m.policy.plan.programme_weight[k] > 0
    assert (m.policy.plan_money[sites] > 0).all()
    factor = policy.plan_factor(m.policy.plan_money, m.cfg.governance, m.cfg.lifecycle)
    assert (factor[sites] > 1).all()


def test_every_new_belief_has_three_arms_and_a_source_line() -> None:
    """Each belief added by issue 23 is named in docs/scenarios.md and set (or left at
    the neutral default) in every arm file."""
    from pathlib import Path

    text = (Path(CONFIG_DIR).parent / "docs" / "scenarios.md").read_text()
    for key in ("services.cost_per_point_krw", "services.max_points", "qol.service_weights",
                "qol.services", "ts.signal_noise", "ts.participation", "envelope.population",
                "governance.proposal_cost_krw", "governance.apply_share_centre",
                "governance.capture_loss_province", "lifecycle.operated_life_factor",
                "lifecycle.local_operation_share", "lifecycle.plan_gain"):
        assert f"`{key}`" in text, key
    for arm in ("neutral", "brief", "sceptic"):
        b = make_config([*BASE, f"beliefs={arm}"]).beliefs
        assert b.name == arm
    _ = pd  # pandas is used by fixtures of the other tests


def test_every_comparison_shows_where_the_money_went(tmp_path) -> None:
    from sim.runner import run as run_to_disk
    from sim.tools import compare as cmp

    for name in ("no_investment", "brief_combined"):
        run_to_disk(make_config([*BASE, "run.years=2", f"scenario={name}"]), out_dir=tmp_path / name)
    summary = cmp.compare(tmp_path, figures=False).read_text()
    assert "## Where the money went" in summary
    nat = read_parquet(tmp_path / "brief_combined" / "national.parquet").iloc[-1]
    money = summary.split("## Where the money went", 1)[1]
    row = next(line for line in money.splitlines() if line.startswith("| brief_combined |"))
    assert f"{100 * nat['money_share_capital_region']:.1f}" in row
    kinds, provinces = cmp.money_tables(cmp.gather(tmp_path))
    assert kinds.loc["brief_combined", ["gu", "si", "gun"]].sum() == pytest.approx(100)
    assert provinces.loc["brief_combined"].sum() == pytest.approx(100)
    assert "Jeonbuk (synthetic)" in provinces.columns
    ko = cmp.compare(tmp_path, figures=False, lang="ko").read_text()  # headers in Korean
    assert "| 조건 | 수도권 | 비수도권 | 구 | 시 | 군 |" in ko
    ko_names = dict(zip(*cmp.gather(tmp_path).provinces[["province", "province_ko"]]
                        .drop_duplicates().to_numpy().T, strict=True))
    assert ko_names["Jeonbuk (synthetic)"] in ko


BAD = [
    (["targeting.envelope=everywhere"], "targeting.envelope='everywhere'"),
    (["targeting.need=hunch"], "targeting.need='hunch'"),
    (["scenario=brief_combined", "targeting.envelope_weights.population=0",
      "targeting.envelope_weights.area=0", "targeting.envelope_weights.fiscal_weakness=0",
      "targeting.envelope_weights.remoteness=0"], "targeting.envelope_weights"),
    (["scenario=status_quo_2018", "targeting.envelope=formula"], "targeting.envelope='formula'"),
    (["beliefs.envelope.area=-1"], "beliefs.envelope.area"),
    (["beliefs.qol.services=0", "beliefs.qol.jobs=0", "beliefs.qol.housing=0"], "beliefs.qol"),
    (["beliefs.services.cost_per_point_krw=0"], "beliefs.services.cost_per_point_krw"),
    (["instrument.ts_signal_noise=-0.1"], "instrument.ts_signal_noise"),
    (["instrument.ts_participation=[1,1]"], "instrument.ts_participation"),
    (["beliefs.ts.persistence=1"], "beliefs.ts.persistence"),
    (["governance.apply_share=1.5"], "governance.apply_share"),
    (["beliefs.governance.proposal_cost_krw=-1"], "beliefs.governance.proposal_cost_krw"),
    (["lifecycle.operated_life_factor=0.5"], "lifecycle.operated_life_factor"),
    (["beliefs.lifecycle.local_operation_share=2"], "beliefs.lifecycle.local_operation_share"),
    (["lifecycle.plan_share=1.5"], "lifecycle.plan_share"),
    (["governance.grant_key=lottery"], "governance.grant_key='lottery'"),
    (["scenario=status_quo_2018", "targeting.programmes[0].zone_persons=[1000]"],
     "targeting.programmes[0].zone_persons"),
]


@pytest.mark.parametrize(("overrides", "named"), BAD)
def test_every_new_setting_is_bounded_and_named_when_wrong(overrides: list[str], named: str) -> None:
    from sim.config import ConfigError

    with pytest.raises(ConfigError) as err:
        make_config([*BASE, *overrides])
    assert named in str(err.value)
