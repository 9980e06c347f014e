"""Policy process: the year's smart-city budget is allocated and spent, assets age.

The mechanisms live in :mod:`sim.policy` (allocation by targeting and governance,
building by instrument, asset ageing); this module runs them once a year and owns
their state. One year (:func:`step`):

1. money: ``budget.annual_krw`` of national money while the year is within
   ``budget.horizon_years`` (0 after it, and always 0 when ``targeting.rule='none'``),
   plus the local match ``budget.local_match_rate`` x national;
2. pots: one national pot, or provincial block grants (:func:`allocation.pots`);
3. operation (``lifecycle.kind='package'``): each pot first pays the operating cost of
   the assets in its municipalities, up to ``lifecycle.max_operating_share`` of the pot;
4. ageing: every asset loses ``decay_rate`` x (unfunded share of its operation) of its
   condition;
5. building: the rest of each pot goes to municipalities by the targeting rule and is
   built by the instrument (:mod:`sim.policy.instruments`);
6. state: policy service points, productivity level and attachment are recomputed from
   the condition-weighted capital (saturating, per resident or per KRW of output);
   ``tech_shift`` is this year's change of the productivity level.

Accounting: ``investment_krw`` = national + local money received (operation and
building); over a run it sums to ``annual_krw x (1 + local_match_rate) x
min(years, horizon_years)``. Overhead is spent in the municipality too (it is counted
as investment) but builds nothing.

Reads: the last observation (persons, persons by type, mean QoL), the firms' output, the
census service levels (world). Writes: its own :class:`PolicyState`; the dwellings it
builds are handed to housing by the model (:func:`sim.processes.housing.add_dwellings`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim.config import BudgetConfig, ConfigError
from sim.constants import N_DOMAINS, N_SECTORS, by_age_class
from sim.policy import allocation, instruments
from sim.policy.assets import ATTACHMENT, SERVICE, TECH, AssetRegistry
from sim.policy.config import (
    GovernanceConfig,
    InstrumentConfig,
    LifecycleConfig,
    TargetingConfig,
    unknown_sites,
)


@dataclass(frozen=True)
class Levers:
    """The scenario's five policy levers (their config schemas)."""

    budget: BudgetConfig
    targeting: TargetingConfig
    instrument: InstrumentConfig
    governance: GovernanceConfig
    lifecycle: LifecycleConfig


@dataclass(frozen=True)
class SitePlan:
    """The targeting rule as it applies to this region.

    Attributes:
        targeting: ``targeting`` with the rule in force (named sites fall back to
            ``targeting.sites_synthetic`` on the synthetic region, which has no real codes).
        max_sites: recipients a year (the number of sites on the fallback).
        site_weight: (M,) relative money of named sites (0 elsewhere).
    """

    targeting: TargetingConfig
    max_sites: int
    site_weight: np.ndarray


@dataclass
class PolicyState:
    """What the policy has built and what it does to municipalities (M rows).

    Attributes:
        plan: the targeting rule in force (:class:`SitePlan`).
        assets: every asset built so far (:class:`~sim.policy.assets.AssetRegistry`).
        services: (M, 6) service points added by smart assets (0-100 index points).
        tech_level: (M, S) log-productivity level from tech capital.
        tech_shift: (M, S) this year's change of ``tech_level`` (log points).
        attachment: (M,) lower propensity to leave (co-designed services), log points.
        output0: (M, S) sector output at policy start, KRW, floored at 1 % of the place's
            output (at least KRW 1 B) so that a tiny sector cannot explode: the
            denominator of tech effects.
        investment_krw: (M,) national + local money received this year, KRW.
        private_krw: (M,) private co-investment this year, KRW (not part of
            ``investment_krw``, which is the public money every scenario spends equally).
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
    attachment: np.ndarray
    output0: np.ndarray
    investment_krw: np.ndarray
    private_krw: np.ndarray
    investment_total_krw: np.ndarray
    dwellings_built: np.ndarray
    pots: list[tuple[float, np.ndarray]]
    national_spent: float = 0.0


def service_levels(services_base: np.ndarray, policy: PolicyState) -> np.ndarray:
    """(M, 6) service levels, 0-100: the census base plus what smart assets add."""
    return np.clip(services_base + policy.services, 0, 100)


def init(levers: Levers, world, region_name: str, output: np.ndarray, scale: float) -> PolicyState:
    """The policy before its first year: the targeting rule resolved for this region.

    Args:
        output: (M, S) value added at the start, million KRW per agent unit.
        scale: real households (and firms) per agent.

    Raises:
        ConfigError: named sites that are not codes of the region, or targeting filters
            that leave no municipality eligible.
    """
    t = levers.targeting
    m = world.n
    site_weight = np.zeros(m)
    rule, max_sites = t.rule, t.max_sites
    codes = [str(c) for c in world.codes]
    if t.rule == "named_sites":
        if region_name == "synthetic":
            # No real codes: stand in a rule that picks as many places.
            rule = t.sites_synthetic
            max_sites = t.max_sites or len(t.sites)
        else:
            bad = unknown_sites(t.sites, codes)
            if bad:
                raise ConfigError("invalid configuration:\n  " + "\n  ".join(bad))
            weights = t.site_weights or [1.0] * len(t.sites)
            pos = {c: k for k, c in enumerate(codes)}
            for site, w in zip(t.sites, weights, strict=True):
                site_weight[pos[str(site)]] = w
    in_force = t if rule == t.rule else replace(t, rule=rule)
    if t.rule != "none" and levers.budget.annual_krw > 0:
        for yi in {0, t.pilot_years}:
            if not allocation.eligible(world, in_force, yi).any():
                raise ConfigError(
                    "invalid configuration:\n  targeting: no municipality of region "
                    f"{region_name!r} is eligible (rule={rule!r}, provinces="
                    f"{list(t.provinces)}, kinds={list(t.kinds)}, exclude_capital={t.exclude_capital})"
                )
    scale_krw = scale * 1e6  # output is million KRW per agent unit
    total = output.sum(axis=1, keepdims=True) * scale_krw
    output0 = np.maximum(output * scale_krw, np.maximum(0.01 * total, 1e9))
    return PolicyState(
        plan=SitePlan(in_force, max_sites, site_weight),
        assets=AssetRegistry(),
        services=np.zeros((m, N_DOMAINS)),
        tech_level=np.zeros((m, N_SECTORS)),
        tech_shift=np.zeros((m, N_SECTORS)),
        attachment=np.zeros(m),
        output0=output0,
        investment_krw=np.zeros(m),
        private_krw=np.zeros(m),
        investment_total_krw=np.zeros(m),
        dwellings_built=np.zeros(m),
        pots=[],
    )


def national_money(levers: Levers, year_index: int) -> float:
    """National KRW to spend in the ``year_index``-th simulated year (0-based)."""
    if levers.targeting.rule == "none" or year_index >= levers.budget.horizon_years:
        return 0.0
    return float(levers.budget.annual_krw)


def step(
    state: PolicyState,
    levers: Levers,
    year: int,
    year_index: int,
    world,
    persons_by_type: np.ndarray,
    qol_mean: np.ndarray,
    output: np.ndarray,
    service_weights: list[list[float]],
    scale: float,
    rng: np.random.Generator,
) -> None:
    """Allocate, operate, age, build and update the policy state for ``year``.

    Args:
        year_index: 0 in the first simulated year.
        persons_by_type: (M, T) persons by household type at the last observation.
        qol_mean: (M,) mean QoL at the last observation.
        output: (M,) value added now (any unit; only ratios matter to allocation).
        service_weights: (3, 6) QoL weights of the domains (the TS choice uses them).
        rng: the policy stream's generator for this year.
    """
    m = world.n
    persons = persons_by_type.sum(axis=1)
    state.investment_krw = np.zeros(m)
    national = national_money(levers, year_index)
    z = rng.standard_normal(m)  # drawn every year, so streams line up across scenarios
    funded = np.zeros(len(state.assets))
    build_money = np.zeros(m)
    state.pots = []
    plan, g, life = state.plan, levers.governance, levers.lifecycle
    if national > 0:
        t = plan.targeting
        mask = allocation.eligible(world, t, year_index)
        if t.rule == "named_sites":
            mask &= plan.site_weight > 0
        score = allocation.scores(t.rule, t, g, z, plan.site_weight, persons, output,
                                  qol_mean, world.is_gun)
        need_seen = allocation.noisy(allocation.felt_need(persons, qol_mean), g.need_noise, z)
        match = levers.budget.local_match_rate
        need = state.assets.operating_need(life.operating_cost_rate)
        for amount, members in allocation.pots(national, mask, g, need_seen, persons,
                                               world.province_code):
            pot = amount * (1.0 + match)
            state.pots.append((pot, members))
            if life.kind == "package" and len(state.assets):
                here = members[state.assets.muni]
                need_here = need[here].sum()
                if need_here > 0:
                    paid = min(need_here, life.max_operating_share * pot)
                    funded[here] = paid / need_here
                    state.investment_krw += np.bincount(
                        state.assets.muni[here], weights=need[here] * paid / need_here, minlength=m
                    )
                    pot -= paid
            build_money += allocation.split(pot, score, mask & members, plan.max_sites,
                                            persons.astype(float))
        state.national_spent += national
    state.assets.age(funded, life.decay_rate)
    state.investment_krw += build_money
    state.investment_total_krw += state.investment_krw
    state.dwellings_built = np.zeros(m)
    if build_money.any():
        levels = service_levels(world.services_base, state)
        state.dwellings_built = instruments.build(
            levers.instrument, build_money, g.overhead, state.assets, year, world, levels,
            by_age_class(persons_by_type), service_weights,
        )
    _update_effects(state, levers.instrument, persons * scale)


def _update_effects(state: PolicyState, i: InstrumentConfig, residents: np.ndarray) -> None:
    """Policy effects from the condition-weighted capital of all assets.

    services (M, 6): ``max_points (1 - exp(-K / (cost_per_point pop max_points)))`` with
    pop the current residents (real persons); tech level (M, S):
    ``tech_max (1 - exp(-tech_return K / (Y0 tech_max)))`` with Y0 the sector's output
    at policy start; ``tech_shift`` is the level's change this year; attachment (M,):
    ``attachment_max (1 - exp(-K / (attachment_cost pop attachment_max)))``.
    """
    m = len(residents)
    pop = np.maximum(residents.astype(float), 1.0)
    k_serv = state.assets.capital_by(SERVICE, m, N_DOMAINS)
    state.services = _saturate(k_serv / (i.cost_per_point_krw * pop[:, None]), i.max_points)
    k_tech = state.assets.capital_by(TECH, m, N_SECTORS)
    level = _saturate(i.tech_return * k_tech / state.output0, i.tech_max)
    state.tech_shift = level - state.tech_level
    state.tech_level = level
    k_att = state.assets.capital_by(ATTACHMENT, m, 1)[:, 0]
    state.attachment = _saturate(k_att / (i.attachment_cost_krw * pop), i.attachment_max)


def _saturate(x: np.ndarray, ceiling: float) -> np.ndarray:
    """``ceiling (1 - exp(-x / ceiling))``: slope 1 at 0, never above ``ceiling``."""
    if ceiling <= 0:
        return np.zeros_like(x)
    return ceiling * -np.expm1(-x / ceiling)
