"""The golden runs (tests/golden.py) give the recorded outputs: a refactoring changes no
number, bit for bit on the recording machine, within 1e-9 elsewhere."""

from __future__ import annotations

import json

import golden
import pytest


@pytest.mark.slow
def test_outputs_match_the_golden_record() -> None:
    recorded = json.loads(golden.GOLDEN_FILE.read_text())
    assert set(recorded["cases"]) == set(golden.CASES), \
        "tests/golden.json and golden.CASES disagree: run `python tests/golden.py --write`"
    problems = golden.compare(recorded, golden.compute())
    assert not problems, "outputs changed:\n" + "\n".join(problems[:40])


def test_compare_finds_a_changed_and_a_missing_column() -> None:
    ref = {"fingerprint": "a", "cases": {"c": {"national": {
        "x": {"digest": "1", "sum": 1.0, "sumsq": 1.0, "nan": 0},
        "y": {"digest": "2", "sum": 2.0, "sumsq": 4.0, "nan": 0}}}}}
    same_machine = {"fingerprint": "a", "cases": {"c": {"national": {
        "x": {"digest": "9", "sum": 1.0, "sumsq": 1.0, "nan": 0}}}}}
    other_machine = {"fingerprint": "b", "cases": {"c": {"national": {
        "x": {"digest": "9", "sum": 1.0 + 1e-13, "sumsq": 1.0, "nan": 0},
        "y": {"digest": "8", "sum": 2.1, "sumsq": 4.0, "nan": 0}}}}}
    found = golden.compare(ref, same_machine)
    assert any("x: not bit-for-bit" in p for p in found)
    assert any("y: column missing" in p for p in found)
    found = golden.compare(ref, other_machine)
    assert found == ["c/national/y: sum 2.0 -> 2.1"]
