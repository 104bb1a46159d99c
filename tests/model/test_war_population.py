"""A scenario stands for a population of wars: capability_spread and resolve_spread.

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
from model.scenario import load_scenario
from tests.helpers import run_to_end

SEEDS = range(50)


def start(seed: int, **overrides) -> EscalationModel:
    return EscalationModel("generic_crisis", rng=seed, **overrides)


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


def test_varied_resolve_turns_some_settlements_into_collapses():
    """Same setting, with and without resolve spread, over 50 seeds."""
    setting = {"settlement_rate": 0.246, "collapse_capability": 0.438, "attrition_rate": 0.042,
               "regeneration_rate": 0.005, "concession_scale": 0.078, "weariness_rate": 0.034,
               "base_intensity": 0.127, "peace_pressure_weight": 1.261, "temperature": 0.514}
    alike = Counter(run_to_end("generic_crisis", seed, **setting).verdict.rule for seed in SEEDS)
    varied = Counter(run_to_end("generic_crisis", seed, resolve_spread=0.15,
                                **setting).verdict.rule for seed in SEEDS)
    assert varied["imposed"] >= alike["imposed"] + 10, (alike, varied)
    assert varied["settlement"] < alike["settlement"], (alike, varied)
