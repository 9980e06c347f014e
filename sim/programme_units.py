"""Spending in programme units: what the public money of each recipe would buy of a real
Korean programme (issue 24 item 4).

A run records each year's public money by what it was spent on, the national columns
``spend_<item>_krw`` (:data:`sim.policy.config.SPEND_ITEMS`: the recipes, building and
operating what they built, the research centre, the operation of privately built
assets); they sum to ``investment_krw``. The units table
``sim/data/programme_units.csv`` gives one or more real units per item: a unit name in
English and Korean, its cost in KRW (public money: national + local), whether the cost
is sourced, derived or an assumption, the real programme's scale for comparison (units
and KRW over ``real_period``, where known) and the source (references in
docs/references_beliefs.md and FACTS.md). Units bought = cumulative spending / unit cost.

The unit costs are nominal KRW of the year the source reports (no deflator); a unit is
a scale, not what the model builds with the money (that is the recipe's shares,
delivery and efficiency: :mod:`sim.policy.instruments`). See docs/programme_units.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

#: The shipped units table.
UNITS_FILE = Path(__file__).resolve().parent / "data" / "programme_units.csv"
#: Its columns, in order.
COLUMNS = ("recipe", "unit_en", "unit_ko", "unit_cost_krw", "basis", "real_units",
           "real_spend_krw", "real_period", "real_en", "real_ko", "source")
#: How a unit cost was found (the ``basis`` column).
BASES = ("sourced", "derived", "assumption")
#: The national output column of each spending item.
SPEND_PREFIX, SPEND_SUFFIX = "spend_", "_krw"


def spend_column(item: str) -> str:
    """``spend_<item>_krw``: the national column of a spending item."""
    return f"{SPEND_PREFIX}{item}{SPEND_SUFFIX}"


def item_of(column: str) -> str | None:
    """The spending item of a national column ``spend_<item>_krw`` (None: not one)."""
    if column.startswith(SPEND_PREFIX) and column.endswith(SPEND_SUFFIX):
        return column[len(SPEND_PREFIX):-len(SPEND_SUFFIX)]
    return None


def load_units(path: Path | str = UNITS_FILE) -> pd.DataFrame:
    """The units table: one row per unit (an item may have several), checked: every
    column present, unit costs positive, ``basis`` one of :data:`BASES`."""
    table = pd.read_csv(path, dtype={"recipe": str}, keep_default_na=True)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    bad = table[~(table["unit_cost_krw"] > 0)]
    if len(bad):
        raise ValueError(f"{path}: unit costs must be positive: {list(bad['recipe'])}")
    basis = set(table["basis"]) - set(BASES)
    if basis:
        raise ValueError(f"{path}: basis {sorted(basis)}: one of {list(BASES)}")
    return table[list(COLUMNS)]


def units_bought(spend: Mapping[str, float], table: pd.DataFrame | None = None) -> pd.DataFrame:
    """What ``spend`` (item -> cumulative KRW) buys in each unit of ``table`` (default:
    :func:`load_units`): the table's rows with ``spend_krw`` (0 for an item not in
    ``spend``) and ``units = spend_krw / unit_cost_krw``.

    Raises:
        ValueError: money spent on an item the table has no unit for.
    """
    table = load_units() if table is None else table
    unknown = sorted(k for k, v in spend.items() if v and k not in set(table["recipe"]))
    if unknown:
        raise ValueError(f"no programme unit for {unknown} (add rows to {UNITS_FILE.name})")
    out = table.copy()
    out["spend_krw"] = [float(spend.get(r, 0.0)) for r in out["recipe"]]
    out["units"] = out["spend_krw"] / out["unit_cost_krw"]
    return out


def cumulative_spend(national: pd.DataFrame, year: int | None = None) -> dict[str, float]:
    """Item -> KRW spent from the start to ``year`` (default: the last year) of one run's
    national table (``national.parquet``: a ``year`` column and ``spend_<item>_krw``
    columns)."""
    rows = national if year is None else national[national["year"] <= year]
    return {item: float(rows[c].sum()) for c in rows.columns
            if (item := item_of(c)) is not None}
