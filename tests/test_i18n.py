"""Korean as a language of the tool (issue 24 item 2): one catalogue of translations
(sim/i18n.py) covers every metric, heading, axis title and sentence of the run's
figures, the comparison and the claims report; Korean reports render with a Hangul font
and no missing-glyph boxes; the config key is validated.

The font tests need a font with Hangul (sim/fonts.py: the koreanize-matplotlib
dependency, fonts-nanum or SIM_HANGUL_FONT). Without one they skip, unless
SIM_REQUIRE_HANGUL=1 (CI sets it), where a missing font fails.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import os
import re
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import fonts, i18n
from sim.catalogue import MUNICIPAL, NATIONAL
from sim.config import ConfigError
from sim.i18n import KO, t

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT / "experiments", ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

#: The files whose texts pass through sim.i18n.t: every literal key must have a Korean entry.
TRANSLATED_SOURCES = [
    ROOT / "sim" / "plots.py", ROOT / "sim" / "tools" / "compare.py",
    ROOT / "sim" / "tools" / "compare_plots.py", ROOT / "sim" / "dashboard" / "app.py",
    ROOT / "sim" / "dashboard" / "figures.py",
    ROOT / "experiments" / "brief_claims" / "report.py",
]
STUDY = ROOT / "configs" / "study" / "brief_claims.yaml"
GLYPH = re.compile(r"Glyph .* missing from|does not have a glyph")


def _hangul_font() -> fonts.HangulFont:
    font = fonts.find()
    if font is None:
        if os.environ.get("SIM_REQUIRE_HANGUL") == "1":
            pytest.fail(f"SIM_REQUIRE_HANGUL=1 but {fonts.MISSING_MESSAGE}")
        pytest.skip(f"no Hangul font on this machine: {fonts.MISSING_MESSAGE}")
    return font


def _literal_keys(path: Path) -> set[str]:
    """The first arguments of every ``t(...)`` call in ``path`` that are string literals
    (both branches of a conditional expression)."""
    keys: set[str] = set()

    def strings(node: ast.AST) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return strings(node.body) + strings(node.orelse)
        return []

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t" \
                and node.args:
            keys.update(strings(node.args[0]))
    return keys


def _study_texts() -> set[str]:
    space = yaml.safe_load(STUDY.read_text())
    claims = space["design"]["claims"]
    return {c["label"] for c in claims} | {c["unit"] for c in claims}


def _metric_texts() -> set[str]:
    return {text for table in (NATIONAL, MUNICIPAL) for m in table.values()
            for text in (m.label, m.title, m.level_unit, m.effect_unit)}


def _dashboard_texts() -> set[str]:
    """The dashboard's texts that are data: page tabs, map layers, a study's map metrics."""
    from sim.dashboard import app, runs, studies

    texts = {label for _, label in app.PAGES}
    texts |= {x for lay in runs._DERIVED for x in (lay.label, lay.unit, lay.effect_unit)}
    texts |= {x for pair in studies.MAP_METRICS.values() for x in pair}
    return texts


# ------------------------------------------------------------------ the catalogue


def test_every_metric_of_the_catalogue_has_korean_label_title_and_units() -> None:
    missing = sorted(_metric_texts() - set(KO))
    assert not missing, ("metrics of sim/catalogue.py without a Korean entry in sim/i18n.py "
                         f"KO (add them): {missing}")
    assert i18n.national("ko")["population"].label == "인구"
    assert i18n.headline("ko")["capital_region_share"][1] == "%p"


def test_every_text_the_reports_use_has_a_korean_entry() -> None:
    """Every literal key of t() in the figures, the comparison, the dashboard and the
    claims report, every claim and unit of the study and the dashboard's layers, pages
    and map metrics, whatever branch uses them."""
    used = set().union(*(_literal_keys(p) for p in TRANSLATED_SOURCES))
    assert len(used) > 100
    missing = sorted((used | _study_texts() | _dashboard_texts()) - set(KO))
    assert not missing, f"texts without a Korean entry in sim/i18n.py KO: {missing}"


def test_no_translation_is_left_over() -> None:
    """A Korean entry whose English text nothing uses any more (edited or removed) goes."""
    used = set().union(*(_literal_keys(p) for p in TRANSLATED_SOURCES))
    used |= _study_texts() | _metric_texts() | _dashboard_texts()
    from brief_claims.report import REGRET_DISPLAY
    from brief_claims.verdicts import VERDICTS

    used |= {label for label, _ in REGRET_DISPLAY.values()} | set(VERDICTS)
    used |= {"outcome", "pair", "aliased_with", "interaction", "main_a", "main_b", "ratio"}
    unused = sorted(set(KO) - used)
    assert not unused, f"Korean entries nothing uses (remove or update them): {unused}"


def test_korean_texts_keep_the_placeholders_of_the_english() -> None:
    fields = re.compile(r"{(\w*)[^}]*}")
    bad = {k: v for k, v in KO.items() if sorted(fields.findall(k)) != sorted(fields.findall(v))}
    assert not bad


def test_strict_mode_names_a_missing_text_and_english_is_the_fallback() -> None:
    with i18n.strict(), pytest.raises(i18n.MissingTranslation, match="no ko entry"):
        t("a text nobody translated", "ko")
    assert t("a text nobody translated", "ko") == "a text nobody translated"
    assert t("{n} seeds each", "ko", n=3) == "각 시드 3개"
    assert t("{n} seeds each", "en", n=3) == "3 seeds each"


def test_names_come_from_the_region_table() -> None:
    from sim.data import load_korea

    table = load_korea().table
    frame = table[["code", "name", "province"]].head(3)
    ko = i18n.names(frame, "ko")
    assert list(ko["name"]) == list(table["name_ko"].head(3))
    assert list(ko["province"]) == list(table["province_ko"].head(3))
    assert i18n.names(frame, "en") is frame


# ------------------------------------------------------------------ the setting


def test_report_lang_is_validated_by_name() -> None:
    from sim.config import make_config

    assert make_config(["report.lang=ko", "region=synthetic"]).report.lang == "ko"
    assert make_config(["region=synthetic"]).report.lang == "en"
    with pytest.raises(ConfigError, match=r"report\.lang='fr': allowed \['en', 'ko'\]"):
        make_config(["report.lang=fr", "region=synthetic"])
    with pytest.raises(ConfigError, match="did you mean report.lang"):
        make_config(["report.language=ko", "region=synthetic"])


# ------------------------------------------------------------------ the font


def test_the_hangul_font_is_found_and_has_hangul() -> None:
    font = _hangul_font()
    assert font.path.is_file() and fonts.covers_hangul(font.path) == font.family
    assert fonts.figure_lang("ko") == "ko"


def test_a_named_font_without_hangul_is_passed_over(monkeypatch) -> None:
    import matplotlib

    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    monkeypatch.setenv(fonts.ENV, str(dejavu))
    fonts.find.cache_clear()
    try:
        found = fonts.find()
        assert found is None or found.path != dejavu
    finally:
        fonts.find.cache_clear()


def test_without_a_font_korean_figures_fall_back_to_english(monkeypatch, caplog) -> None:
    monkeypatch.setattr(fonts, "find", lambda: None)
    monkeypatch.setattr(fonts, "_warned", False)
    with fonts.context("ko") as lang:
        assert lang == "en"
    assert "no font with Hangul" in caplog.text
    with fonts.context("en") as lang:
        assert lang == "en"


def test_the_font_is_used_only_inside_the_context() -> None:
    import matplotlib

    font = _hangul_font()
    before = list(matplotlib.rcParams["font.family"])
    with fonts.context("ko"):
        assert font.family in matplotlib.rcParams["font.family"]
    assert list(matplotlib.rcParams["font.family"]) == before


# ------------------------------------------------------------------ Korean reports


@contextlib.contextmanager
def no_missing_glyphs():
    """Fail if matplotlib reports a glyph it could not draw: a ``Glyph ... missing from
    font(s)`` warning (text) or a ``does not have a glyph`` log record (mathtext, e.g.
    log-axis ticks), each of which draws a box."""
    records: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Catch(logging.WARNING)
    logger = logging.getLogger("matplotlib")
    logger.addHandler(handler)
    try:
        with i18n.strict(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        logger.removeHandler(handler)
    boxes = [str(w.message) for w in caught if GLYPH.search(str(w.message))]
    boxes += [r for r in records if GLYPH.search(r)]
    assert not boxes, f"missing glyphs (tofu boxes): {boxes[:5]}"


def _pngs(folder: Path) -> list[Path]:
    pngs = sorted(Path(folder).rglob("*.png"))
    assert pngs
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
    return pngs


def test_a_korean_comparison_renders_without_missing_glyphs(tmp_path: Path) -> None:
    _hangul_font()
    from test_compare import REGION, _config, write_run

    from sim.tools import compare as cmp

    region = REGION | {"n_municipalities": 40}  # Jeonbuk municipalities for the panel
    for seed in range(3):
        write_run(tmp_path / f"b{seed}", _config("no_investment", seed, region) | {
            "report": {"lang": "ko"}})
        write_run(tmp_path / f"t{seed}", _config("tech_city", seed, region) | {
            "report": {"lang": "ko"}}, pop_shift=10.0 + seed)
    with no_missing_glyphs():
        summary = cmp.compare(tmp_path, formats=("png",))  # lang from the runs' report.lang
    text = summary.read_text()
    assert "# 스윕 비교" in text and "전북 인구 (천 명)" in text and "## 그림" in text
    assert "Final-year" not in text and "Mean difference" not in text
    _pngs(tmp_path / "figures")
    english = cmp.compare(tmp_path, formats=("png",), lang="en").read_text()
    assert "# Sweep comparison" in english and "Jeonbuk population (thousand people)" in english


def test_a_korean_run_draws_its_figures_in_korean(tmp_path: Path) -> None:
    _hangul_font()
    from sim import plots
    from sim.data.synthetic import make_synthetic

    region = make_synthetic(12, seed=1)
    years = [2025, 2026]
    national = pd.DataFrame({"year": years, **{c: [1.0, 1.1] for c in NATIONAL}})
    municipal = pd.concat([region.table[["code", "name"]].assign(
        year=y, population=1000.0 + i) for i, y in enumerate(years)])
    with no_missing_glyphs():
        paths = plots.run_figures(tmp_path, national, municipal, region, lang="ko",
                                  scenario="tech_city", beliefs="neutral")
    assert {p.name for p in paths} == {"national.png", "map_population_change.png"}
    _pngs(tmp_path / "plots")


def _study_tables() -> dict:
    """The claims report's tables, made up but complete, with the study's real claims."""
    claims_cfg = yaml.safe_load(STUDY.read_text())["design"]["claims"]
    rng = np.random.default_rng(0)
    from brief_claims.verdicts import VERDICTS

    rows, verdicts, dose, noise = [], [], [], []
    for c in claims_cfg:
        for year in (2035, 2045):
            shares = rng.dirichlet(np.ones(len(VERDICTS)))
            rows.append({"claim": c["label"], "year": year, "unit": c["unit"],
                         "factor": c["factor"], "threshold": c["threshold"] * c["factor"],
                         "effect_median": 0.1, "effect_p05": -0.2, "effect_p95": 0.3,
                         "seed_sd": 0.05, "seeds_per_world": 3,
                         **{f"share_{v}": s for v, s in zip(VERDICTS, shares, strict=True)},
                         **{f"{v}_ci_low": s / 2 for v, s in zip(VERDICTS, shares, strict=True)},
                         **{f"{v}_ci_high": min(1, s * 1.5)
                            for v, s in zip(VERDICTS, shares, strict=True)}})
            for w in range(6):
                m = rng.normal(0, c["threshold"])
                verdicts.append({"claim": c["label"], "year": year, "world": w, "mean": m,
                                 "low": m - c["threshold"], "high": m + c["threshold"],
                                 "verdict": VERDICTS[w % len(VERDICTS)]})
        for b in (1e11, 1e12, 5e12):
            dose.append({"claim": c["label"], "budget_krw": b, "effect": b / 1e12,
                         "low": 0.0, "high": 2 * b / 1e12, "threshold": 0.5, "unit": c["unit"],
                         "crosses_at_krw": 1e12, "note": "3 worlds"})
        for scale in (100, 400):
            noise.append({"claim": c["label"], "scale": scale,
                          "half_width_in_thresholds": scale / 200})
    labels = [c["label"] for c in claims_cfg]
    return {
        "claims": pd.DataFrame(rows), "verdicts": pd.DataFrame(verdicts),
        "interactions": pd.DataFrame({"year": [2045], "outcome": ["output"],
                                      "pair": ["instrument x governance"],
                                      "aliased_with": ["targeting x lifecycle"],
                                      "interaction": [0.1], "main_a": [0.2], "main_b": [0.3]}),
        "prim_boxes": pd.DataFrame({"claim": labels[:1], "parameter": ["beliefs.x"],
                                    "low": [0.1], "high": [0.5], "n_fail": [4],
                                    "n_worlds": [10], "coverage": [0.8], "density": [0.9]}),
        "feature_scores": pd.DataFrame(),
        "breakeven": pd.DataFrame({"claim": labels[:1], "parameter": ["beliefs.x"],
                                   "breakeven_logistic": [0.3], "holds_more": ["above"],
                                   "share_holds_of_decided": [0.4]}),
        "regret": pd.DataFrame({"metric": ["welfare_krw_total", "output"], "year": [2045, 2045],
                                "cell": ["c1", "c2"], "max_regret": [1e9, 1e12],
                                "mean_regret": [5e8, 5e11], "share_best": [0.5, 0.4]}),
        "worlds": pd.DataFrame({"world": [0, 1, 2], "fits": [True, True, False]}),
        "dose": pd.DataFrame(dose), "noise_floor": pd.DataFrame(noise),
        "outcomes": pd.DataFrame(),
        "settings": {"worlds": 3, "n_params": 5, "space": "brief_claims.yaml",
                     "posterior": "posterior.csv", "worlds_fitting": 2, "fraction": "half",
                     "factors": {"instrument": ["tech_test_bed", "place_based"]},
                     "cells": ["c1", "c2"], "named": ["brief_combined"], "replicates": 3,
                     "base": ["region=korea"], "years": [2035, 2045], "jobs": 2},
        "timing": {"runs_total": 30, "wall_s": 100.0, "runs_per_hour": 1080.0,
                   "efficiency": 0.9},
    }


def test_a_korean_claims_report_renders_without_missing_glyphs(tmp_path: Path) -> None:
    _hangul_font()
    from brief_claims import report

    tables = _study_tables()
    with no_missing_glyphs():
        text = report.write_page(tables, tmp_path / "results_ko.md", tmp_path / "img", "abc",
                                 lang="ko")
    assert text.startswith("# 결과")
    assert KO["(e) balanced, need-based money keeps more people in Jeonbuk"] in text
    assert "holds" not in text.replace("holds_more", "")  # verdicts are in Korean
    pngs = _pngs(tmp_path / "img")
    assert {p.stem for p in pngs} >= {"verdicts_2045", "effects_2045", "dose", "noise_floor"}
    english = report.write_page(tables, tmp_path / "results.md", tmp_path / "img_en", "abc")
    assert english.startswith("# Results")


def test_the_claims_report_command_takes_the_language(tmp_path: Path) -> None:
    _hangul_font()
    from brief_claims import report

    tables = _study_tables()
    folder = tmp_path / "study"
    folder.mkdir()
    for name, frame in tables.items():
        if isinstance(frame, pd.DataFrame) and name != "outcomes":
            frame.to_csv(folder / f"{name}.csv", index=False)
    assert report.main([str(folder), "--lang", "ko", "--out", str(tmp_path / "ko.md"),
                        "--img", str(tmp_path / "img")]) == 0
    assert (tmp_path / "ko.md").read_text().startswith("# 결과")
    shutil.rmtree(tmp_path / "img")


def test_the_pypi_font_needs_no_system_font(monkeypatch) -> None:
    """A fresh machine (no fonts-nanum, no SIM_HANGUL_FONT) gets the NanumGothic of the
    koreanize-matplotlib dependency, without importing its module (which would change
    matplotlib's global settings, and needs distutils, gone in Python 3.12)."""
    import importlib.util

    if importlib.util.find_spec(fonts.PYPI_PACKAGE) is None:
        pytest.skip("koreanize-matplotlib is not installed (pip install -e .)")
    monkeypatch.delenv(fonts.ENV, raising=False)
    monkeypatch.setattr(fonts, "SYSTEM_FILES", ())
    monkeypatch.setattr(fonts, "KOREAN_FAMILIES", ())
    fonts.find.cache_clear()
    try:
        font = fonts.find()
        assert font is not None and font.source == "koreanize-matplotlib"
        assert font.family == "NanumGothic"
        assert fonts.PYPI_PACKAGE not in sys.modules
    finally:
        fonts.find.cache_clear()
