"""Why does the south-east's gain from households headed by someone 40-64 fade? Their
flows by partner province, a shift-share of each flow, and who the class's households are.

The in-sample 2010 start (constants fitted on KOSIS's 2011-2015 flows) of the default
behaviour (the screened sample's rank 1), exactly as ``cohort_fade.py``'s and
``leaver_cohort.py``'s arm ``as_matched``, run to 2015 (docs/validation.md 6.4, "The
leavers against the young they replace", left open why the 40-64's gain fades):

    python experiments/migration_core/middle_age_fade.py --seeds 2 --scale 5

``--arm`` takes another of ``fade_composition.py``'s arms, e.g. the start with a migration
history (docs/validation.md 6.4, "A start with a migration history")::

    python experiments/migration_core/middle_age_fade.py --seeds 2 --scale 5 \
        --arm history_start --out docs/img/migration_core/middle_age_fade_history

Everything is on the model's expected flows a year (the move and destination
probabilities times the households, no draws; ``run.py``'s ``expected_flows``) of the
households whose type is of the 40-64 age class (``sim.constants.TYPE_AGE_CLASS == 1``,
the class the move and destination tables read), at the start (2010) and after five
simulated years (2015):

1. **By partner province** (``flows.csv``): each province pair's flow (persons a year) of
   the class, so that Gyeongnam's (38) and Gyeongbuk's (37) net change splits by
   partner (the model's province codes, ``sim.data.flows.PROVINCES``: Busan 21, Daegu 22,
   Ulsan 26, Seoul 11, Gyeonggi 31).
2. **Shift-share** of each flow from origin o to destination d: persons a year =
   households in o (H) x persons per household (s) x the persons-weighted probability of
   moving in a year (m, moves within a municipality included) x the share of the moved
   persons going to d (q). The change 2010 -> 2015 is split exactly over the four
   (log-mean Divisia: ``L(F15, F10) * dln x``; the households' factor further in
   proportion to the origin's account: ``demography``, ageing in and out, dissolved and
   formed households, against ``migration``, the class's own moves since 2010), and once
   more into the households' part
   (2015's households with 2010's move and destination tables, minus 2010) and the
   tables' part (the conditions, network and amenity carry: 2015's tables minus 2010's,
   on 2015's households). ``m`` and ``q`` are also given for 2015's households under
   2010's tables (``m_tab10``, ``q_tab10``), and the change of ``q`` is split into the
   weights of the origin's municipalities in its moves (``between``), their households'
   types and the tables (``munis.csv``: each origin municipality's flows to each
   province).
3. **Who the class is** (``stock.csv``, and in ``flows.csv`` each group's flows). The
   class's households of 2010, by what they are in 2015: ``c10_stay`` (40-64 in the same
   province), ``c10_moved_out`` (40-64, another province), ``c10_aged_out`` (65+ by
   2015, wherever they live), ``c10_gone`` (dissolved); and of 2015: ``c15_stay`` (the
   same households as ``c10_stay``, five years on), ``c15_moved_in`` (40-64 in 2010 in
   another province), ``c15_aged_in`` (20-39 in 2010, same province),
   ``c15_aged_in_moved_in`` (20-39 in 2010, another province), ``c15_new`` (formed since:
   leaving home, arrivals from abroad). Each flow then bridges exactly: F10 = the sum of
   the ``c10_`` groups' 2010 flows, F15 = the sum of the ``c15_`` groups' 2015 flows,
   and the change of each focus province's net splits exactly into the stayers' own
   change and the tables', ageing (aged in against aged out), the class's own migration
   since 2010 (moved in against moved out), and the rest.
   Per group and province: households and persons, mean years at the home (tenure), the
   shares in the move hazard's tenure bins (0-1, 2-4, 5-9, 10+ years), persons per
   household, mean age, the mean probability of moving, and for the start's households
   in 2015 the share that moved at least once since 2010 (tenure 5 or less: the start
   draws tenures of 1 and more). ``c15_stay`` is also computed under 2010's tables
   (``c15_stay_tab10``) to tell the stayers' own change from the tables'.
4. **The movers' relaxation** (``movers.csv``): the start's households of the class in
   2015 that live in another province than in 2010, by 2010 and 2015 province: how
   many, their move probability now, and the persons a year they are expected to send
   out of their new province, and back to their 2010 province.

Writes ``flows.csv`` (seed, year, tables, group, origin_code, dest_code, persons a year
real), ``stock.csv`` (seed, year, group, province_code, measure, value), ``movers.csv``
and ``munis.csv`` (seed, year, tables, muni, muni_name, origin_code, dest_code, persons a
year, the class's every household) into ``--out`` (default ``docs/img/migration_core/middle_age_fade``) and
prints the tables, mean of seeds (``--tables-only`` reprints them from the CSVs). The
model and the library are not changed. Two seeds at scale 5 take about a minute.
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

from sim.constants import TYPE_AGE_CLASS, age_class_of  # noqa: E402
from sim.data.flows import PROVINCES  # noqa: E402
from sim.processes import migration  # noqa: E402
from sim.processes.migration import TENURE_BIN  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
#: The south-east provinces whose 40-64 gain fades (model codes; KOSIS's 48 and 47).
FOCUS = {38: "Gyeongnam", 37: "Gyeongbuk"}
#: The head's age class studied (1: 40-64).
CLASS = 1
COLUMNS = ("muni", "htype", "tenure", "size")
GROUPS_2010 = ("c10_stay", "c10_moved_out", "c10_aged_out", "c10_gone")
GROUPS_2015 = ("c15_stay", "c15_moved_in", "c15_aged_in", "c15_aged_in_moved_in", "c15_new")
#: How many partners per focus province the shift-share and the bridge show.
TOP = 5


def name(code: int) -> str:
    """The province's name, short (``sim.data.flows.PROVINCES`` without "-do")."""
    return PROVINCES.get(int(code), str(code)).removesuffix("-do")


class Tables:
    """One year's move probabilities (M, T, B) and destination probabilities summed to
    provinces (M, T, P)."""

    def __init__(self, model):
        move_prob, dest = model.choice_tables()
        world = model.world
        onehot = np.zeros((model.n_munis, len(world.province_codes)))
        onehot[np.arange(model.n_munis), world.province_index] = 1.0
        self.move_prob = move_prob
        self.dest_prov = dest @ onehot


def muni_flows_of(model, columns: dict[str, np.ndarray], mask: np.ndarray, tables: Tables) -> np.ndarray:
    """(M, P) expected persons a year (real) from each origin municipality to each
    destination province (its own province included) of the households ``mask``."""
    hh = SimpleNamespace(n=int(mask.sum()), **{c: columns[c][mask] for c in COLUMNS})
    persons, _ = migration.cell_counts(hh, model.n_munis, tables.move_prob.shape[2])
    movers = (persons * tables.move_prob).sum(axis=2)  # (M, T)
    return np.einsum("ot,otp->op", movers, tables.dest_prov) * model.scale


def flows_of(model, columns: dict[str, np.ndarray], mask: np.ndarray, tables: Tables) -> np.ndarray:
    """(P, P) expected persons a year (real) from origin province to destination province
    (the diagonal: moves within the province) of the households ``mask``."""
    world = model.world
    by_muni = muni_flows_of(model, columns, mask, tables)
    p = len(world.province_codes)
    out = np.zeros((p, p))
    np.add.at(out, world.province_index, by_muni)
    return out


def muni_rows(model, seed: int, year: int, tables_label: str, by_muni: np.ndarray) -> list[dict]:
    """Rows (seed, year, tables, muni, origin_code, dest_code, persons): each origin
    municipality's flows to each province."""
    world = model.world
    codes = world.province_codes
    out = []
    for m in range(model.n_munis):
        o = int(world.province_index[m])
        for d in range(len(codes)):
            if by_muni[m, d] != 0.0:
                out.append({"seed": seed, "year": year, "tables": tables_label, "muni": m,
                            "muni_name": str(world.names[m]), "origin_code": int(codes[o]),
                            "dest_code": int(codes[d]), "persons": float(by_muni[m, d])})
    return out


def household_rows(model, columns: dict[str, np.ndarray], tables: Tables) -> dict[str, np.ndarray]:
    """Per household: province index, the move probability and the probability of
    leaving the province in a year."""
    world = model.world
    muni = columns["muni"].astype(np.int64)
    htype = columns["htype"].astype(np.int64)
    prov = world.province_index[muni]
    p_move = tables.move_prob[muni, htype, TENURE_BIN[columns["tenure"]]]
    p_stay_prov = tables.dest_prov[muni, htype, prov]
    return {"prov": prov, "p_move": p_move, "p_out": p_move * (1.0 - p_stay_prov)}


def stock_rows(model, seed: int, year: int, group: str, mask: np.ndarray, columns: dict[str, np.ndarray],
               age: np.ndarray, rows: dict[str, np.ndarray], start: bool) -> list[dict]:
    """Rows (seed, year, group, province_code, measure, value) of the households ``mask``
    by the province they live in (``columns``' year)."""
    world, scale = model.world, model.scale
    out = []
    prov = rows["prov"]
    for pi, code in enumerate(world.province_codes):
        here = mask & (prov == pi)
        k = int(here.sum())
        if k == 0:
            continue
        size = columns["size"][here].astype(float)
        tenure = columns["tenure"][here].astype(float)
        tbin = TENURE_BIN[columns["tenure"][here]]
        p_move = rows["p_move"][here]
        values = {
            "households_k": k * scale / 1e3,
            "persons_k": size.sum() * scale / 1e3,
            "size_mean": size.mean(),
            "tenure_mean": tenure.mean(),
            **{f"tenure_bin_{b}": float(np.mean(tbin == b)) for b in range(4)},
            "age_mean": float(age[here].mean()),
            "p_move": p_move.mean(),
            "p_move_persons": float(size.dot(p_move) / size.sum()),
            "out_persons_k": float(size.dot(rows["p_out"][here])) * scale / 1e3,
        }
        if start:
            values["moved_since_2010"] = float(np.mean(tenure <= 5))
        out += [{"seed": seed, "year": year, "group": group, "province_code": int(code),
                 "measure": m, "value": float(v)} for m, v in values.items()]
    return out


def flow_rows(model, seed: int, year: int, tables_label: str, group: str, flows: np.ndarray) -> list[dict]:
    codes = model.world.province_codes
    return [{"seed": seed, "year": year, "tables": tables_label, "group": group,
             "origin_code": int(codes[o]), "dest_code": int(codes[d]), "persons": float(flows[o, d])}
            for o in range(len(codes)) for d in range(len(codes)) if flows[o, d] != 0.0]


def run_seed(row: pd.Series, seed: int, scale: float, years: int = 5, arm: str = "as_matched"
             ) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    model = fade_composition._model(row, arm, seed, scale)
    hh, world = model.households, model.world
    codes = world.province_codes
    tab10 = Tables(model)
    c10 = {c: getattr(hh, c).copy() for c in COLUMNS}
    uid10, age10 = hh.uid.copy(), hh.age.copy()
    cls10 = TYPE_AGE_CLASS[c10["htype"]]
    mismatch = int(np.sum(cls10 != age_class_of(age10)))
    if mismatch:
        print(f"seed {seed}: {mismatch} households whose type's age class is not their head's", flush=True)
    check10 = checks.expected_net(model, types=TYPE_AGE_CLASS == CLASS)
    for _ in range(years):
        model.step()
    tab15 = Tables(model)
    c15 = {c: getattr(hh, c).copy() for c in COLUMNS}
    uid15, age15 = hh.uid.copy(), hh.age.copy()
    cls15 = TYPE_AGE_CLASS[c15["htype"]]
    check15 = checks.expected_net(model, types=TYPE_AGE_CLASS == CLASS)

    # Link the two years by household id.
    order = np.argsort(uid10)
    pos = np.searchsorted(uid10[order], uid15)
    pos = np.minimum(pos, len(order) - 1)
    is_start = uid10[order][pos] == uid15
    at10 = np.where(is_start, order[pos], 0)  # row in 2010 of each 2015 household (if start)
    rows10 = household_rows(model, c10, tab10)
    rows15 = household_rows(model, c15, tab15)
    prov10_of15 = np.where(is_start, rows10["prov"][at10], -1)
    cls10_of15 = np.where(is_start, cls10[at10], -1)
    # And each 2010 household's 2015 row (if it is still there).
    order15 = np.argsort(uid15)
    pos15 = np.minimum(np.searchsorted(uid15[order15], uid10), len(order15) - 1)
    alive = uid15[order15][pos15] == uid10
    at15 = np.where(alive, order15[pos15], 0)
    prov15_of10 = np.where(alive, rows15["prov"][at15], -1)
    cls15_of10 = np.where(alive, cls15[at15], -1)

    in10 = cls10 == CLASS
    g10 = {
        "c10_stay": in10 & alive & (cls15_of10 == CLASS) & (prov15_of10 == rows10["prov"]),
        "c10_moved_out": in10 & alive & (cls15_of10 == CLASS) & (prov15_of10 != rows10["prov"]),
        "c10_aged_out": in10 & alive & (cls15_of10 == 2),
        "c10_gone": in10 & ~alive,
    }
    in15 = cls15 == CLASS
    same = prov10_of15 == rows15["prov"]
    g15 = {
        "c15_stay": in15 & is_start & (cls10_of15 == CLASS) & same,
        "c15_moved_in": in15 & is_start & (cls10_of15 == CLASS) & ~same,
        "c15_aged_in": in15 & is_start & (cls10_of15 == 0) & same,
        "c15_aged_in_moved_in": in15 & is_start & (cls10_of15 == 0) & ~same,
        "c15_new": in15 & ~is_start,
    }
    if sum(int(m.sum()) for m in g10.values()) != int(in10.sum()):
        raise RuntimeError("the 2010 groups do not cover the class")
    if sum(int(m.sum()) for m in g15.values()) != int(in15.sum()):
        raise RuntimeError("the 2015 groups do not cover the class")
    if int(g10["c10_stay"].sum()) != int(g15["c15_stay"].sum()):
        raise RuntimeError("the stayers differ between the years")

    flows, stock, movers, munis = [], [], [], []
    munis += muni_rows(model, seed, 2010, "own", muni_flows_of(model, c10, in10, tab10))
    munis += muni_rows(model, seed, 2015, "own", muni_flows_of(model, c15, in15, tab15))
    munis += muni_rows(model, seed, 2015, "2010", muni_flows_of(model, c15, in15, tab10))
    all10 = flows_of(model, c10, in10, tab10)
    all15 = flows_of(model, c15, in15, tab15)
    for label, f, check in (("2010", all10, check10), ("2015", all15, check15)):
        off = f.copy()
        np.fill_diagonal(off, 0.0)
        net = pd.Series(off.sum(axis=0) - off.sum(axis=1), index=codes)
        if not np.allclose(net.values, check.reindex(codes).values, atol=1e-6 * max(1.0, np.abs(check).max())):
            raise RuntimeError(f"{label}: the class's pair flows do not add up to expected_net")
    flows += flow_rows(model, seed, 2010, "own", "all", all10)
    flows += flow_rows(model, seed, 2015, "own", "all", all15)
    flows += flow_rows(model, seed, 2015, "2010", "all", flows_of(model, c15, in15, tab10))
    flows += flow_rows(model, seed, 2010, "2015", "all", flows_of(model, c10, in10, tab15))
    for group, mask in g10.items():
        flows += flow_rows(model, seed, 2010, "own", group, flows_of(model, c10, mask, tab10))
        stock += stock_rows(model, seed, 2010, group, mask, c10, age10, rows10, start=False)
    for group, mask in g15.items():
        flows += flow_rows(model, seed, 2015, "own", group, flows_of(model, c15, mask, tab15))
        stock += stock_rows(model, seed, 2015, group, mask, c15, age15, rows15, start=group != "c15_new")
    flows += flow_rows(model, seed, 2015, "2010", "c15_stay", flows_of(model, c15, g15["c15_stay"], tab10))
    stock += stock_rows(model, seed, 2010, "all", in10, c10, age10, rows10, start=False)
    stock += stock_rows(model, seed, 2015, "all", in15, c15, age15, rows15, start=False)
    # Every age class, for the class's share of the province's households.
    stock += stock_rows(model, seed, 2010, "every_class", np.ones(len(uid10), bool), c10, age10, rows10,
                        start=False)
    stock += stock_rows(model, seed, 2015, "every_class", np.ones(len(uid15), bool), c15, age15, rows15,
                        start=False)
    # Under 2010's tables, the 2015 stayers' move probability.
    rows15_tab10 = household_rows(model, c15, tab10)
    stock += stock_rows(model, seed, 2015, "c15_stay_tab10", g15["c15_stay"], c15, age15, rows15_tab10,
                        start=True)

    # The movers' relaxation: start households of the class in 2015 that changed province.
    moved = in15 & is_start & ~same
    size = c15["size"].astype(float)
    muni = c15["muni"].astype(np.int64)
    htype = c15["htype"].astype(np.int64)
    p_move = rows15["p_move"]
    for o in np.unique(prov10_of15[moved]):
        for d in np.unique(rows15["prov"][moved & (prov10_of15 == o)]):
            here = moved & (prov10_of15 == o) & (rows15["prov"] == d)
            back = tab15.dest_prov[muni[here], htype[here], o]
            movers.append({
                "seed": seed, "from_code": int(codes[o]), "to_code": int(codes[d]),
                "households_k": here.sum() * model.scale / 1e3,
                "persons_k": size[here].sum() * model.scale / 1e3,
                "cls_2010_young_share": float(np.mean(cls10_of15[here] == 0)),
                "p_move": float(p_move[here].mean()),
                "tenure_mean": float(c15["tenure"][here].mean()),
                "out_persons_a_year": float(size[here].dot(rows15["p_out"][here])) * model.scale,
                "back_persons_a_year": float((size[here] * p_move[here]).dot(back)) * model.scale,
            })
    return flows, stock, movers, munis


# ---------------------------------------------------------------------------- tables
def _lmdi(new: float, old: float) -> float:
    if new <= 0 or old <= 0:
        return float("nan")
    if abs(new - old) < 1e-12:
        return new
    return (new - old) / (np.log(new) - np.log(old))


def flow_matrix(flows: pd.DataFrame, year: int, tables: str, group: str) -> pd.DataFrame:
    sel = flows[(flows["year"] == year) & (flows["tables"] == tables) & (flows["group"] == group)]
    return sel.groupby(["seed", "origin_code", "dest_code"])["persons"].sum().groupby(
        ["origin_code", "dest_code"]).sum().div(flows["seed"].nunique()).unstack("dest_code").fillna(0.0)


def partner_table(flows: pd.DataFrame, code: int) -> pd.DataFrame:
    f10 = flow_matrix(flows, 2010, "own", "all")
    f15 = flow_matrix(flows, 2015, "own", "all")
    partners = [c for c in f10.index if c != code]
    t = pd.DataFrame({
        "in_2010": [f10.loc[p, code] for p in partners], "in_2015": [f15.loc[p, code] for p in partners],
        "out_2010": [f10.loc[code, p] for p in partners], "out_2015": [f15.loc[code, p] for p in partners],
    }, index=partners) / 1e3
    t["net_2010"] = t["in_2010"] - t["out_2010"]
    t["net_2015"] = t["in_2015"] - t["out_2015"]
    t["d_in"] = t["in_2015"] - t["in_2010"]
    t["d_out"] = t["out_2015"] - t["out_2010"]
    t["d_net"] = t["net_2015"] - t["net_2010"]
    t = t.sort_values("d_net")
    t.loc["all"] = t.sum()
    t.index = [name(c) if c != "all" else "all" for c in t.index]
    return t


def shift_share(flows: pd.DataFrame, stock: pd.DataFrame, origin: int, dests: list[int]) -> dict:
    """The shift-share of the class's flow from ``origin`` to the provinces ``dests``."""
    n_seeds = flows["seed"].nunique()
    out = {}
    for year, tables in ((2010, "own"), (2015, "own"), (2015, "2010")):
        f = flow_matrix(flows, year, tables, "all")
        moved = f.loc[origin].sum()  # every move of the origin's households (own province too)
        out[(year, tables)] = {"F": f.loc[origin, dests].sum(), "moved": moved}
    s = stock[(stock["group"] == "all") & (stock["province_code"] == origin)]
    st = s.groupby(["year", "measure"])["value"].sum() / n_seeds
    res = {}
    for year in (2010, 2015):
        H, persons = st[(year, "households_k")] * 1e3, st[(year, "persons_k")] * 1e3
        F, moved = out[(year, "own")]["F"], out[(year, "own")]["moved"]
        res.update({f"F{year % 100}": F / 1e3, f"H{year % 100}_k": H / 1e3, f"s{year % 100}": persons / H,
                    f"m{year % 100}_%": 100 * moved / persons, f"q{year % 100}_%": 100 * F / moved})
    moved_t10 = out[(2015, "2010")]["moved"]
    res["m15_tab10_%"] = 100 * moved_t10 / (st[(2015, "persons_k")] * 1e3)
    res["q15_tab10_%"] = 100 * out[(2015, "2010")]["F"] / moved_t10
    F10, F15 = res["F10"], res["F15"]
    L = _lmdi(F15, F10)
    res["dF"] = F15 - F10
    res["by_H"] = L * np.log(res["H15_k"] / res["H10_k"])
    res["by_s"] = L * np.log(res["s15"] / res["s10"])
    res["by_m"] = L * np.log(res["m15_%"] / res["m10_%"])
    res["by_q"] = L * np.log(res["q15_%"] / res["q10_%"])
    # The change of the origin's households split into demography (ageing in and out,
    # dissolved, formed) and the class's own migration (moved in and out since 2010).
    acc = account(stock, origin)
    dem = acc["aged_in"] + acc["new"] - acc["aged_out"] - acc["gone"]
    mig = acc["moved_in"] + acc["aged_in_moved_in"] - acc["moved_out"]
    res["by_H_demography"] = res["by_H"] * dem / (dem + mig)
    res["by_H_migration"] = res["by_H"] * mig / (dem + mig)
    res["households_part"] = out[(2015, "2010")]["F"] / 1e3 - F10
    res["tables_part"] = F15 - out[(2015, "2010")]["F"] / 1e3
    return res


def account(stock: pd.DataFrame, code: int | None) -> dict:
    """The class's households (thousand) in the province (None: the nation) in 2010,
    what left it by 2015 and what joined it, and in 2015."""
    n_seeds = stock["seed"].nunique()
    sel = stock[stock["measure"] == "households_k"]
    if code is not None:
        sel = sel[sel["province_code"] == code]
    h = sel.groupby(["year", "group"])["value"].sum() / n_seeds
    get = lambda y, g: float(h.get((y, g), 0.0))  # noqa: E731
    return {"H10": get(2010, "all"), "aged_out": get(2010, "c10_aged_out"), "gone": get(2010, "c10_gone"),
            "moved_out": get(2010, "c10_moved_out"), "moved_in": get(2015, "c15_moved_in"),
            "aged_in": get(2015, "c15_aged_in"), "aged_in_moved_in": get(2015, "c15_aged_in_moved_in"),
            "new": get(2015, "c15_new"), "H15": get(2015, "all")}


def q_split(munis: pd.DataFrame, origin: int, dests: list[int]) -> dict:
    """The share of the origin's moved persons going to ``dests`` (q, %), 2010 and 2015,
    its change split into the municipalities' weights in the origin's moves (between) and
    each municipality's own share (within: the households' types under 2010's tables,
    and the tables), and the municipalities that add most to the between part."""
    n_seeds = munis["seed"].nunique()
    sel = munis[munis["origin_code"] == origin]
    parts = {}
    for year, tables in ((2010, "own"), (2015, "own"), (2015, "2010")):
        t = sel[(sel["year"] == year) & (sel["tables"] == tables)]
        moved = t.groupby("muni")["persons"].sum() / n_seeds
        to = t[t["dest_code"].isin(dests)].groupby("muni")["persons"].sum().reindex(moved.index).fillna(0) / n_seeds
        parts[(year, tables)] = (moved, to)
    m10, t10 = parts[(2010, "own")]
    m15, t15 = parts[(2015, "own")]
    m15b, t15b = parts[(2015, "2010")]
    idx = m10.index.union(m15.index)
    m10, t10, m15, t15, m15b, t15b = (x.reindex(idx).fillna(0.0) for x in (m10, t10, m15, t15, m15b, t15b))
    w10, w15 = m10 / m10.sum(), m15 / m15.sum()
    q10 = (t10 / m10.where(m10 > 0)).fillna(0.0)
    q15 = (t15 / m15.where(m15 > 0)).fillna(0.0)
    q15b = (t15b / m15b.where(m15b > 0)).fillna(0.0)
    qbar = (q10 + q15) / 2
    between = (w15 - w10) * (qbar - (w10 * q10).sum())
    res = {"q10_%": 100 * (w10 * q10).sum(), "q15_%": 100 * (w15 * q15).sum(),
           "between_pt": 100 * between.sum(),
           "within_types_pt": 100 * ((w10 + w15) / 2 * (q15b - q10)).sum(),
           "within_tables_pt": 100 * ((w10 + w15) / 2 * (q15 - q15b)).sum()}
    names = sel.drop_duplicates("muni").set_index("muni")["muni_name"]
    top = between.sort_values(ascending=False).head(4)
    res["top_between"] = "; ".join(
        f"{names[m]} w {100 * w10[m]:.1f}->{100 * w15[m]:.1f} % q {100 * q10[m]:.0f}->{100 * q15[m]:.0f} %"
        for m in top.index)
    return res


def bridge(flows: pd.DataFrame, origin: int, dests: list[int]) -> dict:
    """The class's flow origin -> dests in 2010 and 2015 by group (thousand a year)."""
    res = {}
    for group, year in [*((g, 2010) for g in GROUPS_2010), *((g, 2015) for g in GROUPS_2015)]:
        f = flow_matrix(flows, year, "own", group)
        res[group] = (f.loc[origin, [d for d in dests if d in f.columns]].sum() if origin in f.index else 0.0) / 1e3
    f = flow_matrix(flows, 2015, "2010", "c15_stay")
    res["c15_stay_tab10"] = (f.loc[origin, [d for d in dests if d in f.columns]].sum() if origin in f.index else 0.0) / 1e3
    return res


def print_tables(flows: pd.DataFrame, stock: pd.DataFrame, movers: pd.DataFrame, munis: pd.DataFrame) -> None:
    n_seeds = flows["seed"].nunique()
    codes = sorted(flows["origin_code"].unique())
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 40)
    top_partners: set[int] = set()
    pairs = []
    for code, label in FOCUS.items():
        t = partner_table(flows, code)
        print(f"\n== {label} ({code}): the 40-64 class's expected flows with each partner, thousand "
              f"persons a year, mean of {n_seeds} seeds (sorted by the change of the net)")
        print(t.round(2).to_string())
        order = t.drop(index="all").index
        by_name = {name(c): c for c in codes}
        partners = [by_name[n] for n in order[:TOP]]
        top_partners |= set(partners)
        others = [c for c in codes if c != code]
        pairs += [(f"{name(p)} -> {label}", p, [code]) for p in partners]
        pairs.append((f"all others -> {label}", None, [code]))
        pairs += [(f"{label} -> {name(p)}", code, [p]) for p in partners]
        pairs.append((f"{label} -> all others", code, others))
    rows, bridges = {}, {}
    for label, origin, dests in pairs:
        if origin is None:  # the sum over origins: per origin, then added
            code = dests[0]
            parts = [shift_share(flows, stock, o, [code]) for o in codes if o != code]
            keys = ["F10", "F15", "dF", "by_H", "by_H_demography", "by_H_migration", "by_s", "by_m", "by_q",
                    "households_part", "tables_part"]
            rows[label] = {k: sum(p[k] for p in parts) for k in keys}
            br = [bridge(flows, o, [code]) for o in codes if o != code]
            bridges[label] = {k: sum(b[k] for b in br) for k in br[0]}
            continue
        rows[label] = shift_share(flows, stock, origin, dests)
        bridges[label] = bridge(flows, origin, dests)
    ss = pd.DataFrame(rows).T
    print("\n== Shift-share of the class's flows: F (thousand persons a year) = H (households, k) x s "
          "(persons per household) x m (% moving a year) x q (% of moved persons going to the "
          "destination); the change split over the four (log-mean Divisia), and into the households' "
          "part (2015's households under 2010's tables) and the tables' part; m, q of 2015's households "
          "under 2010's tables as m15_tab10, q15_tab10")
    cols = ["F10", "F15", "dF", "H10_k", "H15_k", "s10", "s15", "m10_%", "m15_%", "m15_tab10_%", "q10_%",
            "q15_%", "q15_tab10_%", "by_H", "by_s", "by_m", "by_q", "households_part", "tables_part"]
    print(ss.reindex(columns=cols).round(3).to_string())
    print("\n   by_H split by the origin's account (demography: aged in - aged out - dissolved + formed; "
          "migration: the class's moves in - out since 2010), thousand persons a year")
    print(ss.reindex(columns=["by_H", "by_H_demography", "by_H_migration"]).round(3).to_string())
    nets = {}
    for label in FOCUS.values():
        into, out = ss.loc[f"all others -> {label}"], ss.loc[f"{label} -> all others"]
        nets[label] = {k: into[k] - out[k] for k in ("dF", "by_H", "by_H_demography", "by_H_migration", "by_s",
                                                      "by_m", "by_q", "households_part", "tables_part")}
    print("\n== The change of the class's net (in from all others - out to all others), thousand persons "
          "a year, by factor")
    print(pd.DataFrame(nets).T.round(3).to_string())

    qs = {}
    for label, origin, dests in pairs:
        if origin is not None:
            qs[label] = q_split(munis, origin, dests)
    qs = pd.DataFrame(qs).T
    print("\n== The destination share q (%): its change (points) split into the origin's municipalities' "
          "weights in its moves (between), their households' types (within, 2015's households under 2010's "
          "tables) and the tables; the municipalities adding most to the between part")
    with pd.option_context("display.max_colwidth", 200):
        print(qs[["q10_%", "q15_%", "between_pt", "within_types_pt", "within_tables_pt"]].astype(float)
              .round(3).to_string())
        print(qs[["top_between"]].to_string())
    br = pd.DataFrame(bridges).T
    br["F10"] = br[list(GROUPS_2010)].sum(axis=1)
    br["F15"] = br[list(GROUPS_2015)].sum(axis=1)
    print("\n== Bridge: each flow (thousand persons a year) as the sum over groups. F10 = the 2010 "
          "class by its fate (stay: 40-64 in the same province in 2015; moved_out; aged_out: 65+ by "
          "2015; gone: dissolved); F15 = the 2015 class by origin (stay: the same households five years "
          "on; moved_in: 40-64 in 2010 elsewhere; aged_in: 20-39 in 2010 here; aged_in_moved_in; new); "
          "c15_stay_tab10: the stayers in 2015 under 2010's tables")
    print(br[["F10", *GROUPS_2010, "F15", *GROUPS_2015, "c15_stay_tab10"]].round(3).to_string())
    net_parts = {}
    for label in FOCUS.values():
        into, out = br.loc[f"all others -> {label}"], br.loc[f"{label} -> all others"]
        d = into - out  # each group's part of the net (in from all others - out)
        net_parts[label] = {
            "d_net": d["F15"] - d["F10"],
            "stayers_own": d["c15_stay_tab10"] - d["c10_stay"],
            "stayers_tables": d["c15_stay"] - d["c15_stay_tab10"],
            "ageing (aged_in - aged_out)": d["c15_aged_in"] - d["c10_aged_out"],
            "class_migration (moved_in - moved_out)": d["c15_moved_in"] - d["c10_moved_out"],
            "aged_in_moved_in": d["c15_aged_in_moved_in"],
            "new - gone": d["c15_new"] - d["c10_gone"],
            "in: stayers": into["c15_stay"] - into["c10_stay"],
            "in: ageing": into["c15_aged_in"] + into["c15_aged_in_moved_in"] - into["c10_aged_out"],
            "in: class_migration": into["c15_moved_in"] - into["c10_moved_out"],
            "out: stayers": out["c15_stay"] - out["c10_stay"],
            "out: ageing": out["c15_aged_in"] + out["c15_aged_in_moved_in"] - out["c10_aged_out"],
            "out: class_migration": out["c15_moved_in"] - out["c10_moved_out"],
        }
    print("\n== The change of the class's net by group (thousand persons a year; the first seven rows add up "
          "to d_net): the stayers' own change (2015's stayers under 2010's tables) and the tables'; those "
          "who aged in against those who aged out; those who moved in since 2010 against those who moved "
          "out; and the in- and out-flows' parts (in: the origins' households, out: the province's own)")
    print(pd.DataFrame(net_parts).round(3).to_string())

    mean = stock.groupby(["province_code", "year", "group", "measure"])["value"].sum() / n_seeds
    shown = list(FOCUS) + sorted(top_partners - set(FOCUS))
    acc = pd.DataFrame({**{name(c): account(stock, c) for c in shown}, "nation": account(stock, None)}).T
    acc["check"] = (acc["H10"] - acc["aged_out"] - acc["gone"] - acc["moved_out"] + acc["moved_in"]
                    + acc["aged_in"] + acc["aged_in_moved_in"] + acc["new"] - acc["H15"])
    pct = acc.drop(columns=["H10", "check"]).div(acc["H10"], axis=0) * 100
    print("\n== The 40-64 class's households, 2010 -> 2015 (thousand; the second table in % of 2010): "
          "aged_out = 65+ by 2015 (wherever), gone = dissolved, moved_out = still 40-64 in another province; "
          "moved_in = 40-64 in 2010 elsewhere; aged_in = 20-39 in 2010 here; aged_in_moved_in = 20-39 in 2010 "
          "elsewhere; new = formed since")
    print(acc.round(1).to_string())
    print(pct.round(1).to_string())
    measures = ["households_k", "persons_k", "size_mean", "age_mean", "tenure_mean", "tenure_bin_0",
                "tenure_bin_1", "tenure_bin_2", "tenure_bin_3", "p_move", "p_move_persons", "out_persons_k",
                "moved_since_2010"]
    print("\n== Who the 40-64 class is, by province (the focus and their top partners), mean of seeds")
    for code in shown:
        t = mean.loc[code].unstack("measure").reindex(columns=measures)
        every = t.loc[[(2010, "every_class"), (2015, "every_class")], "households_k"].values
        t = t.drop(index=[(2010, "every_class"), (2015, "every_class")])
        print(f"\n{name(code)} ({code}): the class's share of the province's households "
              f"{100 * t.loc[(2010, 'all'), 'households_k'] / every[0]:.1f} % -> "
              f"{100 * t.loc[(2015, 'all'), 'households_k'] / every[1]:.1f} %")
        print(t.round(3).to_string())

    m = movers.groupby(["from_code", "to_code"])[[c for c in movers.columns if c not in
                                                   ("seed", "from_code", "to_code")]].mean()
    for code, label in FOCUS.items():
        for side, key in (("into", "to_code"), ("out of", "from_code")):
            t = m.xs(code, level=key)
            t = t.sort_values("persons_k", ascending=False)
            t.loc["all"] = t.sum()
            for c in ("cls_2010_young_share", "p_move", "tenure_mean"):
                t.loc["all", c] = np.nan
            t.index = [name(c) if c != "all" else "all" for c in t.index]
            print(f"\n== The start's households of the class in 2015 that moved {side} {label} since 2010 "
                  f"(by {'2010' if side == 'into' else '2015'} province), now: persons a year expected to "
                  f"leave the province they live in, and to go back")
            print(t.head(TOP + 3).round(3).to_string())
            print(t.loc[["all"]].round(3).to_string(header=False))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fade_composition.set_arguments(ap)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core" / "middle_age_fade")
    ap.add_argument("--tables-only", action="store_true", help="print the tables from --out's CSVs (no runs)")
    ap.add_argument("--arm", default="as_matched", choices=sorted(fade_composition.ARMS),
                    help="the start and behaviour (fade_composition.py's arms, e.g. history_start)")
    args = ap.parse_args(argv)
    if args.tables_only:
        print_tables(pd.read_csv(args.out / "flows.csv"), pd.read_csv(args.out / "stock.csv"),
                     pd.read_csv(args.out / "movers.csv"), pd.read_csv(args.out / "munis.csv"))
        return 0
    row = fade_composition.chosen_set(ap, args)
    args.out.mkdir(parents=True, exist_ok=True)
    flows, stock, movers, munis = [], [], [], []
    for seed in range(args.seeds):
        f, s, m, u = run_seed(row, seed, args.scale, arm=args.arm)
        flows += f
        stock += s
        movers += m
        munis += u
        pd.DataFrame(munis).to_csv(args.out / "munis.csv", index=False)
        pd.DataFrame(flows).to_csv(args.out / "flows.csv", index=False)
        pd.DataFrame(stock).to_csv(args.out / "stock.csv", index=False)
        pd.DataFrame(movers).to_csv(args.out / "movers.csv", index=False)
        print(f"seed {seed} done", flush=True)
    print_tables(pd.DataFrame(flows), pd.DataFrame(stock), pd.DataFrame(movers), pd.DataFrame(munis))
    return 0


if __name__ == "__main__":
    sys.exit(main())
