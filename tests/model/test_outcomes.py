"""Each outcome is reachable: under its documented setting it is the most common over 50 seeds."""

from collections import Counter

import pytest

from model.outcomes import REFERENCE_SETTINGS
from tests.helpers import run_to_end

SEEDS = range(50)


@pytest.mark.parametrize("outcome", ["ongoing", "negotiated", "frozen", "escalated"])
def test_outcome_is_most_common_under_its_reference_setting(outcome):
    counts = Counter(run_to_end(seed=seed, **REFERENCE_SETTINGS[outcome]).verdict.outcome
                     for seed in SEEDS)
    winner, n = counts.most_common(1)[0]
    assert winner == outcome, counts
    assert n > len(SEEDS) / 2, counts


def test_imposed_peace_and_nuclear_use_are_reachable():
    """A collapse ends the war on imposed terms; nuclear use escalates it."""
    collapsed = run_to_end(seed=1, collapse_capability=0.99, freeze_weeks=260)
    assert (collapsed.verdict.outcome, collapsed.verdict.rule) == ("negotiated", "imposed")
    model = run_to_end(seed=1, horizon_weeks=1)
    model.running = True
    model.execute(model.attacker, model.spec.catalogue.get("nuclear_use"), model.defender)
    from model.outcomes import Verdict, judge
    verdict = Verdict()
    judge(verdict, model)
    assert (verdict.outcome, verdict.rule) == ("escalated", "nuclear_use")


def test_a_run_at_the_horizon_is_ongoing_not_folded_into_an_outcome():
    model = run_to_end(seed=4, horizon_weeks=10)
    assert (model.verdict.outcome, model.verdict.rule, model.verdict.step) == \
        ("ongoing", "horizon", 10)
