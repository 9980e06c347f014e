"""How much of a claim's verdict in one world is the seed's: the study's paired
differences set beside the noise floor (worlds that differ only by their seed).

    python experiments/brief_claims/run.py --worlds 10 --space configs/study/noise_floor.yaml \\
        --sweep-dir multirun/brief_claims_noise
    python experiments/brief_claims/noise.py multirun/brief_claims multirun/brief_claims_noise

Writes ``noise.csv`` (and ``noise.md``) into the study directory: per claim and year, the
sd of the paired difference ``a - b`` over seeds at fixed assumptions (``seed_sd``) and
over the study's worlds (``world_sd``), their ratio, and the shares of worlds where the
claim holds or fails by more than 1.96 seed sds (beyond what the seed alone could give)
and where it is within the noise (``share_within_noise``). A claim whose worlds are
mostly within the noise is decided by the draws, not by the assumptions.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT / "experiments", ROOT):  # this checkout's sim and the study's modules
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from brief_claims.analysis import contrasts  # noqa: E402
from sim.tools.claims import CLAIMS  # noqa: E402


def noise_table(study: pd.DataFrame, floor: pd.DataFrame, years, claims=CLAIMS) -> pd.DataFrame:
    """One row per claim and year (see the module docstring)."""
    rows = []
    for year in years:
        for c in claims:
            s, f = contrasts(study, c, year), contrasts(floor, c, year)
            if not len(s) or len(f) < 3:
                continue
            seed_sd = float(f["diff"].astype(float).std(ddof=1))
            world_sd = float(s["diff"].astype(float).std(ddof=1))
            signed = c.sign * s["diff"].astype(float).to_numpy()
            band = 1.96 * seed_sd
            rows.append({
                "claim": c.label, "outcome": c.metric, "year": int(year), "unit": c.unit,
                "seed_sd": seed_sd, "world_sd": world_sd,
                "world_to_seed_sd": world_sd / seed_sd if seed_sd > 0 else math.inf,
                "share_holds_beyond_noise": float(np.mean(signed > band)),
                "share_fails_beyond_noise": float(np.mean(signed < -band)),
                "share_within_noise": float(np.mean(np.abs(signed) <= band)),
                "floor_share_holds": float(f["holds"].mean()), "n_worlds": len(s), "n_seeds": len(f),
            })
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    lines = ["| claim | year | seed sd | world sd | holds beyond noise | fails beyond noise | within noise |",
             "|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.claim} | {r.year} | {r.seed_sd:.3g} {r.unit} | {r.world_sd:.3g} | "
                     f"{r.share_holds_beyond_noise:.0%} | {r.share_fails_beyond_noise:.0%} | "
                     f"{r.share_within_noise:.0%} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("study", type=Path, help="the study's sweep directory")
    ap.add_argument("floor", type=Path, help="the noise-floor study's sweep directory")
    args = ap.parse_args(argv)
    study = pd.read_parquet(args.study / "outcomes.parquet")
    floor = pd.read_parquet(args.floor / "outcomes.parquet")
    years = sorted(set(study["year"]) & set(floor["year"]))
    table = noise_table(study, floor, years)
    table.to_csv(args.study / "noise.csv", index=False)
    (args.study / "noise.md").write_text(markdown(table))
    print(markdown(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
