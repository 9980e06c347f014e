"""Serving the dashboard: Solara's Starlette app under uvicorn, set up for this project.

:func:`serve` is the only place that sets Solara's environment (it must be set before
``solara.server`` is imported, which reads it once):

- ``SOLARA_APP=sim.dashboard.app``, production mode (no dev reloader, minified assets,
  no call home to solara.dev), Solara's telemetry off;
- ``SOLARA_ASSETS_PROXY_CACHE_DIR``: a temporary directory composed at start from the
  installed asset sources (:func:`sim.dashboard.assets.compose`), so the browser needs
  nothing but this server;
- ``SIM_DASHBOARD_*``: this dashboard's options, read by :mod:`sim.dashboard.app`.

If an asset is in no source, Solara would fetch it from its CDN; when that cannot be
reached either, the page would stay blank, so :func:`serve` serves instead a page that
says what is missing and what to run (:func:`missing_assets_page`).

The Numba kernels are loaded (or compiled) before the server accepts connections, so
the first page does not wait for them.
"""

from __future__ import annotations

import html
import logging
import os
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Sequence
from pathlib import Path

from sim.dashboard import assets

log = logging.getLogger("sim.dashboard")


def environment(
    *, region: str = "korea", years: int | None = None, studies: Sequence[Path] = (),
    served: Path | None = None,
) -> dict[str, str]:
    """The environment :func:`serve` sets (a dict, so it can be checked without serving);
    ``served`` is the composed asset directory."""
    env = {
        "SOLARA_APP": "sim.dashboard.app",
        "SOLARA_MODE": "production",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SIM_DASHBOARD_REGION": region,
    }
    if years is not None:
        env["SIM_DASHBOARD_YEARS"] = str(years)
    if studies:
        env["SIM_DASHBOARD_STUDIES"] = os.pathsep.join(str(Path(p).resolve()) for p in studies)
    if served is not None:
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(Path(served).resolve())
    return env


#: Solara's default CDN (``SOLARA_ASSETS_CDN`` overrides it, as in Solara).
DEFAULT_CDN = "https://cdn.jsdelivr.net/npm/"


def cdn_reachable(spec: str, timeout: float = 3.0) -> bool:
    """Whether Solara's CDN answers for ``spec`` (so it can fetch what is missing)."""
    cdn = os.environ.get("SOLARA_ASSETS_CDN") or DEFAULT_CDN
    try:
        with urllib.request.urlopen(f"{cdn.rstrip('/')}/{spec}/package.json",
                                    timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def missing_assets_page(gone: Sequence[str], dirs: Sequence[Path]) -> str:
    """The page served in place of a blank one: what is missing and what to run."""
    items = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in gone)
    where = "".join(f"<li><code>{html.escape(str(d))}</code></li>" for d in dirs) or "<li>none</li>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Korea smart-city dashboard: assets missing</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:3em auto;line-height:1.5}}
code,pre{{background:#f3f3f3;padding:0 .2em}}</style></head>
<body class="missing-assets">
<h1>The dashboard cannot start its pages</h1>
<p>The browser files it needs (Solara's JavaScript and CSS assets) are missing, and the
CDN they would otherwise come from cannot be reached from this machine:</p>
<ul>{items}</ul>
<p>They normally come with the install, in the <code>solara-assets</code> package. To
get them, run one of these and then start <code>python -m sim.dashboard</code> again:</p>
<pre>pip install solara-assets           # or reinstall the project: pip install -e .
python -m sim.dashboard.assets      # fetches them with npm from the npm registry
python -m sim.dashboard.assets --check   # shows where each would come from</pre>
<p>Looked in:</p><ul>{where}</ul>
<p>See docs/dashboard.md, "Offline".</p>
</body></html>
"""


def serve(
    host: str = "127.0.0.1", port: int = 8765, *, region: str = "korea",
    years: int | None = None, studies: Sequence[Path] = (), asset_dir: Path | None = None,
    warm: bool = True,
) -> None:
    """Run the dashboard until interrupted. ``asset_dir``: serve the assets of this
    directory alone (default: :func:`sim.dashboard.assets.sources`)."""
    import uvicorn

    dirs = assets.sources(asset_dir)
    with tempfile.TemporaryDirectory(prefix="sim-dashboard-assets-") as served:
        gone = assets.compose(Path(served), dirs)
        if gone and not cdn_reachable(gone[0]):
            listed = ", ".join(gone)
            print(f"Korea smart-city dashboard: Solara's assets {listed} are in none of "
                  f"{', '.join(map(str, dirs))} and its CDN cannot be reached; serving a page "
                  "that says what to run (pip install solara-assets, or python -m "
                  f"sim.dashboard.assets) on http://{host}:{port}/", file=sys.stderr, flush=True)
            _serve_page(missing_assets_page(gone, dirs), host, port)
            return
        where = ("this server (" + ", ".join(map(str, dirs)) + ")" if not gone else
                 f"this server, and Solara's CDN for {', '.join(gone)}")
        env = environment(region=region, years=years, studies=studies, served=Path(served))
        os.environ.update(env)
        # harmless and printed at every start: Mesa 3.3.1's own hook-rule slip in
        # SolaraViz, and Solara's note that plain http (localhost) gets lax session cookies
        warnings.filterwarnings("ignore", message=".*found despite early return",
                                category=UserWarning)
        warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
        if warm:
            from sim.callbacks import warm_numba_cache

            t0 = time.perf_counter()
            warm_numba_cache()
            log.info("numba kernels ready in %.1f s", time.perf_counter() - t0)
        print(f"Korea smart-city dashboard on http://{host}:{port}/ (assets from {where})",
              file=sys.stderr, flush=True)
        # a string, so solara.server is imported now, after the environment is set
        uvicorn.run("solara.server.starlette:app", host=host, port=port, workers=1,
                    log_level="warning")


def _serve_page(page: str, host: str, port: int) -> None:
    """Serve ``page`` at every address (status 503) until interrupted."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    async def respond(request) -> HTMLResponse:
        return HTMLResponse(page, status_code=503)

    app = Starlette(routes=[Route("/{path:path}", respond)])
    uvicorn.run(app, host=host, port=port, workers=1, log_level="warning")
