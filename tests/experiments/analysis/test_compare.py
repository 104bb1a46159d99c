"""The numbers behind each finding: arms, the chi-square test, strata, the sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from experiments.analysis.compare import compare, finding, max_half_width, stratified
from experiments.results import outcome_columns
from model.outcomes import OUTCOMES


def runs_with(shares: dict[object, dict[str, int]], parameter: str = "x") -> pd.DataFrame:
    rows = [{parameter: arm, "outcome": o} for arm, counts in shares.items()
            for o, k in counts.items() for _ in range(k)]
    frame = pd.DataFrame(rows)
    frame["outcome"] = pd.Categorical(frame["outcome"], categories=list(OUTCOMES))
    return frame


def test_finding_reports_a_clear_difference_with_its_p_value():
    runs = runs_with({0.0: {"negotiated": 4, "frozen": 96}, 1.0: {"negotiated": 71, "frozen": 29}})
    comparison = compare(runs, "x")
    expected = chi2_contingency(np.array([[4, 96], [71, 29]])).pvalue
    assert comparison.p_value == pytest.approx(expected)
    sentence = finding(comparison, "Raising x from 0.0 to 1.0")
    assert sentence == ("Raising x from 0.0 to 1.0 raises the share of negotiated endings "
                        "from 4% to 71% and lowers the share of frozen conflicts from 96% to "
                        "29% (p < 0.001).")
    assert finding(comparison, "Raising x", focus=("negotiated",)) == sentence.replace(
        "Raising x from 0.0 to 1.0", "Raising x")  # a focus outcome already named: no clause
    negotiated = next(s for s in comparison.separations if s.outcome == "negotiated")
    assert (negotiated.low_arm, negotiated.high_arm, negotiated.pairs_separated) == (0.0, 1.0, 1)


def test_finding_says_plainly_when_there_is_no_detectable_difference():
    runs = runs_with({False: {"frozen": 50, "ongoing": 50}, True: {"frozen": 53, "ongoing": 47}})
    comparison = compare(runs, "x", descending=True)
    assert list(comparison.arms.index) == [True, False]
    sentence = finding(comparison, "Switching x off", focus=("escalated",))
    assert sentence.startswith("Switching x off makes no detectable difference")
    assert "p = 0.777" in sentence and "within the noise" in sentence
    assert sentence.endswith("; no run ends in escalation in any arm.")
    assert not any(s.pairs_separated for s in comparison.separations)


def test_finding_names_the_strata_where_a_pooled_null_hides_an_effect():
    cells = {(0, 0): (50, 50), (1, 0): (50, 50),   # (x, y): (frozen, ongoing)
             (0, 1): (80, 20), (1, 1): (20, 80),
             (0, 2): (20, 80), (1, 2): (80, 20)}   # y = 1 and y = 2 cancel when pooled
    runs = pd.concat([runs_with({x: {"frozen": f, "ongoing": o}}).assign(y=y)
                      for (x, y), (f, o) in cells.items()], ignore_index=True)
    pooled = compare(runs, "x")
    assert pooled.p_value == pytest.approx(1.0)
    strata = stratified(runs, "x", "y")
    assert [value for _, value, _ in strata] == [0, 1, 2]
    sentence = finding(pooled, "Raising x from 0 to 1", strata=strata)
    assert "no detectable difference" in sentence
    assert sentence.endswith("; at y = 1 and 2 alone, though, it does change how runs end "
                             "(p < 0.001, p < 0.001).")


def test_max_half_width_matches_the_replications():
    def half_width(reps: int) -> float:
        counts = pd.DataFrame([{o: 0 for o in OUTCOMES} | {"frozen": reps // 2,
                                                           "ongoing": reps - reps // 2}])
        return max_half_width(outcome_columns(counts))

    assert half_width(400) <= 0.05 < half_width(300)
