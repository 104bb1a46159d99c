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
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

OUTCOMES = ("negotiated", "frozen", "escalated", "ongoing")
RULES = {
    "nuclear_use": "escalated",
    "direct_clash": "escalated",
    "imposed": "negotiated",
    "settlement": "negotiated",
    "unsettled_truce": "frozen",
    "stalemate": "frozen",
    "horizon": "ongoing",
}


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

    @property
    def decided(self) -> bool:
        return bool(self.outcome)

    def decide(self, rule: str, step: int, ended: int = NOT_ENDED) -> None:
        self.outcome = RULES[rule]
        self.rule = rule
        self.step = step
        self.ended_step = ended


def judge(verdict: Verdict, model) -> None:
    """Apply the rules above to the model's state at the end of week ``model.steps``."""
    p = model.p
    talks = model.talks
    week = model.steps
    if not talks.truce_active:
        verdict.truce_since = NOT_ENDED
    elif verdict.truce_since == NOT_ENDED:
        verdict.truce_since = week  # judged every week: the truce began this week
    weeks = p.freeze_weeks
    full = _update_window(verdict, model, weeks)
    if model.nuclear_used:
        verdict.decide("nuclear_use", week)
    elif model.direct_clash:
        verdict.decide("direct_clash", week)
    elif any(side.collapsed for side in model.belligerents):
        verdict.decide("imposed", week, ended=week)
    elif talks.settled and talks.settled_weeks >= p.settlement_hold_weeks:
        verdict.decide("settlement", week, ended=verdict.truce_since)
    elif talks.truce_active and not talks.settled and talks.truce_weeks >= weeks:
        verdict.decide("unsettled_truce", week, ended=verdict.truce_since)
    elif (full and abs(verdict.window_change) < p.stalemate_movement * weeks
          and verdict.window_intensity < p.stalemate_intensity * weeks
          and verdict.window_casualties < p.stalemate_casualties * weeks):
        verdict.decide("stalemate", week, ended=week - weeks + 1)
    elif week >= p.horizon_weeks:
        verdict.decide("horizon", week)


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


# Documented parameter settings (seed scenario) under which each outcome is the
# most common over 50 seeds; tests/model/test_outcomes.py checks that this stays true.
REFERENCE_SETTINGS: dict[str, dict[str, float | bool]] = {
    # no third party presses for peace: a war of attrition that does not stop
    "ongoing": {"multilateral_pressure": 0.0},
    # strong pressure on belligerents that concede (the calibrated concession_scale is
    # small: under pressure alone truces hold while talks stall, the frozen setting)
    "negotiated": {"multilateral_pressure": 0.9, "concession_scale": 0.25},
    # truces are agreed and hold, but negotiation makes no progress (a Korean armistice)
    "frozen": {"multilateral_pressure": 0.9, "settlement_rate": 0.0},
    "escalated": {"hybrid_intensity": 2.0, "diplomacy_enabled": False, "attribution_rate": 0.9,
                  "threshold_hurdle": 0.5, "reactivity": 0.2},
}


@dataclass(frozen=True, slots=True)
class MechanismSetting:
    """A documented region where a mechanism of the brief fires in many runs ("on"), and
    the same setting with the mechanism switched off ("off" overrides on top of it).
    tests/model/test_mechanisms_live.py shows each changes the outcome distribution;
    docs/MECHANISMS.md traces one seeded run of each, week by week."""

    on: dict[str, float | bool]
    off: dict[str, float | bool]
    meaning: str
    actions: tuple[str, ...]   # the catalogue actions that make up the chain (its trace)
    series: tuple[str, ...]    # weekly reporters the trace follows alongside
    arena: str = ""            # the trace keeps only this arena's acts (agents.actions.ARENAS)


MECHANISM_SETTINGS: dict[str, MechanismSetting] = {
    "hybrid_spiral": MechanismSetting(
        on={"hybrid_intensity": 2.0, "attribution_rate": 0.9, "reactivity": 0.3,
            "threshold_hurdle": 0.3, "clash_tension": 0.5},
        off={"attribution_rate": 0.0},
        meaning="covert acts against alliance members are attributed (sometimes to the "
                "wrong state), hostility and tension climb, the confrontation crosses Kahn "
                "thresholds and ends in a direct clash; with no attribution there is no one "
                "to retaliate against",
        actions=("propaganda", "cyber_attack", "sabotage", "public_accusation",
                 "cut_relations", "nuclear_ultimatum", "direct_strike"),
        series=("tension", "max_rung_confrontation"), arena="confrontation"),
    "truce_collapse": MechanismSetting(
        on={"multilateral_pressure": 0.9, "truce_violation_cost": 0.2, "settlement_rate": 0.1},
        off={"truce_violation_cost": 10.0},
        meaning="pressure brings truces and talks are slow, but a belligerent that still "
                "expects to gain from fighting breaks a truce when breaking costs little (a "
                "commitment problem); with a prohibitive cost truces hold",
        actions=("propose_truce", "accept_truce", "reject_truce", "negotiate", "offensive",
                 "siege", "strike_infrastructure", "deep_drone_strike"),
        series=("truce", "settlement_progress", "weariness_attacker")),
    "military_collapse": MechanismSetting(
        on={"aid_reliability": 0.0, "regeneration_rate": 0.0, "attrition_rate": 0.05},
        off={"collapse_capability": 0.0, "collapse_morale": 0.0},
        meaning="without aid or reconstitution, attrition wears an army below its collapse "
                "threshold and the war ends on imposed terms; without collapse thresholds "
                "it grinds on",
        actions=("offensive", "siege", "mobilise", "consolidate_defence", "propose_truce"),
        series=("capability_attacker", "capability_defender", "morale_attacker",
                "morale_defender")),
    "nuclear_threats": MechanismSetting(
        on={"aid_reliability": 1.0, "regeneration_rate": 0.0, "attrition_rate": 0.05,
            "lethality_spread": 0.0, "collapse_capability": 0.1,
            "nuclear_threat_loss": 0.25, "nuclear_coercion": 0.5},
        off={"nuclear_threat_loss": 1.0},
        meaning="the nuclear power's army wears down, without breaking, against a defender "
                "that lives on reliable aid; once its perceived loss is heavy it issues "
                "nuclear ultimatums demanding a ceasefire on the current line, which "
                "intimidate the defender and its supporters (aid held back, peace drive "
                "raised): the defender accepts the truce and the war freezes on that line "
                "instead of grinding on; with no ultimatums the nuclear power seldom accepts "
                "a truce",
        actions=("nuclear_ultimatum", "propose_truce", "accept_truce", "reject_truce",
                 "negotiate"),
        series=("capability_attacker", "aid_flow", "truce", "settlement_progress")),
}
