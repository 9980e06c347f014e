"""The project is a real package: the wheel holds the configs and every data file, and
runs outside the checkout.

``configs/`` stays at the top of the repository; pyproject.toml maps it into the wheel as
``sim/_configs``, and :data:`sim.config.CONFIG_DIR` finds either (docs/architecture.md,
"Packaging"). The slow test builds the wheel (``pip wheel --no-deps``), installs it into
a fresh venv that borrows this environment's dependencies (a ``.pth`` file, so nothing is
downloaded but the build backend) and runs a tiny job from a directory outside the
repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from sim.config import CONFIG_DIR

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _folders(root: Path) -> list[Path]:
    """``root`` and its folders (but caches) with a file somewhere inside."""
    return [d for d in [root, *sorted(root.rglob("*"))]
            if d.is_dir() and "__pycache__" not in d.parts
            and any(f.is_file() and "__pycache__" not in f.parts for f in d.rglob("*"))]


def test_every_folder_of_sim_and_configs_is_a_listed_package() -> None:
    """pyproject.toml lists its packages (the configs mapping needs it): a new folder
    under sim/ or configs/ must be added there, or the wheel would miss its files."""
    listed = set(SETUPTOOLS["packages"])
    assert SETUPTOOLS["package-dir"] == {"sim._configs": "configs"}
    expected = {".".join(d.relative_to(ROOT).parts) for d in _folders(ROOT / "sim")}
    expected |= {".".join(("sim", "_configs", *d.relative_to(ROOT / "configs").parts))
                 for d in _folders(ROOT / "configs")}
    assert sorted(expected - listed) == [], "add these to [tool.setuptools] packages"
    assert sorted(listed - expected) == [], "listed packages that do not exist"


def test_config_dir_is_the_checkouts_configs() -> None:
    assert CONFIG_DIR == ROOT / "configs"  # the wheel's sim/_configs is not in a checkout


def _data_files() -> set[str]:
    """Every file the wheel must hold besides the modules, as wheel paths."""
    files = {f"sim/_configs/{p.relative_to(ROOT / 'configs').as_posix()}"
             for p in (ROOT / "configs").rglob("*") if p.is_file()}
    files |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "sim").rglob("*")
              if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
              and not p.name.endswith((".nbi", ".nbc"))}
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                           "--wheel-dir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (found,) = out.glob("korea_smartcity_sim-*.whl")
    return found


@pytest.mark.slow
def test_the_wheel_holds_the_configs_and_every_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert sorted(_data_files() - names) == []
    assert "sim/_configs/config.yaml" in names and "sim/data/korea/new_towns.csv" in names
    assert not any(n.startswith(("configs/", "tests/", "experiments/")) for n in names)


@pytest.mark.slow
def test_the_installed_wheel_runs_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    """A venv with nothing but the wheel (the dependencies borrowed from this
    environment through a .pth file) runs a tiny job in a directory outside the
    repository, and every data file resolves inside the installed package."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False, symlinks=True)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    # This environment's packages, after the venv's own: Python adds the lines of a .pth
    # file to sys.path but does not run the .pth files found there, so an editable
    # install of the checkout in this environment stays out of the fresh venv.
    (site / "_borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                           "--no-deps", "--quiet", str(wheel)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]

    work = tmp_path / "elsewhere"
    work.mkdir()
    check = """
import json, sys
from pathlib import Path
import sim, sim.config, sim.data.census, sim.data.region, sim.tools.abc
from sim.dashboard import runs
from sim.config import region_config
from sim.data import load_region
paths = {"sim": Path(sim.__file__).parent, "configs": sim.config.CONFIG_DIR,
         "korea": sim.data.region.KOREA_DIR, "new_towns": sim.data.census.NEW_TOWNS,
         "vital_statistics": sim.data.census.VITAL_STATISTICS,
         "posterior": sim.tools.abc.POSTERIOR}
print(json.dumps({
    "paths": {k: str(v) for k, v in paths.items()},
    "exist": all(Path(p).exists() for p in paths.values()),
    "korea": load_region(region_config("korea")).n,
    "scenarios": runs.options("scenario"),
}))
"""
    proc = subprocess.run([python, "-c", check], cwd=work, capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    for name, path in found["paths"].items():
        assert Path(path).is_relative_to(site / "sim"), (name, path)
    assert found["exist"] and found["korea"] == 229
    assert "trouble_shooter" in found["scenarios"]

    job = [python, "-m", "sim", "region=synthetic", "region.n_municipalities=8", "run.years=1",
           "run.scale=50", "run.plots=false", "run.progress=false"]
    proc = subprocess.run(job, cwd=work, capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run_dir,) = (work / "outputs" / "no_investment").iterdir()
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["completed"] is True
    from sim.io import read_parquet

    national = read_parquet(run_dir / "national.parquet")
    municipal = read_parquet(run_dir / "municipalities.parquet")
    assert len(national) == 2 and len(municipal) == 2 * 8
    assert national["population"].gt(0).all()
