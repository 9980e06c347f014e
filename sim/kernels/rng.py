"""Counter-based random numbers keyed by what a draw is for and whom it belongs to.

Every random number of the household and firm kernels is a pure function of
(stream key, purpose, identity, index):

* the **stream key** is one process's key for one year, derived from the run seed
  (:class:`sim.streams.Streams`);
* the **purpose** names what the draws are for within that process (deaths, a birth,
  the employment test, the destination of a move, ...), a small constant of the kernel;
* the **identity** is the agent's stable id (``uid``): it does not depend on the agent's
  row, on the thread or on how many other agents were born, died or entered (new agents'
  ids are derived from their parents' or their cell, :func:`derive_ids`);
* the **index** numbers the draws of one agent for one purpose (a member of the
  household, a second try).

The hash is SplitMix64's finaliser (Steele, Lea & Flood 2014; bijective, passes BigCrush
on a counter), applied in three stages: ``P = mix(key ^ purpose * C1)`` (per purpose),
``A = mix(P + identity * C2)`` (per agent), ``mix(A + (index + 1) * C3)`` (per draw).
Each stage is a bijection of its varying input, so for one purpose and agent distinct
indices never give the same 64 bits, and for one purpose distinct agents never get the
same agent key; draws of different (purpose, identity, index) coincide only by chance,
with probability 2**-64 per pair (none in 10**7 draws, ``tests/test_rng.py``). The old
scheme hashed ``uid * 8 + draw`` and collided structurally once a draw number reached 8.

Because a draw belongs to (purpose, agent, index), two runs with the same seed give each
agent the same draws wherever their states agree (common random numbers), however their
populations differ elsewhere, and results do not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_C1 = np.uint64(0xD6E8FEB86659FD93)  # purpose multiplier
_C2 = np.uint64(0x9E3779B97F4A7C15)  # identity multiplier (the golden gamma)
_C3 = np.uint64(0xA0761D6478BD642F)  # index multiplier
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, inline="always")
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective, well-mixed 64-bit hash."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def purpose_key(key: np.uint64, purpose: int) -> np.uint64:
    """The key of one purpose's draws within a process-year stream ``key``."""
    return mix64(key ^ (np.uint64(purpose) * _C1))


@njit(cache=True, inline="always")
def agent_key(pkey: np.uint64, identity: np.uint64) -> np.uint64:
    """The key of one agent's draws for one purpose (``pkey`` from :func:`purpose_key`)."""
    return mix64(pkey + identity * _C2)


@njit(cache=True, inline="always")
def bits53(akey: np.uint64, index: int) -> np.uint64:
    """53 random bits, an integer in [0, 2**53), for draw ``index`` of an agent key.

    ``uniform(a, i) < p`` exactly when ``bits53(a, i) < ceil(p * 2**53)``; kernels that
    compare with a fixed table of probabilities use the integer form.
    """
    return mix64(akey + (np.uint64(index) + _ONE) * _C3) >> _S11


@njit(cache=True, inline="always")
def uniform(akey: np.uint64, index: int) -> float:
    """A uniform in [0, 1) for draw ``index`` of an agent key."""
    return float(bits53(akey, index)) * _INV53


@njit(cache=True, inline="always")
def draw64(akey: np.uint64, index: int) -> np.uint64:
    """All 64 bits of draw ``index`` (new identities, the collision tests)."""
    return mix64(akey + (np.uint64(index) + _ONE) * _C3)


_LOW32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_INV32 = 1.0 / 4294967296.0  # 2**-32


@njit(cache=True, inline="always")
def uniform_pair(akey: np.uint64, index: int) -> tuple[float, float]:
    """Two uniforms in [0, 1) with 32 bits each, the halves of draw ``index``: for event
    probabilities far above 2**-32 (deaths, births, employment), one hash instead of two."""
    h = draw64(akey, index)
    return float(h >> _S32) * _INV32, float(h & _LOW32) * _INV32


@njit(cache=True)
def derive_ids(key: np.uint64, purpose: int, sources: np.ndarray) -> np.ndarray:
    """(K,) int64 identities of new agents, one per source identity (K,) int64/uint64.

    A new household's id is derived from its parent's id (or an immigrant's from its
    arrival slot, a new firm's from its cell and slot) and the year's key, so it does not
    depend on how many other agents were created before it. The top bit is set, so
    derived ids never equal the start population's ids (0 .. N-1).
    """
    pkey = purpose_key(key, purpose)
    out = np.empty(sources.shape[0], dtype=np.int64)
    top = np.uint64(1) << np.uint64(62)
    for i in range(sources.shape[0]):
        h = draw64(agent_key(pkey, np.uint64(sources[i])), 0)
        out[i] = np.int64((h >> np.uint64(2)) | top)
    return out


@njit(cache=True)
def uniforms(key: np.uint64, purpose: int, identities: np.ndarray, index: int = 0) -> np.ndarray:
    """(K,) float64 uniforms, draw ``index`` of ``purpose`` for each identity (K,)."""
    pkey = purpose_key(key, purpose)
    out = np.empty(identities.shape[0])
    for i in range(identities.shape[0]):
        out[i] = uniform(agent_key(pkey, np.uint64(identities[i])), index)
    return out


@njit(cache=True)
def agent_keys(key: np.uint64, purpose: int, identities: np.ndarray) -> np.ndarray:
    """(K,) uint64 agent keys of ``purpose`` for identities (K,) (draws then by index)."""
    pkey = purpose_key(key, purpose)
    out = np.empty(identities.shape[0], dtype=np.uint64)
    for i in range(identities.shape[0]):
        out[i] = agent_key(pkey, np.uint64(identities[i]))
    return out


def stream_key(seed_sequence: np.random.SeedSequence) -> np.uint64:
    """A 64-bit stream key derived from a numpy SeedSequence (one per process and year)."""
    return np.uint64(seed_sequence.generate_state(1, dtype=np.uint64)[0])
