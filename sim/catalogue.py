"""The catalogue of output metrics: one label, unit and display factor per column.

Plots, comparisons and reports name a metric by its output column and take its label
and units from here, so a metric reads the same in every figure and table. Each metric
has two display forms: its *level* (a value of one run, e.g. population in millions)
and its *effect* (a paired difference against a baseline, e.g. in thousands).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.constants import AGE_CLASSES, SERVICE_DOMAINS

#: Age classes of the head as read in labels.
AGE_LABELS = ("20-39", "40-64", "65+")


@dataclass(frozen=True)
class Metric:
    """How to show one output column.

    Attributes:
        label: short name (tables, legends).
        title: figure-panel title of the level.
        level_unit, level_factor: unit of the level, and the factor that turns the
            column's value into it.
        effect_unit, effect_factor: the same for a paired effect; ``effect_factor`` None
            means the effect is shown relative to the baseline's level (in %).
    """

    label: str
    title: str
    level_unit: str
    level_factor: float
    effect_unit: str
    effect_factor: float | None


#: National columns (national.parquet), by column name.
NATIONAL: dict[str, Metric] = {
    "population": Metric("Population", "Population", "million people", 1e-6, "thousand people", 1e-3),
    "households": Metric("Households", "Households", "million households", 1e-6,
                         "thousand households", 1e-3),
    "movers_share": Metric("Movers", "Movers", "% of people a year", 100, "percentage points", 100),
    "capital_region_share": Metric("Capital-region share", "Capital-region share", "% of population",
                                   100, "percentage points", 100),
    "jeonbuk_population": Metric("Jeonbuk population", "Jeonbuk population", "million people", 1e-6,
                                 "thousand people", 1e-3),
    "urban_rural_qol_gap": Metric("Urban-rural QoL gap", "Urban-rural QoL gap (gu/si - gun)",
                                  "QoL points", 1, "QoL points", 1),
    "qol_mean": Metric("Mean QoL", "Mean QoL", "QoL points", 1, "QoL points", 1),
    "qol_theil": Metric("QoL Theil index", "QoL inequality across places", "Theil index x 1000", 1000,
                        "x 1000", 1000),
    "qol_gini": Metric("QoL Gini", "QoL Gini across places", "Gini x 100", 100, "x 100", 100),
    "income_theil": Metric("Income Theil index", "Income inequality across places",
                           "Theil index x 1000", 1000, "x 1000", 1000),
    "felt_benefit_share": Metric("Felt benefit share", "Felt benefit (QoL up >= threshold)",
                                 "% of people", 100, "percentage points", 100),
    "shrinking_municipalities": Metric("Shrinking municipalities", "Shrinking municipalities",
                                       "count", 1, "count", 1),
    "output": Metric("National output", "National output", "KRW trillion a year", 1e-12,
                     "% of baseline", None),
    "jobs": Metric("Jobs", "Jobs", "million", 1e-6, "thousand", 1e-3),
    "investment_krw": Metric("Smart-city investment", "Smart-city investment", "KRW billion a year",
                             1e-9, "KRW billion a year", 1e-9),
    "felt_loss_share": Metric("Felt loss share", "Felt loss (QoL down >= threshold)",
                              "% of people", 100, "percentage points", 100),
    "welfare_krw_total": Metric("Welfare", "Welfare against the start (compensating variation)",
                                "KRW trillion a year", 1e-12, "KRW billion a year", 1e-9),
    **{k: Metric(label, f"{label} against the start", "KRW trillion a year", 1e-12,
                 "KRW billion a year", 1e-9)
       for k, label in {
           "welfare_earnings_krw": "Welfare: earnings",
           "welfare_services_krw": "Welfare: services",
           **{f"welfare_service_{d}_krw": f"Welfare: {d.replace('_', '/')} services"
              for d in SERVICE_DOMAINS},
           "welfare_other_krw": "Welfare: other (re-sorting)",
           **{f"welfare_krw_{a}": f"Welfare, heads {AGE_LABELS[k]}"
              for k, a in enumerate(AGE_CLASSES)},
       }.items()},
    "welfare_income_krw": Metric("Household income (welfare base)", "Household income welfare "
                                 "is measured on (start-year KRW)", "KRW trillion a year", 1e-12,
                                 "KRW billion a year", 1e-9),
    "housing_transfer_krw": Metric("Housing transfer", "Housing cost paid to owners (not welfare)",
                                   "KRW trillion a year", 1e-12, "KRW billion a year", 1e-9),
    "felt_benefit_paired": Metric("Felt benefit vs twin", "People who notice the policy",
                                  "% of people", 100, "percentage points", 100),
    "felt_loss_paired": Metric("Felt loss vs twin", "People who notice a loss from the policy",
                               "% of people", 100, "percentage points", 100),
    "cost_effectiveness_paired": Metric("B/C vs twin", "Benefit-cost ratio (discounted welfare "
                                        "gain per KRW spent)", "ratio", 1, "ratio", 1),
    "npv_krw_paired": Metric("NPV vs twin", "Net present value (discounted welfare gain - cost)",
                             "KRW billion", 1e-9, "KRW billion", 1e-9),
    "qol_person_years_per_krw_b_paired": Metric(
        "QoL person-years per KRW B", "QoL person-years gained per KRW billion (discounted)",
        "QoL person-years per KRW B", 1, "QoL person-years per KRW B", 1),
    "private_investment_krw": Metric("Private co-investment", "Private co-investment",
                                     "KRW billion a year", 1e-9, "KRW billion a year", 1e-9),
    "births": Metric("Births", "Births", "thousand a year", 1e-3, "thousand a year", 1e-3),
    "local_operation_krw": Metric("Local operation", "Operation paid by local budgets",
                                  "KRW billion a year", 1e-9, "KRW billion a year", 1e-9),
    "money_share_capital_region": Metric("Money to the capital region",
                                         "Share of the public money in the capital region",
                                         "% since the start", 100, "percentage points", 100),
    "money_share_noncapital": Metric("Money outside the capital region",
                                     "Share of the public money outside the capital region",
                                     "% since the start", 100, "percentage points", 100),
    "money_share_gu": Metric("Money to gu", "Share of the public money in gu",
                             "% since the start", 100, "percentage points", 100),
    "money_share_si": Metric("Money to si", "Share of the public money in si",
                             "% since the start", 100, "percentage points", 100),
    "money_share_gun": Metric("Money to gun", "Share of the public money in gun",
                              "% since the start", 100, "percentage points", 100),
    "deaths": Metric("Deaths", "Deaths", "thousand a year", 1e-3, "thousand a year", 1e-3),
}

#: Municipal columns (municipalities.parquet) shown in maps, by column name.
MUNICIPAL: dict[str, Metric] = {
    "population": Metric("Population", "Population", "thousand people", 1e-3, "%", None),
    "qol": Metric("QoL", "Quality of life", "QoL points", 1, "QoL points", 1),
    "felt_benefit_share": Metric("Felt benefit", "Felt benefit share", "% of people", 100,
                                 "percentage points", 100),
    "felt_loss_share": Metric("Felt loss", "Felt loss share", "% of people", 100,
                              "percentage points", 100),
    "welfare_krw_per_household": Metric("Welfare per household", "Welfare per household "
                                        "against the start", "million KRW a year", 1e-6,
                                        "thousand KRW a year", 1e-3),
    "investment_krw": Metric("Investment", "Smart-city investment", "KRW billion", 1e-9,
                             "KRW billion", 1e-9),
    "jobs": Metric("Jobs", "Jobs", "thousand", 1e-3, "%", None),
    "wage": Metric("Wage", "Mean wage", "million KRW a year", 1, "million KRW a year", 1),
}

#: The headline national metrics of effect tables and figures, in order.
HEADLINE_METRICS = (
    "population", "capital_region_share", "jeonbuk_population", "urban_rural_qol_gap",
    "qol_mean", "qol_theil", "felt_benefit_share", "shrinking_municipalities", "output",
)
#: The metrics of a sweep's effect tables and figures: the headline metrics of a run,
#: welfare, and the measures that exist only against the same-seed twin
#: (:mod:`sim.tools.twins`).
COMPARE_METRICS = (*HEADLINE_METRICS, "felt_benefit_paired", "felt_loss_paired",
                   "welfare_krw_total", "cost_effectiveness_paired", "npv_krw_paired",
                   "qol_person_years_per_krw_b_paired")
#: The welfare measure's parts (national columns), in the order of decomposition tables:
#: they sum to ``welfare_krw_total``; the housing transfer is shown beside them.
WELFARE_PART_METRICS = ("welfare_earnings_krw", "welfare_services_krw",
                        *(f"welfare_service_{d}_krw" for d in SERVICE_DOMAINS), "welfare_other_krw")
#: The national series of a run's figure, in panel order (a 3 x 3 grid).
PANEL_METRICS = (
    "population", "capital_region_share", "jeonbuk_population", "urban_rural_qol_gap",
    "felt_benefit_share", "movers_share", "qol_theil", "shrinking_municipalities", "investment_krw",
)

#: column -> (label, effect unit, effect factor) of the headline metrics.
HEADLINE: dict[str, tuple[str, str, float | None]] = {
    k: (NATIONAL[k].label, NATIONAL[k].effect_unit, NATIONAL[k].effect_factor) for k in COMPARE_METRICS
}
#: column -> (panel title, level unit, level factor) of the national figure.
NATIONAL_PANELS: dict[str, tuple[str, str, float]] = {
    k: (NATIONAL[k].title, NATIONAL[k].level_unit, NATIONAL[k].level_factor) for k in PANEL_METRICS
}
