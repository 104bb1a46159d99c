"""The `escalation` CLI: one run's files, listings, and every bad input (exit 2, one line)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model.scenario import SCENARIO_DIR

SEED_SCENARIO = (SCENARIO_DIR / "paris_moscow_call.toml").read_text(encoding="utf-8")
CATALOGUE = (Path(__file__).parents[2] / "model" / "data" / "actions.toml").read_text(
    encoding="utf-8")


def escalation(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_run_prints_a_summary_and_writes_three_files(tmp_path):
    out = tmp_path / "run"
    result = escalation("run", "--seed", "3", "--steps", "40", "--set", "freeze_weeks=100",
                        "--out", str(out))
    assert result.returncode == 0, result.stderr
    for word in ("outcome", "week", "rule", "past Kahn's threshold", "overrides", "actions"):
        assert word in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["outcome"] == "ongoing" and summary["decided_step"] == 40
    assert summary["parameters"]["horizon_weeks"] == 40
    series = pd.read_csv(out / "timeseries.csv")
    assert len(series) == 41 and {"escalation_score", "tension", "territory_attacker",
                                  "cohesion_NATO", "aid_flow", "weariness_defender",
                                  "channel_open", "truce", "actions_cyber"} <= set(series)
    actions = pd.read_csv(out / "actions.csv")
    assert list(actions.columns) == ["step", "actor", "action", "target", "instrument",
                                     "covert", "score", "rung", "attributed_to"]
    assert actions["step"].max() == 40
    assert sum(summary["actions_by_instrument"].values()) == len(actions)


def test_scenarios_lists_both_with_a_description():
    result = escalation("scenarios")
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert {line.split()[0] for line in lines} == {"paris_moscow_call", "generic_crisis"}
    assert all(len(line.split()) > 3 for line in lines)


def test_run_takes_a_scenario_file_path(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(SEED_SCENARIO.replace('name = "paris_moscow_call"', 'name = "mine"'))
    result = escalation("run", "--scenario", str(path), "--steps", "5", "--out",
                        str(tmp_path / "o"))
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["scenario"] == "mine"


def _bad_scenario(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return str(path)


def _bad_catalogue(tmp_path: Path, catalogue: str) -> str:
    (tmp_path / "actions.toml").write_text(catalogue)
    scenario = SEED_SCENARIO.replace('initial_rung = 12',
                                     'initial_rung = 12\ncatalogue = "actions.toml"')
    return _bad_scenario(tmp_path, scenario)


BAD_INPUTS = {
    "unknown scenario": (lambda t: ["--scenario", "atlantis"], "atlantis"),
    "missing scenario file": (lambda t: ["--scenario", str(t / "nope.toml")], "not found"),
    "unknown parameter": (lambda t: ["--set", "bravery=3"], "bravery"),
    "wrong type": (lambda t: ["--set", "temperature=hot"], "temperature"),
    "bool of wrong type": (lambda t: ["--set", "channel_open=maybe"], "channel_open"),
    "out of range": (lambda t: ["--set", "aid_reliability=1.5"], "aid_reliability"),
    "not KEY=VALUE": (lambda t: ["--set", "temperature"], "KEY=VALUE"),
    "negative steps": (lambda t: ["--steps", "-3"], "horizon_weeks"),
    "malformed scenario TOML": (
        lambda t: ["--scenario", _bad_scenario(t, "[scenario\nname=")], "malformed TOML"),
    "scenario value out of range": (
        lambda t: ["--scenario", _bad_scenario(t, SEED_SCENARIO.replace(
            "territory = 0.19", "territory = 1.9"))], "war.territory"),
    "scenario parameter of wrong type": (
        lambda t: ["--scenario", _bad_scenario(t, SEED_SCENARIO.replace(
            "multilateral_pressure = 0.3", 'multilateral_pressure = "high"'))],
        "parameters.multilateral_pressure"),
    "scenario unknown key": (
        lambda t: ["--scenario", _bad_scenario(t, SEED_SCENARIO.replace(
            "siege = 0.4", "siege = 0.4\nsnow = 1"))], "war.snow"),
    "event naming an unknown actor": (
        lambda t: ["--scenario", _bad_scenario(t, SEED_SCENARIO.replace(
            'actor = "United States"\nweeks = 8', 'actor = "Atlantis"\nweeks = 8'))],
        "Atlantis"),
    "alliance naming an unknown actor": (
        lambda t: ["--scenario", _bad_scenario(t, SEED_SCENARIO.replace(
            'members = ["France", "Germany"]', 'members = ["France", "Prussia"]'))],
        "alliances.EU.members"),
    "belligerent without capability": (
        lambda t: ["--scenario", _bad_scenario(t, SEED_SCENARIO.replace(
            "capability = 0.55\n", ""))], "actors.Ukraine.capability"),
    "scheduled action without its target": (
        lambda t: ["--scenario", _bad_scenario(t, SEED_SCENARIO.replace(
            'action = "inform_allies"\ntarget = "Ukraine"', 'action = "inform_allies"'))],
        "target"),
    "malformed catalogue": (
        lambda t: ["--scenario", _bad_catalogue(t, CATALOGUE.replace(
            '[actions.wait]\ninstrument = "status_quo"', '[actions.wait]\ninstrument = "magic"'))],
        "actions.wait.instrument"),
    "catalogue action naming an unknown actor": (
        lambda t: ["--scenario", _bad_catalogue(t, CATALOGUE.replace(
            'by = ["mediator"]', 'by = ["Atlantis"]'))], "actions.mediate.by"),
    "catalogue target effect on an untargeted action": (
        lambda t: ["--scenario", _bad_catalogue(t, CATALOGUE.replace(
            "effects = { defence = 1.0, siege = -0.1 }",
            "effects = { defence = 1.0, siege = -0.1, hostility = 0.2 }"))],
        "actions.consolidate_defence.effects.hostility"),
    "catalogue score off the Rivera scale": (
        lambda t: ["--scenario", _bad_catalogue(t, CATALOGUE.replace(
            'score = 60', 'score = 50'))], "actions.nuclear_use.score"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, case):
    make_args, must_mention = BAD_INPUTS[case]
    out = tmp_path / "out"
    result = escalation("run", *make_args(tmp_path), "--out", str(out))
    assert result.returncode == 2, (case, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 or lines[0].startswith("usage:"), result.stderr
    assert "Traceback" not in result.stderr
    assert must_mention in result.stderr
    assert not out.exists()


def test_model_constructor_rejects_bad_overrides_with_the_key():
    from model.checks import ConfigError
    from model.model import EscalationModel

    with pytest.raises(ConfigError, match="temperature"):
        EscalationModel(temperature=-1)
    with pytest.raises(ConfigError, match="unknown parameter"):
        EscalationModel(bravery=1)


def test_mesa_batch_run_works_unchanged():
    import mesa

    from model.model import EscalationModel

    rows = mesa.batch_run(EscalationModel, parameters={"multilateral_pressure": [0.2, 0.9],
                                                       "record_actions": False},
                          rng=[1, 2], max_steps=30, number_processes=1, display_progress=False)
    assert len(rows) == 4
    assert {"outcome", "rule", "escalation_score", "tension", "multilateral_pressure"} <= \
        set(rows[0])
    assert all(row["Step"] <= 30 for row in rows)


def test_version_prints_the_installed_version_on_stdout(capsys):
    from importlib.metadata import version

    from experiments.cli import main

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"escalation {version('hybrid-escalation')}\n"


def test_trace_prints_a_mechanism_chain_week_by_week(capsys):
    from experiments.cli import main

    assert main(["trace", "military_collapse", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## military_collapse: paris_moscow_call, seed 4")
    assert "| week | what happened |" in out
    assert "*capability_attacker" in out                      # the followed series
    assert "**End:** negotiated by rule `imposed`" in out     # the chain's end
    assert main(["trace", "military_collapse", "--seed", "4", "--off"]) == 0
    assert "rule `imposed`" not in capsys.readouterr().out    # switched off: no collapse


def test_trace_shows_the_nuclear_ultimatum_before_the_coerced_truce(capsys):
    from experiments.cli import main

    assert main(["trace", "nuclear_threats"]) == 0   # the setting's trace_seed, 10
    out = capsys.readouterr().out
    assert out.startswith("## nuclear_threats: paris_moscow_call, seed 10")
    ultimatum = out.index("Russia nuclear_ultimatum → Ukraine")
    assert ultimatum < out.index("Ukraine accept_truce → Russia", ultimatum)
    assert ("**End:** frozen by rule `unsettled_truce`" in out
            or "**End:** negotiated by rule `settlement`" in out)   # the truce, settled or not
    assert main(["trace", "nuclear_threats", "--seed", "10", "--off"]) == 0
    out = capsys.readouterr().out
    assert "nuclear_ultimatum" not in out and "rule `horizon`" in out


@pytest.mark.parametrize("args, where", [
    (["trace", "melting_point"], "mechanism: melting_point:"),
    (["trace", "hybrid_spiral", "--seed", "-1"], "--seed: -1:"),
    (["trace", "hybrid_spiral", "--scenario", "atlantis"], "atlantis"),
])
def test_trace_refuses_bad_input_in_one_line(capsys, args, where):
    from experiments.cli import main

    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and where in captured.err


def test_run_echoes_its_overrides_and_names_its_folder_by_them(tmp_path, monkeypatch, capsys):
    from experiments.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["run", "--seed", "3", "--steps", "6", "--set",
                 "multilateral_pressure=0.7"]) == 0
    out = capsys.readouterr().out
    assert "overrides  multilateral_pressure=0.7, horizon_weeks=6;" in out
    assert "casualties attacker about " in out and " thousand (notional troops" in out
    assert "past Kahn's thresholds 'don't rock the boat' and 'nuclear war is unthinkable' " \
           "(above rungs 3 and 9): where the scenario starts, not an event" in out
    first = (tmp_path / "outputs"
             / "run_paris_moscow_call_seed3_horizon_weeks=6_multilateral_pressure=0.7")
    assert json.loads((first / "summary.json").read_text())["overrides"] == {
        "multilateral_pressure": 0.7, "horizon_weeks": 6}
    assert main(["run", "--seed", "3", "--steps", "6"]) == 0   # other settings: own folder
    assert (tmp_path / "outputs" / "run_paris_moscow_call_seed3_horizon_weeks=6").is_dir()
    before = (first / "summary.json").read_bytes()
    capsys.readouterr()
    # the same folder for another run is refused; the same run may be written again
    assert main(["run", "--seed", "3", "--steps", "6", "--out", str(first)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds another run" in err and "multilateral_pressure" in err
    assert (first / "summary.json").read_bytes() == before
    assert main(["run", "--seed", "3", "--steps", "6", "--set", "multilateral_pressure=0.7",
                 "--out", str(first)]) == 0


def test_params_of_a_scenario_lists_the_values_its_runs_use(capsys):
    from experiments.cli import main
    from model.scenario import load_scenario

    scenario = load_scenario("paris_moscow_call")
    assert main(["params", "--scenario", "paris_moscow_call"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == (f"== calibrated ({len(scenario.posterior.names)}): by the posterior "
                        "paris_moscow_call")
    row = next(line for line in lines if line.startswith("collapse_capability "))
    low = scenario.posterior.quantiles(0.05)["collapse_capability"]
    assert row.split()[1:3] == ["*", f"{scenario.parameters.collapse_capability:.6g}"]
    assert f"90%: {low:.3g}–" in row and "default 0.2)" in row
    horizon = next(line for line in lines if line.startswith("horizon_weeks "))
    assert horizon.split()[1:3] == ["156", "weeks"]   # unmarked: the model's default
    assert main(["params"]) == 0
    assert "`escalation params --scenario NAME`" in capsys.readouterr().out
    assert main(["params", "--scenario", "atlantis"]) == 2


def test_a_closed_pipe_ends_quietly():
    done = subprocess.Popen([sys.executable, "-m", "experiments.cli", "params"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done.stdout.close()   # the reader is gone before the listing is written (`| head -0`)
    assert done.stderr.read() == b"" and done.wait(timeout=60) == 141
