"""The one run path (sim.runner): build once, run many gives the results of separate runs."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.config import make_config
from sim.runner import run, run_many

BASE = ["region=synthetic", "region.n_municipalities=12", "region.seed=1", "run.scale=50",
        "run.years=3", "run.progress=false", "run.plots=false", "run.seed=4"]


@pytest.mark.parametrize("region", ["synthetic", "korea"])
def test_run_many_equals_separate_runs_bit_for_bit(region) -> None:
    """Scenarios that share a start (same region, run settings and behaviour) run from
    copies of one built state; every output is what a separate run gives."""
    extra = ["region=korea", "run.scale=1000"] if region == "korea" else []
    cfgs = [make_config([*BASE, *extra, f"scenario={s}"])
            for s in ("no_investment", "brief_combined", "status_quo_2018", "tech_city")]
    cfgs.append(make_config([*BASE, *extra, "scenario=tech_city", "beliefs=sceptic"]))
    many = run_many(cfgs)
    for cfg, got in zip(cfgs, many, strict=True):
        alone = run(cfg)
        pd.testing.assert_frame_equal(got.national, alone.national, check_exact=True)
        pd.testing.assert_frame_equal(got.municipalities, alone.municipalities, check_exact=True)
        pd.testing.assert_frame_equal(got.flows, alone.flows, check_exact=True)


def test_run_many_builds_each_distinct_start_once(monkeypatch) -> None:
    from sim import start

    built = []
    real = start.build

    def counting(region, ctx):
        built.append(ctx.cfg.run.seed)
        return real(region, ctx)

    monkeypatch.setattr(start, "build", counting)
    cfgs = [make_config([*BASE, f"scenario={s}", f"run.seed={seed}"])
            for seed in (1, 2) for s in ("no_investment", "trouble_shooter", "province_led")]
    run_many(cfgs)
    assert sorted(built) == [1, 2]


def test_the_2018_programmes_spend_every_year_on_a_small_synthetic_region() -> None:
    """More programme sites than municipalities: programmes left without a stand-in site
    get nothing, and the others spend the year's budget (no NaN)."""
    result = run(make_config([*BASE, "scenario=status_quo_2018"]))
    spent = result.national["investment_krw"].iloc[1:]
    assert spent.notna().all() and (spent == spent.iloc[0]).all() and spent.iloc[0] > 0
    assert result.municipalities["investment_krw"].notna().all()
