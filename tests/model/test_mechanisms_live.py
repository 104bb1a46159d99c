"""Each mechanism of the brief is live: in its documented setting (model/outcomes.py,
MECHANISM_SETTINGS) it fires in many runs, and switching it off changes the outcome
distribution over the same 50 seeds."""

from collections import Counter

import pytest
from scipy.stats import chi2_contingency

from model.outcomes import MECHANISM_SETTINGS, OUTCOMES
from tests.helpers import run_to_end

SEEDS = range(50)


def outcomes(settings: dict) -> tuple[Counter, list]:
    models = [run_to_end(seed=seed, **settings) for seed in SEEDS]
    return Counter((m.verdict.outcome, m.verdict.rule) for m in models), models


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
             "military_collapse": lambda m: m.verdict.rule == "imposed"}[name]
    assert sum(map(fired, on_models)) >= len(SEEDS) // 3, on     # a meaningful share
    assert sum(map(fired, off_models)) == 0, off                # and none when off


def test_the_hybrid_spiral_runs_through_attribution_and_the_confrontation_ladder():
    """The chain, not just its end: attributed covert acts, then the confrontation's
    Kahn threshold crossed, then the clash."""
    model = run_to_end(seed=0, record_actions=True, **MECHANISM_SETTINGS["hybrid_spiral"].on)
    assert model.verdict.rule == "direct_clash"
    actions = model.datacollector.get_table_dataframe("actions")
    crossed = model.ladders["confrontation"].crossed["nuclear war is unthinkable"]
    covert = actions[actions["covert"] & (actions["attributed_to"] != "")
                     & (actions["step"] < crossed)]
    assert len(covert) > 0
    assert 0 < crossed <= model.verdict.step
    assert model.ladders["war"].crossed.keys() == {"don't rock the boat",
                                                   "nuclear war is unthinkable"}
