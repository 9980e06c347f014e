"""The tool's languages: English and Korean, from one catalogue of translations.

Every text a figure, table or report shows is written in English where it is used and
passed through :func:`t` with the language (``report.lang``, ``--lang``)::

    t("Population", lang)                                   # "인구" in Korean
    t("Population change by municipality, {first}-{last}", lang, first=2025, last=2045)

The English text is the key of :data:`KO`, the one catalogue of Korean texts: the
metrics of :mod:`sim.catalogue` (label, title, units) and every heading, axis title and
sentence of the run's figures, the comparison (:mod:`sim.tools.compare`) and the claims
report (``experiments/brief_claims/report.py``) are in it, and ``tests/test_i18n.py``
renders each report in strict mode (:func:`strict`), where a text without a Korean entry
is an error, and checks every metric of the catalogue. A text missing outside strict mode
is shown in English and logged once. Municipality and province names are not here: they
come from the region table's ``name_ko`` and ``province_ko`` (:func:`names`).

This module imports only :mod:`sim.catalogue`: the config schema takes :data:`LANGS`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import replace

import pandas as pd

from sim.catalogue import COMPARE_METRICS, MUNICIPAL, NATIONAL, PANEL_METRICS, Metric

log = logging.getLogger("sim.i18n")

#: The languages of the tool's figures, tables and reports (``report.lang``).
LANGS = ("en", "ko")


class MissingTranslation(KeyError):
    """A text has no Korean entry in :data:`KO` (raised in strict mode only)."""


_strict = False
_missing: set[str] = set()


@contextlib.contextmanager
def strict() -> Iterator[None]:
    """Inside the block, a text without a translation raises :class:`MissingTranslation`
    (tests)."""
    global _strict
    before, _strict = _strict, True
    try:
        yield
    finally:
        _strict = before


def t(text: str, lang: str = "en", /, **fields) -> str:
    """``text`` in ``lang``, with ``fields`` filled in (``str.format``)."""
    if lang != "en":
        table = CATALOGUES.get(lang)
        if table is None:
            raise ValueError(f"language {lang!r}: one of {list(LANGS)}")
        found = table.get(text)
        if found is None:
            if _strict:
                raise MissingTranslation(f"no {lang} entry in sim/i18n.py for {text!r}")
            if text not in _missing:
                _missing.add(text)
                log.warning("no %s translation of %r; shown in English", lang, text)
        else:
            text = found
    return text.format(**fields) if fields else text


def metric(m: Metric, lang: str) -> Metric:
    """The catalogue metric ``m`` with its label, title and units in ``lang``."""
    if lang == "en":
        return m
    return replace(m, label=t(m.label, lang), title=t(m.title, lang),
                   level_unit=t(m.level_unit, lang), effect_unit=t(m.effect_unit, lang))


def national(lang: str) -> dict[str, Metric]:
    """:data:`sim.catalogue.NATIONAL` in ``lang``."""
    return {k: metric(m, lang) for k, m in NATIONAL.items()}


def municipal(lang: str) -> dict[str, Metric]:
    """:data:`sim.catalogue.MUNICIPAL` in ``lang``."""
    return {k: metric(m, lang) for k, m in MUNICIPAL.items()}


def headline(lang: str) -> dict[str, tuple[str, str, float | None]]:
    """:data:`sim.catalogue.HEADLINE` in ``lang``: column -> (label, effect unit, factor)."""
    nat = national(lang)
    return {k: (nat[k].label, nat[k].effect_unit, nat[k].effect_factor) for k in COMPARE_METRICS}


def national_panels(lang: str) -> dict[str, tuple[str, str, float]]:
    """:data:`sim.catalogue.NATIONAL_PANELS` in ``lang``: column -> (title, unit, factor)."""
    nat = national(lang)
    return {k: (nat[k].title, nat[k].level_unit, nat[k].level_factor) for k in PANEL_METRICS}


def name_columns(lang: str) -> tuple[str, str]:
    """The columns of a municipality's and its province's name in ``lang``."""
    return ("name_ko", "province_ko") if lang == "ko" else ("name", "province")


def names(table: pd.DataFrame, lang: str, region_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """``table`` (with a ``code`` column) with its ``name`` and ``province`` in ``lang``:
    in Korean, the region table's ``name_ko`` and ``province_ko`` by code (the shipped
    Korea table's when ``region_table`` is None); a code without one keeps its English
    name."""
    if lang == "en":
        return table
    if region_table is None:
        from sim.data import load_korea

        region_table = load_korea().table
    ref = region_table.set_index(region_table["code"].astype(str))
    out = table.copy()
    codes = out["code"].astype(str)
    for col, ko in (("name", "name_ko"), ("province", "province_ko")):
        if col in out and ko in ref:
            known = codes.map(ref[ko]).fillna("").astype(str)
            out[col] = known.where(known != "", out[col])
    return out


#: Korean texts by their English text (the key). Metrics first (sim/catalogue.py), then
#: the run's figures (sim/plots.py), the comparison (sim/tools/compare*.py), the GIS
#: export (sim/export.py) and the claims report (experiments/brief_claims/).
KO: dict[str, str] = {
    # -- metrics (sim/catalogue.py): labels and titles
    "Population": "인구",
    "Households": "가구",
    "Movers": "이동자",
    "Capital-region share": "수도권 인구 비중",
    "Jeonbuk population": "전북 인구",
    "Urban-rural QoL gap": "도농 삶의 질 격차",
    "Urban-rural QoL gap (gu/si - gun)": "도농 삶의 질 격차 (구·시 − 군)",
    "Mean QoL": "평균 삶의 질",
    "QoL Theil index": "삶의 질 타일 지수",
    "QoL inequality across places": "지역 간 삶의 질 불평등",
    "QoL Gini": "삶의 질 지니계수",
    "QoL Gini across places": "지역 간 삶의 질 지니계수",
    "Income Theil index": "소득 타일 지수",
    "Income inequality across places": "지역 간 소득 불평등",
    "Felt benefit share": "체감 편익 비율",
    "Felt benefit (QoL up >= threshold)": "체감 편익 (삶의 질 상승 ≥ 임계값)",
    "Shrinking municipalities": "인구 감소 시군구",
    "National output": "전국 산출",
    "Jobs": "일자리",
    "Smart-city investment": "스마트시티 투자",
    "Welfare": "후생",
    "Felt benefit vs twin": "기준 대비 체감 편익",
    "People who notice the policy": "정책을 체감하는 사람",
    "Private co-investment": "민간 공동투자",
    "Births": "출생아",
    "Deaths": "사망자",
    "QoL": "삶의 질",
    "Quality of life": "삶의 질",
    "Felt benefit": "체감 편익",
    "Investment": "투자",
    "Wage": "임금",
    "Mean wage": "평균 임금",
    # -- metrics: units
    "million people": "백만 명",
    "thousand people": "천 명",
    "million households": "백만 가구",
    "thousand households": "천 가구",
    "% of people a year": "연간 인구 대비 %",
    "percentage points": "%p",
    "% of population": "인구 대비 %",
    "% of people": "인구 대비 %",
    "QoL points": "삶의 질 점수",
    "Theil index x 1000": "타일 지수 × 1000",
    "x 1000": "× 1000",
    "Gini x 100": "지니계수 × 100",
    "x 100": "× 100",
    "count": "개",
    "KRW trillion a year": "연간 조 원",
    "% of baseline": "기준 대비 %",
    "million": "백만",
    "thousand": "천",
    "KRW billion a year": "연간 십억 원",
    "KRW billion": "십억 원",
    "thousand a year": "연간 천 명",
    "%": "%",
    "million KRW a year": "연간 백만 원",
    # -- a run's figures (sim/plots.py)
    "year": "연도",
    "National outcomes": "전국 결과",
    "{scenario} under the {beliefs} beliefs": "{scenario} ({beliefs} 가정)",
    "population change {first}-{last}, %": "인구 변화 {first}-{last}, %",
    "Population change by municipality, {first}-{last}": "시군구별 인구 변화, {first}-{last}",
    # -- a comparison's figures (sim/tools/compare_plots.py)
    "5-95th percentile across seeds": "시드 간 5-95 백분위",
    "min-max across seeds": "시드 간 최소-최대",
    "not recorded": "기록 없음",
    "National outcomes by scenario (line: mean over seeds; band: {band})":
        "시나리오별 전국 결과 (선: 시드 평균, 띠: {band})",
    "model units": "모형 단위",
    "{name}: difference, {unit}": "{name}: 차이, {unit}",
    "mean, 95 % CI": "평균, 95 % 신뢰구간",
    "Final-year effect against {baseline} (paired seeds, n = {n} pairs or more; bars: 95 % t "
    "confidence interval)": "{baseline} 대비 최종 연도 효과 (짝지은 시드, n = {n}쌍 이상; 막대: "
                            "95 % t 신뢰구간)",
    "Final-year effect against {baseline} by {param} (band: 95 % CI, paired seeds)":
        "{param}에 따른 {baseline} 대비 최종 연도 효과 (띠: 95 % 신뢰구간, 짝지은 시드)",
    "population, % difference from {baseline}": "인구, {baseline} 대비 차이 %",
    "Population, final year": "인구, 최종 연도",
    "QoL, points difference from {baseline}": "삶의 질, {baseline} 대비 차이 (점)",
    "Quality of life, final year": "삶의 질, 최종 연도",
    "{condition} vs {baseline} (mean of {n} paired seeds)":
        "{condition} 대 {baseline} (짝지은 시드 {n}개 평균)",
    "Jeonbuk population (mean over seeds, band across seeds)": "전북 인구 (시드 평균, 시드 간 띠)",
    "no {baseline} runs to compare with": "비교할 {baseline} 실행 없음",
    "final-year difference from {baseline}, thousand people": "{baseline} 대비 최종 연도 차이, 천 명",
    "Effect on Jeonbuk population (95 % CI, paired seeds)":
        "전북 인구에 대한 효과 (95 % 신뢰구간, 짝지은 시드)",
    "QoL difference from {baseline}, points": "{baseline} 대비 삶의 질 차이, 점",
    "Jeonbuk municipality": "전북 시군",
    "no Jeonbuk municipalities or no baseline runs": "전북 시군 또는 기준 실행 없음",
    "Final-year QoL difference per Jeonbuk municipality (mean over paired seeds)":
        "전북 시군별 최종 연도 삶의 질 차이 (짝지은 시드 평균)",
    "Jeonbuk": "전북",
    "figures in English: {why}": "그림은 영어로 그렸습니다: {why}",
    "Final-year": "최종 연도",
    "National outcomes over time by scenario, bands across seeds":
        "시나리오별 전국 결과의 추이, 시드 간 띠",
    "national_by_scenario skipped: {n} conditions (more than {most} lines per panel)":
        "national_by_scenario 생략: 조건 {n}개 (패널당 선 {most}개 초과)",
    "no effects: the sweep has no scenario other than `{baseline}`":
        "효과 없음: 스윕에 `{baseline}` 외의 시나리오가 없습니다",
    "no `{baseline}` runs in the sweep: effects, maps and effect figures skipped (add "
    "scenario={baseline} with the same seeds, or choose `--baseline`)":
        "스윕에 `{baseline}` 실행이 없어 효과, 지도, 효과 그림을 생략했습니다 (같은 시드로 "
        "scenario={baseline}을 추가하거나 `--baseline`을 지정하십시오)",
    "{when} effects against {baseline} with 95 % CIs (paired seeds)":
        "{baseline} 대비 {when} 효과와 95 % 신뢰구간 (짝지은 시드)",
    "effects figure skipped: too many conditions; see effects.csv":
        "효과 그림 생략: 조건이 너무 많습니다. effects.csv를 보십시오",
    "{when} effect against {baseline} by {param}": "{param}에 따른 {baseline} 대비 {when} 효과",
    "heat map skipped: {missing} not swept (swept: {swept})":
        "히트맵 생략: {missing}은(는) 스윕되지 않았습니다 (스윕: {swept})",
    "{when} effect against {baseline} over {x} x {y} (mean of paired seeds)":
        "{x} × {y}에 따른 {baseline} 대비 {when} 효과 (짝지은 시드 평균)",
    "difference from baseline": "기준 대비 차이",
    "Final-year level over {x} x {y} (mean over seeds)": "{x} × {y}에 따른 최종 연도 수준 (시드 평균)",
    "level": "수준",
    "Heat map over {x} x {y}": "{x} × {y} 히트맵",
    "heat map: {n} swept parameters; choose two with `--heatmap X Y`":
        "히트맵: 스윕된 매개변수 {n}개. `--heatmap X Y`로 두 개를 고르십시오",
    "maps skipped: region boundaries unavailable ({err})": "지도 생략: 지역 경계 없음 ({err})",
    "Map: {condition} vs {baseline}, population and QoL difference":
        "지도: {condition} 대 {baseline}, 인구와 삶의 질 차이",
    "maps drawn for the first {most} of {n} conditions": "조건 {n}개 중 처음 {most}개만 지도로 그림",
    "Jeonbuk panel: population, effect and per-municipality QoL":
        "전북: 인구, 효과, 시군별 삶의 질",
    "Net migration from other provinces": "다른 시도와의 순이동",
    "{when} effect by province: {condition} vs {baseline} (mean of {n} paired seeds)":
        "{when} 시도별 효과: {condition} 대 {baseline} (짝지은 시드 {n}개 평균)",
    "Province map: {condition} vs {baseline}, population, net migration and QoL":
        "시도 지도: {condition} 대 {baseline}, 인구, 순이동, 삶의 질",
    # -- a comparison's summary.md (sim/tools/compare.py)
    "_No effects computed (see the notes below)._": "_계산된 효과가 없습니다 (아래 참고 사항)._",
    "- Public money spent in years {first}-{last}": "- 공공 지출 연도: {first}-{last}",
    "; the effects below are of {read}, {gap} years after the last spending (`--year {last}`: the effects in the last year of spending)":
        "; 아래 효과는 마지막 지출 {gap}년 뒤인 {read}년의 것입니다 (`--year {last}`: 지출 마지막 해의 효과)",
    "no `{baseline}` runs: effects are paired with a same-seed run of that scenario (add it to the sweep, or name another with `--baseline`)":
        "`{baseline}` 실행이 없습니다: 효과는 그 시나리오의 같은 시드 실행과 짝지어 계산합니다 (스윕에 추가하거나 `--baseline`으로 다른 시나리오를 지정하세요)",
    "condition": "조건",
    "capital region": "수도권",
    "non-capital": "비수도권",
    "gu": "구",
    "si": "시",
    "gun": "군",
    "_No money shares in these runs (written before the `money_share_*` columns)._":
        "_이 실행에는 돈의 몫이 없습니다 (`money_share_*` 열 이전에 쓰인 실행)._",
    "seeds": "시드",
    "metric": "지표",
    "SE paired": "표준오차 (짝지음)",
    "SE unpaired": "표준오차 (짝짓지 않음)",
    "variance ratio": "분산비",
    "MDE (95 %, 80 % power)": "최소 검출 효과 (95 %, 검정력 80 %)",
    "maps show the final year only: see summary.md": "지도는 최종 연도만 보여 줍니다: summary.md 참고",
    "GIS files (EPSG:5179): {files}": "GIS 파일 (EPSG:5179): {files}",
    "{n} seeds each": "각 시드 {n}개",
    "{low} to {high} seeds each": "각 시드 {low}~{high}개",
    "# Sweep comparison: {name}": "# 스윕 비교: {name}",
    "- Region: {region}": "- 지역: {region}",
    "- Complete runs: {runs} ({n} conditions, {seeds})": "- 완료된 실행: {runs}개 (조건 {n}개, {seeds})",
    "- Incomplete runs skipped: {n}": "- 건너뛴 미완료 실행: {n}개",
    " (relaunch the sweep with the same `hydra.sweep.dir` to finish them)":
        " (같은 `hydra.sweep.dir`로 스윕을 다시 실행하면 마저 끝냅니다)",
    "- Beliefs: {beliefs}": "- 가정 (beliefs): {beliefs}",
    "- Swept parameters: {params}": "- 스윕된 매개변수: {params}",
    "none (scenarios and seeds only)": "없음 (시나리오와 시드만)",
    "- Baseline: `{baseline}`; years {first}-{last}": "- 기준: `{baseline}`; 연도 {first}-{last}",
    "## Final-year effects against the baseline": "## 기준 대비 최종 연도 효과",
    "## Effects in {year} against the baseline": "## 기준 대비 {year}년 효과",
    "Mean difference (scenario - baseline) over paired seeds (equal seeds share random "
    "numbers), with a 95 % t confidence interval in brackets and, in parentheses, the minimum "
    "detectable effect (MDE) of this sweep: the smallest true effect it finds with 80 % "
    "probability at the 5 % level. An interval that includes 0 says nothing about effects "
    "below the MDE; add seeds to lower it. National output is in % of the baseline. All "
    "effects for every metric: `effects.csv`; all runs, years and metrics: "
    "`comparison.parquet`.":
        "짝지은 시드(같은 시드는 같은 난수를 씁니다)에 대한 평균 차이(시나리오 − 기준)이며, "
        "대괄호 안은 95 % t 신뢰구간, 괄호 안은 이 스윕의 최소 검출 효과(MDE)입니다. MDE는 "
        "유의수준 5 %에서 80 % 확률로 찾아내는 가장 작은 참 효과입니다. 0을 포함하는 구간은 "
        "MDE보다 작은 효과에 대해 아무것도 말하지 않으며, 시드를 늘리면 MDE가 낮아집니다. "
        "전국 산출은 기준 대비 %입니다. 모든 지표의 모든 효과: `effects.csv`; 모든 실행, 연도, "
        "지표: `comparison.parquet`.",
    "## Precision of the pairing": "## 짝짓기의 정밀도",
    "Standard errors of the effects with the pairing (paired seeds) and without it "
    "(independent runs), and the variance ratio between them: the share of the run-to-run "
    "noise that the common random numbers leave (docs/experiments.md).":
        "짝지은 경우(같은 시드)와 짝짓지 않은 경우(독립 실행)의 효과 표준오차와 그 분산비: "
        "공통 난수를 쓴 뒤 남는 실행 간 잡음의 비율입니다 (docs/experiments.md).",
    "## Province effects": "## 시도별 효과",
    "Effect on each province in {when} against the baseline: mean difference over paired "
    "seeds with its 95 % t interval, as above; population in thousand people, net migration "
    "from the other provinces (moves in minus moves out across the province's border, that "
    "year) in thousand people a year, QoL in points (population-weighted). All of them, with "
    "standard errors and MDE: `province_effects.csv`; levels by year: each run's "
    "`provinces.parquet`.":
        "{when} 기준 대비 시도별 효과: 위와 같이 짝지은 시드의 평균 차이와 95 % t 신뢰구간; "
        "인구는 천 명, 다른 시도와의 순이동(그해 시도 경계를 넘어 들어온 이동에서 나간 이동을 "
        "뺀 값)은 연간 천 명, 삶의 질은 점수(인구 가중)입니다. 표준오차와 MDE를 포함한 전체: "
        "`province_effects.csv`; 연도별 수준: 각 실행의 `provinces.parquet`.",
    "_No province effects (the runs have no `provinces.parquet`, or no baseline runs)._":
        "_시도별 효과가 없습니다 (실행에 `provinces.parquet`가 없거나 기준 실행이 없습니다)._",
    "pairs": "쌍",
    "population, thousand people": "인구, 천 명",
    "net migration from other provinces, thousand people a year": "다른 시도와의 순이동, 연간 천 명",
    "QoL, points": "삶의 질, 점",
    "welfare, KRW B a year (earnings / services / other)": "후생, 연간 십억 원 (소득 / 서비스 / 기타)",
    "welfare, KRW billion a year": "후생, 연간 십억 원",
    "of which services, KRW billion a year": "그중 서비스, 연간 십억 원",
    "## Figures": "## 그림",
    "- none": "- 없음",
    "## Notes": "## 참고 사항",
    # -- the dashboard (sim/dashboard/: app.py, figures.py, runs.py layers, studies.py maps)
    "Explore": "탐색",
    "Study": "연구",
    "Korea smart-city simulation": "한국 스마트시티 시뮬레이션",
    "Korea smart-city simulation: study": "한국 스마트시티 시뮬레이션: 연구",
    "Run": "실행",
    "Scenario and settings": "시나리오와 설정",
    "Change a setting, then press Reset. Numbers are typed as on the command line (5e11, 1e12).":
        "설정을 바꾼 뒤 Reset을 누르십시오. 숫자는 명령행처럼 입력합니다 (5e11, 1e12).",
    "% since the start": "시작 대비 %",
    "Local operation": "지방 운영비",
    "Operation paid by local budgets": "지방 예산이 부담한 운영비",
    "Money to the capital region": "수도권 배분",
    "Money outside the capital region": "비수도권 배분",
    "Money to gu": "구 배분",
    "Money to si": "시 배분",
    "Money to gun": "군 배분",
    "Share of the public money in the capital region": "공공 재원 중 수도권 비중",
    "Share of the public money outside the capital region": "공공 재원 중 비수도권 비중",
    "Share of the public money in gu": "공공 재원 중 구 비중",
    "Share of the public money in si": "공공 재원 중 시 비중",
    "Share of the public money in gun": "공공 재원 중 군 비중",
    "## Where the money went": "## 돈이 간 곳",
    "Share of the public money (national + local match, %) received from the start to "
    "{when}, mean over each condition's runs: by capital region, by kind of "
    "municipality, and by province.": "시작부터 {when}까지 받은 공공 재원(국비 + 지방 대응, %)의 "
    "비중, 조건별 실행의 평균: 수도권 여부, 기초자치단체 유형, 시도별.",
    "the final year": "마지막 해",
    "## Programme units": "## 사업 단위",
    "The public money (national + local match) each condition spent on each recipe "
    "from the start to {when}, building and operation, mean over its runs, and what "
    "it would buy in units of a real Korean programme: units = spending / unit cost "
    "(`sim/data/programme_units.csv`, nominal KRW of the source's year; a cost basis "
    "of assumption means no source gave the cost). The real programme's scale is "
    "beside it. A unit is a scale, not what the model builds. All rows: "
    "`programme_units{suffix}.csv`.": "조건별로 시작부터 {when}까지 각 사업 유형(recipe)에 쓴 "
    "공공 재원(국비 + 지방 대응, 건설과 운영), 실행의 평균, 그리고 그 돈으로 실제 한국 사업의 "
    "단위를 몇 개 살 수 있는지: 단위 수 = 지출 / 단위 비용 (`sim/data/programme_units.csv`, "
    "출처 연도의 명목 원화; 비용 근거가 가정이면 비용을 준 출처가 없다는 뜻). 실제 사업의 규모를 "
    "옆에 적었다. 단위는 규모를 가늠하는 잣대이며 모형이 짓는 것이 아니다. 모든 행: "
    "`programme_units{suffix}.csv`.",
    "_No spending by recipe in these runs (written before the `spend_*` columns)._":
        "_이 실행들에는 사업 유형별 지출이 없다 (`spend_*` 열 이전에 기록됨)._",
    "_No public money was spent in these runs._": "_이 실행들에서는 공공 재원이 쓰이지 않았다._",
    "sourced": "출처 있음",
    "derived": "출처에서 계산",
    "recipe": "사업 유형",
    "KRW billion a unit": "단위당 십억 원",
    "cost basis": "비용 근거",
    "spent, KRW billion": "지출 (십억 원)",
    "units bought": "구입 단위 수",
    "real programme": "실제 사업",
    " under the **{beliefs}** beliefs": " (**{beliefs}** 가정)",
    " against {baseline} (same seed)": ", {baseline} 대비 (같은 시드)",
    " (the baseline)": " (기준 시나리오)",
    ", year **{year}** of {start}-{end} · seed {seed} · scale {scale} · budget KRW {budget} "
    "billion a year": ", **{year}**년 ({start}-{end}) · 시드 {seed} · 축척 {scale} · 예산 연간 "
                      "{budget}십억 원",
    " · **finished**": " · **완료**",
    "Map": "지도",
    " vs no_investment": " 대 no_investment",
    "difference from twin": "쌍둥이(기준) 대비 차이",
    " minus twin": " − 쌍둥이(기준)",
    "{low} to {high}": "{low} ~ {high}",
    "same colours every year": "모든 연도 같은 색 범위",
    "Start year: no change or effect yet, so the map shows levels":
        "시작 연도: 아직 변화도 효과도 없어 지도는 수준을 보여 줍니다",
    "This is the baseline scenario: effects are measured against it.":
        "기준 시나리오입니다: 효과는 이 시나리오에 대해 잽니다.",
    "in {year}": "{year}년",
    "unit": "단위",
    "effect": "효과",
    "**Headline effects so far** (one seed; {scenario} minus its no_investment "
    "twin; B/C, NPV and QoL person-years per KRW B cumulative from the start, "
    "discounted at {rate})":
        "**지금까지의 주요 효과** (시드 하나; {scenario} − 같은 시드의 no_investment; "
        "B/C, NPV, 10억 원당 삶의 질 인년은 시작부터 누적, 연 {rate} 할인)",
    "investment, KRW billion": "투자, 십억 원",
    "**Province effects in {year}** (one seed; {scenario} minus its no_investment twin)":
        "**{year}년 시도별 효과** (시드 하나; {scenario} − 같은 시드의 no_investment)",
    "Condition": "조건",
    "Mean over paired seeds of the final-year difference against {baseline}.":
        "{baseline} 대비 최종 연도 차이의 짝지은 시드 평균.",
    "municipality": "시군구",
    "province": "시도",
    "Largest gains": "가장 크게 늘어난 곳",
    "Largest losses": "가장 크게 줄어든 곳",
    "no_investment (same seed)": "no_investment (같은 시드)",
    "Population change": "인구 변화",
    "% since start": "시작 대비 %",
    "% of twin": "쌍둥이(기준) 대비 %",
    "Investment so far": "지금까지의 투자",
    "Population difference": "인구 차이",
    "QoL difference": "삶의 질 차이",
    "Study directory": "연구 디렉터리",
    "Studies found": "찾은 연구",
    "Directory": "디렉터리",
    "Open": "열기",
    "Effects": "효과",
    "Maps": "지도",
    "Figures": "그림",
    "Claims": "주장",
    # -- the claims report (experiments/brief_claims/report.py) and the study's claims
    #    (configs/study/brief_claims.yaml: label, unit)
    "(a) residents' problems before technology: more people feel their place got better":
        "(a) 기술보다 주민의 문제 먼저: 자기 지역이 나아졌다고 느끼는 사람이 늘어난다",
    "(a) residents' problems before technology: welfare": "(a) 기술보다 주민의 문제 먼저: 후생",
    "(b) villages in the counties (the brief's instrument) narrow the urban-rural QoL gap":
        "(b) 군 지역의 마을 사업(브리프의 수단)이 도농 삶의 질 격차를 줄인다",
    "(c) province-led selection makes more people feel a benefit than centre-led":
        "(c) 광역 주도 선정이 중앙 주도보다 더 많은 사람이 편익을 체감하게 한다",
    "(d) operated packages keep more service than build-only":
        "(d) 운영까지 포함한 패키지가 구축만 하는 방식보다 서비스를 더 오래 유지한다",
    "(e) balanced, need-based money lowers the capital region's share of the people":
        "(e) 지역 균형의 필요 기반 배분이 수도권 인구 비중을 낮춘다",
    "(e) balanced, need-based money keeps more people in Jeonbuk":
        "(e) 지역 균형의 필요 기반 배분이 전북에 더 많은 인구를 머물게 한다",
    "(e) the brief's package (all four levers) lowers the capital region's share":
        "(e) 브리프의 패키지(네 가지 수단 모두)가 수도권 인구 비중을 낮춘다",
    "(e) the brief's package keeps more people in Jeonbuk":
        "(e) 브리프의 패키지가 전북에 더 많은 인구를 머물게 한다",
    "(e) the brief's package narrows the urban-rural QoL gap":
        "(e) 브리프의 패키지가 도농 삶의 질 격차를 줄인다",
    "(e) the brief's package raises welfare": "(e) 브리프의 패키지가 후생을 높인다",
    "(f) the brief's instrument costs national output (test beds raise it)":
        "(f) 브리프의 수단은 전국 산출을 낮춘다 (테스트베드는 높인다)",
    "pp": "%p",
    "KRW B/yr": "연간 십억 원",
    "KRW T/yr": "연간 조 원",
    "QoL pts": "삶의 질 점수",
    "index pts": "지수 점수",
    "holds": "성립",
    "fails": "불성립",
    "negligible": "미미",
    "undecided": "미결",
    "welfare, KRW B/yr": "후생, 연간 십억 원",
    "output, KRW T/yr": "산출, 연간 조 원",
    "felt benefit vs twin, pp": "기준 대비 체감 편익, %p",
    "urban-rural gap, QoL pts": "도농 격차, 삶의 질 점수",
    "capital-region share, pp": "수도권 인구 비중, %p",
    "Jeonbuk, thousand": "전북, 천 명",
    "service, index pts": "서비스, 지수 점수",
    "share of the worlds that fit the data, %": "자료에 맞는 세계 중 비율, %",
    "The brief's claims as lever effects: verdicts across worlds, {year}":
        "정책 수단의 효과로 본 브리프의 주장: 세계별 판정, {year}",
    "Each world's effect (mean of its seeds, 95 % interval), {year}; grey band: too small to "
    "matter": "세계별 효과 (시드 평균, 95 % 구간), {year}; 회색 띠: 의미 없을 만큼 작은 효과",
    "national budget, KRW trillion a year (log scale)": "국가 예산, 연간 조 원 (로그 눈금)",
    "Dose-response: each claim's effect against the budget (grey: too small to matter)":
        "예산-효과 관계: 예산에 따른 각 주장의 효과 (회색: 의미 없을 만큼 작은 효과)",
    "scale (households per agent)": "축척 (에이전트당 가구 수)",
    "interval half-width / threshold": "구간 반폭 / 임계값",
    "Noise floor: the 95 % half-width of a world's effect with the study's seeds":
        "잡음 하한: 연구의 시드 수로 얻는 세계별 효과의 95 % 반폭",
    "claim": "주장",
    "effect: median [5 %, 95 %] of worlds": "효과: 세계들의 중앙값 [5 %, 95 %]",
    "threshold": "임계값",
    "seed sd": "시드 표준편차",
    "- **{claim}** is undecided in {share} of the worlds: with a seed spread of {sd} {unit}, "
    "about {need} seeds a world (now {now}) would decide every world whatever its effect "
    "(the interval's half-width below half the threshold, {threshold} {unit}), or a finer "
    "scale.":
        "- **{claim}**: 세계의 {share}에서 미결입니다. 시드 간 편차가 {sd} {unit}이므로, 세계당 "
        "시드를 약 {need}개(현재 {now}개)로 늘리거나 더 세밀한 축척을 쓰면 효과가 어디에 있든 "
        "모든 세계가 판정됩니다 (구간의 반폭이 임계값 {threshold} {unit}의 절반보다 좁아짐).",
    "No regret table.": "후회(regret) 표가 없습니다.",
    "run": "실행",
    "max regret": "최대 후회",
    "mean regret": "평균 후회",
    "best in": "최선인 비율",
    "**{label}, {year}** (the five of least maximum regret)":
        "**{label}, {year}** (최대 후회가 가장 작은 다섯)",
    "No claim fails in enough decided worlds for a box.":
        "상자를 찾을 만큼 판정된 세계에서 불성립하는 주장이 없습니다.",
    " and ": ", ",
    "`{parameter}` in [{low}, {high}]": "`{parameter}` ∈ [{low}, {high}]",
    "- **{claim}**: fails in {fail} of {worlds} decided worlds; mostly where {rule} (coverage "
    "{coverage}, density {density})":
        "- **{claim}**: 판정된 세계 {worlds}개 중 {fail}개에서 불성립, 주로 {rule}인 곳 "
        "(포괄도 {coverage}, 밀도 {density})",
    "no restriction": "제한 없음",
    "; ": "; ",
    "{lever}: {low} (2018) vs {high} (brief)": "{lever}: {low} (2018) 대 {high} (브리프)",
    "# Results: what the model says about the brief's claims, and how sure it is":
        "# 결과: 모형이 브리프의 주장에 대해 말하는 것과 그 확실성",
    "Made by `python experiments/brief_claims/report.py` from the committed study tables at "
    "git revision `{revision}`; every number below comes from those tables.":
        "git 리비전 `{revision}`에서 커밋된 연구 표로부터 `python experiments/brief_claims/"
        "report.py`가 만든 페이지입니다. 아래의 모든 수치는 그 표에서 나옵니다.",
    "## What was run": "## 무엇을 실행했나",
    "- **Worlds**: {worlds} sampled worlds (a Latin hypercube over {n_params} contested beliefs "
    "of `{space}`; behaviour drawn from `{posterior}`), of which **{fitting}** keep their "
    "no-investment baseline inside the calibration's tolerance and enter the verdicts "
    "(`worlds.csv`, column `fits`).":
        "- **세계**: 표본 세계 {worlds}개 (`{space}`의 논쟁적 가정 {n_params}개에 대한 라틴 "
        "하이퍼큐브, 행태는 `{posterior}`에서 추출). 이 중 **{fitting}**개가 무투자 기준선을 "
        "보정의 허용 범위 안에 두어 판정에 들어갑니다 (`worlds.csv`의 `fits` 열).",
    "- **One lever per claim**: a {fraction} two-level factorial of the levers, every cell at "
    "the same budget: {factors}. Cells: {cells}; named scenarios beside them: {named}.":
        "- **주장마다 하나의 정책 수단**: 정책 수단의 2수준 요인 설계({fraction}), 모든 칸의 "
        "예산은 같습니다: {factors}. 칸: {cells}; 함께 보고하는 이름 있는 시나리오: {named}.",
    "none": "없음",
    "- **Seeds**: {replicates} per world (every run of a world and seed shares its random "
    "numbers with its no-investment twin).":
        "- **시드**: 세계당 {replicates}개 (한 세계와 시드의 모든 실행은 무투자 쌍둥이 실행과 "
        "난수를 공유합니다).",
    "- **Runs**: `{base}`, outcomes in {years}; {runs} runs in {wall} s wall ({per_hour} runs "
    "an hour, efficiency {efficiency} on {jobs} cores).":
        "- **실행**: `{base}`, 결과 연도 {years}; 실행 {runs}회, 경과 시간 {wall}초 (시간당 "
        "{per_hour}회, 코어 {jobs}개에서 효율 {efficiency}).",
    "## How to read a verdict": "## 판정을 읽는 법",
    "In each world a claim's effect is the lever's main effect (the mean of the design's cells "
    "with the brief's option minus the mean with the 2018 option, the other levers balanced), "
    "or, for *the package*, every lever the brief's way against every lever the 2018 way; its "
    "95 % interval comes from the world's seeds, their spread moderated towards that of all "
    "worlds (empirical Bayes, Smyth 2004: as one pooled spread where the worlds' spreads "
    "differ no more than their few seeds explain, nearer each world's own where they differ "
    "more). **negligible**: the whole interval lies within ± the threshold, the smallest "
    "effect that matters; **holds** / **fails**: the interval lies on the claimed / the other "
    "side of zero; **undecided**: neither. Shares of worlds carry Wilson 95 % intervals. The "
    "shares describe the box of assumptions sampled, not a probability of the real world. "
    "*negligible possible* is the share of worlds whose interval is narrower than the "
    "threshold: where it is 0 %, no world could be called negligible with these seeds, and a "
    "lever that does nothing shows as undecided.":
        "각 세계에서 주장의 효과는 해당 정책 수단의 주효과(다른 수단을 균형 있게 둔 채, 브리프 "
        "방식의 설계 칸 평균에서 2018년 방식의 칸 평균을 뺀 값)이며, *패키지*의 경우 모든 "
        "수단을 브리프 방식으로 한 것과 모든 수단을 2018년 방식으로 한 것의 차이입니다. 95 % "
        "구간은 그 세계의 시드에서 나오며, 그 편차는 모든 세계의 편차 쪽으로 조정합니다"
        "(경험적 베이즈, Smyth 2004: 세계들의 편차 차이가 적은 시드 수로 설명되는 정도면 하나로 "
        "합친 편차처럼, 그보다 크게 다르면 각 세계 자신의 편차에 가깝게). **미미**: 구간 "
        "전체가 ± 임계값(의미 있는 가장 작은 효과) 안에 있음; **성립** / **불성립**: 구간이 "
        "0을 기준으로 주장한 쪽 / 반대쪽에 있음; **미결**: 둘 다 아님. 세계 비율에는 Wilson "
        "95 % 구간을 붙였습니다. 이 비율은 표본으로 뽑은 가정의 범위를 기술할 뿐, 현실 세계의 "
        "확률이 아닙니다. *미미 가능*은 구간이 임계값보다 좁은 세계의 비율입니다. 이것이 0 %인 "
        "주장은 지금의 시드 수로는 어느 세계에서도 미미로 판정될 수 없고, 아무 효과가 없는 "
        "수단도 미결로 나타납니다.",
    "negligible possible": "미미 가능",
    "> Figures in English: {why}.": "> 그림은 영어로 그렸습니다: {why}.",
    "smallest effect that matters": "의미 있는 가장 작은 효과",
    "(Why each threshold: `configs/study/brief_claims.yaml`, field `why`.)":
        "(각 임계값의 근거: `configs/study/brief_claims.yaml`의 `why` 항목.)",
    "## The claims in {year}": "## {year}년의 주장",
    "verdicts {year}": "판정 {year}",
    "effects {year}": "효과 {year}",
    "**What would decide the undecided worlds:**": "**미결인 세계를 판정하려면:**",
    "## Do the levers depend on each other?": "## 정책 수단은 서로 영향을 주는가?",
    "Two-lever interactions (mean over worlds and seeds, the outcome's units) beside the two "
    "main effects; in a half fraction each pair is aliased with the other two levers' pair.":
        "두 정책 수단의 상호작용(세계와 시드의 평균, 결과 지표의 단위)과 두 주효과; 반일부 "
        "요인 설계에서는 각 쌍이 나머지 두 수단의 쌍과 교락됩니다.",
    "outcome": "결과 지표",
    "pair": "수단 쌍",
    "aliased_with": "교락 상대",
    "interaction": "상호작용",
    "main_a": "주효과 A",
    "main_b": "주효과 B",
    "ratio": "비율",
    "## Where the claims fail (on the decided worlds)": "## 주장이 불성립하는 곳 (판정된 세계에서)",
    "PRIM (ema_workbench) on the worlds where a claim holds or fails (negligible and undecided "
    "worlds left out): the box of assumptions where it fails, when at least {k} decided worlds "
    "hold and {k} fail (a box around fewer fits noise); `prim_boxes.csv`, "
    "`feature_scores.csv`, `breakeven.csv`.":
        "주장이 성립하거나 불성립하는 세계(미미와 미결은 제외)에 대한 PRIM(ema_workbench): "
        "판정된 세계 중 성립이 {k}개 이상, 불성립이 {k}개 이상일 때, 주장이 불성립하는 가정의 상자 "
        "(그보다 적은 세계를 둘러싼 상자는 잡음에 맞춘 것); `prim_boxes.csv`, "
        "`feature_scores.csv`, `breakeven.csv`.",
    "assumption": "가정",
    "break-even": "분기점",
    "holds more": "더 성립하는 쪽",
    "holds in (of decided)": "성립 비율 (판정된 세계 중)",
    "Break-even values of the most important assumption (where the share of decided worlds "
    "holding crosses 50 %):": "가장 중요한 가정의 분기점 (판정된 세계 중 성립 비율이 50 %를 넘는 값):",
    "## How much would it take? Effects against the budget": "## 얼마나 들까? 예산에 따른 효과",
    "The design's effects at budgets from KRW 0.1 T to 5 T a year (`dose.csv`; {note}). The "
    "break-even budget is the smallest from which the effect's interval lies beyond the "
    "threshold on the claimed side at every larger budget tried; *against* names the smallest "
    "budget at which it lies beyond the threshold on the other side.":
        "연간 0.1조~5조 원 예산에서의 설계 효과 (`dose.csv`; {note}). 분기 예산은 효과의 "
        "구간이 주장한 쪽에서 임계값을 넘고, 시도한 그보다 큰 모든 예산에서도 그러한 가장 작은 "
        "예산입니다. *반대*는 구간이 반대쪽에서 임계값을 넘는 가장 작은 예산입니다.",
    "against, {year}": "반대, {year}년",
    "break-even budget, {year}": "분기 예산, {year}년",
    "KRW {value} T a year": "연간 {value}조 원",
    "not within 5 T": "5조 원 이내에서 없음",
    "dose-response": "예산-효과 관계",
    "## The noise floor, and the scale chosen": "## 잡음 하한과 선택한 축척",
    "The seeds' spread of each claim's effect at several scales, as the half-width of a "
    "world's 95 % interval over the threshold (`noise_floor.csv`): below 1 the study can call "
    "an effect at the threshold negligible or decided.":
        "여러 축척에서 각 주장의 효과가 시드에 따라 퍼지는 정도를, 세계별 95 % 구간의 반폭을 "
        "임계값으로 나눈 값으로 보입니다 (`noise_floor.csv`). 1보다 작으면 임계값 크기의 효과를 "
        "미미하다거나 판정되었다고 말할 수 있습니다.",
    "noise floor": "잡음 하한",
    "## Regret": "## 후회 (regret)",
    "Per outcome, how far each run of a world (the design's cells and the named scenarios, "
    "mean of seeds) falls short of the best run of the same world.":
        "결과 지표별로, 한 세계의 각 실행(설계 칸과 이름 있는 시나리오, 시드 평균)이 같은 "
        "세계의 최선의 실행에 얼마나 못 미치는지.",
    "## Worlds outside the calibration's tolerance": "## 보정 허용 범위를 벗어난 세계",
    "{bad} of {n} worlds' baselines leave the tolerance and are left out of the verdicts":
        "세계 {n}개 중 {bad}개의 기준선이 허용 범위를 벗어나 판정에서 빠졌습니다",
    "## Reproduce": "## 재현",
    "the study (about an hour)": "연구 (약 한 시간)",
    "the behaviour sample (history matching, docs/validation.md 6.4)": "행동 모수 표본 (히스토리 매칭, docs/validation.md 6.4)",
    "their sets whose baseline fits the study's bands": "둘 중 기준선이 연구의 허용 범위에 맞는 집합",
    "a fifth wave, resuming the same run": "같은 실행을 이어 다섯째 단계",
    "a sixth wave, resuming the same run": "같은 실행을 이어 여섯째 단계",
    "their sets rerun under the corrected runs": "바로잡은 실행으로 다시 돌린 집합",
    "the budget sweep": "예산 스윕",
    "the noise floor by scale": "규모별 잡음 하한",
    "Claims in money (welfare, NPV, B/C) count only the worlds where money means something: the twin's welfare change against the start within plus or minus its household income. In worlds whose accepted set gives wages next to no weight in moving (a money coefficient near zero), the exact compensating variation turns a fraction of a utility point into hundreds of incomes; those worlds give no verdict in money (their number is the gap between `n_worlds` of the money claims and the others in `claims.csv`).": '화폐 단위의 주장(후생, 순현재가치, B/C)은 화폐가 의미를 갖는 세계만 셉니다: 쌍둥이(기준)의 시작 대비 후생 변화가 가구 소득의 ±1배 안에 있는 세계. 채택된 행동 집합이 이주에서 임금에 거의 무게를 두지 않는(화폐 계수가 0에 가까운) 세계에서는 정확한 보상변동이 효용 몇 분의 일 점을 소득의 수백 배로 바꾸므로, 그 세계는 화폐 단위의 판정을 내지 않습니다 (그 수는 `claims.csv`에서 화폐 주장의 `n_worlds`와 다른 주장의 차이입니다).',
    "this page": "이 페이지",
    'B/C vs twin': '기준 대비 B/C',
    'Benefit-cost ratio (discounted welfare gain per KRW spent)': '편익-비용 비율 (지출 1원당 할인된 후생 증가)',
    'Felt loss': '체감 손실',
    'Felt loss (QoL down >= threshold)': '체감 손실 (삶의 질 하락 ≥ 임계값)',
    'Felt loss share': '체감 손실 비율',
    'Felt loss vs twin': '기준 대비 체감 손실',
    'Household income (welfare base)': '가구 소득 (후생 기준)',
    'Household income welfare is measured on (start-year KRW)': '후생을 재는 가구 소득 (시작 연도 원)',
    'Housing cost paid to owners (not welfare)': '소유자에게 지불되는 주거비 (후생 아님)',
    'Housing transfer': '주거비 이전',
    'NPV vs twin': '기준 대비 순현재가치',
    'Net present value (discounted welfare gain - cost)': '순현재가치 (할인된 후생 증가 − 비용)',
    'People who notice a loss from the policy': '정책으로 손실을 느끼는 사람',
    'QoL person-years gained per KRW billion (discounted)': '10억 원당 얻은 삶의 질 인년 (할인)',
    'QoL person-years per KRW B': '10억 원당 삶의 질 인년',
    'Welfare against the start (compensating variation)': '시작 대비 후생 (보상변동)',
    'Welfare per household': '가구당 후생',
    'Welfare per household against the start': '시작 대비 가구당 후생',
    'Welfare: earnings': '후생: 소득',
    'Welfare: earnings against the start': '시작 대비 후생: 소득',
    'Welfare: other (re-sorting)': '후생: 기타 (재배치)',
    'Welfare: other (re-sorting) against the start': '시작 대비 후생: 기타 (재배치)',
    'Welfare: services': '후생: 서비스',
    'Welfare: services against the start': '시작 대비 후생: 서비스',
    'thousand KRW a year': '연간 천 원',
    'total': '합계',
    'housing transfer (not welfare)': '주거비 이전 (후생 아님)',
    '## Welfare by part': '## 부문별 후생',
    'Welfare, heads 20-39': '후생, 가구주 20-39세',
    'Welfare, heads 20-39 against the start': '시작 대비 후생, 가구주 20-39세',
    'Welfare, heads 40-64': '후생, 가구주 40-64세',
    'Welfare, heads 40-64 against the start': '시작 대비 후생, 가구주 40-64세',
    'Welfare, heads 65+': '후생, 가구주 65세 이상',
    'Welfare, heads 65+ against the start': '시작 대비 후생, 가구주 65세 이상',
    'Welfare: care/education services': '후생: 돌봄·교육 서비스',
    'Welfare: care/education services against the start': '시작 대비 후생: 돌봄·교육 서비스',
    'Welfare: digital services': '후생: 디지털 서비스',
    'Welfare: digital services against the start': '시작 대비 후생: 디지털 서비스',
    'Welfare: environment services': '후생: 환경 서비스',
    'Welfare: environment services against the start': '시작 대비 후생: 환경 서비스',
    'Welfare: health services': '후생: 보건의료 서비스',
    'Welfare: health services against the start': '시작 대비 후생: 보건의료 서비스',
    'Welfare: mobility services': '후생: 교통 서비스',
    'Welfare: mobility services against the start': '시작 대비 후생: 교통 서비스',
    'Welfare: safety services': '후생: 안전 서비스',
    'Welfare: safety services against the start': '시작 대비 후생: 안전 서비스',
    "Where each welfare effect comes from, KRW billion a year against the baseline (mean over paired seeds, 95 % interval): earnings (wages and employment), services by domain, and other (movers choosing anew among the changed places); the parts sum to the total. Dwellings, vacancy, prices, networks and the constants are held at the start's values in both arms (docs/model.md 6.1). The housing transfer, what occupants pay owners because prices moved, is shown beside it and is not welfare. The appraisal (B/C, NPV at `run.discount_rate`, cumulative) is in the table above.": '각 후생 효과의 출처, 기준 대비 연간 십억 원 (짝지은 시드 평균, 95 % 구간): 소득(임금과 고용), 분야별 서비스, 기타(바뀐 지역들 사이에서 새로 선택하는 이주자); 부문의 합이 합계입니다. 주택 수, 빈집, 가격, 연결망과 상수는 두 쪽 모두 시작 값으로 고정됩니다 (docs/model.md 6.1). 가격 변화로 거주자가 소유자에게 더 내는 주거비 이전은 옆에 보이며 후생이 아닙니다. 경제성 평가(B/C, `run.discount_rate`로 할인한 NPV, 누적)는 위 표에 있습니다.',
}

CATALOGUES: dict[str, dict[str, str]] = {"ko": KO}

__all__ = ["CATALOGUES", "KO", "LANGS", "MissingTranslation", "headline", "metric", "municipal",
           "name_columns", "names", "national", "national_panels", "strict", "t"]
