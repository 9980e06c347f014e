"""Schemas of the policy levers (Hydra config groups targeting, instrument, governance,
lifecycle) and their sanity checks.

Each option file of a group (``configs/<group>/<option>.yaml``) fills the same schema,
so a researcher can change any parameter of any option from the command line, e.g.
``governance.need_noise=0.2`` or ``instrument.cost_per_point_krw=1e4``. What every
parameter means and where its default comes from: ``docs/scenarios.md``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

from sim.constants import KINDS, SECTORS, SERVICE_DOMAINS
from sim.policy.allocation import SYNTHETIC_FALLBACKS, TARGETING_RULES

#: What is built (see sim.policy.instruments): a recipe used everywhere, or a mix.
INSTRUMENTS = ("none", "tech_test_bed", "ts_living_services", "smart_village", "living_lab", "place_based",
               "programmes")
#: How province-led / collaborative block grants are split across provinces.
GRANT_KEYS = ("population", "need", "equal")
#: How a recipe's services are designed (``beliefs.service_efficiency`` has one value each).
DESIGNS = ("tech_push", "standard", "resident_chosen", "co_designed", "village")
#: Who selects recipients (``beliefs.governance`` has overhead and need noise by level).
LEVELS = ("centre", "province", "joint")

__all__ = ["DESIGNS", "GRANT_KEYS", "INSTRUMENTS", "LEVELS", "RECIPES", "SYNTHETIC_FALLBACKS",
           "TARGETING_RULES", "GovernanceConfig", "InstrumentConfig", "LifecycleConfig",
           "Programme", "Recipe", "ResearchCentre", "TargetingConfig", "unknown_sites",
           "validate_policy"]


@dataclass
class Programme:
    """One national programme of named sites, with its own recipe and money.

    Each year the budget is split over the programmes still running in proportion to
    their sites' national money (``site_weights``, e.g. KRW billion a year) times (1 +
    the programme's local match), so ``investment_krw`` (national + local public money)
    is the same as in every other scenario, and a matched programme gets more money on
    the ground per national KRW.
    """

    name: str = ""  # a label for reports
    sites: list[str] = field(default_factory=list)  # municipality codes
    site_weights: list[float] = field(default_factory=list)  # national money per site and year
    recipe: str = "tech_test_bed"  # what it builds: one of RECIPES
    local_match_rate: float = 0.0  # local public KRW per national KRW
    years: int = 0  # years it runs from the start (0: the whole budget horizon)
    private: bool = False  # draws private co-investment (beliefs.private)
    private_housing_share: float = 0.0  # share of private money that builds dwellings


@dataclass
class TargetingConfig:
    """Who receives money each year.

    ``rule`` scores eligible municipalities; ``max_sites`` keeps the top scorers (0 =
    all with a positive score) and money is split in proportion to the score, except for
    named sites, whose split is ``site_weights``.
    """

    rule: str = "none"
    sites: list[str] = field(default_factory=list)  # municipality codes, named_sites only
    site_weights: list[float] = field(default_factory=list)  # relative money per site; empty = equal
    sites_synthetic: str = "competitive"  # rule used instead of named sites on the synthetic region
    max_sites: int = 0  # recipients per year (per province under grants); 0 = all eligible
    provinces: list[int] = field(default_factory=list)  # eligible province codes; empty = all
    kinds: list[str] = field(default_factory=list)  # eligible kinds (gu/si/gun); empty = all
    exclude_capital: bool = False  # leave out the capital region
    pilot_years: int = 0  # >0: the province filter applies only in the first pilot_years
    rural_weight: float = 4.0  # rural_first: score multiplier of gun over si and gu
    programmes: list[Programme] = field(default_factory=list)  # rule 'programmes' only


@dataclass
class Recipe:
    """What one instrument buys with a municipality's build money.

    The rest after ``tech_share``, ``attachment_share`` and ``housing_share`` buys
    services: in ``service_domains`` (equal split) or, if empty, in the domains the TS
    system picks from residents' felt deficits (:meth:`Municipality.choose_ts_domains`).
    """

    service_domains: list[str] = field(default_factory=list)  # empty = residents choose (TS)
    design: str = "resident_chosen"  # how its services are designed: one of DESIGNS
    # service points per KRW relative to instrument.cost_per_point_krw; null: the belief
    # for its design (beliefs.service_efficiency.<design>)
    service_efficiency: float | None = None
    tech_share: float = 0.0  # share raising productivity of tech_sector
    tech_sector: str = "knowledge"
    attachment_share: float = 0.0  # share spent on co-design with residents (attachment)
    housing_share: float = 0.0  # share building dwellings
    plan_share: float = 0.0  # share spent on plans and studies (counted, builds nothing)


@dataclass
class ResearchCentre:
    """A research centre (the brief's proposal 4) that studies some service designs: it
    takes ``share`` of each year's national money (spent in the most populous
    municipality of ``province``, building nothing itself) and gives its designs the
    faster and wider-spreading learning of ``beliefs.learning.research_centre_*``."""

    share: float = 0.0  # of the national money; 0: no centre
    province: int = 35  # adm1 code of its host province (35: Jeonbuk)
    designs: list[str] = field(default_factory=lambda: ["village", "resident_chosen", "co_designed"])


@dataclass
class InstrumentConfig:
    """What the money builds and how much state it changes per KRW.

    Service effects saturate: a municipality's policy points in a domain are
    ``max_points * (1 - exp(-K / (cost_per_point_krw * pop * max_points)))`` with ``K`` the
    condition-weighted effective capital there, so the first KRW buy one point per
    ``cost_per_point_krw * pop`` and no domain gains more than ``max_points``. The four
    recipes are used by their own ``kind``, together by ``place_based`` (by default gun
    get the smart-village package, innovation-city hosts the living lab, the rest TS
    services: ``place_based_*``) and by each 2018 programme (``kind='programmes'``).
    """

    kind: str = "none"
    cost_per_point_krw: float = 20_000.0  # KRW per resident per service point (first units)
    max_points: float = 30.0  # ceiling of policy points per domain (2 s.d.)
    # log productivity per KRW of tech capital per KRW of sector output; null: beliefs.tech
    tech_return: float | None = None
    tech_max: float | None = None  # ceiling of the productivity level effect, log points
    attachment_cost_krw: float = 2_000_000.0  # KRW per resident per unit of attachment (first units)
    attachment_max: float = 0.2  # ceiling of attachment (exp(-0.2) = 18% fewer departures)
    krw_per_dwelling: float = 2.5e8  # public rental dwelling, KRW
    ts_domains: int = 1  # TS system: how many of the most-felt deficits each place funds
    # place_based: which recipe each kind of place gets (names of the recipe fields below)
    place_based_innovation_city: str = "living_lab"
    place_based_gun: str = "smart_village"
    place_based_other: str = "ts_living_services"
    tech_test_bed: Recipe = field(default_factory=lambda: Recipe(
        ["digital"], "tech_push", None, 0.7, "knowledge", 0.0, 0.0))
    ts_living_services: Recipe = field(default_factory=lambda: Recipe(
        [], "resident_chosen", None, 0.0, "knowledge", 0.0, 0.0))
    smart_village: Recipe = field(default_factory=lambda: Recipe(
        ["mobility", "health"], "village", None, 0.2, "agri", 0.0, 0.0))
    living_lab: Recipe = field(default_factory=lambda: Recipe(
        [], "co_designed", None, 0.3, "knowledge", 0.1, 0.0))
    # The 2018 programmes' own recipes (targeting rule 'programmes', docs/scenarios.md).
    pilot_city: Recipe = field(default_factory=lambda: Recipe(
        ["digital", "mobility"], "tech_push", None, 0.6, "knowledge", 0.0, 0.0))
    smart_regeneration: Recipe = field(default_factory=lambda: Recipe(
        ["safety", "mobility", "environment"], "standard", None, 0.0, "knowledge", 0.0, 0.0))
    smart_energy: Recipe = field(default_factory=lambda: Recipe(
        ["environment"], "tech_push", None, 0.5, "knowledge", 0.0, 0.0))
    smart_transport: Recipe = field(default_factory=lambda: Recipe(
        ["mobility"], "tech_push", None, 0.5, "knowledge", 0.0, 0.0))
    master_plan: Recipe = field(default_factory=lambda: Recipe(
        [], "standard", None, 0.0, "knowledge", 0.0, 0.0, 1.0))
    research_centre: ResearchCentre = field(default_factory=lambda: ResearchCentre())


@dataclass
class GovernanceConfig:
    """Who selects recipients and how well it knows them."""

    kind: str = "centre_led"  # a label for reports (the mechanism is in the fields below)
    level: str = "centre"  # who selects: centre | province | joint (LEVELS)
    block_grants: bool = False  # split the budget into provincial grants first
    grant_key: str = "population"  # population | need | equal (of eligible municipalities)
    # The magnitudes below, when null, are the beliefs of the selector's level
    # (beliefs.governance.*_<level>; planning cost, capacity and capture apply to block grants).
    need_noise: float | None = None  # s.d. of the log error in the observed felt need
    need_noise_persistence: float | None = None  # yearly correlation of a place's error
    capacity_bias: float | None = None  # score x planning capacity ** capacity_bias (0 off)
    overhead: float | None = None  # share of money absorbed by selection, consultants, reporting
    planning_cost_krw: float | None = None  # KRW per funded project planned by a province
    capacity_exponent: float | None = None  # provinces implement at their capacity ** this
    capture_loss: float | None = None  # share of a block grant lost to capture


@dataclass
class LifecycleConfig:
    """Whether assets are operated after they are built."""

    kind: str = "build_only"  # a label for reports (the mechanism is in the fields below)
    funds_operation: bool = False  # each year's money first pays the operation of assets
    # null: beliefs.lifecycle.*
    decay_rate: float | None = None  # yearly loss of condition of an unoperated asset
    operating_cost_rate: float | None = None  # yearly operating cost per KRW of capital
    service_life_years: float | None = None  # assets retire after this many years
    max_operating_share: float = 0.5  # at most this share of a year's money pays operation


#: Recipes a programme or ``place_based`` may name: the Recipe fields of InstrumentConfig.
RECIPES = tuple(name for name, tp in typing.get_type_hints(InstrumentConfig).items() if tp is Recipe)


def validate_policy(cfg) -> list[str]:
    """Problems with the policy settings of a SimConfig whose null magnitudes the beliefs
    have filled (:func:`sim.beliefs.resolve`), each naming the setting.

    Named sites are checked against the Korea table here;
    :func:`sim.processes.policy.init` checks them again against the region the
    model actually uses (a region handed to the model directly).
    """
    p: list[str] = []
    t, i, g, life = cfg.targeting, cfg.instrument, cfg.governance, cfg.lifecycle

    def allowed(name: str, value, options) -> None:
        if value not in options:
            p.append(f"{name}={value!r}: allowed {list(options)}")

    def nonneg(name: str, value: float) -> None:
        if value is None or not value >= 0:
            p.append(f"{name}={value}: must be >= 0")

    def unit(name: str, value: float) -> None:
        if value is None or not 0 <= value <= 1:
            p.append(f"{name}={value}: must be in [0, 1]")

    allowed("targeting.rule", t.rule, TARGETING_RULES)
    allowed("targeting.sites_synthetic", t.sites_synthetic, SYNTHETIC_FALLBACKS)
    allowed("instrument.kind", i.kind, INSTRUMENTS)
    allowed("governance.level", g.level, LEVELS)
    allowed("governance.grant_key", g.grant_key, GRANT_KEYS)
    for k in t.kinds:
        allowed("targeting.kinds entry", k, KINDS)
    p += _check_site_list("targeting", t.sites, t.site_weights)
    if t.rule == "named_sites" and not t.sites:
        p.append("targeting.sites: empty, but targeting.rule='named_sites' needs at least one code")
    if t.rule == "programmes" and not t.programmes:
        p.append("targeting.programmes: empty, but targeting.rule='programmes' needs at least one")
    if t.programmes and t.rule != "programmes":
        p.append(f"targeting.programmes: given, but targeting.rule={t.rule!r} ignores them "
                 "(set targeting.rule=programmes or drop them)")
    for k, prog in enumerate(t.programmes):
        name = f"targeting.programmes[{k}]"
        if not prog.sites:
            p.append(f"{name}.sites: empty; a programme needs at least one municipality code")
        p += _check_site_list(name, prog.sites, prog.site_weights)
        allowed(f"{name}.recipe", prog.recipe, RECIPES)
        if not 0 <= prog.local_match_rate <= 5:
            p.append(f"{name}.local_match_rate={prog.local_match_rate}: must be in [0, 5]")
        nonneg(f"{name}.years", prog.years)
        unit(f"{name}.private_housing_share", prog.private_housing_share)
    for name in ("max_sites", "pilot_years"):
        nonneg(f"targeting.{name}", getattr(t, name))
    nonneg("targeting.rural_weight", t.rural_weight)
    for name in ("cost_per_point_krw", "attachment_cost_krw", "krw_per_dwelling"):
        if not getattr(i, name) > 0:
            p.append(f"instrument.{name}={getattr(i, name)}: must be > 0")
    for name in ("max_points", "tech_return", "tech_max", "attachment_max"):
        nonneg(f"instrument.{name}", getattr(i, name))
    for r in RECIPES:
        rec = getattr(i, r)
        allowed(f"instrument.{r}.tech_sector", rec.tech_sector, SECTORS)
        allowed(f"instrument.{r}.design", rec.design, DESIGNS)
        for d in rec.service_domains:
            allowed(f"instrument.{r}.service_domains entry", d, SERVICE_DOMAINS)
        nonneg(f"instrument.{r}.service_efficiency", rec.service_efficiency)
        shares = ("tech_share", "attachment_share", "housing_share", "plan_share")
        for name in shares:
            unit(f"instrument.{r}.{name}", getattr(rec, name))
        total = sum(getattr(rec, s) for s in shares)
        if total > 1 + 1e-9:
            p.append(f"instrument.{r}: tech_share + attachment_share + housing_share + "
                     f"plan_share = {total:g}: must be <= 1")
    rc = i.research_centre
    unit("instrument.research_centre.share", rc.share)
    if rc.share >= 1:
        p.append(f"instrument.research_centre.share={rc.share}: must be < 1 (nothing would be built)")
    for d in rc.designs:
        allowed("instrument.research_centre.designs entry", d, DESIGNS)
    for name in ("place_based_innovation_city", "place_based_gun", "place_based_other"):
        allowed(f"instrument.{name}", getattr(i, name), RECIPES)
    if not 1 <= i.ts_domains <= len(SERVICE_DOMAINS):
        p.append(f"instrument.ts_domains={i.ts_domains}: must be in [1, {len(SERVICE_DOMAINS)}]")
    nonneg("governance.need_noise", g.need_noise)
    nonneg("governance.capacity_bias", g.capacity_bias)
    nonneg("governance.planning_cost_krw", g.planning_cost_krw)
    nonneg("governance.capacity_exponent", g.capacity_exponent)
    if g.need_noise_persistence is None or not 0 <= g.need_noise_persistence < 1:
        p.append(f"governance.need_noise_persistence={g.need_noise_persistence}: must be in [0, 1)")
    for name in ("overhead", "capture_loss"):
        v = getattr(g, name)
        if v is None or not 0 <= v < 1:
            p.append(f"governance.{name}={v}: must be in [0, 1)")
    unit("lifecycle.decay_rate", life.decay_rate)
    nonneg("lifecycle.operating_cost_rate", life.operating_cost_rate)
    if life.service_life_years is None or not life.service_life_years >= 1:
        p.append(f"lifecycle.service_life_years={life.service_life_years}: must be >= 1")
    unit("lifecycle.max_operating_share", life.max_operating_share)
    if (t.rule == "programmes") != (i.kind == "programmes"):
        p.append(f"targeting.rule={t.rule!r} with instrument.kind={i.kind!r}: programmes build "
                 "their own recipes; use targeting.rule=programmes with instrument=programmes")
    if cfg.budget.annual_krw > 0 and t.rule != "none" and i.kind == "none":
        p.append(f"instrument.kind='none' with targeting.rule={t.rule!r}: money would build nothing")
    if cfg.budget.annual_krw > 0 and t.rule == "none" and i.kind != "none":
        p.append(f"targeting.rule='none' with instrument.kind={i.kind!r}: nobody would receive money")
    codes = list(t.sites) + [s for prog in t.programmes for s in prog.sites]
    if codes:
        p += _check_sites_in_korea(codes)
    return p


def _check_site_list(name: str, sites: list[str], weights: list[float]) -> list[str]:
    """Problems with a list of site codes and their weights."""
    p = []
    if weights and len(weights) != len(sites):
        p.append(f"{name}.site_weights: {len(weights)} weights for {len(sites)} sites; "
                 "give one per site or none")
    if any(not w > 0 for w in weights):
        p.append(f"{name}.site_weights={list(weights)}: must all be > 0")
    dup = sorted({s for s in sites if list(sites).count(s) > 1})
    if dup:
        p.append(f"{name}.sites: listed twice: {dup}")
    return p


def _check_sites_in_korea(sites: list[str]) -> list[str]:
    """Named sites are Korean municipality codes, whatever the region: on the synthetic
    region they are replaced by ``targeting.sites_synthetic`` but must still be real, so
    a scenario file cannot carry a typo that only shows on the Korea run."""
    from sim.data.region import load_korea

    try:
        table = load_korea().table
    except Exception:  # noqa: BLE001 - a broken data file is reported by the loader itself
        return []
    return unknown_sites(sites, table["code"].astype(str).tolist())


def unknown_sites(sites: list[str], codes: list[str]) -> list[str]:
    """Problems for each entry of ``sites`` that is not one of ``codes``."""
    known = set(codes)
    bad = [s for s in sites if str(s) not in known]
    if not bad:
        return []
    return [
        f"targeting.sites: not municipality codes of the region: {bad} "
        "(codes are 5-digit strings, e.g. '29010' for Sejong-si; see sim/data/korea/municipalities.parquet)"
    ]
