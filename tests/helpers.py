"""Helpers shared by the model tests."""

from __future__ import annotations

from typing import Any

from model.model import EscalationModel


def run_to_end(scenario: str = "paris_moscow_call", seed: int = 0, record_actions: bool = False,
               **overrides: Any) -> EscalationModel:
    model = EscalationModel(scenario, rng=seed, record_actions=record_actions, **overrides)
    while model.running:
        model.step()
    return model
