"""The documentation stays true: every behavioural parameter is described in docs/model.md."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sim import config

DOCS = Path(__file__).resolve().parent.parent / "docs"
SECTIONS = [config.MigrationParams, config.DemographyParams, config.EconomyParams,
            config.HousingParams, config.QolParams]


@pytest.mark.parametrize("section", SECTIONS, ids=lambda c: c.__name__)
def test_every_behaviour_parameter_is_documented(section):
    text = (DOCS / "model.md").read_text()
    missing = [f.name for f in dataclasses.fields(section) if f"`{f.name}`" not in text]
    assert not missing, f"docs/model.md does not describe {section.__name__} parameters {missing}"


def test_readme_has_the_two_setup_commands():
    readme = (DOCS.parent / "README.md").read_text()
    assert "python -m sim\n" in readme
    assert "python -m pytest" in readme
    ci = (DOCS.parent / ".ci" / "run").read_text()
    assert "python -m pytest" in ci
