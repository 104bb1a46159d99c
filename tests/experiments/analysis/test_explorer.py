"""The results explorer's data (experiments/analysis/explorer.py), on constructed tables,
and its reader's refusals on folders of every kind."""

from __future__ import annotations

import fcntl
import json
import os

import numpy as np
import pandas as pd
import pytest

from experiments.analysis.explorer import (
    CATEGORIES,
    MAX_LEVELS,
    CalibrationResults,
    Filter,
    SweepResults,
    actions_in_week,
    apply_filters,
    categories,
    filter_choices,
    heatmap,
    marginal,
    open_results,
    outcome_shares,
    predictive_rows,
    time_to_outcome,
    week_by_week,
)
from experiments.results import wilson_interval
from model import ConfigError
from tests.app.folders import PRIORS, calibration_folder
from tests.experiments.sweeps import swept


def runs_table() -> pd.DataFrame:
    """Eight runs over two points: every category, known weeks."""
    rows = [  # point, x, outcome, rule, decided, ended
        (0, 0.0, "negotiated", "settlement", 40, 28), (0, 0.0, "negotiated", "imposed", 10, 10),
        (0, 0.0, "frozen", "stalemate", 30, 5), (0, 0.0, "ongoing", "horizon", 100, -1),
        (1, 1.0, "escalated", "direct_clash", 20, -1), (1, 1.0, "negotiated", "settlement", 60, 48),
        (1, 1.0, "frozen", "unsettled_truce", 30, 4), (1, 1.0, "ongoing", "horizon", 100, -1)]
    frame = pd.DataFrame(rows, columns=["point_id", "x", "outcome", "rule", "decided_step",
                                        "ended_step"])
    frame.insert(0, "run_id", range(len(frame)))
    frame["outcome"] = pd.Categorical(frame["outcome"],
                                      ["negotiated", "frozen", "escalated", "ongoing"])
    frame["y"] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    return frame


# ------------------------------------------------------------------ categories and shares
def test_negotiated_runs_are_split_by_rule_and_the_others_keep_their_outcome():
    assert CATEGORIES == ("negotiated (imposed)", "negotiated (settlement)", "frozen",
                          "escalated", "ongoing")
    assert list(categories(runs_table())) == [
        "negotiated (settlement)", "negotiated (imposed)", "frozen", "ongoing", "escalated",
        "negotiated (settlement)", "frozen", "ongoing"]


def test_shares_per_point_count_each_category_with_its_wilson_interval():
    table = outcome_shares(runs_table(), ["point_id", "x"])
    assert list(table["point_id"]) == [0, 1] and list(table["x"]) == [0.0, 1.0]
    assert list(table["n"]) == [4, 4]
    first = table.iloc[0]
    assert first["negotiated (imposed) n"] == 1 and first["escalated n"] == 0
    assert first["negotiated (settlement) share"] == 0.25
    assert (first["negotiated (settlement) low"], first["negotiated (settlement) high"]) == (
        pytest.approx(wilson_interval(1, 4)))
    assert sum(first[f"{c} share"] for c in CATEGORIES) == pytest.approx(1.0)
    overall = outcome_shares(runs_table())
    assert overall.loc["all runs", "n"] == 8 and overall.loc["all runs", "frozen n"] == 2


# ------------------------------------------------------------------ filters
def test_filters_keep_values_or_a_range_and_combine():
    runs = runs_table()
    kept = apply_filters(runs, [Filter("outcome", ("frozen", "ongoing"))])
    assert list(kept["run_id"]) == [2, 3, 6, 7]
    both = apply_filters(runs, [Filter("outcome", ("frozen", "ongoing")),
                                Filter("y", low=0.35, high=0.75)])
    assert list(both["run_id"]) == [3, 6]
    assert apply_filters(runs, []).equals(runs)
    assert Filter("y", low=0.35, high=0.75).describe() == "y in [0.35, 0.75]"
    assert Filter("outcome", ("frozen",)).describe() == "outcome in {frozen}"


def test_filter_choices_offer_values_or_a_range():
    runs = runs_table()
    assert filter_choices(runs, "outcome") == ["negotiated", "frozen", "escalated", "ongoing"]
    assert filter_choices(runs, "x") == [0.0, 1.0]
    many = pd.DataFrame({"v": np.linspace(0, 1, MAX_LEVELS + 1)})
    assert filter_choices(many, "v") == (0.0, 1.0)


@pytest.mark.parametrize(("filters", "message"), [
    ([Filter("nope", ("a",))], "nope: no such column"),
    ([Filter("y", low=0.9, high=0.1)], "y: needs values, or a range low <= high"),
    ([Filter("y")], "y: needs values"),
])
def test_a_bad_filter_is_refused_in_one_line(filters, message):
    with pytest.raises(ConfigError, match=message):
        apply_filters(runs_table(), filters)


# ------------------------------------------------------------------ heatmap
def test_heatmap_gives_a_categorys_share_per_cell_and_bins_many_valued_axes():
    runs = runs_table()
    grid = heatmap(runs, "x", "point_id", "frozen")
    assert grid.share.loc[0, 0.0] == 0.25 and grid.share.loc[1, 1.0] == 0.25
    assert grid.n.loc[0, 0.0] == 4 and np.isnan(grid.share.loc[0, 1.0])
    many = pd.concat([runs] * 2, ignore_index=True).assign(
        y=np.linspace(0, 1, 16))   # 16 distinct values: binned in quantiles
    binned = heatmap(many, "x", "y", "ongoing", bins=4)
    assert len(binned.share.index) == 4 and binned.n.to_numpy().sum() == 16


@pytest.mark.parametrize(("args", "message"), [
    (("x", "x", "frozen"), "two different axes"),
    (("x", "y", "won"), "not one of"),
    (("x", "nope", "frozen"), "no such column"),
])
def test_a_bad_heatmap_is_refused(args, message):
    with pytest.raises(ConfigError, match=message):
        heatmap(runs_table(), *args)


# ------------------------------------------------------------------ time to outcome
def test_time_to_outcome_accumulates_each_category_by_its_clock():
    curves = time_to_outcome(runs_table())
    assert list(curves.columns) == list(CATEGORIES) and curves.index[-1] == 100
    assert curves.loc[29, "frozen"] == 0 and curves.loc[30, "frozen"] == 2 / 8
    assert curves.loc[100, "ongoing"] == 2 / 8
    assert curves.loc[100].sum() == pytest.approx(1.0)
    ended = time_to_outcome(runs_table(), "ended_step")
    assert ended.loc[4, "frozen"] == 1 / 8 and ended.loc[100, "ongoing"] == 0


def test_time_to_outcome_split_by_a_column_shares_each_groups_runs():
    curves = time_to_outcome(runs_table(), by="point_id", category="negotiated (settlement)")
    assert list(curves.columns) == ["point_id = 0", "point_id = 1"]
    assert curves.loc[40, "point_id = 0"] == 0.25 and curves.loc[40, "point_id = 1"] == 0
    assert curves.loc[60, "point_id = 1"] == 0.25
    with pytest.raises(ConfigError, match="not one of"):
        time_to_outcome(runs_table(), clock="week")
    many = runs_table().assign(y=np.linspace(0, 1, 8))
    with pytest.raises(ConfigError, match="y: has more than"):
        time_to_outcome(pd.concat([many, many.assign(y=many["y"] + 2)]), by="y")


# ------------------------------------------------------------------ calibration
def test_marginal_is_a_weighted_density_over_the_prior_with_its_interval():
    posterior = pd.DataFrame({"a": [0.1, 0.1, 0.9], "weight": [0.25, 0.25, 0.5]})
    bins, (low, high) = marginal(posterior, "a", (0.0, 1.0), bins=2)
    assert list(bins["low"]) == [0.0, 0.5] and list(bins["high"]) == [0.5, 1.0]
    assert list(bins["density"]) == pytest.approx([1.0, 1.0])   # half the weight per half
    assert (bins["density"] * (bins["high"] - bins["low"])).sum() == pytest.approx(1.0)
    assert low == pytest.approx(0.1) and high == pytest.approx(0.9)


def test_predictive_rows_label_each_pattern():
    rows = predictive_rows(pd.DataFrame({
        "target": ["t"], "pattern": ["p"], "among": ["ended"], "model_share": [0.2],
        "model_ci_low": [0.1], "model_ci_high": [0.3], "target_kind": ["share"],
        "target_value": [0.25], "target_low": [0.2], "target_high": [0.3], "within": [True]}))
    assert rows.iloc[0]["label"] == "t: p (among ended)"
    assert rows.iloc[0]["within"]


# ------------------------------------------------------------------ two runs
def test_week_by_week_joins_two_runs_and_leaves_weeks_after_an_end_empty():
    a = pd.DataFrame({"week": [0, 1, 2], "tension": [0.1, 0.2, 0.3]})
    b = pd.DataFrame({"week": [0, 1], "tension": [0.1, 0.5]})
    table = week_by_week(a, b, ["tension"])
    assert list(table.columns) == ["week", "tension A", "tension B", "tension B-A"]
    assert table["tension B-A"].iloc[1] == pytest.approx(0.3)
    assert np.isnan(table["tension B"].iloc[2])
    with pytest.raises(ConfigError, match="run B: aid_flow: no such weekly series"):
        week_by_week(a.assign(aid_flow=1.0), b, ["aid_flow"])


def test_actions_in_week_keeps_that_weeks_actions_in_order():
    actions = pd.DataFrame({"step": [0, 1, 1, 2], "actor": ["a", "b", "c", "d"]})
    assert list(actions_in_week(actions, 1)["actor"]) == ["b", "c"]


# ------------------------------------------------------------------ opening folders
SWEEP = """[experiment]
name = "explorer"
scenario = "paris_moscow_call"
replications = 4
seed = 2
horizon = 30

[vary]
multilateral_pressure = [0.1, 0.9]
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    return swept(tmp_path_factory, "explorer", SWEEP)


def test_a_sweep_opens_with_its_run_table_and_manifest(sweep):
    results = open_results(sweep)
    assert isinstance(results, SweepResults) and results.kind == "sweep"
    assert len(results.runs) == 8 and results.varied == ("multilateral_pressure",)
    assert results.notes == () and results.indices is None


def test_a_calibration_opens_with_its_tables_and_normalised_weights(tmp_path):
    results = open_results(calibration_folder(tmp_path / "cal"))
    assert isinstance(results, CalibrationResults)
    assert results.priors == {k: tuple(v) for k, v in PRIORS.items()}
    assert results.posterior["weight"].sum() == pytest.approx(1.0)
    assert list(results.generations["generation"]) == [0, 1, 2]


def refusal(folder) -> str:
    with pytest.raises(ConfigError) as caught:
        open_results(folder)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_folders_that_cannot_be_opened_are_refused_in_the_clis_words(sweep, tmp_path):
    assert refusal(tmp_path / "nowhere").endswith("no such results folder")
    (tmp_path / "empty").mkdir()
    assert "no sweep results here (manifest.json missing)" in refusal(tmp_path / "empty")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "manifest.json").write_text(json.dumps({"hello": "world"}))
    assert "damaged manifest" in refusal(foreign)
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "manifest.json").write_text("{not json")
    assert "damaged manifest (not valid JSON)" in refusal(corrupt)


def test_a_folder_being_written_is_refused_with_the_writers_pid(sweep):
    fd = os.open(sweep / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, b"4242\n", 0)
        message = refusal(sweep)
    finally:
        os.close(fd)
    assert "another escalation command (pid 4242) is writing to this folder" in message
    assert isinstance(open_results(sweep), SweepResults)   # free again


def test_an_unfinished_or_damaged_calibration_is_refused(tmp_path):
    running = calibration_folder(tmp_path / "running", status="running")
    assert "calibration not finished (status running)" in refusal(running)
    damaged = calibration_folder(tmp_path / "damaged")
    (damaged / "posterior.parquet").write_bytes(b"not parquet")
    assert "posterior.parquet: unreadable" in refusal(damaged)
    wrong = calibration_folder(tmp_path / "wrong")
    pd.DataFrame({"generation": [0]}).to_csv(wrong / "generations.csv", index=False)
    assert "generations.csv: not a calibration's file (no column epsilon" in refusal(wrong)
