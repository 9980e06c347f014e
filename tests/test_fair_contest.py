"""A fair contest (issue 14): no side wins by a name or a hand-set number.

Mechanisms act through parameters only (renamed labels change nothing; two recipes
with the same parameters do the same thing); every contested magnitude is a belief
that the levers take unless set; the channels of the 2018 approach (firm attraction,
private co-investment, the programmes) and of proposal 4 (learning, the research
centre) work as their docs say; welfare and felt benefit measure what they claim.
Which scenario wins is never asserted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim import metrics
from sim.beliefs import resolve
from sim.config import CONFIG_DIR, make_config
from sim.constants import SECTORS
from sim.kernels.households import felt_factors
from sim.model import SmartCityModel
from sim.policy.config import DESIGNS, RECIPES
from sim.processes import policy
from sim.tools import twins

ROOT = Path(__file__).resolve().parents[1]
BASE = ["region=synthetic", "run.scale=200", "run.years=4", "run.plots=false", "run.progress=false"]
KNOWLEDGE = SECTORS.index("knowledge")


def run(*overrides: str, years: int = 4) -> SmartCityModel:
    """A run of the synthetic region (later overrides win, e.g. ``run.scale=20``)."""
    m = SmartCityModel(make_config([*BASE, *overrides]))
    m.run(years)
    return m


def frames(m: SmartCityModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    return m.records.national_frame(), m.records.municipal_frame()


# ------------------------------------------------------------------- names do nothing


def _option_names() -> set[str]:
    """Every scenario, belief, governance and lifecycle option and every recipe name."""
    names = set(RECIPES)
    for group in ("scenario", "beliefs", "governance", "lifecycle"):
        names |= {p.stem for p in (Path(CONFIG_DIR) / group).glob("*.yaml")}
    return names


def test_no_code_compares_against_scenario_recipe_or_belief_names() -> None:
    """No ``x == "tech_city"`` or ``x in ("brief", ...)`` in the simulation: the
    mechanisms may read parameters, never the name of what is being compared. (The
    dashboard, which only picks the scenario its controls start on, is not the model.)"""
    names = _option_names()
    offenders = []
    for path in (ROOT / "sim").rglob("*.py"):
        if "dashboard" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Compare):
                continue
            for side in [node.left, *node.comparators]:
                consts = [side] if isinstance(side, ast.Constant) else (
                    list(side.elts) if isinstance(side, ast.Tuple | ast.List | ast.Set) else [])
                hits = [c.value for c in consts if isinstance(c, ast.Constant) and c.value in names]
                if hits:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {hits}")
    assert not offenders, f"code branches on option names: {offenders}"


def test_renamed_labels_give_identical_outputs() -> None:
    """A copy of a scenario under other names (scenario, governance and lifecycle kinds,
    beliefs) runs exactly the same simulation."""
    a = run("scenario=brief_combined", years=3)
    b = run("scenario=brief_combined", "scenario.name=renamed_copy", "scenario.description=copy",
            "governance.kind=renamed", "lifecycle.kind=renamed", "beliefs.name=renamed", years=3)
    na, ma = frames(a)
    nb, mb = frames(b)
    pd.testing.assert_frame_equal(na, nb)
    pd.testing.assert_frame_equal(ma, mb)


@pytest.mark.parametrize("governance", ["centre_led", "province_led", "collaborative"])
def test_a_competition_funds_its_places_a_year_whoever_selects(governance: str) -> None:
    """``targeting.max_sites`` counts recipients nationally: under block grants each
    province's pot gets its money's share of them, at least one. Who selects then
    changes which places win, not how many (until 2026-12-07 every provincial pot had the
    whole cap, and province-led selection funded ten times as many places as centre-led)."""
    m = run("scenario=tech_city", f"governance={governance}", "region.n_municipalities=40",
            years=3)
    mun = m.records.municipal_frame()
    funded = mun[mun["investment_krw"] > 0].groupby("year")["code"].nunique()
    provinces = mun["province"].nunique()
    assert len(funded) == 3
    assert (funded >= min(10, 40) - provinces).all() and (funded <= max(10, provinces) + provinces).all()


@given(st.integers(0, 50), st.lists(st.floats(0.01, 1e12), min_size=1, max_size=17))
def test_pot_sites_share_the_national_cap(max_sites: int, amounts: list[float]) -> None:
    from sim.policy.allocation import pot_sites

    total = sum(amounts)
    sites = [pot_sites(max_sites, a, total, len(amounts)) for a in amounts]
    if max_sites == 0:
        assert sites == [0] * len(amounts)
    elif len(amounts) == 1:
        assert sites == [max_sites]
    else:
        assert all(s >= 1 for s in sites)
        assert sum(sites) <= max(max_sites, len(amounts)) + len(amounts)  # rounding, at least one each


def test_two_recipes_with_identical_parameters_give_identical_effects() -> None:
    """The living-lab recipe given the tech test bed's parameters does what the test bed does."""
    same = ["instrument.living_lab.service_domains=[digital]", "instrument.living_lab.design=tech_push",
            "instrument.living_lab.tech_share=0.7", "instrument.living_lab.attachment_share=0"]
    a = run("scenario=tech_city", "instrument=tech_test_bed", years=3)
    b = run("scenario=tech_city", "instrument=living_lab", *same, years=3)
    na, ma = frames(a)
    nb, mb = frames(b)
    # spending is reported under the recipe's name (spend_<recipe>_krw): the same money
    # under another name; everything else is identical
    spend = [c for c in na.columns if c.startswith("spend_")]
    pd.testing.assert_series_equal(na[spend].sum(axis=1), nb[spend].sum(axis=1))
    assert (na["spend_tech_test_bed_krw"] == nb["spend_living_lab_krw"]).all()
    pd.testing.assert_frame_equal(na.drop(columns=spend), nb.drop(columns=spend))
    pd.testing.assert_frame_equal(ma, mb)


# ---------------------------------------------------------------- beliefs and levers


@pytest.mark.parametrize("arm", ["neutral", "brief", "sceptic"])
def test_every_lever_magnitude_comes_from_the_beliefs_unless_set(arm: str) -> None:
    cfg = make_config([*BASE, "scenario=brief_combined", f"beliefs={arm}"])
    b = cfg.beliefs
    assert cfg.governance.overhead == getattr(b.governance, f"overhead_{cfg.governance.level}")
    assert cfg.lifecycle.service_life_years == b.lifecycle.service_life_years
    for r in RECIPES:
        rec = getattr(cfg.instrument, r)
        assert rec.service_efficiency == getattr(b.service_efficiency, rec.design)
    assert cfg.behaviour.qol.felt_threshold == b.felt_threshold
    assert resolve(cfg) == cfg  # resolving twice changes nothing
    pinned = make_config([*BASE, "scenario=brief_combined", f"beliefs={arm}", "governance.overhead=0.3"])
    assert pinned.governance.overhead == 0.3  # a value set on the lever wins


def test_neutral_beliefs_treat_every_design_and_level_alike() -> None:
    b = make_config(BASE).beliefs
    assert b.name == "neutral"
    assert len({getattr(b.service_efficiency, d) for d in DESIGNS}) == 1
    g = b.governance
    assert g.overhead_centre == g.overhead_province == g.overhead_joint
    assert g.capacity_bias_centre == g.capacity_bias_province == g.capacity_bias_joint


def test_the_service_valuation_belief_sets_the_migration_coefficients() -> None:
    low = make_config([*BASE, "beliefs.service_wtp=0.01"]).behaviour.migration
    high = make_config([*BASE, "beliefs.service_wtp=0.10"]).behaviour.migration
    assert np.allclose(np.asarray(high.beta_services), 10 * np.asarray(low.beta_services))
    free = make_config([*BASE, "beliefs.service_wtp=null", "behaviour.migration.beta_services=[0.1,0.2,0.3]"])
    assert free.behaviour.migration.beta_services == [0.1, 0.2, 0.3]


# ---------------------------------------------------------- channels of the 2018 approach


def _knowledge_jobs_at_sites(attraction: float) -> tuple[float, float]:
    """Knowledge jobs at the funded sites after 5 years: test bed (all money to tech
    capital, no productivity return, so firm attraction is the only channel) and its
    same-seed no-investment twin, with enough firm agents (scale 20) that a few more
    entrants are not lost in the size of one agent."""
    only_attraction = ["run.scale=20", "instrument.tech_test_bed.tech_share=1.0",
                       "beliefs.tech.tech_return=0", f"beliefs.tech.firm_attraction={attraction}"]
    bed = run("scenario=tech_city", *only_attraction, years=5)
    twin = run("scenario=no_investment", *only_attraction, years=5)
    sites = bed.policy.investment_total_krw > 0
    assert sites.any()
    return (float(bed.firms.jobs[sites, KNOWLEDGE].sum()), float(twin.firms.jobs[sites, KNOWLEDGE].sum()))


def test_firm_attraction_draws_knowledge_jobs_to_test_beds() -> None:
    bed, twin = _knowledge_jobs_at_sites(3.0)
    assert bed > twin


def test_without_firm_attraction_tech_capital_draws_no_jobs() -> None:
    bed, twin = _knowledge_jobs_at_sites(0.0)
    assert bed == twin


def test_location_pull_is_neutral_without_tech_capital_or_extra_agglomeration() -> None:
    from sim.beliefs import TechBeliefs
    from sim.processes.firms import footloose_entries, location_pull

    rng = np.random.default_rng(0)
    jobs = rng.uniform(1, 100, (20, 4))
    expected = rng.uniform(0, 3, (20, 4))
    pull = location_pull(np.zeros((20, 4)), jobs, TechBeliefs())
    assert np.allclose(pull, 1.0)
    assert np.allclose(footloose_entries(expected, pull, np.full(4, 0.5)), expected)
    index = np.zeros((20, 4))
    index[3, KNOWLEDGE] = 0.5
    moved = footloose_entries(expected, location_pull(index, jobs, TechBeliefs(firm_attraction=2.0)),
                              np.full(4, 0.5))
    assert np.allclose(moved.sum(axis=0), expected.sum(axis=0))  # entrants conserved
    assert moved[3, KNOWLEDGE] > expected[3, KNOWLEDGE]


def test_status_quo_money_follows_the_programmes() -> None:
    """Year 1 on Korea: each programme's sites get the budget in proportion to their
    weights x (1 + local match); private money arrives lag years later."""
    m = SmartCityModel(make_config(["region=korea", "run.scale=1000", "run.progress=false",
                                    "run.plots=false", "scenario=status_quo_2018"]))
    m.step()
    t = m.cfg.targeting
    pos = {c: i for i, c in enumerate(m.world.codes)}
    expected = np.zeros(m.world.n)
    for prog in t.programmes:
        for site, w in zip(prog.sites, prog.site_weights, strict=True):
            expected[pos[site]] += w * (1 + prog.local_match_rate)
    expected *= m.cfg.budget.annual_krw / expected.sum()
    assert np.allclose(m.policy.investment_krw, expected, rtol=1e-9)
    assert m.policy.private_krw.sum() == 0  # the lag: nothing yet
    lag = m.cfg.beliefs.private.lag_years
    first = m.policy.investment_krw.copy()
    for _ in range(lag):
        m.step()
    pilots = [pos[c] for c in t.programmes[0].sites]
    assert np.allclose(m.policy.private_krw[pilots], m.cfg.beliefs.private.leverage * first[pilots])
    assert m.policy.private_krw.sum() == pytest.approx(m.policy.private_krw[pilots].sum())


# ------------------------------------------------------------------ governance beliefs


def test_the_need_error_persists_from_year_to_year() -> None:
    rng = np.random.default_rng(1)
    e = None
    errs = []
    for _ in range(60):
        e = policy.persistent_error(e, rng.standard_normal(5000), 0.8)
        errs.append(e)
    errs = np.array(errs)
    assert abs(errs.std() - 1) < 0.02  # stationary N(0, 1)
    lag1 = np.corrcoef(errs[:-1].ravel(), errs[1:].ravel())[0, 1]
    assert abs(lag1 - 0.8) < 0.02


def test_block_grant_projects_pay_their_planning_cost_first() -> None:
    """A province that funds a project below its planning cost builds nothing there."""
    cheap = run("scenario=province_led", "governance.planning_cost_krw=0", years=1)
    dear = run("scenario=province_led", "governance.planning_cost_krw=1e15", years=1)
    assert len(cheap.policy.assets) > 0 and len(dear.policy.assets) == 0
    assert dear.policy.investment_total_krw.sum() == pytest.approx(cheap.policy.investment_total_krw.sum())


# ---------------------------------------------------------------- learning (proposal 4)


def test_learning_raises_service_points_per_krw_with_deployments() -> None:
    m = SmartCityModel(make_config([*BASE, "scenario=smart_village_national"]))
    first = policy.learning_factor(m.policy, m.levers)
    assert np.allclose(first, 1.0)
    m.run(3)
    later = policy.learning_factor(m.policy, m.levers)
    village = DESIGNS.index("village")
    assert (later[:, village] > 1).all()
    assert np.allclose(later[:, DESIGNS.index("tech_push")], 1.0)  # never deployed


@pytest.mark.parametrize("scenario", ["smart_village_national", "tech_city"])
def test_learning_counts_the_money_a_design_built_not_the_places(scenario) -> None:
    """Experience is a design's build money (services, technology capital and co-design
    alike) in units of ``learning.deployment_krw``: after a year each design's
    deployments are what its recipes' assets cost, over that unit, however many places
    the money went to; a dearer unit gives proportionally fewer."""
    runs = {}
    for unit in (1.2e9, 4.8e9):
        m = SmartCityModel(make_config([*BASE, f"scenario={scenario}",
                                        f"beliefs.learning.deployment_krw={unit}"]))
        m.step()
        a = m.policy.assets
        design = np.array([getattr(m.levers.instrument, str(n)).design if str(n) in RECIPES
                           else "" for n in a.instrument])
        for d, name in enumerate(DESIGNS):
            built = a.cost[design == name].sum()
            assert m.policy.deployments[:, d].sum() == pytest.approx(built / unit, rel=1e-9)
        runs[unit] = m.policy.deployments.sum()
    assert runs[1.2e9] > 0
    assert runs[4.8e9] == pytest.approx(runs[1.2e9] / 4, rel=1e-9)


def test_learning_makes_a_designs_technology_capital_cheaper_too() -> None:
    """The same money into test beds builds more technology capital once the tech_push
    design has experience: learning is the design's, not its services' alone."""
    from sim.policy.assets import TECH

    built = {}
    for label, experience in (("new", 0.0), ("learned", 1e4)):
        m = SmartCityModel(make_config([*BASE, "scenario=tech_city"]))
        m.policy.deployments[:, DESIGNS.index("tech_push")] = experience
        m.step()
        a = m.policy.assets
        tech = a.target == TECH
        built[label] = (a.capital[tech].sum(), a.cost[tech].sum())
    assert built["learned"][1] == pytest.approx(built["new"][1])  # same money
    assert built["learned"][0] > 1.2 * built["new"][0]  # more capital for it


def test_a_research_centre_speeds_the_learning_of_its_designs() -> None:
    """Same deployments, with and without a centre studying village designs whose belief
    is a higher learning rate: the centre's designs get cheaper faster."""
    faster = ["beliefs.learning.research_centre_rate=0.3", "beliefs.learning.research_centre_spillover=1.0"]
    m = SmartCityModel(make_config([*BASE, "scenario=smart_village_national", *faster]))
    m.policy.deployments[:, DESIGNS.index("village")] = 50.0
    without = policy.learning_factor(m.policy, m.levers)
    with_centre = SmartCityModel(make_config([*BASE, "scenario=smart_village_national", *faster,
                                              "instrument.research_centre.share=0.05"]))
    with_centre.policy.deployments[:] = m.policy.deployments
    centre = policy.learning_factor(with_centre.policy, with_centre.levers)
    v = DESIGNS.index("village")
    assert (centre[:, v] > without[:, v]).all()
    with_centre.step()
    host = with_centre.policy.plan.host
    assert host >= 0 and with_centre.policy.investment_krw[host] > 0


# ------------------------------------------------------------------ welfare and felt


finite = st.floats(-20, 20, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 12), elements=finite), st.integers(0, 11), st.floats(1e-3, 5))
def test_logsum_rises_when_any_alternative_gets_better(u, k, bump) -> None:
    """By exactly log(1 + p_k (e^bump - 1)), p_k the alternative's choice probability."""
    k = k % len(u)
    better = u.copy()
    better[k] += bump
    p = np.exp(u - metrics.logsum(u))
    rise = metrics.logsum(better) - metrics.logsum(u)
    assert rise >= 0
    assert rise == pytest.approx(np.log1p(p[k] * np.expm1(bump)), rel=1e-6, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 12), elements=finite), finite)
def test_logsum_never_falls_when_a_choice_is_added(u, extra) -> None:
    assert metrics.logsum(np.append(u, extra)) >= metrics.logsum(u)


def test_share_noticing_matches_the_households_thresholds() -> None:
    """The twin felt share uses the model's own threshold distribution (slow reference:
    the households' factors drawn by the model's kernel)."""
    factors = felt_factors(np.uint64(7), np.arange(200_000, dtype=np.int64), 0.5).astype(float)
    for gain in (0.5, 2.7, 5.0):
        reference = float(np.mean(2.7 * factors <= gain))
        assert twins.share_noticing(np.array([gain]), 2.7, 0.5)[0] == pytest.approx(reference, abs=0.005)
    assert twins.share_noticing(np.array([-1.0, 0.0]), 2.7, 0.5).tolist() == [0.0, 0.0]


def _twin_felt(a: SmartCityModel, b: SmartCityModel) -> float:
    ma, mb = (x.records.municipal_frame() for x in (a, b))
    last = ma["year"].max()
    q = a.cfg.behaviour.qol
    return twins.felt_benefit_paired(ma[ma.year == last], mb[mb.year == last],
                                     q.felt_threshold, q.felt_threshold_spread)


def test_with_no_policy_the_felt_benefit_against_the_twin_is_zero() -> None:
    """No money, no felt benefit: a zero-budget brief_combined against its twin, and the
    same for a budget 10,000 times smaller than the default (near zero)."""
    base = run("scenario=no_investment", years=4)
    none = run("scenario=brief_combined", "budget.annual_krw=0", years=4)
    tiny = run("scenario=brief_combined", "budget.annual_krw=5e7", years=4)
    full = run("scenario=brief_combined", years=4)
    assert _twin_felt(none, base) == 0.0
    assert _twin_felt(tiny, base) < 0.002
    assert _twin_felt(full, base) > _twin_felt(tiny, base)


def test_cost_effectiveness_against_the_twin_discounts_gains_and_money() -> None:
    years = np.arange(2015, 2019)
    twin = pd.DataFrame({"year": years, "welfare_krw_total": [0.0, 1.0, 2.0, 3.0], "investment_krw": 0.0})
    run_ = pd.DataFrame({"year": years, "welfare_krw_total": [0.0, 3.0, 4.0, 3.0],
                         "investment_krw": [0.0, 2.0, 2.0, 0.0]})
    d = 1 / 1.05
    expected = (2 * d + 2 * d**2) / (2 * d + 2 * d**2)
    assert twins.cost_effectiveness_paired(run_, twin, 0.05) == pytest.approx(expected)
    assert np.isnan(twins.cost_effectiveness_paired(twin, twin, 0.05))
