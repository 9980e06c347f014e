"""provinces.parquet (issue 24 item 3): one row per province and year, summed from the
municipal rows and the province flows, so it adds up to the national row every year; a
complete run holds it; the comparison reports province effects with intervals; the
dashboard shows them against the twin."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import make_config
from scipy import stats

from sim import io
from sim.config import make_config as compose_config
from sim.data import load_korea
from sim.outputs import PROVINCE_COLUMNS, WELFARE_PART_COLUMNS
from sim.runner import Result, run

SUMMED = ("population", "households", "investment_krw", "welfare_krw_total",
          *WELFARE_PART_COLUMNS, "housing_transfer_krw")


def _check_sums(result: Result, n_provinces: int) -> pd.DataFrame:
    """The province rows add up to the national row of every year; net migration sums to
    zero (NaN in the start year); returns the province rows."""
    prov, nat = result.provinces, result.national.set_index("year")
    assert list(prov.columns) == list(PROVINCE_COLUMNS)
    assert prov.groupby("year")["province_code"].nunique().eq(n_provinces).all()
    assert sorted(prov["year"].unique()) == sorted(nat.index)
    by_year = prov.groupby("year")
    for col in SUMMED:
        np.testing.assert_allclose(by_year[col].sum(), nat[col], rtol=1e-9, atol=1e-3,
                                   err_msg=col)
    for col, share in (("felt_benefit_persons", "felt_benefit_share"),
                       ("felt_loss_persons", "felt_loss_share")):
        np.testing.assert_allclose(by_year[col].sum(), nat[share] * nat["population"],
                                   rtol=1e-9, err_msg=col)
    # each province's welfare is its parts (earnings + services + other; the service
    # domains add up to services)
    np.testing.assert_allclose(
        prov[["welfare_earnings_krw", "welfare_services_krw", "welfare_other_krw"]].sum(axis=1),
        prov["welfare_krw_total"], rtol=1e-9, atol=1e-3)
    domains = [c for c in WELFARE_PART_COLUMNS if c.startswith("welfare_service_")]
    np.testing.assert_allclose(prov[domains].sum(axis=1), prov["welfare_services_krw"],
                               rtol=1e-9, atol=1e-3)
    weighted = (prov["qol"] * prov["population"]).groupby(prov["year"]).sum()
    np.testing.assert_allclose(weighted / by_year["population"].sum(), nat["qol_mean"], rtol=1e-9)
    start = prov["year"] == prov["year"].min()
    assert prov.loc[start, ["in_migrants", "out_migrants", "net_migration"]].isna().all().all()
    later = prov[~start]
    assert later["net_migration"].notna().all()
    np.testing.assert_allclose(later.groupby("year")["net_migration"].sum(), 0.0,
                               atol=1e-6 * later["in_migrants"].sum())
    # the moves across province borders are those of flows.parquet
    flows = result.flows
    cross = flows[flows["origin_code"] != flows["destination_code"]].groupby("year")["movers"].sum()
    np.testing.assert_allclose(later.groupby("year")["in_migrants"].sum(), cross, rtol=1e-9)
    spent = by_year["investment_krw"].sum() > 0
    np.testing.assert_allclose(by_year["investment_share"].sum()[spent], 1.0)
    return prov


def test_synthetic_provinces_sum_to_the_nation_and_are_written(tmp_path: Path) -> None:
    cfg = make_config("scenario=trouble_shooter")
    result = run(cfg, out_dir=tmp_path)
    prov = _check_sums(result, n_provinces=4)
    assert prov["investment_krw"].sum() > 0 and prov["welfare_krw_total"].abs().sum() > 0
    # the synthetic capital region is its metro province: no gap to itself
    assert np.allclose(prov.loc[prov["province_code"] == 11, "qol_gap_to_capital"], 0.0)
    assert (prov["province_ko"].str.len() > 0).all()
    # written beside the others, read back by Result.load; a run without it is incomplete
    assert "provinces.parquet" in io.RUN_OUTPUTS
    pd.testing.assert_frame_equal(io.read_parquet(tmp_path / "provinces.parquet"), prov)
    pd.testing.assert_frame_equal(Result.load(tmp_path).provinces, prov)
    (tmp_path / "provinces.parquet").unlink()
    assert not io.is_complete(tmp_path)
    # the recorder gives the same table (the dashboard's way)
    from sim.model import SmartCityModel

    model = SmartCityModel(make_config("scenario=trouble_shooter", "run.years=1"))
    model.step()
    pd.testing.assert_frame_equal(model.records.provinces_frame(),
                                  prov[prov["year"] <= model.year].reset_index(drop=True))


def test_korea_provinces_sum_to_the_nation() -> None:
    cfg = compose_config(["region=korea", "run.scale=1000", "run.years=2", "run.progress=false",
                          "run.plots=false", "scenario=trouble_shooter"])
    result = run(cfg)
    prov = _check_sums(result, n_provinces=17)
    assert "전북특별자치도" in set(prov["province_ko"]) or "전라북도" in set(prov["province_ko"])
    # the capital region's population-weighted gap to itself is zero (the table's codes:
    # Seoul 11, Incheon 23, Gyeonggi 31)
    table = load_korea().table
    codes = set(table.loc[table["capital_region"], "province_code"])
    assert codes == {11, 23, 31}
    capital = prov[prov["province_code"].isin(codes)]
    gap = (capital["qol_gap_to_capital"] * capital["population"]).groupby(capital["year"]).sum()
    np.testing.assert_allclose(gap / capital.groupby("year")["population"].sum(), 0.0, atol=1e-9)


def test_the_comparison_reports_province_effects(tmp_path: Path) -> None:
    from test_compare import _config, write_run

    from sim.tools import compare as cmp

    for seed in range(4):
        write_run(tmp_path / f"b{seed}", _config("no_investment", seed))
        write_run(tmp_path / f"t{seed}", _config("tech_city", seed), pop_shift=10.0 + seed)
    summary = cmp.compare(tmp_path, formats=("png",)).read_text()
    assert "## Province effects" in summary
    effects = pd.read_csv(tmp_path / "province_effects.csv")
    assert set(effects["metric"]) == {"population", "net_migration", "qol"}
    assert effects["province_code"].nunique() == 4 and set(effects["n"]) == {4}
    jb = effects[(effects["province_code"] == 35) & (effects["metric"] == "net_migration")].iloc[0]
    diffs = 10.0 + np.arange(4)  # the treatment's Jeonbuk gain, the baseline's is 0
    half = stats.t.ppf(0.975, 3) * diffs.std(ddof=1) / math.sqrt(4)
    assert jb["mean"] == pytest.approx(diffs.mean())
    assert (jb["ci_low"], jb["ci_high"]) == pytest.approx((diffs.mean() - half, diffs.mean() + half))
    assert "| tech_city | Jeonbuk (synthetic) | 4 |" in summary
    assert (tmp_path / "figures" / "provinces_tech_city.png").stat().st_size > 10_000
    assert "figures/provinces_tech_city.png" in summary


def test_the_dashboard_shows_province_effects_against_the_twin() -> None:
    from sim.dashboard import runs

    run_ = runs.DashboardRun(scenario="trouble_shooter", region="synthetic", scale="20", years=1,
                             overrides=["region.n_municipalities=12", "region.seed=1",
                                        "behaviour=default"])
    run_.step()
    now, twin = run_.provinces()
    assert len(now) == len(twin) == 4 and (now["year"] == run_.year).all()
    assert list(now["province_code"]) == list(twin["province_code"])
    assert now["investment_krw"].sum() > 0 and twin["investment_krw"].sum() == 0
    run_.release()
