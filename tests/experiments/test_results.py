"""Reading results back: run table, Wilson intervals, summaries, manifest and figures."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import experiments
from experiments.analysis.figures import make_figures
from experiments.analysis.summaries import summarise
from experiments.chunk_store import read_manifest
from experiments.config import load_config
from experiments.executors import SequentialExecutor
from experiments.pipeline import run_sweep
from experiments.results import load_trajectories, wilson_interval
from experiments.schema import SERIES, THRESHOLD_COLUMNS
from model.ladder import THRESHOLDS
from model.outcomes import OUTCOMES

SWEEP = """[experiment]
name = "results"
scenario = "paris_moscow_call"
replications = 6
seed = 21
horizon = 60
chunk_size = 5
trajectories = 2

[fixed]
freeze_weeks = 12

[vary]
multilateral_pressure = [0.1, 0.9]
aid_reliability = {{ low = 0.2, high = 1.0, num = 2 }}
{extra}"""


def run(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP.format(extra=""), encoding="utf-8")
    with SequentialExecutor() as executor:
        run_sweep(load_config(path), tmp_path / "out", executor, progress=False)
    return tmp_path / "out"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return run(tmp_path_factory.mktemp("results"))


@pytest.mark.parametrize("k, n, low, high", [
    (0, 10, 0.0, 0.27753),     # 1.96/(1+z²/10)·sqrt(z²/400) = 0.13877, centre 0.13877
    (5, 10, 0.23659, 0.76341),
    (10, 10, 0.72247, 1.0),
    (1, 4, 0.04559, 0.69936),
    (50, 100, 0.40383, 0.59617),
])
def test_wilson_intervals_match_known_values(k, n, low, high):
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)
    z = 1.959964
    centre = (k / n + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(k / n * (1 - k / n) / n + z * z / (4 * n * n))
    assert got == pytest.approx((centre - half, centre + half), abs=1e-6)


def test_wilson_intervals_equal_scipy_binomtest():
    from scipy.stats import binomtest

    for n in (1, 2, 7, 40, 1000):
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            for confidence in (0.9, 0.95, 0.99):
                ci = binomtest(k, n).proportion_ci(confidence_level=confidence,
                                                   method="wilson")
                assert wilson_interval(k, n, confidence) == pytest.approx(
                    (ci.low, ci.high), abs=1e-12)


def test_load_results_gives_one_typed_row_per_run(out):
    table = experiments.load_results(out)
    assert len(table) == 24 and list(table["run_id"]) == list(range(24))
    for column in ("run_id", "point_id", "replication", "seed", "multilateral_pressure",
                   "aid_reliability", "outcome", "decided_step", "rule", "max_rung"):
        assert column in table
    assert isinstance(table["outcome"].dtype, pd.CategoricalDtype)
    assert list(table["outcome"].cat.categories) == list(OUTCOMES)
    assert table["outcome"].notna().all()
    assert set(THRESHOLD_COLUMNS.values()) <= set(table.columns)
    assert len(THRESHOLD_COLUMNS) == len(THRESHOLDS)
    for column in THRESHOLD_COLUMNS.values():
        assert str(table[column].dtype) == "Int64"
    # The seed scenario starts at rung 12: two thresholds crossed "before the run".
    assert (table["threshold_dont_rock_the_boat"] == 0).all()
    assert table["threshold_city_targeting"].isna().all()
    assert {"final_tension", "final_territory_attacker"} <= set(table.columns)
    actions = [c for c in table.columns if c.startswith("actions_")]
    assert "actions_cyber" in actions and (table[actions].sum(axis=1) > 0).all()
    assert not any(c.startswith("series_") for c in table.columns)
    assert (table["decided_step"] <= 60).all()


def test_trajectories_are_kept_for_the_first_replications(out):
    frame = load_trajectories(out)
    assert set(frame["replication"]) == {0, 1}
    assert frame["run_id"].nunique() == 4 * 2
    runs = experiments.load_results(out).set_index("run_id")
    for run_id, weeks in frame.groupby("run_id"):
        assert list(weeks["week"]) == list(range(runs.loc[run_id, "decided_step"] + 1))
    assert set(SERIES) <= set(frame.columns)


def test_summary_csv_has_shares_and_wilson_intervals_per_point(out):
    summarise(out)
    on_disk = pd.read_csv(out / "summary.csv")
    assert len(on_disk) == 4
    assert list(on_disk.columns[:4]) == ["point_id", "multilateral_pressure", "aid_reliability",
                                         "n"]
    runs = experiments.load_results(out)
    for row in on_disk.itertuples():
        subset = runs[runs["point_id"] == row.point_id]
        assert row.n == len(subset) == 6
        assert sum(getattr(row, f"{o}_n") for o in OUTCOMES) == row.n
        for o in OUTCOMES:
            k = int((subset["outcome"] == o).sum())
            assert getattr(row, f"{o}_n") == k
            assert getattr(row, f"{o}_share") == pytest.approx(k / 6)
            low, high = wilson_interval(k, 6)
            assert getattr(row, f"{o}_ci_low") == pytest.approx(low)
            assert getattr(row, f"{o}_ci_high") == pytest.approx(high)
    whole = pd.read_csv(out / "summary_overall.csv")
    assert len(whole) == 1 and whole.loc[0, "n"] == 24 and whole.loc[0, "points"] == 4
    assert sum(whole.loc[0, f"{o}_n"] for o in OUTCOMES) == 24
    assert sum(whole.loc[0, c] for c in whole.columns if c.startswith("rule_")) == 24


def test_manifest_records_the_sweep_and_its_provenance(out):
    manifest = read_manifest(out)
    for key in ("sweep_file", "sweep_sha256", "root_seed", "packages", "code_version",
                "started", "finished", "runs_total", "runs_done", "chunks_total"):
        assert manifest[key] not in (None, ""), key
    assert manifest["root_seed"] == 21 and manifest["runs_done"] == 24
    assert manifest["status"] == "complete"
    assert {"mesa", "numpy", "pyarrow", "python"} <= set(manifest["packages"])


def test_figures_are_written(out):
    per_point, _ = summarise(out)
    names = {p.name for p in make_figures(out, per_point)}
    assert names == {"outcome_shares.png", "outcome_heatmaps.png", "time_to_outcome.png",
                     "trajectories.png"}
    for name in names:
        assert (out / "figures" / name).read_bytes()[:4] == b"\x89PNG"


def test_one_varied_parameter_has_no_heatmap(tmp_path):
    path = tmp_path / "one.toml"
    path.write_text(SWEEP.format(extra="").replace(
        "aid_reliability = { low = 0.2, high = 1.0, num = 2 }\n", ""), encoding="utf-8")
    with SequentialExecutor() as executor:
        run_sweep(load_config(path), tmp_path / "out", executor, progress=False)
    per_point, _ = summarise(tmp_path / "out")
    names = {p.name for p in make_figures(tmp_path / "out", per_point)}
    assert "outcome_heatmaps.png" not in names and "outcome_shares.png" in names
