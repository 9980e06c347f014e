"""Migration: a move decision, then a multinomial-logit destination choice.

Once a year this module builds small tables from municipal state, and the Numba kernel
(:func:`sim.kernels.migration.migrate`) applies them to every household.

Move probability of a household of age class a in municipality o with tenure bin b::

    p = move_rate[a] * tenure_multiplier[b] * exp(dissatisfaction * gap / 10 - attachment[o])

where ``gap`` = max(0, national mean QoL of class a - QoL of class a in o), capped at 0.95.

Destination utility for household type t = (age class a, income class i)::

    V[o, d, t] = beta_wage[a] * log(wage_d / mean) + beta_jobs[a] * log(employment rate_d)
               + beta_services[a] * (service index of d for class a - mean) / 10
               - beta_housing[i] * log(price_d) + beta_size * log(dwellings_d)
               + beta_vacancy * log(vacancy rate_d / vacancy rate_d at start)
               + beta_capital[a] * capital_d - distance_decay * log(1 + km_od / 10)
               + same_province * [same province] + stay_local * [d == o]
               + network * log1p(M * share of o's earlier movers who went to d)
               + amenity_d

``amenity_d`` stands for everything about a place that the model does not see (coast,
schools' reputation, new towns). With ``equilibrium_start`` (the default) it is solved at
the start so that expected in- and out-migration balance in every municipality: the start
year is treated as a spatial equilibrium, and later flows come from changes (demography,
jobs, prices, policy), not from the model's own misfit. Without it, amenities are zero.
``amenity_shift`` (municipality code -> utility, empty by default) is then added to the
amenity: a persistent pull or push the model's mechanisms do not explain, estimated on
2010->2015 by ``python -m sim.calibrate --trends`` (docs/validation.md). It moves the
start away from equilibrium on purpose, so that the places that grew (shrank) by
migration keep doing so; codes not listed get 0.
With ``amenity_shift_half_life`` > 0 the shift decays, halving every that many years
from the start year (for long runs, where a 2010-2015 pull kept forever is implausible);
0 keeps it constant.

and P(d | o, t) = softmax_d V. Moves with d == o are moves within the municipality (across
eup/myeon/dong lines); ``movers_share`` counts all moves, ``intermunicipal_share`` only
those across municipality lines.
"""

from __future__ import annotations

import numpy as np

from sim.kernels.households import N_AGE_CLASSES, N_INCOME_CLASSES
from sim.kernels.migration import build_alias_tables, migrate

#: Tenure (years at the current home) -> bin: 0-1, 2-4, 5-9, 10+.
TENURE_BIN = np.minimum(np.searchsorted([2, 5, 10], np.arange(256), side="right"), 3).astype(np.int64)


def choice_tables(model) -> tuple[np.ndarray, np.ndarray]:
    """Move probabilities (M, T, B) and destination probabilities (M, T, M)."""
    p = model.params.migration
    m = model.n_munis
    a_idx = np.repeat(np.arange(N_AGE_CLASSES), N_INCOME_CLASSES)  # type -> age class
    i_idx = np.tile(np.arange(N_INCOME_CLASSES), N_AGE_CLASSES)  # type -> income class
    pop = np.maximum(model.persons.astype(float), 1.0)
    services = model.service_levels() @ np.asarray(model.params.qol.service_weights).T  # (M, 3)
    svc_mean = np.average(services, axis=0, weights=pop)
    wage = model.mean_wage_by_muni
    log_wage = np.log(wage / np.average(wage, weights=pop))
    log_emp = np.log(np.maximum(model.employment_rate, 1e-3))
    log_price = np.log(np.maximum(model.price, 1e-6))
    log_size = np.log(np.maximum(model.housing_units, 1.0))  # homes to move into
    log_vacancy = np.log(model.vacant / np.maximum(model.housing_units, 1.0) / model.vacancy0)
    cap = model.capital_region.astype(float)

    bw, bj, bs, bc = (np.asarray(x)[a_idx] for x in (p.beta_wage, p.beta_jobs, p.beta_services, p.beta_capital))
    bh = np.asarray(p.beta_housing)[i_idx]
    v_dest = (
        bw[:, None] * log_wage[None, :]
        + bj[:, None] * log_emp[None, :]
        + bs[:, None] * ((services - svc_mean) / 10.0).T[a_idx]
        - bh[:, None] * log_price[None, :]
        + p.beta_size * log_size[None, :]
        + p.beta_vacancy * log_vacancy[None, :]
        + bc[:, None] * cap[None, :]
        + model.amenity[None, :]
    )  # (T, M)

    stock = model.network
    out_total = stock.sum(axis=1, keepdims=True)
    share = np.divide(stock, out_total, out=np.zeros_like(stock), where=out_total > 0)
    v_origin = (
        -p.distance_decay * np.log1p(model.distance_km / 10.0)
        + p.same_province * model.same_province
        + p.stay_local * np.eye(m)
        + p.network * np.log1p(m * share)
    )  # (M, M)
    logits = v_origin[:, None, :] + v_dest[None, :, :]  # (M, T, M)
    logits -= logits.max(axis=2, keepdims=True)
    dest = np.exp(logits)
    dest /= dest.sum(axis=2, keepdims=True)

    qol = model.qol  # (M, 3)
    qol_mean = np.average(qol, axis=0, weights=pop)
    gap = np.maximum(0.0, qol_mean[None, :] - qol) / 10.0  # (M, 3)
    base = np.asarray(p.move_rate)[a_idx]  # (T,)
    # Capped so that exp cannot overflow to inf (0 * inf would be NaN with a zero move rate).
    push = np.minimum(p.dissatisfaction * gap[:, a_idx] - model.attachment[:, None], 700.0)
    prob = (
        base[None, :, None]
        * np.asarray(p.tenure_multiplier)[None, None, :]
        * np.exp(push)[:, :, None]
    )
    return np.minimum(prob, 0.95), dest


def equilibrium_amenities(model, tol: float = 1e-4, max_iter: int = 500) -> np.ndarray:
    """(M,) amenities that balance expected in- and out-migration of persons at the start.

    The migrant-network stock is set alongside to the steady state of the expected flows,
    so that the first simulated years do not jump when networks start to count.

    A fixed point in the style of gravity-model balancing: raise the amenity of places
    that would lose people, lower it where they would gain, until no municipality's
    expected net migration exceeds ``tol`` (log of in/out) or ``max_iter`` is reached.
    """
    hh = model.households
    m, t = model.n_munis, model.households_by_type.shape[1]
    b = len(model.params.migration.tenure_multiplier)
    cell = (hh.muni.astype(np.int64) * t + hh.htype) * b + TENURE_BIN[hh.tenure]
    persons = np.bincount(cell, weights=hh.size, minlength=m * t * b).reshape(m, t, b)
    households = np.bincount(cell, minlength=m * t * b).reshape(m, t, b)
    memory = model.params.migration.network_memory
    model.amenity = np.zeros(m)
    for _ in range(max_iter):
        move_prob, dest = choice_tables(model)
        movers = (persons * move_prob).sum(axis=2)  # (M, T) expected moving persons
        flows = np.einsum("ot,otd->od", movers, dest)
        np.fill_diagonal(flows, 0.0)
        # The migrant-network stock these flows would have built up in steady state.
        hh_flows = np.einsum("ot,otd->od", (households * move_prob).sum(axis=2), dest)
        np.fill_diagonal(hh_flows, 0.0)
        model.network = hh_flows / max(1.0 - memory, 1e-3)
        out, inflow = flows.sum(axis=1), flows.sum(axis=0)
        gap = np.log(np.maximum(out, 1e-12) / np.maximum(inflow, 1e-12))
        if np.max(np.abs(gap)) < tol:
            break
        model.amenity = model.amenity + 0.5 * gap
        model.amenity -= model.amenity.mean()
    model.amenity_base = model.amenity.copy()
    model.amenity_shift_start = amenity_shift(model)
    model.amenity = model.amenity_base + model.amenity_shift_start
    return model.amenity


def decay_amenity_shift(model) -> None:
    """Apply ``amenity_shift_half_life``: the shift halves every that many years."""
    half_life = model.params.migration.amenity_shift_half_life
    shift = getattr(model, "amenity_shift_start", None)
    if half_life > 0 and shift is not None and shift.any():
        model.amenity = model.amenity_base + shift * 0.5 ** ((model.year - model.start_year) / half_life)


def amenity_shift(model) -> np.ndarray:
    """(M,) ``migration.amenity_shift`` by municipality code (0 where not listed)."""
    shift = model.params.migration.amenity_shift
    if not shift:
        return np.zeros(model.n_munis)
    codes = model.region.table["code"].astype(str)
    return np.array([float(shift.get(c, 0.0)) for c in codes])


def step(model) -> None:
    decay_amenity_shift(model)
    hh = model.households
    move_prob, dest = choice_tables(model)
    m, t, _ = dest.shape
    threshold, alias = build_alias_tables(dest.reshape(m * t, m))
    flows_hh, flows_persons = migrate(
        hh.muni, hh.htype, hh.tenure, hh.size, hh.uid, move_prob, TENURE_BIN,
        threshold, alias, model.stream_key("migration"),
    )
    model.flows_hh = flows_hh
    model.flows_persons = flows_persons
    off = flows_hh.astype(float)
    np.fill_diagonal(off, 0.0)
    model.network = model.params.migration.network_memory * model.network + off
    # Those who stayed put one more year at their home.
    moved_mask = None  # tenure of movers was reset to 0 by the kernel
    del moved_mask
    np.add(hh.tenure, 1, out=hh.tenure, where=hh.tenure < 255)
