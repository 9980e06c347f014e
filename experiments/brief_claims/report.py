"""The study's written results, made from its tables only.

    python experiments/brief_claims/report.py docs/study            # docs/results.md + figures
    python experiments/brief_claims/report.py multirun/brief_claims --out report.md

Everything here reads the compact tables a study writes (``claims.csv``,
``verdicts.csv``, ``interactions.csv``, ``prim_boxes.csv``, ``feature_scores.csv``,
``breakeven.csv``, ``regret.csv``, ``worlds.csv``, ``outcomes.parquet``,
``settings.json``, ``timing.json``, and, where they exist, ``dose.csv`` and
``noise_floor.csv``), so the page is regenerated from committed tables by one command
and says the git revision it was made at.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT / "experiments", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from brief_claims.verdicts import VERDICTS  # noqa: E402

COLOURS = {"holds": "#1a9850", "fails": "#d73027", "negligible": "#bdbdbd",
           "undecided": "#fee08b"}
#: Display of the regret metrics: metric -> (label, factor).
REGRET_DISPLAY = {
    "welfare_krw_total": ("welfare, KRW B/yr", 1e-9), "output": ("output, KRW T/yr", 1e-12),
    "felt_benefit_paired": ("felt benefit vs twin, pp", 100),
    "urban_rural_qol_gap": ("urban-rural gap, QoL pts", 1),
    "capital_region_share": ("capital-region share, pp", 100),
    "jeonbuk_population": ("Jeonbuk, thousand", 1e-3), "service_mean": ("service, index pts", 1),
}


# ------------------------------------------------------------------------ helpers
def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


def textwrap(text: str, width: int) -> str:
    import textwrap as tw

    return "\n".join(tw.wrap(text, width))


def md_table(frame: pd.DataFrame, floatfmt: str = ".3g") -> str:
    """A markdown table of a small frame."""
    def cell(v: Any) -> str:
        if isinstance(v, float | np.floating):
            return "n/a" if not math.isfinite(v) else format(float(v), floatfmt)
        return str(v)

    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def read_tables(folder: Path) -> dict[str, Any]:
    """The study's tables in ``folder`` (missing optional ones are empty frames)."""
    folder = Path(folder)
    out: dict[str, Any] = {}
    for name in ("claims", "verdicts", "interactions", "prim_boxes", "feature_scores",
                 "breakeven", "regret", "worlds", "dose", "noise_floor"):
        path = folder / f"{name}.csv"
        out[name] = pd.read_csv(path) if path.exists() and path.stat().st_size > 1 else pd.DataFrame()
    path = folder / "outcomes.parquet"
    out["outcomes"] = pd.read_parquet(path) if path.exists() else pd.DataFrame()
    for name in ("settings", "timing"):
        path = folder / f"{name}.json"
        out[name] = json.loads(path.read_text()) if path.exists() else {}
    return out


# ------------------------------------------------------------------------ figures
def verdict_figure(claims: pd.DataFrame, year: int):
    """Per claim: the shares of worlds where it holds, fails, is negligible or undecided."""
    from sim.plots import subplots

    t = claims[claims["year"] == year].iloc[::-1]
    fig, ax = subplots(figsize=(11, 0.5 * len(t) + 1.8))
    y = np.arange(len(t))
    left = np.zeros(len(t))
    for v in VERDICTS:
        share = t[f"share_{v}"].to_numpy(dtype=float) * 100
        ax.barh(y, share, left=left, color=COLOURS[v], label=v, edgecolor="white")
        for yi, (lft, s) in enumerate(zip(left, share, strict=True)):
            if s >= 8:
                ax.text(lft + s / 2, yi, f"{s:.0f}", ha="center", va="center", fontsize=8)
        left += share
    ax.set_yticks(y, [textwrap(s, 62) for s in t["claim"]], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of the worlds that fit the data, %")
    ax.legend(ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.12 if len(t) > 6 else -0.2),
              fontsize=9, frameon=False)
    ax.set_title(f"The brief's claims as lever effects: verdicts across worlds, {year}")
    fig.tight_layout()
    return fig


def effects_figure(verdicts: pd.DataFrame, claims: pd.DataFrame, year: int):
    """Per claim: each world's mean effect with its interval (display units), the band of
    effects too small to matter shaded."""
    from sim.plots import subplots

    t = claims[claims["year"] == year]
    n = len(t)
    fig, axes = subplots(n, 1, figsize=(10, 1.25 * n + 1), squeeze=False)
    for ax, row in zip(axes[:, 0], t.itertuples(), strict=True):
        v = verdicts[(verdicts["claim"] == row.claim) & (verdicts["year"] == year)]
        scale = row.factor  # verdicts are in the outcome's units, claims.csv in display units
        x = v.sort_values("mean")
        xs = np.arange(len(x))
        ax.axhspan(-row.threshold, row.threshold, color="#eeeeee")
        ax.axhline(0, color="grey", lw=0.6)
        ax.vlines(xs, x["low"] * scale, x["high"] * scale, color=[COLOURS[c] for c in x["verdict"]],
                  lw=1.2)
        ax.scatter(xs, x["mean"] * scale, s=6, color="black", zorder=3)
        ax.set_xticks([])
        ax.set_ylabel(row.unit, fontsize=8)
        ax.set_title(textwrap(row.claim, 110), fontsize=8, loc="left")
    fig.suptitle(f"Each world's effect (mean of its seeds, 95 % interval), {year}; grey band: "
                 "too small to matter", fontsize=10)
    fig.tight_layout()
    return fig


def dose_figure(dose: pd.DataFrame):
    """Each claim's effect (display units) against the annual budget, the threshold marked."""
    from sim.plots import subplots

    claims = list(dict.fromkeys(dose["claim"]))
    fig, axes = subplots(len(claims), 1, figsize=(8, 1.6 * len(claims) + 1), squeeze=False,
                         sharex=True)
    for ax, label in zip(axes[:, 0], claims, strict=True):
        g = dose[dose["claim"] == label].sort_values("budget_krw")
        b = g["budget_krw"] / 1e12
        ax.fill_between(b, g["low"], g["high"], color="#9ecae1", alpha=0.6)
        ax.plot(b, g["effect"], "o-", color="#08519c", ms=3)
        thr = float(g["threshold"].iloc[0])
        ax.axhspan(-thr, thr, color="#eeeeee", zorder=0)
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_xscale("log")
        ax.set_ylabel(str(g["unit"].iloc[0]), fontsize=8)
        ax.set_title(textwrap(label, 100), fontsize=8, loc="left")
    axes[-1, 0].set_xlabel("national budget, KRW trillion a year (log scale)")
    fig.suptitle("Dose-response: each claim's effect against the budget (grey: too small to "
                 "matter)", fontsize=10)
    fig.tight_layout()
    return fig


def noise_figure(noise: pd.DataFrame):
    """The seeds' spread of each claim's effect (in thresholds) against the scale."""
    from sim.plots import subplots

    fig, ax = subplots(figsize=(8, 4.5))
    for label, g in noise.groupby("claim", sort=False):
        g = g.sort_values("scale")
        ax.plot(g["scale"], g["half_width_in_thresholds"], "o-", label=textwrap(label, 50))
    ax.axhline(1, color="red", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("scale (households per agent)")
    ax.set_ylabel("interval half-width / threshold")
    ax.legend(fontsize=6, ncol=2)
    ax.set_title("Noise floor: the 95 % half-width of a world's effect with the study's seeds")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------ text
def claims_section(claims: pd.DataFrame, year: int) -> str:
    t = claims[claims["year"] == year]
    rows = pd.DataFrame({
        "claim": t["claim"],
        **{v: [f"{s:.0%} [{lo:.0%}, {hi:.0%}]" for s, lo, hi in
               zip(t[f"share_{v}"], t[f"{v}_ci_low"], t[f"{v}_ci_high"], strict=True)]
           for v in VERDICTS},
        "effect: median [5 %, 95 %] of worlds": [
            f"{m:+.3g} [{a:+.3g}, {b:+.3g}] {u}" for m, a, b, u in
            zip(t["effect_median"], t["effect_p05"], t["effect_p95"], t["unit"], strict=True)],
        "threshold": [f"{x:.3g} {u}" for x, u in zip(t["threshold"], t["unit"], strict=True)],
        "seed sd": [f"{x:.2g}" for x in t["seed_sd"]],
    })
    return md_table(rows)


def undecided_notes(claims: pd.DataFrame, year: int) -> list[str]:
    """For each claim undecided in 10 % of worlds or more: the seeds that would decide
    a world whose effect lies at the threshold (interval half-width below it)."""
    out = []
    t = claims[claims["year"] == year]
    for r in t.itertuples():
        if r.share_undecided >= 0.10:
            need = math.ceil((1.96 * r.seed_sd / max(r.threshold, 1e-300)) ** 2)
            out.append(f"- **{r.claim}** is undecided in {r.share_undecided:.0%} of the worlds: "
                       f"with a seed spread of {r.seed_sd:.2g} {r.unit}, about {need} seeds a "
                       f"world (now {r.seeds_per_world}) would make the interval narrower "
                       f"than the threshold ({r.threshold:.3g} {r.unit}), or a finer scale.")
    return out


def regret_section(reg: pd.DataFrame) -> str:
    if reg.empty:
        return "No regret table."
    out = []
    label_col = "cell" if "cell" in reg.columns else "scenario"
    for (metric, year), g in reg.groupby(["metric", "year"], sort=False):
        label, factor = REGRET_DISPLAY.get(metric, (metric, 1.0))
        g = g.sort_values("max_regret").head(5)
        t = pd.DataFrame({"run": g[label_col], "max regret": g["max_regret"] * factor,
                          "mean regret": g["mean_regret"] * factor,
                          "best in": [f"{s:.0%}" for s in g["share_best"]]})
        out += [f"**{label}, {int(year)}** (the five of least maximum regret)", "",
                md_table(t), ""]
    return "\n".join(out)


def prim_section(boxes: pd.DataFrame, claims: pd.DataFrame) -> str:
    out = []
    if boxes.empty:
        return "No claim fails in enough decided worlds for a box."
    for label, g in boxes.groupby("claim", sort=False):
        rule = " and ".join(f"`{r.parameter.split('.', 1)[-1]}` in [{r.low:.3g}, {r.high:.3g}]"
                            for r in g.itertuples() if isinstance(r.parameter, str) and r.parameter)
        r0 = g.iloc[0]
        out.append(f"- **{label}**: fails in {int(r0['n_fail'])} of {int(r0['n_worlds'])} decided "
                   f"worlds; mostly where {rule or 'no restriction'} (coverage "
                   f"{r0['coverage']:.2f}, density {r0['density']:.2f})")
    return "\n".join(out)


def write_page(tables: dict[str, Any], out: Path, img_dir: Path, revision: str | None) -> str:
    """The results page (markdown) from the study's tables; figures into ``img_dir``."""
    from sim import io
    from sim.plots import save

    claims, verdicts = tables["claims"], tables["verdicts"]
    settings, timing = tables["settings"], tables["timing"]
    worlds = tables["worlds"]
    img_dir = Path(img_dir)
    import os

    def rel(p: Path) -> str:
        return Path(os.path.relpath(Path(p).resolve(), Path(out).resolve().parent)).as_posix()

    years = sorted(claims["year"].unique(), reverse=True) if len(claims) else []
    lines = [
        "# Results: what the model says about the brief's claims, and how sure it is",
        "",
        f"Made by `python experiments/brief_claims/report.py` from the committed study tables "
        f"at git revision `{revision or 'unknown'}`; every number below comes from those tables.",
        "",
        "## What was run",
        "",
        f"- **Worlds**: {settings.get('worlds', 'n/a')} sampled worlds (a Latin hypercube over "
        f"{settings.get('n_params', 'n/a')} contested beliefs of `{settings.get('space')}`; "
        f"behaviour drawn from `{settings.get('posterior')}`), of which "
        f"**{settings.get('worlds_fitting', 'n/a')}** keep their no-investment baseline inside "
        "the calibration's tolerance and enter the verdicts (`worlds.csv`, column `fits`).",
        f"- **One lever per claim**: a {settings.get('fraction')} two-level factorial of the "
        f"levers, every cell at the same budget: "
        + "; ".join(f"{k}: {lo} (2018) vs {hi} (brief)" for k, (lo, hi) in
                    settings.get("factors", {}).items())
        + f". Cells: {', '.join(settings.get('cells', []))}; named scenarios beside them: "
        f"{', '.join(settings.get('named', [])) or 'none'}.",
        f"- **Seeds**: {settings.get('replicates')} per world (every run of a world and seed "
        "shares its random numbers with its no-investment twin).",
        f"- **Runs**: `{' '.join(settings.get('base', []))}`, outcomes in "
        f"{', '.join(map(str, settings.get('years', [])))}; "
        f"{timing.get('runs_total', 'n/a')} runs in {_num(timing.get('wall_s'), '.0f')} s wall "
        f"({_num(timing.get('runs_per_hour'), '.0f')} runs an hour, efficiency "
        f"{_num(timing.get('efficiency'), '.2f')} on {settings.get('jobs')} cores).",
        "",
        "## How to read a verdict",
        "",
        "In each world a claim's effect is the lever's main effect (the mean of the design's "
        "cells with the brief's option minus the mean with the 2018 option, the other levers "
        "balanced), or, for *the package*, every lever the brief's way against every lever "
        "the 2018 way; its 95 % interval comes from the world's seeds with their spread "
        "pooled over all worlds. **negligible**: the whole interval lies within ± the "
        "threshold, the smallest effect that matters; **holds** / **fails**: the interval "
        "lies on the claimed / the other side of zero; **undecided**: neither. Shares of "
        "worlds carry Wilson 95 % intervals. The shares describe the box of assumptions "
        "sampled, not a probability of the real world.",
        "",
    ]
    if len(claims):
        thr = claims[claims["year"] == years[0]][["claim", "threshold", "unit"]]
        lines += ["| claim | smallest effect that matters |", "|---|---|"]
        lines += [f"| {r.claim} | {r.threshold:.3g} {r.unit} |" for r in thr.itertuples()]
        lines += ["", "(Why each threshold: `configs/study/brief_claims.yaml`, field `why`.)", ""]
    for y in years:
        lines += [f"## The claims in {y}", "", claims_section(claims, int(y)), ""]
        path = img_dir / f"verdicts_{y}.png"
        save(verdict_figure(claims, int(y)), path.with_suffix(""))
        lines += [f"![verdicts {y}]({rel(path)})", ""]
        if len(verdicts):
            path = img_dir / f"effects_{y}.png"
            save(effects_figure(verdicts, claims, int(y)), path.with_suffix(""))
            lines += [f"![effects {y}]({rel(path)})", ""]
        notes = undecided_notes(claims, int(y))
        if notes:
            lines += ["**What would decide the undecided worlds:**", "", *notes, ""]
    inter = tables["interactions"]
    if len(inter) and years:
        t = inter[inter["year"] == years[0]]
        t = t.assign(ratio=(t["interaction"].abs() / np.maximum(
            np.maximum(t["main_a"].abs(), t["main_b"].abs()), 1e-300)))
        lines += ["## Do the levers depend on each other?", "",
                  "Two-lever interactions (mean over worlds and seeds, the outcome's units) beside "
                  "the two main effects; in a half fraction each pair is aliased with the other "
                  "two levers' pair.", "",
                  md_table(t[["outcome", "pair", "aliased_with", "interaction", "main_a", "main_b",
                              "ratio"]].sort_values("ratio", ascending=False).head(12)), ""]
    lines += ["## Where the claims fail (on the decided worlds)", "",
              "PRIM (ema_workbench) on the worlds where a claim holds or fails (negligible and "
              "undecided worlds left out): the box of assumptions where it fails; "
              "`prim_boxes.csv`, `feature_scores.csv`, `breakeven.csv`.", "",
              prim_section(tables["prim_boxes"], claims), ""]
    be = tables["breakeven"]
    if len(be):
        t = pd.DataFrame({"claim": be["claim"], "assumption": be["parameter"],
                          "break-even": be["breakeven_logistic"],
                          "holds more": be["holds_more"],
                          "holds in (of decided)": [f"{s:.0%}" for s in be["share_holds_of_decided"]]})
        lines += ["Break-even values of the most important assumption (where the share of "
                  "decided worlds holding crosses 50 %):", "", md_table(t), ""]
    dose = tables["dose"]
    if len(dose):
        save(dose_figure(dose), img_dir / "dose")
        cross = dose.groupby("claim", sort=False)["crosses_at_krw"].first()
        lines += ["## How much would it take? Effects against the budget", "",
                  f"The design's effects at budgets from KRW 0.1 T to 5 T a year "
                  f"(`dose.csv`; {dose['note'].iloc[0] if 'note' in dose else ''}). The break-even "
                  "budget is the smallest at which the effect's interval clears the threshold on "
                  "either side.", "",
                  md_table(pd.DataFrame({"claim": cross.index, "break-even budget": [
                      f"KRW {v / 1e12:.2g} T a year" if math.isfinite(v) else "not within 5 T"
                      for v in cross.to_numpy(dtype=float)]})), "",
                  f"![dose-response]({rel(img_dir / 'dose.png')})", ""]
    noise = tables["noise_floor"]
    if len(noise):
        save(noise_figure(noise), img_dir / "noise_floor")
        lines += ["## The noise floor, and the scale chosen", "",
                  "The seeds' spread of each claim's effect at several scales, as the half-width "
                  "of a world's 95 % interval over the threshold (`noise_floor.csv`): below 1 the "
                  "study can call an effect at the threshold negligible or decided.", "",
                  f"![noise floor]({rel(img_dir / 'noise_floor.png')})", ""]
    lines += ["## Regret", "",
              "Per outcome, how far each run of a world (the design's cells and the named "
              "scenarios, mean of seeds) falls short of the best run of the same world.", "",
              regret_section(tables["regret"]), ""]
    if len(worlds) and "fits" in worlds:
        bad = worlds[~worlds["fits"].astype(bool)]
        lines += ["## Worlds outside the calibration's tolerance", "",
                  f"{len(bad)} of {len(worlds)} worlds' baselines leave the tolerance and are left "
                  "out of the verdicts" + (": " + ", ".join(str(int(w)) for w in bad["world"])
                                           if len(bad) else ".") , ""]
    lines += ["## Reproduce", "",
              "```bash",
              "python experiments/brief_claims/run.py --publish docs/study   # the study (about an hour)",
              "python experiments/brief_claims/dose.py --publish docs/study  # the budget sweep",
              "python experiments/brief_claims/report.py docs/study          # this page",
              "```", ""]
    text = "\n".join(lines)
    io.atomic_write(Path(out), lambda tmp: tmp.write_text(text))
    import matplotlib.pyplot as plt

    plt.close("all")
    return text


def write_report(sweep: Path, settings: dict[str, Any], timing: dict[str, Any]) -> str:
    """The study directory's own report.md (the same page, figures beside it)."""
    from sim import io

    tables = read_tables(sweep)
    tables["settings"], tables["timing"] = settings, timing
    return write_page(tables, Path(sweep) / "report.md", Path(sweep) / "figures",
                      io.git_revision())


def _num(value: Any, fmt: str) -> str:
    return "n/a" if value is None or not math.isfinite(value) else format(value, fmt)


def main(argv: list[str] | None = None) -> int:
    from sim import io

    ap = argparse.ArgumentParser(description="docs/results.md from a study's tables")
    ap.add_argument("tables", type=Path, help="a study directory or its published tables")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "results.md")
    ap.add_argument("--img", type=Path, default=ROOT / "docs" / "img" / "brief_claims")
    args = ap.parse_args(argv)
    tables = read_tables(args.tables)
    if tables["claims"].empty:
        print(f"error: {args.tables}: no claims.csv", file=sys.stderr)
        return 2
    write_page(tables, args.out, args.img, io.git_revision())
    print(args.out)
    return 0


__all__ = ["main", "md_table", "read_tables", "write_page", "write_report"]


if __name__ == "__main__":
    sys.exit(main())
