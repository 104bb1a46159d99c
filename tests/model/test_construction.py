"""How an EscalationModel is made: scenario by name, path or object; Mesa's rng and scenario."""

from __future__ import annotations

import mesa
import pytest
from mesa.experimental.scenarios import Scenario as MesaScenario

from agents.protocols import (
    AgentParameters,
    AllianceProfile,
    ChoiceParameters,
    StateProfile,
    World,
)
from model import ConfigError, EscalationModel, load_scenario
from model.scenario import SCENARIO_DIR


def _actions(model: EscalationModel) -> list[list]:
    model.run_model()
    return model.datacollector.get_table_dataframe("actions").values.tolist()


def test_scenario_by_name_path_or_loaded_object_gives_the_same_run():
    by_name = _actions(EscalationModel("generic_crisis", rng=4, horizon_weeks=20))
    by_path = _actions(EscalationModel(SCENARIO_DIR / "generic_crisis.toml", rng=4,
                                       horizon_weeks=20))
    by_keyword = _actions(EscalationModel(scenario_name=load_scenario("generic_crisis"), rng=4,
                                          horizon_weeks=20))
    assert by_name == by_path == by_keyword


def test_a_mesa_scenario_sets_rng_and_parameters_and_keywords_win():
    mesa_scenario = MesaScenario(rng=9, temperature=2.0, hybrid_intensity=1.5, note="not ours")
    model = EscalationModel(scenario=mesa_scenario, hybrid_intensity=0.5)
    assert model.scenario is mesa_scenario
    assert (model.p.temperature, model.p.hybrid_intensity) == (2.0, 0.5)
    twin = EscalationModel(rng=9, temperature=2.0, hybrid_intensity=0.5)
    assert _actions(model) == _actions(twin)


def test_a_mesa_scenario_without_rng_takes_the_rng_argument():
    """What SolaraViz's Reset passes: a fresh, empty Mesa scenario and the seed control."""
    model = EscalationModel("paris_moscow_call", rng=3, scenario=MesaScenario())
    assert model.scenario.rng == 3
    assert _actions(model) == _actions(EscalationModel("paris_moscow_call", rng=3))


def test_a_mesa_scenario_with_another_rng_is_an_error():
    with pytest.raises(ValueError, match="rng"):
        EscalationModel(rng=3, scenario=MesaScenario(rng=4))


def test_a_text_seed_is_rejected():
    with pytest.raises(TypeError):
        EscalationModel(rng="42")


def test_the_run_loop_is_mesas_run_model():
    model = EscalationModel(rng=1, horizon_weeks=12, freeze_weeks=12)
    model.run_model()
    assert not model.running and model.steps == model.verdict.step <= 12


def test_bad_overrides_from_a_mesa_scenario_name_the_key():
    with pytest.raises(ConfigError, match="temperature"):
        EscalationModel(scenario=MesaScenario(rng=1, temperature=-1.0))


def test_mesa_batch_run_builds_the_model_from_keywords():
    rows = mesa.batch_run(EscalationModel,
                          parameters={"scenario_name": ["generic_crisis"],
                                      "multilateral_pressure": [0.2, 0.9],
                                      "record_actions": False},
                          rng=[1, 2], max_steps=30, number_processes=1, display_progress=False)
    assert len(rows) == 4
    assert {row["multilateral_pressure"] for row in rows} == {0.2, 0.9}
    assert all(row["Step"] <= 30 for row in rows)


@pytest.mark.parametrize("protocol, of", [(World, lambda m: m),
                                          (AgentParameters, lambda m: m.p),
                                          (ChoiceParameters, lambda m: m.p),
                                          (StateProfile, lambda m: m.spec.actors[0]),
                                          (AllianceProfile, lambda m: m.spec.alliances[0])])
def test_the_model_provides_what_the_agents_protocols_ask_for(protocol, of):
    """agents/ sees the model only through these Protocols; the model must fill them."""
    provider = of(EscalationModel(rng=0))
    members = {name for name in vars(protocol) if not name.startswith("_")}
    assert members, protocol
    missing = sorted(name for name in members if not hasattr(provider, name))
    assert not missing, f"{type(provider).__name__} lacks {missing} of {protocol.__name__}"
