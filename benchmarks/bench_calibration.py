"""Synthetic recovery: is the posterior as good for fewer runs?

Targets are generated from known parameter values (the shares 400 seeded runs give at
TRUTH: the synthetic-recovery problem of tests/experiments/calibration), then calibrated
back from a uniform prior by ABC-SMC in this process (the
sequential executor, so every model run is counted), once per calibration seed and per
inference setting:

* ``before``: every particle runs its whole batch of 40 runs, in every generation;
* ``after``: 10, 20, then 40 runs per particle, each particle stopped as soon as its runs
  cannot reach the threshold (``stop_early``, exact: it rejects only particles the whole
  batch would reject).

For each: model runs, seconds, the share of true values inside the posterior 90%
interval (coverage), the effective sample size of the last generation and the mean
absolute error of the posterior median.

    .venv/bin/python benchmarks/bench_calibration.py            # 3 seeds, a few minutes
    .venv/bin/python benchmarks/bench_calibration.py --seeds 5
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from experiments.calibration.config import load_calibration
from experiments.calibration.folder import POSTERIOR
from experiments.calibration.smc import calibrate
from experiments.executors import SequentialExecutor
from model.posterior import load_posterior
from tests.experiments.calibration.files import BASE, PRIORS, TRUTH, synthetic_targets
from tests.helpers import uncalibrated_scenario

SETTINGS = {"before": {"runs_per_particle": 40, "stop_early": False},
            "after": {"runs_per_particle": [10, 20, 40], "stop_early": True}}


def calibration_file(folder: Path, targets: Path, scenario: Path, seed: int,
                     setting: dict) -> Path:
    head = {"name": "recovery", "scenario": scenario.as_posix(), "seed": seed,
            "targets": [targets.as_posix()], "population": 40, "generations": 4,
            "predictive_draws": 2, "predictive_runs": 5, **setting}
    lines = ["[calibration]", *(f"{k} = {json.dumps(v)}" for k, v in head.items()),
             "[fixed]", *(f"{k} = {v}" for k, v in BASE.items()),
             "[priors]", *(f"{k} = {{ low = {lo}, high = {hi} }}"
                           for k, (lo, hi) in PRIORS.items())]
    path = folder / f"calibration_{seed}_{len(str(setting))}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def recover(folder: Path, targets: Path, scenario: Path, seed: int, setting: dict) -> dict:
    cal = load_calibration(calibration_file(folder, targets, scenario, seed, setting))
    out = folder / f"out_{seed}_{setting['stop_early']}"
    start = time.perf_counter()
    with SequentialExecutor() as executor:
        outcome = calibrate(cal, out, executor, quiet=True)
    seconds = time.perf_counter() - start
    posterior = load_posterior(out / POSTERIOR)
    low, median, high = (posterior.quantiles(q) for q in (0.05, 0.5, 0.95))
    covered = [low[n] <= v <= high[n] for n, v in TRUTH.items()]
    return {"runs": outcome.runs, "seconds": seconds, "coverage": np.mean(covered),
            "ess": 1.0 / float(np.sum(posterior.weights ** 2)),
            "error": np.mean([abs(median[n] - v) for n, v in TRUTH.items()])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="calibration seeds (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = uncalibrated_scenario(folder)
        targets = synthetic_targets(folder, scenario)
        results = {name: [recover(folder, targets, scenario, seed, setting)
                          for seed in range(args.seeds)]
                   for name, setting in SETTINGS.items()}
    print(f"{'setting':8s} {'runs':>8s} {'seconds':>8s} {'coverage':>9s} {'ESS':>6s} "
          f"{'|median - truth|':>17s}  (means over {args.seeds} calibration seeds)")
    for name, rows in results.items():
        mean = {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}
        print(f"{name:8s} {mean['runs']:8.0f} {mean['seconds']:8.1f} {mean['coverage']:9.0%} "
              f"{mean['ess']:6.1f} {mean['error']:17.3f}")
    ratio = np.mean([r["runs"] for r in results["after"]]) / np.mean(
        [r["runs"] for r in results["before"]])
    print(f"runs after / before: {ratio:.2f}")


if __name__ == "__main__":
    main()
