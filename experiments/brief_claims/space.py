"""The uncertainty space of the study and its Latin-hypercube design of worlds.

The space is a YAML file (default ``configs/study/brief_claims.yaml``) a researcher
edits: one entry per contested setting with a range and its source. It is checked
before any run, because a typo would otherwise be a silent 200-world study of nothing:
an unknown key, a range that is empty, excludes the brief's or the sceptic's value, or
that the model refuses, stops the study with a message naming the key.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brief_claims.design import Design, DesignError, cell_overrides, cells, parse_design

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPACE = ROOT / "configs" / "study" / "brief_claims.yaml"
BELIEF_ARMS = ("neutral", "brief", "sceptic")
TOP_KEYS = {"design_seed", "posterior", "parameters", "design", "fit"}
PARAM_KEYS = {"low", "high", "source", "integer", "log"}
#: Keys the model derives from another one, so setting them would be silently undone.
DERIVED = {"behaviour.migration.beta_services":
           "beliefs.service_wtp (sim.beliefs.resolve derives beta_services from it)"}


class StudyConfigError(ValueError):
    """A bad uncertainty space; the message names the key."""


@dataclass(frozen=True)
class Param:
    """One uncertain setting: a dotted config key, uniform on [low, high], or with
    ``log`` uniform in its logarithm (a scale spanning an order of magnitude or more: a
    plain uniform draw puts most worlds near its top, e.g. over 0.005-0.15 the median
    world is 2.6 times the geometric middle)."""

    key: str
    low: float
    high: float
    source: str = ""
    integer: bool = False
    log: bool = False

    def value(self, u: np.ndarray) -> np.ndarray:
        """The values at quantiles ``u`` in [0, 1) of the hypercube's column."""
        if self.log:
            return np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        return self.low + u * (self.high - self.low)

    @property
    def name(self) -> str:
        """The short column name in worlds.csv (the key without its top group)."""
        return self.key.split(".", 1)[1]


@dataclass(frozen=True)
class Space:
    params: tuple[Param, ...]
    design_seed: int = 0
    posterior: Path | None = None
    design: Design | None = None
    fit: dict[str, tuple[float, float]] = field(default_factory=dict)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_space(raw: dict[str, Any], source: str = "space") -> Space:
    """A :class:`Space` from the parsed YAML, checking only its own form (keys, types,
    ranges); :func:`check_against_config` checks it against the model's config."""
    if not isinstance(raw, dict):
        raise StudyConfigError(f"{source}: expected a mapping with 'parameters'")
    unknown = sorted(set(raw) - TOP_KEYS)
    if unknown:
        raise StudyConfigError(f"{source}: unknown key(s) {unknown}; allowed: {sorted(TOP_KEYS)}")
    entries = raw.get("parameters")
    if not isinstance(entries, dict) or not entries:
        raise StudyConfigError(f"{source}: 'parameters' must map config keys to ranges")
    params = []
    for key, spec in entries.items():
        if key in DERIVED:
            raise StudyConfigError(f"{source}: {key}: set by {DERIVED[key]}; vary that instead")
        if not isinstance(spec, dict):
            raise StudyConfigError(f"{source}: {key}: expected {{low, high, source}}, got {spec!r}")
        bad = sorted(set(spec) - PARAM_KEYS)
        if bad:
            raise StudyConfigError(f"{source}: {key}: unknown field(s) {bad}; allowed: {sorted(PARAM_KEYS)}")
        low, high = spec.get("low"), spec.get("high")
        if not (_number(low) and _number(high)):
            raise StudyConfigError(f"{source}: {key}: low and high must be finite numbers, got "
                                   f"low={low!r}, high={high!r}")
        if not low < high:
            raise StudyConfigError(f"{source}: {key}: bad range, low={low} must be below high={high}")
        log = spec.get("log", False)
        if not isinstance(log, bool):
            raise StudyConfigError(f"{source}: {key}: log={log!r}: true or false")
        if log and low <= 0:
            raise StudyConfigError(f"{source}: {key}: log: true needs low > 0, got low={low}")
        params.append(Param(str(key), float(low), float(high), str(spec.get("source", "")),
                            bool(spec.get("integer", False)), log))
    seed = raw.get("design_seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise StudyConfigError(f"{source}: design_seed={seed!r}: must be an integer >= 0")
    post = raw.get("posterior")
    posterior = None if post in (None, "") else Path(post)
    if posterior is not None and not posterior.is_absolute():
        posterior = ROOT / posterior
    try:
        d = parse_design(raw["design"], f"{source}: design") if "design" in raw else None
    except DesignError as err:
        raise StudyConfigError(str(err)) from err
    fit = {}
    for key, band in (raw.get("fit") or {}).items():
        if not (isinstance(band, list | tuple) and len(band) == 2 and all(map(_number, band))
                and band[0] < band[1]):
            raise StudyConfigError(f"{source}: fit.{key}={band!r}: expected [low, high]")
        fit[str(key)] = (float(band[0]), float(band[1]))
    return Space(tuple(params), seed, posterior, d, fit)


def load_space(path: Path = DEFAULT_SPACE) -> Space:
    """Read and check the form of the space file (see :func:`parse_space`)."""
    from omegaconf import OmegaConf

    path = Path(path)
    if not path.exists():
        raise StudyConfigError(f"{path}: no such study config")
    return parse_space(OmegaConf.to_container(OmegaConf.load(path), resolve=True), str(path))


def arm_values(keys: Sequence[str]) -> dict[str, dict[str, float]]:
    """By key: the value of each ``beliefs.*`` key in each belief arm (configs/beliefs)."""
    from omegaconf import OmegaConf

    from sim.config import compose

    out: dict[str, dict[str, float]] = {k: {} for k in keys}
    if not any(k.startswith("beliefs.") for k in keys):
        return out
    for arm in BELIEF_ARMS:
        cfg = compose([f"beliefs={arm}"])
        for key in keys:
            value = OmegaConf.select(cfg, key, default=None) if key.startswith("beliefs.") else None
            if _number(value):
                out[key][arm] = float(value)
    return out


def check_against_config(space: Space, base: Sequence[str] = ()) -> None:
    """Every key exists in the run config as a number, every range spans the config's
    value and the belief arms' values, and the model accepts both corners of the box.

    Raises:
        StudyConfigError: naming the key.
    """
    from omegaconf import OmegaConf

    from sim.config import ConfigError, compose, make_config

    cfg = compose(list(base))
    arms = arm_values([p.key for p in space.params])
    for p in space.params:
        value = OmegaConf.select(cfg, p.key, default="<missing>")
        if isinstance(value, str) and value == "<missing>":
            raise StudyConfigError(f"{p.key}: unknown key (not in the run config; see "
                                   "sim/config.py and sim/beliefs.py for the settings)")
        if value is not None and not _number(value):
            raise StudyConfigError(f"{p.key}: not a number in the run config ({value!r})")
        values = arms[p.key] or ({} if value is None else {"config": float(value)})
        outside = {arm: v for arm, v in values.items() if not p.low <= v <= p.high}
        if outside:
            raise StudyConfigError(f"{p.key}: bad range [{p.low:g}, {p.high:g}]: it must span "
                                   f"the value(s) {outside}")
    for corner in ("low", "high"):
        point = {p.key: getattr(p, corner) for p in space.params}
        try:
            make_config([*base, *overrides(point, space)])
        except ConfigError as err:
            raise StudyConfigError(f"the {corner} corner of the space is refused: {err}") from err


def overrides(point: dict[str, float], space: Space) -> list[str]:
    """Hydra overrides of one world's parameter values (integers rounded)."""
    out = []
    for p in space.params:
        if p.key in point:
            v = point[p.key]
            out.append(f"{p.key}={int(round(v))}" if p.integer else f"{p.key}={float(v)!r}")
    return out


def design(space: Space, n: int, seed: int | None = None, replicates: int = 1) -> pd.DataFrame:
    """``n`` worlds: a seeded Latin hypercube over the space (scipy.stats.qmc), one row per
    world with ``world``, ``seeds`` (its ``replicates`` run seeds, space-separated: world
    w has w x replicates ... w x replicates + replicates - 1, so no two worlds share
    one; every run of a world uses each of them) and each parameter under its dotted
    key; with a posterior, ``posterior_row`` too."""
    from scipy.stats import qmc

    seed = space.design_seed if seed is None else seed
    d = len(space.params) + (1 if space.posterior is not None else 0)
    u = qmc.LatinHypercube(d=d, seed=seed).random(n)
    frame = pd.DataFrame({"world": np.arange(n),
                          "seeds": [" ".join(str(w * replicates + k) for k in range(replicates))
                                    for w in range(n)]})
    for j, p in enumerate(space.params):
        v = p.value(u[:, j])
        frame[p.key] = np.round(v).astype(int) if p.integer else v
    if space.posterior is not None:
        table = read_posterior(space.posterior)
        frame["posterior_row"] = np.minimum((u[:, -1] * len(table)).astype(int), len(table) - 1)
        held = [p.key for p in space.params
                if p.key.startswith("behaviour.") and p.key.split(".", 1)[1] in table.columns]
        for key in held:  # these come from the posterior row, not the hypercube
            frame[key] = table[key.split(".", 1)[1]].to_numpy()[frame["posterior_row"]]
    return frame


def read_posterior(path: Path) -> pd.DataFrame:
    if not Path(path).exists():
        raise StudyConfigError(f"posterior: {path}: no such file (run python -m sim.calibrate "
                               "--abc, or set posterior: null)")
    return pd.read_csv(path)


#: The behaviour option a world that draws its behaviour from the sample composes on: the
#: schema defaults, on which the history matching ran the sets
#: (:func:`sim.tools.history.simulate_run`). On the default behaviour file instead, any
#: setting it holds beyond the sample's columns would reach every world unseen (round 4's
#: file carried its own mortality and birth rates into the study until 2026-12-06).
SAMPLE_BASE = "behaviour=default"


def sample_base(base: Sequence[str]) -> list[str]:
    """The study's run overrides for worlds drawn from the sample: :data:`SAMPLE_BASE`
    first, so that a behaviour option or setting the study gives still applies on top."""
    return [SAMPLE_BASE, *base]


def world_values(row: pd.Series, space: Space) -> dict[str, Any] | None:
    """The nested ``behaviour`` values of a world's posterior row (None without one)."""
    if space.posterior is None or "posterior_row" not in row:
        return None
    from sim.tools.abc import behaviour_of

    table = read_posterior(space.posterior)
    return {"behaviour": behaviour_of(table.iloc[int(row["posterior_row"])])}


def parse_behaviour_values(items: Sequence[str], base: Sequence[str] = ()) -> dict[str, Any]:
    """``GROUP.KEY=VALUE`` items (``migration.beta_size=1.0``) as a nested behaviour
    dict, checked against the schema: a misspelt key or a bad value is a
    :class:`StudyConfigError` that names it."""
    from omegaconf import OmegaConf

    from sim.config import ConfigError, make_config

    bad = [i for i in items if "=" not in i or i.startswith(("behaviour.", "-"))]
    if bad:
        raise StudyConfigError(f"--behaviour-value {bad}: give GROUP.KEY=VALUE, e.g. "
                               "migration.beta_size=1.0 (without 'behaviour.')")
    if not items:
        return {}
    nested = OmegaConf.to_container(OmegaConf.from_dotlist(list(items)))
    try:
        make_config([*base], {"behaviour": nested})
    except ConfigError as err:
        raise StudyConfigError(f"--behaviour-value {list(items)}: {err}") from err
    return nested


def with_behaviour_values(values: dict[str, Any] | None, fixed: dict[str, Any]) -> dict[str, Any] | None:
    """A world's nested values with the ``fixed`` behaviour values laid over its drawn
    set (the worlds' other values unchanged)."""
    if not fixed:
        return values
    out = {**(values or {})}
    behaviour = {group: dict(v) for group, v in out.get("behaviour", {}).items()}
    for group, items in fixed.items():
        behaviour[group] = {**behaviour.get(group, {}), **items}
    out["behaviour"] = behaviour
    return out


def world_point(row: pd.Series, space: Space) -> dict[str, float]:
    """A world's parameter values by dotted key."""
    return {p.key: float(row[p.key]) for p in space.params}


def world_key(point: dict[str, float], values: dict | None, base: Sequence[str],
              runs: Sequence[str], seeds: Sequence[int], years: Sequence[int]) -> str:
    """A hash of everything that decides a world's outputs: a stored world is reused only
    if its key matches (a changed design or setting redoes it instead of mixing)."""
    text = json.dumps([sorted(point.items()), values, list(base), sorted(runs), list(seeds),
                       sorted(years)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_design(d: Design | None, base: Sequence[str] = ()) -> None:
    """The design section: every cell and named scenario composes into a valid config,
    and every claim's outcome is one the study records.

    Raises:
        StudyConfigError: naming the cell, scenario or claim.
    """
    from sim.config import ConfigError, make_config

    if d is None:
        raise StudyConfigError("the study config has no `design` section (the lever factorial)")
    table = cells(d)
    codes = table[[f.name for f in d.factors]].to_numpy()
    for name, row in zip(table["cell"], codes, strict=True):
        try:
            make_config([*base, *cell_overrides(d, row)])
        except ConfigError as err:
            raise StudyConfigError(f"design cell {name} is refused: {err}") from err
    for s in d.named:
        try:
            make_config([*base, f"scenario={s}"])
        except ConfigError as err:
            raise StudyConfigError(f"design.named: {s}: {err}") from err
    from sim.catalogue import NATIONAL

    known = set(NATIONAL) | DERIVED_OUTCOMES
    for c in d.claims:
        if c.metric not in known:
            raise StudyConfigError(f"design.claims[{c.key}]: outcome {c.metric!r} is not "
                                   f"recorded; allowed: {sorted(known)}")


#: Outcomes the study derives besides the national columns (brief_claims.worlds).
DERIVED_OUTCOMES = {"service_mean", "felt_benefit_paired", "cost_effectiveness_paired"}


def flag_fit(plan: pd.DataFrame, outcomes: pd.DataFrame,
             fit: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """``plan`` with each world's twin fit statistics (mean over its seeds) and ``fits``:
    True when every statistic named in ``fit`` lies in its band (the calibration's
    tolerance), so the world's baseline is one the data allow."""
    twin = outcomes[outcomes["cell"] == "no_investment"]
    cols = [c for c in twin.columns if c.startswith("fit_")]
    stats = twin.groupby("world")[cols].mean() if cols else pd.DataFrame(index=plan["world"])
    out = plan.merge(stats, left_on="world", right_index=True, how="left")
    ok = pd.Series(True, index=out.index)
    for key, (lo, hi) in fit.items():
        col = f"fit_{key}"
        if col not in out:
            raise StudyConfigError(f"fit.{key}: the study records no {col} (allowed: "
                                   f"{sorted(c[4:] for c in cols)})")
        ok &= out[col].between(lo, hi)
    out["fits"] = ok
    return out
