"""The policy engine: allocation by targeting and governance, building by instrument,
ageing and decay by lifecycle. It writes only policy state on the model:
``policy_services`` (M, 6), ``tech_shift`` (M, S), ``attachment`` (M,),
``housing_units`` (M,, only adds dwellings), ``investment_krw`` (M,) and
``investment_total_krw`` (M,).

One year (:meth:`PolicyEngine.step`):

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
"""

from __future__ import annotations

import numpy as np

from sim.agents.municipality import SERVICE_DOMAINS
from sim.data.region import SECTORS
from sim.policy import allocation, instruments
from sim.policy.assets import ATTACHMENT, SERVICE, TECH, AssetRegistry
from sim.policy.config import unknown_sites


class PolicyEngine:
    """Runs the configured scenario's policy mechanisms on a model, year by year.

    Attributes:
        assets: every asset built so far (:class:`~sim.policy.assets.AssetRegistry`).
        rule: the targeting rule in force (named sites fall back to
            ``targeting.sites_synthetic`` on the synthetic region).
        site_weight: (M,) relative money of named sites (0 elsewhere).
        national_spent, local_spent: KRW spent so far, for accounting checks.
        last_pots: this year's pots as (amount incl. match, members (M,) bool) pairs.
    """

    def __init__(self, cfg, model):
        from sim.config import ConfigError

        self.cfg = cfg
        self.budget = cfg.budget
        self.targeting = t = cfg.targeting
        self.instrument = cfg.instrument
        self.governance = cfg.governance
        self.lifecycle = cfg.lifecycle
        self.assets = AssetRegistry()
        self.national_spent = 0.0
        self.local_spent = 0.0
        self.last_pots: list[tuple[float, np.ndarray]] = []
        m = model.n_munis
        self.site_weight = np.zeros(m)
        self.rule = t.rule
        self.max_sites = t.max_sites
        codes = model.region.table["code"].astype(str).tolist()
        if t.rule == "named_sites":
            if model.region.name == "synthetic":
                # No real codes: stand in a rule that picks as many places.
                self.rule = t.sites_synthetic
                self.max_sites = t.max_sites or len(t.sites)
            else:
                bad = unknown_sites(t.sites, codes)
                if bad:
                    raise ConfigError("invalid configuration:\n  " + "\n  ".join(bad))
                weights = t.site_weights or [1.0] * len(t.sites)
                pos = {c: k for k, c in enumerate(codes)}
                for site, w in zip(t.sites, weights, strict=True):
                    self.site_weight[pos[str(site)]] = w
        if t.rule != "none" and self.budget.annual_krw > 0:
            for yi in {0, t.pilot_years}:
                tt = _with_rule(t, self.rule)
                if not allocation.eligible(model, tt, yi).any():
                    raise ConfigError(
                        "invalid configuration:\n  targeting: no municipality of region "
                        f"{model.region.name!r} is eligible (rule={self.rule!r}, provinces="
                        f"{list(t.provinces)}, kinds={list(t.kinds)}, exclude_capital={t.exclude_capital})"
                    )
        scale_krw = model.scale * 1e6  # model.output is million KRW per agent unit
        total = model.output.sum(axis=1, keepdims=True) * scale_krw
        #: (M, S) sector output at policy start, KRW: the denominator of tech effects,
        #: floored at 1% of the place's output so a tiny sector cannot explode.
        self.output0 = np.maximum(model.output * scale_krw, np.maximum(0.01 * total, 1e9))
        self.tech_level = np.zeros((m, len(SECTORS)))

    # ------------------------------------------------------------------ one year
    def step(self, model) -> None:
        """Allocate, operate, age, build and update the policy state for ``model.year``."""
        m = model.n_munis
        model.investment_krw[:] = 0.0
        year_index = model.year - model.start_year - 1  # 0 in the first simulated year
        national = self.national_money(year_index)
        rng = model.stream_rng("policy")
        z = rng.standard_normal(m)  # drawn every year, so streams line up across scenarios
        self.last_pots = []
        funded = np.zeros(len(self.assets))
        build_money = np.zeros(m)
        if national > 0:
            t = _with_rule(self.targeting, self.rule)
            mask = allocation.eligible(model, t, year_index)
            if self.rule == "named_sites":
                mask &= self.site_weight > 0
            score = allocation.scores(model, self.rule, t, self.governance, z, self.site_weight)
            need_seen = allocation.noisy(allocation.felt_need(model), self.governance.need_noise, z)
            match = self.budget.local_match_rate
            need = self.assets.operating_need(self.lifecycle.operating_cost_rate)
            for amount, members in allocation.pots(model, national, mask, self.governance, need_seen):
                pot = amount * (1.0 + match)
                self.last_pots.append((pot, members))
                if self.lifecycle.kind == "package" and len(self.assets):
                    here = members[self.assets.muni]
                    need_here = need[here].sum()
                    if need_here > 0:
                        paid = min(need_here, self.lifecycle.max_operating_share * pot)
                        funded[here] = paid / need_here
                        model.investment_krw += np.bincount(
                            self.assets.muni[here], weights=need[here] * paid / need_here, minlength=m
                        )
                        pot -= paid
                build_money += allocation.split(pot, score, mask & members, self.max_sites, model.persons.astype(float))
            self.national_spent += national
            self.local_spent += national * match
        self.assets.age(funded, self.lifecycle.decay_rate)
        model.investment_krw += build_money
        model.investment_total_krw += model.investment_krw
        if build_money.any():
            dwellings = instruments.build(
                model, self.instrument, build_money, self.governance.overhead, self.assets
            )
            model.housing_units += dwellings
            model.vacant += dwellings  # new homes arrive empty
            model.units_counted += dwellings
        self.update_state(model)

    def national_money(self, year_index: int) -> float:
        """National KRW to spend in the ``year_index``-th simulated year (0-based)."""
        if self.targeting.rule == "none" or year_index >= self.budget.horizon_years:
            return 0.0
        return float(self.budget.annual_krw)

    # ------------------------------------------------------------------ state
    def update_state(self, model) -> None:
        """Policy state from the condition-weighted capital of all assets.

        services (M, 6): ``max_points (1 - exp(-K / (cost_per_point pop max_points)))``
        with pop the current residents (real persons); tech level (M, S):
        ``tech_max (1 - exp(-tech_return K / (Y0 tech_max)))`` with Y0 the sector's output
        at policy start; ``tech_shift`` is the level's change this year; attachment (M,):
        ``attachment_max (1 - exp(-K / (attachment_cost pop attachment_max)))``.
        """
        i = self.instrument
        m = model.n_munis
        pop = np.maximum(model.persons.astype(float) * model.scale, 1.0)
        k_serv = self.assets.capital_by(SERVICE, m, len(SERVICE_DOMAINS))
        model.policy_services[:] = _saturate(k_serv / (i.cost_per_point_krw * pop[:, None]), i.max_points)
        k_tech = self.assets.capital_by(TECH, m, len(SECTORS))
        level = _saturate(i.tech_return * k_tech / self.output0, i.tech_max)
        model.tech_shift[:] = level - self.tech_level
        self.tech_level = level
        k_att = self.assets.capital_by(ATTACHMENT, m, 1)[:, 0]
        model.attachment[:] = _saturate(k_att / (i.attachment_cost_krw * pop), i.attachment_max)


def _saturate(x: np.ndarray, ceiling: float) -> np.ndarray:
    """``ceiling (1 - exp(-x / ceiling))``: slope 1 at 0, never above ``ceiling``."""
    if ceiling <= 0:
        return np.zeros_like(x)
    return ceiling * -np.expm1(-x / ceiling)


def _with_rule(targeting, rule: str):
    """A copy of ``targeting`` with ``rule`` in force (named sites on the synthetic region)."""
    if rule == targeting.rule:
        return targeting
    from dataclasses import replace

    return replace(targeting, rule=rule)
