"""Policy process: the year's smart-city budget is allocated and spent, assets age.

The mechanisms live in :mod:`sim.policy`; this module only runs them in the schedule.
"""

from __future__ import annotations

from sim.policy.engine import PolicyEngine


def make_engine(model) -> PolicyEngine:
    return PolicyEngine(model.cfg, model)


def step(model) -> None:
    model.policy.step(model)
