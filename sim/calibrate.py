"""``python -m sim.calibrate [options]``: calibrate behaviour on the census 2010->2015
(the tool is :mod:`sim.tools.calibrate`)."""

import sys

from sim.tools.calibrate import main

if __name__ == "__main__":
    sys.exit(main())
