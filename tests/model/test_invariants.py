"""Under parameters drawn by hypothesis: no NaN, state in bounds, exactly one outcome."""

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import EscalationModel
from model.ladder import TOP_RUNG
from model.outcomes import OUTCOMES, RULES
from model.parameters import Parameters

# Parameters drawn over their whole documented range (the run length is drawn
# short to keep the suite fast; freeze/hold weeks shrink with it).
SWEPT = ["temperature", "cost_weight", "escalation_aversion", "hybrid_intensity",
         "multilateral_pressure", "dialogue_convergence", "reactivity", "hostility_decay",
         "attribution_rate", "misattribution_rate", "threshold_tension", "clash_tension",
         "nuclear_threat_loss", "nuclear_use_loss", "front_speed", "defence_advantage",
         "attrition_rate", "aid_reliability", "aid_effect", "competing_priorities",
         "dossier_coupling", "repetition_cost", "weariness_rate", "cohesion_erosion"]


def _value(name: str):
    low, high = Parameters.spec(name)["range"]
    return st.floats(min_value=low, max_value=high, allow_nan=False)


overrides = st.fixed_dictionaries(
    {name: _value(name) for name in SWEPT},
    optional={"channel_open": st.booleans(), "diplomacy_enabled": st.booleans()},
)

BOUNDED_0_1 = ["tension", "dossier_tension", "territory_attacker", "weariness_attacker",
               "weariness_defender", "morale_attacker", "morale_defender", "siege",
               "settlement_progress", "combat_intensity", "sanctions_on_attacker"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=overrides, seed=st.integers(0, 2**32 - 1),
       horizon=st.integers(1, 80), scenario=st.sampled_from(["paris_moscow_call",
                                                              "generic_crisis"]))
def test_state_stays_in_bounds_and_one_outcome(params, seed, horizon, scenario):
    model = EscalationModel(scenario, rng=seed, record_actions=False, horizon_weeks=horizon,
                            freeze_weeks=min(26, horizon), **params)
    while model.running:
        model.step()
        assert np.all((model.hostility >= 0) & (model.hostility <= 1))
        for state in model.states:
            assert 0 <= state.pressure <= 1 and 0 <= state.threat <= 1
            assert 0 <= state.loss <= 1 and 0 <= state.pledge <= 1
            assert state.capability >= 0 and math.isfinite(state.capability)
        for alliance in model.alliances:
            assert 0 <= alliance.cohesion <= 1
    series = model.datacollector.get_model_vars_dataframe()
    numeric = series.select_dtypes("number")
    assert not numeric.isna().any().any()
    for column in BOUNDED_0_1 + [c for c in series if c.startswith("cohesion_")]:
        assert series[column].between(0, 1).all(), column
    assert series["max_rung"].between(0, TOP_RUNG).all()
    assert (series["max_rung"].diff().dropna() >= 0).all()
    # Exactly one outcome, decided once, by the horizon, by a rule of its outcome.
    verdict = model.verdict
    assert verdict.outcome in OUTCOMES and RULES[verdict.rule] == verdict.outcome
    assert 1 <= verdict.step <= horizon
    assert (series["outcome"] != "").sum() == 1
    assert series["outcome"].iloc[-1] == verdict.outcome
    assert not model.running
