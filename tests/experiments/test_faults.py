"""Results that cannot be silently wrong: kills, damaged files, two writers, edits, full disks.

Every fault leaves a folder that either resumes to exactly the uninterrupted run table
or is refused in one line (exit 2); readers never return a run twice or an unknown
outcome. Tiny sweeps with an 8-week horizon keep the suite fast. The counts of
faults survived are printed at the end of the module (pytest -s, or in the summary).
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import suppress
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments import files, provenance
from experiments.chunk_store import MANIFEST, QUARANTINE, chunk_files, chunk_path, read_manifest
from experiments.files import LOCK
from experiments.results import ResultsWarning, load_results
from model.checks import ConfigError
from model.scenario import SCENARIO_DIR
from tests.experiments.faults import (
    FAST,
    assert_never_wrong,
    cli,
    copy_folder,
    counting,
    read_quietly,
    resume,
    snapshot,
    sweep_args,
    write_sweep,
)

SMALL_RUNS = 12   # 6 chunks
KILL_RUNS = 40    # 20 chunks
COUNTS, print_counts = counting()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path, pd.DataFrame]:
    """A finished 12-run sweep: its experiment file, its folder and its run table."""
    folder = tmp_path_factory.mktemp("small")
    config = write_sweep(folder, SMALL_RUNS)
    resume(config, folder / "out")
    table = load_results(folder / "out")
    assert len(table) == SMALL_RUNS
    return config, folder / "out", table


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("large")
    config = write_sweep(folder, KILL_RUNS)
    resume(config, folder / "out")
    return config, load_results(folder / "out")


# ------------------------------------------------------------------ kill -9
ANCHORS = {"start": lambda out: True, "lock": lambda out: (out / LOCK).exists(),
           "first chunk": lambda out: out.exists() and bool(chunk_files(out))}


@settings(FAST, max_examples=6)
@given(anchor=st.sampled_from(sorted(ANCHORS)), delay=st.floats(0.0, 1.0))
def test_kill_9_at_random_moments_then_resume_gives_the_uninterrupted_table(
        large, anchor, delay):
    # The moment: ``delay`` seconds after the process starts, takes the folder's lock,
    # or writes its first chunk (so kills land in start-up, open, chunks and summaries).
    config, reference = large
    out = Path(tempfile.mkdtemp(prefix="kill-")) / "out"
    process = subprocess.Popen([sys.executable, "-m", "experiments.cli",
                                *sweep_args(config, out)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not ANCHORS[anchor](out) and process.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(delay)
    finally:
        with suppress(ProcessLookupError):  # a sweep that ended first is killed too late
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 10   # a child caught mid-fork (git describe) may hold
    while files.writer(out) is not None and time.monotonic() < deadline:  # the lock a
        time.sleep(0.005)                                                # moment longer
    kept = len(chunk_files(out)) if out.exists() else 0
    print(f"killed {delay:.2f} s after {anchor}: {kept} chunks on disk")
    if (out / MANIFEST).exists():
        assert_never_wrong(read_quietly(out)[0], reference)
    resume(config, out)
    table = load_results(out)
    pd.testing.assert_frame_equal(table, reference)
    COUNTS["kills survived"] += 1
    COUNTS["kills mid-sweep"] += 0 < kept < KILL_RUNS // 2
    COUNTS["runs lost"] += KILL_RUNS - len(table)
    COUNTS["runs duplicated"] += len(table) - table["run_id"].nunique()
    shutil.rmtree(out.parent)


# ------------------------------------------------------------------ damaged files
@settings(FAST, max_examples=10)
@given(manifest=st.booleans(), chunk=st.integers(0, SMALL_RUNS // 2 - 1),
       where=st.floats(0.0, 1.0, exclude_max=True), xor=st.integers(1, 255),
       truncate=st.booleans())
def test_flipped_or_truncated_files_are_detected_moved_aside_and_rerun(
        small, manifest, chunk, where, xor, truncate):
    config, pristine, reference = small
    out = copy_folder(pristine)
    path = out / MANIFEST if manifest else chunk_path(out, chunk)
    data = bytearray(path.read_bytes())
    at = int(len(data) * where)
    if truncate:
        del data[at:]
    else:
        data[at] ^= xor
    path.write_bytes(bytes(data))

    try:
        partial, warned = read_quietly(out)
    except ConfigError as exc:   # a damaged manifest: nothing can be trusted
        assert manifest and "damaged manifest" in str(exc)
    else:
        assert not manifest
        assert_never_wrong(partial, reference)
        assert len(partial) == SMALL_RUNS - 2 and any(path.name in w for w in warned)
    reported = resume(config, out)
    assert f"{path}:" in reported and QUARANTINE in reported
    assert (out / QUARANTINE / path.name).exists()
    pd.testing.assert_frame_equal(load_results(out), reference)
    COUNTS["flips/truncations detected"] += 1
    shutil.rmtree(out.parent)


def test_a_chunk_copied_under_another_number_and_a_stray_chunk_are_never_read(small):
    config, pristine, reference = small
    out = copy_folder(pristine)
    shutil.copyfile(chunk_path(out, 1), chunk_path(out, 3))      # foreign, listed number
    shutil.copyfile(chunk_path(out, 2), chunk_path(out, 99))     # stray, unlisted number
    with pytest.raises(ConfigError, match="runs 6 to 7 missing"):
        load_results(out)
    partial, warned = read_quietly(out)
    assert_never_wrong(partial, reference)
    assert len(partial) == SMALL_RUNS - 2
    assert len(warned) == 1 and "chunk-000003.parquet: its bytes differ" in warned[0] \
        and "chunk-000099.parquet: not listed" in warned[0]
    reported = resume(config, out)
    assert reported.count("moved to") == 2, reported
    assert sorted(p.name for p in (out / QUARANTINE).iterdir()) == [
        "chunk-000003.parquet", "chunk-000099.parquet"]
    pd.testing.assert_frame_equal(load_results(out), reference)
    COUNTS["foreign/stray chunks caught"] += 2
    shutil.rmtree(out.parent)


# ------------------------------------------------------------------ one writer per folder
def test_a_second_writer_is_refused_and_touches_nothing(small, tmp_path):
    config, pristine, reference = small
    out = tmp_path / "out"
    shutil.copytree(pristine, out)
    chunk_path(out, 5).unlink()                                    # work left to do
    temp = out / f".{chunk_path(out, 5).name}.424242.tmp"         # the holder's temporary
    temp.write_bytes(b"being written")
    report = tmp_path / "report"                                   # a report being written
    report.mkdir()
    fds = [os.open(folder / LOCK, os.O_RDWR | os.O_CREAT) for folder in (out, report)]
    for fd in fds:
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        before = snapshot(tmp_path)
        for command in (sweep_args(config, out),
                        ["report", "--smoke", "--out", str(report), "--executor", "sequential"]):
            status, err = cli(command)
            assert status == 2 and err.count("\n") == 1, err
            assert "is writing to this folder" in err
            assert snapshot(tmp_path) == before and temp.exists()
            COUNTS["writers refused"] += 1
    finally:
        for fd in fds:
            os.close(fd)
    status, _ = cli(sweep_args(config, out))
    assert status == 0 and not temp.exists()
    pd.testing.assert_frame_equal(load_results(out), reference)


def test_two_sweeps_started_at_once_one_is_refused_the_other_unharmed(large, tmp_path):
    config, reference = large
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "experiments.cli", *sweep_args(config, out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / LOCK).exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    status, err = cli(sweep_args(config, out))
    _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    if status == 2:   # the first still held the folder
        assert "is writing to this folder" in err
        COUNTS["writers refused"] += 1
    else:             # the first had already finished: the second found nothing to do
        assert status == 0
    table = load_results(out)
    pd.testing.assert_frame_equal(table, reference)


# ------------------------------------------------------------------ provenance
def test_an_edited_scenario_is_refused_unless_allow_mixed_records_the_mix(tmp_path):
    scenario = tmp_path / "scen.toml"
    shutil.copyfile(SCENARIO_DIR / "paris_moscow_call.toml", scenario)
    config = write_sweep(tmp_path, SMALL_RUNS, scenario="scen.toml")
    out = tmp_path / "out"
    assert cli(sweep_args(config, out))[0] == 0
    for chunk in (4, 5):
        chunk_path(out, chunk).unlink()   # as if killed before its last chunks
    scenario.write_text(scenario.read_text(encoding="utf-8") + "\n# edited\n",
                        encoding="utf-8")
    before = snapshot(out)
    status, err = cli(sweep_args(config, out))
    assert status == 2 and err.count("\n") == 1, err
    assert f"the scenario file scen.toml changed since {out} was started" in err
    assert "--allow-mixed" in err and snapshot(out) == before
    COUNTS["mixed resumes refused"] += 1

    status, err = cli(sweep_args(config, out, "--allow-mixed"))
    assert status == 0, err
    assert "mixes runs of 2 provenances" in err
    manifest = read_manifest(out)
    assert manifest["mixed_provenance"] is True
    assert [p["chunks"] for p in manifest["provenances"]] == [4, 2]
    ids = [p["id"] for p in manifest["provenances"]]
    assert [manifest["chunks"][str(c)]["provenance"] for c in range(6)] == [ids[0]] * 4 + \
        [ids[1]] * 2
    assert bool(pd.read_csv(out / "summary_overall.csv").loc[0, "mixed_provenance"]) is True
    with pytest.warns(ResultsWarning, match="mixes runs of 2 provenances"):
        assert len(load_results(out)) == SMALL_RUNS


def test_report_smoke_refuses_a_foreign_folder_before_writing_anything(tmp_path):
    out = tmp_path / "report"
    (out / "diplomacy").mkdir(parents=True)
    (out / "diplomacy" / MANIFEST).write_text('{"sweep_sha256": "0"}', encoding="utf-8")
    status, err = cli(["report", "--smoke", "--out", str(out), "--executor", "sequential"])
    assert status == 2 and "holds results of a different sweep" in err
    assert sorted(p.name for p in out.rglob("*")) == ["diplomacy", MANIFEST]


def test_changed_code_is_refused_naming_it(small, tmp_path, monkeypatch):
    config, pristine, _ = small
    out = tmp_path / "out"
    shutil.copytree(pristine, out)
    monkeypatch.setattr(provenance, "code_sha256", lambda skip=(): "0" * 64)
    status, err = cli(sweep_args(config, out))
    assert status == 2 and "the code (agents/, model/) changed" in err


# ------------------------------------------------------------------ disk full
def check_valid_and_resumable(config: Path, out: Path, kept: int, reference: pd.DataFrame):
    assert not list(out.glob(".*.tmp"))
    table, warned = read_quietly(out)
    assert len(table) == kept and len(warned) == (kept < SMALL_RUNS)
    assert not warned or f"{kept} of {SMALL_RUNS} runs readable" in warned[0]
    assert_never_wrong(table, reference)
    assert cli(sweep_args(config, out))[0] == 0
    pd.testing.assert_frame_equal(load_results(out), reference)


@pytest.mark.parametrize("fail_at", [1, 2, 3, 6, 7, 14])
def test_a_full_disk_ends_in_one_line_and_leaves_a_resumable_folder(small, tmp_path,
                                                                   monkeypatch, fail_at):
    # Writes are numbered: 1 the manifest at start, then per chunk its temporary file
    # and the manifest, then the final manifest and the summaries. From write
    # ``fail_at`` on, the disk is full.
    config, _, reference = small
    out = tmp_path / "out"
    real = files.write_synced
    calls = Counter()

    def write(path, content):
        calls["n"] += 1
        if calls["n"] >= fail_at:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, content)

    monkeypatch.setattr(files, "write_synced", write)
    status, err = cli(sweep_args(config, out))
    monkeypatch.undo()
    kept = 2 * min(max(fail_at - 2, 0) // 2, SMALL_RUNS // 2)
    assert status == 2
    assert err == f"escalation: error: disk full: {kept} runs kept, re-run to resume\n"
    if fail_at > 1:
        check_valid_and_resumable(config, out, kept, reference)
    COUNTS["disk-full exits"] += 1


def test_a_real_full_tmpfs(small, tmp_path, monkeypatch):
    """A 48 KiB tmpfs where the machine allows mounting one; elsewhere the same check on
    a simulated disk that fills up after a few writes."""
    config, _, reference = small
    mount = tmp_path / "tiny_disk"
    mount.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs",
                                  str(mount)], capture_output=True).returncode == 0
    except OSError:  # no mount command
        mounted = False
    if not mounted:
        real, writes = files.write_synced, Counter()

        def write(path, content):
            writes["n"] += 1
            if writes["n"] > 4:
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
            real(path, content)

        monkeypatch.setattr(files, "write_synced", write)
        status, err = cli(sweep_args(config, tmp_path / "out"))
        monkeypatch.undo()
        assert status == 2 and err.startswith("escalation: error: disk full: "), err
        check_valid_and_resumable(config, tmp_path / "out",
                                  int(err.split("disk full: ")[1].split()[0]), reference)
        COUNTS["disk-full exits"] += 1
        return
    try:
        out = mount / "out"
        status, err = cli(sweep_args(config, out))
        assert status == 2 and err.startswith("escalation: error: disk full: "), err
        kept = int(err.split("disk full: ")[1].split()[0])
        assert kept < SMALL_RUNS
        subprocess.run(["mount", "-o", "remount,size=4m", str(mount)], check=True)
        check_valid_and_resumable(config, out, kept, reference)
        COUNTS["disk-full exits"] += 1
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
