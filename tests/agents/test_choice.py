"""The choice rule (agents/choice.py): a logit over feasible options, with habituation."""

from __future__ import annotations

import numpy as np
import pytest

from model import EscalationModel
from tests.helpers import catalogue_action, option_probabilities


def _model(**overrides) -> EscalationModel:
    return EscalationModel("paris_moscow_call", rng=7, record_actions=False, **overrides)


def test_choice_is_a_logit_of_utilities_with_temperature():
    """Lower temperature concentrates choice on the best options (bounded rationality)."""
    def entropy(model):
        p = np.array(list(option_probabilities(model, "Russia").values()))
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    assert entropy(_model(temperature=0.05)) < entropy(_model(temperature=0.25)) \
        < entropy(_model(temperature=2.0))


def test_infeasible_options_are_never_chosen():
    """A truce can only be accepted while one is on the table (none is, with the channel shut)."""
    probabilities = option_probabilities(_model(channel_open=False), "Russia")
    assert probabilities[("accept_truce", "Ukraine")] == 0.0
    assert probabilities[("offensive", "Ukraine")] > 0.0


def test_habituation_lowers_a_repeated_action_and_fades():
    model = _model()
    before = option_probabilities(model, "France")[("mediate", "Russia")]
    menu = model.by_name["France"].menu
    mediate, wait = catalogue_action(model, "mediate"), catalogue_action(model, "wait")
    for _ in range(3):
        menu.remember(mediate)
    assert option_probabilities(model, "France")[("mediate", "Russia")] < before
    k = menu.options.index((mediate, model.attacker))
    step = model.p.repetition_cost / model.p.temperature
    keep = 0.5 ** (1 / 4)
    assert menu.habit[k] == pytest.approx(step * (1 + keep + keep**2))
    for _ in range(4):  # four weeks of other choices halve the memory
        menu.remember(wait)
    assert menu.habit[k] == pytest.approx(step * (1 + keep + keep**2) / 2)
    for _ in range(2000):  # long runs renormalise the stored memory without overflow
        menu.remember(wait)
    assert np.isfinite(menu.matrix).sum() > 0 and 0 <= menu.habit[k] < 1e-100
