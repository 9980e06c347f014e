"""Shared fixtures: small typed configs and models for fast tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.config import SimConfig, validate

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")


def make_config(**overrides) -> SimConfig:
    """A validated SimConfig from the schema defaults plus nested ``overrides``.

    Defaults here are tiny: the synthetic region with 12 municipalities at scale 20
    (about 40 k household agents), 3 years, no progress bar or plots.
    """
    base = {
        "region": {"name": "synthetic", "n_municipalities": 12, "seed": 1},
        "scenario": {"name": "no_investment"},
        "run": {"scale": 20.0, "years": 3, "progress": False, "plots": False},
    }
    cfg = OmegaConf.merge(OmegaConf.structured(SimConfig), base, overrides)
    typed = OmegaConf.to_object(cfg)
    validate(typed)
    return typed


@pytest.fixture
def small_config() -> SimConfig:
    return make_config()
