"""The slow, obviously-correct reference: one plain Mesa agent per household.

The fast path (:func:`sim.kernels.migration.migrate`) moves millions of households with
alias tables and hashed random numbers. This module applies the *same* migration rule the
way a textbook Mesa model would: a :class:`mesa.Agent` per household whose ``step()``
looks up its move probability, draws ``rng.random() < p`` and, if it moves, draws its
destination with ``rng.choice(M, p=dest[o, t])``. It shares nothing with the kernel but
the tables of :meth:`sim.model.SmartCityModel.choice_tables`, so agreement between the two
(destination shares, mover rate, mean distance; ``tests/test_reference.py``) checks the
alias tables, the hashed draws and the flow bookkeeping; and its speed is the baseline of
``python -m sim.bench``.

Random numbers come from the reference model's own NumPy generator, so the two paths
agree in distribution, not draw by draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.compat import mesa
from sim.processes.migration import TENURE_BIN


class ReferenceHousehold(mesa.Agent):
    """One household as a Python object: where it lives, its type, tenure and size."""

    def __init__(self, model: ReferenceModel, muni: int, htype: int, tenure: int, size: int):
        super().__init__(model)
        self.muni = muni
        self.htype = htype
        self.tenure = tenure
        self.size = size

    def step(self) -> None:
        """Decide whether to move this year and, if so, where (the kernel's rule)."""
        model = self.model
        o, t = self.muni, self.htype
        p = model.move_prob[o, t, TENURE_BIN[self.tenure]]
        if model.rng.random() < p:
            d = int(model.rng.choice(model.n_munis, p=model.dest[o, t]))
            self.muni = d
            self.tenure = 0
            model.flows_hh[o, d] += 1
            model.flows_persons[o, d] += self.size


class ReferenceModel(mesa.Model):
    """Households as Mesa agents, stepped with ``agents.do("step")``.

    Args:
        muni, htype, tenure, size: (N,) household columns (any integer dtypes).
        move_prob: (M, T, B) float64 move probabilities.
        dest: (M, T, M) float64 destination probabilities, rows summing to 1.
        seed: seed of the model's generator (``self.rng``).
    """

    def __init__(
        self,
        muni: np.ndarray,
        htype: np.ndarray,
        tenure: np.ndarray,
        size: np.ndarray,
        move_prob: np.ndarray,
        dest: np.ndarray,
        seed: int = 0,
    ):
        super().__init__(rng=seed)
        self.move_prob = move_prob
        self.dest = dest
        self.n_munis = dest.shape[0]
        for o, t, b, s in zip(muni.tolist(), htype.tolist(), tenure.tolist(), size.tolist(), strict=True):
            ReferenceHousehold(self, o, t, b, s)
        self.flows_hh = np.zeros((self.n_munis, self.n_munis), dtype=np.int64)
        self.flows_persons = np.zeros((self.n_munis, self.n_munis), dtype=np.int64)

    def step(self) -> None:
        """One migration round; flows are counted afresh each step."""
        self.flows_hh[:] = 0
        self.flows_persons[:] = 0
        self.agents.do("step")
        for agent in self.agents:  # tenure: one more year at home for everyone
            if agent.tenure < 255:
                agent.tenure += 1


@dataclass
class MigrationTables:
    """The tables both paths apply: (M, T, B) move and (M, T, M) destination probabilities."""

    move_prob: np.ndarray
    dest: np.ndarray


def tables_from_model(model) -> MigrationTables:
    """This year's migration tables of a :class:`~sim.model.SmartCityModel`."""
    move_prob, dest = model.choice_tables()
    return MigrationTables(move_prob, dest)


def reference_from_model(model, rows: np.ndarray | None = None, seed: int = 0) -> ReferenceModel:
    """A reference model over the households of ``model`` (all, or those at ``rows``)."""
    hh = model.households
    sel = slice(None) if rows is None else rows
    tables = tables_from_model(model)
    return ReferenceModel(
        hh.muni[sel], hh.htype[sel], hh.tenure[sel], hh.size[sel],
        tables.move_prob, tables.dest, seed=seed,
    )


def reference_migration_step(model, rows: np.ndarray | None = None, seed: int = 0) -> ReferenceModel:
    """Build the reference over ``model``'s households and run one migration step.

    The model itself is not changed. Returns the stepped reference (its ``flows_hh`` and
    ``flows_persons`` are (M, M) int64, origin x destination, diagonal = local moves).
    """
    ref = reference_from_model(model, rows, seed=seed)
    ref.step()
    return ref


def compare_flows(a: np.ndarray, b: np.ndarray, n: int, km: np.ndarray) -> dict[str, float]:
    """p-values of two-sample tests that two migration outcomes share one distribution.

    Args:
        a, b: (M, M) movers by origin and destination from ``n`` households each.
        km: (M, M) distances between municipalities.

    Returns:
        ``rate`` (two-proportion z test of the mover rate), ``destinations`` (chi-square
        of destination shares), ``origin_destination`` (chi-square over origin-destination
        cells with at least 10 movers in all), ``distance`` (z test of the mean distance
        moved, local moves counting 0 km), plus the two mover rates and mean distances.
    """
    moved_a, moved_b = int(a.sum()), int(b.sum())
    pooled = (moved_a + moved_b) / (2 * n)
    z_rate = (moved_a - moved_b) / n / np.sqrt(2 * pooled * (1 - pooled) / n)
    shares = np.stack([a.sum(axis=0), b.sum(axis=0)])
    shares = shares[:, shares.sum(axis=0) > 0]
    cells = np.stack([a.ravel(), b.ravel()])
    cells = cells[:, cells.sum(axis=0) >= 10]

    def mean_var(f: np.ndarray) -> tuple[float, float]:
        w = f.ravel() / f.sum()
        mu = float((w * km.ravel()).sum())
        return mu, float((w * (km.ravel() - mu) ** 2).sum())

    (mu_a, var_a), (mu_b, var_b) = mean_var(a), mean_var(b)
    z_dist = (mu_a - mu_b) / np.sqrt(var_a / moved_a + var_b / moved_b)
    return {
        "rate": float(2 * stats.norm.sf(abs(z_rate))),
        "destinations": float(stats.chi2_contingency(shares)[1]),
        "origin_destination": float(stats.chi2_contingency(cells)[1]),
        "distance": float(2 * stats.norm.sf(abs(z_dist))),
        "mover_rate_a": moved_a / n,
        "mover_rate_b": moved_b / n,
        "mean_km_a": mu_a,
        "mean_km_b": mu_b,
    }


__all__ = [
    "compare_flows",
    "MigrationTables",
    "ReferenceHousehold",
    "ReferenceModel",
    "reference_from_model",
    "reference_migration_step",
    "tables_from_model",
]
