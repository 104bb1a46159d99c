"""The numbers behind each finding: arms, the chi-square test, strata, the sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from experiments.analysis.compare import compare, driver, max_half_width
from experiments.analysis.summaries import outcome_columns
from model.outcomes import OUTCOMES


def runs_with(shares: dict[object, dict[str, int]], parameter: str = "x") -> pd.DataFrame:
    rows = [{parameter: arm, "outcome": o} for arm, counts in shares.items()
            for o, k in counts.items() for _ in range(k)]
    frame = pd.DataFrame(rows)
    frame["outcome"] = pd.Categorical(frame["outcome"], categories=list(OUTCOMES))
    return frame


def test_compare_tests_arms_and_splits_the_statistic_by_outcome():
    runs = runs_with({0.0: {"negotiated": 4, "frozen": 96}, 1.0: {"negotiated": 71, "frozen": 29}})
    comparison = compare(runs, "x")
    test = chi2_contingency(np.array([[4, 96], [71, 29]]))
    assert comparison.p_value == pytest.approx(test.pvalue)
    cells = (np.array([[4, 96], [71, 29]]) - test.expected_freq) ** 2 / test.expected_freq
    assert comparison.contributions["negotiated"] == pytest.approx(cells[:, 0].sum()
                                                                    / cells.sum())
    assert sum(comparison.contributions.values()) == pytest.approx(1.0)
    assert driver(comparison) == "negotiated"  # fewer runs, so the larger share of chi2
    negotiated = next(s for s in comparison.separations if s.outcome == "negotiated")
    assert (negotiated.low_arm, negotiated.high_arm, negotiated.pairs_separated) == (0.0, 1.0, 1)


def test_arms_split_negotiated_endings_by_rule():
    runs = runs_with({0: {"negotiated": 3, "frozen": 1}, 1: {"negotiated": 2, "ongoing": 2}})
    runs["rule"] = ["settlement", "imposed", "imposed", "stalemate",
                    "settlement", "settlement", "horizon", "horizon"]
    arms = compare(runs, "x").arms
    assert list(arms["negotiated_imposed_n"]) == [2, 0]
    assert list(arms["negotiated_settlement_n"]) == [1, 2]
    assert arms.at[0, "negotiated_imposed_share"] == pytest.approx(0.5)


def test_no_test_is_possible_when_every_run_ends_the_same_way():
    comparison = compare(runs_with({False: {"frozen": 5}, True: {"frozen": 5}}), "x",
                         descending=True)
    assert list(comparison.arms.index) == [True, False]
    assert np.isnan(comparison.p_value) and not comparison.detected


def test_max_half_width_matches_the_replications():
    def half_width(reps: int) -> float:
        counts = pd.DataFrame([{o: 0 for o in OUTCOMES} | {"frozen": reps // 2,
                                                           "ongoing": reps - reps // 2}])
        return max_half_width(outcome_columns(counts))

    assert half_width(400) <= 0.05 < half_width(300)
