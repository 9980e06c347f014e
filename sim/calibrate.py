"""``python -m sim.calibrate [options]``: calibrate behaviour on the census 2010->2015
(the TPE search and amenity trends: :mod:`sim.tools.calibrate`; ``--abc N``, the
ABC posterior sample: :mod:`sim.tools.abc`; ``--history N``, Bayesian history matching
with Gaussian-process emulators: :mod:`sim.tools.history`; ``--default-from SETS.csv``,
the closest of a table of accepted sets made the default behaviour)."""

import sys


def _given(flag: str) -> bool:
    return any(a == flag or a.startswith(flag + "=") for a in sys.argv[1:])


if __name__ == "__main__":
    if _given("--abc") and _given("--history"):
        sys.exit("error: --abc and --history are two methods; give one")
    if _given("--default-from") and (_given("--abc") or _given("--history")):
        sys.exit("error: --default-from only writes --out from sets already accepted; "
                 "give it without --abc or --history")
    if _given("--default-from"):
        from sim.tools.history import default_main as main
    elif _given("--history"):
        from sim.tools.history import main
    elif _given("--abc"):
        from sim.tools.abc import main
    else:
        from sim.tools.calibrate import main
    sys.exit(main())
