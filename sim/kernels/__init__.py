"""Numba kernels: pure functions over household and firm columns.

Each module is a set of ``@njit(cache=True)`` functions over arrays with a plain-Python
wrapper that allocates the outputs and picks the serial or the chunked parallel loop
(:mod:`sim.kernels.parallel`). Random numbers are hashed (:mod:`sim.kernels.rng`) and
turned into draws by :mod:`sim.kernels.sampling`. Importing a kernel module has no side
effects beyond compiling (or loading from the on-disk cache) on first call.
"""
