"""Numba kernels: pure functions over household and firm columns.

Each module is a set of ``@njit(cache=True)`` functions over arrays with a plain-Python
wrapper that allocates the outputs and picks the serial or the chunked parallel loop
(:mod:`sim.kernels.parallel`). Random numbers are hashed (:mod:`sim.kernels.rng`) and
turned into draws by :mod:`sim.kernels.sampling`. Importing a kernel module has no side
effects beyond compiling (or loading from the on-disk cache) on first call, and one
code-generation setting made here for the whole process (:func:`keep_selects`).
"""

import platform

import llvmlite.binding as llvm


def keep_selects() -> None:
    """Tell LLVM's x86 back end to keep conditional moves as they are.

    The kernels are written without branches on random outcomes (``a if test else b``
    with a random ``test``), but LLVM's "cmov converter" turns such selects inside loops
    back into branches when it guesses they are predictable; over households they are
    not, and each mispredicted branch costs more than the draw. Measured on this 2-core
    EPYC at 1:1 (23 M households): the felt-benefit count 0.29 -> 0.10 s, serial. The
    setting changes the machine code only, never a result (a select and a branch
    compute the same value). It applies to code compiled after it, in this process,
    and only on x86 (where the option exists).
    """
    if platform.machine().lower() in ("x86_64", "amd64"):
        llvm.set_option("", "--x86-cmov-converter=false")


keep_selects()
