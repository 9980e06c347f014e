"""Korean names of the municipalities and their provinces, for the map's hover and the
rankings.

One source: the region table's ``name_ko`` and ``province_ko`` columns. The shipped Korea
table gets them from the census package's Korean eup/myeon/dong names when it is built
(:func:`sim.data.build.korean_names`, docs/data.md); the synthetic region has names of
its own. A table without them (e.g. a study's map table, which has codes and English
names only) takes them from the shipped Korea table by code.
"""

from __future__ import annotations

import pandas as pd

NAME_COLUMNS = ("name_ko", "province_ko")


def load() -> pd.DataFrame:
    """``code``, ``name_ko``, ``province_ko`` of every Korea municipality, from the shipped
    region table (``""`` for a column the table lacks)."""
    from sim.data import load_korea

    table = load_korea().table
    out = table[["code"]].copy()
    for col in NAME_COLUMNS:
        out[col] = table[col].fillna("").astype(str) if col in table else ""
    return out


def with_korean_names(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (with a ``code`` column) plus ``name_ko`` and ``province_ko``: its own
    where it has them (non-empty), else the shipped Korea table's for the same code, else
    empty."""
    names = load().set_index("code")
    out = table.copy()
    codes = out["code"].astype(str)
    for col in NAME_COLUMNS:
        known = codes.map(names[col]).fillna("")
        own = out[col].fillna("").astype(str) if col in out else pd.Series("", index=out.index)
        out[col] = own.where(own != "", known)
    return out
