"""Each outcome rule at its boundary: its thresholds are parameters, and each one decides.

The rules (model/outcomes.py) read a handful of the model's attributes; a stub world
feeds them exact weekly values, so each test shows a threshold from both sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from model.front import Front
from model.outcomes import NOT_ENDED, Verdict, judge
from model.parameters import Parameters
from model.talks import Talks
from tests.helpers import run_to_end


@dataclass
class StubWorld:
    """What the rules read, set by hand every week."""

    p: Parameters
    steps: int = 0
    nuclear_used: bool = False
    direct_clash: bool = False
    week_casualties: float = 0.0
    front: Front = field(default_factory=lambda: Front(0.2, 0.0, 0.0))
    talks: Talks = field(default_factory=lambda: Talks(channel_open=True))
    belligerents: tuple = (SimpleNamespace(collapsed=False), SimpleNamespace(collapsed=False))


def weeks_of(world: StubWorld, weeks: int, intensity: float, casualties: float,
             change: float = 0.0) -> Verdict:
    """Judge ``weeks`` weeks of open war with constant intensity, casualties and movement."""
    verdict = Verdict()
    for _ in range(weeks):
        world.steps += 1
        world.front.intensity, world.front.change = intensity, change
        world.week_casualties = casualties
        judge(verdict, world)
        if verdict.decided:
            break
    return verdict


RULES = Parameters().with_overrides({"freeze_weeks": 10, "stalemate_intensity": 0.2,
                                     "stalemate_casualties": 1.0,
                                     "stalemate_movement": 0.001}, "test")


@pytest.mark.parametrize("intensity, casualties, change, frozen", [
    (0.19, 0.99, 0.0, True),        # fighting has largely stopped
    (0.21, 0.99, 0.0, False),       # intensity at the threshold or above: still a war
    (0.19, 1.01, 0.0, False),       # casualties above the threshold: war of attrition
    (0.19, 0.99, 0.0011, False),    # the front still moves
    (0.19, 0.99, -0.0009, True),    # net movement below the threshold either way
])
def test_stalemate_is_judged_on_fighting_not_on_activity(intensity, casualties, change, frozen):
    world = StubWorld(RULES)
    verdict = weeks_of(world, 30, intensity, casualties, change)
    if frozen:
        assert (verdict.outcome, verdict.rule, verdict.step) == ("frozen", "stalemate", 10)
        assert verdict.ended_step == 1  # the quiet period began in week 1
    else:
        assert not verdict.decided


def test_a_static_front_with_heavy_fighting_stays_a_war():
    """No movement at all, but full-intensity attrition: ongoing, never frozen."""
    world = StubWorld(RULES.with_overrides({"horizon_weeks": 40}, "test"))
    verdict = weeks_of(world, 40, intensity=0.9, casualties=5.0, change=0.0)
    assert (verdict.outcome, verdict.rule, verdict.ended_step) == ("ongoing", "horizon",
                                                                    NOT_ENDED)


def test_stalemate_needs_freeze_weeks_of_quiet():
    world = StubWorld(RULES)
    assert not weeks_of(world, 9, 0.1, 0.1).decided
    world = StubWorld(RULES)
    assert weeks_of(world, 10, 0.1, 0.1).step == 10


def truce_world(params: Parameters, truce_week: int) -> tuple[StubWorld, Verdict]:
    """A world whose belligerents agree a truce in week ``truce_week``."""
    world = StubWorld(params)
    verdict = weeks_of(world, truce_week - 1, intensity=0.9, casualties=5.0)
    world.talks.propose("A", ("A", "B"))
    world.talks.accept("B", ("A", "B"))
    return world, verdict


def run_truce(world: StubWorld, verdict: Verdict, weeks: int,
              settle_after: int | None = None) -> Verdict:
    for k in range(weeks):
        world.steps += 1
        world.front.intensity, world.week_casualties = 0.05, 0.5
        if settle_after is not None and k == settle_after:
            world.talks.negotiate(1.0, 1.0, 0.2)
        judge(verdict, world)
        world.talks.end_week(4)
        if verdict.decided:
            break
    return verdict


def test_an_unsettled_truce_is_frozen_after_freeze_weeks_and_ended_when_it_began():
    world, verdict = truce_world(RULES, truce_week=5)
    verdict = run_truce(world, verdict, 30)
    assert (verdict.outcome, verdict.rule) == ("frozen", "unsettled_truce")
    assert verdict.ended_step == 5                        # the truce began in week 5
    assert verdict.step == 5 + RULES.freeze_weeks         # and held freeze_weeks weeks
    world, verdict = truce_world(RULES, truce_week=5)
    assert not run_truce(world, verdict, RULES.freeze_weeks).decided  # one week short


def test_a_settlement_is_negotiated_after_settlement_hold_weeks():
    params = RULES.with_overrides({"settlement_hold_weeks": 4, "freeze_weeks": 50}, "test")
    world, verdict = truce_world(params, truce_week=3)
    verdict = run_truce(world, verdict, 30, settle_after=2)
    assert (verdict.outcome, verdict.rule, verdict.ended_step) == ("negotiated", "settlement", 3)
    assert verdict.step == 3 + 2 + 4  # settled in the truce's third week, then held 4 weeks


def test_a_collapse_imposes_terms_in_the_week_it_happens():
    world = StubWorld(RULES)
    weeks_of(world, 3, 0.9, 5.0)
    world.belligerents = (SimpleNamespace(collapsed=True), SimpleNamespace(collapsed=False))
    verdict = weeks_of(world, 1, 0.9, 5.0)
    assert (verdict.outcome, verdict.rule, verdict.step, verdict.ended_step) == (
        "negotiated", "imposed", 4, 4)


@pytest.mark.parametrize("flag, rule", [("nuclear_used", "nuclear_use"),
                                        ("direct_clash", "direct_clash")])
def test_escalation_rules_come_first_and_end_nothing(flag, rule):
    world = StubWorld(RULES)
    setattr(world, flag, True)
    world.belligerents = (SimpleNamespace(collapsed=True), SimpleNamespace(collapsed=False))
    verdict = weeks_of(world, 1, 0.1, 0.1)
    assert (verdict.outcome, verdict.rule, verdict.ended_step) == ("escalated", rule, NOT_ENDED)


@pytest.mark.parametrize("capability, morale, collapsed", [
    (0.199, 0.5, True), (0.201, 0.5, False),   # collapse_capability = 0.2 of initial
    (0.5, 0.099, True), (0.5, 0.101, False),   # collapse_morale = 0.1
])
def test_an_army_collapses_below_its_thresholds(capability, morale, collapsed):
    from model import EscalationModel

    model = EscalationModel("generic_crisis", rng=1, collapse_capability=0.2,
                            collapse_morale=0.1)
    side = model.attacker
    side.capability, side.morale = capability * side.initial_capability, morale
    assert side.collapsed is collapsed


def test_imposed_peace_and_nuclear_use_are_reachable():
    """A collapse ends the war on imposed terms; nuclear use escalates it."""
    # no reconstitution and the median war's lethality: the first losses break an army
    collapsed = run_to_end(seed=1, collapse_capability=0.99, freeze_weeks=260,
                           regeneration_rate=0.0, lethality_spread=0.0)
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


# ------------------------------------------------------------------ the follow-up
def judge_weeks(world: StubWorld, verdict: Verdict, weeks: int, intensity: float,
                casualties: float) -> Verdict:
    """Judge ``weeks`` more weeks of open war, whatever the verdict already is."""
    for _ in range(weeks):
        world.steps += 1
        world.front.intensity, world.front.change = intensity, 0.0
        world.week_casualties = casualties
        judge(verdict, world)
    return verdict


def test_a_quiet_front_that_flares_up_has_resumed_when_its_window_is_no_longer_quiet():
    world = StubWorld(RULES)
    verdict = weeks_of(world, 10, 0.1, 0.1)              # a stalemate, decided in week 10
    assert (verdict.rule, verdict.resumed_step) == ("stalemate", NOT_ENDED)
    judge_weeks(world, verdict, 3, 0.1, 0.1)             # still quiet: nothing resumes
    assert verdict.resumed_step == NOT_ENDED
    judge_weeks(world, verdict, 1, 0.9, 20.0)            # one heavy week lifts the mean
    assert verdict.resumed_step == 14
    judge_weeks(world, verdict, 20, 0.1, 0.1)            # only the first resumption counts
    assert (verdict.rule, verdict.step, verdict.resumed_step) == ("stalemate", 10, 14)


def test_a_broken_truce_has_resumed_in_the_week_it_broke():
    world, verdict = truce_world(RULES, truce_week=5)
    run_truce(world, verdict, 30)
    assert verdict.rule == "unsettled_truce" and verdict.resumed_step == NOT_ENDED
    run_truce(world, verdict, 5)                         # the truce holds on: nothing
    assert verdict.resumed_step == NOT_ENDED
    world.talks.violate()                                # a kinetic act breaks it
    judge_weeks(world, verdict, 1, 0.9, 9.0)
    assert verdict.resumed_step == world.steps


def test_nothing_resumes_before_an_ending_is_decided():
    world, verdict = truce_world(RULES, truce_week=5)
    run_truce(world, verdict, 3)
    world.talks.violate()                                # broken during its hold period:
    judge_weeks(world, verdict, 12, 0.9, 9.0)            # no ending, so no resumption
    assert not verdict.decided and verdict.resumed_step == NOT_ENDED


def test_the_rule_table_says_which_rules_end_the_fighting():
    from model.outcomes import ENDING_RULES, RULES

    assert set(ENDING_RULES) == {"imposed", "settlement", "unsettled_truce", "stalemate"}
    assert set(ENDING_RULES) < set(RULES)
    verdict = Verdict()
    with pytest.raises(ValueError, match="ended_step"):
        verdict.decide("horizon", 10, ended=3)            # horizon does not end the fighting
    with pytest.raises(ValueError, match="ended_step"):
        Verdict().decide("stalemate", 10)                 # a stalemate does


# ------------------------------------------------------------------ episodes (UCDP's rule)
EPISODES = RULES.with_overrides({"episode_gap_weeks": 20}, "test")


def test_an_ending_that_holds_the_gap_ends_the_episode_in_the_week_it_ended():
    world = StubWorld(EPISODES)
    verdict = weeks_of(world, 10, 0.1, 0.1)              # a stalemate: quiet from week 1
    assert (verdict.rule, verdict.ended_step, verdict.episode_end_step) == (
        "stalemate", 1, NOT_ENDED)
    judge_weeks(world, verdict, 10, 0.1, 0.1)            # week 20: quiet 19 weeks, not 20
    assert verdict.episode_end_step == NOT_ENDED
    judge_weeks(world, verdict, 1, 0.1, 0.1)             # week 21: it held the gap
    assert verdict.episode_end_step == 1 and verdict.recurred_step == NOT_ENDED


def test_a_flare_up_within_the_gap_continues_the_episode_and_one_after_it_is_a_recurrence():
    world = StubWorld(EPISODES)
    verdict = weeks_of(world, 10, 0.1, 0.1)              # stalemate, quiet from week 1
    judge_weeks(world, verdict, 1, 0.1, 0.1)
    judge_weeks(world, verdict, 1, 0.9, 20.0)            # week 12: flares up within the gap
    assert (verdict.resumed_step, verdict.episode_end_step) == (12, NOT_ENDED)
    # Quiet again: the window is quiet once the heavy week has left it (week 22), so
    # the fighting ended again in week 13, and that spell holds the gap in week 33.
    judge_weeks(world, verdict, 20, 0.1, 0.1)            # to week 32
    assert verdict.spell_start == 13 and verdict.episode_end_step == NOT_ENDED
    judge_weeks(world, verdict, 1, 0.1, 0.1)             # week 33
    assert verdict.episode_end_step == 13 and verdict.recurred_step == NOT_ENDED
    judge_weeks(world, verdict, 1, 0.9, 20.0)            # week 34: fighting comes back
    assert (verdict.recurred_step, verdict.resumed_step) == (34, 12)   # first of each
    assert (verdict.rule, verdict.ended_step) == ("stalemate", 1)      # the outcome stays


def test_a_broken_truce_agreed_again_ends_the_episode_when_the_new_truce_began():
    world, verdict = truce_world(EPISODES, truce_week=5)
    run_truce(world, verdict, 30)                        # unsettled truce, decided week 15
    world.talks.violate()
    judge_weeks(world, verdict, 3, 0.9, 9.0)             # broken in week 16
    assert (verdict.resumed_step, verdict.spell_start) == (16, NOT_ENDED)
    world.talks.propose("A", ("A", "B"))
    world.talks.accept("B", ("A", "B"))                  # a new truce from week 19

    def truce_weeks(weeks: int) -> None:                 # run_truce stops at a decision
        for _ in range(weeks):
            world.steps += 1
            world.front.intensity, world.week_casualties = 0.05, 0.5
            judge(verdict, world)
            world.talks.end_week(4)

    truce_weeks(EPISODES.freeze_weeks)                   # to week 28: held 9 weeks
    assert verdict.spell_start == NOT_ENDED              # not yet freeze_weeks
    truce_weeks(1)                                       # week 29: held freeze_weeks
    assert verdict.spell_start == 19 and verdict.episode_end_step == NOT_ENDED
    truce_weeks(10)                                      # week 39: 20 weeks since week 19
    assert verdict.episode_end_step == 19


def test_a_run_followed_past_the_gap_records_its_episode():
    """The whole model: with a follow-up, a run whose ending held the gap records its
    episode's end (at or after the first ending); without one the run stops at its
    outcome and the episode's end is not seen."""
    followed = {seed: run_to_end(seed=seed, horizon_weeks=260, follow_up_weeks=260)
                for seed in range(12)}
    seen = {seed: m for seed, m in followed.items() if m.verdict.episode_end_step != NOT_ENDED}
    assert seen, "no run's ending held a year in 12 seeds"
    for model in seen.values():
        summary = model.summary()
        assert summary["episode_end_step"] >= summary["ended_step"] >= 0
        assert summary["last_step"] - summary["episode_end_step"] >= model.p.episode_gap_weeks
    unfollowed = run_to_end(seed=next(iter(seen)), horizon_weeks=260)
    assert unfollowed.summary()["ended_step"] >= 0
    assert unfollowed.summary()["episode_end_step"] == NOT_ENDED
