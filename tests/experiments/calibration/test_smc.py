"""The ABC-SMC loop end to end.

* Synthetic recovery: targets generated from known parameter values (a file written by
  the test, from 400 seeded runs) are recovered by a smoke-sized calibration: the
  posterior 90% interval covers each true value, on a fixed seed.
* A calibration killed with SIGKILL resumes from its last finished generation, and
  (sequential executor) ends with the very posterior of an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration.folder import MANIFEST, POSTERIOR
from experiments.cli import main
from model.posterior import load_posterior
from tests.experiments.calibration.files import (
    BASE,
    BOUND,
    PRIORS,
    ROOT,
    TRUTH,
    UCDP,
    calibration_file,
    synthetic_targets,
)
from tests.helpers import uncalibrated_scenario


def test_a_smoke_calibration_recovers_known_parameters(tmp_path, capsys):
    # Every parameter outside TRUTH at its documented default (no shipped posterior), in
    # the targets' runs and the calibration's alike.
    scenario = uncalibrated_scenario(tmp_path)
    targets = synthetic_targets(tmp_path, scenario)
    config = calibration_file(tmp_path, [targets], PRIORS, BASE, generations=3,
                              population=20, runs_per_particle=20,
                              scenario=scenario.as_posix())
    out = tmp_path / "out"
    assert main(["calibrate", str(config), "--out", str(out), "--executor", "sequential",
                 "--quiet"]) == 0
    capsys.readouterr()
    posterior = load_posterior(out / POSTERIOR)
    low, high = posterior.quantiles(0.05), posterior.quantiles(0.95)
    for name, value in TRUTH.items():
        assert low[name] <= value <= high[name], (name, low[name], value, high[name])
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["status"] == "complete" and manifest["generations_done"] == 3
    generations = pd.read_csv(out / "generations.csv")
    assert list(generations["generation"]) == [0, 1, 2]
    assert generations["epsilon"].is_monotonic_decreasing
    for name in ("posterior_summary.csv", "predictive.csv", "predictive.md",
                 "figures/generations.png", "figures/marginals.png", "figures/pairs.png",
                 "figures/predictive.png"):
        assert (out / name).stat().st_size > 0, name


# ------------------------------------------------------------------ resume after kill
def run_calibration(config: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "experiments.cli", "calibrate",
                             str(config), "--out", str(out), "--executor", "sequential",
                             "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def test_a_killed_calibration_resumes_to_the_same_posterior(tmp_path):
    config = calibration_file(tmp_path, [UCDP, BOUND], PRIORS, BASE, generations=3,
                              population=10, runs_per_particle=10, predictive_draws=2,
                              predictive_runs=5)
    whole = tmp_path / "whole"
    assert run_calibration(config, whole).wait(timeout=600) == 0

    killed = tmp_path / "killed"
    process = run_calibration(config, killed)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        manifest = killed / MANIFEST
        if manifest.exists() and json.loads(manifest.read_text()).get("generations_done"):
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = json.loads((killed / MANIFEST).read_text())
    assert done["status"] == "running" and 1 <= done["generations_done"] < 3
    assert not (killed / POSTERIOR).exists()

    early = tmp_path / "early"               # --finish: end on the generations done
    shutil.copytree(killed, early)
    assert main(["calibrate", str(config), "--out", str(early), "--finish", "--executor",
                 "sequential", "--quiet"]) == 0
    finished = json.loads((early / MANIFEST).read_text())
    assert finished["status"] == "complete"
    assert finished["generations_done"] == done["generations_done"]
    assert finished["stopped_by"].startswith("--finish")
    assert load_posterior(early / POSTERIOR).names == tuple(PRIORS)
    assert run_calibration(config, early).wait(timeout=600) == 0   # goes on after --finish
    assert json.loads((early / MANIFEST).read_text())["generations_done"] == 3
    np.testing.assert_array_equal(load_posterior(early / POSTERIOR).values,
                                  load_posterior(whole / POSTERIOR).values)

    # Killed after pyabc committed a generation and before the manifest said so: the
    # manifest is one generation behind the history. The same command still completes.
    window = tmp_path / "window"
    shutil.copytree(killed, window)
    behind = {**done, "generations_done": done["generations_done"] - 1,
              "generation_seconds": done["generation_seconds"][:done["generations_done"] - 1]}
    (window / MANIFEST).write_text(json.dumps(behind), encoding="utf-8")
    assert run_calibration(config, window).wait(timeout=600) == 0
    np.testing.assert_array_equal(load_posterior(window / POSTERIOR).values,
                                  load_posterior(whole / POSTERIOR).values)
    assert json.loads((window / MANIFEST).read_text())["status"] == "complete"

    assert run_calibration(config, killed).wait(timeout=600) == 0
    first, second = load_posterior(whole / POSTERIOR), load_posterior(killed / POSTERIOR)
    assert first.names == second.names
    np.testing.assert_array_equal(first.values, second.values)
    np.testing.assert_array_equal(first.weights, second.weights)
    assert math.isclose(json.loads((killed / MANIFEST).read_text())["generations_done"], 3)


def test_a_second_stage_holds_the_first_stages_medoid_and_writes_a_whole_posterior(tmp_path):
    """``hold``: every parameter of the held posterior without a prior here runs at that
    posterior's medoid ([fixed] still wins), the written posterior carries them as
    constant columns with a record of what was held, and a different held posterior is
    a different calibration (its folder refuses the other)."""
    from experiments.calibration.config import load_calibration
    from tests.helpers import write_posterior

    first = write_posterior(tmp_path / "first.parquet", {
        "temperature": [0.2, 0.4, 0.6], "attrition_rate": [0.01, 0.02, 0.03],
        "settlement_rate": [0.1, 0.3, 0.2], "weight": [1.0, 1.0, 5.0]})
    medoid = load_posterior(first).point()
    config = calibration_file(tmp_path, [UCDP], {"collapse_capability": (0.05, 0.5)},
                              {"settlement_rate": 0.25}, hold="first.parquet", population=4,
                              generations=1, runs_per_particle=4, predictive_draws=2,
                              predictive_runs=2)
    cal = load_calibration(config)
    assert cal.held == {"temperature": medoid["temperature"],
                        "attrition_rate": medoid["attrition_rate"]}
    assert cal.fixed["temperature"] == medoid["temperature"]
    assert cal.fixed["settlement_rate"] == 0.25   # fixed here wins over the held posterior
    out = tmp_path / "out"
    assert main(["calibrate", str(config), "--out", str(out), "--executor", "sequential",
                 "--quiet"]) == 0
    posterior = load_posterior(out / POSTERIOR)
    assert set(posterior.names) == {"collapse_capability", "temperature", "attrition_rate"}
    for name in ("temperature", "attrition_rate"):
        assert set(posterior.values[:, posterior.names.index(name)]) == {medoid[name]}
    held = {"posterior": "first.parquet", "sha256": load_posterior(first).sha256,
            "names": ["temperature", "attrition_rate"]}
    assert posterior.record["held"] == held
    assert json.loads((out / MANIFEST).read_text())["held"] == held   # the browser's header
    write_posterior(first, {"temperature": [0.3, 0.5], "attrition_rate": [0.01, 0.02],
                            "settlement_rate": [0.1, 0.3], "weight": [1.0, 1.0]})
    assert load_calibration(config).sha256 != cal.sha256
    assert main(["calibrate", str(config), "--out", str(out), "--executor", "sequential",
                 "--quiet"]) == 2
