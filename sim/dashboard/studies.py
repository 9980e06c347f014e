"""A finished sweep or study directory, read for the Study page (no UI here).

What a directory may hold, and what the page shows of it:

- ``python -m sim.compare`` output: ``summary.md``, ``effects.csv`` (the headline
  effects table), ``municipal_final.parquet`` (maps of the paired differences per
  municipality), ``figures/*.png``;
- a claims report (``report.md``, ``claims.csv``, ``prim_boxes.csv``), where present.

Every part is optional; a directory with none of them is refused with a message saying
what was expected. The effects table and the maps use the comparison's own functions
(:func:`sim.tools.compare.effects_markdown`, :func:`sim.tools.compare.municipal_effects`),
so they read as in ``summary.md``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim import io
from sim.tools import compare

#: Files that make a directory a study, in the order the page lists them.
STUDY_FILES = ("summary.md", "effects.csv", "municipal_final.parquet", "report.md",
               "claims.csv", "prim_boxes.csv")
#: Map metrics of the study page: column of :func:`sim.tools.compare.municipal_effects`
#: -> (label, unit).
MAP_METRICS = {
    "population_diff_pct": ("Population difference", "% of baseline"),
    "qol_diff": ("QoL difference", "QoL points"),
}


class StudyError(ValueError):
    """The directory is not a study the page can show; the message says why."""


@dataclass
class Study:
    """The readable parts of a study directory (None where a file is absent)."""

    path: Path
    summary: str | None = None
    report: str | None = None
    effects: pd.DataFrame | None = None
    claims: pd.DataFrame | None = None
    prim_boxes: pd.DataFrame | None = None
    municipal: pd.DataFrame | None = None
    figures: list[Path] = field(default_factory=list)
    baseline: str = compare.BASELINE
    region: dict[str, Any] = field(default_factory=lambda: {"name": "korea"})

    @property
    def files(self) -> list[str]:
        return [name for name in STUDY_FILES if (self.path / name).exists()]

    def effects_markdown(self, lang: str = "en") -> str:
        """The headline effects, one row per condition, as in ``summary.md`` (in ``lang``)."""
        if self.effects is None or self.effects.empty:
            return "_No effects.csv in this directory._"
        return compare.effects_markdown(self.effects, lang=lang)

    def map_effects(self) -> pd.DataFrame:
        """Per condition and municipality: the final-year population (%) and QoL
        (points) difference against the baseline, mean over paired seeds."""
        if self.municipal is None:
            return pd.DataFrame()
        cols = list(self.municipal.columns)
        params = cols[cols.index("seed") + 1: cols.index("condition")] if {
            "seed", "condition"} <= set(cols) else []
        gathered = compare.Gathered(national=pd.DataFrame(), municipal=self.municipal,
                                    params=params, region={}, incomplete=[])
        return compare.municipal_effects(gathered, self.baseline)

    def map_table(self, condition: str, metric: str) -> pd.DataFrame:
        """``code``, ``name``, ``province``, ``value`` of one condition and map metric."""
        eff = self.map_effects()
        if eff.empty:
            return pd.DataFrame(columns=["code", "name", "province", "value"])
        sub = eff[eff["condition"] == condition]
        return sub.rename(columns={metric: "value"})[["code", "name", "province", "value"]]


def open_study(path: str | os.PathLike[str]) -> Study:
    """Read what ``path`` holds of a study.

    Raises:
        StudyError: not a directory, or none of :data:`STUDY_FILES` in it.
    """
    path = Path(path).expanduser()
    if not str(path).strip() or not path.is_dir():
        raise StudyError(f"{path}: no such directory")
    present = [name for name in STUDY_FILES if (path / name).exists()]
    if not present:
        raise StudyError(
            f"{path}: not a study directory: none of {', '.join(STUDY_FILES)} is there. "
            "Compare a sweep first: python -m sim.compare SWEEP_DIR")
    study = Study(path=path)
    try:
        study.summary = _text(path / "summary.md")
        study.report = _text(path / "report.md")
        study.effects = _csv(path / "effects.csv")
        study.claims = _csv(path / "claims.csv")
        study.prim_boxes = _csv(path / "prim_boxes.csv")
        if (path / "municipal_final.parquet").exists():
            study.municipal = io.read_parquet(path / "municipal_final.parquet")
    except (OSError, ValueError) as err:  # a truncated or foreign file
        raise StudyError(f"{path}: cannot read the study files: {err}") from err
    study.figures = sorted((path / "figures").glob("*.png")) if (path / "figures").is_dir() else []
    if study.summary:
        found = re.search(r"Baseline: `([^`]+)`", study.summary)
        if found:
            study.baseline = found.group(1)
    study.region = _region(path)
    return study


def _text(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def _csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.exists() else None


def _region(path: Path) -> dict[str, Any]:
    """The region of the study's runs (the first run manifest found), default Korea."""
    for manifest in _limited_glob(path, "run.json", depth=4):
        config = (io.read_manifest(manifest.parent) or {}).get("config", {})
        if "region" in config:
            return dict(config["region"])
    return {"name": "korea"}


def _limited_glob(root: Path, name: str, depth: int) -> Iterable[Path]:
    for level in range(depth + 1):
        yield from sorted(root.glob("/".join(["*"] * level + [name])))


def find_studies(roots: Sequence[str | os.PathLike[str]], depth: int = 3) -> list[Path]:
    """Study directories under ``roots`` (a root itself counts), at most ``depth``
    levels down, for the page's list."""
    found: list[Path] = []
    for root in roots:
        root = Path(root).expanduser()
        if not root.is_dir():
            continue
        for level in range(depth + 1):
            for d in sorted(root.glob("/".join(["*"] * level))) if level else [root]:
                if d.is_dir() and any((d / n).exists() for n in ("summary.md", "report.md")):
                    found.append(d.resolve())
    return list(dict.fromkeys(found))
