"""Study: every named scenario x 10 seeds on Korea, compared with ``no_investment``.

    python experiments/compare_policies/run.py            # ~100 runs, default scale
    python experiments/compare_policies/run.py --quick    # a two-minute trial

Writes runs, ``comparison.parquet``, ``effects.csv``, ``figures/`` and ``summary.md``
into ``multirun/compare_policies`` (``--sweep-dir``). See README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402


def main() -> None:
    p = common.parser("compare_policies", __doc__.splitlines()[0], seeds=10)
    p.add_argument("--scenarios", help="comma-separated subset (default: all in configs/scenario)")
    args, extra = p.parse_known_args()
    scenarios = args.scenarios.split(",") if args.scenarios else common.options("scenario")
    if "no_investment" not in scenarios:
        scenarios.insert(0, "no_investment")  # the baseline every effect is measured against
    common.multirun([f"scenario={','.join(scenarios)}", common.seeds(args)], args, extra)


if __name__ == "__main__":
    main()
