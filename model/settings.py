"""Documented parameter settings: where each outcome is the most common, and where each
mechanism of the brief fires (with the overrides that switch it off).

They are data about the model, not part of it: tests/model/test_settings.py checks
each claim, `escalation trace` runs them, docs/ODD.md and docs/MECHANISMS.md cite them.
"""

from __future__ import annotations

from dataclasses import dataclass

# Documented parameter settings (seed scenario) under which each outcome is the
# most common over 50 seeds; tests/model/test_settings.py checks that this stays true.
REFERENCE_SETTINGS: dict[str, dict[str, float | bool]] = {
    # no third party presses for peace and armies hold together (the calibrated
    # collapse_morale breaks an army once its morale falls below about half): a war of
    # attrition that does not stop
    "ongoing": {"multilateral_pressure": 0.0, "collapse_morale": 0.1},
    # strong pressure for peace (the calibrated belligerents concede enough for the
    # talks to settle)
    "negotiated": {"multilateral_pressure": 0.9},
    # truces are agreed and hold, but negotiation makes no progress (a Korean armistice)
    "frozen": {"multilateral_pressure": 0.9, "settlement_rate": 0.0},
    # actors who choose less predictably than the calibrated, near-greedy temperature
    # (docs/ODD.md, "Mechanism settings"), at hybrid war without diplomacy
    "escalated": {"hybrid_intensity": 2.0, "diplomacy_enabled": False, "attribution_rate": 0.9,
                  "threshold_hurdle": 0.5, "reactivity": 0.2, "temperature": 0.5},
}


@dataclass(frozen=True, slots=True)
class MechanismSetting:
    """A documented region where a mechanism of the brief fires in many runs ("on"), and
    the same setting with the mechanism switched off ("off" overrides on top of it).
    tests/model/test_settings.py shows each changes the outcome distribution;
    docs/MECHANISMS.md traces one seeded run of each, week by week."""

    on: dict[str, float | bool]
    off: dict[str, float | bool]
    meaning: str
    actions: tuple[str, ...]   # the catalogue actions that make up the chain (its trace)
    series: tuple[str, ...]    # weekly reporters the trace follows alongside
    arena: str = ""            # the trace keeps only this arena's acts (agents.actions.ARENAS)
    trace_seed: int = 0        # the seeded run its trace follows: one where the whole chain
                               # shows (over 50 seeds it fires in a third or more)


# Each fights a war both belligerents value (war_value_base at the model's default, 0.5).
# The chains that escalate or break truces need actors who choose less predictably than
# the calibrated temperature (0.07, near-greedy: the same act every week), so those set
# temperature 0.5; at the calibrated value neither fires (docs/ODD.md, "Mechanism
# settings").
MECHANISM_SETTINGS: dict[str, MechanismSetting] = {
    "hybrid_spiral": MechanismSetting(
        on={"hybrid_intensity": 2.0, "attribution_rate": 0.9, "reactivity": 0.3,
            "threshold_hurdle": 0.3, "clash_tension": 0.5, "war_value_base": 0.5,
            "temperature": 0.5},
        off={"attribution_rate": 0.0},
        meaning="covert acts against alliance members are attributed (sometimes to the "
                "wrong state), hostility and tension climb, the confrontation crosses Kahn "
                "thresholds and ends in a direct clash; with no attribution there is no one "
                "to retaliate against",
        actions=("propaganda", "cyber_attack", "sabotage", "public_accusation",
                 "cut_relations", "nuclear_ultimatum", "direct_strike"),
        series=("tension", "max_rung_confrontation"), arena="confrontation", trace_seed=1),
    "truce_collapse": MechanismSetting(
        on={"multilateral_pressure": 0.4, "truce_violation_cost": 0.2, "settlement_rate": 0.1,
            "war_value_base": 0.5, "temperature": 0.5},
        off={"truce_violation_cost": 10.0},
        meaning="pressure brings truces and talks are slow, but a belligerent that still "
                "expects to gain from fighting breaks a truce when breaking costs little (a "
                "commitment problem); with a prohibitive cost truces hold",
        actions=("propose_truce", "accept_truce", "reject_truce", "negotiate", "offensive",
                 "siege", "strike_infrastructure", "deep_drone_strike"),
        series=("truce", "settlement_progress", "weariness_attacker"), trace_seed=1),
    "military_collapse": MechanismSetting(
        on={"aid_reliability": 0.0, "regeneration_rate": 0.0, "attrition_rate": 0.05,
            "multilateral_pressure": 0.0, "lethality_spread": 0.0, "war_value_base": 0.5},
        off={"collapse_capability": 0.0, "collapse_morale": 0.0},
        meaning="without aid, reconstitution or third parties pressing for peace, attrition "
                "wears an army below its collapse threshold and the war ends on imposed "
                "terms; without collapse thresholds it grinds on",
        actions=("offensive", "siege", "mobilise", "consolidate_defence", "propose_truce"),
        series=("capability_attacker", "capability_defender", "morale_attacker",
                "morale_defender"), trace_seed=4),
    "nuclear_threats": MechanismSetting(
        on={"aid_reliability": 1.0, "regeneration_rate": 0.0, "attrition_rate": 0.05,
            "lethality_spread": 0.0, "collapse_capability": 0.1,
            "stakes_spread": 0.0, "nuclear_threat_loss": 0.25, "nuclear_coercion": 1.0,
            "war_value_base": 0.5},
        off={"nuclear_threat_loss": 1.0},
        meaning="the nuclear power's army wears down, without breaking, against a defender "
                "that lives on reliable aid; once its perceived loss is heavy it issues "
                "nuclear ultimatums demanding a ceasefire on the current line, which "
                "intimidate the defender and its supporters (aid held back, peace drive "
                "raised): the defender accepts the truce and the war stops on that line "
                "(frozen, or settled by the talks that follow) instead of grinding on; "
                "with no ultimatums truces are rarer and more wars grind on to the horizon",
        actions=("nuclear_ultimatum", "propose_truce", "accept_truce", "reject_truce",
                 "negotiate"),
        series=("capability_attacker", "aid_flow", "truce", "settlement_progress"),
        trace_seed=10),
}
