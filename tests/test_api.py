"""The Python API works the Mesa way and gives the command line's results.

Keyword construction gives the model of the same config; the DataCollector holds the
parquet tables; ``running`` stops ``mesa.batch_run`` and ``run_model``; ``sim.simulate``
equals a ``python -m sim`` run and raises its errors; the notebook-style example in
experiments/python_api runs.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim import api, compat
from sim.__main__ import run_simulation
from sim.config import ConfigError, RunConfig, compose, make_config
from sim.model import SmartCityModel
from sim.parameters import PARAMETERS, overrides_for

ROOT = Path(__file__).resolve().parent.parent
#: The tiny world of tests/conftest.py, as keyword parameters plus the remaining overrides.
KEYWORDS = {"region": "synthetic", "scale": 20, "years": 3}
S = RunConfig().start_year  # the default start (the latest census)
REST = ["region.n_municipalities=12", "region.seed=1", "behaviour=default",
        "run.progress=false", "run.plots=false"]
TINY = ["region=synthetic", "run.scale=20", "run.years=3", *REST]


def _run(model: SmartCityModel) -> SmartCityModel:
    while model.running:
        model.step()
    return model


def test_keywords_map_onto_the_config_overrides() -> None:
    assert overrides_for(["run.plots=false"], scenario="tech_city", seed=3, budget_krw=1e12,
                         scale=None) == [
        "scenario=tech_city", "run.seed=3", "budget.annual_krw=1000000000000.0", "run.plots=false"]
    assert set(PARAMETERS) >= {"scenario", "seed", "years", "scale", "start_year", "budget_krw",
                               "region"}
    with pytest.raises(TypeError, match="unknown model parameter"):
        overrides_for(n_agents=3)
    with pytest.raises(TypeError, match="list of 'key=value'"):
        overrides_for("run.seed=1")


def test_keyword_model_is_the_config_model() -> None:
    by_keywords = _run(SmartCityModel(scenario="trouble_shooter", seed=2, **KEYWORDS,
                                      overrides=REST))
    by_config = SmartCityModel(make_config([*TINY, "scenario=trouble_shooter", "run.seed=2"]))
    by_config.run()
    assert by_keywords.cfg == by_config.cfg
    pd.testing.assert_frame_equal(by_keywords.records.national_frame(),
                                  by_config.records.national_frame())
    pd.testing.assert_frame_equal(by_keywords.records.municipal_frame(),
                                  by_config.records.municipal_frame())
    with pytest.raises(TypeError, match="either a config"):
        SmartCityModel(by_config.cfg, seed=1)


def test_datacollector_holds_the_parquet_tables_and_running_stops_the_model() -> None:
    model = SmartCityModel(scenario="trouble_shooter", **KEYWORDS, overrides=REST)
    assert model.running
    model.run_model()  # Mesa's own loop: until running is False
    assert model.steps == 3 and model.year == S + 3 and not model.running
    dc = model.datacollector
    pd.testing.assert_frame_equal(dc.get_model_vars_dataframe(), model.records.national_frame())
    agents = dc.get_agent_vars_dataframe()
    assert agents.index.names == ["Step", "AgentID"]
    assert sorted(agents.index.get_level_values("Step").unique()) == [0, 1, 2, 3]
    pd.testing.assert_frame_equal(agents.reset_index(drop=True), model.records.municipal_frame())
    # each row belongs to its Municipality agent
    codes = {a.unique_id: a.code for a in model.agents}
    assert (agents.index.get_level_values("AgentID").map(codes) == agents["code"]).all()


def test_mesa_controls_pass_the_scenario_chosen_on_reset() -> None:
    """Mesa 3.4+ models carry Mesa's own ``scenario`` object, which SolaraViz's Reset
    would pass back as the keyword ``scenario``; the model keeps it as ``mesa_scenario``
    (sim.compat.ScenarioKeyword), so Reset builds the scenario chosen."""
    model = SmartCityModel(scenario="trouble_shooter", **KEYWORDS, overrides=REST)
    assert getattr(model, "scenario", None) is None
    assert model.cfg.scenario.name == "trouble_shooter"
    if compat.MESA_VERSION < (3, 4):
        return  # Mesa 3.3 has no scenario object; its Reset passes the controls' values
    from mesa.visualization.solara_viz import _build_model_init_kwargs  # Reset's keywords

    assert model.mesa_scenario is not None
    chosen = {"scenario": "status_quo_2018", **KEYWORDS, "overrides": REST}
    kwargs = _build_model_init_kwargs(model, chosen, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    assert kwargs == chosen
    assert SmartCityModel(**kwargs).cfg.scenario.name == "status_quo_2018"


def test_batch_run_over_two_scenarios_and_two_seeds() -> None:
    # Mesa 3.4+ takes the seeds as batch_run's rng=[0, 1], Mesa 3.3 as a parameter
    results = compat.batch_run(
        SmartCityModel,
        parameters={"scenario": ["no_investment", "trouble_shooter"], **KEYWORDS,
                    "overrides": [REST]},
        seeds=[0, 1],
        max_steps=10, data_collection_period=1, number_processes=1, display_progress=False,
    )
    df = pd.DataFrame(results)
    assert df.groupby(["scenario", "seed"])["RunId"].nunique().to_dict() == {
        ("no_investment", 0): 1, ("no_investment", 1): 1,
        ("trouble_shooter", 0): 1, ("trouble_shooter", 1): 1}
    # model and municipal columns side by side, one row per municipality and step
    assert {"population", "capital_region_share", "code", "qol"} <= set(df.columns)
    # every collected year of the 3-year runs; Mesa 3.3 leaves out the last (mesa/mesa#2514)
    years = 3 if compat.MESA_VERSION < (3, 4) else 4
    assert df.groupby("RunId").size().eq(12 * years).all()
    assert sorted(df["year"].unique()) == [S + k for k in range(years)]
    # a name in both tables (population, investment_krw, ...) holds the municipality's
    # value, as Mesa merges the agent's row over the model's; national totals are sums
    invested = df.groupby(["scenario", "seed", "year"])["investment_krw"].sum()
    assert (invested["no_investment"] == 0).all()
    assert np.allclose(invested["trouble_shooter"].xs(S + 2, level="year"), 5e11, rtol=1e-12)
    assert df.groupby(["RunId", "Step"])["capital_region_share"].nunique().eq(1).all()


def test_simulate_equals_the_command_line(tmp_path: Path) -> None:
    cli = tmp_path / "cli"
    run_simulation(compose([*TINY, "scenario=trouble_shooter", "run.seed=1"]), cli)
    from_cli = sim.Result.load(cli)
    written = sim.simulate("trouble_shooter", seed=1, **KEYWORDS, overrides=REST,
                           out_dir=tmp_path / "api")
    in_memory = sim.simulate("trouble_shooter", seed=1, **KEYWORDS, overrides=REST)
    for result in (written, in_memory):
        pd.testing.assert_frame_equal(result.national, from_cli.national)
        pd.testing.assert_frame_equal(result.municipalities, from_cli.municipalities)
        assert result.config == from_cli.config
        assert result.manifest["completed"] and result.scenario == "trouble_shooter"
    assert written.path == tmp_path / "api" and (tmp_path / "api" / "run.json").exists()
    assert in_memory.path is None
    base = sim.simulate("no_investment", seed=1, **KEYWORDS, overrides=REST)
    effects = in_memory.effects(base)
    assert list(effects.index) == [S, S + 1, S + 2, S + 3]
    assert effects.loc[S].abs().max() == 0  # nothing happened yet at the start
    table = sim.headline_effects(in_memory.national, base.national)
    assert set(table["metric"]) == set(effects.columns)
    row = table.set_index("metric").loc["felt_benefit_share"]
    assert np.isclose(row["effect"], effects.loc[S + 3, "felt_benefit_share"] * 100)
    with pytest.raises(sim.RunDirError, match="not a complete run"):
        sim.Result.load(tmp_path)


@pytest.mark.parametrize("keyword, override, message", [
    ({"budget_krw": -1}, "budget.annual_krw=-1", "budget.annual_krw=-1.0: must be >= 0"),
    ({"start_year": 2013}, "run.start_year=2013", "run.start_year=2013: no census data"),
    ({"scenario": "tech_ctiy"}, "scenario=tech_ctiy", "tech_ctiy"),
    ({"budget_krw": "abc"}, "budget.annual_krw=abc", "budget.annual_krw=abc"),
    ({"budget_krw": 1e18}, "budget.annual_krw=1e18", "budget.annual_krw=1e+18: at most KRW"),
])
def test_bad_settings_raise_the_command_lines_error(keyword, override, message) -> None:
    with pytest.raises(ConfigError) as cli:
        make_config([override])
    assert message in str(cli.value)
    with pytest.raises(ConfigError) as from_api:
        sim.simulate(**keyword)
    assert str(from_api.value) == str(cli.value)
    with pytest.raises(ConfigError) as from_model:
        SmartCityModel(**keyword)
    assert str(from_model.value) == str(cli.value)


def test_importing_sim_stays_light() -> None:
    code = "import sys, sim; assert 'sim.model' not in sys.modules; print(sim.simulate.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "sim.api", out.stderr
    assert api.simulate is sim.simulate


@pytest.mark.parametrize("doc", ["docs/python.md", "README.md"])
def test_the_documented_python_is_python_of_this_api(doc: str) -> None:
    """Every Python block of the page parses and every ``sim.<name>(`` it calls exists
    (the example below runs the same study end to end)."""
    text = (ROOT / doc).read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    for block in blocks:
        if not block.lstrip().startswith(">>>"):
            ast.parse(block)
    for name in set(re.findall(r"\bsim\.(\w+)\(", text)):
        assert hasattr(sim, name), f"{doc} calls sim.{name}, which does not exist"
    assert "sim.simulate(" in text and "SmartCityModel(" in text


@pytest.mark.slow
def test_python_api_example_runs(tmp_path: Path) -> None:
    """experiments/python_api/example.py (the study docs/python.md walks through) runs in
    its quick form and writes its table and figure."""
    result = subprocess.run(
        [sys.executable, "experiments/python_api/example.py", "--quick", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    effects = pd.read_csv(tmp_path / "effects.csv")
    assert set(effects["scenario"]) == {"trouble_shooter", "status_quo_2018"}
    assert (tmp_path / "effects.png").exists()
    assert "batch_run" in result.stdout


def test_every_entry_point_defaults_to_the_neutral_beliefs() -> None:
    """The command line's config, the Python API, the Mesa-way model and the config
    helper all run under `neutral` unless told otherwise (issue 22)."""
    from sim.config import compose
    from sim.model import SmartCityModel
    from sim.parameters import config_for

    assert compose([]).beliefs.name == "neutral"
    assert config_for().beliefs.name == "neutral"
    result = sim.simulate(region="synthetic", years=1, scale=200)
    assert result.config["beliefs"]["name"] == "neutral"
    assert "beliefs='neutral'" in repr(result)
    model = SmartCityModel(region="synthetic", years=1, scale=200)
    assert model.cfg.beliefs.name == "neutral"
    model.release()
