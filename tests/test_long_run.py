"""Long runs (issue 8, item 7): memory stays bounded over 35 simulated years, and the run
shows a progress bar and logs one line per simulated year with its wall time."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_config

from sim.config import RunConfig
from sim.model import SmartCityModel

YEARS = 35


def rss_mb() -> float:
    """Resident set size of this process now, MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_memory_is_bounded_over_35_years() -> None:
    """About 110 k household agents: after a 10-year warm-up (Numba compilation, column
    capacity reached), RSS may not grow by more than 25 MB over the next 25 years. A leak
    of one copy of the household columns per year would add about 100 MB."""
    model = SmartCityModel(make_config(region={"n_municipalities": 30}, run={"scale": 20.0}))
    rss = []
    agents = []
    for _ in range(YEARS):
        model.step()
        rss.append(rss_mb())
        agents.append(len(model.households))
    growth = max(rss[10:]) - rss[9]
    assert growth < 25.0, f"RSS grew by {growth:.1f} MB after year 10: {[round(r) for r in rss]}"
    assert model.year == model.start_year + YEARS
    # The population itself stays within sense (no runaway growth that would explain memory).
    assert max(agents) < 1.5 * agents[0]
    assert len(model.records.national_frame()) == YEARS + 1


@pytest.mark.slow
def test_progress_bar_and_one_log_line_per_year(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "region=synthetic", f"run.years={YEARS}", "run.plots=false",
         "run.progress=true", f"hydra.run.dir={run_dir}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{YEARS}/{YEARS}" in proc.stderr, "no progress bar reached the end"
    log = (run_dir / "__main__.log").read_text()
    lines = re.findall(r"\[sim\.years\]\[INFO\] - year (\d{4}) simulated in (\d+\.\d+) s", log)
    years = [int(y) for y, _ in lines]
    start = RunConfig().start_year
    assert years == list(range(start + 1, start + 1 + YEARS)), years
    assert all(float(s) >= 0 for _, s in lines)
    # The per-year lines go to the log file only, not the console.
    assert "simulated in" not in proc.stdout
