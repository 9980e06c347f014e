"""Observation: aggregate households once a year, refresh QoL, record outcomes.

The observation's totals (:class:`Observed`) are what the other processes read of the
households in the following year (persons, the labour force, QoL): municipalities and
governments see last year's census, not this instant's agents. The recorder keeps small
per-year arrays (M rows a year) and turns them into the two output tables at the end;
it never holds household-level data.

Reads: the households, service levels (policy), employment rates and wages (labour),
prices (housing). Writes: its own :class:`Observed` and :class:`Recorder`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import metrics
from sim.agents.columns import ColumnAgents
from sim.config import QolParams
from sim.constants import (
    N_INCOME_CLASSES,
    N_SECTORS,
    SECTORS,
    SERVICE_DOMAINS,
    age_class_of,
    by_age_class,
)
from sim.kernels.households import aggregate, felt_benefit
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
        qol: (M, 3) QoL (0-100) by age class of the head.
        qol_mean: (M,) persons-weighted mean QoL.
        reference: what QoL is measured against (:class:`QolReference`).
    """

    households_by_type: np.ndarray
    persons_by_type: np.ndarray
    workers_by_sector: np.ndarray
    income_by_type: np.ndarray
    felt_persons: np.ndarray
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


def init(
    households: ColumnAgents, q: QolParams, services: np.ndarray, employment_rate: np.ndarray,
    mean_wage: np.ndarray, price: np.ndarray, n_municipalities: int, parallel: Parallel,
) -> Observed:
    """The start's observation: the QoL reference (:class:`QolReference`) is made from it,
    and every household's ``felt_class`` is its age class now."""
    hh = households
    hh.felt_class[:] = age_class_of(hh.age)
    return observe(households, q, services, employment_rate, mean_wage, price, 1.0, None,
                   n_municipalities, parallel)


def observe(
    households: ColumnAgents, q: QolParams, services: np.ndarray, employment_rate: np.ndarray,
    mean_wage: np.ndarray, price: np.ndarray, trend: float, reference: QolReference | None,
    n_municipalities: int, parallel: Parallel,
) -> Observed:
    """Totals of the households, QoL from this year's conditions, and the felt-benefit
    count (a pass of its own, because it needs the QoL the totals refresh).

    Args:
        services: (M, 6) service levels. employment_rate, mean_wage, price: (M,).
        trend: the common productivity trend since the start (exp(drift x years)).
        reference: the start's :class:`QolReference` (None at the start: made now).
    """
    hh = households
    chunks = parallel.chunks_for(hh.n)
    totals = aggregate(hh.muni, hh.size, hh.htype, hh.employed, hh.sector, hh.income,
                       n_municipalities, N_SECTORS, chunks)
    income_per_hh = totals["income_by_type"].sum(axis=1) / np.maximum(
        totals["households_by_type"].sum(axis=1), 1)
    earnings, burden = components(employment_rate, mean_wage, price, income_per_hh, trend)
    qol, qol_mean, reference = quality_of_life(q, services, earnings, burden,
                                               totals["persons_by_type"], reference)
    felt = felt_benefit(hh.muni, hh.size, hh.felt_class, hh.felt_factor, qol, reference.qol,
                        q.felt_threshold, n_municipalities, chunks)
    return Observed(
        households_by_type=totals["households_by_type"],
        persons_by_type=totals["persons_by_type"],
        workers_by_sector=totals["workers_by_sector"],
        income_by_type=totals["income_by_type"],
        felt_persons=felt,
        qol=qol,
        qol_mean=qol_mean,
        reference=reference,
    )


class Recorder:
    """Per-year outcome rows, national and municipal.

    Args:
        discount_rate: yearly rate of the discounted sums behind ``cost_effectiveness``.
    """

    def __init__(self, discount_rate: float = 0.0) -> None:
        self.national: list[dict] = []
        self.municipal: list[pd.DataFrame] = []
        self.discount = 1.0 / (1.0 + discount_rate)
        self.welfare_discounted = 0.0  # KRW, sum of discounted yearly welfare changes
        self.investment_discounted = 0.0  # KRW, sum of discounted yearly investment

    def record(self, year: int, scale: float, world, observed: Observed, *, labour, firms,
               housing, migration, demography, policy, services: np.ndarray,
               money: np.ndarray) -> None:
        """One year's rows from the states after the year's processes (see the output
        tables in docs/model.md 7). The start year has no flows, births or deaths yet.
        ``money`` (T,) is each household type's income coefficient (welfare in KRW)."""
        s = scale
        persons = observed.persons
        households = observed.households
        qol = observed.qol_mean
        flows = migration.flows_persons
        moved = flows.sum()
        inter = moved - np.trace(flows)
        cross_province = flows[~world.same_province].sum()
        total_persons = persons.sum()
        income_per_hh = observed.income_sum / np.maximum(households, 1)
        prev = self.municipal[-1]["population"].to_numpy() if self.municipal else None
        pop_real = persons * s
        jobs = firms.jobs.sum(axis=1) * s
        output_krw = float(firms.output.sum() * s * 1e6)
        inv = policy.investment_krw
        first = not self.national
        welfare = metrics.welfare_krw(migration.welfare, observed.income_by_type, money) * s * 1e6
        t = len(self.national)
        self.welfare_discounted += float(welfare.sum()) * self.discount**t
        self.investment_discounted += float(inv.sum()) * self.discount**t
        cost_effectiveness = (self.welfare_discounted / self.investment_discounted
                              if self.investment_discounted > 0 else np.nan)
        firms_by_cell = _firm_counts(firms.agents, world.n) * s
        self.national.append(
            {
                "year": year,
                "population": float(pop_real.sum()),
                "households": float(households.sum() * s),
                "movers_share": float(moved / total_persons) if not first else np.nan,
                "intermunicipal_share": float(inter / total_persons) if not first else np.nan,
                "interprovincial_share_of_moves": float(cross_province / moved) if moved else np.nan,
                "capital_region_share": float(persons[world.capital_region].sum() / total_persons),
                "jeonbuk_population": float(pop_real[world.jeonbuk].sum()),
                "urban_rural_qol_gap": metrics.urban_rural_gap(qol, persons, world.is_gun),
                "qol_mean": metrics.weighted_mean(qol, persons),
                "qol_theil": metrics.theil(qol, persons),
                "qol_gini": metrics.gini(qol, persons),
                "income_theil": metrics.theil(income_per_hh, households),
                "income_gini": metrics.gini(income_per_hh, households),
                "felt_benefit_share": float(observed.felt_persons.sum() / total_persons),
                "shrinking_municipalities": int((pop_real < prev).sum()) if prev is not None else 0,
                "output": output_krw,
                "jobs": float(jobs.sum()),
                "investment_krw": float(inv.sum()),
                "private_investment_krw": float(policy.private_krw.sum()),
                "welfare_krw_total": float(welfare.sum()),
                "cost_effectiveness": cost_effectiveness,
                "births": float(demography.births.sum() * s) if not first else np.nan,
                "deaths": float(demography.deaths.sum() * s) if not first else np.nan,
                "immigrants": float(demography.immigrants.sum() * s) if not first else np.nan,
            }
        )
        by_age = by_age_class(observed.households_by_type) * s
        frame = pd.DataFrame(
            {
                "year": year,
                "code": world.codes,
                "name": world.names,
                "province": world.provinces,
                "kind": world.kinds,
                "population": pop_real,
                "households": households * s,
                "households_20_39": by_age[:, 0],
                "households_40_64": by_age[:, 1],
                "households_65_plus": by_age[:, 2],
                "jobs": jobs,
                **{f"jobs_{k}": firms.jobs[:, j] * s for j, k in enumerate(SECTORS)},
                **{f"firms_{k}": firms_by_cell[:, j] for j, k in enumerate(SECTORS)},
                "wage": labour.mean_wage,
                "employment_rate": labour.employment_rate,
                "qol": qol,
                "qol_20_39": observed.qol[:, 0],
                "qol_40_64": observed.qol[:, 1],
                "qol_65_plus": observed.qol[:, 2],
                "investment_krw": inv.copy(),
                "private_investment_krw": policy.private_krw.copy(),
                "welfare_krw_per_household": welfare / np.maximum(households * s, 1e-9),
                "price_index": housing.price,
                "young_to_old": metrics.young_to_old(observed.households_by_type),
                "felt_benefit_share": observed.felt_persons / np.maximum(persons, 1),
                "births": demography.births * s,
                "deaths": demography.deaths * s,
                "immigrants": demography.immigrants * s,
                "in_migrants": (flows.sum(axis=0) - np.diag(flows)) * s,
                "out_migrants": (flows.sum(axis=1) - np.diag(flows)) * s,
                **{f"service_{d}": services[:, k] for k, d in enumerate(SERVICE_DOMAINS)},
            }
        )
        self.municipal.append(frame)

    def national_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.national)

    def municipal_frame(self) -> pd.DataFrame:
        return pd.concat(self.municipal, ignore_index=True)


def _firm_counts(agents: ColumnAgents, m: int) -> np.ndarray:
    """(M, S) firm agents by municipality and sector."""
    cell = agents.muni.astype(np.int64) * N_SECTORS + agents.sector
    return np.bincount(cell, minlength=m * N_SECTORS).reshape(m, N_SECTORS).astype(float)
