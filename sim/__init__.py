"""Korea smart-city simulation: an agent-based model of South Korea's 229 municipalities.

From Python: ``sim.simulate(scenario="trouble_shooter", years=20)`` returns a
:class:`~sim.api.Result` (``national``, ``municipalities``, ``manifest``); the model
itself is :class:`sim.model.SmartCityModel`. See docs/python.md.

The names below are imported on first use, so ``import sim`` (and every ``python -m
sim.<tool>``) stays light and has no side effects.
"""

from __future__ import annotations

from typing import Any

_API = ("simulate", "Result", "RunDirError", "PARAMETERS", "national_effects", "headline_effects")

__all__ = list(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
