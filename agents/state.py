"""A state: scores its options against goals and drives, then picks one (logit choice)."""

from __future__ import annotations

import mesa
import numpy as np

from agents.choice import COLUMNS, Menu
from agents.protocols import StateProfile, World

_COL = {name: i for i, name in enumerate(COLUMNS)}


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
        self._weights = np.zeros(len(COLUMNS))

    @property
    def collapsed(self) -> bool:
        p = self.model.p
        return (self.capability < p.collapse_capability * self.initial_capability
                or self.morale < p.collapse_morale)

    def motive_weights(self) -> np.ndarray:
        """How much each motive, the cost and the escalation score weigh this week."""
        m = self.model
        p = m.p
        g = self.goals
        w = self._weights
        w[_COL["coerce"]] = g["coerce"] * self.threat
        w[_COL["battle"]] = g["battle"] * self.war_value
        w[_COL["support"]] = 0.0  # enters through the target's need (see Menu)
        w[_COL["peace"]] = g["peace"] * self.peace_drive
        w[_COL["deter"]] = g["deter"] * (self.threat + p.deter_tension_weight * m.tension)
        w[_COL["dossier"]] = g["dossier"] * m.dossier_tension
        w[_COL["restraint"]] = g["restraint"] * (
            self.pressure + self.distraction * p.competing_priorities)
        w[_COL["cost"]] = -p.cost_weight * (1.0 + self.pressure)
        w[_COL["score"]] = (-p.escalation_aversion * (1.0 - self.risk_tolerance)
                            * (1.0 + p.multilateral_pressure) / p.escalation_score_scale)
        return w

    def utilities(self) -> np.ndarray:
        """This week's utility of every option on the menu (over the temperature)."""
        m = self.model
        menu = self.menu
        menu.set_conditions(m.conditions_for(self), m.next_thresholds,
                            m.tension >= m.p.threshold_tension, m.talks.truce_active)
        return menu.utility(self.motive_weights(), m.hostility[self.index], m.need)

    def step(self) -> None:
        """Choose this week's action and carry it out."""
        action, target = self.menu.draw(self.utilities(), self.model.random.random())
        self.menu.remember(action)
        self.model.execute(self, action, target)
