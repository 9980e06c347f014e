"""Outcomes that only exist against a run's same-seed twin.

Two of the brief's measures are about what a policy itself does, which one run cannot
tell apart from everything else that changes over twenty years:

* ``felt_benefit_paired``: the share of people who would notice the policy, i.e. whose
  place's QoL (for their age class) in the final year is at least their perception
  threshold above the twin's. Thresholds are spread across households as in the model
  (log-normal with mean ``behaviour.qol.felt_threshold`` and log s.d.
  ``felt_threshold_spread``, docs/model.md), so the share in a place with a gain ``d``
  is ``P(threshold <= d)``. The run's own ``felt_benefit_share`` counts every gain
  since the start, whatever its cause (docs/model.md, "felt benefit").
* ``cost_effectiveness_paired``: welfare bought per KRW, ``sum_t d^t (W_t - W^twin_t) /
  sum_t d^t I_t`` with ``W`` the national money-metric welfare (``welfare_krw_total``,
  KRW a year), ``I`` the public money spent, ``d = 1 / (1 + run.discount_rate)`` and
  ``t`` years since the start (cumulative and discounted, as a cost-benefit study does).

Both are 0 for a baseline run against itself, by construction, and a policy that spends
almost nothing changes them almost not at all (the pairing keeps random numbers in step).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: Age classes of the municipal QoL and household columns.
CLASS_COLUMNS = (("qol_20_39", "households_20_39"), ("qol_40_64", "households_40_64"),
                 ("qol_65_plus", "households_65_plus"))
#: The twin metrics, in the order they are added.
TWIN_METRICS = ("felt_benefit_paired", "cost_effectiveness_paired")


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


def felt_benefit_paired(run: pd.DataFrame, twin: pd.DataFrame, threshold: float,
                        spread: float) -> float:
    """Share of the run's people who notice its final-year QoL gain over the twin (by
    municipality and age class of the head; persons split by the households' classes)."""
    a = run.set_index("code")
    b = twin.set_index("code").reindex(a.index)
    noticed = 0.0
    households = sum(a[h] for _, h in CLASS_COLUMNS).replace(0, np.nan)
    for q, h in CLASS_COLUMNS:
        persons = a["population"] * (a[h] / households).fillna(0.0)
        noticed += float((persons * share_noticing((a[q] - b[q]).to_numpy(), threshold, spread)).sum())
    total = float(a["population"].sum())
    return noticed / total if total > 0 else math.nan


def cost_effectiveness_series(run: pd.DataFrame, twin: pd.DataFrame, rate: float) -> pd.Series:
    """By year: discounted welfare gain over the twin, summed from the start to that
    year, per discounted KRW spent up to it; NaN while nothing has been spent. ``run``
    and ``twin`` are national tables (year, welfare_krw_total, investment_krw)."""
    a = run.set_index("year").sort_index()
    b = twin.set_index("year").reindex(a.index)
    t = (a.index.to_numpy() - a.index.min()).astype(float)
    d = (1.0 + rate) ** -t
    spent = np.cumsum(d * a["investment_krw"].to_numpy())
    gain = np.cumsum(d * (a["welfare_krw_total"].to_numpy() - b["welfare_krw_total"].to_numpy()))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(spent > 0, gain / np.where(spent > 0, spent, 1.0), np.nan)
    return pd.Series(ratio, index=a.index)


def cost_effectiveness_paired(run: pd.DataFrame, twin: pd.DataFrame, rate: float) -> float:
    """:func:`cost_effectiveness_series` over the whole run (its last year)."""
    return float(cost_effectiveness_series(run, twin, rate).iloc[-1])
