"""The ABC distance: zero on the targets, standard errors apart, nothing-ended never best;
and the early-rejection bound never above the distance the full batch reaches."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.calibration.distance import (
    TargetDistance,
    observed_statistics,
    summary_statistics,
)
from experiments.targets import RunRecord, load_targets
from model.outcomes import ENDING_RULES, NOT_ENDED, RULES
from tests.experiments.calibration.files import BOUND, DURATIONS, RECURRENCE, UCDP


def record(rule: str, ended: int = 10, resumed: int = NOT_ENDED, last: int = 400,
           episode: int = NOT_ENDED, recurred: int = NOT_ENDED) -> RunRecord:
    """A run decided by ``rule`` at week 40 (its fighting ended at ``ended`` if the rule
    ends it), followed to week ``last``; its episode ended at ``episode`` and came back
    at ``recurred``."""
    ends = rule in ENDING_RULES
    return RunRecord(rule, 40, ended if ends else NOT_ENDED, resumed if ends else NOT_ENDED,
                     last, episode if ends else NOT_ENDED, recurred if ends else NOT_ENDED)


def records(rules: list[str]) -> list[RunRecord]:
    return [record(rule) for rule in rules]


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
    stats = summary_statistics(records(rules), targets)
    assert stats["interstate_war_endings.peace_agreement.n"] == 3
    assert stats["interstate_war_endings.peace_agreement"] == pytest.approx(2 / 3)
    assert stats["interstate_war_endings.victory"] == pytest.approx(1 / 3)
    assert stats["no_great_power_war.escalated"] == pytest.approx(1 / 5)
    assert summary_statistics(records(["horizon"]), targets)[
        "interstate_war_endings.ceasefire"] == 0


def test_nothing_ended_never_fits_better_than_a_wrong_mix():
    targets = (load_targets(UCDP), load_targets(BOUND))
    distance = TargetDistance(targets)
    nothing = distance(summary_statistics(records(["horizon"] * 10), targets), {})
    for rule in ("settlement", "unsettled_truce", "imposed", "stalemate"):
        assert nothing > distance(summary_statistics(records([rule] * 10), targets), {}), rule


def test_durations_and_recurrence_are_read_off_the_episodes():
    """By UCDP's rule: an ending ends the episode only once it held (episode_end_step);
    a flare-up within the gap continues the episode; a recurrence is fighting that came
    back after the episode's end."""
    durations, recurrence = load_targets(DURATIONS), load_targets(RECURRENCE)
    runs = [record("settlement", ended=3, episode=3),
            record("stalemate", ended=60, resumed=80),            # flared up: one episode
            record("stalemate", ended=20, resumed=30, episode=40),  # ended again, held
            record("horizon"),
            record("imposed", ended=10, episode=10, recurred=200),   # back after 190 weeks
            record("unsettled_truce", ended=20, episode=20, recurred=100),  # after 80
            record("settlement", ended=200, episode=200, last=300)]  # followed 100 weeks
    stats = summary_statistics(runs, (durations, recurrence))
    assert stats["interstate_war_durations.fighting_after_1_weeks"] == 1.0
    assert stats["interstate_war_durations.fighting_after_4_weeks"] == pytest.approx(6 / 7)
    assert stats["interstate_war_durations.fighting_after_13_weeks"] == pytest.approx(5 / 7)
    assert stats["interstate_war_durations.fighting_after_52_weeks"] == pytest.approx(3 / 7)
    assert stats["interstate_war_durations.fighting_after_156_weeks"] == pytest.approx(3 / 7)
    # Compared: runs whose episode ended, followed 156 weeks after it (not the last);
    # counted: the truce, whose fighting came back 80 weeks after its episode ended.
    assert stats["interstate_war_recurrence.recurred_within_3_years.n"] == 4
    assert stats["interstate_war_recurrence.recurred_within_3_years"] == pytest.approx(1 / 4)


def test_a_duration_pattern_refuses_runs_too_short_to_see_an_ending_hold(tmp_path):
    from experiments.targets import EPISODE_GAP
    from model.checks import ConfigError

    text = DURATIONS.read_text()
    for key in ("horizon_weeks", "follow_up_weeks"):
        short = tmp_path / f"{key}.toml"
        short.write_text(text.replace(f"{key} = {156 + EPISODE_GAP}", f"{key} = 156"))
        with pytest.raises(ConfigError, match=f"target.{key} of at least {156 + EPISODE_GAP}"):
            load_targets(short)


def test_a_longer_episode_gap_lengthens_the_runs_a_duration_target_needs():
    from experiments.targets import EPISODE_GAP, run_settings
    from model.checks import ConfigError

    targets = (load_targets(DURATIONS), load_targets(UCDP))
    assert run_settings(targets, {}, "x") == {"horizon_weeks": 156 + EPISODE_GAP,
                                              "follow_up_weeks": 156 + EPISODE_GAP}
    assert run_settings(targets, {"episode_gap_weeks": 104}, "x") == {
        "horizon_weeks": 260, "follow_up_weeks": 260}
    assert run_settings(targets, {"episode_gap_weeks": 26}, "x")["horizon_weeks"] == 208
    with pytest.raises(ConfigError, match="horizon_weeks: 208 weeks, but "
                                          "interstate_war_durations needs 260"):
        run_settings(targets, {"episode_gap_weeks": 104, "horizon_weeks": 208}, "x")
    # The scenario's own gap counts when none is given; a given one wins over it.
    assert run_settings(targets, {}, "x", gap=104)["horizon_weeks"] == 260
    assert run_settings(targets, {"episode_gap_weeks": 52}, "x", gap=104)["horizon_weeks"] == 208


RECORDS = st.builds(
    RunRecord, st.sampled_from(list(RULES)), st.integers(1, 312),
    st.sampled_from([NOT_ENDED, 1, 3, 30, 100, 200]), st.sampled_from([NOT_ENDED, 50, 250]),
    st.integers(1, 470), st.sampled_from([NOT_ENDED, 1, 60, 150]),
    st.sampled_from([NOT_ENDED, 120, 300])).map(lambda r: r._replace(
        ended_step=r.ended_step if r.rule in ENDING_RULES else NOT_ENDED))


@settings(max_examples=300, deadline=None)
@given(runs=st.lists(RECORDS, min_size=1, max_size=30), cut=st.integers(0, 30))
def test_the_early_rejection_bound_never_exceeds_the_final_distance(runs, cut):
    """Whatever the remaining runs turn out to be, the bound from the first runs is at most
    the distance of the whole batch; with every run in, it is that distance."""
    targets = tuple(load_targets(path) for path in (UCDP, BOUND, DURATIONS, RECURRENCE))
    distance = TargetDistance(targets)
    final = distance(summary_statistics(runs, targets), {})
    assert distance.lowest(runs[:cut], len(runs)) <= final + 1e-9
    assert distance.lowest(runs, len(runs)) == pytest.approx(final, abs=1e-12)
