"""What the agents need from the model, as Protocols: agents/ never imports model/.

The model (model/model.py) satisfies these structurally. Keeping the agents' view
of their world this narrow is what lets the agents be read, tested and reused
without the model, and keeps the import graph one-way (model -> agents).
"""

from __future__ import annotations

from collections.abc import Mapping
from random import Random
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from agents.actions import Action
    from agents.state import StateAgent


class ChoiceParameters(Protocol):
    """The parameters the choice rule (agents/choice.py) prices options with."""

    @property
    def temperature(self) -> float: ...
    @property
    def hybrid_intensity(self) -> float: ...
    @property
    def repetition_cost(self) -> float: ...
    @property
    def threshold_hurdle(self) -> float: ...
    @property
    def truce_violation_cost(self) -> float: ...


class AgentParameters(Protocol):
    """The parameters states and alliances read each week."""

    @property
    def collapse_capability(self) -> float: ...
    @property
    def collapse_morale(self) -> float: ...
    @property
    def competing_priorities(self) -> float: ...
    @property
    def cost_weight(self) -> float: ...
    @property
    def escalation_aversion(self) -> float: ...
    @property
    def multilateral_pressure(self) -> float: ...
    @property
    def threshold_tension(self) -> float: ...
    @property
    def aid_reliability(self) -> float: ...
    @property
    def cohesion_recovery(self) -> float: ...
    @property
    def cohesion_erosion(self) -> float: ...


class Ladder(Protocol):
    @property
    def next_threshold(self) -> int:
        """The rung just below the next Kahn threshold not yet crossed."""
        ...


class Talks(Protocol):
    @property
    def truce_active(self) -> bool: ...


class World(Protocol):
    """The model as its agents see it: shared state to read, and the acts they can do.

    Members are read-only here: agents change the world only through these methods.
    """

    @property
    def p(self) -> AgentParameters: ...
    @property
    def random(self) -> Random: ...
    @property
    def steps(self) -> int: ...
    @property
    def tension(self) -> float: ...
    @property
    def dossier_tension(self) -> float: ...
    @property
    def hostility(self) -> np.ndarray:
        """hostility[i, j]: of state i toward state j (column n: "no target", always 0)."""
        ...
    @property
    def need(self) -> np.ndarray:
        """Each state's need of support, indexed like the columns of ``hostility``."""
        ...
    @property
    def ladder(self) -> Ladder: ...
    @property
    def talks(self) -> Talks: ...

    def conditions_for(self, actor: StateAgent) -> int:
        """Bit set (agents.actions.CONDITION_BIT) of the conditions that hold for ``actor``."""
        ...

    def execute(self, actor: StateAgent, action: Action, target: StateAgent | None) -> None:
        """Carry out ``actor``'s chosen action against ``target``."""
        ...

    def deliver_aid(self, flow: float) -> None:
        """An alliance's collective weekly aid delivery to the defender."""
        ...


class StateProfile(Protocol):
    """A state's identity, goals and traits at week 0 (the scenario's actor entry)."""

    @property
    def name(self) -> str: ...
    @property
    def bloc(self) -> str: ...
    @property
    def tags(self) -> frozenset[str]: ...
    @property
    def goals(self) -> Mapping[str, float]: ...
    @property
    def capability(self) -> float: ...
    @property
    def morale(self) -> float: ...
    @property
    def risk_tolerance(self) -> float: ...
    @property
    def domestic_pressure(self) -> float: ...
    @property
    def commitment(self) -> float: ...
    @property
    def distraction(self) -> float: ...
    @property
    def optimism(self) -> float: ...
    @property
    def resolve(self) -> float: ...
    @property
    def troops_per_capability(self) -> float: ...


class AllianceProfile(Protocol):
    """An alliance's name, starting cohesion and remit (the scenario's alliance entry)."""

    @property
    def name(self) -> str: ...
    @property
    def cohesion(self) -> float: ...
    @property
    def consensus(self) -> float: ...
    @property
    def aid(self) -> bool: ...
    @property
    def sanctions(self) -> bool: ...
