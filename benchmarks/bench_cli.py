"""Whole-command timings: start-up, a small sweep, and a 1,000-run sweep vs mesa.batch_run.

    .venv/bin/python benchmarks/bench_cli.py              # about two minutes on two cores
    .venv/bin/python benchmarks/bench_cli.py --pairs 5

Every timing is a whole process (interpreter start, imports, work, exit), measured
with a warm bytecode cache after one untimed warm-up run. The two sides of the
1,000-run claim run as alternating pairs in the same session, so the shared
machine's load falls on both; the figures are medians over the pairs.

1. ``escalation --help`` and ``escalation params`` (median of ``--repeats``).
2. ``escalation sweep`` of 10 runs (median of ``--repeats``).
3. ``escalation sweep`` of 1,000 runs against a script that gives
   ``mesa.batch_run(EscalationModel, ..., number_processes=2)`` the same runs (same
   scenario, same overrides, same seeds) and tabulates their outcomes.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_sweep import SWEEP  # the same experiment file as the throughput benchmark

ROOT = Path(__file__).resolve().parents[1]
ESCALATION = str(Path(sys.executable).with_name("escalation"))
CHANNEL = "channel_open = [true, false]"
BATCH_RUN_SCRIPT = """
import sys
from collections import Counter

import mesa

from experiments.config import load_config
from experiments.seeds import run_seed
from model import EscalationModel


def main():
    config = load_config(sys.argv[1])
    outcomes = Counter()
    for point_id, point in enumerate(config.points):
        seeds = [run_seed(config.seed, point_id, r) for r in range(config.replications)]
        rows = mesa.batch_run(EscalationModel,
                              parameters={"scenario_name": config.scenario,
                                          "record_actions": False, **config.fixed, **point},
                              rng=seeds, max_steps=config.fixed.get("horizon_weeks", 156),
                              number_processes=2, display_progress=False)
        outcomes.update((point_id, row["outcome"]) for row in rows if row["outcome"])
    print(sorted(outcomes.items()))


if __name__ == "__main__":  # batch_run's pool may spawn: workers re-import this file
    main()
"""


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def median_of(command: list[str], repeats: int) -> float:
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)  # warm-up
    return statistics.median(timed(command) for _ in range(repeats))


def sweep_command(config: Path, out: Path) -> list[str]:
    return [ESCALATION, "sweep", str(config), "--out", str(out), "--quiet"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs of the quick commands")
    parser.add_argument("--pairs", type=int, default=3, help="sweep / batch_run pairs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in ("--help", "params"):
            seconds = median_of([ESCALATION, name], args.repeats)
            print(f"escalation {name:8s} {seconds:6.2f} s (median of {args.repeats})")

        small = folder / "small.toml"
        small.write_text(SWEEP.format(reps=5, vary=CHANNEL), encoding="utf-8")
        times = []
        for k in range(args.repeats + 1):  # a fresh folder each time: no resume
            seconds = timed(sweep_command(small, folder / f"small{k}"))
            times.append(seconds)
        print(f"10-run sweep     {statistics.median(times[1:]):6.2f} s "
              f"(median of {args.repeats}, whole command)")

        big = folder / "big.toml"
        big.write_text(SWEEP.format(reps=500, vary=CHANNEL), encoding="utf-8")
        script = folder / "batch_run_script.py"
        script.write_text(BATCH_RUN_SCRIPT, encoding="utf-8")
        pairs = []
        for k in range(args.pairs):
            out = folder / f"big{k}"
            ours = timed(sweep_command(big, out))
            shutil.rmtree(out)
            theirs = timed([sys.executable, str(script), str(big)])
            pairs.append((ours, theirs))
            print(f"  pair {k + 1}: escalation sweep {ours:6.2f} s, "
                  f"mesa.batch_run script {theirs:6.2f} s")
        ours = statistics.median(p[0] for p in pairs)
        theirs = statistics.median(p[1] for p in pairs)
        print(f"1,000-run sweep  {ours:6.2f} s vs mesa.batch_run script {theirs:6.2f} s "
              f"(median of {args.pairs} pairs; ratio {theirs / ours:.2f}x)")


if __name__ == "__main__":
    main()
