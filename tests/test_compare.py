"""sim.compare: gathering runs, swept parameters, paired-seed effects, errors, figures.

Most tests build run directories by hand (a manifest and two small tables with known
values) so that the expected effects are known exactly; one test runs a real sweep.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import io
from sim.data.region import load_korea
from sim.data.synthetic import make_synthetic
from sim.tools import compare as cmp

ROOT = Path(__file__).resolve().parent.parent
YEARS = (2015, 2016, 2017)
REGION = {"name": "synthetic", "n_municipalities": 8, "seed": 0}


def _config(scenario: str, seed: int, region: dict | None = None, **groups) -> dict:
    cfg = {
        "region": dict(region or REGION),
        "run": {"seed": seed, "years": len(YEARS) - 1, "scale": 100.0, "progress": False,
                "plots": False},
        "budget": {"annual_krw": 5e11},
        "scenario": {"name": scenario, "description": f"{scenario} scenario"},
        "targeting": {"rule": "none" if scenario == "no_investment" else "need_based"},
        "instrument": {"kind": "none", "cost": 1.0},
        "governance": {"kind": "centre_led"},
    }
    for key, value in groups.items():
        group, name = key.split("__")
        cfg[group][name] = value
    return cfg


def write_run(run_dir: Path, config: dict, pop_shift: float = 0.0, complete: bool = True) -> None:
    """A fake run: national metrics depend on the seed (common noise) and ``pop_shift``."""
    seed = config["run"]["seed"]
    noise = np.random.default_rng(seed).normal(0, 1000, len(YEARS))
    national = pd.DataFrame({
        "year": YEARS,
        "population": 1e6 + noise,
        "jeonbuk_population": 2e5 + noise / 10 + pop_shift * np.arange(len(YEARS)),
        "qol_mean": 50.0 + noise / 1000,
        "output": 1e9 + noise,
    })
    table = _region_table(config["region"])
    municipal = pd.concat([
        table[["code", "name", "province", "kind"]].assign(
            year=y, population=1000.0 + seed + pop_shift, qol=50.0 + pop_shift / 100,
            investment_krw=0.0)
        for y in YEARS
    ], ignore_index=True)
    manifest = io.Manifest(run_dir, config)
    io.write_parquet(national, run_dir / "national.parquet")
    io.write_parquet(municipal, run_dir / "municipalities.parquet")
    io.write_parquet(pd.DataFrame({"year": YEARS[1:], "movers": 1.0}), run_dir / "flows.parquet")
    io.write_parquet(_provinces(municipal, table, pop_shift), run_dir / "provinces.parquet")
    if complete:
        manifest.finish({"total": 1.0})


def _region_table(region: dict) -> pd.DataFrame:
    if region["name"] == "korea":
        return load_korea().table
    return make_synthetic(region["n_municipalities"], seed=region["seed"]).table


def _provinces(municipal: pd.DataFrame, table: pd.DataFrame, pop_shift: float) -> pd.DataFrame:
    """provinces.parquet of a fake run: sums of ``municipal``; Jeonbuk gains ``pop_shift``
    people a year from the other provinces (none in the start year)."""
    by = municipal.merge(table[["code", "province_code", "province_ko"]], on="code")
    prov = by.groupby(["year", "province_code", "province", "province_ko"], as_index=False).agg(
        population=("population", "sum"), qol=("qol", "mean"))
    jeonbuk = prov["province_code"] == 35
    others = len(set(prov["province_code"])) - 1
    moved = np.where(jeonbuk, pop_shift, -pop_shift / others)
    prov["net_migration"] = np.where(prov["year"] == YEARS[0], np.nan, moved)
    return prov


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """Baseline and one treatment (effect on Jeonbuk: +2 x shift by the final year) over
    5 seeds, at two budgets; the treatment adds ``10 + seed`` people to Jeonbuk a year."""
    i = 0
    for budget in (1e11, 1e12):
        for seed in range(5):
            write_run(tmp_path / f"{i}_base", _config("no_investment", seed, budget__annual_krw=budget))
            i += 1
            write_run(tmp_path / f"{i}_treat",
                      _config("tech_city", seed, budget__annual_krw=budget),
                      pop_shift=(10.0 + seed) * (2 if budget > 5e11 else 1))
            i += 1
    return tmp_path


def test_gather_is_tidy_with_scenario_seed_and_swept_parameters(sweep: Path) -> None:
    g = cmp.gather(sweep)
    assert g.params == ["budget.annual_krw"]
    n_runs, n_metrics = 20, 4
    assert len(g.national) == n_runs * len(YEARS) * n_metrics
    assert not g.national.duplicated(["run", "year", "metric"]).any()
    assert set(g.national.columns) >= {"run", "scenario", "seed", "budget.annual_krw", "year",
                                       "metric", "value"}
    assert sorted(g.national["seed"].unique()) == [0, 1, 2, 3, 4]
    row = g.national[(g.national["run"] == "1_treat") & (g.national["year"] == 2017)
                     & (g.national["metric"] == "jeonbuk_population")]
    assert row["value"].item() == pytest.approx(
        2e5 + np.random.default_rng(0).normal(0, 1000, 3)[2] / 10 + 10 * 2)


def test_swept_parameters_ignore_seed_scenario_settings_and_dependent_keys(tmp_path: Path) -> None:
    runs = []
    for seed in (0, 1):
        for kind, cost in (("tech_test_bed", 2.0), ("smart_village", 3.0)):
            for gov in ("centre_led", "province_led"):
                cfg = _config("tech_city", seed, instrument__kind=kind, instrument__cost=cost,
                              governance__kind=gov)
                runs.append(cmp.Run(tmp_path, cmp.flatten(cfg)))
        runs.append(cmp.Run(tmp_path, cmp.flatten(_config("no_investment", seed))))
    # targeting.rule differs, but only between scenarios; instrument.cost follows instrument.kind
    assert cmp.swept_parameters(runs) == ["governance.kind", "instrument.kind"]


def test_paired_effects_match_a_paired_t_interval(sweep: Path) -> None:
    g = cmp.gather(sweep)
    effects = cmp.paired_effects(g)
    e = effects[(effects["metric"] == "jeonbuk_population")].set_index("budget.annual_krw")
    assert set(e["n"]) == {5}
    diffs = np.array([2 * (10.0 + s) for s in range(5)])  # final year = 2 steps of the shift
    half = stats.t.ppf(0.975, 4) * diffs.std(ddof=1) / math.sqrt(5)
    row = e.loc[1e11]
    assert row["mean"] == pytest.approx(diffs.mean())
    assert row["ci_low"] == pytest.approx(diffs.mean() - half)
    assert row["ci_high"] == pytest.approx(diffs.mean() + half)
    assert e.loc[1e12, "mean"] == pytest.approx(2 * diffs.mean())
    # pairing removes the seed noise the two arms share: far tighter than unpaired
    assert row["sd"] / math.sqrt(5) < row["se_unpaired"] / 10
    # no effect where the treatment does not act
    pop = effects[effects["metric"] == "population"]
    assert np.allclose(pop["mean"], 0) and np.allclose(pop["sd"], 0)


def test_compare_writes_tables_figures_and_summary(sweep: Path) -> None:
    summary = cmp.compare(sweep, formats=("png", "svg"))
    text = summary.read_text()
    assert "- Beliefs: `neutral`" in text  # every report names the beliefs it was made under
    tidy = io.read_parquet(sweep / "comparison.parquet")
    assert len(tidy) == 20 * 3 * 4
    effects = pd.read_csv(sweep / "effects.csv")
    assert set(effects["condition"]) == {"tech_city | budget.annual_krw=1e+11",
                                         "tech_city | budget.annual_krw=1e+12"}
    figures = sweep / "figures"
    for name in ("national_by_scenario", "effects", "effect_vs_budget-annual_krw", "jeonbuk"):
        assert (figures / f"{name}.png").stat().st_size > 10_000, name
        assert (figures / f"{name}.svg").exists(), name
        assert f"figures/{name}.png" in text
    assert len(list(figures.glob("map_*.png"))) == 2
    assert "| tech_city \\| budget.annual_krw=1e+11 | 5 |" in text  # one table row each
    assert "Jeonbuk population" in text


def test_a_korea_sweep_gets_its_maps_and_korean_names(tmp_path: Path) -> None:
    """A data region stores its generator settings (``n_municipalities``, ``seed``) as
    None; the comparison still loads its boundaries: maps, province maps and, in Korean,
    the municipalities' Korean names (until 2026-12-07 every Korea sweep skipped them)."""
    korea = {"name": "korea", "n_municipalities": None, "seed": None}
    for seed in range(2):
        write_run(tmp_path / f"base{seed}", _config("no_investment", seed, region=korea))
        write_run(tmp_path / f"treat{seed}", _config("tech_city", seed, region=korea),
                  pop_shift=5.0)
    text = cmp.compare(tmp_path, formats=("png",), lang="ko").read_text()
    assert "maps skipped" not in text and "지도 생략" not in text
    assert len(list((tmp_path / "figures").glob("map_*.png"))) == 1
    assert len(list((tmp_path / "figures").glob("provinces_*.png"))) == 1


def test_a_misspelt_baseline_is_refused_before_anything_is_written(sweep: Path) -> None:
    """``--baseline`` naming no scenario of the sweep is an error that lists the sweep's
    scenarios, and leaves the last comparison's files as they were (it used to overwrite
    the summary with "no effects" beside the old effects.csv); a sweep that lacks the
    default baseline says why it has no effects."""
    summary = cmp.compare(sweep, formats=("png",))
    before = {f.name: f.read_bytes() for f in (summary, sweep / "effects.csv")}
    result = subprocess.run([sys.executable, "-m", "sim.compare", str(sweep), "--baseline",
                             "no_investmnet", "--no-figures"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert "--baseline 'no_investmnet'" in result.stderr and "'no_investment'" in result.stderr
    assert {f.name: f.read_bytes() for f in (summary, sweep / "effects.csv")} == before
    lone = sweep / "lone"
    write_run(lone / "0", _config("tech_city", 0))
    text = cmp.compare(lone, figures=False).read_text()
    assert "no `no_investment` runs" in text


def test_heat_map_over_two_swept_parameters(tmp_path: Path) -> None:
    for i, (gov, kind, seed) in enumerate(
        (g, k, s) for g in ("centre_led", "province_led") for k in ("a", "b") for s in (0, 1)
    ):
        write_run(tmp_path / f"{i}", _config("tech_city", seed, governance__kind=gov,
                                             instrument__kind=kind), pop_shift=i)
    for seed in (0, 1):
        write_run(tmp_path / f"base{seed}", _config("no_investment", seed))
    summary = cmp.compare(tmp_path, formats=("png",))
    assert (tmp_path / "figures" / "heatmap_governance-kind_x_instrument-kind.png").exists()
    assert "heatmap_governance-kind_x_instrument-kind.png" in summary.read_text()


def test_no_complete_runs_is_a_clear_error(tmp_path: Path) -> None:
    write_run(tmp_path / "0", _config("no_investment", 0), complete=False)
    with pytest.raises(cmp.CompareError, match="no complete runs.*1 run directories are incomplete"):
        cmp.gather(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run([sys.executable, "-m", "sim.compare", str(empty)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "no complete runs found" in result.stderr
    assert "Traceback" not in result.stderr


def test_runs_of_different_regions_are_refused(tmp_path: Path) -> None:
    write_run(tmp_path / "a", _config("no_investment", 0))
    write_run(tmp_path / "b", _config("no_investment", 0, region={**REGION, "n_municipalities": 10}))
    with pytest.raises(cmp.CompareError, match="different regions"):
        cmp.gather(tmp_path)


def test_incomplete_runs_are_skipped_and_counted(sweep: Path) -> None:
    write_run(sweep / "killed", _config("tech_city", 9), complete=False)
    g = cmp.gather(sweep)
    assert g.incomplete == [sweep / "killed"]
    assert 9 not in set(g.national["seed"])


def test_real_sweep_is_compared_at_the_end_of_the_multirun(tmp_path: Path) -> None:
    """The Hydra callback runs sim.compare on a real two-scenario, two-seed sweep."""
    sweep_dir = tmp_path / "sweep"
    result = subprocess.run(
        [sys.executable, "-m", "sim", "-m", "region=synthetic", "run.years=2", "run.scale=200",
         "run.progress=false", "run.plots=false", "run.seed=0,1",
         "scenario=no_investment,trouble_shooter", f"hydra.sweep.dir={sweep_dir}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    effects = pd.read_csv(sweep_dir / "effects.csv")
    felt = effects[effects["metric"] == "felt_benefit_share"]
    assert felt["condition"].tolist() == ["trouble_shooter"]
    assert felt["n"].item() == 2
    tidy = io.read_parquet(sweep_dir / "comparison.parquet")
    assert tidy.groupby("run")["year"].nunique().eq(3).all()
    assert (sweep_dir / "figures" / "map_trouble_shooter.png").exists()
    # The measures against the twin: every run, every year; the baseline's are 0.
    twin = tidy[tidy["metric"].isin(["felt_benefit_paired", "cost_effectiveness_paired"])]
    assert twin.groupby(["run", "metric"])["year"].nunique().eq(3).all()
    assert (twin.loc[twin["scenario"] == "no_investment", "value"] == 0).all()
    felt = twin[(twin["metric"] == "felt_benefit_paired") & (twin["scenario"] == "trouble_shooter")]
    assert (felt["value"] >= 0).all() and felt["value"].max() > 0
    # Effects in another year (the first simulated one), beside the final year's.
    y = int(tidy["year"].min()) + 1
    assert subprocess.run([sys.executable, "-m", "sim.compare", str(sweep_dir), "--year", str(y),
                           "--no-figures"], cwd=ROOT, capture_output=True, timeout=300).returncode == 0
    in_y = pd.read_csv(sweep_dir / f"effects_{y}.csv")
    assert set(in_y["metric"]) >= {"felt_benefit_paired", "population"}
    assert (sweep_dir / f"summary_{y}.md").read_text().count(f"Effects in {y}") == 1


def test_sweep_callbacks_are_configured_and_the_warm_up_compiles_in_process(caplog) -> None:
    from hydra import compose, initialize_config_dir
    from hydra.utils import instantiate

    from sim.callbacks import CompareSweep, WarmNumbaCache, warm_numba_cache
    from sim.config import register_configs

    register_configs()
    with initialize_config_dir(str(ROOT / "configs"), version_base="1.3"):
        cfg = compose("config", return_hydra_config=True,
                      overrides=["hydra.callbacks.compare.baseline=status_quo_2018"])
    callbacks = {k: instantiate(v) for k, v in cfg.hydra.callbacks.items()}
    assert isinstance(callbacks["warm_numba"], WarmNumbaCache)
    assert isinstance(callbacks["compare"], CompareSweep)
    assert callbacks["compare"].baseline == "status_quo_2018"
    assert callbacks["warm_numba"].enabled and callbacks["compare"].enabled
    import logging

    from sim.kernels import firms, households, migration

    with caplog.at_level(logging.WARNING):
        assert warm_numba_cache() > 0
    # the tiny region's start warns when it is a run; a warm-up says nothing
    assert not [r for r in caplog.records if r.name == "sim.migration"], caplog.text
    assert logging.getLogger("sim.migration").level == logging.NOTSET  # restored
    # the entry kernels, serial and parallel, are compiled (or loaded from the cache)
    for kernel in (migration._migrate_range, migration._migrate_parallel, firms._firm_parallel,
                   households._demography_parallel, households._labour_parallel,
                   households._aggregate_parallel, households._felt_parallel):
        assert kernel.signatures, kernel


def test_the_summary_says_when_the_money_stopped() -> None:
    """Effects read years after the spending ended have faded; the summary says so and
    names the `--year` that reads them in the last year of spending."""
    national = pd.DataFrame({"metric": "investment_krw", "year": [2025, 2026, 2035, 2036, 2045],
                             "value": [0.0, 1e9, 1e9, 0.0, 0.0]})
    (line,) = cmp.spending_note(national, None)
    assert "2026-2035" in line and "of 2045, 10 years after" in line and "`--year 2035`" in line
    assert cmp.spending_note(national, 2035) == ["- Public money spent in years 2026-2035"]
    assert cmp.spending_note(national.assign(value=0.0), None) == []
