"""Wall time of each simulated year at scale 1 from a given census start, for a
side-by-side comparison of two checkouts (run it from each, alternating):

    PYTHONPATH=. python experiments/baseline/year_timing.py 2015
"""

import statistics
import sys
import time

from sim.config import make_config
from sim.model import SmartCityModel


def main() -> None:
    start = sys.argv[1] if len(sys.argv) > 1 else "2020"
    model = SmartCityModel(make_config(["run.scale=1", "run.years=8", "run.progress=false",
                                        "run.plots=false", f"run.start_year={start}"]))
    times = []
    for _ in range(8):
        t0 = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - t0)
    print(start, "median of years 2-8", round(statistics.median(times[1:]), 3), [round(x, 2) for x in times])


if __name__ == "__main__":
    main()
