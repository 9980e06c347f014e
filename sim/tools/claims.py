"""The 2018 brief's claims as statements on paired contrasts, shared by the studies.

A claim says scenario ``a`` beats scenario ``b`` on one outcome (higher is better when
``sign`` is +1, lower when -1). Both runs share their seed (common random numbers), so
the difference ``a - b`` is the policy difference with the noise mostly cancelled.
``experiments/compare_policies/beliefs_report.py`` tests them across seeds under each
belief arm; ``experiments/brief_claims`` across sampled worlds (issue 16).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Claim:
    """``a`` beats ``b`` on ``metric``: higher is better when ``sign`` is +1, lower when -1.

    ``unit`` and ``factor`` display the difference (``factor`` None: relative to ``b``,
    in %); ``key`` is the brief's letter of the claim (``""`` for the extra ones).
    """

    label: str
    a: str
    b: str
    metric: str
    sign: int
    unit: str
    factor: float | None
    key: str = ""


CLAIMS = (
    Claim("(a) trouble_shooter beats tech_city on felt benefit (vs twin)", "trouble_shooter",
          "tech_city", "felt_benefit_paired", +1, "pp", 100, "a"),
    Claim("(a) trouble_shooter beats tech_city on welfare", "trouble_shooter", "tech_city",
          "welfare_krw_total", +1, "KRW B/yr", 1e-9, "a"),
    Claim("(b) smart villages (national) narrow the urban-rural gap more than status_quo_2018",
          "smart_village_national", "status_quo_2018", "urban_rural_qol_gap", -1, "QoL pts", 1,
          "b"),
    Claim("(c) province-led beats centre-led on felt benefit (vs twin)", "province_led",
          "trouble_shooter", "felt_benefit_paired", +1, "pp", 100, "c"),
    Claim("(d) the living-SOC package keeps more service than build-only", "living_soc_package",
          "trouble_shooter", "service_mean", +1, "index pts", 1, "d"),
    Claim("(e) brief_combined beats status_quo_2018 on capital-region share", "brief_combined",
          "status_quo_2018", "capital_region_share", -1, "pp", 100, "e"),
    Claim("(e) brief_combined beats status_quo_2018 on Jeonbuk population", "brief_combined",
          "status_quo_2018", "jeonbuk_population", +1, "thousand", 1e-3, "e"),
    Claim("(e) brief_combined beats status_quo_2018 on the urban-rural gap", "brief_combined",
          "status_quo_2018", "urban_rural_qol_gap", -1, "QoL pts", 1, "e"),
    Claim("(e) brief_combined beats status_quo_2018 on welfare", "brief_combined",
          "status_quo_2018", "welfare_krw_total", +1, "KRW B/yr", 1e-9, "e"),
    Claim("(f) status_quo_2018 beats brief_combined on national output", "status_quo_2018",
          "brief_combined", "output", +1, "% of output", None, "f"),
    Claim("welfare per KRW: brief_combined beats status_quo_2018 (cumulative, discounted)",
          "brief_combined", "status_quo_2018", "cost_effectiveness_paired", +1, "KRW/KRW", 1),
)

#: The six service domains of the municipal table (``service_<domain>`` columns).
SERVICE_DOMAINS = ("health", "mobility", "care_education", "safety", "digital", "environment")
SERVICE_COLUMNS = tuple(f"service_{d}" for d in SERVICE_DOMAINS)


def service_mean(municipal: pd.DataFrame) -> pd.Series:
    """By year: the population-weighted mean over municipalities of the mean of the six
    service levels (claim (d): how much service is left, whoever built it)."""
    level = municipal[list(SERVICE_COLUMNS)].mean(axis=1).to_numpy()
    weights = municipal["population"].to_numpy(dtype=float)
    frame = pd.DataFrame({"year": municipal["year"].to_numpy(), "lw": level * weights,
                          "w": weights})
    sums = frame.groupby("year")[["lw", "w"]].sum()
    return (sums["lw"] / sums["w"]).rename("service_mean")


def display_difference(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray,
                       claim: Claim) -> pd.Series | np.ndarray:
    """``a - b`` in the claim's display unit (relative to ``b`` in % when ``factor`` is None)."""
    if claim.factor is None:
        return 100 * (a - b) / b
    return (a - b) * claim.factor


__all__ = ["CLAIMS", "SERVICE_COLUMNS", "SERVICE_DOMAINS", "Claim", "display_difference",
           "service_mean"]
