"""The contested magnitudes of the comparison, as explicit beliefs.

How well a smart service meets felt needs, what selecting and running projects costs,
how assets age, what technology does for firms, what private money follows public
money, how fast costs fall with experience, how much households value services and what
change they notice: no census measures these, and each decides which scenario wins. So
none of them is a number in the mechanisms. They are here, in one config group
(``configs/beliefs``): ``neutral`` (the default: the same value for every design and
every level of government unless a source says otherwise), ``brief`` (the 2018 brief's
view) and ``sceptic`` (technology works, services are valued little, provinces are
captured). docs/scenarios.md lists every value with its source.

The levers (``instrument``, ``governance``, ``lifecycle``, ``behaviour.qol``) leave
these magnitudes empty (null) and :func:`resolve` fills them from the beliefs, by a
recipe's ``design`` and a governance's ``level``, before the model is built. A study
that wants one lever to differ sets it on the lever (``governance.overhead=0.2``); a
value set there wins over the beliefs.

Each belief's range is on its field (:func:`sim.schema.bounded`) and checked with every
other setting by :func:`sim.schema.check`. The ranges lie within the bounds of the
lever settings they fill, so a belief that passes cannot make a lever fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from sim.schema import bounded


@dataclass
class ServiceEfficiencyBeliefs:
    """Service points per KRW, relative to ``instrument.cost_per_point_krw``, by how a
    service is designed (a recipe's ``design``): how well what is built meets the needs
    residents feel."""

    tech_push: float = bounded(1.0, lo=0, hi=10)  # technology-led (test beds, platforms)
    standard: float = bounded(1.0, lo=0, hi=10)  # specified by the centre for residents (regeneration)
    resident_chosen: float = bounded(1.0, lo=0, hi=10)  # residents name the problem (TS system)
    co_designed: float = bounded(1.0, lo=0, hi=10)  # residents design and test it (living lab)
    village: float = bounded(1.0, lo=0, hi=10)  # rural package (demand-responsive transport, telemedicine)


@dataclass
class GovernanceBeliefs:
    """What selecting and running projects costs, and how well selectors know needs, by
    who selects (a governance's ``level``: centre, province or joint)."""

    overhead_centre: float = bounded(0.08, lo=0, hi=0.95)  # share of money absorbed by selection and reporting
    overhead_province: float = bounded(0.08, lo=0, hi=0.95)
    overhead_joint: float = bounded(0.08, lo=0, hi=0.95)
    # s.d. of the log error in the need the selector sees. Neutral: the same whoever
    # selects (no study measures the difference; Indonesia's community targeting was as
    # accurate as the central formula), at the middle of the arms' values (0.1-0.5)
    need_noise_centre: float = bounded(0.3, lo=0, hi=5)
    need_noise_province: float = bounded(0.3, lo=0, hi=5)
    need_noise_joint: float = bounded(0.3, lo=0, hi=5)
    need_noise_persistence: float = bounded(0.8, lo=0, hi=0.999)  # yearly correlation of a place's error
    capacity_bias_centre: float = bounded(0.5, lo=0, hi=5)  # scores x planning capacity ** this
    capacity_bias_province: float = bounded(0.5, lo=0, hi=5)
    capacity_bias_joint: float = bounded(0.5, lo=0, hi=5)
    # KRW a project spends once on its plan (design, permits), whoever selects it
    planning_cost_krw: float = bounded(3.5e8, lo=0, hi=1e12)
    # a project is built at its municipality's planning capacity ** this (small ones weaker)
    capacity_exponent: float = bounded(0.1, lo=0, hi=5)
    capture_loss_centre: float = bounded(0.05, lo=0, hi=0.95)  # share of money lost to capture
    capture_loss_province: float = bounded(0.05, lo=0, hi=0.95)
    capture_loss_joint: float = bounded(0.05, lo=0, hi=0.95)
    # KRW an applicant spends on a proposal (the winner's and every loser's)
    proposal_cost_krw: float = bounded(5.0e7, lo=0, hi=1e11)
    # share of the eligible places that apply and lose in a year's selection
    apply_share_centre: float = bounded(0.3, lo=0, hi=1)
    apply_share_province: float = bounded(0.3, lo=0, hi=1)
    apply_share_joint: float = bounded(0.3, lo=0, hi=1)


@dataclass
class LifecycleBeliefs:
    """How smart assets age and what operating them costs."""

    operating_cost_rate: float = bounded(0.12, lo=0, hi=2)  # yearly O&M per KRW of capital
    decay_rate: float = bounded(0.15, lo=0, hi=1)  # yearly loss of condition without funded operation
    # unoperated assets retire after this many years
    service_life_years: float = bounded(8.0, lo=1, hi=200)
    # a fully operated asset lasts this many times its service life (operation maintains
    # and renews it; 1: operation keeps its condition but not its life)
    operated_life_factor: float = bounded(1.5, lo=1, hi=10)
    # after the national money stops: share of the operating cost a municipality of
    # average fiscal capacity pays from its own budget (lifecycle.local_operation)
    local_operation_share: float = bounded(0.35, lo=0, hi=1)
    # a full plan (plan-stage money of one planning cost) raises what later money builds
    # there by this share at most (1 - exp(-plan money / planning cost) of it)
    plan_gain: float = bounded(0.1, lo=0, hi=2)


@dataclass
class TechBeliefs:
    """What technology investment does to productivity and where firms go."""

    tech_return: float = bounded(0.10, lo=0, hi=10)  # log productivity per KRW of tech capital per KRW of output
    tech_max: float = bounded(0.20, lo=0, hi=3)  # ceiling of the productivity level effect, log points
    # Log-odds of a footloose firm choosing a place per unit of its tech-capital index
    # (1 - exp(-tech capital / sector output), 0-1): test beds as a draw for firms.
    firm_attraction: float = bounded(1.0, lo=0, hi=20)
    # Location elasticity of footloose knowledge firms to the sector's local jobs share:
    # 1 proportional (no extra pull), > 1 increasing returns (concentration wins).
    knowledge_agglomeration: float = bounded(1.0, lo=0, hi=3)


@dataclass
class PrivateBeliefs:
    """Private co-investment where a programme invites it (the national pilot cities)."""

    leverage: float = bounded(0.3, lo=0, hi=10)  # private KRW per public KRW
    lag_years: int = bounded(3, lo=0, hi=30)  # years from public money to the private money it draws


@dataclass
class LearningBeliefs:
    """Learning by doing: the cost of what a design builds (services, technology capital,
    co-design) falls with its deployments."""

    rate: float = bounded(0.10, lo=0, hi=0.9)  # unit-cost fall per doubling of cumulative deployments
    # weight of other provinces' deployments in a province's learning
    spillover: float = bounded(0.33, lo=0, hi=1)
    # learning rate of the designs a research centre studies
    research_centre_rate: float = bounded(0.10, lo=0, hi=0.9)
    research_centre_spillover: float = bounded(0.5, lo=0, hi=1)  # their spillover weight across provinces
    # Deployments of each design before the programme (Korea's U-City districts and
    # integrated platforms): the experience learning starts from.
    prior_deployments: float = bounded(100.0, lo=1, hi=1e6)
    # KRW of a design's build money (services, technology capital, co-design) that
    # counts as one deployment (the integrated platform's price a locality, KRW 1.2 B):
    # experience grows with the money a design has built, so ten grants of 1 B teach
    # what one of 10 B does (spreading money thinly buys no learning of its own).
    deployment_krw: float = bounded(1.2e9, lo=1e6, hi=1e13)


@dataclass
class ServiceBeliefs:
    """What a KRW of service capital does to a service index (per resident, saturating;
    docs/scenarios.md, "Magnitudes")."""

    # KRW per resident per service point (first units); two anchors differ 10-25x
    cost_per_point_krw: float = bounded(20_000.0, lo=100, hi=1e7)
    max_points: float = bounded(30.0, lo=0, hi=100)  # ceiling of policy points per domain


@dataclass
class QolBeliefs:
    """How the QoL that judges outcomes weighs its parts (behaviour.qol takes them unless
    set): the service domains by age class of the head, and services against jobs and
    housing (normalised to sum 1)."""

    service_weights: list[list[float]] = bounded(
        [
            # health, mobility, care/education, safety, digital, environment
            [0.10, 0.20, 0.30, 0.10, 0.20, 0.10],  # head 20-39
            [0.15, 0.20, 0.20, 0.15, 0.15, 0.15],  # 40-64
            [0.35, 0.25, 0.05, 0.15, 0.05, 0.15],  # 65+
        ],
        lo=0, shape=(3, 6), doc="age classes x service domains",
    )
    services: float = bounded(0.6, lo=0, hi=1)  # weight of services in QoL (before normalising)
    jobs: float = bounded(0.2, lo=0, hi=1)
    housing: float = bounded(0.2, lo=0, hi=1)


@dataclass
class TsBeliefs:
    """How well the TS system hears residents' problems: a survey or participation
    process reports each domain's felt deficit with a persistent log-normal error and
    with the voice of each age class weighted by how much it takes part."""

    signal_noise: float = bounded(0.3, lo=0, hi=5)  # log s.d. of a domain's reported deficit
    # weight of each age class of the head (20-39, 40-64, 65+) in what is reported
    participation: list[float] = bounded([0.75, 1.4, 1.0], lo=0, length=3)
    persistence: float = bounded(0.8, lo=0, hi=0.999)  # yearly correlation of the error


@dataclass
class EnvelopeBeliefs:
    """Weights of the balanced envelope (targeting.envelope='formula'): each province's
    share of the money from its shares of population, area, fiscal weakness and
    remoteness (normalised to sum 1), in the style of the Balanced National Development
    special account's regional autonomy account."""

    population: float = bounded(0.4, lo=0, hi=1)
    area: float = bounded(0.2, lo=0, hi=1)
    fiscal_weakness: float = bounded(0.2, lo=0, hi=1)
    remoteness: float = bounded(0.2, lo=0, hi=1)


@dataclass
class BeliefsConfig:
    """The contested magnitudes (``configs/beliefs``: ``neutral``, the default, ``brief``
    and ``sceptic``; docs/scenarios.md lists every value with its source). Lever settings
    left empty (null) take their value from here (:func:`resolve`)."""

    name: str = "neutral"
    service_efficiency: ServiceEfficiencyBeliefs = field(default_factory=ServiceEfficiencyBeliefs)
    governance: GovernanceBeliefs = field(default_factory=GovernanceBeliefs)
    lifecycle: LifecycleBeliefs = field(default_factory=LifecycleBeliefs)
    tech: TechBeliefs = field(default_factory=TechBeliefs)
    private: PrivateBeliefs = field(default_factory=PrivateBeliefs)
    learning: LearningBeliefs = field(default_factory=LearningBeliefs)
    services: ServiceBeliefs = field(default_factory=ServiceBeliefs)
    qol: QolBeliefs = field(default_factory=QolBeliefs)
    ts: TsBeliefs = field(default_factory=TsBeliefs)
    envelope: EnvelopeBeliefs = field(default_factory=EnvelopeBeliefs)
    # Willingness to pay for 1 s.d. (15 points) better services, share of income: sets the
    # migration choice's service coefficients (behaviour.migration.beta_services is used
    # only when this is null). 0.03: migration-based amenity valuations.
    service_wtp: float | None = bounded(0.03, lo=0, hi=2, nullable=True)
    felt_threshold: float = bounded(2.7, lo=0, hi=50)  # QoL points a household notices (0.3 s.d. of QoL)
    note: str = ""


#: Service points of one standard deviation of a service index (the WTP's unit).
SERVICE_SD_POINTS = 15.0


def service_coefficients(wtp: float, money: np.ndarray) -> list[float]:
    """Migration service coefficients (per 10 points, by age class) that value 1 s.d.
    of services at ``wtp`` of income: ``beta = wtp * money / (15 / 10)``, with ``money``
    (3,) the utility of a log unit of income by age class."""
    return [float(wtp * m / (SERVICE_SD_POINTS / 10.0)) for m in money]


def money_by_age_class(migration) -> np.ndarray:
    """(3,) the utility of a log unit of income by age class of the head: the wage term
    under 65; at 65+, whose income is not a wage, the 40-64 value. The model's one money
    coefficient (:func:`sim.processes.migration.money_coefficients` by household type):
    the service coefficients set here and the welfare measure use the same."""
    return np.array([migration.beta_wage[0], migration.beta_wage[1], migration.beta_wage[1]],
                    dtype=float)


def resolve(cfg):
    """A copy of the SimConfig ``cfg`` with every lever magnitude left null filled from
    ``cfg.beliefs``: recipe service efficiencies by design, the service cost and
    ceiling, the TS system's signal, governance magnitudes by level, lifecycle ageing,
    operation and planning, the envelope's weights, tech returns, the QoL weights, the
    felt threshold and (with ``beliefs.service_wtp``) the migration service
    coefficients. Idempotent."""
    b = cfg.beliefs
    inst = cfg.instrument
    recipes = {}
    for f in fields(inst):
        r = getattr(inst, f.name)
        if hasattr(r, "design") and r.service_efficiency is None:
            # An unknown design stays null; validation names it.
            value = getattr(b.service_efficiency, r.design, None)
            recipes[f.name] = replace(r, service_efficiency=None if value is None else float(value))
    inst = replace(
        inst, **recipes,
        tech_return=_or(inst.tech_return, b.tech.tech_return),
        tech_max=_or(inst.tech_max, b.tech.tech_max),
        cost_per_point_krw=_or(inst.cost_per_point_krw, b.services.cost_per_point_krw),
        max_points=_or(inst.max_points, b.services.max_points),
        ts_signal_noise=_or(inst.ts_signal_noise, b.ts.signal_noise),
        ts_participation=_or(inst.ts_participation, list(b.ts.participation)),
        ts_persistence=_or(inst.ts_persistence, b.ts.persistence),
    )
    g, gb = cfg.governance, b.governance

    def by_level(name: str):  # an unknown level stays null; validation names it
        return getattr(gb, f"{name}_{g.level}", None)

    gov = replace(
        g,
        need_noise=_or(g.need_noise, by_level("need_noise")),
        overhead=_or(g.overhead, by_level("overhead")),
        capacity_bias=_or(g.capacity_bias, by_level("capacity_bias")),
        capture_loss=_or(g.capture_loss, by_level("capture_loss")),
        apply_share=_or(g.apply_share, by_level("apply_share")),
        need_noise_persistence=_or(g.need_noise_persistence, gb.need_noise_persistence),
        planning_cost_krw=_or(g.planning_cost_krw, gb.planning_cost_krw),
        capacity_exponent=_or(g.capacity_exponent, gb.capacity_exponent),
        proposal_cost_krw=_or(g.proposal_cost_krw, gb.proposal_cost_krw),
    )
    life, lb = cfg.lifecycle, b.lifecycle
    life = replace(
        life,
        decay_rate=_or(life.decay_rate, lb.decay_rate),
        operating_cost_rate=_or(life.operating_cost_rate, lb.operating_cost_rate),
        service_life_years=_or(life.service_life_years, lb.service_life_years),
        operated_life_factor=_or(life.operated_life_factor, lb.operated_life_factor),
        local_operation_share=_or(life.local_operation_share, lb.local_operation_share),
        plan_gain=_or(life.plan_gain, lb.plan_gain),
    )
    t, w = cfg.targeting, cfg.targeting.envelope_weights
    t = replace(t, envelope_weights=replace(
        w, **{f.name: _or(getattr(w, f.name), getattr(b.envelope, f.name)) for f in fields(w)}))
    behaviour = cfg.behaviour
    qb = b.qol
    qol = replace(
        behaviour.qol,
        felt_threshold=_or(behaviour.qol.felt_threshold, b.felt_threshold),
        service_weights=_or(behaviour.qol.service_weights,
                            [list(row) for row in qb.service_weights]),
        component_weights=_or(behaviour.qol.component_weights,
                              component_weights(qb.services, qb.jobs, qb.housing)),
    )
    mig = behaviour.migration
    if b.service_wtp is not None:
        mig = replace(mig, beta_services=service_coefficients(b.service_wtp, money_by_age_class(mig)))
    behaviour = replace(behaviour, qol=qol, migration=mig)
    return replace(cfg, instrument=inst, governance=gov, lifecycle=life, targeting=t,
                   behaviour=behaviour)


def component_weights(services: float, jobs: float, housing: float) -> list[float]:
    """The QoL component weights (services, jobs, housing), normalised to sum 1 (all
    zero: refused by validation, :func:`rules`)."""
    total = services + jobs + housing
    if total <= 0:
        return [services, jobs, housing]
    return [services / total, jobs / total, housing / total]


def rules(cfg) -> list[str]:
    """Problems across belief values (each value's own range is on its field)."""
    p = []
    q = cfg.beliefs.qol
    if q.services + q.jobs + q.housing <= 0:
        p.append("beliefs.qol: services + jobs + housing = 0; at least one weight must be > 0")
    e = cfg.beliefs.envelope
    if e.population + e.area + e.fiscal_weakness + e.remoteness <= 0:
        p.append("beliefs.envelope: all four weights are 0; at least one must be > 0")
    return p


def is_resolved(cfg) -> bool:
    """True if every lever magnitude the beliefs fill (:func:`resolve`) is filled: the
    model refuses a config that was not built by :func:`sim.config.make_config`."""
    inst, g, life = cfg.instrument, cfg.governance, cfg.lifecycle
    recipes = [getattr(inst, f.name) for f in fields(inst)]
    values = [r.service_efficiency for r in recipes if hasattr(r, "design")]
    values += [inst.tech_return, inst.tech_max, inst.cost_per_point_krw, inst.max_points,
               inst.ts_signal_noise, inst.ts_participation, inst.ts_persistence,
               g.need_noise, g.overhead, g.capacity_bias,
               g.need_noise_persistence, g.planning_cost_krw, g.capacity_exponent,
               g.capture_loss, g.proposal_cost_krw, g.apply_share,
               life.decay_rate, life.operating_cost_rate, life.service_life_years,
               life.operated_life_factor, life.local_operation_share, life.plan_gain,
               cfg.behaviour.qol.felt_threshold, cfg.behaviour.qol.service_weights,
               cfg.behaviour.qol.component_weights,
               *(getattr(cfg.targeting.envelope_weights, f.name)
                 for f in fields(cfg.targeting.envelope_weights))]
    return all(v is not None for v in values)


def _or(value, default):
    return default if value is None else value
