"""`escalation export`: the run table as CSV, one row per run; bad folders exit 2 in one line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments.cli import main
from experiments.results import load_results
from experiments.schema import THRESHOLD_COLUMNS
from model.outcomes import OUTCOMES
from tests.experiments.sweeps import swept

TINY = """[experiment]
name = "tiny_export"
scenario = "paris_moscow_call"
replications = 5
seed = 11
horizon = 12
chunk_size = 3

[vary]
channel_open = [true, false]
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    return swept(tmp_path_factory, "tiny", TINY)


def test_export_writes_one_row_per_run_with_the_run_table_columns(results, capsys):
    assert main(["export", str(results)]) == 0
    csv = results / "runs.csv"
    assert capsys.readouterr().out.strip() == f"wrote {csv}: 10 runs"
    exported = pd.read_csv(csv)
    runs = load_results(results)
    assert len(exported) == len(runs) == 10
    assert list(exported.columns) == list(runs.columns)
    for column in ("run_id", "point_id", "replication", "seed", "channel_open", "outcome",
                   "decided_step", "rule", "max_rung", *THRESHOLD_COLUMNS.values(),
                   "final_territory_change", "actions_military", "actions_cyber"):
        assert column in exported.columns, column
    assert exported["run_id"].tolist() == list(range(10))
    assert exported["seed"].tolist() == runs["seed"].tolist()  # 63-bit seeds survive
    assert set(exported["outcome"]) <= set(OUTCOMES)
    assert exported["channel_open"].tolist() == [True] * 5 + [False] * 5


def test_export_out_option_creates_the_folder(results, tmp_path):
    target = tmp_path / "deep" / "runs_copy.csv"
    assert main(["export", str(results), "--out", str(target)]) == 0
    assert len(pd.read_csv(target)) == 10


@pytest.mark.parametrize("make", ["missing", "empty", "no_chunks", "list", "wrong_types"])
def test_a_folder_without_results_exits_2_in_one_line(tmp_path, capsys, make):
    folder = tmp_path / "results"
    if make != "missing":
        folder.mkdir()
    manifest = {"no_chunks": "{}", "list": "[1]",  # valid JSON, not a manifest
                "wrong_types": '{"runs_done": "many", "chunks": 3}'}.get(make)
    if manifest is not None:
        (folder / "manifest.json").write_text(manifest, encoding="utf-8")
    assert main(["export", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"escalation: error: {folder}")
    assert not (folder / "runs.csv").exists()
