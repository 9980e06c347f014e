"""Households: column-stored agents, and their synthesis from the census.

Each household agent stands for ``scale`` real households. Its head's age class
(20-39, 40-64, 65+), its size and its place come from the census table; employment,
sector and income are set by the labour market (:mod:`sim.processes.labour`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.agents.columns import AgentView, ColumnAgents

HOUSEHOLD_COLUMNS = {
    "uid": np.int64,
    "muni": np.int16,  # municipality index (row of the region table)
    "age": np.uint8,  # head's age in years
    "size": np.uint8,  # persons
    "tenure": np.uint8,  # years at the current home
    "employed": np.uint8,  # head in work (1) or not (0)
    "sector": np.int8,  # 0 agriculture, 1 manufacturing, 2 services, 3 knowledge; -1 none
    "income": np.float32,  # million KRW a year
    "htype": np.uint8,  # 3 * age class + income class, the kernel's household type
    "felt_class": np.uint8,  # age class when the household entered: its QoL weights for felt benefit
    "skill": np.float32,  # persistent personal income factor; 0 = not drawn yet (labour draws it)
    "felt_factor": np.float32,  # the household's perception threshold / qol.felt_threshold (mean 1)
}

#: Household size distribution, 2020 census (FACTS.md): 1, 2, 3, 4, 5+ persons; the 5+
#: share is split 5/6/7 as 3.5/0.8/0.2 %.
SIZE_VALUES = np.array([1, 2, 3, 4, 5, 6, 7])
SIZE_SHARES = np.array([31.7, 28.0, 20.1, 15.6, 3.5, 0.8, 0.3]) / 100.0

#: National share of people aged 65+ (FACTS.md); the basic-pension proxy is rescaled to it.
#: 2025 (1 November): resident registration, 20.0 % at the end of 2024 and 21.2 % at the
#: end of 2025 (Ministry of the Interior and Safety), interpolated; the 2025 census in the
#: package has no ages (docs/data.md).
ELDERLY_SHARE = {2010: 0.110, 2015: 0.132, 2020: 0.164, 2025: 0.210}
#: Households headed by someone 65+ per person share aged 65+ (2020: 22.8% vs 16.4%).
ELDERLY_HEAD_RATIO = 1.4
#: Among heads under 65, the share aged 20-39 (2020 census).
YOUNG_HEAD_SHARE = 0.33


class Household(AgentView):
    """One household agent: ``muni``, ``age``, ``size``, ``tenure``, ``employed``,
    ``sector``, ``income``, ``htype``, ``felt_class`` (see ``HOUSEHOLD_COLUMNS``)."""

    @property
    def municipality(self):
        return self.model.municipalities_list[self.muni]


def elderly_share_by_municipality(table: pd.DataFrame, year: int) -> np.ndarray:
    """Share of people aged 65+ per municipality, from the basic-pension proxy.

    The proxy counts recipients (about two thirds of people 65+), so it is rescaled to
    the national share of the year; 2010 uses the 2015 pattern, 2025 the 2020 pattern
    (the latest count of recipients in the table).
    """
    proxy_year = 2020 if year >= 2020 else 2015
    pop = table[f"pop_{proxy_year}"].to_numpy(dtype=float)
    proxy = table[f"elderly_{proxy_year}"].to_numpy(dtype=float)
    share = proxy / pop
    factor = ELDERLY_SHARE[year] / (proxy.sum() / pop.sum())
    return np.clip(share * factor, 0.02, 0.6)


def synthesize_households(
    population: np.ndarray,
    households: np.ndarray,
    elderly_share: np.ndarray,
    scale: float,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Household columns for M municipalities.

    Args:
        population, households: (M,) real persons and households at the start year.
        elderly_share: (M,) share of people aged 65+.
        scale: real households per agent.

    Returns:
        columns (without ``uid``) of ``sum(n_m)`` agents where ``n_m = max(1,
        round(households_m / scale))``; sizes are adjusted so that each municipality's
        persons equal ``round(population_m / scale)`` exactly.
    """
    m = len(population)
    n_agents = np.maximum(1, np.rint(households / scale)).astype(np.int64)
    persons = np.maximum(n_agents, np.rint(population / scale)).astype(np.int64)
    muni = np.repeat(np.arange(m, dtype=np.int16), n_agents)
    n = len(muni)
    size = rng.choice(SIZE_VALUES, size=n, p=SIZE_SHARES).astype(np.int64)
    size = _match_persons(size, muni, n_agents, persons, rng)

    p_old = np.clip(ELDERLY_HEAD_RATIO * elderly_share, 0.03, 0.75)
    p_young = (1 - p_old) * YOUNG_HEAD_SHARE
    u = rng.random(n)
    cls = np.where(u < p_young[muni], 0, np.where(u < 1 - p_old[muni], 1, 2))
    age = np.where(
        cls == 0,
        rng.integers(20, 40, n),
        np.where(cls == 1, rng.integers(40, 65, n), 65 + np.minimum(rng.geometric(1 / 9, n) - 1, 35)),
    )
    tenure = np.minimum(rng.geometric(1 / 8, n) - 1, 60)
    return {
        "muni": muni,
        "age": age.astype(np.uint8),
        "size": size.astype(np.uint8),
        "tenure": tenure.astype(np.uint8),
        "employed": np.zeros(n, np.uint8),
        "sector": np.full(n, -1, np.int8),
        "income": np.zeros(n, np.float32),
        "htype": np.zeros(n, np.uint8),
        "felt_class": np.zeros(n, np.uint8),
        "skill": np.zeros(n, np.float32),
        "felt_factor": np.ones(n, np.float32),
    }


def _match_persons(size, muni, n_agents, persons, rng, max_size=12):
    """Nudge sizes by +-1 so that each municipality's sum equals ``persons`` exactly."""
    starts = np.concatenate([[0], np.cumsum(n_agents)[:-1]])
    for _ in range(50):
        diff = persons - np.bincount(muni, weights=size, minlength=len(n_agents)).astype(np.int64)
        if not diff.any():
            return size
        sign = np.sign(diff)[muni]
        eligible = np.where(sign > 0, size < max_size, size > 1) & (sign != 0)
        # Random order within each municipality: eligible households first.
        key = muni.astype(np.float64) * 4 + (~eligible) * 2 + rng.random(len(size))
        order = np.argsort(key, kind="stable")
        rank = np.empty(len(size), dtype=np.int64)
        rank[order] = np.arange(len(size)) - np.repeat(starts, n_agents)
        change = eligible & (rank < np.abs(diff)[muni])
        size = size + np.where(change, sign, 0)
    raise RuntimeError("could not match household sizes to the census population")


def household_store(model=None) -> ColumnAgents:
    """An empty household column store (``model``: the owner its views report)."""
    return ColumnAgents(model, HOUSEHOLD_COLUMNS, view_class=Household)
