"""Every study in experiments/ runs end to end in its --quick form and writes its figures
and summary into its sweep directory; a second launch finds everything complete."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import io

ROOT = Path(__file__).resolve().parent.parent


def _study(name: str, sweep_dir: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, f"experiments/{name}/run.py", "--quick", "--jobs", "2",
         "--sweep-dir", str(sweep_dir), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result


def _run_dirs(sweep_dir: Path) -> list[Path]:
    return [p.parent for p in sweep_dir.rglob("run.json")]


@pytest.mark.slow
def test_compare_policies_quick(tmp_path: Path) -> None:
    _study("compare_policies", tmp_path, "--scenarios", "no_investment,trouble_shooter,tech_city")
    effects = pd.read_csv(tmp_path / "effects.csv")
    assert set(effects["condition"]) == {"trouble_shooter", "tech_city"}
    assert set(effects["n"]) == {2}
    for fig in ("national_by_scenario", "effects", "map_trouble_shooter", "jeonbuk"):
        assert (tmp_path / "figures" / f"{fig}.png").exists(), fig
    assert len(_run_dirs(tmp_path)) == 6


@pytest.mark.slow
def test_budget_sweep_quick_pairs_every_budget_with_the_baseline(tmp_path: Path) -> None:
    _study("budget_sweep", tmp_path, "--scenario", "trouble_shooter")
    effects = pd.read_csv(tmp_path / "effects.csv")
    assert sorted(effects["budget.annual_krw"].unique()) == [1e11, 1e12]
    assert (tmp_path / "figures" / "effect_vs_budget-annual_krw.png").exists()
    assert "effect_vs_budget-annual_krw.png" in (tmp_path / "summary.md").read_text()
    # relaunching finds every run complete and runs nothing again
    before = {d: (d / "national.parquet").stat().st_mtime_ns for d in _run_dirs(tmp_path)}
    _study("budget_sweep", tmp_path, "--scenario", "trouble_shooter")
    assert {d: (d / "national.parquet").stat().st_mtime_ns for d in _run_dirs(tmp_path)} == before


@pytest.mark.slow
def test_governance_x_instrument_quick_draws_the_grid(tmp_path: Path) -> None:
    _study("governance_x_instrument", tmp_path, "--governance", "centre_led,province_led")
    assert (tmp_path / "figures" / "heatmap_governance-kind_x_instrument-kind.png").exists()
    effects = pd.read_csv(tmp_path / "effects.csv")
    assert effects.groupby(["governance.kind", "instrument.kind"]).ngroups == 4


@pytest.mark.slow
def test_sensitivity_quick_ranks_every_parameter(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "experiments" / "sensitivity"))
    try:
        import run as sensitivity  # experiments/sensitivity/run.py
    finally:
        sys.path.pop(0)
    _study("sensitivity", tmp_path)
    table = pd.read_csv(tmp_path / "sensitivity.csv")
    assert set(table["parameter"]) == set(sensitivity.PARAMETERS)
    assert set(table["outcome"]) == set(sensitivity.OUTCOMES)
    assert (table["mu_star"] >= 0).all() and table["mu_star"].max() > 0
    design = pd.read_csv(tmp_path / "design.csv")
    assert len(design) == 2 * (len(sensitivity.PARAMETERS) + 1)  # r = 2 trajectories
    assert all(io.is_complete(d) for d in _run_dirs(tmp_path))
    assert len(_run_dirs(tmp_path)) == 2 * len(design)
    assert (tmp_path / "figures" / "morris.png").exists()


@pytest.mark.parametrize("study", ["budget_sweep", "compare_policies", "governance_x_instrument",
                                   "brief_claims"])
def test_a_quick_trial_has_its_own_sweep_directory(study: str) -> None:
    """``--quick`` after a full study must not overwrite the study's runs: by default the
    trial goes into ``multirun/<study>_quick``, the study into ``multirun/<study>``."""
    def dry_run(*args: str) -> str:
        result = subprocess.run([sys.executable, f"experiments/{study}/run.py", "--dry-run", *args],
                                cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    full, quick = dry_run(), dry_run("--quick")
    assert str(ROOT / "multirun" / study) + "\n" in full or \
        f"hydra.sweep.dir={ROOT / 'multirun' / study} " in full
    assert str(ROOT / "multirun" / f"{study}_quick") in quick
    assert str(ROOT / "multirun" / f"{study}_quick") not in full
