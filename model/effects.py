"""What each catalogue effect does to the world (docs/ODD.md, "Effects").

One small handler per effect key of agents/data/actions.toml. ``seen`` is who
the target believes acted (None for an unattributed covert act); ``value`` is
the effect's magnitude from the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from model.world import clip

if TYPE_CHECKING:
    from agents.state import StateAgent
    from model.model import EscalationModel

    Handler = Callable[[EscalationModel, StateAgent, StateAgent | None,
                        StateAgent | None, float], None]


def hostility(m, actor, target, seen, value) -> None:
    """Richardson: the target's hostility toward whoever it blames."""
    if seen is not None:
        row = m.hostility[target.index]
        row[seen.index] = clip(row[seen.index] + m.p.reactivity * value)


def enemy_hostility(m, actor, target, seen, value) -> None:
    """Arming a belligerent is a hostile act against its war enemy."""
    if target in m.belligerents:
        enemy = m.defender if target is m.attacker else m.attacker
        row = m.hostility[enemy.index]
        row[actor.index] = clip(row[actor.index] + m.p.reactivity * value)


def tension(m, actor, target, seen, value) -> None:
    m.heat += value


def dossier(m, actor, target, seen, value) -> None:
    """Tension over the nuclear dossier, in scenarios that have one."""
    if m.has_dossier:
        m.dossier_tension = clip(m.dossier_tension + value)


def target_capability(m, actor, target, seen, value) -> None:
    if target.initial_capability > 0:
        target.capability = max(0.0, target.capability * (1.0 + value))


def target_morale(m, actor, target, seen, value) -> None:
    target.morale = clip(target.morale + value)


def target_economy(m, actor, target, seen, value) -> None:
    target.cost_week += value


def target_pressure(m, actor, target, seen, value) -> None:
    target.pressure = clip(target.pressure + value)


def target_relief(m, actor, target, seen, value) -> None:
    target.weariness = clip(target.weariness - value)


def target_cohesion(m, actor, target, seen, value) -> None:
    """Propaganda and intimidation strain every alliance the target belongs to."""
    for alliance in m.alliances:
        if target in alliance.members:
            alliance.cohesion_shock += value


def cohesion(m, actor, target, seen, value) -> None:
    """Coordination strengthens the alliances actor and target share."""
    for alliance in m.alliances:
        if target in alliance.members and actor in alliance.members:
            alliance.cohesion_shock += value


def aid(m, actor, target, seen, value) -> None:
    m.give_aid(actor, target, value)


def sanctions(m, actor, target, seen, value) -> None:
    actor.sanction_stance[target.name] = clip(
        actor.sanction_stance.get(target.name, 0.0) + value)
    for alliance in m.alliances:
        if alliance.sanctions and actor in alliance.members:
            alliance.sanction_level.setdefault(target.name, 0.0)


def dialogue(m, actor, target, seen, value) -> None:
    """Direct talk shrinks the belligerents' optimistic bias (narrows the belief gap)."""
    keep = 1.0 - m.p.dialogue_convergence * value
    for side in (actor, target):
        if side in m.belligerents:
            side.belief_bias *= keep


def intel(m, actor, target, seen, value) -> None:
    actor.belief_bias *= 1.0 - value


def self_capability(m, actor, target, seen, value) -> None:
    actor.capability += value * actor.initial_capability


def self_pressure(m, actor, target, seen, value) -> None:
    actor.pressure = clip(actor.pressure + value)


def offensive(m, actor, target, seen, value) -> None:
    if actor in m.belligerents and target in m.belligerents:
        m.front.attack[0 if actor is m.attacker else 1] += value


def defence(m, actor, target, seen, value) -> None:
    if actor in m.belligerents:
        m.front.defence[0 if actor is m.attacker else 1] += value


def siege(m, actor, target, seen, value) -> None:
    """The attacker's siege of the defender: besieging raises it, consolidating lowers it."""
    if actor in m.belligerents:
        m.front.siege = clip(m.front.siege + value)


HANDLERS: dict[str, Handler] = {
    name: globals()[name] for name in (
        "hostility", "enemy_hostility", "tension", "dossier", "target_capability",
        "target_morale", "target_economy", "target_pressure", "target_relief",
        "target_cohesion", "cohesion", "aid", "sanctions", "dialogue", "intel",
        "self_capability", "self_pressure", "offensive", "defence", "siege")
}
