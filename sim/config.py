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

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from sim.beliefs import BeliefsConfig, resolve, validate_beliefs
from sim.constants import CENSUS_YEARS
from sim.policy.config import (
    GovernanceConfig,
    InstrumentConfig,
    LifecycleConfig,
    TargetingConfig,
    validate_policy,
)

#: Coarsest allowed run.scale: Korea's smallest municipality (about 3,400 households in
#: 2010) still gets a few agents.
MAX_SCALE = 1000.0


class ConfigError(ValueError):
    """A setting is impossible; the message names it and what is allowed."""


@dataclass
class RegionConfig:
    name: str = MISSING  # "korea" or "synthetic"
    n_municipalities: int = 30  # synthetic only
    seed: int = 0  # synthetic layout only


@dataclass
class RunConfig:
    start_year: int = 2020  # a census year: 2010, 2015 or 2020 (default: the latest)
    years: int = 20  # simulated years
    scale: float = 100.0  # real households per household agent (1 = one agent each)
    seed: int = 0  # the one run seed; every process spawns its own stream from it
    progress: bool = True  # progress bar over simulated years
    plots: bool = True  # write plots/ at the end
    # Yearly rate at which cost-effectiveness discounts welfare and money; 4.5 % is the
    # social discount rate of Korea's preliminary feasibility studies (KDI PIMAC).
    discount_rate: float = 0.045


@dataclass
class BudgetConfig:
    annual_krw: float = 5.0e11  # national smart-city budget per year, KRW
    horizon_years: int = 10  # years during which the budget is spent
    local_match_rate: float = 0.0  # local money added per KRW of national money


@dataclass
class ScenarioConfig:
    name: str = MISSING
    description: str = ""


@dataclass
class MigrationParams:
    """Move decision and destination choice (see docs/model.md, migration)."""

    move_rate: list[float] = field(default_factory=lambda: [0.20, 0.10, 0.05])  # by head age class
    tenure_multiplier: list[float] = field(default_factory=lambda: [1.6, 1.0, 0.8, 0.6])  # 0-1, 2-4, 5-9, 10+ years
    dissatisfaction: float = 0.5  # log-odds of moving per 10 QoL points below the national mean
    beta_wage: list[float] = field(default_factory=lambda: [1.5, 1.0, 0.2])  # log wage, by age class
    beta_jobs: list[float] = field(default_factory=lambda: [1.5, 1.0, 0.0])  # log employment rate
    beta_services: list[float] = field(default_factory=lambda: [0.4, 0.4, 0.5])  # per 10 service points
    beta_housing: list[float] = field(default_factory=lambda: [1.2, 0.8, 0.5])  # log price, by income class
    beta_size: float = 1.0  # log dwellings at destination (more homes, more to move into)
    beta_vacancy: float = 0.5  # log of the vacancy rate relative to the start (empty homes)
    beta_capital: list[float] = field(default_factory=lambda: [0.3, -0.1, -0.2])  # capital-region term
    # A county (gun) term by age class: return to the countryside (귀농·귀촌, 494,569
    # people in 2020, FACTS.md) at 40-64 and 65+. 0 (no term) unless calibrated.
    beta_rural: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    distance_decay: float = 1.2  # on log(1 + km / 10)
    same_province: float = 1.0  # bonus for staying in the province
    stay_local: float = 1.0  # bonus for moving within the same municipality
    network: float = 0.5  # on log1p(M * share of the origin's earlier movers going to d)
    network_memory: float = 0.7  # yearly decay of the migrant-network stock
    equilibrium_start: bool = True  # solve amenities so that start-year net flows balance
    # Municipality code -> amenity shift (utility units) added after the start equilibrium:
    # an unexplained, persistent pull (or push) of a place. Empty by default; the
    # ``calibrated_trends`` behaviour estimates it on 2010->2015 (sim/calibrate.py --trends).
    # Applied only with equilibrium_start (sim/processes/migration.py).
    amenity_shift: dict[str, float] = field(default_factory=dict)
    # Half-life (years) of the amenity shift, counted from the run's start year; 0 (the
    # default) keeps it unchanged for the whole run. A prior for long runs, not calibrated.
    amenity_shift_half_life: float = 0.0


@dataclass
class DemographyParams:
    """Household demography; rates per year (see docs/model.md, demography)."""

    mortality_a: float = 1.2e-5  # Gompertz q(age) = a * exp(b * age), adults
    mortality_b: float = 0.095
    child_mortality: float = 3.0e-4  # other household members
    birth_rate: float = 0.055  # births per household with head aged 20-44 (2015 level)
    local_fertility: float = 1.0  # weight of census municipal fertility (TFR) differences; 0 = none
    birth_trend: float = -0.06  # yearly log change of the birth rate up to birth_trend_until
    birth_trend_until: int = 2023
    leave_home_rate: float = 0.04  # an adult child of a 3+ household with head 45+ leaves
    mortality_improvement: float = 0.02  # yearly log decline of mortality from 2015
    # Scale the year's birth and death rates so national births and deaths follow
    # Statistics Korea's series (sim/data/korea/vital_statistics.csv) in the years it has;
    # later years keep the last scaling (docs/model.md, demography).
    vital_statistics: bool = True
    immigration_rate: float = 0.0015  # net arrivals from abroad per resident a year


@dataclass
class EconomyParams:
    """Firms, labour market and wages (see docs/model.md, firms and labour)."""

    employment_rate: float = 0.78  # initial share of heads under 65 in work
    max_employment_rate: float = 0.95
    productivity_drift: float = 0.01  # yearly log productivity growth
    productivity_sigma: float = 0.10
    agglomeration: float = 0.02  # productivity elasticity w.r.t. local jobs density
    labour_elasticity: float = 0.5
    demand_elasticity: list[float] = field(default_factory=lambda: [0.0, 0.2, 1.0, 0.4])  # by sector
    exit_rate: list[float] = field(default_factory=lambda: [0.04, 0.05, 0.08, 0.07])
    entry_rate: list[float] = field(default_factory=lambda: [0.04, 0.05, 0.08, 0.08])
    relocation_rate: float = 0.005
    # Share of each sector's entrants that choose their place nationally (footloose),
    # weighing tech capital and knowledge agglomeration (beliefs.tech); the rest enter
    # where the sector already is. An assumption: knowledge firms are the most mobile.
    footloose_share: list[float] = field(default_factory=lambda: [0.0, 0.3, 0.1, 0.5])
    # Commuting: workers look for work in j with weight exp(-km / commute_km) x jobs_j
    # (docs/model.md, labour); 0: everyone works where they live. 5 km: about 37 % of
    # workers look beyond their municipality (2020 census: 33 % of commuters and students).
    commute_km: float = 5.0
    wage_tightness: float = 0.3  # wage elasticity w.r.t. jobs per worker
    wage_passthrough: float = 0.5  # wage elasticity w.r.t. local productivity
    mean_wage: float = 38.0  # million KRW per worker per year (2015)
    income_sigma: float = 0.4
    pension_share: float = 0.35  # non-working income relative to the mean wage


@dataclass
class HousingParams:
    price_elasticity: float = 1.0  # log price change per log change of occupancy
    supply_elasticity: float = 0.3  # new units per log price above start
    # Census building pipeline: dwellings completed a year = census growth of the stock in
    # the 5 years up to the start (2010->2015 for 2010 and 2015 starts) x pipeline_weight,
    # halving every pipeline_half_life years (docs/model.md, housing).
    pipeline_weight: float = 1.0  # 0: no census pipeline, only price-driven building
    pipeline_half_life: float = 10.0  # years
    # Designated new towns and large housing districts (sim/data/korea/new_towns.csv) are
    # built on their own schedule, and taken out of the census pipeline (docs/data.md).
    new_towns: bool = True


@dataclass
class QolParams:
    """Quality of life index (0-100) as households feel it."""

    service_weights: list[list[float]] = field(
        default_factory=lambda: [
            # health, mobility, care/education, safety, digital, environment
            [0.10, 0.20, 0.30, 0.10, 0.20, 0.10],  # head 20-39
            [0.15, 0.20, 0.20, 0.15, 0.15, 0.15],  # 40-64
            [0.35, 0.25, 0.05, 0.15, 0.05, 0.15],  # 65+
        ]
    )
    component_weights: list[float] = field(default_factory=lambda: [0.6, 0.2, 0.2])  # services, jobs, housing
    # QoL points a household perceives as a gain (mean); null: beliefs.felt_threshold.
    felt_threshold: float | None = None
    # Spread (log s.d.) of the threshold across households: people differ in what they
    # notice, so the felt-benefit share rises smoothly with QoL gains. 0: one threshold.
    felt_threshold_spread: float = 0.5


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


@dataclass
class ValidateOptions:
    """Options of ``python -m sim.validate`` (``configs/validate.yaml``)."""

    seeds: list[int] = field(default_factory=lambda: [0, 1, 2, 3])
    trends: str = "calibrated_trends"  # behaviour option also validated; "" to skip


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
    build on. The entry points call it before Hydra composes; it is idempotent."""
    cs = ConfigStore.instance()
    cs.store(name="sim_schema", node=SimConfig)
    cs.store(name="validate_schema", node=ValidateConfig)


def compose(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """The DictConfig ``python -m sim <overrides>`` would run (``config_name`` selects
    another main config of ``configs/``, e.g. ``validate``).

    Raises:
        ConfigError: an unknown option, key or a wrong type, with Hydra's message.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    register_configs()
    try:
        if GlobalHydra.instance().is_initialized():  # inside a Hydra app: same config dir
            return hydra_compose(config_name=config_name, overrides=list(overrides))
        with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
            return hydra_compose(config_name=config_name, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(f"invalid configuration: {err}") from err


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

        # Hydra leaves the composed config in struct mode, which would also refuse new
        # keys of open dicts (``amenity_shift`` by municipality code); the schema's
        # dataclass nodes still refuse unknown keys and wrong types without it.
        OmegaConf.set_struct(cfg, False)
        try:
            cfg = OmegaConf.merge(cfg, values)
        except OmegaConfBaseException as err:
            raise ConfigError(f"invalid configuration: {err}") from err
    return to_typed(cfg)


def behaviour_from_file(path: Path) -> BehaviourConfig:
    """The behaviour settings of a YAML file in the form of ``configs/behaviour/*.yaml``
    (e.g. one the calibration wrote elsewhere), checked against the schema."""
    from omegaconf.errors import OmegaConfBaseException

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: no such behaviour file")
    try:
        merged = OmegaConf.merge(OmegaConf.structured(BehaviourConfig), OmegaConf.load(path))
    except OmegaConfBaseException as err:
        raise ConfigError(f"{path}: {err}") from err
    behaviour = OmegaConf.to_object(merged)
    problems = _validate_behaviour(behaviour)
    if problems:
        raise ConfigError(f"{path}: invalid behaviour:\n  " + "\n  ".join(problems))
    return behaviour


def validate(cfg: SimConfig) -> None:
    """Fail with a :class:`ConfigError` naming every impossible setting."""
    problems: list[str] = []
    if cfg.region.name not in ("korea", "synthetic"):
        problems.append(f"region.name={cfg.region.name!r}: allowed 'korea', 'synthetic'")
    if cfg.region.n_municipalities < 6:
        problems.append(f"region.n_municipalities={cfg.region.n_municipalities}: must be >= 6")
    if cfg.run.start_year == 2025:
        problems.append(
            "run.start_year=2025: the 2025 census in the package has population only (no "
            f"households, dwellings or firms yet; docs/data.md); allowed {list(CENSUS_YEARS)}"
        )
    elif cfg.run.start_year not in CENSUS_YEARS:
        problems.append(
            f"run.start_year={cfg.run.start_year}: no census data; allowed {list(CENSUS_YEARS)}"
        )
    if cfg.run.years <= 0:
        problems.append(f"run.years={cfg.run.years}: must be a positive number of years")
    if cfg.run.years > 200:
        problems.append(f"run.years={cfg.run.years}: at most 200")
    if not cfg.run.scale >= 1:
        problems.append(f"run.scale={cfg.run.scale}: real households per agent must be >= 1")
    if cfg.run.scale > MAX_SCALE:
        problems.append(
            f"run.scale={cfg.run.scale}: at most {MAX_SCALE:g} real households per agent "
            "(coarser leaves the smallest municipalities with next to no agents)"
        )
    if not (math.isfinite(cfg.run.discount_rate) and 0 <= cfg.run.discount_rate <= 0.5):
        problems.append(f"run.discount_rate={cfg.run.discount_rate}: a yearly rate in [0, 0.5]")
    if cfg.run.seed < 0:
        problems.append(f"run.seed={cfg.run.seed}: must be >= 0")
    if not cfg.budget.annual_krw >= 0:
        problems.append(f"budget.annual_krw={cfg.budget.annual_krw}: must be >= 0")
    if 0 < cfg.budget.annual_krw < 1e6:
        problems.append(
            f"budget.annual_krw={cfg.budget.annual_krw}: is in KRW; a budget under "
            "KRW 1 million a year is almost surely a unit mistake (use 0 for none)"
        )
    if cfg.budget.horizon_years < 0:
        problems.append(f"budget.horizon_years={cfg.budget.horizon_years}: must be >= 0")
    if not 0 <= cfg.budget.local_match_rate <= 5:
        problems.append(f"budget.local_match_rate={cfg.budget.local_match_rate}: must be in [0, 5]")
    problems += _validate_behaviour(cfg.behaviour)
    belief_problems = validate_beliefs(cfg.beliefs)
    problems += belief_problems
    if not belief_problems:  # lever magnitudes left null are the beliefs' (sim.beliefs.resolve)
        problems += validate_policy(resolve(cfg))
    problems += _non_finite(cfg)
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))


def _non_finite(node: object, prefix: str = "") -> list[str]:
    """Every NaN or infinite number in the config tree, named by its dotted key."""
    if is_dataclass(node):
        return [
            p for f in fields(node) for p in _non_finite(getattr(node, f.name), f"{prefix}{f.name}.")
        ]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _non_finite(v, f"{prefix[:-1]}[{i}].")]
    if isinstance(node, float) and not math.isfinite(node):
        return [f"{prefix[:-1]}={node}: must be a finite number"]
    return []


def _validate_behaviour(b: BehaviourConfig) -> list[str]:
    p: list[str] = []

    def check_len(name: str, values: list, n: int) -> None:
        if len(values) != n:
            p.append(f"behaviour.{name}: needs {n} values, got {len(values)}")

    m = b.migration
    for name in ("move_rate", "beta_wage", "beta_jobs", "beta_services", "beta_capital", "beta_rural",
                 "beta_housing"):
        check_len(f"migration.{name}", getattr(m, name), 3)
    check_len("migration.tenure_multiplier", m.tenure_multiplier, 4)
    if any(not 0 <= r <= 1 for r in m.move_rate):
        p.append(f"behaviour.migration.move_rate={m.move_rate}: probabilities in [0, 1]")
    if any(x < 0 for x in m.tenure_multiplier):
        p.append("behaviour.migration.tenure_multiplier: must be >= 0")
    if m.distance_decay < 0:
        p.append(f"behaviour.migration.distance_decay={m.distance_decay}: must be >= 0")
    if not 0 <= m.network_memory <= 1:
        p.append(f"behaviour.migration.network_memory={m.network_memory}: must be in [0, 1]")
    bad_shift = [k for k, v in m.amenity_shift.items() if not (math.isfinite(v) and abs(v) <= 10)]
    if bad_shift:
        p.append(f"behaviour.migration.amenity_shift: values must be finite and in [-10, 10] "
                 f"(codes {bad_shift[:5]})")
    if not (math.isfinite(m.amenity_shift_half_life) and m.amenity_shift_half_life >= 0):
        p.append(f"behaviour.migration.amenity_shift_half_life={m.amenity_shift_half_life}: "
                 "years, must be >= 0 (0: no decay)")
    d = b.demography
    for name in ("mortality_a", "child_mortality", "birth_rate", "leave_home_rate", "immigration_rate"):
        v = getattr(d, name)
        if not 0 <= v <= 1:
            p.append(f"behaviour.demography.{name}={v}: must be a rate in [0, 1]")
    if not (math.isfinite(d.local_fertility) and 0 <= d.local_fertility <= 3):
        p.append(f"behaviour.demography.local_fertility={d.local_fertility}: must be in [0, 3] "
                 "(0: national fertility everywhere, 1: census differences)")
    if not (math.isfinite(m.beta_vacancy) and 0 <= m.beta_vacancy <= 5):
        p.append(f"behaviour.migration.beta_vacancy={m.beta_vacancy}: must be in [0, 5]")
    h = b.housing
    if not (math.isfinite(h.pipeline_weight) and 0 <= h.pipeline_weight <= 3):
        p.append(f"behaviour.housing.pipeline_weight={h.pipeline_weight}: must be in [0, 3] "
                 "(0: no census building pipeline, 1: the census rate)")
    if not (math.isfinite(h.pipeline_half_life) and h.pipeline_half_life > 0):
        p.append(f"behaviour.housing.pipeline_half_life={h.pipeline_half_life}: years, must be > 0")
    e = b.economy
    check_len("economy.demand_elasticity", e.demand_elasticity, 4)
    check_len("economy.exit_rate", e.exit_rate, 4)
    check_len("economy.entry_rate", e.entry_rate, 4)
    check_len("economy.footloose_share", e.footloose_share, 4)
    if any(not 0 <= x <= 1 for x in e.footloose_share):
        p.append(f"behaviour.economy.footloose_share={e.footloose_share}: shares in [0, 1]")
    if not 0 < e.employment_rate <= e.max_employment_rate <= 1:
        p.append("behaviour.economy: need 0 < employment_rate <= max_employment_rate <= 1")
    if not (math.isfinite(e.commute_km) and 0 <= e.commute_km <= 200):
        p.append(f"behaviour.economy.commute_km={e.commute_km}: km, must be in [0, 200] (0: no commuting)")
    if e.mean_wage <= 0:
        p.append(f"behaviour.economy.mean_wage={e.mean_wage}: must be > 0")
    q = b.qol
    if len(q.service_weights) != 3 or any(len(r) != 6 for r in q.service_weights):
        p.append("behaviour.qol.service_weights: needs 3 rows (age classes) of 6 domain weights")
    check_len("qol.component_weights", q.component_weights, 3)
    if q.felt_threshold is not None and not (math.isfinite(q.felt_threshold) and q.felt_threshold >= 0):
        p.append(f"behaviour.qol.felt_threshold={q.felt_threshold}: QoL points, must be >= 0")
    if not (math.isfinite(q.felt_threshold_spread) and 0 <= q.felt_threshold_spread <= 3):
        p.append(f"behaviour.qol.felt_threshold_spread={q.felt_threshold_spread}: must be in [0, 3] "
                 "(log s.d. of households' thresholds; 0: everyone the same)")
    return p


def to_typed(cfg: DictConfig) -> SimConfig:
    """Turn a composed DictConfig (built on the ``sim_schema`` or ``validate_schema``)
    into a validated :class:`SimConfig` object."""
    typed = OmegaConf.to_object(cfg)
    if not isinstance(typed, SimConfig):
        raise ConfigError("the configuration was not composed on the sim schema "
                          "(configs/config.yaml lists `sim_schema` first in its defaults)")
    validate(typed)
    return resolve(typed)
