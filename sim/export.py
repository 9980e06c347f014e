"""``python -m sim.export DIR``: a finished run's (or a sweep's) municipal results with their
boundaries as GeoPackage and GeoParquet, in ``DIR/gis/`` (what is written: :mod:`sim.gis`).

    python -m sim.export RUN_DIR                      # one run: gis/run_<year>.gpkg, ...
    python -m sim.export SWEEP_DIR --format gpkg      # a sweep: gis/comparison_<year>.gpkg
    python -m sim.export RUN_DIR --year 2035          # another year than the last
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sim import gis, io


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.export",
        description="Write a finished run's (or a sweep's) municipal results with their "
        "boundaries as GeoPackage and GeoParquet into DIR/gis/ (EPSG:5179; English and "
        "Korean names).")
    parser.add_argument("run_dir", type=Path, metavar="DIR",
                        help="a run directory, or a sweep's folder of runs")
    parser.add_argument("--format", choices=sorted(gis.FORMATS), action="append",
                        help="gpkg or parquet (default: both)")
    parser.add_argument("--year", type=int, help="the year to export (default: the last)")
    parser.add_argument("--baseline", default="no_investment",
                        help="a sweep's baseline scenario, for the effects layer")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    formats = tuple(args.format or gis.FORMATS)
    try:
        if io.is_complete(args.run_dir):
            paths = gis.export_run(args.run_dir, formats=formats, year=args.year)
        elif args.run_dir.is_dir():
            from sim.tools.compare import export_gis

            paths = export_gis(args.run_dir, year=args.year, baseline=args.baseline,
                               formats=formats)
        else:
            raise gis.ExportError(f"{args.run_dir}: not a directory")
    except ValueError as err:  # ExportError, CompareError, RegionDataError
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
