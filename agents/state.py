"""A state: scores its options against goals and drives, then picks one (logit choice)."""

from __future__ import annotations

import mesa
import numpy as np

from agents.actions import MOTIVES
from agents.choice import COLUMNS, Menu
from agents.protocols import StateProfile, World

(_COERCE, _BATTLE, _SUPPORT, _PEACE, _DETER, _DOSSIER, _RESTRAINT, _COST,
 _SCORE) = (COLUMNS.index(name) for name in (*MOTIVES, "cost", "score"))


class StateAgent(mesa.Agent):
    """A state actor. Its drives change weekly; its goals and traits come from the scenario."""

    model: World

    def __init__(self, model: World, spec: StateProfile, index: int) -> None:
        super().__init__(model)
        self.name = spec.name
        self.index = index
        self.bloc = spec.bloc
        self.tags = spec.tags
        self.is_belligerent = "belligerent" in spec.tags
        self.goals = dict(spec.goals)
        self._goal = [self.goals[motive] for motive in MOTIVES]  # by column (COLUMNS order)
        self.risk_tolerance = spec.risk_tolerance
        self.commitment = spec.commitment
        self.distraction = spec.distraction
        self.resolve = spec.resolve
        self.troops_per_capability = spec.troops_per_capability
        self.baseline_pressure = spec.domestic_pressure
        # Drives and condition (docs/ODD.md, "State variables").
        self.capability = spec.capability
        self.initial_capability = spec.capability
        self.morale = spec.morale
        self.pressure = spec.domestic_pressure
        self.weariness = 0.0
        self.threat = 0.0
        self.threat_memory = 0.0
        self.strike_memory = 0.0
        self.loss = 0.0
        self.intimidation = 0.0  # fear of nuclear escalation from ultimatums (decays)
        self.war_value = 0.0
        self.peace_drive = 0.0
        self.pledge = 0.0
        self.sanction_stance: dict[str, float] = {}
        self.cost_week = 0.0
        self.cost_total = 0.0
        self.casualties = 0.0
        # Beliefs are about the attacker's gains: a defender's optimism expects fewer.
        self.optimism = -spec.optimism if "defender" in spec.tags else spec.optimism
        self.belief_bias = self.optimism
        self.deliveries_paused_until = -1
        self.last_action = ""
        self.last_target = ""
        self.menu: Menu | None = None
        # The parts of the weekly weights that are fixed for the run (motive_weights).
        p = model.p
        self._deter_tension_weight = p.deter_tension_weight
        self._competing_priorities = self.distraction * p.competing_priorities
        self._cost_weight = -p.cost_weight
        self._score_weight = (-p.escalation_aversion * (1.0 - self.risk_tolerance)
                              * (1.0 + p.multilateral_pressure) / p.escalation_score_scale)

    @property
    def collapsed(self) -> bool:
        p = self.model.p
        return (self.capability < p.collapse_capability * self.initial_capability
                or self.morale < p.collapse_morale)

    def motive_weights(self) -> np.ndarray:
        """How much each motive, the cost and the escalation score weigh this week (written
        into the menu's inputs; support enters through the target's need, its weight
        stays 0)."""
        m = self.model
        g = self._goal
        w = self.menu.weights
        threat = self.threat
        pressure = self.pressure
        w[_COERCE] = g[_COERCE] * threat
        w[_BATTLE] = g[_BATTLE] * self.war_value
        w[_PEACE] = g[_PEACE] * self.peace_drive
        w[_DETER] = g[_DETER] * (threat + self._deter_tension_weight * m.tension)
        w[_DOSSIER] = g[_DOSSIER] * m.dossier_tension
        w[_RESTRAINT] = g[_RESTRAINT] * (pressure + self._competing_priorities)
        w[_COST] = self._cost_weight * (1.0 + pressure)
        w[_SCORE] = self._score_weight
        return w

    def _set_conditions(self) -> None:
        m = self.model
        self.menu.set_conditions(m.conditions_for(self), m.next_thresholds,
                                 m.tension >= m.p.threshold_tension, m.talks.truce_active)

    def utilities(self) -> np.ndarray:
        """This week's utility of every option on the menu (over the temperature)."""
        self._set_conditions()
        self.motive_weights()
        return self.menu.utility()

    def step(self) -> None:
        """Choose this week's action and carry it out."""
        m = self.model
        self._set_conditions()
        self.motive_weights()
        action, target = self.menu.choose(m.random.random())
        m.execute(self, action, target)
