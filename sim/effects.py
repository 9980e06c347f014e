"""Effects of a run against its same-seed twin, from the two runs' national tables.

With a baseline run of the same seed (``no_investment``), the difference is the
scenario's effect with the run-to-run noise mostly cancelled (common random numbers).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.catalogue import HEADLINE_METRICS, NATIONAL

#: The appraisal against the twin (:func:`appraisal_effects`), in table order.
APPRAISAL_METRICS = ("cost_effectiveness_paired", "npv_krw_paired",
                     "qol_person_years_per_krw_b_paired")


def national_effects(
    treated: pd.DataFrame, baseline: pd.DataFrame, metrics: Sequence[str] = HEADLINE_METRICS,
) -> pd.DataFrame:
    """Year by year, ``treated - baseline`` of each national metric (in the columns'
    own units), over the years both tables hold; indexed by year.

    With a baseline run of the same seed (``no_investment``), the difference is the
    scenario's effect with the run-to-run noise mostly cancelled (common random numbers).
    """
    t = treated.set_index("year")
    b = baseline.set_index("year")
    years = t.index.intersection(b.index)
    cols = [m for m in metrics if m in t.columns and m in b.columns]
    return t.loc[years, cols] - b.loc[years, cols]


def headline_effects(
    treated: pd.DataFrame, baseline: pd.DataFrame, year: int | None = None,
    metrics: Sequence[str] = HEADLINE_METRICS,
) -> pd.DataFrame:
    """The headline metrics in display units in ``year`` (default: the last year both
    tables hold): one row per metric with ``label``, ``unit`` (of the level),
    ``scenario`` and ``baseline`` levels, and the ``effect`` in ``effect_unit`` (a
    relative effect, e.g. national output, in % of the baseline)."""
    t = treated.set_index("year")
    b = baseline.set_index("year")
    years = t.index.intersection(b.index)
    if not len(years):
        return pd.DataFrame(columns=["metric", "label", "unit", "scenario", "baseline",
                                     "effect", "effect_unit"])
    year = int(years.max()) if year is None else int(year)
    rows = []
    for m in metrics:
        if m not in t.columns or m not in b.columns or m not in NATIONAL:
            continue
        meta = NATIONAL[m]
        tv, bv = float(t.at[year, m]), float(b.at[year, m])
        if meta.effect_factor is None:
            effect = 100 * (tv - bv) / bv if bv else float("nan")
        else:
            effect = (tv - bv) * meta.effect_factor
        rows.append({"metric": m, "label": meta.label, "unit": meta.level_unit,
                     "scenario": tv * meta.level_factor, "baseline": bv * meta.level_factor,
                     "effect": effect, "effect_unit": meta.effect_unit})
    return pd.DataFrame(rows)


def appraisal_effects(treated: pd.DataFrame, baseline: pd.DataFrame, rate: float,
                      year: int | None = None) -> pd.DataFrame:
    """The appraisal of ``treated`` against its twin ``baseline`` (national tables),
    cumulative and discounted at ``rate`` from the start to ``year`` (default: the last
    year both hold; :func:`sim.tools.twins.appraisal_series`): the benefit-cost ratio,
    the net present value and the QoL person-years per KRW billion, as rows of
    :func:`headline_effects` (the ``effect`` column; no levels: they exist only against
    the twin)."""
    from sim.tools.twins import appraisal_series

    t = treated.set_index("year")
    b = baseline.set_index("year")
    years = t.index.intersection(b.index)
    columns = ["metric", "label", "unit", "scenario", "baseline", "effect", "effect_unit"]
    if not len(years):
        return pd.DataFrame(columns=columns)
    year = int(years.max()) if year is None else int(year)
    series = appraisal_series(t.loc[years].reset_index(), b.loc[years].reset_index(), rate)
    rows = []
    for m in APPRAISAL_METRICS:
        if m not in series:
            continue
        meta = NATIONAL[m]
        rows.append({"metric": m, "label": meta.label, "unit": meta.level_unit,
                     "scenario": float("nan"), "baseline": float("nan"),
                     "effect": float(series.at[year, m]) * meta.effect_factor,
                     "effect_unit": meta.effect_unit})
    return pd.DataFrame(rows, columns=columns)
