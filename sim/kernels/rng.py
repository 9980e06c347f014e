"""Counter-based random numbers for the household and firm kernels.

A uniform for household ``uid`` in a process-year is a hash of (stream key, uid, draw),
not the next number of a sequential generator. Three things follow, all wanted:

* results do not depend on the number of threads or on how the loop is split;
* two runs with the same seed give the same household the same draw wherever their
  states agree (common random numbers for scenario comparison), even after the runs'
  populations have diverged elsewhere;
* no random array of the population's size is allocated per step.

The hash is SplitMix64's finaliser (Steele, Lea & Flood 2014), which passes BigCrush
when applied to a counter.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, inline="always")
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective, well-mixed 64-bit hash."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def bits53(key: np.uint64, uid: np.uint64, draw: np.uint64) -> np.uint64:
    """The 53 random bits behind :func:`uniform`, an integer in [0, 2**53).

    ``uniform(k, u, d) < p`` exactly when ``bits53(k, u, d) < ceil(p * 2**53)``; kernels
    that compare with a fixed table of probabilities use the integer form.
    """
    return mix64(key + _GOLDEN * (uid * np.uint64(8) + draw + np.uint64(1))) >> _S11


@njit(cache=True, inline="always")
def uniform(key: np.uint64, uid: np.uint64, draw: np.uint64) -> float:
    """A uniform in [0, 1) for (stream ``key``, agent ``uid``, ``draw`` number)."""
    return float(bits53(key, uid, draw)) * _INV53


def stream_key(seed_sequence: np.random.SeedSequence) -> np.uint64:
    """A 64-bit stream key derived from a numpy SeedSequence (one per process and year)."""
    return np.uint64(seed_sequence.generate_state(1, dtype=np.uint64)[0])
