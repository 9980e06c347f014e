"""The Mesa releases the project runs on, and how it imports Mesa, in one place.

Python 3.11 resolves Mesa 3.3 (and ema_workbench 2.5); Python 3.12 and newer resolve Mesa
3.5 or a newer 3.x (and ema_workbench 3.0), which need Python 3.12 (pyproject.toml). The
code uses the API both accept where there is one (``mesa.Model(rng=seed)``, which is
``seed=`` on Mesa 3.3 and not deprecated on 3.4+) and the feature tests below where
there is none.

:data:`mesa` is Mesa imported without a side effect on the process: Mesa 3.3's
``mesa.batchrunner``, which ``import mesa`` imports, switches the whole process's
multiprocessing start method to ``spawn`` when imported (Mesa 3.4+ does it only inside
``batch_run``). Importing a module of this package must change nothing in the process
(docs/architecture.md), so every sim module imports Mesa from here, which puts back the
start method the process had (tests/test_architecture.py checks both). A process that
imported Mesa itself before keeps what Mesa set.
"""

from __future__ import annotations

import inspect
import multiprocessing
from collections.abc import Sequence
from typing import Any


def _import_mesa():
    before = multiprocessing.get_start_method(allow_none=True)
    import mesa as module

    if multiprocessing.get_start_method(allow_none=True) != before:
        multiprocessing.set_start_method(before, force=True)  # None: the platform default
    return module


mesa = _import_mesa()

#: Mesa's version as a tuple of ints, e.g. (3, 5, 1).
MESA_VERSION: tuple[int, ...] = tuple(int(p) for p in mesa.__version__.split(".")[:3]
                                      if p.isdigit())


class ScenarioKeyword:
    """Mixin for a ``mesa.Model`` whose keyword ``scenario`` names the policy scenario
    (:class:`~sim.model.SmartCityModel`, the dashboard's run).

    Mesa 3.4+ gives every model a ``scenario`` attribute (a
    ``mesa.experimental.scenarios.Scenario``), and the Reset of its SolaraViz controls
    passes that object back to the model as the keyword ``scenario``, in place of the
    control's value. With this mixin the model keeps Mesa's object as ``mesa_scenario``
    and shows none as ``scenario``, so Reset passes the scenario chosen, as on Mesa 3.3.
    """

    @property
    def scenario(self) -> None:
        return None

    @scenario.setter
    def scenario(self, value: Any) -> None:
        self.__dict__["mesa_scenario"] = value


def batch_run(model_cls: type, parameters: dict[str, Any], seeds: Sequence[int],
              **kwargs: Any) -> list[dict[str, Any]]:
    """``mesa.batch_run`` of every combination of ``parameters`` once per seed in ``seeds``,
    on either Mesa: 3.4+ takes the seeds as ``rng=[...]`` and passes each to the model as
    ``seed`` (overwriting a ``"seed"`` in ``parameters``); Mesa 3.3 has no ``rng`` and
    takes them as a parameter. ``kwargs`` go to ``mesa.batch_run`` as they are."""
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        return mesa.batch_run(model_cls, parameters, rng=list(seeds), **kwargs)
    return mesa.batch_run(model_cls, {**parameters, "seed": list(seeds)}, **kwargs)


__all__ = ["mesa", "MESA_VERSION", "ScenarioKeyword", "batch_run"]
