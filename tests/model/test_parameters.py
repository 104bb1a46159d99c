"""Every coefficient is a documented, grouped, settable parameter."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from agents.actions import CONDITION_BIT
from experiments.cli.info import parameter_table_markdown
from model import EscalationModel
from model.front import Front
from model.parameters import GROUPS, Parameters

TYPES = {"int": int, "float": float, "bool": bool}


@pytest.mark.parametrize("name", Parameters.names())
def test_every_parameter_is_documented_and_grouped(name):
    spec = Parameters.spec(name)
    for key in ("meaning", "unit", "source"):
        assert isinstance(spec[key], str) and spec[key].strip(), (name, key)
    assert spec["group"] in GROUPS, name
    low, high = spec["range"]
    assert low <= spec["default"] <= high, name
    assert type(spec["default"]) is TYPES[spec["type"]], name


def test_groups_partition_the_parameters():
    by_group = [Parameters.names(group) for group in GROUPS]
    assert sorted(n for names in by_group for n in names) == sorted(Parameters.names())
    assert set(Parameters.names("rules")) >= {"settlement_hold_weeks", "freeze_weeks",
                                               "stalemate_movement", "stalemate_intensity"}
    assert {"channel_open", "diplomacy_enabled", "multilateral_pressure", "aid_reliability",
            "hybrid_intensity", "attribution_rate", "dossier_coupling",
            "competing_priorities"} <= set(Parameters.names("policy"))
    for group in GROUPS:
        table = parameter_table_markdown(group)
        assert all(f"`{n}`" in table for n in Parameters.names(group))


def _tension(**overrides) -> list[float]:
    model = EscalationModel(rng=5, record_actions=False, horizon_weeks=12, **overrides)
    model.run_model()
    return model.datacollector.get_model_vars_dataframe()["tension"].tolist()


def test_new_parameters_are_settable_as_model_arguments_and_take_effect():
    model = EscalationModel(rng=0, heat_decay=1.0, pledging_threshold=1.0,
                            enemy_hostility_default=0.9, habit_half_life_weeks=1.0)
    assert (model.p.heat_decay, model.p.pledging_threshold) == (1.0, 1.0)
    model.heat = 0.4
    model._update_relations()
    assert model.heat == 0.0  # all heat gone in a week (default: half)
    assert model.states[0].menu._habit_keep == 0.5  # memory halves every week
    default = EscalationModel(rng=0)
    pledging = CONDITION_BIT["pledging"]
    assert default.conditions_for(default.by_name["France"]) & pledging
    assert not model.conditions_for(model.by_name["France"]) & pledging
    changed = model.baseline_hostility != default.baseline_hostility
    assert changed.any() and (model.baseline_hostility[changed] == 0.9).all()
    assert _tension(heat_decay=1.0) != _tension()


def test_battlefield_constants_reach_the_front():
    params = Parameters().with_overrides({"truce_intensity": 0.3, "siege_retention": 0.5,
                                          "truce_momentum_retention": 0.0}, "test")
    front = Front(territory=0.2, momentum=0.001, siege=0.4)
    front.resolve((1.0, 1.0), params, truce=True, noise=0.0)
    assert (front.intensity, front.siege, front.momentum) == (0.3, 0.2, 0.0)


def test_new_parameters_are_settable_with_set_on_the_command_line(tmp_path):
    def run(out, *sets):
        args = [sys.executable, "-m", "experiments.cli", "run", "--seed", "2", "--steps", "10",
                "--out", str(tmp_path / out)]
        for s in sets:
            args += ["--set", s]
        result = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return pd.read_csv(tmp_path / out / "timeseries.csv")

    changed = run("changed", "heat_decay=1.0", "morale_target_base=0.2")
    default = run("default")
    assert not changed["tension"].equals(default["tension"])
    assert changed["morale_attacker"].iloc[-1] < default["morale_attacker"].iloc[-1]
