"""The documented settings of model/settings.py hold what they claim.

* Each outcome is reachable: under its reference setting it is the most common over 50
  seeds.
* Each mechanism of the brief is live: in its documented setting it fires in many runs,
  and switching it off changes the outcome distribution over the same 50 seeds.
"""

from collections import Counter

import pytest
from scipy.stats import chi2_contingency

from model.outcomes import OUTCOMES
from model.settings import MECHANISM_SETTINGS, REFERENCE_SETTINGS
from tests.helpers import run_to_end

SEEDS = range(50)


@pytest.mark.parametrize("outcome", ["ongoing", "negotiated", "frozen", "escalated"])
def test_outcome_is_most_common_under_its_reference_setting(outcome):
    counts = Counter(run_to_end(seed=seed, **REFERENCE_SETTINGS[outcome]).verdict.outcome
                     for seed in SEEDS)
    winner, n = counts.most_common(1)[0]
    assert winner == outcome, counts
    assert n > len(SEEDS) / 2, counts


def outcomes(settings: dict) -> tuple[Counter, list]:
    models = [run_to_end(seed=seed, record_actions=True, **settings) for seed in SEEDS]
    return Counter((m.verdict.outcome, m.verdict.rule) for m in models), models


def took(model, action: str, actor: str | None = None):
    """The rows of the run's action log where ``action`` was taken (by ``actor``)."""
    actions = model.datacollector.get_table_dataframe("actions")
    rows = actions[actions["action"] == action]
    return rows if actor is None else rows[rows["actor"] == actor]


@pytest.mark.parametrize("name", list(MECHANISM_SETTINGS))
def test_switching_a_mechanism_off_changes_the_outcomes(name):
    setting = MECHANISM_SETTINGS[name]
    on, on_models = outcomes(setting.on)
    off, off_models = outcomes({**setting.on, **setting.off})
    table = [[sum(n for (o, _), n in counts.items() if o == outcome) for outcome in OUTCOMES]
             for counts in (on, off)]
    table = [[row[k] for k in range(len(OUTCOMES)) if table[0][k] + table[1][k]]
             for row in table]
    assert len(table[0]) >= 2, (on, off)
    assert chi2_contingency(table).pvalue < 0.001, (on, off)
    fired = {"hybrid_spiral": lambda m: m.verdict.rule == "direct_clash",
             "truce_collapse": lambda m: m.talks.collapses > 0,
             "military_collapse": lambda m: m.verdict.rule == "imposed",
             "nuclear_threats": lambda m: len(took(m, "nuclear_ultimatum")) > 0}[name]
    assert sum(map(fired, on_models)) >= len(SEEDS) // 3, on     # a meaningful share
    assert sum(map(fired, off_models)) == 0, off                # and none when off


def test_the_hybrid_spiral_runs_through_attribution_and_the_confrontation_ladder():
    """The chain, not just its end: attributed covert acts, then the confrontation's
    Kahn threshold crossed, then the clash."""
    setting = MECHANISM_SETTINGS["hybrid_spiral"]
    model = run_to_end(seed=setting.trace_seed, record_actions=True, **setting.on)
    assert model.verdict.rule == "direct_clash"
    actions = model.datacollector.get_table_dataframe("actions")
    crossed = model.ladders["confrontation"].crossed["nuclear war is unthinkable"]
    covert = actions[actions["covert"] & (actions["attributed_to"] != "")
                     & (actions["step"] < crossed)]
    assert len(covert) > 0
    assert 0 < crossed <= model.verdict.step
    assert model.ladders["war"].crossed.keys() == {"don't rock the boat",
                                                   "nuclear war is unthinkable"}


def test_nuclear_threats_run_through_the_ultimatum_and_a_coerced_truce():
    """The chain, not just its end: the nuclear power, its army worn down, issues an
    ultimatum; its demand (a ceasefire) and the intimidation of the defender's side (aid held
    back) bring the defender to accept a truce, and the truce holds (the war freezes, or
    the talks that follow settle it). The same run without threats has no truce and grinds
    on to the horizon."""
    setting = MECHANISM_SETTINGS["nuclear_threats"]
    model = run_to_end(seed=setting.trace_seed, record_actions=True, **setting.on)
    attacker, defender = model.attacker.name, model.defender.name
    assert model.verdict.rule in ("unsettled_truce", "settlement")
    truce = model.verdict.ended_step               # the week the truce began
    ultimatums = took(model, "nuclear_ultimatum", attacker)
    first = int(ultimatums["step"].min())
    assert (ultimatums["target"] == defender).all()
    assert first < truce
    assert truce in set(took(model, "accept_truce", defender)["step"])
    # The nuclear power did not accept this truce: its ultimatum was its acceptance.
    assert truce not in set(took(model, "accept_truce", attacker)["step"])
    aid = model.datacollector.get_model_vars_dataframe()["aid_flow"]
    assert aid[first] < aid[first - 1]             # supporters hold back aid when threatened
    without = run_to_end(seed=setting.trace_seed, **{**setting.on, **setting.off})
    assert without.verdict.rule == "horizon" and without.talks.truces == 0
