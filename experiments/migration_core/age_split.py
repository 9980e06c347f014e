"""Who carries the capital region's net migration: the flows by age class of the head.

The base period's targets are totals (each municipality's net, each province's leavers),
so how the start splits a province's net between ages comes from the age-specific terms
of the destination choice (``beta_capital``, ``beta_rural``, the wage, jobs and service
terms by age class), which no data on flows by age pin. This runs the study's baseline
(the 2025 start, no investment) for the default behaviour, and for the arms given with
``--with``, and writes the capital region's (Seoul, Incheon, Gyeonggi) net migration from
the rest of Korea by age class and year, from the run's ``flows.parquet``:

    python experiments/migration_core/age_split.py --years 10 --scale 100
    python experiments/migration_core/age_split.py --arm no_age_terms \\
        --with "behaviour.migration.beta_capital=[0,0,0]" "behaviour.migration.beta_rural=[0,0,0]"

Compare with what Statistics Korea reported (FACTS.md): the capital region's net
in-migration is driven by people in their 20s (+70 k in 2021) while ages 40-64 leave
(-18 k in 2024). The model's classes are wider (20-39, 40-64, 65+), so read the sign and
the order of magnitude, not the digits.

Appends to ``age_split.csv`` in ``--out`` (default ``docs/img/migration_core/age_split``):
arm, year, age class, net (persons); and draws every arm in it into ``age_split.png``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.config import make_config
from sim.runner import run

ROOT = Path(__file__).resolve().parents[2]
CAPITAL_REGION = (11, 23, 31)  # Seoul, Incheon, Gyeonggi-do


def capital_region_net_by_age(flows: pd.DataFrame) -> pd.DataFrame:
    """Rows (year, age_class, net): movers into the capital region from the rest of Korea
    minus movers out of it, by age class of the head (``flows.parquet``'s columns)."""
    inside_from = flows["origin_code"].isin(CAPITAL_REGION)
    inside_to = flows["destination_code"].isin(CAPITAL_REGION)
    signed = flows["movers"].where(inside_to & ~inside_from, 0.0) - flows["movers"].where(
        inside_from & ~inside_to, 0.0)
    net = signed.groupby([flows["year"], flows["age_class"]]).sum()
    return net.rename("net").reset_index()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arm", default="default", help="the name of this arm in the table")
    ap.add_argument("--with", dest="overrides", nargs="*", default=[], help="Hydra overrides")
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--scale", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core" / "age_split")
    args = ap.parse_args(argv)
    cfg = make_config(["region=korea", f"run.years={args.years}", f"run.scale={args.scale}",
                       f"run.seed={args.seed}", "run.progress=false", "run.plots=false",
                       *args.overrides])
    flows = run(cfg).flows  # nothing written but the table below
    table = capital_region_net_by_age(flows).assign(arm=args.arm)[["arm", "year", "age_class", "net"]]
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "age_split.csv"
    if path.exists():
        old = pd.read_csv(path)
        table = pd.concat([old[old["arm"] != args.arm], table], ignore_index=True)
    table.to_csv(path, index=False)
    figure(table, args.out / "age_split.png")
    wide = table[table["arm"] == args.arm].pivot(index="year", columns="age_class", values="net") / 1e3
    print(f"{args.arm}: the capital region's net from the rest of Korea, thousand a year")
    print(wide.round(1).to_string())
    return 0


#: What Statistics Korea reported (FACTS.md): (year, age band, net, persons).
REPORTED = [(2021, "20s", 70_000), (2024, "40-64", -18_000)]


def figure(table: pd.DataFrame, path: Path) -> None:
    """One panel per arm: the capital region's net by age class and year, with the
    reported figures marked."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    arms = list(dict.fromkeys(table["arm"]))
    fig, axes = plt.subplots(1, len(arms), figsize=(4.6 * len(arms), 3.8), sharey=True, squeeze=False)
    colours = {"20_39": "tab:blue", "40_64": "tab:orange", "65_plus": "tab:green"}
    for ax, arm in zip(axes[0], arms, strict=True):
        wide = table[table["arm"] == arm].pivot(index="year", columns="age_class", values="net") / 1e3
        for age_class in wide.columns:
            ax.plot(wide.index, wide[age_class], color=colours.get(age_class), lw=1.8,
                    label=f"model, head {age_class.replace('_', '-').replace('-plus', '+')}")
        for year, band, net in REPORTED:
            colour = colours["20_39"] if band == "20s" else colours["40_64"]
            ax.plot(year, net / 1e3, marker="*", ms=12, color=colour, ls="none",
                    label=f"reported, {band} ({year})")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(arm.replace("_", " "), fontsize=10)
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0][0].set_ylabel("capital region's net migration\n(thousand people a year)")
    axes[0][-1].legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle("Who carries the capital region's net: the study's baseline by age class "
                 "(2025 start, no investment)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
