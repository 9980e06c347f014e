"""A sweep killed half-way and launched again keeps what it finished and redoes the rest.

Launches a real ``python -m sim -m`` sweep as a subprocess, kills its whole process
group (SIGKILL, no clean-up) as soon as the first run's manifest says "completed",
relaunches the same command with the same ``hydra.sweep.dir``, and checks that the
completed runs' files were not rewritten (same bytes, same mtime) and that every run
of the sweep is complete afterwards.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim import io

ROOT = Path(__file__).resolve().parent.parent
SEEDS = (0, 1, 2, 3)


def _command(sweep_dir: Path) -> list[str]:
    return [
        sys.executable, "-m", "sim", "-m",
        "region=synthetic", "run.years=3", "run.scale=50", "run.progress=false",
        "run.plots=false", "run.seed=" + ",".join(map(str, SEEDS)),
        "hydra.callbacks.compare.enabled=false",
        f"hydra.sweep.dir={sweep_dir}",
    ]


def _run_dirs(sweep_dir: Path) -> list[Path]:
    return sorted(p for p in sweep_dir.iterdir() if p.is_dir()) if sweep_dir.exists() else []


def _fingerprint(run_dir: Path) -> dict[str, tuple[int, str]]:
    return {
        name: ((run_dir / name).stat().st_mtime_ns,
               hashlib.sha256((run_dir / name).read_bytes()).hexdigest())
        for name in io.RUN_OUTPUTS
    }


def test_killed_sweep_resumes_without_touching_completed_runs(tmp_path: Path) -> None:
    sweep_dir = tmp_path / "sweep"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        _command(sweep_dir), cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    try:
        while not any(io.is_complete(d) for d in _run_dirs(sweep_dir)):
            if proc.poll() is not None:
                pytest.fail(f"sweep ended before the kill (rc {proc.returncode}): "
                            f"{proc.stderr.read()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("no run completed within 120 s")
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and anything it started
        proc.wait()
        proc.stderr.close()

    done = {d.name: _fingerprint(d) for d in _run_dirs(sweep_dir) if io.is_complete(d)}
    assert done, "the kill came before any run completed"
    assert len(done) < len(SEEDS), "the sweep finished before it was killed; nothing to resume"
    time.sleep(0.05)  # a rewrite after this point would show in st_mtime_ns

    rerun = subprocess.run(_command(sweep_dir), cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]

    runs = _run_dirs(sweep_dir)
    assert len(runs) == len(SEEDS), [d.name for d in runs]
    assert all(io.is_complete(d) for d in runs)
    assert sorted(io.read_manifest(d)["seed"] for d in runs) == list(SEEDS)
    for name, fingerprint in done.items():
        assert _fingerprint(sweep_dir / name) == fingerprint, f"{name} was rewritten"
    skipped = rerun.stdout + rerun.stderr
    assert skipped.count("already holds a complete run") == len(done)


def test_finished_runs_are_not_kept_alive_in_the_worker(tmp_path: Path) -> None:
    """A sweep worker runs many simulations in one process; none may outlive its run
    (Mesa 3.3 kept every model alive in ``Agent._ids``; run_simulation releases it)."""
    import gc

    from hydra import compose, initialize_config_dir

    from sim.__main__ import run_simulation
    from sim.config import register_configs
    from sim.model import SmartCityModel

    register_configs()  # what `python -m sim` does before Hydra composes

    def alive() -> int:
        gc.collect()
        return sum(isinstance(o, SmartCityModel) for o in gc.get_objects())

    before = alive()
    with initialize_config_dir(str(ROOT / "configs"), version_base="1.3"):
        for seed in range(3):
            cfg = compose("config", overrides=[
                "region=synthetic", "run.years=2", "run.scale=200", "run.progress=false",
                "run.plots=false", f"run.seed={seed}"])
            run_simulation(cfg, tmp_path / str(seed))
    assert all(io.is_complete(tmp_path / str(s)) for s in range(3))
    assert alive() == before


def test_pending_recognises_a_finished_run(tmp_path: Path) -> None:
    """A job whose directory holds its finished run is not pending (run.json records the
    resolved config, and pending compares that same record), so a relaunched study
    neither reruns it nor warms up for it."""
    from sim.tools.runs import Job, pending, run_all

    job = Job(("region=synthetic", "region.n_municipalities=8", "run.years=1", "run.scale=200",
               "run.progress=false", "run.plots=false", "scenario=trouble_shooter"),
              tmp_path / "run")
    other = Job((*job.overrides[:-1], "scenario=tech_city"), tmp_path / "run")
    assert pending([job]) == [job]
    assert run_all([job], progress=False) == 1
    assert pending([job]) == []
    assert run_all([job], progress=False) == 0
    assert pending([other]) == [other]  # another config in the same place is not done
