"""The run of a model (model/model.py): a finished run stays finished, a follow-up watches
whether an ending holds without changing the outcome, and a run forked at week N goes on
exactly as the original."""

from __future__ import annotations

import copy
import pickle

import pytest

from model import EscalationModel
from model.outcomes import ENDING_RULES, NOT_ENDED

SCENARIOS = ("paris_moscow_call", "generic_crisis")


def run(scenario: str, seed: int, **overrides) -> EscalationModel:
    model = EscalationModel(scenario, rng=seed, record_actions=True, **overrides)
    model.run_model()
    return model


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_finished_run_stays_finished(scenario):
    """Mesa's common ``for _ in range(n): model.step()`` cannot run on past the end."""
    model = run(scenario, 3)
    assert not model.running
    summary = model.summary()
    weeks = model.datacollector.get_model_vars_dataframe()
    actions = model.datacollector.get_table_dataframe("actions")
    for _ in range(30):
        model.step()
    assert model.summary() == summary
    assert model.datacollector.get_model_vars_dataframe().equals(weeks)
    assert model.datacollector.get_table_dataframe("actions").equals(actions)


def test_a_follow_up_keeps_the_first_outcome_and_its_record():
    """The outcome, its week and the end-state record are those of the first ending; the
    run goes on follow_up_weeks (never past the horizon) and records what it saw."""
    for seed in range(12):
        stop = run("generic_crisis", seed)
        follow = run("generic_crisis", seed, follow_up_weeks=52, horizon_weeks=312)
        if stop.verdict.rule not in ENDING_RULES:
            continue
        before, after = stop.summary(), follow.summary()
        kept = set(before) - {"resumed_step", "episode_end_step", "recurred_step",
                              "last_step", "end_state"}
        assert {k: after[k] for k in kept} == {k: before[k] for k in kept}, seed
        assert before["last_step"] == before["decided_step"]
        assert after["last_step"] == min(before["decided_step"] + 52, 312)
        assert after["resumed_step"] == NOT_ENDED or \
            after["ended_step"] < after["resumed_step"] <= after["last_step"]


def test_runs_that_do_not_end_are_not_followed():
    for seed in range(6):
        model = run("paris_moscow_call", seed, follow_up_weeks=100, horizon_weeks=40)
        if model.verdict.rule not in ENDING_RULES:
            assert model.summary()["last_step"] == model.verdict.step
            assert model.summary()["resumed_step"] == NOT_ENDED


def test_an_ending_can_break_down_during_the_follow_up():
    """Over seeds of the generic war, some endings hold through two years of follow-up
    and some break down (a truce broken, or a quiet front that flares up again)."""
    resumed = held = 0
    for seed in range(30):
        model = run("generic_crisis", seed, follow_up_weeks=104, horizon_weeks=260)
        if model.verdict.rule in ENDING_RULES:
            if model.verdict.resumed_step != NOT_ENDED:
                resumed += 1
            else:
                held += 1
    assert resumed > 0 and held > 0, (resumed, held)


def test_an_imposed_ending_imposes_a_settled_truce():
    # no reconstitution and the median war's lethality: the first losses break an army
    model = run("paris_moscow_call", 1, collapse_capability=0.99, freeze_weeks=260,
                regeneration_rate=0.0, lethality_spread=0.0, follow_up_weeks=20)
    assert model.verdict.rule == "imposed"
    assert model.talks.imposed or model.verdict.resumed_step != NOT_ENDED
    assert model.summary()["end_state"] in ("imposed", "fighting", "truce", "quiet")


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("copier", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))],
                         ids=["deepcopy", "pickle"])
def test_a_run_forked_at_week_n_goes_on_as_the_original(scenario, copier):
    original = EscalationModel(scenario, rng=5, record_actions=True, follow_up_weeks=30)
    for _ in range(15):
        original.step()
    fork = copier(original)
    original.run_model()
    fork.run_model()
    assert fork.summary() == original.summary()
    assert fork.datacollector.get_model_vars_dataframe().equals(
        original.datacollector.get_model_vars_dataframe())
    assert fork.datacollector.get_table_dataframe("actions").equals(
        original.datacollector.get_table_dataframe("actions"))
