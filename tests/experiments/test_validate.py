"""Empirical targets (experiments.targets) and `escalation validate`.

The shipped target files load; every malformed file is a ConfigError naming the file
and the key, and through the command exit 2 with one line and nothing written; the
comparison agrees, disagrees, holds and violates on a hand-made run table; one small
run writes the csv, the report and the figure.

The command is called through a parser built from ``experiments.cli.validate.register``
(what ``experiments.cli.main`` does once the module is in its COMMANDS); only
``test_escalation_main_knows_validate`` needs that registration.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.analysis.validation import compare, validation_figure, verdict
from experiments.cli import main, validate
from experiments.targets import load_targets
from model.checks import ConfigError
from model.outcomes import ENDING_RULES, RULES
from tests.helpers import calibrated_scenario, uncalibrated_scenario

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "model" / "targets").glob("*.toml"))

GOOD = """[target]
name = "mine"
description = "A test target."
source = "Nobody's dataset"
citation = "Nobody (2020). Nothing. Journal 1(1): 1-2."
population = "all the things"
among = "ended"

[[patterns]]
name = "deals"
description = "settlements"
rules = ["settlement"]
k = 14
n = 66
"""


def cli(argv: list[str]) -> int:
    """Run ``escalation <argv>`` as experiments.cli.main does, with validate registered."""
    parser = argparse.ArgumentParser(prog="escalation")
    validate.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"escalation: error: {exc}", file=sys.stderr)
        return 2


def rule_runs(rules: list[str]) -> pd.DataFrame:
    """A run table of runs decided by ``rules`` in week 30 (those ending the fighting
    ended in week 10), not followed."""
    ended = [10 if rule in ENDING_RULES else -1 for rule in rules]
    return pd.DataFrame({"rule": rules, "decided_step": 30, "ended_step": ended,
                         "resumed_step": -1, "last_step": 30, "episode_end_step": -1,
                         "recurred_step": -1})


def target_file(tmp_path: Path, body: str, name: str = "target.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


# ------------------------------------------------------------------ the files
def test_both_shipped_files_load():
    names = {path.stem for path in SHIPPED}
    assert {"interstate_war_endings", "no_great_power_war"} <= names
    endings = load_targets(ROOT / "model/targets/interstate_war_endings.toml")
    assert endings.among == "ended"
    shares = {p.name: (p.k, p.n, p.rules) for p in endings.patterns}
    assert shares == {"peace_agreement": (14, 66, ("settlement",)),
                      "ceasefire": (15, 66, ("unsettled_truce",)),
                      "victory": (20, 66, ("imposed",)),
                      "low_activity": (17, 66, ("stalemate",))}
    assert sum(p.k for p in endings.patterns) == 66
    for p in endings.patterns:
        assert p.low < p.value < p.high
    assert "Kreutz" in endings.citation and "47(2)" in endings.citation
    war = load_targets(ROOT / "model/targets/no_great_power_war.toml")
    (bound,) = war.patterns
    assert (war.among, war.horizon_weeks) == ("all", 156)
    assert (bound.kind, bound.upper, bound.lower) == ("bound", 0.05, None)
    assert set(bound.rules) == {"nuclear_use", "direct_clash"}
    assert "rule of three" in bound.reasoning


def test_outcomes_resolve_to_their_rules_and_other_forms_load(tmp_path):
    body = GOOD.replace('among = "ended"', 'among = "all"') + """
[[patterns]]
name = "escalation"
description = "escalated"
outcomes = ["escalated"]
value = 0.1
low = 0.05
high = 0.2

[[patterns]]
name = "band"
description = "frozen"
outcomes = ["frozen"]
lower = 0.1
upper = 0.4
"""
    loaded = load_targets(target_file(tmp_path, body))
    _, escalation, band = loaded.patterns
    assert escalation.rules == ("nuclear_use", "direct_clash")
    assert (escalation.value, escalation.low, escalation.high) == (0.1, 0.05, 0.2)
    assert (band.low, band.high, band.value) == (0.1, 0.4, None)
    assert band.rules == ("unsettled_truce", "stalemate")


# ------------------------------------------------------------------ malformed files
MALFORMED = {
    "missing target key": (GOOD.replace('citation = "Nobody (2020). Nothing. Journal 1(1): '
                                        '1-2."\n', ""), "target.citation"),
    "missing pattern key": (GOOD.replace('description = "settlements"\n', ""),
                            "patterns[0].description"),
    "missing n": (GOOD.replace("n = 66\n", ""), "patterns[0].n"),
    "missing target table": ("[[patterns]]" + GOOD.split("[[patterns]]")[1],
                             "target"),
    "no patterns": (GOOD.split("[[patterns]]")[0], "patterns"),
    "wrong type k": (GOOD.replace("k = 14", 'k = "14"'), "patterns[0].k"),
    "fractional n": (GOOD.replace("n = 66", "n = 66.5"), "patterns[0].n"),
    "wrong type among": (GOOD.replace('among = "ended"', "among = 3"), "target.among"),
    "among not a choice": (GOOD.replace('among = "ended"', 'among = "some"'), "target.among"),
    "wrong type rules": (GOOD.replace('rules = ["settlement"]', 'rules = "settlement"'),
                         "patterns[0].rules"),
    "unknown target key": (GOOD.replace('among = "ended"', 'among = "ended"\nyear = 2010'),
                           "target.year"),
    "unknown pattern key": (GOOD.replace("k = 14", "k = 14\nvlaue = 0.2"),
                            "patterns[0].vlaue"),
    "unknown top-level table": (GOOD + "\n[extra]\na = 1\n", "extra"),
    "unknown rule": (GOOD.replace('["settlement"]', '["settlement", "truce"]'),
                     "patterns[0].rules[1]"),
    "unknown outcome": (GOOD.replace('rules = ["settlement"]', 'outcomes = ["peace"]'),
                        "patterns[0].outcomes[0]"),
    "rules and outcomes": (GOOD.replace('rules = ["settlement"]',
                                        'rules = ["settlement"]\noutcomes = ["negotiated"]'),
                           "patterns[0].outcomes"),
    "k above n": (GOOD.replace("k = 14", "k = 67"), "patterns[0].k"),
    "negative k": (GOOD.replace("k = 14", "k = -1"), "patterns[0].k"),
    "upper above one": (GOOD.replace("k = 14\nn = 66", "upper = 1.5"), "patterns[0].upper"),
    "value below zero": (GOOD.replace("k = 14\nn = 66", "value = -0.1\nlow = 0.0\nhigh = 0.2"),
                         "patterns[0].value"),
    "value outside its interval": (GOOD.replace("k = 14\nn = 66",
                                                "value = 0.5\nlow = 0.1\nhigh = 0.2"),
                                   "patterns[0].value"),
    "lower above upper": (GOOD.replace("k = 14\nn = 66", "lower = 0.5\nupper = 0.2"),
                          "patterns[0].lower"),
    "two forms": (GOOD.replace("k = 14", "k = 14\nupper = 0.5"), "patterns[0].upper"),
    "no form": (GOOD.replace("k = 14\nn = 66\n", ""), "patterns[0].k"),
    "ended with a non-ending rule": (GOOD.replace('["settlement"]', '["settlement", "horizon"]'),
                                     "patterns[0].rules[1]"),
    "ended with escalated": (GOOD.replace('rules = ["settlement"]', 'outcomes = ["escalated"]'),
                             "patterns[0].outcomes[0]"),
    "repeated pattern name": ("\n".join([GOOD, GOOD.split("\n\n")[1]]),
                              "patterns[1].name"),
    "unsafe name": (GOOD.replace('name = "mine"', 'name = "../up"'), "target.name"),
    "malformed TOML": (GOOD.replace("k = 14", "k = = 14"), ""),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_is_a_config_error_naming_file_and_key(tmp_path, case):
    body, key = MALFORMED[case]
    path = target_file(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        load_targets(path)
    assert caught.value.source == str(path)
    assert caught.value.key == key, str(caught.value)
    assert str(caught.value).startswith(f"{path}: {key}")


@pytest.mark.parametrize("case", ["missing target key", "wrong type k", "unknown pattern key",
                                  "unknown rule", "k above n", "upper above one",
                                  "ended with a non-ending rule", "malformed TOML"])
def test_cli_refuses_a_malformed_file_in_one_line_writing_nothing(tmp_path, capsys, case):
    body, key = MALFORMED[case]
    path = target_file(tmp_path, body)
    out = tmp_path / "out"
    assert cli(["validate", str(path), "--out", str(out), "--runs", "4", "--quiet"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"escalation: error: {path}: {key}")
    assert not out.exists()


@pytest.mark.parametrize("argv", [["--runs", "0"], ["--runs", "many"], ["--seed", "-1"],
                                  ["--set", "nonsense=1"], ["--set", "horizon_weeks=0"],
                                  ["--scenario", "no_such_scenario"]])
def test_cli_refuses_bad_options_writing_nothing(tmp_path, capsys, argv):
    out = tmp_path / "out"
    path = ROOT / "model/targets/no_great_power_war.toml"
    assert cli(["validate", str(path), "--out", str(out), "--quiet", *argv]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1
    assert not out.exists()


# ------------------------------------------------------------------ the comparison
def test_comparison_agrees_disagrees_and_checks_bounds(tmp_path):
    body = """[target]
name = "hand"
description = "hand-made"
source = "here"
citation = "this test"
population = "100 runs"
among = "all"

[[patterns]]
name = "agree"
description = "half settle; the target's interval overlaps"
rules = ["settlement"]
k = 9
n = 20

[[patterns]]
name = "disagree"
description = "a tenth stalemate; the target says most"
outcomes = ["frozen"]
value = 0.8
low = 0.7
high = 0.9

[[patterns]]
name = "holds"
description = "no nuclear use"
rules = ["nuclear_use"]
upper = 0.05

[[patterns]]
name = "violated"
description = "40% reach the horizon; at most 5% may"
rules = ["horizon"]
upper = 0.05

[[patterns]]
name = "lower_violated"
description = "at least 60% must settle"
rules = ["settlement"]
lower = 0.6
"""
    targets = load_targets(target_file(tmp_path, body))
    runs = rule_runs(["settlement"] * 50 + ["stalemate"] * 10 + ["horizon"] * 40)
    table = compare(runs, targets).set_index("pattern")
    assert list(table.index) == ["agree", "disagree", "holds", "violated", "lower_violated"]
    assert table.loc["agree", ["model_k", "model_n"]].tolist() == [50, 100]
    assert table.loc["agree", "model_share"] == 0.5
    assert table.loc["agree", "model_ci_low"] < 0.5 < table.loc["agree", "model_ci_high"]
    assert table["agree"].tolist() == [True, False, True, False, False]
    assert table["verdict"].tolist() == ["agree", "disagree", "bound holds",
                                         "bound violated", "bound violated"]
    assert table.loc["disagree", "model_k"] == 10
    # The figure names the model's interval: Wilson here, a posterior predictive in a
    # calibration's diagnostics.
    assert "Wilson 95%" in validation_figure(table.reset_index()).axes[0].get_xlabel()
    predictive = validation_figure(table.reset_index(), "90% posterior predictive")
    assert "model: 90% posterior predictive" in predictive.axes[0].get_xlabel()


def test_ended_shares_are_taken_among_runs_whose_fighting_ended(tmp_path):
    targets = load_targets(target_file(tmp_path, GOOD))
    runs = rule_runs(["settlement"] * 14 + ["imposed"] * 52 + ["horizon"] * 500
                     + ["direct_clash"] * 30)
    (row,) = compare(runs, targets).to_dict("records")
    assert (row["model_k"], row["model_n"], row["agree"]) == (14, 66, True)
    assert set(ENDING_RULES) < set(RULES)
    none_ended = compare(rule_runs(["horizon"] * 10), targets).iloc[0]
    assert none_ended["model_n"] == 0 and not none_ended["agree"]
    assert verdict(none_ended) == "no runs"


# ------------------------------------------------------------------ end to end
def test_small_run_writes_csv_report_and_figure(tmp_path, capsys):
    out = tmp_path / "out"
    files = [str(ROOT / "model/targets/interstate_war_endings.toml"),
             str(ROOT / "model/targets/no_great_power_war.toml")]
    argv = ["validate", *files, "--runs", "40", "--set", "horizon_weeks=160", "--out",
            str(out), "--executor", "sequential", "--quiet"]
    assert cli(argv) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out / "validation.csv")
    assert len(table) == 5  # one row per pattern of the two files
    assert list(table["pattern"]) == ["peace_agreement", "ceasefire", "victory",
                                      "low_activity", "escalated"]
    assert (table.loc[table["among"] == "all", "model_n"] == 40).all()
    assert table["verdict"].isin(["agree", "disagree", "bound holds", "bound violated",
                                  "no runs"]).all()
    assert "| no_great_power_war | escalated | all |" in printed
    report = (out / "validation.md").read_text(encoding="utf-8")
    assert "horizon 160 weeks" in report and "Kreutz" in report
    png = (out / "figures" / "validation.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert "horizon_weeks = 160" in (out / validate.EXPERIMENT_FILE).read_text()
    # The same command again resumes: nothing re-runs, the same table comes back.
    assert cli(argv) == 0
    assert pd.read_csv(out / "validation.csv").equals(table)
    # A horizon shorter than a file's patterns refer to is refused before anything runs.
    short = tmp_path / "short"
    assert cli(["validate", *files, "--set", "horizon_weeks=52", "--out", str(short)]) == 2
    assert "no_great_power_war needs 156" in capsys.readouterr().err
    assert not short.exists()


def test_escalation_main_knows_validate():
    from experiments.cli import COMMANDS, build_parser

    assert validate in COMMANDS

    assert build_parser().parse_args(["validate", "x.toml"]).func is validate.cmd_validate


# ------------------------------------------------------------------ calibrated scenarios
@pytest.mark.parametrize("option", [["--uncalibrated"], ["--posterior-draws", "2"]])
def test_calibration_options_need_a_calibrated_scenario(tmp_path, capsys, option):
    out = tmp_path / "out"
    path = ROOT / "model/targets/no_great_power_war.toml"
    argv = ["validate", str(path), "--runs", "4", "--out", str(out), "--quiet",
            "--scenario", str(uncalibrated_scenario(tmp_path)), *option]
    assert cli(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "names no posterior" in err, err
    assert not out.exists()


def test_validation_runs_over_posterior_draws_or_before_calibration(tmp_path, capsys):
    from model.scenario import load_scenario

    scenario_file = calibrated_scenario(tmp_path)
    scenario = load_scenario(scenario_file)
    path = str(target_file(tmp_path, GOOD))   # no horizon of its own: 20 weeks will do
    common = ["--scenario", str(scenario_file), "--set", "horizon_weeks=20", "--executor",
              "sequential", "--quiet"]
    drawn = tmp_path / "drawn"
    assert cli(["validate", path, "--runs", "8", "--posterior-draws", "4", "--out", str(drawn),
                *common]) == 0
    assert "posterior_draws = 4" in (drawn / validate.EXPERIMENT_FILE).read_text()
    assert "4 posterior draws" in (drawn / "validation.md").read_text()
    before = tmp_path / "before"
    assert cli(["validate", path, "--runs", "4", "--uncalibrated", "--out", str(before),
                *common]) == 0
    experiment = (before / validate.EXPERIMENT_FILE).read_text()
    for name in scenario.posterior.names:
        assert f"{name} = {getattr(scenario.base_parameters, name)!r}" in experiment, name
    assert "uncalibrated" in (before / "validation.md").read_text()
    capsys.readouterr()
    assert cli(["validate", path, "--runs", "6", "--posterior-draws", "4", "--out",
                str(tmp_path / "bad"), *common]) == 2
    assert "must be a multiple of posterior_draws" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


# ------------------------------------------------------------------ the shipped calibration
def test_the_shipped_posterior_ends_wars_in_time_and_the_seed_is_conditioned(tmp_path):
    """The shipped calibration's acceptance test, on what this round set out to fix (when
    wars end): over 80 posterior draws x 10 runs at the default seed, the share of wars
    still fighting after three years agrees with UCDP's (before calibration 87% were),
    both out-of-sample Correlates of War bounds hold and escalation stays within its
    bound. The seed scenario names the same fit conditioned on the war's age. What the
    fit does not reach (short wars; ceasefires against agreements) is stated in
    docs/CALIBRATION.md."""
    from model.scenario import load_scenario

    calibrated = load_scenario("generic_crisis")
    seed_scenario = load_scenario("paris_moscow_call")
    assert calibrated.posterior is not None, "generic_crisis names no posterior"
    assert seed_scenario.posterior is not None
    conditioned = seed_scenario.posterior.record["conditioned"]
    assert conditioned["base_sha256"] == calibrated.posterior.sha256   # one fit for both
    assert conditioned["age_weeks"] == 175   # 24 February 2022 to 1 July 2025
    targets = ROOT / "model" / "targets"
    files = [targets / f"{name}.toml" for name in
             ("interstate_war_durations", "cow_war_durations", "no_great_power_war")]
    out = tmp_path / "out"
    assert cli(["validate", *map(str, files), "--scenario", "generic_crisis", "--runs",
                "800", "--posterior-draws", "80", "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "validation.csv").set_index(["target", "pattern"])
    verdicts = table["verdict"].to_dict()
    assert verdicts["interstate_war_durations", "fighting_after_156_weeks"] == "agree", table
    assert verdicts["cow_war_durations", "fighting_after_1_year"] == "bound holds", table
    assert verdicts["cow_war_durations", "fighting_after_3_years"] == "bound holds", table
    assert table.loc[("cow_war_durations", "fighting_after_1_year"), "sample"] == (
        "out-of-sample")
    assert verdicts["no_great_power_war", "escalated"] == "bound holds", table


# ------------------------------------------------------------------ in and out of sample
def test_a_leave_one_out_fit_validates_the_file_it_left_out_out_of_sample(tmp_path):
    """Recalibrate a small configuration without one target file, then validate under
    that posterior: the left-out file's patterns are out-of-sample, the others in."""
    from tests.experiments.calibration.files import (
        BASE,
        BOUND,
        DURATIONS,
        UCDP,
        calibration_file,
    )

    priors = {"collapse_capability": (0.05, 0.3), "settlement_rate": (0.01, 0.5)}
    config = calibration_file(tmp_path, [UCDP, BOUND, DURATIONS], priors, BASE,
                              generations=2, population=10, runs_per_particle=6,
                              predictive_draws=2, predictive_runs=4)
    fitted = tmp_path / "fit"
    assert main(["calibrate", str(config), "--out", str(fitted), "--leave-out",
                 "interstate_war_durations", "--executor", "sequential", "--quiet"]) == 0
    from model.posterior import load_posterior

    posterior = load_posterior(fitted / "posterior.parquet")
    assert posterior.targets == ("interstate_war_endings", "no_great_power_war")
    out = tmp_path / "validate"
    assert cli(["validate", str(UCDP), str(DURATIONS), "--scenario",
                str(uncalibrated_scenario(tmp_path)), "--posterior",
                str(fitted / "posterior.parquet"), "--runs", "40", "--out", str(out),
                "--executor", "sequential", "--quiet"]) == 0
    table = pd.read_csv(out / "validation.csv")
    samples = dict(zip(table["target"], table["sample"], strict=False))
    assert samples == {"interstate_war_endings": "in-sample",
                       "interstate_war_durations": "out-of-sample"}
    document = (out / "validation.md").read_text(encoding="utf-8")
    assert "out-of-sample: " in document and "in-sample: " in document


def test_leave_out_must_name_one_of_the_files(tmp_path, capsys):
    from tests.experiments.calibration.files import BOUND, PRIORS, UCDP, calibration_file

    config = calibration_file(tmp_path, [UCDP, BOUND], PRIORS, {})
    assert main(["calibrate", str(config), "--out", str(tmp_path / "o"), "--leave-out",
                 "nothing_like_it"]) == 2
    assert "--leave-out" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_the_sample_column_says_uncalibrated_without_a_posterior(tmp_path):
    runs = rule_runs(["settlement", "imposed"])
    targets = load_targets(ROOT / "model/targets/interstate_war_endings.toml")
    assert set(compare(runs, targets)["sample"]) == {"uncalibrated"}
    assert set(compare(runs, targets, ("interstate_war_endings",))["sample"]) == {"in-sample"}
    assert set(compare(runs, targets, ("other",))["sample"]) == {"out-of-sample"}


def test_a_scenario_files_own_episode_gap_lengthens_the_runs_too(tmp_path, capsys):
    """A scenario that sets a longer episode_gap_weeks in its [parameters] needs longer
    runs to read the duration targets, as a --set one does: a shorter horizon is refused
    before anything is written."""
    text = uncalibrated_scenario(tmp_path).read_text(encoding="utf-8")
    scenario = tmp_path / "long_gap.toml"
    scenario.write_text(text + "\n[parameters]\nepisode_gap_weeks = 104\n", encoding="utf-8")
    out = tmp_path / "out"
    durations = ROOT / "model/targets/interstate_war_durations.toml"
    assert cli(["validate", str(durations), "--scenario", str(scenario), "--set",
                "horizon_weeks=208", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "horizon_weeks: 208 weeks, but interstate_war_durations needs 260" \
        in err[0]
    assert not out.exists()

