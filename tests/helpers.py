"""Helpers shared by the agent and model tests."""

from __future__ import annotations

from pathlib import Path
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


SMALL_POSTERIOR = {"settlement_rate": [0.1, 0.3], "attrition_rate": [0.01, 0.03],
                   "weight": [1.0, 3.0]}


def write_posterior(path: Path, columns: dict) -> Path:
    """A posterior file of ``columns`` (parameter columns, optionally ``weight``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path)
    return path


def calibrated_scenario(tmp_path: Path, columns: dict = SMALL_POSTERIOR, extra: str = "") -> Path:
    """generic_crisis naming a posterior written from ``columns`` (post.parquet beside it)."""
    write_posterior(tmp_path / "post.parquet", columns)
    text = _without_posterior("generic_crisis").replace(
        "[scenario]\n", '[scenario]\nposterior = "post.parquet"\n', 1)
    path = tmp_path / "calibrated.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def uncalibrated_scenario(tmp_path: Path, name: str = "generic_crisis") -> Path:
    """A shipped scenario's file without its posterior: every parameter at its default."""
    path = tmp_path / f"{name}_uncalibrated.toml"
    path.write_text(_without_posterior(name), encoding="utf-8")
    return path


def _without_posterior(name: str) -> str:
    import re

    from model.scenario import SCENARIO_DIR

    text = (SCENARIO_DIR / f"{name}.toml").read_text(encoding="utf-8")
    return re.sub(r"(?m)^posterior = .*\n", "", text)
