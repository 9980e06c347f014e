"""Does the migration core move the way Korea moves? Province net migration against the
internal migration statistics (issue 26, docs/validation.md round 6).

Two checks, each a no-investment run on Korea averaged over seeds:

* **out of sample, 2011-2015**: a 2010 start, whose base period is the province flows of
  2006-2010 only (the table has no 2005 census), run to 2015; each province's net
  migration from other provinces summed over 2011-2015 against KOSIS. The carry rule
  (held) is what decides how well 2006-2010 predicts 2011-2015.
* **the fit, 2011-2015**: a 2015 start, whose constants are solved on 2011-2015; the
  expected flows of its start year reproduce KOSIS's yearly mean by construction
  (tests/test_migration_core.py), and its first simulated year shows what the draws of
  one year add.

Each run is compared with the zero-net start (``constants=equilibrium``, the model before
issue 26). Writes ``province_net.csv`` and ``province_net.png`` into ``--out`` (default
``docs/img/migration_core``), and prints a markdown table.

    python experiments/migration_core/run.py --seeds 2 --scale 10
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import make_config
from sim.data import flows as kosis
from sim.runner import run

ROOT = Path(__file__).resolve().parents[2]
START = {"out_of_sample_2010_start": 2010, "fit_2015_start": 2015}
CONSTANTS = {"base_period": ["behaviour.migration.constants=base_period"],
             "equilibrium": ["behaviour.migration.constants=equilibrium"]}


def province_net(flows: pd.DataFrame) -> pd.DataFrame:
    """Net migration from other provinces by year (rows) and province code (columns)."""
    between = flows[flows["origin_code"] != flows["destination_code"]]
    inflow = between.groupby(["year", "destination_code"])["movers"].sum()
    outflow = between.groupby(["year", "origin_code"])["movers"].sum()
    net = inflow.rename_axis(["year", "code"]) - outflow.rename_axis(["year", "code"])
    return net.unstack("code")


def simulate(start: int, years: int, constants: list[str], seeds: int, scale: float) -> pd.DataFrame:
    """Province net migration by year, mean over seeds."""
    nets = []
    for seed in range(seeds):
        cfg = make_config(["region=korea", f"run.start_year={start}", f"run.years={years}",
                           f"run.scale={scale}", f"run.seed={seed}", "run.progress=false",
                           "run.plots=false", *constants])
        nets.append(province_net(run(cfg).flows))
    return sum(nets) / len(nets)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core")
    args = ap.parse_args(argv)
    observed = kosis.net_migration().loc[2011:2015].fillna(0)
    rows = []
    for check, start in START.items():
        years = 2015 - start if start < 2015 else 1
        for name, overrides in CONSTANTS.items():
            net = simulate(start, years, overrides, args.seeds, args.scale)
            window = net.loc[2011:2015] if start < 2015 else net.loc[[2016]] * 5
            for code, value in window.sum().items():
                rows.append({"check": check, "constants": name, "province_code": int(code),
                             "province": kosis.PROVINCES[int(code)], "model": float(value),
                             "kosis_2011_2015": float(observed[code].sum())})
    table = pd.DataFrame(rows)
    table["within_a_third"] = (np.sign(table["model"]) == np.sign(table["kosis_2011_2015"])) & (
        (table["model"] - table["kosis_2011_2015"]).abs() <= table["kosis_2011_2015"].abs() / 3)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "province_net.csv", index=False)
    _figure(table, args.out / "province_net.png")
    wide = table.pivot_table(index=["province_code", "province", "kosis_2011_2015"],
                             columns=["check", "constants"], values="model").round(-2)
    print(wide.to_string())
    print(table.groupby(["check", "constants"])["within_a_third"].sum().to_string())
    return 0


def _figure(table: pd.DataFrame, path: Path) -> None:
    from sim.plots import save, subplots

    checks = list(START)
    fig, axes = subplots(1, len(checks), figsize=(12, 5.5), sharey=True)
    for ax, check in zip(np.atleast_1d(axes), checks, strict=True):
        sub = table[table["check"] == check]
        lim = 1.1 * max(sub["kosis_2011_2015"].abs().max(), sub["model"].abs().max()) / 1e3
        ax.plot([-lim, lim], [-lim, lim], color="0.6", lw=1, zorder=0)
        for name, marker in (("base_period", "o"), ("equilibrium", "x")):
            s = sub[sub["constants"] == name]
            ax.scatter(s["kosis_2011_2015"] / 1e3, s["model"] / 1e3, marker=marker, label=name)
        for _, r in sub[sub["constants"] == "base_period"].iterrows():
            if abs(r["kosis_2011_2015"]) > 50_000:
                ax.annotate(r["province"], (r["kosis_2011_2015"] / 1e3, r["model"] / 1e3),
                            fontsize=8, xytext=(3, 3), textcoords="offset points")
        ax.set_title(check.replace("_", " "))
        ax.set_xlabel("KOSIS net migration 2011-2015, thousand people")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("model, thousand people")
    np.atleast_1d(axes)[0].legend()
    fig.tight_layout()
    save(fig, path.with_suffix(""))


if __name__ == "__main__":
    sys.exit(main())
