"""``python -m sim.bench``: how fast and how big the full-scale Korea model is.

Measures, on the machine it runs on (which it prints):

1. the default-scale Korea run (20 years, including interpreter start-up, in a child process);
2. Korea at ``--scale`` (default 1, one agent per household): population build time, the
   seconds of every process in each simulated year and of the whole year (median over
   ``--years``), peak resident memory;
3. the migration kernel alone on the real household columns and tables: households/s;
4. the plain-Mesa reference (:mod:`sim.tools.reference`) side by side with the kernel on the same
   ``--ref-households`` households subsampled from the Korea model: seconds per step, the
   speed-up, and whether the two outcomes agree statistically;
5. the scaling series (seconds per migration step vs number of households) for the plot of
   ``docs/performance.md``; the reference is timed only up to ``--ref-households`` and
   extrapolated linearly beyond (the plot marks extrapolated points).

``--json`` prints one JSON object; ``--plot PATH`` writes the scaling plot.
``--precision`` runs the precision checks of paired effects instead
(:mod:`sim.tools.precision`).

An argparse tool, not a Hydra app: it measures the machine on fixed configurations (built
with :func:`sim.config.make_config`), and its options (``--quick``, ``--json``,
``--plot``) are the commands docs/performance.md records.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np

from sim.kernels.migration import migrate
from sim.kernels.parallel import DEFAULT
from sim.kernels.sampling import coupled_tables
from sim.processes.migration import TENURE_BIN

KERNEL_SIZES = (10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000, 21_000_000)
REFERENCE_SIZES = (10_000, 30_000, 100_000, 300_000)


def machine() -> dict[str, object]:
    """CPU model, cores, memory, load and library versions: the context of every number."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    from sim.compat import mesa

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "numba_threads": numba.get_num_threads(),
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "mesa": mesa.__version__,
    }


def peak_rss_gb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def korea_config(scale: float, years: int = 20):
    """The Korea no-investment baseline at ``scale``: the default model, as
    ``python -m sim`` runs it (calibrated behaviour). Benchmarks before issue 13 used the
    prior behaviour (``behaviour=default``); since destinations are drawn by rejection
    from the start year's table, the cost depends on how far the tables drift, so the
    default model is the one to time."""
    from sim.config import make_config

    return make_config([f"run.scale={scale}", f"run.years={years}", "run.progress=false",
                        "run.plots=false"])


def warm_up() -> float:
    """Load (or compile) every kernel, serial and parallel, before anything is timed."""
    from sim.callbacks import warm_numba_cache

    return warm_numba_cache()


_DEFAULT_RUN = """
import time, json
t0 = time.perf_counter()
from sim.tools.bench import korea_config
from sim.model import SmartCityModel
cfg = korea_config({scale}, {years})
model = SmartCityModel(cfg)
t1 = time.perf_counter()
model.run()
t2 = time.perf_counter()
print(json.dumps({{"startup_and_build_seconds": t1 - t0, "run_seconds": t2 - t1, "households": len(model.households)}}))
"""


def default_run(years: int = 20) -> dict[str, float]:
    """A ``years``-year Korea run at the default scale in a fresh interpreter."""
    from sim.config import RunConfig

    scale = RunConfig().scale
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _DEFAULT_RUN.format(scale=scale, years=years)],
        capture_output=True, text=True, check=True,
    )
    wall = time.perf_counter() - t0
    inner = json.loads(out.stdout.strip().splitlines()[-1])
    return {"scale": scale, "years": years, "wall_seconds": wall, **inner}


def time_kernel(muni, htype, tenure, size, uid, move_prob, coupled, repeats: int) -> float:
    """Fastest of ``repeats`` migration passes, in seconds (on copies: the inputs stay as
    they are). The minimum, not the median: on a shared machine the other processes only
    ever add time, so the fastest pass is the best estimate of the kernel's own cost."""
    times = []
    for r in range(repeats):
        mu, te = muni.copy(), tenure.copy()
        t0 = time.perf_counter()
        migrate(mu, htype, te, size, uid, move_prob, TENURE_BIN, coupled, np.uint64(1000 + r),
                DEFAULT.blocks_for(len(mu)))
        times.append(time.perf_counter() - t0)
    return float(np.min(times))


def sample_columns(cols: dict[str, np.ndarray], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` households drawn from ``cols`` (without replacement when there are enough)."""
    total = len(cols["muni"])
    rows = np.sort(rng.choice(total, n, replace=False)) if n <= total else np.sort(rng.integers(0, total, n))
    out = {k: v[rows] for k, v in cols.items() if k != "uid"}
    out["uid"] = np.arange(n, dtype=np.int64)
    return out


def run(scale: float, years: int, ref_households: int, quick: bool, plot: Path | None) -> dict:
    from sim.model import SCHEDULE, SmartCityModel, release
    from sim.tools.reference import ReferenceModel, compare_flows, tables_from_model

    info: dict = {"machine": machine(), "scale": scale, "years_timed": years}
    info["warm_up_seconds"] = warm_up()
    if not quick:
        info["default_run"] = default_run(20)

    # ---- Korea at `scale`: build, years, per process.
    gc.collect()
    t0 = time.perf_counter()
    model = SmartCityModel(korea_config(scale))
    build = time.perf_counter() - t0
    n0 = len(model.households)
    year_times, year_cpu = [], []
    for _ in range(years):
        t0, c0 = time.perf_counter(), time.process_time()
        model.step()
        year_times.append(time.perf_counter() - t0)
        year_cpu.append(time.process_time() - c0)
    per_process = {name: float(np.median(model.timings[name])) for name in SCHEDULE}
    info.update(
        households=n0,
        firms=len(model.firms.agents),
        build_seconds=build,
        year_seconds=float(np.median(year_times)),
        year_seconds_all=year_times,
        year_seconds_min=float(np.min(year_times)),
        year_cpu_seconds=float(np.median(year_cpu)),  # all threads: contention-proof cost
        process_seconds_median=per_process,
        household_store_gb=model.households.nbytes / 1e9,
        firm_store_gb=model.firms.agents.nbytes / 1e9,
    )
    # The headline keys are always present (None when the run was not at scale 1).
    info["build_seconds_scale1"] = build if scale == 1.0 else None
    info["year_seconds_scale1"] = info["year_seconds"] if scale == 1.0 else None

    # ---- The migration kernel alone, on the real columns and this year's tables.
    tables = tables_from_model(model)
    m, t, _ = tables.dest.shape
    dest = tables.dest.reshape(m * t, m)
    coupled = coupled_tables(dest, model.migration.proposal)  # as the model draws them
    hh = model.households
    cols = {k: getattr(hh, k) for k in ("muni", "htype", "tenure", "size", "uid")}
    sec = time_kernel(**cols, move_prob=tables.move_prob, coupled=coupled, repeats=7)
    info["migration_kernel_seconds"] = sec
    info["migration_households_per_s"] = len(hh) / sec
    info["peak_rss_gb"] = peak_rss_gb()  # build + years + kernel timing, before the reference

    # ---- Scaling series of the kernel, on households sampled from the Korea columns.
    rng = np.random.default_rng(0)
    cols = {k: v.copy() for k, v in cols.items()}
    distance_km = model.world.distance_km
    model.release()
    del model, hh
    gc.collect()
    sizes = [s for s in KERNEL_SIZES if not quick or s <= 1_000_000]
    kernel_series = {}
    for n in sizes:
        sub = sample_columns(cols, n, rng)
        kernel_series[n] = time_kernel(**sub, move_prob=tables.move_prob, coupled=coupled,
                                       repeats=7 if n < 10_000_000 else 3)
        del sub
    info["kernel_seconds_by_households"] = kernel_series

    # ---- The reference, side by side with the kernel, on the same households.
    ref_series = {}
    side = {}
    for n in sorted({s for s in REFERENCE_SIZES if s < ref_households} | {ref_households}):
        sub = sample_columns(cols, n, rng)
        side_by_side = n == ref_households
        if side_by_side:  # the kernel first, before a million Python objects fill the heap
            mu, te = sub["muni"].copy(), sub["tenure"].copy()
            fast, _, _ = migrate(mu, sub["htype"], te, sub["size"], sub["uid"], tables.move_prob,
                              TENURE_BIN, coupled, np.uint64(77), DEFAULT.blocks_for(n))
            kernel_sec = time_kernel(**sub, move_prob=tables.move_prob, coupled=coupled, repeats=7)
            cpu = []
            for r in range(7):
                mu, te = sub["muni"].copy(), sub["tenure"].copy()
                c0 = time.process_time()
                migrate(mu, sub["htype"], te, sub["size"], sub["uid"], tables.move_prob, TENURE_BIN,
                        coupled, np.uint64(r), DEFAULT.blocks_for(n))
                cpu.append(time.process_time() - c0)
            kernel_cpu = float(np.min(cpu))
        t0 = time.perf_counter()
        ref = ReferenceModel(sub["muni"], sub["htype"], sub["tenure"], sub["size"],
                             tables.move_prob, tables.dest, seed=n)
        ref_build = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        ref.step()
        ref_series[n] = time.perf_counter() - t0
        ref_cpu = time.process_time() - c0
        if side_by_side:
            agreement = compare_flows(fast, ref.flows_hh, n, distance_km)
            t0, c0 = time.perf_counter(), time.process_time()
            ref.step()  # a second step: the faster of two, as the kernel's is the fastest of 7
            ref_series[n] = min(ref_series[n], time.perf_counter() - t0)
            ref_cpu = min(ref_cpu, time.process_time() - c0)
            side = {
                "households": n,
                "reference_build_seconds": ref_build,
                "reference_step_seconds": ref_series[n],
                "kernel_step_seconds": kernel_sec,
                "speedup": ref_series[n] / kernel_sec,
                "reference_step_cpu_seconds": ref_cpu,
                "kernel_step_cpu_seconds": kernel_cpu,  # all threads
                "speedup_cpu": ref_cpu / kernel_cpu,
                "agreement_pvalues": agreement,
            }
        release(ref)
        del ref, sub
        gc.collect()
    info["reference_seconds_by_households"] = ref_series
    info["side_by_side"] = side
    info["speedup_vs_mesa"] = side["speedup"]
    info["speedup_vs_mesa_1m"] = side["speedup"] if ref_households == 1_000_000 else None
    info["peak_rss_gb_with_reference"] = peak_rss_gb()
    if plot is not None:
        year_points = {n0: info["year_seconds"]}
        if "default_run" in info:
            d = info["default_run"]
            year_points[d["households"]] = d["run_seconds"] / d["years"]
        scaling_plot(kernel_series, ref_series, plot, year_points)
        info["plot"] = str(plot)
    return info


def scaling_plot(
    kernel: dict[int, float],
    reference: dict[int, float],
    path: Path,
    model_year: dict[int, float] | None = None,
) -> None:
    """Log-log seconds per simulated year vs households: the migration step of both paths
    and, where measured, the whole model year (every process) of the Korea model."""
    from sim.plots import subplots

    fig, ax = subplots(figsize=(6.5, 4.5))
    n_k = np.array(sorted(kernel))
    ax.loglog(n_k, [kernel[n] for n in n_k], "o-", label="Numba kernel (inverse-CDF tables, hashed RNG)")
    n_r = np.array(sorted(reference))
    s_r = np.array([reference[n] for n in n_r])
    ax.loglog(n_r, s_r, "s-", color="C3", label="plain Mesa reference (measured)")
    per_hh = s_r[-1] / n_r[-1]
    ext = n_k[n_k >= n_r[-1]]
    ax.loglog(ext, per_hh * ext, "s--", color="C3", mfc="none", label="reference, linear extrapolation")
    if model_year:
        n_y = np.array(sorted(model_year))
        ax.loglog(n_y, [model_year[n] for n in n_y], "D-", color="C2",
                  label="whole model year, Korea (every process)")
    ax.axhline(1.0, color="grey", lw=0.8, ls=":")
    ax.axvline(2.1e7, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("households (agents)")
    ax.set_ylabel("seconds per simulated year")
    ax.set_title("Migration step: kernel vs one Mesa agent per household")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def report(info: dict) -> str:
    """A plain-text summary of :func:`run`'s result."""
    mc = info["machine"]
    lines = [
        f"machine: {mc['cpu']}, {mc['cores']} cores, {mc['memory_gb']} GB, numba threads "
        f"{mc['numba_threads']}, load {mc['load_average_1min_at_start']} at start",
        f"Korea at scale {info['scale']:g}: {info['households']:,} households, {info['firms']:,} firms",
        f"  build: {info['build_seconds']:.1f} s   year (median of {info['years_timed']}): "
        f"{info['year_seconds']:.2f} s (fastest {info['year_seconds_min']:.2f} s, CPU "
        f"{info['year_cpu_seconds']:.2f} s)   peak RSS {info['peak_rss_gb']:.2f} GB",
        "  per process (median s): "
        + ", ".join(f"{k} {v:.3f}" for k, v in info["process_seconds_median"].items()),
        f"  migration kernel: {info['migration_kernel_seconds']:.3f} s = "
        f"{info['migration_households_per_s']:.3g} households/s",
    ]
    if "default_run" in info:
        d = info["default_run"]
        lines.append(
            f"default scale {d['scale']:g}: {d['years']} years in {d['wall_seconds']:.1f} s "
            f"including start-up ({d['households']:,} households)"
        )
    s = info["side_by_side"]
    p = s["agreement_pvalues"]
    lines += [
        f"reference (Mesa) at {s['households']:,} households: step {s['reference_step_seconds']:.2f} s "
        f"vs kernel {s['kernel_step_seconds'] * 1e3:.2f} ms: {s['speedup']:.0f}x faster "
        f"(CPU time: {s['reference_step_cpu_seconds']:.2f} s vs {s['kernel_step_cpu_seconds'] * 1e3:.2f} ms, "
        f"{s['speedup_cpu']:.0f}x)",
        f"  agreement p-values: mover rate {p['rate']:.3f}, destinations {p['destinations']:.3f}, "
        f"origin-destination {p['origin_destination']:.3f}, distance {p['distance']:.3f}",
        f"  mover rate {p['mover_rate_a']:.4f} vs {p['mover_rate_b']:.4f}; mean km "
        f"{p['mean_km_a']:.1f} vs {p['mean_km_b']:.1f}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sim.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="real households per agent (1)")
    parser.add_argument("--years", type=int, default=5, help="simulated years to time (5)")
    parser.add_argument("--quick", action="store_true",
                        help="scale 20, 2 years, reference at 100 k, no 20-year default run")
    parser.add_argument("--ref-households", type=int, default=None,
                        help="households in the side-by-side comparison (1 M; 100 k with --quick)")
    parser.add_argument("--plot", type=Path, default=None, help="write the scaling plot here")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    prec = parser.add_argument_group("precision of paired effects (--precision)")
    prec.add_argument("--precision", action="store_true",
                      help="run the precision checks instead (sim/tools/precision.py)")
    prec.add_argument("--seeds", type=int, default=3, help="seeds of the continuity and dose checks (3)")
    prec.add_argument("--variance-seeds", type=int, default=6, help="seeds of the variance ratios (6)")
    prec.add_argument("--precision-years", type=int, default=20, help="simulated years (20)")
    prec.add_argument("--precision-scale", type=float, default=None,
                      help="households per agent (default: the run default)")
    prec.add_argument("--jobs", type=int, default=2, help="parallel runs (2)")
    prec.add_argument("--dir", type=Path, default=Path("multirun/precision"),
                      help="where the runs and precision.md go (resumable)")
    args = parser.parse_args(argv)
    if args.precision:
        from sim.tools import precision

        result = precision.main(args.dir, args.seeds, args.variance_seeds, args.precision_years,
                                args.precision_scale, args.jobs)
        print(precision.dumps(result) if args.json else precision.markdown(result))
        return
    scale, years = args.scale, args.years
    if args.quick:
        scale, years = (20.0 if args.scale == 1.0 else args.scale), min(years, 2)
    ref_n = args.ref_households or (100_000 if args.quick else 1_000_000)
    info = run(scale, years, ref_n, args.quick, args.plot)
    if args.json:
        print(json.dumps(info, default=float))
    else:
        print(report(info))


if __name__ == "__main__":
    main()
