"""A scenario stands for a population of wars: capability, resolve and lethality spreads.

With both spreads at 0 (the defaults) every run of a scenario starts from the same
balance and resolve, and no random number is drawn for it; with a spread, each seed
draws its own war (reproducibly), within the documented law, and the variety changes
how wars end: belligerents that refuse to concede fight on until an army collapses.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from model import EscalationModel
from model.posterior import uncalibrated
from model.scenario import load_scenario
from tests.helpers import run_to_end

SEEDS = range(50)


NO_SPREAD = {"capability_spread": 0.0, "resolve_spread": 0.0, "lethality_spread": 0.0}


def uncalibrated_values() -> dict:
    """generic_crisis's calibrated parameters at their values before calibration: the
    settings below were found there."""
    scenario = load_scenario("generic_crisis")
    return uncalibrated(scenario.posterior, scenario.base_parameters)


def start(seed: int, **overrides) -> EscalationModel:
    """generic_crisis with every spread 0 unless given."""
    return EscalationModel("generic_crisis", rng=seed, **{**NO_SPREAD, **overrides})


def test_without_spread_every_run_starts_from_the_scenario():
    spec = {a.name: a for a in load_scenario("generic_crisis").actors}
    for seed in range(5):
        model = start(seed)
        for side in model.belligerents:
            assert side.capability == side.initial_capability == spec[side.name].capability
            assert side.resolve == spec[side.name].resolve


def test_capability_spread_draws_the_balance_of_forces_by_run():
    spread = 0.4
    logs = []
    for seed in range(200):
        a, d = start(seed, capability_spread=spread).belligerents
        base = start(seed).belligerents
        up = np.log(a.capability / base[0].capability)
        down = np.log(d.capability / base[1].capability)
        assert up == pytest.approx(-down)                     # one draw moves both sides
        assert a.initial_capability == a.capability
        logs.append(up)
    assert np.std(logs) == pytest.approx(spread, rel=0.15)
    again = start(7, capability_spread=spread).belligerents[0].capability
    assert again == start(7, capability_spread=spread).belligerents[0].capability


def test_resolve_spread_draws_resolve_within_its_range():
    values = [side.resolve for seed in range(100)
              for side in start(seed, resolve_spread=0.5).belligerents]
    assert min(values) >= 0.0 and max(values) <= 1.0
    assert len(set(values)) > 50        # drawn by run (those below 0 are clipped to 0)


def test_lethality_spread_draws_each_war_its_attrition_rate():
    spread = 0.8
    logs = [np.log(start(seed, lethality_spread=spread).attrition_rate
                   / start(seed).attrition_rate) for seed in range(300)]
    assert np.std(logs) == pytest.approx(spread, rel=0.15)
    assert abs(np.median(logs)) < 0.15          # attrition_rate is the median war's
    assert start(3).attrition_rate == load_scenario("generic_crisis").parameters.attrition_rate
    assert (start(4, lethality_spread=spread).attrition_rate
            == start(4, lethality_spread=spread).attrition_rate)


def test_lethality_spread_makes_the_war_lethal_as_drawn():
    """A run drawn more lethal loses more capability over the same first weeks."""
    def lost(seed: int, **overrides) -> tuple[float, float]:
        model = start(seed, **overrides)
        for _ in range(8):
            model.step()
        a, d = model.belligerents
        return model.attrition_rate, (a.initial_capability - a.capability
                                      + d.initial_capability - d.capability)
    draws = sorted(lost(seed, lethality_spread=1.0) for seed in range(30))
    low, high = draws[:10], draws[-10:]
    assert np.mean([x for _, x in high]) > 2 * np.mean([x for _, x in low])


def test_varied_resolve_turns_some_settlements_into_collapses():
    """Same setting, with and without resolve spread, over 50 seeds."""
    setting = {**uncalibrated_values(), "settlement_rate": 0.246,
               "collapse_capability": 0.438, "attrition_rate": 0.042, "regeneration_rate": 0.005,
               "concession_scale": 0.078, "weariness_rate": 0.034, "base_intensity": 0.127,
               "peace_pressure_weight": 1.261, "temperature": 0.514}
    alike = Counter(run_to_end("generic_crisis", seed, **setting).verdict.rule for seed in SEEDS)
    varied = Counter(run_to_end("generic_crisis", seed, **{**setting, "resolve_spread": 0.15}
                                ).verdict.rule for seed in SEEDS)
    assert varied["imposed"] >= alike["imposed"] + 10, (alike, varied)
    assert varied["settlement"] < alike["settlement"], (alike, varied)


def test_varied_lethality_turns_some_wars_into_collapses():
    """Same setting, with and without lethality spread, over 50 seeds: drawn more
    lethal, some wars destroy an army (imposed terms) where none did."""
    setting = {**uncalibrated_values(), "temperature": 0.337, "settlement_rate": 0.275,
               "truce_violation_cost": 4.912, "attrition_rate": 0.042,
               "regeneration_rate": 0.021, "weariness_rate": 0.026, "weariness_recovery": 0.011,
               "base_intensity": 0.17, "combat_intensity_weight": 0.281, "resolve_spread": 0.129,
               "capability_spread": 0.191, "collapse_capability": 0.416,
               "concession_scale": 0.09, "peace_pressure_weight": 1.77,
               "escalation_aversion": 1.852}
    alike = Counter(run_to_end("generic_crisis", seed, **setting).verdict.rule for seed in SEEDS)
    varied = Counter(run_to_end("generic_crisis", seed, **{**setting, "lethality_spread": 1.229}
                                ).verdict.rule for seed in SEEDS)
    assert alike["imposed"] == 0, alike
    assert varied["imposed"] >= 8, varied


def test_no_war_takes_more_than_the_whole_army():
    """However lethal the draw, a week's losses stop at the whole army: capability never
    goes below 0, so with the collapse thresholds at 0 no army collapses."""
    extreme = {"attrition_rate": 0.2, "lethality_spread": 2.0, "collapse_capability": 0.0,
               "collapse_morale": 0.0}
    for seed in range(20):
        model = run_to_end("generic_crisis", seed, **extreme)
        assert model.verdict.rule != "imposed", seed
        assert min(side.capability for side in model.belligerents) >= 0.0, seed
