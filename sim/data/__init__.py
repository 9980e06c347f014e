"""Regions: the shipped Korea census table, its builder, and the synthetic region.

:func:`load_region` is the one way to get a :class:`~sim.data.region.Region` by name.
"""

from __future__ import annotations

from sim.data.region import Region, RegionDataError, load_korea
from sim.data.synthetic import make_synthetic

REGIONS = ("korea", "synthetic")


def load_region(name: str, *, n_municipalities: int = 30, seed: int = 0) -> Region:
    """Load a region by name: "korea" (shipped census data) or "synthetic" (generated,
    ``n_municipalities`` places laid out from ``seed``)."""
    if name == "korea":
        return load_korea()
    if name == "synthetic":
        return make_synthetic(n_municipalities, seed=seed)
    raise RegionDataError(f"unknown region {name!r}; allowed: {', '.join(map(repr, REGIONS))}")


__all__ = ["REGIONS", "Region", "RegionDataError", "load_korea", "load_region", "make_synthetic"]
