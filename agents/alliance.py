"""An alliance: turns its members' pledges and stances into collective aid and sanctions."""

from __future__ import annotations

import mesa

from agents.protocols import AllianceProfile, World
from agents.state import StateAgent


class AllianceAgent(mesa.Agent):
    """NATO, the EU or any coalition: collective decisions gated by cohesion.

    * Aid: each member's pledge arrives with probability ``aid_reliability``
      (unless its deliveries are paused), less the share its fear of nuclear
      escalation (``intimidation``) holds back; the sum, scaled by cohesion, is
      the week's aid flow to the defender.
    * Sanctions: the level moves toward the members' mean stance only while
      cohesion is at or above the consensus it needs (``sanction_adjustment``),
      and erodes (``sanction_retention``) when cohesion falls below
      ``sanction_erosion_cohesion`` of it (sanctions not renewed).
    * Cohesion erodes with members' domestic pressure, propaganda received,
      competing priorities and divergence of pledges; it recovers toward its
      baseline and with coordination.
    """

    model: World

    def __init__(self, model: World, spec: AllianceProfile,
                 members: list[StateAgent]) -> None:
        super().__init__(model)
        self.name = spec.name
        self.members = members
        self.cohesion = spec.cohesion
        self.baseline_cohesion = spec.cohesion
        self.consensus = spec.consensus
        self.gives_aid = spec.aid
        self.sanctions = spec.sanctions
        self.aid_flow = 0.0
        self.sanction_level: dict[str, float] = {}
        self.cohesion_shock = 0.0  # propaganda minus coordination received this week
        self.mean_distraction = sum(m.distraction for m in members) / len(members)

    def step(self) -> None:
        m = self.model
        p = m.p
        members = self.members
        n = len(members)
        if self.gives_aid:
            delivered = 0.0
            for member in members:
                if (member.deliveries_paused_until < m.steps
                        and m.random.random() < p.aid_reliability):
                    # Self-deterrence: an intimidated member holds back that share.
                    delivered += member.pledge * (1.0 - member.intimidation)
            self.aid_flow = delivered * self.cohesion
            m.deliver_aid(self.aid_flow)
        if self.sanctions:
            self._decide_sanctions()
        pledge_sum = pledge_squares = pressure_sum = 0.0
        for member in members:
            pledge_sum += member.pledge
            pledge_squares += member.pledge * member.pledge
            pressure_sum += member.pressure
        mean_pledge = pledge_sum / n
        variance = pledge_squares / n - mean_pledge * mean_pledge
        divergence = (variance if variance > 0.0 else 0.0) ** 0.5   # max(): slower builtin
        strain = (pressure_sum / n + p.competing_priorities * self.mean_distraction
                  + divergence)
        cohesion = (self.cohesion + p.cohesion_recovery * (self.baseline_cohesion - self.cohesion)
                    - p.cohesion_erosion * strain + self.cohesion_shock)
        self.cohesion = 0.0 if cohesion < 0.0 else 1.0 if cohesion > 1.0 else cohesion
        self.cohesion_shock = 0.0

    def _decide_sanctions(self) -> None:
        """Move each sanctions level toward the members' mean stance, if cohesion allows."""
        p = self.model.p
        n = len(self.members)
        levels = self.sanction_level
        for target, level in levels.items():
            stance = 0.0   # the members' stances summed in a loop: a generator costs more
            for member in self.members:
                stance += member.sanction_stance.get(target, 0.0)
            stance /= n
            if self.cohesion >= self.consensus:
                levels[target] = level + p.sanction_adjustment * (stance - level)
            elif self.cohesion < p.sanction_erosion_cohesion * self.consensus:
                levels[target] = level * p.sanction_retention
