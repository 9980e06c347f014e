"""Labour market: wages and employment rates by municipality, then each household's
employment, sector and income (a Numba kernel over the household columns).

Wages (million KRW a year) by municipality and sector: the national mean wage, a sector
premium, local productivity relative to the sector's national start level (elasticity
``wage_passthrough``) and labour-market tightness, jobs per worker relative to the start
(elasticity ``wage_tightness``). The employment rate of heads under 65 is jobs over the
labour force, capped at ``max_employment_rate``. No commuting across municipalities.
"""

from __future__ import annotations

import numpy as np

from sim.kernels.households import labour_status
from sim.processes.world import SECTOR_WAGE


def labour_force(model) -> np.ndarray:
    """(M,) household heads under 65 (agent units)."""
    by_type = model.households_by_type if hasattr(model, "aggregates") else None
    if by_type is None:
        return model.labour_force0
    return np.maximum(by_type[:, :6].sum(axis=1), 1)


def wages(model) -> np.ndarray:
    """(M, S) wages, million KRW a year."""
    e = model.params.economy
    prod = model.output / np.maximum(model.jobs, 1e-9)
    rel_prod = np.where(model.jobs > 0, prod / model.productivity0[None, :], 1.0)
    tight = model.jobs.sum(axis=1) / labour_force(model) / np.maximum(model.tightness0, 1e-9)
    drift = np.exp(e.productivity_drift * (model.year - model.start_year))
    return (
        e.mean_wage
        * drift
        * SECTOR_WAGE[None, :]
        * np.maximum(rel_prod, 1e-3) ** e.wage_passthrough
        * np.maximum(tight, 1e-3)[:, None] ** e.wage_tightness
    )


def step(model) -> None:
    e = model.params.economy
    hh = model.households
    jobs = model.jobs.sum(axis=1)
    model.employment_rate = np.clip(jobs / labour_force(model), 0.0, e.max_employment_rate)
    model.wage = wages(model)
    share = model.jobs / np.maximum(jobs, 1e-9)[:, None]
    share = np.where(jobs[:, None] > 0, share, model.job_share0)
    model.mean_wage_by_muni = (model.wage * share).sum(axis=1)
    sector_cdf = np.cumsum(share, axis=1)
    sector_cdf[:, -1] = 1.0
    drift = np.exp(e.productivity_drift * (model.year - model.start_year))
    pension = e.pension_share * e.mean_wage * drift
    if model.income_cuts0 is None:
        # Terciles of the start-year incomes (from a provisional pass), then indexed to wages.
        labour_status(hh.muni, hh.age, hh.uid, model.stream_key("labour"), model.stream_key("identity"),
                      model.employment_rate, sector_cdf, model.wage, e.income_sigma, pension,
                      np.array([np.inf, np.inf]), hh.skill, hh.employed, hh.sector, hh.income, hh.htype)
        model.income_cuts0 = np.quantile(hh.income, [1 / 3, 2 / 3]).astype(float)
    cuts = model.income_cuts0 * drift
    labour_status(hh.muni, hh.age, hh.uid, model.stream_key("labour"), model.stream_key("identity"),
                  model.employment_rate, sector_cdf, model.wage, e.income_sigma, pension,
                  cuts, hh.skill, hh.employed, hh.sector, hh.income, hh.htype)
