"""What an action does to the world (docs/ODD.md, "Effects" and "Procedures").

Everything that follows from an action is here, in the order it happens
(``execute``): the week's bookkeeping, who the target blames, one small handler
per effect key of model/data/actions.toml, the threat felt, the procedure on the
talks or the dossier, the kinetic consequences, and the action-log row. In the
handlers, ``seen`` is who the target believes acted (None for an unattributed
covert act) and ``value`` is the effect's magnitude from the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from agents import actions
from agents.choice import arena_of, is_ally, is_enemy
from model.shares import clip

if TYPE_CHECKING:
    from agents.actions import Action
    from agents.state import StateAgent
    from model.model import EscalationModel

    Effect = Callable[[EscalationModel, StateAgent, StateAgent | None, StateAgent | None,
                       float], None]
    Procedure = Callable[[EscalationModel, StateAgent, StateAgent | None], None]

def execute(m: EscalationModel, actor: StateAgent, action: Action,
            target: StateAgent | None) -> None:
    """Carry out one action: its effects, attribution, procedure and bookkeeping."""
    seen = actor
    if action.covert:
        seen = perceived_author(m, actor, target)
        if target is not None:
            m.tally.covert_seen(actor, seen)
    m.week_score += action.score
    if action.rung > m.week_rung:
        m.week_rung = action.rung
    m.week_counts[action.instrument] += 1
    m.total_counts[action.instrument] += 1
    arena = m.arenas[actor.index][len(m.states) if target is None else target.index]
    if arena and action.rung > m.ladders[arena].max_rung:   # most acts climb nothing new
        m.climb(arena, action.rung)
    actor.cost_week += action.cost
    actor.last_action = action.name
    actor.last_target = target.name if target else ""
    handlers = m.effect_handlers.get(id(action))   # the catalogue's own records
    for handler, value in handlers if handlers is not None else effect_pairs(action):
        handler(m, actor, target, seen, value)
    if target is not None and action.score > 0:
        target.threat_memory += action.score * m.p.threat_per_score
    if action.procedure:
        PROCEDURES[action.procedure](m, actor, target)
    if action.kinetic and target is not None:
        kinetic(m, actor, target, action)
    if m.record_actions:
        m.datacollector.add_table_row("actions", {
            "step": m.steps, "actor": actor.name, "action": action.name,
            "target": target.name if target else "", "instrument": action.instrument,
            "covert": action.covert, "score": action.score, "rung": action.rung,
            "attributed_to": seen.name if seen else "",
        })


def arena_table(m: EscalationModel) -> list[list[str]]:
    """The ladder an act climbs, for every (actor, target) pair: ``table[actor.index]
    [target.index]``, with column ``len(states)`` for acts without a target. Fixed for a
    run (agents.choice.arena_of), so it is looked up, not worked out, at every act."""
    names = m.belligerent_names
    return [[arena_of(actor, target, names) for target in (*m.states, None)]
            for actor in m.states]


def effect_pairs(action: Action) -> tuple[tuple[Effect, float], ...]:
    """An action's effects as (handler, magnitude) pairs, in the catalogue's order."""
    return tuple((EFFECTS[key], value) for key, value in action.effects.items())


def handler_table(catalogue: Iterable[Action]) -> dict[int, tuple[tuple[Effect, float], ...]]:
    """``effect_pairs`` of every catalogue action, by the record's identity (the model
    holds the catalogue, so the ids stay its records'); any other record is read as is."""
    return {id(action): effect_pairs(action) for action in catalogue}


def effect_handlers(catalogue: Iterable[Action]) -> dict[int, tuple[tuple[Effect, float], ...]]:
    """``handler_table``, built once per catalogue and shared by its runs (read-only):
    the table is kept with the catalogue itself, so a catalogue's id is never reused
    while its table is."""
    held = _HANDLER_TABLES.get(id(catalogue))
    if held is None or held[0] is not catalogue:
        if len(_HANDLER_TABLES) >= HANDLER_TABLE_LIMIT:
            _HANDLER_TABLES.clear()
        held = _HANDLER_TABLES[id(catalogue)] = (catalogue, handler_table(catalogue))
    return held[1]


HANDLER_TABLE_LIMIT = 64   # catalogues whose tables are kept (one per scenario file, mostly)
_HANDLER_TABLES: dict[int, tuple[object, dict[int, tuple[tuple[Effect, float], ...]]]] = {}


def perceived_author(m: EscalationModel, actor: StateAgent, target: StateAgent | None
                     ) -> StateAgent | None:
    """Deniability: who, if anyone, the target blames for a covert act."""
    if target is None or m.random.random() >= m.p.attribution_rate:
        return None
    if m.random.random() < m.p.misattribution_rate:
        scapegoats = [s for s in m.states if is_ally(s, actor) and is_enemy(s, target)]
        if scapegoats:
            return m.random.choice(scapegoats)
    return actor


def kinetic(m: EscalationModel, actor: StateAgent, target: StateAgent, action: Action) -> None:
    """A kinetic act feeds the fighting, may break a truce, or is a direct clash."""
    if actor in m.belligerents and target in m.belligerents:
        m.front.combat += action.score / m.p.combat_score_unit
        if m.talks.state == "truce":
            m.talks.violate()
        return
    target.strike_memory += m.p.strike_memory_gain
    adversary = m.clash_adversary
    if ((actor is adversary and target in m.clash_members)
            or (target is adversary and actor in m.clash_members)):
        m.direct_clash = True


def deliver_aid(m: EscalationModel, flow: float) -> None:
    """An alliance's collective weekly delivery to the defender."""
    m.aid_week += flow
    m.defender.capability += m.p.aid_effect * flow


# ---------------------------------------------------------------- effects
def hostility(m, actor, target, seen, value) -> None:
    """Richardson: the target's hostility toward whoever it blames."""
    if seen is not None:
        h, cell = m.hostility, (target.index, seen.index)
        h[cell] = clip(h[cell] + m.p.reactivity * value)


def enemy_hostility(m, actor, target, seen, value) -> None:
    """Arming a belligerent is a hostile act against its war enemy."""
    if target in m.belligerents:
        enemy = m.defender if target is m.attacker else m.attacker
        h, cell = m.hostility, (enemy.index, actor.index)
        h[cell] = clip(h[cell] + m.p.reactivity * value)


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


def intimidation(m, actor, target, seen, value) -> None:
    """Nuclear coercion: the target and its allies fear escalation (nuclear_coercion per
    unit); the fear holds back their aid and adds to their peace drive (docs/ODD.md 7.10)."""
    amount = m.p.nuclear_coercion * value
    if amount:
        for state in m.states:
            if state is target or is_ally(state, target):
                state.intimidation = clip(state.intimidation + amount)


def cohesion(m, actor, target, seen, value) -> None:
    """Coordination strengthens the alliances actor and target share."""
    for alliance in m.alliances:
        if target in alliance.members and actor in alliance.members:
            alliance.cohesion_shock += value


def aid(m, actor, target, seen, value) -> None:
    """Aid to the defender goes through the aid alliance; other aid arrives directly."""
    if target is m.defender and actor in m.aid_givers:
        actor.pledge = clip(actor.pledge + value)
    elif value > 0 and target.initial_capability > 0:
        target.capability += m.p.aid_effect * value


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


# One handler per effect name of the catalogue's vocabulary (agents.actions.EFFECTS, the
# one list): a name without a handler fails here, at import.
EFFECTS: dict[str, Effect] = {name: globals()[name] for name in actions.EFFECTS}


# ---------------------------------------------------------------- procedures
def _belligerents(m: EscalationModel) -> tuple[str, str]:
    return m.attacker.name, m.defender.name


def open_channel(m, actor, target) -> None:
    m.talks.channel_open = True


def cut_channel(m, actor, target) -> None:
    m.talks.channel_open = False


def propose_truce(m, actor, target) -> None:
    m.talks.propose(actor.name, _belligerents(m))


def accept_truce(m, actor, target) -> None:
    m.talks.accept(actor.name, _belligerents(m))


def demand_truce(m, actor, target) -> None:
    """An ultimatum's demand: a ceasefire on the current line. The actor puts it on the
    table, or accepts the one already there."""
    if m.talks.state == "proposed":
        m.talks.accept(actor.name, _belligerents(m))
    else:
        m.talks.propose(actor.name, _belligerents(m))


def reject_truce(m, actor, target) -> None:
    m.talks.reject()


def negotiate(m, actor, target) -> None:
    m.talks.negotiate(m.appeal, m.p.settlement_rate, m.front.territory)


def allow_inspections(m, actor, target) -> None:
    m.inspections_blocked = False


def block_inspections(m, actor, target) -> None:
    m.inspections_blocked = True


def nuclear_use(m, actor, target) -> None:
    m.nuclear_used = True


# One function per procedure name of the vocabulary (agents.actions.PROCEDURES).
PROCEDURES: dict[str, Procedure] = {name: globals()[name] for name in actions.PROCEDURES}
