"""Hangul in figures: a Korean font found at run time and used figure by figure.

Figures in Korean (``report.lang=ko``, ``--lang ko``) need a font with Hangul glyphs;
matplotlib's own DejaVu Sans has none and would draw empty boxes. :func:`find` looks,
in this order, for

1. the file named by the environment variable ``SIM_HANGUL_FONT`` (a .ttf/.otf/.ttc);
2. NanumGothic shipped inside the PyPI package ``koreanize-matplotlib`` (a dependency
   of this package, so a fresh ``pip install`` has it without any system font; the
   package's own module is never imported: importing it would change matplotlib's
   global settings, and it needs ``distutils``, which Python 3.12 no longer has);
3. system fonts: Debian's ``fonts-nanum`` (which CI installs), Noto Sans CJK
   (``fonts-noto-cjk``), macOS's Apple SD Gothic Neo and Windows' Malgun Gothic, by
   path, then any font matplotlib knows by a Korean family name;

and keeps the first file whose character map has the Hangul syllables. It registers
that file with matplotlib's font manager (once, when first asked, never at import) and
:func:`context` sets it as the font of the figures drawn inside it, with DejaVu Sans as
the fallback for the glyphs it lacks (the minus sign, ``≥``); nothing changes outside the
``with`` block. Without any such font, :func:`figure_lang` says so once (what to
install) and Korean figures are drawn in English: never with missing-glyph boxes.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("sim.fonts")

#: The environment variable naming a font file to use for Hangul.
ENV = "SIM_HANGUL_FONT"
#: The PyPI package whose NanumGothic is used when no file is named.
PYPI_PACKAGE = "koreanize_matplotlib"
PYPI_FILES = ("fonts/NanumGothic.ttf",)
#: Korean fonts of the common systems, by path.
SYSTEM_FILES = (
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",  # Debian/Ubuntu fonts-nanum
    "/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # fonts-noto-cjk
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch
    "/System/Library/Fonts/AppleSDGothicNeo.ttc",  # macOS
    "/Library/Fonts/AppleGothic.ttf",
    "C:/Windows/Fonts/malgun.ttf",  # Windows
)
#: Family names of Korean fonts matplotlib may know from the system's font folders.
KOREAN_FAMILIES = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR",
                   "Source Han Sans KR", "Malgun Gothic", "Apple SD Gothic Neo", "AppleGothic",
                   "UnDotum", "Baekmuk Gulim")
#: Characters a font must have to count: the first and last Hangul syllables and a few
#: common ones of the reports (인구, 시군구).
PROBE = "가힣인구시군"
#: The family before the Korean font (matplotlib's own), for the glyphs it lacks.
FALLBACK = "DejaVu Sans"

MISSING_MESSAGE = (
    "no font with Hangul was found, so Korean figures are drawn in English. Install one: "
    "`pip install koreanize-matplotlib` (a dependency of this package: reinstall it with "
    "`pip install -e .`), or Debian's `apt-get install fonts-nanum`, or name a .ttf/.otf "
    f"file in the environment variable {ENV}")


@dataclass(frozen=True)
class HangulFont:
    """A font file with Hangul, registered with matplotlib.

    Attributes:
        path: the font file.
        family: its family name (what matplotlib's ``font.family`` takes).
        source: where it was found ("SIM_HANGUL_FONT", "koreanize-matplotlib", "system").
    """

    path: Path
    family: str
    source: str


def covers_hangul(path: str | os.PathLike[str]) -> str | None:
    """The family name of the font file ``path`` if it has the Hangul of :data:`PROBE`,
    else None (also for a file that is missing or not a font)."""
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(str(path))
        charmap = font.get_charmap()
    except (OSError, RuntimeError, ValueError):
        return None
    return font.family_name if all(ord(c) in charmap for c in PROBE) else None


def candidates() -> Iterator[tuple[Path, str]]:
    """Font files to try, best first, with where each comes from."""
    named = os.environ.get(ENV)
    if named:
        yield Path(named), ENV
    spec = importlib.util.find_spec(PYPI_PACKAGE)  # finds, never imports, the package
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for rel in PYPI_FILES:
            yield Path(folder) / rel, "koreanize-matplotlib"
    for path in SYSTEM_FILES:
        yield Path(path), "system"
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if entry.name in KOREAN_FAMILIES:
            yield Path(entry.fname), "system"


@lru_cache(maxsize=1)
def find() -> HangulFont | None:
    """The first font with Hangul (see the module's doc), registered with matplotlib's
    font manager; None if there is none. Looked up once per process
    (``find.cache_clear()`` looks again)."""
    from matplotlib import font_manager

    named = os.environ.get(ENV)
    for path, source in candidates():
        if not path.is_file():
            if source == ENV:
                log.warning("%s=%s is not a file; looking further", ENV, named)
            continue
        family = covers_hangul(path)
        if family is None:
            if source == ENV:
                log.warning("%s=%s has no Hangul glyphs; looking further", ENV, named)
            continue
        known = {(e.fname, e.name) for e in font_manager.fontManager.ttflist}
        if (str(path), family) not in known:
            font_manager.fontManager.addfont(str(path))
        log.debug("Hangul font: %s (%s, from %s)", family, path, source)
        return HangulFont(path, family, source)
    return None


_warned = False


def figure_lang(lang: str) -> str:
    """The language figures can be drawn in: ``lang``, or ``"en"`` for Korean when no
    Hangul font is found (logged once, with what to install)."""
    global _warned
    if lang != "ko" or find() is not None:
        return lang
    if not _warned:
        log.warning(MISSING_MESSAGE)
        _warned = True
    return "en"


@contextlib.contextmanager
def context(lang: str) -> Iterator[str]:
    """Draw the figures made and saved inside the block in ``lang``'s font; yields the
    language the figures can use (:func:`figure_lang`). Only matplotlib's settings of
    the block change (``matplotlib.rc_context``)."""
    import matplotlib

    lang = figure_lang(lang)
    font = find() if lang == "ko" else None
    if font is None:
        yield lang
        return
    # DejaVu Sans first: Latin, digits and the minus sign of mathtext (log-axis ticks use
    # \mathdefault, which takes the first family and has no fallback; NanumGothic has no
    # U+2212); every Hangul glyph comes from the Korean font, matplotlib's per-glyph fallback
    with matplotlib.rc_context({"font.family": [FALLBACK, font.family]}):
        yield lang


__all__ = ["ENV", "HangulFont", "MISSING_MESSAGE", "context", "covers_hangul", "figure_lang",
           "find"]
