"""Verdicts with a practical threshold: holds, fails, negligible or undecided.

In each world a claim's effect (a lever's main effect, :mod:`brief_claims.design`) is
estimated from the world's replicate seeds: their mean, with an interval from the seeds'
spread pooled over all worlds (every world is a noise-floor measurement at its own
assumptions; pooling r - 1 degrees of freedom from each gives a stable spread where a
world's own two or three seeds would not). With ``delta`` the smallest effect that
matters (the claim's ``threshold``), a world's verdict is, in this order:

* **negligible**: the whole interval lies within (-delta, +delta): the lever changes the
  outcome by less than matters, whichever way;
* **holds**: the interval lies on the claim's side of zero;
* **fails**: the interval lies on the other side;
* **undecided**: the interval straddles zero and reaches beyond delta: more seeds (or a
  finer scale) would decide it.

This is the logic of equivalence testing (two one-sided tests, Lakens 2017), with the
interval at 95 %. The shares of worlds in each verdict get Wilson intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from brief_claims.design import Design, LeverClaim, display, effects

VERDICTS = ("holds", "fails", "negligible", "undecided")


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval of a binomial share ``k / n`` (95 % by default)."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (0.0 if k == 0 else max(0.0, centre - half), 1.0 if k == n else min(1.0, centre + half))


#: Outcomes in money that rest on the welfare measure's money coefficient.
MONEY_METRICS = ("welfare_krw_total", "npv_krw_paired", "cost_effectiveness_paired")
#: The welfare measure's domain: the twin's welfare change against the start within this
#: many times the household income it is measured on.
WELFARE_DOMAIN = 1.0
BASELINE = "no_investment"


def money_valid_worlds(outcomes: pd.DataFrame, year: int) -> set:
    """Worlds whose welfare in money means something in ``year``: every seed's twin has a
    welfare change against the start within +-WELFARE_DOMAIN x its household income.

    The exact compensating variation is ``income x (exp(du / money) - 1)``; with a money
    coefficient (``beta_wage``) near zero, as in accepted sets where wages hardly move
    anybody while employment does, a utility change of a fraction of a point becomes
    hundreds of incomes, and the paired difference of two such numbers is noise. Such a
    world says nothing in money; its welfare verdicts are left out (and counted)."""
    twin = outcomes[(outcomes["year"] == year) & (outcomes["cell"] == BASELINE)]
    if "welfare_income_krw" not in twin or "welfare_krw_total" not in twin:
        return set(outcomes["world"])
    ratio = (twin["welfare_krw_total"] / twin["welfare_income_krw"]).abs()
    ok = (ratio <= WELFARE_DOMAIN).groupby(twin["world"]).all()
    return set(ok.index[ok])


def claim_effects(outcomes: pd.DataFrame, design: Design, claim: LeverClaim,
                  year: int) -> pd.DataFrame:
    """Per world and seed: the claim's effect in ``year`` (metric units); claims in money
    only in the worlds where money means something (:func:`money_valid_worlds`)."""
    at = outcomes[outcomes["year"] == year]
    if claim.metric in MONEY_METRICS:
        at = at[at["world"].isin(money_valid_worlds(outcomes, year))]
    if claim.metric not in at.columns:
        return pd.DataFrame(columns=["world", "seed", "effect"])
    eff = effects(at, design, claim.metric, by=("world", "seed"))
    if claim.lever not in eff.columns:
        return pd.DataFrame(columns=["world", "seed", "effect"])
    return eff[["world", "seed", claim.lever]].rename(columns={claim.lever: "effect"})


def pooled_sd(per_seed: pd.DataFrame) -> tuple[float, int]:
    """The seeds' spread of the effect pooled over worlds (sd, degrees of freedom)."""
    g = per_seed.groupby("world")["effect"]
    n = g.count()
    ss = g.var(ddof=1).fillna(0.0) * (n - 1)
    df = int((n - 1).clip(lower=0).sum())
    return (math.sqrt(float(ss.sum()) / df) if df > 0 else math.nan), df


def world_verdicts(per_seed: pd.DataFrame, claim: LeverClaim, sd: float | None = None,
                   df: int | None = None, level: float = 0.95) -> pd.DataFrame:
    """One row per world: ``mean`` effect, interval ``low``..``high`` (metric units),
    ``n_seeds`` and ``verdict``. ``sd``/``df``: the seeds' spread (pooled over the
    worlds of ``per_seed`` when None)."""
    if sd is None:
        sd, df = pooled_sd(per_seed)
    g = per_seed.groupby("world")["effect"]
    frame = pd.DataFrame({"mean": g.mean(), "n_seeds": g.count()})
    t = stats.t.ppf(0.5 + level / 2, df) if df and df > 0 else math.inf
    half = t * sd / np.sqrt(frame["n_seeds"]) if math.isfinite(sd) else math.inf
    frame["low"], frame["high"] = frame["mean"] - half, frame["mean"] + half
    delta = claim.threshold
    signed_low = np.where(claim.sign > 0, frame["low"], -frame["high"])
    signed_high = np.where(claim.sign > 0, frame["high"], -frame["low"])
    verdict = np.where((frame["low"] > -delta) & (frame["high"] < delta), "negligible",
                       np.where(signed_low > 0, "holds",
                                np.where(signed_high < 0, "fails", "undecided")))
    frame["verdict"] = verdict
    return frame.reset_index()


def claims_table(outcomes: pd.DataFrame, design: Design, years: Sequence[int]) -> pd.DataFrame:
    """One row per claim and year: the share of worlds in each verdict (with Wilson
    intervals), the seeds' pooled spread, the distribution of the world means (display
    units) and the claim's definition."""
    rows = []
    for year in years:
        for c in design.claims:
            per_seed = claim_effects(outcomes, design, c, year)
            if per_seed.empty:
                continue
            sd, df = pooled_sd(per_seed)
            v = world_verdicts(per_seed, c, sd, df)
            n = len(v)
            row = {"claim": c.label, "key": c.key, "lever": c.lever, "outcome": c.metric,
                   "year": int(year), "n_worlds": n, "unit": c.unit, "factor": c.factor,
                   "sign": c.sign,
                   "threshold": display(c.threshold, c), "seed_sd": display(sd, c),
                   "seeds_per_world": int(v["n_seeds"].median())}
            for name in VERDICTS:
                k = int((v["verdict"] == name).sum())
                low, high = wilson(k, n)
                row |= {f"share_{name}": k / n if n else math.nan,
                        f"{name}_ci_low": low, f"{name}_ci_high": high}
            means = display(v["mean"].to_numpy(), c)
            row |= {"effect_p05": float(np.quantile(means, 0.05)),
                    "effect_median": float(np.median(means)),
                    "effect_p95": float(np.quantile(means, 0.95))}
            rows.append(row)
    return pd.DataFrame(rows)


def verdict_frame(outcomes: pd.DataFrame, design: Design, year: int) -> pd.DataFrame:
    """Every world's verdict on every claim in ``year`` (long: world, claim key, label,
    mean, low, high, verdict), for scenario discovery and the report."""
    out = []
    for c in design.claims:
        per_seed = claim_effects(outcomes, design, c, year)
        if per_seed.empty:
            continue
        v = world_verdicts(per_seed, c)
        out.append(v.assign(claim=c.label, key=c.key, year=int(year)))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()
