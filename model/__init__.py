"""The escalation model, its world, scenarios, parameters and outcome rules.

The names below are re-exported lazily (PEP 562): ``from model import
EscalationModel`` works as usual, while ``model.parameters`` and
``model.checks`` stay importable without mesa, so ``escalation params`` and
``escalation --help`` start in a fraction of a second. There is no import cycle
behind this: agents/ never imports model/.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Catalogue": "model.catalogue",
    "ConfigError": "model.checks",
    "EscalationModel": "model.model",
    "Parameters": "model.parameters",
    "Scenario": "model.scenario",
    "load_catalogue": "model.catalogue",
    "load_scenario": "model.scenario",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'model' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
