"""``python -m sim.calibrate [options]``: calibrate behaviour on the census 2010->2015
(the TPE search and amenity trends: :mod:`sim.tools.calibrate`; ``--abc N``, the
posterior sample: :mod:`sim.tools.abc`)."""

import sys

if __name__ == "__main__":
    if any(a == "--abc" or a.startswith("--abc=") for a in sys.argv[1:]):
        from sim.tools.abc import main
    else:
        from sim.tools.calibrate import main
    sys.exit(main())
