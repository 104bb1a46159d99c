"""Sweep figures say where their numbers come from and draw no constant panel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.analysis.figures import sweep_figures, time_to_outcome, trajectory_sample
from experiments.analysis.summaries import SweepFacts, ending_counts, outcome_columns
from model.outcomes import OUTCOMES

FACTS = SweepFacts("demo", "paris_moscow_call", "paris_moscow_call", 104, 0, 3, 0, {})


def runs_table() -> pd.DataFrame:
    rows = [("negotiated", "settlement", 40), ("negotiated", "imposed", 10),
            ("frozen", "stalemate", 60), ("ongoing", "horizon", 104)] * 3
    frame = pd.DataFrame(rows, columns=["outcome", "rule", "decided_step"])
    frame["point_id"] = np.repeat([0, 1, 2], 4)
    frame["x"] = np.repeat([0.0, 0.5, 1.0], 4)
    frame["y"] = np.tile([1, 2], 6)
    frame["outcome"] = pd.Categorical(frame["outcome"], categories=list(OUTCOMES))
    return frame


def test_every_sweep_figure_states_scenario_runs_horizon_and_interval():
    runs = runs_table()
    per_point = runs.groupby("point_id")[["x", "y"]].first().join(
        outcome_columns(ending_counts(runs, "point_id"))).reset_index()
    weeks = pd.DataFrame({"run_id": np.repeat([0, 1], 3), "week": np.tile([0, 1, 2], 2),
                          "outcome": pd.Categorical(["frozen"] * 6, categories=list(OUTCOMES)),
                          "tension": [0.4, 0.5, 0.6, 0.4, 0.45, 0.5],
                          "escalation_score": [10.0, 20, 30, 5, 5, 5],
                          "max_rung": [12.0] * 6, "territory_attacker": [0.19] * 6})
    figures = sweep_figures(runs, per_point, ["x", "y"], weeks, FACTS)
    assert set(figures) == {"outcome_shares.png", "outcome_heatmaps.png",
                            "time_to_outcome.png", "trajectories.png"}
    for name, fig in figures.items():
        title = fig.get_suptitle()
        assert "paris_moscow_call" in title and "horizon 104 weeks" in title, name
        assert "runs" in title and ("interval" in title), name
    labels = [t.get_text() for t in figures["outcome_shares.png"].legends[0].get_texts()]
    assert labels == ["negotiated (settlement)", "negotiated (imposed)", "frozen", "escalated",
                      "ongoing"]


def test_no_panel_is_constant():
    runs = runs_table()
    per_point = outcome_columns(ending_counts(runs, "point_id")).reset_index()
    timing = time_to_outcome(runs, per_point, [])
    titles = [ax.get_title() for ax in timing.axes]
    assert titles == ["negotiated (settlement)", "negotiated (imposed)", "frozen"]
    assert "no run ended escalated" in timing.get_suptitle()
    weeks = pd.DataFrame({"run_id": [0, 0, 1, 1], "week": [0, 1, 0, 1],
                          "outcome": pd.Categorical(["ongoing"] * 4, categories=list(OUTCOMES)),
                          "tension": [0.4, 0.5, 0.4, 0.6], "escalation_score": [1.0, 2, 3, 4],
                          "max_rung": [12.0] * 4, "territory_attacker": [0.2, 0.21, 0.2, 0.19]})
    fig = trajectory_sample(weeks)
    assert len(fig.axes) == 3 and "highest Kahn rung reached 12 throughout" in fig.get_suptitle()
    assert all("(" in ax.get_title() for ax in fig.axes)   # every panel has its unit


def test_a_heatmap_never_prints_a_non_zero_share_as_zero():
    from experiments.analysis.figures import outcome_heatmaps

    runs = runs_table()
    runs = pd.concat([runs] * 100, ignore_index=True)
    runs.loc[0, ["outcome", "rule"]] = ["escalated", "direct_clash"]   # 1 of 400 in a cell
    fig = outcome_heatmaps(runs, "x", "y")
    escalated = next(ax for ax in fig.axes if ax.get_title() == "P(escalated)")
    assert sorted(t.get_text() for t in escalated.texts) == ["0%"] * 5 + ["0.5%"]
