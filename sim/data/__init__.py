"""Regions: the shipped Korea census table, its builder, and the synthetic region.

:func:`load_region` is the one way to get a :class:`~sim.data.region.Region` for a
region's config (``cfg.region``, from ``configs/region/<name>.yaml``): a data folder of
the package (``region.data``) or a generator (``region.generator``). No code compares a
region's name: what a region is, is in its config file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.data.region import Region, RegionDataError, load_data, load_korea
from sim.data.synthetic import make_synthetic

#: Generators of regions that are made, not read (``region.generator``).
GENERATORS: dict[str, Callable[..., Region]] = {"synthetic": make_synthetic}


def load_region(region: Any, *, n_municipalities: int | None = None,
                seed: int | None = None) -> Region:
    """The region of a region config (``cfg.region``, or
    ``sim.config.region_config("korea")`` for an option of ``configs/region/`` by name);
    ``n_municipalities`` and ``seed`` override a generator's settings.

    Raises:
        RegionDataError: an unknown generator or a missing or damaged data folder.
    """
    if region.generator:
        make = GENERATORS.get(region.generator)
        if make is None:
            raise RegionDataError(f"region.generator={region.generator!r}: allowed "
                                  f"{sorted(GENERATORS)}")
        n = region.n_municipalities if n_municipalities is None else n_municipalities
        out = make(n, seed=region.seed if seed is None else seed)
    else:
        out = load_data(region.data)
    out.name = region.name
    return out


__all__ = ["GENERATORS", "Region", "RegionDataError", "load_data", "load_korea", "load_region",
           "make_synthetic"]
