"""Housing: a building pipeline adds dwellings, prices respond to demand (households per
dwelling) and price-driven supply follows prices.

The pipeline (``model.housing_completions``, dwellings a year from the census,
:func:`sim.processes.world.housing_pipeline`) is scaled by ``pipeline_weight`` and halves
every ``pipeline_half_life`` years from the start: new towns and large estates are
planned years ahead and are built out whatever this year's prices do. New dwellings
arrive empty: they raise the vacancy rate (``model.vacant`` / dwellings, from the census
vacancy count at the start), lower occupancy, hence prices, and add to the destination's
size (log dwellings) in the migration choice, so households follow the building until
the new homes are filled. Households leaving a place empty its dwellings, so shrinking
places accumulate vacancies, which in turn draw movers (cheap empty homes).

The price index (1 = national mean at start) changes with the log change of occupancy
(households / dwellings) times ``price_elasticity``. Where prices rise, new dwellings are built: the stock grows by
``supply_elasticity`` times the log price gain of the year. Dwellings are not demolished,
so shrinking places accumulate vacancies.
"""

from __future__ import annotations

import numpy as np

from sim.kernels.households import count_by_municipality
from sim.processes.world import MIN_VACANCY


def step(model) -> None:
    h = model.params.housing
    elapsed = model.year - model.start_year - 1  # the first simulated year builds at the full rate
    model.housing_units = model.housing_units + (
        h.pipeline_weight * model.housing_completions * 0.5 ** (elapsed / h.pipeline_half_life)
    )
    # This year's households, counted from the agents (the aggregates are refreshed only
    # by the observation step, after this one).
    households = count_by_municipality(model.households.muni, model.n_munis) * model.scale
    occupancy = households / np.maximum(model.housing_units, 1.0)
    prev = model.occupancy_prev
    price_change = h.price_elasticity * np.log(np.maximum(occupancy, 1e-9) / np.maximum(prev, 1e-9))
    model.price = model.price * np.exp(price_change)
    model.housing_units = model.housing_units * (1 + h.supply_elasticity * np.maximum(price_change, 0.0))
    model.occupancy_prev = households / np.maximum(model.housing_units, 1.0)
    # Empty dwellings: new ones (built here or by policy since the last step) arrive empty,
    # households moving in (out) fill (empty) them.
    built = model.housing_units - model.units_counted  # policy dwellings are counted at once
    model.vacant = np.clip(
        model.vacant + built - (households - model.households_housed),
        MIN_VACANCY * model.housing_units, model.housing_units,
    )
    model.units_counted = model.housing_units.copy()
    model.households_housed = households
