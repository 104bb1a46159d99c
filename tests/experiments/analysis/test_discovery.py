"""Scenario discovery: a known box in synthetic data, rule text, and `escalation discover`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import load_results
from experiments.analysis.discovery import Box, boxes_table, default_outcome, find_boxes
from experiments.cli import main
from tests.experiments.sweeps import swept
from tests.helpers import uncalibrated_scenario


def synthetic(n: int = 3000, noise: float = 0.02, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """escalated iff x > 0.7 and y < 0.3 (z is irrelevant), with a share of labels flipped."""
    rng = np.random.default_rng(seed)
    features = pd.DataFrame(rng.uniform(size=(n, 3)), columns=["x", "y", "z"])
    hit = (features["x"] > 0.7).to_numpy() & (features["y"] < 0.3).to_numpy()
    flip = rng.uniform(size=n) < noise
    return features, hit ^ flip


def test_recovers_a_known_box():
    features, hit = synthetic()
    boxes = find_boxes(features, hit)
    best = boxes[0]
    assert set(best.limits) == {"x", "y"}
    x_low, x_high = best.limits["x"]
    y_low, y_high = best.limits["y"]
    assert abs(x_low - 0.7) < 0.03 and x_high == np.inf
    assert abs(y_high - 0.3) < 0.03 and y_low == -np.inf
    assert best.density > 0.85
    assert best.coverage > 0.75
    assert best.rule().startswith(("x >= 0.7", "x >= 0.6", "y <= 0.3", "y <= 0.2"))


def test_box_measures_match_the_runs_they_describe():
    features, hit = synthetic(seed=2)
    for box in find_boxes(features, hit):
        inside = np.ones(len(hit), dtype=bool)
        for name, (low, high) in box.limits.items():
            inside &= (features[name] >= low).to_numpy() & (features[name] <= high).to_numpy()
        assert box.runs == inside.sum()
        assert box.hits == hit[inside].sum()
        assert box.density == pytest.approx(hit[inside].mean())
        assert box.coverage == pytest.approx(hit[inside].sum() / hit.sum())
    table = boxes_table(find_boxes(features, hit), "escalated")
    assert list(table.columns[:7]) == ["box", "outcome", "rule", "runs", "hits", "density",
                                       "coverage"]
    assert {"x_min", "x_max", "y_min", "y_max"} <= set(table.columns)


def test_rules_read_naturally_for_flags_whole_numbers_and_grids():
    rng = np.random.default_rng(3)
    n = 800
    features = pd.DataFrame({
        "channel_open": rng.uniform(size=n) < 0.5,
        "bargaining_horizon": rng.choice([13, 26, 52, 104], size=n),
        "multilateral_pressure": rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], size=n),
    })
    hit = (~features["channel_open"] & (features["bargaining_horizon"] >= 52)).to_numpy()
    best = find_boxes(features, hit)[0]
    assert set(best.rule().split(" and ")) == {"channel_open = false",
                                              "bargaining_horizon >= 52"}
    assert best.density == 1.0 and best.coverage == 1.0
    middle = (features["multilateral_pressure"] == 0.5).to_numpy()
    assert find_boxes(features, middle)[0].rule() == "multilateral_pressure = 0.5"
    grid = Box(limits={"multilateral_pressure": (0.75, np.inf)}, runs=1, hits=1, coverage=1.0,
               density=1.0)
    assert grid.rule() == "multilateral_pressure >= 0.75"
    assert Box(limits={}, runs=1, hits=1, coverage=1, density=1).rule() == "(all runs)"


def test_no_runs_of_the_outcome_means_no_box():
    features, _ = synthetic(n=200)
    assert find_boxes(features, np.zeros(200, dtype=bool)) == []
    assert boxes_table([], "escalated").empty


# At fixed (uncalibrated) values, so the box this test expects does not move with the
# shipped calibration: the test is about discovery, not about the calibrated model.
SWEEP = """[experiment]
name = "mp"
scenario = "{scenario}"
replications = 6
seed = 4
horizon = 52
chunk_size = 12

[vary]
multilateral_pressure = [0.0, 0.5, 1.0]
hybrid_intensity = [0.5, 1.5]
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    scenario = uncalibrated_scenario(tmp_path_factory.mktemp("scenario"))
    return swept(tmp_path_factory, "mp", SWEEP.format(scenario=scenario.as_posix()))


def test_discover_on_a_sweep(sweep, capsys):
    assert main(["discover", str(sweep), "--outcome", "negotiated"]) == 0
    printed = capsys.readouterr().out
    md = (sweep / "discovery_negotiated.md").read_text()
    assert md in printed
    # Negotiation within a year comes with full pressure (the runs below): the first box
    # is full pressure, and its counts are those of the run table.
    runs = load_results(sweep)
    negotiated = runs["outcome"] == "negotiated"
    full = runs["multilateral_pressure"] == 1.0
    assert negotiated[full].mean() > 0.5 and negotiated[full].sum() > negotiated[~full].sum()
    rule = "multilateral_pressure >= 1"
    hits, coverage = int(negotiated[full].sum()), negotiated[full].sum() / negotiated.sum()
    assert (f"| 1 | `{rule}` | {int(full.sum())} | {hits} | {hits / full.sum():.1%} | "
            f"{coverage:.1%} |") in md
    table = pd.read_csv(sweep / "discovery_negotiated.csv")
    assert table.loc[0, "rule"] == rule
    assert table.loc[0, "coverage"] == pytest.approx(coverage)
    assert table.loc[0, "multilateral_pressure_min"] == 1.0


def test_discover_writes_where_told(sweep, tmp_path, capsys):
    target = tmp_path / "deep" / "esc.md"
    assert main(["discover", str(sweep), "--out", str(target), "--depth", "2"]) == 0
    # no --outcome: one that the runs reach, so the answer is not "No box found"
    chosen = default_outcome(load_results(sweep)["outcome"])
    assert 0 < (load_results(sweep)["outcome"] == chosen).sum() < len(load_results(sweep))
    assert capsys.readouterr().out.startswith(f"outcome: {chosen} (--outcome not given")
    assert target.read_text().startswith(f"# Scenario discovery: {chosen}")
    assert target.with_suffix(".csv").is_file()


def test_the_default_outcome_is_one_some_but_not_all_runs_reached():
    def pick(*outcomes: str) -> str:
        return default_outcome(pd.Series(outcomes))

    assert pick("ongoing", "frozen", "negotiated") == "negotiated"   # no escalation
    assert pick("escalated", "ongoing") == "escalated"
    assert pick("frozen", "frozen") == "frozen"                      # all alike: present
    assert pick("negotiated", "negotiated", "ongoing") == "negotiated"


@pytest.mark.parametrize("args, where", [
    (["--outcome", "won"], "--outcome: won:"),
    (["--depth", "0"], "--depth: 0:"),
    (["--min-share", "lots"], "--min-share: lots:"),
])
def test_bad_options_exit_2_and_write_nothing(sweep, capsys, args, where):
    before = sorted(p.name for p in sweep.iterdir())
    assert main(["discover", str(sweep), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and where in err[0]
    assert sorted(p.name for p in sweep.iterdir()) == before


def test_a_folder_without_results_exits_2(tmp_path, capsys):
    assert main(["discover", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(tmp_path) in err[0] and "manifest.json" in err[0]
    assert list(tmp_path.iterdir()) == []
