"""The shipped province flows: rebuildable from the KOSIS files, checked on load, and true
to what Statistics Korea published."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.data import flows as F
from sim.data.region import RegionDataError, load_korea

ROOT = Path(__file__).resolve().parents[1]


def _source_dir() -> Path | None:
    """The KOSIS source files: $SIM_PROVINCE_FLOWS_SRC, else shared/data/province_flows
    beside a parent of the repository (absent in CI: those tests skip)."""
    env = os.environ.get("SIM_PROVINCE_FLOWS_SRC")
    candidates = [Path(env)] if env else [p / "shared" / "data" / "province_flows"
                                          for p in ROOT.parents]
    return next((p for p in candidates if (p / F.SOURCE_FLOWS).exists()), None)


@pytest.fixture(scope="module")
def flows() -> pd.DataFrame:
    return F.load_province_flows()


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return F.load_registered_population()


# --- the shipped files are what the builder makes from the source -----------------------


def test_rebuild_from_source_matches_shipped(tmp_path: Path) -> None:
    src = _source_dir()
    if src is None:
        pytest.skip("KOSIS source files not available (set SIM_PROVINCE_FLOWS_SRC)")
    found = F.check_source(src)
    F.write(F.build_flows(src), F.build_population(src), tmp_path)
    for name in (F.PROVINCE_FLOWS.name, F.PROVINCE_POPULATION.name):
        assert (tmp_path / name).read_bytes() == (F.PROVINCE_FLOWS.parent / name).read_bytes(), name
    # the provenance names the very files the data came from
    provenance = (F.PROVINCE_FLOWS.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "DT_1B26003_A01" in provenance
    for sha in found.values():
        assert sha in provenance


def test_annual_flows_are_the_quarters_summed(flows) -> None:
    src = _source_dir()
    if src is None:
        pytest.skip("KOSIS source files not available (set SIM_PROVINCE_FLOWS_SRC)")
    raw = pd.read_csv(src / F.SOURCE_FLOWS)
    raw = raw[raw["year"].between(F.FIRST_YEAR, F.LAST_YEAR)]
    assert int(raw["movers"].sum()) == int(flows["movers"].sum())  # 1996 Ulsan rows are 0
    # Seoul -> Gyeonggi 2015, source codes 11 -> 41, table codes 11 -> 31
    q = raw[(raw["year"] == 2015) & (raw["orig_code"] == 11) & (raw["dest_code"] == 41)]
    assert len(q) == 4
    assert F.flow_matrix(flows, 2015).loc[11, 31] == q["movers"].sum()


def test_builder_refuses_a_changed_source(tmp_path: Path) -> None:
    src = _source_dir()
    if src is None:
        pytest.skip("KOSIS source files not available (set SIM_PROVINCE_FLOWS_SRC)")
    for name in (F.SOURCE_FLOWS, F.SOURCE_POPULATION):
        (tmp_path / name).write_bytes((src / name).read_bytes())
    text = (tmp_path / F.SOURCE_FLOWS).read_text().replace("2015,1,11,Seoul,26,Busan,", "2015,1,11,Seoul,26,Busan-si,")
    (tmp_path / F.SOURCE_FLOWS).write_text(text)
    with pytest.raises(F.FlowDataError, match="SHA-256"):
        F.check_source(tmp_path)
    with pytest.raises(F.FlowDataError, match="Busan-si"):
        F.build_flows(tmp_path)


# --- codes agree with the municipality table ------------------------------------------------


def test_province_codes_are_the_tables(flows, population) -> None:
    t = load_korea().table
    table_names = dict(zip(t["province_code"], t["province"], strict=False))
    assert F.PROVINCES == dict(sorted(table_names.items()))
    assert set(t.loc[t["capital_region"], "province_code"]) == set(F.CAPITAL_REGION)
    for year in (2012, 2015):
        assert set(flows.loc[flows["year"] == year, "orig_code"]) == set(table_names)
        assert set(population.loc[population["year"] == year, "province_code"]) == set(table_names)
    # before 2012 Sejong is inside Chungnam, before 1997 Ulsan inside Gyeongnam
    assert 29 not in set(flows.loc[flows["year"] == 2011, "orig_code"])
    assert 26 not in set(flows.loc[flows["year"] == 1996, "dest_code"])
    assert 26 in set(flows.loc[flows["year"] == 1997, "dest_code"])


def test_registered_population_is_close_to_the_census_by_province(population) -> None:
    """Registration (Koreans, year end) and the 2015 census (incl. foreigners, 1 Nov)
    measure different things (Jeonnam: 6 % more registered than counted) but agree within
    8 % for every province."""
    t = load_korea().table
    census = t.groupby("province_code")["pop_2015"].sum()
    reg = population[population["year"] == 2015].set_index("province_code")["registered_population"]
    ratio = reg / census
    assert ratio.between(0.95, 1.08).all(), ratio.round(3).to_dict()


# --- published checks (README of the source, issue 26) -------------------------------------


def test_inter_province_share_2010_2015(flows) -> None:
    share = F.inter_province_share(flows).loc[2010:2015]
    assert share.between(0.32, 0.34).all(), share.round(4).to_dict()


def test_capital_region_lost_in_2015_and_gained_in_2010(flows) -> None:
    net = F.group_net_migration(F.CAPITAL_REGION, flows)
    assert abs(net[2015] - (-33_000)) < 1_000, net[2015]
    assert net[2010] > 0


def test_net_migration_2011_2015(flows) -> None:
    net = F.net_migration(flows).loc[2011:2015].sum()
    assert net[11] == pytest.approx(-542_000, rel=0.01)  # Seoul
    assert net[31] == pytest.approx(385_000, rel=0.01)  # Gyeonggi-do
    assert net[29] == pytest.approx(113_000, rel=0.01)  # Sejong
    # net moves between provinces cancel each year
    assert (F.net_migration(flows).sum(axis=1) == 0).all()


def test_net_migration_rate_uses_the_year_before(flows, population) -> None:
    rate = F.net_migration_rate(flows, population)
    pop = population.set_index(["year", "province_code"])["registered_population"]
    assert rate.loc[2015, 11] == pytest.approx(F.net_migration(flows).loc[2015, 11] / pop[2014, 11])
    assert np.isnan(rate.loc[F.FIRST_YEAR, 11]) and np.isnan(rate.loc[2012, 29])


# --- the loader refuses damaged files -------------------------------------------------------


def _damaged(tmp_path: Path, frame: pd.DataFrame, name: str = "flows.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(F.FlowDataError, match="not found") as err:
        F.load_province_flows(path)
    assert str(path) in str(err.value)
    assert isinstance(err.value, RegionDataError)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda f: f.drop(columns="movers"), "columns"),
        (lambda f: f.head(0), "no rows"),
        (lambda f: f.assign(movers=f["movers"].astype(float).where(f.index != 5)), "integers"),
        (lambda f: f.assign(movers=f["movers"].where(f.index != 7, -3)), "negative"),
        (lambda f: f[f["year"] != 2003], "years missing"),
        (lambda f: f.drop(index=f.index[(f["year"] == 2014)][3]), "2014"),
        (lambda f: pd.concat([f, f.iloc[[10]]]), "duplicated"),
        (lambda f: f.assign(dest_code=f["dest_code"].replace(39, 50)), "dest_code provinces"),
    ],
    ids=["no-column", "empty", "gap", "negative", "year-gap", "row-lost", "duplicate", "kosis-code"],
)
def test_damaged_flows_fail_naming_the_file(tmp_path, flows, damage, message) -> None:
    path = _damaged(tmp_path, damage(flows.copy()))
    with pytest.raises(F.FlowDataError, match=message) as err:
        F.load_province_flows(path)
    assert str(path) in str(err.value)


def test_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "flows.csv"
    path.write_bytes(F.PROVINCE_FLOWS.read_bytes()[:5000])
    with pytest.raises(F.FlowDataError) as err:
        F.load_province_flows(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p[~((p["year"] == 2013) & (p["province_code"] == 29))], "2013: provinces"),
        (lambda p: p.assign(registered_population=p["registered_population"].where(
            p.index != 4, 0)), "no registered population"),
    ],
    ids=["sejong-lost", "zero"],
)
def test_damaged_population_fails_naming_the_file(tmp_path, population, damage, message) -> None:
    path = _damaged(tmp_path, damage(population.copy()), "population.csv")
    with pytest.raises(F.FlowDataError, match=message) as err:
        F.load_registered_population(path)
    assert str(path) in str(err.value)
