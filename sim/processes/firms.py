"""Firms process: productivity, labour demand, exit, entry and rare relocation.

Productivity drifts and responds to agglomeration (log jobs per km2 against the national
mean) and to spill-overs from smart-city tech investment (``model.tech_shift``). Local
demand for a sector's output follows population with a sector elasticity (services live
on local demand, manufacturing much less). Exits are replaced by entrants in proportion to
the sector's local presence and demand.
"""

from __future__ import annotations

import numpy as np

from sim.kernels.firms import step_firms
from sim.kernels.migration import build_alias_tables


def step(model) -> None:
    e = model.params.economy
    f = model.firms
    m, s = model.jobs.shape
    area = np.maximum(model.region.table["area_km2"].to_numpy(dtype=float), 0.5)
    density = model.jobs.sum(axis=1) / area
    log_rel = np.log(np.maximum(density, 1e-9) / np.average(density, weights=model.jobs.sum(axis=1) + 1e-9))
    prod_shift = e.productivity_drift + e.agglomeration * 0.1 * (log_rel - log_rel.mean())[:, None]
    prod_shift = prod_shift + model.tech_shift
    persons = model.persons.astype(float)
    demand = np.log(np.maximum(persons, 1) / np.maximum(model.demand_persons_prev, 1))
    model.demand_persons_prev = persons
    demand_growth = demand[:, None] * np.asarray(e.demand_elasticity)[None, :]
    demand_growth = demand_growth + e.labour_elasticity * model.tech_shift
    # Relocation destinations: proportional to the sector's current jobs.
    reloc_p = model.jobs.T + 1e-9
    reloc_p = reloc_p / reloc_p.sum(axis=1, keepdims=True)
    threshold, alias = build_alias_tables(reloc_p)
    out = step_firms(
        f.uid, f.muni, f.sector, f.employees, f.log_prod, f.age, model.stream_key("firms"),
        prod_shift, e.productivity_sigma, demand_growth, e.labour_elasticity,
        np.asarray(e.exit_rate, dtype=float), e.relocation_rate, threshold, alias,
    )
    exits = np.flatnonzero(f.employees == 0)
    f.remove_rows(exits)
    _enter(model, out, demand)
    model.jobs = _cell_sum(f.muni, f.sector, f.employees, m, s)
    model.output = _cell_sum(f.muni, f.sector, f.employees * np.exp(f.log_prod.astype(float)), m, s)
    model.firm_exits = out["exits"]


def _cell_sum(muni, sector, values, m, s):
    cell = muni.astype(np.int64) * s + sector
    return np.bincount(cell, weights=values, minlength=m * s).reshape(m, s)


def _enter(model, out, demand) -> None:
    """New firms: expected entries = entry rate x firms present x (1 + demand growth)."""
    e = model.params.economy
    f = model.firms
    m, s = model.jobs.shape
    counts = np.bincount(f.muni.astype(np.int64) * s + f.sector, minlength=m * s).reshape(m, s)
    rate = np.asarray(e.entry_rate)[None, :] * np.exp(demand)[:, None]
    rng = model.stream_rng("firms")
    n_new = rng.poisson(np.maximum(counts, 0.2) * rate)
    n_new = np.where(out["jobs"] + counts > 0, n_new, 0)
    total = int(n_new.sum())
    if total == 0:
        return
    cells = np.repeat(np.arange(m * s), n_new.ravel())
    muni = (cells // s).astype(np.int16)
    sector = (cells % s).astype(np.int8)
    # Entrants start at the cell's mean size (on average) and slightly below its mean
    # productivity, so entry balances exit when the two rates are equal.
    jobs = np.maximum(out["jobs"], 0).ravel()
    mean_size = np.where(counts.ravel() > 0, jobs / np.maximum(counts.ravel(), 1), 1.0)
    mean_lp = np.log(np.maximum(out["output"].ravel(), 1e-9) / np.maximum(jobs, 1e-9))
    lp_fallback = np.log(np.maximum(model.productivity0, 1.0))[cells % s]
    lp = np.where(jobs[cells] > 0, mean_lp[cells], lp_fallback) - 0.05
    f.append(
        muni=muni,
        sector=sector,
        employees=(mean_size[cells] * rng.lognormal(-0.125, 0.5, total)).astype(np.float32),
        log_prod=(lp + rng.normal(0, 0.2, total)).astype(np.float32),
        age=np.zeros(total, np.uint8),
    )
