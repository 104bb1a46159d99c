"""The numbers behind each finding of the question report: arms, tests, and one sentence.

An *arm* is one value of the compared parameter (other varied parameters pooled).
Whether arms differ by more than the noise is judged twice: a chi-square test of
independence between arm and outcome (scipy.stats.chi2_contingency), and, per
outcome, which arms' Wilson 95% intervals do not overlap. The sentence is generated
from those numbers only, so it never says more than the runs show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from experiments.results import outcome_columns
from model.outcomes import OUTCOMES

ALPHA = 0.05
MIN_MOVE = 0.05   # a second or third outcome is named if it moves this much, intervals apart
MAX_NAMED = 3
NOUN = {"negotiated": "negotiated endings", "frozen": "frozen conflicts",
        "escalated": "escalations", "ongoing": "wars still ongoing at the horizon"}
SINGULAR = {"negotiated": "a negotiated ending", "frozen": "a frozen conflict",
            "escalated": "escalation", "ongoing": "a war still ongoing at the horizon"}


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

    @property
    def detected(self) -> bool:
        return not math.isnan(self.p_value) and self.p_value < ALPHA


def compare(runs: pd.DataFrame, parameter: str, descending: bool = False) -> Comparison:
    """Outcome counts per value of ``parameter`` (sorted), chi-square and separations."""
    counts = pd.crosstab(runs[parameter], runs["outcome"], dropna=False)
    counts = counts.reindex(columns=list(OUTCOMES), fill_value=0)
    counts = counts.sort_index(ascending=not descending)
    arms = outcome_columns(counts)
    observed = counts.loc[:, counts.sum(axis=0) > 0].to_numpy()
    if observed.shape[0] < 2 or observed.shape[1] < 2:
        chi2, dof, p_value, min_expected = 0.0, 0, math.nan, math.nan
    else:
        from scipy.stats import chi2_contingency  # heavy: only when a report compares arms

        test = chi2_contingency(observed)
        chi2, dof, p_value = float(test.statistic), int(test.dof), float(test.pvalue)
        min_expected = float(test.expected_freq.min())
    return Comparison(parameter, arms, chi2, dof, p_value, min_expected,
                      tuple(separation(arms, o) for o in OUTCOMES))


def separation(arms: pd.DataFrame, outcome: str) -> Separation:
    """Arm pairs whose Wilson intervals for ``outcome`` do not overlap."""
    low, high = arms[f"{outcome}_ci_low"], arms[f"{outcome}_ci_high"]
    pairs = list(combinations(arms.index, 2))
    apart = sum(1 for a, b in pairs if low[a] > high[b] or low[b] > high[a])
    share = arms[f"{outcome}_share"]
    return Separation(outcome, share.idxmin(), share.idxmax(), apart, len(pairs))


def max_half_width(per_point: pd.DataFrame) -> float:
    """Largest half-width of any outcome's Wilson interval at any parameter point."""
    widths = [(per_point[f"{o}_ci_high"] - per_point[f"{o}_ci_low"]) / 2 for o in OUTCOMES]
    return float(np.nanmax(pd.concat(widths).to_numpy()))


def p_text(p_value: float) -> str:
    if math.isnan(p_value):
        return "no test possible"
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def pct(share: float) -> str:
    return f"{share:.0%}"


def value_text(value: object) -> str:
    """Arm values as people write them: true/false, 0.0, 0.5, 1.0."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, float | np.floating):
        return f"{value:.1f}" if round(value * 10) == value * 10 else f"{value:.3g}"
    return str(value)


def _apart(arms: pd.DataFrame, outcome: str, a: object, b: object) -> bool:
    low, high = arms[f"{outcome}_ci_low"], arms[f"{outcome}_ci_high"]
    return bool(low[a] > high[b] or low[b] > high[a])


def finding(comparison: Comparison, lead: str, focus: tuple[str, ...] = (),
            strata: tuple[tuple[str, object, Comparison], ...] = ()) -> str:
    """One sentence from the numbers, e.g. "Raising X from 0.0 to 1.0 raises the share of ...".

    ``lead`` names the change from the first arm to the last, e.g. "Raising multilateral
    pressure from 0.0 to 1.0"; the sentence compares those two arms, names up to three
    outcomes that move, says plainly when the test detects no difference, and always
    says what happens to the ``focus`` outcomes (those the question asks about). When the
    pooled test finds nothing but a stratum does (``strata``: comparisons within each
    value of another varied parameter), the sentence says where.
    """
    arms = comparison.arms
    first, last = arms.index[0], arms.index[-1]
    seen = [o for o in OUTCOMES if arms[f"{o}_n"].sum() > 0]
    if len(seen) == 1:
        return (f"{lead} changes nothing the runs can show: every run ends as "
                f"{NOUN[seen[0]]} in every arm.")
    deltas = {o: arms.at[last, f"{o}_share"] - arms.at[first, f"{o}_share"] for o in OUTCOMES}
    ranked = sorted(OUTCOMES, key=lambda o: -abs(deltas[o]))

    def move(o: str) -> str:
        verb = "raises" if deltas[o] > 0 else "lowers"
        return (f"{verb} the share of {NOUN[o]} from {pct(arms.at[first, f'{o}_share'])} "
                f"to {pct(arms.at[last, f'{o}_share'])}")

    p = p_text(comparison.p_value)
    if not comparison.detected:
        spread = {o: arms[f"{o}_share"].max() - arms[f"{o}_share"].min() for o in OUTCOMES}
        widest = max(OUTCOMES, key=spread.__getitem__)
        share = arms[f"{widest}_share"]
        sentence = (f"{lead} makes no detectable difference to how runs end (chi-square {p}): "
                    f"the widest spread between arms, {NOUN[widest]} from {pct(share.min())} "
                    f"to {pct(share.max())}, is within the noise")
        return sentence + _strata(strata) + _focus(arms, focus, {widest}) + "."
    mentioned = [ranked[0], *[o for o in ranked[1:] if abs(deltas[o]) >= MIN_MOVE
                              and _apart(arms, o, first, last)][:MAX_NAMED - 1]]
    moves = [move(o) for o in mentioned]
    sentence = f"{lead} {', '.join(moves[:-1])}{' and ' if len(moves) > 1 else ''}{moves[-1]}"
    sentence += f" ({p})"
    peak = _intermediate_peak(arms, mentioned[0], first, last)
    if peak:
        sentence += f", with its {peak}"
    if not any(_apart(arms, o, first, last) for o in OUTCOMES):
        sentence += ", although no outcome's 95% intervals separate between these two arms"
    return sentence + _focus(arms, focus, set(mentioned)) + "."


def stratified(runs: pd.DataFrame, parameter: str, by: str, descending: bool = False
               ) -> tuple[tuple[str, object, Comparison], ...]:
    """The comparison over ``parameter`` within each value of ``by`` (an interaction check)."""
    return tuple((by, value, compare(group, parameter, descending))
                 for value, group in runs.groupby(by, sort=True))


def strata_alpha(strata: tuple[tuple[str, object, Comparison], ...]) -> float:
    """Bonferroni: one test per stratum, so each is held to ALPHA / number of strata."""
    return ALPHA / max(1, len(strata))


def _strata(strata: tuple[tuple[str, object, Comparison], ...]) -> str:
    """"; within X = 1.5, though, it does (p < 0.001)" for strata where the test detects."""
    alpha = strata_alpha(strata)
    hits = [(by, value, c) for by, value, c in strata
            if not math.isnan(c.p_value) and c.p_value < alpha]
    if not hits:
        return ""
    values = " and ".join(value_text(value) for _, value, _ in hits)
    tests = ", ".join(p_text(c.p_value) for _, _, c in hits)
    return f"; at {hits[0][0]} = {values} alone, though, it does change how runs end ({tests})"


def _focus(arms: pd.DataFrame, focus: tuple[str, ...], mentioned: set[str]) -> str:
    """"; no run ends in escalation in any arm" for a focus outcome not yet mentioned."""
    clauses = []
    for o in focus:
        if o in mentioned:
            continue
        share = arms[f"{o}_share"]
        if share.max() == 0:
            clauses.append(f"no run ends in {SINGULAR[o]} in any arm")
        else:
            clauses.append(f"the share of {NOUN[o]} ranges from {pct(share.min())} to "
                           f"{pct(share.max())} across arms")
    return "".join(f"; {c}" for c in clauses)


def _intermediate_peak(arms: pd.DataFrame, outcome: str, first: object, last: object) -> str:
    """"highest share, 40%, at 0.6" when an inner arm stands clear of both ends."""
    inner = arms.index[1:-1]
    if len(inner) == 0:
        return ""
    share = arms[f"{outcome}_share"]
    for kind, arm in (("highest", share[inner].idxmax()), ("lowest", share[inner].idxmin())):
        beyond = (share[arm] > max(share[first], share[last]) if kind == "highest"
                  else share[arm] < min(share[first], share[last]))
        if beyond and _apart(arms, outcome, arm, first) and _apart(arms, outcome, arm, last):
            return f"{kind} share, {pct(share[arm])}, at {value_text(arm)}"
    return ""
