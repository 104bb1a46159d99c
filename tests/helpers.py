"""Helpers shared by the agent and model tests."""

from __future__ import annotations

from typing import Any

from agents.actions import Action
from model import EscalationModel


def run_to_end(scenario: str = "paris_moscow_call", seed: int = 0, record_actions: bool = False,
               **overrides: Any) -> EscalationModel:
    model = EscalationModel(scenario, rng=seed, record_actions=record_actions, **overrides)
    model.run_model()
    return model


def catalogue_action(model: EscalationModel, name: str) -> Action:
    action = model.spec.catalogue.get(name)
    assert action is not None, name
    return action


def option_probabilities(model: EscalationModel, state_name: str
                         ) -> dict[tuple[str, str], float]:
    """This week's choice probability of each (action, target name) option of a state."""
    state = model.by_name[state_name]
    menu = state.menu
    p = menu.probabilities(state.utilities())
    return {(a.name, t.name if t else ""): float(pk)
            for (a, t), pk in zip(menu.options, p, strict=True)}
