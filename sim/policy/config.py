"""Schemas of the policy levers (Hydra config groups targeting, instrument, governance,
lifecycle) and their sanity checks.

Each option file of a group (``configs/<group>/<option>.yaml``) fills the same schema,
so a researcher can change any parameter of any option from the command line, e.g.
``governance.need_noise=0.2`` or ``instrument.cost_per_point_krw=1e4``. What every
parameter means and where its default comes from: ``docs/scenarios.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.constants import KINDS, SECTORS, SERVICE_DOMAINS

#: Who gets money (see sim.policy.allocation).
TARGETING_RULES = ("none", "named_sites", "competitive", "need_based", "balanced", "rural_first", "innovation_cities")
#: What is built (see sim.policy.instruments).
INSTRUMENTS = ("none", "tech_test_bed", "ts_living_services", "smart_village", "living_lab", "place_based")
#: Who decides and how well it knows local needs.
GOVERNANCE = ("centre_led", "province_led", "collaborative")
#: Whether operation of what is built is funded.
LIFECYCLES = ("build_only", "package")
#: How province-led / collaborative block grants are split across provinces.
GRANT_KEYS = ("population", "need", "equal")
#: Fallbacks for named sites on a region without real codes (the synthetic one).
SYNTHETIC_FALLBACKS = ("competitive", "need_based", "balanced", "rural_first", "innovation_cities")


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


@dataclass
class Recipe:
    """What one instrument buys with a municipality's build money.

    The rest after ``tech_share``, ``attachment_share`` and ``housing_share`` buys
    services: in ``service_domains`` (equal split) or, if empty, in the domains the TS
    system picks from residents' felt deficits (:meth:`Municipality.choose_ts_domains`).
    """

    service_domains: list[str] = field(default_factory=list)  # empty = residents choose (TS)
    service_efficiency: float = 1.0  # service points per KRW relative to instrument.cost_per_point_krw
    tech_share: float = 0.0  # share raising productivity of tech_sector
    tech_sector: str = "knowledge"
    attachment_share: float = 0.0  # share spent on co-design with residents (attachment)
    housing_share: float = 0.0  # share building dwellings


@dataclass
class InstrumentConfig:
    """What the money builds and how much state it changes per KRW.

    Service effects saturate: a municipality's policy points in a domain are
    ``max_points * (1 - exp(-K / (cost_per_point_krw * pop * max_points)))`` with ``K`` the
    condition-weighted effective capital there, so the first KRW buy one point per
    ``cost_per_point_krw * pop`` and no domain gains more than ``max_points``. The four
    recipes are used by their own ``kind`` and together by ``place_based`` (gun get the
    smart-village package, innovation-city hosts the living lab, the rest TS services).
    """

    kind: str = "none"
    cost_per_point_krw: float = 20_000.0  # KRW per resident per service point (first units)
    max_points: float = 30.0  # ceiling of policy points per domain (2 s.d.)
    tech_return: float = 0.10  # log productivity per KRW of tech capital per KRW of sector output
    tech_max: float = 0.30  # ceiling of the productivity level effect, log points
    attachment_cost_krw: float = 2_000_000.0  # KRW per resident per unit of attachment (first units)
    attachment_max: float = 0.2  # ceiling of attachment (exp(-0.2) = 18% fewer departures)
    krw_per_dwelling: float = 2.5e8  # public rental dwelling, KRW
    ts_domains: int = 1  # TS system: how many of the most-felt deficits each place funds
    tech_test_bed: Recipe = field(
        default_factory=lambda: Recipe(["digital"], 0.5, 0.7, "knowledge", 0.0, 0.0)
    )
    ts_living_services: Recipe = field(default_factory=lambda: Recipe([], 1.0, 0.0, "knowledge", 0.0, 0.0))
    smart_village: Recipe = field(
        default_factory=lambda: Recipe(["mobility", "health"], 1.0, 0.2, "agri", 0.0, 0.0)
    )
    living_lab: Recipe = field(default_factory=lambda: Recipe([], 1.2, 0.3, "knowledge", 0.1, 0.0))


RECIPES = ("tech_test_bed", "ts_living_services", "smart_village", "living_lab")


@dataclass
class GovernanceConfig:
    """Who selects recipients and how well it knows them."""

    kind: str = "centre_led"
    block_grants: bool = False  # split the budget into provincial grants first
    grant_key: str = "population"  # population | need | equal (of eligible municipalities)
    need_noise: float = 0.5  # s.d. of the log error in the observed felt need
    capacity_bias: float = 1.0  # score multiplied by planning capacity ** capacity_bias
    overhead: float = 0.15  # share of money absorbed by selection, consultants, reporting


@dataclass
class LifecycleConfig:
    """Whether assets are operated after they are built."""

    kind: str = "build_only"
    decay_rate: float = 0.15  # yearly loss of condition of an unoperated asset
    operating_cost_rate: float = 0.10  # yearly operating cost per KRW of capital (package)
    max_operating_share: float = 0.5  # at most this share of a year's money pays operation


def validate_policy(cfg) -> list[str]:
    """Problems with the policy settings of a SimConfig, each naming the setting.

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
        if not value >= 0:
            p.append(f"{name}={value}: must be >= 0")

    def unit(name: str, value: float) -> None:
        if not 0 <= value <= 1:
            p.append(f"{name}={value}: must be in [0, 1]")

    allowed("targeting.rule", t.rule, TARGETING_RULES)
    allowed("targeting.sites_synthetic", t.sites_synthetic, SYNTHETIC_FALLBACKS)
    allowed("instrument.kind", i.kind, INSTRUMENTS)
    allowed("governance.kind", g.kind, GOVERNANCE)
    allowed("governance.grant_key", g.grant_key, GRANT_KEYS)
    allowed("lifecycle.kind", life.kind, LIFECYCLES)
    for k in t.kinds:
        allowed("targeting.kinds entry", k, KINDS)
    if t.site_weights and len(t.site_weights) != len(t.sites):
        p.append(
            f"targeting.site_weights: {len(t.site_weights)} weights for {len(t.sites)} sites; "
            "give one per site or none"
        )
    if any(not w > 0 for w in t.site_weights):
        p.append(f"targeting.site_weights={t.site_weights}: must all be > 0")
    if t.rule == "named_sites" and not t.sites:
        p.append("targeting.sites: empty, but targeting.rule='named_sites' needs at least one code")
    dup = sorted({s for s in t.sites if t.sites.count(s) > 1})
    if dup:
        p.append(f"targeting.sites: listed twice: {dup}")
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
        for d in rec.service_domains:
            allowed(f"instrument.{r}.service_domains entry", d, SERVICE_DOMAINS)
        nonneg(f"instrument.{r}.service_efficiency", rec.service_efficiency)
        for name in ("tech_share", "attachment_share", "housing_share"):
            unit(f"instrument.{r}.{name}", getattr(rec, name))
        if rec.tech_share + rec.attachment_share + rec.housing_share > 1 + 1e-9:
            p.append(
                f"instrument.{r}: tech_share + attachment_share + housing_share = "
                f"{rec.tech_share + rec.attachment_share + rec.housing_share:g}: must be <= 1"
            )
    if not 1 <= i.ts_domains <= len(SERVICE_DOMAINS):
        p.append(f"instrument.ts_domains={i.ts_domains}: must be in [1, {len(SERVICE_DOMAINS)}]")
    nonneg("governance.need_noise", g.need_noise)
    nonneg("governance.capacity_bias", g.capacity_bias)
    if not 0 <= g.overhead < 1:
        p.append(f"governance.overhead={g.overhead}: must be in [0, 1)")
    unit("lifecycle.decay_rate", life.decay_rate)
    nonneg("lifecycle.operating_cost_rate", life.operating_cost_rate)
    unit("lifecycle.max_operating_share", life.max_operating_share)
    if cfg.budget.annual_krw > 0 and t.rule != "none" and i.kind == "none":
        p.append(f"instrument.kind='none' with targeting.rule={t.rule!r}: money would build nothing")
    if cfg.budget.annual_krw > 0 and t.rule == "none" and i.kind != "none":
        p.append(f"targeting.rule='none' with instrument.kind={i.kind!r}: nobody would receive money")
    if t.sites:
        p += _check_sites_in_korea(t.sites)
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
