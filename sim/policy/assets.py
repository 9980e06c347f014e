"""Smart assets: what has been built, where, for what, and in what condition.

Each asset is one row: the municipality holding it, what it acts on (a service domain,
a sector's productivity, or residents' attachment), its effective capital (KRW that
reach the ground after overhead, times the instrument's efficiency), its nominal cost
(what operation is costed on), the year built and its condition (1 new, 0 worn out).

Condition falls by ``decay_rate`` a year times the unfunded share of its operation
(build-only: all of it); a fully operated asset keeps its condition. Every asset wears
out: its wear grows each year by ``1 / service_life`` for the unfunded share of its
operation and ``1 / operated_life`` for the funded share (operation maintains and renews
it, a belief), and it retires (condition 0) when the wear reaches 1: at the end of its
service life if never operated, of its operated life if always operated. The state the
model reads is the condition-weighted capital per municipality and target
(:meth:`AssetRegistry.capital_by`). An asset may reach only a zone of its municipality
(``zone``: the zone's residents, 0 for everyone), e.g. a pilot city's new town.
"""

from __future__ import annotations

import math

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
        self.wear = np.zeros(0)  # share of its life used up (retires at 1)
        self.zone = np.zeros(0)  # residents of the zone it serves (0: the whole municipality)
        self.instrument = np.zeros(0, dtype=object)

    def __len__(self) -> int:
        return len(self.muni)

    def add(self, muni, target, index, capital, cost, year: int, instrument, zone=0.0) -> None:
        """Append assets; arrays of equal length (K,) (``instrument``: a name or K names;
        ``zone``: a number or K numbers, residents reached, 0 for all). Rows with zero
        cost are dropped."""
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
        self.wear = np.concatenate([self.wear, np.zeros(k)])
        zone = np.broadcast_to(np.asarray(zone, dtype=float), cost.shape)
        self.zone = np.concatenate([self.zone, zone[keep]])
        self.instrument = np.concatenate([self.instrument, inst[keep]])

    def operating_need(self, rate: float) -> np.ndarray:
        """(A,) KRW a year to operate each asset: ``rate`` x cost x condition (what still works)."""
        return rate * self.cost * self.condition

    def age(self, funded: np.ndarray, decay_rate: float, year: int, service_life: float,
            operated_life: float | None = None) -> None:
        """One year of wear in ``year``. ``funded`` (A,) is the share of each asset's
        operation paid for: the unfunded share decays (``decay_rate``) and wears the
        asset at ``1 / service_life`` a year, the funded share at ``1 / operated_life``
        (``service_life`` if None); an asset whose wear reaches 1 retires. Never
        operated, it retires ``service_life`` years after it was built."""
        if len(self):
            f = np.clip(funded, 0.0, 1.0)
            life = service_life if operated_life is None else operated_life
            self.condition *= 1.0 - decay_rate * (1.0 - f)
            self.wear += (1.0 - f) / service_life + f / life
            self.condition[self.wear >= 1.0 - 1e-9] = 0.0

    def capital_by(self, target: int, m: int, n_index: int, zoned: bool | None = None) -> np.ndarray:
        """(m, n_index) condition-weighted effective capital of one target kind (KRW);
        ``zoned`` True/False: only the assets that reach a zone / everyone (None: all)."""
        sel = self.target == target
        if zoned is not None:
            sel &= (self.zone > 0) == zoned
        cell = self.muni[sel] * n_index + self.index[sel]
        w = self.capital[sel] * self.condition[sel]
        return np.bincount(cell, weights=w, minlength=m * n_index).reshape(m, n_index)


def operation_break_even(decay_rate: float, service_life: float, operated_factor: float) -> float:
    """The operating cost rate (per KRW of capital a year) at which operating assets and
    building new unoperated ones buy service at the same price (docs/scenarios.md,
    "lifecycle").

    A KRW built and never operated gives ``B = sum_{a < L} (1 - decay)^a``
    condition-years (``L = ceil(service_life)``). A KRW built and operated from its
    second year at ``c`` a year keeps condition 1 for ``L_op = ceil(service_life x
    operated_factor)`` years at a cost of ``1 + c (L_op - 1)``. Operation is the cheaper
    service where ``(1 + c (L_op - 1)) / L_op < 1 / B``, that is below
    ``c* = (L_op / B - 1) / (L_op - 1)`` (delivery losses, saturation and what local
    budgets pay after the spending are left out).
    """
    life = math.ceil(service_life - 1e-9)
    operated = math.ceil(service_life * operated_factor - 1e-9)
    built = sum((1.0 - decay_rate) ** a for a in range(life))
    if operated <= 1:
        return 0.0
    return max(0.0, (operated / built - 1.0) / (operated - 1))
