"""Firms process: productivity, labour demand, exit, entry and rare relocation.

Productivity drifts and responds to agglomeration (log jobs per km2 against the national
mean) and to spill-overs from smart-city tech investment (the policy's ``tech_shift``).
Local demand for a sector's output follows population with a sector elasticity (services
live on local demand, manufacturing much less). Exits are replaced by entrants in
proportion to the sector's local presence and demand; the footloose share of each
sector's entrants (``economy.footloose_share``), and relocating firms, choose their place
nationally: a location choice, as in UrbanSim's employment location model, in which a
place's pull is its presence times ``exp(firm_attraction x tech-capital index)`` and, for
knowledge firms, its share of the sector's jobs to the power ``knowledge_agglomeration -
1`` (beliefs.tech; 1: no extra pull, above 1 increasing returns). With no tech capital
and proportional agglomeration the choice reproduces where firms already enter.

Reads: persons by municipality (last observation), the policy's ``tech_shift`` and
``tech_index``, the municipalities' areas. Writes: its own :class:`FirmState` (the firm columns and their
per-municipality totals).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.columns import ColumnAgents
from sim.beliefs import TechBeliefs
from sim.config import EconomyParams
from sim.constants import SECTORS
from sim.kernels.firms import cell_totals, municipality_parts, step_firms
from sim.kernels.parallel import Parallel
from sim.kernels.rng import derive_ids, uniforms
from sim.kernels.sampling import coupled_tables, normal_quantile_array, proposal_tables

#: Purposes of the firms stream's draws outside the kernel (its own: FIRM = 1).
ENTRY = 11  # the number of entrants in a (municipality, sector) cell
ENTRANT = 12  # an entrant's id, from its cell and slot
ENTRANT_DRAWS = 13  # its size (draw 0) and productivity (draw 1)
#: Entrant slots per cell over a run (ids are derived from cell * SLOTS + slot).
SLOTS = 1 << 24


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
        entry_credit: (M, S) expected entrants not yet arrived, in [0, 1) after each year:
            a cell's entrants are the whole part of its accumulated expectation (error
            diffusion), so twins whose expectations differ a little differ by at most one
            entrant at any time, instead of by independent Poisson draws every year.
        entries: (M, S) int64 entrants so far: entrant k of a cell has id and draws of
            its own (from the cell and k).
        reloc_proposal: the start's relocation table (S, M) with its inverse CDF and
            guide: the fixed proposal of relocation draws (coupled like migration's).
        counts: (M, S) int64 firm agents (survivors and this year's entrants).
    """

    agents: ColumnAgents
    jobs: np.ndarray
    output: np.ndarray
    productivity0: np.ndarray
    demand_persons: np.ndarray
    entry_credit: np.ndarray
    entries: np.ndarray
    reloc_proposal: tuple[np.ndarray, np.ndarray, np.ndarray]
    counts: np.ndarray


def init(agents: ColumnAgents, jobs: np.ndarray, output: np.ndarray, persons: np.ndarray,
         identity_key: np.uint64) -> FirmState:
    """The firms at the start: ``agents`` synthesized from the census, ``jobs`` and
    ``output`` (M, S) in agent units, ``persons`` (M,) at the start; ``identity_key`` (the
    run's key of persistent traits) draws each cell's entry phase."""
    m, s = jobs.shape
    productivity0 = output.sum(axis=0) / np.maximum(jobs.sum(axis=0), 1e-9)
    phase = uniforms(identity_key, ENTRY, np.arange(m * s, dtype=np.int64)).reshape(m, s)
    reloc = _relocation_probabilities(jobs)
    counts = np.bincount(agents.muni.astype(np.int64) * s + agents.sector,
                         minlength=m * s).reshape(m, s)
    return FirmState(agents, jobs, output, productivity0, persons.astype(float), phase,
                     np.zeros((m, s), dtype=np.int64), proposal_tables(reloc), counts)


def _relocation_probabilities(jobs: np.ndarray, pull: np.ndarray | None = None) -> np.ndarray:
    """(S, M) where a relocating firm of each sector goes: in proportion to the sector's
    jobs times the location pull (M, S) (:func:`location_pull`)."""
    p = jobs.T + 1e-9
    if pull is not None:
        p = p * pull.T
    return p / p.sum(axis=1, keepdims=True)


#: The sector whose footloose firms feel knowledge agglomeration.
KNOWLEDGE = SECTORS.index("knowledge")


def location_pull(tech_index: np.ndarray, jobs: np.ndarray, tech: TechBeliefs) -> np.ndarray:
    """(M, S) how much more a place draws footloose firms than its presence alone:
    ``exp(firm_attraction x tech_index)``, and for knowledge firms also (the place's
    share of the sector's jobs) ** (knowledge_agglomeration - 1), normalised to a jobs-
    weighted mean of 1 per sector (only ratios matter)."""
    pull = np.exp(tech.firm_attraction * tech_index)
    if tech.knowledge_agglomeration != 1.0:
        k = jobs[:, KNOWLEDGE]
        share = np.maximum(k / max(float(k.sum()), 1e-12), 1e-9)
        pull[:, KNOWLEDGE] *= share ** (tech.knowledge_agglomeration - 1.0)
    weights = jobs + 1e-9
    return pull / ((pull * weights).sum(axis=0) / weights.sum(axis=0))


def footloose_entries(expected: np.ndarray, pull: np.ndarray, share: np.ndarray) -> np.ndarray:
    """(M, S) expected entry (firms or their jobs) after the footloose ``share`` (S,) of
    each sector's entry re-chose its place: that part of the sector's national total goes
    to places in proportion to expected x pull; the sector's total is unchanged, and with
    a uniform pull nothing moves."""
    weighted = expected * pull
    total = expected.sum(axis=0)
    chosen = np.where(weighted.sum(axis=0) > 0, total / np.maximum(weighted.sum(axis=0), 1e-300), 0.0)
    return (1.0 - share) * expected + share * weighted * chosen


@dataclass(frozen=True)
class Inputs:
    """What firms read in a year (built by :func:`sim.schedule.firms_inputs`).

    Attributes:
        economy: the firms' and labour market's parameters.
        tech: the beliefs about firm attraction and knowledge agglomeration.
        area_km2: (M,) municipal areas. persons: (M,) persons at the last observation
            (agent units).
        tech_shift: (M, S) this year's change of log productivity from smart-city tech.
        tech_index: (M, S) the policy's tech-capital index (0-1), what footloose firms see.
        key: the firms stream's key for this year (a firm's yearly draws are keyed by
            it, a purpose and its id, :mod:`sim.kernels.rng`).
        identity_key: the run's key of persistent traits (an entrant's id, size and
            productivity: the k-th entrant of a cell is the same whatever year it enters).
    """

    economy: EconomyParams
    tech: TechBeliefs
    area_km2: np.ndarray
    persons: np.ndarray
    tech_shift: np.ndarray
    tech_index: np.ndarray
    key: np.uint64
    identity_key: np.uint64


def step(state: FirmState, inputs: Inputs, parallel: Parallel) -> None:
    """One year of firms: productivity, demand, exits, relocation, entry (see the module
    docstring); ``parallel`` says when the kernel uses threads (results do not depend on it)."""
    e, tech, tech_shift, tech_index = inputs.economy, inputs.tech, inputs.tech_shift, inputs.tech_index
    key, identity_key = inputs.key, inputs.identity_key
    f = state.agents
    m, s = state.jobs.shape
    area = np.maximum(inputs.area_km2, 0.5)
    density = state.jobs.sum(axis=1) / area
    log_rel = np.log(np.maximum(density, 1e-9) / np.average(density, weights=state.jobs.sum(axis=1) + 1e-9))
    prod_shift = e.productivity_drift + e.agglomeration * 0.1 * (log_rel - log_rel.mean())[:, None]
    prod_shift = prod_shift + tech_shift
    persons = inputs.persons.astype(float)
    demand = np.log(np.maximum(persons, 1) / np.maximum(state.demand_persons, 1))
    state.demand_persons = persons
    demand_growth = demand[:, None] * np.asarray(e.demand_elasticity)[None, :]
    demand_growth = demand_growth + e.labour_elasticity * tech_shift
    # Relocation destinations: the sector's current jobs times the location pull.
    pull = location_pull(tech_index, state.jobs, tech)
    reloc = coupled_tables(_relocation_probabilities(state.jobs, pull), state.reloc_proposal)
    out = step_firms(
        f.uid, f.muni, f.sector, f.employees, f.log_prod, f.age, key,
        prod_shift, e.productivity_sigma, demand_growth, e.labour_elasticity,
        np.asarray(e.exit_rate, dtype=float), e.relocation_rate, reloc,
        parallel.chunks_for(f.n),
    )
    f.remove_rows(np.flatnonzero(f.employees == 0))
    # Totals by cell over the survivors, then the entrants (appended after them) added
    # on: one pass in row order, the same sums as a count over all rows at the end.
    # The survivors' pass is split by municipality among threads (same sums, bit for bit).
    parts = municipality_parts(state.counts.sum(axis=1), parallel.blocks_for(f.n))
    counts, jobs, output = np.zeros((m, s), np.int64), np.zeros((m, s)), np.zeros((m, s))
    _add_rows(f, 0, counts, jobs, output, parts)
    survivors = f.n
    _enter(state, e, out, counts, demand, pull, identity_key)
    _add_rows(f, survivors, counts, jobs, output)
    state.counts, state.jobs, state.output = counts, jobs, output


def _add_rows(f: ColumnAgents, lo: int, counts: np.ndarray, jobs: np.ndarray,
              output: np.ndarray, parts: np.ndarray | None = None) -> None:
    """Add firm rows ``lo``.. to the (M, S) totals (:func:`sim.kernels.firms.cell_totals`;
    ``parts``: municipality ranges summed by threads, None for one pass)."""
    cell_totals(f.muni, f.sector, f.employees, f.log_prod, lo, counts, jobs, output, parts)


def _enter(state: FirmState, e: EconomyParams, out: dict, counts: np.ndarray, demand: np.ndarray,
           pull: np.ndarray, key: np.uint64) -> None:
    """New firms: expected entries = entry rate x firms present x (1 + demand growth),
    of which the footloose share re-chooses its place by the location pull
    (:func:`footloose_entries`).

    A cell's entrants are the whole part of its expected entries accumulated over the
    years (``entry_credit``, error diffusion from a random phase): in expectation the
    entry rate, and a small change of a cell's expectation moves an entry by a year at
    most. Entrant k of a cell has an id and draws of its own (from the cell and k), so
    no other cell's or year's entrants are re-drawn. ``counts`` (M, S): the firms
    present (after exits and relocations)."""
    f = state.agents
    m, s = state.jobs.shape
    rate = np.asarray(e.entry_rate)[None, :] * np.exp(demand)[:, None]
    lam = np.where(out["jobs"] + counts > 0, np.maximum(counts, 0.2) * rate, 0.0)
    # Footloose entry re-chooses places for entrant *jobs* (an entrant is as large as the
    # firms where it enters), so a sector's entrant jobs are conserved wherever they go.
    size = np.where(counts > 0, np.maximum(out["jobs"], 0) / np.maximum(counts, 1), 1.0)
    size = np.maximum(size, 1e-6)
    lam = footloose_entries(lam * size, pull, np.asarray(e.footloose_share, dtype=float)) / size
    credit = state.entry_credit + lam
    n_new = np.floor(credit).astype(np.int64)
    state.entry_credit = credit - n_new
    total = int(n_new.sum())
    if total == 0:
        return
    n_new = n_new.ravel()
    cells = np.repeat(np.arange(m * s), n_new)
    slot = np.repeat(state.entries.ravel(), n_new) + np.arange(total) - np.repeat(np.cumsum(n_new) - n_new, n_new)
    state.entries += n_new.reshape(m, s)
    uid = derive_ids(key, ENTRANT, cells.astype(np.int64) * SLOTS + slot)
    muni = (cells // s).astype(np.int16)
    sector = (cells % s).astype(np.int8)
    # Entrants start at the cell's mean size (on average) and slightly below its mean
    # productivity, so entry balances exit when the two rates are equal.
    jobs = np.maximum(out["jobs"], 0).ravel()
    mean_size = np.where(counts.ravel() > 0, jobs / np.maximum(counts.ravel(), 1), 1.0)
    mean_lp = np.log(np.maximum(out["output"].ravel(), 1e-9) / np.maximum(jobs, 1e-9))
    lp_fallback = np.log(np.maximum(state.productivity0, 1.0))[cells % s]
    lp = np.where(jobs[cells] > 0, mean_lp[cells], lp_fallback) - 0.05
    z_size = normal_quantile_array(uniforms(key, ENTRANT_DRAWS, uid, 0))
    z_prod = normal_quantile_array(uniforms(key, ENTRANT_DRAWS, uid, 1))
    f.append(
        uid=uid,
        muni=muni,
        sector=sector,
        employees=(mean_size[cells] * np.exp(-0.125 + 0.5 * z_size)).astype(np.float32),
        log_prod=(lp + 0.2 * z_prod).astype(np.float32),
        age=np.zeros(total, np.uint8),
    )
