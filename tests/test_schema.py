"""The config schema: bounds on the fields, one validator, a closed set of keys, sanity
limits on magnitudes, and the registries of targeting rules and recipes.

Each setting's allowed values live on its field (:mod:`sim.schema`); these tests check
that every bounded field is enforced by the one generic validator (a property test over
randomly chosen fields and values), that a key which is no setting is refused however it
arrives (command line with or without ``+``, ``values=``, a behaviour file), and that the
budget and seed cannot be mistyped by orders of magnitude.
"""

from __future__ import annotations

import copy
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import (
    CONFIG_DIR,
    MAX_BUDGET_SHARE,
    BehaviourConfig,
    ConfigError,
    behaviour_from_file,
    compose,
    make_config,
    region_output_krw,
    to_typed,
    validate,
)
from sim.parameters import config_for
from sim.policy import allocation
from sim.policy.config import RECIPES, TARGETING_RULES, InstrumentConfig, Recipe
from sim.schema import Bound, bounded_settings, check

BASE = ["region=synthetic", "region.n_municipalities=12", "run.years=2", "run.plots=false",
        "run.progress=false"]


def _message(err: BaseException) -> str:
    parts = []
    while err is not None:
        parts.append(str(err))
        err = err.__cause__
    return "\n".join(parts)


# -- every bounded field is enforced by the generic validator ---------------------------


@pytest.fixture(scope="module")
def base_config():
    """A valid config with every kind of node: the 2018 programmes (a list of
    dataclasses), recipes, beliefs and behaviour."""
    return make_config([*BASE, "scenario=status_quo_2018"])


def _path(key: str) -> list[str | int]:
    """'targeting.programmes[0].years' -> ['targeting', 'programmes', 0, 'years']."""
    out: list[str | int] = []
    for part in key.split("."):
        name, *indices = re.split(r"\[(\d+)\]", part)
        out.append(name)
        out += [int(i) for i in indices if i]
    return out


def _set(cfg, key: str, value) -> None:
    *parents, last = _path(key)
    node = cfg
    for p in parents:
        node = node[p] if isinstance(p, int) else getattr(node, p)
    if isinstance(last, int):
        node[last] = value
    else:
        setattr(node, last, value)


def _get(cfg, key: str):
    node = cfg
    for p in _path(key):
        node = node[p] if isinstance(p, int) else getattr(node, p)
    return node


def _ranged(cfg) -> list[tuple[str, Bound]]:
    return [(k, b) for k, b in bounded_settings(cfg) if b.lo is not None or b.hi is not None]


def _chosen(cfg) -> list[tuple[str, Bound]]:
    return [(k, b) for k, b in bounded_settings(cfg) if b.options is not None]


def _target(cfg, key: str) -> tuple[str, bool]:
    """Where a value of setting ``key`` goes (its first entry for a list, a new code for
    an open dict) and whether the setting holds integers."""
    current = _get(cfg, key)
    if isinstance(current, dict):
        return f"{key}.11010", False
    if isinstance(current, list):
        return f"{key}[0]", bool(current) and isinstance(current[0], int)
    return key, isinstance(current, int) and not isinstance(current, bool)


def _put(cfg, key: str, target: str, value) -> None:
    current = _get(cfg, key)
    if isinstance(current, dict):
        current["11010"] = value
    elif isinstance(current, list):
        if current:
            current[0] = value
        else:
            current.append(value)
    else:
        _set(cfg, key, value)


def test_the_property_tests_see_every_kind_of_field(base_config) -> None:
    keys = [k for k, _ in bounded_settings(base_config)]
    assert len(_ranged(base_config)) > 100 and len(_chosen(base_config)) > 20
    for key in ("run.years", "budget.annual_krw", "behaviour.migration.move_rate",
                "behaviour.migration.amenity_shift", "targeting.programmes[0].local_match_rate",
                "targeting.programmes[4].recipe", "instrument.master_plan.plan_share",
                "beliefs.learning.prior_deployments", "governance.overhead"):
        assert key in keys, key


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_out_of_range_values_are_refused_naming_the_key(base_config, data) -> None:
    key, bound = data.draw(st.sampled_from(_ranged(base_config)), label="setting")
    target, integer = _target(base_config, key)
    sides = [s for s in ("lo", "hi") if getattr(bound, s) is not None]
    side = data.draw(st.sampled_from(sides), label="side")
    edge = getattr(bound, side)
    step = data.draw(st.integers(1, 10**6) if integer else
                     st.floats(1e-6, 1e6, allow_nan=False), label="beyond")
    if side == "lo":
        value = edge if bound.lo_open else edge - step
    else:
        value = edge if bound.hi_open else edge + step
    value = int(value) if integer else float(value)
    cfg = copy.deepcopy(base_config)
    _put(cfg, key, target, value)
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert f"{target}={value}" in str(err.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_in_range_values_are_accepted(base_config, data) -> None:
    key, bound = data.draw(st.sampled_from(_ranged(base_config)), label="setting")
    target, integer = _target(base_config, key)
    lo = bound.lo if bound.lo is not None else bound.hi - 1e6
    hi = bound.hi if bound.hi is not None else bound.lo + 1e6
    if integer:
        value = data.draw(st.integers(math.ceil(lo) + bound.lo_open, math.floor(hi) - bound.hi_open))
    else:
        value = data.draw(st.floats(lo, hi, exclude_min=bound.lo_open, exclude_max=bound.hi_open,
                                    allow_nan=False))
    cfg = copy.deepcopy(base_config)
    _put(cfg, key, target, value)
    assert not [p for p in check(cfg) if p.startswith(target)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_choices_are_enforced(base_config, data) -> None:
    key, bound = data.draw(st.sampled_from(_chosen(base_config)), label="setting")
    options = list(bound.choices())
    target, _ = _target(base_config, key)
    cfg = copy.deepcopy(base_config)
    _put(cfg, key, target, data.draw(st.sampled_from(options)))
    assert not [p for p in check(cfg) if p.startswith(target)]
    wrong = data.draw(st.text(min_size=1, max_size=8).filter(lambda t: t not in options))
    if isinstance(options[0], int):
        wrong = max(options) + 1
    _put(cfg, key, target, wrong)
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert f"{target}={wrong!r}: " in str(err.value) and "allowed" in str(err.value)


def test_lengths_and_non_finite_numbers_are_refused(base_config) -> None:
    cfg = copy.deepcopy(base_config)
    cfg.behaviour.economy.exit_rate = [0.1, 0.1]
    cfg.behaviour.qol.service_weights = [[0.1] * 6, [0.1] * 5, [0.1] * 6]
    cfg.beliefs.tech.tech_max = float("nan")
    cfg.behaviour.migration.same_province = float("inf")  # no bound, still finite
    problems = check(cfg)
    assert "behaviour.economy.exit_rate: needs 4 values, got 2" in problems
    assert any(p.startswith("behaviour.qol.service_weights: needs 3 rows of 6") for p in problems)
    assert any(p.startswith("beliefs.tech.tech_max=nan: must be a finite number") for p in problems)
    assert "behaviour.migration.same_province=inf: must be a finite number" in problems


def test_nullable_magnitudes_accept_null_and_others_do_not(base_config) -> None:
    cfg = copy.deepcopy(base_config)
    cfg.governance.overhead = None  # null: the beliefs' value
    cfg.beliefs.service_wtp = None  # null: behaviour.migration.beta_services is used
    assert check(cfg) == []
    cfg.run.discount_rate = None
    assert check(cfg) == ["run.discount_rate=None: must be in [0, 0.5] (a yearly rate)"]


# -- a closed schema ----------------------------------------------------------------------


@pytest.mark.parametrize("override", ["+run.yeras=5", "run.yeras=5", "++run.yeras=5"])
def test_a_key_that_is_no_setting_is_refused_with_the_nearest(override: str) -> None:
    with pytest.raises(ConfigError) as err:
        compose([*BASE, override])
    message = str(err.value)
    assert "run.yeras: no such setting; did you mean run.years?" in message
    assert "+run.yeras" not in message  # not Hydra's advice to add it


def test_every_config_path_refuses_unknown_keys() -> None:
    expected = "run.yeras: no such setting; did you mean run.years?"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        make_config([*BASE, "+run.yeras=5"])
    with pytest.raises(ConfigError, match=re.escape(expected)):
        make_config(BASE, {"run": {"yeras": 5}})
    with pytest.raises(ConfigError, match=re.escape(expected)):
        config_for(["+run.yeras=5"], region="synthetic")
    with pytest.raises(ConfigError, match=r"behaviour\.migration\.netwrok: no such setting; "
                                          r"did you mean behaviour\.migration\.network\?"):
        make_config(BASE, {"behaviour": {"migration": {"netwrok": 0.1}}})
    with pytest.raises(ConfigError, match=r"targeting\.programmes\.0\.recipee: .*programmes\.0\.recipe\?"):
        make_config([*BASE, "scenario=status_quo_2018", "+targeting.programmes.0.recipee=x"])


def test_a_key_added_behind_the_overrides_check_is_refused_at_typing() -> None:
    """What Hydra composes with ``+`` (a sweep, or a caller of Hydra's own compose) is
    refused when the config is typed."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from sim.config import register_configs

    register_configs()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
        cfg = hydra_compose(config_name="config", overrides=[*BASE, "+run.yeras=5",
                                                              "+behaviour.bogus=1"])
    with pytest.raises(ConfigError) as err:
        to_typed(cfg)
    assert "run.yeras: no such setting; did you mean run.years?" in str(err.value)
    assert "behaviour.bogus: no such setting" in str(err.value)


def test_unknown_key_with_no_near_setting_lists_the_settings() -> None:
    with pytest.raises(ConfigError) as err:
        compose([*BASE, "+run.zzzzzz=1"])
    assert "run.zzzzzz: no such setting (run has: start_year, years, scale, seed" in str(err.value)
    with pytest.raises(ConfigError, match=r"run\.years\.x: not a setting \(run\.years is a value"):
        compose([*BASE, "+run.years.x=1"])


def test_amenity_shift_stays_an_open_dict() -> None:
    cfg = make_config([*BASE, "+behaviour.migration.amenity_shift.11010=0.3"])
    assert cfg.behaviour.migration.amenity_shift == {"11010": 0.3}
    cfg = make_config(BASE, {"behaviour": {"migration": {"amenity_shift": {"11010": 0.5, "x": 1}}}})
    assert cfg.behaviour.migration.amenity_shift == {"11010": 0.5, "x": 1.0}
    with pytest.raises(ConfigError, match=r"amenity_shift\.11010=11\.0: must be in \[-10, 10\]"):
        make_config([*BASE, "+behaviour.migration.amenity_shift.11010=11"])


def test_group_choices_and_hydra_settings_pass_the_key_check() -> None:
    cfg = compose([*BASE, "scenario=tech_city", "beliefs=brief", "hydra.job.chdir=false"])
    assert cfg.scenario.name == "tech_city"


def test_behaviour_file_refuses_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("migration:\n  distance_decy: 2\n")
    with pytest.raises(ConfigError, match=r"behaviour\.migration\.distance_decy: no such setting; "
                                          r"did you mean behaviour\.migration\.distance_decay\?"):
        behaviour_from_file(path)
    path.write_text("migration:\n  distance_decay: -2\n")
    with pytest.raises(ConfigError, match=r"behaviour\.migration\.distance_decay=-2\.0: must be >= 0"):
        behaviour_from_file(path)
    path.write_text("migration:\n  distance_decay: 2\n")
    assert behaviour_from_file(path) == BehaviourConfig(
        migration=BehaviourConfig().migration.__class__(distance_decay=2.0))


@pytest.mark.parametrize("override", ["+run.yeras=5", "run.yeras=5"])
def test_command_line_refuses_unknown_keys(override: str, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *BASE, override, f"hydra.run.dir={run_dir}"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "HYDRA_FULL_ERROR": "0"},
    )
    assert proc.returncode == 2
    assert "run.yeras: no such setting; did you mean run.years?" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not run_dir.exists()  # refused before Hydra makes the run directory


# -- sanity limits on magnitudes ----------------------------------------------------------


def test_a_budget_beyond_a_tenth_of_output_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        make_config(["budget.annual_krw=1e18"])
    message = str(err.value)
    assert "budget.annual_krw=1e+18: at most KRW 1.78e+14" in message
    assert "10% of the region's output (GRDP of korea in 2020" in message
    korea = region_output_krw("korea", "korea", "", None, None, 2025)
    assert 1.5e15 < korea < 2.5e15  # Korea's GDP, about KRW 1,900 trillion in 2020
    assert make_config([f"budget.annual_krw={MAX_BUDGET_SHARE * korea * 0.99}"])


def test_the_synthetic_region_has_its_own_limit() -> None:
    output = region_output_krw("synthetic", "korea", "synthetic", 12, 0, 2025)
    assert make_config([*BASE, f"budget.annual_krw={0.09 * output}"])
    with pytest.raises(ConfigError, match=r"budget\.annual_krw=.*GRDP of synthetic in 2020"):
        make_config([*BASE, f"budget.annual_krw={0.11 * output}"])
    with pytest.raises(ConfigError, match=r"GRDP of korea in 2015"):  # a 2015 start: 2015 GRDP
        make_config(["run.start_year=2015", "budget.annual_krw=1e17"])


def test_seed_within_signed_64_bits() -> None:
    with pytest.raises(ConfigError, match=r"run\.seed=100000000000000000000000: must be in "
                                          r"\[0, 9223372036854775807\]"):
        make_config([*BASE, f"run.seed={10**23}"])
    assert make_config([*BASE, f"run.seed={2**63 - 1}"]).run.seed == 2**63 - 1


# -- registries ---------------------------------------------------------------------------


def test_every_targeting_option_uses_a_registered_rule() -> None:
    for path in sorted((CONFIG_DIR / "targeting").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text())
        assert spec["rule"] in TARGETING_RULES, path.name
        assert spec["rule"] in allocation.RULES or spec["rule"] in allocation.UNSCORED, path.name
        for prog in spec.get("programmes", []):
            assert prog["recipe"] in RECIPES, (path.name, prog["name"])
    assert set(TARGETING_RULES) == set(allocation.RULES) | set(allocation.UNSCORED)


def test_every_registered_rule_scores_every_municipality() -> None:
    cfg = make_config(BASE)
    m = 12
    rng = np.random.default_rng(0)
    args = dict(targeting=cfg.targeting, governance=cfg.governance, z=rng.normal(size=m),
                site_weight=rng.uniform(size=m), persons=rng.uniform(100, 1000, m),
                output=rng.uniform(1, 10, m), need=rng.uniform(0, 500, m),
                is_gun=rng.uniform(size=m) < 0.5)
    for name in allocation.RULES:
        s = allocation.scores(name, **args)
        assert s.shape == (m,) and (s >= 0).all(), name
    with pytest.raises(ValueError, match="unknown targeting rule 'none'"):
        allocation.scores("none", **args)


def test_recipes_are_the_recipe_fields_of_the_instrument() -> None:
    inst = InstrumentConfig()
    assert RECIPES == tuple(n for n in vars(inst) if isinstance(getattr(inst, n), Recipe))
    assert {"tech_test_bed", "master_plan"} <= set(RECIPES)
