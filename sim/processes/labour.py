"""Labour market: wages and employment rates by municipality, then each household's
employment, sector and income (a Numba kernel over the household columns).

Wages (million KRW a year) by workplace municipality and sector: the national mean
wage, a sector premium, local productivity relative to the sector's national start level
(elasticity ``wage_passthrough``) and labour-market tightness, jobs over the labour
that seeks work there, relative to the start (elasticity ``wage_tightness``).

Commuting: a worker living in d looks for work in j with probability ``c[d, j]``
proportional to ``exp(-km_dj / commute_km) x jobs_j`` (a gravity model: distance decay
times opportunities; :func:`commuting`), so labour demand is met across borders. Each
workplace's jobs are shared among the workers who look there: the fill rate of j is
``min(1, jobs_j / sum_d L_d c[d, j])``; the employment rate of the residents of d is
``sum_j c[d, j] x fill_j`` (capped at ``max_employment_rate``), and they earn the wages
and work in the sectors of the places they commute to. Movers weigh these residence
values, so a suburb gains from its neighbours' jobs. ``commute_km`` 0 is the old model:
everyone works where they live.

Reads: the firms' jobs and output (:class:`~sim.processes.firms.FirmState`), the labour
force (household heads under 65, from the last observation). Writes: its own
:class:`LabourState` and the labour columns of the households (``employed``, ``sector``,
``income``, ``htype``, and ``skill`` once per household).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.columns import ColumnAgents
from sim.config import EconomyParams
from sim.kernels.households import labour_status
from sim.kernels.parallel import Parallel

#: Relative wage by sector (agriculture, manufacturing, services, knowledge), mean 1
#: over jobs; from the 2015 wage structure survey pattern (assumption).
SECTOR_WAGE = np.array([0.55, 1.10, 0.85, 1.35])


def commuting(distance_km: np.ndarray, jobs: np.ndarray, commute_km: float) -> np.ndarray:
    """(M, M) row-stochastic: where a worker living in d looks for work,
    ``exp(-km / commute_km) x jobs_j``, normalised by d; the identity if ``commute_km``
    is 0 (or where d's reach has no jobs)."""
    m = len(jobs)
    if commute_km <= 0:
        return np.eye(m)
    w = np.exp(-distance_km / commute_km) * np.maximum(jobs, 0.0)[None, :]
    total = w.sum(axis=1, keepdims=True)
    reach = total > 1e-300  # a reach with (numerically) no jobs keeps its workers at home
    return np.where(reach, w / np.where(reach, total, 1.0), np.eye(m))


def crossing_share(c: np.ndarray, labour_force: np.ndarray) -> float:
    """Share of workers who look for work outside their own municipality."""
    lf = np.asarray(labour_force, dtype=float)
    return float((lf * (1.0 - np.diag(c))).sum() / max(lf.sum(), 1e-9))


@dataclass
class LabourState:
    """Wages and employment by municipality (M rows) and sector (S columns).

    Attributes:
        wage: (M, S) wage of a worker by workplace, million KRW a year.
        employment_rate: (M,) share of heads under 65 in work, by residence.
        mean_wage: (M,) employment-weighted mean wage earned by residents, million KRW a year.
        commute: (M, M) where residents look for work (:func:`commuting`) this year.
        resident_wage: (M, S) the wage residents earn by sector (over their commutes).
        job_share0: (M, S) jobs by sector at the start, as shares (the fallback of a
            municipality that has lost all its jobs).
        tightness0: (M,) jobs per worker (head under 65) at the start.
        income_cuts0: (2,) the start year's income terciles, million KRW (set by the
            first step; later years index them to wage growth).
    """

    wage: np.ndarray
    employment_rate: np.ndarray
    mean_wage: np.ndarray
    job_share0: np.ndarray
    tightness0: np.ndarray
    commute: np.ndarray | None = None
    resident_wage: np.ndarray | None = None
    income_cuts0: np.ndarray | None = None


def wages(
    e: EconomyParams, jobs: np.ndarray, output: np.ndarray, productivity0: np.ndarray,
    labour_force: np.ndarray, tightness0: np.ndarray, years_elapsed: int,
) -> np.ndarray:
    """(M, S) wages by workplace, million KRW a year, from jobs and output (M, S), the
    sectors' national productivity at the start (S,), the labour that seeks work in each
    place (M,) and its start tightness (M,).

    Wages grow with the common productivity trend, exp(drift x years), and with local
    productivity relative to that trend's path (elasticity ``wage_passthrough``), so that
    productivity above the trend (agglomeration, smart-city tech) raises wages and the
    trend itself is counted once."""
    drift = np.exp(e.productivity_drift * years_elapsed)
    prod = output / np.maximum(jobs, 1e-9)
    rel_prod = np.where(jobs > 0, prod / (productivity0[None, :] * drift), 1.0)
    # A place without jobs has nobody seeking work there (commuting goes where jobs are):
    # no tightness, rather than 0/0 (which would spread NaN through commuting to every wage).
    total = jobs.sum(axis=1)
    tight = np.where(labour_force > 0, total / np.maximum(labour_force, 1e-300), 0.0)
    tight = tight / np.maximum(tightness0, 1e-9)
    return (
        e.mean_wage
        * drift
        * SECTOR_WAGE[None, :]
        * np.maximum(rel_prod, 1e-3) ** e.wage_passthrough
        * np.maximum(tight, 1e-3)[:, None] ** e.wage_tightness
    )


def init(
    e: EconomyParams, jobs: np.ndarray, output: np.ndarray, productivity0: np.ndarray,
    labour_force0: np.ndarray, job_share0: np.ndarray, distance_km: np.ndarray | None = None,
) -> LabourState:
    """The labour market at the start, before households are assigned to jobs (the first
    :func:`step`, run by the world builder, does that): start wages at start tightness
    (jobs over the labour seeking work in each place, with commuting), the configured
    employment rate everywhere."""
    total = jobs.sum(axis=1)
    m = len(total)
    c = commuting(np.zeros((m, m)) if distance_km is None else distance_km, total, e.commute_km)
    tightness0 = total / np.maximum(labour_force0 @ c, 1e-9)
    wage = wages(e, jobs, output, productivity0, labour_force0 @ c, tightness0, 0)
    return LabourState(
        wage=wage,
        employment_rate=np.full(len(labour_force0), e.employment_rate),
        mean_wage=(wage * job_share0).sum(axis=1),
        job_share0=job_share0,
        tightness0=tightness0,
        commute=c,
        resident_wage=wage,
    )


@dataclass(frozen=True)
class Inputs:
    """What the labour market reads in a year (built by :func:`sim.schedule.labour_inputs`).

    Attributes:
        economy: the labour market's parameters.
        jobs, output: (M, S) the firms' workers and value added this year.
        productivity0: (S,) national value added per worker at the start.
        labour_force: (M,) heads under 65 by residence (agent units).
        distance_km: (M, M) distances for commuting.
        years_elapsed: years since the start (wages and pensions drift with productivity).
        key, identity_key: this year's labour stream key; the key of persistent traits.
    """

    economy: EconomyParams
    jobs: np.ndarray
    output: np.ndarray
    productivity0: np.ndarray
    labour_force: np.ndarray
    distance_km: np.ndarray
    years_elapsed: int
    key: np.uint64
    identity_key: np.uint64


def step(state: LabourState, households: ColumnAgents, inputs: Inputs, parallel: Parallel) -> None:
    """Wages and employment rates for this year, then every household's labour status
    (written into ``households``: ``employed``, ``sector``, ``income``, ``htype``, ``skill``)."""
    e, jobs, output, labour_force = inputs.economy, inputs.jobs, inputs.output, inputs.labour_force
    key, identity_key, years_elapsed = inputs.key, inputs.identity_key, inputs.years_elapsed
    hh = households
    total = jobs.sum(axis=1)
    c = commuting(inputs.distance_km, total, e.commute_km)
    seekers = labour_force @ c  # workers looking for work in each place
    fill = np.minimum(1.0, total / np.maximum(seekers, 1e-9))
    state.commute = c
    state.employment_rate = np.clip(c @ fill, 0.0, e.max_employment_rate)
    state.wage = wages(e, jobs, output, inputs.productivity0, seekers, state.tightness0, years_elapsed)
    share_at_work = jobs / np.maximum(total, 1e-9)[:, None]
    share_at_work = np.where(total[:, None] > 0, share_at_work, state.job_share0)
    # Residents work where they commute: their sector mix and wages are the commute-weighted
    # (and fill-weighted) mix of the workplaces'.
    reach = c * fill[None, :]
    by_sector = reach @ (share_at_work * np.maximum(total, 1e-9)[:, None])
    weight = reach @ np.maximum(total, 1e-9)
    share = np.where(weight[:, None] > 0, by_sector / np.maximum(weight, 1e-300)[:, None], state.job_share0)
    earned = reach @ (state.wage * share_at_work * np.maximum(total, 1e-9)[:, None])
    state.resident_wage = np.where(by_sector > 0, earned / np.maximum(by_sector, 1e-300), state.wage)
    state.mean_wage = (state.resident_wage * share).sum(axis=1)
    sector_cdf = np.cumsum(share, axis=1)
    sector_cdf[:, -1] = 1.0
    drift = np.exp(e.productivity_drift * years_elapsed)
    pension = e.pension_share * e.mean_wage * drift
    chunks = parallel.chunks_for(hh.n)

    def assign(cuts: np.ndarray) -> None:
        labour_status(hh.muni, hh.age, hh.uid, key, identity_key, state.employment_rate,
                      sector_cdf, state.resident_wage, e.income_sigma, pension, cuts, hh.skill,
                      hh.employed, hh.sector, hh.income, hh.htype, chunks)

    if state.income_cuts0 is None:
        # Terciles of the start-year incomes (from a provisional pass), then indexed to wages.
        assign(np.array([np.inf, np.inf]))
        state.income_cuts0 = np.quantile(hh.income, [1 / 3, 2 / 3]).astype(float)
    assign(state.income_cuts0 * drift)
