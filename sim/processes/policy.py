"""Policy process: the year's smart-city budget is allocated and spent, assets age.

The mechanisms live in :mod:`sim.policy` (allocation by targeting and governance,
building by instrument, asset ageing); this module runs them once a year and owns
their state. One year (:func:`step`):

1. money: ``budget.annual_krw`` of national money while the year is within
   ``budget.horizon_years`` (0 after it, and always 0 when ``targeting.rule='none'``),
   plus the local match ``budget.local_match_rate`` x national; a research centre
   (``instrument.research_centre.share``) takes its share first;
2. what the selector sees: each place's need (``targeting.need``) through a log-normal
   error that persists from year to year (AR(1), ``governance.need_noise_persistence``);
   what the TS system hears of each domain's felt deficit, through its own persistent
   error (``instrument.ts_*``);
3. pots: a balanced envelope by province (``targeting.envelope``), one national pot,
   provincial block grants (:func:`allocation.pots`), or the 2018 programmes, each with
   its own sites, recipe and local match;
4. operation (``lifecycle.funds_operation``): each pot first pays the operating cost of
   the assets in its municipalities, up to ``lifecycle.max_operating_share`` of the pot;
   operation money bears the same delivery losses as building. After the national
   money stops, ``lifecycle.local_operation`` lets municipalities pay
   ``local_operation_share`` x their fiscal capacity of it (not counted as investment);
5. ageing: every asset loses ``decay_rate`` x (unfunded share of its operation) of its
   condition and wears out over ``service_life_years`` unoperated,
   ``operated_life_factor`` times as long operated;
6. selection and planning (every governance alike): each pot pays its selection (one
   proposal per new project and per losing applicant, ``apply_share`` of the eligible
   places it did not fund), and a new project pays its plan once
   (``planning_cost_krw``, carried over until paid); both are spent at the recipients
   and build nothing;
7. building: the rest of each pot goes to municipalities by the targeting rule and is
   built by the recipe (:mod:`sim.policy.instruments`); a plan stage
   (``lifecycle.plan_share``, a recipe's ``plan_share``) adds to the place's plans,
   which raise what later money builds there (``plan_gain``); ``delivery_factor`` of
   the rest reaches the ground; service capital is scaled by the design's efficiency
   and learning;
8. private co-investment: programmes that invite it draw ``beliefs.private.leverage``
   private KRW per public KRW, ``lag_years`` later (reported apart, ``private_krw``);
9. state: policy service points (per resident reached: a programme's zone or the whole
   municipality), productivity level, tech-capital index and attachment are recomputed
   from the condition-weighted capital (saturating).

Accounting: ``investment_krw`` = national + local public money received (operation,
planning, building, the research centre); over a run it sums to ``annual_krw x (1 +
local_match_rate) x min(years, horizon_years)`` in every scenario. Overhead, capture,
selection and planning are spent in the municipality too (counted as investment) but
build nothing. ``spend_krw`` splits the same money by what it was spent on
(``SPEND_ITEMS``): each recipe's build money and the operation of the assets it built,
the research centre, and the operation of assets private co-investment built; every
year the items sum to ``investment_krw`` (the output columns ``spend_<item>_krw``).

Reads: the last observation (persons, persons by type, mean QoL), the firms' output, the
census service levels (world). Writes: its own :class:`PolicyState`; the dwellings it
builds are handed to housing by the model (:func:`sim.processes.housing.add_dwellings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from sim.beliefs import LearningBeliefs, PrivateBeliefs
from sim.config import BudgetConfig, ConfigError
from sim.constants import N_DOMAINS, N_SECTORS, SECTORS, by_age_class
from sim.policy import allocation, instruments
from sim.policy.assets import ATTACHMENT, SERVICE, TECH, AssetRegistry
from sim.policy.config import (
    DESIGNS,
    RECIPES,
    SPEND_ITEMS,
    GovernanceConfig,
    InstrumentConfig,
    LifecycleConfig,
    TargetingConfig,
    unknown_sites,
)
from sim.world import World


@dataclass(frozen=True)
class Levers:
    """The scenario's five policy levers (their config schemas, beliefs filled in) and
    the beliefs about private money and learning they act through."""

    budget: BudgetConfig
    targeting: TargetingConfig
    instrument: InstrumentConfig
    governance: GovernanceConfig
    lifecycle: LifecycleConfig
    private: PrivateBeliefs = field(default_factory=PrivateBeliefs)
    learning: LearningBeliefs = field(default_factory=LearningBeliefs)

    @classmethod
    def of(cls, cfg) -> Levers:
        """The levers of a resolved SimConfig (:func:`sim.beliefs.resolve`)."""
        return cls(cfg.budget, cfg.targeting, cfg.instrument, cfg.governance, cfg.lifecycle,
                   cfg.beliefs.private, cfg.beliefs.learning)


@dataclass(frozen=True)
class SitePlan:
    """The targeting rule as it applies to this region.

    Attributes:
        targeting: ``targeting`` with the rule in force (named sites fall back to
            ``targeting.sites_synthetic`` on the synthetic region, which has no real codes).
        max_sites: recipients a year (the number of sites on the fallback).
        site_weight: (M,) relative money of named sites (0 elsewhere).
        programme_weight: (K, M) national money weights of each programme's sites.
        programme_zone: (K, M) residents of the zone each programme's site serves (0:
            the whole municipality).
        host: the research centre's municipality (row), or -1 without one.
        province_index: (M,) index of each municipality's province (0..P-1).
        capacity: (M,) planning capacity of each municipality at the start (mean 1):
            how well a project there is implemented, whoever selected it.
    """

    targeting: TargetingConfig
    max_sites: int
    site_weight: np.ndarray
    programme_weight: np.ndarray
    programme_zone: np.ndarray
    host: int
    province_index: np.ndarray
    capacity: np.ndarray


@dataclass
class PolicyState:
    """What the policy has built and what it does to municipalities (M rows).

    Attributes:
        plan: the targeting rule in force (:class:`SitePlan`).
        assets: every asset built so far (:class:`~sim.policy.assets.AssetRegistry`).
        services: (M, 6) service points added by smart assets (0-100 index points).
        tech_level: (M, S) log-productivity level from tech capital.
        tech_shift: (M, S) this year's change of ``tech_level`` (log points).
        tech_index: (M, S) tech-capital index, ``1 - exp(-tech capital / sector output at
            the start)`` in [0, 1): what footloose firms see of a test bed.
        attachment: (M,) lower propensity to leave (co-designed services), log points.
        output0: (M, S) sector output at policy start, KRW, floored at 1 % of the place's
            output (at least KRW 1 B) so that a tiny sector cannot explode: the
            denominator of tech effects.
        need_error: (M,) the selector's standardized error about each place's need this
            year (AR(1) over years, stationary N(0, 1)).
        ts_error: (M, 6) the TS system's standardized error about each domain's felt
            deficit (AR(1), stationary N(0, 1)).
        planned: (M, R) KRW paid so far on the plan of each municipality's project of
            each recipe (RECIPES); awarded: (M, R) bool, the project was selected.
        plan_money: (M,) plan-stage money spent so far (what makes later money build
            more, ``lifecycle.plan_gain``).
        local_operation_krw: (M,) operation paid from local budgets this year, KRW (after
            the national money stops; not part of ``investment_krw``).
        deployments: (P, D) deployments so far by province and design, in units of
            ``learning.deployment_krw`` of the design's build money.
        investment_krw: (M,) national + local money received this year, KRW.
        spend_krw: (M, I) the same by what it was spent on (SPEND_ITEMS): each recipe's
            build money (selection and planning included) and the operation of the assets
            it built, the research centre's share, and the operation of assets that
            private co-investment built; summed over items it is ``investment_krw``.
        private_krw: (M,) private co-investment this year, KRW (not part of
            ``investment_krw``, which is the public money every scenario spends equally).
        private_due: (L+1, M) public money of earlier years that still draws private money
            (row 0 is due this year).
        investment_total_krw: (M,) the same, summed over the run.
        dwellings_built: (M,) dwellings built this year.
        pots: this year's pots as (amount incl. match, members (M,) bool) pairs.
        national_spent: national KRW spent so far.
    """

    plan: SitePlan
    assets: AssetRegistry
    services: np.ndarray
    tech_level: np.ndarray
    tech_shift: np.ndarray
    tech_index: np.ndarray
    attachment: np.ndarray
    output0: np.ndarray
    need_error: np.ndarray | None
    ts_error: np.ndarray | None
    planned: np.ndarray
    awarded: np.ndarray
    plan_money: np.ndarray
    local_operation_krw: np.ndarray
    deployments: np.ndarray
    investment_krw: np.ndarray
    spend_krw: np.ndarray
    private_krw: np.ndarray
    private_due: np.ndarray
    investment_total_krw: np.ndarray
    dwellings_built: np.ndarray
    pots: list[tuple[float, np.ndarray]]
    national_spent: float = 0.0


def service_levels(services_base: np.ndarray, policy: PolicyState) -> np.ndarray:
    """(M, 6) service levels, 0-100: the census base plus what smart assets add."""
    return np.clip(services_base + policy.services, 0, 100)


@dataclass(frozen=True)
class Inputs:
    """What the policy reads in a year (built by :func:`sim.schedule.policy_inputs`).

    Attributes:
        levers: the scenario's levers. world: the static facts.
        year: the calendar year; year_index: 0 in the first simulated year.
        persons_by_type: (M, T) persons by household type at the last observation.
        qol_mean: (M,) mean QoL at the last observation.
        output: (M,) value added now (any unit; only ratios matter to allocation).
        service_weights: (3, 6) QoL weights of the domains (the TS choice uses them).
        scale: real households per agent.
        rng: the policy stream's generator for this year.
    """

    levers: Levers
    world: World
    year: int
    year_index: int
    persons_by_type: np.ndarray
    qol_mean: np.ndarray
    output: np.ndarray
    service_weights: list[list[float]]
    scale: float
    rng: np.random.Generator


def init(levers: Levers, world: World, region_name: str, output: np.ndarray, scale: float,
         persons: np.ndarray | None = None, real_codes: bool = True) -> PolicyState:
    """The policy before its first year: the targeting rule resolved for this region.

    Args:
        output: (M, S) value added at the start, million KRW per agent unit.
        scale: real households (and firms) per agent.
        persons: (M,) persons at the start (agent units); the planning capacity of
            provinces and the stand-ins for named sites rank by it.
        real_codes: False for a region whose codes are not Korea's (``region.real_codes``):
            named sites then fall back to ``targeting.sites_synthetic``.

    Raises:
        ConfigError: named sites that are not codes of the region, or targeting filters
            that leave no municipality eligible.
    """
    t = levers.targeting
    m = world.n
    persons = np.ones(m) if persons is None else np.asarray(persons, dtype=float)
    capacity = allocation.planning_capacity(persons, output.sum(axis=1))
    site_weight = np.zeros(m)
    programme_weight = np.zeros((len(t.programmes), m))
    programme_zone = np.zeros((len(t.programmes), m))
    rule, max_sites = t.rule, t.max_sites
    codes = [str(c) for c in world.codes]
    pos = {c: k for k, c in enumerate(codes)}
    synthetic = not real_codes
    if t.rule == "named_sites":
        if synthetic:
            # No real codes: stand in a rule that picks as many places.
            rule = t.sites_synthetic
            max_sites = t.max_sites or len(t.sites)
        else:
            _check_codes(t.sites, codes)
            weights = t.site_weights or [1.0] * len(t.sites)
            for site, w in zip(t.sites, weights, strict=True):
                site_weight[pos[str(site)]] = w
    ranked = iter(np.argsort(-capacity, kind="stable"))  # synthetic stand-ins, most capable first
    for k, prog in enumerate(t.programmes):
        weights = prog.site_weights or [1.0] * len(prog.sites)
        zones = prog.zone_persons or [0.0] * len(prog.sites)
        if not synthetic:
            _check_codes(prog.sites, codes)
        for site, w, zone in zip(prog.sites, weights, zones, strict=True):
            row = next(ranked, None) if synthetic else pos[str(site)]
            if row is not None:
                programme_weight[k, row] += w
                programme_zone[k, row] = zone
    in_force = t if rule == t.rule else replace(t, rule=rule)
    if t.rule not in ("none", "programmes") and levers.budget.annual_krw > 0:
        for yi in {0, t.pilot_years}:
            if not allocation.eligible(world, in_force, yi).any():
                raise ConfigError(
                    "invalid configuration:\n  targeting: no municipality of region "
                    f"{region_name!r} is eligible (rule={rule!r}, provinces="
                    f"{list(t.provinces)}, kinds={list(t.kinds)}, exclude_capital={t.exclude_capital})"
                )
    provinces, province_index = np.unique(world.province_code, return_inverse=True)
    host = -1
    rc = levers.instrument.research_centre
    if rc.share > 0:
        in_province = np.flatnonzero(world.province_code == rc.province)
        if len(in_province) == 0:
            raise ConfigError(
                f"invalid configuration:\n  instrument.research_centre.province={rc.province}: "
                f"no municipality of region {region_name!r} is in it "
                f"(provinces: {sorted(int(p) for p in provinces)})")
        host = int(in_province[np.argmax(persons[in_province])])
    scale_krw = scale * 1e6  # output is million KRW per agent unit
    total = output.sum(axis=1, keepdims=True) * scale_krw
    output0 = np.maximum(output * scale_krw, np.maximum(0.01 * total, 1e9))
    lag = int(levers.private.lag_years)
    return PolicyState(
        plan=SitePlan(in_force, max_sites, site_weight, programme_weight, programme_zone, host,
                      province_index, capacity),
        assets=AssetRegistry(),
        services=np.zeros((m, N_DOMAINS)),
        tech_level=np.zeros((m, N_SECTORS)),
        tech_shift=np.zeros((m, N_SECTORS)),
        tech_index=np.zeros((m, N_SECTORS)),
        attachment=np.zeros(m),
        output0=output0,
        need_error=None,
        ts_error=None,
        planned=np.zeros((m, len(RECIPES))),
        awarded=np.zeros((m, len(RECIPES)), dtype=bool),
        plan_money=np.zeros(m),
        local_operation_krw=np.zeros(m),
        deployments=np.zeros((len(provinces), len(DESIGNS))),
        investment_krw=np.zeros(m),
        spend_krw=np.zeros((m, len(SPEND_ITEMS))),
        private_krw=np.zeros(m),
        private_due=np.zeros((lag + 1, m)),
        investment_total_krw=np.zeros(m),
        dwellings_built=np.zeros(m),
        pots=[],
    )


def _check_codes(sites, codes) -> None:
    bad = unknown_sites(sites, codes)
    if bad:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(bad))


def national_money(levers: Levers, year_index: int) -> float:
    """National KRW to spend in the ``year_index``-th simulated year (0-based)."""
    if levers.targeting.rule == "none" or year_index >= levers.budget.horizon_years:
        return 0.0
    return float(levers.budget.annual_krw)


def persistent_error(previous: np.ndarray | None, z: np.ndarray, persistence: float) -> np.ndarray:
    """This year's standardized need error: AR(1) with correlation ``persistence`` and a
    stationary N(0, 1) distribution, started at ``z`` (a place misjudged one year is
    likely misjudged the next, so the error does not average out over a programme)."""
    if previous is None:
        return z.copy()
    return persistence * previous + np.sqrt(1.0 - persistence**2) * z


def delivery_factor(g: GovernanceConfig, plan: SitePlan) -> np.ndarray:
    """(M,) share of build or operation money that reaches the ground as capital:
    ``(1 - overhead) (1 - capture_loss) min(1, capacity ** capacity_exponent)``, with
    the overhead and capture of the selector's level and the implementing
    municipality's planning capacity: the same rule for every governance."""
    cap = np.minimum(1.0, plan.capacity ** g.capacity_exponent)
    return (1.0 - g.overhead) * (1.0 - g.capture_loss) * cap


def plan_factor(plan_money: np.ndarray, g: GovernanceConfig, life: LifecycleConfig) -> np.ndarray:
    """(M,) what a KRW builds relative to an unplanned place: ``1 + plan_gain (1 -
    exp(-plan money / planning_cost_krw))`` (a plan of one planning cost gives 63 % of
    the gain; with no planning cost any plan gives all of it)."""
    if life.plan_gain <= 0:
        return np.ones(len(plan_money))
    if g.planning_cost_krw <= 0:
        return 1.0 + life.plan_gain * (plan_money > 0)
    return 1.0 + life.plan_gain * -np.expm1(-plan_money / g.planning_cost_krw)


def project_costs(state: PolicyState, money: np.ndarray, recipes: np.ndarray, pots,
                  mask: np.ndarray, g: GovernanceConfig, callers: np.ndarray | None = None) -> np.ndarray:
    """(M,) KRW of this year's ``money`` (M,) that selection and planning take before
    anything is built (spent at the recipients, building nothing), and the projects'
    plan and award state updated.

    Selection, per pot (``pots``: (amount, members (M,) bool)): one proposal
    (``proposal_cost_krw``) for each new project and for each losing applicant,
    ``apply_share`` of the pot's eligible (``mask``) places it did not fund (``callers``
    (M,) bool, if given, counts losers only where a call was held); shared by the pot's
    recipients in proportion to their money. Planning: a new project pays its plan once,
    ``planning_cost_krw``; money short of it is carried into later years.
    """
    m = len(money)
    costs = np.zeros(m)
    r = np.array([RECIPES.index(str(x)) for x in recipes], dtype=np.int64)
    rows = np.arange(m)
    got = money > 0
    new = got & ~state.awarded[rows, r]
    for _, members in pots:
        here = members & got
        if not here.any():
            continue
        losers = mask & members & ~got
        if callers is not None:
            losers &= callers
        charge = g.proposal_cost_krw * (new[here].sum() + g.apply_share * losers.sum())
        costs[here] += min(charge, money[here].sum()) * money[here] / money[here].sum()
    state.awarded[rows[got], r[got]] = True
    left = np.maximum(money - costs, 0.0)
    plan_left = np.maximum(g.planning_cost_krw - state.planned[rows, r], 0.0)
    paid = np.where(got, np.minimum(left, plan_left), 0.0)
    state.planned[rows, r] += paid
    return costs + paid


def learning_factor(state: PolicyState, levers: Levers) -> np.ndarray:
    """(M, D) capital per KRW by design (services, technology capital and co-design alike)
    relative to a design's first deployments:
    ``(E / E0) ** b`` with ``b = -log2(1 - rate)`` (each doubling of experience cuts unit
    cost by ``rate``), ``E = E0 + own province's deployments + spillover x other
    provinces'`` and ``E0 = learning.prior_deployments``. A research centre's designs
    learn at its rate and spillover."""
    lb, rc = levers.learning, levers.instrument.research_centre
    dep = state.deployments  # (P, D)
    studied = np.array([rc.share > 0 and d in rc.designs for d in DESIGNS])
    rate = np.where(studied, lb.research_centre_rate, lb.rate)
    spill = np.where(studied, lb.research_centre_spillover, lb.spillover)
    others = dep.sum(axis=0, keepdims=True) - dep
    experience = lb.prior_deployments + dep + spill * others
    b = -np.log2(1.0 - rate)
    factor = (experience / lb.prior_deployments) ** b  # (P, D)
    return factor[state.plan.province_index]


@dataclass(frozen=True)
class _Allocation:
    """One year's build money of one pot set: money (M,), recipes (M,), the pots it came
    from, who was eligible, where a call was held (losers counted; None: everywhere
    eligible) and the residents each site's services reach (M,; 0: all)."""

    money: np.ndarray
    recipes: np.ndarray
    pots: list[tuple[float, np.ndarray]]
    mask: np.ndarray
    callers: np.ndarray | None
    zone: np.ndarray


def step(state: PolicyState, inputs: Inputs) -> None:
    """Allocate, operate, age, select, plan, build and update the policy state for
    ``inputs.year``."""
    levers, year, year_index, world = inputs.levers, inputs.year, inputs.year_index, inputs.world
    persons_by_type, qol_mean, output = inputs.persons_by_type, inputs.qol_mean, inputs.output
    service_weights, scale, rng = inputs.service_weights, inputs.scale, inputs.rng
    m = world.n
    persons = persons_by_type.sum(axis=1)
    state.investment_krw = np.zeros(m)
    state.spend_krw = np.zeros((m, len(SPEND_ITEMS)))
    state.local_operation_krw = np.zeros(m)
    national = national_money(levers, year_index)
    z = rng.standard_normal(m)  # drawn every year, so streams line up across scenarios
    z_ts = rng.standard_normal((m, N_DOMAINS))  # the TS system's errors, likewise
    plan, g, life, inst = state.plan, levers.governance, levers.lifecycle, levers.instrument
    state.need_error = persistent_error(state.need_error, z, g.need_noise_persistence)
    state.ts_error = persistent_error(state.ts_error, z_ts, inst.ts_persistence)
    err = state.need_error
    funded = np.zeros(len(state.assets))
    delivery = delivery_factor(g, plan)
    match = levers.budget.local_match_rate
    allocations: list[_Allocation] = []
    private_base = np.zeros(m)
    state.pots = []
    need = state.assets.operating_need(life.operating_cost_rate)

    def operate(pot: float, members: np.ndarray) -> float:
        """Pay the operation of the assets in ``members`` from ``pot``; what is left."""
        if not (life.funds_operation and len(state.assets)):
            return pot
        here = members[state.assets.muni]
        need_here = need[here].sum()
        if need_here <= 0:
            return pot
        paid = min(need_here, life.max_operating_share * pot)
        # Operation money bears the delivery losses of the place like build money.
        funded[here] = paid / need_here * delivery[state.assets.muni[here]]
        state.investment_krw += np.bincount(
            state.assets.muni[here], weights=need[here] * paid / need_here, minlength=m)
        np.add.at(state.spend_krw, (state.assets.muni[here],
                                    spend_items(state.assets.instrument[here])),
                  need[here] * paid / need_here)
        return pot - paid

    if national > 0:
        state.national_spent += national
        rc = inst.research_centre
        if plan.host >= 0:  # the research centre takes its share of the year's money first
            state.investment_krw[plan.host] += national * rc.share * (1.0 + match)
            state.spend_krw[plan.host, SPEND_ITEMS.index("research_centre")] += (
                national * rc.share * (1.0 + match))
            national -= national * rc.share
        if plan.targeting.rule == "programmes":
            allocations, private_base = _programme_money(state, levers, national * (1.0 + match),
                                                         year_index, operate)
        else:
            t = plan.targeting
            mask = allocation.eligible(world, t, year_index)
            if t.rule == "named_sites":
                mask &= plan.site_weight > 0
            need_true = allocation.need_of(t, persons, qol_mean, world)
            score = allocation.scores(t.rule, t, g, err, plan.site_weight, persons, output,
                                      need_true, world.is_gun)
            need_seen = allocation.noisy(need_true, g.need_noise, err)
            envelope = (allocation.envelope_shares(world, persons, mask, t.envelope_weights)
                        if t.envelope != "none" else None)
            build_money = np.zeros(m)
            pots = allocation.pots(national, mask, g, need_seen, persons, world.province_code,
                                   score * mask, envelope)
            total = sum(amount for amount, _ in pots)
            for amount, members in pots:
                state.pots.append((amount * (1.0 + match), members))
                pot = operate(amount * (1.0 + match), members)
                sites = allocation.pot_sites(plan.max_sites, amount, total, len(pots))
                build_money += allocation.split(pot, score, mask & members, sites,
                                                persons.astype(float))
            allocations = [_Allocation(build_money, instruments.recipe_names(inst, world),
                                       state.pots, mask, None, np.zeros(m))]
    elif life.local_operation and len(state.assets):
        # After the national money: each municipality pays local_operation_share x its
        # fiscal capacity (at most all) of its assets' operation from its own budget.
        fiscal = np.minimum(1.0, allocation.fiscal_capacity(persons, output))
        share = np.minimum(1.0, life.local_operation_share * fiscal)
        funded = share[state.assets.muni]
        state.local_operation_krw = np.bincount(state.assets.muni, weights=need * funded, minlength=m)
    state.assets.age(funded, life.decay_rate, year, life.service_life_years,
                     life.service_life_years * life.operated_life_factor)
    state.dwellings_built = np.zeros(m)
    learning = learning_factor(state, levers)
    planned = plan_factor(state.plan_money, g, life)
    levels = service_levels(world.services_base, state)
    by_class = by_age_class(persons_by_type)
    signal = ts_signal(state.ts_error, inst)
    for a in allocations:
        state.investment_krw += a.money
        got = np.flatnonzero(a.money)
        np.add.at(state.spend_krw, (got, spend_items(a.recipes[got])), a.money[got])
        if a.money.any():
            fixed = project_costs(state, a.money, a.recipes, a.pots, a.mask, g, a.callers)
            dwellings, deployed, plans = instruments.build(
                inst, a.money, a.recipes, delivery, fixed, learning, state.assets, year, world,
                levels, by_class, service_weights, planned=planned, plan_share=life.plan_share,
                signal=signal, participation=inst.ts_participation, zone=a.zone)
            state.plan_money += plans
            state.dwellings_built += dwellings
            units = deployed / levers.learning.deployment_krw
            state.deployments += np.stack([np.bincount(plan.province_index, weights=units[:, d],
                                                       minlength=len(state.deployments))
                                           for d in range(len(DESIGNS))], axis=1)
    state.investment_total_krw += state.investment_krw
    _private(state, levers, private_base, year)
    _update_effects(state, inst, persons * scale)


def spend_items(names: np.ndarray) -> np.ndarray:
    """(K,) index into SPEND_ITEMS of each recipe name (K,) (an asset's ``instrument``
    or a municipality's recipe); ``"private"`` (assets built by private co-investment)
    is ``private_assets``."""
    at = {name: k for k, name in enumerate(SPEND_ITEMS)}
    at["private"] = at["private_assets"]
    if len(names) == 0:
        return np.zeros(0, dtype=np.int64)
    unique, inverse = np.unique(np.asarray(names, dtype=str), return_inverse=True)
    return np.array([at[n] for n in unique], dtype=np.int64)[inverse.ravel()]


def ts_signal(error: np.ndarray, inst: InstrumentConfig) -> np.ndarray:
    """(M, 6) what the TS system hears of each domain's felt deficit relative to the
    truth: ``exp(noise e - noise**2 / 2)`` (mean 1) with ``e`` the persistent error."""
    sigma = inst.ts_signal_noise
    return np.exp(sigma * error - 0.5 * sigma**2)


def _programme_money(state: PolicyState, levers: Levers, money: float, year_index: int,
                     operate) -> tuple[list[_Allocation], np.ndarray]:
    """The year's public money (national + match) over the running programmes, in
    proportion to site weight x (1 + the programme's local match); each programme
    first pays the operation of assets at its sites. Returns one allocation per
    programme (its sites, recipe and zones; a programme selected by a national call
    counts its losers in its first year: everyone eligible) and the public money (M,)
    that draws private money."""
    t, plan = state.plan.targeting, state.plan
    m = plan.programme_weight.shape[1]
    running = [k for k, prog in enumerate(t.programmes) if prog.years == 0 or year_index < prog.years]
    total = sum(plan.programme_weight[k].sum() * (1.0 + t.programmes[k].local_match_rate)
                for k in running)
    out, private_base = [], np.zeros(m)
    if total <= 0:
        return out, private_base
    everyone = np.ones(m, dtype=bool)
    for k in running:
        prog = t.programmes[k]
        w = plan.programme_weight[k]
        if w.sum() <= 0:  # no site in this region (a small synthetic one runs out of stand-ins)
            continue
        pot = money * w.sum() * (1.0 + prog.local_match_rate) / total
        members = w > 0
        state.pots.append((pot, members))
        left = operate(pot, members)
        build = left * w / w.sum()
        callers = everyone if (prog.call and year_index == 0) else ~everyone
        out.append(_Allocation(build, np.full(m, prog.recipe, dtype=object), [(pot, everyone)],
                               everyone, callers, plan.programme_zone[k]))
        if prog.private:
            private_base += pot * w / w.sum()
    return out, private_base


def _private(state: PolicyState, levers: Levers, public: np.ndarray, year: int) -> None:
    """Private co-investment: ``leverage`` x the public money a programme that invites it
    spent ``lag_years`` ago, building dwellings (the programme's private housing share)
    and tech capital of its recipe's sector."""
    due = state.private_due
    due[-1] += public
    arriving = due[0].copy()
    state.private_due = np.roll(due, -1, axis=0)
    state.private_due[-1] = 0.0
    state.private_krw = levers.private.leverage * arriving
    if not state.private_krw.any():
        return
    t, inst = state.plan.targeting, levers.instrument
    m = len(arriving)
    sector = np.full(m, SECTORS.index("knowledge"), dtype=np.int64)
    housing_share = np.zeros(m)
    for k, prog in enumerate(t.programmes):
        if prog.private:
            at = state.plan.programme_weight[k] > 0
            sector[at] = SECTORS.index(getattr(inst, prog.recipe).tech_sector)
            housing_share[at] = prog.private_housing_share
    state.dwellings_built += instruments.build_private(
        state.private_krw, sector, housing_share, inst.krw_per_dwelling, state.assets, year)


def _update_effects(state: PolicyState, i: InstrumentConfig, residents: np.ndarray) -> None:
    """Policy effects from the condition-weighted capital of all assets.

    services (M, 6): ``max_points (1 - exp(-K / (cost_per_point pop max_points)))`` with
    pop the current residents (real persons); the services of a zone (a pilot city's new
    town of ``Z`` residents) reach only its share ``r = min(1, Z / pop)`` of them and add
    ``r max_points (1 - exp(-K_zone / (cost_per_point r pop max_points)))`` (at most
    ``max_points`` in all); tech level (M, S):
    ``tech_max (1 - exp(-tech_return K / (Y0 tech_max)))`` with Y0 the sector's output
    at policy start; ``tech_shift`` is the level's change this year; tech index (M, S):
    ``1 - exp(-K / Y0)``; attachment (M,):
    ``attachment_max (1 - exp(-K / (attachment_cost pop attachment_max)))``.
    """
    m = len(residents)
    pop = np.maximum(residents.astype(float), 1.0)
    a = state.assets
    k_serv = a.capital_by(SERVICE, m, N_DOMAINS, zoned=False)
    services = _saturate(k_serv / (i.cost_per_point_krw * pop[:, None]), i.max_points)
    zoned = np.flatnonzero((a.target == SERVICE) & (a.zone > 0))
    if len(zoned):
        for zone in np.unique(a.zone[zoned]):
            sel = zoned[a.zone[zoned] == zone]
            k = np.zeros((m, N_DOMAINS))
            np.add.at(k, (a.muni[sel], a.index[sel]), a.capital[sel] * a.condition[sel])
            reach = np.minimum(1.0, zone / pop)[:, None]
            services += reach * _saturate(k / (i.cost_per_point_krw * reach * pop[:, None]),
                                          i.max_points)
        services = np.minimum(services, i.max_points)
    state.services = services
    k_tech = a.capital_by(TECH, m, N_SECTORS)
    level = _saturate(i.tech_return * k_tech / state.output0, i.tech_max)
    state.tech_shift = level - state.tech_level
    state.tech_level = level
    state.tech_index = _saturate(k_tech / state.output0, 1.0)
    k_att = a.capital_by(ATTACHMENT, m, 1)[:, 0]
    state.attachment = _saturate(k_att / (i.attachment_cost_krw * pop), i.attachment_max)


def _saturate(x: np.ndarray, ceiling: float) -> np.ndarray:
    """``ceiling (1 - exp(-x / ceiling))``: slope 1 at 0, never above ``ceiling``."""
    if ceiling <= 0:
        return np.zeros_like(x)
    return ceiling * -np.expm1(-x / ceiling)
