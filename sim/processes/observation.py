"""Observation: aggregate households once a year, refresh QoL and felt benefit.

The observation's totals (:class:`Observed`) are what the other processes read of the
households in the following year (persons, the labour force, QoL): municipalities and
governments see last year's census, not this instant's agents. The output tables are
made apart from it (:mod:`sim.outputs`), from a small snapshot of each year.

Reads: the households, service levels (policy), employment rates and wages (labour),
prices (housing). Writes: its own :class:`Observed`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.columns import ColumnAgents
from sim.config import QolParams
from sim.constants import N_INCOME_CLASSES, N_SECTORS, age_class_of, by_age_class
from sim.kernels.households import aggregate, felt_counts
from sim.kernels.parallel import Parallel


@dataclass(frozen=True)
class QolReference:
    """What QoL is measured against, fixed at the start.

    Attributes:
        earnings: the start's persons-weighted national mean of employment rate x mean
            wage, million KRW a year (the jobs component's 50).
        burden: the start's persons-weighted national mean of the housing-cost burden,
            price index over mean household income (the housing component's 50).
        qol: (M, 3) QoL by municipality and age class at the start (the felt-benefit
            baseline of every place).
    """

    earnings: float
    burden: float
    qol: np.ndarray


@dataclass
class Observed:
    """Household totals and QoL by municipality (M rows, agent units).

    Attributes:
        households_by_type, persons_by_type: (M, T) int64 households and persons by
            household type (age class x income class).
        workers_by_sector: (M, S) int64 employed heads by sector.
        income_by_type: (M, T) float64 household income by type, million KRW a year.
        felt_persons: (M,) int64 persons who feel their place got better since the start.
        felt_loss_persons: (M,) int64 persons who feel their place got worse since the
            start (its QoL for their entry class fell by at least their threshold).
        qol: (M, 3) QoL (0-100) by age class of the head.
        qol_mean: (M,) persons-weighted mean QoL.
        reference: what QoL is measured against (:class:`QolReference`).
    """

    households_by_type: np.ndarray
    persons_by_type: np.ndarray
    workers_by_sector: np.ndarray
    income_by_type: np.ndarray
    felt_persons: np.ndarray
    felt_loss_persons: np.ndarray
    qol: np.ndarray
    qol_mean: np.ndarray
    reference: QolReference

    @property
    def persons(self) -> np.ndarray:
        """(M,) persons (agent units; multiply by ``scale`` for real people)."""
        return self.persons_by_type.sum(axis=1)

    @property
    def households(self) -> np.ndarray:
        """(M,) households (agent units)."""
        return self.households_by_type.sum(axis=1)

    @property
    def income_sum(self) -> np.ndarray:
        """(M,) household income, million KRW a year (agent units)."""
        return self.income_by_type.sum(axis=1)

    def labour_force(self) -> np.ndarray:
        """(M,) household heads under 65 (the first two age classes), at least 1."""
        return np.maximum(self.households_by_type[:, : 2 * N_INCOME_CLASSES].sum(axis=1), 1)


def components(
    employment_rate: np.ndarray, mean_wage: np.ndarray, price: np.ndarray,
    income_per_household: np.ndarray, trend: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(M,) real earnings (employment rate x mean wage) and housing-cost burden (price
    index over mean household income), both with the common productivity trend
    ``trend`` taken out, so that growth everyone shares moves neither."""
    earnings = np.maximum(employment_rate * mean_wage / trend, 1e-9)
    burden = price / np.maximum(income_per_household / trend, 1e-9)
    return earnings, burden


def quality_of_life(
    q: QolParams, services: np.ndarray, earnings: np.ndarray, burden: np.ndarray,
    persons_by_type: np.ndarray, reference: QolReference | None,
) -> tuple[np.ndarray, np.ndarray, QolReference]:
    """QoL (M, 3) by age class of the head, its persons-weighted mean (M,), 0-100, and the
    reference (the start's, or made now when ``reference`` is None).

    ``qol = w_s * sum_k service_weights[a][k] * services[m, k] + w_j * jobs[m] + w_h *
    housing[m]``, every component absolute: services on their census scale, ``jobs =
    clip(50 + 50 log(real earnings / the start's national mean))`` and ``housing =
    clip(50 - 50 log(housing-cost burden / the start's national mean))`` (docs/model.md
    6.1). A place's QoL therefore moves only with its own conditions, and any instrument
    (services, productivity, dwellings) can raise or lower the national mean.
    """
    services_by_class = services @ np.asarray(q.service_weights).T  # (M, 3)
    pop = np.maximum(persons_by_type.sum(axis=1), 1)
    earnings_ref = reference.earnings if reference else float(np.average(earnings, weights=pop))
    burden_ref = reference.burden if reference else float(np.average(burden, weights=pop))
    jobs = np.clip(50 + 50 * np.log(earnings / earnings_ref), 0, 100)
    house = np.clip(50 - 50 * np.log(burden / burden_ref), 0, 100)
    w = q.component_weights
    qol = w[0] * services_by_class + (w[1] * jobs + w[2] * house)[:, None]
    by_class = by_age_class(persons_by_type)
    qol_mean = (qol * by_class).sum(axis=1) / np.maximum(by_class.sum(axis=1), 1)
    return qol, qol_mean, reference or QolReference(earnings_ref, burden_ref, qol.copy())


@dataclass(frozen=True)
class Inputs:
    """What the observation reads (built by :func:`sim.schedule.observation_inputs`).

    Attributes:
        qol: the QoL index's parameters.
        services: (M, 6) service levels. employment_rate, mean_wage, price: (M,).
        trend: the common productivity trend since the start (exp(drift x years)).
        reference: the start's :class:`QolReference` (None at the start: made now).
        n_municipalities: M.
    """

    qol: QolParams
    services: np.ndarray
    employment_rate: np.ndarray
    mean_wage: np.ndarray
    price: np.ndarray
    trend: float
    reference: QolReference | None
    n_municipalities: int


def init(households: ColumnAgents, inputs: Inputs, parallel: Parallel) -> Observed:
    """The start's observation: the QoL reference (:class:`QolReference`) is made from it,
    and every household's ``felt_class`` is its age class now."""
    hh = households
    hh.felt_class[:] = age_class_of(hh.age)
    return observe(households, inputs, parallel)


def observe(households: ColumnAgents, inputs: Inputs, parallel: Parallel) -> Observed:
    """Totals of the households, QoL from this year's conditions, and the felt-benefit
    and felt-loss counts (a pass of its own, because it needs the QoL the totals
    refresh)."""
    hh = households
    q, n_municipalities = inputs.qol, inputs.n_municipalities
    chunks = parallel.chunks_for(hh.n)
    totals = aggregate(hh.muni, hh.size, hh.htype, hh.employed, hh.sector, hh.income,
                       n_municipalities, N_SECTORS, chunks)
    income_per_hh = totals["income_by_type"].sum(axis=1) / np.maximum(
        totals["households_by_type"].sum(axis=1), 1)
    earnings, burden = components(inputs.employment_rate, inputs.mean_wage, inputs.price,
                                  income_per_hh, inputs.trend)
    qol, qol_mean, reference = quality_of_life(q, inputs.services, earnings, burden,
                                               totals["persons_by_type"], inputs.reference)
    felt, lost = felt_counts(hh.muni, hh.size, hh.felt_class, hh.felt_factor, qol, reference.qol,
                        q.felt_threshold, n_municipalities, chunks)
    return Observed(
        households_by_type=totals["households_by_type"],
        persons_by_type=totals["persons_by_type"],
        workers_by_sector=totals["workers_by_sector"],
        income_by_type=totals["income_by_type"],
        felt_persons=felt,
        felt_loss_persons=lost,
        qol=qol,
        qol_mean=qol_mean,
        reference=reference,
    )
