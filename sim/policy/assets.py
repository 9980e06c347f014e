"""Smart assets: what has been built, where, for what, and in what condition.

Each asset is one row: the municipality holding it, what it acts on (a service domain,
a sector's productivity, or residents' attachment), its effective capital (KRW that
reach the ground after overhead, times the instrument's efficiency), its nominal cost
(what operation is costed on), the year built and its condition (1 new, 0 worn out).

Condition falls by ``decay_rate`` a year times the unfunded share of its operation
(build-only: all of it); a fully operated asset keeps its condition, but every asset
retires (condition 0) at the end of its service life, operated or not. The state the
model reads is the condition-weighted capital per municipality and target
(:meth:`AssetRegistry.capital`).
"""

from __future__ import annotations

import numpy as np

#: What an asset acts on.
SERVICE, TECH, ATTACHMENT = 0, 1, 2


class AssetRegistry:
    """Column store of assets (a few thousand rows at most: one per place, target, year)."""

    def __init__(self) -> None:
        self.muni = np.zeros(0, dtype=np.int64)
        self.target = np.zeros(0, dtype=np.int8)  # SERVICE, TECH or ATTACHMENT
        self.index = np.zeros(0, dtype=np.int64)  # domain (SERVICE) or sector (TECH); 0 otherwise
        self.capital = np.zeros(0)  # effective KRW (after overhead and efficiency)
        self.cost = np.zeros(0)  # nominal KRW spent on it
        self.year = np.zeros(0, dtype=np.int64)
        self.condition = np.zeros(0)
        self.instrument = np.zeros(0, dtype=object)

    def __len__(self) -> int:
        return len(self.muni)

    def add(self, muni, target, index, capital, cost, year: int, instrument) -> None:
        """Append assets; arrays of equal length (K,) (``instrument``: a name or K names).
        Rows with zero cost are dropped."""
        cost = np.asarray(cost, dtype=float)
        inst = np.asarray(instrument, dtype=object)
        if inst.ndim == 0:
            inst = np.full(len(cost), instrument, dtype=object)
        keep = cost > 0
        if not keep.any():
            return
        k = int(keep.sum())
        self.muni = np.concatenate([self.muni, np.asarray(muni, dtype=np.int64)[keep]])
        self.target = np.concatenate([self.target, np.asarray(target, dtype=np.int8)[keep]])
        self.index = np.concatenate([self.index, np.asarray(index, dtype=np.int64)[keep]])
        self.capital = np.concatenate([self.capital, np.asarray(capital, dtype=float)[keep]])
        self.cost = np.concatenate([self.cost, cost[keep]])
        self.year = np.concatenate([self.year, np.full(k, year, dtype=np.int64)])
        self.condition = np.concatenate([self.condition, np.ones(k)])
        self.instrument = np.concatenate([self.instrument, inst[keep]])

    def operating_need(self, rate: float) -> np.ndarray:
        """(A,) KRW a year to operate each asset: ``rate`` x cost x condition (what still works)."""
        return rate * self.cost * self.condition

    def age(self, funded: np.ndarray, decay_rate: float, year: int, service_life: float) -> None:
        """One year of wear in ``year``. ``funded`` (A,) is the share of each asset's
        operation paid for; assets ``service_life`` years old or more retire."""
        if len(self):
            self.condition *= 1.0 - decay_rate * (1.0 - np.clip(funded, 0.0, 1.0))
            self.condition[year - self.year >= service_life] = 0.0

    def capital_by(self, target: int, m: int, n_index: int) -> np.ndarray:
        """(m, n_index) condition-weighted effective capital of one target kind (KRW)."""
        sel = self.target == target
        cell = self.muni[sel] * n_index + self.index[sel]
        w = self.capital[sel] * self.condition[sel]
        return np.bincount(cell, weights=w, minlength=m * n_index).reshape(m, n_index)
