"""Spending in programme units (issue 24 item 4): the public money by what it was spent
on (``spend_<item>_krw``), the units table (sim/data/programme_units.csv) and the
comparison's "Programme units" section.

The identity: every year, the items (each recipe's building and the operation of what
it built, the research centre's share, the operation of privately built assets) sum to
``investment_krw``, nationally and in each municipality (up to float rounding: the
same numbers added in another order).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import i18n, io
from sim import programme_units as pu
from sim.config import make_config
from sim.model import SmartCityModel
from sim.policy.config import RECIPES, SPEND_ITEMS
from sim.tools import compare as cmp

SMALL = ["region=synthetic", "region.n_municipalities=12", "region.seed=1", "run.scale=20",
         "run.seed=3", "run.progress=false", "run.plots=false"]
SPEND_COLUMNS = [pu.spend_column(k) for k in SPEND_ITEMS]


def _run(*overrides: str, years: int = 5) -> tuple[pd.DataFrame, SmartCityModel]:
    m = SmartCityModel(make_config([*SMALL, f"run.years={years}", *overrides]))
    try:
        m.run()
        return m.records.national_frame(), m
    finally:
        m.release()


# ------------------------------------------------------------------ the identity


@pytest.mark.parametrize("overrides", [
    ["scenario=brief_combined"],  # place-based recipes, operation, a research centre
    ["scenario=status_quo_2018", "lifecycle=package", "beliefs.private.leverage=0.5"],
    ["scenario=tech_city"],
])
def test_spending_by_item_sums_to_investment_every_year(overrides) -> None:
    nat, m = _run(*overrides)
    assert list(nat.columns[nat.columns.str.startswith("spend_")]) == SPEND_COLUMNS
    total = nat[SPEND_COLUMNS].sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, nat["investment_krw"].to_numpy(), rtol=1e-12, atol=1e-3)
    assert nat["investment_krw"].sum() > 0
    assert (nat[SPEND_COLUMNS] >= 0).all().all()
    # the last year's split per municipality too
    np.testing.assert_allclose(m.policy.spend_krw.sum(axis=1), m.policy.investment_krw,
                               rtol=1e-12, atol=1e-3)


def test_each_item_gets_what_the_model_assigns_it() -> None:
    """The research centre's share is its column; a single-recipe scenario spends all on
    its recipe; operation of privately built assets is counted apart from the recipes."""
    nat, m = _run("scenario=brief_combined")
    cfg = m.cfg
    share = cfg.instrument.research_centre.share
    assert share > 0
    spent = nat["investment_krw"] > 0
    expected = cfg.budget.annual_krw * share * (1 + cfg.budget.local_match_rate)
    np.testing.assert_allclose(nat.loc[spent, "spend_research_centre_krw"], expected, rtol=1e-12)
    used = {k for k in SPEND_ITEMS if nat[pu.spend_column(k)].sum() > 0}
    assert used == {"research_centre", cfg.instrument.place_based_gun,
                    cfg.instrument.place_based_other, cfg.instrument.place_based_innovation_city}

    nat, _ = _run("scenario=tech_city")
    np.testing.assert_allclose(nat["spend_tech_test_bed_krw"], nat["investment_krw"], rtol=1e-12)

    nat, _ = _run("scenario=status_quo_2018", "lifecycle=package", "beliefs.private.leverage=0.5")
    assert nat["spend_private_assets_krw"].sum() > 0
    assert nat["private_investment_krw"].sum() > 0


def test_zero_budget_buys_zero_units() -> None:
    nat, _ = _run("scenario=tech_city", "budget.annual_krw=0", years=2)
    assert (nat[["investment_krw", *SPEND_COLUMNS]] == 0).all().all()
    bought = pu.units_bought(pu.cumulative_spend(nat))
    assert len(bought) and (bought["units"] == 0).all() and (bought["spend_krw"] == 0).all()
    assert (pu.units_bought({})["units"] == 0).all()


# ------------------------------------------------------------------ the units table


def test_the_units_table_covers_every_item_that_can_receive_money() -> None:
    table = pu.load_units()
    assert set(RECIPES) <= set(SPEND_ITEMS)
    assert set(table["recipe"]) == set(SPEND_ITEMS), "one or more units per spending item"
    assert (table["unit_cost_krw"] > 0).all()
    hangul = re.compile("[\uac00-\ud7a3]")
    for _, row in table.iterrows():
        assert row["unit_en"] and hangul.search(row["unit_ko"]), row["recipe"]
        assert isinstance(row["source"], str) and row["source"], row["recipe"]
        if row["basis"] == "assumption":
            assert "ssumption" in row["source"], f"{row['recipe']}: say what is assumed"
        if isinstance(row["real_en"], str):
            assert isinstance(row["real_ko"], str) and hangul.search(row["real_ko"])


def test_units_are_cumulative_spending_over_unit_cost() -> None:
    """FACTS.md: smart villages, KRW 103.9 B for 78 localities in 2024."""
    bought = pu.units_bought({"smart_village": 103.9e9, "pilot_city": 0.0})
    village = bought[bought["unit_en"].str.startswith("smart-village locality")]
    assert village["units"].item() == pytest.approx(78, rel=1e-9)
    assert village["real_units"].item() == 78
    taxi = bought[bought["unit_en"].str.startswith("100-won taxi")]
    assert taxi["units"].item() == pytest.approx(103.9 / 26.6 * 82, rel=1e-8)
    assert (bought.loc[bought["recipe"] != "smart_village", "units"] == 0).all()
    nat = pd.DataFrame({"year": [2025, 2026, 2027], "investment_krw": [0, 2e9, 4e9],
                        "spend_master_plan_krw": [0, 2e9, 4e9]})
    assert pu.cumulative_spend(nat) == {"master_plan": 6e9}
    assert pu.cumulative_spend(nat, year=2026) == {"master_plan": 2e9}
    with pytest.raises(ValueError, match="no programme unit"):
        pu.units_bought({"teleportation": 1.0})


# ------------------------------------------------------------------ the comparison


def _sweep(folder: Path) -> None:
    """Three seeds of a baseline (nothing spent) and of a treatment that spends KRW
    51.95 B a year on smart villages for two years: 103.9 B, 78 localities."""
    from test_compare import YEARS, _config, write_run

    for seed in range(3):
        for scenario, per_year in (("no_investment", 0.0), ("smart_village", 51.95e9)):
            run_dir = folder / f"{scenario}_{seed}"
            write_run(run_dir, _config(scenario, seed))
            nat = io.read_parquet(run_dir / "national.parquet")
            spend = np.where(np.asarray(YEARS) > YEARS[0], per_year, 0.0)
            nat = nat.assign(investment_krw=spend,
                             **{c: spend if c == "spend_smart_village_krw" else 0.0
                                for c in SPEND_COLUMNS})
            io.write_parquet(nat, run_dir / "national.parquet")


def test_the_comparison_shows_programme_units(tmp_path: Path) -> None:
    _sweep(tmp_path)
    summary = cmp.compare(tmp_path, figures=False).read_text()
    assert "## Programme units" in summary
    section = summary.split("## Programme units", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| smart_village |")]
    assert len(rows) == 2 and "no_investment" not in section.replace("`", "")
    assert "| 78 |" in rows[0] and "103.9 B" in rows[0]  # units bought, the real programme
    units = pd.read_csv(tmp_path / "programme_units.csv")
    assert set(units["condition"]) == {"smart_village"}
    assert units.loc[units["unit_cost_krw"] == 1332051282, "units"].item() == pytest.approx(78)
    assert (units["runs"] == 3).all()
    # up to a year: the first simulated year's half
    cmp.compare(tmp_path, figures=False, year=2016)
    first = pd.read_csv(tmp_path / "programme_units_2016.csv")
    assert first.loc[first["unit_cost_krw"] == 1332051282, "units"].item() == pytest.approx(39)
    # in Korean, every text translated
    with i18n.strict():
        korean = cmp.compare(tmp_path, figures=False, lang="ko").read_text()
    assert "## 사업 단위" in korean and "스마트빌리지 사업 지역" in korean


def test_runs_before_the_spend_columns_say_so(tmp_path: Path) -> None:
    from test_compare import _config, write_run

    for seed in range(2):
        write_run(tmp_path / f"b{seed}", _config("no_investment", seed))
    summary = cmp.compare(tmp_path, figures=False).read_text()
    assert "written before the `spend_*` columns" in summary
    assert not (tmp_path / "programme_units.csv").exists()


def test_a_real_sweep_reports_the_units_its_money_bought(tmp_path: Path) -> None:
    from sim.runner import run as run_to_disk

    base = ["region=synthetic", "run.scale=400", "run.plots=false", "run.progress=false",
            "run.years=2"]
    for name in ("no_investment", "brief_combined"):
        run_to_disk(make_config([*base, f"scenario={name}"]), out_dir=tmp_path / name)
    summary = cmp.compare(tmp_path, figures=False).read_text()
    assert "| brief_combined | `research_centre` |" in summary
    units = pd.read_csv(tmp_path / "programme_units.csv")
    nat = io.read_parquet(tmp_path / "brief_combined" / "national.parquet")
    spent = units.drop_duplicates("recipe")["spend_krw"].sum()
    assert spent == pytest.approx(nat["investment_krw"].sum(), rel=1e-12)
