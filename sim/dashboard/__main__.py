"""``python -m sim.dashboard [--port N] [--host H]``: serve the dashboard (docs/dashboard.md)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m sim.dashboard",
        description="Serve the browser dashboard: choose a scenario and watch Korea change "
        "next to its no_investment twin (Explore), or browse a finished sweep or study "
        "(Study). Open the printed address in a browser.",
    )
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only; "
                   "0.0.0.0 for every interface)")
    p.add_argument("--studies", type=Path, action="append", default=[], metavar="DIR",
                   help="where the Study page looks for study directories (repeatable; "
                   "default ./multirun and ./outputs)")
    p.add_argument("--region", default="korea", choices=["korea", "synthetic"],
                   help="region of the Explore page (default korea)")
    p.add_argument("--years", type=int, default=None,
                   help="simulated years of a run (default: the config's run.years)")
    p.add_argument("--assets", type=Path, default=None, metavar="DIR",
                   help="serve Solara's browser assets from DIR alone (default: the "
                   "installed solara-assets package, after $SIM_SOLARA_ASSETS or the user "
                   "cache that python -m sim.dashboard.assets fills)")
    args = p.parse_args(argv)
    if not 1 <= args.port <= 65535:
        p.error(f"--port {args.port}: must be in 1-65535")
    if args.years is not None and args.years <= 0:
        p.error(f"--years {args.years}: must be positive")
    # this package's messages only: Solara and reacton log every render at INFO
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("sim").setLevel(logging.INFO)

    from sim.dashboard.server import serve

    try:
        serve(args.host, args.port, region=args.region, years=args.years,
              studies=args.studies, asset_dir=args.assets)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
