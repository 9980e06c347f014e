"""The official Hydra Ray launcher runs a sweep on a local Ray instance.

Slow (starting Ray takes 10-20 s) but part of CI: ``hydra-ray-launcher`` (with ray 2.x,
which has Python 3.11 wheels) is in the ``dev`` extra. The same launcher reaches a Ray
cluster with ``hydra.launcher.ray.init.address=auto`` (see docs/experiments.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim import io

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_sweep_runs_on_a_local_ray_instance(tmp_path: Path) -> None:
    import hydra_plugins.hydra_ray_launcher  # noqa: F401  (installed by the dev extra)

    sweep_dir = tmp_path / "sweep"
    env = {**os.environ, "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0", "RAY_USAGE_STATS_ENABLED": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "sim", "-m", "hydra/launcher=ray",
         "+hydra.launcher.ray.init.num_cpus=2", "+hydra.launcher.ray.init.include_dashboard=false",
         "region=synthetic", "run.years=2", "run.scale=200", "run.progress=false",
         "run.plots=false", "run.seed=0,1", "scenario=no_investment,trouble_shooter",
         f"hydra.sweep.dir={sweep_dir}"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env=env,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert "Ray Launcher is launching 4 jobs" in log
    # the jobs ran in Ray worker processes, not in the launching process
    worker_pids = set(re.findall(r"\(_run_job pid=(\d+)", log))
    assert worker_pids and str(os.getpid()) not in worker_pids, log[-4000:]
    runs = [d for d in sweep_dir.iterdir() if d.is_dir() and d.name != "figures"]
    assert len(runs) == 4 and all(io.is_complete(d) for d in runs)
    # the end-of-multirun comparison ran in the launching process
    assert (sweep_dir / "effects.csv").exists() and (sweep_dir / "summary.md").exists()
