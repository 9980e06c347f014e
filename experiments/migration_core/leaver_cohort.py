"""Why do the households formed by leaving home leave the south-east on net? Leavers
against the start's young, and what of theirs accounts for the difference.

The in-sample 2010 start (constants fitted on KOSIS's 2011-2015 flows) of the default
behaviour (the screened sample's rank 1), exactly as ``cohort_fade.py``'s arm
``as_matched``, run to 2015 (docs/validation.md 6.4, "Whose flows fade, cohort by
cohort", left open why the leaving-home cohort loses the south-east):

    python experiments/migration_core/leaver_cohort.py --seeds 2 --scale 5

Two parts, each on the model's expected flows a year (the move and destination
probabilities times the households, no draws; ``run.py``'s ``expected_net``):

1. **Who they are** (``groups.csv``). In 2015, in Gyeongnam (38), Gyeongbuk (37), Busan
   (21) and Gyeonggi (31, a contrast; the model's province codes, KOSIS's 26 and 41),
   the households formed by leaving home since 2010 (``leaving_home``, all of them headed by someone 20-39: the model forms them aged
   20-34) against the start's households whose head is now 20-39 (``start_young``, the
   age class of ``sim.constants.TYPE_AGE_CLASS`` that the leavers share), and, as the
   young they replace, the start's households headed by someone 20-39 in 2010
   (``start_young_2010``). Per group living in the province: households (real, thousand),
   the mean expected probability of moving in a year, of leaving the province given a
   move, and the share of the province-leavers who go to the capital region (Seoul,
   Incheon, Gyeonggi: for Gyeonggi, to Seoul and Incheon); the expected persons leaving
   the province a year and arriving from other provinces, the group's expected province
   net (in-movers of the group from elsewhere included), also per 1,000 households and
   per 1,000 persons, the mean years at the home (tenure) and the shares in the move
   hazard's tenure bins (0-1, 2-4, 5-9, 10+ years), the income class shares, persons per
   household, and the share living in a county (gun). And every household by the head's
   age class (``all_20_39``, ``all_40_64``, ``all_65_plus``, every cohort) in 2010 and
   2015: which ages' nets change.

2. **What accounts for it** (``swaps.csv``). The leaving-home cohort's expected province
   nets in 2015 recomputed with each leaver household given an attribute of a *donor*:
   a start household of the same age class (20-39) drawn at random from the leaver's
   municipality (for ``muni``: from its province), from the start's young of 2015
   (``donor = start_young``) or of 2010 as the start drew them (``start_young_2010``).
   Swapped one at a time (``tenure``, ``income_class``, ``size``, and the municipality
   within the province, ``muni``), tenure and income together (``tenure_income``), all
   but the size (``all_but_size``: per household the leavers are then start households
   of the young class, one-person as they are), and all four (``all``: the leavers are
   then start households of the young class, as many per province as there are leavers). The swaps work on copies of the household columns
   handed to ``expected_net`` through a stand-in for the model; the model and the
   library are not changed. Leavers whose municipality has no donor take one from their
   province (``fallback`` counts them).

Writes ``groups.csv`` (seed, year, group, province_code, measure, value) and ``swaps.csv``
(seed, donor, swap, province_code, net in persons a year, fallback) into ``--out``
(default ``docs/img/migration_core/leaver_cohort``) and prints the tables, mean over
seeds (``--tables-only`` reprints them from the CSVs). Two seeds at scale 5 take under a
minute. The ``as_is`` nets equal ``cohort_fade.py``'s ``leaving_home`` cohort in 2015.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fade_composition  # noqa: E402  (this folder's)
import run as checks  # noqa: E402  (this folder's run.py)

from sim.constants import N_INCOME_CLASSES, age_class_of  # noqa: E402
from sim.processes.migration import TENURE_BIN  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
#: The provinces shown, by the model's province codes (``sim.data.flows.PROVINCES``, the
#: municipality table's: Busan 21, Gyeonggi 31; KOSIS's own codes are 26 and 41).
SHOWN = {38: "Gyeongnam", 37: "Gyeongbuk", 21: "Busan", 31: "Gyeonggi"}
#: The capital region: Seoul, Incheon, Gyeonggi (the model's codes; KOSIS's 11, 28, 41).
CAPITAL = (11, 23, 31)
#: The household columns the expected flows read (``run.expected_flows`` with ``rows``).
COLUMNS = ("muni", "htype", "tenure", "size")
SWAPS = {
    "tenure": ("tenure",),
    "income_class": ("income_class",),
    "size": ("size",),
    "muni": ("muni",),
    "tenure_income": ("tenure", "income_class"),
    "all_but_size": ("muni", "tenure", "income_class"),
    "all": ("muni", "tenure", "income_class", "size"),
}


class _Swapped:
    """The model with its household columns replaced by copies (``columns``): what
    ``run.expected_net`` reads of it; everything else is the model's own."""

    def __init__(self, model, columns: dict[str, np.ndarray]):
        self._model = model
        self.households = SimpleNamespace(n=model.households.n, **columns)

    def __getattr__(self, name):
        return getattr(self._model, name)


def _columns(hh) -> dict[str, np.ndarray]:
    return {c: getattr(hh, c).copy() for c in COLUMNS}


def per_household(model, columns: dict[str, np.ndarray], move_prob, dest) -> dict[str, np.ndarray]:
    """(N,) each household's expected probability of moving in a year (``p_move``), of
    leaving its province given a move (``p_leave``), and of going to the capital region
    given a move that leaves the province (``p_capital_out``, as a probability given a
    move: divide by ``p_leave`` for the share)."""
    world = model.world
    prov = world.province_index
    cap = np.isin(world.province_codes[prov], CAPITAL)
    if not np.array_equal(cap, world.capital_region):
        raise RuntimeError("the capital region's provinces are not the world's capital region")
    other = (prov[:, None] != prov[None, :]).astype(float)  # (M, M) origin x destination in another province
    leave = np.einsum("otd,od->ot", dest, other)  # (M, T)
    to_capital = np.einsum("otd,od->ot", dest, other * cap[None, :])
    muni, htype = columns["muni"].astype(np.int64), columns["htype"].astype(np.int64)
    return {"p_move": move_prob[muni, htype, TENURE_BIN[columns["tenure"]]],
            "p_leave": leave[muni, htype], "p_capital_out": to_capital[muni, htype]}


def group_rows(model, name: str, mask: np.ndarray, columns: dict[str, np.ndarray], age: np.ndarray,
               move_prob, dest, seed: int, year: int, net: pd.Series | None = None) -> list[dict]:
    """Rows (seed, year, group, province_code, measure, value) of the households ``mask``
    living in each shown province."""
    world, scale = model.world, model.scale
    prov_code = world.province_codes[world.province_index[columns["muni"]]]
    hh = per_household(model, columns, move_prob, dest)
    out_rate = hh["p_move"] * hh["p_leave"]
    if net is None:
        net = checks.expected_net(_Swapped(model, columns), rows=mask)
    rows = []
    for code in SHOWN:
        here = mask & (prov_code == code)
        k = int(here.sum())
        if k == 0:
            continue
        size = columns["size"][here].astype(float)
        tenure = columns["tenure"][here].astype(float)
        tbin = TENURE_BIN[columns["tenure"][here]]
        income = columns["htype"][here] % N_INCOME_CLASSES
        moves = hh["p_move"][here].sum()
        leaves = out_rate[here].sum()
        persons = size.sum() * scale
        persons_out = (size * out_rate[here]).sum() * scale
        values = {
            "households_k": k * scale / 1e3,
            "persons_k": persons / 1e3,
            "p_move": hh["p_move"][here].mean(),
            "p_leave_given_move": leaves / moves,
            "capital_share_of_leavers": hh["p_capital_out"][here].dot(hh["p_move"][here]) / leaves,
            "out_rate": out_rate[here].mean(),
            "persons_out_k": persons_out / 1e3,
            "persons_in_k": (float(net[code]) + persons_out) / 1e3,
            "net_k": float(net[code]) / 1e3,
            "net_per_1000_households": 1e3 * float(net[code]) / (k * scale),
            "out_per_1000_persons": 1e3 * persons_out / persons,
            "net_per_1000_persons": 1e3 * float(net[code]) / persons,
            "tenure_mean": tenure.mean(),
            **{f"tenure_bin_{b}": float(np.mean(tbin == b)) for b in range(4)},
            **{f"income_class_{i}": float(np.mean(income == i)) for i in range(N_INCOME_CLASSES)},
            "size_mean": size.mean(),
            "size_1_share": float(np.mean(size == 1)),
            "gun_share": float(np.mean(world.is_gun[columns["muni"][here]])),
            "age_mean": float(age[here].mean()),
        }
        rows += [{"seed": seed, "year": year, "group": name, "province_code": code,
                  "measure": measure, "value": float(value)} for measure, value in values.items()]
    return rows


def donors(keys: np.ndarray, pool_keys: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``keys``, the index of a random element of the pool with the same key
    (``pool_keys``), and whether there was one (where not, the index is meaningless)."""
    order = np.argsort(pool_keys, kind="stable")
    ordered = pool_keys[order]
    lo = np.searchsorted(ordered, keys, side="left")
    hi = np.searchsorted(ordered, keys, side="right")
    found = hi > lo
    pick = lo + np.floor(rng.random(len(keys)) * (hi - lo)).astype(np.int64)
    return order[np.minimum(pick, len(order) - 1)], found


def swap_rows(model, leaver: np.ndarray, pools: dict[str, dict[str, np.ndarray]], seed: int) -> list[dict]:
    """Rows (seed, donor, swap, province_code, net, fallback) of the leaving-home cohort's
    expected province nets with its households' attributes taken from donors."""
    world = model.world
    now = _columns(model.households)
    rows_of = np.flatnonzero(leaver)
    prov = world.province_index
    out = []
    base = checks.expected_net(model, rows=leaver)
    out += [{"seed": seed, "donor": "none", "swap": "as_is", "province_code": int(code),
             "net": float(v), "fallback": 0} for code, v in base.items()]
    for donor_name, pool in pools.items():
        rng = np.random.default_rng(1000 + seed)
        muni = now["muni"][rows_of].astype(np.int64)
        by_muni, found = donors(muni, pool["muni"].astype(np.int64), rng)
        by_prov, _ = donors(prov[muni], prov[pool["muni"].astype(np.int64)], rng)
        same_muni = np.where(found, by_muni, by_prov)
        for swap, attributes in SWAPS.items():
            pick = by_prov if "muni" in attributes else same_muni
            columns = {c: v.copy() for c, v in now.items()}
            if "muni" in attributes:
                columns["muni"][rows_of] = pool["muni"][pick]
            if "tenure" in attributes:
                columns["tenure"][rows_of] = pool["tenure"][pick]
            if "size" in attributes:
                columns["size"][rows_of] = pool["size"][pick]
            if "income_class" in attributes:
                age_part = now["htype"][rows_of] - now["htype"][rows_of] % N_INCOME_CLASSES
                columns["htype"][rows_of] = age_part + pool["htype"][pick] % N_INCOME_CLASSES
            net = checks.expected_net(_Swapped(model, columns), rows=leaver)
            fallback = 0 if "muni" in attributes else int((~found).sum())
            out += [{"seed": seed, "donor": donor_name, "swap": swap, "province_code": int(code),
                     "net": float(v), "fallback": fallback} for code, v in net.items()]
    return out


def run_seed(row: pd.Series, seed: int, scale: float, years: int = 5) -> tuple[list[dict], list[dict]]:
    model = fade_composition._model(row, "as_matched", seed, scale)
    hh = model.households
    start_ids = hh.uid.copy()
    move_prob, dest = model.choice_tables()
    young0 = age_class_of(hh.age) == 0
    groups = group_rows(model, "start_young_2010", young0, _columns(hh), hh.age, move_prob, dest,
                        seed, model.year)
    for a, label in enumerate(AGE_LABELS):
        groups += group_rows(model, f"all_{label}", age_class_of(hh.age) == a, _columns(hh), hh.age,
                             move_prob, dest, seed, model.year)
    pool_2010 = {c: v[young0].copy() for c, v in _columns(hh).items()}
    leaver_ids = []
    for _ in range(years):
        model.step()
        lo, hi = model.states.demography.leavers
        leaver_ids.append(hh.uid[lo:hi].copy())
    is_start = np.isin(hh.uid, start_ids)
    leaver = np.isin(hh.uid, np.concatenate(leaver_ids))
    age_class = age_class_of(hh.age)
    if np.any(age_class[leaver] != 0):
        print(f"seed {seed}: {int(np.sum(age_class[leaver] != 0))} leaver heads are 40+", flush=True)
    start_young = is_start & (age_class == 0)
    move_prob, dest = model.choice_tables()
    now = _columns(hh)
    groups += group_rows(model, "leaving_home", leaver, now, hh.age, move_prob, dest, seed, model.year)
    groups += group_rows(model, "start_young", start_young, now, hh.age, move_prob, dest, seed, model.year)
    for a, label in enumerate(AGE_LABELS):
        groups += group_rows(model, f"all_{label}", age_class == a, now, hh.age, move_prob, dest,
                             seed, model.year)
    pools = {"start_young": {c: v[start_young].copy() for c, v in now.items()},
             "start_young_2010": pool_2010}
    swaps = swap_rows(model, leaver, pools, seed)
    return groups, swaps


AGE_LABELS = ("20_39", "40_64", "65_plus")
MEASURES = ["households_k", "persons_k", "p_move", "p_leave_given_move", "capital_share_of_leavers", "out_rate",
            "persons_out_k", "persons_in_k", "net_k", "net_per_1000_households", "out_per_1000_persons",
            "net_per_1000_persons", "tenure_mean", "tenure_bin_0",
            "tenure_bin_1", "tenure_bin_2", "tenure_bin_3", "income_class_0", "income_class_1",
            "income_class_2", "size_mean", "size_1_share", "gun_share", "age_mean"]


def print_tables(groups: pd.DataFrame, swaps: pd.DataFrame) -> None:
    groups = groups.assign(group=groups["group"] + "_" + groups["year"].astype(str))
    groups["group"] = groups["group"].str.replace("start_young_2010_2010", "start_young_2010")
    mean = groups.groupby(["province_code", "group", "measure"])["value"].mean()
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        for code, name in SHOWN.items():
            table = mean.loc[code].unstack("group").reindex(MEASURES)
            table = table[[g for g in ("start_young_2010", "start_young_2015", "leaving_home_2015")
                           if g in table]]
            print(f"\n{name} ({code}): the group's households living in the province, mean of seeds")
            print(table.round(3).to_string())
        by_age = mean.unstack("measure")[["households_k", "persons_k", "net_k", "net_per_1000_persons"]]
        by_age = by_age[by_age.index.get_level_values("group").str.startswith("all_")]
        print("\nEvery household by the head's age class (all cohorts), 2010 and 2015, mean of seeds:")
        print(by_age.round(2).to_string())
        net = swaps.groupby(["donor", "swap", "province_code"])["net"].mean().unstack("province_code")[list(SHOWN)] / 1e3
        net.columns = [SHOWN[c] for c in net.columns]
        print("\nThe leaving-home cohort's expected net a year in 2015 (thousand persons) with its "
              "households' attributes from donors, mean of seeds:")
        print(net.round(2).to_string())
        spread = swaps.groupby(["donor", "swap", "province_code", "seed"])["net"].sum().unstack("seed")
        spread = ((spread.max(axis=1) - spread.min(axis=1)) / 1e3).unstack("province_code")[list(SHOWN)]
        print("the seeds' range (max - min, thousand), largest over swaps:",
              spread.max().round(2).rename(SHOWN).to_dict())
        persons = mean.xs("persons_k", level="measure")
        rate = mean.xs("net_per_1000_persons", level="measure")
        at_rate = pd.Series({SHOWN[c]: persons[(c, "leaving_home_2015")] * rate[(c, "start_young_2010")] / 1e3
                             for c in SHOWN})
        print("the leaving-home cohort's net (thousand) if its persons moved on net as the 2010 "
              "start's young did per person:", at_rate.round(2).to_dict())
        print("leavers without a donor in their municipality (took one from their province):",
              swaps.groupby(["donor", "seed"])["fallback"].max().to_dict())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fade_composition.set_arguments(ap)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core" / "leaver_cohort")
    ap.add_argument("--tables-only", action="store_true", help="print the tables from --out's CSVs (no runs)")
    args = ap.parse_args(argv)
    if args.tables_only:
        print_tables(pd.read_csv(args.out / "groups.csv"), pd.read_csv(args.out / "swaps.csv"))
        return 0
    row = fade_composition.chosen_set(ap, args)
    args.out.mkdir(parents=True, exist_ok=True)
    groups, swaps = [], []
    for seed in range(args.seeds):
        g, s = run_seed(row, seed, args.scale)
        groups += g
        swaps += s
        pd.DataFrame(groups).to_csv(args.out / "groups.csv", index=False)
        pd.DataFrame(swaps).to_csv(args.out / "swaps.csv", index=False)
        print(f"seed {seed} done", flush=True)
    print_tables(pd.DataFrame(groups), pd.DataFrame(swaps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
