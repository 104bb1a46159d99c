"""Rebuilding one run of a sweep from its row of the run table (the explorer's "open run").

A sweep's run depends only on its experiment file (scenario, ``[fixed]``, the design's
points, the posterior draws), on its row (seed, point, draw) and on the code. So a row
is rebuilt, not stored: ``run_spec`` assembles the model's arguments the way the runner
did (``experiments.runner.run_overrides``: the draw, then ``[fixed]``, then the point)
with the row's own seed. A replay whose code or files changed since the sweep may end
differently: ``replay_differences`` says how, so the explorer never hides it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from numbers import Number
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.config import Experiment, load_config
from experiments.runner import run_overrides
from model import ConfigError, EscalationModel

# The run-table columns a replay must reproduce (``model.summary()`` has the same keys).
VERDICT_KEYS = ("outcome", "rule", "decided_step", "ended_step")


@dataclass(frozen=True, slots=True)
class RunSpec:
    """Everything that makes one run: the scenario, the seed and the parameter overrides."""

    scenario: str
    seed: int
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def model(self, record_actions: bool = True) -> EscalationModel:
        """A fresh model of this run at week 0 (the action log on: the replay is watched)."""
        return EscalationModel(self.scenario, rng=self.seed, record_actions=record_actions,
                               **self.overrides)

    def varied(self, name: str, value: Any) -> RunSpec:
        """The same run with one parameter changed (a lever on against off, same seed)."""
        return replace(self, overrides={**self.overrides, name: value})


def sweep_experiment(manifest: Mapping[str, Any]) -> Experiment:
    """The experiment a results folder ran, from its manifest's ``sweep_file``.

    Refused (ConfigError) when the file is gone or has changed since the sweep: its
    points or draws could then differ, and a rebuilt row would be another run.
    """
    path = manifest.get("sweep_file")
    if not isinstance(path, str) or not path:
        raise ConfigError("manifest.json", "sweep_file", "names no experiment file: the "
                          "runs of this folder cannot be rebuilt")
    if not Path(path).is_file():
        raise ConfigError(path, "", "the experiment file of these results is gone: its runs "
                          "cannot be rebuilt")
    experiment = load_config(path)
    if experiment.sha256 != manifest.get("sweep_sha256"):
        raise ConfigError(path, "", "changed since these results were written (its sha256 "
                          "differs from the manifest's): its runs cannot be rebuilt")
    return experiment


def run_spec(experiment: Experiment, row: Mapping[str, Any]) -> RunSpec:
    """The run behind ``row`` (a run-table row: seed, point_id, draw_id if drawn).

    The one place a row becomes a run. Refused: a point or draw the experiment does not
    have, and a row whose varied values are not its point's (a row of another sweep).
    """
    point_id = _whole(row, "point_id", len(experiment.points))
    point = experiment.points[point_id]
    for name, value in point.items():
        if name in row and not _same(row[name], value):
            raise ConfigError("row", name, f"is {row[name]!r} but point {point_id} of "
                              f"{experiment.source} has {value!r}: a row of another sweep")
    draw = None
    if experiment.draws:
        draw = experiment.draws[_whole(row, "draw_id", len(experiment.draws))]
    overrides = run_overrides(experiment.fixed, point, draw)
    seed = _whole(row, "seed", None)
    return RunSpec(experiment.scenario, seed, overrides)


def replay(spec: RunSpec) -> EscalationModel:
    """Build the run and run it to its outcome (or its horizon), action log on."""
    model = spec.model()
    model.run_model()
    return model


def replay_differences(row: Mapping[str, Any], summary: Mapping[str, Any]) -> list[str]:
    """Where a replay's verdict differs from its row, e.g. ``rule: settlement -> imposed``."""
    return [f"{key}: {row[key]} -> {summary[key]}" for key in VERDICT_KEYS
            if key in row and not _same(row[key], summary[key])]


def _whole(row: Mapping[str, Any], key: str, size: int | None) -> int:
    value = row.get(key)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError("row", key, f"must be a whole number, got {value!r}") from None
    if number != value or number < 0 or (size is not None and number >= size):
        limit = "" if size is None else f" below {size}"
        raise ConfigError("row", key, f"must be a whole number from 0{limit}, got {value!r}")
    return number


def _same(shown: Any, value: Any) -> bool:
    """A table cell (numpy, pandas or plain; missing as None, NaN or NA) against a value."""
    if pd.isna(shown) or pd.isna(value):
        return bool(pd.isna(shown) and pd.isna(value))
    if isinstance(shown, Number) and isinstance(value, Number):
        return math.isclose(float(shown), float(value), rel_tol=1e-12, abs_tol=1e-12)
    return str(shown) == str(value)
