"""Internal migration between Korea's 17 provinces, and their registered population.

Statistics Korea publishes every quarter how many people reported a move from one
province to another (and within a province), from the resident registration. The model
uses these flows as targets at the level where they exist (shares, net migration by
province and year, distance decay between provinces); the census stays the source of
the municipal stocks (:mod:`sim.data.build`). Two files ship in ``sim/data/korea/``:

* ``province_flows.csv`` -- ``year``, ``orig_code``, ``dest_code``, ``movers``: persons
  who reported a move from the origin province to the destination province in the
  calendar year (the four quarters summed), 1995-2015. The diagonal (``orig_code ==
  dest_code``) counts moves between eup/myeon/dong of the same province.
* ``province_population.csv`` -- ``year``, ``province_code``, ``registered_population``:
  resident-registration population (Koreans) at the end of each year, 1995-2015.

Provinces carry the 2-digit codes of the municipality table's ``province_code`` (11
Seoul, 21 Busan, ... 29 Sejong, 31 Gyeonggi-do, ... 39 Jeju-do), not the KOSIS codes of
the source (11, 26 Busan, ... 36 Sejong, 41 Gyeonggi-do, ... 50 Jeju). Each year has the
provinces that existed then: Ulsan from 1997 (inside Gyeongsangnam-do before; KOSIS's
1996 Ulsan rows are all zero and are dropped), Sejong from 2012 (inside
Chungcheongnam-do before). Nothing is moved between provinces to a later geography.

Source: Statistics Korea, KOSIS table DT_1B26003_A01 ("Number of internal migrants by
origin and destination for province", quarterly) and the resident-registration
population by province, as downloaded from KOSIS in July 2021 and kept in the data-raw
folder of the R package migest (G. Abel). Rebuild from those files with
``python -m sim.data.flows --src DIR`` (the build checks their SHA-256 against
:data:`SOURCE_SHA256`). Loading checks the files and raises :class:`FlowDataError`
naming the file and the problem.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from sim.data.region import KOREA_DIR, RegionDataError

PROVINCE_FLOWS = KOREA_DIR / "province_flows.csv"
PROVINCE_POPULATION = KOREA_DIR / "province_population.csv"

#: Years shipped (inclusive).
FIRST_YEAR, LAST_YEAR = 1995, 2015

#: The 17 provinces: municipality-table code -> English name as in that table.
PROVINCES: dict[int, str] = {
    11: "Seoul",
    21: "Busan",
    22: "Daegu",
    23: "Incheon",
    24: "Gwangju",
    25: "Daejeon",
    26: "Ulsan",
    29: "Sejong",
    31: "Gyeonggi-do",
    32: "Gangwon-do",
    33: "Chungcheongbuk-do",
    34: "Chungcheongnam-do",
    35: "Jeollabuk-do",
    36: "Jeollanam-do",
    37: "Gyeongsangbuk-do",
    38: "Gyeongsangnam-do",
    39: "Jeju-do",
}
#: Provinces created within the period: code -> first year with its own rows (before it,
#: its territory is counted in the province it was part of).
FIRST_YEAR_OF: dict[int, int] = {
    26: 1997,  # Ulsan Metropolitan City, split from Gyeongsangnam-do in July 1997
    29: 2012,  # Sejong, created in July 2012 from Chungcheongnam-do (mostly Yeongi-gun)
}
#: Capital region: Seoul, Incheon, Gyeonggi-do.
CAPITAL_REGION = (11, 23, 31)

#: KOSIS province code of the source -> (table code, name in the flows file, name in the
#: population file). The builder refuses any other code or name.
KOSIS_PROVINCES: dict[int, tuple[int, str, str]] = {
    11: (11, "Seoul", "Seoul"),
    26: (21, "Busan", "Busan"),
    27: (22, "Daegu", "Daegu"),
    28: (23, "Incheon", "Incheon"),
    29: (24, "Gwangju", "Gwangju"),
    30: (25, "Daejeon", "Daejeon"),
    31: (26, "Ulsan", "Ulsan"),
    36: (29, "Sejong", "Sejong_si"),
    41: (31, "Gyeonggi-do", "Gyeonggi-do"),
    42: (32, "Gangwon-do", "Gangwon-do"),
    43: (33, "Chungcheongbuk-do", "Chungcheongbuk-do"),
    44: (34, "Chungcheongnam-do", "Chungcheongnam-do"),
    45: (35, "Jeollabuk-do", "Jeollabuk-do"),
    46: (36, "Jeollanam-do", "Jeollanam-do"),
    47: (37, "Gyeongsangbuk-do", "Gyeongsangbuk-do"),
    48: (38, "Gyeongsangnam-do", "Gyeongsangnam-do"),
    50: (39, "Jeju", "Jeju-do"),
}
#: Rows of the population file for parts of a later province inside another one (Ulsan-si
#: and Ulsan-gun inside Gyeongsangnam-do before 1997): already counted there, not shipped.
POPULATION_PARTS = frozenset({"(Ulsan-si)", "(Ulsan-gun)"})

SOURCE_FLOWS = "province_flows_1970_2015.csv"
SOURCE_POPULATION = "province_population_1992_2015.csv"
#: SHA-256 of the source files the shipped data were built from (migest data-raw, KOSIS
#: download of July 2021).
SOURCE_SHA256: dict[str, str] = {
    SOURCE_FLOWS: "2485ea0a9a2e4ddc61a383d44349898b296172f97d294604f8692c9782bd5ca4",
    SOURCE_POPULATION: "7abd92f0d299ad62a443c494d429733a231af5ea6d6ebc3a0bfa6eb8ce7361e4",
}


def provenance() -> str:
    """The section of ``sim/data/korea/PROVENANCE.md`` on the province files (written by
    :mod:`sim.data.build` with the rest of that file)."""
    return (
        "\n## Province flows and registered population\n\n"
        "- Files: `province_flows.csv` (movers by origin x destination province x year, "
        f"{FIRST_YEAR}-{LAST_YEAR}, quarters summed, moves within a province on the diagonal) "
        "and `province_population.csv` (resident-registration population by province, year end)\n"
        "- Source: Statistics Korea (KOSIS), *Internal Migration Statistics*, table "
        "DT_1B26003_A01 (\"Number of internal migrants by origin and destination for province\", "
        "quarterly), and the resident-registration population by province; downloaded from "
        "KOSIS in July 2021 and kept in the data-raw folder of the R package migest "
        "(G. Abel; https://github.com/guyabel/migest). Korean public statistics: cite "
        "Statistics Korea.\n"
        + "".join(f"- Source file `{name}`: SHA-256 `{sha}`\n" for name, sha in SOURCE_SHA256.items())
        + "- Rebuild: `python -m sim.data.flows --src DIR` (DIR holds the two source files; "
        "the build refuses files with another checksum)\n"
        "- Province codes are the municipality table's `province_code` (KOSIS's 26 Busan ... "
        "50 Jeju recoded; `sim.data.flows.KOSIS_PROVINCES`); Ulsan from 1997, Sejong from "
        "2012. See `docs/data.md`.\n"
    )


FLOW_COLUMNS = ("year", "orig_code", "dest_code", "movers")
POPULATION_COLUMNS = ("year", "province_code", "registered_population")


class FlowDataError(RegionDataError):
    """A province flow or population file is missing, unreadable or inconsistent."""


def provinces_in(year: int) -> list[int]:
    """Codes of the provinces that have their own rows in ``year``, ascending."""
    return [c for c in PROVINCES if FIRST_YEAR_OF.get(c, 0) <= year]


# ------------------------------------------------------------------------------ build
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_source(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise FlowDataError(f"{path}: source file not found")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as err:  # pandas raises several types for damaged files
        raise FlowDataError(f"{path}: cannot be read as CSV ({err})") from err


def _integers(s: pd.Series, path: Path, what: str) -> pd.Series:
    out = pd.to_numeric(s, errors="coerce")
    if out.isna().any() or (out < 0).any() or (out != out.round()).any():
        bad = s[out.isna() | (out < 0) | (out != out.round())].unique()[:5].tolist()
        raise FlowDataError(f"{path}: {what} must be non-negative integers, found {bad}")
    return out.astype("int64")


def build_flows(src: Path | str) -> pd.DataFrame:
    """Annual movers origin x destination province, ``FIRST_YEAR``..``LAST_YEAR``, from
    the quarterly source file in ``src`` (see the module docstring)."""
    path = Path(src) / SOURCE_FLOWS
    raw = _read_source(path)
    cols = ["year", "quarter", "orig_code", "orig", "dest_code", "dest", "movers"]
    if list(raw.columns) != cols:
        raise FlowDataError(f"{path}: columns {list(raw.columns)}, expected {cols}")
    for c in ("year", "quarter", "orig_code", "dest_code"):
        raw[c] = _integers(raw[c], path, c)
    raw = raw[raw["year"].between(FIRST_YEAR, LAST_YEAR)].copy()
    if (raw["movers"] == "").any():
        bad = raw.loc[raw["movers"] == "", ["year", "quarter", "orig", "dest"]].head()
        raise FlowDataError(f"{path}: no figure (empty movers) in\n{bad}")
    raw["movers"] = _integers(raw["movers"], path, "movers")
    for side in ("orig", "dest"):
        pairs = raw[[f"{side}_code", side]].drop_duplicates()
        for code, name in zip(pairs[f"{side}_code"], pairs[side], strict=True):
            if code not in KOSIS_PROVINCES or KOSIS_PROVINCES[code][1] != name:
                raise FlowDataError(f"{path}: unknown province {code} {name!r} ({side})")
        raw[side] = raw[f"{side}_code"].map(lambda c: KOSIS_PROVINCES[c][0])
    # Rows of a province before it existed (KOSIS lists Ulsan in 1996 with zeros).
    early = (raw["year"] < raw["orig"].map(lambda c: FIRST_YEAR_OF.get(c, 0))) | (
        raw["year"] < raw["dest"].map(lambda c: FIRST_YEAR_OF.get(c, 0))
    )
    if raw.loc[early, "movers"].any():
        bad = raw.loc[early & (raw["movers"] > 0)].head()
        raise FlowDataError(f"{path}: movers for a province before it existed:\n{bad}")
    raw = raw[~early]
    for year, rows in raw.groupby("year"):
        codes = provinces_in(int(year))
        expected = 4 * len(codes) ** 2
        if (
            len(rows) != expected
            or rows.duplicated(["quarter", "orig", "dest"]).any()
            or sorted(rows["orig"].unique()) != codes
            or sorted(rows["dest"].unique()) != codes
            or sorted(rows["quarter"].unique()) != [1, 2, 3, 4]
        ):
            raise FlowDataError(
                f"{path}: {year} is not a complete quarterly {len(codes)} x {len(codes)} table "
                f"({len(rows)} rows, expected {expected})"
            )
    years = sorted(raw["year"].unique())
    if years != list(range(FIRST_YEAR, LAST_YEAR + 1)):
        raise FlowDataError(f"{path}: years {years[0]}-{years[-1]} with gaps or missing years")
    out = (
        raw.groupby(["year", "orig", "dest"], sort=True)["movers"].sum().reset_index()
        .rename(columns={"orig": "orig_code", "dest": "dest_code"})
    )
    return out[list(FLOW_COLUMNS)].astype("int64")


def build_population(src: Path | str) -> pd.DataFrame:
    """Registered population by province at the end of each year,
    ``FIRST_YEAR``..``LAST_YEAR``, from the source file in ``src``."""
    path = Path(src) / SOURCE_POPULATION
    raw = _read_source(path)
    cols = ["province", "year", "registered_population"]
    if list(raw.columns) != cols:
        raise FlowDataError(f"{path}: columns {list(raw.columns)}, expected {cols}")
    raw["year"] = _integers(raw["year"], path, "year")
    raw = raw[raw["year"].between(FIRST_YEAR, LAST_YEAR) & ~raw["province"].isin(POPULATION_PARTS)]
    by_name = {v[2]: v[0] for v in KOSIS_PROVINCES.values()}
    unknown = sorted(set(raw["province"]) - set(by_name))
    if unknown:
        raise FlowDataError(f"{path}: unknown provinces {unknown}")
    raw = raw.assign(province_code=raw["province"].map(by_name))
    exists = raw["year"] >= raw["province_code"].map(lambda c: FIRST_YEAR_OF.get(c, 0))
    absent = raw.loc[~exists, "registered_population"]
    if (absent != "-").any():
        raise FlowDataError(f"{path}: a population for a province before it existed:\n"
                            f"{raw.loc[~exists & (raw['registered_population'] != '-')].head()}")
    raw = raw[exists].copy()
    raw["registered_population"] = _integers(raw["registered_population"], path,
                                             "registered_population")
    out = raw[list(POPULATION_COLUMNS)].sort_values(["year", "province_code"], ignore_index=True)
    _check_population(out, path)
    return out.astype("int64")


def write(flows: pd.DataFrame, population: pd.DataFrame, out_dir: Path | str = KOREA_DIR) -> None:
    """Write ``province_flows.csv`` and ``province_population.csv`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    flows.to_csv(out / PROVINCE_FLOWS.name, index=False, lineterminator="\n")
    population.to_csv(out / PROVINCE_POPULATION.name, index=False, lineterminator="\n")


def check_source(src: Path | str) -> dict[str, str]:
    """SHA-256 of the two source files; :class:`FlowDataError` if either differs from
    :data:`SOURCE_SHA256` (the download the shipped files and PROVENANCE.md describe)."""
    found = {}
    for name, expected in SOURCE_SHA256.items():
        path = Path(src) / name
        if not path.exists():
            raise FlowDataError(f"{path}: source file not found")
        found[name] = _sha256(path)
        if found[name] != expected:
            raise FlowDataError(
                f"{path}: SHA-256 {found[name]} is not the recorded {expected}; if this is a "
                "new download, update SOURCE_SHA256 in sim/data/flows.py and the provenance "
                "(sim/data/korea/PROVENANCE.md via sim.data.build, docs/data.md)"
            )
    return found


# ------------------------------------------------------------------------------- load
def _read_shipped(path: Path, columns: Iterable[str]) -> pd.DataFrame:
    if not path.exists():
        raise FlowDataError(
            f"{path}: file not found; reinstall the package or rebuild it with "
            "`python -m sim.data.flows --src DIR`"
        )
    try:
        table = pd.read_csv(path)
    except Exception as err:  # pandas raises several types for damaged files
        raise FlowDataError(f"{path}: cannot be read as CSV ({err})") from err
    columns = list(columns)
    if list(table.columns) != columns:
        raise FlowDataError(f"{path}: columns {list(table.columns)}, expected {columns}")
    if len(table) == 0:
        raise FlowDataError(f"{path}: the table has no rows")
    for c in columns:
        s = table[c]
        if not pd.api.types.is_integer_dtype(s):
            raise FlowDataError(f"{path}: column {c!r} must hold integers only, found {s.dtype} "
                                f"(missing or non-numeric values)")
        if (s < 0).any():
            raise FlowDataError(f"{path}: column {c!r} has negative values")
    return table.astype("int64")


def _check_years(years: Iterable[int], path: Path) -> None:
    years = sorted(set(int(y) for y in years))
    if years != list(range(years[0], years[-1] + 1)):
        missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        raise FlowDataError(f"{path}: years missing: {missing}")


def _check_flows(table: pd.DataFrame, path: Path) -> None:
    _check_years(table["year"], path)
    if table.duplicated(["year", "orig_code", "dest_code"]).any():
        dup = table[table.duplicated(["year", "orig_code", "dest_code"], keep=False)].head()
        raise FlowDataError(f"{path}: duplicated year/origin/destination rows:\n{dup}")
    for year, rows in table.groupby("year"):
        codes = provinces_in(int(year))
        for side in ("orig_code", "dest_code"):
            found = sorted(rows[side].unique())
            if found != codes:
                raise FlowDataError(
                    f"{path}: {year}: {side} provinces {found}, expected {codes} (the "
                    "provinces of that year; sim.data.flows.PROVINCES)"
                )
        if len(rows) != len(codes) ** 2:
            raise FlowDataError(f"{path}: {year}: {len(rows)} rows, expected the full "
                                f"{len(codes)} x {len(codes)} table")


def _check_population(table: pd.DataFrame, path: Path) -> None:
    _check_years(table["year"], path)
    if table.duplicated(["year", "province_code"]).any():
        raise FlowDataError(f"{path}: duplicated year/province rows")
    for year, rows in table.groupby("year"):
        found = sorted(rows["province_code"].unique())
        if found != provinces_in(int(year)):
            raise FlowDataError(f"{path}: {year}: provinces {found}, expected "
                                f"{provinces_in(int(year))}")
    if (table["registered_population"] <= 0).any():
        raise FlowDataError(f"{path}: provinces with no registered population")


def load_province_flows(path: Path | str = PROVINCE_FLOWS) -> pd.DataFrame:
    """Annual movers ``year``, ``orig_code``, ``dest_code``, ``movers`` (int64), sorted,
    checked: every year a full table of that year's provinces (:func:`provinces_in`).

    Raises:
        FlowDataError: naming the file and the problem.
    """
    path = Path(path)
    table = _read_shipped(path, FLOW_COLUMNS)
    _check_flows(table, path)
    return table.sort_values(["year", "orig_code", "dest_code"], ignore_index=True)


def load_registered_population(path: Path | str = PROVINCE_POPULATION) -> pd.DataFrame:
    """Registered population at year end: ``year``, ``province_code``,
    ``registered_population`` (int64), sorted and checked like the flows."""
    path = Path(path)
    table = _read_shipped(path, POPULATION_COLUMNS)
    _check_population(table, path)
    return table.sort_values(["year", "province_code"], ignore_index=True)


# ---------------------------------------------------------------------------- helpers
def flow_matrix(flows: pd.DataFrame, year: int) -> pd.DataFrame:
    """Movers of ``year`` as an origin (rows) x destination (columns) table of codes."""
    rows = flows[flows["year"] == year]
    if rows.empty:
        raise KeyError(f"no province flows for {year}")
    return rows.pivot(index="orig_code", columns="dest_code", values="movers")


def net_migration(flows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Net migration from other provinces, year (rows) x province code (columns):
    movers in from the other provinces minus movers out to them (moves within a province
    do not count). NaN for a province in a year before it existed."""
    flows = load_province_flows() if flows is None else flows
    between = flows[flows["orig_code"] != flows["dest_code"]]
    inflow = between.groupby(["year", "dest_code"])["movers"].sum()
    outflow = between.groupby(["year", "orig_code"])["movers"].sum()
    net = inflow.rename_axis(["year", "province_code"]) - outflow.rename_axis(
        ["year", "province_code"])
    return net.unstack("province_code").reindex(columns=list(PROVINCES))


def group_net_migration(codes: Iterable[int], flows: pd.DataFrame | None = None) -> pd.Series:
    """Net migration of a group of provinces (e.g. :data:`CAPITAL_REGION`) with the rest
    of the country, by year: moves between members of the group do not count."""
    flows = load_province_flows() if flows is None else flows
    members = set(codes)
    unknown = members - set(PROVINCES)
    if unknown:
        raise KeyError(f"unknown province codes {sorted(unknown)}")
    o = flows["orig_code"].isin(members)
    d = flows["dest_code"].isin(members)
    inflow = flows[d & ~o].groupby("year")["movers"].sum()
    outflow = flows[o & ~d].groupby("year")["movers"].sum()
    return (inflow.sub(outflow, fill_value=0)).astype("int64").rename("net_migration")


def inter_province_share(flows: pd.DataFrame | None = None) -> pd.Series:
    """Share of all reported moves that cross a province line, by year."""
    flows = load_province_flows() if flows is None else flows
    total = flows.groupby("year")["movers"].sum()
    between = flows[flows["orig_code"] != flows["dest_code"]].groupby("year")["movers"].sum()
    return (between / total).rename("inter_province_share")


def net_migration_rate(flows: pd.DataFrame | None = None,
                       population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Net migration from other provinces per registered resident at the end of the year
    before, year x province code (NaN where the population of the year before is not
    shipped, e.g. the first year, or a province's first year)."""
    net = net_migration(flows)
    population = load_registered_population() if population is None else population
    pop = population.pivot(index="year", columns="province_code",
                           values="registered_population").reindex(columns=list(PROVINCES))
    before = pop.shift(1, axis=0).reindex(net.index)
    return net / before.astype(float)


# -------------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> None:
    """``python -m sim.data.flows --src DIR [--out DIR]``."""
    parser = argparse.ArgumentParser(description="Build the province flows from the KOSIS files.")
    parser.add_argument("--src", type=Path, required=True,
                        help=f"directory holding {SOURCE_FLOWS} and {SOURCE_POPULATION}")
    parser.add_argument("--out", type=Path, default=KOREA_DIR, help="output directory")
    args = parser.parse_args(argv)
    check_source(args.src)
    flows = build_flows(args.src)
    population = build_population(args.src)
    write(flows, population, args.out)
    share = inter_province_share(flows)
    print(f"wrote {len(flows)} flow rows ({FIRST_YEAR}-{LAST_YEAR}) and {len(population)} "
          f"population rows to {args.out}; inter-province share "
          f"{share.min():.1%}-{share.max():.1%}")


__all__ = [
    "CAPITAL_REGION", "FIRST_YEAR", "FIRST_YEAR_OF", "FlowDataError", "LAST_YEAR", "PROVINCES",
    "build_flows", "build_population", "flow_matrix", "group_net_migration",
    "inter_province_share", "load_province_flows", "load_registered_population",
    "net_migration", "net_migration_rate", "provinces_in",
]

if __name__ == "__main__":
    main()
