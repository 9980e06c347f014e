"""Golden outputs: a fixed set of runs whose tables must not change by accident.

A refactoring that claims "no behaviour change" (issue 21) is checked against these
numbers: every output column recorded here must come out identical, bit for bit, on the
machine that recorded them (same CPU flags, NumPy and Numba), and within 1e-9 relative
elsewhere (float sums may round differently on another CPU's vector unit). Columns that
a change *adds* are allowed; a column that goes missing or changes fails.

When a change is meant to alter behaviour (a new mechanism), regenerate and commit the
file in the same commit, saying why::

    python tests/golden.py --write

The cases cover both regions, the 2018 programmes, the brief's combined package (block
grants, operation, a research centre) and a 2015 start.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

GOLDEN_FILE = Path(__file__).with_name("golden.json")

#: name -> Hydra overrides. Small and quick: the whole set runs in well under a minute.
CASES: dict[str, list[str]] = {
    "synthetic_no_investment": [
        "region=synthetic", "region.n_municipalities=12", "region.seed=1", "run.scale=20",
        "run.years=4", "run.seed=3", "scenario=no_investment"],
    "synthetic_brief_combined": [
        "region=synthetic", "region.n_municipalities=12", "region.seed=1", "run.scale=20",
        "run.years=4", "run.seed=3", "scenario=brief_combined"],
    "synthetic_tech_city_sceptic": [
        "region=synthetic", "region.n_municipalities=12", "region.seed=1", "run.scale=20",
        "run.years=4", "run.seed=3", "scenario=tech_city", "beliefs=sceptic"],
    "korea_status_quo_2018": [
        "region=korea", "run.scale=400", "run.years=3", "run.seed=1",
        "scenario=status_quo_2018"],
    "korea_brief_combined": [
        "region=korea", "run.scale=400", "run.years=3", "run.seed=1",
        "scenario=brief_combined"],
    "korea_trouble_shooter_2015": [
        "region=korea", "run.scale=400", "run.years=3", "run.seed=2", "run.start_year=2015",
        "scenario=trouble_shooter", "behaviour=calibrated_trends"],
}
COMMON = ["run.progress=false", "run.plots=false"]


def fingerprint() -> str:
    """What bit-for-bit equality of float outputs depends on: CPU features, the
    numerical libraries and the Python version."""
    flags = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = line
                break
    except OSError:
        pass
    parts = [platform.machine(), platform.python_version(), flags,
             *(f"{p}={metadata.version(p)}" for p in ("numpy", "numba", "pandas"))]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _digest(values: np.ndarray) -> str:
    if values.dtype == object:
        data = "\x1f".join(map(str, values)).encode()
    else:
        data = np.ascontiguousarray(values).tobytes()
    return hashlib.sha256(data).hexdigest()[:24]


def summarize(frame: pd.DataFrame) -> dict[str, dict]:
    """Per column: a digest of its exact bytes and, for numbers, the sum and sum of
    squares (NaN ignored) for the tolerant comparison."""
    out = {}
    for col in frame.columns:
        v = frame[col].to_numpy()
        entry = {"digest": _digest(v), "dtype": str(v.dtype)}
        if v.dtype != object and v.dtype.kind in "fiub":
            x = v.astype(float)
            entry["sum"] = float(np.nansum(x))
            entry["sumsq"] = float(np.nansum(x * x))
            entry["nan"] = int(np.isnan(x).sum())
        out[col] = entry
    return out


#: Overrides added to every case (``--with``): e.g. to show that a new mechanism, switched
#: off, leaves every output as it was.
EXTRA: list[str] = []


def run_case(overrides: list[str]) -> dict[str, dict]:
    from sim.config import make_config
    from sim.model import SmartCityModel

    model = SmartCityModel(make_config([*overrides, *COMMON, *EXTRA]))
    try:
        model.run()
        return {"national": summarize(model.records.national_frame()),
                "municipal": summarize(model.records.municipal_frame())}
    finally:
        model.release()


def compute(cases: dict[str, list[str]] = CASES) -> dict:
    return {"fingerprint": fingerprint(),
            "cases": {name: run_case(overrides) for name, overrides in cases.items()}}


def compare(golden: dict, now: dict) -> list[str]:
    """Differences between a recorded and a fresh computation, as readable lines."""
    exact = golden["fingerprint"] == now["fingerprint"]
    problems = []
    for name, tables in golden["cases"].items():
        for table, columns in tables.items():
            fresh = now["cases"][name][table]
            for col, ref in columns.items():
                got = fresh.get(col)
                where = f"{name}/{table}/{col}"
                if got is None:
                    problems.append(f"{where}: column missing")
                elif exact:
                    if got["digest"] != ref["digest"]:
                        problems.append(f"{where}: not bit-for-bit identical "
                                        f"(sum {ref.get('sum')} -> {got.get('sum')})")
                elif "sum" in ref:
                    for key in ("sum", "sumsq"):
                        a, b = ref[key], got.get(key, np.nan)
                        if not np.isclose(a, b, rtol=1e-9, atol=1e-12):
                            problems.append(f"{where}: {key} {a!r} -> {b!r}")
                    if ref["nan"] != got.get("nan"):
                        problems.append(f"{where}: NaN count {ref['nan']} -> {got.get('nan')}")
                elif got["digest"] != ref["digest"]:
                    problems.append(f"{where}: strings differ")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record the golden file anew")
    parser.add_argument("--with", dest="extra", nargs="*", default=[],
                        help="overrides added to every case (compare only)")
    args = parser.parse_args(argv)
    if args.extra and args.write:
        parser.error("--with is for comparing, not recording")
    EXTRA[:] = args.extra
    now = compute()
    if args.write:
        GOLDEN_FILE.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN_FILE}")
        return 0
    problems = compare(json.loads(GOLDEN_FILE.read_text()), now)
    print("\n".join(problems) or "identical")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
