"""What the Explore page runs and shows, without any UI: a scenario stepped next to its
same-seed ``no_investment`` twin, the options of its controls, and its map layers.

:class:`DashboardRun` is a ``mesa.Model`` built from keyword parameters, so Mesa's
SolaraViz controls create, step and reset it like any Mesa model. It catches bad
settings instead of raising: a run that could not be built has an ``error`` message
for the page and ``running`` False, so a bad value in a control never becomes a
traceback. Settings go through :func:`sim.parameters.config_for`, so the page refuses
exactly what ``python -m sim`` refuses, with the same words.

The control options come from the config folders at run time (``configs/scenario/``,
and ``configs/beliefs/`` if that group exists), and the map layers from the columns the
municipal output has, so a new option or output column appears without code here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.catalogue import MUNICIPAL
from sim.compat import ScenarioKeyword, mesa
from sim.config import CONFIG_DIR, ConfigError, SimConfig
from sim.data import RegionDataError
from sim.model import SmartCityModel, release
from sim.outputs import provinces_frame
from sim.parameters import PARAMETERS, config_for

BASELINE = "no_investment"
#: Finest scale the dashboard runs: it holds two models (scenario and twin) per browser
#: session and rebuilds both on every reset.
MIN_SCALE = 10.0
#: Label of each control, by keyword parameter (also used to name it in messages).
LABELS: dict[str, str] = {
    "scenario": "Scenario",
    "beliefs": "Beliefs",
    "budget_krw": "Budget (KRW a year)",
    "seed": "Seed",
    "scale": "Scale (households per agent)",
    "start_year": "Start year",
}


def options(group: str) -> list[str]:
    """The options of a config group (``configs/<group>/*.yaml``); [] if there is no such
    group."""
    folder = CONFIG_DIR / group
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def defaults() -> dict[str, Any]:
    """The controls' start values: the configured defaults (the beliefs too: ``neutral``,
    as on the command line), and the TS scenario."""
    cfg = config_for()
    scenarios = options("scenario")
    return {
        "scenario": "trouble_shooter" if "trouble_shooter" in scenarios else scenarios[0],
        "beliefs": cfg.beliefs.name,
        "budget_krw": f"{cfg.budget.annual_krw:g}",
        "seed": str(cfg.run.seed),
        "scale": f"{cfg.run.scale:g}",
        "start_year": str(cfg.run.start_year),
    }


def model_params(
    region: str = "korea", years: int | None = None, values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``model_params`` of Mesa's SolaraViz for :class:`DashboardRun`: a select per
    config group, a text field per number (typed as on the command line, so any value
    can be tried and a bad one is explained), and the fixed region and horizon. The
    controls start at ``values`` (a run's :attr:`DashboardRun.inputs`) where given, else
    at :func:`defaults`."""
    start = defaults()
    start.update({k: str(v) for k, v in (values or {}).items() if k in start and v is not None})
    params: dict[str, Any] = {
        "scenario": {"type": "Select", "value": start["scenario"], "values": options("scenario"),
                     "label": LABELS["scenario"]},
    }
    beliefs = options("beliefs")
    if beliefs:  # the group comes with the beliefs issue; no control before it exists
        chosen = (values or {}).get("beliefs")
        default = start["beliefs"] if start["beliefs"] in beliefs else beliefs[0]
        params["beliefs"] = {"type": "Select", "value": chosen if chosen in beliefs else default,
                             "values": beliefs, "label": LABELS["beliefs"]}
    for name in ("budget_krw", "seed", "scale", "start_year"):
        params[name] = {"type": "InputText", "value": start[name], "label": LABELS[name]}
    params["region"] = region
    params["years"] = years
    return params


def describe_error(err: BaseException) -> str:
    """A message for the page: the config helper's message (the command line's), each
    setting also named by its control, plus the parser's reason if it gives one."""
    text = str(err).removeprefix("invalid configuration:").strip()
    reason = err
    while reason.__cause__ is not None:
        reason = reason.__cause__
    detail = str(reason).splitlines()[0].strip() if reason is not err else ""
    if detail and detail not in text:
        text = f"{text}: {detail}"
    lines = []
    for line in text.splitlines():
        line = line.strip()
        for name, label in LABELS.items():
            if re.search(rf"(^|\s){re.escape(PARAMETERS[name])}=", line):
                line = f"{label}: {line}"
                break
        lines.append(line)
    return "\n".join(lines)


class DashboardRun(ScenarioKeyword, mesa.Model):
    """A scenario and its same-seed ``no_investment`` twin, built and stepped together.

    Keyword parameters as :data:`sim.parameters.PARAMETERS` (the text controls pass
    strings, parsed like command-line values; a blank field keeps the default).

    Attributes:
        treated: the scenario's model (None if the settings are refused).
        twin: the ``no_investment`` model of the same settings and seed (None if the
            scenario is itself ``no_investment``, or the settings are refused).
        error: why the settings were refused, for the page; None if built.
    """

    def __init__(
        self,
        scenario: str = "trouble_shooter",
        beliefs: str | None = None,
        budget_krw: str | float | None = None,
        seed: str | int | None = None,
        scale: str | float | None = None,
        start_year: str | int | None = None,
        region: str = "korea",
        years: int | None = None,
        overrides: Sequence[str] = (),
    ):
        super().__init__()  # its own random numbers are unused: the two models have theirs
        #: the settings as given (the controls show them again)
        self.inputs = {"scenario": scenario, "beliefs": beliefs, "budget_krw": budget_krw,
                       "seed": seed, "scale": scale, "start_year": start_year}
        self.error: str | None = None
        self.treated: SmartCityModel | None = None
        self.twin: SmartCityModel | None = None
        params = {**self.inputs, "region": region, "years": years}
        params = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in params.items()}
        try:
            cfg = config_for(overrides, **params)
            if cfg.run.scale < MIN_SCALE:
                raise ConfigError(f"run.scale={cfg.run.scale:g}: the dashboard runs at scale "
                                  f">= {MIN_SCALE:g} (it holds a scenario and its twin); finer "
                                  "runs: python -m sim run.scale=...")
            twin_cfg = (config_for(overrides, **{**params, "scenario": BASELINE})
                        if cfg.scenario.name != BASELINE else None)
            self.treated = SmartCityModel(cfg)
            self.twin = SmartCityModel(twin_cfg) if twin_cfg is not None else None
        except (ConfigError, RegionDataError) as err:
            self.release()
            self.error = describe_error(err)
            self.running = False

    def step(self) -> None:
        """One simulated year of both models."""
        if self.treated is None or not self.treated.running:
            self.running = False
            return
        self.treated.step()
        if self.twin is not None:
            self.twin.step()
        self.running = self.treated.running

    def release(self) -> None:
        """Let both models be garbage-collected (Mesa 3.3.1 keeps every model with agents
        alive otherwise); call when the page drops this run."""
        for model in (self.treated, self.twin):
            if model is not None:
                release(model)

    # ------------------------------------------------------------------ reading
    @property
    def cfg(self) -> SimConfig | None:
        return self.treated.cfg if self.treated is not None else None

    @property
    def baseline(self) -> SmartCityModel | None:
        """The model effects are measured against: the twin, or the run itself if it is
        the baseline scenario."""
        return self.twin if self.twin is not None else self.treated

    def years_recorded(self) -> int:
        """Rows both models hold (they step in turn, so one may be a year ahead)."""
        if self.treated is None:
            return 0
        return min(self.treated.records.n_years, self.baseline.records.n_years)

    @property
    def year(self) -> int | None:
        n = self.years_recorded()
        return self.cfg.run.start_year + n - 1 if n else None

    def national(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The national rows so far of the scenario and of the twin, the same years."""
        n = self.years_recorded()
        return self.treated.records.national_frame(n), self.baseline.records.national_frame(n)

    def municipal(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Municipal rows of the start, of now, and of the twin now (same year)."""
        n = self.years_recorded()
        rec, base = self.treated.records, self.baseline.records
        return rec.municipal_year(0), rec.municipal_year(n - 1), base.municipal_year(n - 1)

    def provinces(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Province rows (:func:`sim.outputs.provinces_frame`) of the scenario and of the
        twin this year, in the same order."""
        n = self.years_recorded()
        return tuple(provinces_frame(m.records.municipal_year(n - 1), m.records.flows_frame(),
                                     m.world) for m in (self.treated, self.baseline))

    def invested(self) -> np.ndarray:
        """(M,) investment each municipality received so far, KRW."""
        n = self.years_recorded()
        rec = self.treated.records
        return np.sum([rec.municipal_year(k)["investment_krw"].to_numpy() for k in range(n)], axis=0)


# ------------------------------------------------------------------------- map layers


@dataclass(frozen=True)
class Layer:
    """A map layer: what is coloured, in which units.

    Attributes:
        key: its id. label: shown in the layer select and legend.
        column: the municipal output column it needs (the layer is offered only if the
            output has it).
        kind: "change" (% since the start), "cumulative" (sum over the years so far) or
            "level" (this year's value).
        unit, factor: level unit and factor (from the metric catalogue).
        effect_unit, effect_factor: the same for the difference from the twin (None:
            relative, in %).
    """

    key: str
    label: str
    column: str
    kind: str
    unit: str
    factor: float
    effect_unit: str
    effect_factor: float | None


#: Layers that are not one column's level.
_DERIVED = (
    Layer("population_change", "Population change", "population", "change",
          "% since start", 100.0, "% of twin", None),
    Layer("investment_total", "Investment so far", "investment_krw", "cumulative",
          "KRW billion", 1e-9, "KRW billion", 1e-9),
)
#: Columns shown as levels, in this order, when the output has them; welfare arrives
#: with the beliefs issue (its metric entry is then taken from the catalogue).
_LEVELS = ("qol", "felt_benefit_share", "felt_loss_share", "welfare_krw_per_household", "jobs",
           "wage")


def layers(columns: Sequence[str]) -> list[Layer]:
    """The map layers the municipal output ``columns`` allow, the default first."""
    have = set(columns)
    out = [layer for layer in _DERIVED if layer.column in have]
    for col in _LEVELS:
        if col not in have:
            continue
        if col in MUNICIPAL:
            m = MUNICIPAL[col]
            out.append(Layer(col, m.label, col, "level", m.level_unit, m.level_factor,
                             m.effect_unit, m.effect_factor))
        else:  # a column the catalogue does not know yet: shown in its own units
            words = col.replace("_krw", " (KRW)").replace("_per_", " per ").replace("_", " ")
            out.append(Layer(col, words[:1].upper() + words[1:], col, "level", "", 1.0, "", 1.0))
    return out


def layer_table(run: DashboardRun, layer: Layer, difference: bool = False) -> pd.DataFrame:
    """One row per municipality: ``code``, ``name``, ``province`` and ``value`` of
    ``layer`` now, in display units; with ``difference``, the scenario minus its twin."""
    start, now, twin = run.municipal()
    if layer.kind == "change":
        level = now[layer.column].to_numpy() / np.maximum(start[layer.column].to_numpy(), 1e-9) - 1
        value = level * layer.factor
        if difference:
            value = (now[layer.column].to_numpy() / np.maximum(twin[layer.column].to_numpy(), 1e-9)
                     - 1) * 100
    elif layer.kind == "cumulative":
        value = run.invested() * layer.factor  # the twin invests nothing: level = difference
    else:
        x = now[layer.column].to_numpy(dtype=float)
        if difference:
            b = twin[layer.column].to_numpy(dtype=float)
            value = ((x - b) * layer.effect_factor if layer.effect_factor is not None
                     else 100 * (x - b) / np.where(b == 0, np.nan, b))
        else:
            value = x * layer.factor
    return pd.DataFrame({"code": now["code"].to_numpy(), "name": now["name"].to_numpy(),
                         "province": now["province"].to_numpy(), "value": value})


def layer_unit(layer: Layer, difference: bool) -> str:
    return layer.effect_unit if difference else layer.unit


def diverging(layer: Layer, difference: bool) -> bool:
    """Whether the layer's colours should be centred on zero (the investment so far is
    its own difference from the twin, which invests nothing: never below zero)."""
    return (difference and layer.kind != "cumulative") or layer.kind == "change"


# ------------------------------------------------------------------ the map's colours

#: The map's colour range of each layer, in display units, fixed for a whole run so that
#: the frames of two years can be compared (a colour means the same number in every
#: year): ``(range of the value, half-range of the difference from the twin)``. The
#: range of the value is a pair, ``"start"`` (the start year's 2nd to 98th percentile of
#: the level, known before the first step) or ``"budget"`` (investment so far: 0 to
#: twice what each municipality would get if the run's whole budget were shared
#: equally). The fixed pairs hold about the 98th percentile of a Korea run of
#: trouble_shooter at the default scale, 10 to 20 years on; a differences' range is
#: symmetric about 0. Nothing is taken from the years still to come, so the first frames
#: are pale and the map fills in as changes and effects grow; a value beyond the range
#: takes the end colour (the caption under the map gives the year's real range).
MAP_RANGES: dict[str, tuple[tuple[float, float] | str, float]] = {
    "population_change": ((-30.0, 30.0), 1.0),          # % since start; % of twin
    "investment_total": ("budget", math.nan),            # its difference is itself
    "qol": ("start", 1.0),                               # QoL points
    "felt_benefit_share": ((0.0, 100.0), 20.0),          # % of people; percentage points
    "felt_loss_share": ((0.0, 100.0), 20.0),
    "welfare_krw_per_household": ((-10.0, 10.0), 100.0),  # million; thousand KRW a year
    "jobs": ("start", 1.0),                              # thousand; % of twin
    "wage": ("start", 0.1),                              # million KRW a year
}


@dataclass(frozen=True)
class MapView:
    """What the map shows of a layer in the run's current year, and its colour scale.

    Attributes:
        table: ``code``, ``name``, ``province`` and ``value`` (display units).
        layer: the layer shown (in the start year, the level a change or effect stands
            in for; see ``start_levels``).
        difference: whether ``value`` is the scenario minus its twin.
        unit: the unit of ``value`` (English; the page passes it through sim.i18n.t).
        domain: the colour range, fixed for the run (:data:`MAP_RANGES`); None where a
            layer has none (a column the catalogue does not know, all values alike): the
            range then follows the year's values.
        log: colours on a log scale (a level over orders of magnitude: population, jobs).
        diverging: colours centred on 0.
        start_levels: the start year, where every change since the start and every
            effect against the twin is zero by construction (an all-grey map): the map
            shows the level of ``layer`` instead, and says so.
    """

    table: pd.DataFrame
    layer: Layer
    difference: bool
    unit: str
    domain: tuple[float, float] | None
    log: bool
    diverging: bool
    start_levels: bool


def level_layer(column: str) -> Layer:
    """The layer of the level of ``column``, a column of the catalogue's MUNICIPAL."""
    m = MUNICIPAL[column]
    return Layer(column, m.label, column, "level", m.level_unit, m.level_factor,
                 m.effect_unit, m.effect_factor)


def _varies(values: np.ndarray) -> bool:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return len(v) > 1 and float(v.max()) > float(v.min())


def colour_range(run: DashboardRun, layer: Layer, difference: bool,
                 ) -> tuple[tuple[float, float] | None, bool]:
    """The layer's colour range for the whole run and whether it is logarithmic; see
    :data:`MAP_RANGES`. It depends on the run's settings and its start only, never on
    the year shown."""
    value_range, half = MAP_RANGES.get(layer.key, ("start", math.nan))
    if difference and layer.kind != "cumulative":
        return ((-half, half), False) if math.isfinite(half) else (None, False)
    if value_range == "budget":
        cfg = run.cfg
        share = cfg.budget.annual_krw * cfg.run.years / max(len(run.municipal()[0]), 1)
        top = 2 * share * layer.factor
        return ((0.0, top), False) if top > 0 else (None, False)
    if value_range == "start":
        start = run.municipal()[0][layer.column].to_numpy(dtype=float) * layer.factor
        start = start[np.isfinite(start)]
        if not _varies(start):
            return None, False
        low, high = (float(x) for x in np.percentile(start, [2, 98]))
        if high <= low:
            low, high = float(start.min()), float(start.max())
        return (low, high), bool(low > 0 and high / low > 20)
    return (float(value_range[0]), float(value_range[1])), False


def map_view(run: DashboardRun, layer: Layer, difference: bool = False) -> MapView:
    """What the map shows of ``layer`` this year (``difference``: against the twin).

    In the start year every effect against the twin, every change since the start and
    every sum so far is zero, and so are the levels measured against the start (felt
    benefit and loss, welfare): such a map would be one flat colour. It shows instead
    the level of the layer's own column where that differs between municipalities (QoL,
    jobs, wage; the population for the population change), else the population, and
    says so (``start_levels``); from the first step on it shows the layer itself."""
    difference = difference and run.twin is not None
    start = run.municipal()[0]
    if run.years_recorded() <= 1:
        own = (layer.column in start and _varies(start[layer.column].to_numpy(dtype=float)))
        if difference or layer.kind != "level" or not own:
            if not own:
                shown = level_layer("population")
            elif layer.kind == "level" and layer.column not in MUNICIPAL:
                shown = layer  # a column the catalogue does not know: its own level
            else:
                shown = level_layer(layer.column)
            domain, log = colour_range(run, shown, False)
            return MapView(layer_table(run, shown), shown, False, shown.unit, domain, log,
                           False, True)
    domain, log = colour_range(run, layer, difference)
    centred = diverging(layer, difference) or (domain is not None and domain[0] == -domain[1])
    return MapView(layer_table(run, layer, difference), layer, difference,
                   layer_unit(layer, difference), domain, log, centred, False)


def finite_range(values: np.ndarray) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return (float(v.min()), float(v.max())) if len(v) else (math.nan, math.nan)
