"""Typed configuration: dataclass schemas registered in Hydra's ConfigStore.

Every YAML file under ``configs/`` is merged onto these schemas, so an unknown key or a
value of the wrong type fails at start-up with the key named. Values are then checked
for sense by :func:`validate` (also before any simulation), which names the setting and
what is allowed. Only the entry points touch the ``DictConfig``; the model receives the
typed :class:`SimConfig`.

:func:`make_config` is the one way to build a validated config in Python: it composes
the same files as ``python -m sim`` with command-line style overrides (and, for
programmatic use, a nested mapping of values on top), so tests, tools and the Python
API get exactly the command line's configs, checks and errors.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from sim.beliefs import BeliefsConfig, resolve
from sim.beliefs import rules as belief_rules
from sim.constants import (
    CENSUS_YEARS,
    N_AGE_CLASSES,
    N_DOMAINS,
    N_INCOME_CLASSES,
    N_SECTORS,
    POPULATION_YEARS,
    SECTORS,
    indicator_year,
)
from sim.i18n import LANGS
from sim.policy.config import (
    GovernanceConfig,
    InstrumentConfig,
    LifecycleConfig,
    TargetingConfig,
    validate_policy,
)
from sim.schema import bounded, check, choice, unknown_keys, unknown_override_keys

#: Coarsest allowed run.scale: Korea's smallest municipality (about 3,400 households in
#: 2010) still gets a few agents.
MAX_SCALE = 1000.0
#: Longest run, in years.
MAX_YEARS = 200
#: Largest run seed: seeds are stored as signed 64-bit integers.
MAX_SEED = 2**63 - 1
#: Largest yearly budget, as a share of the region's output (GRDP) at the start: a tenth
#: of everything a country produces is no smart-city programme, so a larger number is a
#: typo or a unit mistake (1e18 is about 500 times Korea's GDP).
MAX_BUDGET_SHARE = 0.10


class ConfigError(ValueError):
    """A setting is impossible; the message names it and what is allowed."""


@dataclass
class RegionConfig:
    """What a region is (``configs/region/<name>.yaml``): where its table comes from,
    whether its codes are Korea's, and which province the outputs follow. No code
    compares a region's name; a new region is a data folder and a config file."""

    name: str = MISSING  # the option's name, e.g. "korea"
    # The package data folder of its table, sim/data/<data>/municipalities.parquet (and
    # boundaries.parquet); unused when a generator makes the region.
    data: str = "korea"
    # A generator of sim.data.GENERATORS ("synthetic"); "" to read ``data``.
    generator: str = ""
    n_municipalities: int | None = None  # generator only: how many municipalities
    seed: int | None = None  # generator only: the layout's seed
    # Codes are real Korean municipality codes: named sites apply (else they fall back to
    # targeting.sites_synthetic) and boundaries are real.
    real_codes: bool = True
    focus_province: int = 35  # adm1 code of the province the focus_* outputs follow
    focus_name: str = "Jeonbuk"  # its name in reports
    # The data folder whose census population is the nation's: national series (births
    # and deaths of the vital statistics) are scaled to the region by its share of it.
    nation: str = "korea"


def _no_start_data(year: int) -> str:
    """Why ``run.start_year=year`` cannot be a start: a year with population counts but
    not the rest of a census (households, dwellings, firms), or no census at all."""
    if year in POPULATION_YEARS:
        return (f"the {year} census in the package has population only (no households, "
                "dwellings or firms yet; docs/data.md)")
    return "no census data"


@dataclass
class RunConfig:
    # a census year with every start-state column (default: the latest)
    start_year: int = choice(2025, CENSUS_YEARS, why=_no_start_data)
    years: int = bounded(20, lo=1, hi=MAX_YEARS, doc="simulated years")
    # real households per household agent (1 = one agent each)
    scale: float = bounded(100.0, lo=1, hi=MAX_SCALE, doc=(
        "real households per agent; coarser leaves the smallest municipalities with next "
        "to no agents"))
    # the one run seed; every process spawns its own stream from it
    seed: int = bounded(0, lo=0, hi=MAX_SEED, doc=(
        "2**63 - 1 at most: run tables store seeds as signed 64-bit integers"))
    progress: bool = True  # progress bar over simulated years
    plots: bool = True  # write plots/ at the end
    # Yearly rate at which cost-effectiveness discounts welfare and money; 4.5 % is the
    # social discount rate of Korea's preliminary feasibility studies (KDI PIMAC).
    discount_rate: float = bounded(0.045, lo=0, hi=0.5, doc="a yearly rate")
    # Share of household income spent on housing at the start (rent or its equivalent):
    # what a price change moves between occupants and owners (housing_transfer_krw,
    # information beside welfare, not part of it). About 16 %: renters' rent-to-income
    # ratio in MOLIT's Korea Housing Survey 2019-2021.
    housing_cost_share: float = bounded(0.16, lo=0, hi=1, doc="a share of household income")
    # also write gis/: the municipal results of the final year with their boundaries, as
    # GeoPackage and GeoParquet (sim/export.py; `python -m sim.export RUN_DIR` for a
    # finished run)
    gis: bool = choice(False, (False, True))


@dataclass
class ReportConfig:
    # the language of the run's figures, and the default of its comparison's report:
    # en or ko (Korean labels, units and names; a Hangul font, sim/fonts.py)
    lang: str = choice("en", LANGS, doc="the language of figures and reports")


@dataclass
class BudgetConfig:
    # national smart-city budget per year, KRW (at most MAX_BUDGET_SHARE of the region's
    # output: validate())
    annual_krw: float = bounded(5.0e11, lo=0)
    horizon_years: int = bounded(10, lo=0)  # years during which the budget is spent
    local_match_rate: float = bounded(0.0, lo=0, hi=5)  # local money added per KRW of national money


@dataclass
class ScenarioConfig:
    name: str = MISSING
    description: str = ""


@dataclass
class MigrationParams:
    """Move decision and destination choice (see docs/model.md, migration)."""

    # by head age class
    move_rate: list[float] = bounded([0.20, 0.10, 0.05], lo=0, hi=1, length=N_AGE_CLASSES,
                                     doc="yearly probabilities")
    # tenure 0-1, 2-4, 5-9, 10+ years: the bins of TENURE_BIN (sim/processes/migration.py)
    tenure_multiplier: list[float] = bounded([1.6, 1.0, 0.8, 0.6], lo=0, length=4)
    dissatisfaction: float = 0.5  # log-odds of moving per 10 QoL points below the national mean
    beta_wage: list[float] = bounded([1.5, 1.0, 0.2], length=N_AGE_CLASSES)  # log wage, by age class
    beta_jobs: list[float] = bounded([1.5, 1.0, 0.0], length=N_AGE_CLASSES)  # log employment rate
    beta_services: list[float] = bounded([0.4, 0.4, 0.5], length=N_AGE_CLASSES)  # per 10 service points
    # log price, by income class
    beta_housing: list[float] = bounded([1.2, 0.8, 0.5], length=N_INCOME_CLASSES)
    beta_size: float = 1.0  # log dwellings at destination (more homes, more to move into)
    # log of the vacancy rate relative to the start (empty homes)
    beta_vacancy: float = bounded(0.5, lo=0, hi=5)
    beta_capital: list[float] = bounded([0.3, -0.1, -0.2], length=N_AGE_CLASSES)  # capital-region term
    # A county (gun) term by age class: return to the countryside (귀농·귀촌, 494,569
    # people in 2020, FACTS.md) at 40-64 and 65+. 0 (no term) unless calibrated.
    beta_rural: list[float] = bounded([0.0, 0.0, 0.0], length=N_AGE_CLASSES)
    distance_decay: float = bounded(1.2, lo=0)  # on log(1 + km / 10)
    same_province: float = 1.0  # bonus for staying in the province
    stay_local: float = 1.0  # bonus for moving within the same municipality
    network: float = 0.5  # on log1p(M * share of the origin's earlier movers going to d)
    network_memory: float = bounded(0.7, lo=0, hi=1)  # yearly decay of the migrant-network stock
    equilibrium_start: bool = True  # solve destination constants at the start (False: none)
    # What the start's destination constants reproduce: "base_period" (the observed net
    # migration of the five years before the start, by municipality, and where each
    # province's leavers went; sim/data/base_period.py) or "equilibrium" (zero net
    # migration everywhere: the start as a spatial equilibrium). "in_sample" is a
    # diagnostic and calibration setting, never a forecast: the base period is the five
    # years *after* the start (a 2010 start fitted on 2011-2015, a 2015 start on
    # 2015->2020), so that a run asks whether the model keeps flows its start reproduces.
    constants: str = choice("base_period", ("base_period", "equilibrium", "in_sample"))
    # Years in which the base period's pull (the constants' distance from the zero-net
    # equilibrium) halves, counted from the base period's end; 0 keeps it (held). The
    # carry rule is chosen on 2010->2015 vs 2015->2020 (docs/validation.md).
    constants_half_life: float = bounded(0.0, lo=0, hi=200, doc="years; 0 holds the pull")
    # Origin-province x destination-province constants so that each province's leavers
    # go where they went in the base period (base_period only, real codes only).
    province_pairs: bool = True
    # Leaving home as a move: an adult child who leaves home (demography) chooses where to
    # live in the year it leaves, by the destination choice of its type (staying in the
    # municipality is one of the choices), instead of starting in its parents'
    # municipality and deciding later like any household. The start's constants then also
    # reproduce the base period with the first year's expected leavers among the movers.
    # False (the default) keeps the model as matched (docs/validation.md 6.4).
    leaving_home_moves: bool = choice(False, (False, True))
    # How the start splits each province's base-period net between the head's age
    # classes. "free" (the default, as matched): the split the age-specific terms give
    # (beta_capital, beta_rural, wages, jobs, services by age), which no data pin. "even":
    # constants by age class and destination province, solved with the others, so that
    # every age class carries its province's net in proportion to its moves across the
    # province line (in + out): the same migration effectiveness at every age. An
    # assumption to measure against, not data (docs/validation.md 6.4); needs base-period
    # constants.
    age_split: str = choice("free", ("free", "even"))
    # A start with a migration history: the start's years at the home hold the movers of
    # the base period's last ``start_history_years`` years where the base period sent
    # them (a gaining place has more recent movers, a losing one fewer), each surviving
    # at its home's hazard; 0 draws every place's tenures as if it were in balance (the
    # stationary draw of its own hazard). Needs base-period constants: the recent years'
    # entries are those the solved start's nets by age class need
    # (sim/processes/migration.py, recent_entry_weights; docs/validation.md 6.4).
    start_history_years: int = bounded(0, lo=0, hi=30, doc="years; 0: every place in balance")
    # What a destination's size term (beta_size) counts: "dwellings" (the default, as
    # matched: the stock of homes, which grows with the census's building pipeline and
    # never shrinks) or "occupied" (dwellings less the empty ones: the homes households
    # live in, which grow and shrink with the model's own households). With "occupied" a
    # place's pull grows as people move in, as the mass of a gravity model of migration
    # does; an option to measure the flows' persistence against (docs/validation.md 6.4).
    size_of: str = choice("dwellings", ("dwellings", "occupied"))
    # Municipality code -> amenity shift (utility units) added after the start equilibrium:
    # an unexplained, persistent pull (or push) of a place. Empty by default; the
    # ``calibrated_trends`` behaviour estimates it on 2010->2015 (sim/calibrate.py --trends).
    # Applied only with equilibrium_start (sim/processes/migration.py).
    # An open dict: any code is a new entry (sim.schema).
    amenity_shift: dict[str, float] = bounded({}, lo=-10, hi=10, doc="utility units")
    # Half-life (years) of the amenity shift, counted from the run's start year; 0 (the
    # default) keeps it unchanged for the whole run. A prior for long runs, not calibrated.
    amenity_shift_half_life: float = bounded(0.0, lo=0, doc="years; 0: no decay")


@dataclass
class DemographyParams:
    """Household demography; rates per year (see docs/model.md, demography)."""

    mortality_a: float = bounded(1.2e-5, lo=0, hi=1)  # Gompertz q(age) = a * exp(b * age), adults
    mortality_b: float = 0.095
    child_mortality: float = bounded(3.0e-4, lo=0, hi=1)  # other household members
    # births per household with head aged 20-44 (2015 level)
    birth_rate: float = bounded(0.055, lo=0, hi=1, doc="a yearly rate")
    # weight of census municipal fertility (TFR) differences; 0 = none
    local_fertility: float = bounded(1.0, lo=0, hi=3, doc=(
        "0: national fertility everywhere, 1: census differences"))
    birth_trend: float = -0.06  # yearly log change of the birth rate up to birth_trend_until
    birth_trend_until: int = 2023
    # an adult child of a 3+ household with head 45+ leaves
    leave_home_rate: float = bounded(0.04, lo=0, hi=1)
    mortality_improvement: float = 0.02  # yearly log decline of mortality from 2015
    # Scale the year's birth and death rates so national births and deaths follow
    # Statistics Korea's series (sim/data/korea/vital_statistics.csv) in the years it has;
    # later years keep the last scaling (docs/model.md, demography).
    vital_statistics: bool = True
    immigration_rate: float = bounded(0.0015, lo=0, hi=1)  # net arrivals from abroad per resident a year


@dataclass
class EconomyParams:
    """Firms, labour market and wages (see docs/model.md, firms and labour)."""

    employment_rate: float = 0.78  # initial share of heads under 65 in work
    max_employment_rate: float = 0.95
    productivity_drift: float = 0.01  # yearly log productivity growth
    productivity_sigma: float = 0.10
    agglomeration: float = 0.02  # productivity elasticity w.r.t. local jobs density
    labour_elasticity: float = 0.5
    demand_elasticity: list[float] = bounded([0.0, 0.2, 1.0, 0.4], length=N_SECTORS)  # by sector
    exit_rate: list[float] = bounded([0.04, 0.05, 0.08, 0.07], length=N_SECTORS)
    entry_rate: list[float] = bounded([0.04, 0.05, 0.08, 0.08], length=N_SECTORS)
    relocation_rate: float = 0.005
    # Share of each sector's entrants that choose their place nationally (footloose),
    # weighing tech capital and knowledge agglomeration (beliefs.tech); the rest enter
    # where the sector already is. An assumption: knowledge firms are the most mobile.
    footloose_share: list[float] = bounded([0.0, 0.3, 0.1, 0.5], lo=0, hi=1, length=N_SECTORS)
    # Commuting: workers look for work in j with weight exp(-km / commute_km) x jobs_j
    # (docs/model.md, labour); 0: everyone works where they live. 5 km: about 37 % of
    # workers look beyond their municipality (2020 census: 33 % of commuters and students).
    commute_km: float = bounded(5.0, lo=0, hi=200, doc="km; 0: no commuting")
    wage_tightness: float = 0.3  # wage elasticity w.r.t. jobs per worker
    wage_passthrough: float = 0.5  # wage elasticity w.r.t. local productivity
    mean_wage: float = bounded(38.0, lo=0, lo_open=True)  # million KRW per worker per year (2015)
    income_sigma: float = 0.4
    pension_share: float = 0.35  # non-working income relative to the mean wage


@dataclass
class HousingParams:
    price_elasticity: float = 1.0  # log price change per log change of occupancy
    supply_elasticity: float = 0.3  # new units per log price above start
    # Census building pipeline: dwellings completed a year = census growth of the stock in
    # the 5 years up to the start (2010->2015 for 2010 and 2015 starts) x pipeline_weight,
    # halving every pipeline_half_life years (docs/model.md, housing).
    pipeline_weight: float = bounded(1.0, lo=0, hi=3, doc=(
        "0: no census building pipeline, 1: the census rate"))
    pipeline_half_life: float = bounded(10.0, lo=0, lo_open=True, doc="years")
    # Designated new towns and large housing districts (sim/data/korea/new_towns.csv) are
    # built on their own schedule, and taken out of the census pipeline (docs/data.md).
    new_towns: bool = True


@dataclass
class QolParams:
    """Quality of life index (0-100) as households feel it."""

    # Weights of the domains by age class of the head; null: beliefs.qol.service_weights.
    service_weights: list[list[float]] | None = bounded(
        None, lo=0, shape=(N_AGE_CLASSES, N_DOMAINS), doc="age classes x service domains")
    # services, jobs, housing; null: beliefs.qol (normalised to sum 1)
    component_weights: list[float] | None = bounded(None, length=3, doc="services, jobs, housing")
    # QoL points a household perceives as a gain (mean); null: beliefs.felt_threshold.
    felt_threshold: float | None = bounded(None, lo=0, doc="QoL points")
    # Spread (log s.d.) of the threshold across households: people differ in what they
    # notice, so the felt-benefit share rises smoothly with QoL gains. 0: one threshold.
    felt_threshold_spread: float = bounded(0.5, lo=0, hi=3, doc=(
        "log s.d. of households' thresholds; 0: everyone the same"))


@dataclass
class BehaviourConfig:
    migration: MigrationParams = field(default_factory=MigrationParams)
    demography: DemographyParams = field(default_factory=DemographyParams)
    economy: EconomyParams = field(default_factory=EconomyParams)
    housing: HousingParams = field(default_factory=HousingParams)
    qol: QolParams = field(default_factory=QolParams)
    note: str = ""  # where these values come from (calibration run, date)


@dataclass
class SimConfig:
    region: RegionConfig = field(default_factory=RegionConfig)
    run: RunConfig = field(default_factory=RunConfig)
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    targeting: TargetingConfig = field(default_factory=TargetingConfig)
    instrument: InstrumentConfig = field(default_factory=InstrumentConfig)
    governance: GovernanceConfig = field(default_factory=GovernanceConfig)
    lifecycle: LifecycleConfig = field(default_factory=LifecycleConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    beliefs: BeliefsConfig = field(default_factory=BeliefsConfig)
    report: ReportConfig = field(default_factory=ReportConfig)


@dataclass
class ValidateOptions:
    """Options of ``python -m sim.validate`` (``configs/validate.yaml``)."""

    seeds: list[int] = field(default_factory=lambda: [0, 1, 2, 3])
    trends: str = "calibrated_trends"  # behaviour option also validated; "" to skip
    # Behaviour sets drawn (without replacement, seeded) from the shipped sample and
    # validated too, each with the first two seeds: the forecast's spread over the sample.
    draws: int = bounded(0, lo=0, hi=1000, doc="behaviour sets; 0: none")
    posterior: str = ""  # the sample's CSV; "" = configs/behaviour/posterior.csv


@dataclass
class ValidateConfig(SimConfig):
    validate: ValidateOptions = field(default_factory=ValidateOptions)


def _config_dir() -> Path:
    """``configs/``: inside the installed package (the wheel maps it to ``sim/_configs``),
    else beside ``sim/`` in a checkout (an editable install included)."""
    package = Path(__file__).resolve().parent
    installed = package / "_configs"
    return installed if (installed / "config.yaml").is_file() else package.parent / "configs"


#: The config files of the package: ``configs/`` of the checkout, or its copy in the wheel.
CONFIG_DIR = _config_dir()


def register_configs() -> None:
    """Register the schemas that ``configs/config.yaml`` and ``configs/validate.yaml``
    build on. The entry points call it before Hydra composes; it is idempotent, and cheap
    after the first call (storing a schema converts the whole dataclass tree, about a
    second, which every composition would otherwise pay again)."""
    cs = ConfigStore.instance()
    if "sim_schema.yaml" in cs.repo and "validate_schema.yaml" in cs.repo:
        return
    cs.store(name="sim_schema", node=SimConfig)
    cs.store(name="validate_schema", node=ValidateConfig)


#: The schema each main config of ``configs/`` is built on (``config.yaml``: SimConfig).
SCHEMAS: dict[str, type] = {"config": SimConfig, "validate": ValidateConfig}


def compose(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """The DictConfig ``python -m sim <overrides>`` would run (``config_name`` selects
    another main config of ``configs/``, e.g. ``validate``).

    Raises:
        ConfigError: a key that is no setting (with the nearest one), an unknown option
            or a wrong type (Hydra's message).
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    check_overrides(overrides, config_name)
    register_configs()
    try:
        if GlobalHydra.instance().is_initialized():  # inside a Hydra app: same config dir
            return hydra_compose(config_name=config_name, overrides=list(overrides))
        with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
            return hydra_compose(config_name=config_name, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(f"invalid configuration: {err}") from err


def check_overrides(overrides: Sequence[str], config_name: str = "config",
                    check_options: bool = True) -> None:
    """Refuse every override whose key is no setting of the schema (the schema is
    closed: ``+run.yeras=5`` is refused like ``run.yeras=5``), naming the nearest valid
    key instead of Hydra's advice to add a ``+``. Config group choices
    (``scenario=tech_city``), ``hydra.*`` settings and open dicts
    (``+behaviour.migration.amenity_shift.11010=0.3``) pass; Hydra checks the rest.

    Raises:
        ConfigError: naming every unknown key.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    schema = SCHEMAS.get(config_name)
    if schema is None:
        return
    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except HydraException:  # bad syntax: Hydra's own message says where
        return
    keys, problems = [], []
    for o in parsed:
        key = o.key_or_group
        if o.is_hydra_override() or o.package is not None or "/" in key:
            continue
        if "." not in key and (CONFIG_DIR / key).is_dir():  # a config group's option
            if check_options:  # options of configs/ only (not a --config-dir's)
                problems += unknown_group_options(key, o)
            continue
        keys.append(key)
    problems += unknown_override_keys(keys, schema)
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))


def unknown_group_options(group: str, override: Any) -> list[str]:
    """A problem line for each option of a config group override (``scenario=tech_ctiy``,
    or each of ``scenario=a,b`` in a sweep) that ``configs/<group>/`` does not hold, with
    the nearest option; other sweep forms (``glob``, ranges) are left to Hydra."""
    from difflib import get_close_matches

    value = override.value()
    names = getattr(value, "list", value)
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return []
    options = sorted(f.stem for f in (CONFIG_DIR / group).glob("*.yaml"))
    out = []
    for name in names:
        if name not in options:
            near = get_close_matches(name, options, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            out.append(f"{group}={name}: no such option; {hint}options: {', '.join(options)}")
    return out


def check_command_line(argv: Sequence[str], config_name: str = "config") -> None:
    """:func:`check_overrides` on the overrides of a Hydra command line (``argv``
    without the program), before Hydra composes: a mistyped key fails with the nearest
    valid one and leaves no run directory."""
    from hydra._internal.utils import get_args_parser

    args, _ = get_args_parser().parse_known_args(list(argv))
    overrides = args.overrides or []
    extra_configs = bool(args.config_dir) or any(o.lstrip("+~").startswith("hydra.searchpath")
                                                 for o in overrides)
    check_overrides(overrides, args.config_name or config_name, check_options=not extra_configs)


def make_config(
    overrides: Sequence[str] = (), values: Mapping[str, Any] | None = None, *,
    config_name: str = "config",
) -> SimConfig:
    """A validated :class:`SimConfig`: the files of ``python -m sim`` with ``overrides``
    (``["scenario=trouble_shooter", "run.years=5"]``), then ``values`` (a nested mapping,
    ``{"behaviour": {"migration": {"network": 0.1}}}``) merged on top.

    Raises:
        ConfigError: naming every impossible or unknown setting.
    """
    cfg = compose(overrides, config_name)
    if values:
        from omegaconf.errors import OmegaConfBaseException

        unknown = unknown_keys(values, SCHEMAS.get(config_name, SimConfig))
        if unknown:
            raise ConfigError("invalid configuration:\n  " + "\n  ".join(unknown))
        # Hydra leaves the composed config in struct mode, which would also refuse new
        # keys of open dicts (``amenity_shift`` by municipality code); unknown keys are
        # refused above, wrong types by the schema's dataclass nodes.
        OmegaConf.set_struct(cfg, False)
        try:
            cfg = OmegaConf.merge(cfg, values)
        except OmegaConfBaseException as err:
            raise ConfigError(f"invalid configuration: {err}") from err
    return to_typed(cfg)


def region_config(name: str) -> RegionConfig:
    """The region option ``configs/region/<name>.yaml`` as a checked :class:`RegionConfig`
    (for tools that load a region without composing a whole run config).

    Raises:
        ConfigError: no such option, or a setting the schema refuses.
    """
    from omegaconf.errors import OmegaConfBaseException

    path = CONFIG_DIR / "region" / f"{name}.yaml"
    if not path.exists():
        options = sorted(p.stem for p in (CONFIG_DIR / "region").glob("*.yaml"))
        raise ConfigError(f"region={name!r}: no such region option; allowed {options}")
    try:
        region = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(RegionConfig),
                                                     OmegaConf.load(path)))
    except OmegaConfBaseException as err:
        raise ConfigError(f"{path}: {err}") from err
    problems = _validate_region(region)
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    return region


#: Groups a derived config may not change: their magnitudes were filled from the beliefs
#: when the config was made, so a change must compose a new config (make_config).
_RESOLVED_GROUPS = ("beliefs", "instrument", "governance", "lifecycle")


def derive(cfg: SimConfig, values: Mapping[str, Any]) -> SimConfig:
    """A validated copy of the config ``cfg`` with nested ``values`` merged on top, for
    tools that vary a made config (seeds, start year, years, behaviour). The result is
    checked like any other config.

    Raises:
        ConfigError: an impossible setting, or a change to a group whose magnitudes the
            beliefs filled (beliefs and levers: compose a new config instead).
    """
    from omegaconf.errors import OmegaConfBaseException

    bad = sorted(set(values) & set(_RESOLVED_GROUPS))
    if bad:
        raise ConfigError(f"derive: {bad} cannot be changed on a made config (the beliefs "
                          "filled their magnitudes); compose a new one with make_config")
    node = OmegaConf.structured(cfg)
    OmegaConf.set_struct(node, False)  # open dicts (amenity_shift) may gain keys
    try:
        node = OmegaConf.merge(node, values)
    except OmegaConfBaseException as err:
        raise ConfigError(f"invalid configuration: {err}") from err
    return to_typed(node)


def config_record(cfg: SimConfig) -> dict[str, Any]:
    """The config as nested plain values: what ``run.json`` records and what a finished
    run is recognised by (:func:`sim.io.is_complete`). The one serialiser of configs."""
    return OmegaConf.to_container(OmegaConf.structured(cfg), resolve=True)


def behaviour_from_file(path: Path) -> BehaviourConfig:
    """The behaviour settings of a YAML file in the form of ``configs/behaviour/*.yaml``
    (e.g. one the calibration wrote elsewhere), checked against the schema."""
    from omegaconf.errors import OmegaConfBaseException

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: no such behaviour file")
    try:
        loaded = OmegaConf.load(path)
        problems = unknown_keys(OmegaConf.to_container(loaded), BehaviourConfig, "behaviour.")
        if problems:
            raise ConfigError(f"{path}: invalid behaviour:\n  " + "\n  ".join(problems))
        merged = OmegaConf.merge(OmegaConf.structured(BehaviourConfig), loaded)
    except OmegaConfBaseException as err:
        raise ConfigError(f"{path}: {err}") from err
    behaviour = OmegaConf.to_object(merged)
    problems = check(behaviour, "behaviour.") + _behaviour_rules(behaviour)
    if problems:
        raise ConfigError(f"{path}: invalid behaviour:\n  " + "\n  ".join(problems))
    return behaviour


def validate(cfg: SimConfig) -> None:
    """Fail with a :class:`ConfigError` naming every impossible setting: the region's data
    or generator, each field's bound (:func:`sim.schema.check`, from the field metadata),
    then the rules across fields and the sanity limits that need data (the budget against
    the region's output)."""
    problems: list[str] = _validate_region(cfg.region)
    problems += check(cfg)
    problems += _behaviour_rules(cfg.behaviour, "behaviour.")
    problems += _start_rules(cfg)
    if not problems:  # the budget's limit reads the region's data
        problems += _budget_rules(cfg)
    problems += validate_policy(cfg)
    problems += belief_rules(cfg)
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))


def _validate_region(r: RegionConfig) -> list[str]:
    """Problems with the region's settings (its data folder or generator must exist)."""
    from sim.data import GENERATORS
    from sim.data.region import DATA_DIR

    problems = []
    if r.generator:
        if r.generator not in GENERATORS:
            problems.append(f"region.generator={r.generator!r}: allowed {sorted(GENERATORS)} "
                            "(or '' to read region.data)")
        if r.n_municipalities is None or r.n_municipalities < 6:
            problems.append(f"region.n_municipalities={r.n_municipalities}: the generator "
                            "needs >= 6")
        if r.seed is None or r.seed < 0:
            problems.append(f"region.seed={r.seed}: the generator needs a seed >= 0")
    elif not (DATA_DIR / r.data / "municipalities.parquet").exists():
        problems.append(f"region.data={r.data!r}: no {DATA_DIR / r.data / 'municipalities.parquet'}")
    if not (DATA_DIR / r.nation / "municipalities.parquet").exists():
        problems.append(f"region.nation={r.nation!r}: no {DATA_DIR / r.nation / 'municipalities.parquet'}")
    return problems


def _behaviour_rules(b: BehaviourConfig, prefix: str = "behaviour.") -> list[str]:
    """The behaviour rules across fields."""
    e = b.economy
    if not 0 < e.employment_rate <= e.max_employment_rate <= 1:
        return [f"{prefix}economy: need 0 < employment_rate <= max_employment_rate <= 1 "
                f"(got {e.employment_rate} and {e.max_employment_rate})"]
    return []


def _start_rules(cfg: SimConfig) -> list[str]:
    """An in-sample start must not fit what the tool keeps as a test: the 2020->2025
    census change is never a target (docs/validation.md)."""
    from sim.data.base_period import IN_SAMPLE_YEARS

    y = cfg.run.start_year
    p = cfg.behaviour.migration
    if p.age_split != "free" and (p.constants == "equilibrium" or not p.equilibrium_start):
        return [f"behaviour.migration.age_split={p.age_split}: splits the base period's nets "
                "between age classes, so needs behaviour.migration.constants=base_period or "
                f"in_sample with equilibrium_start (got constants={p.constants}, "
                f"equilibrium_start={p.equilibrium_start})"]
    if p.start_history_years and (p.constants == "equilibrium" or not p.equilibrium_start):
        return [f"behaviour.migration.start_history_years={p.start_history_years}: draws the "
                "start's recent movers from the base period's nets, so needs "
                "behaviour.migration.constants=base_period or in_sample with equilibrium_start "
                f"(got constants={p.constants}, equilibrium_start={p.equilibrium_start})"]
    if p.constants == "in_sample" and y not in IN_SAMPLE_YEARS:
        return [f"behaviour.migration.constants=in_sample: needs run.start_year in "
                f"{sorted(IN_SAMPLE_YEARS)} (got {y}); a later start would fit the 2020->2025 "
                "census change or years not observed, and 2020->2025 is a test, never a target"]
    return []


def _budget_rules(cfg: SimConfig) -> list[str]:
    """Sanity limits on the yearly budget: a number a person can mistype by orders of
    magnitude. Below KRW 1 million it is surely not in KRW; above
    :data:`MAX_BUDGET_SHARE` of the region's output it is no programme at all."""
    krw = cfg.budget.annual_krw
    if not (math.isfinite(krw) and krw > 0):
        return []  # the field's own bound (>= 0, finite) speaks
    if krw < 1e6:
        return [f"budget.annual_krw={krw}: is in KRW; a budget under KRW 1 million a year "
                "is almost surely a unit mistake (use 0 for none)"]
    r = cfg.region
    output = region_output_krw(r.name, r.data, r.generator, r.n_municipalities, r.seed,
                               cfg.run.start_year)
    if output is None or krw <= MAX_BUDGET_SHARE * output:
        return []
    limit = MAX_BUDGET_SHARE * output
    return [f"budget.annual_krw={krw}: at most KRW {limit:.3g} ({limit / 1e12:.3g} trillion) "
            f"a year, {MAX_BUDGET_SHARE:.0%} of the region's output (GRDP of {r.name} in "
            f"{indicator_year(cfg.run.start_year)}: KRW {output:.3g}); a larger budget is "
            "almost surely a typo or a unit mistake (the budget is in KRW a year)"]


@functools.lru_cache(maxsize=8)
def region_output_krw(name: str, data: str, generator: str, n_municipalities: int | None,
                      seed: int | None, start_year: int) -> float | None:
    """The region's output (GRDP summed over municipalities and sectors, KRW) in the
    indicator year of ``start_year``, or None if the region cannot be loaded (its loader
    then reports why when the model is built). Cached: the table is read once."""
    from sim.data import load_region

    region = RegionConfig(name=name, data=data, generator=generator,
                          n_municipalities=n_municipalities, seed=seed)
    try:
        table = load_region(region).table
    except Exception:  # noqa: BLE001 - a broken or unknown region is reported elsewhere
        return None
    y = indicator_year(start_year)
    return float(sum(table[f"grdp_{s}_{y}"].sum() for s in SECTORS)) * 1e6  # million KRW


def to_typed(cfg: DictConfig) -> SimConfig:
    """Turn a composed DictConfig (built on the ``sim_schema`` or ``validate_schema``)
    into a validated :class:`SimConfig` object. A key that is no setting (added with
    Hydra's ``+``, or merged in) is refused here, naming the nearest valid one."""
    schema = OmegaConf.get_type(cfg)
    if not (isinstance(schema, type) and issubclass(schema, SimConfig)):
        raise ConfigError("the configuration was not composed on the sim schema "
                          "(configs/config.yaml lists `sim_schema` first in its defaults)")
    unknown = unknown_keys(OmegaConf.to_container(cfg), schema)
    if unknown:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(unknown))
    typed = OmegaConf.to_object(cfg)
    validate(typed)
    return resolve(typed)  # the one place beliefs fill the lever magnitudes
