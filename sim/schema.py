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

The schema is closed: :func:`unknown_keys` and :func:`unknown_override_keys` name every
key that is not a setting (with the nearest one that is), so a typo is refused whether
it comes from a file, an override with or without Hydra's ``+``, or a nested mapping.
``dict`` fields (``behaviour.migration.amenity_shift``: municipality code -> value) stay
open: any key is a new entry.

This module imports nothing from the package, so every schema module can use it.
"""

from __future__ import annotations

import copy
import difflib
import math
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
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


# -- a closed schema --------------------------------------------------------------------


def unknown_keys(values: Mapping[str, Any], schema: type, prefix: str = "") -> list[str]:
    """Every key of the nested mapping ``values`` that is not a setting of the dataclass
    ``schema`` (``dict`` fields take any key), with the nearest valid key suggested."""
    problems: list[str] = []
    hints = _hints(schema)
    for key, value in values.items():
        name = str(key)
        if name not in hints:
            problems.append(_not_a_setting(prefix, name, schema))
            continue
        problems += _unknown_below(value, hints[name], f"{prefix}{name}")
    return problems


def _unknown_below(value: Any, tp: Any, key: str) -> list[str]:
    tp = _strip_optional(tp)
    if is_dataclass(tp):
        return unknown_keys(value, tp, key + ".") if isinstance(value, Mapping) else []
    if typing.get_origin(tp) is list and isinstance(value, list):
        (item,) = typing.get_args(tp) or (Any,)
        return [p for i, v in enumerate(value) for p in _unknown_below(v, item, f"{key}[{i}]")]
    return []  # a value, or an open dict: any key is an entry


def unknown_override_keys(keys: Sequence[str], schema: type) -> list[str]:
    """Every dotted key of ``keys`` (``run.years``, ``targeting.programmes.0.recipe``,
    ``behaviour.migration.amenity_shift.11010``) that names no setting of ``schema``."""
    problems = []
    for dotted in keys:
        tp: Any = schema
        parts = dotted.split(".")
        for i, part in enumerate(parts):
            tp = _strip_optional(tp)
            prefix = ".".join(parts[:i])
            if is_dataclass(tp):
                hints = _hints(tp)
                if part not in hints:
                    problems.append(_not_a_setting(prefix + "." if prefix else "", part, tp))
                    break
                tp = hints[part]
            elif typing.get_origin(tp) is list and part.isdigit():
                tp = (typing.get_args(tp) or (Any,))[0]
            elif typing.get_origin(tp) is dict:
                tp = (typing.get_args(tp) or (Any, Any))[-1]
            else:
                problems.append(f"{dotted}: not a setting ({prefix} is a value, it has no "
                                f"setting {part!r})")
                break
    return problems


def _not_a_setting(prefix: str, name: str, schema: type) -> str:
    """The message for an unknown key ``prefix + name`` under the dataclass ``schema``:
    the nearest setting of the same node, else the node's settings."""
    names = list(_hints(schema))
    near = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if near:
        return f"{prefix}{name}: no such setting; did you mean {prefix}{near[0]}?"
    where = f"{prefix[:-1]} has" if prefix else "the settings are"
    return f"{prefix}{name}: no such setting ({where}: {', '.join(names)})"


def _hints(schema: type) -> dict[str, Any]:
    """Field name -> type of the dataclass ``schema`` (string annotations resolved)."""
    hints = typing.get_type_hints(schema)
    return {f.name: hints[f.name] for f in fields(schema)}


def _strip_optional(tp: Any) -> Any:
    """``X | None`` -> ``X``."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return tp
