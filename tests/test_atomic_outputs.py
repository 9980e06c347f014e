"""A run killed at any moment leaves complete outputs or none that look complete (issue 8,
item 4), and rerunning into the same directory completes it.

Real ``python -m sim`` processes are killed with SIGKILL (no clean-up code runs) at
moments chosen by what has appeared in the run directory (manifest written, first and
second parquet file, first plot) and after a few random delays.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import io

ARGS = ["region=synthetic", "region.n_municipalities=10", "run.scale=50", "run.years=6",
        "run.progress=false", "run.seed=4", "run.plots=false"]
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _start(run_dir: Path, cwd: Path, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *ARGS, *extra, f"hydra.run.dir={run_dir}"],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _run(run_dir: Path, cwd: Path, extra: tuple[str, ...] = ()) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *ARGS, *extra, f"hydra.run.dir={run_dir}"],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 120.0) -> bool:
    """SIGKILL ``proc`` as soon as ``ready()``; False if it finished first."""
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.002)
    proc.kill()
    proc.wait()
    raise AssertionError("the run neither reached the kill point nor finished")


def assert_complete_or_nothing_looks_complete(run_dir: Path) -> bool:
    """The invariant; returns whether the run is complete."""
    if io.is_complete(run_dir):
        for name in ("national.parquet", "municipalities.parquet"):
            assert len(io.read_parquet(run_dir / name)) > 0
        return True
    manifest = io.read_manifest(run_dir)
    if (run_dir / "run.json").exists():
        # Written atomically: readable JSON, and it says the run is not complete.
        assert manifest is not None, "run.json is truncated"
        assert manifest["completed"] is False
    for name in ("national.parquet", "municipalities.parquet"):
        if (run_dir / name).exists():  # renamed into place only when fully written
            io.read_parquet(run_dir / name)
    return False


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """One uninterrupted run of the same config."""
    run_dir = tmp_path_factory.mktemp("reference") / "run"
    _run(run_dir, run_dir.parent)
    assert io.is_complete(run_dir)
    return run_dir


def _exists(path: Path):
    return lambda: path.exists()


def _manifest_started(run_dir: Path):
    return lambda: (run_dir / "run.json").exists()


def _first_plot(run_dir: Path):
    return lambda: (run_dir / "plots").is_dir() and any((run_dir / "plots").iterdir())


# name -> (extra overrides, when to kill)
KILL_POINTS = {
    "manifest-written": ((), _manifest_started),
    "national-written": ((), lambda d: _exists(d / "national.parquet")),
    "first-plot": (("run.plots=true",), _first_plot),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_kill_at_a_stage_then_rerun(point: str, tmp_path: Path, reference: Path) -> None:
    run_dir = tmp_path / "run"
    extra, when = KILL_POINTS[point]
    proc = _start(run_dir, tmp_path, extra)
    killed = _kill_when(proc, when(run_dir))
    complete = assert_complete_or_nothing_looks_complete(run_dir)
    assert killed or complete
    if killed and point != "first-plot":
        assert not complete, "killed before the manifest was finished, yet it says complete"
    # Rerunning into the same directory finishes the run, with the uninterrupted numbers.
    _run(run_dir, tmp_path, extra)
    assert io.is_complete(run_dir)
    for name in ("national.parquet", "municipalities.parquet"):
        pd.testing.assert_frame_equal(io.read_parquet(run_dir / name), io.read_parquet(reference / name))
    assert not list(run_dir.glob(".*.tmp")), "temporary files of the killed run were left"


@pytest.mark.slow
def test_kill_after_random_delays(tmp_path: Path) -> None:
    """Kills at random moments of one directory's life; the invariant holds after each."""
    rng = random.Random(int(os.environ.get("KILL_SEED", "8")))
    run_dir = tmp_path / "run"
    outcomes = []
    for _ in range(3):
        proc = _start(run_dir, tmp_path)
        time.sleep(rng.uniform(0.2, 5.0))
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        outcomes.append(assert_complete_or_nothing_looks_complete(run_dir))
        if outcomes[-1]:
            break
    _run(run_dir, tmp_path)
    assert io.is_complete(run_dir)


@pytest.mark.slow
def test_complete_run_is_left_untouched(tmp_path: Path, reference: Path) -> None:
    """Rerunning into a complete run directory skips it: no output is rewritten."""
    run_dir = tmp_path / "copy"
    run_dir.mkdir()
    for name in io.RUN_OUTPUTS:
        (run_dir / name).write_bytes((reference / name).read_bytes())
    before = {name: (run_dir / name).stat().st_mtime_ns for name in io.RUN_OUTPUTS}
    out = _run(run_dir, tmp_path)
    assert "already holds a complete run" in out
    assert {name: (run_dir / name).stat().st_mtime_ns for name in io.RUN_OUTPUTS} == before


def test_incomplete_manifest_is_not_complete(tmp_path: Path, reference: Path) -> None:
    """A directory with every output but a manifest saying completed=false (killed between
    the last parquet and the final manifest) does not count as complete."""
    for name in io.RUN_OUTPUTS:
        (tmp_path / name).write_bytes((reference / name).read_bytes())
    assert io.is_complete(tmp_path)
    manifest = json.loads((tmp_path / "run.json").read_text())
    manifest["completed"] = False
    (tmp_path / "run.json").write_text(json.dumps(manifest))
    assert not io.is_complete(tmp_path)
    (tmp_path / "run.json").write_text(json.dumps(manifest)[:100])  # truncated by hand
    assert not io.is_complete(tmp_path)


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    """An exception while writing leaves neither the target nor a temporary file."""
    target = tmp_path / "x.parquet"

    def failing(tmp: Path) -> None:
        tmp.write_bytes(b"half a file")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        io.atomic_write(target, failing)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_read_parquet_reads_what_pandas_reads(tmp_path: Path) -> None:
    """The one parquet reader (by path, not through a Python file object) gives the frame
    pandas gives, dtypes, index and columns included, and reads a subset of columns."""
    frame = pd.DataFrame({"year": [2025, 2026], "code": [11010, 35310],
                          "name": ["종로구", "완주군"], "share": [0.25, float("nan")]})
    io.write_parquet(frame, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(io.read_parquet(tmp_path / "t.parquet"),
                                  pd.read_parquet(tmp_path / "t.parquet"),  # the reference
                                  check_exact=True)
    pd.testing.assert_frame_equal(io.read_parquet(str(tmp_path / "t.parquet"), columns=["code"]),
                                  frame[["code"]])


def test_nothing_reads_parquet_through_pandas() -> None:
    """``pandas.read_parquet`` hands pyarrow a file object, after which a process can abort
    at exit (exit 134) or hang (sim.io.read_parquet): every module reads by path."""
    root = Path(__file__).resolve().parents[1]
    through_pandas = re.compile(r"(?<![\w.])(pd|pandas)\.read_parquet\(")
    offenders = [f"{path.relative_to(root)}:{n}"
                 for folder in ("sim", "experiments", "tests")
                 for path in sorted((root / folder).rglob("*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if through_pandas.search(line) and "# the reference" not in line]
    assert not offenders, f"read parquet with sim.io.read_parquet, not pandas: {offenders}"
