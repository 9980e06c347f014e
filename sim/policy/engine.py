"""The policy engine: allocation by targeting and governance, building by instrument,
ageing and decay by lifecycle. It writes only policy state on the model:
``policy_services`` (M, 6), ``tech_shift`` (M, S), ``attachment`` (M,),
``investment_krw`` (M,)."""

from __future__ import annotations


class PolicyEngine:
    def __init__(self, cfg, model):
        self.cfg = cfg

    def step(self, model) -> None:
        model.investment_krw[:] = 0.0
