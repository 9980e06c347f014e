"""Do the study's verdicts follow one behaviour parameter of the worlds' sets?

    python experiments/brief_claims/by_behaviour.py docs/study migration.dissatisfaction --split 0.3

Each world draws its behaviour from one accepted set (``posterior_row`` of
``worlds.csv`` into the study's ``posterior``). For every claim and outcome year this
joins the world's effect (``verdicts.csv``) to that set's value of the parameter, over
the worlds that fit, and reports the Spearman correlation, and, split at ``--split``,
the number of worlds, the median effect and the share where the claim holds on either
side, with a Fisher exact test of the two sides' shares of holds (``fisher_p``, worlds
taken as independent; they share sets, ``sets_below`` / ``sets_above`` distinct ones, so
the honest p is larger). Writes ``by_<parameter>.csv`` into the study folder and prints a
markdown table.
A diagnostic of what carries a verdict, not a test: the sets differ in more than one
parameter (the correlation is with the parameter, not the parameter's effect alone).

``--values FILE`` takes the value from FILE instead, a table with a ``rank`` column (the
sets' ranks) and a column named ``parameter``: something measured on each set rather
than one of its parameters, e.g. the capital region's net by age in the baseline's first
year (``experiments/migration_core/age_split.py --sample``):

    python experiments/brief_claims/by_behaviour.py docs/study capital_net_40_64 \\
        --values docs/img/migration_core/age_split/age_split_sets_first_year.csv --split -100000

A belief the study's box varies (a column of ``worlds.csv``, e.g.
``beliefs.learning.rate``) is read world by world instead, each world's own draw:

    python experiments/brief_claims/by_behaviour.py docs/study beliefs.learning.rate --split 0.05

``--parameters`` also writes ``by_<parameter>_parameters.csv``: every behaviour parameter
of the sample against the measure and against each claim's effect (Spearman over the
fitting worlds), for a correlation between the two, the parameters that go with both
(candidate common causes; docs/validation.md 6.4, "A pull that renews itself").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
from scipy.stats import fisher_exact, spearmanr

ROOT = Path(__file__).resolve().parents[2]


def _sets(study: Path, parameter: str, values: Path | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The study's sample (one row per set, with ``parameter``, from ``values`` if given)
    and its fitting worlds with their set's ``value`` of it (or, for a belief the box
    varies, each world's own draw)."""
    settings = json.loads((study / "settings.json").read_text())
    if not settings.get("posterior"):
        raise SystemExit(f"{study}: the study drew no behaviour sets (posterior: null)")
    sample = sets = pd.read_csv(ROOT / settings["posterior"])
    worlds = pd.read_csv(study / "worlds.csv")
    if values is None and parameter in worlds.columns:  # a belief the box varies, world by world
        worlds = worlds[worlds["fits"]]
        return sample, worlds.assign(value=worlds[parameter].to_numpy())
    source = settings["posterior"]
    if values is not None:
        table = pd.read_csv(values)
        if "rank" not in table.columns or parameter not in table.columns:
            raise SystemExit(f"{values}: needs the columns rank and {parameter}")
        missing = sorted(set(sets["rank"]) - set(table["rank"]))
        if missing:
            raise SystemExit(f"{values}: no row for the sets of rank {missing}")
        sets = sets[["rank"]].merge(table[["rank", parameter]], on="rank", how="left")
        source = str(values)
    if parameter not in sets.columns:
        raise SystemExit(f"{parameter}: not a column of {source}")
    worlds = worlds[worlds["fits"]]
    worlds = worlds.assign(value=sets[parameter].to_numpy()[worlds["posterior_row"].to_numpy()])
    return sample, worlds


def by_parameter(study: Path, parameter: str, split: float, values: Path | None = None) -> pd.DataFrame:
    """One row per claim and year: the correlation and the two sides of ``split``
    (``values``: a table of ``rank`` and ``parameter`` to take the value from)."""
    _, worlds = _sets(study, parameter, values)
    verdicts = pd.read_csv(study / "verdicts.csv").merge(worlds[["world", "value", "posterior_row"]],
                                                         on="world")
    rows = []
    for (claim, year), d in verdicts.groupby(["claim", "year"], sort=False):
        low, high = d[d["value"] < split], d[d["value"] >= split]
        held = [[int((side["verdict"] == "holds").sum()), int((side["verdict"] != "holds").sum())]
                for side in (low, high)]
        rows.append({
            "claim": claim, "year": year, "n_worlds": len(d),
            "spearman": float(spearmanr(d["mean"], d["value"]).statistic),
            "n_below": len(low), "median_below": float(low["mean"].median()),
            "holds_below": float((low["verdict"] == "holds").mean()),
            "n_above": len(high), "median_above": float(high["mean"].median()),
            "holds_above": float((high["verdict"] == "holds").mean()),
            # the two sides' shares of holds, worlds taken as independent (two-sided Fisher
            # exact test); worlds share sets, so the honest p is larger still
            "fisher_p": float(fisher_exact(held).pvalue) if len(low) and len(high) else float("nan"),
            "sets_below": int(low["posterior_row"].nunique()),
            "sets_above": int(high["posterior_row"].nunique()),
        })
    return pd.DataFrame(rows)


def shared_parameters(study: Path, measure: str, values: Path | None = None) -> pd.DataFrame:
    """Which behaviour parameters go with both ``measure`` (a column of the sample, or
    of ``values``) and the claims' effects? One row per parameter of the sample: its
    Spearman correlation over the fitting worlds with the measure and with each claim's
    effect in each year (columns ``claim | year``). A parameter that correlates with
    both is a candidate common cause of a correlation between them."""
    from sim.tools.abc import SAMPLE_SPACE

    sample, worlds = _sets(study, measure, values)
    rows = worlds["posterior_row"].to_numpy()
    verdicts = pd.read_csv(study / "verdicts.csv")
    effects = {(claim, year): d.set_index("world")["mean"].reindex(worlds["world"]).to_numpy()
               for (claim, year), d in verdicts.groupby(["claim", "year"], sort=False)}
    out = []
    for p in SAMPLE_SPACE:
        if p.path not in sample.columns:
            continue
        x = sample[p.path].to_numpy()[rows]
        row = {"parameter": p.path, f"with {measure}": float(spearmanr(x, worlds["value"]).statistic)}
        row.update({f"{claim} | {year}": float(spearmanr(x, e, nan_policy="omit").statistic)
                    for (claim, year), e in effects.items()})
        out.append(row)
    return pd.DataFrame(out)


def markdown(table: pd.DataFrame, parameter: str, split: float) -> str:
    lines = [f"| claim | year | worlds | Spearman with {parameter} | below {split:g}: worlds (sets), median, holds "
             f"| from {split:g}: worlds (sets), median, holds | Fisher p of the holds |",
             "|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        lines.append(f"| {r['claim']} | {r['year']} | {r['n_worlds']} | {r['spearman']:+.2f} | "
                     f"{r['n_below']} ({r['sets_below']}), {r['median_below']:.3g}, {100 * r['holds_below']:.0f} % | "
                     f"{r['n_above']} ({r['sets_above']}), {r['median_above']:.3g}, {100 * r['holds_above']:.0f} % | "
                     f"{r['fisher_p']:.2g} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("study", type=Path, help="a published study folder (docs/study)")
    ap.add_argument("parameter", help="a column of the study's posterior, e.g. migration.dissatisfaction, "
                    "or a belief its box varies, e.g. beliefs.learning.rate")
    ap.add_argument("--split", type=float, required=True, help="the value that splits the worlds in two")
    ap.add_argument("--values", type=Path, default=None,
                    help="a table of rank and PARAMETER to take each set's value from")
    ap.add_argument("--parameters", action="store_true",
                    help="also: each behaviour parameter's correlation with PARAMETER and with "
                    "every claim's effect (by_PARAMETER_parameters.csv): candidate common causes")
    args = ap.parse_args(argv)
    if args.parameters:
        shared = shared_parameters(args.study, args.parameter, args.values)
        shared.round(3).to_csv(args.study / f"by_{args.parameter}_parameters.csv", index=False)
    table = by_parameter(args.study, args.parameter, args.split, args.values)
    table.to_csv(args.study / f"by_{args.parameter}.csv", index=False)
    print(markdown(table, args.parameter, args.split))
    return 0


if __name__ == "__main__":
    sys.exit(main())
