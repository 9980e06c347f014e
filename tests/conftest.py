"""Shared fixtures: small typed configs and models for fast tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from sim.config import SimConfig
from sim.config import make_config as compose_config

# No per-example deadline: on a 2-core CI machine running the suite on both cores, a
# 50 ms example can take 250 ms (a hypothesis test failed so, 2026-12-08, in a fresh
# clone). Speed is checked by the benchmarks (python -m sim.bench), not by unit tests.
settings.register_profile("no_deadline", deadline=None)
settings.load_profile("no_deadline")

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")

#: The tiny world of most tests: the synthetic region with 12 municipalities at scale 20
#: (about 40 k household agents), 3 years, the prior behaviour, no progress bar or plots.
TINY = [
    "region=synthetic", "region.n_municipalities=12", "region.seed=1", "behaviour=default",
    "run.scale=20", "run.years=3", "run.progress=false", "run.plots=false",
]


def make_config(*overrides: str, **values) -> SimConfig:
    """A validated SimConfig of the tiny world, through the one config helper
    (:func:`sim.config.make_config`): Hydra ``overrides`` (``"scenario=trouble_shooter"``)
    on top of :data:`TINY`, then nested ``values`` (``run={"years": 4}``)."""
    return compose_config([*TINY, *overrides], values)


@pytest.fixture
def small_config() -> SimConfig:
    return make_config()
