"""Agents whose state lives in column arrays, reachable the Mesa way.

Millions of households cannot each be a Python object. A :class:`ColumnAgents` keeps one
NumPy array per attribute (with spare capacity, so that births and entries do not
reallocate every year) and hands out lightweight per-agent views on demand. It offers the
parts of Mesa's ``AgentSet`` interface that inspection, data collection and visualisation
use: ``len``, iteration, indexing, ``get``, ``select``, ``agg``, ``groupby`` counts, plus
``to_frame`` for pandas.

Row order is not stable (removals move the last rows into the holes); an agent's
identity is its ``unique_id`` (the ``uid`` column), which never changes and keys its
random draws.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd


class AgentView:
    """One agent of a :class:`ColumnAgents`, read and written through its columns."""

    __slots__ = ("_store", "_row", "unique_id")

    def __init__(self, store: ColumnAgents, row: int):
        object.__setattr__(self, "_store", store)
        object.__setattr__(self, "_row", row)
        object.__setattr__(self, "unique_id", int(store.column("uid")[row]))

    def _locate(self) -> int:
        store = self._store
        row = self._row
        uid = store.column("uid")
        if row < len(uid) and uid[row] == self.unique_id:
            return row
        found = np.flatnonzero(uid == self.unique_id)
        if len(found) == 0:
            raise LookupError(f"{type(self).__name__} {self.unique_id} no longer exists")
        object.__setattr__(self, "_row", int(found[0]))
        return self._row

    @property
    def model(self):
        return self._store.model

    def __getattr__(self, name: str) -> Any:
        store = object.__getattribute__(self, "_store")
        if name in store.dtypes:
            return store.column(name)[self._locate()].item()
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._store.dtypes:
            raise AttributeError(f"{type(self).__name__} has no column {name!r}")
        self._store.column(name)[self._locate()] = value

    def as_dict(self) -> dict[str, Any]:
        row = self._locate()
        return {name: self._store.column(name)[row].item() for name in self._store.dtypes}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items() if k != "uid")
        return f"{type(self).__name__}(unique_id={self.unique_id}, {fields})"


class ColumnAgents:
    """A growable table of agents stored column-wise.

    Args:
        model: the owning model (reachable as ``view.model``).
        dtypes: column name -> NumPy dtype; must include ``uid`` (int64).
        view_class: the per-agent view type handed out by indexing and iteration.
    """

    def __init__(self, model, dtypes: dict[str, Any], view_class: type[AgentView] = AgentView):
        if "uid" not in dtypes:
            raise ValueError("a column store needs a 'uid' column")
        self.model = model
        self.dtypes = {k: np.dtype(v) for k, v in dtypes.items()}
        self.view_class = view_class
        self._data = {k: np.empty(0, dtype=v) for k, v in self.dtypes.items()}
        self.n = 0

    # -------------------------------------------------------------- storage
    @property
    def capacity(self) -> int:
        return len(self._data["uid"])

    def column(self, name: str) -> np.ndarray:
        """The live column of active agents (a view: writes go to the agents)."""
        return self._data[name][: self.n]

    def __getattr__(self, name: str) -> np.ndarray:
        data = self.__dict__.get("_data")
        if data is not None and name in data:
            return data[name][: self.n]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def reserve(self, capacity: int) -> None:
        """Grow every column to hold at least ``capacity`` agents (amortised)."""
        if capacity <= self.capacity:
            return
        new_cap = max(capacity, int(self.capacity * 1.25) + 16)
        for name, arr in self._data.items():
            grown = np.empty(new_cap, dtype=arr.dtype)
            grown[: self.n] = arr[: self.n]
            self._data[name] = grown

    def append(self, **columns: np.ndarray) -> None:
        """Add agents; every column must be given, ``uid`` included.

        Identities are the caller's: the start population is numbered 0..N-1 and new
        agents get ids derived from their parents or their cell
        (:func:`sim.kernels.rng.derive_ids`), never the next number of a counter, so
        that one extra birth or entry does not re-key every later agent's draws.
        """
        missing = set(self.dtypes) - set(columns)
        if missing:
            raise ValueError(f"append needs columns {sorted(missing)}")
        k = len(columns["uid"])
        self.reserve(self.n + k)
        lo, hi = self.n, self.n + k
        for name, values in columns.items():
            self._data[name][lo:hi] = values
        self.n = hi

    def remove_rows(self, rows: np.ndarray) -> None:
        """Remove agents at ``rows`` (sorted, unique) by moving the last agents into the holes."""
        k = len(rows)
        if k == 0:
            return
        n = self.n
        tail = np.arange(n - k, n)
        is_hole = np.zeros(k, dtype=bool)
        is_hole[np.searchsorted(tail, rows[rows >= n - k])] = True
        src = tail[~is_hole]
        dst = rows[rows < n - k]
        for arr in self._data.values():
            arr[dst] = arr[src]
        self.n = n - k

    # ------------------------------------------------------- AgentSet-like API
    def __len__(self) -> int:
        return self.n

    def __getitem__(self, row: int) -> AgentView:
        if row < 0:
            row += self.n
        if not 0 <= row < self.n:
            raise IndexError(f"row {row} out of range for {self.n} agents")
        return self.view_class(self, row)

    def __iter__(self) -> Iterator[AgentView]:
        for row in range(self.n):
            yield self.view_class(self, row)

    def by_uid(self, unique_id: int) -> AgentView:
        rows = np.flatnonzero(self.column("uid") == unique_id)
        if len(rows) == 0:
            raise KeyError(f"no agent with unique_id {unique_id}")
        return self.view_class(self, int(rows[0]))

    def get(self, attr_names: str | list[str]) -> np.ndarray | dict[str, np.ndarray]:
        """Copies of one column, or a dict of several (like ``AgentSet.get``)."""
        if isinstance(attr_names, str):
            return self.column(attr_names).copy()
        return {a: self.column(a).copy() for a in attr_names}

    def select(self, mask: np.ndarray | Callable[[ColumnAgents], np.ndarray]) -> list[AgentView]:
        """Views of the agents where ``mask`` (an (n,) bool array, or a function of the
        store returning one) is true. Meant for inspection of small groups."""
        if callable(mask):
            mask = mask(self)
        return [self.view_class(self, int(r)) for r in np.flatnonzero(mask)]

    def agg(self, attr_name: str, func: Callable[[np.ndarray], Any]) -> Any:
        return func(self.column(attr_name))

    def count_by(self, attr_name: str) -> dict[Any, int]:
        values, counts = np.unique(self.column(attr_name), return_counts=True)
        return {v.item(): int(c) for v, c in zip(values, counts, strict=True)}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({k: self.column(k).copy() for k in self.dtypes})

    @property
    def nbytes(self) -> int:
        return sum(arr.nbytes for arr in self._data.values())
