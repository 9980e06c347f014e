"""The Mesa model: builds the world from a region, and steps a schedule of processes.

State lives in arrays: per-municipality tables of shape (M, ...) on the model, and the
household and firm columns in :class:`~sim.agents.columns.ColumnAgents`. Municipalities
are Mesa agents over their rows. ``step()`` is only the schedule; each process is a
module of :mod:`sim.processes` and each hot loop a Numba kernel of :mod:`sim.kernels`.

Randomness: one run seed. Each process draws from its own stream, derived from
``SeedSequence(seed, spawn_key=(process, year))``, so two runs with the same seed share
their random numbers process by process and year by year (common random numbers).
"""

from __future__ import annotations

import time
from collections import defaultdict

import mesa
import numpy as np

from sim.agents.firms import firm_store, job_shares, synthesize_firms
from sim.agents.households import (
    elderly_share_by_municipality,
    household_store,
    synthesize_households,
)
from sim.agents.municipality import Municipality
from sim.config import SimConfig
from sim.data.region import SECTORS, Region, load_region
from sim.kernels.households import N_TYPES
from sim.kernels.rng import stream_key
from sim.processes import demography, firms, housing, labour, migration, observation, policy, world

#: The schedule of one simulated year, in order (MODEL.md, "Process").
SCHEDULE = (
    ("policy", policy),
    ("firms", firms),
    ("labour", labour),
    ("demography", demography),
    ("migration", migration),
    ("housing", housing),
    ("observation", observation),
)
_STREAM_IDS = {
    "setup": 0, "policy": 1, "firms": 2, "labour": 3, "demography": 4, "migration": 5,
    "housing": 6, "observation": 7, "identity": 8,
}


class SmartCityModel(mesa.Model):
    """Households, firms and municipalities of a region responding to a policy scenario.

    Args:
        cfg: the validated configuration (see :mod:`sim.config`).
        region: the region to run on; loaded from ``cfg.region`` when omitted.
    """

    def __init__(self, cfg: SimConfig, region: Region | None = None):
        super().__init__(seed=cfg.run.seed)
        t0 = time.perf_counter()
        self.cfg = cfg
        self.params = cfg.behaviour
        self.region = region or load_region(
            cfg.region.name, n_municipalities=cfg.region.n_municipalities, seed=cfg.region.seed
        )
        self.scale = float(cfg.run.scale)
        self.seed = int(cfg.run.seed)
        self.start_year = int(cfg.run.start_year)
        self.year = self.start_year
        self.timings: dict[str, list[float]] = defaultdict(list)

        table = self.region.table
        self.n_munis = m = self.region.n
        self.distance_km = self.region.distance_km
        self.province_code = table["province_code"].to_numpy()
        self.same_province = self.province_code[:, None] == self.province_code[None, :]
        self.capital_region = table["capital_region"].to_numpy(dtype=bool)
        self.is_gun = (table["kind"] == "gun").to_numpy()
        self.jeonbuk = (table["province_code"] == 35).to_numpy()

        self.municipalities = Municipality.create_agents(
            self, m, index=list(range(m)), row=table.to_dict("records")
        )
        self.municipalities_list = list(self.municipalities)

        rng = self.stream_rng("setup")
        y = self.start_year
        self.households = household_store(self)
        cols = synthesize_households(
            table[f"pop_{y}"].to_numpy(dtype=float),
            table[f"households_{y}"].to_numpy(dtype=float),
            elderly_share_by_municipality(table, y),
            self.scale,
            rng,
        )
        self.households.append(**cols)
        self.hh_spawn = np.zeros(self.households.capacity, dtype=np.uint8)

        # Labour force and jobs at the start: heads under 65 employed at the initial rate.
        econ = self.params.economy
        young = np.bincount(cols["muni"], weights=cols["age"] < 65, minlength=m)
        grdp = world.grdp_by_sector(table, y)
        self.job_share0 = job_shares(grdp)
        jobs0 = econ.employment_rate * young[:, None] * self.job_share0
        self.firms = firm_store(self)
        self.firms.append(**synthesize_firms(world.firm_counts(table, y), jobs0, grdp, self.scale, rng))

        # Per-municipality state (M, ...).
        self.services_base = world.base_services(table, y)
        self.policy_services = np.zeros_like(self.services_base)  # added by smart assets
        self.tech_shift = np.zeros((m, len(SECTORS)))  # productivity spill-over, log points/yr
        self.attachment = np.zeros(m)  # lower propensity to leave (co-designed services)
        self.investment_krw = np.zeros(m)  # this year's national + local investment
        self.investment_total_krw = np.zeros(m)
        self.jobs = jobs0.copy()
        self.output = grdp / self.scale
        self.labour_force0 = np.maximum(young, 1)
        self.tightness0 = self.jobs.sum(axis=1) / self.labour_force0
        self.productivity0 = _national_productivity(self.output, self.jobs)
        self.wage = labour.wages(self)
        self.employment_rate = np.full(m, econ.employment_rate)
        self.mean_wage_by_muni = (self.wage * self.job_share0).sum(axis=1)
        self.price = world.initial_price_index(table, y, self.mean_wage_by_muni)
        self.price0 = self.price.copy()
        is_parent_age = (cols["age"] >= 20) & (cols["age"] < 45)
        parents = np.bincount(cols["muni"], weights=is_parent_age, minlength=m)
        self.fertility_index = world.fertility_index(
            table, self.start_year, parents, self.params.demography.local_fertility
        )
        self.housing_units = world.housing_units(table, y, table[f"households_{y}"].to_numpy(float))
        self.housing_completions = world.housing_pipeline(table, y)  # dwellings a year
        self.network = np.zeros((m, m))  # decayed stock of earlier movers, origin x destination
        self.flows_persons = np.zeros((m, m), dtype=np.int64)  # last year's moves
        self.flows_hh = np.zeros((m, m), dtype=np.int64)
        self.qol = np.zeros((m, 3))  # set by refresh_qol once households are aggregated
        self.births = np.zeros(m, dtype=np.int64)
        self.deaths = np.zeros(m, dtype=np.int64)
        self.immigrants = np.zeros(m, dtype=np.int64)  # persons from abroad this year
        self.income_cuts0: np.ndarray | None = None

        labour.step(self)  # incomes and household types at the start
        self.aggregates = observation.aggregate_households(self)
        self.refresh_qol()
        hh = self.households
        ac = (hh.age >= 40).astype(np.int64) + (hh.age >= 65)
        hh.qol_start[:] = self.qol[hh.muni, ac]
        self.aggregates["felt_persons"] = observation.count_felt_benefit(self)  # 0 at the start
        self.persons0 = self.persons.copy()
        self.demand_persons_prev = self.persons.astype(float)  # firms' local demand
        self.vacancy0 = world.vacancy_rate(table, y)  # share of dwellings empty at the start
        self.vacant = self.vacancy0 * self.housing_units  # empty dwellings
        self.households_housed = self.households_count * self.scale  # occupying dwellings
        self.units_counted = self.housing_units.copy()  # dwellings already counted in vacant
        self.occupancy_prev = (  # housing: households per dwelling last year
            self.households_count * self.scale / np.maximum(self.housing_units, 1.0)
        )
        self.amenity = np.zeros(m)
        if self.params.migration.equilibrium_start:
            migration.equilibrium_amenities(self)
        self.policy = policy.make_engine(self)
        self.records = observation.Recorder()
        self.records.record(self)
        self.timings["build"].append(time.perf_counter() - t0)

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One simulated year: policy, firms, labour, demography, migration, housing, observation."""
        self.year += 1
        for name, process in SCHEDULE:
            t0 = time.perf_counter()
            process.step(self)
            self.timings[name].append(time.perf_counter() - t0)

    # ---------------------------------------------------------------- randomness
    def _seed_sequence(self, process: str) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(_STREAM_IDS[process], self.year))

    def stream_key(self, process: str) -> np.uint64:
        """The uint64 key of ``process``'s counter-based draws this year."""
        if process == "identity":  # persistent per-agent traits: the same every year
            return stream_key(np.random.SeedSequence(self.seed, spawn_key=(_STREAM_IDS[process],)))
        return stream_key(self._seed_sequence(process))

    def stream_rng(self, process: str) -> np.random.Generator:
        """A NumPy generator for ``process`` this year (small, per-municipality draws)."""
        return np.random.default_rng(self._seed_sequence(process))

    # ------------------------------------------------------------ derived state
    @property
    def households_by_type(self) -> np.ndarray:
        return self.aggregates["households_by_type"]

    @property
    def persons(self) -> np.ndarray:
        """(M,) persons in agent units (multiply by ``scale`` for real people)."""
        return self.aggregates["persons_by_type"].sum(axis=1)

    @property
    def households_count(self) -> np.ndarray:
        return self.aggregates["households_by_type"].sum(axis=1)

    def service_levels(self) -> np.ndarray:
        """(M, 6) service levels, 0-100: census base plus what smart assets add."""
        return np.clip(self.services_base + self.policy_services, 0, 100)

    def refresh_qol(self) -> None:
        """QoL (M, 3) by age class of the head, from services, jobs and housing (0-100)."""
        q = self.params.qol
        services = self.service_levels() @ np.asarray(q.service_weights).T  # (M, 3)
        pop = np.maximum(self.persons, 1)
        # A place without jobs (possible in tiny worlds) gets the floor of 0, not -inf.
        earnings = np.maximum(self.employment_rate * self.mean_wage_by_muni, 1e-9)
        jobs = np.clip(50 + 50 * np.log(earnings / np.average(earnings, weights=pop)), 0, 100)
        house = np.clip(50 - 50 * np.log(self.price / np.average(self.price, weights=pop)), 0, 100)
        w = q.component_weights
        self.qol = w[0] * services + (w[1] * jobs + w[2] * house)[:, None]
        by_class = self.aggregates["persons_by_type"].reshape(self.n_munis, 3, 3).sum(axis=2)
        self.qol_mean = (self.qol * by_class).sum(axis=1) / np.maximum(by_class.sum(axis=1), 1)

    def release(self) -> None:
        """Let this finished model be garbage-collected once the caller drops it.

        Mesa 3.3.1 keeps every model alive in the class-level ``Agent._ids`` counter table
        (mesa/mesa#3179, fixed upstream after 3.3.1), so loops that build many models
        (sweeps, calibration) grow without bound unless each model is released. Call it
        only when no more agents will be created for this model.
        """
        release(self)

    def run(self, years: int | None = None, progress: bool = False) -> None:
        """Step ``years`` times (default ``cfg.run.years``), with an optional progress bar."""
        years = self.cfg.run.years if years is None else years
        steps = range(years)
        if progress:
            from tqdm.auto import tqdm

            steps = tqdm(steps, desc="simulated years", unit="yr")
        for _ in steps:
            self.step()


def release(model: mesa.Model) -> None:
    """Drop Mesa 3.3.1's class-level reference to a finished ``model`` (see
    :meth:`SmartCityModel.release`); works for any ``mesa.Model``."""
    getattr(mesa.Agent, "_ids", {}).pop(model, None)


def _national_productivity(output: np.ndarray, jobs: np.ndarray) -> np.ndarray:
    return output.sum(axis=0) / np.maximum(jobs.sum(axis=0), 1e-9)


__all__ = ["SmartCityModel", "SCHEDULE", "N_TYPES"]
