"""Figures and the written report of the study (report.md, report.html).

Figures are PNGs under ``figures/``; the report only reads the study's tables, so it
can be rebuilt from a finished sweep directory (``run.py --report-only``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.tools.claims import CLAIMS, Claim

#: Display of the regret metrics: metric -> (label, factor).
REGRET_DISPLAY = {
    "welfare_krw_total": ("welfare, KRW B/yr", 1e-9), "output": ("output, KRW T/yr", 1e-12),
    "felt_benefit_paired": ("felt benefit vs twin, pp", 100),
    "urban_rural_qol_gap": ("urban-rural gap, QoL pts", 1),
    "capital_region_share": ("capital-region share, pp", 100),
    "jeonbuk_population": ("Jeonbuk, thousand", 1e-3), "service_mean": ("service, index pts", 1),
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


def claims_figure(table: pd.DataFrame, year: int):
    """Share of worlds where each claim holds, with its Wilson interval."""
    from sim.plots import subplots

    t = table[table["year"] == year].iloc[::-1]
    fig, ax = subplots(figsize=(10, 0.45 * len(t) + 1.5))
    y = np.arange(len(t))
    share = t["share_holds"].to_numpy(dtype=float)
    err = np.vstack([share - t["ci_low"].to_numpy(dtype=float),
                     t["ci_high"].to_numpy(dtype=float) - share])
    err = np.clip(np.nan_to_num(err), 0, None)  # rounding at 0 % and 100 %
    ax.errorbar(share * 100, y, xerr=err * 100, fmt="o", color="#1f5f8b", capsize=3)
    ax.axvline(50, color="grey", lw=0.8, ls="--")
    ax.set_yticks(y, [textwrap(s, 70) for s in t["claim"]], fontsize=8)
    ax.set_xlim(-2, 102)
    ax.set_xlabel("worlds where the claim holds, % (Wilson 95 % interval)")
    ax.set_title(f"The brief's claims across worlds, {year}")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def textwrap(text: str, width: int) -> str:
    import textwrap as tw

    return "\n".join(tw.wrap(text, width))


def prim_figure(label: str, result: dict[str, Any]):
    """A claim's PRIM result: the peeling trajectory (coverage against density, the chosen
    box marked) and the chosen box's limits on each restricted assumption, drawn on the
    sampled range (0 = low end, 1 = high end)."""
    from sim.plots import subplots

    fig, axes = subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [1, 1.3]})
    traj = pd.DataFrame(result["trajectory"])
    sc = axes[0].scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=18)
    c = result["chosen"]
    axes[0].scatter([traj["coverage"].iloc[c]], [traj["density"].iloc[c]], s=120,
                    facecolors="none", edgecolors="red", lw=1.5, label=f"chosen box {c}")
    axes[0].set_xlabel("coverage (share of failing worlds in the box)")
    axes[0].set_ylabel("density (share of the box's worlds that fail)")
    axes[0].legend(loc="lower left", fontsize=8)
    fig.colorbar(sc, ax=axes[0], label="restricted dimensions")
    ax = axes[1]
    limits = result["limits"]
    names = list(limits)
    for i, name in enumerate(names):
        lo, hi = result["range"][name]
        a, b = limits[name]
        span = (hi - lo) or 1.0
        ax.plot([0, 1], [i, i], color="lightgrey", lw=6, solid_capstyle="butt")
        ax.plot([(a - lo) / span, (b - lo) / span], [i, i], color="#b2182b", lw=6,
                solid_capstyle="butt")
        ax.text(1.02, i, f"{a:.3g} - {b:.3g}  (of {lo:.3g} - {hi:.3g})", va="center", fontsize=8)
    ax.set_yticks(range(len(names)), [n.split(".", 1)[-1] for n in names], fontsize=8)
    ax.set_xlim(0, 1.6)
    ax.set_xticks([0, 0.5, 1])
    ax.set_xlabel("position in the sampled range")
    ax.set_title(f"box: coverage {result['coverage']:.2f}, density {result['density']:.2f}, "
                 f"mass {result['mass']:.2f}", fontsize=10)
    if not names:
        ax.text(0.5, 0.5, "no restriction found", ha="center", transform=ax.transAxes)
    fig.suptitle(textwrap(f"Where it fails: {label}", 110), fontsize=11)
    fig.tight_layout()
    return fig


def tradeoff_figure(outcomes: pd.DataFrame, worlds: pd.DataFrame, cx: Claim, cy: Claim,
                    year: int, colour: str | None):
    """Across worlds: the paired differences of two claims' outcomes against each other,
    coloured by one assumption (where the trade-off between them lands)."""
    from brief_claims.analysis import contrasts
    from sim.plots import subplots

    dx = contrasts(outcomes, cx, year).set_index("world")["diff"]
    dy = contrasts(outcomes, cy, year).set_index("world")["diff"]
    dx, dy = dx.align(dy, join="inner")
    fig, ax = subplots(figsize=(7.5, 6))
    if colour is not None and colour in worlds.columns:
        col = worlds.set_index("world")[colour].reindex(dx.index)
        sc = ax.scatter(dx, dy, c=col, cmap="coolwarm", s=22)
        fig.colorbar(sc, ax=ax, label=colour)
    else:
        ax.scatter(dx, dy, s=22)
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel(textwrap(f"{cx.a} - {cx.b}: {cx.metric} ({cx.unit})", 60))
    ax.set_ylabel(textwrap(f"{cy.a} - {cy.b}: {cy.metric} ({cy.unit})", 60))
    ax.set_title(f"Trade-off across worlds, {year} (one point per world)", fontsize=11)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def map_effects(maps: pd.DataFrame, scenario: str, baseline: str) -> pd.DataFrame:
    """Per municipality, mean over worlds of the final-year difference from the
    same-world baseline: population in % of the baseline and QoL in points (the frame
    :func:`sim.tools.compare_plots.difference_maps` draws)."""
    a = maps[maps["scenario"] == scenario].set_index(["world", "code"])
    b = maps[maps["scenario"] == baseline].set_index(["world", "code"]).reindex(a.index)
    d = pd.DataFrame({"population_diff_pct": 100 * (a["population"] - b["population"])
                      / b["population"].replace(0, np.nan),
                      "qol_diff": a["qol"] - b["qol"]})
    out = d.groupby(level="code").mean().reset_index()
    return out.assign(condition=scenario)


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


def claims_section(table: pd.DataFrame, year: int) -> str:
    t = table[table["year"] == year]
    rows = pd.DataFrame({
        "claim": t["claim"],
        "holds in": [f"{s:.0%} [{lo:.0%}, {hi:.0%}]" if math.isfinite(s) else "n/a"
                     for s, lo, hi in zip(t["share_holds"], t["ci_low"], t["ci_high"], strict=True)],
        "worlds": t["n_worlds"],
        "difference a - b: median [5 %, 95 %]": [
            f"{m:+.3g} [{p5:+.3g}, {p95:+.3g}] {u}" if math.isfinite(m) else "n/a"
            for m, p5, p95, u in zip(t["diff_median"], t["diff_p05"], t["diff_p95"], t["unit"],
                                     strict=True)],
    })
    return md_table(rows)


def prim_section(prim: dict[str, Any], figs: dict[str, str]) -> str:
    out = []
    for label, r in prim.items():
        if r.get("status") != "box":
            out.append(f"- **{label}**: {r['status']} ({r.get('n_fail', 0)} of {r.get('n', 0)} "
                       "worlds fail); no box")
            continue
        rule = " and ".join(f"`{k.split('.', 1)[-1]}` in [{lo:.3g}, {hi:.3g}]"
                            for k, (lo, hi) in r["limits"].items()) or "no restriction"
        out.append(f"- **{label}**: fails in {r['n_fail']} of {r['n']} worlds; mostly where "
                   f"{rule} (coverage {r['coverage']:.2f}, density {r['density']:.2f}, "
                   f"mass {r['mass']:.2f})")
        if label in figs:
            out.append(f"\n  ![PRIM box]({figs[label]})\n")
    return "\n".join(out)


def regret_section(reg: pd.DataFrame) -> str:
    if reg.empty:
        return "No regret table (fewer than two scenarios)."
    out = []
    for (metric, year), g in reg.groupby(["metric", "year"], sort=False):
        label, factor = REGRET_DISPLAY.get(metric, (metric, 1.0))
        label = f"{label}, {int(year)}"
        t = pd.DataFrame({"scenario": g["scenario"],
                          "max regret": g["max_regret"] * factor,
                          "mean regret": g["mean_regret"] * factor,
                          "best in": [f"{s:.0%}" for s in g["share_best"]],
                          "minimax": ["**yes**" if m else "" for m in g["minimax"]]})
        out += [f"**{label}** (regret: shortfall from the best scenario of the same world)", "",
                md_table(t), ""]
    return "\n".join(out)


def write_report(sweep: Path, *, table: pd.DataFrame, disc: dict[str, Any], reg: pd.DataFrame,
                 figs: dict[str, Any], settings: dict[str, Any], timing: dict[str, Any]) -> str:
    """report.md (returned) from the study's tables and figure paths."""
    years = sorted(table["year"].unique(), reverse=True) if len(table) else []
    final = years[0] if years else None
    lines = [
        "# Which of the brief's claims hold, and when",
        "",
        f"- Worlds: {settings['worlds']} (Latin hypercube over {settings['n_params']} assumptions "
        f"of `{settings['space']}`, design seed {settings['design_seed']}"
        + (f", behaviour from the posterior `{settings['posterior']}`" if settings.get("posterior") else "")
        + "); sampled values: `worlds.csv`",
        f"- Scenarios: {', '.join(settings['scenarios'])}; every scenario of a world shares its "
        "run seed (`run_seed` in `worlds.csv`), and twin metrics are against the same-seed `no_investment` run",
        f"- Runs: {settings['runs']} (`{' '.join(settings['base'])}`); outcomes in "
        f"{', '.join(map(str, sorted(table['year'].unique()))) if len(table) else 'n/a'}: "
        "`outcomes.parquet`",
        f"- Wall time: {_num(timing.get('wall_s'), '.0f')} s for {timing.get('runs', 0)} runs "
        f"computed now ({_num(timing.get('runs_per_s'), '.3g')} runs/s, "
        f"{_num(timing.get('run_s_mean'), '.3g')} s wall and "
        f"{_num(timing.get('run_cpu_s_mean'), '.3g')} CPU s a run in a worker, with "
        f"{settings['jobs']} jobs); `timing.json`",
        "",
        "A claim *holds* in a world when its paired difference is on the claimed side (strictly);"
        " the share of worlds where it holds is a statement about the assumptions' box, not a "
        "probability of the real world: it moves with the ranges in the space file.",
        "",
    ]
    for y in years:
        lines += [f"## Claims in {y}", "", claims_section(table, int(y)), ""]
        if f"claims_{y}" in figs:
            lines += [f"![claims {y}]({figs[f'claims_{y}']})", ""]
    lines += [f"## Where the claims fail (PRIM on the worlds of {final})", "",
              "Each box is a set of assumption ranges where the claim fails in most worlds "
              "(density) and which holds most of the failing worlds (coverage); `prim_boxes.csv`"
              " has the limits and quasi-p values, `prim.json` the peeling trajectories.", "",
              prim_section(disc["prim"], figs.get("prim", {})), ""]
    scores = disc["scores"]
    if len(scores) and not scores["score"].notna().any():
        lines += ["## What decides each claim (feature scores)", "",
                  "Too few worlds with both outcomes for feature scores and break-even values "
                  "(at least 6 are needed).", ""]
    elif len(scores):
        lines += ["## What decides each claim (feature scores)", "",
                  "Extra-trees importance of each assumption for holds/fails "
                  "(ema_workbench feature scoring) and the Kolmogorov-Smirnov distance between the"
                  " assumption's values where the claim holds and where it fails; the top three:",
                  ""]
        for label, g in scores.groupby("claim", sort=False):
            g = g.dropna(subset=["score"]).sort_values("score", ascending=False).head(3)
            if g.empty:
                continue
            lines.append(f"- **{label}**: " + "; ".join(
                f"`{r.parameter.split('.', 1)[-1]}` {r.score:.2f} (KS {r.ks:.2f}, p {r.ks_p:.2g})"
                for r in g.itertuples()))
        lines += ["", "Full table: `feature_scores.csv`.", ""]
    be = disc["breakeven"]
    if len(be):
        t = pd.DataFrame({"claim": be["claim"], "assumption": be["parameter"],
                          "break-even (logistic)": be["breakeven_logistic"],
                          "break-even (binned)": be["breakeven_binned"],
                          "holds more": be["holds_more"],
                          "sampled range": [f"{lo:.3g} - {hi:.3g}" for lo, hi in
                                            zip(be["range_low"], be["range_high"], strict=True)]})
        lines += ["## Break-even values of the top assumption", "",
                  "Where the share of worlds in which the claim holds crosses 50 % along its most "
                  "important assumption (n/a: it does not cross inside the sampled range); "
                  "`breakeven.csv`.", "", md_table(t), ""]
    lines += ["## Regret across worlds", "", regret_section(reg), "",
              "`regret.csv` has every scenario and metric.", ""]
    if "tradeoff" in figs:
        lines += ["## Trade-off", "", f"![trade-off]({figs['tradeoff']})", ""]
    if "map" in figs:
        lines += ["## Where effects land", "",
                  f"Mean over worlds of `{settings['map_scenario']}` against its same-world "
                  f"`no_investment` twin, {final}.", "", f"![map]({figs['map']})", ""]
    lines += ["## Files", "",
              "`claims.csv`, `prim_boxes.csv`, `prim.json`, `feature_scores.csv`, "
              "`breakeven.csv`, `regret.csv`, `worlds.csv`, `outcomes.parquet`, `timing.json`, "
              "`figures/`, `worlds/` (one file per finished world: the resume state).", ""]
    text = "\n".join(lines)
    from sim import io

    io.atomic_write(sweep / "report.md", lambda tmp: tmp.write_text(text))
    io.atomic_write(sweep / "report.html", lambda tmp: tmp.write_text(to_html(text)))
    return text


def _num(value: Any, fmt: str) -> str:
    return "n/a" if value is None or not math.isfinite(value) else format(value, fmt)


def to_html(text: str) -> str:
    """The markdown report as a standalone HTML page (Python-Markdown where installed)."""
    try:
        import markdown

        body = markdown.markdown(text, extensions=["tables"])
    except ImportError:  # still readable: the markdown as preformatted text
        import html

        body = f"<pre>{html.escape(text)}</pre>"
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
             "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;"
             "padding:3px 6px}img{max-width:100%}code{background:#f4f4f4}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Brief claims</title>"
            f"<style>{style}</style></head><body>{body}</body></html>\n")


def all_figures(sweep: Path, *, table: pd.DataFrame, disc: dict[str, Any],
                outcomes: pd.DataFrame, worlds: pd.DataFrame, maps: pd.DataFrame, region,
                map_scenario: str, tradeoff: Sequence[int], colour: str | None) -> dict[str, Any]:
    """Write every figure; returns their paths relative to the sweep directory."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.plots import save

    figs: dict[str, Any] = {"prim": {}}
    fig_dir = sweep / "figures"
    rel = lambda paths: paths[0].relative_to(sweep).as_posix()  # noqa: E731
    for y in sorted(table["year"].unique()):
        figs[f"claims_{y}"] = rel(save(claims_figure(table, int(y)), fig_dir / f"claims_{y}"))
    for label, r in disc["prim"].items():
        if r.get("status") == "box":
            figs["prim"][label] = rel(save(prim_figure(label, r), fig_dir / f"prim_{slug(label)}"))
    final = int(table["year"].max()) if len(table) else None
    i, j = tradeoff
    if final is not None and max(i, j) < len(CLAIMS):
        figs["tradeoff"] = rel(save(tradeoff_figure(outcomes, worlds, CLAIMS[i], CLAIMS[j], final,
                                                    colour), fig_dir / "tradeoff"))
    if region is not None and map_scenario in set(maps["scenario"]) and "no_investment" in set(
            maps["scenario"]):
        from sim.tools.compare_plots import difference_maps

        eff = map_effects(maps, map_scenario, "no_investment")
        n = int(maps["world"].nunique())
        fig = difference_maps(eff, map_scenario, region.boundaries(), "no_investment", n)
        fig.suptitle(f"{map_scenario} vs its same-seed no_investment twin, final year "
                     f"(mean of {n} worlds)", fontsize=13)
        figs["map"] = rel(save(fig, fig_dir / f"map_{map_scenario}"))
    import matplotlib.pyplot as plt

    plt.close("all")
    return figs


__all__ = ["all_figures", "map_effects", "md_table", "to_html", "write_report"]
