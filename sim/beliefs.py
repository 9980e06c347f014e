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
    need_noise_centre: float = bounded(0.35, lo=0, hi=5)  # s.d. of the log error in the need the selector sees
    need_noise_province: float = bounded(0.2, lo=0, hi=5)
    need_noise_joint: float = bounded(0.2, lo=0, hi=5)
    need_noise_persistence: float = bounded(0.8, lo=0, hi=0.999)  # yearly correlation of a place's error
    capacity_bias_centre: float = bounded(0.5, lo=0, hi=5)  # scores x planning capacity ** this
    capacity_bias_province: float = bounded(0.5, lo=0, hi=5)
    capacity_bias_joint: float = bounded(0.5, lo=0, hi=5)
    planning_cost_krw: float = bounded(3.5e8, lo=0, hi=1e12)  # fixed KRW per project a province plans itself
    # provinces implement at capacity ** this (small ones weaker)
    capacity_exponent: float = bounded(0.1, lo=0, hi=5)
    capture_loss: float = bounded(0.05, lo=0, hi=0.95)  # share of a block grant lost to capture


@dataclass
class LifecycleBeliefs:
    """How smart assets age and what operating them costs."""

    operating_cost_rate: float = bounded(0.12, lo=0, hi=2)  # yearly O&M per KRW of capital
    decay_rate: float = bounded(0.15, lo=0, hi=1)  # yearly loss of condition without funded operation
    # assets retire after this many years, operated or not
    service_life_years: float = bounded(8.0, lo=1, hi=200)


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
    """Learning by doing: the cost of a service design falls with its deployments."""

    rate: float = bounded(0.10, lo=0, hi=0.9)  # unit-cost fall per doubling of cumulative deployments
    # weight of other provinces' deployments in a province's learning
    spillover: float = bounded(0.33, lo=0, hi=1)
    # learning rate of the designs a research centre studies
    research_centre_rate: float = bounded(0.10, lo=0, hi=0.9)
    research_centre_spillover: float = bounded(0.5, lo=0, hi=1)  # their spillover weight across provinces
    # Deployments of each design before the programme (Korea's U-City districts and
    # integrated platforms): the experience learning starts from.
    prior_deployments: float = bounded(100.0, lo=1, hi=1e6)


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
    ``cfg.beliefs``: recipe service efficiencies by design, governance magnitudes by
    level, lifecycle ageing, tech returns, the felt threshold and (with
    ``beliefs.service_wtp``) the migration service coefficients. Idempotent."""
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
    )
    g, gb = cfg.governance, b.governance

    def by_level(name: str):  # an unknown level stays null; validation names it
        return getattr(gb, f"{name}_{g.level}", None)

    gov = replace(
        g,
        need_noise=_or(g.need_noise, by_level("need_noise")),
        overhead=_or(g.overhead, by_level("overhead")),
        capacity_bias=_or(g.capacity_bias, by_level("capacity_bias")),
        need_noise_persistence=_or(g.need_noise_persistence, gb.need_noise_persistence),
        planning_cost_krw=_or(g.planning_cost_krw, gb.planning_cost_krw),
        capacity_exponent=_or(g.capacity_exponent, gb.capacity_exponent),
        capture_loss=_or(g.capture_loss, gb.capture_loss),
    )
    life, lb = cfg.lifecycle, b.lifecycle
    life = replace(
        life,
        decay_rate=_or(life.decay_rate, lb.decay_rate),
        operating_cost_rate=_or(life.operating_cost_rate, lb.operating_cost_rate),
        service_life_years=_or(life.service_life_years, lb.service_life_years),
    )
    behaviour = cfg.behaviour
    qol = replace(behaviour.qol, felt_threshold=_or(behaviour.qol.felt_threshold, b.felt_threshold))
    mig = behaviour.migration
    if b.service_wtp is not None:
        mig = replace(mig, beta_services=service_coefficients(b.service_wtp, money_by_age_class(mig)))
    behaviour = replace(behaviour, qol=qol, migration=mig)
    return replace(cfg, instrument=inst, governance=gov, lifecycle=life, behaviour=behaviour)


def is_resolved(cfg) -> bool:
    """True if every lever magnitude the beliefs fill (:func:`resolve`) is filled: the
    model refuses a config that was not built by :func:`sim.config.make_config`."""
    inst, g, life = cfg.instrument, cfg.governance, cfg.lifecycle
    recipes = [getattr(inst, f.name) for f in fields(inst)]
    values = [r.service_efficiency for r in recipes if hasattr(r, "design")]
    values += [inst.tech_return, inst.tech_max, g.need_noise, g.overhead, g.capacity_bias,
               g.need_noise_persistence, g.planning_cost_krw, g.capacity_exponent,
               g.capture_loss, life.decay_rate, life.operating_cost_rate,
               life.service_life_years, cfg.behaviour.qol.felt_threshold]
    return all(v is not None for v in values)


def _or(value, default):
    return default if value is None else value
