"""Outcomes that only exist against a run's same-seed twin.

Some of the brief's measures are about what a policy itself does, which one run cannot
tell apart from everything else that changes over twenty years:

* ``felt_benefit_paired``: the share of people who would notice the policy, i.e. whose
  place's QoL (for their age class) in the final year is at least their perception
  threshold above the twin's. Thresholds are spread across households as in the model
  (log-normal with mean ``behaviour.qol.felt_threshold`` and log s.d.
  ``felt_threshold_spread``, docs/model.md), so the share in a place with a gain ``d``
  is ``P(threshold <= d)``. The run's own ``felt_benefit_share`` counts every gain
  since the start, whatever its cause (docs/model.md, "felt benefit").
* ``felt_loss_paired``: the same for losses: the share of people whose place's QoL is at
  least their threshold *below* the twin's (a policy that draws services or jobs away
  from a place is felt there too).
* The appraisal, as Korea's preliminary feasibility studies do it (KDI PIMAC), cumulative
  from the start and discounted at ``d = 1 / (1 + run.discount_rate)`` (4.5 %), with
  ``t`` years since the start: benefits ``B = sum_t d^t (W_t - W^twin_t)``, ``W`` the
  national money-metric welfare (``welfare_krw_total``, KRW a year), and costs ``C =
  sum_t d^t (I_t - I^twin_t)``, ``I`` every KRW the policy puts in (:data:`COST_COLUMNS`):
  the public money spent (``investment_krw``), the private co-investment it draws
  (``private_investment_krw``) and the operation that local budgets pay after the
  national money (``local_operation_krw``). What the private and local money build is in
  ``B``, so it is in ``C`` too: until 2026-12-07 only the public money was, which raised
  the B/C of the one scenario that invites private money (``status_quo_2018``) with its
  leverage, and of the packages whose assets local budgets keep running.
  ``cost_effectiveness_paired`` is the benefit-cost ratio ``B / C`` (NaN while nothing
  is spent) and ``npv_krw_paired`` the net present value ``B - C`` (KRW).
* ``qol_person_years_per_krw_b_paired``: QoL person-years gained per KRW billion
  (MODEL.md): ``sum_t d^t (P_t q_t - P^twin_t q^twin_t) / 100`` over ``C`` in KRW
  billion, with ``P`` the population and ``q`` the population-weighted mean QoL (0-100):
  a year of a person's QoL 1 point higher is 0.01 QoL person-years; effects and money
  discounted alike, as cost-effectiveness studies do.

All are 0 (the ratios NaN: nothing spent) for a baseline run against itself, by
construction, and a policy that spends almost nothing changes them almost not at all
(the pairing keeps random numbers in step).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: Age classes of the municipal QoL and household columns.
CLASS_COLUMNS = (("qol_20_39", "households_20_39"), ("qol_40_64", "households_40_64"),
                 ("qol_65_plus", "households_65_plus"))
#: The money a policy puts in, each a column of the national table (KRW a year): public
#: money, the private co-investment it draws, local budgets' operation after the national
#: money. A table without one of the last two (written before they were recorded) counts 0.
COST_COLUMNS = ("investment_krw", "private_investment_krw", "local_operation_krw")
#: The twin metrics, in the order they are added.
TWIN_METRICS = ("felt_benefit_paired", "felt_loss_paired", "cost_effectiveness_paired",
                "npv_krw_paired", "qol_person_years_per_krw_b_paired")


def share_noticing(gain: np.ndarray, threshold: float, spread: float) -> np.ndarray:
    """P(threshold <= gain) for log-normal thresholds of mean ``threshold`` and log s.d.
    ``spread`` (one threshold for all when ``spread`` is 0); 0 where ``gain`` <= 0."""
    from scipy.stats import norm

    gain = np.asarray(gain, dtype=float)
    out = np.zeros_like(gain)
    pos = gain > 0
    if threshold <= 0:
        out[pos] = 1.0
        return out
    if spread <= 0:
        out[pos] = (gain[pos] >= threshold).astype(float)
        return out
    mu = math.log(threshold) - spread**2 / 2  # median of a log-normal with this mean
    out[pos] = norm.cdf((np.log(gain[pos]) - mu) / spread)
    return out


def _share_noticing_paired(run: pd.DataFrame, twin: pd.DataFrame, threshold: float,
                           spread: float, sign: float) -> float:
    """Share of the run's people who notice ``sign`` x (run's QoL - twin's) (by
    municipality and age class of the head; persons split by the households' classes)."""
    a = run.set_index("code")
    b = twin.set_index("code").reindex(a.index)
    noticed = 0.0
    households = sum(a[h] for _, h in CLASS_COLUMNS).replace(0, np.nan)
    for q, h in CLASS_COLUMNS:
        persons = a["population"] * (a[h] / households).fillna(0.0)
        gain = sign * (a[q] - b[q]).to_numpy()
        noticed += float((persons * share_noticing(gain, threshold, spread)).sum())
    total = float(a["population"].sum())
    return noticed / total if total > 0 else math.nan


def felt_benefit_paired(run: pd.DataFrame, twin: pd.DataFrame, threshold: float,
                        spread: float) -> float:
    """Share of the run's people who notice its final-year QoL gain over the twin (by
    municipality and age class of the head; persons split by the households' classes)."""
    return _share_noticing_paired(run, twin, threshold, spread, +1.0)


def felt_loss_paired(run: pd.DataFrame, twin: pd.DataFrame, threshold: float,
                     spread: float) -> float:
    """Share of the run's people who notice that their place's QoL is below the twin's
    (the mirror of :func:`felt_benefit_paired`)."""
    return _share_noticing_paired(run, twin, threshold, spread, -1.0)


def _money_in(table: pd.DataFrame) -> pd.Series:
    """The year's money put in (:data:`COST_COLUMNS` present in ``table``, summed)."""
    if "investment_krw" not in table:
        raise KeyError("the appraisal needs the national table's investment_krw column")
    return sum(table[c] for c in COST_COLUMNS if c in table)


def appraisal_series(run: pd.DataFrame, twin: pd.DataFrame, rate: float) -> pd.DataFrame:
    """By year, cumulative from the start and discounted (module docstring): ``benefits``
    and ``costs`` (KRW), ``npv_krw_paired``, ``cost_effectiveness_paired`` (B/C) and,
    where the tables have ``population`` and ``qol_mean``, ``qol_person_years`` and
    ``qol_person_years_per_krw_b_paired``; the ratios NaN while nothing is spent.
    ``run`` and ``twin`` are national tables (year, welfare_krw_total, investment_krw,
    private_investment_krw, local_operation_krw, ...)."""
    a = run.set_index("year").sort_index()
    b = twin.set_index("year").reindex(a.index)
    t = (a.index.to_numpy() - a.index.min()).astype(float)
    d = (1.0 + rate) ** -t
    spent = np.cumsum(d * (_money_in(a) - _money_in(b).fillna(0.0)).to_numpy())
    gain = np.cumsum(d * (a["welfare_krw_total"].to_numpy() - b["welfare_krw_total"].to_numpy()))
    paid = spent > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "benefits": gain, "costs": spent, "npv_krw_paired": gain - spent,
            "cost_effectiveness_paired": np.where(paid, gain / np.where(paid, spent, 1.0), np.nan),
        }, index=a.index)
        if {"population", "qol_mean"} <= set(a.columns) & set(b.columns):
            years = np.cumsum(d * (a["population"].to_numpy() * a["qol_mean"].to_numpy()
                                   - b["population"].to_numpy() * b["qol_mean"].to_numpy()) / 100.0)
            out["qol_person_years"] = years
            out["qol_person_years_per_krw_b_paired"] = np.where(
                paid, years / np.where(paid, spent / 1e9, 1.0), np.nan)
    return out


def cost_effectiveness_series(run: pd.DataFrame, twin: pd.DataFrame, rate: float) -> pd.Series:
    """By year: the benefit-cost ratio, discounted welfare gain over the twin summed from
    the start to that year per discounted KRW spent up to it; NaN while nothing has been
    spent (:func:`appraisal_series`). ``run`` and ``twin`` are national tables (year,
    welfare_krw_total, investment_krw)."""
    return appraisal_series(run, twin, rate)["cost_effectiveness_paired"]


def cost_effectiveness_paired(run: pd.DataFrame, twin: pd.DataFrame, rate: float) -> float:
    """:func:`cost_effectiveness_series` over the whole run (its last year)."""
    return float(cost_effectiveness_series(run, twin, rate).iloc[-1])
