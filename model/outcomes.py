"""Outcome rules: how and when a run is decided (brief §5, docs/ODD.md "Outcomes").

Rules are checked at the end of every week in this order, so that a week in
which several fire is classified by the most severe:

1. escalated / nuclear_use    any nuclear use;
2. escalated / direct_clash   a kinetic act between a member of the clash alliance
                              (NATO) and the clash adversary (Russia);
3. negotiated / imposed       a belligerent's army collapses (capability or morale
                              below the collapse parameters): war ends on imposed terms;
4. negotiated / settlement    an agreed settlement has held settlement_hold_weeks;
5. frozen / unsettled_truce   a truce without settlement has held freeze_weeks;
6. frozen / stalemate         the fighting has largely stopped without a truce: over
                              the last freeze_weeks weeks of open war the mean weekly
                              combat intensity stayed below stalemate_intensity, the
                              mean weekly casualties (both belligerents) below
                              stalemate_casualties, and the front moved less than
                              stalemate_movement per week on average (net). A static
                              front with heavy fighting is a war of attrition: ongoing.
                              Hybrid, informational and diplomatic activity play no
                              part in it;
7. ongoing / horizon          the horizon is reached with none of the above.

Besides the week a rule confirmed the outcome (``step``, reported as
``decided_step``), the verdict keeps the week the fighting ended (``ended_step``):
the week the truce began (settlement, unsettled truce), the first week of the quiet
period (stalemate), the week an army collapsed (imposed); -1 when the fighting did
not end (escalated, horizon). War duration is ``ended_step``; ``decided_step`` adds
the confirmation window to it.

**Follow-up.** With ``follow_up_weeks`` > 0 a run whose fighting ended goes on after its
outcome is decided (at most that many weeks, and never past the horizon), to see
whether the ending holds. The outcome stays the first ending. The fighting has
**resumed** (``resumed_step``) in the first week that either

* a truce in force at the ending (or imposed by it) is broken by a kinetic act between
  the belligerents (a truce collapse), or
* the open-war window of the stalemate rule is full and no longer quiet: over the last
  ``freeze_weeks`` weeks of open war the fighting is back above the stalemate thresholds.

An army's collapse imposes a settled truce on the current line (the loser accepts the
victor's terms), so imposed endings can break down too.

**Episodes** (UCDP's reading of the same weeks). UCDP ends a conflict episode only when
a calendar year passes with fewer than 25 battle deaths; fighting that stops and flares
up within the year is one continuing episode. The follow-up therefore watches the quiet
spells: a spell begins with the ending and ends when the fighting resumes; after a
resumption a new spell begins when the fighting ends again by the same criteria (a
truce in force ``freeze_weeks``, or an agreed settlement ``settlement_hold_weeks``,
counted from the week it began; or a quiet window, from its first quiet week). The
first spell that lasts ``episode_gap_weeks`` ends the **episode**
(``episode_end_step``: the week that spell began); the first resumption after it is a
**recurrence**, a new episode (``recurred_step``). The outcome and ``ended_step`` stay
the first ending's.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

OUTCOMES = ("negotiated", "frozen", "escalated", "ongoing")
# rule: (outcome, whether the rule ends the fighting). A rule that ends it records the
# week the fighting ended (``ended_step``); the others record NOT_ENDED.
_RULE_TABLE: dict[str, tuple[str, bool]] = {
    "nuclear_use": ("escalated", False),
    "direct_clash": ("escalated", False),
    "imposed": ("negotiated", True),
    "settlement": ("negotiated", True),
    "unsettled_truce": ("frozen", True),
    "stalemate": ("frozen", True),
    "horizon": ("ongoing", False),
}
RULES = {rule: outcome for rule, (outcome, _) in _RULE_TABLE.items()}
# The rules that end the fighting: the comparison set of a target's ``among = "ended"``.
ENDING_RULES = tuple(rule for rule, (_, ends) in _RULE_TABLE.items() if ends)

NOT_ENDED = -1


@dataclass(slots=True)
class Verdict:
    outcome: str = ""
    rule: str = ""
    step: int = -1
    ended_step: int = NOT_ENDED
    truce_since: int = NOT_ENDED  # week the current truce began
    # Rolling window of open-war weeks for the stalemate rule:
    # (front change, combat intensity, casualties of both belligerents).
    window: deque = field(default_factory=deque)
    window_change: float = 0.0
    window_intensity: float = 0.0
    window_casualties: float = 0.0
    window_quiet: bool = False       # the window is full and meets the stalemate criteria
    resumed_step: int = NOT_ENDED    # follow-up: week the fighting resumed after the ending
    spell_start: int = NOT_ENDED     # follow-up: week the current quiet spell began
    collapses_at_spell: int = 0      # truce collapses up to the current spell's start
    episode_end_step: int = NOT_ENDED  # week the first spell of episode_gap_weeks began
    recurred_step: int = NOT_ENDED     # week the fighting resumed after the episode's end

    @property
    def decided(self) -> bool:
        return bool(self.outcome)

    @property
    def ended(self) -> bool:
        """Whether the outcome is an ending of the fighting (one a follow-up can watch)."""
        return self.ended_step != NOT_ENDED

    def decide(self, rule: str, step: int, ended: int = NOT_ENDED) -> None:
        if (ended != NOT_ENDED) != (rule in ENDING_RULES):  # the table above is the one truth
            raise ValueError(f"rule {rule!r} decided with ended_step {ended}")
        self.outcome = RULES[rule]
        self.rule = rule
        self.step = step
        self.ended_step = ended


def judge(verdict: Verdict, model) -> None:
    """Apply the rules above to the model's state at the end of week ``model.steps``; once
    the outcome is decided, watch whether an ending holds (the follow-up)."""
    p = model.p
    talks = model.talks
    week = model.steps
    if not talks.truce_active:
        verdict.truce_since = NOT_ENDED
    elif verdict.truce_since == NOT_ENDED:
        verdict.truce_since = week  # judged every week: the truce began this week
    weeks = p.freeze_weeks
    full = _update_window(verdict, model, weeks)
    verdict.window_quiet = (full and abs(verdict.window_change) < p.stalemate_movement * weeks
                            and verdict.window_intensity < p.stalemate_intensity * weeks
                            and verdict.window_casualties < p.stalemate_casualties * weeks)
    if verdict.decided:
        _follow(verdict, model, full)
        return
    if model.nuclear_used:
        verdict.decide("nuclear_use", week)
    elif model.direct_clash:
        verdict.decide("direct_clash", week)
    elif any(side.collapsed for side in model.belligerents):
        verdict.decide("imposed", week, ended=week)
    elif (ending := _quiet_ending(verdict, model)) is not None:
        rule, ended = ending
        verdict.decide(rule, week, ended=ended)
    elif week >= p.horizon_weeks:
        verdict.decide("horizon", week)
    verdict.collapses_at_spell = talks.collapses
    if verdict.ended:
        verdict.spell_start = verdict.ended_step
        _episode_end(verdict, week, p.episode_gap_weeks)


def _follow(verdict: Verdict, model, full: bool) -> None:
    """A week of the follow-up: does the quiet spell break (a resumption, and after the
    episode's end a recurrence), or the fighting end again (a new spell)?"""
    talks, week = model.talks, model.steps
    if verdict.spell_start != NOT_ENDED:
        if talks.collapses > verdict.collapses_at_spell or (full and not verdict.window_quiet):
            verdict.spell_start = NOT_ENDED
            if verdict.resumed_step == NOT_ENDED:
                verdict.resumed_step = week
            if verdict.episode_end_step != NOT_ENDED and verdict.recurred_step == NOT_ENDED:
                verdict.recurred_step = week
            return
    else:   # fighting again: has it ended again, by rules 4-6 (an army's collapse is
            # judged once, at the first ending)?
        ending = _quiet_ending(verdict, model)
        verdict.spell_start = NOT_ENDED if ending is None else ending[1]
        verdict.collapses_at_spell = talks.collapses
    _episode_end(verdict, week, model.p.episode_gap_weeks)


def _quiet_ending(verdict: Verdict, model) -> tuple[str, int] | None:
    """Rules 4-6 this week: the rule whose ending holds and the week the fighting ended
    (the truce began, or the quiet window's first week), or None."""
    p, talks = model.p, model.talks
    if talks.settled and talks.settled_weeks >= p.settlement_hold_weeks:
        return "settlement", verdict.truce_since
    if talks.truce_active and not talks.settled and talks.truce_weeks >= p.freeze_weeks:
        return "unsettled_truce", verdict.truce_since
    if verdict.window_quiet:
        return "stalemate", model.steps - p.freeze_weeks + 1
    return None


def _episode_end(verdict: Verdict, week: int, gap: int) -> None:
    """The first quiet spell that has lasted ``gap`` weeks ends the episode."""
    if (verdict.episode_end_step == NOT_ENDED and verdict.spell_start != NOT_ENDED
            and week - verdict.spell_start >= gap):
        verdict.episode_end_step = verdict.spell_start


def _update_window(verdict: Verdict, model, weeks: int) -> bool:
    """Slide the open-war window; true once it holds ``weeks`` weeks. A truce empties it."""
    window = verdict.window
    if model.talks.truce_active:
        window.clear()
        verdict.window_change = verdict.window_intensity = verdict.window_casualties = 0.0
        return False
    change, intensity, casualties = (model.front.change, model.front.intensity,
                                     model.week_casualties)
    window.append((change, intensity, casualties))
    verdict.window_change += change
    verdict.window_intensity += intensity
    verdict.window_casualties += casualties
    if len(window) > weeks:
        old_change, old_intensity, old_casualties = window.popleft()
        verdict.window_change -= old_change
        verdict.window_intensity -= old_intensity
        verdict.window_casualties -= old_casualties
    return len(window) == weeks
