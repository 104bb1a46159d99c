"""experiments/chunk_store.py: the manifest, verified chunks and the sweep's folder.

The manifest carries its own checksum; a chunk is read only if its bytes, run ids,
provenance, outcomes and rules are the ones the manifest recorded; a chunk is listed
in the manifest before its final name exists; quarantine keeps every earlier file;
and check_folder refuses a folder no resume of this experiment may write to. Whole
sweeps killed, corrupted or out of disk: test_faults.py.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from experiments import files, provenance
from experiments.chunk_store import (
    MANIFEST,
    PROVENANCE_META,
    QUARANTINE,
    BadChunk,
    RunPlan,
    SweepStore,
    check_folder,
    chunk_entries,
    chunk_files,
    chunk_path,
    quarantine,
    read_chunk,
    read_manifest,
)
from experiments.config import Experiment, load_config
from experiments.runner import chunk_count, iter_chunks, run_chunk
from model.checks import ConfigError

SWEEP = """[experiment]
name = "store"
scenario = "paris_moscow_call"
replications = 2
seed = 3
horizon = 3
chunk_size = 2
trajectories = 0

[vary]
channel_open = [true, false]
"""


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Experiment, dict[int, pa.Table]]:
    """A 4-run experiment (2 chunks of 2) and its chunks' run tables."""
    folder = tmp_path_factory.mktemp("store")
    (folder / "store.toml").write_text(SWEEP, encoding="utf-8")
    config = load_config(folder / "store.toml")
    return config, {t.chunk_id: run_chunk(t).table for t in iter_chunks(config)}


def open_store(out: Path, config: Experiment) -> tuple[SweepStore, dict[int, Path]]:
    store = SweepStore(out, config, chunk_count(config))
    with files.exclusive(out):
        done = store.open("sequential")
    return store, done


def written(out: Path, made, chunks=(0, 1)) -> SweepStore:
    config, tables = made
    store, _ = open_store(out, config)
    for chunk_id in chunks:
        store.write_chunk(chunk_id, tables[chunk_id])
    return store


def entry_of(out: Path, chunk_id: int) -> dict:
    return read_manifest(out)["chunks"][str(chunk_id)]


# ------------------------------------------------------------------ the manifest
def test_written_chunks_read_back_as_written(made, tmp_path):
    config, tables = made
    store = written(tmp_path, made)
    manifest = read_manifest(tmp_path)
    assert manifest["sweep_sha256"] == config.sha256
    assert manifest["provenance"]["id"] == store.manifest["provenance"]["id"]
    assert chunk_entries(manifest) == store.entries
    for chunk_id, table in tables.items():
        entry = entry_of(tmp_path, chunk_id)
        assert (entry["start"], entry["stop"]) == (2 * chunk_id, 2 * chunk_id + 2)
        assert entry["sha256"] == hashlib.sha256(chunk_path(tmp_path, chunk_id)
                                                 .read_bytes()).hexdigest()
        back = read_chunk(chunk_path(tmp_path, chunk_id), entry)
        assert back.equals(table)                        # every column, in order
        assert read_chunk(chunk_path(tmp_path, chunk_id), entry, ["seed"]).column_names == \
            ["seed"]


@pytest.mark.parametrize("old, new", [('"runs_total": 4', '"runs_total": 5'),
                                      ('"status": "running"', '"status": "complete"'),
                                      ('"start": 0', '"start": 2')])
def test_an_edited_manifest_is_detected_by_its_own_checksum(made, tmp_path, old, new):
    written(tmp_path, made)
    path = tmp_path / MANIFEST
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    json.loads(path.read_text(encoding="utf-8"))      # still valid JSON
    with pytest.raises(ConfigError) as refused:
        read_manifest(tmp_path)
    assert refused.value.source == str(path)
    assert "damaged manifest (its checksum does not match its text)" in refused.value.problem


@pytest.mark.parametrize("text, reason", [
    ("{not json", "not valid JSON"), ("[1, 2]", "not a JSON object"),
    ('{"sweep_sha256": "abc", "chunks": {}}', "no checksum of this format")])
def test_a_manifest_that_is_not_one_is_damaged(tmp_path, text, reason):
    (tmp_path / MANIFEST).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"damaged manifest \\({reason}"):
        read_manifest(tmp_path)


def test_no_manifest_is_none(tmp_path):
    assert read_manifest(tmp_path) is None


def test_chunk_entries_ignore_malformed_entries():
    good = {"start": 0, "stop": 2, "sha256": "0" * 64, "provenance": "p"}
    manifest = {"chunks": {"0": good, "7": dict(good), "x": good, "-1": good, "1.5": good,
                           "2": "not an entry", "3": None, "4": [1, 2]}}
    assert chunk_entries(manifest) == {0: good, 7: good}
    for chunks in (None, [good], "chunks"):
        assert chunk_entries({"chunks": chunks}) == {}
    assert chunk_entries({}) == {}


# ------------------------------------------------------------------ verified chunks
def raw_chunk(path: Path, table: pa.Table, prov: str, start: int, stop: int) -> dict:
    """Write ``table`` as a chunk file; the manifest entry that matches its bytes."""
    table = table.replace_schema_metadata({PROVENANCE_META: prov.encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    data = sink.getvalue().to_pybytes()
    path.write_bytes(data)
    return {"start": start, "stop": stop, "sha256": hashlib.sha256(data).hexdigest(),
            "provenance": prov}


def _column(table: pa.Table, name: str, value: str) -> pa.Table:
    index = table.column_names.index(name)
    return table.set_column(index, name, pa.array([value] * table.num_rows, pa.string()))


def _unlisted(path, table):
    return None


def _flipped(path, table):
    entry = raw_chunk(path, table, "p", 0, 2)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return entry


def _other_runs(path, table):
    return raw_chunk(path, table, "p", 2, 4)


def _other_provenance(path, table):
    return {**raw_chunk(path, table, "p", 0, 2), "provenance": "q"}


def _unknown_outcome(path, table):
    return raw_chunk(path, _column(table, "outcome", "won"), "p", 0, 2)


def _unknown_rule(path, table):
    return raw_chunk(path, _column(table, "rule", "luck"), "p", 0, 2)


def _not_parquet(path, table):
    path.write_bytes(b"PAR1 but not really")
    return {"start": 0, "stop": 2, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "provenance": "p"}


def _gone(path, table):
    return {"start": 0, "stop": 2, "sha256": "0" * 64, "provenance": "p"}


BAD_CHUNKS = {
    "not listed": (_unlisted, "not listed in the manifest"),
    "bytes": (_flipped, "its bytes differ from those written (sha256 mismatch)"),
    "run ids": (_other_runs, "its run_ids are not 2..4"),
    "provenance": (_other_provenance, "its provenance differs from the manifest's"),
    "outcome": (_unknown_outcome, "unknown outcome or rule ['won']"),
    "rule": (_unknown_rule, "unknown outcome or rule ['luck']"),
    "not Parquet": (_not_parquet, "unreadable Parquet"),
    "unreadable": (_gone, "unreadable (No such file or directory)"),
}


@pytest.mark.parametrize("case", list(BAD_CHUNKS))
def test_read_chunk_refuses_a_chunk_that_is_not_the_one_recorded(made, tmp_path, case):
    _, tables = made
    make, reason = BAD_CHUNKS[case]
    path = chunk_path(tmp_path, 0)
    entry = make(path, tables[0])
    with pytest.raises(BadChunk) as refused:
        read_chunk(path, entry)
    assert str(refused.value).startswith(reason), str(refused.value)


def test_read_chunk_accepts_the_chunk_the_entry_describes(made, tmp_path):
    _, tables = made
    path = chunk_path(tmp_path, 0)
    entry = raw_chunk(path, tables[0], "p", 0, 2)
    assert read_chunk(path, entry).equals(tables[0])


def test_quarantine_never_overwrites_an_earlier_file(tmp_path, capsys):
    moved = []
    for content in (b"first", b"second", b"third"):
        chunk_path(tmp_path, 1).write_bytes(content)
        moved.append(quarantine(tmp_path, chunk_path(tmp_path, 1), "a reason"))
    folder = tmp_path / QUARANTINE
    assert moved == [folder / "chunk-000001.parquet", folder / "chunk-000001.parquet.1",
                     folder / "chunk-000001.parquet.2"]
    assert [p.read_bytes() for p in moved] == [b"first", b"second", b"third"]
    assert not chunk_path(tmp_path, 1).exists()
    err = capsys.readouterr().err.splitlines()
    assert err[1] == (f"escalation: warning: {chunk_path(tmp_path, 1)}: a reason; moved to "
                      f"{moved[1]}, its runs run again")
    (tmp_path / MANIFEST).write_text("{}", encoding="utf-8")
    quarantine(tmp_path, tmp_path / MANIFEST, "damaged")
    assert capsys.readouterr().err.rstrip().endswith(f"moved to {folder / MANIFEST}")


# ------------------------------------------------------------------ writing a sweep
def test_a_chunk_is_listed_before_its_final_name_exists(made, tmp_path, monkeypatch):
    config, tables = made
    store, _ = open_store(tmp_path, config)
    final, seen, real = chunk_path(tmp_path, 1), [], os.replace

    def replace(src, dst):
        if Path(dst) == final:   # the chunk's own rename: the manifest already lists it
            seen.append((final.exists(), chunk_entries(read_manifest(tmp_path)).get(1),
                         hashlib.sha256(Path(src).read_bytes()).hexdigest()))
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    store.write_chunk(1, tables[1])
    monkeypatch.undo()
    [(existed, entry, sha)] = seen
    assert not existed and entry is not None
    assert entry == {"start": 2, "stop": 4, "sha256": sha,
                     "provenance": store.manifest["provenance"]["id"]}
    assert read_chunk(final, entry_of(tmp_path, 1)).equals(tables[1])


def test_a_chunk_killed_before_its_rename_runs_again(made, tmp_path, monkeypatch):
    config, tables = made
    store = written(tmp_path, made, chunks=(0,))
    final, real = chunk_path(tmp_path, 1), os.replace

    def replace(src, dst):
        if Path(dst) == final:
            raise OSError(errno.EIO, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        store.write_chunk(1, tables[1])
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # no temporary
        files.LOCK, chunk_path(tmp_path, 0).name, MANIFEST]
    assert 1 in chunk_entries(read_manifest(tmp_path)) and sorted(store.entries) == [0]
    _, done = open_store(tmp_path, config)                       # a resume
    assert done == {0: chunk_path(tmp_path, 0)}                  # chunk 1 runs again
    assert sorted(chunk_entries(read_manifest(tmp_path))) == [0]


def test_a_failed_chunk_write_is_not_listed(made, tmp_path, monkeypatch):
    tables = made[1]
    store = written(tmp_path, made, chunks=(0,))

    def full(path, write):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(files, "write_synced", full)
    with pytest.raises(OSError):
        store.write_chunk(1, tables[1])
    monkeypatch.undo()
    assert sorted(chunk_entries(read_manifest(tmp_path))) == [0] == sorted(store.entries)
    assert chunk_files(tmp_path) == [chunk_path(tmp_path, 0)]
    assert not list(tmp_path.glob(".*.tmp"))


def test_open_keeps_verified_chunks_and_moves_the_rest_aside(made, tmp_path, capsys):
    config = made[0]
    written(tmp_path, made)
    data = bytearray(chunk_path(tmp_path, 1).read_bytes())
    data[100] ^= 1
    chunk_path(tmp_path, 1).write_bytes(bytes(data))
    (tmp_path / ".chunk-000001.parquet.4242.tmp").write_bytes(b"half")
    store, done = open_store(tmp_path, config)
    assert done == {0: chunk_path(tmp_path, 0)}
    assert store.resumed_outcomes == run_chunk(next(iter_chunks(config))).outcomes
    assert (tmp_path / QUARANTINE / "chunk-000001.parquet").read_bytes() == bytes(data)
    assert not list(tmp_path.glob(".*.tmp"))
    assert sorted(chunk_entries(read_manifest(tmp_path))) == [0]
    assert "sha256 mismatch" in capsys.readouterr().err


# ------------------------------------------------------------------ whose folder
def test_check_folder_accepts_a_new_or_empty_folder_and_creates_nothing(made, tmp_path):
    config, _ = made
    check_folder(tmp_path / "new", config)
    check_folder(tmp_path, config)
    assert not (tmp_path / "new").exists() and list(tmp_path.iterdir()) == []


def test_check_folder_refuses_a_file(made, tmp_path):
    (tmp_path / "out").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="exists and is not a folder"):
        check_folder(tmp_path / "out", made[0])


def test_check_folder_refuses_another_sweeps_folder(made, tmp_path):
    config, _ = made
    written(tmp_path / "out", made)
    (tmp_path / "other.toml").write_text(SWEEP.replace("seed = 3", "seed = 4"), encoding="utf-8")
    other = load_config(tmp_path / "other.toml")
    with pytest.raises(ConfigError) as refused:
        check_folder(tmp_path / "out", other)
    assert refused.value.source == "--out"
    assert refused.value.problem.startswith(
        f"holds results of a different sweep ({Path(config.source).resolve()}, sha256 "
        f"{config.sha256[:12]})")
    check_folder(tmp_path / "out", config)   # its own sweep resumes


def test_check_folder_refuses_another_replications_count(made, tmp_path):
    config, _ = made
    written(tmp_path, made)
    with pytest.raises(ConfigError, match="holds this sweep with 2 replications, not 3"):
        check_folder(tmp_path, config.with_replications(3))


def test_a_damaged_manifest_is_refused_only_if_it_names_another_sweep(made, tmp_path):
    config, _ = made
    (tmp_path / MANIFEST).write_text(json.dumps({"sweep_sha256": "0" * 64}), encoding="utf-8")
    with pytest.raises(ConfigError, match="its manifest names another"):
        check_folder(tmp_path, config)
    (tmp_path / MANIFEST).write_text(json.dumps({"sweep_sha256": config.sha256}),
                                     encoding="utf-8")
    check_folder(tmp_path, config)           # this sweep's: the writer starts it again


def test_check_folder_refuses_changed_code_unless_allow_mixed(made, tmp_path, monkeypatch):
    config, _ = made
    written(tmp_path, made)
    monkeypatch.setattr(provenance, "code_sha256", lambda skip=(): "0" * 64)
    with pytest.raises(ConfigError) as refused:
        check_folder(tmp_path, config)
    assert refused.value.problem.startswith(
        f"the code (agents/, model/) changed since {tmp_path} was started")
    assert "--allow-mixed" in refused.value.problem
    check_folder(tmp_path, config, allow_mixed=True)


# ------------------------------------------------------------------ the plan of runs
def test_a_run_plan_checks_entries_and_rows_against_the_seed_scheme(made, tmp_path):
    config, tables = made
    plan = RunPlan.of(config)
    assert plan == RunPlan.recorded(written(tmp_path, made).manifest, "m")
    entry = {"start": 2, "stop": 4, "provenance": "p"}
    assert plan.entry_problem(1, entry, {"p"}) is None
    assert "not a chunk of this sweep" in plan.entry_problem(2, entry, {"p"})
    assert "not its planned runs 0..2" in plan.entry_problem(0, entry, {"p"})
    assert "provenance is not among" in plan.entry_problem(1, entry, {"q"})
    assert plan.rows_problem(tables[1]) is None
    seeds = tables[1].column("seed").to_pylist()[::-1]
    forged = tables[1].set_column(tables[1].column_names.index("seed"), "seed",
                                  pa.array(seeds, pa.int64()))
    assert "seeds are not the seed scheme's" in plan.rows_problem(forged)
    with pytest.raises(ConfigError, match="no plan of runs"):
        RunPlan.recorded({"runs_total": 4}, "m")


@pytest.mark.parametrize("make, problem", [
    (lambda out: (out / MANIFEST).write_text(json.dumps({"calibration_sha256": "0" * 64})),
     "holds a calibration's results"),
    (lambda out: (out / MANIFEST).write_text('{"hello": "world"}'),
     "holds a manifest.json that is not a sweep's"),
    (lambda out: (out / "notes.txt").write_text("mine"), "is not empty (it holds 'notes.txt')"),
])
def test_check_folder_never_takes_over_another_commands_folder(made, tmp_path, make, problem):
    make(tmp_path)
    with pytest.raises(ConfigError) as refused:
        check_folder(tmp_path, made[0])
    assert problem in refused.value.problem


def test_check_folder_takes_back_its_own_truncated_manifest_and_the_experiment_file(made,
                                                                                tmp_path):
    config = made[0]
    written(tmp_path / "out", made)
    text = (tmp_path / "out" / MANIFEST).read_text(encoding="utf-8")
    for cut in (0, 5, 40, len(text) // 2):
        (tmp_path / "out" / MANIFEST).write_text(text[:cut], encoding="utf-8")
        check_folder(tmp_path / "out", config)         # the writer sets it aside, reruns
    (tmp_path / "beside").mkdir()
    (tmp_path / "beside" / "store.toml").write_text(SWEEP, encoding="utf-8")
    check_folder(tmp_path / "beside", load_config(tmp_path / "beside" / "store.toml"))
