"""Configuration errors fail at start, before any simulation, naming the setting.

One table of bad overrides (issue 8, item 1). Each case is checked in-process: composing
the config (Hydra: unknown keys, wrong types, unknown options of a group) or validating it
(:func:`sim.config.validate`: impossible values) raises, the message names the setting and
what is allowed, and :func:`sim.__main__.run_simulation` neither builds a model nor leaves
``national.parquet`` or ``run.json`` behind. A few cases also run ``python -m sim`` as a
subprocess to check the exit status and what the researcher sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.errors import HydraException

import sim.model
from sim.__main__ import run_simulation
from sim.config import ConfigError, compose, to_typed

CONFIG_DIR = str(Path(__file__).resolve().parents[1] / "configs")
BASE = ["region=synthetic", "run.years=2", "run.plots=false", "run.progress=false"]

# (id, overrides, substrings the error message must contain: the setting, and what is allowed)
CASES: list[tuple[str, list[str], list[str]]] = [
    # -- unknown keys (Hydra, against the dataclass schema)
    ("unknown-key-typo", ["run.yeers=3"], ["run.yeers", "did you mean run.years?"]),
    ("unknown-key-plus", ["+run.yeras=5"], ["run.yeras", "did you mean run.years?"]),
    ("unknown-top-level-key", ["bogus=1"], ["bogus"]),
    ("unknown-behaviour-key", ["behaviour.migration.distance_decy=2"], ["distance_decy"]),
    # -- wrong types
    ("years-not-int", ["run.years=abc"], ["run.years", "Integer"]),
    ("seed-not-int", ["run.seed=1.5"], ["run.seed", "Integer"]),
    ("scale-not-number", ["run.scale=lots"], ["run.scale", "Float"]),
    ("progress-not-bool", ["run.progress=maybe"], ["run.progress", "valid bool"]),
    ("budget-not-number", ["budget.annual_krw=much"], ["budget.annual_krw", "Float"]),
    ("list-given-scalar", ["behaviour.migration.move_rate=0.2"], ["move_rate"]),
    # -- unknown options of a config group (Hydra lists the available ones)
    ("unknown-region", ["region=atlantis"], ["region=atlantis: no such option", "korea", "synthetic"]),
    ("unknown-scenario", ["scenario=moonshot"], ["scenario=moonshot: no such option", "no_investment"]),
    ("unknown-targeting", ["targeting=everywhere"], ["targeting=everywhere: no such option", "none"]),
    # -- impossible values (sim.config.validate)
    ("years-negative", ["run.years=-1"], ["run.years=-1", "[1, 200]"]),
    ("years-zero", ["run.years=0"], ["run.years=0", "[1, 200]"]),
    ("years-absurd", ["run.years=1000"], ["run.years=1000", "[1, 200]"]),
    ("scale-zero", ["run.scale=0"], ["run.scale=0", "[1, 1000]"]),
    ("scale-below-one", ["run.scale=0.5"], ["run.scale=0.5", "[1, 1000]"]),
    ("scale-too-coarse", ["run.scale=1e9"], ["run.scale=1000000000.0", "[1, 1000]"]),
    ("scale-nan", ["run.scale=nan"], ["run.scale=nan", "finite", "[1, 1000]"]),
    ("scale-inf", ["run.scale=inf"], ["run.scale=inf", "finite"]),
    ("start-year-no-census", ["run.start_year=2012"], ["run.start_year=2012", "2010, 2015, 2020"]),
    ("start-year-future", ["run.start_year=2030"], ["run.start_year=2030", "2010, 2015, 2020, 2025"]),
    ("seed-negative", ["run.seed=-3"], ["run.seed=-3", "[0, 9223372036854775807]"]),
    ("seed-absurd", [f"run.seed={10**23}"], ["run.seed=100000000000000000000000", "[0, 9223372036854775807]"]),
    ("budget-negative", ["budget.annual_krw=-1e9"], ["budget.annual_krw=-1000000000.0", ">= 0"]),
    ("budget-unit-mistake", ["budget.annual_krw=500"], ["budget.annual_krw=500.0", "unit"]),
    ("budget-infinite", ["budget.annual_krw=inf"], ["budget.annual_krw=inf", "finite"]),
    ("budget-absurd", ["budget.annual_krw=1e18"], ["budget.annual_krw=1e+18", "at most KRW", "GRDP"]),
    ("horizon-negative", ["budget.horizon_years=-2"], ["budget.horizon_years=-2", ">= 0"]),
    ("match-rate-huge", ["budget.local_match_rate=50"], ["budget.local_match_rate=50.0", "[0, 5]"]),
    ("region-data-unknown", ["region.generator=", "region.data=mars"], ["region.data='mars'", "no "]),
    ("region-generator-unknown", ["region.generator=moon"], ["region.generator='moon'", "'synthetic'"]),
    ("synthetic-too-small", ["region.n_municipalities=2"], ["region.n_municipalities=2", ">= 6"]),
    ("move-rate-length", ["behaviour.migration.move_rate=[0.1,0.2]"], ["migration.move_rate", "3 values"]),
    ("move-rate-not-prob", ["behaviour.migration.move_rate=[1.5,0.1,0.1]"], ["migration.move_rate", "[0, 1]"]),
    ("distance-decay-negative", ["behaviour.migration.distance_decay=-1"], ["distance_decay=-1.0", ">= 0"]),
    ("distance-decay-inf", ["behaviour.migration.distance_decay=inf"], ["distance_decay=inf", "finite"]),
    ("network-memory", ["behaviour.migration.network_memory=2"], ["network_memory=2.0", "[0, 1]"]),
    ("birth-rate", ["behaviour.demography.birth_rate=3"], ["birth_rate=3.0", "[0, 1]"]),
    ("local-fertility", ["behaviour.demography.local_fertility=-1"], ["local_fertility=-1.0", "[0, 3]"]),
    ("beta-vacancy", ["behaviour.migration.beta_vacancy=-1"], ["beta_vacancy=-1.0", "[0, 5]"]),
    ("pipeline-weight", ["behaviour.housing.pipeline_weight=-1"], ["pipeline_weight=-1.0", "[0, 3]"]),
    ("pipeline-half-life", ["behaviour.housing.pipeline_half_life=0"], ["pipeline_half_life=0.0", "> 0"]),
    ("mean-wage-zero", ["behaviour.economy.mean_wage=0"], ["mean_wage=0.0", "> 0"]),
    ("employment-rate", ["behaviour.economy.employment_rate=0"], ["employment_rate", "max_employment_rate"]),
    ("weight-nan", ["behaviour.qol.component_weights=[0.6,nan,0.2]"], ["component_weights[1]=nan", "finite"]),
    ("targeting-rule", ["targeting.rule=bogus"], ["targeting.rule='bogus'", "allowed"]),
    ("instrument-kind", ["instrument.kind=bogus"], ["instrument.kind='bogus'", "allowed"]),
    ("governance-level", ["governance.level=bogus"], ["governance.level='bogus'", "allowed"]),
    ("recipe-design", ["instrument.living_lab.design=bogus"], ["instrument.living_lab.design='bogus'", "allowed"]),
    # -- beliefs: each named, with its range
    ("belief-range", ["beliefs.tech.firm_attraction=-1"], ["beliefs.tech.firm_attraction=-1", "must be in"]),
    ("belief-overhead", ["beliefs.governance.overhead_centre=1.5"], ["beliefs.governance.overhead_centre", "must be in"]),
    ("belief-option", ["beliefs=bogus"], ["beliefs", "bogus"]),
    ("lever-over-belief", ["governance.overhead=1.2"], ["governance.overhead=1.2", "[0, 1)"]),
    # -- the 2018 programmes
    ("programme-recipe", ["scenario=status_quo_2018", "targeting.programmes.0.recipe=bogus"],
     ["targeting.programmes[0].recipe='bogus'", "allowed"]),
    ("programme-site-unknown", ["scenario=status_quo_2018", "targeting.programmes.1.sites=[22060,99999]"],
     ["'99999'", "5-digit"]),
    ("programme-weights", ["scenario=status_quo_2018", "targeting.programmes.0.site_weights=[1]"],
     ["targeting.programmes[0].site_weights", "1 weights for 2 sites"]),
    ("programmes-without-instrument", ["targeting=sites_2018", "instrument=tech_test_bed"],
     ["targeting.rule='programmes'", "instrument=programmes"]),
    # -- named sites: municipality codes that do not exist
    ("named-site-unknown",
     ["targeting.rule=named_sites", "instrument=place_based", "targeting.sites=[99999]"],
     ["targeting.sites", "'99999'", "5-digit"]),
    ("named-site-typo-among-real",
     ["targeting.rule=named_sites", "instrument=place_based", "targeting.sites=[29010,2101]"],
     ["targeting.sites", "'2101'"]),
    ("named-sites-empty", ["targeting.rule=named_sites", "instrument=place_based"], ["targeting.sites", "named_sites"]),
]


def _message(err: BaseException) -> str:
    """The error and its causes, as the command line prints them."""
    parts = []
    while err is not None:
        parts.append(str(err))
        err = err.__cause__
    return "\n".join(parts)


@pytest.fixture()
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a model is built: errors must come before any simulation."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a model was built for an invalid configuration")

    monkeypatch.setattr(sim.model.SmartCityModel, "__init__", forbidden)


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 20
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(("overrides", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_fails_at_start(
    overrides: list[str], expected: list[str], tmp_path: Path, no_model: None
) -> None:
    with pytest.raises((HydraException, ConfigError)) as err:
        cfg = compose(BASE + overrides)
        run_simulation(cfg, tmp_path)
    message = _message(err.value)
    for text in expected:
        assert text in message, f"{text!r} not in error message:\n{message}"
    assert not (tmp_path / "national.parquet").exists()
    assert not (tmp_path / "run.json").exists()


def test_good_config_passes_validation() -> None:
    """The table's base is itself valid, so each case fails because of its override."""
    typed = to_typed(compose(BASE))
    assert typed.run.years == 2


def test_all_problems_reported_at_once() -> None:
    """A hand-edited config with several mistakes lists all of them in one go."""
    cfg = compose(BASE + ["run.years=0", "run.start_year=2011", "run.seed=-1"])
    with pytest.raises(ConfigError) as err:
        to_typed(cfg)
    for setting in ("run.years=0", "run.start_year=2011", "run.seed=-1"):
        assert setting in str(err.value)


def test_unknown_named_site_fails_at_start(tmp_path: Path) -> None:
    cfg = compose(BASE + ["targeting.sites=[99999]"])
    with pytest.raises(Exception) as err:  # noqa: B017 - ConfigError or RegionDataError
        run_simulation(cfg, tmp_path)
    assert "targeting.sites" in str(err.value) and "99999" in str(err.value)
    assert not (tmp_path / "national.parquet").exists()


# -- the command line: exit status, message, nothing written -----------------------------

SUBPROCESS_CASES = {
    "unknown-key-typo": ["run.yeers=3"],
    "years-negative": ["run.years=-1"],
    "start-year-no-census": ["run.start_year=2012"],
    "unknown-scenario": ["scenario=moonshot"],
    "years-not-int": ["run.years=abc"],
    "named-site-unknown": ["targeting.rule=named_sites", "instrument=place_based", "targeting.sites=[99999]",
                           "targeting.site_weights=[]"],
}


@pytest.mark.parametrize("case", sorted(SUBPROCESS_CASES))
def test_command_line_exits_nonzero(case: str, tmp_path: Path) -> None:
    expected = next(c[2] for c in CASES if c[0] == case)
    run_dir = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *BASE, *SUBPROCESS_CASES[case], f"hydra.run.dir={run_dir}"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "HYDRA_FULL_ERROR": "0"},
    )
    assert proc.returncode != 0
    shown = proc.stdout + proc.stderr
    for text in expected:
        assert text in shown, f"{text!r} not shown:\n{shown}"
    assert "Traceback" not in shown  # a message, not a stack trace
    assert not (run_dir / "national.parquet").exists()
    assert not (run_dir / "run.json").exists()


@pytest.mark.parametrize(("overrides", "expected"), [
    (["scenario=tech_ctiy"], "scenario=tech_ctiy: no such option; did you mean 'tech_city'?"),
    (["governance=centre-led"], "governance=centre-led: no such option; did you mean 'centre_led'?"),
    (["-m", "scenario=tech_city,no_invest"], "scenario=no_invest: no such option; did you mean 'no_investment'?"),
])
def test_a_misspelt_option_is_named_with_the_nearest_one(overrides: list[str], expected: str,
                                                          tmp_path: Path) -> None:
    """A config group's misspelt option (alone or in a sweep) fails before Hydra composes,
    with the nearest option first, not at the end of Hydra's search-path text."""
    proc = subprocess.run([sys.executable, "-m", "sim", *overrides], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert "Config search path" not in proc.stderr and not (tmp_path / "outputs").exists()
