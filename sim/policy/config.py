"""Schemas of the policy levers (Hydra config groups targeting, instrument, governance,
lifecycle) and the rules that tie their settings together.

Each option file of a group (``configs/<group>/<option>.yaml``) fills the same schema,
so a researcher can change any parameter of any option from the command line, e.g.
``governance.need_noise=0.2`` or ``instrument.cost_per_point_krw=1e4``. What every
parameter means and where its default comes from: ``docs/scenarios.md``. What each
setting allows is on the field (:func:`sim.schema.bounded`, :func:`sim.schema.choice`)
and checked by :func:`sim.schema.check`; :func:`validate_policy` holds only the rules
across settings.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

from sim.constants import KINDS, N_DOMAINS, SECTORS, SERVICE_DOMAINS
from sim.policy.allocation import SYNTHETIC_FALLBACKS, TARGETING_RULES
from sim.schema import bounded, choice

#: What is built (see sim.policy.instruments): a recipe used everywhere, or a mix.
INSTRUMENTS = ("none", "tech_test_bed", "ts_living_services", "smart_village", "living_lab", "place_based",
               "programmes")
#: How province-led / collaborative block grants are split across provinces: by eligible
#: residents, by need as the selector sees it, equally, or by what the targeting rule
#: would send to each province's places from one national pot (``rule``: the grant then
#: changes only who selects, plans and builds, not where the money goes).
GRANT_KEYS = ("population", "need", "equal", "rule")
#: How need is measured (targeting.need): census service indicators apart from the QoL
#: that judges outcomes, or the QoL deficit itself (sim.policy.allocation).
NEED_MEASURES = ("indicators", "qol")
#: Provincial envelopes of the money before the targeting rule (targeting.envelope).
ENVELOPES = ("none", "formula")
#: How a recipe's services are designed (``beliefs.service_efficiency`` has one value each).
DESIGNS = ("tech_push", "standard", "resident_chosen", "co_designed", "village")
#: Who selects recipients (``beliefs.governance`` has overhead and need noise by level).
LEVELS = ("centre", "province", "joint")

__all__ = ["DESIGNS", "GRANT_KEYS", "INSTRUMENTS", "LEVELS", "RECIPES", "SPEND_ITEMS", "SYNTHETIC_FALLBACKS",
           "TARGETING_RULES", "ENVELOPES", "NEED_MEASURES", "EnvelopeWeights", "GovernanceConfig", "InstrumentConfig", "LifecycleConfig",
           "Programme", "Recipe", "ResearchCentre", "TargetingConfig", "unknown_sites",
           "validate_policy"]


def _recipes() -> tuple[str, ...]:
    return RECIPES


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
    sites: list[str] = bounded([], min_length=1, doc="municipality codes")
    site_weights: list[float] = bounded([], lo=0, lo_open=True)  # national money per site and year
    recipe: str = choice("tech_test_bed", _recipes)  # what it builds: one of RECIPES
    local_match_rate: float = bounded(0.0, lo=0, hi=5)  # local public KRW per national KRW
    years: int = bounded(0, lo=0)  # years it runs from the start (0: the whole budget horizon)
    private: bool = False  # draws private co-investment (beliefs.private)
    # share of private money that builds dwellings
    private_housing_share: float = bounded(0.0, lo=0, hi=1)
    # residents of the zone each site's services reach (a new-town zone), one per site;
    # empty or 0: the whole municipality
    zone_persons: list[float] = bounded([], lo=0)
    # selected by a national call (its losing applicants spend on proposals, once, in
    # its first year); false: designated without a call
    call: bool = True


@dataclass
class EnvelopeWeights:
    """Weights of the balanced envelope's four shares (normalised to sum 1); null: the
    belief (beliefs.envelope.*)."""

    population: float | None = bounded(None, lo=0, hi=1)
    area: float | None = bounded(None, lo=0, hi=1)
    fiscal_weakness: float | None = bounded(None, lo=0, hi=1)
    remoteness: float | None = bounded(None, lo=0, hi=1)


@dataclass
class TargetingConfig:
    """Who receives money each year.

    ``rule`` scores eligible municipalities; ``max_sites`` keeps the top scorers (0 =
    all with a positive score) and money is split in proportion to the score, except for
    named sites, whose split is ``site_weights``.
    """

    rule: str = choice("none", TARGETING_RULES)  # sim.policy.allocation.RULES
    # how need is measured: census service indicators (indicators) or the QoL deficit (qol)
    need: str = choice("indicators", NEED_MEASURES)
    # formula: the money is first cut into provincial envelopes (population, area, fiscal
    # weakness, remoteness; envelope_weights), the rule decides within each
    envelope: str = choice("none", ENVELOPES)
    envelope_weights: EnvelopeWeights = field(default_factory=EnvelopeWeights)
    sites: list[str] = field(default_factory=list)  # municipality codes, named_sites only
    # relative money per site; empty = equal
    site_weights: list[float] = bounded([], lo=0, lo_open=True)
    # rule used instead of named sites on the synthetic region
    sites_synthetic: str = choice("competitive", SYNTHETIC_FALLBACKS)
    # recipients per year, nationally (shared among provincial pots by money, at least
    # one each: allocation.pot_sites); 0 = all eligible
    max_sites: int = bounded(0, lo=0)
    provinces: list[int] = field(default_factory=list)  # eligible province codes; empty = all
    kinds: list[str] = choice([], KINDS)  # eligible kinds (gu/si/gun); empty = all
    exclude_capital: bool = False  # leave out the capital region
    # >0: the province filter applies only in the first pilot_years
    pilot_years: int = bounded(0, lo=0)
    rural_weight: float = bounded(4.0, lo=0)  # rural_first: score multiplier of gun over si and gu
    programmes: list[Programme] = field(default_factory=list)  # rule 'programmes' only


@dataclass
class Recipe:
    """What one instrument buys with a municipality's build money.

    The rest after ``tech_share``, ``attachment_share`` and ``housing_share`` buys
    services: in ``service_domains`` (equal split) or, if empty, in the domains the TS
    system picks from residents' felt deficits (:meth:`Municipality.choose_ts_domains`).
    """

    service_domains: list[str] = choice([], SERVICE_DOMAINS)  # empty = residents choose (TS)
    design: str = choice("resident_chosen", DESIGNS)  # how its services are designed
    # service points per KRW relative to instrument.cost_per_point_krw; null: the belief
    # for its design (beliefs.service_efficiency.<design>)
    service_efficiency: float | None = bounded(None, lo=0)
    tech_share: float = bounded(0.0, lo=0, hi=1)  # share raising productivity of tech_sector
    tech_sector: str = choice("knowledge", SECTORS)
    # share spent on co-design with residents (attachment)
    attachment_share: float = bounded(0.0, lo=0, hi=1)
    housing_share: float = bounded(0.0, lo=0, hi=1)  # share building dwellings
    # share spent on plans and studies (counted, builds nothing)
    plan_share: float = bounded(0.0, lo=0, hi=1)


@dataclass
class ResearchCentre:
    """A research centre (the brief's proposal 4) that studies some service designs: it
    takes ``share`` of each year's national money (spent in the most populous
    municipality of ``province``, building nothing itself) and gives its designs the
    faster and wider-spreading learning of ``beliefs.learning.research_centre_*``."""

    # of the national money; 0: no centre
    share: float = bounded(0.0, lo=0, hi=1, hi_open=True, doc="at 1 nothing would be built")
    province: int = 35  # adm1 code of its host province (35: Jeonbuk)
    designs: list[str] = choice(["village", "resident_chosen", "co_designed"], DESIGNS)


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

    kind: str = choice("none", INSTRUMENTS)
    # KRW per resident per service point (first units); null: beliefs.services
    cost_per_point_krw: float | None = bounded(None, lo=0, lo_open=True)
    max_points: float | None = bounded(None, lo=0)  # ceiling of policy points per domain; null: beliefs.services
    # log productivity per KRW of tech capital per KRW of sector output; null: beliefs.tech
    tech_return: float | None = bounded(None, lo=0)
    tech_max: float | None = bounded(None, lo=0)  # ceiling of the productivity level effect, log points
    # KRW per resident per unit of attachment (first units)
    attachment_cost_krw: float = bounded(2_000_000.0, lo=0, lo_open=True)
    attachment_max: float = bounded(0.2, lo=0)  # ceiling of attachment (exp(-0.2) = 18% fewer departures)
    krw_per_dwelling: float = bounded(2.5e8, lo=0, lo_open=True)  # public rental dwelling, KRW
    # TS system: how many of the most-felt deficits each place funds
    ts_domains: int = bounded(1, lo=1, hi=N_DOMAINS)
    # what the TS system hears (null: beliefs.ts): log s.d. of each domain's reported
    # deficit, the voice of each age class of the head, the error's yearly correlation
    ts_signal_noise: float | None = bounded(None, lo=0)
    ts_participation: list[float] | None = bounded(None, lo=0, length=3)
    ts_persistence: float | None = bounded(None, lo=0, hi=1, hi_open=True)
    # place_based: which recipe each kind of place gets (names of the recipe fields below)
    place_based_innovation_city: str = choice("living_lab", _recipes)
    place_based_gun: str = choice("smart_village", _recipes)
    place_based_other: str = choice("ts_living_services", _recipes)
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
    # smart energy (load control, renewables): energy costs fall for industry and
    # utilities, a productivity channel (manufacturing incl. utilities), no services
    smart_energy: Recipe = field(default_factory=lambda: Recipe(
        [], "tech_push", None, 1.0, "manuf", 0.0, 0.0))
    smart_transport: Recipe = field(default_factory=lambda: Recipe(
        ["mobility"], "tech_push", None, 0.5, "knowledge", 0.0, 0.0))
    master_plan: Recipe = field(default_factory=lambda: Recipe(
        [], "standard", None, 0.0, "knowledge", 0.0, 0.0, 1.0))
    research_centre: ResearchCentre = field(default_factory=lambda: ResearchCentre())


@dataclass
class GovernanceConfig:
    """Who selects recipients and how well it knows them."""

    kind: str = "centre_led"  # a label for reports (the mechanism is in the fields below)
    level: str = choice("centre", LEVELS)  # who selects: centre | province | joint
    block_grants: bool = False  # split the budget into provincial grants first
    # of the eligible municipalities; a targeting envelope (targeting.envelope) sizes the
    # grants instead when set
    grant_key: str = choice("population", GRANT_KEYS)
    # The magnitudes below, when null, are the beliefs of the selector's level
    # (beliefs.governance.*_<level>; planning cost, capacity and capture apply to block grants).
    need_noise: float | None = bounded(None, lo=0)  # s.d. of the log error in the observed felt need
    # yearly correlation of a place's error
    need_noise_persistence: float | None = bounded(None, lo=0, hi=1, hi_open=True)
    capacity_bias: float | None = bounded(None, lo=0)  # score x planning capacity ** capacity_bias (0 off)
    # share of money absorbed by selection, consultants, reporting
    overhead: float | None = bounded(None, lo=0, hi=1, hi_open=True)
    # KRW a project spends once on its plan (every governance)
    planning_cost_krw: float | None = bounded(None, lo=0)
    # a project is built at its municipality's planning capacity ** this (every governance)
    capacity_exponent: float | None = bounded(None, lo=0)
    capture_loss: float | None = bounded(None, lo=0, hi=1, hi_open=True)  # share of money lost to capture
    proposal_cost_krw: float | None = bounded(None, lo=0)  # KRW per proposal (winners and losers)
    # share of the eligible places not funded that applied and lost, in a year's selection
    apply_share: float | None = bounded(None, lo=0, hi=1)


@dataclass
class LifecycleConfig:
    """Whether assets are operated after they are built."""

    kind: str = "build_only"  # a label for reports (the mechanism is in the fields below)
    funds_operation: bool = False  # each year's money first pays the operation of assets
    # null: beliefs.lifecycle.*
    decay_rate: float | None = bounded(None, lo=0, hi=1)  # yearly loss of condition of an unoperated asset
    operating_cost_rate: float | None = bounded(None, lo=0)  # yearly operating cost per KRW of capital
    service_life_years: float | None = bounded(None, lo=1)  # unoperated assets retire after this many years
    # a fully operated asset lasts this many times its service life (maintenance, renewal)
    operated_life_factor: float | None = bounded(None, lo=1)
    # at most this share of a year's money pays operation
    max_operating_share: float = bounded(0.5, lo=0, hi=1)
    # after the national money stops, municipalities pay operation from their own budget
    # (local_operation_share x fiscal capacity, at most all of it); false: nobody does
    local_operation: bool = False
    local_operation_share: float | None = bounded(None, lo=0, hi=1)
    # plan stage: this share of a project's build money pays plans first (design,
    # co-planning), which raise what later money builds there by up to plan_gain
    plan_share: float = bounded(0.0, lo=0, hi=1)
    plan_gain: float | None = bounded(None, lo=0)


#: Recipes a programme or ``place_based`` may name: the Recipe fields of InstrumentConfig.
RECIPES = tuple(name for name, tp in typing.get_type_hints(InstrumentConfig).items() if tp is Recipe)
#: What the public money (``investment_krw``) is spent on, one output column each
#: (``spend_<item>_krw``): the recipes (building and operating what they built), the
#: research centre's share, and the operation of assets built by private co-investment.
SPEND_ITEMS = (*RECIPES, "research_centre", "private_assets")
#: The shares of a recipe's money that do not buy services (at most 1 together).
RECIPE_SHARES = ("tech_share", "attachment_share", "housing_share", "plan_share")


def validate_policy(cfg) -> list[str]:
    """Problems across the policy settings of a SimConfig, each naming the settings: the
    rules no single field's bound can say (what each field allows is checked by
    :func:`sim.schema.check`).

    Named sites are checked against the Korea table here;
    :func:`sim.processes.policy.init` checks them again against the region the
    model actually uses (a region handed to the model directly).
    """
    p: list[str] = []
    t, i = cfg.targeting, cfg.instrument
    p += _check_site_list("targeting", t.sites, t.site_weights)
    if t.rule == "named_sites" and not t.sites:
        p.append("targeting.sites: empty, but targeting.rule='named_sites' needs at least one code")
    if t.rule == "programmes" and not t.programmes:
        p.append("targeting.programmes: empty, but targeting.rule='programmes' needs at least one")
    if t.programmes and t.rule != "programmes":
        p.append(f"targeting.programmes: given, but targeting.rule={t.rule!r} ignores them "
                 "(set targeting.rule=programmes or drop them)")
    for k, prog in enumerate(t.programmes):
        p += _check_site_list(f"targeting.programmes[{k}]", prog.sites, prog.site_weights)
        if prog.zone_persons and len(prog.zone_persons) != len(prog.sites):
            p.append(f"targeting.programmes[{k}].zone_persons: {len(prog.zone_persons)} values "
                     f"for {len(prog.sites)} sites; give one per site (0: the whole municipality) "
                     "or none")
    if t.envelope != "none":
        w = t.envelope_weights
        values = [getattr(w, n) if getattr(w, n) is not None else getattr(cfg.beliefs.envelope, n)
                  for n in ("population", "area", "fiscal_weakness", "remoteness")]
        if sum(values) <= 0:
            p.append("targeting.envelope_weights: all four weights are 0 (with "
                     f"targeting.envelope={t.envelope!r}); at least one must be > 0")
        if t.rule in ("none", "programmes", "named_sites"):
            p.append(f"targeting.envelope={t.envelope!r} with targeting.rule={t.rule!r}: the "
                     "envelope cuts the money by province for a scoring rule; set "
                     "targeting.envelope=none")
    for r in RECIPES:
        rec = getattr(i, r)
        total = sum(getattr(rec, s) for s in RECIPE_SHARES)
        if total > 1 + 1e-9:
            p.append(f"instrument.{r}: {' + '.join(RECIPE_SHARES)} = {total:g}: must be <= 1")
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
    """Problems across a list of site codes and their weights (each weight's own bound,
    > 0, is on the field)."""
    p = []
    if weights and len(weights) != len(sites):
        p.append(f"{name}.site_weights: {len(weights)} weights for {len(sites)} sites; "
                 "give one per site or none")
    dup = sorted({s for s in sites if list(sites).count(s) > 1})
    if dup:
        p.append(f"{name}.sites: listed twice: {dup}")
    return p


def _check_sites_in_korea(sites: list[str]) -> list[str]:
    """Named sites are Korean municipality codes, whatever the region: on the synthetic
    region they are replaced by ``targeting.sites_synthetic`` but must still be real, so
    a scenario file cannot carry a typo that only shows on the Korea run. (The table is
    read once per process.)"""
    from sim.data.region import load_data

    try:
        table = load_data("korea").table
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
