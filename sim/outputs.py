"""The run's output tables, made from a small snapshot of each year.

The model hands the recorder one :class:`Snapshot` a year (built by
:func:`sim.schedule.snapshot` from the states that own each array); the recorder turns it
into one national row and one municipal frame, keeps the running discounted sums behind
``cost_effectiveness``, and is what both the parquet tables and Mesa's ``DataCollector``
read (:meth:`Recorder.datacollector`). It never sees a process's state or a household.

Column names that repeat over sectors, service domains and age classes are generated
from :mod:`sim.constants`, so a new sector or domain gets its columns without an edit
here; each column's label and unit is in :mod:`sim.catalogue`, its meaning in
docs/model.md section 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim import metrics
from sim.constants import AGE_CLASSES, SECTORS, SERVICE_DOMAINS, WELFARE_PARTS, by_age_class
from sim.policy.config import SPEND_ITEMS
from sim.world import World


def welfare_columns(parts: np.ndarray) -> dict[str, np.ndarray]:
    """The welfare output columns of ``parts`` (..., P) (the last axis in
    :data:`sim.constants.WELFARE_PARTS` order), without a suffix:
    ``welfare_earnings_krw`` (wage and jobs), ``welfare_services_krw`` and
    ``welfare_service_<domain>_krw``, ``welfare_other_krw``."""
    at = {name: k for k, name in enumerate(WELFARE_PARTS)}
    services = [parts[..., at[f"service_{d}"]] for d in SERVICE_DOMAINS]
    cols = {"welfare_earnings_krw": parts[..., at["wage"]] + parts[..., at["jobs"]],
            "welfare_services_krw": np.sum(services, axis=0)}
    for d, v in zip(SERVICE_DOMAINS, services, strict=True):
        cols[f"welfare_service_{d}_krw"] = v
    cols["welfare_other_krw"] = parts[..., at["other"]]
    return cols


@dataclass(frozen=True)
class Snapshot:
    """One year of what the outputs need (M municipalities, T household types, S
    sectors; agent units unless stated: the recorder multiplies by ``scale``).

    Attributes:
        year: the calendar year.
        households_by_type, persons_by_type, income_by_type: (M, T) from the observation
            (income in million KRW a year).
        felt_persons: (M,) persons who feel their place got better since the start.
        felt_loss_persons: (M,) persons who feel their place got worse since the start.
        qol: (M, 3) QoL by age class of the head; qol_mean: (M,) persons-weighted.
        flows_persons: (M, M) moves of the year in persons, origin x destination.
        jobs, output: (M, S) the firms' workers and value added (million KRW).
        firms: (M, S) firm agents by municipality and sector.
        wage, employment_rate, price: (M,) labour market and housing price index.
        services: (M, 6) service levels, 0-100.
        investment_krw, private_krw: (M,) public and private smart-city money, KRW.
        births, deaths, immigrants: (M,) the year's demographic events.
        welfare_krw: (M,) money-metric welfare change since the start, million KRW of the
            start year a year (agent units): the sum of ``welfare_parts``.
        welfare_parts: (M, P) the same by part (:data:`sim.constants.WELFARE_PARTS`).
        welfare_by_age: (M, 3) the same by age class of the head.
        welfare_households: (M,) the households it is summed over (agent units).
        welfare_income: (M,) the income it is measured on, million KRW of the start year a
            year (agent units): the start's mean income of each cell (municipality and
            household type) times its households now.
        housing_transfer: (M,) what occupants pay more for housing than at the start's
            prices, million KRW a year (agent units; owners receive it).
        flows_by_age: (P, P, 3) moving persons by origin province, destination province
            and age class of the head (None in the start year: no moves yet).
        local_operation_krw: (M,) operation of smart assets paid from local budgets after
            the national money stops, KRW (None: none).
        spend_krw: (M, I) ``investment_krw`` by what it was spent on
            (:data:`sim.policy.config.SPEND_ITEMS`), KRW (None: nothing spent).
    """

    year: int
    households_by_type: np.ndarray
    persons_by_type: np.ndarray
    income_by_type: np.ndarray
    felt_persons: np.ndarray
    felt_loss_persons: np.ndarray
    qol: np.ndarray
    qol_mean: np.ndarray
    flows_persons: np.ndarray
    jobs: np.ndarray
    output: np.ndarray
    firms: np.ndarray
    wage: np.ndarray
    employment_rate: np.ndarray
    price: np.ndarray
    services: np.ndarray
    investment_krw: np.ndarray
    private_krw: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    immigrants: np.ndarray
    welfare_krw: np.ndarray
    welfare_parts: np.ndarray
    welfare_by_age: np.ndarray
    welfare_households: np.ndarray
    welfare_income: np.ndarray
    housing_transfer: np.ndarray
    flows_by_age: np.ndarray | None = None
    local_operation_krw: np.ndarray | None = None
    spend_krw: np.ndarray | None = None


#: The groups of municipalities whose share of the public money every run reports
#: (``money_share_<group>``: cumulative since the start; ``money_share_province_<code>``
#: per province).
MONEY_GROUPS = ("capital_region", "noncapital", "gu", "si", "gun")


def money_shares(world: World, invested: np.ndarray) -> dict[str, float]:
    """Shares of the public money ``invested`` (M,) KRW by capital region / the rest,
    kind (gu, si, gun) and province (``province_<code>``); NaN while nothing is spent."""
    total = float(invested.sum())
    if total <= 0:
        share = {g: np.nan for g in MONEY_GROUPS}
        return {**share, **{f"province_{int(c)}": np.nan for c in world.province_codes}}
    groups = {
        "capital_region": world.capital_region, "noncapital": ~world.capital_region,
        **{k: world.kinds == k for k in ("gu", "si", "gun")},
        **{f"province_{int(c)}": world.province_code == c for c in world.province_codes},
    }
    return {g: float(invested[sel].sum()) / total for g, sel in groups.items()}


def spend_columns(spend: np.ndarray | None) -> dict[str, float]:
    """The national columns ``spend_<item>_krw`` of ``spend`` (M, I) KRW (None: zeros),
    one per :data:`sim.policy.config.SPEND_ITEMS`: the year's public money by what it
    was spent on; they sum to ``investment_krw``."""
    totals = np.zeros(len(SPEND_ITEMS)) if spend is None else spend.sum(axis=0)
    return {f"spend_{k}_krw": float(v) for k, v in zip(SPEND_ITEMS, totals, strict=True)}


#: The welfare parts as output columns (:func:`welfare_columns`), in order.
WELFARE_PART_COLUMNS = tuple(welfare_columns(np.zeros(len(WELFARE_PARTS))))

#: The columns of ``provinces.parquet`` (:func:`provinces_frame`), in order.
PROVINCE_COLUMNS = (
    "year", "province_code", "province", "province_ko", "population", "households",
    "in_migrants", "out_migrants", "net_migration", "qol", "qol_gap_to_capital",
    "felt_benefit_persons", "felt_loss_persons", "investment_krw", "investment_share",
    "welfare_krw_total", *WELFARE_PART_COLUMNS, "housing_transfer_krw",
)


def provinces_frame(municipal: pd.DataFrame, flows: pd.DataFrame, world: World) -> pd.DataFrame:
    """``provinces.parquet``: one row per province and year of ``municipal``, summed from
    the municipal rows and the province flows (``flows.parquet``), so it holds no number
    the run did not already write.

    Population, households, felt benefit and felt loss persons (share x population),
    investment (public money this year, KRW), welfare (``welfare_krw_total``: the
    municipalities' welfare per household x households, KRW of the start year a year),
    its parts (:data:`WELFARE_PART_COLUMNS`) and the housing transfer are sums;
    ``investment_share`` is the province's part of this year's national investment (NaN
    while nothing is spent). ``qol`` is the population-weighted mean and
    ``qol_gap_to_capital`` it minus that of the capital region (the region table's
    ``capital_region`` municipalities: Seoul, Incheon, Gyeonggi; NaN without one).
    ``in_migrants`` and ``out_migrants`` are moves across the province's border, from
    and to the other provinces, ``net_migration`` their difference (it sums to zero over
    the provinces); all three are NaN in the start year, which has no moves.
    """
    where = dict(zip(world.codes.tolist(), world.province_index.tolist(), strict=True))
    index = municipal["code"].map(where).to_numpy(dtype=np.int64)
    capital = municipal["code"].map(
        dict(zip(world.codes.tolist(), world.capital_region.tolist(), strict=True))).to_numpy(bool)
    pop = municipal["population"].to_numpy(dtype=float)
    households = municipal["households"].to_numpy(dtype=float)
    qol_w = municipal["qol"].to_numpy(dtype=float) * pop
    rows = pd.DataFrame({
        "year": municipal["year"].to_numpy(), "_p": index,
        "population": pop, "households": households, "_qol_w": qol_w,
        "felt_benefit_persons": municipal["felt_benefit_share"].to_numpy(dtype=float) * pop,
        "felt_loss_persons": municipal["felt_loss_share"].to_numpy(dtype=float) * pop,
        "investment_krw": municipal["investment_krw"].to_numpy(dtype=float),
        "welfare_krw_total": municipal["welfare_krw_per_household"].to_numpy(dtype=float)
        * households,
        **{col: municipal[f"{col}_per_household"].to_numpy(dtype=float) * households
           for col in (*WELFARE_PART_COLUMNS, "housing_transfer_krw")},
    })
    out = rows.groupby(["year", "_p"], sort=True).sum().reset_index()
    out["qol"] = out["_qol_w"] / out["population"].where(out["population"] > 0)
    cap = rows[capital].groupby("year")[["_qol_w", "population"]].sum()
    cap_qol = cap["_qol_w"] / cap["population"].where(cap["population"] > 0)
    out["qol_gap_to_capital"] = out["qol"] - out["year"].map(cap_qol).to_numpy(dtype=float)
    national = out.groupby("year")["investment_krw"].transform("sum")
    out["investment_share"] = out["investment_krw"] / national.where(national > 0)
    codes = world.province_codes
    out["province_code"] = codes[out["_p"].to_numpy()]
    for col, names in (("province", world.provinces), ("province_ko", world.provinces_ko)):
        out[col] = out["_p"].map(pd.Series(names).groupby(world.province_index).first())
    out["in_migrants"], out["out_migrants"] = _cross_border(flows, out["year"], out["province_code"])
    out["net_migration"] = out["in_migrants"] - out["out_migrants"]
    return out[list(PROVINCE_COLUMNS)]


def _cross_border(flows: pd.DataFrame, years: pd.Series, codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Movers into and out of each province (row ``years``, ``codes``) from the other
    provinces; NaN in a year without flows (the start)."""
    moved = set(pd.to_numeric(flows["year"]).astype(int).tolist()) if len(flows) else set()
    cross = flows[flows["origin_code"] != flows["destination_code"]]
    key = pd.MultiIndex.from_arrays([years.astype(int), codes.astype(int)])

    def total(side: str) -> np.ndarray:
        v = np.zeros(len(key))
        if len(cross):
            by = cross.groupby([cross["year"].astype(int), cross[side].astype(int)])["movers"].sum()
            v = by.reindex(key).fillna(0.0).to_numpy(dtype=float)
        return np.where(years.astype(int).isin(moved).to_numpy(), v, np.nan)

    return total("destination_code"), total("origin_code")


class Recorder:
    """Per-year output rows, national and municipal.

    Args:
        world: the static facts (names, flags, provinces) the rows are labelled with.
        scale: real households per agent (outputs are in real units).
        discount_rate: yearly rate of the discounted sums behind ``cost_effectiveness``.
    """

    def __init__(self, world: World, scale: float, discount_rate: float = 0.0) -> None:
        self.world = world
        self.scale = float(scale)
        self.national: list[dict[str, Any]] = []
        self.municipal: list[pd.DataFrame] = []
        self.flows: list[pd.DataFrame] = []
        names = dict(zip(world.province_code.tolist(), world.provinces.tolist(), strict=False))
        self._province_names = np.array([names[c] for c in world.province_codes.tolist()],
                                        dtype=object)
        self.discount = 1.0 / (1.0 + discount_rate)
        self.invested = np.zeros(world.n)  # public money received since the start, KRW
        self.welfare_discounted = 0.0  # KRW, sum of discounted yearly welfare changes
        self.investment_discounted = 0.0  # KRW, sum of discounted yearly investment
        self._latest_lists: dict[str, list] = {}

    # ------------------------------------------------------------------ recording
    def record(self, snap: Snapshot) -> None:
        """Add the rows of one year (the start year has no flows, births or deaths yet)."""
        world, s = self.world, self.scale
        persons = snap.persons_by_type.sum(axis=1)
        households = snap.households_by_type.sum(axis=1)
        qol = snap.qol_mean
        flows = snap.flows_persons
        moved = flows.sum()
        inter = moved - np.trace(flows)
        cross_province = flows[~world.same_province].sum()
        total_persons = persons.sum()
        income_per_hh = snap.income_by_type.sum(axis=1) / np.maximum(households, 1)
        prev = self.municipal[-1]["population"].to_numpy() if self.municipal else None
        pop_real = persons * s
        jobs = snap.jobs.sum(axis=1) * s
        output_krw = float(snap.output.sum() * s * 1e6)
        inv = snap.investment_krw
        first = not self.national
        welfare = snap.welfare_krw * s * 1e6
        parts = snap.welfare_parts * s * 1e6
        transfer = snap.housing_transfer * s * 1e6
        welfare_households = np.maximum(snap.welfare_households * s, 1e-9)
        t = len(self.national)
        self.welfare_discounted += float(welfare.sum()) * self.discount**t
        self.investment_discounted += float(inv.sum()) * self.discount**t
        cost_effectiveness = (self.welfare_discounted / self.investment_discounted
                              if self.investment_discounted > 0 else np.nan)
        firms_by_cell = snap.firms * s
        self.invested = self.invested + inv
        shares = money_shares(world, self.invested)
        local_op = snap.local_operation_krw
        self.national.append(
            {
                "year": snap.year,
                "population": float(pop_real.sum()),
                "households": float(households.sum() * s),
                "movers_share": float(moved / total_persons) if not first else np.nan,
                "intermunicipal_share": float(inter / total_persons) if not first else np.nan,
                "interprovincial_share_of_moves": float(cross_province / moved) if moved else np.nan,
                "capital_region_share": float(persons[world.capital_region].sum() / total_persons),
                "jeonbuk_population": float(pop_real[world.jeonbuk].sum()),
                "focus_population": float(pop_real[world.focus].sum()),
                "urban_rural_qol_gap": metrics.urban_rural_gap(qol, persons, world.is_gun),
                "qol_mean": metrics.weighted_mean(qol, persons),
                "qol_theil": metrics.theil(qol, persons),
                "qol_gini": metrics.gini(qol, persons),
                "income_theil": metrics.theil(income_per_hh, households),
                "income_gini": metrics.gini(income_per_hh, households),
                "felt_benefit_share": float(snap.felt_persons.sum() / total_persons),
                "felt_loss_share": float(snap.felt_loss_persons.sum() / total_persons),
                "shrinking_municipalities": float((pop_real < prev).sum()) if prev is not None else np.nan,
                "output": output_krw,
                "jobs": float(jobs.sum()),
                "investment_krw": float(inv.sum()),
                "private_investment_krw": float(snap.private_krw.sum()),
                "welfare_krw_total": float(welfare.sum()),
                **{k: float(v) for k, v in welfare_columns(parts.sum(axis=0)).items()},
                **{f"welfare_krw_{a}": float(snap.welfare_by_age[:, k].sum() * s * 1e6)
                   for k, a in enumerate(AGE_CLASSES)},
                "housing_transfer_krw": float(transfer.sum()),
                "welfare_income_krw": float(snap.welfare_income.sum() * s * 1e6),
                "cost_effectiveness": cost_effectiveness,
                "births": float(snap.births.sum() * s) if not first else np.nan,
                "deaths": float(snap.deaths.sum() * s) if not first else np.nan,
                "immigrants": float(snap.immigrants.sum() * s) if not first else np.nan,
                "local_operation_krw": float(local_op.sum()) if local_op is not None else 0.0,
                **spend_columns(snap.spend_krw),
                **{f"money_share_{g}": v for g, v in shares.items()},
            }
        )
        by_age = by_age_class(snap.households_by_type) * s
        frame = pd.DataFrame(
            {
                "year": snap.year,
                "code": world.codes,
                "name": world.names,
                "province": world.provinces,
                "kind": world.kinds,
                "population": pop_real,
                "households": households * s,
                **{f"households_{a}": by_age[:, k] for k, a in enumerate(AGE_CLASSES)},
                "jobs": jobs,
                **{f"jobs_{k}": snap.jobs[:, j] * s for j, k in enumerate(SECTORS)},
                **{f"firms_{k}": firms_by_cell[:, j] for j, k in enumerate(SECTORS)},
                "wage": snap.wage,
                "employment_rate": snap.employment_rate,
                "qol": qol,
                **{f"qol_{a}": snap.qol[:, k] for k, a in enumerate(AGE_CLASSES)},
                "investment_krw": inv.copy(),
                "private_investment_krw": snap.private_krw.copy(),
                "welfare_krw_per_household": welfare / welfare_households,
                **{f"{k}_per_household": v / welfare_households
                   for k, v in welfare_columns(parts).items()},
                "housing_transfer_krw_per_household": transfer / welfare_households,
                "price_index": snap.price,
                "young_to_old": metrics.young_to_old(snap.households_by_type),
                "felt_benefit_share": snap.felt_persons / np.maximum(persons, 1),
                "felt_loss_share": snap.felt_loss_persons / np.maximum(persons, 1),
                "births": snap.births * s,
                "deaths": snap.deaths * s,
                "immigrants": snap.immigrants * s,
                "in_migrants": (flows.sum(axis=0) - np.diag(flows)) * s,
                "out_migrants": (flows.sum(axis=1) - np.diag(flows)) * s,
                **{f"service_{d}": snap.services[:, k] for k, d in enumerate(SERVICE_DOMAINS)},
            }
        )
        self.municipal.append(frame)
        if snap.flows_by_age is not None:
            self.flows.append(self._flow_rows(snap.year, snap.flows_by_age))
        # Mesa's DataCollector reads the latest rows per municipality: columns as lists,
        # one item per municipality in index order (a few lookups per value).
        self._latest_lists = {c: v.tolist() for c, v in frame.items()}

    def _flow_rows(self, year: int, by_age: np.ndarray) -> pd.DataFrame:
        """One row per origin province, destination province and age class of the head
        (``flows.parquet``): moving persons, real units; the diagonal holds moves within a
        province (within a municipality included, as in the internal migration statistics)."""
        p, _, a = by_age.shape
        o, d, k = np.meshgrid(np.arange(p), np.arange(p), np.arange(a), indexing="ij")
        codes, names = self.world.province_codes, self._province_names
        return pd.DataFrame({
            "year": year,
            "origin_code": codes[o.ravel()],
            "origin": names[o.ravel()],
            "destination_code": codes[d.ravel()],
            "destination": names[d.ravel()],
            "age_class": np.array(AGE_CLASSES, dtype=object)[k.ravel()],
            "movers": by_age.ravel() * self.scale,
        })

    # ------------------------------------------------------------------ reading
    @property
    def n_years(self) -> int:
        """Years recorded so far (the start year included)."""
        return len(self.national)

    @property
    def latest(self) -> dict[str, Any]:
        """The last national row."""
        return self.national[-1]

    def municipal_value(self, column: str, index: int) -> Any:
        """The last recorded value of a municipal ``column`` for the municipality in row
        ``index``."""
        return self._latest_lists[column][index]

    def municipal_year(self, k: int) -> pd.DataFrame:
        """The municipal rows of the ``k``-th recorded year (0: the start; -1: the last)."""
        return self.municipal[k]

    def national_frame(self, years: int | None = None) -> pd.DataFrame:
        """``national.parquet``: one row a year (the first ``years`` rows if given)."""
        return pd.DataFrame(self.national[:years])

    def municipal_frame(self, years: int | None = None) -> pd.DataFrame:
        """``municipalities.parquet``: one row per municipality and year (the first
        ``years`` years if given)."""
        return pd.concat(self.municipal[:years], ignore_index=True)

    def flows_frame(self) -> pd.DataFrame:
        """``flows.parquet``: movers by origin and destination province, age class and
        year (from the first simulated year; empty before it)."""
        if not self.flows:
            return pd.DataFrame(columns=["year", "origin_code", "origin", "destination_code",
                                         "destination", "age_class", "movers"])
        return pd.concat(self.flows, ignore_index=True)

    def provinces_frame(self, years: int | None = None) -> pd.DataFrame:
        """``provinces.parquet`` (:func:`provinces_frame`) of the first ``years`` years
        (all if None)."""
        return provinces_frame(self.municipal_frame(years), self.flows_frame(), self.world)

    def datacollector(self):
        """A ``mesa.DataCollector`` of these rows: one model reporter per national column
        and one agent reporter (of the Municipality agents, whose ``index`` is their row)
        per municipal column, each reading the latest row recorded; so
        ``get_model_vars_dataframe()`` and ``get_agent_vars_dataframe()`` hold the
        parquet tables (one Mesa step per simulated year, step 0 the start). Call after
        the first :meth:`record`."""
        from sim.compat import mesa

        national, municipal = list(self.national[0]), list(self.municipal[0].columns)

        def model_reporter(column: str):
            return lambda model: model.records.latest[column]

        def agent_reporter(column: str):
            return lambda agent: agent.model.records.municipal_value(column, agent.index)

        return mesa.DataCollector(
            model_reporters={c: model_reporter(c) for c in national},
            agent_reporters={c: agent_reporter(c) for c in municipal},
        )
