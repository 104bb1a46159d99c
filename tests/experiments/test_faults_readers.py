"""Fault suite: readers never return a silently partial or wrong run table.

A finished 40-run sweep (20 chunks) is damaged in drawn ways: chunk files deleted, a
manifest entry moved onto another chunk's runs, an entry of a provenance the manifest
does not record, rows forged (seeds not the seed scheme's), a chunk file the manifest
does not list, every chunk gone. Each time ``load_results``, ``export`` and ``discover``
refuse in one line naming the runs concerned; ``partial=True`` / ``--partial`` give
exactly the other runs and say what is missing; a resume repairs the folder. A sweep
still running is read at drawn moments: readers say it is being written, never call
a new chunk a stray, and every row they return is the finished sweep's.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.chunk_store import PROVENANCE_META, chunk_files, chunk_path, read_manifest
from experiments.coverage import IncompleteResults
from experiments.results import load_results
from experiments.seeds import run_seed
from tests.experiments.faults import (
    FAST,
    assert_never_wrong,
    cli,
    cli_output,
    copy_folder,
    counting,
    forge_manifest,
    read_quietly,
    resume,
    sweep_args,
    write_sweep,
)

RUNS, CHUNKS = 40, 20
RUNNING = 80   # runs of the sweep read while it runs
COUNTS, print_counts = counting("readers")


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path, pd.DataFrame]:
    """A finished 40-run sweep: its experiment file, its folder and its run table."""
    folder = tmp_path_factory.mktemp("readers")
    config = write_sweep(folder, RUNS)
    resume(config, folder / "out")
    return config, folder / "out", load_results(folder / "out")


def runs_of(chunks: set[int]) -> set[int]:
    return {run for c in chunks for run in (2 * c, 2 * c + 1)}


def rewrite_chunk(out: Path, chunk: int, table: pa.Table, provenance: str | None = None
                  ) -> None:
    """Write ``table`` as chunk ``chunk`` and make the manifest entry match its bytes."""
    import hashlib

    meta = dict(table.schema.metadata or {})
    if provenance is not None:
        meta[PROVENANCE_META] = provenance.encode()
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata(meta), sink)
    data = sink.getvalue().to_pybytes()
    chunk_path(out, chunk).write_bytes(data)

    def edit(entries):
        entries[chunk] = {**entries[chunk], "sha256": hashlib.sha256(data).hexdigest(),
                          **({"provenance": provenance} if provenance else {})}

    forge_manifest(out, edit)


# ------------------------------------------------------------------ damage, drawn
def deleted(out: Path, a: int, b: int) -> tuple[set[int], str]:
    for chunk in {a, b}:
        chunk_path(out, chunk).unlink()
    return runs_of({a, b}), ""


def overlapping(out: Path, a: int, b: int) -> tuple[set[int], str]:
    b = b if b != a else (a + 1) % CHUNKS   # chunk b becomes a copy of chunk a, entry too
    chunk_path(out, b).write_bytes(chunk_path(out, a).read_bytes())
    forge_manifest(out, lambda entries: entries.__setitem__(b, dict(entries[a])))
    return runs_of({b}), f"not its planned runs {2 * b}..{2 * b + 2}"


def foreign(out: Path, a: int, b: int) -> tuple[set[int], str]:
    table = pq.read_table(chunk_path(out, a))
    rewrite_chunk(out, a, table, provenance="f" * 16)
    return runs_of({a}), "provenance is not among the manifest's"


def forged(out: Path, a: int, b: int) -> tuple[set[int], str]:
    table = pq.read_table(chunk_path(out, a))
    seeds = [run_seed(7 + b + 1, r // (RUNS // 2), r % (RUNS // 2))
             for r in table.column("run_id").to_pylist()]   # another root seed's rows
    table = table.set_column(table.column_names.index("seed"), "seed",
                             pa.array(seeds, pa.int64()))
    rewrite_chunk(out, a, table)
    return runs_of({a}), "seeds are not the seed scheme's"


def unlisted(out: Path, a: int, b: int) -> tuple[set[int], str]:
    forge_manifest(out, lambda entries: entries.pop(a))        # its entry gone, file kept
    chunk_path(out, CHUNKS + b).write_bytes(chunk_path(out, b).read_bytes())   # a stray
    return runs_of({a}), "not listed in the manifest"


def emptied(out: Path, a: int, b: int) -> tuple[set[int], str]:
    for path in chunk_files(out):
        path.unlink()
    return set(range(RUNS)), ""


DAMAGE = {"deleted": deleted, "overlapping": overlapping, "foreign": foreign,
          "forged": forged, "unlisted": unlisted, "emptied": emptied}


def ranges(runs: set[int]) -> list[str]:
    """The message's words for each run range, e.g. '4 to 7'."""
    out, ordered = [], sorted(runs)
    start = prev = ordered[0]
    for run in [*ordered[1:], None]:
        if run is not None and run == prev + 1:
            prev = run
            continue
        out.append(f"{start}" if start == prev else f"{start} to {prev}")
        if run is not None:
            start = prev = run
    return out


@pytest.mark.parametrize("kind", sorted(DAMAGE))
@settings(FAST, max_examples=2)
@given(a=st.integers(0, CHUNKS - 1), b=st.integers(0, CHUNKS - 1))
def test_a_damaged_folder_is_refused_naming_the_runs_or_read_partially_on_request(
        finished, kind, a, b):
    config, pristine, reference = finished
    out = copy_folder(pristine)
    missing, reason = DAMAGE[kind](out, a, b)

    with pytest.raises(IncompleteResults) as refused:
        load_results(out)
    message = str(refused.value)
    assert "\n" not in message and f"{RUNS - len(missing)} of {RUNS} runs readable" in message
    for words in ranges(missing):
        assert f"runs {words}" in message or f", {words}" in message, (words, message)
    assert reason in message, message
    for command in (["export", str(out)], ["discover", str(out)]):
        status, err = cli(command)
        assert status == 2 and err.count("\n") == 1 and "incomplete run table" in err, err
    assert not list(out.glob("runs.csv")) and not list(out.glob("discovery_*"))
    COUNTS[f"{kind} refused"] += 1

    partial, warned = read_quietly(out)
    coverage = partial.attrs["coverage"]
    assert set(partial["run_id"]) == set(range(RUNS)) - missing
    assert sorted(run for lo, hi in coverage.missing for run in range(lo, hi)) == \
        sorted(missing)
    assert len(warned) == 1 and "partial run table" in warned[0]
    assert_never_wrong(partial, reference)
    assert "outcome" in partial.columns          # an empty table keeps its columns
    csv = out.parent / "partial.csv"
    status, stdout, _ = cli_output(["export", str(out), "--partial", "--out", str(csv)])
    assert status == 0 and f"{RUNS - len(missing)} of {RUNS} runs (partial:" in stdout
    assert len(pd.read_csv(csv)) == RUNS - len(missing)
    COUNTS["partial tables exact"] += 1

    resume(config, out)
    pd.testing.assert_frame_equal(load_results(out), reference)
    COUNTS["resumes repaired"] += 1


# ------------------------------------------------------------------ a sweep being written
@settings(FAST, max_examples=2)
@given(pauses=st.lists(st.floats(0.05, 0.4), min_size=4, max_size=8))
def test_a_sweep_still_running_is_reported_as_such_and_never_misread(tmp_path_factory,
                                                                    pauses):
    folder = tmp_path_factory.mktemp("running")
    config = write_sweep(folder, RUNNING, horizon=30)
    out = folder / "out"
    process = subprocess.Popen([sys.executable, "-m", "experiments.cli",
                                *sweep_args(config, out)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    reads = []
    try:
        deadline = time.monotonic() + 60
        while read_manifest_safely(out) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        for pause in pauses:
            time.sleep(pause)
            if process.poll() is not None:
                break
            try:
                load_results(out)
            except IncompleteResults as exc:
                assert "being written" in str(exc) or process.poll() is not None, str(exc)
                COUNTS["whole reads refused while written"] += 1
            partial, _ = read_quietly(out)
            problems = partial.attrs["coverage"].problems
            assert not any("not listed" in p for p in problems), problems
            COUNTS["strays reported"] += len(problems)
            reads.append(partial)
            status, stdout, err = cli_output(["export", str(out), "--partial", "--out",
                                              str(folder / "now.csv")])
            assert status == 0 and ("(partial: " in stdout or f": {RUNNING} runs" in stdout)
    finally:
        _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    final = load_results(out)
    assert len(final) == RUNNING
    for partial in reads:
        assert_never_wrong(partial, final)
        COUNTS["reads while written"] += 1


def read_manifest_safely(out: Path) -> dict | None:
    try:
        return read_manifest(out) if out.exists() else None
    except Exception:   # being replaced this instant
        return None
