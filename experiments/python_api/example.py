# %% [markdown]
# # A study from Python: the TS system against the 2018 pattern
#
# The notebook form of docs/python.md: each `# %%` cell runs on its own in Jupyter,
# VS Code or Spyder (or the whole file with `python experiments/python_api/example.py`).
#
# **Question.** Does spending the smart-city budget on the services residents miss most
# (`trouble_shooter`) do more for the urban-rural QoL gap, felt benefit and Jeonbuk than
# the 2018 pattern of tech test beds (`status_quo_2018`)? Every effect is a difference
# against `no_investment` run with the same seed (common random numbers).
#
# `--quick` runs the same study on the small synthetic region for 3 years (a minute);
# `--out DIR` says where the table and figure go (default `multirun/python_api`).

# %%
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import sim
from sim.catalogue import HEADLINE_METRICS, NATIONAL
from sim.compat import batch_run
from sim.model import SmartCityModel
from sim.plots import save, subplots

ROOT = Path(__file__).resolve().parents[2]
args = argparse.ArgumentParser(description=__doc__)
args.add_argument("--quick", action="store_true", help="synthetic region, 3 years, 2 seeds")
args.add_argument("--out", type=Path, default=ROOT / "multirun" / "python_api")
args.add_argument("--seeds", type=int, default=5)
opts, _ = args.parse_known_args()  # parse_known_args: Jupyter passes its own arguments

# The run settings, as keyword parameters (sim.parameters.PARAMETERS) plus overrides.
if opts.quick:
    SETTINGS = {"region": "synthetic", "years": 3, "scale": 200}
    SEEDS = range(2)
else:
    SETTINGS = {"years": 20}  # Korea, default scale 100, from the 2025 census (the default)
    SEEDS = range(opts.seeds)
SCENARIOS = ["trouble_shooter", "status_quo_2018"]
opts.out.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## One run and its twin
#
# `sim.simulate` takes the same settings as `python -m sim` and checks them the same way
# (a typo raises `sim.config.ConfigError` naming it). A `Result` holds the two output
# tables and the manifest.

# %%
ts = sim.simulate("trouble_shooter", seed=0, **SETTINGS)
twin = sim.simulate("no_investment", seed=0, **SETTINGS)
print(ts.national[["year", "population", "urban_rural_qol_gap", "felt_benefit_share"]].tail(3))
print(sim.headline_effects(ts.national, twin.national).round(3).to_string(index=False))

# %% [markdown]
# ## Several seeds: paired effects with a 95 % interval
#
# One baseline run per seed serves both scenarios. The effect of a scenario is the mean
# over seeds of (scenario - baseline) in the final year, with a t interval.

# %%
final = {}
for seed in SEEDS:
    final[("no_investment", seed)] = sim.simulate("no_investment", seed=seed, **SETTINGS).final()
    for scenario in SCENARIOS:
        final[(scenario, seed)] = sim.simulate(scenario, seed=seed, **SETTINGS).final()

rows = []
for scenario in SCENARIOS:
    for metric in HEADLINE_METRICS:
        diff = np.array([final[(scenario, s)][metric] - final[("no_investment", s)][metric]
                         for s in SEEDS])
        base = np.mean([final[("no_investment", s)][metric] for s in SEEDS])
        n = len(diff)
        half = stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
        factor = NATIONAL[metric].effect_factor or (100 / base if base else math.nan)
        rows.append({"scenario": scenario, "metric": metric, "n": n,
                     "effect": diff.mean() * factor, "ci_half": half * factor,
                     "unit": NATIONAL[metric].effect_unit})
effects = pd.DataFrame(rows)
effects.to_csv(opts.out / "effects.csv", index=False)
print(effects.round(3).to_string(index=False))

# %%
fig, axes = subplots(3, 3, figsize=(12, 9))
for ax, metric in zip(axes.ravel(), HEADLINE_METRICS, strict=True):
    sub = effects[effects["metric"] == metric]
    ax.barh(sub["scenario"], sub["effect"], xerr=sub["ci_half"], color=["#1f5f8b", "#c44e52"])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_title(NATIONAL[metric].label, fontsize=10)
    ax.set_xlabel(NATIONAL[metric].effect_unit)
fig.suptitle(f"Final-year effect against no_investment ({len(SEEDS)} paired seeds, 95 % CI)")
fig.tight_layout()
save(fig, opts.out / "effects")

# %% [markdown]
# ## The Mesa way
#
# The model takes the same keyword parameters; `model.datacollector` holds the rows of
# `national.parquet` (model reporters) and `municipalities.parquet` (agent reporters of
# the Municipality agents), one Mesa step per simulated year.

# %%
model = SmartCityModel(scenario="trouble_shooter", seed=0, **SETTINGS)
for _ in range(2):
    model.step()
print(model.datacollector.get_model_vars_dataframe()[["year", "population", "qol_mean"]])
agents = model.datacollector.get_agent_vars_dataframe()
print(agents.xs(2, level="Step")[["name", "population", "qol"]].head())
model.release()  # let it be garbage-collected (Mesa 3.3 keeps models otherwise)

# %% [markdown]
# `mesa.batch_run` sweeps the keyword parameters, one run per seed: Mesa 3.4+ (Python
# 3.12+) takes the seeds as `mesa.batch_run(SmartCityModel, parameters, rng=[0, 1])`,
# Mesa 3.3 (Python 3.11) as a parameter, `"seed": [0, 1]`; `sim.compat.batch_run` does
# what the installed Mesa wants. With `max_steps` below `years`, a row holds the state
# after `max_steps` steps (Mesa 3.3 steps once more). Where a column name is in both
# tables (population, investment_krw, ...), a row holds the municipality's value.

# %%
results = pd.DataFrame(batch_run(
    SmartCityModel,
    parameters={"scenario": ["no_investment", "trouble_shooter"], **SETTINGS},
    seeds=[0, 1], max_steps=2, number_processes=1, display_progress=False,
))
print("batch_run:", results.groupby(["scenario", "seed"])[["year", "capital_region_share"]].first())
