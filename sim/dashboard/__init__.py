"""The browser dashboard: ``python -m sim.dashboard [--port N] [--host H]``.

Two pages served by Solara: *Explore* runs a scenario next to its same-seed
``no_investment`` twin and shows Korea change year by year (a choropleth with Korean
and English names on hover, national series, the headline effects so far), with Mesa's
SolaraViz controls (Reset, play, Step and the model parameters); *Study* opens a
finished sweep or study directory (``python -m sim.compare`` output, and a claims
report where present) and browses its effects, maps, figures and claims.

Modules: :mod:`~sim.dashboard.runs` (the scenario-and-twin model, the control options
and map layers; no UI), :mod:`~sim.dashboard.studies` (reading a study directory),
:mod:`~sim.dashboard.figures` (the choropleth spec and the series figure),
:mod:`~sim.dashboard.app` (the Solara pages), :mod:`~sim.dashboard.server` (serving),
:mod:`~sim.dashboard.assets` (Solara's browser assets, served offline) and
:mod:`~sim.dashboard.names` (Korean names of the municipalities). Importing any of them
has no side effect; only :func:`sim.dashboard.server.serve` sets Solara's environment.
See docs/dashboard.md.
"""
