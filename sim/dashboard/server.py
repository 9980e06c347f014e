"""Serving the dashboard: Solara's Starlette app under uvicorn, set up for this project.

:func:`serve` is the only place that sets Solara's environment (it must be set before
``solara.server`` is imported, which reads it once):

- ``SOLARA_APP=sim.dashboard.app``, production mode (no dev reloader, minified assets,
  no call home to solara.dev), Solara's telemetry off;
- ``SOLARA_ASSETS_PROXY_CACHE_DIR``: the local asset cache
  (:mod:`sim.dashboard.assets`) when it is complete, so the browser needs nothing but
  this server; otherwise Solara fetches its assets from the CDN as usual;
- ``SIM_DASHBOARD_*``: this dashboard's options, read by :mod:`sim.dashboard.app`.

The Numba kernels are loaded (or compiled) before the server accepts connections, so
the first page does not wait for them.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

from sim.dashboard import assets

log = logging.getLogger("sim.dashboard")


def environment(
    *, region: str = "korea", years: int | None = None, studies: Sequence[Path] = (),
    asset_dir: Path | None = None,
) -> dict[str, str]:
    """The environment :func:`serve` sets (a dict, so it can be checked without serving)."""
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
    cache = Path(asset_dir) if asset_dir else assets.default_dir()
    if assets.is_complete(cache):
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(cache.resolve())
    return env


def serve(
    host: str = "127.0.0.1", port: int = 8765, *, region: str = "korea",
    years: int | None = None, studies: Sequence[Path] = (), asset_dir: Path | None = None,
    warm: bool = True,
) -> None:
    """Run the dashboard until interrupted."""
    env = environment(region=region, years=years, studies=studies, asset_dir=asset_dir)
    os.environ.update(env)
    # harmless and printed at every start: Mesa 3.3.1's own hook-rule slip in SolaraViz,
    # and Solara's note that plain http (localhost) gets lax session cookies
    warnings.filterwarnings("ignore", message=".*found despite early return", category=UserWarning)
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    if "SOLARA_ASSETS_PROXY_CACHE_DIR" in env:
        where = f"local asset cache {env['SOLARA_ASSETS_PROXY_CACHE_DIR']}"
    else:
        cache = asset_dir or assets.default_dir()
        where = (f"Solara's CDN (cdn.jsdelivr.net; no complete asset cache in {cache}: "
                 "run `python -m sim.dashboard.assets` to work offline)")
    if warm:
        from sim.callbacks import warm_numba_cache

        t0 = time.perf_counter()
        warm_numba_cache()
        log.info("numba kernels ready in %.1f s", time.perf_counter() - t0)
    import uvicorn  # after the environment: solara.server reads it on import

    print(f"Korea smart-city dashboard on http://{host}:{port}/ (assets: {where})",
          file=sys.stderr, flush=True)
    uvicorn.run("solara.server.starlette:app", host=host, port=port, workers=1,
                log_level="warning")
