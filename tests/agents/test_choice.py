"""The choice rule (agents/choice.py): a logit over feasible options, with habituation."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from agents.choice import shared_inputs
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


@pytest.mark.parametrize("copier", [lambda m: m, copy.deepcopy,
                                    lambda m: pickle.loads(pickle.dumps(m))],
                         ids=["run", "deepcopy", "pickle"])
def test_a_menu_reads_the_worlds_hostility_and_need_where_the_world_keeps_them(copier):
    """The menus' inputs are the world's hostility matrix and need (no copy to forget),
    in a run and in a copy of it, and a copy's world is its own."""
    original = _model()
    for _ in range(6):
        original.step()
    model = copier(original)
    russia = model.by_name["Russia"]
    model.execute(russia, catalogue_action(model, "public_accusation"), model.by_name["France"])
    for state in model.states:
        inputs = state.menu._inputs
        assert np.array_equal(inputs[state.menu.hostility_columns], model.hostility[state.index])
        assert np.array_equal(inputs[state.menu.need_columns], model.need)
    if model is not original:
        france, russia_at = model.by_name["France"].index, russia.index
        assert model.hostility[france, russia_at] != original.hostility[france, russia_at]


def test_menus_of_different_layouts_cannot_share_their_inputs():
    """A menu built for a world of another size (its need read from other columns)."""
    model = _model()
    first, other = model.states[0].menu, copy.copy(model.states[1].menu)
    other.need_columns = slice(other.need_columns.start, other.need_columns.stop - 1)
    with pytest.raises(ValueError, match="one input layout"):
        shared_inputs([first, other])
