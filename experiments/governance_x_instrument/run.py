"""Study: who decides (governance) x what is built (instrument), against ``no_investment``.

    python experiments/governance_x_instrument/run.py           # 3 x 5 grid x 5 seeds
    python experiments/governance_x_instrument/run.py --quick

The grid takes the targeting, lifecycle and budget of ``--scenario`` (default
``trouble_shooter``: need-based targeting, build-only) and replaces its governance and
instrument by every option in ``configs/governance`` and ``configs/instrument`` (except
``none``). The heat maps show the final-year effect of each cell. See README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402


def main() -> None:
    p = common.parser("governance_x_instrument", __doc__.splitlines()[0], seeds=5)
    p.add_argument("--scenario", default="trouble_shooter", help="scenario the grid is built on")
    p.add_argument("--governance", help="comma-separated (default: all options)")
    p.add_argument("--instrument", help="comma-separated (default: all options but none)")
    args, extra = p.parse_known_args()
    governance = args.governance or ",".join(common.options("governance"))
    instrument = args.instrument or ",".join(common.options("instrument", exclude=("none",)))
    if args.quick and not args.instrument:
        instrument = ",".join(instrument.split(",")[:2])
    common.multirun(["scenario=no_investment", common.seeds(args)], args, extra, compare=False)
    common.multirun([f"scenario={args.scenario}", f"governance={governance}",
                     f"instrument={instrument}", common.seeds(args)], args, extra)


if __name__ == "__main__":
    main()
