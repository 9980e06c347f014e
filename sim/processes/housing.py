"""Housing: a building pipeline adds dwellings, prices respond to demand (households per
dwelling) and price-driven supply follows prices.

The pipeline (``HousingState.completions``, dwellings a year from the census,
:func:`sim.data.census.housing_pipeline`) is scaled by ``pipeline_weight`` and halves
every ``pipeline_half_life`` years from the start: new towns and large estates are
planned years ahead and are built out whatever this year's prices do. New dwellings
arrive empty: they raise the vacancy rate (``HousingState.vacant`` / dwellings, from the census
vacancy count at the start), lower occupancy, hence prices, and add to the destination's
size (log dwellings) in the migration choice, so households follow the building until
the new homes are filled. Households leaving a place empty its dwellings, so shrinking
places accumulate vacancies, which in turn draw movers (cheap empty homes).

Designated new towns and large housing districts (``sim/data/korea/new_towns.csv``:
Sejong, the 2nd- and 3rd-generation new towns, public housing districts) add their
planned dwellings on their own schedule (``HousingState.scheduled``), evenly from first
move-in to completion; what they built in the census years is taken out of the
pipeline, so nothing is counted twice (``housing.new_towns``).

The price index (1 = national mean at start) changes with the log change of occupancy
(households / dwellings) times ``price_elasticity``. Where prices rise, new dwellings are built: the stock grows by
``supply_elasticity`` times the log price gain of the year. Dwellings are not demolished,
so shrinking places accumulate vacancies.

Reads: the households' ``muni`` (this year's count per municipality) and the dwellings
the policy built (:func:`add_dwellings`, right after the policy step, so that movers see
them the same year). Writes: its own :class:`HousingState`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import HousingParams
from sim.data.census import MIN_VACANCY
from sim.kernels.households import count_by_municipality
from sim.kernels.parallel import Parallel


@dataclass
class HousingState:
    """Dwellings, vacancies and prices by municipality (M,); dwellings and households in
    real units.

    Attributes:
        units: (M,) dwellings.
        completions: (M,) dwellings a year of the census building pipeline at the start.
        scheduled: (Y, M) dwellings the listed new towns complete in each year from
            ``schedule_start`` (the first simulated year); years beyond build none.
        price: (M,) price index (1 = national mean at the start).
        vacancy0: (M,) share of dwellings empty at the start (census).
        vacant: (M,) empty dwellings.
        households_housed: (M,) households occupying dwellings at the last step.
        units_counted: (M,) dwellings already counted in ``vacant``.
        occupancy_prev: (M,) households per dwelling at the last step.
    """

    units: np.ndarray
    completions: np.ndarray
    scheduled: np.ndarray
    schedule_start: int
    price: np.ndarray
    vacancy0: np.ndarray
    vacant: np.ndarray
    households_housed: np.ndarray
    units_counted: np.ndarray
    occupancy_prev: np.ndarray


def init(
    units: np.ndarray, completions: np.ndarray, price: np.ndarray, vacancy0: np.ndarray,
    households: np.ndarray, scheduled: np.ndarray | None = None, schedule_start: int = 0,
) -> HousingState:
    """Housing at the start: dwellings, pipeline (dwellings a year), price index and
    vacancy rate from the census, the start's households (real units), and the new
    towns' completions (Y, M) by year from ``schedule_start``."""
    m = len(units)
    return HousingState(
        units=units,
        completions=completions,
        scheduled=np.zeros((0, m)) if scheduled is None else scheduled,
        schedule_start=schedule_start,
        price=price,
        vacancy0=vacancy0,
        vacant=vacancy0 * units,
        households_housed=households,
        units_counted=units.copy(),
        occupancy_prev=households / np.maximum(units, 1.0),
    )


def add_dwellings(state: HousingState, dwellings: np.ndarray) -> None:
    """Dwellings (M,) built by the policy this year: counted at once, and empty."""
    state.units += dwellings
    state.vacant += dwellings
    state.units_counted += dwellings


@dataclass(frozen=True)
class Inputs:
    """What housing reads in a year (built by :func:`sim.schedule.housing_inputs`).

    Attributes:
        params: the housing market's parameters.
        muni: (N,) the households' municipalities now (counted into households: housing
            sees this year's moves, not the last observation).
        scale: real households per household agent.
        years_elapsed: years since the start (the pipeline fades with them).
        year: the calendar year (the new towns' schedule); None: no new towns.
    """

    params: HousingParams
    muni: np.ndarray
    scale: float
    years_elapsed: int
    year: int | None = None


def step(state: HousingState, inputs: Inputs, parallel: Parallel) -> None:
    """Pipeline, prices, price-driven building and vacancies for one year."""
    h, muni, scale = inputs.params, inputs.muni, inputs.scale
    years_elapsed, year = inputs.years_elapsed, inputs.year
    elapsed = years_elapsed - 1  # the first simulated year builds at the full rate
    state.units = state.units + h.pipeline_weight * state.completions * 0.5 ** (elapsed / h.pipeline_half_life)
    k = -1 if year is None else year - state.schedule_start
    if 0 <= k < len(state.scheduled):
        state.units = state.units + state.scheduled[k]
    # This year's households, counted from the agents (the observation's totals are
    # refreshed only after this step).
    m = len(state.units)
    households = count_by_municipality(muni, m, parallel.chunks_for(len(muni))) * scale
    occupancy = households / np.maximum(state.units, 1.0)
    prev = state.occupancy_prev
    price_change = h.price_elasticity * np.log(np.maximum(occupancy, 1e-9) / np.maximum(prev, 1e-9))
    state.price = state.price * np.exp(price_change)
    state.units = state.units * (1 + h.supply_elasticity * np.maximum(price_change, 0.0))
    state.occupancy_prev = households / np.maximum(state.units, 1.0)
    # Empty dwellings: new ones (built here or by policy since the last step) arrive empty,
    # households moving in (out) fill (empty) them.
    built = state.units - state.units_counted  # policy dwellings are counted at once
    state.vacant = np.clip(
        state.vacant + built - (households - state.households_housed),
        MIN_VACANCY * state.units, state.units,
    )
    state.units_counted = state.units.copy()
    state.households_housed = households
