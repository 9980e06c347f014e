"""Why does a start that reproduces 2011-2015 drift away from it? Who lives where.

The in-sample 2010 start (its constants fitted on KOSIS's 2011-2015 province flows) of one
behaviour set, run to 2015 (docs/validation.md 6.4, "What makes the fade"):

    python experiments/migration_core/fade_composition.py --seeds 2 --scale 5

Arms (``fade_parts.py``'s overrides, and demography switched off on top):

* ``as_matched``: the set as the history matching accepted it;
* ``constants_only``: every condition term, the network and the size term off: what the
  destination choice sees never changes, so any drift of the expected flows comes from
  the households: ageing, births and deaths, adult children leaving home, immigrants, and
  where last year's movers now live;
* ``constants_only_no_leave_home``, ``constants_only_no_immigration``: one part of
  demography off as well;
* ``constants_only_no_demography``: no births, deaths, leaving home or immigration
  (households only age and move);
* ``leaving_home_moves``, ``constants_only_leaving_home_moves``: with
  ``migration.leaving_home_moves`` (adult children leaving home choose where to live in
  the year they leave, and the start's constants count them);
* ``no_age_terms``, ``constants_only_no_age_terms``: without the capital-region and
  county terms by age class (``beta_capital``, ``beta_rural`` at 0): every age then
  shares the constants' pull, and the start's flows by age come from who moves, not
  from age-specific pulls the base period's totals cannot pin;
* ``age_split_even``, ``constants_only_age_split_even``,
  ``constants_only_no_demography_age_split_even``: with ``migration.age_split =
  even`` (constants by age class and destination province so that every age class
  carries its province's net in proportion to its moves across the line);
* ``constants_only_settled_newcomers``: the households formed in the year (adult
  children leaving home, arrivals from abroad) start with 3 years at the home (tenure
  multiplier 1.0) instead of none (1.6, the newly moved). Nothing in the model changes:
  the script swaps that in for its own runs only.
* ``young_share_spun_up``: each municipality's share of heads aged 20-39 among those under
  65 taken from the set's own run five years on (``as_matched``, same seed), rescaled to
  the national 0.33 the start uses everywhere (``YOUNG_HEAD_SHARE``): a start whose age
  mix is where the model's flows and demography take it, not the nation's everywhere.
  Swapped in for the script's runs only (the package has no ages by municipality).
  (The start's other age artefact, heads aged 40-64 drawn uniformly, is
  ``start_artefacts.py --arms head_ages``.)
* ``history_start``, ``constants_only_history_start``: the start with a migration history
  (``behaviour.migration.start_history_years=5``: the recent movers where the base
  period's nets need them, not every place's own steady state).

For each arm, seed and year: each province's net migration a year that the model's move
and destination probabilities give its households (``expected``, no draws) at the start
and after each year, the year's drawn net (``drawn``), and the share of its households
whose head is 20-39 (``young_head_share``, per cent) and 65+ (``old_head_share``; the
nation's as ``old_head_share_nation``, province code 0). The start's expected net is
KOSIS's 2011-2015 mean by construction. Also the expected net in households instead of
persons (``expected_households``) and the persons per household (``mean_size``): whether
the flows fade because fewer households move on net or because the households that move
hold fewer people. And the expected net of each age class of the head
(``expected_age_class_0`` for 20-39, ``_1`` for 40-64, ``_2`` for 65+; the households
only, without next year's leavers): which ages' flows fade.

And one year decomposed (``constants_only_no_demography``, where the household rows stay
the same): the expected nets after the first year with part of the composition put back
as it was at the start: the movers' municipalities (``movers_back``), the household types
(``types_back``: the age classes before the year's ageing), the years at the home
(``tenure_redrawn``: drawn again as the start draws them), and movers and types together.

Writes ``expected_by_year.csv``, ``first_year_parts.csv`` and ``expected_by_year.png``
(and with ``--by-age ARM...`` ``expected_by_age.png``: the flows by age class of those
arms) into ``--out``. ``--with behaviour.KEY=VALUE ... --name NAME`` adds an arm of
one's own (e.g. a stronger migrant network) after ``--arms`` (default ``docs/img/migration_core/fade_composition``).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fade_parts  # noqa: E402  (this folder's)
import run as checks  # noqa: E402  (this folder's run.py)

from sim.config import derive  # noqa: E402
from sim.constants import TYPE_AGE_CLASS, age_class_of  # noqa: E402
from sim.data import flows as kosis  # noqa: E402
from sim.model import SmartCityModel  # noqa: E402
from sim.processes import demography, migration  # noqa: E402
from sim.start import draw_start_tenures  # noqa: E402
from sim.tools.validate import draw_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
_NO_DEMOGRAPHY = {"leave_home_rate": 0.0, "immigration_rate": 0.0, "birth_rate": 0.0,
                  "mortality_a": 0.0, "child_mortality": 0.0, "vital_statistics": False}
_CONSTANTS_ONLY = fade_parts.ARMS["constants_only"]
#: The destination choice's terms that differ by the head's age class alone: the capital
#: region's and the counties' (the wage, jobs and service terms differ by age too, and are
#: off in the constants-only arms).
_NO_AGE_TERMS = {"beta_capital": [0.0] * 3, "beta_rural": [0.0] * 3}
ARMS = {
    "as_matched": {},
    "constants_only": _CONSTANTS_ONLY,
    "constants_only_no_leave_home": {**_CONSTANTS_ONLY, "demography": {"leave_home_rate": 0.0}},
    "constants_only_no_immigration": {**_CONSTANTS_ONLY, "demography": {"immigration_rate": 0.0}},
    "constants_only_no_demography": {**_CONSTANTS_ONLY, "demography": _NO_DEMOGRAPHY},
    "constants_only_settled_newcomers": _CONSTANTS_ONLY,
    "leaving_home_moves": {"migration": {"leaving_home_moves": True}},
    "no_age_terms": {"migration": _NO_AGE_TERMS},
    "constants_only_no_age_terms": {"migration": {**_CONSTANTS_ONLY["migration"], **_NO_AGE_TERMS}},
    "constants_only_leaving_home_moves": {
        "migration": {**_CONSTANTS_ONLY["migration"], "leaving_home_moves": True}},
    "age_split_even": {"migration": {"age_split": "even"}},
    "constants_only_age_split_even": {
        "migration": {**_CONSTANTS_ONLY["migration"], "age_split": "even"}},
    "constants_only_no_demography_age_split_even": {
        "migration": {**_CONSTANTS_ONLY["migration"], "age_split": "even"},
        "demography": _NO_DEMOGRAPHY},
    "young_share_spun_up": {},
    "history_start": {"migration": {"start_history_years": 5}},
    "constants_only_history_start": {"migration": {**_CONSTANTS_ONLY["migration"],
                                                   "start_history_years": 5}},
}
#: Arms that also swap something in for the run: the years at the home that the year's
#: new households start with.
NEWCOMER_TENURE = {"constants_only_settled_newcomers": 3}
#: The provinces the figure shows: the capital region's two poles and the three provinces
#: the default misses on the bar (Gangwon, Gyeongbuk, Gyeongnam).
SHOWN = {11: "Seoul", 31: "Gyeonggi-do", 32: "Gangwon-do", 37: "Gyeongsangbuk-do",
         38: "Gyeongsangnam-do"}


def _model(row: pd.Series, arm: str, seed: int, scale: float) -> SmartCityModel:
    cfg = draw_config(checks._config(2010, 5, checks.IN_SAMPLE, seed, scale), row)
    if ARMS[arm]:
        cfg = derive(cfg, {"behaviour": ARMS[arm]})
    return SmartCityModel(cfg)


def by_year(row: pd.Series, arm: str, seed: int, scale: float, years: int = 5) -> list[dict]:
    """Rows (arm, seed, year, kind, province code, value): the expected net a year at the
    start (year 2010) and after each year, each year's drawn net (persons), and the share
    of households with a head aged 20-39 (per cent)."""
    with _newcomer_tenure(NEWCOMER_TENURE.get(arm)), _start_swapped(arm, row, seed, scale, years):
        return _by_year(row, arm, seed, scale, years)


@contextmanager
def _start_swapped(arm: str, row: pd.Series, seed: int, scale: float, years: int):
    """While open, ``young_share_spun_up``'s start takes each municipality's young share
    from :func:`spun_up_young_share` (other arms: as the model builds it)."""
    if arm != "young_share_spun_up":
        yield
        return
    import sim.agents.households as households_module

    original_share = households_module.YOUNG_HEAD_SHARE
    households_module.YOUNG_HEAD_SHARE = spun_up_young_share(row, seed, scale, years)
    try:
        yield
    finally:
        households_module.YOUNG_HEAD_SHARE = original_share


def spun_up_young_share(row: pd.Series, seed: int, scale: float, years: int) -> np.ndarray:
    """(M,) each municipality's share of heads aged 20-39 among those under 65 after
    ``years`` of the set's own run, rescaled so that the nation's is the start's
    ``YOUNG_HEAD_SHARE`` (only the pattern over municipalities is taken)."""
    from sim.agents.households import YOUNG_HEAD_SHARE

    model = _model(row, "as_matched", seed, scale)
    for _ in range(years):
        model.step()
    hh = model.households
    age_class = age_class_of(hh.age[:hh.n])
    muni = hh.muni[:hh.n].astype(np.int64)
    young = np.bincount(muni, weights=age_class == 0, minlength=model.n_munis)
    under_65 = young + np.bincount(muni, weights=age_class == 1, minlength=model.n_munis)
    share = young / np.maximum(under_65, 1.0)
    share *= YOUNG_HEAD_SHARE * under_65.sum() / (share * under_65).sum()
    return np.clip(share, 0.05, 0.9)


@contextmanager
def _newcomer_tenure(years: int | None):
    """While open, households formed in a year start with ``years`` at the home (None:
    as the model has it, 0). Demography runs before migration, so the only rows with
    tenure 0 after it are the year's new households."""
    if years is None:
        yield
        return
    original = demography.step

    def step(state, households, inputs, parallel):
        original(state, households, inputs, parallel)
        tenure = households.tenure[: households.n]
        tenure[tenure == 0] = years

    demography.step = step
    try:
        yield
    finally:
        demography.step = original


def _by_year(row: pd.Series, arm: str, seed: int, scale: float, years: int) -> list[dict]:
    model = _model(row, arm, seed, scale)
    out = []

    def add(year: int, kind: str, net: pd.Series) -> None:
        out.extend({"arm": arm, "seed": seed, "year": year, "kind": kind,
                    "province_code": int(code), "value": float(value)} for code, value in net.items())

    def now(year: int) -> None:
        add(year, "expected", checks.expected_net(model))
        add(year, "expected_households", checks.expected_net(model, households=True))
        for age_class, net in enumerate(expected_net_by_age(model)):
            add(year, f"expected_age_class_{age_class}", net)
        add(year, "young_head_share", head_share(model))
        add(year, "old_head_share", head_share(model, age_class=2))
        old = age_class_of(model.households.age[:model.households.n]) == 2
        add(year, "old_head_share_nation", pd.Series({0: 100 * float(old.mean())}))
        add(year, "mean_size", mean_size(model))

    now(2010)
    for year in range(2011, 2011 + years):
        model.step()
        add(year, "drawn", checks.last_year_net(model))
        now(year)
    return out


def expected_net_by_age(model: SmartCityModel) -> list[pd.Series]:
    """The expected net a year (persons) of the households of each age class of the head
    (20-39, 40-64, 65+), the stock only (without next year's leavers)."""
    return [checks.expected_net(model, types=TYPE_AGE_CLASS == a)
            for a in range(int(TYPE_AGE_CLASS.max()) + 1)]


def mean_size(model: SmartCityModel) -> pd.Series:
    """Persons per household in each province."""
    hh, world = model.households, model.world
    province = world.province_index[hh.muni[:hh.n]]
    n = len(world.province_codes)
    persons = np.bincount(province, weights=hh.size[:hh.n], minlength=n)
    return pd.Series(persons / np.maximum(np.bincount(province, minlength=n), 1),
                     index=world.province_codes)


def head_share(model: SmartCityModel, age_class: int = 0) -> pd.Series:
    """The share of each province's households whose head is in ``age_class`` (0: 20-39,
    the most mobile; 2: 65+), per cent."""
    hh, world = model.households, model.world
    province = world.province_index[hh.muni[:hh.n]]
    in_class = age_class_of(hh.age[:hh.n]) == age_class
    n = len(world.province_codes)
    share = np.bincount(province[in_class], minlength=n) / np.maximum(np.bincount(province, minlength=n), 1)
    return pd.Series(100 * share, index=world.province_codes)


def first_year_parts(row: pd.Series, seed: int, scale: float) -> list[dict]:
    """The expected nets after the first year of ``constants_only_no_demography`` with
    parts of the composition put back as they were at the start."""
    model = _model(row, "constants_only_no_demography", seed, scale)
    hh = model.households
    n = hh.n
    start = {"muni": hh.muni[:n].copy(), "htype": hh.htype[:n].copy(), "uid": hh.uid[:n].copy()}
    parts = {"start": checks.expected_net(model)}
    model.step()
    if hh.n != n or not np.array_equal(hh.uid[:n], start["uid"]):
        raise RuntimeError("the household rows changed in a year without demography")
    after = {"muni": hh.muni[:n].copy(), "htype": hh.htype[:n].copy(), "tenure": hh.tenure[:n].copy()}
    parts["after_one_year"] = checks.expected_net(model)

    def put_back(**columns) -> pd.Series:
        for name, values in columns.items():
            getattr(hh, name)[:n] = values
        net = checks.expected_net(model)
        for name in ("muni", "htype", "tenure"):
            getattr(hh, name)[:n] = after[name]
        return net

    parts["movers_back"] = put_back(muni=start["muni"])
    parts["types_back"] = put_back(htype=start["htype"])
    parts["movers_and_types_back"] = put_back(muni=start["muni"], htype=start["htype"])
    p = model.params.migration
    hazard = migration.tenure_hazard(p, migration.move_push(p, model.migration_conditions()))
    parts["tenure_redrawn"] = put_back(tenure=draw_start_tenures(hh, hazard, np.random.default_rng(seed)))
    parts["moved_share"] = pd.Series(float(np.mean(after["muni"] != start["muni"])),
                                     index=parts["start"].index)
    return [{"seed": seed, "part": part, "province_code": int(code), "net": float(value)}
            for part, net in parts.items() for code, value in net.items()]


def figure(table: pd.DataFrame, observed: pd.DataFrame, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    expected = (table[table["kind"] == "expected"]
                .groupby(["arm", "province_code", "year"])["value"].mean() / 1e3)
    fig, axes = plt.subplots(1, len(SHOWN), figsize=(3.2 * len(SHOWN), 4.0), sharex=True)
    present = [a for a in ARMS if a in expected.index.get_level_values(0)]
    palette = plt.get_cmap("tab10").colors
    colours = {arm: palette[i % len(palette)] for i, arm in enumerate(present)}
    for ax, (code, name) in zip(axes, SHOWN.items(), strict=True):
        kosis_years = observed[code] / 1e3
        ax.plot(kosis_years.index, kosis_years.values, "o", color="black", ms=4, label="KOSIS, each year")
        ax.axhline(kosis_years.mean(), color="black", lw=1, ls="--", label="KOSIS 2011-15 mean")
        for arm in present:
            series = expected.loc[(arm, code)]
            ax.plot(series.index, series.values, color=colours[arm], lw=1.6, label=arm.replace("_", " "))
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("year")
    axes[0].set_ylabel("net migration from other provinces\n(thousand people a year, expected)")
    _finish(fig, axes[0], "A start fitted on 2011-2015 drifts away from it: the expected flows by "
            "year (the in-sample 2010 start, the default behaviour)", 0.08, path)


def _finish(fig, first_axis, title: str, bottom: float, path: Path) -> None:
    """One legend under the panels (the first panel's lines), the title, and the file."""
    import matplotlib.pyplot as plt

    handles, labels = first_axis.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, bottom, 1, 1))
    fig.savefig(path, dpi=130)
    plt.close(fig)


def figure_by_age(table: pd.DataFrame, arms: list[str], path: Path) -> None:
    """The expected net of each age class of the head by year, one row of panels per arm:
    which ages' flows fade, and whether they fade when no age's flow opposes another's."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = {"expected_age_class_0": ("heads 20-39", "tab:blue"),
             "expected_age_class_1": ("heads 40-64", "tab:orange"),
             "expected_age_class_2": ("heads 65+", "tab:green"),
             "expected": ("all", "black")}
    mean = table.groupby(["arm", "kind", "province_code", "year"])["value"].mean() / 1e3
    fig, axes = plt.subplots(len(arms), len(SHOWN), figsize=(3.2 * len(SHOWN), 2.8 * len(arms)),
                             sharex=True, squeeze=False)
    for row, arm in zip(axes, arms, strict=True):
        for ax, (code, name) in zip(row, SHOWN.items(), strict=True):
            for kind, (label, colour) in kinds.items():
                series = mean.loc[(arm, kind, code)]
                ax.plot(series.index, series.values, color=colour, lw=1.6 if kind != "expected" else 2.2,
                        label=label)
            ax.axhline(0, color="grey", lw=0.5)
            ax.set_title(f"{name}\n{arm.replace('_', ' ')}", fontsize=9)
        row[0].set_ylabel("expected net, thousand a year")
    _finish(fig, axes[0][0], "The expected flows by the head's age class (the in-sample 2010 start, "
            "the default behaviour)", 0.05, path)


def behaviour_overrides(overrides: list[str]) -> dict:
    """Hydra-style ``behaviour.x.y=value`` overrides as the nested behaviour dict an arm
    holds (``derive(cfg, {"behaviour": ...})``)."""
    from omegaconf import OmegaConf

    bad = [o for o in overrides if not o.startswith("behaviour.")]
    if bad:
        raise SystemExit(f"--with {bad}: only behaviour.* settings make an arm")
    return OmegaConf.to_container(OmegaConf.from_dotlist(list(overrides)))["behaviour"]


def set_arguments(ap: argparse.ArgumentParser) -> None:
    """The arguments that choose a behaviour set and the runs of the in-sample check:
    ``--sample``, ``--rank``, ``--seeds``, ``--scale`` (this folder's scripts share them)."""
    ap.add_argument("--sample", type=Path, default=ROOT / "configs" / "behaviour" / "posterior_screened.csv")
    ap.add_argument("--rank", type=int, default=1, help="the set (1: the default behaviour's)")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--scale", type=float, default=5.0)


def chosen_set(ap: argparse.ArgumentParser, args: argparse.Namespace) -> pd.Series:
    """The row of ``--sample`` whose rank is ``--rank`` (an argument error if none)."""
    sets = pd.read_csv(args.sample)
    rows = sets[sets["rank"] == args.rank]
    if rows.empty:
        ap.error(f"--rank {args.rank}: no such rank in {args.sample}")
    return rows.iloc[0]


def run_arms(records_of, arms: list[str], seeds: int, path: Path) -> pd.DataFrame:
    """The rows ``records_of(arm, seed)`` of every arm and seed, written to ``path`` after
    each (a killed run keeps what finished)."""
    records: list[dict] = []
    for arm in arms:
        for seed in range(seeds):
            records += records_of(arm, seed)
            pd.DataFrame(records).to_csv(path, index=False)
            print(f"{arm} seed {seed} done", flush=True)
    return pd.DataFrame(records)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    set_arguments(ap)
    ap.add_argument("--arms", nargs="*", choices=list(ARMS), default=list(ARMS))
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "migration_core" / "fade_composition")
    ap.add_argument("--figures-only", action="store_true",
                    help="redraw the figures from --out's expected_by_year.csv (no runs)")
    ap.add_argument("--by-age", nargs="*", default=[],
                    help="also draw expected_by_age.png for these arms")
    ap.add_argument("--with", dest="overrides", nargs="*", default=[],
                    help="behaviour overrides (behaviour.migration.network=1.0 ...) making one "
                         "more arm, named --name, run after --arms")
    ap.add_argument("--name", default="with", help="the name of the --with arm")
    args = ap.parse_args(argv)
    if args.overrides:
        ARMS[args.name] = behaviour_overrides(args.overrides)
        args.arms = [*args.arms, args.name]
    unknown = sorted(set(args.by_age) - set(ARMS))
    if unknown:
        ap.error(f"--by-age {unknown}: no such arm; choose from {sorted(ARMS)}")
    observed = kosis.net_migration().loc[2011:2015].fillna(0)
    if args.figures_only:
        table = pd.read_csv(args.out / "expected_by_year.csv")
        figure(table, observed, args.out / "expected_by_year.png")
        if args.by_age:
            figure_by_age(table, args.by_age, args.out / "expected_by_age.png")
        return 0
    row = chosen_set(ap, args)
    args.out.mkdir(parents=True, exist_ok=True)

    table = run_arms(lambda arm, seed: by_year(row, arm, seed, args.scale), args.arms, args.seeds,
                     args.out / "expected_by_year.csv")
    parts = pd.DataFrame([r for seed in range(args.seeds) for r in first_year_parts(row, seed, args.scale)])
    parts.to_csv(args.out / "first_year_parts.csv", index=False)
    figure(table, observed, args.out / "expected_by_year.png")
    if args.by_age:
        figure_by_age(table, args.by_age, args.out / "expected_by_age.png")

    shown = list(SHOWN)
    expected = table[table["kind"] == "expected"].pivot_table(
        index=["arm", "year"], columns="province_code", values="value") / 1e3
    print("Expected net a year (thousand), mean over seeds:")
    print(expected[shown].round(1).to_string())
    young = table[table["kind"] == "young_head_share"].pivot_table(
        index=["arm", "year"], columns="province_code", values="value")
    print("Households whose head is 20-39 (%), mean over seeds:")
    print(young[shown].round(1).to_string())
    print("KOSIS 2011-2015 mean:", (observed[shown].mean() / 1e3).round(1).to_dict())
    print("After the first year (constants only, no demography), parts put back:")
    print((parts[parts["part"] != "moved_share"].pivot_table(index="part", columns="province_code", values="net")[shown] / 1e3)
          .round(1).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
