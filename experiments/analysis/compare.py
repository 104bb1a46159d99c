"""The numbers behind each finding of the question report: arms and tests.

An *arm* is one value of the compared parameter (other varied parameters pooled).
Whether arms differ by more than the noise is judged twice: a chi-square test of
independence between arm and outcome (scipy.stats.chi2_contingency), with each
outcome's share of the statistic (so a p-value can be quoted with the outcome that
drives it), and, per outcome, which arms' Wilson 95% intervals do not overlap. The
sentences built on these numbers are experiments.analysis.findings'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from experiments.analysis.summaries import ending_counts, outcome_columns
from model.outcomes import OUTCOMES

ALPHA = 0.05
MAX_DECIMALS = 2   # a share is printed with up to this many decimals of a percent


@dataclass(frozen=True, slots=True)
class Separation:
    """One outcome's lowest and highest arm, and how many arm pairs' intervals separate."""

    outcome: str
    low_arm: object
    high_arm: object
    pairs_separated: int
    pairs_total: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """Outcome shares per arm and the tests that say whether the arms differ."""

    parameter: str
    arms: pd.DataFrame            # index: arm values in order; n, O_n, O_share, O_ci_*
    chi2: float
    dof: int
    p_value: float                # NaN when no test is possible (one outcome only)
    min_expected: float           # smallest expected count of the test (approximate if < 5)
    separations: tuple[Separation, ...]
    contributions: dict[str, float]   # outcome -> its share of the chi-square statistic

    @property
    def detected(self) -> bool:
        return not math.isnan(self.p_value) and self.p_value < ALPHA


def compare(runs: pd.DataFrame, parameter: str, descending: bool = False) -> Comparison:
    """Outcome counts per value of ``parameter`` (sorted), chi-square and separations.

    With a ``rule`` column the arms also carry the two kinds of negotiated ending
    (``summaries.KINDS``); the test is on the four outcomes.
    """
    counts = ending_counts(runs, parameter).sort_index(ascending=not descending)
    arms = outcome_columns(counts)
    outcomes = counts[list(OUTCOMES)]
    seen = outcomes.columns[outcomes.sum(axis=0) > 0]
    contributions = {o: 0.0 for o in OUTCOMES}
    if len(outcomes) < 2 or len(seen) < 2:
        chi2, dof, p_value, min_expected = 0.0, 0, math.nan, math.nan
    else:
        from scipy.stats import chi2_contingency  # heavy: only when a report compares arms

        observed = outcomes[seen].to_numpy()
        test = chi2_contingency(observed)
        chi2, dof, p_value = float(test.statistic), int(test.dof), float(test.pvalue)
        min_expected = float(test.expected_freq.min())
        cells = (observed - test.expected_freq) ** 2 / test.expected_freq
        total = float(cells.sum())   # uncorrected: the test's statistic may be Yates's
        for o, part in zip(seen, cells.sum(axis=0), strict=True):
            contributions[o] = float(part) / total if total else 0.0
    return Comparison(parameter, arms, chi2, dof, p_value, min_expected,
                      tuple(separation(arms, o) for o in OUTCOMES), contributions)


def driver(comparison: Comparison) -> str:
    """The outcome that contributes most to the chi-square statistic."""
    return max(OUTCOMES, key=comparison.contributions.__getitem__)


def separation(arms: pd.DataFrame, outcome: str) -> Separation:
    """Arm pairs whose Wilson intervals for ``outcome`` do not overlap."""
    pairs = list(combinations(arms.index, 2))
    separated = sum(1 for a, b in pairs if apart(arms, outcome, a, b))
    share = arms[f"{outcome}_share"]
    return Separation(outcome, share.idxmin(), share.idxmax(), separated, len(pairs))


def max_half_width(per_point: pd.DataFrame) -> float:
    """Largest half-width of any outcome's Wilson interval at any parameter point."""
    widths = [(per_point[f"{o}_ci_high"] - per_point[f"{o}_ci_low"]) / 2 for o in OUTCOMES]
    return float(np.nanmax(pd.concat(widths).to_numpy()))


def p_text(p_value: float) -> str:
    if math.isnan(p_value):
        return "no test possible"
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def pct(share: float) -> str:
    """A share as a whole percent, or with a decimal where that would print a non-zero
    share as 0% (0.4% stays 0.4%)."""
    return pcts([share])[0]


def pcts(shares: list[float]) -> list[str]:
    """Shares as percents with the fewest decimals (up to MAX_DECIMALS) that keep distinct
    shares distinct and print no non-zero share as 0%: never "from 0% to 0%" for a
    change that drives a test."""
    for decimals in range(MAX_DECIMALS + 1):
        texts = [f"{s:.{decimals}%}" for s in shares]
        zero = f"{0:.{decimals}%}"
        collide = len(set(texts)) < len(set(shares))
        if not collide and not any(t == zero and s > 0 for t, s in zip(texts, shares,
                                                                         strict=True)):
            return texts
    return texts


def value_text(value: object) -> str:
    """Arm values as people write them: true/false, 0.0, 0.5, 1.0."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, float | np.floating):
        return f"{value:.1f}" if round(value * 10) == value * 10 else f"{value:.3g}"
    return str(value)


def apart(arms: pd.DataFrame, outcome: str, a: object, b: object) -> bool:
    """Whether arms a and b's Wilson 95% intervals for ``outcome`` do not overlap."""
    low, high = arms[f"{outcome}_ci_low"], arms[f"{outcome}_ci_high"]
    return bool(low[a] > high[b] or low[b] > high[a])


def stratified(runs: pd.DataFrame, parameter: str, by: str, descending: bool = False
               ) -> tuple[tuple[str, object, Comparison], ...]:
    """The comparison over ``parameter`` within each value of ``by`` (an interaction check)."""
    return tuple((by, value, compare(group, parameter, descending))
                 for value, group in runs.groupby(by, sort=True))


def strata_alpha(strata: tuple[tuple[str, object, Comparison], ...]) -> float:
    """Bonferroni: one test per stratum, so each is held to ALPHA / number of strata."""
    return ALPHA / max(1, len(strata))
