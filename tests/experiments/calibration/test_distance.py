"""The ABC distance: zero on the targets, standard errors apart, nothing-ended never best."""

import pytest

from experiments.calibration.distance import (
    TargetDistance,
    observed_statistics,
    summary_statistics,
)
from experiments.targets import load_targets
from tests.experiments.calibration.files import BOUND, UCDP


def test_the_distance_is_zero_on_the_targets_and_counts_standard_errors():
    targets = (load_targets(UCDP), load_targets(BOUND))
    distance = TargetDistance(targets)
    observed = observed_statistics(targets)
    on_target = {**observed, "no_great_power_war.escalated": 0.01}
    assert distance(on_target, observed) == 0.0            # inside the bound: no cost
    pattern = targets[0].patterns[0]                          # peace_agreement, 14/66
    scale = (pattern.high - pattern.low) / (2 * 1.959964)
    off = {**on_target, "interstate_war_endings.peace_agreement": pattern.value + 2 * scale}
    assert distance(off, observed) == pytest.approx(2.0, rel=1e-4)
    bound = targets[1].patterns[0]
    beyond = {**on_target, "no_great_power_war.escalated": bound.upper + bound.upper / 1.96}
    assert distance(beyond, observed) == pytest.approx(2 * 1.959964 / 1.96, rel=1e-3)


def test_summary_statistics_take_shares_among_the_ended_runs():
    targets = (load_targets(UCDP), load_targets(BOUND))
    rules = ["settlement", "settlement", "imposed", "horizon", "direct_clash"]
    stats = summary_statistics(rules, targets)
    assert stats["interstate_war_endings.n"] == 3
    assert stats["interstate_war_endings.peace_agreement"] == pytest.approx(2 / 3)
    assert stats["interstate_war_endings.victory"] == pytest.approx(1 / 3)
    assert stats["no_great_power_war.escalated"] == pytest.approx(1 / 5)
    assert summary_statistics(["horizon"], targets)["interstate_war_endings.ceasefire"] == 0


def test_nothing_ended_never_fits_better_than_a_wrong_mix():
    targets = (load_targets(UCDP), load_targets(BOUND))
    distance = TargetDistance(targets)
    nothing = distance(summary_statistics(["horizon"] * 10, targets), {})
    for rule in ("settlement", "unsettled_truce", "imposed", "stalemate"):
        assert nothing > distance(summary_statistics([rule] * 10, targets), {}), rule
