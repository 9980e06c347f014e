"""``python -m sim.validate [overrides]``: the calibrated baseline against the census out of
sample (a Hydra app; the tool is :mod:`sim.tools.validate`)."""

from sim.tools.validate import main

if __name__ == "__main__":
    main()
