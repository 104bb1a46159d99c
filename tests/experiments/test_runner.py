"""Running sweeps: executors agree, seeds ignore execution order, a killed sweep resumes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from experiments import load_results
from experiments.config import load_config
from experiments.executors import DaskExecutor, ProcessExecutor, SequentialExecutor
from experiments.pipeline import run_sweep
from experiments.runner import iter_chunks, run_chunk
from experiments.seeds import run_seed
from experiments.storage import chunk_files, read_manifest

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


def sweep_file(tmp_path: Path, reps: int = 5, chunk: int = 3, name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(TINY.format(reps=reps, chunk=chunk), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sequential_table(tmp_path_factory) -> pd.DataFrame:
    tmp = tmp_path_factory.mktemp("sequential")
    config = load_config(sweep_file(tmp))
    with SequentialExecutor() as executor:
        report = run_sweep(config, tmp / "out", executor, progress=False)
    assert report.runs_done == config.total_runs == 20
    return load_results(tmp / "out")


def test_run_table_has_one_row_per_run_with_its_seed(sequential_table):
    table = sequential_table
    assert list(table["run_id"]) == list(range(20))
    assert table["run_id"].is_unique
    for row in table.itertuples():
        assert row.point_id == row.run_id // 5 and row.replication == row.run_id % 5
        assert row.seed == run_seed(11, row.point_id, row.replication)
    assert table.groupby("point_id")["channel_open"].nunique().eq(1).all()


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_executors_give_identical_run_tables(tmp_path, sequential_table, executor):
    config = load_config(sweep_file(tmp_path))
    with (ProcessExecutor(2) if executor == "processes" else DaskExecutor(2)) as ex:
        assert ex.workers == 2
        run_sweep(config, tmp_path / "out", ex, progress=False)
    pd.testing.assert_frame_equal(load_results(tmp_path / "out"), sequential_table)


def test_seeds_and_rows_do_not_depend_on_order_chunking_or_workers(tmp_path, sequential_table):
    # Chunks run one by one in a shuffled order give the same rows.
    config = load_config(sweep_file(tmp_path))
    tasks = list(iter_chunks(config))
    random.Random(3).shuffle(tasks)
    shuffled = pa.concat_tables([run_chunk(t).table for t in tasks]).to_pandas()
    shuffled = shuffled.sort_values("run_id").reset_index(drop=True)
    columns = ["run_id", "point_id", "replication", "seed", "outcome", "decided_step",
               "final_tension", "actions_military"]
    pd.testing.assert_frame_equal(shuffled[columns].astype({"outcome": str}),
                                  sequential_table[columns].astype({"outcome": str}))
    # Other chunk sizes and a single worker: same table.
    other = load_config(sweep_file(tmp_path, chunk=7, name="other.toml"))
    with ProcessExecutor(1) as executor:
        run_sweep(other, tmp_path / "one_worker", executor, progress=False)
    pd.testing.assert_frame_equal(load_results(tmp_path / "one_worker"), sequential_table)


def test_more_replications_keep_the_seeds_of_existing_ones(tmp_path, sequential_table):
    config = load_config(sweep_file(tmp_path)).with_replications(7)
    tasks = list(iter_chunks(config))
    table = pa.concat_tables([run_chunk(t).table for t in tasks]).to_pandas()
    first = table[table["replication"] < 5].sort_values(["point_id", "replication"])
    assert list(first["seed"]) == list(sequential_table["seed"])
    assert list(first["outcome"]) == list(sequential_table["outcome"].astype(str))


def escalation_sweep(config: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "experiments.cli", "sweep", str(config), "--out", str(out),
            "--quiet", *extra]


def test_a_killed_sweep_resumes_to_the_uninterrupted_table(tmp_path):
    config_path = sweep_file(tmp_path, reps=100, chunk=10)  # 400 runs in 40 chunks
    config = load_config(config_path)
    out = tmp_path / "killed"
    process = subprocess.Popen(escalation_sweep(config_path, out, "--workers", "2"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not chunk_files(out) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:  # SIGKILL the sweep and its workers (its own process group)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    kept = {path: path.stat().st_mtime_ns for path in chunk_files(out)}
    done_at_kill = len(kept)
    assert 1 <= done_at_kill < 40, "the sweep must be interrupted part-way"
    assert read_manifest(out)["status"] == "running"
    # A stray temporary, as a kill during a write leaves, is ignored by readers.
    (out / ".chunk-000039.parquet.999.tmp").write_bytes(b"half a file")
    partial = load_results(out)
    assert len(partial) == 10 * done_at_kill and partial["run_id"].is_unique

    resumed = subprocess.run(escalation_sweep(config_path, out), capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert not list(out.glob(".*.tmp"))
    assert {path: path.stat().st_mtime_ns for path in kept} == kept  # only missing chunks ran
    manifest = read_manifest(out)
    assert manifest["status"] == "complete" and manifest["runs_done"] == 400
    assert [s["chunks_at_start"] for s in manifest["sessions"]][1] >= done_at_kill

    reference = tmp_path / "uninterrupted"
    with SequentialExecutor() as executor:
        run_sweep(config, reference, executor, progress=False)
    table = load_results(out)
    assert len(table) == 400 and table["run_id"].is_unique
    pd.testing.assert_frame_equal(table, load_results(reference))
