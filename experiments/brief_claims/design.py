"""One lever per claim: the two-level factorial design of the policy levers, and the
claims as its main effects.

Each factor is a config group (``targeting``, ``instrument``, ``governance``,
``lifecycle``) at two options, the 2018 way (``low``, coded -1) and the brief's way
(``high``, +1). A cell is one combination, run at the same budget as every other; the
brief's claims are then main effects (the mean of the cells at +1 minus the mean at -1,
the other levers balanced) or, for the package as a whole, the corner contrast (every
lever at +1 against every lever at -1). The full design has 2^k cells; the half fraction
(``fraction: half``) keeps the cells whose codes multiply to +1 (defining relation
I = ABC...), so with four factors main effects are aliased with three-factor
interactions only (resolution IV) and two-factor interactions with each other.

Everything here is a pure function of the study config and of outcome tables; the
simulation is in :mod:`brief_claims.worlds`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: The config groups a factor may be (the composable levers of configs/).
LEVERS = ("targeting", "instrument", "governance", "lifecycle")
FRACTIONS = ("full", "half")


class DesignError(ValueError):
    """A bad design section of the study config; the message names the entry."""


@dataclass(frozen=True)
class Factor:
    """A lever at two options: ``low`` (the 2018 way) and ``high`` (the brief's)."""

    name: str
    low: str
    high: str
    label: str = ""


@dataclass(frozen=True)
class LeverClaim:
    """A claim of the brief as a lever's main effect (``lever``) or as the corner contrast
    of the whole package (``lever: package``) on one outcome.

    ``sign`` +1: the brief's way should raise the metric, -1: lower it. ``threshold`` is
    the smallest effect that matters, in the metric's own units (``why`` says why);
    ``factor`` and ``unit`` display it (display value = effect x factor).
    """

    key: str
    label: str
    lever: str
    metric: str
    sign: int
    threshold: float
    unit: str
    factor: float
    why: str = ""


@dataclass(frozen=True)
class Design:
    factors: tuple[Factor, ...]
    fraction: str = "full"
    replicates: int = 3
    named: tuple[str, ...] = ()
    claims: tuple[LeverClaim, ...] = ()


# ------------------------------------------------------------------------ parsing
def parse_design(raw: Mapping[str, Any], source: str = "design") -> Design:
    """A :class:`Design` from the study config's ``design`` and ``claims`` sections."""
    if not isinstance(raw, Mapping):
        raise DesignError(f"{source}: expected a mapping with 'factors'")
    allowed = {"factors", "fraction", "replicates", "named", "claims"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise DesignError(f"{source}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    factors = []
    for name, spec in (raw.get("factors") or {}).items():
        if name not in LEVERS:
            raise DesignError(f"{source}.factors.{name}: not a lever; allowed {list(LEVERS)}")
        if not isinstance(spec, Mapping) or not {"low", "high"} <= set(spec):
            raise DesignError(f"{source}.factors.{name}: expected {{low, high, label}}")
        factors.append(Factor(name, str(spec["low"]), str(spec["high"]), str(spec.get("label", ""))))
    if not factors:
        raise DesignError(f"{source}.factors: at least one lever")
    fraction = str(raw.get("fraction", "full"))
    if fraction not in FRACTIONS:
        raise DesignError(f"{source}.fraction={fraction!r}: allowed {list(FRACTIONS)}")
    if fraction == "half" and len(factors) < 3:
        raise DesignError(f"{source}.fraction=half: needs at least 3 factors (main effects "
                          "would be aliased with main effects)")
    replicates = raw.get("replicates", 3)
    if not isinstance(replicates, int) or isinstance(replicates, bool) or replicates < 2:
        raise DesignError(f"{source}.replicates={replicates!r}: at least 2 seeds per world "
                          "(a verdict needs the seeds' spread)")
    names = {f.name for f in factors}
    claims = []
    for i, c in enumerate(raw.get("claims") or []):
        where = f"{source}.claims[{i}]"
        need = {"key", "label", "lever", "metric", "sign", "threshold", "unit"}
        if not isinstance(c, Mapping) or not need <= set(c):
            raise DesignError(f"{where}: needs {sorted(need)}")
        if c["lever"] not in names | {"package"}:
            raise DesignError(f"{where}.lever={c['lever']!r}: a factor ({sorted(names)}) or "
                              "'package'")
        if c["sign"] not in (1, -1):
            raise DesignError(f"{where}.sign={c['sign']!r}: +1 or -1")
        if not (isinstance(c["threshold"], int | float) and c["threshold"] > 0):
            raise DesignError(f"{where}.threshold={c['threshold']!r}: the smallest effect "
                              "that matters, > 0 in the metric's units")
        factor = c.get("factor", 1.0)
        if not (isinstance(factor, int | float) and factor > 0):
            raise DesignError(f"{where}.factor={factor!r}: the display factor, > 0")
        claims.append(LeverClaim(str(c["key"]), str(c["label"]), str(c["lever"]),
                                 str(c["metric"]), int(c["sign"]), float(c["threshold"]),
                                 str(c["unit"]), float(factor), str(c.get("why", ""))))
    named = tuple(str(s) for s in (raw.get("named") or ()))
    return Design(tuple(factors), fraction, int(replicates), named, tuple(claims))


# ------------------------------------------------------------------------ cells
def cells(design: Design) -> pd.DataFrame:
    """One row per cell: ``cell`` (a name such as ``T+I-G+L-``) and each factor's code
    (-1 the 2018 way, +1 the brief's), the full 2^k or the half fraction I = ABC..."""
    k = len(design.factors)
    codes = np.array(list(itertools.product((-1, 1), repeat=k)), dtype=int)
    if design.fraction == "half":
        codes = codes[codes.prod(axis=1) == 1]
    frame = pd.DataFrame(codes, columns=[f.name for f in design.factors])
    frame.insert(0, "cell", [cell_name(design, row) for row in codes])
    return frame


def cell_name(design: Design, codes: Sequence[int]) -> str:
    return "".join(f"{f.name[0].upper()}{'+' if c > 0 else '-'}"
                   for f, c in zip(design.factors, codes, strict=True))


def cell_overrides(design: Design, codes: Sequence[int]) -> list[str]:
    """The Hydra overrides of a cell: each lever's option and the cell's name as the
    scenario's (the budget and everything else as the study sets them)."""
    out = [f"{f.name}={f.high if c > 0 else f.low}" for f, c in zip(design.factors, codes, strict=True)]
    return [*out, f"scenario.name={cell_name(design, codes)}"]


# ------------------------------------------------------------------------ effects
def effects(outcomes: pd.DataFrame, design: Design, metric: str,
            by: Sequence[str] = ("world", "seed", "year")) -> pd.DataFrame:
    """Main effects (and the corner contrast, ``package``) of ``metric`` for each group
    of ``by``: one column per factor, the mean over cells at +1 minus the mean at -1, in
    the metric's units. ``outcomes`` has one row per run with ``cell`` and ``by``."""
    table = cells(design)
    at = outcomes[outcomes["cell"].isin(table["cell"])]
    wide = at.pivot_table(index=list(by), columns="cell", values=metric, aggfunc="first")
    wide = wide.reindex(columns=table["cell"]).dropna()
    x = table.set_index("cell")[[f.name for f in design.factors]].loc[wide.columns]
    out = pd.DataFrame(index=wide.index)
    for f in design.factors:
        plus, minus = x[f.name] > 0, x[f.name] < 0
        out[f.name] = wide.loc[:, plus.to_numpy()].mean(axis=1) - wide.loc[:, minus.to_numpy()].mean(axis=1)
    top = cell_name(design, [1] * len(design.factors))
    bottom = cell_name(design, [-1] * len(design.factors))
    if top in wide.columns and bottom in wide.columns:
        out["package"] = wide[top] - wide[bottom]
    return out.reset_index()


def interactions(outcomes: pd.DataFrame, design: Design, metric: str,
                 by: Sequence[str] = ("world", "seed", "year")) -> pd.DataFrame:
    """Two-factor interaction contrasts of ``metric`` (half the difference between a
    factor's effect at the other's +1 and at its -1), one column per pair ``A:B``. In the
    half fraction of four factors each is aliased with another pair's (A:B with C:D)."""
    table = cells(design)
    at = outcomes[outcomes["cell"].isin(table["cell"])]
    wide = at.pivot_table(index=list(by), columns="cell", values=metric, aggfunc="first")
    wide = wide.reindex(columns=table["cell"]).dropna()
    x = table.set_index("cell").loc[wide.columns]
    out = pd.DataFrame(index=wide.index)
    n = len(wide.columns)
    for a, b in itertools.combinations([f.name for f in design.factors], 2):
        contrast = (x[a] * x[b]).to_numpy(dtype=float)
        out[f"{a}:{b}"] = wide.to_numpy() @ contrast / (n / 2)
    return out.reset_index()


def display(value: float | np.ndarray, claim: LeverClaim) -> float | np.ndarray:
    """An effect in the claim's display unit."""
    return np.asarray(value) * claim.factor
