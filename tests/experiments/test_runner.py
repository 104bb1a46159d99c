"""experiments/runner.py: one seeded run, the chunks of an experiment, a chunk's run table.

Executors: test_executors.py; the driver (resume, chunking, workers): test_pipeline.py.
"""

from __future__ import annotations

import random
from collections import Counter

import pandas as pd
import pyarrow as pa
import pytest

from experiments.config import load_config
from experiments.runner import iter_chunks, run_chunk, run_one
from experiments.seeds import run_seed
from model.model import EscalationModel
from tests.experiments.sweeps import sequential_table as run_sequentially
from tests.experiments.sweeps import tiny_sweep_file


@pytest.fixture(scope="module")
def sequential_table(tmp_path_factory) -> pd.DataFrame:
    return run_sequentially(tmp_path_factory)


def test_run_one_is_the_seeded_model_run_to_its_outcome():
    model = run_one("paris_moscow_call", 3, {"horizon_weeks": 6})
    twin = EscalationModel("paris_moscow_call", rng=3, record_actions=False, horizon_weeks=6)
    twin.run_model()
    assert model.summary() == twin.summary()
    assert model.p.horizon_weeks == 6 and not model.running
    assert not model.record_actions and not model.record_weeks
    assert run_one("paris_moscow_call", 4, {"horizon_weeks": 6}).summary() != model.summary()


def test_iter_chunks_covers_every_run_once_with_the_points_it_needs(tmp_path):
    config = load_config(tiny_sweep_file(tmp_path))  # 20 runs, chunks of 3
    tasks = list(iter_chunks(config))
    assert [(t.chunk_id, t.start, t.stop) for t in tasks] == [
        (c, 3 * c, min(3 * c + 3, 20)) for c in range(7)]
    for task in tasks:
        assert set(task.points) == {run_id // 5 for run_id in range(task.start, task.stop)}
        assert all(task.points[p] == config.points[p] for p in task.points)
        assert (task.root_seed, task.replications, task.varied) == (11, 5, config.varied)
    skipped = list(iter_chunks(config, skip={0, 4, 6}))
    assert [t.chunk_id for t in skipped] == [1, 2, 3, 5]


def test_run_table_has_one_row_per_run_with_its_seed(sequential_table):
    table = sequential_table
    assert list(table["run_id"]) == list(range(20))
    assert table["run_id"].is_unique
    for row in table.itertuples():
        assert row.point_id == row.run_id // 5 and row.replication == row.run_id % 5
        assert row.seed == run_seed(11, row.point_id, row.replication)
    assert table.groupby("point_id")["channel_open"].nunique().eq(1).all()


def test_rows_do_not_depend_on_the_order_chunks_run_in(tmp_path, sequential_table):
    # Chunks run one by one in a shuffled order give the same rows.
    config = load_config(tiny_sweep_file(tmp_path))
    tasks = list(iter_chunks(config))
    random.Random(3).shuffle(tasks)
    results = [run_chunk(t) for t in tasks]
    for task, result in zip(tasks, results, strict=True):   # each result names its chunk
        assert result.chunk_id == task.chunk_id and result.table.num_rows == task.size
        assert result.outcomes == Counter(result.table.column("outcome").to_pylist())
    shuffled = pa.concat_tables([r.table for r in results]).to_pandas()
    shuffled = shuffled.sort_values("run_id").reset_index(drop=True)
    columns = ["run_id", "point_id", "replication", "seed", "outcome", "decided_step",
               "final_tension", "actions_military"]
    pd.testing.assert_frame_equal(shuffled[columns].astype({"outcome": str}),
                                  sequential_table[columns].astype({"outcome": str}))


def test_more_replications_keep_the_seeds_of_existing_ones(tmp_path, sequential_table):
    config = load_config(tiny_sweep_file(tmp_path)).with_replications(7)
    tasks = list(iter_chunks(config))
    table = pa.concat_tables([run_chunk(t).table for t in tasks]).to_pandas()
    first = table[table["replication"] < 5].sort_values(["point_id", "replication"])
    assert list(first["seed"]) == list(sequential_table["seed"])
    assert list(first["outcome"]) == list(sequential_table["outcome"].astype(str))
