"""Municipalities: ordinary Mesa agents over the model's per-municipality arrays.

There are only a few hundred, so each is a real ``mesa.Agent``. Their numeric state lives
in the model's (M, ...) arrays so that processes can update all of them at once; the
agent reads and writes its own row, which keeps Mesa's data collection and inspection
working as usual.
"""

from __future__ import annotations

import mesa
import numpy as np

SERVICE_DOMAINS = ("health", "mobility", "care_education", "safety", "digital", "environment")


class Municipality(mesa.Agent):
    """A basic local government (si, gun or autonomous gu)."""

    def __init__(self, model, index: int, row: dict):
        super().__init__(model)
        self.index = index
        self.code: str = row["code"]
        self.name: str = row["name"]
        self.province: str = row["province"]
        self.province_code: int = int(row["province_code"])
        self.kind: str = row["kind"]
        self.capital_region: bool = bool(row["capital_region"])
        self.innovation_city: bool = bool(row["innovation_city"])

    # Views of the model's arrays --------------------------------------------------
    @property
    def population(self) -> float:
        return float(self.model.persons[self.index] * self.model.scale)

    @property
    def households(self) -> float:
        return float(self.model.households_count[self.index] * self.model.scale)

    @property
    def services(self) -> dict[str, float]:
        levels = self.model.service_levels()[self.index]
        return dict(zip(SERVICE_DOMAINS, levels.tolist(), strict=True))

    @property
    def qol(self) -> float:
        return float(self.model.qol_mean[self.index])

    @property
    def wage(self) -> float:
        return float(self.model.mean_wage_by_muni[self.index])

    @property
    def jobs(self) -> float:
        return float(np.sum(self.model.jobs[self.index]) * self.model.scale)

    # Decisions ------------------------------------------------------------------------
    def felt_service_deficits(self, levels: np.ndarray | None = None) -> np.ndarray:
        """(6,) how much residents here feel each service domain is lacking.

        Per domain: the residents' weight on it (QoL service weights of each age class,
        averaged over the residents by age class of the household head) times the
        shortfall from the top of the scale, ``100 - level``. ``levels`` is the model's
        (M, 6) ``service_levels()``, passed in to avoid recomputing it per municipality.
        """
        model = self.model
        levels = model.service_levels() if levels is None else levels
        by_class = model.aggregates["persons_by_type"][self.index].reshape(3, 3).sum(axis=1)
        weights = np.asarray(model.params.qol.service_weights, dtype=float)  # (3, 6)
        w = by_class @ weights / max(float(by_class.sum()), 1e-9)
        if by_class.sum() <= 0:
            w = weights.mean(axis=0)
        return w * (100.0 - levels[self.index])

    def choose_ts_domains(self, n: int = 1, levels: np.ndarray | None = None) -> list[int]:
        """The TS ("Trouble Shooter") system: the ``n`` domains whose deficits residents
        feel most, most-felt first (indices into SERVICE_DOMAINS). A municipal decision,
        so it lives here; the instrument funds what it returns."""
        d = self.felt_service_deficits(levels)
        return [int(i) for i in np.argsort(-d, kind="stable")[:n]]

    def __repr__(self) -> str:
        return f"Municipality({self.code} {self.name}, {self.kind}, {self.province})"
