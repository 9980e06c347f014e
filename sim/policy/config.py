"""Schemas of the policy levers (Hydra config groups targeting, instrument, governance,
lifecycle) and their sanity checks."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TargetingConfig:
    rule: str = "none"  # who gets money; "none" allocates nothing
    sites: list[str] = field(default_factory=list)  # municipality codes for named sites


@dataclass
class InstrumentConfig:
    kind: str = "none"  # what is built


@dataclass
class GovernanceConfig:
    kind: str = "centre_led"  # who decides


@dataclass
class LifecycleConfig:
    kind: str = "build_only"  # build_only (assets decay unless operated) or package


TARGETING_RULES = ("none",)
INSTRUMENTS = ("none",)
GOVERNANCE = ("centre_led",)
LIFECYCLES = ("build_only",)


def validate_policy(cfg) -> list[str]:
    """Problems with the policy settings of a SimConfig, each naming the setting."""
    p: list[str] = []
    if cfg.targeting.rule not in TARGETING_RULES:
        p.append(f"targeting.rule={cfg.targeting.rule!r}: allowed {list(TARGETING_RULES)}")
    if cfg.instrument.kind not in INSTRUMENTS:
        p.append(f"instrument.kind={cfg.instrument.kind!r}: allowed {list(INSTRUMENTS)}")
    if cfg.governance.kind not in GOVERNANCE:
        p.append(f"governance.kind={cfg.governance.kind!r}: allowed {list(GOVERNANCE)}")
    if cfg.lifecycle.kind not in LIFECYCLES:
        p.append(f"lifecycle.kind={cfg.lifecycle.kind!r}: allowed {list(LIFECYCLES)}")
    return p
