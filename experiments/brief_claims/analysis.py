"""From per-run outcomes to the study's answers: where each claim holds, and why not.

Every function here is pure (frames in, frames out). Verdicts (holds, fails, negligible,
undecided) are :mod:`brief_claims.verdicts`'; here, on the *decided* worlds only (holds
or fails), scenario discovery (PRIM, ema_workbench) describes the worlds where a claim
fails as a box of assumptions, feature scores rank the assumptions and the break-even
value of the top one is where the share holding crosses 50 %; interactions say how far a
lever's effect depends on the others; regret compares every run of a world (the design's
cells and the named scenarios) with the best in the same world.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from brief_claims import design as factorial

#: Fewest worlds for feature scores and break-even values (trees on fewer say nothing).
MIN_SCORED = 6
#: Fewest worlds on each side (holds and fails) for a PRIM box, feature scores or a
#: break-even value: a box around one failing world always scores coverage and density 1
#: (until 2026-12-07 one was published, for a claim failing in 1 of 17 decided worlds).
MIN_EACH_SIDE = 5
#: Regret outcomes: metric -> sign (+1 higher is better, -1 lower is better).
REGRET_METRICS = {
    "welfare_krw_total": +1, "output": +1, "felt_benefit_paired": +1,
    "urban_rural_qol_gap": -1, "capital_region_share": -1, "jeonbuk_population": +1,
    "service_mean": +1,
}


def prim_box(x: pd.DataFrame, y: np.ndarray, threshold: float = 0.8,
             mass_min: float = 0.05) -> dict[str, Any] | None:
    """PRIM (ema_workbench) on ``y`` (True where the claim fails): the peeling trajectory
    and the chosen box, the one of greatest coverage among those at least ``threshold``
    dense (else the one with the best coverage x density). None when ``y`` is all one
    value (nothing to tell apart) or there are too few cases."""
    y = np.asarray(y, dtype=bool)
    if len(y) < 4 or y.all() or not y.any():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        data = x.reset_index(drop=True).astype(float)
        if "threshold" in inspect.signature(prim.Prim).parameters:  # ema_workbench 2.5
            box = prim.Prim(data, y, threshold=threshold, mass_min=mass_min).find_box()
            traj = box.peeling_trajectory.copy()
        else:  # 3.0 has no threshold: a box less dense than it is 2.5's "dump box", the
            # whole space (box 0 alone), so both releases report the same box
            box = prim.Prim(data, y, mass_min=mass_min).find_box()
            traj = box.peeling_trajectory.copy()
            if float(traj["mean"].iloc[-1]) < threshold:
                traj = traj.iloc[:1]
    dense = traj[traj["density"] >= threshold]
    if len(dense):
        chosen = int(dense.sort_values(["coverage", "density"], ascending=False).index[0])
    else:
        chosen = int((traj["coverage"] * traj["density"]).idxmax())
    lims = box.box_lims[chosen]
    full = box.box_lims[0]
    restricted = [c for c in x.columns if (lims[c].iloc[0] > full[c].iloc[0])
                  or (lims[c].iloc[1] < full[c].iloc[1])]
    qp = {}
    try:  # quasi-p values (Bryant & Lempert 2010) per restricted side; -1: side not restricted
        raw = box._calculate_quasi_p(chosen, restricted) if restricted else {}
        qp = {c: max([float(v) for v in vals if v >= 0], default=math.nan) for c, vals in raw.items()}
    except Exception:  # a courtesy: the box stands without them
        qp = {}
    point = traj.loc[chosen]
    return {
        "n": int(len(y)), "n_fail": int(y.sum()), "threshold": threshold, "chosen": chosen,
        "coverage": float(point["coverage"]), "density": float(point["density"]),
        "mass": float(point["mass"]), "res_dim": int(point["res_dim"]),
        "limits": {c: [float(lims[c].iloc[0]), float(lims[c].iloc[1])] for c in restricted},
        "range": {c: [float(full[c].iloc[0]), float(full[c].iloc[1])] for c in x.columns},
        "quasi_p": qp,
        "trajectory": traj[["coverage", "density", "mass", "res_dim"]].astype(float)
                      .to_dict(orient="records"),
    }


def prim_rows(label: str, outcome: str, year: int, result: dict[str, Any] | None) -> list[dict]:
    """The rows of prim_boxes.csv for one claim: one per restricted dimension of the box."""
    if result is None:
        return []
    common = {"claim": label, "outcome": outcome, "year": year, "box": result["chosen"],
              "coverage": result["coverage"], "density": result["density"],
              "mass": result["mass"], "n_worlds": result["n"], "n_fail": result["n_fail"]}
    if not result["limits"]:
        return [common | {"parameter": "", "low": math.nan, "high": math.nan,
                          "range_low": math.nan, "range_high": math.nan, "quasi_p": math.nan}]
    return [common | {"parameter": c, "low": lo, "high": hi,
                      "range_low": result["range"][c][0], "range_high": result["range"][c][1],
                      "quasi_p": result["quasi_p"].get(c, math.nan)}
            for c, (lo, hi) in result["limits"].items()]


# ------------------------------------------------------------------ feature scores
def feature_scores(x: pd.DataFrame, holds: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Per parameter: an extra-trees importance (ema_workbench.analysis.feature_scoring,
    classification of holds/fails; 0-1, summing to 1) and the regional-sensitivity
    statistic (two-sample Kolmogorov-Smirnov distance between the parameter's values in
    worlds where the claim holds and where it fails, with its p-value)."""
    from scipy.stats import ks_2samp

    holds = np.asarray(holds, dtype=bool)
    cols = list(x.columns)
    if holds.all() or not holds.any():
        return pd.DataFrame({"parameter": cols, "score": np.nan, "ks": np.nan, "ks_p": np.nan})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis.feature_scoring import RuleInductionType, get_ex_feature_scores

        scores, _ = get_ex_feature_scores(x.reset_index(drop=True).astype(float),
                                             holds.astype(int),
                                             mode=RuleInductionType.CLASSIFICATION,
                                             # ema_workbench's default, int(0.6 x features),
                                             # is 0 for a one-parameter space
                                             max_features=max(1, int(0.6 * len(cols))),
                                             random_state=seed)
    score = scores.iloc[:, 0].reindex(cols)
    ks = [ks_2samp(x.loc[holds, c], x.loc[~holds, c]) for c in cols]
    return pd.DataFrame({"parameter": cols, "score": score.to_numpy(dtype=float),
                         "ks": [r.statistic for r in ks], "ks_p": [r.pvalue for r in ks]})


# ------------------------------------------------------------------ break-even
def logistic_fit(v: np.ndarray, holds: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood (b0, b1) of P(holds) = 1 / (1 + exp(-(b0 + b1 v))), with a
    small ridge so that a perfectly separated sample still gives a finite fit."""
    from scipy.optimize import minimize

    v = np.asarray(v, dtype=float)
    y = np.asarray(holds, dtype=float)
    mu, sd = v.mean(), v.std() or 1.0
    z = (v - mu) / sd

    def nll(b):
        eta = b[0] + b[1] * z
        return float(np.sum(np.logaddexp(0, eta) - y * eta) + 1e-3 * (b @ b))

    b = minimize(nll, np.zeros(2), method="BFGS").x
    return float(b[0] - b[1] * mu / sd), float(b[1] / sd)


def break_even(v: np.ndarray, holds: np.ndarray, bins: int = 5) -> dict[str, float]:
    """Where the share of worlds holding crosses 50 % along one parameter: from a logistic
    fit (``logistic``: -b0/b1, NaN outside the sampled range) and from quantile bins
    (``binned``: linear interpolation between the first adjacent bins whose shares
    straddle 50 %, NaN if none do). ``slope`` > 0: the claim holds more often above."""
    v = np.asarray(v, dtype=float)
    holds = np.asarray(holds, dtype=bool)
    lo, hi = float(v.min()), float(v.max())
    b0, b1 = logistic_fit(v, holds)
    x50 = -b0 / b1 if b1 != 0 else math.nan
    if not lo <= x50 <= hi:
        x50 = math.nan
    edges = np.unique(np.quantile(v, np.linspace(0, 1, bins + 1)))
    binned = math.nan
    if len(edges) > 2:
        idx = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)
        filled = [i for i in range(len(edges) - 1) if (idx == i).any()]
        centres = np.array([v[idx == i].mean() for i in filled])
        shares = np.array([holds[idx == i].mean() for i in filled])
        for i in range(len(shares) - 1):
            s0, s1 = shares[i] - 0.5, shares[i + 1] - 0.5
            if s0 == 0:
                binned = float(centres[i])
                break
            if s0 * s1 < 0:
                binned = float(centres[i] + (centres[i + 1] - centres[i]) * s0 / (s0 - s1))
                break
    return {"logistic": x50, "binned": binned, "slope": b1, "low": lo, "high": hi}


# ------------------------------------------------------------------ regret
def regret(outcomes: pd.DataFrame, year: int,
           metrics: dict[str, int] = REGRET_METRICS) -> pd.DataFrame:
    """Per scenario and metric: regret in each world is how far the scenario falls short
    of the best scenario of that world (0 for the best; in the metric's own units), and
    the table gives its maximum, mean and 90th percentile across worlds and marks the
    scenario of least maximum regret (``minimax``)."""
    from brief_claims.verdicts import MONEY_METRICS, money_valid_worlds

    at_year = outcomes[outcomes["year"] == year]
    rows = []
    for metric, sign in metrics.items():
        at = at_year
        if metric not in at.columns:
            continue
        if metric in MONEY_METRICS and "cell" in at.columns:  # only where money means something
            at = at[at["world"].isin(money_valid_worlds(outcomes, year))]
        label = "cell" if "cell" in at.columns else "scenario"
        wide = at.pivot_table(index="world", columns=label, values=metric, aggfunc="first")
        wide = wide.dropna()
        if wide.empty:
            continue
        signed = sign * wide
        reg = signed.max(axis=1).to_numpy()[:, None] - signed
        table = pd.DataFrame({
            "metric": metric, "year": int(year), label: reg.columns,
            "max_regret": reg.max().to_numpy(), "mean_regret": reg.mean().to_numpy(),
            "p90_regret": reg.quantile(0.9).to_numpy(),
            "share_best": (reg == 0).mean().to_numpy(), "n_worlds": len(reg),
        })
        table["minimax"] = table["max_regret"] == table["max_regret"].min()
        rows.append(table.sort_values("max_regret"))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def interaction_table(outcomes: pd.DataFrame, d: factorial.Design,
                      years: Sequence[int]) -> pd.DataFrame:
    """Per claim's outcome, year and pair of levers: the two-factor interaction (mean over
    worlds and seeds, metric units) beside the main effects of the pair, so a reader sees
    whether a lever's effect depends on another (aliased pairs in a half fraction).
    Outcomes in money count only the worlds where money means something, as the claims
    and the regret do (:func:`brief_claims.verdicts.money_valid_worlds`): one world whose
    welfare is millions of incomes would otherwise be the whole mean."""
    from brief_claims.verdicts import MONEY_METRICS, money_valid_worlds

    rows = []
    for year in years:
        at_year = outcomes[outcomes["year"] == year]
        valid = money_valid_worlds(outcomes, year)
        for metric in dict.fromkeys(c.metric for c in d.claims):
            at = at_year[at_year["world"].isin(valid)] if metric in MONEY_METRICS else at_year
            if metric not in at.columns:
                continue
            main = factorial.effects(at, d, metric, by=("world", "seed")).mean(numeric_only=True)
            inter = factorial.interactions(at, d, metric, by=("world", "seed"))
            for pair in [c for c in inter.columns if ":" in c]:
                a, b = pair.split(":")
                rows.append({"outcome": metric, "year": int(year), "pair": pair,
                             "interaction": float(inter[pair].mean()),
                             "interaction_sd": float(inter[pair].std(ddof=1)),
                             "main_a": float(main[a]), "main_b": float(main[b]),
                             "aliased_with": _alias(d, pair)})
    return pd.DataFrame(rows)


def _alias(d: factorial.Design, pair: str) -> str:
    """The pair a two-factor interaction is aliased with in a half fraction ("" if none)."""
    names = [f.name for f in d.factors]
    if d.fraction != "half" or len(names) != 4:
        return ""
    rest = [n for n in names if n not in pair.split(":")]
    return ":".join(rest)


def discover(verdicts: pd.DataFrame, worlds: pd.DataFrame, params: Sequence[str],
             threshold: float = 0.8, seed: int = 0,
             bounds: dict[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    """For each claim, on the worlds where it is decided (holds or fails): the PRIM box of
    the failing worlds, feature scores and the break-even value of the top-scored
    assumption. ``verdicts`` has one row per world and claim (one year)."""
    prim_out, boxes, scores, breakeven = {}, [], [], []
    if verdicts.empty:
        return {"prim": {}, "boxes": pd.DataFrame(), "scores": pd.DataFrame(),
                "breakeven": pd.DataFrame()}
    x_all = worlds.set_index("world")[list(params)]
    year = int(verdicts["year"].iloc[0])
    for label, g in verdicts.groupby("claim", sort=False):
        decided = g[g["verdict"].isin(["holds", "fails"])]
        x = x_all.loc[decided["world"].to_numpy()]
        holds = (decided["verdict"] == "holds").to_numpy()
        enough = min(int(holds.sum()), int((~holds).sum())) >= MIN_EACH_SIDE
        result = prim_box(x, ~holds, threshold=threshold) if enough else None
        if result is not None and bounds:
            result["range"] |= {k: [float(lo), float(hi)] for k, (lo, hi) in bounds.items()
                                if k in result["range"]}
        key = str(g["key"].iloc[0])
        status = ("no decided world" if not len(decided) else "holds in every decided world"
                  if holds.all() else "fails in every decided world" if not holds.any()
                  else f"fewer than {MIN_EACH_SIDE} decided worlds hold or fail")
        prim_out[label] = ({"key": key, "year": year, "status": "box"} | result
                           if result is not None else
                           {"key": key, "year": year, "n": int(len(holds)),
                            "n_fail": int((~holds).sum()), "status": status})
        boxes += prim_rows(label, key, year, result)
        fs = (feature_scores(x, holds, seed=seed) if len(holds) >= MIN_SCORED and enough else
              pd.DataFrame({"parameter": list(x.columns), "score": np.nan, "ks": np.nan,
                            "ks_p": np.nan}))
        scores.append(fs.assign(claim=label, key=key, year=year))
        if fs["score"].notna().any():
            top = str(fs.sort_values("score", ascending=False)["parameter"].iloc[0])
            be = break_even(x[top].to_numpy(), holds)
            breakeven.append({"claim": label, "key": key, "year": year, "parameter": top,
                              "breakeven_logistic": be["logistic"],
                              "breakeven_binned": be["binned"],
                              "holds_more": "above" if be["slope"] > 0 else "below",
                              "range_low": be["low"], "range_high": be["high"],
                              "share_holds_of_decided": float(holds.mean())})
    score_frame = pd.concat(scores, ignore_index=True) if scores else pd.DataFrame()
    if len(score_frame):
        score_frame = score_frame[["claim", "key", "year", "parameter", "score", "ks", "ks_p"]]
    return {"prim": prim_out, "boxes": pd.DataFrame(boxes), "scores": score_frame,
            "breakeven": pd.DataFrame(breakeven)}
