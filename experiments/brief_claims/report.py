"""The study's written results, made from its tables only.

    python experiments/brief_claims/report.py docs/study            # docs/results.md + figures
    python experiments/brief_claims/report.py multirun/brief_claims --out report.md
    python experiments/brief_claims/report.py docs/study --lang ko --out docs/results_ko.md

Everything here reads the compact tables a study writes (``claims.csv``,
``verdicts.csv``, ``interactions.csv``, ``prim_boxes.csv``, ``feature_scores.csv``,
``breakeven.csv``, ``regret.csv``, ``worlds.csv``, ``outcomes.parquet``,
``settings.json``, ``timing.json``, and, where they exist, ``dose.csv`` and
``noise_floor.csv``), so the page is regenerated from committed tables by one command
and says the git revision it was made at. ``--lang ko`` writes it in Korean: every text,
claim and unit through :func:`sim.i18n.t` (the one catalogue of translations), the figures
with a Hangul font (:mod:`sim.fonts`; in English, with a note, if none is found).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.io import read_parquet

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT / "experiments", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from brief_claims.analysis import MIN_EACH_SIDE  # noqa: E402
from brief_claims.space import SAMPLE_BASE  # noqa: E402
from brief_claims.verdicts import VERDICTS  # noqa: E402
from sim import fonts  # noqa: E402
from sim.i18n import LANGS, t  # noqa: E402

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
    out["outcomes"] = read_parquet(path) if path.exists() else pd.DataFrame()
    for name in ("settings", "timing"):
        path = folder / f"{name}.json"
        out[name] = json.loads(path.read_text()) if path.exists() else {}
    # the reading written by hand beside the tables (reading.md, reading_ko.md): what the
    # numbers mean and what changed since the last study, kept apart so the page stays a
    # function of the tables
    out["reading"] = {lang: (folder / f"reading{'' if lang == 'en' else '_' + lang}.md").read_text()
                      for lang in LANGS
                      if (folder / f"reading{'' if lang == 'en' else '_' + lang}.md").exists()}
    out["folder"] = folder
    return out


_LINK = re.compile(r"\]\(([^)\s]+)\)")


def rebase_links(text: str, source: Path, page: Path) -> str:
    """``text``, written in folder ``source``, with its relative markdown links rewritten
    to point to the same files from ``page``'s folder (the reading is written beside the
    study's tables and shown in docs/results.md). Absolute paths, URLs and anchors stay."""
    def rebase(m: re.Match) -> str:
        target = m.group(1)
        if target.startswith(("#", "/")) or "://" in target or target.startswith("mailto:"):
            return m.group(0)
        moved = os.path.relpath(Path(source).resolve() / target, Path(page).resolve().parent)
        return f"]({Path(moved).as_posix()})"
    return _LINK.sub(rebase, text)


# ------------------------------------------------------------------------ figures
def verdict_figure(claims: pd.DataFrame, year: int, lang: str = "en"):
    """Per claim: the shares of worlds where it holds, fails, is negligible or undecided."""
    from sim.plots import subplots

    tab = claims[claims["year"] == year].iloc[::-1]
    fig, ax = subplots(figsize=(11, 0.5 * len(tab) + 1.8))
    y = np.arange(len(tab))
    left = np.zeros(len(tab))
    for v in VERDICTS:
        share = tab[f"share_{v}"].to_numpy(dtype=float) * 100
        ax.barh(y, share, left=left, color=COLOURS[v], label=t(v, lang), edgecolor="white")
        for yi, (lft, s) in enumerate(zip(left, share, strict=True)):
            if s >= 8:
                ax.text(lft + s / 2, yi, f"{s:.0f}", ha="center", va="center", fontsize=8)
        left += share
    ax.set_yticks(y, [textwrap(t(s, lang), 62 if lang == "en" else 40) for s in tab["claim"]],
                  fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(t("share of the worlds that fit the data, %", lang))
    ax.legend(ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.12 if len(tab) > 6 else -0.2),
              fontsize=9, frameon=False)
    ax.set_title(t("The brief's claims as lever effects: verdicts across worlds, {year}", lang,
                    year=year))
    fig.tight_layout()
    return fig


def effects_figure(verdicts: pd.DataFrame, claims: pd.DataFrame, year: int, lang: str = "en"):
    """Per claim: each world's mean effect with its interval (display units), the band of
    effects too small to matter shaded."""
    from sim.plots import subplots

    tab = claims[claims["year"] == year]
    n = len(tab)
    fig, axes = subplots(n, 1, figsize=(10, 1.25 * n + 1), squeeze=False)
    for ax, row in zip(axes[:, 0], tab.itertuples(), strict=True):
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
        ax.set_ylabel(t(row.unit, lang), fontsize=8)
        ax.set_title(textwrap(t(row.claim, lang), 110 if lang == "en" else 70), fontsize=8,
                     loc="left")
    fig.suptitle(t("Each world's effect (mean of its seeds, 95 % interval), {year}; grey band: "
                   "too small to matter", lang, year=year), fontsize=10)
    fig.tight_layout()
    return fig


def dose_figure(dose: pd.DataFrame, lang: str = "en"):
    """Each claim's effect (display units) against the annual budget, the threshold marked."""
    from sim.plots import subplots

    claims = list(dict.fromkeys(dose["claim"]))
    fig, axes = subplots(len(claims), 1, figsize=(8, 1.6 * len(claims) + 1), squeeze=False,
                         sharex=True)
    for ax, label in zip(axes[:, 0], claims, strict=True):
        here = dose[dose["claim"] == label]
        years = sorted(here["year"].unique()) if "year" in here else [None]
        for year, colour in zip(years, ("#08519c", "#a63603", "#54278f"), strict=False):
            g = (here if year is None else here[here["year"] == year]).sort_values("budget_krw")
            b = g["budget_krw"] / 1e12
            ax.fill_between(b, g["low"], g["high"], color=colour, alpha=0.2)
            ax.plot(b, g["effect"], "o-", color=colour, ms=3,
                    label=None if year is None else str(year))
        if len(years) > 1 and label == claims[0]:
            ax.legend(fontsize=7, loc="upper left")
        g = here
        thr = float(g["threshold"].iloc[0])
        ax.axhspan(-thr, thr, color="#eeeeee", zorder=0)
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_xscale("log")
        ax.set_ylabel(t(str(g["unit"].iloc[0]), lang), fontsize=8)
        ax.set_title(textwrap(t(label, lang), 100 if lang == "en" else 64), fontsize=8, loc="left")
    axes[-1, 0].set_xlabel(t("national budget, KRW trillion a year (log scale)", lang))
    fig.suptitle(t("Dose-response: each claim's effect against the budget (grey: too small to "
                   "matter)", lang), fontsize=10)
    fig.tight_layout()
    return fig


def noise_figure(noise: pd.DataFrame, lang: str = "en"):
    """The seeds' spread of each claim's effect (in thresholds) against the scale."""
    import matplotlib.pyplot as plt

    from sim.plots import subplots

    fig, ax = subplots(figsize=(11, 4.8))
    if "year" in noise:  # the harder year: the larger spread
        noise = noise.sort_values("half_width_in_thresholds").groupby(
            ["claim", "scale"], sort=False).tail(1)
    colours = plt.get_cmap("tab20").colors
    markers = "os^Dv<>p"
    for i, (label, g) in enumerate(noise.groupby("claim", sort=False)):
        g = g.sort_values("scale")
        # tab20's pairs are a dark and a light shade: every claim its own colour and marker
        ax.plot(g["scale"], g["half_width_in_thresholds"], marker=markers[i % len(markers)],
                color=colours[(2 * i) % 20 + (2 * i) // 20], lw=1.4,
                label=textwrap(t(label, lang), 50 if lang == "en" else 32))
    ax.axhline(1, color="red", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    scales = sorted(noise["scale"].unique())
    ax.set_xticks(scales, [f"{s:g}" for s in scales])
    ax.minorticks_off()
    ax.set_xlabel(t("scale (households per agent)", lang))
    ax.set_ylabel(t("interval half-width / threshold", lang))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title(t("Noise floor: the 95 % half-width of a world's effect with the study's seeds",
                   lang))
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------ text
def claims_section(claims: pd.DataFrame, year: int, lang: str = "en") -> str:
    tab = claims[claims["year"] == year]
    units = [t(u, lang) for u in tab["unit"]]
    rows = pd.DataFrame({
        t("claim", lang): [t(c, lang) for c in tab["claim"]],
        **{t(v, lang): [f"{s:.0%} [{lo:.0%}, {hi:.0%}]" for s, lo, hi in
                        zip(tab[f"share_{v}"], tab[f"{v}_ci_low"], tab[f"{v}_ci_high"], strict=True)]
           for v in VERDICTS},
        t("effect: median [5 %, 95 %] of worlds", lang): [
            f"{m:+.3g} [{a:+.3g}, {b:+.3g}] {u}" for m, a, b, u in
            zip(tab["effect_median"], tab["effect_p05"], tab["effect_p95"], units, strict=True)],
        t("threshold", lang): [f"{x:.3g} {u}" for x, u in zip(tab["threshold"], units, strict=True)],
        t("seed sd", lang): [f"{x:.2g}" for x in tab["seed_sd"]],
        **({t("negligible possible", lang): [f"{x:.0%}" for x in tab["share_negligible_reachable"]]}
           if "share_negligible_reachable" in tab else {}),
    })
    return md_table(rows)


def seeds_to_decide(seed_sd: float, threshold: float) -> int:
    """Seeds a world that decide its verdict wherever its effect lies. A world is decided
    once its 95 % interval excludes zero or lies inside ± the threshold; the hardest effect
    is half the threshold, where both need a half-width below half the threshold. (A
    half-width below the whole threshold, the rule this note used before, leaves an
    effect near half the threshold undecided.)"""
    return math.ceil((1.96 * seed_sd / max(threshold / 2, 1e-300)) ** 2)


def undecided_notes(claims: pd.DataFrame, year: int, lang: str = "en") -> list[str]:
    """For each claim undecided in 10 % of worlds or more: the seeds a world that would
    decide it wherever its effect lies (:func:`seeds_to_decide`)."""
    out = []
    tab = claims[claims["year"] == year]
    for r in tab.itertuples():
        if r.share_undecided >= 0.10:
            need = seeds_to_decide(r.seed_sd, r.threshold)
            out.append(t(
                "- **{claim}** is undecided in {share} of the worlds: with a seed spread of "
                "{sd} {unit}, about {need} seeds a world (now {now}) would decide every world "
                "whatever its effect (the interval's half-width below half the threshold, "
                "{threshold} {unit}), or a finer scale.", lang,
                claim=t(r.claim, lang), share=f"{r.share_undecided:.0%}", sd=f"{r.seed_sd:.2g}",
                unit=t(r.unit, lang), need=need, now=r.seeds_per_world,
                threshold=f"{r.threshold:.3g}"))
    return out


def regret_section(reg: pd.DataFrame, lang: str = "en") -> str:
    if reg.empty:
        return t("No regret table.", lang)
    out = []
    label_col = "cell" if "cell" in reg.columns else "scenario"
    for (metric, year), g in reg.groupby(["metric", "year"], sort=False):
        label, factor = REGRET_DISPLAY.get(metric, (metric, 1.0))
        g = g.sort_values("max_regret").head(5)
        tab = pd.DataFrame({t("run", lang): g[label_col],
                            t("max regret", lang): g["max_regret"] * factor,
                            t("mean regret", lang): g["mean_regret"] * factor,
                            t("best in", lang): [f"{s:.0%}" for s in g["share_best"]]})
        out += [t("**{label}, {year}** (the five of least maximum regret)", lang,
                  label=t(label, lang), year=int(year)), "", md_table(tab), ""]
    return "\n".join(out)


def prim_section(boxes: pd.DataFrame, claims: pd.DataFrame, lang: str = "en") -> str:
    out = []
    if boxes.empty:
        return t("No claim fails in enough decided worlds for a box.", lang)
    for label, g in boxes.groupby("claim", sort=False):
        rule = t(" and ", lang).join(
            t("`{parameter}` in [{low}, {high}]", lang, parameter=r.parameter.split(".", 1)[-1],
              low=f"{r.low:.3g}", high=f"{r.high:.3g}")
            for r in g.itertuples() if isinstance(r.parameter, str) and r.parameter)
        r0 = g.iloc[0]
        out.append(t("- **{claim}**: fails in {fail} of {worlds} decided worlds; mostly where "
                     "{rule} (coverage {coverage}, density {density})", lang,
                     claim=t(label, lang), fail=int(r0["n_fail"]), worlds=int(r0["n_worlds"]),
                     rule=rule or t("no restriction", lang), coverage=f"{r0['coverage']:.2f}",
                     density=f"{r0['density']:.2f}"))
    return "\n".join(out)


def write_page(tables: dict[str, Any], out: Path, img_dir: Path, revision: str | None,
               lang: str = "en") -> str:
    """The results page (markdown) from the study's tables, in ``lang``; figures into
    ``img_dir`` (drawn in English, with a note, if no Hangul font is found)."""
    with fonts.context(lang) as drawn:
        return _write_page(tables, out, img_dir, revision, lang, drawn)


def _write_page(tables: dict[str, Any], out: Path, img_dir: Path, revision: str | None,
                lang: str, drawn: str) -> str:
    from sim import io
    from sim.plots import save

    claims, verdicts = tables["claims"], tables["verdicts"]
    settings, timing = tables["settings"], tables["timing"]
    worlds = tables["worlds"]
    img_dir = Path(img_dir)

    def rel(p: Path) -> str:
        return Path(os.path.relpath(Path(p).resolve(), Path(out).resolve().parent)).as_posix()

    years = sorted(claims["year"].unique(), reverse=True) if len(claims) else []
    factors = t("; ", lang).join(
        t("{lever}: {low} (2018) vs {high} (brief)", lang, lever=k, low=lo, high=hi)
        for k, (lo, hi) in settings.get("factors", {}).items())
    lines = [
        t("# Results: what the model says about the brief's claims, and how sure it is", lang),
        "",
        t("Made by `python experiments/brief_claims/report.py` from the committed study tables "
          "at git revision `{revision}`; every number below comes from those tables.", lang,
          revision=revision or "unknown"),
        "",
        t("## What was run", lang),
        "",
        t("- **Worlds**: {worlds} sampled worlds (a Latin hypercube over {n_params} contested "
          "beliefs of `{space}`; behaviour drawn from `{posterior}`), of which **{fitting}** "
          "keep their no-investment baseline inside the calibration's tolerance and enter the "
          "verdicts (`worlds.csv`, column `fits`).", lang,
          worlds=settings.get("worlds", "n/a"), n_params=settings.get("n_params", "n/a"),
          space=settings.get("space"), posterior=settings.get("posterior"),
          fitting=settings.get("worlds_fitting", "n/a")),
        t("- **One lever per claim**: a {fraction} two-level factorial of the levers, every "
          "cell at the same budget: {factors}. Cells: {cells}; named scenarios beside them: "
          "{named}.", lang, fraction=settings.get("fraction"), factors=factors,
          cells=", ".join(settings.get("cells", [])),
          named=", ".join(settings.get("named", [])) or t("none", lang)),
        t("- **Seeds**: {replicates} per world (every run of a world and seed shares its random "
          "numbers with its no-investment twin).", lang, replicates=settings.get("replicates")),
        t("- **Runs**: `{base}`, outcomes in {years}; {runs} runs in {wall} s wall ({per_hour} "
          "runs an hour, efficiency {efficiency} on {jobs} cores).", lang,
          base=" ".join(settings.get("base", [])),
          years=", ".join(map(str, settings.get("years", []))),
          runs=timing.get("runs_total", "n/a"), wall=_num(timing.get("wall_s"), ".0f"),
          per_hour=_num(timing.get("runs_per_hour"), ".0f"),
          efficiency=_num(timing.get("efficiency"), ".2f"), jobs=settings.get("jobs")),
        "",
        *([rebase_links(tables["reading"][lang], tables.get("folder", out.parent), out).rstrip(), ""]
          if tables.get("reading", {}).get(lang) else []),
        t("## How to read a verdict", lang),
        "",
        t("In each world a claim's effect is the lever's main effect (the mean of the design's "
          "cells with the brief's option minus the mean with the 2018 option, the other levers "
          "balanced), or, for *the package*, every lever the brief's way against every lever "
          "the 2018 way; its 95 % interval comes from the world's seeds, their spread "
          "moderated towards that of all worlds (empirical Bayes, Smyth 2004: as one pooled "
          "spread where the worlds' spreads differ no more than their few seeds explain, "
          "nearer each world's own where they differ more). **negligible**: the whole "
          "interval lies within ± the threshold, the smallest effect that matters; **holds** / "
          "**fails**: the interval lies on the claimed / the other side of zero; "
          "**undecided**: neither. Shares of worlds carry Wilson 95 % intervals. The shares "
          "describe the box of assumptions sampled, not a probability of the real world. "
          "*negligible possible* is the share of worlds whose interval is narrower than the "
          "threshold: where it is 0 %, no world could be called negligible with these seeds, "
          "and a lever that does nothing shows as undecided.", lang),
        "",
        t("Claims in money (welfare, NPV, B/C) count only the worlds where money means "
          "something: the twin's welfare change against the start within plus or minus its "
          "household income. In worlds whose accepted set gives wages next to no weight in "
          "moving (a money coefficient near zero), the exact compensating variation turns a "
          "fraction of a utility point into hundreds of incomes; those worlds give no verdict "
          "in money (their number is the gap between `n_worlds` of the money claims and the "
          "others in `claims.csv`).", lang),
        "",
    ]
    if drawn != lang:
        lines += [t("> Figures in English: {why}.", lang, why=fonts.MISSING_MESSAGE), ""]
    if len(claims):
        thr = claims[claims["year"] == years[0]][["claim", "threshold", "unit"]]
        lines += [f"| {t('claim', lang)} | {t('smallest effect that matters', lang)} |", "|---|---|"]
        lines += [f"| {t(r.claim, lang)} | {r.threshold:.3g} {t(r.unit, lang)} |"
                  for r in thr.itertuples()]
        lines += ["", t("(Why each threshold: `configs/study/brief_claims.yaml`, field `why`.)",
                        lang), ""]
    for y in years:
        lines += [t("## The claims in {year}", lang, year=y), "",
                  claims_section(claims, int(y), lang), ""]
        path = img_dir / f"verdicts_{y}.png"
        save(verdict_figure(claims, int(y), drawn), path.with_suffix(""))
        lines += [f"![{t('verdicts {year}', lang, year=y)}]({rel(path)})", ""]
        if len(verdicts):
            path = img_dir / f"effects_{y}.png"
            save(effects_figure(verdicts, claims, int(y), drawn), path.with_suffix(""))
            lines += [f"![{t('effects {year}', lang, year=y)}]({rel(path)})", ""]
        notes = undecided_notes(claims, int(y), lang)
        if notes:
            lines += [t("**What would decide the undecided worlds:**", lang), "", *notes, ""]
    inter = tables["interactions"]
    if len(inter) and years:
        tab = inter[inter["year"] == years[0]]
        tab = tab.assign(ratio=(tab["interaction"].abs() / np.maximum(
            np.maximum(tab["main_a"].abs(), tab["main_b"].abs()), 1e-300)))
        cols = ["outcome", "pair", "aliased_with", "interaction", "main_a", "main_b", "ratio"]
        shown = tab[cols].sort_values("ratio", ascending=False).head(12)
        lines += [t("## Do the levers depend on each other?", lang), "",
                  t("Two-lever interactions (mean over worlds and seeds, the outcome's units) "
                    "beside the two main effects; in a half fraction each pair is aliased with "
                    "the other two levers' pair.", lang), "",
                  md_table(shown.rename(columns={c: t(c, lang) for c in cols})), ""]
    lines += [t("## Where the claims fail (on the decided worlds)", lang), "",
              t("PRIM (ema_workbench) on the worlds where a claim holds or fails (negligible and "
                "undecided worlds left out): the box of assumptions where it fails, when at "
                "least {k} decided worlds hold and {k} fail (a box around fewer fits noise); "
                "`prim_boxes.csv`, `feature_scores.csv`, `breakeven.csv`.", lang,
                k=MIN_EACH_SIDE), "",
              prim_section(tables["prim_boxes"], claims, lang), ""]
    be = tables["breakeven"]
    if len(be):
        tab = pd.DataFrame({t("claim", lang): [t(c, lang) for c in be["claim"]],
                            t("assumption", lang): be["parameter"],
                            t("break-even", lang): be["breakeven_logistic"],
                            t("holds more", lang): be["holds_more"],
                            t("holds in (of decided)", lang): [
                                f"{s:.0%}" for s in be["share_holds_of_decided"]]})
        lines += [t("Break-even values of the most important assumption (where the share of "
                    "decided worlds holding crosses 50 %):", lang), "", md_table(tab), ""]
    dose = tables["dose"]
    if len(dose) and "year" not in dose:  # a table from before the years were recorded
        dose = dose.assign(year=max(settings.get("years") or [0]))
    if len(dose):
        save(dose_figure(dose, drawn), img_dir / "dose")
        cross = dose.groupby(["claim", "year"], sort=False)["crosses_at_krw"].first().unstack()
        against = (dose.groupby(["claim", "year"], sort=False)["against_at_krw"].first().unstack()
                   if "against_at_krw" in dose else None)
        lines += [t("## How much would it take? Effects against the budget", lang), "",
                  t("The design's effects at budgets from KRW 0.1 T to 5 T a year (`dose.csv`; "
                    "{note}). The break-even budget is the smallest from which the effect's "
                    "interval lies beyond the threshold on the claimed side at every larger "
                    "budget tried; *against* names the smallest budget at which it lies beyond "
                    "the threshold on the other side.", lang,
                    note=dose["note"].iloc[0] if "note" in dose else ""), "",
                  md_table(pd.DataFrame({
                      t("claim", lang): [t(c, lang) for c in cross.index],
                      **{t("break-even budget, {year}", lang, year=col): [
                          t("KRW {value} T a year", lang, value=f"{v / 1e12:.2g}")
                          if math.isfinite(v) else t("not within 5 T", lang)
                          for v in cross[col].to_numpy(dtype=float)] for col in cross.columns},
                      **({t("against, {year}", lang, year=col): [
                          t("KRW {value} T a year", lang, value=f"{v / 1e12:.2g}")
                          if math.isfinite(v) else "" for v in against[col].to_numpy(dtype=float)]
                          for col in against.columns} if against is not None else {})})),
                  "",
                  f"![{t('dose-response', lang)}]({rel(img_dir / 'dose.png')})", ""]
    noise = tables["noise_floor"]
    if len(noise):
        save(noise_figure(noise, drawn), img_dir / "noise_floor")
        lines += [t("## The noise floor, and the scale chosen", lang), "",
                  t("The seeds' spread of each claim's effect at several scales, as the "
                    "half-width of a world's 95 % interval over the threshold "
                    "(`noise_floor.csv`): below 1 the study can call an effect at the threshold "
                    "negligible or decided.", lang), "",
                  f"![{t('noise floor', lang)}]({rel(img_dir / 'noise_floor.png')})", ""]
    lines += [t("## Regret", lang), "",
              t("Per outcome, how far each run of a world (the design's cells and the named "
                "scenarios, mean of seeds) falls short of the best run of the same world.", lang),
              "", regret_section(tables["regret"], lang), ""]
    if len(worlds) and "fits" in worlds:
        bad = worlds[~worlds["fits"].astype(bool)]
        listed = (": " + ", ".join(str(int(w)) for w in bad["world"])) if len(bad) else "."
        lines += [t("## Worlds outside the calibration's tolerance", lang), "",
                  t("{bad} of {n} worlds' baselines leave the tolerance and are left out of the "
                    "verdicts", lang, bad=len(bad), n=len(worlds)) + listed, ""]
    # run.py and screen.py compose the sample's defaults themselves (space.sample_base)
    base = " ".join(b for b in settings.get("base", []) if "=" in b and b != SAMPLE_BASE)
    base = f" {base}" if base else ""
    sample = []
    if str(settings.get("posterior") or "").endswith("posterior_screened.csv"):
        hm = "python -m sim.calibrate --history 150 --seeds 2 --scale 25 --jobs 2 --history-no-default"
        sample = [f"{hm} --history-waves 4 --posterior configs/behaviour/posterior_hm_round12_wave4.csv  # "
                  + t("the behaviour sample (history matching, docs/validation.md 6.4)", lang),
                  f"{hm} --history-waves 5  # " + t("a fifth wave, resuming the same run", lang),
                  f"{hm} --history-waves 6 --posterior configs/behaviour/posterior_hm_round12_wave6.csv  # "
                  + t("a sixth wave, resuming the same run", lang),
                  "python experiments/migration_core/recheck_sets.py --sample configs/behaviour/posterior.csv "
                  "configs/behaviour/posterior_hm_round12_wave6.csv --keep configs/behaviour/posterior_rechecked.csv"
                  " --out multirun/recheck  # " + t("their sets rerun under the corrected runs", lang),
                  f"python experiments/brief_claims/screen.py{base} --posterior "
                  "configs/behaviour/posterior_rechecked.csv  # "
                  + t("their sets whose baseline fits the study's bands", lang)]
    worlds_arg = f" --worlds {settings['worlds']}" if settings.get("worlds") else ""
    lines += [t("## Reproduce", lang), "",
              "```bash", *sample,
              f"python experiments/brief_claims/run.py{worlds_arg} --publish docs/study{base}   # "
              + t("the study (about an hour)", lang),
              f"python experiments/brief_claims/dose.py --publish docs/study{base}  # "
              + t("the budget sweep", lang),
              "python experiments/brief_claims/dose.py --noise-floor --publish docs/study  # "
              + t("the noise floor by scale", lang),
              "python experiments/brief_claims/report.py docs/study          # "
              + t("this page", lang)
              + ("" if lang == "en" else " (--lang ko)"),
              "```", ""]
    text = "\n".join(lines)
    io.atomic_write(Path(out), lambda tmp: tmp.write_text(text))
    return text


def write_report(sweep: Path, settings: dict[str, Any], timing: dict[str, Any],
                 lang: str = "en") -> str:
    """The study directory's own report.md (the same page, figures beside it; in Korean
    ``report_ko.md`` with ``figures_ko/``)."""
    from sim import io

    tables = read_tables(sweep)
    tables["settings"], tables["timing"] = settings, timing
    suffix = "" if lang == "en" else f"_{lang}"
    return write_page(tables, Path(sweep) / f"report{suffix}.md", Path(sweep) / f"figures{suffix}",
                      io.git_revision(), lang)


def _num(value: Any, fmt: str) -> str:
    return "n/a" if value is None or not math.isfinite(value) else format(value, fmt)


def main(argv: list[str] | None = None) -> int:
    from sim import io

    ap = argparse.ArgumentParser(description="docs/results.md from a study's tables")
    ap.add_argument("tables", type=Path, help="a study directory or its published tables")
    ap.add_argument("--out", type=Path, default=None,
                    help="the page (default: docs/results.md; docs/results_ko.md in Korean)")
    ap.add_argument("--img", type=Path, default=None,
                    help="its figures' folder (default: docs/img/brief_claims[_ko])")
    ap.add_argument("--lang", choices=LANGS, default="en", help="the page's language")
    args = ap.parse_args(argv)
    suffix = "" if args.lang == "en" else f"_{args.lang}"
    out = args.out or ROOT / "docs" / f"results{suffix}.md"
    img = args.img or ROOT / "docs" / "img" / f"brief_claims{suffix}"
    tables = read_tables(args.tables)
    if tables["claims"].empty:
        print(f"error: {args.tables}: no claims.csv", file=sys.stderr)
        return 2
    write_page(tables, out, img, io.git_revision(), args.lang)
    print(out)
    return 0


__all__ = ["main", "md_table", "read_tables", "write_page", "write_report"]


if __name__ == "__main__":
    sys.exit(main())
