"""Verdicts with a practical threshold: holds, fails, negligible or undecided.

In each world a claim's effect (a lever's main effect, :mod:`brief_claims.design`) is
estimated from the world's replicate seeds: their mean, with an interval from the world's
own seed spread moderated towards the spread of all worlds (:func:`moderated_sd`, the
empirical Bayes variances of Smyth 2004). A world's two or three seeds alone give an
unstable spread; one spread pooled over all worlds (the rule until 2026-12-07) lends a
noisy world the quiet worlds' precision, and its verdict then rests on that loan. The
moderation weighs the two by how much the worlds' spreads differ beyond what their
few seeds explain: as one pooled spread when they do not, as each world's own when they
differ a lot. With ``delta`` the smallest effect that matters (the claim's
``threshold``), a world's verdict is, in this order:

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
from scipy import special, stats

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


def _trigamma_inverse(x: float) -> float:
    """y with trigamma(y) = x (Newton's method, as limma's ``trigammaInverse``)."""
    if x > 1e7:
        return 1.0 / math.sqrt(x)
    if x < 1e-6:
        return 1.0 / x
    y = 0.5 + 1.0 / x
    for _ in range(50):
        tri = float(special.polygamma(1, y))
        step = tri * (1.0 - tri / x) / float(special.polygamma(2, y))
        y += step
        if -step / y < 1e-8:
            break
    return y


def moderated_sd(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Per world: its seeds' spread of the effect moderated towards all worlds' (``sd``)
    and the interval's degrees of freedom (``df``); attrs ``prior_df`` and ``prior_sd``.

    The worlds' sample variances s2 (d = seeds - 1 degrees of freedom each) are taken as
    draws of s0^2 x F(d, d0): ``d0`` (the prior's degrees of freedom) and ``s0`` are fitted
    to them by moments of log s2 (Smyth 2004, "Linear models and empirical Bayes methods
    for assessing differential expression", Stat. Appl. Genet. Mol. Biol. 3(1), limma's
    ``fitFDist``), and each world's variance is (d0 s0^2 + d s2) / (d0 + d), with d0 + d
    degrees of freedom (at most the pooled d's). Worlds whose spreads differ no more than
    their few seeds explain get d0 = inf: one common spread; the more they differ, the
    smaller d0 and the more each world keeps its own. A world with one seed gets s0, d0."""
    g = per_seed.groupby("world")["effect"]
    d = (g.count() - 1).clip(lower=0).astype(float)
    s2 = g.var(ddof=1).where(d > 0)
    has = s2.notna()
    pooled_df = float(d[has].sum())
    out = pd.DataFrame({"sd": np.nan, "df": 0.0}, index=d.index)
    out.attrs.update(prior_df=math.nan, prior_sd=math.nan)
    if not has.any():
        return out
    x = s2[has].to_numpy(float)
    dd = d[has].to_numpy(float)
    median = float(np.median(x))
    x = np.maximum(x, 1e-5 * (median if median > 0 else 1.0))  # limma's guard against log(0)
    e = np.log(x) - special.digamma(dd / 2) + np.log(dd / 2)
    e_mean = float(e.mean())
    e_var = (float(e.var(ddof=1)) if len(e) > 1 else 0.0) - float(special.polygamma(1, dd / 2).mean())
    if e_var > 0:
        d0 = 2.0 * _trigamma_inverse(e_var)
        s0_2 = math.exp(e_mean + special.digamma(d0 / 2) - math.log(d0 / 2))
        var = (d0 * s0_2 + d * s2.fillna(0.0)) / (d0 + d)
        df = np.minimum(d0 + d, pooled_df)
    else:
        d0, s0_2 = math.inf, math.exp(e_mean)
        var = pd.Series(s0_2, index=d.index)
        df = pd.Series(pooled_df, index=d.index)
    out["sd"], out["df"] = np.sqrt(var), df
    out.attrs.update(prior_df=d0, prior_sd=math.sqrt(s0_2))
    return out


def world_verdicts(per_seed: pd.DataFrame, claim: LeverClaim, sd: float | None = None,
                   df: int | None = None, level: float = 0.95) -> pd.DataFrame:
    """One row per world: ``mean`` effect, interval ``low``..``high`` (metric units),
    ``half`` its half-width, ``n_seeds`` and ``verdict``; attr ``prior_df``. ``sd``/``df``: one seed spread
    for every world (None: each world's moderated spread, :func:`moderated_sd`)."""
    g = per_seed.groupby("world")["effect"]
    frame = pd.DataFrame({"mean": g.mean(), "n_seeds": g.count()})
    if sd is None:
        spread = moderated_sd(per_seed)
        sd_w, df_w = spread["sd"], spread["df"]
        prior_df = spread.attrs["prior_df"]
    else:
        sd_w, df_w = pd.Series(sd, index=frame.index), pd.Series(df or 0, index=frame.index)
        prior_df = math.inf
    t = pd.Series(np.where(df_w > 0, stats.t.ppf(0.5 + level / 2, df_w.clip(lower=1)), np.inf),
                  index=frame.index)
    half = (t * sd_w / np.sqrt(frame["n_seeds"])).fillna(np.inf)
    frame["half"] = half
    frame["low"], frame["high"] = frame["mean"] - half, frame["mean"] + half
    delta = claim.threshold
    signed_low = np.where(claim.sign > 0, frame["low"], -frame["high"])
    signed_high = np.where(claim.sign > 0, frame["high"], -frame["low"])
    verdict = np.where((frame["low"] > -delta) & (frame["high"] < delta), "negligible",
                       np.where(signed_low > 0, "holds",
                                np.where(signed_high < 0, "fails", "undecided")))
    frame["verdict"] = verdict
    out = frame.reset_index()
    out.attrs["prior_df"] = prior_df  # the moderation's prior degrees of freedom (inf: one spread)
    return out


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
            v = world_verdicts(per_seed, c)
            n = len(v)
            row = {"claim": c.label, "key": c.key, "lever": c.lever, "outcome": c.metric,
                   "year": int(year), "n_worlds": n, "unit": c.unit, "factor": c.factor,
                   "sign": c.sign,
                   "threshold": display(c.threshold, c), "seed_sd": display(sd, c),
                   "seeds_per_world": int(v["n_seeds"].median()),
                   # how far the worlds' spreads share one (inf: one common spread)
                   "prior_df": v.attrs["prior_df"],
                   # the worlds whose interval is narrow enough for "negligible" at all
                   "share_negligible_reachable": float((v["half"] < c.threshold).mean()) if n else math.nan}
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
