"""Sweep throughput per executor vs mesa.batch_run, and the driver's peak memory.

    .venv/bin/python benchmarks/bench_sweep.py            # both parts, a few minutes
    .venv/bin/python benchmarks/bench_sweep.py --runs 400 --memory-sizes 1000

1. Throughput: one fixed sweep of the seed scenario (channel open / closed, full
   horizon) with each executor, and the same runs (same seeds, same overrides)
   through ``mesa.batch_run(..., number_processes=2)``; runs/s and ratios.
2. Driver memory: sweeps of 1,000 and 10,000 runs (processes executor, 2 workers),
   each in a fresh interpreter; the driver's Python-heap peak (tracemalloc), its
   Arrow-pool peak, and its peak RSS (getrusage, the driver process only).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from experiments import load_results
from experiments.config import Experiment, load_config
from experiments.executors import make_executor
from experiments.pipeline import run_sweep
from experiments.seeds import run_seed

WORKERS = 2
SWEEP = """[experiment]
name = "bench"
scenario = "paris_moscow_call"
replications = {reps}
seed = 2024
chunk_size = 100
trajectories = 0

[vary]
{vary}
"""


def write_sweep(folder: Path, reps: int, vary: str) -> Experiment:
    path = folder / f"bench_{reps}.toml"
    path.write_text(SWEEP.format(reps=reps, vary=vary), encoding="utf-8")
    return load_config(path)


def time_executor(config: Experiment, name: str, out: Path) -> float:
    started = time.perf_counter()
    with make_executor(name, None if name == "sequential" else WORKERS) as executor:
        run_sweep(config, out, executor, progress=False)
    return time.perf_counter() - started


def time_batch_run(config: Experiment) -> tuple[float, dict[int, str]]:
    """mesa.batch_run over the same (overrides, seed) pairs: one call per point."""
    import mesa

    from model.model import EscalationModel
    from model.parameters import Parameters

    horizon = config.fixed.get("horizon_weeks", Parameters.spec("horizon_weeks")["default"])
    outcomes: dict[int, str] = {}
    started = time.perf_counter()
    for point_id, point in enumerate(config.points):
        seeds = [run_seed(config.seed, point_id, r) for r in range(config.replications)]
        rows = mesa.batch_run(
            EscalationModel,
            parameters={"scenario_name": config.scenario, "record_actions": False,
                        **config.fixed, **point},
            rng=seeds, max_steps=horizon, number_processes=WORKERS, display_progress=False)
        outcomes.update({row["rng"]: row["outcome"] for row in rows})
    return time.perf_counter() - started, outcomes


def throughput(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = write_sweep(folder, runs // 2, "channel_open = [true, false]")
        print(f"throughput: {config.total_runs} runs of paris_moscow_call (full horizon, "
              f"channel open/closed), {WORKERS} workers where parallel")
        rates = {}
        tables = {}
        for name in ("sequential", "batch_run", "processes", "dask"):
            if name == "batch_run":  # before dask, so its fork pool starts thread-free
                seconds, by_seed = time_batch_run(config)
            else:
                seconds = time_executor(config, name, folder / name)
                tables[name] = load_results(folder / name)
            rates[name] = config.total_runs / seconds
            print(f"  {name:22s} {seconds:7.1f} s  {rates[name]:7.1f} runs/s")
        reference = tables["sequential"]
        same = all(t.equals(reference) for t in tables.values())
        batch_same = all(by_seed[s] == o for s, o in zip(reference["seed"],
                                                         reference["outcome"].astype(str),
                                                         strict=True))
        print(f"  run tables identical across executors: {same}; "
              f"batch_run outcomes identical (same seeds): {batch_same}")
        for name in ("processes", "dask"):
            print(f"  {name} / batch_run: {rates[name] / rates['batch_run']:.2f}x   "
                  f"{name} / sequential: {rates[name] / rates['sequential']:.2f}x")


def memory_child(runs: int) -> None:
    """One sweep of ``runs`` runs in this fresh process; prints its driver's peaks as JSON."""
    import pyarrow as pa

    with tempfile.TemporaryDirectory() as tmp:
        points = 10
        config = write_sweep(Path(tmp), runs // points,
                             f"multilateral_pressure = {{ low = 0.0, high = 0.9, num = {points} }}")
        with make_executor("processes", WORKERS) as executor:
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            started = time.perf_counter()
            run_sweep(config, Path(tmp) / "out", executor, progress=False)
            seconds = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"runs": config.total_runs, "seconds": seconds,
                          "tracemalloc_peak_mib": peak / 2**20,
                          "arrow_pool_peak_mib": pa.default_memory_pool().max_memory() / 2**20,
                          "maxrss_before_mib": rss_before / 1024,
                          "maxrss_after_mib": rss_after / 1024}))


def memory(sizes: list[int]) -> None:
    print(f"driver memory (processes executor, {WORKERS} workers; the driver process only):")
    for runs in sizes:
        done = subprocess.run([sys.executable, __file__, "--memory-child", str(runs)],
                              capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  {r['runs']:>6} runs in {r['seconds']:6.1f} s: Python heap peak "
              f"{r['tracemalloc_peak_mib']:5.1f} MiB, Arrow pool peak "
              f"{r['arrow_pool_peak_mib']:5.1f} MiB, peak RSS {r['maxrss_after_mib']:6.1f} MiB "
              f"(after imports {r['maxrss_before_mib']:6.1f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs in the throughput sweep")
    parser.add_argument("--memory-sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--memory-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    throughput(args.runs)
    if args.memory_sizes:
        memory(args.memory_sizes)


if __name__ == "__main__":
    main()
