"""`escalation calibrate --prior-check`: which patterns can any draw of the prior reach?

The analysis on constructed run tables (each share, reach and sentence is known), and
the command on a small calibration file (its outputs, its refusals, a resume).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments.analysis.prior_check import (
    document,
    draw_table,
    draws_reaching_all,
    edge_sentence,
    edges,
    findings,
    pattern_reach,
)
from experiments.cli import main
from experiments.targets import load_targets
from model.outcomes import ENDING_RULES

TARGET = """[target]
name = "mine"
description = "A test target."
source = "Nobody's dataset"
citation = "Nobody (2020). Nothing. Journal 1(1): 1-2."
population = "all the things"
among = "all"

[[patterns]]
name = "deals"
description = "settlements"
rules = ["settlement"]
value = 0.5
low = 0.4
high = 0.6

[[patterns]]
name = "escalations"
description = "escalated"
outcomes = ["escalated"]
upper = 0.05
"""


def runs_of(point_rules: list[list[str]]) -> pd.DataFrame:
    """A run table: point i's runs end by the rules listed for it (week 10, decided 30)."""
    rows = []
    for point_id, rules in enumerate(point_rules):
        for rule in rules:
            ended = 10 if rule in ENDING_RULES else -1
            rows.append({"point_id": point_id, "rule": rule, "decided_step": 30,
                         "ended_step": ended, "resumed_step": -1, "last_step": 30,
                         "episode_end_step": -1, "recurred_step": -1})
    return pd.DataFrame(rows)


@pytest.fixture
def target(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(TARGET, encoding="utf-8")
    return load_targets(path)


def test_each_draw_gets_its_shares_and_distance(target):
    runs = runs_of([["settlement", "horizon"] * 5,            # deals 0.5, no escalation
                    ["settlement"] * 10,                      # deals 1.0
                    ["direct_clash"] * 5 + ["horizon"] * 5])   # deals 0.0, escalated 0.5
    table = draw_table(runs, [{"x": 0.1}, {"x": 0.2}, {"x": 0.3}], [target])
    assert table["x"].tolist() == [0.1, 0.2, 0.3]
    assert table["runs"].tolist() == [10, 10, 10]
    assert table["mine.deals"].tolist() == [0.5, 1.0, 0.0]
    assert table["mine.escalations"].tolist() == [0.0, 0.0, 0.5]
    assert table["distance"].iloc[0] == 0.0                  # on the target, bound holds
    assert table["distance"].iloc[1] > 0 and table["distance"].iloc[2] > table["distance"].iloc[1]


def test_a_draw_without_runs_is_an_error_not_a_smaller_table(target):
    runs = runs_of([["settlement"] * 4, ["settlement"] * 4])
    with pytest.raises(ValueError, match="1 of 3 prior draws have no runs"):
        draw_table(runs, [{"x": 0.1}, {"x": 0.2}, {"x": 0.3}], [target])


def test_reach_counts_the_draws_within_two_standard_errors(target):
    # deals: standard error 0.1 / 1.96 = 0.051, so 0.55 is reached and 0.7 is not.
    runs = runs_of([["settlement"] * 11 + ["horizon"] * 9,    # 0.55
                    ["settlement"] * 14 + ["horizon"] * 6,    # 0.70
                    ["settlement"] * 14 + ["direct_clash"] * 6])  # 0.70, escalated 0.30
    table = draw_table(runs, [{}, {}, {}], [target])
    reach = pattern_reach(table, [target]).set_index("pattern")
    assert reach.loc["deals", "draws_reaching"] == 1
    assert reach.loc["deals", "closest_share"] == pytest.approx(0.55)
    assert reach.loc["escalations", "draws_reaching"] == 2
    assert draws_reaching_all(table, [target]) == 1


def test_the_sentences_say_what_no_draw_reaches_and_how_close_the_best_came(target):
    runs = runs_of([["horizon"] * 20, ["settlement"] * 2 + ["horizon"] * 18])  # 0.0, 0.1
    table = draw_table(runs, [{}, {}], [target])
    reach = pattern_reach(table, [target])
    lines = findings(reach, table, [target], runs_per_draw=20, horizon=156)
    assert lines[0] == ("2 draws from the prior, 20 runs each (horizon 156 weeks); a draw "
                        "reaches a pattern when its share among its runs is within 2 "
                        "standard errors of the target (about the target's 95% interval).")
    assert lines[1].startswith("No draw reaches mine.deals: target 0.500 [0.400, 0.600], the "
                               "draws' shares span ")
    assert lines[1].endswith("the closest is 0.100 (below the target).")
    assert not any("mine.escalations" in line for line in lines)   # every draw reaches it
    assert lines[-2].startswith("0 of 2 draws reach every pattern at once; the closest draw "
                                "(point 1) is at distance ")
    assert "no fit over this prior agrees with every pattern" in lines[-2]
    assert lines[-1] == "The closest draw misses (how many of them, by pattern): mine.deals (1)."
    text = document(reach, edges(table.assign(x=[0.5, 0.95]), {"x": (0.0, 1.0)}), lines,
                    "mine_fit", "generic_crisis")
    assert "| mine | deals | 0.500 [0.400, 0.600] |" in text
    assert "| mine | escalations | a bound: [0.000, 0.050] |" in text
    assert "0 of 2 |" in text and "2 of 2 |" in text
    assert "| x | 0 - 1 | 0.95 | 0.95 | 0.95 | 0% | 100% |" in text   # the closest: x 0.95


def test_when_some_draw_reaches_everything_no_structural_gap_is_claimed(target):
    runs = runs_of([["settlement"] * 10 + ["horizon"] * 10, ["horizon"] * 20])
    table = draw_table(runs, [{}, {}], [target])
    lines = findings(pattern_reach(table, [target]), table, [target], 20, 156)
    assert lines[-1].startswith("1 of 2 draws reach every pattern at once; the closest draw "
                                "(point 0) is at distance 0.00")
    assert "no fit over this prior" not in lines[-1]


def test_edges_say_where_the_closest_draws_sit_in_each_prior_range():
    # 40 draws, the two closest (5%) at x = 0.95 and 0.5 of a 0-2 range (unit 0.475, 0.25).
    draws = pd.DataFrame({"distance": [1.0, 2.0] + [10.0] * 38,
                          "x": [1.9, 1.0] + [0.1] * 38, "y": [0.5, 0.5] + [0.0] * 38})
    table = edges(draws, {"x": (0.0, 2.0), "y": (0.0, 1.0)}).set_index("parameter")
    assert table.loc["x", "closest"] == 2
    assert table.loc["x", "upper_tenth"] == 0.5 and table.loc["x", "lower_tenth"] == 0.0
    assert table.loc["y", "unit_q50"] == 0.5 and table.loc["y", "upper_tenth"] == 0.0
    assert edge_sentence(table.reset_index()) == (
        "Of the 2 closest draws, at most 50% sit in the outer tenth of one prior's range (x, "
        "its upper tenth; by chance 10%).")


# ------------------------------------------------------------------ the command
def small_calibration(tmp_path: Path) -> Path:
    from tests.experiments.calibration.files import BOUND, UCDP, calibration_file

    priors = {"collapse_capability": (0.05, 0.3), "settlement_rate": (0.01, 0.5)}
    return calibration_file(tmp_path, [UCDP, BOUND], priors, {}, runs_per_particle=4)


def test_the_command_writes_the_check_and_a_rerun_reuses_its_runs(tmp_path, capsys):
    config = small_calibration(tmp_path)
    out = tmp_path / "check"
    argv = ["calibrate", str(config), "--prior-check", "6", "--out", str(out),
            "--executor", "sequential", "--quiet"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("6 draws from the prior, 4 runs each")
    draws = pd.read_csv(out / "prior_check_draws.csv")
    assert len(draws) == 6 and (draws["runs"] == 4).all()
    assert draws["collapse_capability"].between(0.05, 0.3).all()
    assert draws["settlement_rate"].between(0.01, 0.5).all()
    reach = pd.read_csv(out / "prior_check.csv")
    assert set(reach["target"]) == {"interstate_war_endings", "no_great_power_war"}
    assert (reach["draws"] == 6).all()
    assert "# Prior predictive check" in (out / "prior_check.md").read_text(encoding="utf-8")
    before = draws.to_csv(index=False)
    assert main(argv) == 0   # the same command: the stored runs, the same table
    assert pd.read_csv(out / "prior_check_draws.csv").to_csv(index=False) == before
    capsys.readouterr()
    other = [*argv[:3], "7", *argv[4:]]   # another check into the same folder: refused
    assert main(other) == 2
    assert "holds results of a different sweep" in capsys.readouterr().err
    assert pd.read_csv(out / "prior_check_draws.csv").to_csv(index=False) == before


@pytest.mark.parametrize("extra", [["--prior-check", "0"], ["--prior-check", "many"],
                                   ["--prior-check", "5", "--finish"]])
def test_bad_prior_check_options_are_refused_writing_nothing(tmp_path, capsys, extra):
    config = small_calibration(tmp_path)
    out = tmp_path / "check"
    assert main(["calibrate", str(config), "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and ("--prior-check" in err[0] or "--finish" in err[0])
    assert not out.exists()
