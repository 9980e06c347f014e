"""Firms: column-stored agents, and their synthesis from firm counts and GRDP.

A firm agent stands for ``scale`` real firms (establishments). Sectors: 0 agriculture,
1 manufacturing (incl. mining, utilities, construction), 2 services, 3 knowledge/ICT
(information, finance, professional and scientific services).
"""

from __future__ import annotations

import numpy as np

from sim.agents.columns import AgentView, ColumnAgents
from sim.constants import SECTORS

FIRM_COLUMNS = {
    "uid": np.int64,
    "muni": np.int16,
    "sector": np.int8,
    "employees": np.float32,  # workers (household-agent units)
    "log_prod": np.float32,  # log value added per worker, million KRW
    "age": np.uint8,
}

#: Share of establishments by sector (assumption from the 2015 economic census pattern).
FIRM_SECTOR_SHARE = np.array([0.02, 0.16, 0.72, 0.10])
#: Workers per unit of value added relative to the economy (labour intensity), used to
#: turn GRDP shares into job shares: agriculture and services employ more per KRW.
LABOUR_INTENSITY = np.array([2.5, 0.6, 1.3, 0.7])


class Firm(AgentView):
    """One firm agent: ``muni``, ``sector``, ``employees``, ``log_prod``, ``age``."""


def job_shares(grdp: np.ndarray) -> np.ndarray:
    """(M, S) shares of jobs by sector from GRDP by sector (M, S) and labour intensity."""
    w = np.maximum(grdp, 0) * LABOUR_INTENSITY
    total = w.sum(axis=1, keepdims=True)
    return np.where(total > 0, w / np.where(total > 0, total, 1), 1.0 / len(SECTORS))


def synthesize_firms(
    n_firms: np.ndarray,
    jobs: np.ndarray,
    grdp: np.ndarray,
    scale: float,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Firm columns whose employment adds up to ``jobs`` and output to ``grdp``.

    Args:
        n_firms: (M,) real establishments. jobs: (M, S) jobs in household-agent units.
        grdp: (M, S) value added, million KRW (real). scale: real firms per agent.
    """
    m, s = jobs.shape
    counts = np.rint(n_firms[:, None] * FIRM_SECTOR_SHARE[None, :] / scale).astype(np.int64)
    counts = np.where((jobs > 0) & (counts == 0), 1, counts)
    muni = np.repeat(np.repeat(np.arange(m, dtype=np.int16), s), counts.ravel())
    sector = np.repeat(np.tile(np.arange(s, dtype=np.int8), m), counts.ravel())
    n = len(muni)
    weight = rng.lognormal(0.0, 1.0, n)  # firm size dispersion
    cell = muni.astype(np.int64) * s + sector
    cell_weight = np.bincount(cell, weights=weight, minlength=m * s)
    employees = jobs.ravel()[cell] * weight / cell_weight[cell]
    # Value added per worker in the cell, with firm dispersion around it.
    per_worker = np.where(jobs > 0, grdp / scale / np.maximum(jobs, 1e-9), 1.0)
    per_worker = np.maximum(per_worker, 1.0)
    log_prod = np.log(per_worker.ravel()[cell]) + rng.normal(0.0, 0.3, n) - 0.045
    return {
        "muni": muni,
        "sector": sector,
        "employees": employees.astype(np.float32),
        "log_prod": log_prod.astype(np.float32),
        "age": np.minimum(rng.geometric(1 / 10, n), 255).astype(np.uint8),
    }


def firm_store(model=None) -> ColumnAgents:
    """An empty firm column store (``model``: the owner its views report)."""
    return ColumnAgents(model, FIRM_COLUMNS, view_class=Firm)
