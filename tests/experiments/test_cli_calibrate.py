"""`escalation calibrate`'s console summary, on constructed output files."""

from __future__ import annotations

import pandas as pd

from experiments.cli.calibrate import summary_text


def outputs(tmp_path, verdicts: list[str]):
    pd.DataFrame({"parameter": ["settlement_rate"], "prior_low": [0.01], "prior_high": [0.5],
                  "mean": [0.2], "sd": [0.1], "q05": [0.0241873], "median": [0.2955612],
                  "q95": [0.47], "interval_share_of_prior": [0.9098]}).to_csv(
        tmp_path / "posterior_summary.csv", index=False)
    pd.DataFrame({"generation": [0, 1], "epsilon": [29.0103, 13.9213]}).to_csv(
        tmp_path / "generations.csv", index=False)
    pd.DataFrame({"target": ["ucdp"] * len(verdicts),
                  "pattern": [f"p{i}" for i in range(len(verdicts))],
                  "model_share": [0.344] * len(verdicts), "verdict": verdicts}).to_csv(
        tmp_path / "predictive.csv", index=False)


def test_the_summary_is_a_formatted_table_with_units_and_the_stop(tmp_path):
    outputs(tmp_path, ["agree", "disagree"])
    text = summary_text(tmp_path, 3, "3 generations")
    assert "0.0241873" not in text and "0.2955612" not in text   # no 16-digit floats
    row = next(line for line in text.splitlines() if line.startswith("settlement_rate"))
    assert row.split() == ["settlement_rate", "0.01", "–", "0.5", "0.296", "0.0242", "–",
                           "0.47", "91%"]
    assert "Stopped after 3 generations: the configured maximum." in text
    assert "(3 generations)" not in text
    assert "Last threshold: distance 13.9 (the ABC distance" in text
    assert "disagrees with 1 of 2 patterns: ucdp.p1 (disagree: model 0.344)" in text


def test_a_predictive_that_disagrees_everywhere_is_said(tmp_path):
    outputs(tmp_path, ["disagree", "bound violated"])
    text = summary_text(tmp_path, 2, "--finish after 2 of 8 generations")
    assert "Stopped after 2 generations: --finish after 2 of 8 generations." in text
    assert "Posterior predictive disagrees with every pattern: do not use this posterior" in text
    outputs(tmp_path, ["agree", "bound holds"])
    assert "all 2 patterns agree" in summary_text(tmp_path, 2, "x")
