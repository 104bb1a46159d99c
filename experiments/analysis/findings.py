"""The report's sentences, each from a rule on the numbers, so none says more than the runs.

1. An outcome is named as moving only where the first and last arms' Wilson 95%
   intervals separate, in the direction of the change; an inner arm standing clear of
   both ends is said too.
2. A p-value is quoted with the outcome that contributes most to its chi-square statistic.
3. "No detectable difference" is said only when nothing measured moved either: when the
   outcome shares stay within the noise but a mechanism column moved, the sentence says
   what moved and what did not.
4. An effect *holds across the posterior* when at least ``HOLDS`` of the posterior draws
   show it in the pooled direction (``HOLDS_DEFINITION``, stated once in the report).
5. After a follow-up (``follow_up_weeks``), how often an ending held: the ended runs
   whose fighting did not resume.

Each rule has a test on a constructed table (tests/experiments/analysis/test_findings.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from experiments.analysis.compare import (
    Comparison,
    apart,
    driver,
    p_text,
    pcts,
    strata_alpha,
    value_text,
)
from experiments.analysis.summaries import KINDS
from experiments.analysis.uncertainty import RANGE_LEVEL, DrawAgreement
from experiments.questions import Lever
from experiments.results import wilson_interval
from model.outcomes import ENDING_RULES, OUTCOMES, RULES

MAX_NAMED = 3
MAX_LISTED_ARMS = 6   # a driver's share is given arm by arm up to this many arms
HOLDS = 0.9
HOLDS_DEFINITION = (
    f"A finding **holds across the posterior** when at least {HOLDS:.0%} of the posterior "
    "draws, each judged on its own runs, show its largest effect (first arm to last) in "
    "the same direction as all runs pooled. Each sentence also counts the draws where it "
    "points the other way, and those with no difference at all (often because no run of "
    "that draw ended that way in either arm), and gives the range of the share over draws.")
NOUN = {"negotiated": "negotiated endings", "frozen": "frozen conflicts",
        "escalated": "escalations", "ongoing": "wars still ongoing at the horizon"}
SINGULAR = {"negotiated": "a negotiated ending", "frozen": "a frozen conflict",
            "escalated": "escalation", "ongoing": "a war still ongoing at the horizon"}
ENDED_AS = {"negotiated": "ended negotiated", "frozen": "ended frozen",
            "escalated": "escalated", "ongoing": "was still ongoing at the horizon"}
Z = NormalDist().inv_cdf(0.975)
ENDED = tuple(dict.fromkeys(RULES[rule] for rule in ENDING_RULES))   # outcomes that end it
FOLLOW_UP_COLUMNS = ("resumed_step", "last_step")   # run-table columns of a follow-up


@dataclass(frozen=True, slots=True)
class Change:
    """A run-table column's mean (times its scale) in the first and last arm."""

    label: str
    first: float
    last: float
    moved: bool      # by more than run noise (``moved``)

    def text(self) -> str:
        return f"{self.label} {self.first:.3g} → {self.last:.3g}"


def moved(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arms' means differ by more than run noise: by more than 1.96 standard
    errors of the difference (Welch), or at all when neither arm varies."""
    if len(a) == 0 or len(b) == 0 or a.mean() == b.mean():
        return False
    se = math.sqrt(a.var(ddof=min(1, len(a) - 1)) / len(a)
                   + b.var(ddof=min(1, len(b) - 1)) / len(b))
    return se == 0 or abs(b.mean() - a.mean()) > Z * se


def changes(runs: pd.DataFrame, lever: Lever, first: object, last: object) -> list[Change]:
    """The lever's ``moved`` column, then its ``metrics``, first arm against last (the
    columns the run table has)."""
    found = []
    for column, label, scale in (lever.moved, *lever.metrics):
        if column in runs:
            a, b = (runs.loc[runs[lever.parameter] == arm, column].to_numpy(dtype=float) * scale
                    for arm in (first, last))
            found.append(Change(label, float(a.mean()), float(b.mean()), moved(a, b)))
    return found


def mechanism_sentence(lever: Lever, found: list[Change], first: object, last: object) -> str:
    """What moved by more than run noise from the first arm to the last, and what did not;
    first whether the lever moved what it names (its arms test nothing if it did not)."""
    arms = f"({value_text(first)} → {value_text(last)})"
    rest = found
    if not found or found[0].label != lever.moved[1]:
        head = (f"The run table has no `{lever.moved[0]}` column: whether the lever moved "
                "what it names is unknown.")
    elif not found[0].moved:
        head = (f"The lever did not move what it names {arms}: {found[0].text()}, so these "
                "arms do not test it.")
        rest = found[1:]
    else:
        head = ""
    went = [c.text() for c in rest if c.moved]
    stayed = [c.text() for c in rest if not c.moved]
    parts = [head] if head else []
    if went:
        parts.append(f"What moved by more than run noise {arms}: {'; '.join(went)}.")
    if stayed:
        parts.append(f"Within run noise: {'; '.join(stayed)}.")
    return " ".join(parts)


def outcome_sentence(comparison: Comparison, lead: str, found: list[Change],
                     focus: tuple[str, ...] = (),
                     strata: tuple[tuple[str, object, Comparison], ...] = ()) -> str:
    """One sentence on how runs end, from the first arm to the last (rules 1 to 3).

    ``lead`` names the change, e.g. "Raising multilateral pressure from 0.0 to 1.0";
    ``found``: the mechanism columns (``changes``); ``focus``: outcomes the question asks
    about, always reported; ``strata``: the comparison within each value of another
    varied parameter, said where the pooled ends do not separate but a stratum's test does.
    """
    arms = comparison.arms
    first, last = arms.index[0], arms.index[-1]
    went = [c.label for c in found if c.moved]
    seen = [o for o in OUTCOMES if arms[f"{o}_n"].sum() > 0]
    if len(seen) == 1:
        return (f"{lead} changes nothing the runs can show: every run ends as "
                f"{NOUN[seen[0]]} in every arm"
                + (f", although it moves {_join(went)}" if went else "") + ".")
    delta = {o: arms.at[last, f"{o}_share"] - arms.at[first, f"{o}_share"] for o in OUTCOMES}
    named = sorted((o for o in OUTCOMES if apart(arms, o, first, last)),
                   key=lambda o: -abs(delta[o]))[:MAX_NAMED]
    p = p_text(comparison.p_value)
    if named:
        sentence = f"{lead} {_join([_move(arms, o, first, last) for o in named])}"
        cause = driver(comparison)
        sentence += f" (chi-square {p}, mostly from {NOUN[cause]}"
        if cause not in named:
            sentence += f": {_by_arm(arms, cause)}"
        sentence += ")"
        peak = _intermediate_peak(arms, named[0], first, last)
        if peak:
            sentence += f", with its {peak}"
        return sentence + _focus(arms, focus, set(named)) + "."
    if went:
        sentence = f"{lead} moves {_join(went)} but no outcome share by more than the noise"
    else:
        sentence = f"{lead} makes no detectable difference to how runs end" + (
            " or to what it acts through" if found else "")
    sentence += (f": every outcome's 95% intervals overlap between {value_text(first)} and "
                 f"{value_text(last)}")
    if comparison.detected:
        cause = driver(comparison)
        sentence += (f"; the arms do differ overall (chi-square {p}), mostly in "
                     f"{NOUN[cause]}: {_by_arm(arms, cause)}")
    else:
        sentence += f" (chi-square {p})" + _widest(comparison)
    return sentence + _strata(strata) + _focus(arms, focus, set()) + "."


def posterior_sentence(agreement: DrawAgreement, first: object, last: object) -> str:
    """Whether the largest effect holds across the posterior (rule 4), with its counts."""
    a = agreement
    if not a.pooled:
        return (f"Over the posterior, no outcome share differs between {value_text(first)} "
                f"and {value_text(last)}.")
    sign = "+" if a.pooled > 0 else "−"
    sentence = (f"Over the {a.draws} posterior draws, the largest effect ({a.outcome} "
                f"{sign}{abs(a.pooled) * 100:.1f} points from {value_text(first)} to "
                f"{value_text(last)}) points the same way in {a.same}, the other way in "
                f"{a.opposite}")
    if a.flat:
        sentence += f" and not at all in {a.flat}" + (
            f" (in those draws no run {ENDED_AS[a.outcome]} in either arm)"
            if a.flat_absent == a.flat else "")
    (lo1, hi1), (lo2, hi2) = a.first_range, a.last_range
    lo1, hi1, lo2, hi2 = pcts([lo1, hi1, lo2, hi2])
    sentence += (f"; per draw the share is {lo1}–{hi1} at {value_text(first)} and "
                 f"{lo2}–{hi2} at {value_text(last)} ({RANGE_LEVEL:.0%} range over draws)")
    if a.same >= HOLDS * a.draws:
        return sentence + "; it holds across the posterior."
    if not a.opposite:
        return (sentence + f"; with {a.same} of {a.draws} draws, under {HOLDS:.0%}, it does "
                "not hold across the posterior, though it never reverses.")
    return (sentence + f"; it does not hold across the posterior: it reverses in "
            f"{a.opposite} of {a.draws} draws.")


def follow_up_sentence(runs: pd.DataFrame, weeks: int) -> str:
    """How often an ending held through the follow-up (rule 5): of the runs that ended
    frozen or negotiated, those whose fighting did not resume (``resumed_step`` -1).

    ``runs``: outcome, rule, decided_step, resumed_step, last_step; ``weeks``: the
    follow-up asked for (``follow_up_weeks`` > 0: with 0 nothing was followed up).
    """
    ended = runs[runs["outcome"].astype(str).isin(ENDED)]
    if ended.empty:
        return "No run ended its fighting, so no ending could be followed up."
    held = ended["resumed_step"] == -1
    k, n = int(held.sum()), len(ended)
    low, high = wilson_interval(k, n)
    share, low, high = pcts([k / n, low, high])
    observed = int((ended["last_step"] - ended["decided_step"]).median())
    kinds = [("frozen", ended["outcome"].astype(str) == "frozen")]
    if "rule" in ended:
        kinds += [(f"{name} terms" if name == "imposed" else "agreed settlements",
                   ended["rule"].astype(str) == name) for name in KINDS.values()]
    parts = [f"{label} {int(held[mask].sum())} of {int(mask.sum())}"
             for label, mask in kinds if mask.any()]
    return (f"During the follow-up (up to {weeks} weeks after the ending, never past the "
            f"horizon; median {observed} weeks observed), {k} of {n} runs that ended "
            f"frozen or negotiated held, the fighting not resuming: {share} [{low}, "
            f"{high}] (Wilson 95%); " + ", ".join(parts) + ".")


def _join(items: list[str]) -> str:
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1]


def _move(arms: pd.DataFrame, o: str, first: object, last: object) -> str:
    a, b = (arms.at[arm, f"{o}_share"] for arm in (first, last))
    text = (f"{'raises' if b > a else 'lowers'} the share of {NOUN[o]} from "
            + " to ".join(pcts([a, b])))
    if o == "negotiated" and all(f"{k}_share" in arms for k in KINDS):
        kinds = [" → ".join(pcts([arms.at[first, f"{k}_share"], arms.at[last, f"{k}_share"]]))
                 for k in KINDS]
        text += f" (agreed settlements {kinds[0]}, imposed terms {kinds[1]})"
    return text


def _by_arm(arms: pd.DataFrame, o: str) -> str:
    """One outcome's share arm by arm (or its range over many arms)."""
    share = arms[f"{o}_share"]
    if len(arms) > MAX_LISTED_ARMS:
        low, high = pcts([share.min(), share.max()])
        return f"from {low} to {high} across {len(arms)} arms"
    return ", ".join(f"{t} at {value_text(arm)}"
                     for t, arm in zip(pcts(list(share)), arms.index, strict=True))


def _widest(comparison: Comparison) -> str:
    """"; the widest spread between arms, X from a to b, is within the noise"."""
    arms = comparison.arms
    spread = {o: arms[f"{o}_share"].max() - arms[f"{o}_share"].min() for o in OUTCOMES}
    widest = max(OUTCOMES, key=spread.__getitem__)
    low, high = pcts([arms[f"{widest}_share"].min(), arms[f"{widest}_share"].max()])
    s = next(s for s in comparison.separations if s.outcome == widest)
    verdict = ("is within the noise" if not s.pairs_separated else
               f"separates {s.pairs_separated} of {s.pairs_total} arm pairs, not the ends")
    return f"; the widest spread between arms, {NOUN[widest]} from {low} to {high}, {verdict}"


def _strata(strata: tuple[tuple[str, object, Comparison], ...]) -> str:
    """"; at X = 1.5 alone, though, ..." for strata where the test detects a difference."""
    alpha = strata_alpha(strata)
    hits = [(by, value, c) for by, value, c in strata
            if not math.isnan(c.p_value) and c.p_value < alpha]
    if not hits:
        return ""
    values = " and ".join(value_text(value) for _, value, _ in hits)
    tests = "; ".join(f"{p_text(c.p_value)}, mostly from {NOUN[driver(c)]}"
                      for _, _, c in hits)
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
            low, high = pcts([share.min(), share.max()])
            clauses.append(f"the share of {NOUN[o]} ranges from {low} to {high} across arms")
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
        if beyond and apart(arms, outcome, arm, first) and apart(arms, outcome, arm, last):
            return f"{kind} share, {pcts([share[arm]])[0]}, at {value_text(arm)}"
    return ""
