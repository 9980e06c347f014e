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
    python experiments/migration_core/age_split.py --sample configs/behaviour/posterior_screened.csv

With ``--sample``: every set of that behaviour sample (the study's worlds draw from the
screened one), one arm each (``set_<rank>``), into ``age_split_sets.csv``, ``age_split_sets.png`` (the first
simulated year's split of each set) and ``age_split_sets_first_year.csv`` (that split,
one row per set, for ``experiments/brief_claims/by_behaviour.py --values``).

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
    ap.add_argument("--sample", type=Path, default=None,
                    help="run every set of this behaviour sample instead (one arm per set)")
    args = ap.parse_args(argv)
    if args.sample is not None:
        return sets(args)
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


def sets(args: argparse.Namespace) -> int:
    """The split for every set of ``args.sample`` (``--with`` on top of each)."""
    from omegaconf import OmegaConf

    from sim.config import derive
    from sim.tools.validate import draw_config

    base = make_config(["region=korea", f"run.years={args.years}", f"run.scale={args.scale}",
                        f"run.seed={args.seed}", "run.progress=false", "run.plots=false"])
    extra = OmegaConf.to_container(OmegaConf.from_dotlist(list(args.overrides)))
    tables = []
    args.out.mkdir(parents=True, exist_ok=True)
    for _, row in pd.read_csv(args.sample).iterrows():
        cfg = draw_config(base, row)
        if extra:
            cfg = derive(cfg, extra)
        table = capital_region_net_by_age(run(cfg).flows).assign(arm=f"set_{int(row['rank'])}")
        tables.append(table[["arm", "year", "age_class", "net"]])
        pd.concat(tables).to_csv(args.out / "age_split_sets.csv", index=False)  # survives a kill
        first = table[table["year"] == table["year"].min()].set_index("age_class")["net"] / 1e3
        print(f"set {int(row['rank'])}, {int(table['year'].min())}:", first.round(1).to_dict(), flush=True)
    sets_figure(pd.concat(tables), args.out / "age_split_sets.png")
    first_year_by_set(pd.concat(tables)).to_csv(args.out / "age_split_sets_first_year.csv", index=False)
    return 0


def first_year_by_set(table: pd.DataFrame) -> pd.DataFrame:
    """One row per set (``rank``): the capital region's net in the first simulated year
    by age class (``capital_net_20_39``, ``capital_net_40_64``, ``capital_net_65_plus``),
    persons; what ``experiments/brief_claims/by_behaviour.py --values`` joins to the
    study's worlds."""
    first = table[table["year"] == table["year"].min()]
    wide = first.pivot(index="arm", columns="age_class", values="net").add_prefix("capital_net_")
    wide.index = wide.index.str.replace("set_", "", regex=False).astype(int)
    return (wide.rename_axis("rank").reset_index().rename_axis(None, axis=1)
            .sort_values("rank").reset_index(drop=True))


def sets_figure(table: pd.DataFrame, path: Path) -> None:
    """The first simulated year's capital-region net by age class, one point per set,
    with the reported figures."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first = table[table["year"] == table["year"].min()]
    wide = first.pivot(index="arm", columns="age_class", values="net") / 1e3
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    ax.scatter(wide["20_39"], wide["40_64"], color="tab:blue", label="a set of the sample (model)")
    for arm, (x, y) in wide[["20_39", "40_64"]].iterrows():
        ax.annotate(arm.replace("set_", ""), (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    (_, _, young), (_, _, middle) = REPORTED
    ax.scatter([young / 1e3], [middle / 1e3], marker="*", s=160, color="black",
               label="reported: 20s in 2021, 40-64 in 2024")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel("net of households headed by 20-39 (thousand people)")
    ax.set_ylabel("net of households headed by 40-64 (thousand people)")
    ax.set_title(f"The capital region's net by age in {int(first['year'].min())}, each set "
                 "(the study's baseline)", fontsize=9)
    ax.legend(fontsize=7, frameon=False, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


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
