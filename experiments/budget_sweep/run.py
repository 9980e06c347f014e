"""Study: effect against ``no_investment`` as a function of the national budget.

    python experiments/budget_sweep/run.py                       # status_quo_2018, 6 budgets x 5 seeds
    python experiments/budget_sweep/run.py --scenario trouble_shooter --budgets 1e11,1e12
    python experiments/budget_sweep/run.py --quick

Two launches into one sweep directory: the baseline (``no_investment``, budget 0) for
every seed, then the scenario at every budget for the same seeds; the comparison pairs
each run with the baseline run of its seed. See README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402

BUDGETS = "1e11,2.5e11,5e11,1e12,2e12,4e12"  # KRW a year; the default budget is 5e11


def main() -> None:
    p = common.parser("budget_sweep", __doc__.splitlines()[0], seeds=5)
    p.add_argument("--scenario", default="status_quo_2018", help="scenario whose budget varies")
    p.add_argument("--budgets", default=BUDGETS, help=f"KRW a year, comma-separated ({BUDGETS})")
    args, extra = p.parse_known_args()
    if args.scenario not in common.options("scenario"):
        p.error(f"--scenario {args.scenario}: not in configs/scenario ({common.options('scenario')})")
    budgets = args.budgets if not args.quick else "1e11,1e12"
    common.multirun(["scenario=no_investment", "budget.annual_krw=0", common.seeds(args)],
                    args, extra, compare=False)
    common.multirun([f"scenario={args.scenario}", f"budget.annual_krw={budgets}",
                     common.seeds(args)], args, extra)


if __name__ == "__main__":
    main()
