"""The base period a run's migration starts from: what was observed in the years before
the start, at the levels where it was measured.

Korea does not start from a spatial equilibrium: Seoul loses about 100,000 people a year
to Gyeonggi and Incheon, Busan and Daegu lose, Sejong and Chungnam gain. The migration
core (:mod:`sim.processes.migration`) sets destination constants so that the start
reproduces these flows; this module says what they are, from the data only:

* ``growth``: each municipality's yearly log growth of its census population over the
  five years before the start. 2010 -> 2015 spans the change of census method (2010 was
  the last enumerated census, 2015 the first register-based one: the census grows 5.1 %
  nationally against 2.0 % for the registered population); that growth is corrected
  province by province to the registered population's growth
  (``province_population.csv``). 2020 -> 2025 is the out-of-sample test of a 2020 start
  and is never used here: a 2025 start takes the rates of 2015 -> 2020 (``gap`` years
  older than the start; the migration core's carry rule ages them).
* ``province_net``: net migration from other provinces, persons a year, averaged over
  the base years, from the internal migration statistics (KOSIS, 1995-2015); None where
  the base years are not in the shipped flows. A 2010 start has only these (the table
  has no 2005 census): its municipalities share their province's net in proportion to
  persons.
* ``od_shares``: where each province's leavers go, (P, P) row shares of the flows to
  other provinces (zero diagonal), averaged over the latest five years shipped at or
  before the base period's end (2011-2015 for every start after 2015). **When the base
  period ends after the flows** (the 2020 and 2025 starts), the pairs into a province
  the flows do not cover in all those years are left out (``free_destinations``; Sejong,
  founded in 2012) and each origin's row is renormalised over the rest: that province's
  in-flow is then set by its own net alone. Sejong drew 0.8 % of all movers between
  provinces in 2012 and 2.7 % in 2015 (1.3 % pooled) while it grew by 85 % over
  2015 -> 2020: no shipped year describes its draw in the base period, and holding it at
  one (pooled or 2015's) made its 2015 -> 2020 net out of reach in some behaviour sets
  and worlds. The start's constants then stopped at their round cap with nobody leaving
  Sejong (docs/model.md, section 5).
* ``leave_share``: how many leave, the share of all reported moves (within a dong
  included) that cross a province line, over the latest five years shipped at or before
  the base period's end (32.8 % in 2011-2015; a national level that moves slowly).
  One national figure, not one per province: with each province's net migration and
  where its leavers go fixed, how many leave each province is implied by how many move
  there, so only the national level is free to fit.

A region whose codes are not Korea's (the synthetic one) has its own census growth but
no province flows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.data import flows

#: Years of the base period of each start year: (first census, last census, gap), the
#: base's census years and the years from its end to the start.
BASE_YEARS: dict[int, tuple[int, int, int]] = {
    2010: (2005, 2010, 0),  # no 2005 census in the table: the province flows only
    2015: (2010, 2015, 0),
    2020: (2015, 2020, 0),
    2025: (2015, 2020, 5),  # 2020 -> 2025 is the test of a 2020 start: never fitted
}
#: The in-sample base period of a start (``constants=in_sample``): the five years after
#: it, so that the start reproduces the years it then simulates. A diagnostic and a
#: calibration setting; 2020 is left out because 2020 -> 2025 is the test, never a target.
IN_SAMPLE_YEARS: dict[int, tuple[int, int, int]] = {
    2010: (2010, 2015, 0),
    2015: (2015, 2020, 0),
}
#: Census years whose change spans the 2015 change of census method.
METHOD_CHANGE = (2010, 2015)
#: Sejong (29) and Chungcheongnam-do (34): one area until July 2012.
SEJONG_AND_CHUNGNAM = (29, 34)


@dataclass(frozen=True)
class BasePeriod:
    """What was observed before a run's start (see the module docstring).

    Attributes:
        years: the base period's census years (first, last).
        gap: years from the base period's end to the start.
        growth: (M,) yearly log growth of the census population, method-corrected; None
            when the table has no census at the base period's start (2005): then only
            the provinces' net migration is known.
        province_codes: (P,) the provinces of ``od_shares`` and ``province_net``.
        province_net: (P,) net migration from other provinces, persons a year; None
            without flows for the base years.
        od_shares: (P, P) row shares of flows to other provinces (zero diagonal); None
            without flows.
        leave_share: share of all moves that cross a province line; None without flows.
        flow_years: the years the province flows were averaged over (empty without).
        free_destinations: provinces whose in-flows ``od_shares`` leaves to their net
            (codes; see the module docstring).
    """

    years: tuple[int, int]
    gap: int
    growth: np.ndarray | None
    province_codes: np.ndarray
    province_net: np.ndarray | None
    od_shares: np.ndarray | None
    leave_share: float | None
    flow_years: tuple[int, ...]
    free_destinations: tuple[int, ...] = ()


def method_correction(table: pd.DataFrame, y0: int, y1: int) -> np.ndarray:
    """(M,) log-growth correction of each municipality over ``y0 -> y1``: minus its
    province's excess of census growth over registered growth when the period spans the
    change of census method (0 otherwise, and for provinces without registered data)."""
    if (y0, y1) != METHOD_CHANGE:
        return np.zeros(len(table))
    reg = flows.load_registered_population().pivot(
        index="year", columns="province_code", values="registered_population")
    out = np.zeros(len(table))
    codes = table["province_code"].to_numpy()
    for p in np.unique(codes):
        group = [p]
        if p in SEJONG_AND_CHUNGNAM and pd.isna(reg.at[y0, 29]):
            # Sejong was carved out of Chungnam in 2012: the registered figures of 2010
            # count its area in Chungnam, so the two are corrected together.
            group = list(SEJONG_AND_CHUNGNAM)
        if any(g not in reg.columns or pd.isna(reg.at[y1, g]) for g in group):
            continue
        here = np.isin(codes, group)
        census = np.log(table.loc[here, f"pop_{y1}"].sum() / table.loc[here, f"pop_{y0}"].sum())
        registered = np.log(reg.loc[y1, group].sum() / reg.loc[y0, group].sum())
        out[codes == p] = -(census - registered)
    return out


def base_period(table: pd.DataFrame, start_year: int, real_codes: bool, *,
                in_sample: bool = False) -> BasePeriod | None:
    """The base period of a run from ``start_year`` on the region ``table`` (None when
    the start has no earlier census in the table, e.g. 2010); with ``in_sample``, the
    five years after the start (:data:`IN_SAMPLE_YEARS`)."""
    years = IN_SAMPLE_YEARS if in_sample else BASE_YEARS
    if start_year not in years:
        return None
    y0, y1, gap = years[start_year]
    growth = None
    if f"pop_{y0}" in table and f"pop_{y1}" in table:
        p0 = table[f"pop_{y0}"].to_numpy(float)
        p1 = table[f"pop_{y1}"].to_numpy(float)
        growth = (np.log(p1 / p0) + method_correction(table, y0, y1)) / (y1 - y0)
    elif not real_codes:
        return None
    codes = np.unique(table["province_code"].to_numpy())
    province_net = od = leave = None
    flow_years: tuple[int, ...] = ()
    free: tuple[int, ...] = ()
    if real_codes:
        shipped = flows.load_province_flows()
        last = min(y1, flows.LAST_YEAR)
        flow_years = tuple(range(last - 4, last + 1))
        od = od_shares(shipped, flow_years, codes)
        if y1 > flows.LAST_YEAR:  # a base period after the flows (module docstring)
            free = founded_within(shipped, flow_years, codes)
            od = without_destinations(od, np.isin(codes, free))
        leave = leave_share(shipped, flow_years)
        if y1 <= flows.LAST_YEAR:  # net migration of the base years themselves
            net = flows.net_migration(shipped).reindex(columns=codes)
            province_net = net.loc[list(range(y0 + 1, y1 + 1))].fillna(0.0).mean().to_numpy()
    if growth is None and province_net is None:
        return None
    return BasePeriod((y0, y1), gap, growth, codes, province_net, od, leave, flow_years,
                      free)


def od_shares(table: pd.DataFrame, years: tuple[int, ...], codes: np.ndarray) -> np.ndarray:
    """(P, P) where each province's leavers went over ``years``: flows to each other
    province over all flows to other provinces (zero diagonal; provinces in ``codes``
    order; a province absent in some years, e.g. Sejong before 2012, counts the years it
    existed)."""
    rows = table[table["year"].isin(years) & (table["orig_code"] != table["dest_code"])]
    total = rows.groupby(["orig_code", "dest_code"])["movers"].sum().unstack(fill_value=0)
    total = total.reindex(index=codes, columns=codes, fill_value=0).to_numpy(float)
    np.fill_diagonal(total, 0.0)
    out_sum = total.sum(axis=1, keepdims=True)
    return np.divide(total, out_sum, out=np.zeros_like(total), where=out_sum > 0)


def founded_within(table: pd.DataFrame, years: tuple[int, ...], codes: np.ndarray) -> tuple[int, ...]:
    """Provinces of ``codes`` with no flows into them in some of ``years`` (founded during
    them)."""
    rows = table[table["year"].isin(years) & (table["movers"] > 0)]
    seen = rows.groupby("dest_code")["year"].nunique().reindex(codes, fill_value=0)
    return tuple(int(c) for c in codes[seen.to_numpy() < len(years)])


def without_destinations(shares: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """(P, P) row shares with the columns ``drop`` (P,) bool set to zero and each row
    renormalised over the others (a row with nothing left stays zero)."""
    out = np.where(drop[None, :], 0.0, shares)
    total = out.sum(axis=1, keepdims=True)
    return np.divide(out, total, out=np.zeros_like(out), where=total > 0)


def leave_share(table: pd.DataFrame, years: tuple[int, ...]) -> float:
    """The share of all reported moves over ``years`` (within a province and a dong
    included) that crossed a province line."""
    rows = table[table["year"].isin(years)]
    return float(rows.loc[rows["orig_code"] != rows["dest_code"], "movers"].sum()
                 / rows["movers"].sum())
