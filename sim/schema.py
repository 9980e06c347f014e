"""What each config setting allows, kept on the setting itself, and one checker for all.

A schema field carries its constraint as dataclass field metadata, beside its default::

    move_rate: list[float] = bounded([0.20, 0.10, 0.05], lo=0, hi=1, length=N_AGE_CLASSES,
                                     doc="probabilities")
    level: str = choice("centre", LEVELS)

so a reader sees what is allowed where the setting is defined, and a new setting cannot
be added without its check being in the same line. :func:`check` walks a config
dataclass tree (nested dataclasses, lists of them such as ``targeting.programmes[k]``,
lists and dicts of values) and returns every violation, each naming the dotted key, the
value and what is allowed. Every float anywhere in the tree must also be finite, bound
or not (a NaN or an infinity from a hand-edited file would otherwise run silently).
Rules that tie two settings together stay written out beside their schemas.

This module imports nothing from the package, so every schema module can use it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any

#: The metadata key of a field's :class:`Bound`.
BOUND = "bound"


@dataclass(frozen=True)
class Bound:
    """What one setting allows. For a list or dict setting, ``lo``/``hi``/``options``
    apply to each entry and ``length``/``shape``/``min_length`` to the list itself.

    Attributes:
        lo, hi: the range of a number (None: unbounded on that side).
        lo_open, hi_open: the end is excluded (``(0, 1]``, ``[0, 1)``).
        options: the allowed values, or a function returning them (for registries
            defined after the field, such as the recipes of ``InstrumentConfig``).
        why: said before the allowed options when a value is not one of them; a string,
            or a function of the refused value.
        shape: the exact lengths of a (nested) list: ``(3,)``, or ``(3, 6)`` for 3 rows
            of 6.
        min_length: the fewest entries a list may have.
        nullable: None (null) is allowed: the value comes from elsewhere (the beliefs).
        doc: a few words said after the allowed range (units, what the ends mean).
    """

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    options: Sequence[Any] | Callable[[], Sequence[Any]] | None = None
    why: str | Callable[[Any], str] = ""
    shape: tuple[int, ...] | None = None
    min_length: int | None = None
    nullable: bool = False
    doc: str = ""

    def allowed(self) -> str:
        """The range in words: ``in [0, 1)``, ``>= 0``, ``> 0``; "" if unbounded."""
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            return (f"in {'(' if self.lo_open else '['}{_number(lo)}, "
                    f"{_number(hi)}{')' if self.hi_open else ']'}")
        if lo is not None:
            return f"{'>' if self.lo_open else '>='} {_number(lo)}"
        if hi is not None:
            return f"{'<' if self.hi_open else '<='} {_number(hi)}"
        return ""

    def choices(self) -> Sequence[Any] | None:
        return self.options() if callable(self.options) else self.options

    def contains(self, value: float) -> bool:
        """Whether the number ``value`` is within the range (NaN never is)."""
        if self.lo is not None and not (value > self.lo if self.lo_open else value >= self.lo):
            return False
        return self.hi is None or bool(value < self.hi if self.hi_open else value <= self.hi)

    def entries(self) -> Bound | None:
        """The bound of each entry of a list or dict setting (no length rules; None if
        only the length is bounded)."""
        if self.lo is None and self.hi is None and self.options is None:
            return None
        return Bound(self.lo, self.hi, self.lo_open, self.hi_open, self.options, self.why,
                     None, None, self.nullable, self.doc)


def bounded(default: Any = MISSING, *, lo: float | None = None, hi: float | None = None,
            lo_open: bool = False, hi_open: bool = False, length: int | None = None,
            shape: tuple[int, ...] | None = None, min_length: int | None = None,
            nullable: bool | None = None, doc: str = "") -> Any:
    """A dataclass field with ``default`` that must lie in the range ``lo``..``hi``.

    A list default becomes a fresh copy per instance (``default_factory``); ``length``
    is ``shape=(length,)``. ``nullable`` defaults to whether the default is None.
    """
    if length is not None:
        shape = (length,)
    bound = Bound(lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open, shape=shape,
                  min_length=min_length, nullable=default is None if nullable is None else nullable,
                  doc=doc)
    return _field(default, bound)


def choice(default: Any, options: Sequence[Any] | Callable[[], Sequence[Any]], *,
           why: str | Callable[[Any], str] = "", doc: str = "") -> Any:
    """A dataclass field with ``default`` that must be one of ``options`` (for a list
    field: each entry must be). ``options`` may be a function returning them, for a
    registry defined after the field."""
    return _field(default, Bound(options=options, why=why, doc=doc))


def _field(default: Any, bound: Bound) -> Any:
    if isinstance(default, list | dict):
        return field(default_factory=lambda: copy.deepcopy(default), metadata={BOUND: bound})
    return field(default=default, metadata={BOUND: bound})


# -- checking values ------------------------------------------------------------------


def check(node: Any, prefix: str = "") -> list[str]:
    """Every violation of a field's bound in the config dataclass ``node`` and below,
    and every non-finite number, each as ``"<dotted key>=<value>: <what is allowed>"``.
    ``prefix`` is the dotted key of ``node`` with a trailing dot ("" at the top)."""
    problems: list[str] = []
    for f in fields(node):
        problems += _check_value(f"{prefix}{f.name}", getattr(node, f.name), f.metadata.get(BOUND))
    return problems


def _check_value(key: str, value: Any, bound: Bound | None) -> list[str]:
    if is_dataclass(value):
        return check(value, key + ".")
    if isinstance(value, list):
        problems = _check_length(key, value, bound)
        entry = bound and bound.entries()
        for i, v in enumerate(value):
            problems += _check_value(f"{key}[{i}]", v, entry)
        return problems
    if isinstance(value, dict):
        problems = []
        entry = bound and bound.entries()
        for k, v in value.items():
            problems += _check_value(f"{key}.{k}", v, entry)
        return problems
    return _check_scalar(key, value, bound)


def _check_length(key: str, value: list, bound: Bound | None) -> list[str]:
    if bound is None:
        return []
    doc = f" ({bound.doc})" if bound.doc else ""
    if bound.shape is not None:
        rows = bound.shape[0]
        if len(bound.shape) == 1 and len(value) != rows:
            return [f"{key}: needs {rows} values, got {len(value)}{doc}"]
        if len(bound.shape) == 2 and (
            len(value) != rows
            or any(not isinstance(r, list) or len(r) != bound.shape[1] for r in value)
        ):
            return [f"{key}: needs {rows} rows of {bound.shape[1]} values{doc}"]
    if bound.min_length is not None and len(value) < bound.min_length:
        n = bound.min_length
        return [f"{key}: needs at least {n} value{'s' if n > 1 else ''}, got {len(value)}{doc}"]
    return []


def _check_scalar(key: str, value: Any, bound: Bound | None) -> list[str]:
    if bound is None:
        if isinstance(value, float) and not math.isfinite(value):
            return [f"{key}={value}: must be a finite number"]
        return []
    if value is None:
        if bound.nullable:
            return []
        return [f"{key}=None: {_needs(bound)}"]
    options = bound.choices()
    if options is not None:
        if value in options:
            return []
        why = bound.why(value) if callable(bound.why) else bound.why
        return [f"{key}={value!r}: {why + '; ' if why else ''}allowed {list(options)}"
                + (f" ({bound.doc})" if bound.doc else "")]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [f"{key}={value!r}: {_needs(bound)}"]
    if isinstance(value, float) and not math.isfinite(value):
        range_ = bound.allowed()
        return [f"{key}={value}: must be a finite number{' ' + range_ if range_ else ''}"
                + (f" ({bound.doc})" if bound.doc else "")]
    if bound.contains(value):
        return []
    return [f"{key}={value}: {_needs(bound)}"]


def _needs(bound: Bound) -> str:
    range_ = bound.allowed()
    text = f"must be {range_}" if range_ else "must be a number"
    return text + (f" ({bound.doc})" if bound.doc else "")


def _number(x: float) -> str:
    """``x`` as short as it reads exactly: 0.95, 1e+12, 9223372036854775807."""
    if isinstance(x, int):
        return str(x)
    short = format(x, "g")
    return short if float(short) == x else repr(x)


def bounded_settings(node: Any, prefix: str = "") -> Iterator[tuple[str, Bound]]:
    """(dotted key, bound) of every field with a bound in the dataclass ``node`` and
    below, lists of dataclasses included (``targeting.programmes[0].recipe``)."""
    for f in fields(node):
        key, value = f"{prefix}{f.name}", getattr(node, f.name)
        if BOUND in f.metadata:
            yield key, f.metadata[BOUND]
        if is_dataclass(value):
            yield from bounded_settings(value, key + ".")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                if is_dataclass(v):
                    yield from bounded_settings(v, f"{key}[{i}].")
