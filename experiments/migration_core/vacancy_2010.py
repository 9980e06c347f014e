"""Does the 2010 dwelling stock's spread of empty homes keep three provinces off the bar?
``sample_fade.py``'s bar in expectation (the in-sample 2010 start, run to 2015) with the
region table's ``housing_units_2010`` replaced for this script's runs only (issue 26,
docs/validation.md 6.4).

The 2010 census counted 793,848 empty dwellings, but the package has no count per
municipality: ``sim/data/build.py`` spreads them by each municipality's share of the
2015 empty dwellings (``housing_units_2010`` = occupied dwellings of 2010 plus that
share). A 2010 start reads the column three ways: its building pipeline is
``(housing_units_2015 - housing_units_2010) / 5`` a year (``census.housing_pipeline``),
its starting stock is the 2010 households times ``housing_units_2010`` per household
(``census.housing_units``), and the stock's history-matching moment
(``sim.tools.history.census_facts``) is its growth 2010 -> 2015. The starting vacancy
rates are the 2015 census's whatever the arm (``census.vacancy_rate``). The spread is not
pinned by any data in the package, and it moves the provinces' stock growth 2010 -> 2015
a lot. Arms:

* ``as_shipped``: the table as built (the 793,848 by the 2015 empty dwellings);
* ``occupied_share``: the 793,848 by each municipality's share of 2010's occupied
  dwellings (every municipality at Korea's 2010 vacancy rate);
* ``half``: the mean of the two spreads.

Each arm keeps every municipality's occupied dwellings of 2010 and Korea's total of
2010 dwellings (rounded to whole dwellings that sum to the shipped total). Nothing in
``sim/`` changes: the Korea table's loader is wrapped inside each run (also in the
worker processes of ``--jobs``), and the province stock growth of the table the model's
pipeline actually read is recorded from every run and checked against the arm's.

    python experiments/migration_core/vacancy_2010.py --ranks 1 --seeds 6 --scale 5 --jobs 2
    python experiments/migration_core/vacancy_2010.py --ranks 1 --seeds 6 --scale 5 --jobs 2 \
        --with behaviour.migration.size_of=occupied behaviour.migration.beta_size=0.6 \
        --out docs/img/migration_core/vacancy_2010/occupied_0.6

``--ranks``: sets of ``--sample`` (0: the default point; rank 1 of the screened sample is
the default behaviour). Writes into ``--out`` (default
``docs/img/migration_core/vacancy_2010``): every run's five-year province totals
(``vacancy_2010_seeds.csv``), the verdict in expectation of each province, rank and arm
(``bar_expectation.csv``: within, undecided or outside a third of KOSIS;
``sample_fade.py``'s ``bar_verdicts``), and each arm's province dwellings 2010 and 2015,
their growth and the pipeline a year the model computed (``dwelling_growth.csv``).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as checks  # noqa: E402  (this folder's run.py)
from sample_fade import _province_totals, bar_verdicts, with_overrides  # noqa: E402  (this folder's)

import sim.data.census  # noqa: E402
import sim.data.region  # noqa: E402
from sim.data import flows as kosis  # noqa: E402
from sim.data.build import VACANT_DWELLINGS_2010, largest_remainder  # noqa: E402
from sim.tools.validate import draw_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ARMS = ("as_shipped", "occupied_share", "half")
COLUMN = "housing_units_2010"
#: The table the arms replace the column of (``region.data``).
FOLDER = "korea"
#: Printed in the summary (with KOSIS beside).
SHOWN = {11: "Seoul", 31: "Gyeonggi", 29: "Sejong", 32: "Gangwon", 37: "Gyeongbuk",
         38: "Gyeongnam", 36: "Jeonnam"}


def occupied_2010(table: pd.DataFrame, vacant: float = VACANT_DWELLINGS_2010) -> pd.Series:
    """(M,) occupied dwellings of 2010: the shipped column less its spread of the
    ``vacant`` empty dwellings (by the 2015 empty dwellings; exact to the column's
    rounding to whole dwellings)."""
    by_2015 = table["vacant_housing_2015"].astype(float)
    return table[COLUMN].astype(float) - vacant * by_2015 / by_2015.sum()


def vacant_share(table: pd.DataFrame, arm: str, vacant: float = VACANT_DWELLINGS_2010) -> pd.Series:
    """(M,) each municipality's share of 2010's empty dwellings in ``arm`` (sums to 1)."""
    by_2015 = table["vacant_housing_2015"].astype(float)
    by_2015 = by_2015 / by_2015.sum()
    occupied = occupied_2010(table, vacant)
    by_occupied = occupied / occupied.sum()
    shares = {"as_shipped": by_2015, "occupied_share": by_occupied,
              "half": (by_2015 + by_occupied) / 2}
    if arm not in shares:
        raise ValueError(f"unknown arm {arm!r}: choose from {ARMS}")
    return shares[arm]


def dwellings_2010(table: pd.DataFrame, arm: str, vacant: float = VACANT_DWELLINGS_2010) -> pd.Series:
    """(M,) ``housing_units_2010`` of ``arm``: each municipality's occupied dwellings plus
    its share of the ``vacant`` empty ones, rounded to whole dwellings summing to the
    shipped total (``as_shipped``: the column itself)."""
    if arm == "as_shipped":
        return table[COLUMN].copy()
    units = occupied_2010(table, vacant) + vacant * vacant_share(table, arm, vacant)
    return largest_remainder(units, int(table[COLUMN].sum())).astype(table[COLUMN].dtype)


def with_arm(table: pd.DataFrame, arm: str) -> pd.DataFrame:
    """A copy of ``table`` with ``arm``'s 2010 dwellings."""
    out = table.copy()
    out[COLUMN] = dwellings_2010(table, arm)
    return out


def province_growth(table: pd.DataFrame, pipeline: np.ndarray | None = None) -> pd.DataFrame:
    """Dwellings 2010 and 2015 by province, their growth in %, and (``pipeline`` (M,),
    dwellings a year) the pipeline summed by province."""
    cols = table[["province_code", COLUMN, "housing_units_2015"]]
    if pipeline is not None:
        cols = cols.assign(pipeline_a_year=np.asarray(pipeline, float))
    g = cols.groupby("province_code").sum()
    g["growth_pct"] = 100 * (g["housing_units_2015"] / g[COLUMN] - 1)
    return g.rename(columns={COLUMN: "dwellings_2010", "housing_units_2015": "dwellings_2015"})


@contextlib.contextmanager
def arm_table(arm: str, record: list | None = None):
    """Inside: every load of the Korea table (``sim.data.region.load_data``, which
    ``load_region`` and so the model use) gets ``arm``'s 2010 dwellings; with ``record``,
    each building pipeline the model computes appends :func:`province_growth` of the
    table it was computed from. Restored on exit (the worker processes of ``--jobs`` run
    many tasks)."""
    loader = sim.data.region._cached_table
    pipeline = sim.data.census.housing_pipeline

    def load(folder: str):
        table, boundaries = loader(folder)
        return (with_arm(table, arm) if folder == FOLDER else table), boundaries

    def recorded(table, start_year, new_towns=False):
        out = pipeline(table, start_year, new_towns)
        if record is not None:
            record.append(province_growth(table, out))
        return out

    sim.data.region._cached_table = load
    sim.data.census.housing_pipeline = recorded
    try:
        yield
    finally:
        sim.data.region._cached_table = loader
        sim.data.census.housing_pipeline = pipeline


def one_run(arm: str, rank: int, seed: int, cfg) -> tuple[list[dict], pd.DataFrame]:
    """One in-sample run of ``arm``: its five-year province totals (``sample_fade.py``'s
    rows, with the arm) and the province growth of the table its pipeline read."""
    record: list[pd.DataFrame] = []
    with arm_table(arm, record):
        rows = _province_totals(rank, seed, cfg)
    if len(record) != 1:
        raise RuntimeError(f"{arm}: the model computed {len(record)} pipelines, expected 1")
    return [{"arm": arm, **r} for r in rows], record[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=Path, default=ROOT / "configs" / "behaviour" / "posterior_screened.csv")
    ap.add_argument("--ranks", type=int, nargs="*", default=[1],
                    help="sets of --sample (0: the default point; default 1, the default behaviour)")
    ap.add_argument("--arms", nargs="*", default=list(ARMS), help=f"arms, of {list(ARMS)}")
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--scale", type=float, default=5.0)
    ap.add_argument("--jobs", type=int, default=1, help="parallel runs (each a process; default 1)")
    ap.add_argument("--with", dest="overrides", nargs="*", default=[],
                    help="Hydra overrides added to every run (a mechanism switched on)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core" / "vacancy_2010")
    args = ap.parse_args(argv)
    unknown = set(args.arms) - set(ARMS)
    if unknown:
        ap.error(f"unknown --arms {sorted(unknown)}: choose from {list(ARMS)}")
    if args.seeds < 2:
        ap.error("--seeds must be at least 2 (the verdict in expectation needs a spread)")
    from joblib import Parallel, delayed

    from sim.data.region import load_data

    shipped = load_data(FOLDER).table
    expected = {arm: province_growth(with_arm(shipped, arm)) for arm in args.arms}
    for arm, g in expected.items():
        print(f"{arm}: dwellings 2010 {g['dwellings_2010'].sum():,.0f}; growth 2010-2015 %:",
              {int(c): round(v, 1) for c, v in g["growth_pct"].items()}, flush=True)
    sets = pd.read_csv(args.sample)
    rows = {int(r["rank"]): r for _, r in sets.iterrows()}

    def config(rank: int, seed: int):
        cfg = checks._config(2010, 5, checks.IN_SAMPLE, seed, args.scale)
        return with_overrides(draw_config(cfg, rows[rank]) if rank else cfg, args.overrides)

    tasks = [(arm, rank, seed, config(rank, seed))
             for arm in args.arms for rank in args.ranks for seed in range(args.seeds)]
    args.out.mkdir(parents=True, exist_ok=True)
    runs, used = [], {}
    done = Parallel(n_jobs=args.jobs, return_as="generator")(delayed(one_run)(*t) for t in tasks)
    for (arm, rank, seed, _), (totals, growth) in zip(tasks, done, strict=True):
        # The patch reached the model: its pipeline read the arm's table.
        np.testing.assert_allclose(growth["dwellings_2010"], expected[arm]["dwellings_2010"], rtol=0,
                                   atol=0.5, err_msg=f"{arm}, rank {rank}, seed {seed}")
        used.setdefault(arm, growth)
        runs += totals
        pd.DataFrame(runs).to_csv(args.out / "vacancy_2010_seeds.csv", index=False)  # survives a kill
        if seed == args.seeds - 1:
            print(f"{arm}, rank {rank}: {args.seeds} seeds done", flush=True)
    growth = pd.concat(used, names=["arm"]).reset_index()
    growth.insert(2, "province", growth["province_code"].map(kosis.PROVINCES))
    growth.round(3).to_csv(args.out / "dwelling_growth.csv", index=False)

    observed = kosis.net_migration().loc[2011:2015].fillna(0).sum()
    stats, counts = bar_verdicts(pd.DataFrame(runs), observed, args.seeds, ["rank", "arm"])
    stats.insert(3, "province", stats["province_code"].map(kosis.PROVINCES))
    stats.to_csv(args.out / "bar_expectation.csv", index=False)
    counts["outside_provinces"] = stats[stats["verdict"] == "outside"].groupby(["rank", "arm"])[
        "province"].agg(" ".join)
    print(counts.fillna("").to_string())
    nets = stats[stats["province_code"].isin(SHOWN)].pivot_table(
        index=["rank", "arm"], columns="province_code", values="mean") / 1e3
    nets.loc[("kosis", ""), :] = observed.reindex(nets.columns).to_numpy() / 1e3
    print("five-year nets, thousand:")
    print(nets[list(SHOWN)].rename(columns=SHOWN).round(1).to_string())
    print("dwelling growth 2010-2015, %:")
    print(growth.pivot_table(index="arm", columns="province_code", values="growth_pct")[list(SHOWN)]
          .rename(columns=SHOWN).round(1).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
