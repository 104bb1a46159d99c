"""The escalation model, its scenarios, parameters and outcome rules."""

from typing import Any

__all__ = ["ConfigError", "EscalationModel", "Parameters", "load_scenario"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `agents` (which uses model.validation) can be imported first.
    if name == "EscalationModel":
        from model.model import EscalationModel
        return EscalationModel
    if name == "load_scenario":
        from model.scenario import load_scenario
        return load_scenario
    if name == "Parameters":
        from model.parameters import Parameters
        return Parameters
    if name == "ConfigError":
        from model.validation import ConfigError
        return ConfigError
    raise AttributeError(name)
