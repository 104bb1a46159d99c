"""experiments/coverage.py: what a folder's files cover of its planned runs, in words.

Whole folders damaged in every way, and read while written: test_faults_readers.py.
"""

from __future__ import annotations

import pickle

from experiments.chunk_store import RunPlan
from experiments.coverage import Coverage, IncompleteResults, _gaps

PLAN = RunPlan(runs_total=10, chunk_size=3, replications=5, root_seed=1, common_seeds=False)


def test_gaps_merge_the_chunks_not_read_into_run_ranges():
    assert _gaps(PLAN, {0, 1, 2, 3}) == ()
    assert _gaps(PLAN, set()) == ((0, 10),)
    assert _gaps(PLAN, {1}) == ((0, 3), (6, 10))          # the last chunk is short
    assert _gaps(PLAN, {0, 3}) == ((3, 9),)


def coverage(**changes) -> Coverage:
    return Coverage(**{"folder": "out", "runs_total": 10, "missing": ((3, 6), (9, 10)),
                       "problems": (), "writer": None, "status": "complete", **changes})


def test_a_coverage_says_what_is_missing_why_and_what_to_do():
    assert coverage(missing=()).complete and coverage(missing=()).runs_read == 10
    text = coverage().describe()
    assert text.startswith("6 of 10 runs readable; runs 3 to 5, 9 missing")
    assert text.endswith("run the sweep again into this folder: it moves bad files aside "
                         "and runs their runs again")
    assert "still being written (pid 42): wait" in coverage(writer="42").describe()
    assert "stopped before its end (status running)" in coverage(status="running").describe()
    many = coverage(problems=tuple(f"chunk-{i}: bad" for i in range(6))).describe()
    assert "chunk-3: bad and 2 more chunk files" in many and "chunk-4" not in many


def test_an_incomplete_table_is_one_line_that_crosses_processes():
    error = IncompleteResults(coverage())
    assert "\n" not in str(error) and str(error).startswith("out: incomplete run table: ")
    assert "partial=True (--partial)" in str(error)
    again = pickle.loads(pickle.dumps(error))
    assert again.coverage == error.coverage and str(again) == str(error)
