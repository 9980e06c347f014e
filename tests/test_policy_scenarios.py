"""Every named scenario composes, runs a few years and spends the same budget (issue 4).

On the synthetic region (fast) and on Korea (slow-marked). Scenarios change only the
policy groups; ``no_investment`` spends nothing, all others ``annual_krw x years``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import CONFIG_DIR

from sim.config import compose as compose_files
from sim.config import to_typed
from sim.model import SmartCityModel

SCENARIOS = sorted(p.stem for p in (Path(CONFIG_DIR) / "scenario").glob("*.yaml"))
REQUIRED = {
    "no_investment", "status_quo_2018", "tech_city", "trouble_shooter",
    "innovation_city_living_lab", "smart_village", "smart_village_national", "province_led",
    "living_soc_package", "brief_combined",
}
POLICY_GROUPS = ("budget", "targeting", "instrument", "governance", "lifecycle", "scenario")


def compose(scenario: str, region: str, *extra: str):
    base = [f"region={region}", "run.plots=false", "run.progress=false", f"scenario={scenario}"]
    return compose_files([*base, *extra])


def test_all_required_scenarios_exist() -> None:
    assert REQUIRED <= set(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_changes_only_policy(scenario: str) -> None:
    ref = compose("no_investment", "synthetic")
    cfg = compose(scenario, "synthetic")
    for key in cfg:
        if key not in POLICY_GROUPS and key != "hydra":
            assert cfg[key] == ref[key], f"scenario {scenario} changes {key}"
    assert cfg.scenario.name == scenario and cfg.scenario.description
    assert cfg.budget == ref.budget  # same national budget for every scenario


def _run_and_check(cfg, years: int) -> SmartCityModel:
    typed = to_typed(cfg)
    m = SmartCityModel(typed)
    m.run(years)
    b = typed.budget
    expected = 0.0 if typed.targeting.rule == "none" else b.annual_krw * (1 + b.local_match_rate) * min(years, b.horizon_years)
    assert m.policy.investment_total_krw.sum() == pytest.approx(expected, rel=1e-12, abs=1e-3)
    national = m.records.national_frame()
    assert national["investment_krw"].sum() == pytest.approx(expected, rel=1e-9, abs=1e-3)
    if expected > 0:
        assert len(m.policy.assets) > 0 and np.any(m.policy.services > 0)
    assert np.isfinite(m.observed.qol).all() and np.isfinite(m.policy.tech_shift).all()
    return m


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_runs_on_synthetic(scenario: str) -> None:
    _run_and_check(compose(scenario, "synthetic", "run.scale=400"), years=3)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_runs_on_korea(scenario: str) -> None:
    m = _run_and_check(compose(scenario, "korea", "run.scale=1000"), years=2)
    t = m.region.table
    got = set(t["code"][m.policy.investment_total_krw > 0])
    if scenario == "status_quo_2018":  # the five programmes' sites, and no other
        sites = {c for prog in m.cfg.targeting.programmes for c in prog.sites}
        assert got == sites
    if scenario == "smart_village":
        assert got and all(c.startswith("35") for c in got)
        assert set(t["kind"][m.policy.investment_total_krw > 0]) == {"gun"}
    if scenario == "innovation_city_living_lab":
        assert got == {"35010", "35310"}  # Jeonju-si and Wanju-gun


@pytest.mark.slow
def test_status_quo_money_follows_site_weights_on_korea() -> None:
    m = SmartCityModel(to_typed(compose("status_quo_2018", "korea", "run.scale=1000")))
    m.step()
    codes = m.region.table["code"].tolist()
    t = m.cfg.targeting
    inv = m.policy.investment_krw
    share = {c: inv[codes.index(c)] / inv.sum() for c in t.sites}
    total_w = sum(t.site_weights)
    for c, w in zip(t.sites, t.site_weights, strict=True):
        assert share[c] == pytest.approx(w / total_w, rel=1e-9)


def test_every_policy_parameter_is_documented() -> None:
    """docs/scenarios.md names every lever parameter, so a researcher finds each one."""
    import dataclasses

    from sim.config import BudgetConfig
    from sim.policy import config as pc

    text = (Path(CONFIG_DIR).parent / "docs" / "scenarios.md").read_text()
    from sim import beliefs as bl

    sections = [BudgetConfig, pc.TargetingConfig, pc.InstrumentConfig, pc.Recipe,
                pc.GovernanceConfig, pc.LifecycleConfig, pc.Programme, pc.ResearchCentre,
                bl.BeliefsConfig, bl.ServiceEfficiencyBeliefs, bl.GovernanceBeliefs,
                bl.LifecycleBeliefs, bl.TechBeliefs, bl.PrivateBeliefs, bl.LearningBeliefs,
                bl.ServiceBeliefs, bl.QolBeliefs, bl.TsBeliefs, bl.EnvelopeBeliefs,
                pc.EnvelopeWeights]
    missing = [f"{c.__name__}.{f.name}" for c in sections for f in dataclasses.fields(c)
               if f"`{f.name}" not in text and f".{f.name}" not in text]
    assert not missing, f"docs/scenarios.md does not describe {missing}"
    for s in SCENARIOS:
        assert f"`{s}`" in text, f"scenario {s} missing from docs/scenarios.md"
