"""Firms process: productivity, labour demand, exit, entry and rare relocation.

Productivity drifts and responds to agglomeration (log jobs per km2 against the national
mean) and to spill-overs from smart-city tech investment (the policy's ``tech_shift``).
Local demand for a sector's output follows population with a sector elasticity (services
live on local demand, manufacturing much less). Exits are replaced by entrants in
proportion to the sector's local presence and demand.

Reads: persons by municipality (last observation), the policy's ``tech_shift``, the
municipalities' areas. Writes: its own :class:`FirmState` (the firm columns and their
per-municipality totals).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.columns import ColumnAgents
from sim.config import EconomyParams
from sim.kernels.firms import step_firms
from sim.kernels.parallel import Parallel
from sim.kernels.sampling import build_alias_tables


@dataclass
class FirmState:
    """Firm agents and their totals by municipality (M rows) and sector (S columns).

    Attributes:
        agents: the firm columns (F rows): ``muni``, ``sector``, ``employees`` (workers,
            in household-agent units), ``log_prod`` (log value added per worker, million
            KRW), ``age`` (years). Each firm agent stands for ``scale`` real firms.
        jobs: (M, S) workers (household-agent units).
        output: (M, S) value added, million KRW a year per agent unit.
        productivity0: (S,) national value added per worker at the start, million KRW.
        demand_persons: (M,) persons a year ago (agent units), the base of local demand.
    """

    agents: ColumnAgents
    jobs: np.ndarray
    output: np.ndarray
    productivity0: np.ndarray
    demand_persons: np.ndarray


def init(agents: ColumnAgents, jobs: np.ndarray, output: np.ndarray, persons: np.ndarray) -> FirmState:
    """The firms at the start: ``agents`` synthesized from the census, ``jobs`` and
    ``output`` (M, S) in agent units, ``persons`` (M,) at the start."""
    productivity0 = output.sum(axis=0) / np.maximum(jobs.sum(axis=0), 1e-9)
    return FirmState(agents, jobs, output, productivity0, persons.astype(float))


def step(
    state: FirmState,
    e: EconomyParams,
    area_km2: np.ndarray,
    persons: np.ndarray,
    tech_shift: np.ndarray,
    key: np.uint64,
    rng: np.random.Generator,
    parallel: Parallel,
) -> None:
    """One year of firms.

    Args:
        area_km2: (M,) municipal areas. persons: (M,) persons now (agent units).
        tech_shift: (M, S) this year's change of log productivity from smart-city tech.
        key, rng: the firms stream's counter key and generator for this year.
    """
    f = state.agents
    m, s = state.jobs.shape
    area = np.maximum(area_km2, 0.5)
    density = state.jobs.sum(axis=1) / area
    log_rel = np.log(np.maximum(density, 1e-9) / np.average(density, weights=state.jobs.sum(axis=1) + 1e-9))
    prod_shift = e.productivity_drift + e.agglomeration * 0.1 * (log_rel - log_rel.mean())[:, None]
    prod_shift = prod_shift + tech_shift
    persons = persons.astype(float)
    demand = np.log(np.maximum(persons, 1) / np.maximum(state.demand_persons, 1))
    state.demand_persons = persons
    demand_growth = demand[:, None] * np.asarray(e.demand_elasticity)[None, :]
    demand_growth = demand_growth + e.labour_elasticity * tech_shift
    # Relocation destinations: proportional to the sector's current jobs.
    reloc_p = state.jobs.T + 1e-9
    reloc_p = reloc_p / reloc_p.sum(axis=1, keepdims=True)
    threshold, alias = build_alias_tables(reloc_p)
    out = step_firms(
        f.uid, f.muni, f.sector, f.employees, f.log_prod, f.age, key,
        prod_shift, e.productivity_sigma, demand_growth, e.labour_elasticity,
        np.asarray(e.exit_rate, dtype=float), e.relocation_rate, threshold, alias,
        parallel.chunks_for(f.n),
    )
    f.remove_rows(np.flatnonzero(f.employees == 0))
    _enter(state, e, out, demand, rng)
    state.jobs = _cell_sum(f.muni, f.sector, f.employees, m, s)
    state.output = _cell_sum(f.muni, f.sector, f.employees * np.exp(f.log_prod.astype(float)), m, s)


def _cell_sum(muni, sector, values, m, s):
    cell = muni.astype(np.int64) * s + sector
    return np.bincount(cell, weights=values, minlength=m * s).reshape(m, s)


def _enter(state: FirmState, e: EconomyParams, out: dict, demand: np.ndarray, rng: np.random.Generator) -> None:
    """New firms: expected entries = entry rate x firms present x (1 + demand growth)."""
    f = state.agents
    m, s = state.jobs.shape
    counts = np.bincount(f.muni.astype(np.int64) * s + f.sector, minlength=m * s).reshape(m, s)
    rate = np.asarray(e.entry_rate)[None, :] * np.exp(demand)[:, None]
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
    lp_fallback = np.log(np.maximum(state.productivity0, 1.0))[cells % s]
    lp = np.where(jobs[cells] > 0, mean_lp[cells], lp_fallback) - 0.05
    f.append(
        muni=muni,
        sector=sector,
        employees=(mean_size[cells] * rng.lognormal(-0.125, 0.5, total)).astype(np.float32),
        log_prod=(lp + rng.normal(0, 0.2, total)).astype(np.float32),
        age=np.zeros(total, np.uint8),
    )
