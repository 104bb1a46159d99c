"""The escalation model: states and alliances act from the hybrid-war repertoire.

One step is one week. Every week each state (in random order) scores its options
and picks one; alliances then take their collective aid and sanction decisions;
the front, the home fronts, relations, beliefs and the talks respond; finally
the outcome rules are checked (model/outcomes.py). docs/ODD.md describes all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from operator import attrgetter, call
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario
from mesa.model import RNGLike, SeedLike

from agents.actions import ARENAS, CONDITION_BIT, INSTRUMENTS
from agents.alliance import AllianceAgent
from agents.choice import build_menu, is_ally, is_enemy, shared_inputs
from agents.state import StateAgent
from model import effects
from model.checks import check_model_arguments
from model.front import Front
from model.ladder import Ladder
from model.outcomes import Verdict, judge
from model.parameters import Parameters
from model.scenario import Scenario, load_scenario
from model.shares import clip
from model.talks import Talks

ACTION_COLUMNS = ("step", "actor", "action", "target", "instrument", "covert", "score", "rung",
                  "attributed_to")
(_DIPLOMACY, _CHANNEL_OPEN, _CHANNEL_CLOSED, _CHANNEL_REOPENABLE, _WAR_HOT, _NO_PROPOSAL,
 _TRUCE_PENDING, _TRUCE_ACTIVE, _INSPECTIONS_BLOCKED, _INSPECTIONS_ALLOWED, _TENSION_CRITICAL,
 _NUCLEAR_THREAT_OPEN, _NUCLEAR_USE_OPEN, _PLEDGING, _SANCTIONING) = (
    CONDITION_BIT[name] for name in (
    "diplomacy", "channel_open", "channel_closed", "channel_reopenable", "war_hot",
    "no_proposal", "truce_pending", "truce_active", "inspections_blocked",
    "inspections_allowed", "tension_critical", "nuclear_threat_open", "nuclear_use_open",
    "pledging", "sanctioning"))


@dataclass(slots=True)
class RunTally:
    """What a run did, summed over its weeks: shows whether each lever moved anything."""

    weeks: int = 0
    weeks_channel_open: int = 0
    aid_delivered: float = 0.0
    covert_acts: int = 0          # covert acts against a target
    covert_attributed: int = 0    # ... blamed on their true author
    covert_misattributed: int = 0  # ... blamed on a scapegoat
    tension_sum: float = 0.0

    def end_week(self, m: EscalationModel) -> None:
        self.weeks += 1
        self.weeks_channel_open += m.talks.channel_open
        self.aid_delivered += m.aid_week
        self.tension_sum += m.tension

    def covert_seen(self, actor: object, seen: object) -> None:
        self.covert_acts += 1
        if seen is actor:
            self.covert_attributed += 1
        elif seen is not None:
            self.covert_misattributed += 1

    def as_record(self) -> dict[str, float | int]:
        weeks = max(1, self.weeks)
        return {"weeks_channel_open": self.weeks_channel_open,
                "channel_open_share": self.weeks_channel_open / weeks,
                "aid_delivered": self.aid_delivered,
                "covert_acts": self.covert_acts, "covert_attributed": self.covert_attributed,
                "covert_misattributed": self.covert_misattributed,
                "mean_tension": self.tension_sum / weeks}


class EscalationModel(mesa.Model):
    """Hybrid-war escalation between two blocs, their alliances and third parties.

    Args:
        scenario_name: a shipped scenario name, a path to a scenario file, or a loaded
            model.scenario.Scenario (actors, alliances, catalogue, parameters).
        rng: seed or numpy Generator (Mesa's convention); all randomness flows from it.
        record_actions: keep the per-action log (the "actions" table); batch runs
            switch it off for speed.
        record_weeks: collect the weekly reporters in the DataCollector (its model
            vars: the browser, ``escalation run``, a sweep's sampled trajectories);
            batch runs that keep no weekly series switch it off, since collecting is
            a large share of a week's cost. The run itself is the same either way.
        scenario: a ``mesa.experimental.scenarios.Scenario`` (Mesa's experiment
            record, as SolaraViz's Reset and Mesa's tools pass it). Its attributes
            that name a model parameter are overrides; ``**overrides`` win over
            them, and they win over the scenario file. A Mesa scenario without an
            rng takes ``rng``.
        **overrides: any parameter of model.parameters.Parameters, validated.
    """

    def __init__(self, scenario_name: str | Path | Scenario = "paris_moscow_call", *,
                 rng: RNGLike | SeedLike | None = None, record_actions: bool = True,
                 record_weeks: bool = True, scenario: MesaScenario | None = None,
                 **overrides: Any) -> None:
        rng, flags = check_model_arguments(rng, record_actions=record_actions,
                                           record_weeks=record_weeks)
        record_actions, record_weeks = flags["record_actions"], flags["record_weeks"]
        if scenario is not None:
            overrides = {**_parameters_of(scenario), **overrides}
            if scenario.rng is None:
                scenario.rng = rng
        super().__init__(rng=rng, scenario=scenario)
        spec = (scenario_name if isinstance(scenario_name, Scenario)
                else load_scenario(scenario_name))
        self.spec = spec
        self.p = spec.parameters.with_overrides(overrides, "model arguments")
        self.record_actions = record_actions
        self.record_weeks = record_weeks

        self.states = [StateAgent(self, actor, i) for i, actor in enumerate(spec.actors)]
        self.by_name = {s.name: s for s in self.states}
        self.attacker = self.by_name[spec.attacker]
        self.defender = self.by_name[spec.defender]
        self.belligerents = (self.attacker, self.defender)
        self.third_parties = [s for s in self.states if not s.is_belligerent]
        self._vary_the_war()
        self.alliances = [AllianceAgent(self, a, [self.by_name[m] for m in a.members])
                          for a in spec.alliances]
        self.aid_givers = {m for a in self.alliances if a.gives_aid for m in a.members}
        sanctioners = {m for a in self.alliances if a.sanctions for m in a.members}
        self._sanctioning_alliances = [a for a in self.alliances if a.sanctions]
        self._unilateral_sanctioners = [s for s in self.states if s not in sanctioners]
        self.clash_members = next((set(a.members) for a in self.alliances
                                   if a.name == spec.clash_alliance), set())  # agents
        self.clash_adversary = self.by_name.get(spec.clash_adversary)

        names = self.belligerent_names = (spec.attacker, spec.defender)
        self.arenas = effects.arena_table(self)
        self.effect_handlers = effects.effect_handlers(spec.catalogue)
        for state, actor in zip(self.states, spec.actors, strict=True):
            state.menu = build_menu(state, self.states, spec.catalogue, names, self.p, spec)
            state.pledge = actor.pledge
            state.sanction_stance = dict(actor.sanctions)
        for alliance in (a for a in self.alliances if a.sanctions):
            for target in {t for m in alliance.members for t in m.sanction_stance}:
                alliance.sanction_level[target] = float(np.mean(
                    [m.sanction_stance.get(target, 0.0) for m in alliance.members]))

        n = len(self.states)
        p = self.p
        self._share_choice_inputs()   # self.hostility: zeros, column n "no target" stays 0
        for a in self.states:
            for b in self.states:
                default = (p.enemy_hostility_default if is_enemy(a, b)
                           else p.ally_hostility_default if is_ally(a, b)
                           else p.neutral_hostility_default)
                self.hostility[a.index, b.index] = 0.0 if a is b else default
        for (frm, to), value in spec.hostility.items():
            self.hostility[self.by_name[frm].index, self.by_name[to].index] = value
        self.baseline_hostility = self.hostility.copy()
        # Richardson's decay and grievances g, over the whole of the menus' inputs (1 and
        # 0 outside the hostility columns), so the weekly update runs on one contiguous
        # array rather than on the strided hostility view (twice the cost).
        self._hostility_keep = np.ones_like(self.choice_inputs)
        self._grievance = np.zeros_like(self.choice_inputs)
        columns = self.states[0].menu.hostility_columns
        self._hostility_keep[:, columns] = 1.0 - p.hostility_decay
        self._grievance[:, columns] = p.hostility_decay * self.baseline_hostility
        # Bloc tension is read off the cross-bloc dyads other than the war itself.
        war_dyad = {self.attacker, self.defender}
        cross_bloc = np.array([[is_enemy(a, b) and {a, b} != war_dyad for b in self.states]
                               + [False] for a in self.states], dtype=float)
        self._tension_weights = cross_bloc / max(1.0, cross_bloc.sum())  # mean as one dot
        self.need = np.zeros(n + 1)   # written into the menus' inputs each week

        self.front = Front(spec.territory, spec.momentum, spec.siege)
        self.talks = Talks(channel_open=self.p.channel_open)
        self.ladders = dict(zip(ARENAS, (Ladder(spec.initial_rung),
                                         Ladder(spec.confrontation_rung)), strict=True))
        self.ladder = self.ladders["war"]
        self.confrontation_ladder = self.ladders["confrontation"]
        self._refresh_thresholds()
        self.verdict = Verdict()
        self.trend_estimate = spec.momentum
        self.heat = 0.0
        self._heat_keep = 1.0 - self.p.heat_decay
        self.tension = 0.0
        # The second dossier (Iran's programme) exists only if a proliferator does.
        self.has_dossier = any("proliferator" in s.tags for s in self.states)
        self.dossier_tension = spec.dossier_tension if self.has_dossier else 0.0
        self.inspections_blocked = spec.inspections_blocked and self.has_dossier
        self.nuclear_used = False
        self.direct_clash = False
        self.aid_week = 0.0
        self.appeal = 0.0
        self.sanctions_on_attacker = 0.0
        self._new_week_counters()
        self.total_counts = dict.fromkeys(INSTRUMENTS, 0)
        self.tally = RunTally()
        self.last_week = 0
        self._at_decision: dict[str, Any] | None = None   # the record when it was decided

        self.datacollector = mesa.DataCollector(
            model_reporters=self._reporters() if record_weeks else None,
            tables={"actions": list(ACTION_COLUMNS)} if record_actions else None,
        )
        self._apply_events(0)
        self._update_relations()
        self._update_drives()
        self.running = True
        if record_weeks:
            self.datacollector.collect(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A copy (pickle, deepcopy) has new action records: index their handlers again;
        and its arrays are no longer views of each other: share them again."""
        self.__dict__.update(state)
        self.effect_handlers = effects.effect_handlers(self.spec.catalogue)
        self._share_choice_inputs()

    def _share_choice_inputs(self) -> None:
        """The states' menus read hostility and need where the world keeps them: the
        hostility matrix (states x states + "no target") and the need are views of the
        menus' shared inputs (agents.choice.shared_inputs), so a decision copies nothing."""
        menus = [state.menu for state in self.states]
        self.choice_inputs = shared_inputs(menus)
        self.hostility = self.choice_inputs[:, menus[0].hostility_columns]
        self._need_inputs = self.choice_inputs[:, menus[0].need_columns]

    def _vary_the_war(self) -> None:
        """A run is one war of the population the scenario stands for: its balance of
        forces, the belligerents' resolve, its lethality and what is at stake vary by run
        (no draw when the spreads are 0, so a scenario's runs then start identically)."""
        p = self.p
        if p.capability_spread:
            shift = p.capability_spread * float(self.rng.standard_normal())
            for side, sign in ((self.attacker, 1.0), (self.defender, -1.0)):
                side.capability *= float(np.exp(sign * shift))
                side.initial_capability = side.capability
        if p.resolve_spread:
            for side in self.belligerents:
                side.resolve = clip(side.resolve
                                    + p.resolve_spread * float(self.rng.standard_normal()))
        self.attrition_rate = p.attrition_rate
        if p.lethality_spread:
            self.attrition_rate *= float(np.exp(p.lethality_spread * self.rng.standard_normal()))
        self.war_value_base = p.war_value_base
        if p.stakes_spread:
            self.war_value_base += p.stakes_spread * float(self.rng.standard_normal())

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """One week. Once the run is over (its outcome decided, and any follow-up weeks
        done) ``running`` is False and ``step()`` changes nothing: the state, the summary
        and the collected series stay as they were (Mesa's own week counter still
        counts the call)."""
        if not self.running:
            return
        self._new_week_counters()
        self.front.new_week()
        self._apply_events(self.steps)
        self.agents_by_type[StateAgent].shuffle_do("step")
        if self.alliances:
            self.agents_by_type[AllianceAgent].do("step")
        self._resolve_battlefield()
        self._update_home_fronts()
        self._update_relations()
        self._update_drives()
        self.talks.end_week(self.p.truce_proposal_weeks)
        self.tally.end_week(self)
        decided = self.verdict.decided
        judge(self.verdict, self)
        self.last_week = self.steps
        self.running = not self._over()
        if self.record_weeks:
            self.datacollector.collect(self)
        if not decided and self.verdict.decided:
            self._at_decision = self._record()
            if self.verdict.rule == "imposed":   # the loser accepts the victor's terms
                self.talks.impose(self.front.territory)

    def _over(self) -> bool:
        """Decided, and not followed (or followed for ``follow_up_weeks``, or at the
        horizon). Only endings of the fighting are followed."""
        verdict = self.verdict
        if not verdict.decided:
            return False
        if not verdict.ended or not self.p.follow_up_weeks:
            return True
        return self.steps >= min(verdict.step + self.p.follow_up_weeks, self.p.horizon_weeks)

    def _new_week_counters(self) -> None:
        self.week_score = 0
        self.week_rung = 0
        self.week_casualties = 0.0
        self.week_counts = dict.fromkeys(INSTRUMENTS, 0)
        self.aid_week = 0.0

    def _apply_events(self, week: int) -> None:
        for event in self.spec.events:
            if event.week != week:
                continue
            actor = self.by_name[event.actor]
            if event.kind == "pause_deliveries":
                actor.deliveries_paused_until = week + event.weeks
            else:
                # A scheduled action happens only if its conditions hold then (the call
                # needs the channel open), so experiments can switch it off.
                action = self.spec.catalogue.get(event.action)
                if action.required_bits & ~self.conditions_for(actor) == 0:
                    self.execute(actor, action, self.by_name.get(event.target))

    # ------------------------------------------------------------------ choice support
    def climb(self, arena: str, rung: int) -> None:
        """An act on ``rung`` in ``arena``: record it, and keep ``next_thresholds`` (read
        at every decision) in step with the ladders."""
        if self.ladders[arena].record(rung, self.steps):
            self._refresh_thresholds()

    def _refresh_thresholds(self) -> None:
        # Per arena (agents.actions.ARENAS): the rung below its next uncrossed threshold.
        self.next_thresholds = tuple(self.ladders[a].next_threshold for a in ARENAS)

    def conditions_for(self, actor: StateAgent) -> int:
        """Bit set of the catalogue conditions that hold for ``actor`` now."""
        p = self.p
        talks = self.talks
        bits = _DIPLOMACY if p.diplomacy_enabled else 0
        if talks.channel_open:
            bits |= _CHANNEL_OPEN
        elif p.channel_open or self.steps > p.channel_closed_weeks:  # policy: closed start
            bits |= _CHANNEL_CLOSED | _CHANNEL_REOPENABLE
        else:
            bits |= _CHANNEL_CLOSED
        state = talks.state
        if state == "truce":
            bits |= _TRUCE_ACTIVE
        elif state == "war":
            bits |= _WAR_HOT | _NO_PROPOSAL
        elif actor.is_belligerent and actor.name not in talks.accepted:
            bits |= _WAR_HOT | _TRUCE_PENDING
        else:
            bits |= _WAR_HOT
        if self.inspections_blocked:
            bits |= _INSPECTIONS_BLOCKED
        elif self.has_dossier:
            bits |= _INSPECTIONS_ALLOWED
        if self.tension >= p.clash_tension:
            bits |= _TENSION_CRITICAL
        loss = actor.loss
        if loss >= p.nuclear_threat_loss:
            bits |= _NUCLEAR_THREAT_OPEN
        if loss >= p.nuclear_use_loss:
            bits |= _NUCLEAR_USE_OPEN
        if actor.pledge > p.pledging_threshold:
            bits |= _PLEDGING
        stance = actor.sanction_stance
        if stance and max(stance.values()) > p.sanctioning_threshold:
            bits |= _SANCTIONING
        return bits

    # ------------------------------------------------------------------ the world responds
    # Carry out one action, ``execute(actor, action, target)``, and an alliance's weekly
    # delivery to the defender, ``deliver_aid(flow)``: model/effects.py holds all of their
    # consequences. Its functions are the methods themselves (no wrapper on the hot path).
    execute = effects.execute
    deliver_aid = effects.deliver_aid

    # ------------------------------------------------------------------ weekly responses
    def _resolve_battlefield(self) -> None:
        p = self.p
        a, d = self.belligerents
        noise = float(self.rng.normal(0.0, p.front_noise)) if p.front_noise else 0.0
        share_a, share_d = self.front.resolve(
            (a.capability * a.morale, d.capability * d.morale), p,
            self.talks.truce_active, noise)
        intensity = self.front.intensity
        siege_drain = p.siege_drain * self.attrition_rate * self.front.siege * intensity
        share_scale = p.attrition_share_scale
        # (Here and in the weekly updates below, min and max of two numbers are written
        # as conditionals: the builtins cost several times more, on the hot path.)
        for side, enemy_share, extra in ((a, share_d, 0.0), (d, share_a, siege_drain)):
            share_lost = self.attrition_rate * intensity * share_scale * enemy_share + extra
            share_lost = share_lost if share_lost < 1.0 else 1.0   # at most the whole army
            lost = side.capability * share_lost
            side.capability -= lost
            side.casualties += lost * side.troops_per_capability
            self.week_casualties += lost * side.troops_per_capability
            gap = side.initial_capability - side.capability
            side.capability += (p.regeneration_rate
                                * (1.0 - p.regeneration_weariness_weight * side.weariness)
                                * (gap if gap > 0.0 else 0.0))
        if not self.talks.truce_active:
            self.trend_estimate += p.belief_learning * (self.front.change - self.trend_estimate)

    def _update_home_fronts(self) -> None:
        p = self.p
        intensity = self.front.intensity
        sanctions = self._sanction_levels()
        self.sanctions_on_attacker = sanctions.get(self.attacker.name, 0.0)
        momentum = self.front.momentum
        threat_keep = 1.0 - p.threat_decay
        sanctions_cost = p.sanctions_cost
        relaxation = p.pressure_relaxation
        strike_keep, loss_weight = p.strike_memory_retention, p.threat_loss_weight
        intimidation_keep = 1.0 - p.intimidation_decay
        cost_weight, pressure_weight = p.weariness_cost_weight, p.weariness_pressure_weight
        base, momentum_weight = p.morale_target_base, p.morale_momentum_weight
        weariness_weight, aid_weight = p.morale_weariness_weight, p.morale_aid_weight
        floor, adjustment = p.morale_floor, p.morale_adjustment
        for state in self.belligerents:
            cost = state.cost_week + sanctions_cost * sanctions.get(state.name, 0.0)
            state.cost_total += cost
            state.cost_week = 0.0
            burden = intensity + cost_weight * cost + pressure_weight * p.multilateral_pressure
            state.weariness = clip(state.weariness + p.weariness_rate * burden
                                   - p.weariness_recovery * state.weariness * (1.0 - intensity))
            if state is self.attacker:
                target = base + momentum_weight * momentum - weariness_weight * state.weariness
            else:
                target = (base - momentum_weight * momentum
                          - weariness_weight * state.weariness + aid_weight * self.aid_week)
            target = clip(target, floor, 1.0)
            state.morale = clip(state.morale + adjustment * (target - state.morale))
            state.pressure = clip(state.pressure
                                  + relaxation * (state.baseline_pressure - state.pressure))
            state.threat_memory *= threat_keep
            state.strike_memory *= strike_keep
            state.intimidation *= intimidation_keep
            state.loss = self._perceived_loss(state)
            state.threat = clip(state.threat_memory + loss_weight * state.loss)
        pressure_cost = p.pressure_cost_weight
        for state in self.third_parties:
            cost = state.cost_week + sanctions_cost * sanctions.get(state.name, 0.0)
            state.cost_total += cost
            state.cost_week = 0.0
            pressure = state.pressure + pressure_cost * cost
            state.pressure = clip(pressure + relaxation * (state.baseline_pressure - pressure))
            state.threat_memory *= threat_keep
            state.strike_memory *= strike_keep
            state.intimidation *= intimidation_keep
            state.loss = clip(state.strike_memory)  # a third party's loss: strikes on its soil
            state.threat = clip(state.threat_memory + loss_weight * state.loss)

    def _sanction_levels(self) -> dict[str, float]:
        """Sanctions on each target: collective levels plus weighted unilateral stances,
        at most 1 (full sanctions)."""
        unilateral = self.p.unilateral_sanction_weight
        levels: dict[str, float] = {}
        for alliance in self._sanctioning_alliances:
            for target, level in alliance.sanction_level.items():
                levels[target] = levels.get(target, 0.0) + level
        for state in self._unilateral_sanctioners:
            for target, stance in state.sanction_stance.items():
                levels[target] = levels.get(target, 0.0) + unilateral * stance
        return {target: level if level < 1.0 else 1.0 for target, level in levels.items()}

    def _perceived_loss(self, state: StateAgent) -> float:
        """Existential loss as a belligerent sees it: army, territory, strikes on its soil."""
        p = self.p
        x0 = self.front.initial_territory
        x = self.front.territory
        floor = p.territory_loss_floor
        if state is self.attacker:   # the share it took from the defender, lost again
            lost, at_start = x0 - x, x0
            weight = 1.0
        else:                        # the share of its own territory it has lost
            lost, at_start = x - x0, 1.0 - x0
            weight = p.defender_territory_weight
        territory_loss = (weight * (lost if lost > 0.0 else 0.0)
                          / (floor if floor > at_start else at_start))
        army_loss = 1.0 - state.capability / state.initial_capability
        return clip(state.strike_memory
                    + (p.loss_army_weight * (army_loss if army_loss > 0.0 else 0.0)
                       + p.loss_territory_weight
                       * (territory_loss if territory_loss < 1.0 else 1.0)))

    def _update_relations(self) -> None:
        """Richardson: hostility decays toward the scenario's grievances; tension follows.
        (The other inputs of the menus are multiplied by 1 and added 0: unchanged.)"""
        p = self.p
        self.choice_inputs *= self._hostility_keep
        self.choice_inputs += self._grievance
        bloc_hostility = float(np.vdot(self.hostility, self._tension_weights))
        self.heat *= self._heat_keep
        self.tension = clip(bloc_hostility + self.heat)
        if self.has_dossier:
            # Coupled dossiers: each tension spills into the other (both ways).
            coupling = p.dossier_coupling
            self.tension = clip(self.tension
                                + coupling * p.dossier_spill * self.dossier_tension)
            drift = (p.dossier_drift_blocked if self.inspections_blocked
                     else -p.dossier_drift_allowed)
            self.dossier_tension = clip(
                self.dossier_tension + drift
                + coupling * p.dossier_feedback * (self.tension - p.dossier_tension_pivot))

    def _update_drives(self) -> None:
        """Beliefs, the bargaining range, and each state's drives for next week's choice."""
        p = self.p
        a, d = self.belligerents
        for side in (a, d):
            side.belief_bias += p.bias_relaxation * (side.optimism - side.belief_bias)
        horizon = p.bargaining_horizon
        belief_a = self.trend_estimate + a.belief_bias
        belief_d = self.trend_estimate + d.belief_bias
        mp = p.multilateral_pressure
        pressure_share = p.concession_pressure_weight * mp
        scale = p.concession_scale   # two terms written out: a generator costs more here
        concession = (scale * clip(a.weariness + pressure_share)
                      + scale * clip(d.weariness + pressure_share))
        surplus = horizon * (belief_d - belief_a) + concession - a.resolve - d.resolve
        self.appeal = clip(surplus / p.appeal_scale, -1.0, 1.0)
        self.belief_gap = horizon * abs(belief_a - belief_d)
        peace_pressure = p.peace_pressure_weight * mp
        appeal_weight = p.peace_appeal_weight
        floor, cap = p.war_value_floor, p.war_value_cap
        for side, belief, sign in ((a, belief_a, 1.0), (d, belief_d, -1.0)):
            gain = horizon * belief * sign
            value = (self.war_value_base + p.war_value_gain_weight * gain
                     + p.war_value_capability_weight
                     * (side.capability / side.initial_capability - 1)
                     - side.weariness - p.war_value_pressure_weight * mp)
            value = value if value < cap else cap            # at most the cap, then
            side.war_value = value if value > floor else floor   # at least the floor
            side.peace_drive = (peace_pressure + side.weariness + appeal_weight * self.appeal
                                + side.intimidation)
        need = self.need
        need_base, morale_weight = p.need_base, p.need_morale_weight
        for side in (a, d):
            need[side.index] = clip(need_base + side.loss + morale_weight * (1.0 - side.morale))
        domestic, tension_weight = p.peace_domestic_weight, p.peace_tension_weight
        third_party_appeal = appeal_weight * (self.appeal if self.appeal > 0.0 else 0.0)
        threat_weight = p.need_threat_weight
        for state in self.third_parties:
            state.peace_drive = (peace_pressure + domestic * state.pressure
                                 + tension_weight * self.tension + third_party_appeal
                                 + state.intimidation)
            need[state.index] = clip(threat_weight * state.threat)
        self._need_inputs[:] = need

    # ------------------------------------------------------------------ reporting
    def _reporters(self) -> dict[str, Any]:
        """The weekly reporters: picklable readings of model attributes (so a model with
        its DataCollector can be saved and forked)."""
        reporters = {name: _reading(path) for name, path in WEEKLY_SERIES.items()}
        for i, alliance in enumerate(self.alliances):
            reporters[f"cohesion_{alliance.name}"] = _reading("alliances", i, "cohesion")
        for instrument in INSTRUMENTS:
            reporters[f"actions_{instrument}"] = _reading("week_counts", instrument)
        return reporters

    def summary(self) -> dict[str, Any]:
        """The per-run record: outcome, when and why, thresholds, action counts and end
        state, all as they were when the outcome was decided (a follow-up does not change
        them); then what the follow-up saw: the week the fighting resumed (-1: it did
        not), the episode's end and recurrence by UCDP's rule (model/outcomes.py), the
        last week observed and the state then (``end_state``)."""
        record = self._at_decision if self._at_decision is not None else self._record()
        verdict = self.verdict
        return {**record, "resumed_step": verdict.resumed_step,
                "episode_end_step": verdict.episode_end_step,
                "recurred_step": verdict.recurred_step,
                "last_step": self.last_week, "end_state": self._end_state()}

    def _end_state(self) -> str:
        """How the war stands in the last week observed: an agreed settlement, terms
        imposed by a collapse, a truce without either, a quiet front, or fighting."""
        talks = self.talks
        if talks.truce_active:
            return "imposed" if talks.imposed else "settled" if talks.settled else "truce"
        return "quiet" if self.verdict.window_quiet else "fighting"

    def _record(self) -> dict[str, Any]:
        a, d = self.attacker, self.defender
        return {
            "scenario": self.spec.name,
            "outcome": self.verdict.outcome,
            "decided_step": self.verdict.step,
            "ended_step": self.verdict.ended_step,
            "rule": self.verdict.rule,
            "thresholds": dict(self.ladder.crossed),
            "max_rung": self.ladder.max_rung,
            "confrontation_thresholds": dict(self.confrontation_ladder.crossed),
            "max_rung_confrontation": self.confrontation_ladder.max_rung,
            "actions_by_instrument": dict(self.total_counts),
            "final": {
                "territory_attacker": self.front.territory,
                "territory_change": self.front.territory - self.front.initial_territory,
                "casualties_attacker": a.casualties,
                "casualties_defender": d.casualties,
                "capability_attacker": a.capability,
                "capability_defender": d.capability,
                "weariness_attacker": a.weariness,
                "weariness_defender": d.weariness,
                "tension": self.tension,
                "dossier_tension": self.dossier_tension,
                "truces": self.talks.truces,
                "truce_collapses": self.talks.collapses,
                "collapsed": next((s.name for s in self.belligerents if s.collapsed), ""),
                **self.tally.as_record(),
                "channel_open": self.talks.channel_open,
                **{f"cohesion_{al.name}": al.cohesion for al in self.alliances},
            },
        }


# Weekly series (reporter name -> the model attribute it reads); per-alliance cohesion
# and per-instrument action counts are added for each model.
WEEKLY_SERIES = {
    "week": "steps", "outcome": "verdict.outcome", "rule": "verdict.rule",
    "escalation_score": "week_score", "week_rung": "week_rung", "max_rung": "ladder.max_rung",
    "thresholds_crossed": "ladder.crossed_count",
    "max_rung_confrontation": "confrontation_ladder.max_rung",
    "thresholds_crossed_confrontation": "confrontation_ladder.crossed_count",
    "casualties_week": "week_casualties", "tension": "tension",
    "dossier_tension": "dossier_tension", "territory_attacker": "front.territory",
    "front_change": "front.change", "combat_intensity": "front.intensity",
    "siege": "front.siege", "capability_attacker": "attacker.capability",
    "capability_defender": "defender.capability",
    "casualties_attacker": "attacker.casualties", "casualties_defender": "defender.casualties",
    "cost_attacker": "attacker.cost_total", "cost_defender": "defender.cost_total",
    "weariness_attacker": "attacker.weariness", "weariness_defender": "defender.weariness",
    "morale_attacker": "attacker.morale", "morale_defender": "defender.morale",
    "aid_flow": "aid_week", "sanctions_on_attacker": "sanctions_on_attacker",
    "channel_open": "talks.channel_open", "truce": "talks.state", "settled": "talks.settled",
    "settlement_progress": "talks.progress", "belief_gap": "belief_gap",
    "bargaining_appeal": "appeal",
}


def _reading(path: str, key: str | int | None = None, attribute: str | None = None
             ) -> partial:
    """A reporter for Mesa's DataCollector: the model attribute at ``path`` (dotted), or
    item ``key`` of it (and that item's ``attribute``). A partial of module-level
    functions, so it pickles (a lambda does not)."""
    getter = attrgetter(path)
    if key is None:
        return partial(call, getter)
    return partial(_item_of, getter, key, attribute)


def _item_of(getter: attrgetter, key: str | int, attribute: str | None, model: Any) -> Any:
    item = getter(model)[key]
    return item if attribute is None else getattr(item, attribute)


def _parameters_of(scenario: MesaScenario) -> dict[str, Any]:
    """The model parameters a Mesa scenario sets (its other attributes are not ours)."""
    return {name: value for name, value in scenario if name in Parameters.names()}
