"""Observation: aggregate households once a year and record outcomes.

The recorder keeps small per-year arrays (M rows a year) and turns them into the two
output tables at the end; it never holds household-level data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import metrics
from sim.kernels.households import aggregate, felt_benefit

N_SECTORS = 4


def aggregate_households(model) -> dict[str, np.ndarray]:
    """Per-municipality totals of the households (see :func:`sim.kernels.households.aggregate`)."""
    hh = model.households
    return aggregate(hh.muni, hh.size, hh.htype, hh.employed, hh.sector, hh.income,
                     model.n_munis, N_SECTORS)


def count_felt_benefit(model) -> np.ndarray:
    """(M,) persons whose QoL now exceeds their QoL at policy start by the threshold."""
    hh = model.households
    return felt_benefit(hh.muni, hh.age, hh.size, hh.qol_start, model.qol,
                        model.params.qol.felt_threshold, model.n_munis)


def step(model) -> None:
    model.aggregates = aggregate_households(model)
    model.refresh_qol()
    model.aggregates["felt_persons"] = count_felt_benefit(model)
    model.records.record(model)


class Recorder:
    """Per-year outcome rows, national and municipal."""

    def __init__(self):
        self.national: list[dict] = []
        self.municipal: list[pd.DataFrame] = []
        self.accounts: list[dict[str, np.ndarray]] = []

    def record(self, model) -> None:
        s = model.scale
        agg = model.aggregates
        persons = agg["persons_by_type"].sum(axis=1)
        households = agg["households_by_type"].sum(axis=1)
        qol = model.qol_mean
        flows = model.flows_persons
        moved = flows.sum()
        inter = moved - np.trace(flows)
        cross_province = flows[~model.same_province].sum()
        total_persons = persons.sum()
        income_per_hh = agg["income_sum"] / np.maximum(households, 1)
        prev = self.municipal[-1]["population"].to_numpy() if self.municipal else None
        pop_real = persons * s
        jobs = model.jobs.sum(axis=1) * s
        output_krw = float(model.output.sum() * s * 1e6)
        inv = model.investment_krw
        first = not self.national
        self.national.append(
            {
                "year": model.year,
                "population": float(pop_real.sum()),
                "households": float(households.sum() * s),
                "movers_share": float(moved / total_persons) if not first else np.nan,
                "intermunicipal_share": float(inter / total_persons) if not first else np.nan,
                "interprovincial_share_of_moves": float(cross_province / moved) if moved else np.nan,
                "capital_region_share": float(persons[model.capital_region].sum() / total_persons),
                "jeonbuk_population": float(pop_real[model.jeonbuk].sum()),
                "urban_rural_qol_gap": metrics.urban_rural_gap(qol, persons, model.is_gun),
                "qol_mean": metrics.weighted_mean(qol, persons),
                "qol_theil": metrics.theil(qol, persons),
                "qol_gini": metrics.gini(qol, persons),
                "income_theil": metrics.theil(income_per_hh, households),
                "income_gini": metrics.gini(income_per_hh, households),
                "felt_benefit_share": float(agg["felt_persons"].sum() / total_persons),
                "shrinking_municipalities": int((pop_real < prev).sum()) if prev is not None else 0,
                "output": output_krw,
                "jobs": float(jobs.sum()),
                "investment_krw": float(inv.sum()),
                "births": float(model.births.sum() * s) if not first else np.nan,
                "deaths": float(model.deaths.sum() * s) if not first else np.nan,
                "immigrants": float(model.immigrants.sum() * s) if not first else np.nan,
            }
        )
        services = model.service_levels()
        by_age = agg["households_by_type"].reshape(model.n_munis, 3, 3).sum(axis=2) * s
        table = model.region.table
        frame = pd.DataFrame(
            {
                "year": model.year,
                "code": table["code"].to_numpy(),
                "name": table["name"].to_numpy(),
                "province": table["province"].to_numpy(),
                "kind": table["kind"].to_numpy(),
                "population": pop_real,
                "households": households * s,
                "households_20_39": by_age[:, 0],
                "households_40_64": by_age[:, 1],
                "households_65_plus": by_age[:, 2],
                "jobs": jobs,
                "wage": model.mean_wage_by_muni,
                "employment_rate": model.employment_rate,
                "qol": qol,
                "qol_20_39": model.qol[:, 0],
                "qol_40_64": model.qol[:, 1],
                "qol_65_plus": model.qol[:, 2],
                "investment_krw": inv.copy(),
                "price_index": model.price,
                "young_to_old": metrics.young_to_old(agg["households_by_type"]),
                "felt_benefit_share": agg["felt_persons"] / np.maximum(persons, 1),
                "births": model.births * s,
                "deaths": model.deaths * s,
                "immigrants": model.immigrants * s,
                "in_migrants": (flows.sum(axis=0) - np.diag(flows)) * s,
                "out_migrants": (flows.sum(axis=1) - np.diag(flows)) * s,
                **{f"service_{d}": services[:, k] for k, d in enumerate(SERVICE_NAMES)},
            }
        )
        self.municipal.append(frame)

    def national_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.national)

    def municipal_frame(self) -> pd.DataFrame:
        return pd.concat(self.municipal, ignore_index=True)


SERVICE_NAMES = ("health", "mobility", "care_education", "safety", "digital", "environment")
