"""``python -m sim``: run one simulation (or a sweep with ``-m``) from the Hydra configs.

config -> typed, validated :class:`~sim.config.SimConfig` -> model -> run -> outputs in
the Hydra run directory: ``national.parquet``, ``municipalities.parquet``, ``run.json``
and ``plots/``. A directory that already holds a complete run of the same config is left
untouched (this is how a relaunched sweep skips finished runs).
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config import CONFIG_DIR, ConfigError, check_command_line, register_configs, to_typed
from sim.data import RegionDataError

log = logging.getLogger("sim")
year_log = logging.getLogger("sim.years")  # one line per simulated year, to the log file


def run_simulation(cfg: DictConfig, out_dir: Path) -> Path:
    """Validate ``cfg``, simulate, and write the outputs into ``out_dir``. Returns ``out_dir``."""
    from sim import io

    typed = to_typed(cfg)  # fails here, before any simulation, on impossible settings
    # The manifest records the config the model runs: the beliefs filled in (sim.beliefs).
    resolved = OmegaConf.to_container(OmegaConf.structured(typed), resolve=True)
    out_dir = Path(out_dir)
    if io.is_complete(out_dir, resolved):
        log.info("%s already holds a complete run of this config; skipping", out_dir)
        return out_dir
    for name in io.RUN_OUTPUTS:  # a stale, incomplete run: start afresh
        (out_dir / name).unlink(missing_ok=True)
        for tmp in out_dir.glob(f".{name}.*.tmp"):  # left by a killed atomic write
            tmp.unlink(missing_ok=True)

    from sim.model import SmartCityModel

    t0 = time.perf_counter()
    manifest = io.Manifest(out_dir, resolved)
    model = SmartCityModel(typed)
    log.info(
        "built %s: %d municipalities, %d household agents, %d firm agents (scale %g) in %.1f s",
        typed.region.name, model.n_munis, len(model.households), len(model.firms.agents),
        model.scale, time.perf_counter() - t0,
    )
    years = range(typed.run.years)
    if typed.run.progress:
        from tqdm.auto import tqdm

        years = tqdm(years, desc=f"{typed.scenario.name} seed {typed.run.seed}", unit="yr")
    for _ in years:
        t_year = time.perf_counter()
        model.step()
        year_log.info("year %d simulated in %.2f s", model.year, time.perf_counter() - t_year)

    t_write = time.perf_counter()
    io.write_parquet(model.records.national_frame(), out_dir / "national.parquet")
    io.write_parquet(model.records.municipal_frame(), out_dir / "municipalities.parquet")
    if typed.run.plots:
        from sim import plots

        plots.run_figures(out_dir, model.region)
    wall = {name: float(sum(v)) for name, v in model.timings.items()}
    wall["write"] = time.perf_counter() - t_write
    wall["total"] = time.perf_counter() - t0
    manifest.finish(wall, households_agents=len(model.households), firm_agents=len(model.firms.agents))
    log.info("outputs in %s (%.1f s)", out_dir, wall["total"])
    model.release()  # a sweep worker's memory must not grow per run (Mesa 3.3.1 leak)
    return out_dir


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _app(cfg: DictConfig) -> None:
    try:
        run_simulation(cfg, Path(HydraConfig.get().runtime.output_dir))
    except (ConfigError, RegionDataError) as err:
        log.error("%s", err)
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)


def main() -> None:
    """``python -m sim [overrides]``: register the config schemas, refuse keys that are no
    setting (Hydra would suggest adding them with ``+``), then run the Hydra app."""
    register_configs()
    try:
        check_command_line(sys.argv[1:])
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    _app()


if __name__ == "__main__":
    main()
