"""Solara's browser assets, served by the dashboard itself so that it works offline.

A Solara page loads its JavaScript and CSS from ``/_solara/cdn/<npm package>@<version>/
<file>`` on the local server, and that route is a proxy: on a miss it fetches the file
from a CDN (``cdn.jsdelivr.net``), so without internet the page stays blank. The files
are npm packages. They come with the install: the ``solara-assets`` package (PyPI; a
dependency of this project) installs them under ``<prefix>/share/solara/cdn``, in the
layout Solara's proxy uses (``<dir>/<npm spec>/<file path in the package>``).

That package may lag Solara (its last release on PyPI is older than Solara's), and the
installed Solara names some packages by major version only (``vega@5``), so at start
the server *composes* the directory it serves (:func:`compose`): for each package the
pages load (:func:`required`, read from the installed Solara) a link to the first
source that has it, the exact version or, for ``name@5``, the newest ``name@5.x.y``.
The sources, in order: ``$SIM_SOLARA_ASSETS`` or the user cache
(``$XDG_CACHE_HOME/korea-smartcity-sim/solara-cdn``), where

    python -m sim.dashboard.assets            # fill the user cache from npm
    python -m sim.dashboard.assets DIR        # or another directory
    python -m sim.dashboard.assets --check    # say what the dashboard would serve

puts packages fetched with ``npm pack`` (for a Solara newer than ``solara-assets``),
then the ``solara-assets`` directory. ``python -m sim.dashboard --assets DIR`` serves
``DIR`` alone. What no source has, the server cannot serve offline: it then serves a
page that says so and what to run (:mod:`sim.dashboard.server`), never a blank page.

The dashboard's pages load the page bundle, RequireJS, Font Awesome and Vega (the map and
series); they do not use Solara's Markdown component, which would also load KaTeX and
Mermaid (:func:`sim.dashboard.app.markdown`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from importlib import metadata, util
from pathlib import Path

#: Environment variable naming the npm-filled cache directory.
ENV = "SIM_SOLARA_ASSETS"

#: Where each npm spec is referenced in the installed solara package (file relative to
#: the package, and a regex whose group 1 is the spec), and the spec to use if the file
#: no longer names it. One entry per package the dashboard's pages load.
_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("server/templates/solara.html.j2", r"\{\{cdn\}\}/(requirejs@[^/]+)/", "requirejs@2.3.6"),
    ("server/settings.py", r'"/(font-awesome@[^/]+)/', "font-awesome@4.5.0"),
    ("widgets/vue/vegalite.vue", r"/(vega@[^/]+)/", "vega@5"),
    ("widgets/vue/vegalite.vue", r"/(vega-lite@[^/]+)/", "vega-lite@5"),
    ("widgets/vue/vegalite.vue", r"/(vega-embed@[^/]+)/", "vega-embed@6"),
)
#: The page bundle depends on the installed ipyvuetify: 1.x (vuetify 2) or 3.x.
_BUNDLES = {
    2: (r"\{\{cdn\}\}/(@widgetti/solara-vuetify-app@[^/]+)/", "@widgetti/solara-vuetify-app@10.1.1"),
    3: (r"\{\{cdn\}\}/(@widgetti/solara-vuetify3-app@[^/]+)/", "@widgetti/solara-vuetify3-app@5.2.0"),
}
#: Top-level folders of the npm packages that the browser never asks for.
_PRUNE = ("src", "docs", "test", "tests", "bin", "types", "contrib-src")
#: The PyPI package that ships Solara's assets, and its folder of them.
BUNDLED = "solara-assets"
_BUNDLED_DIR = "share/solara/cdn"


class AssetError(RuntimeError):
    """The cache cannot be filled (no npm, no registry); the message says what to do."""


def default_dir() -> Path:
    """The npm-filled cache: ``$SIM_SOLARA_ASSETS``, else the user cache directory."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "korea-smartcity-sim" / "solara-cdn"


def bundled_dir() -> Path | None:
    """Where the installed ``solara-assets`` put its files (``<prefix>/share/solara/cdn``,
    wherever the install scheme put ``<prefix>``), or None if it is not installed."""
    try:
        files = metadata.distribution(BUNDLED).files or []
    except metadata.PackageNotFoundError:
        return None
    for f in files:
        posix = f.as_posix()
        if f"{_BUNDLED_DIR}/" in posix:
            here = Path(os.path.normpath(f.locate()))
            root = here.parents[len(Path(posix.split(f"{_BUNDLED_DIR}/", 1)[1]).parts) - 1]
            return root if root.is_dir() else None
    return None


def sources(asset_dir: Path | None = None) -> list[Path]:
    """The directories the dashboard's assets are looked up in, in order: ``asset_dir``
    alone if given, else the npm-filled cache (:func:`default_dir`) then the installed
    ``solara-assets``."""
    if asset_dir is not None:
        return [Path(asset_dir)]
    bundled = bundled_dir()
    return [default_dir(), *([bundled] if bundled else [])]


def _solara_dir() -> Path:
    spec = util.find_spec("solara")
    if spec is None or spec.origin is None:
        raise AssetError("solara is not installed (pip install -e .)")
    return Path(spec.origin).parent


def _vuetify_major() -> int:
    try:
        return 3 if int(metadata.version("ipyvuetify").split(".")[0]) >= 3 else 2
    except metadata.PackageNotFoundError:
        return 2


def required() -> list[str]:
    """The npm specs (``name@version``) the dashboard's pages load, as the installed
    Solara names them."""
    root = _solara_dir()
    pattern, fallback = _BUNDLES[_vuetify_major()]
    specs = [_find(root / "server/templates/solara.html.j2", pattern, fallback)]
    specs += [_find(root / rel, rx, fb) for rel, rx, fb in _SOURCES]
    return list(dict.fromkeys(specs))


def _find(path: Path, pattern: str, fallback: str) -> str:
    try:
        found = re.search(pattern, path.read_text(encoding="utf-8"))
    except OSError:
        found = None
    return found.group(1) if found else fallback


def _version(text: str) -> tuple[int, ...] | None:
    """(major, minor, patch) of a plain release ``X.Y.Z``; None for anything else."""
    return tuple(int(p) for p in text.split(".")) if re.fullmatch(r"\d+\.\d+\.\d+", text) else None


def locate(spec: str, source: Path) -> Path | None:
    """The folder of ``spec`` in ``source``: the exact ``name@version``, or, for a spec
    naming a major version only (``vega@5``, as a CDN resolves it), the newest plain
    ``name@5.y.z`` release there. None if it has none (or only a partial one)."""
    exact = source / spec
    if (exact / "package.json").is_file():
        return exact
    name, _, wanted = spec.rpartition("@")
    if not wanted.isdigit():
        return None
    parent = (source / name).parent
    prefix = f"{Path(name).name}@"
    found = []
    if parent.is_dir():
        for d in parent.glob(f"{prefix}*"):
            version = _version(d.name[len(prefix):])
            if version and version[0] == int(wanted) and (d / "package.json").is_file():
                found.append((version, d))
    return max(found)[1] if found else None


def missing(dirs: Sequence[Path] | Path | None = None) -> list[str]:
    """The required specs that none of ``dirs`` (default :func:`sources`) has."""
    dirs = sources() if dirs is None else [dirs] if isinstance(dirs, str | Path) else dirs
    return [s for s in required() if not any(locate(s, Path(d)) for d in dirs)]


def is_complete(dirs: Sequence[Path] | Path | None = None) -> bool:
    return not missing(dirs)


def compose(target: Path, dirs: Sequence[Path] | None = None) -> list[str]:
    """Make ``target`` the directory Solara serves its assets from: one symbolic link
    per required spec, to its folder in the first of ``dirs`` (default :func:`sources`)
    that has it. Returns the specs no source has (the browser would miss them)."""
    dirs = sources() if dirs is None else dirs
    target.mkdir(parents=True, exist_ok=True)
    gone = []
    for spec in required():
        found = next((f for d in dirs if (f := locate(spec, Path(d)))), None)
        if found is None:
            gone.append(spec)
            continue
        link = target / spec
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            if link.resolve() == found.resolve():
                continue
            if link.is_symlink():
                link.unlink()
            else:
                shutil.rmtree(link)
        link.symlink_to(found.resolve(), target_is_directory=True)
    return gone


def fill(cache_dir: Path | None = None, *, npm: str | None = None, quiet: bool = False) -> Path:
    """Download every missing package with ``npm pack`` and unpack it into ``cache_dir``.

    Raises:
        AssetError: npm is missing or a package cannot be fetched.
    """
    cache_dir = Path(cache_dir or default_dir())
    npm = npm or shutil.which("npm")
    if not npm:
        raise AssetError("npm not found: install Node.js/npm (Debian: apt-get install npm), "
                         "or copy a filled cache directory here from another machine")
    todo = [s for s in required() if not (cache_dir / s / "package.json").is_file()]
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec in todo:
            if not quiet:
                print(f"npm pack {spec}", file=sys.stderr)
            proc = subprocess.run([npm, "pack", "--silent", spec], cwd=tmp, capture_output=True,
                                  text=True, timeout=600)
            lines = proc.stdout.strip().splitlines()
            if proc.returncode != 0 or not lines:
                raise AssetError(f"npm pack {spec} failed: {proc.stderr.strip()[-500:]}")
            _unpack(Path(tmp) / lines[-1].strip(), cache_dir / spec)
    return cache_dir


def _unpack(tgz: Path, target: Path) -> None:
    """Unpack an npm tarball (its files under ``package/``) into ``target``, atomically
    (a half-unpacked package would be taken for a complete one)."""
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if len(parts) < 2 or ".." in parts or not member.isfile():
                continue  # regular files only, never outside the target
            rel = Path(*parts[1:])
            if rel.parts[0] in _PRUNE and len(rel.parts) > 1 or rel.suffix == ".map":
                continue
            dest = staging / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is not None:
                with source, open(dest, "wb") as out:
                    shutil.copyfileobj(source, out)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def describe(dirs: Sequence[Path] | None = None) -> str:
    """Where each required spec would be served from, one line each."""
    dirs = sources() if dirs is None else dirs
    lines = []
    for spec in required():
        found = next((f for d in dirs if (f := locate(spec, Path(d)))), None)
        lines.append(f"{spec}: {found if found else 'MISSING'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.dashboard.assets",
                                description="Fill a local cache of Solara's browser assets "
                                "from the npm registry (only needed where the installed "
                                "solara-assets package lacks some), or check what the "
                                "dashboard would serve.")
    p.add_argument("dir", nargs="?", type=Path, help=f"cache directory (default {default_dir()})")
    p.add_argument("--check", action="store_true",
                   help="only report where each asset would come from and what is missing")
    args = p.parse_args(argv)
    if args.check:
        dirs = [args.dir] if args.dir else sources()
        print(describe(dirs))
        gone = missing(dirs)
        print("complete" if not gone else f"missing {', '.join(gone)}")
        return 1 if gone else 0
    cache_dir = args.dir or default_dir()
    try:
        fill(cache_dir)
    except AssetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(cache_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
