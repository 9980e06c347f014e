"""Does the migration core move the way Korea moves? Province net migration against the
internal migration statistics (issue 26, docs/validation.md round 6).

Three checks, each a no-investment run on Korea averaged over seeds:

* **out of sample, 2011-2015**: a 2010 start, whose base period is the province flows of
  2006-2010 only (the table has no 2005 census), run to 2015; each province's net
  migration from other provinces summed over 2011-2015 against KOSIS. The carry rule
  (held) is what decides how well 2006-2010 predicts 2011-2015.
* **the fit, 2011-2015**: a 2015 start, whose constants are solved on 2011-2015. Two
  rows per province: the *expected* flows of its start year (the move and destination
  probabilities times the households, no draws), which reproduce KOSIS's yearly mean by
  construction (tests/test_migration_core.py), and its first *simulated* year, which
  adds one year's change of conditions and the draws of one year (``model_sd``: their
  spread over seeds).

* **in sample, 2011-2015**: a 2010 start whose base period is 2011-2015 itself (the
  years it then simulates; a diagnostic, not a forecast: the start knows the future), so
  that its start reproduces those flows, run to 2015. It asks whether the model's own
  dynamics keep flows that its start reproduces. Run twice: as the model is, and with
  every condition term of the destination choice off (wages, jobs, services, housing
  costs, vacancies, the network: ``base_period_no_feedback``), the constants alone.

Each run is compared with the zero-net start (``constants=equilibrium``, the model before
issue 26). Writes ``province_net.csv`` and ``province_net.png`` into ``--out`` (default
``docs/img/migration_core``), and prints a markdown table.

    python experiments/migration_core/run.py --seeds 4 --scale 5
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from sim.config import make_config
from sim.data import flows as kosis
from sim.model import SmartCityModel
from sim.processes import demography, migration
from sim.runner import run
from sim.start import leaver_types

ROOT = Path(__file__).resolve().parents[2]
CONSTANTS = {"base_period": ["behaviour.migration.constants=base_period"],
             "equilibrium": ["behaviour.migration.constants=equilibrium"]}
#: The in-sample check's second arm: the constants alone, every condition term off.
#: The in-sample start (``constants=in_sample``): a 2010 start fitted on 2011-2015.
IN_SAMPLE = ["behaviour.migration.constants=in_sample"]
NO_FEEDBACK = [*IN_SAMPLE, "behaviour.migration.beta_wage=[0,0,0]",
               "behaviour.migration.beta_jobs=[0,0,0]", "behaviour.migration.beta_services=[0,0,0]",
               "behaviour.migration.beta_housing=[0,0,0]", "behaviour.migration.beta_vacancy=0",
               "behaviour.migration.network=0"]


def within_a_third(model, observed):
    """Where the model's net migration has KOSIS's sign and is within a third of it
    (element-wise; arrays or Series): the issue's bar for each province."""
    return (np.sign(model) == np.sign(observed)) & (np.abs(model - observed) <= np.abs(observed) / 3)


def verdict_in_expectation(mean, sd, seeds: int, observed):
    """``within``, ``outside`` or ``undecided`` (element-wise): whether the 95 % interval
    of a mean over ``seeds`` runs (``mean`` +- 1.96 ``sd`` / sqrt(seeds)) lies wholly
    within a third of ``observed``, wholly outside it, or across its edge. One run is a
    draw; the bar is about the model's expectation, which many seeds estimate."""
    mean, sd, observed = (np.asarray(x, float) for x in (mean, sd, observed))
    half = 1.96 * sd / np.sqrt(seeds)
    distance, tol = np.abs(mean - observed), np.abs(observed) / 3
    return np.where(distance + half <= tol, "within",
                    np.where(distance - half > tol, "outside", "undecided"))


def province_net(flows: pd.DataFrame) -> pd.DataFrame:
    """Net migration from other provinces by year (rows) and province code (columns)."""
    between = flows[flows["origin_code"] != flows["destination_code"]]
    inflow = between.groupby(["year", "destination_code"])["movers"].sum()
    outflow = between.groupby(["year", "origin_code"])["movers"].sum()
    net = inflow.rename_axis(["year", "code"]) - outflow.rename_axis(["year", "code"])
    return net.unstack("code")


def _config(start: int, years: int, constants: list[str], seed: int, scale: float):
    return make_config(["region=korea", f"run.start_year={start}", f"run.years={years}",
                        f"run.scale={scale}", f"run.seed={seed}", "run.progress=false",
                        "run.plots=false", *constants])


def simulate(start: int, years: int, constants: list[str], seeds: int, scale: float
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Province net migration by year: mean and sd over seeds."""
    nets = [province_net(run(_config(start, years, constants, seed, scale)).flows)
            for seed in range(seeds)]
    stacked = pd.concat(nets, keys=range(seeds))
    return stacked.groupby(level=1).mean(), stacked.groupby(level=1).std()


def expected_flows(model: SmartCityModel, households: bool = False,
                   types: np.ndarray | None = None, rows: np.ndarray | None = None) -> np.ndarray:
    """(M, M) moves a year, origin x destination municipality (agent units), that the
    model's move and destination probabilities give its households now (no draws),
    persons (``households``: households); with ``leaving_home_moves``, the next year's
    expected leavers (one person each) moving too, as the start's constants count them.
    ``types`` (T,) bool: only the households of those types (and no leavers); ``rows``
    (N,) bool: only those households (and no leavers)."""
    hh = model.households
    if rows is not None:
        hh = SimpleNamespace(n=int(rows.sum()), **{c: getattr(hh, c)[rows]
                                                   for c in ("muni", "htype", "tenure", "size")})
    persons, count = migration.cell_counts(hh, model.n_munis,
                                           len(model.params.migration.tenure_multiplier))
    move_prob, dest = model.choice_tables()
    movers = ((count if households else persons) * move_prob).sum(axis=2)
    if types is not None or rows is not None:
        return np.einsum("ot,otd->od", movers * (True if types is None else types), dest)
    if model.params.migration.leaving_home_moves:
        movers = movers + leaver_types(model.households, demography.expected_leavers(
            model.states.demography, model.households, model.params.demography, model.year + 1), model.n_munis)
    return np.einsum("ot,otd->od", movers, dest)


def expected_net(model: SmartCityModel, households: bool = False,
                 types: np.ndarray | None = None, rows: np.ndarray | None = None) -> pd.Series:
    """Province net migration a year of :func:`expected_flows` (same arguments), persons
    (``households``: households), by province code."""
    return _province_net_of(model, expected_flows(model, households, types, rows))


def last_year_net(model: SmartCityModel) -> pd.Series:
    """Province net migration of the model's last simulated year (its drawn moves),
    persons, by province code."""
    return _province_net_of(model, model.states.migration.flows_persons.astype(float))


def province_pairs(model: SmartCityModel, flows: np.ndarray) -> pd.DataFrame:
    """Municipal flows (M, M, agent units) -> (P, P) persons between provinces, origin
    (rows) x destination (columns) by province code, moves within a province left out."""
    codes = model.world.province_codes
    between = migration.province_flows(flows, model.world.province_index, len(codes)) * model.scale
    np.fill_diagonal(between, 0.0)
    return pd.DataFrame(between, index=codes, columns=codes)


def _province_net_of(model: SmartCityModel, flows: np.ndarray) -> pd.Series:
    """Municipal flows (M, M, agent units) -> net migration from other provinces, persons."""
    between = province_pairs(model, flows)
    return between.sum(axis=0) - between.sum(axis=1)


def fit_check(constants: list[str], seeds: int, scale: float) -> dict[str, tuple[pd.Series, pd.Series]]:
    """A 2015 start: its expected yearly nets, and its first simulated year's (mean and
    sd over seeds), each times five (the length of the base period)."""
    expected, first = [], []
    for seed in range(seeds):
        model = SmartCityModel(_config(2015, 1, constants, seed, scale))
        expected.append(expected_net(model))
        model.step()
        flows = model.states.migration.flows_persons.astype(float)
        codes = model.world.province_codes
        between = migration.province_flows(flows, model.world.province_index, len(codes)) * model.scale
        np.fill_diagonal(between, 0.0)
        first.append(pd.Series(between.sum(axis=0) - between.sum(axis=1), index=codes))
    e, f = pd.concat(expected, axis=1) * 5, pd.concat(first, axis=1) * 5
    return {"expected_start": (e.mean(axis=1), e.std(axis=1)),
            "first_simulated_year": (f.mean(axis=1), f.std(axis=1))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core")
    args = ap.parse_args(argv)
    observed = kosis.net_migration().loc[2011:2015].fillna(0)
    rows = []

    def add(check: str, name: str, what: str, mean: pd.Series, sd: pd.Series) -> None:
        for code, value in mean.items():
            rows.append({"check": check, "constants": name, "what": what,
                         "province_code": int(code), "province": kosis.PROVINCES[int(code)],
                         "model": float(value), "model_sd": float(sd.get(code, np.nan)),
                         "kosis_2011_2015": float(observed[code].sum())})

    # In sample: the 2010 start takes 2011-2015 as its base (census 2010 -> 2015, method-
    # corrected, and KOSIS's 2011-2015 flows) instead of 2006-2010's flows.
    for name, overrides in (("base_period", IN_SAMPLE), ("base_period_no_feedback", NO_FEEDBACK)):
        mean, sd = simulate(2010, 5, overrides, args.seeds, args.scale)
        add("in_sample_2010_start", name, "simulated_2011_2015", mean.loc[2011:2015].sum(),
            sd.loc[2011:2015].pow(2).sum().pow(0.5))
        for year in range(2011, 2016):
            add("in_sample_2010_start_by_year", name, f"simulated_{year}", mean.loc[year] * 5,
                sd.loc[year] * 5)
    for name, overrides in CONSTANTS.items():
        mean, sd = simulate(2010, 5, overrides, args.seeds, args.scale)
        add("out_of_sample_2010_start", name, "simulated_2011_2015", mean.loc[2011:2015].sum(),
            sd.loc[2011:2015].pow(2).sum().pow(0.5))
        for what, (mean, sd) in fit_check(overrides, args.seeds, args.scale).items():
            add("fit_2015_start", name, what, mean, sd)
    table = pd.DataFrame(rows)
    table["within_a_third"] = within_a_third(table["model"], table["kosis_2011_2015"])
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "province_net.csv", index=False)
    _figure(table, args.out / "province_net.png")
    wide = table.pivot_table(index=["province_code", "province", "kosis_2011_2015"],
                             columns=["check", "constants", "what"], values="model").round(-2)
    print(wide.to_string())
    print(table.groupby(["check", "constants", "what"])["within_a_third"].sum().to_string())
    return 0


def _figure(table: pd.DataFrame, path: Path) -> None:
    """One panel per (check, what): model against KOSIS, the seeds' spread as bars."""
    from sim.plots import save, subplots

    table = table[table["check"] != "in_sample_2010_start_by_year"]  # in the csv only
    panels = list(dict.fromkeys(zip(table["check"], table["what"], strict=True)))
    fig, axes = subplots(1, len(panels), figsize=(5.5 * len(panels), 5.5), sharey=True)
    for ax, (check, what) in zip(np.atleast_1d(axes), panels, strict=True):
        sub = table[(table["check"] == check) & (table["what"] == what)]
        lim = 1.1 * max(sub["kosis_2011_2015"].abs().max(), sub["model"].abs().max()) / 1e3
        ax.plot([-lim, lim], [-lim, lim], color="0.6", lw=1, zorder=0)
        for name, marker in (("base_period", "o"), ("equilibrium", "x"),
                             ("base_period_no_feedback", "s")):
            s = sub[sub["constants"] == name]
            if s.empty:
                continue
            ax.errorbar(s["kosis_2011_2015"] / 1e3, s["model"] / 1e3, yerr=s["model_sd"].fillna(0) / 1e3,
                        fmt=marker, capsize=2, label=name)
        for _, r in sub[sub["constants"] == "base_period"].iterrows():
            if abs(r["kosis_2011_2015"]) > 50_000:
                ax.annotate(r["province"], (r["kosis_2011_2015"] / 1e3, r["model"] / 1e3),
                            fontsize=8, xytext=(3, 3), textcoords="offset points")
        ax.legend(fontsize=8, loc="upper left")
        ax.set_title(f"{check.replace('_', ' ')}\n{what.replace('_', ' ')}")
        ax.set_xlabel("KOSIS net migration 2011-2015, thousand people")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("model, thousand people (bars: sd over seeds)")
    fig.tight_layout()
    save(fig, path.with_suffix(""))


if __name__ == "__main__":
    sys.exit(main())
