"""Municipalities: ordinary Mesa agents over the model's per-municipality arrays.

There are only a few hundred, so each is a real ``mesa.Agent``. Their numeric state lives
in the processes' (M, ...) arrays so that processes can update all of them at once; the
agent reads its own row, which keeps Mesa's inspection and data collection working as
usual.
"""

from __future__ import annotations

import numpy as np

from sim.compat import mesa
from sim.constants import SERVICE_DOMAINS, by_age_class
from sim.policy.instruments import choose_ts_domains, felt_service_deficits


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
        return float(self.model.observed.persons[self.index] * self.model.scale)

    @property
    def households(self) -> float:
        return float(self.model.observed.households[self.index] * self.model.scale)

    @property
    def services(self) -> dict[str, float]:
        levels = self.model.service_levels()[self.index]
        return dict(zip(SERVICE_DOMAINS, levels.tolist(), strict=True))

    @property
    def qol(self) -> float:
        return float(self.model.observed.qol_mean[self.index])

    @property
    def wage(self) -> float:
        return float(self.model.labour.mean_wage[self.index])

    @property
    def jobs(self) -> float:
        return float(np.sum(self.model.firms.jobs[self.index]) * self.model.scale)

    # Decisions ------------------------------------------------------------------------
    def _residents_by_class(self) -> np.ndarray:
        return by_age_class(self.model.observed.persons_by_type[self.index : self.index + 1])[0]

    def felt_service_deficits(self, levels: np.ndarray | None = None) -> np.ndarray:
        """(6,) how much residents here feel each service domain is lacking (see
        :func:`sim.policy.instruments.felt_service_deficits`). ``levels`` is the model's
        (M, 6) ``service_levels()``, passed in to avoid recomputing it per municipality."""
        levels = self.model.service_levels() if levels is None else levels
        return felt_service_deficits(self._residents_by_class(),
                                     self.model.params.qol.service_weights, levels[self.index])

    def choose_ts_domains(self, n: int = 1, levels: np.ndarray | None = None) -> list[int]:
        """The ``n`` domains whose deficits residents feel most, most-felt first (indices
        into SERVICE_DOMAINS): what a TS ("Trouble Shooter") system with a perfect
        report would fund. The instrument's TS system hears a noisy, participation-
        weighted report instead (:func:`sim.policy.instruments.choose_ts_domains`,
        ``instrument.ts_*``)."""
        levels = self.model.service_levels() if levels is None else levels
        return choose_ts_domains(self._residents_by_class(), self.model.params.qol.service_weights,
                                 levels[self.index], n)

    def __repr__(self) -> str:
        return f"Municipality({self.code} {self.name}, {self.kind}, {self.province})"
