"""``python -m sim.bench [options]``: speed, memory and precision benchmarks (the tool is
:mod:`sim.tools.bench`)."""

from sim.tools.bench import main

if __name__ == "__main__":
    main()
