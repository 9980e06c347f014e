"""``python -m sim.compare SWEEP_DIR``: compare a sweep's scenarios with paired seeds
(the tool is :mod:`sim.tools.compare`)."""

import sys

from sim.tools.compare import main

if __name__ == "__main__":
    sys.exit(main())
