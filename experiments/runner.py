"""Worker side of a sweep: run one chunk of runs, return one Arrow table.

A chunk is a contiguous block of run ids (run_id = point_id * replications +
replication). The worker builds each model from the scenario reference (scenario
objects are not picklable; ``load_scenario`` caches per process), runs it, keeps
``model.summary()`` as plain lists, and builds a single table at the end: no
DataFrame per run. Weekly series are kept for replications below ``trajectories``
as list columns (null elsewhere), so one file holds all of a chunk.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from agents.catalogue import INSTRUMENTS
from experiments.seeds import run_seed
from experiments.sweep_config import SweepConfig
from model.ladder import THRESHOLDS
from model.model import EscalationModel
from model.parameters import Parameters

SERIES = ("escalation_score", "max_rung", "tension", "territory_attacker")
SERIES_PREFIX = "series_"
ARROW_TYPES = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}


def threshold_column(name: str) -> str:
    """Column of a Kahn threshold, e.g. "don't rock the boat" -> threshold_dont_rock_the_boat."""
    return "threshold_" + re.sub(r"[^a-z0-9]+", "_", name.lower().replace("'", "")).strip("_")


THRESHOLD_COLUMNS = {name: threshold_column(name) for _, name in THRESHOLDS}


@dataclass(frozen=True, slots=True)
class ChunkTask:
    """Everything a worker needs for runs ``start <= run_id < stop`` (small, picklable)."""

    chunk_id: int
    scenario: str
    fixed: dict[str, Any]
    root_seed: int
    replications: int
    start: int
    stop: int
    points: dict[int, dict[str, Any]]  # only the points this chunk covers
    varied: tuple[str, ...]
    trajectories: int

    @property
    def size(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True, slots=True)
class ChunkResult:
    chunk_id: int
    table: pa.Table
    outcomes: dict[str, int]


def chunk_count(config: SweepConfig) -> int:
    return -(-config.total_runs // config.chunk_size)


def iter_chunks(config: SweepConfig, skip: set[int] | frozenset[int] = frozenset()
                ) -> Iterator[ChunkTask]:
    """The sweep's chunks in order, lazily (a sweep may have millions of runs)."""
    reps = config.replications
    for chunk_id in range(chunk_count(config)):
        if chunk_id in skip:
            continue
        start = chunk_id * config.chunk_size
        stop = min(start + config.chunk_size, config.total_runs)
        points = {p: config.points[p] for p in range(start // reps, (stop - 1) // reps + 1)}
        yield ChunkTask(chunk_id=chunk_id, scenario=config.scenario, fixed=config.fixed,
                        root_seed=config.seed, replications=reps, start=start, stop=stop,
                        points=points, varied=config.varied,
                        trajectories=config.trajectories)


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run every run of the chunk; one table with one row per run."""
    cols: dict[str, list[Any]] = {}

    def put(name: str, value: Any) -> None:
        cols.setdefault(name, []).append(value)

    for run_id in range(task.start, task.stop):
        point_id, replication = divmod(run_id, task.replications)
        seed = run_seed(task.root_seed, point_id, replication)
        point = task.points[point_id]
        model = EscalationModel(task.scenario, rng=seed, record_actions=False,
                                **task.fixed, **point)
        while model.running:
            model.step()
        summary = model.summary()
        put("run_id", run_id)
        put("point_id", point_id)
        put("replication", replication)
        put("seed", seed)
        for key in task.varied:
            put(key, point[key])
        put("outcome", summary["outcome"])
        put("decided_step", summary["decided_step"])
        put("rule", summary["rule"])
        put("max_rung", summary["max_rung"])
        crossed = summary["thresholds"]
        for name, column in THRESHOLD_COLUMNS.items():
            put(column, crossed.get(name))
        for key, value in summary["final"].items():
            put(f"final_{key}", value)
        for instrument in INSTRUMENTS:
            put(f"actions_{instrument}", summary["actions_by_instrument"].get(instrument, 0))
        keep = replication < task.trajectories
        model_vars = model.datacollector.model_vars
        for name in SERIES:
            put(SERIES_PREFIX + name, [float(v) for v in model_vars[name]] if keep else None)
    return ChunkResult(task.chunk_id, _table(cols, task.varied), dict(Counter(cols["outcome"])))


def _table(cols: dict[str, list[Any]], varied: tuple[str, ...]) -> pa.Table:
    """Typed columns: parameters by their declared type, thresholds as nullable ints."""
    arrays = {}
    for name, values in cols.items():
        if name in varied:
            kind = ARROW_TYPES[Parameters.spec(name)["type"]]
        elif name in ("outcome", "rule"):
            kind = pa.string()
        elif name.startswith(SERIES_PREFIX):
            kind = pa.list_(pa.float64())
        elif name.startswith("final_"):
            kind = _inferred(values)
        else:
            kind = pa.int64()
        arrays[name] = pa.array(values, type=kind)
    return pa.table(arrays)


def _inferred(values: list[Any]) -> pa.DataType | None:
    """Type of a ``final_*`` column from its values (None: let pyarrow infer)."""
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    if all(isinstance(v, str) for v in values):
        return pa.string()
    return None

