"""Solara's browser assets, cached locally so the dashboard works without a CDN.

A Solara page loads its JavaScript and CSS from ``/_solara/cdn/<npm package>@<version>/
<file>`` on the local server, but that route is a proxy: on a miss it fetches the file
from ``cdn.jsdelivr.net``. Without access to that CDN the page stays blank. The files
are plain npm packages, so this module fills Solara's cache directory (layout
``<dir>/<npm spec>/<file path in the package>``) with ``npm pack`` from the npm
registry, and the server points Solara at it (``SOLARA_ASSETS_PROXY_CACHE_DIR``).

    python -m sim.dashboard.assets            # fill the default cache (needs npm)
    python -m sim.dashboard.assets DIR        # or another directory
    python -m sim.dashboard.assets --check    # say whether the cache is complete

The cache directory is ``$SIM_SOLARA_ASSETS`` if set, else
``$XDG_CACHE_HOME/korea-smartcity-sim/solara-cdn`` (``~/.cache/...``). With no complete
cache the dashboard falls back to Solara's normal behaviour (the CDN, with internet).
The package versions are read from the installed Solara's own templates, so an upgrade
of Solara asks for the matching files.
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
from importlib import util
from pathlib import Path

#: Environment variable naming the cache directory.
ENV = "SIM_SOLARA_ASSETS"

#: Where each npm spec is referenced in the installed solara package (file relative to
#: the package, and a regex whose group 1 is the spec), and the spec to use if the file
#: no longer names it. One entry per asset the dashboard's pages load.
_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("server/templates/solara.html.j2", r"\{\{cdn\}\}/(requirejs@[^/]+)/", "requirejs@2.3.6"),
    ("server/settings.py", r'"/(font-awesome@[^/]+)/', "font-awesome@4.5.0"),
    ("widgets/vue/gridlayout.vue", r"/(@widgetti/vue-grid-layout@[^/]+)/",
     "@widgetti/vue-grid-layout@2.3.13-alpha.2"),
    ("components/markdown.py", r"/(mermaid@[^/]+)/", "mermaid@10.8.0"),
    ("components/markdown.py", r"/(katex@[^/]+)/", "katex@0.16.9"),
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


class AssetError(RuntimeError):
    """The cache cannot be filled (no npm, no registry); the message says what to do."""


def default_dir() -> Path:
    """``$SIM_SOLARA_ASSETS``, else the user cache directory."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "korea-smartcity-sim" / "solara-cdn"


def _solara_dir() -> Path:
    spec = util.find_spec("solara")
    if spec is None or spec.origin is None:
        raise AssetError("solara is not installed (pip install -e .)")
    return Path(spec.origin).parent


def _vuetify_major() -> int:
    from importlib import metadata

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


def missing(cache_dir: Path | None = None) -> list[str]:
    """The required specs that ``cache_dir`` (default :func:`default_dir`) lacks."""
    cache_dir = Path(cache_dir or default_dir())
    return [s for s in required() if not (cache_dir / s / "package.json").is_file()]


def is_complete(cache_dir: Path | None = None) -> bool:
    return not missing(cache_dir)


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
    todo = missing(cache_dir)
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


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.dashboard.assets",
                                description="Fill the local cache of Solara's browser assets "
                                "from the npm registry, so the dashboard needs no CDN.")
    p.add_argument("dir", nargs="?", type=Path, help=f"cache directory (default {default_dir()})")
    p.add_argument("--check", action="store_true", help="only report what is missing")
    args = p.parse_args(argv)
    cache_dir = args.dir or default_dir()
    if args.check:
        gone = missing(cache_dir)
        print(f"{cache_dir}: " + ("complete" if not gone else f"missing {', '.join(gone)}"))
        return 1 if gone else 0
    try:
        fill(cache_dir)
    except AssetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(cache_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
