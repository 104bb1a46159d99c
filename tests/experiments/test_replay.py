"""A row of a sweep's run table rebuilds the run behind it (experiments/replay.py).

The sweeps run through the CLI (the real pipeline); the rows are read back with
``load_results`` and replayed with nothing but ``run_spec`` and ``replay``: a replay that
assembled its overrides differently from the runner would end otherwise.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from experiments import load_results
from experiments.replay import (
    VERDICT_KEYS,
    RunSpec,
    replay,
    replay_differences,
    run_spec,
    sweep_experiment,
)
from model import ConfigError
from tests.app.folders import EVERY_CATEGORY, category, outcome_sweeps, sweep_text
from tests.experiments.sweeps import swept


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    return outcome_sweeps(tmp_path_factory)


def test_rows_of_every_outcome_replay_to_the_same_outcome_rule_and_weeks(folders):
    seen = set()
    for folder in folders.values():
        experiment = sweep_experiment(json.loads((folder / "manifest.json").read_text()))
        runs = load_results(folder)
        for _, row in runs.iterrows():
            summary = replay(run_spec(experiment, row.to_dict())).summary()
            assert [summary[k] for k in VERDICT_KEYS] == [row[k] for k in VERDICT_KEYS], (
                folder.name, row["run_id"])
            seen.add(category(row))
    assert seen >= EVERY_CATEGORY


def test_a_row_runs_its_draw_under_fixed_and_its_point(folders):
    folder = folders["ongoing"]   # [fixed] sets a calibrated parameter, collapse_morale
    experiment = sweep_experiment(json.loads((folder / "manifest.json").read_text()))
    row = load_results(folder).iloc[5].to_dict()
    spec = run_spec(experiment, row)
    assert spec == RunSpec("paris_moscow_call", int(row["seed"]),
                           {**experiment.draws[row["draw_id"]], **experiment.fixed})
    assert experiment.draws[row["draw_id"]]["collapse_morale"] != 0.1
    assert spec.overrides["collapse_morale"] == 0.1   # [fixed] wins over the draw


def test_a_grid_point_sets_its_values(tmp_path_factory):
    folder = swept(tmp_path_factory, "grid", sweep_text(
        "grid", {}, "multilateral_pressure = [0.1, 0.9]", draws=2))
    experiment = sweep_experiment(json.loads((folder / "manifest.json").read_text()))
    runs = load_results(folder)
    last = runs.iloc[-1].to_dict()
    assert run_spec(experiment, last).overrides["multilateral_pressure"] == 0.9
    summary = replay(run_spec(experiment, last)).summary()
    assert replay_differences(last, summary) == []


def test_a_varied_run_keeps_seed_and_draw_and_changes_one_lever():
    spec = RunSpec("paris_moscow_call", 5, {"multilateral_pressure": 0.3, "temperature": 0.6})
    varied = spec.varied("multilateral_pressure", 0.9)
    assert varied == RunSpec("paris_moscow_call", 5, {"multilateral_pressure": 0.9,
                                                      "temperature": 0.6})
    assert spec.overrides["multilateral_pressure"] == 0.3


@pytest.mark.parametrize(("change", "message"), [
    ({"point_id": 3}, "point_id: must be a whole number from 0 below 1"),
    ({"draw_id": 9}, "draw_id: must be a whole number from 0 below 4"),
    ({"draw_id": None}, "draw_id: must be a whole number"),
    ({"seed": "x"}, "seed: must be a whole number"),
    ({"seed": 1.5}, "seed: must be a whole number"),
    ({"concession_scale": 0.9}, "a row of another sweep"),
])
def test_a_bad_row_is_refused_in_one_line(folders, change, message):
    folder = folders["negotiated"]
    experiment = sweep_experiment(json.loads((folder / "manifest.json").read_text()))
    row = {**load_results(folder).iloc[0].to_dict(), **change}
    if "concession_scale" in change:   # as if concession_scale were varied, at 0.25 here
        experiment = replace(experiment, points=({"concession_scale": 0.25},))
    with pytest.raises(ConfigError, match=message) as caught:
        run_spec(experiment, row)
    assert "\n" not in str(caught.value)


def test_a_changed_or_missing_sweep_file_is_refused(folders, tmp_path):
    manifest = json.loads((folders["ongoing"] / "manifest.json").read_text())
    with pytest.raises(ConfigError, match="changed since these results were written"):
        sweep_experiment({**manifest, "sweep_sha256": "0" * 64})
    with pytest.raises(ConfigError, match="is gone"):
        sweep_experiment({**manifest, "sweep_file": str(tmp_path / "nowhere.toml")})
    with pytest.raises(ConfigError, match="names no experiment file"):
        sweep_experiment({})


def test_replay_differences_name_each_changed_key():
    row = {"outcome": "frozen", "rule": "stalemate", "decided_step": 60, "ended_step": 35}
    assert replay_differences(row, dict(row)) == []
    assert replay_differences(row, {**row, "rule": "unsettled_truce", "decided_step": 61}) == [
        "rule: stalemate -> unsettled_truce", "decided_step: 60 -> 61"]
