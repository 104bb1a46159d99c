"""Running the model: one seeded run, and a worker's chunk of runs as one Arrow table.

``run_one`` is the only place an experiment builds and runs a model, with Mesa's
own loop (``Model.run_model``). A chunk is a contiguous block of run ids
(run_id = point_id * replications + replication); the worker keeps each run's
summary as plain lists and builds a single table at the end (no DataFrame per
run). Weekly series are kept for replications below ``trajectories`` as list
columns (null elsewhere), so one file holds all of a chunk.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from experiments import schema
from experiments.config import Experiment
from experiments.seeds import run_seed
from model.model import EscalationModel


def run_one(scenario: str | Path, seed: int, overrides: dict[str, Any],
            record_actions: bool = False, record_weeks: bool = False) -> EscalationModel:
    """Build one seeded model and run it to its outcome (or its horizon).

    Batch runs keep neither the action log nor the weekly series unless asked: the
    run's summary is the same either way."""
    model = EscalationModel(scenario, rng=seed, record_actions=record_actions,
                            record_weeks=record_weeks, **overrides)
    model.run_model()
    return model


def run_overrides(fixed: dict[str, Any], point: dict[str, Any],
                  draw: dict[str, Any] | None = None) -> dict[str, Any]:
    """The parameter overrides of one run of an experiment: its posterior draw's values,
    then the experiment's ``[fixed]``, then its design point's (later ones win). The one
    place a run is assembled: replays of a run-table row use it too."""
    return {**(draw or {}), **fixed, **point}


@dataclass(frozen=True, slots=True)
class ChunkTask:
    """Everything a worker needs for runs ``start <= run_id < stop`` (small, picklable)."""

    chunk_id: int
    scenario: str
    fixed: dict[str, Any]
    root_seed: int
    common_seeds: bool
    replications: int
    start: int
    stop: int
    points: dict[int, dict[str, Any]]  # only the points this chunk covers
    varied: tuple[str, ...]
    trajectories: int
    draws: tuple[dict[str, Any], ...] = ()  # posterior draws: replication r runs r % len

    @property
    def size(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True, slots=True)
class ChunkResult:
    chunk_id: int
    table: pa.Table
    outcomes: dict[str, int]


def chunk_count(config: Experiment) -> int:
    return -(-config.total_runs // config.chunk_size)


def iter_chunks(config: Experiment, skip: set[int] | frozenset[int] = frozenset()
                ) -> Iterator[ChunkTask]:
    """The experiment's chunks in order, lazily (an experiment may have millions of runs)."""
    reps = config.replications
    for chunk_id in range(chunk_count(config)):
        if chunk_id in skip:
            continue
        start = chunk_id * config.chunk_size
        stop = min(start + config.chunk_size, config.total_runs)
        points = {p: config.points[p] for p in range(start // reps, (stop - 1) // reps + 1)}
        yield ChunkTask(chunk_id=chunk_id, scenario=config.scenario, fixed=config.fixed,
                        root_seed=config.seed, common_seeds=config.common_seeds,
                        replications=reps, start=start, stop=stop, points=points,
                        varied=config.varied, trajectories=config.trajectories,
                        draws=config.draws)


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run every run of the chunk; one table (experiments.schema) with one row per run."""
    rows: list[dict[str, Any]] = []
    final_keys: list[str] = []
    for run_id in range(task.start, task.stop):
        point_id, replication = divmod(run_id, task.replications)
        seed = run_seed(task.root_seed, point_id, replication, task.common_seeds)
        point = task.points[point_id]
        drawn: dict[str, Any] = {}
        draw = None
        if task.draws:
            draw_id = replication % len(task.draws)
            drawn = {"draw_id": draw_id}
            draw = task.draws[draw_id]
        overrides = run_overrides(task.fixed, point, draw)
        keeps_series = replication < task.trajectories
        model = run_one(task.scenario, seed, overrides, record_weeks=keeps_series)
        summary = model.summary()
        final_keys = list(summary["final"])
        series = model.datacollector.model_vars if keeps_series else None
        rows.append({"run_id": run_id, "point_id": point_id, "replication": replication,
                     "seed": seed, **drawn, **point, **schema.row(summary, series)})
    table = pa.Table.from_pylist(rows, schema=schema.run_schema(task.varied, final_keys,
                                                                bool(task.draws)))
    return ChunkResult(task.chunk_id, table, dict(Counter(r["outcome"] for r in rows)))
