"""The dashboard's Solara pages: *Explore* (run a scenario, watch Korea change) and
*Study* (browse a finished sweep or study directory).

Served by ``python -m sim.dashboard`` (:mod:`sim.dashboard.server`), which passes its
options in ``SIM_DASHBOARD_*`` environment variables read here at render time.

Explore uses Mesa's SolaraViz controls (``ModelController``: Reset, play/pause, Step;
``ModelCreator``: the model parameters, in SolaraViz's ``model_params`` format) on a
:class:`~sim.dashboard.runs.DashboardRun`, and its own views in the main area, because
SolaraViz's draggable grid gives a 229-municipality map no room and steps one model
where the page steps a scenario with its twin. Mesa's visualisation is imported inside
the components: it imports pyplot, which importing this module must not.

The language switch in the app bar (English / 한국어) sets :data:`language` for the
browser session: labels, units, table headers and tooltips come from :mod:`sim.i18n`,
names from the region table's ``name_ko``.
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
import solara
import solara.lab

from sim.api import appraisal_effects, headline_effects
from sim.catalogue import HEADLINE_METRICS
from sim.dashboard import figures, runs, studies
from sim.dashboard.names import with_korean_names
from sim.i18n import LANGS, t

#: How long Play waits between two simulated years, ms.
PLAY_INTERVAL_MS = 400


def settings() -> dict[str, Any]:
    """The server's options (``python -m sim.dashboard``), from its environment."""
    years = os.environ.get("SIM_DASHBOARD_YEARS")
    roots = os.environ.get("SIM_DASHBOARD_STUDIES") or os.pathsep.join(
        [str(Path.cwd() / "multirun"), str(Path.cwd() / "outputs")])
    return {
        "region": os.environ.get("SIM_DASHBOARD_REGION", "korea"),
        "years": int(years) if years else None,
        "studies": [p for p in roots.split(os.pathsep) if p],
    }


def markdown(text: str, style: str = "") -> None:
    """``text`` as Markdown, rendered here and shown as HTML, as ``solara.Markdown`` shows
    it. Solara's own component also loads KaTeX and Mermaid into the browser for every
    block (for math and diagrams, which these pages never show): two more asset packages
    to serve offline (:mod:`sim.dashboard.assets`)."""
    import markdown as md

    solara.HTML(tag="div", unsafe_innerHTML=md.markdown(text, extensions=["tables"]),
                classes=["solara-markdown", "rendered_html", "jp-RenderedHTMLCommon"],
                style=style)


def _mesa_viz():
    """Mesa's SolaraViz pieces (imported on first use: they import pyplot)."""
    from mesa.visualization.solara_viz import ModelController, ModelCreator
    from mesa.visualization.utils import update_counter

    return ModelController, ModelCreator, update_counter


def _follow_steps() -> None:
    """Re-render the calling component after every step (Mesa's SolaraViz counter): each
    view subscribes itself, as their arguments (the run) stay the same object."""
    _mesa_viz()[2].get()


def _initial(params: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the first run: each control's start value."""
    return {k: (v["value"] if isinstance(v, dict) and "type" in v else v) for k, v in params.items()}


def _table_html(frame: pd.DataFrame, css: str) -> str:
    """A plain HTML table of ``frame`` (escaped), with class ``css`` for tests and styling."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (f'<table class="{css}" style="border-collapse:collapse;font-size:13px">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            "<style>." + css + " td,." + css + " th{padding:2px 8px;border-bottom:1px solid #ddd;"
            "text-align:right}." + css + " td:first-child,." + css + " th:first-child"
            "{text-align:left}</style>")


def _number(v: float, signed: bool = False) -> str:
    """Four significant digits, thousands separated; ``signed`` for an effect."""
    if not math.isfinite(v):
        return "n/a"
    if v == 0:
        return "0"
    text = f"{v:+,.3g}" if signed else f"{v:,.4g}"
    return text if "e" not in text else (f"{v:+.2e}" if signed else f"{v:.3e}")


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:,.4g}"
    return str(v)


#: The pages, in tab order: (path, tab label).
PAGES = (("/", "Explore"), ("/study", "Study"))
#: This browser session's language (the app bar's switch), one of sim.i18n.LANGS.
language: solara.Reactive[str] = solara.reactive("en")
#: The switch's label of each language.
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}


@solara.component
def NavTabs() -> None:
    """The pages' tabs in the app bar, named (Solara's own tabs show the paths)."""
    router = solara.use_router()
    current = "/" + (router.path or "/").strip("/")
    index = max((i for i, (path, _) in enumerate(PAGES) if current.startswith(path)), default=0)
    lang = language.value
    with solara.AppBar():
        with solara.lab.Tabs(value=index, on_value=lambda i: router.push(PAGES[i][0]),
                             align="center"):
            for _, label in PAGES:
                solara.lab.Tab(t(label, lang))
        solara.ToggleButtonsSingle(
            value=LANGUAGE_NAMES[lang], values=[LANGUAGE_NAMES[k] for k in LANGS],
            on_value=lambda name: language.set(
                next(k for k, v in LANGUAGE_NAMES.items() if v == name)),
            classes=["language-switch"])


# ----------------------------------------------------------------------------- Explore


#: This browser session's run (a module-level reactive holds one value per session), so
#: it survives a visit to the Study page.
session_run: solara.Reactive[runs.DashboardRun | None] = solara.reactive(None)


@solara.component
def Explore() -> None:
    """Controls in the sidebar (Mesa's), the run's views in the main area."""
    model_controller, model_creator, _ = _mesa_viz()
    opts = settings()
    if session_run.value is None:  # the session's first visit: the default run
        session_run.set(runs.DashboardRun(**_initial(runs.model_params(opts["region"],
                                                                       opts["years"]))))
    run = session_run.value
    # the controls start from the shown run's settings (Reset keeps what was typed)
    params = solara.use_memo(lambda: runs.model_params(opts["region"], opts["years"], run.inputs),
                             [id(run)])
    model_parameters = solara.use_reactive({})
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)

    # a run the page replaces (Reset) is released: Mesa 3.3.1 would keep its two models
    # alive otherwise (releasing only drops Mesa's reference; the run still works)
    solara.use_effect(lambda: run.release, [id(run)])

    lang = language.value
    solara.Title(t("Korea smart-city simulation", lang))
    NavTabs()
    with solara.Sidebar():
        with solara.Card(t("Run", lang)):
            model_controller(session_run, model_parameters=model_parameters,
                             play_interval=play_interval, render_interval=render_interval,
                             use_threads=use_threads)
        with solara.Card(t("Scenario and settings", lang)):
            model_creator(session_run, params, model_parameters=model_parameters)
            solara.Text(t("Change a setting, then press Reset. Numbers are typed as on the "
                          "command line (5e11, 1e12).", lang),
                        style="font-size: 12px; color: #666")
    RunView(run)


@solara.component
def RunView(run: runs.DashboardRun) -> None:
    """Status, map, series and effects of ``run``; re-rendered after every step."""
    _follow_steps()
    if run.error is not None:
        with solara.Column(classes=["config-error-box"]):
            solara.Error(label="These settings cannot run. Correct them and press Reset.",
                         classes=["config-error-title"])
            solara.HTML(tag="pre", unsafe_innerHTML=html.escape(run.error),
                        classes=["config-error"], style="white-space: pre-wrap; font-size: 14px")
        return
    cfg = run.cfg
    lang = language.value
    end = cfg.run.start_year + cfg.run.years
    against = (t(" against {baseline} (same seed)", lang, baseline=runs.BASELINE)
               if run.twin is not None else t(" (the baseline)", lang))
    with solara.Div(classes=["run-status"]):
        markdown(
            f"**{cfg.scenario.name}**"
            + t(" under the **{beliefs}** beliefs", lang, beliefs=cfg.beliefs.name)
            + against
            + t(", year **{year}** of {start}-{end} · seed {seed} · scale {scale} · budget KRW "
                "{budget} billion a year", lang, year=run.year, start=cfg.run.start_year,
                end=end, seed=cfg.run.seed, scale=f"{cfg.run.scale:g}",
                budget=f"{cfg.budget.annual_krw / 1e9:,.0f}")
            + ("" if run.running else t(" · **finished**", lang)),
            style="font-size: 15px",
        )
    with solara.Columns([5, 7]):
        KoreaMap(run)
        with solara.Column():
            NationalSeries(run)
            HeadlineEffects(run)
            ProvinceEffects(run)


@solara.component
def KoreaMap(run: runs.DashboardRun) -> None:
    """The choropleth of one layer, this year; hover for names and the value.

    Its colours keep one range for the whole run (:func:`sim.dashboard.runs.colour_range`),
    so two years' frames can be compared; in the start year, where every change and
    effect is still zero, it shows a level and says so (:func:`sim.dashboard.runs.map_view`).
    """
    _follow_steps()
    lang = language.value
    start, _, _ = run.municipal()
    available = runs.layers(list(start.columns))
    key, set_key = solara.use_state(available[0].key)
    difference, set_difference = solara.use_state(False)
    layer = next((lay for lay in available if lay.key == key), available[0])
    compare = difference and run.twin is not None
    view = runs.map_view(run, layer, compare)
    unit = t(view.unit, lang)
    label = t(view.layer.label, lang)
    versus = t(" vs no_investment", lang) if view.difference else ""
    note = (t("Start year: no change or effect yet, so the map shows levels", lang)
            if view.start_levels else None)
    r = run.cfg.region
    features = figures.region_shapes(r.name, r.n_municipalities, r.seed)
    spec = figures.choropleth_spec(features, view.table, title=f"{label}{versus}, {run.year}",
                                   unit=unit, diverging=view.diverging, domain=view.domain,
                                   log=view.log, note=note, lang=lang)
    chosen = t(layer.label, lang)
    with solara.Column():
        with solara.Row():
            solara.Select(t("Map", lang), value=chosen,
                          values=[t(lay.label, lang) for lay in available],
                          on_value=lambda picked: set_key(
                              next(lay.key for lay in available if t(lay.label, lang) == picked)))
            solara.Switch(label=t("difference from twin", lang), value=compare,
                          on_value=set_difference, disabled=run.twin is None)
        with solara.Div(classes=["korea-map"]):
            solara.widgets.VegaLite.element(spec=spec)
        lo, hi = runs.finite_range(view.table["value"])
        solara.Text(f"{label}{t(' minus twin', lang) if view.difference else ''} ({unit}), "
                    f"{run.year}: " + t("{low} to {high}", lang, low=f"{lo:,.3g}", high=f"{hi:,.3g}"),
                    classes=["map-caption"], style="font-size: 12px; color: #555")


@solara.component
def NationalSeries(run: runs.DashboardRun) -> None:
    """The national series so far, the twin dashed."""
    _follow_steps()
    national, twin = run.national()
    cfg = run.cfg
    spec = figures.series_spec(
        national, twin if run.twin is not None else None, scenario=cfg.scenario.name,
        start_year=cfg.run.start_year, end_year=cfg.run.start_year + cfg.run.years,
        lang=language.value)
    with solara.Div(classes=["national-series"]):
        solara.widgets.VegaLite.element(spec=spec)


@solara.component
def HeadlineEffects(run: runs.DashboardRun) -> None:
    """The headline effects so far: scenario minus twin, this year."""
    _follow_steps()
    national, twin = run.national()
    lang = language.value
    if run.twin is None:
        solara.Info(t("This is the baseline scenario: effects are measured against it.", lang))
        return
    table = pd.concat([
        headline_effects(national, twin, metrics=(*HEADLINE_METRICS, "welfare_krw_total")),
        appraisal_effects(national, twin, run.cfg.run.discount_rate)], ignore_index=True)
    def level(v: float) -> str:  # the appraisal rows exist only against the twin: no level
        return "" if math.isnan(v) else _number(v)

    shown = pd.DataFrame({
        t("in {year}", lang, year=run.year): table["label"].map(lambda x: t(x, lang)),
        t("unit", lang): table["unit"].map(lambda x: t(x, lang)),
        run.cfg.scenario.name: table["scenario"].map(level),
        runs.BASELINE: table["baseline"].map(level),
        t("effect", lang): [f"{_number(e, signed=True)} {t(u, lang)}" for e, u in
                            zip(table["effect"], table["effect_unit"], strict=True)],
    })
    markdown(t("**Headline effects so far** (one seed; {scenario} minus its no_investment "
               "twin; B/C, NPV and QoL person-years per KRW B cumulative from the start, "
               "discounted at {rate})", lang, scenario=run.cfg.scenario.name,
               rate=f"{run.cfg.run.discount_rate:.1%}"))
    solara.HTML(tag="div", unsafe_innerHTML=_table_html(shown, "headline-effects"))


@solara.component
def ProvinceEffects(run: runs.DashboardRun) -> None:
    """The effects by province: scenario minus twin, this year (net migration: moves
    from the other provinces minus moves to them; none in the start year)."""
    _follow_steps()
    if run.twin is None or run.years_recorded() == 0:
        return
    now, twin = run.provinces()
    lang = language.value
    names = now["province"]
    if lang == "ko":
        names = now["province_ko"].where(now["province_ko"].fillna("") != "", names)

    def effect(column: str, factor: float) -> list[str]:
        diff = (now[column].to_numpy(dtype=float) - twin[column].to_numpy(dtype=float)) * factor
        return [_number(v, signed=True) for v in diff]

    shown = pd.DataFrame({
        t("province", lang): names.to_numpy(),
        t("population, thousand people", lang): effect("population", 1e-3),
        t("net migration from other provinces, thousand people a year", lang):
            effect("net_migration", 1e-3),
        t("QoL, points", lang): effect("qol", 1.0),
        t("investment, KRW billion", lang): effect("investment_krw", 1e-9),
        t("welfare, KRW billion a year", lang): effect("welfare_krw_total", 1e-9),
        t("of which services, KRW billion a year", lang): effect("welfare_services_krw", 1e-9),
    })
    markdown(t("**Province effects in {year}** (one seed; {scenario} minus its no_investment "
               "twin)", lang, year=run.year, scenario=run.cfg.scenario.name))
    solara.HTML(tag="div", unsafe_innerHTML=_table_html(shown, "province-effects"))


# ------------------------------------------------------------------------------- Study


@solara.component
def StudyPage() -> None:
    """Open a study directory and browse its effects, maps, figures and claims."""
    roots = settings()["studies"]
    found = solara.use_memo(lambda: [str(p) for p in studies.find_studies(roots)], [])
    path = solara.use_reactive(found[0] if found else "")
    typed = solara.use_reactive(path.value)

    def load() -> tuple[studies.Study | None, str | None]:
        if not path.value:
            return None, None
        try:
            return studies.open_study(path.value), None
        except studies.StudyError as err:
            return None, str(err)

    study, error = solara.use_memo(load, [path.value])
    lang = language.value
    solara.Title(t("Korea smart-city simulation: study", lang))
    NavTabs()
    with solara.Card(t("Study directory", lang)):
        with solara.Row():
            if found:
                solara.Select(t("Studies found", lang), value=path.value if path.value in found else None,
                              values=found, on_value=lambda v: (path.set(v), typed.set(v)))
            solara.InputText(t("Directory", lang), value=typed, on_value=typed.set,
                             continuous_update=True)
            solara.Button(t("Open", lang), color="primary", on_click=lambda: path.set(typed.value.strip()))
        if not found:
            solara.Text(f"No study found under {', '.join(roots)}; type a directory "
                        "(a sweep compared by python -m sim.compare, or a study's report).")
    if error:
        solara.Error(label=error, classes=["study-error"])
        return
    if study is None:
        return
    markdown(f"**{study.path}**: {', '.join(study.files)}"
                    + (f"; {len(study.figures)} figures" if study.figures else ""))
    with solara.lab.Tabs():
        if study.effects is not None:
            with solara.lab.Tab(t("Effects", lang)):
                with solara.Div(classes=["study-effects"]):
                    markdown(study.effects_markdown(lang))
                if study.summary:
                    with solara.Details("summary.md"):
                        markdown(study.summary)
        if study.municipal is not None:
            with solara.lab.Tab(t("Maps", lang)):
                StudyMap(study)
        if study.figures:
            with solara.lab.Tab(t("Figures", lang)):
                StudyFigures(study)
        if study.claims is not None or study.report or study.prim_boxes is not None:
            with solara.lab.Tab(t("Claims", lang)):
                if study.claims is not None:
                    solara.HTML(tag="div", unsafe_innerHTML=_table_html(study.claims, "claims"))
                if study.prim_boxes is not None:
                    markdown("**PRIM boxes** (`prim_boxes.csv`)")
                    solara.HTML(tag="div",
                                unsafe_innerHTML=_table_html(study.prim_boxes, "prim-boxes"))
                if study.report:
                    with solara.Div(classes=["study-report"]):
                        markdown(study.report)


@solara.component
def StudyMap(study: studies.Study) -> None:
    """Final-year difference from the baseline per municipality, one condition."""
    effects = solara.use_memo(study.map_effects, [study.path])
    condition, set_condition = solara.use_state("")
    metric, set_metric = solara.use_state(next(iter(studies.MAP_METRICS)))
    lang = language.value
    if effects.empty:
        solara.Info(f"No {study.baseline} runs to compare against: no maps.")
        return
    conditions = list(dict.fromkeys(effects["condition"]))
    condition = condition if condition in conditions else conditions[0]
    label, unit = (t(x, lang) for x in studies.MAP_METRICS[metric])
    r = study.region
    n, seed = r.get("n_municipalities"), r.get("seed")  # a generated region's settings only
    features = figures.region_shapes(r.get("name", "korea"), None if n is None else int(n),
                                     None if seed is None else int(seed))
    table = study.map_table(condition, metric)
    spec = figures.choropleth_spec(features, table, title=f"{label}: {condition}", unit=unit,
                                   diverging=True, lang=lang)
    with solara.Row():
        solara.Select(t("Condition", lang), value=condition, values=conditions,
                      on_value=set_condition)
        solara.Select(t("Map", lang), value=label,
                      values=[t(v[0], lang) for v in studies.MAP_METRICS.values()],
                      on_value=lambda lab: set_metric(
                          next(k for k, v in studies.MAP_METRICS.items() if t(v[0], lang) == lab)))
    with solara.Columns([6, 6]):
        with solara.Column():
            with solara.Div(classes=["study-map"]):
                solara.widgets.VegaLite.element(spec=spec)
            solara.Text(t("Mean over paired seeds of the final-year difference against "
                          "{baseline}.", lang, baseline=study.baseline),
                        style="font-size: 12px; color: #555")
        with solara.Column():
            ranked = with_korean_names(table).sort_values("value", ascending=False)
            ranked = ranked.assign(municipality=ranked["name_ko"] + " " + ranked["name"])
            if lang == "ko":
                ranked = ranked.assign(province=ranked["province_ko"].where(
                    ranked["province_ko"] != "", ranked["province"]))
            cols = {"municipality": t("municipality", lang), "province": t("province", lang),
                    "value": unit}
            for heading, rows in ((t("Largest gains", lang), ranked.head(8)),
                                  (t("Largest losses", lang), ranked.tail(8).iloc[::-1])):
                markdown(f"**{heading}**")
                solara.HTML(tag="div", unsafe_innerHTML=_table_html(
                    rows[list(cols)].rename(columns=cols), "study-ranking"))


@solara.component
def StudyFigures(study: studies.Study) -> None:
    names = [p.stem for p in study.figures]
    name, set_name = solara.use_state(names[0])
    name = name if name in names else names[0]
    solara.Select("Figure", value=name, values=names, on_value=set_name)
    solara.Image(study.figures[names.index(name)], width="100%", classes=["study-figure"])


routes = [
    solara.Route(path="/", component=Explore, label="Explore"),
    solara.Route(path="study", component=StudyPage, label="Study"),
]
