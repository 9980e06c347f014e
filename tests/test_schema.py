"""The registries of targeting rules and recipes: every rule a config option names is
registered and scores every municipality; the recipes are the Recipe fields of the
instrument schema.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from sim.config import CONFIG_DIR, make_config
from sim.policy import allocation
from sim.policy.config import RECIPES, TARGETING_RULES, InstrumentConfig, Recipe

BASE = ["region=synthetic", "region.n_municipalities=12", "run.years=2", "run.plots=false",
        "run.progress=false"]


# -- registries ---------------------------------------------------------------------------


def test_every_targeting_option_uses_a_registered_rule() -> None:
    for path in sorted((CONFIG_DIR / "targeting").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text())
        assert spec["rule"] in TARGETING_RULES, path.name
        assert spec["rule"] in allocation.RULES or spec["rule"] in allocation.UNSCORED, path.name
        for prog in spec.get("programmes", []):
            assert prog["recipe"] in RECIPES, (path.name, prog["name"])
    assert set(TARGETING_RULES) == set(allocation.RULES) | set(allocation.UNSCORED)


def test_every_registered_rule_scores_every_municipality() -> None:
    cfg = make_config(BASE)
    m = 12
    rng = np.random.default_rng(0)
    args = dict(targeting=cfg.targeting, governance=cfg.governance, z=rng.normal(size=m),
                site_weight=rng.uniform(size=m), persons=rng.uniform(100, 1000, m),
                output=rng.uniform(1, 10, m), qol_mean=rng.uniform(40, 60, m),
                is_gun=rng.uniform(size=m) < 0.5)
    for name in allocation.RULES:
        s = allocation.scores(name, **args)
        assert s.shape == (m,) and (s >= 0).all(), name
    with pytest.raises(ValueError, match="unknown targeting rule 'none'"):
        allocation.scores("none", **args)


def test_recipes_are_the_recipe_fields_of_the_instrument() -> None:
    inst = InstrumentConfig()
    assert RECIPES == tuple(n for n in vars(inst) if isinstance(getattr(inst, n), Recipe))
    assert {"tech_test_bed", "master_plan"} <= set(RECIPES)
