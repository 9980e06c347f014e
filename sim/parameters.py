"""The model's keyword parameters, the Mesa way, mapped onto the config.

Mesa users build a model with keyword parameters (``SmartCityModel(scenario=...,
seed=1)``), sweep them with ``mesa.batch_run`` and set them from SolaraViz controls. Here
every keyword is turned into the command-line override ``python -m sim`` would take
(``seed=1`` -> ``run.seed=1``) and the config is built by :func:`sim.config.make_config`,
so a keyword parameter is checked exactly like the same setting on the command line and
fails with the same :class:`~sim.config.ConfigError`.

This module is the mapping only, with nothing but the config below it, because both
:mod:`sim.model` (the keyword constructor) and :mod:`sim.api` (``simulate``, which builds
a model) use it; :mod:`sim.api` re-exports it for users.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.config import SimConfig, make_config

#: keyword parameter -> the config key (or config group) it sets. A group (``scenario``,
#: ``region``, ``beliefs``) takes the name of one of its files in ``configs/<group>/``.
PARAMETERS: dict[str, str] = {
    "scenario": "scenario",  # configs/scenario/<name>.yaml
    "beliefs": "beliefs",  # configs/beliefs/<name>.yaml, where that group exists
    "region": "region",  # configs/region/<name>.yaml: "korea" or "synthetic"
    "years": "run.years",  # simulated years
    "seed": "run.seed",  # the run seed
    "scale": "run.scale",  # real households per household agent
    "start_year": "run.start_year",  # census year of the start: 2010, 2015, 2020
    "budget_krw": "budget.annual_krw",  # national smart-city budget, KRW a year
}


def override_value(value: Any) -> str:
    """``value`` written as on the command line: Python booleans and numbers in Hydra's
    syntax, strings unchanged (so ``"5e11"`` and ``"abc"`` are parsed, and refused,
    exactly as typed after ``budget.annual_krw=``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # round-trips exactly; "inf"/"nan" are refused by validate()
    return str(value)


def overrides_for(overrides: Sequence[str] = (), **params: Any) -> list[str]:
    """The command-line overrides of keyword ``params`` (``None`` = the config's default),
    followed by ``overrides`` as given.

    >>> overrides_for(["run.plots=false"], scenario="trouble_shooter", seed=3)
    ['scenario=trouble_shooter', 'run.seed=3', 'run.plots=false']

    Raises:
        TypeError: a keyword that is not one of :data:`PARAMETERS`.
    """
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        raise TypeError(f"unknown model parameter(s) {unknown}; allowed: {sorted(PARAMETERS)} "
                        "(any other setting: overrides=['key=value'])")
    if isinstance(overrides, str):
        raise TypeError("overrides must be a list of 'key=value' strings, not one string")
    out = [f"{PARAMETERS[name]}={override_value(value)}"
           for name, value in params.items() if value is not None]
    return out + list(overrides)


def config_for(
    overrides: Sequence[str] = (), values: Mapping[str, Any] | None = None, **params: Any
) -> SimConfig:
    """The validated config of keyword ``params`` plus ``overrides`` and nested ``values``
    (see :func:`sim.config.make_config`).

    Raises:
        sim.config.ConfigError: naming every impossible or unknown setting.
        TypeError: a keyword that is not one of :data:`PARAMETERS`.
    """
    return make_config(overrides_for(overrides, **params), values)


__all__ = ["PARAMETERS", "config_for", "override_value", "overrides_for"]
