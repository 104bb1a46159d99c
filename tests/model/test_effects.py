"""model/effects.py: one handler per name of the catalogue's vocabulary, and each effect
does what its docstring says, and nothing else.

Each test builds the seed scenario twice at the same seed and carries out the same
catalogue act in both, once as it is and once with that effect's handler doing
nothing (the same setting without the effect), then compares the whole world: only
what the effect is documented to change may differ.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from agents.actions import EFFECTS as EFFECT_NAMES
from agents.actions import PROCEDURES as PROCEDURE_NAMES
from model import EscalationModel, effects
from model.effects import EFFECTS, PROCEDURES

WEST = ("Ukraine", "France", "Germany", "United States")
EAST = ("Russia", "Iran")
STATE_FIELDS = ("capability", "morale", "pressure", "weariness", "intimidation", "pledge",
                "belief_bias", "cost_week", "threat_memory", "strike_memory")


def test_every_catalogue_effect_and_procedure_has_one_handler():
    assert set(EFFECTS) == set(EFFECT_NAMES)
    assert set(PROCEDURES) == set(PROCEDURE_NAMES)


# ------------------------------------------------------------------ the comparison
def fresh(**overrides: Any) -> EscalationModel:
    return EscalationModel("paris_moscow_call", rng=0, **overrides)


def snapshot(m: EscalationModel) -> dict[str, Any]:
    """Everything an action can change, flattened to named values."""
    values: dict[str, Any] = {}
    for a in m.states:
        for b in m.states:
            values[f"hostility {a.name}->{b.name}"] = float(m.hostility[a.index, b.index])
        for name in STATE_FIELDS:
            values[f"{a.name}.{name}"] = getattr(a, name)
        for target, level in a.sanction_stance.items():
            values[f"{a.name}.sanctions[{target}]"] = level
    for alliance in m.alliances:
        for name in ("cohesion", "cohesion_shock", "aid_flow"):
            values[f"{alliance.name}.{name}"] = getattr(alliance, name)
        for target, level in alliance.sanction_level.items():
            values[f"{alliance.name}.sanction_level[{target}]"] = level
    for name in ("heat", "dossier_tension", "direct_clash", "nuclear_used",
                 "inspections_blocked", "week_score", "week_rung"):
        values[name] = getattr(m, name)
    talks = m.talks
    values.update({"talks.state": talks.state, "talks.accepted": tuple(sorted(talks.accepted)),
                   "talks.progress": talks.progress, "talks.settled": talks.settled,
                   "talks.collapses": talks.collapses, "talks.truces": talks.truces,
                   "talks.channel_open": talks.channel_open})
    front = m.front
    values.update({"front.combat": front.combat, "front.attack": tuple(front.attack),
                   "front.defence": tuple(front.defence), "front.siege": front.siege,
                   "front.territory": front.territory})
    return values


def compare(monkeypatch: pytest.MonkeyPatch, actor: str, act: str, target: str | None,
            effect: str, prepare=lambda m: None, **overrides: Any
            ) -> tuple[dict[str, tuple[Any, Any]], EscalationModel]:
    """Carry out catalogue act ``act`` in twin worlds, with and without ``effect``; what
    differs (name -> (with, without)), and the world with it."""
    worlds = []
    for keep in (True, False):
        m = fresh(**overrides)   # both built alike: the week-0 events keep every effect
        prepare(m)
        action = m.spec.catalogue.get(act)
        assert action is not None and effect in action.effects, (act, effect)
        with monkeypatch.context() as patch:
            if not keep:   # the model binds its handlers when built: bind them again
                patch.setitem(effects.EFFECTS, effect, lambda *args: None)
                m.effect_handlers = effects.handler_table(m.spec.catalogue)  # not cached
            m.execute(m.by_name[actor], action, m.by_name[target] if target else None)
        worlds.append(m)
    with_it, without_it = (snapshot(m) for m in worlds)
    return ({k: (with_it[k], without_it[k]) for k in with_it
             if with_it[k] != without_it[k]}, worlds[0])


# ------------------------------------------------------------------ hostility
@pytest.mark.parametrize("act, attribution, misattribution, blamed", [
    ("propaganda", 0.0, 0.0, None),           # covert, unattributed: no one is blamed
    ("propaganda", 1.0, 0.0, "Russia"),       # covert, attributed to its author
    ("propaganda", 1.0, 1.0, "Iran"),         # covert, pinned on a scapegoat
    ("public_accusation", 0.0, 0.0, "Russia"),  # overt: always its author
])
def test_hostility_rises_only_toward_whom_the_target_blames(monkeypatch, act, attribution,
                                                            misattribution, blamed):
    changed, m = compare(monkeypatch, "Russia", act, "France", "hostility",
                         attribution_rate=attribution, misattribution_rate=misattribution)
    if blamed is None:
        assert changed == {}
        return
    assert set(changed) == {f"hostility France->{blamed}"}
    after, before = changed[f"hostility France->{blamed}"]
    value = m.spec.catalogue.get(act).effects["hostility"]
    assert after == pytest.approx(min(1.0, before + m.p.reactivity * value))
    assert after > before


# ------------------------------------------------------------------ alliances
@pytest.mark.parametrize("target, strained", [("France", {"NATO", "EU"}),
                                              ("United States", {"NATO"}), ("Ukraine", set())])
def test_target_cohesion_strains_every_alliance_of_the_target(monkeypatch, target, strained):
    changed, m = compare(monkeypatch, "Russia", "propaganda", target, "target_cohesion")
    assert set(changed) == {f"{a}.cohesion_shock" for a in strained}
    value = m.spec.catalogue.get("propaganda").effects["target_cohesion"]
    for alliance in strained:
        after, before = changed[f"{alliance}.cohesion_shock"]
        assert after == pytest.approx(before + value) and value < 0


# ------------------------------------------------------------------ aid
@pytest.mark.parametrize("act", ["deliver_arms", "tech_transfer", "suspend_arms"])
def test_aid_from_an_aid_alliance_member_to_the_defender_moves_its_pledge(monkeypatch, act):
    changed, m = compare(monkeypatch, "United States", act, "Ukraine", "aid")
    value = m.spec.catalogue.get(act).effects["aid"]
    assert set(changed) == {"United States.pledge"}   # not the defender's capability
    after, before = changed["United States.pledge"]
    assert after == pytest.approx(min(1.0, max(0.0, before + value)))


@pytest.mark.parametrize("act", ["deliver_arms", "tech_transfer"])
def test_other_aid_raises_the_targets_capability(monkeypatch, act):
    changed, m = compare(monkeypatch, "Iran", act, "Russia", "aid")
    value = m.spec.catalogue.get(act).effects["aid"]
    assert set(changed) == {"Russia.capability"}      # not Iran's pledge
    after, before = changed["Russia.capability"]
    assert after == pytest.approx(before + m.p.aid_effect * value)


def test_withdrawn_aid_outside_the_aid_alliance_takes_nothing_away(monkeypatch):
    changed, _ = compare(monkeypatch, "Iran", "suspend_arms", "Russia", "aid")
    assert changed == {}


# ------------------------------------------------------------------ kinetic acts
def truce(m: EscalationModel) -> None:
    m.talks.state, m.talks.accepted = "war", set()
    m.talks.propose("Russia", m.belligerent_names)
    m.talks.accept("Ukraine", m.belligerent_names)
    assert m.talks.truce_active


def test_a_kinetic_act_between_the_belligerents_breaks_a_truce():
    worlds = {}
    for kinetic in (True, False):
        m = fresh()
        truce(m)
        m.talks.negotiate(1.0, 0.5, m.front.territory)
        offensive = m.spec.catalogue.get("offensive")
        m.execute(m.attacker, replace(offensive, kinetic=kinetic), m.defender)
        worlds[kinetic] = m
    broken, kept = worlds[True].talks, worlds[False].talks
    assert (kept.state, kept.collapses, kept.progress) == ("truce", 0, 0.5)
    assert (broken.state, broken.collapses, broken.progress) == ("war", 1, 0.0)
    fought = worlds[True].front.combat - worlds[False].front.combat
    assert fought > 0 and fought == pytest.approx(offensive.score
                                                  / worlds[True].p.combat_score_unit)
    assert not worlds[True].direct_clash


def test_a_kinetic_act_beyond_the_war_leaves_the_truce_alone():
    m = fresh()
    truce(m)
    usa = m.by_name["United States"]
    before = usa.strike_memory
    m.execute(m.by_name["Iran"], m.spec.catalogue.get("direct_strike"), usa)
    assert m.talks.truce_active and m.talks.collapses == 0
    assert not m.direct_clash
    assert usa.strike_memory == pytest.approx(before + m.p.strike_memory_gain)


@pytest.mark.parametrize("actor, target, clash", [
    ("United States", "Russia", True), ("Russia", "France", True), ("Germany", "Russia", True),
    ("Iran", "United States", False), ("Russia", "Ukraine", False), ("Ukraine", "Russia", False),
])
def test_a_kinetic_act_between_a_nato_member_and_russia_is_a_direct_clash(actor, target,
                                                                          clash):
    for kinetic in (True, False):
        m = fresh()
        strike = replace(m.spec.catalogue.get("direct_strike"), kinetic=kinetic)
        m.execute(m.by_name[actor], strike, m.by_name[target])
        assert m.direct_clash is (clash and kinetic), (actor, target, kinetic)


def test_the_catalogues_direct_strike_on_russia_is_a_clash():
    m = fresh()
    m.execute(m.by_name["United States"], m.spec.catalogue.get("direct_strike"), m.attacker)
    assert m.direct_clash


# ------------------------------------------------------------------ dialogue
def test_dialogue_shrinks_both_belligerents_belief_bias(monkeypatch):
    changed, m = compare(monkeypatch, "Russia", "prisoner_exchange", "Ukraine", "dialogue")
    keep = 1.0 - m.p.dialogue_convergence * m.spec.catalogue.get("prisoner_exchange") \
        .effects["dialogue"]
    assert set(changed) == {"Russia.belief_bias", "Ukraine.belief_bias"}
    for side in ("Russia", "Ukraine"):
        after, before = changed[f"{side}.belief_bias"]
        assert before != 0 and after == pytest.approx(before * keep)
        assert abs(after) < abs(before)


def test_dialogue_with_a_third_state_shrinks_only_the_belligerents_bias(monkeypatch):
    def biased(m: EscalationModel) -> None:
        m.by_name["France"].belief_bias = 0.001   # so a change would show

    changed, m = compare(monkeypatch, "France", "direct_call", "Russia", "dialogue", prepare=biased)
    assert set(changed) == {"Russia.belief_bias"}
    after, before = changed["Russia.belief_bias"]
    assert after == pytest.approx(before * (1.0 - m.p.dialogue_convergence * 1.0))


# ------------------------------------------------------------------ nuclear coercion
@pytest.mark.parametrize("target", ["France", "Ukraine"])
def test_intimidation_raises_the_targets_and_its_allies_by_nuclear_coercion(monkeypatch,
                                                                               target):
    changed, m = compare(monkeypatch, "Russia", "nuclear_ultimatum", target, "intimidation",
                         nuclear_coercion=0.4)
    value = m.spec.catalogue.get("nuclear_ultimatum").effects["intimidation"]
    assert set(changed) == {f"{state}.intimidation" for state in WEST}
    for state in WEST:
        assert changed[f"{state}.intimidation"] == pytest.approx((0.4 * value, 0.0))
    assert {m.by_name[s].intimidation for s in EAST} == {0.0}


def test_intimidation_is_nothing_without_nuclear_coercion(monkeypatch):
    changed, _ = compare(monkeypatch, "Russia", "nuclear_ultimatum", "France", "intimidation",
                         nuclear_coercion=0.0)
    assert changed == {}


def test_intimidation_adds_up_and_stays_within_one():
    m = fresh(nuclear_coercion=0.3)
    ultimatum = m.spec.catalogue.get("nuclear_ultimatum")
    levels = []
    for _ in range(4):
        m.execute(m.attacker, ultimatum, m.defender)
        levels.append(m.defender.intimidation)
    assert levels == pytest.approx([0.3, 0.6, 0.9, 1.0])
