"""experiments/pipeline.py: the driver. Chunking and workers do not change the run table,
a killed sweep resumes to the uninterrupted one, and the session's counters."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from experiments import load_results
from experiments.chunk_store import chunk_files, read_manifest
from experiments.config import load_config
from experiments.executors import ProcessExecutor, SequentialExecutor
from experiments.pipeline import SweepReport, run_sweep, shares_text
from tests.experiments.sweeps import sequential_table as run_sequentially
from tests.experiments.sweeps import tiny_sweep_file


@pytest.fixture(scope="module")
def sequential_table(tmp_path_factory) -> pd.DataFrame:
    return run_sequentially(tmp_path_factory)


def test_other_chunk_sizes_and_one_worker_give_the_same_table(tmp_path, sequential_table):
    other = load_config(tiny_sweep_file(tmp_path, chunk=7, name="other.toml"))
    with ProcessExecutor(1) as executor:
        run_sweep(other, tmp_path / "one_worker", executor, progress=False)
    pd.testing.assert_frame_equal(load_results(tmp_path / "one_worker"), sequential_table)


def test_a_finished_sweep_resumes_to_nothing_to_do(tmp_path):
    config = load_config(tiny_sweep_file(tmp_path, reps=2, chunk=4))   # 8 runs, 2 chunks
    out = tmp_path / "out"
    with SequentialExecutor() as executor:
        first = run_sweep(config, out, executor, progress=False)
        chunks = {path: path.stat().st_mtime_ns for path in chunk_files(out)}
        again = run_sweep(config, out, executor, progress=False)
    assert (first.runs_resumed, first.runs_done, first.runs_this_session) == (0, 8, 8)
    assert (again.runs_resumed, again.runs_done, again.runs_this_session) == (8, 8, 0)
    assert again.outcomes == first.outcomes and sum(first.outcomes.values()) == 8
    assert {path: path.stat().st_mtime_ns for path in chunk_files(out)} == chunks
    assert [s["chunks_at_start"] for s in read_manifest(out)["sessions"]] == [0, 2]


def escalation_sweep(config: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "experiments.cli", "sweep", str(config), "--out", str(out),
            "--quiet", *extra]


def test_a_killed_sweep_resumes_to_the_uninterrupted_table(tmp_path):
    config_path = tiny_sweep_file(tmp_path, reps=100, chunk=10)  # 400 runs in 40 chunks
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
    partial = load_results(out, partial=True)
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


def test_shares_text_gives_each_outcome_in_order():
    counts = Counter({"ongoing": 1, "frozen": 2, "negotiated": 1})
    assert shares_text(counts) == "neg 25% frz 50% esc 0% ong 25%"
    assert shares_text(Counter({"escalated": 3})) == "neg 0% frz 0% esc 100% ong 0%"
    assert shares_text(Counter()) == ""


def test_a_reports_rate_counts_only_this_sessions_runs():
    report = SweepReport(out=Path("x"), runs_total=50, runs_done=30, runs_resumed=10,
                         seconds=4.0)
    assert report.runs_this_session == 20
    assert report.runs_per_second == 5.0
    assert SweepReport(out=Path("x"), runs_total=50, runs_done=30).runs_per_second == 0.0
