"""History matching (sim/tools/history.py): implausibility, emulators and the rejection
design on toy functions, the waves recovering known parameters (a toy simulator, and the
model itself on the synthetic region), resuming without redoing a run, the shipped files
the study reads, and the command line refusing bad options."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.tools import history as hm
from sim.tools.calibrate import Param

ROOT = Path(__file__).resolve().parent.parent
TOY_SPACE = (Param("toy.a", 0.0, 1.0), Param("toy.b", 0.0, 1.0))
TRUTH = {"toy.a": 0.3, "toy.b": 0.7}


def toy(params, seed, **_):
    """Two linear summaries with a little seed noise: identifiable from both together."""
    a, b = params["toy.a"], params["toy.b"]
    noise = np.random.default_rng([seed, int(a * 1e6), int(b * 1e6)]).normal(0, 0.005, 2)
    return {"sum": a + b + noise[0], "diff": a - b + noise[1]}


def toy_targets(var_disc: float = 0.02**2) -> list[hm.Target]:
    return [hm.Target("sum", 1.0, 0.0, var_disc), hm.Target("diff", -0.4, 0.0, var_disc)]


def toy_setup(**kw) -> hm.Setup:
    base = dict(space=TOY_SPACE, seeds=2, first=20, per_wave=15, waves=3, candidates=20_000,
                restarts=0, kth=1)  # two summaries: both must match
    return hm.Setup(**(base | kw))


# ------------------------------------------------------------------ the pieces
def test_implausibility_is_the_standardized_distance_and_kth_picks_the_order() -> None:
    imp = hm.implausibility(np.array([1.0, 0.0]), np.array([[0.0, 0.0], [1.0, 3.0]]),
                            np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([1.0, 1.0]),
                            np.array([1.0, 3.0]), np.array([1.0, 5.0]))
    np.testing.assert_allclose(imp, [[1 / 2, 0.0], [0.0, 3 / 3]])
    table = np.array([[0.5, 4.0, 2.0], [9.0, 1.0, 3.5]])
    np.testing.assert_allclose(hm.kth_largest(table, 1), [4.0, 9.0])
    np.testing.assert_allclose(hm.kth_largest(table, 2), [2.0, 3.5])
    np.testing.assert_allclose(hm.kth_largest(table, 9), [0.5, 1.0])  # more than there are


def test_more_variance_never_makes_a_point_more_implausible() -> None:
    rng = np.random.default_rng(0)
    z, mean = rng.normal(size=4), rng.normal(size=(50, 4))
    tight = hm.implausibility(z, mean, 0.1, 0.1, 0.1, 0.1)
    loose = hm.implausibility(z, mean, 0.1, 0.1, 0.5, 0.1)
    assert (loose <= tight).all() and (loose < tight).any()


def test_emulator_interpolates_a_smooth_function_and_is_unsure_away_from_data() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((60, 2))
    f = lambda u: np.column_stack([np.sin(3 * u[:, 0]) + u[:, 1] ** 2, 2 * u[:, 0] - u[:, 1]])  # noqa: E731
    em = hm.Emulator(restarts=1).fit(x, f(x))
    test = rng.random((200, 2))
    mean, var = em.predict(test)
    assert np.abs(mean - f(test)).max() < 0.05
    # Standardized errors are of order one or less: the variance is honest.
    assert np.mean(np.abs(mean - f(test)) / np.sqrt(var) <= 3) > 0.9
    near, far = em.predict(x[:5])[1], em.predict(np.array([[3.0, -2.0]]))[1]
    assert far[0, 0] > 10 * near[:, 0].max()


def test_rejection_design_keeps_only_accepted_points_and_measures_their_volume() -> None:
    rng = np.random.default_rng(2)
    disc = lambda x: np.linalg.norm(x - 0.5, axis=1) <= 0.25  # noqa: E731  area 0.196
    d = hm.rejection_design(30, 2, disc, rng, candidates=40_000)
    assert len(d.unit) == 30 and disc(d.unit).all()
    assert d.nroy_share == pytest.approx(np.pi * 0.25**2, rel=0.05)
    # Space filling: the maximin subset is spread over the disc, not clumped.
    gaps = np.linalg.norm(d.unit[:, None] - d.unit[None], axis=2) + np.eye(30)
    assert gaps.min() > 0.03
    # Inside a smaller box the share is still of the whole prior box.
    box = (np.array([0.2, 0.2]), np.array([0.8, 0.8]))
    inner = hm.rejection_design(10, 2, disc, rng, box=box, candidates=40_000)
    assert inner.nroy_share == pytest.approx(np.pi * 0.25**2, rel=0.05)
    assert disc(inner.unit).all()
    nothing = hm.rejection_design(5, 2, lambda x: np.zeros(len(x), bool), rng, candidates=2000,
                                  batch=1000, max_candidates=4000)
    assert len(nothing.unit) == 0 and nothing.candidates == 4000


def test_seed_variance_is_unbiased_for_equal_noise_and_ignores_runaway_points() -> None:
    rng = np.random.default_rng(3)
    runs = rng.normal(0.0, 0.2, size=(4000, 2))  # 4000 points, 2 seeds each, sd 0.2
    point_var = runs.var(axis=1, ddof=1)[:, None]
    assert hm.seed_variance(point_var, 2)[0] == pytest.approx(0.04, rel=0.08)
    point_var[:400] *= 1e4  # a tenth of the points run away
    assert hm.seed_variance(point_var, 2)[0] < 0.06
    four = rng.normal(0.0, 0.2, size=(4000, 4)).var(axis=1, ddof=1)[:, None]
    assert hm.seed_variance(four, 4)[0] == pytest.approx(0.04, rel=0.08)


def test_outputs_enter_from_their_wave_and_few_outputs_must_all_match() -> None:
    targets = [hm.Target("a", 0, 1, 1), hm.Target("b", 0, 1, 1, from_wave=2)]
    assert [t.name for t in hm.active(targets, 1)] == ["a"]
    assert [t.name for t in hm.active(targets, 3)] == ["a", "b"]
    assert hm.effective_kth(2, 5) == 1 and hm.effective_kth(2, 14) == 2 and hm.effective_kth(3, 9) == 3


def test_widened_box_stays_in_the_unit_box() -> None:
    lo, hi = hm.widened_box(np.array([[0.0, 0.4], [0.5, 0.6]]), margin=0.1)
    np.testing.assert_allclose(lo, [0.0, 0.38])
    np.testing.assert_allclose(hi, [0.55, 0.62])


# -------------------------------------------------------------------- the waves
def test_waves_recover_a_known_point_of_a_toy_simulator(tmp_path) -> None:
    setup = toy_setup()
    record = hm.run(setup, toy_targets(), tmp_path, progress=False, simulator=toy, log=lambda _: None)
    shares = [w["nroy_share"] for w in record["waves"]]
    assert shares[0] == 1.0 and shares[-1] < 0.1 and shares[2] <= shares[1] * 1.5
    truth = np.array([[0.3, 0.7]])
    for wave in record["fitted"]:
        assert hm.kth_largest(wave.implausibility(truth), wave.kth)[0] <= setup.cut
    accepted = record["accepted"]
    assert len(accepted) >= 5
    for p in TOY_SPACE:
        assert accepted[p.path].min() - 0.05 <= TRUTH[p.path] <= accepted[p.path].max() + 0.05
        assert accepted[p.path].max() - accepted[p.path].min() < 0.5
    assert (accepted["imp_kth"] <= setup.cut).all()
    assert accepted["imp_sumsq"].is_monotonic_increasing and accepted["rank"].iloc[0] == 1


def test_a_resumed_run_redoes_no_run(tmp_path) -> None:
    calls: list[tuple] = []

    def counting(params, seed, **kw):
        calls.append((round(params["toy.a"], 12), round(params["toy.b"], 12), seed))
        if len(calls) == 25:
            raise KeyboardInterrupt  # killed in wave 1's 13th point
        return toy(params, seed, **kw)

    setup = toy_setup(waves=2)
    with pytest.raises(KeyboardInterrupt):
        hm.run(setup, toy_targets(), tmp_path, progress=False, simulator=counting, log=lambda _: None)
    trials = pd.read_csv(tmp_path / "trials.csv")
    assert len(trials) == 24
    first = hm.run(setup, toy_targets(), tmp_path, progress=False, simulator=counting,
                   log=lambda _: None)
    trials = pd.read_csv(tmp_path / "trials.csv")
    n_runs = (setup.first + len(pd.read_csv(tmp_path / "wave2.csv"))) * setup.seeds
    assert len(trials) == n_runs and not trials.duplicated(["wave", "point", "seed"]).any()
    assert len(calls) == n_runs + 1  # every run once, plus the one killed
    calls.clear()
    again = hm.run(setup, toy_targets(), tmp_path, progress=False, simulator=counting,
                   log=lambda _: None)
    assert calls == []
    pd.testing.assert_frame_equal(again["accepted"], first["accepted"])


def test_a_run_given_one_more_wave_is_the_run_that_had_it_from_the_start(tmp_path) -> None:
    """Adding a wave to a finished run (the same command with ``--history-waves`` one
    more) fits each earlier wave's emulators on that wave's runs only, as the first run
    did, so the new wave's design is the one an uninterrupted run draws."""
    hm.run(toy_setup(waves=2), toy_targets(), tmp_path / "extended", progress=False,
           simulator=toy, log=lambda _: None)
    extended = hm.run(toy_setup(waves=3), toy_targets(), tmp_path / "extended", progress=False,
                      simulator=toy, log=lambda _: None)
    straight = hm.run(toy_setup(waves=3), toy_targets(), tmp_path / "straight", progress=False,
                      simulator=toy, log=lambda _: None)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "extended" / "wave3.csv"),
                                  pd.read_csv(tmp_path / "straight" / "wave3.csv"))
    # every column but the runs' wall time, which a loaded machine moves
    pd.testing.assert_frame_equal(extended["accepted"].drop(columns="seconds"),
                                  straight["accepted"].drop(columns="seconds"))


def test_shipped_sample_is_what_the_study_and_abc_read(tmp_path, monkeypatch) -> None:
    """write_outputs: posterior.csv with the parameter columns behaviour_of reads, the
    trials beside it, a summary with the targets, waves and ranges."""
    from sim.tools import abc

    space = (Param("migration.network", 0.0, 1.5), Param("migration.stay_local", 0.0, 5.0))

    def sim(params, seed, **_):
        return {"sum": params["migration.network"] + params["migration.stay_local"] / 5 + 0.001 * seed}

    setup = toy_setup(space=space, waves=2, first=12, per_wave=8)
    targets = [hm.Target("sum", 1.0, 0.0, 0.05**2, "a toy")]
    record = hm.run(setup, targets, tmp_path, progress=False, simulator=sim, log=lambda _: None)
    post = tmp_path / "posterior.csv"
    summary = hm.write_outputs(record, setup, targets, tmp_path, post, "python -m sim.calibrate --history 8")
    table = pd.read_csv(post)
    assert {"rank", "wave", "point", "migration.network", "imp_max", "I_sum"} <= set(table)
    saved = json.loads(post.with_suffix(".summary.json").read_text())
    assert saved["command"] == "python -m sim.calibrate --history 8" == summary["command"]
    assert saved["targets"][0]["name"] == "sum" and len(saved["waves"]) == 2
    assert saved["accepted"] == len(table) and saved["runs"] == len(
        pd.read_csv(post.with_suffix(".trials.csv")))
    assert set(saved["parameters"]) >= {p.path for p in space}
    draws = abc.posterior_draws(3, seed=0, path=post)
    assert all(0 <= d["migration"]["network"] <= 1.5 for d in draws)


# ------------------------------------------------- the model on the synthetic region
def test_history_matching_the_model_on_the_synthetic_region_recovers_its_parameters(tmp_path) -> None:
    """Data generated by the model itself at a known move rate and municipal bonus; two
    short waves: the truth stays not implausible and the region shrinks well under the
    prior box."""
    space = (Param("migration.move_rate[0]", 0.08, 0.40), Param("migration.stay_local", 0.0, 5.0))
    truth = {"migration.move_rate[0]": 0.25, "migration.stay_local": 3.0}
    kw = dict(scale=40.0, region="synthetic", n_municipalities=12, start_year=2010, years=1)
    fixed = hm.Setup().simulator_fixed()  # the runs' constants, as the waves make them
    runs = [hm.simulate_run(truth, seed, fixed=fixed, **kw) for seed in (100, 101)]
    targets = [hm.Target(name, float(np.mean([r[name] for r in runs])), 0.0, var)
               for name, var in (("movers_share", 0.003**2), ("intermunicipal_share", 0.02**2))]
    setup = hm.Setup(space=space, seeds=2, first=8, per_wave=6, waves=2, candidates=20_000,
                     restarts=0, kth=1, **kw)
    record = hm.run(setup, targets, tmp_path, progress=False, log=lambda _: None)
    unit_truth = np.array([[(0.25 - 0.08) / 0.32, 3.0 / 5.0]])
    wave = record["fitted"][0]
    assert hm.kth_largest(wave.implausibility(unit_truth), 1)[0] <= 3.0
    assert record["waves"][1]["nroy_share"] < 0.3
    second = pd.read_csv(tmp_path / "wave2.csv")
    assert second["migration.move_rate[0]"].between(0.15, 0.35).all()


def test_a_point_config_is_the_derived_config() -> None:
    from sim.config import ConfigError, config_record, derive
    from sim.tools.calibrate import behaviour_overrides

    base = hm._base_config("synthetic", 12, 40.0, 2010, 1)
    behaviour = behaviour_overrides({"migration.move_rate_20_39": 0.3, "migration.move_rate_ratio_mid": 0.5,
                                     "migration.move_rate_ratio_old": 0.4, "migration.network": 0.2,
                                     "migration.beta_wage[0]": 0.7, "migration.beta_wage[1]": 0.3,
                                     "economy.commute_km": 7.0})
    fast = hm.point_config(base, behaviour, 3)
    # the service coefficients follow the point's money coefficient, as the beliefs say
    assert fast.behaviour.migration.beta_services != base.behaviour.migration.beta_services
    assert config_record(fast) == config_record(derive(base, {"behaviour": behaviour, "run": {"seed": 3}}))
    assert base.run.seed == 0 and base.behaviour.migration.network != 0.2  # the base is untouched
    with pytest.raises(ConfigError, match="network"):
        hm.point_config(base, {"migration": {"network_typo": 1.0}}, 0)
    with pytest.raises(ConfigError, match="distance_decay"):
        hm.point_config(base, {"migration": {"distance_decay": -1.0}}, 0)


def test_the_in_sample_targets_ask_whether_each_years_flows_last() -> None:
    """The in-sample design (the default) matches each group's net in each year 2011-2015,
    never allowing less discrepancy than the year's departure from the five-year mean the
    start holds; the held design (round 6) matches five-year means."""
    from sim.data import flows as kosis

    targets = {t.name: t for t in hm.korea_targets()}
    shipped = kosis.load_province_flows()
    for name, group in hm.REGION_GROUPS.items():
        series = kosis.group_net_migration(group, shipped) / 1e3
        for year in range(2011, 2016):
            t = targets[f"net_{name}_{year}"]
            assert t.observed == pytest.approx(series.loc[year])
            departure = abs(series.loc[year] - series.loc[2011:2015].mean())
            assert t.var_disc ** 0.5 >= max(departure, hm.YEARLY_NET_FLOOR) - 1e-9
            assert t.from_wave == 2
    assert "net_seoul" not in targets
    held = {t.name for t in hm.korea_targets(base="base_period")}
    assert "net_seoul" in held and "net_seoul_2011" not in held
    with pytest.raises(ValueError, match="in_sample"):
        hm.korea_targets(base="held")


def test_each_province_is_matched_at_the_bar_a_third_of_kosis() -> None:
    """Since round 9 each province's mean net a year over 2011-2015 (what the issue's bar
    reads) is a target whose discrepancy sd is a ninth of it (an implausibility of 3 is a
    third) or the floor, and so are the seven non-metropolitan provinces together."""
    from sim.data import flows as kosis

    targets = {t.name: t for t in hm.korea_targets()}
    bar = kosis.net_migration().loc[2011:2015].fillna(0).sum() / 5e3  # thousand a year
    assert len(bar) == 17
    for code, value in bar.items():
        t = targets[f"net_province_{code}"]
        assert t.observed == pytest.approx(value)
        assert t.var_disc ** 0.5 == pytest.approx(max(abs(value) / 9, hm.PROVINCE_NET_FLOOR))
        assert 3 * t.var_disc ** 0.5 <= max(abs(value) / 3, 3 * hm.PROVINCE_NET_FLOOR) + 1e-9
    rural = targets["net_non_metropolitan"]
    assert rural.observed == pytest.approx(bar[list(hm.NON_METROPOLITAN)].sum())
    assert "net_province_11" not in {t.name for t in hm.korea_targets(base="base_period")}


def test_a_run_reports_every_province_net_and_they_balance() -> None:
    """The run's province nets are what the targets name; moves between provinces are
    one province's loss and another's gain, so they sum to zero."""
    run = hm.simulate_run({"migration.stay_local": 0.5}, 3, scale=40.0, region="synthetic",
                          n_municipalities=12, start_year=2010, years=2,
                          fixed=hm.Setup().simulator_fixed())
    nets = {name: run[name] for name in hm.province_sets() if name != "net_non_metropolitan"}
    assert len(nets) == 17
    assert sum(abs(v) for v in nets.values()) > 0  # the synthetic region's four provinces trade
    assert sum(nets.values()) == pytest.approx(0.0, abs=1e-9)
    assert run["start_constants_met"] in (0.0, 1.0)  # reported: whether the start met its targets
    assert run["net_non_metropolitan"] == pytest.approx(
        sum(nets[f"net_province_{c}"] for c in hm.NON_METROPOLITAN))


# ---------------------------------------------------------------- the command line
@pytest.mark.parametrize("args, message", [
    (["--history", "1"], "at least 2 points"),
    (["--history", "10", "--seeds", "1"], "at least 2 seeds"),
    (["--history", "10", "--history-cut", "0"], "cut must be > 0"),
    (["--history", "10", "--history-kth", "0"], r"1 \(the maximum\)"),
    (["--history", "10", "--history-waves", "0"], "at least 1 wave"),
    (["--history", "10", "--region", "synthetic"], "needs a region of real municipalities"),
    (["--history", "10", "--history-candidates", "10"], "at least 1000"),
])
def test_the_command_refuses_bad_options(args, message) -> None:
    with pytest.raises(SystemExit, match=message):
        hm.main(args)


def test_the_command_refuses_a_working_directory_of_other_settings(tmp_path) -> None:
    (tmp_path / "setup.json").write_text(json.dumps({"scale": 50.0, "seeds": 2}))
    with pytest.raises(SystemExit, match="other settings"):
        hm.main(["--history", "10", "--history-dir", str(tmp_path)])


def test_the_entry_point_dispatches_and_refuses_two_methods() -> None:
    proc = subprocess.run([sys.executable, "-m", "sim.calibrate", "--abc", "5", "--history", "5"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "give one" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "sim.calibrate", "--history", "5", "--seeds", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "at least 2 seeds" in proc.stderr


def test_the_default_is_the_closest_accepted_set_and_carries_all_its_parameters(tmp_path) -> None:
    """--default-from: the row with the smallest sum of squared implausibilities, whatever
    its rank column says, written with every searched parameter it has."""
    import yaml

    from sim.config import make_config

    table = pd.read_csv(ROOT / "configs/behaviour/posterior_screened.csv").head(4).copy()
    table["imp_sumsq"] = [9.0, 3.0, 7.0, 5.0]  # the closest is the second row
    sets, out = tmp_path / "sets.csv", tmp_path / "behaviour" / "chosen.yaml"
    table.to_csv(sets, index=False)
    assert hm.default_main(["--default-from", str(sets), "--out", str(out)]) == 0
    chosen = table.iloc[1]
    written = yaml.safe_load(out.read_text())
    assert "sum of squared implausibilities 3.00" in written["note"] and "sets.csv" in written["note"]
    assert written["migration"]["beta_size"] == pytest.approx(chosen["migration.beta_size"])
    assert written["migration"]["beta_wage"][0] == pytest.approx(chosen["migration.beta_wage[0]"])
    assert written["economy"]["commute_km"] == pytest.approx(chosen["economy.commute_km"])
    beh = make_config(values={"behaviour": {k: v for k, v in written.items() if k != "note"}}).behaviour
    assert beh.migration.dissatisfaction == pytest.approx(chosen["migration.dissatisfaction"])
    with pytest.raises(SystemExit, match="not an accepted-sets table"):
        (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
        hm.default_main(["--default-from", str(tmp_path / "bad.csv"), "--out", str(out)])
    with pytest.raises(SystemExit, match="no such file"):
        hm.default_main(["--default-from", str(tmp_path / "none.csv"), "--out", str(out)])


@pytest.mark.parametrize("pair, message", [
    ("migration.start_history_years", "GROUP.KEY=VALUE"),
    ("start_history_years=5", "GROUP.KEY=VALUE"),
    ("migration.no_such_setting=1", "migration.no_such_setting"),
    ("migration.start_history_years=99", "start_history_years"),
])
def test_a_held_setting_that_is_not_one_stops_with_its_name(pair, message) -> None:
    with pytest.raises(SystemExit, match=message):
        hm.main(["--history", "10", "--history-with", pair])


def test_held_settings_reach_every_run_and_the_working_directory_keeps_them(tmp_path) -> None:
    held = hm.held_settings(["behaviour.migration.start_history_years=5"])
    assert held == {"migration": {"start_history_years": 5}}
    setup = hm.Setup(fixed=held)
    assert setup.simulator_fixed()["migration"] == {"start_history_years": 5,
                                                    "constants": "in_sample"}
    (tmp_path / "setup.json").write_text(json.dumps({
        k: v for k, v in asdict(hm.Setup()).items() if k != "space"}))
    with pytest.raises(SystemExit, match="fixed"):  # a run without the setting is another run
        hm.main(["--history", "150", "--history-dir", str(tmp_path),
                 "--history-with", "migration.start_history_years=5"])
