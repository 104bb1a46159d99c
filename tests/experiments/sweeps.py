"""Small sweeps for the tests that read results back.

* ``swept``: a sweep file run once per test module through the CLI.
* ``SEED_SCENARIO`` / ``MINI``: the seed scenario's text and a 2-run, 3-week sweep of it,
  for the tests that edit one key of either.
* ``TINY`` / ``tiny_sweep_file`` / ``sequential_table``: the 20-run sweep (2 x 2 points,
  5 replications, chunks of 3) that the runner, executor and pipeline tests compare
  their run tables with.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from model.scenario import SCENARIO_DIR

if TYPE_CHECKING:
    import pandas as pd


def swept(tmp_path_factory: pytest.TempPathFactory, name: str, sweep_file: str) -> Path:
    """Write ``sweep_file`` (TOML text), sweep it sequentially; return the results folder."""
    from experiments.cli import main

    folder = tmp_path_factory.mktemp(name)
    config = folder / f"{name}.toml"
    config.write_text(sweep_file, encoding="utf-8")
    out = folder / "out"
    assert main(["sweep", str(config), "--out", str(out), "--executor", "sequential",
                 "--quiet"]) == 0
    return out


SEED_SCENARIO = (SCENARIO_DIR / "paris_moscow_call.toml").read_text(encoding="utf-8")
MINI = """[experiment]
name = "mini"
scenario = "paris_moscow_call"
replications = 2
seed = 5
horizon = 3
"""

TINY = """[experiment]
name = "tiny"
scenario = "paris_moscow_call"
replications = {reps}
seed = 11
horizon = 20
chunk_size = {chunk}
trajectories = 2

[vary]
channel_open = [true, false]
multilateral_pressure = {{ low = 0.2, high = 0.8, num = 2 }}
"""


def tiny_sweep_file(tmp_path: Path, reps: int = 5, chunk: int = 3,
                    name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(TINY.format(reps=reps, chunk=chunk), encoding="utf-8")
    return path


def sequential_table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The run table of the TINY sweep (20 runs) run by the sequential executor."""
    from experiments import load_results
    from experiments.config import load_config
    from experiments.executors import SequentialExecutor
    from experiments.pipeline import run_sweep

    tmp = tmp_path_factory.mktemp("sequential")
    config = load_config(tiny_sweep_file(tmp))
    with SequentialExecutor() as executor:
        report = run_sweep(config, tmp / "out", executor, progress=False)
    assert report.runs_done == config.total_runs == 20
    return load_results(tmp / "out")
