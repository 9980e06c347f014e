"""``python -m sim``: run one simulation (or a sweep with ``-m``) from the Hydra configs.

config -> typed, validated :class:`~sim.config.SimConfig` -> :func:`sim.runner.run` ->
outputs in the Hydra run directory: ``national.parquet``, ``municipalities.parquet``,
``run.json`` and ``plots/``. A directory that already holds a complete run of the same
config is left untouched (this is how a relaunched sweep skips finished runs). A refused
config leaves no directory behind.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.config import CONFIG_DIR, ConfigError, check_command_line, register_configs, to_typed
from sim.data import RegionDataError
from sim.kernels.parallel import prefer_passive_waiting

log = logging.getLogger("sim")


def run_simulation(cfg: DictConfig, out_dir: Path) -> Path:
    """Validate ``cfg``, simulate, and write the outputs into ``out_dir``. Returns ``out_dir``."""
    from sim import io
    from sim.config import config_record
    from sim.runner import run

    typed = to_typed(cfg)  # fails here, before any simulation, on impossible settings
    if io.is_complete(Path(out_dir), config_record(typed)):  # nothing to read back here
        log.info("%s already holds a complete run of this config; skipping", out_dir)
    else:
        run(typed, out_dir=Path(out_dir))
    return Path(out_dir)


def remove_refused_run(out_dir: Path, root: Path) -> None:
    """Delete the directory Hydra made for a run that was refused before it started
    (it holds only ``.hydra/`` and the log), and its parents up to ``root`` if that left
    them empty, so a mistyped command leaves nothing in ``outputs/``."""
    out_dir = Path(out_dir).resolve()
    if any(p.name != ".hydra" and p.suffix != ".log" for p in out_dir.iterdir()):
        return  # something else is there: not ours to delete
    for handler in logging.getLogger().handlers:  # the log file is one of the files
        if isinstance(handler, logging.FileHandler):
            handler.close()
    shutil.rmtree(out_dir, ignore_errors=True)
    root = Path(root).resolve()
    parent = out_dir.parent
    while parent != root and root in parent.parents and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
    if parent == root and root.exists() and not any(root.iterdir()):
        root.rmdir()


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _app(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        run_simulation(cfg, out_dir)
    except (ConfigError, RegionDataError) as err:
        log.error("%s", err)
        print(f"error: {err}", file=sys.stderr)
        remove_refused_run(out_dir, Path.cwd() / _output_root(out_dir))
        sys.exit(2)


def _output_root(out_dir: Path) -> str:
    """The top folder of a run directory under the working directory ("outputs" or
    "multirun"), where removing empty parents stops."""
    try:
        return Path(out_dir).resolve().relative_to(Path.cwd().resolve()).parts[0]
    except (ValueError, IndexError):
        return str(Path(out_dir).resolve().parent)


def main() -> None:
    """``python -m sim [overrides]``: register the config schemas, refuse keys that are no
    setting (Hydra would suggest adding them with ``+``), then run the Hydra app."""
    prefer_passive_waiting()  # before the first parallel kernel of this process
    register_configs()
    try:
        check_command_line(sys.argv[1:])
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    _app()


if __name__ == "__main__":
    main()
