"""experiments/executors.py: where chunks run. Every executor gives the same run table,
brings a worker's input error back as one line, and calibrates on its own pyabc sampler;
make_executor refuses a bad choice before starting anything."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from pyabc.sampler import DaskDistributedSampler, MulticoreEvalParallelSampler, SingleCoreSampler

from experiments import load_results
from experiments.config import load_config
from experiments.executors import (
    WORKERS_PER_CORE,
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SequentialExecutor,
    make_executor,
)
from experiments.pipeline import run_sweep
from model.checks import ConfigError
from tests.experiments.commands import assert_one_line_error, cli
from tests.experiments.sweeps import MINI, SEED_SCENARIO, tiny_sweep_file
from tests.experiments.sweeps import sequential_table as run_sequentially


@pytest.fixture(scope="module")
def sequential_table(tmp_path_factory) -> pd.DataFrame:
    return run_sequentially(tmp_path_factory)


# ------------------------------------------------------------------ the same runs everywhere
@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_executors_give_identical_run_tables(tmp_path, sequential_table, executor):
    config = load_config(tiny_sweep_file(tmp_path))
    with (ProcessExecutor(2) if executor == "processes" else DaskExecutor(2)) as ex:
        assert ex.workers == 2
        run_sweep(config, tmp_path / "out", ex, progress=False)
    pd.testing.assert_frame_equal(load_results(tmp_path / "out"), sequential_table)


# ------------------------------------------------------------------ a worker's input error


def _delete_scenario_after_loading(monkeypatch, scenario: Path) -> None:
    """The experiment loads (the scenario exists), then the file goes: workers fail."""
    import experiments.config

    load = experiments.config.load_config

    def load_then_delete(path):
        config = load(path)
        scenario.unlink()
        return config

    monkeypatch.setattr(experiments.config, "load_config", load_then_delete)


@pytest.mark.parametrize("executor", ["sequential", "processes", "dask"])
def test_a_workers_input_error_is_one_line_from_every_executor(tmp_path, capfd, monkeypatch,
                                                               executor):
    scenario = tmp_path / "mine.toml"
    scenario.write_text(SEED_SCENARIO.replace('name = "paris_moscow_call"', 'name = "mine"'),
                        encoding="utf-8")
    config = tmp_path / "sweep.toml"
    config.write_text(MINI.replace('"paris_moscow_call"', '"mine.toml"'), encoding="utf-8")
    _delete_scenario_after_loading(monkeypatch, scenario)
    status, err = cli(capfd, "sweep", str(config), "--out", str(tmp_path / "out"), "--executor",
                      executor, "--workers", "1", "--quiet")
    assert_one_line_error(status, err, "mine.toml", "scenario file not found")


# ------------------------------------------------------------------ calibration samplers
def test_the_sequential_executor_calibrates_on_one_core():
    with SequentialExecutor() as executor:
        sampler = executor.abc_sampler()
    assert type(sampler) is SingleCoreSampler
    assert sampler.check_max_eval


def test_the_process_executor_calibrates_on_its_own_workers():
    with ProcessExecutor(3) as executor:
        sampler = executor.abc_sampler()
        assert executor._pool is None   # asking for the sampler starts no pool
    assert type(sampler) is MulticoreEvalParallelSampler
    assert sampler.n_procs == executor.workers == 3
    assert sampler.check_max_eval


def test_the_dask_executor_calibrates_on_its_client():
    with DaskExecutor(1, processes=False) as executor:   # an in-process LocalCluster
        sampler = executor.abc_sampler()
        assert type(sampler) is DaskDistributedSampler
        assert sampler.client is executor._client


def test_an_executor_without_its_own_sampler_cannot_calibrate():
    class Threads(Executor):   # a new executor that says nothing about calibration
        name = "threads"

        def map_unordered(self, fn, tasks):
            return map(fn, tasks)

    executor = Threads()
    assert list(executor.map_unordered(abs, [-1, 2])) == [1, 2]
    with pytest.raises(ConfigError) as refused:
        executor.abc_sampler()
    assert (refused.value.source, refused.value.key) == ("--executor", "threads")
    assert "cannot run a calibration" in refused.value.problem


# ------------------------------------------------------------------ make_executor
@pytest.mark.parametrize("args, option, problem", [
    (("gpu",), "--executor", "unknown executor (choose sequential, processes, dask)"),
    (("processes", 0), "--workers", "must be a positive whole number"),
    (("processes", -2), "--workers", "must be a positive whole number"),
    (("processes", WORKERS_PER_CORE * (os.cpu_count() or 1) + 1), "--workers", "must be at most"),
    (("sequential", None, "tcp://127.0.0.1:1"), "--scheduler", "needs --executor dask"),
    (("processes", 2, "tcp://127.0.0.1:1"), "--scheduler", "needs --executor dask"),
])
def test_make_executor_refuses_a_bad_choice(args, option, problem):
    with pytest.raises(ConfigError) as refused:
        make_executor(*args)
    assert refused.value.source == option
    assert problem in refused.value.problem


def test_make_executor_refuses_a_bad_scheduler_address():
    with pytest.raises(ConfigError) as refused:
        make_executor("dask", scheduler="not-an-address")
    assert refused.value.source == "--scheduler"
    assert refused.value.problem.startswith("bad scheduler address")


def test_make_executor_starts_the_one_asked_for():
    with make_executor("sequential") as sequential:
        assert type(sequential) is SequentialExecutor and sequential.workers == 1
    with make_executor("processes", 2) as processes:
        assert type(processes) is ProcessExecutor and processes.workers == 2
        assert processes.describe() == "processes, 2 workers"
    many = WORKERS_PER_CORE * (os.cpu_count() or 1)
    with make_executor("processes", many) as processes:   # the cap itself is allowed
        assert processes.workers == many
