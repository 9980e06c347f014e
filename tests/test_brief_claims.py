"""experiments/brief_claims (issue 16): resumable worlds, shared twins, PRIM, the claims
table and the checks of the uncertainty space. Tiny designs on the synthetic region;
no test says which scenario wins."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments"))

from brief_claims import analysis, noise, run, space, worlds  # noqa: E402

from sim.tools.claims import Claim  # noqa: E402

#: The synthetic region with 12 places, scale 50, 2 years: runs of a fraction of a second.
TINY = ("region=synthetic", "region.n_municipalities=12", "run.scale=50", "run.years=2")


def _main(sweep: Path, *args: str) -> dict:
    code = run.main(["--quick", "--jobs", "1", "--no-progress", "--sweep-dir", str(sweep),
                     "--scenarios", "no_investment,trouble_shooter", *args, *TINY])
    assert code == 0
    return json.loads((sweep / "timing.json").read_text())


@pytest.mark.slow
def test_resume_loses_and_redoes_nothing(tmp_path: Path) -> None:
    sweep = tmp_path / "study"
    first = _main(sweep, "--worlds", "3")
    assert first["worlds_computed"] == [0, 1, 2] and first["runs"] == 6
    kept = worlds.world_path(sweep, 0).stat().st_mtime_ns
    # a world lost in a kill mid-write (its temporary file left behind), another damaged
    worlds.world_path(sweep, 1).unlink()
    (sweep / "worlds" / ".w00001.parquet.x1y2z3.tmp").write_bytes(b"partial")
    worlds.world_path(sweep, 2).write_bytes(b"not a parquet file")
    second = _main(sweep, "--worlds", "3")
    assert second["worlds_computed"] == [1, 2] and second["runs"] == 4
    assert worlds.world_path(sweep, 0).stat().st_mtime_ns == kept
    third = _main(sweep, "--worlds", "3")
    assert third["worlds_computed"] == [] and third["runs"] == 0
    out = pd.read_parquet(sweep / "outcomes.parquet")
    assert sorted(out["world"].unique()) == [0, 1, 2]
    claims = pd.read_csv(sweep / "claims.csv")
    assert list(claims.columns[:6]) == analysis.CLAIM_COLUMNS
    for name in ("prim_boxes.csv", "prim.json", "worlds.csv", "report.md", "report.html"):
        assert (sweep / name).exists(), name
    assert {"runs", "wall_s", "runs_per_s"} <= set(third)


def test_baseline_is_the_same_whatever_runs_beside_it(tmp_path: Path) -> None:
    sp = space.load_space()
    row = space.design(sp, 2).iloc[1]
    point = space.world_point(row, sp)

    def world(scenarios: tuple[str, ...], out: Path) -> pd.DataFrame:
        task = worlds.WorldTask(1, int(row["run_seed"]), tuple(space.overrides(point, sp)), None,
                                TINY, scenarios, (2021, 2022), "k", out)
        worlds.simulate_world(task)
        return pd.read_parquet(worlds.world_path(out, 1))

    a = world(("no_investment", "tech_city"), tmp_path / "a")
    b = world(("no_investment", "province_led", "trouble_shooter"), tmp_path / "b")
    base_a = a[a["scenario"] == "no_investment"].reset_index(drop=True)
    base_b = b[b["scenario"] == "no_investment"].reset_index(drop=True)
    pd.testing.assert_frame_equal(base_a, base_b)
    assert (base_a["felt_benefit_paired"] == 0).all()
    assert (base_a["cost_effectiveness_paired"] == 0).all()
    # and every claim's contrast reads the same baseline rows
    for frame in (a, b):
        assert frame.groupby(["scenario", "year"]).size().max() == 1


def test_world_config_is_the_command_lines() -> None:
    from sim.config import make_config

    sp = space.load_space()
    point = space.world_point(space.design(sp, 3).iloc[2], sp)
    ov = space.overrides(point, sp)
    fast = worlds.world_config(TINY, "brief_combined", 7, ov)
    slow = make_config([*TINY, "scenario=brief_combined", "run.seed=7", "run.progress=false",
                        "run.plots=false", *ov])
    assert fast == slow


def test_prim_recovers_a_planted_rule() -> None:
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.random((400, 4)), columns=["x1", "x2", "x3", "x4"])
    fails = ((x["x1"] > 0.7) & (x["x2"] < 0.3)).to_numpy()
    box = analysis.prim_box(x, fails, threshold=0.8)
    assert box is not None
    assert set(box["limits"]) == {"x1", "x2"}
    assert box["limits"]["x1"][0] == pytest.approx(0.7, abs=0.05)
    assert box["limits"]["x2"][1] == pytest.approx(0.3, abs=0.05)
    assert box["coverage"] > 0.8 and box["density"] > 0.8
    scores = analysis.feature_scores(x, ~fails).set_index("parameter")
    assert set(scores["score"].nlargest(2).index) == {"x1", "x2"}
    assert analysis.prim_box(x, np.zeros(len(x), bool)) is None  # nothing fails: no box


def test_prim_without_a_dense_box_reports_the_whole_space() -> None:
    """Failures at random: no box reaches the threshold density, so the box is the whole
    space (ema_workbench 2.5's "dump box"; 3.0 has no threshold and would report a
    peeled box, which analysis.prim_box turns back into the whole space)."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame({f"p{i}": rng.uniform(0, 1, 200) for i in range(5)})
    fails = rng.uniform(size=200) < 0.3
    box = analysis.prim_box(x, fails, threshold=0.8)
    assert box is not None and box["chosen"] == 0 and box["limits"] == {}
    assert box["coverage"] == 1.0 and box["density"] == pytest.approx(fails.mean())
    assert analysis.prim_rows("c", "o", 2040, box)[0]["parameter"] == ""


def test_break_even_finds_the_crossing() -> None:
    v = np.linspace(0, 1, 201)
    holds = v < 0.4
    be = analysis.break_even(v, holds)
    assert be["logistic"] == pytest.approx(0.4, abs=0.03)
    assert be["binned"] == pytest.approx(0.4, abs=0.12)
    assert be["slope"] < 0


def _outcomes(a: list[float], b: list[float], metric: str = "m", year: int = 2040) -> pd.DataFrame:
    rows = []
    for w, (va, vb) in enumerate(zip(a, b, strict=True)):
        rows += [{"world": w, "scenario": "A", "year": year, metric: va},
                 {"world": w, "scenario": "B", "year": year, metric: vb}]
    return pd.DataFrame(rows)


def test_claims_table_from_hand_made_contrasts() -> None:
    # 10 worlds: A above B in 6, a tie (not holding), 2 below and one missing value
    a = [2, 2, 2, 2, 2, 2, 1, 0, 0, math.nan]
    b = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    up = Claim("A beats B", "A", "B", "m", +1, "u", 1)
    down = Claim("A is below B", "A", "B", "m", -1, "u", 1)
    t = analysis.claims_table(_outcomes(a, b), [2040], claims=(up, down)).set_index("claim")
    assert list(t.reset_index().columns[:6]) == analysis.CLAIM_COLUMNS
    assert t.loc["A beats B", "n_worlds"] == 9
    assert t.loc["A beats B", "share_holds"] == pytest.approx(6 / 9)
    assert t.loc["A is below B", "share_holds"] == pytest.approx(2 / 9)
    # Wilson 95 % for 6 of 9, by hand: centre (p + z^2/2n) / (1 + z^2/n)
    z, n, p = 1.959963984540054, 9, 6 / 9
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert t.loc["A beats B", "ci_low"] == pytest.approx(centre - half)
    assert t.loc["A beats B", "ci_high"] == pytest.approx(centre + half)
    assert analysis.wilson(0, 5)[0] == 0.0 and analysis.wilson(5, 5)[1] == 1.0


def test_regret_is_the_shortfall_from_the_best_of_each_world() -> None:
    out = pd.DataFrame([
        {"world": 0, "scenario": "A", "year": 1, "welfare_krw_total": 3.0},
        {"world": 0, "scenario": "B", "year": 1, "welfare_krw_total": 1.0},
        {"world": 1, "scenario": "A", "year": 1, "welfare_krw_total": 0.0},
        {"world": 1, "scenario": "B", "year": 1, "welfare_krw_total": 1.0},
    ])
    r = analysis.regret(out, 1, {"welfare_krw_total": +1}).set_index("scenario")
    assert r.loc["A", "max_regret"] == 1.0 and r.loc["B", "max_regret"] == 2.0
    assert bool(r.loc["A", "minimax"]) and not bool(r.loc["B", "minimax"])


@pytest.mark.parametrize(("entry", "needle"), [
    ({"beliefs.tech.no_such_thing": {"low": 0, "high": 1}}, "beliefs.tech.no_such_thing"),
    ({"beliefs.tech.tech_return": {"low": 0.2, "high": 0.1}}, "beliefs.tech.tech_return"),
    ({"beliefs.tech.tech_return": {"low": 0.05, "high": 0.1}}, "beliefs.tech.tech_return"),
    ({"beliefs.tech.tech_return": {"low": 0.0, "hi": 0.3}}, "beliefs.tech.tech_return"),
    ({"behaviour.migration.beta_services": {"low": 0, "high": 1}}, "beliefs.service_wtp"),
])
def test_a_bad_space_names_the_key(tmp_path: Path, entry: dict, needle: str, capsys) -> None:
    with pytest.raises(space.StudyConfigError, match=needle.replace(".", r"\.")):
        sp = space.parse_space({"parameters": entry})
        space.check_against_config(sp, TINY)
    path = tmp_path / "space.yaml"
    import yaml

    path.write_text(yaml.safe_dump({"parameters": entry}))
    code = run.main(["--space", str(path), "--sweep-dir", str(tmp_path / "s"), "--dry-run",
                     *TINY])
    assert code == 2 and needle in capsys.readouterr().err


def test_unknown_top_level_key_is_refused() -> None:
    with pytest.raises(space.StudyConfigError, match="worldz"):
        space.parse_space({"worldz": 3, "parameters": {"beliefs.felt_threshold":
                                                       {"low": 1, "high": 5}}})


def test_design_is_a_seeded_latin_hypercube_inside_the_ranges() -> None:
    sp = space.load_space()
    d1, d2 = space.design(sp, 20), space.design(sp, 20)
    pd.testing.assert_frame_equal(d1, d2)
    assert list(d1["run_seed"]) == list(range(20))
    for p in sp.params:
        assert d1[p.key].between(p.low, p.high).all(), p.key
        if not p.integer:  # one point in each of the 20 strata
            strata = np.floor((d1[p.key] - p.low) / (p.high - p.low) * 20).clip(0, 19)
            assert sorted(strata.astype(int)) == list(range(20)), p.key


def test_posterior_rows_per_world(tmp_path: Path) -> None:
    from sim.tools.abc import ABC_SPACE

    rng = np.random.default_rng(0)
    post = pd.DataFrame({p.path: rng.uniform(p.low, p.high, 5) for p in ABC_SPACE})
    path = tmp_path / "posterior.csv"
    post.to_csv(path, index=False)
    sp = space.load_space()
    sp = space.Space(sp.params, sp.design_seed, path)
    d = space.design(sp, 8)
    assert d["posterior_row"].between(0, 4).all()
    row = d.iloc[3]
    assert row["behaviour.migration.dissatisfaction"] == pytest.approx(
        post["migration.dissatisfaction"].iloc[int(row["posterior_row"])])
    values = space.world_values(row, sp)
    cfg = worlds.world_config(TINY, "no_investment", 0, space.overrides(space.world_point(row, sp), sp),
                              values)
    assert cfg.behaviour.migration.network == pytest.approx(
        post["migration.network"].iloc[int(row["posterior_row"])])


def test_wilson_interval_holds_the_share_and_narrows_with_n() -> None:
    for n in (1, 7, 50, 200):
        widths = []
        for k in range(n + 1):
            low, high = analysis.wilson(k, n)
            assert 0.0 <= low <= k / n <= high <= 1.0
            widths.append(high - low)
        assert max(widths) <= analysis.wilson(n // 2, n)[1] - analysis.wilson(n // 2, n)[0] + 1e-12
    assert analysis.wilson(100, 200)[1] - analysis.wilson(100, 200)[0] < \
        analysis.wilson(5, 10)[1] - analysis.wilson(5, 10)[0]


def test_noise_table_separates_what_the_seed_could_give() -> None:
    """Seed-only worlds with sd 1 around 0: a study world 5 above holds beyond noise, one
    0.5 above is within it, one 5 below fails beyond it."""
    up = Claim("A beats B", "A", "B", "m", +1, "u", 1)
    rng = np.random.default_rng(0)
    noise_a = list(rng.normal(0.0, 1.0, 40))
    floor = _outcomes(noise_a, [0.0] * 40)
    study = _outcomes([5.0, 0.5, -5.0, 6.0], [0.0] * 4)
    t = noise.noise_table(study, floor, [2040], claims=(up,)).iloc[0]
    assert t["seed_sd"] == pytest.approx(np.std(noise_a, ddof=1))
    assert t["share_holds_beyond_noise"] == pytest.approx(0.5)
    assert t["share_fails_beyond_noise"] == pytest.approx(0.25)
    assert t["share_within_noise"] == pytest.approx(0.25)


def test_the_ray_backend_needs_ray_and_says_so(monkeypatch) -> None:
    """Ray is optional: asking for it where it is not installed is a clear error (Ray
    hidden here, so that the suite never starts a Ray instance)."""
    monkeypatch.setitem(sys.modules, "ray", None)
    monkeypatch.setitem(sys.modules, "ray.util.joblib", None)
    with pytest.raises(ValueError, match="pip install 'ray"):
        worlds.parallel_backend("ray")
    with pytest.raises(ValueError, match="allowed loky, ray"):
        worlds.parallel_backend("dask")
    assert worlds.parallel_backend("loky") == "loky"
