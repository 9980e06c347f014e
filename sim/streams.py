"""Random streams of a run: one seed, one stream per process and year.

Every draw of a run comes from its seed through a :class:`numpy.random.SeedSequence`
keyed by (process, year): a NumPy generator for small per-municipality draws
(:meth:`Streams.rng`) and a 64-bit key for the counter-based draws of the household and
firm kernels (:meth:`Streams.key`, see :mod:`sim.kernels.rng`). Two runs with the same
seed therefore share their random numbers process by process and year by year (common
random numbers), and a process cannot shift another's draws by drawing more or fewer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.kernels.rng import stream_key

#: Stream number of each process (part of the SeedSequence key: never renumber).
STREAM_IDS = {
    "setup": 0, "policy": 1, "firms": 2, "labour": 3, "demography": 4, "migration": 5,
    "housing": 6, "observation": 7, "identity": 8, "tenure": 9,
}


@dataclass(frozen=True)
class Streams:
    """The random streams of one run (``seed``)."""

    seed: int

    def _sequence(self, process: str, year: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(STREAM_IDS[process], year))

    def key(self, process: str, year: int) -> np.uint64:
        """The uint64 key of ``process``'s counter-based draws in ``year``."""
        return stream_key(self._sequence(process, year))

    def identity_key(self) -> np.uint64:
        """The key of persistent per-agent traits (the same every year)."""
        return stream_key(np.random.SeedSequence(self.seed, spawn_key=(STREAM_IDS["identity"],)))

    def rng(self, process: str, year: int) -> np.random.Generator:
        """A NumPy generator for ``process`` in ``year`` (small, per-municipality draws)."""
        return np.random.default_rng(self._sequence(process, year))
