"""Housing: prices respond to demand (households per dwelling) and supply follows prices.

The price index (1 = national mean at start) changes with the log change of occupancy
(households / dwellings) times ``price_elasticity``. Where prices rise, new dwellings are built: the stock grows by
``supply_elasticity`` times the log price gain of the year. Dwellings are not demolished,
so shrinking places accumulate vacancies.
"""

from __future__ import annotations

import numpy as np


def step(model) -> None:
    h = model.params.housing
    households = model.households_count.astype(float) * model.scale
    occupancy = households / np.maximum(model.housing_units, 1.0)
    prev = model.occupancy_prev
    price_change = h.price_elasticity * np.log(np.maximum(occupancy, 1e-9) / np.maximum(prev, 1e-9))
    model.price = model.price * np.exp(price_change)
    model.housing_units = model.housing_units * (1 + h.supply_elasticity * np.maximum(price_change, 0.0))
    model.occupancy_prev = households / np.maximum(model.housing_units, 1.0)
