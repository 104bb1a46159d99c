"""Results that cannot be silently wrong: names that stay in their folder, errors that
cross process boundaries, total input validation, and the Python API's argument types.

Every bad input is one line on stderr (``escalation: error: <source>: <key>: <problem>``),
exit status 2, nothing written and no traceback.
"""

from __future__ import annotations

import errno
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tests.experiments.commands import assert_one_line_error, cli
from tests.experiments.sweeps import MINI, SEED_SCENARIO

ROOT = Path(__file__).parents[2]
CATALOGUE = (ROOT / "model" / "data" / "actions.toml").read_text(encoding="utf-8")


def scenario_file(tmp_path: Path, text: str, name: str = "s.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def sweep_file(tmp_path: Path, text: str, name: str = "sweep.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def nothing_in(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


# ----------------------------------------------------------------- 5. no path escapes
ESCAPING = ["x/../../../../escape_run", "../up", "..", ".hidden", "a\\b", "/abs", "a b",
            "a\0b", "", "x" * 101, "é", "a..b", "-dash"]


@pytest.mark.parametrize("name", ESCAPING)
def test_a_scenario_name_cannot_leave_the_output_folder(tmp_path, capfd, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    text = SEED_SCENARIO.replace('name = "paris_moscow_call"',
                                 f'name = "{name.replace(chr(92), chr(92) * 2)}"'
                                 .replace("\0", "\\u0000"))
    status, err = cli(capfd, "run", "--scenario", scenario_file(tmp_path, text), "--steps", "2")
    assert_one_line_error(status, err, "s.toml", "scenario.name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


@pytest.mark.parametrize("name", ESCAPING)
def test_an_experiment_name_cannot_leave_the_output_folder(tmp_path, capfd, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    text = MINI.replace('name = "mini"', f'name = "{name.replace(chr(92), chr(92) * 2)}"'
                         .replace("\0", "\\u0000"))
    status, err = cli(capfd, "sweep", sweep_file(tmp_path, text), "--executor", "sequential")
    assert_one_line_error(status, err, "sweep.toml", "experiment.name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.toml"]


def test_a_run_writes_only_under_outputs(tmp_path, capfd, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, _ = cli(capfd, "run", "--steps", "2", "--seed", "7")
    assert status == 0
    assert (tmp_path / "outputs" / "run_paris_moscow_call_seed7_horizon_weeks=2"
            / "summary.json").exists()   # named by its overrides too


# ----------------------------------------------------------------- 6. errors cross processes
def test_mesa_batch_run_with_processes_raises_a_bad_parameter_promptly(tmp_path):
    script = textwrap.dedent("""
        import mesa
        from model.model import EscalationModel
        from model.checks import ConfigError
        if __name__ == "__main__":
            try:
                mesa.batch_run(EscalationModel, parameters={"warp": 1}, rng=[1, 2],
                               max_steps=3, number_processes=2, display_progress=False)
            except ConfigError as exc:
                print("ConfigError:", exc)
    """)
    path = tmp_path / "batch.py"
    path.write_text(script)
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                            timeout=90, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "ConfigError: model arguments: warp: unknown parameter" in result.stdout, \
        result.stderr[-2000:]


# ----------------------------------------------------------------- 7. total input validation
def _scenario(t: Path, old: str, new: str) -> list[str]:
    assert old in SEED_SCENARIO, old
    return ["--scenario", scenario_file(t, SEED_SCENARIO.replace(old, new, 1))]


def _catalogue(t: Path, old: str, new: str) -> list[str]:
    assert old in CATALOGUE, old
    (t / "actions.toml").write_text(CATALOGUE.replace(old, new, 1), encoding="utf-8")
    return _scenario(t, "initial_rung = 12", 'initial_rung = 12\ncatalogue = "actions.toml"')


def _fifo(t: Path) -> list[str]:
    os.mkfifo(t / "fifo.toml")
    return ["--scenario", str(t / "fifo.toml")]


def _unreadable(t: Path) -> list[str]:
    path = Path(scenario_file(t, SEED_SCENARIO))
    path.chmod(0)
    return ["--scenario", str(path)]


def _scenario_is_folder(t: Path) -> list[str]:
    (t / "dir.toml").mkdir()
    return ["--scenario", str(t / "dir.toml")]


RUN_INPUTS = {
    # --set and --steps: numbers beyond range, type and float
    "--set horizon_weeks=inf": (lambda t: ["--set", "horizon_weeks=inf"], "horizon_weeks"),
    "--set horizon_weeks=1e400": (lambda t: ["--set", "horizon_weeks=1e400"], "horizon_weeks"),
    "--set horizon_weeks=nan": (lambda t: ["--set", "horizon_weeks=nan"], "horizon_weeks"),
    "--set horizon_weeks=2.5": (lambda t: ["--set", "horizon_weeks=2.5"], "horizon_weeks"),
    "--set temperature=nan": (lambda t: ["--set", "temperature=nan"], "temperature"),
    "--set temperature=-inf": (lambda t: ["--set", "temperature=-inf"], "temperature"),
    "--set temperature=1e400": (lambda t: ["--set", "temperature=1e400"], "temperature"),
    "--set with a newline": (lambda t: ["--set", "temperature=1\n2"], "temperature"),
    "--steps 0": (lambda t: ["--steps", "0"], "--steps"),
    "--steps 99999": (lambda t: ["--steps", "99999"], "--steps"),
    "--steps -3": (lambda t: ["--steps", "-3"], "horizon_weeks"),
    "--steps 1e3": (lambda t: ["--steps", "1e3"], "--steps"),
    "--steps inf": (lambda t: ["--steps", "inf"], "--steps"),
    "--steps with --set horizon_weeks": (
        lambda t: ["--steps", "5", "--set", "horizon_weeks=5"], "--steps"),
    "--seed -1": (lambda t: ["--seed", "-1"], "--seed"),
    "--seed 2**63": (lambda t: ["--seed", str(2**63)], "--seed"),
    "--seed 10**5000": (lambda t: ["--seed", "9" * 5000], "--seed"),
    "--seed 1.5": (lambda t: ["--seed", "1.5"], "--seed"),
    # scenario names and paths
    "--scenario with NUL": (lambda t: ["--scenario", "a\0b.toml"], "not found"),
    "--scenario name too long": (lambda t: ["--scenario", "x" * 300 + ".toml"], "not found"),
    "--scenario shipped name too long": (lambda t: ["--scenario", "x" * 300], "unknown"),
    "--scenario is a FIFO": (_fifo, "not found"),
    "--scenario is a folder": (_scenario_is_folder, "not found"),
    "--scenario unreadable": (_unreadable, "permission denied"),
    # scenario files: numbers, types and nesting
    "scenario whole number inf": (
        lambda t: _scenario(t, "initial_rung = 12", "initial_rung = inf"), "initial_rung"),
    "scenario whole number 1e400": (
        lambda t: _scenario(t, "initial_rung = 12", "initial_rung = 1e400"), "initial_rung"),
    "scenario whole number 10**30": (
        lambda t: _scenario(t, "initial_rung = 12", "initial_rung = " + "9" * 30),
        "initial_rung"),
    "scenario integer of 5000 digits": (
        lambda t: _scenario(t, "initial_rung = 12", "initial_rung = " + "9" * 5000),
        "malformed TOML"),
    "scenario parameter nan": (
        lambda t: _scenario(t, "multilateral_pressure = 0.3", "multilateral_pressure = nan"),
        "parameters.multilateral_pressure"),
    "scenario parameter horizon inf": (
        lambda t: _scenario(t, "[parameters]", "[parameters]\nhorizon_weeks = inf"),
        "parameters.horizon_weeks"),
    "deeply nested array": (
        lambda t: _scenario(t, "initial_rung = 12", "initial_rung = " + "[" * 5000 + "]" * 5000),
        "nested too deeply"),
    "nested array of moderate depth": (
        lambda t: _scenario(t, "initial_rung = 12", "initial_rung = " + "[" * 50 + "]" * 50),
        "initial_rung"),
    "events = 5": (
        lambda t: ["--scenario", scenario_file(t, SEED_SCENARIO.split("[[events]]")[0]
                                               .replace("[scenario]", "events = 5\n[scenario]"))],
        "events"),
    "catalogue = 5": (
        lambda t: _scenario(t, "initial_rung = 12", "initial_rung = 12\ncatalogue = 5"),
        "scenario.catalogue"),
    "catalogue with NUL": (
        lambda t: _scenario(t, "initial_rung = 12",
                            'initial_rung = 12\ncatalogue = "a\\u0000b.toml"'),
        "cannot be read"),
    "alliance member not a string": (
        lambda t: _scenario(t, 'members = ["France", "Germany"]', 'members = ["France", 5]'),
        "alliances.EU.members"),
    "alliance member a list": (
        lambda t: _scenario(t, 'members = ["France", "Germany"]',
                            'members = ["France", ["Germany"]]'), "alliances.EU.members"),
    "duplicate alliance member": (
        lambda t: _scenario(t, 'members = ["France", "Germany"]',
                            'members = ["France", "Germany", "France"]'), "listed twice"),
    "attacker not a string": (
        lambda t: _scenario(t, 'attacker = "Russia"', 'attacker = ["Russia"]'), "war.attacker"),
    "event action not a string": (
        lambda t: _scenario(t, 'action = "inform_allies"', "action = 5"), "].action"),
    "event target a table": (
        lambda t: _scenario(t, 'target = "Ukraine"', "target = { a = 1 }"), "].target"),
    "clash_alliance a list": (
        lambda t: _scenario(t, 'clash_alliance = "NATO"', "clash_alliance = [1]"),
        "outcome.clash_alliance"),
    "clash_adversary a number": (
        lambda t: _scenario(t, 'clash_adversary = "Russia"', "clash_adversary = 5"),
        "outcome.clash_adversary"),
    "scenario name of 300 characters": (
        lambda t: _scenario(t, 'name = "paris_moscow_call"', f'name = "{"x" * 300}"'),
        "scenario.name"),
    "scenario key with a newline": (
        lambda t: _scenario(t, "[war]", '[war]\n"a\\nb" = 1'), "war.a\\nb"),
    "scenario not UTF-8": (
        lambda t: ["--scenario", _write_bytes(t, b"\xff\xfe[x]")],
        "malformed TOML"),
    "catalogue description not a string": (
        lambda t: _catalogue(t, 'description = "Do nothing new this week."', "description = 5"),
        "actions.wait.description"),
    "catalogue rung inf": (
        lambda t: _catalogue(t, "score = 60", "score = inf"), "actions.nuclear_use.score"),
}


def _write_bytes(t: Path, data: bytes) -> str:
    path = t / "bytes.toml"
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("case", list(RUN_INPUTS))
def test_bad_run_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capfd, monkeypatch,
                                                              case):
    make_args, must_mention = RUN_INPUTS[case]
    args = make_args(tmp_path)
    if case == "--scenario unreadable" and os.geteuid() == 0:
        # Root reads a file whatever its mode: the open itself says "permission denied".
        unreadable, real_open = Path(args[-1]), Path.open

        def denied(path: Path, *args, **kwargs):
            if path == unreadable:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(Path, "open", denied)
    out = tmp_path / "out"
    status, err = cli(capfd, "run", *args, "--out", str(out))
    assert_one_line_error(status, err, must_mention)
    assert not out.exists()


def test_a_utf8_bom_is_accepted_in_every_file(tmp_path, capfd, monkeypatch):
    import experiments.analysis.figures

    monkeypatch.setattr(experiments.analysis.figures, "make_figures", lambda *a, **k: None)
    bom = "\ufeff"
    (tmp_path / "actions.toml").write_text(bom + CATALOGUE, encoding="utf-8")
    scenario = scenario_file(tmp_path, bom + SEED_SCENARIO.replace(
        "initial_rung = 12", 'initial_rung = 12\ncatalogue = "actions.toml"'), "bom.toml")
    status, err = cli(capfd, "run", "--scenario", scenario, "--steps", "2", "--out",
                      str(tmp_path / "run"))
    assert status == 0, err
    config = sweep_file(tmp_path, bom + MINI.replace('"paris_moscow_call"', '"bom.toml"'))
    status, err = cli(capfd, "sweep", config, "--out", str(tmp_path / "out"), "--executor",
                      "sequential", "--quiet")
    assert status == 0, err


def _grid(axes: int, num: int) -> str:
    names = ["temperature", "cost_weight", "escalation_aversion", "repetition_cost"][:axes]
    return MINI + "[vary]\n" + "".join(
        f"{n} = {{ low = 0.1, high = 0.2, num = {num} }}\n" for n in names)


SWEEP_INPUTS = {
    "grid of 10**16 points": (_grid(4, 10_000), "vary", "points"),
    "grid of 10**8 points": (_grid(2, 10_000).replace("horizon = 3", "horizon = 3") +
                             "repetition_cost = { low = 0.1, high = 0.2, num = 1000 }\n",
                             "vary", "points"),
    "runs beyond the cap": (_grid(2, 1000).replace("replications = 2",
                                                   "replications = 100000"),
                            "experiment.replications", "runs"),
    "replications of 10**30": (MINI.replace("replications = 2", "replications = " + "9" * 30),
                               "experiment.replications", "at most"),
    "saltelli beyond the cap": (MINI.replace("seed = 5", 'seed = 5\ndesign = "saltelli"\n'
                                              "samples = 16777216") +
                                "[vary]\ntemperature = { low = 0.1, high = 0.2 }\n",
                                "experiment.samples", "points"),
    "seed inf": (MINI.replace("seed = 5", "seed = inf"), "experiment.seed", "whole"),
    "horizon inf": (MINI.replace("horizon = 3", "horizon = inf"), "experiment.horizon",
                    "finite"),
    "horizon 1e400": (MINI.replace("horizon = 3", "horizon = 1e400"), "experiment.horizon",
                      "finite"),
    "fixed horizon nan": (MINI.replace("horizon = 3\n", "") + "[fixed]\nhorizon_weeks = nan\n",
                          "fixed.horizon_weeks", "number"),
    "vary value inf": (MINI + "[vary]\ntemperature = [0.1, inf]\n", "vary.temperature[1]",
                       "finite"),
    "range num inf": (MINI + "[vary]\ntemperature = { low = 0.1, high = 0.2, num = inf }\n",
                      "vary.temperature.num", "whole"),
    "chunk_size 1e400": (MINI.replace("seed = 5", "seed = 5\nchunk_size = 1e400"),
                         "experiment.chunk_size", "whole"),
    "name with a path": (MINI.replace('name = "mini"', 'name = "../../up"'),
                         "experiment.name", "plain name"),
    "scenario path with NUL": (MINI.replace('"paris_moscow_call"', '"a\\u0000b.toml"'),
                               "experiment.scenario", "not found"),
    "scenario path too long": (MINI.replace('"paris_moscow_call"', f'"{"x" * 300}.toml"'),
                               "experiment.scenario", "not found"),
    "deeply nested vary": (MINI + "[vary]\ntemperature = " + "[" * 3000 + "]" * 3000 + "\n",
                           "sweep.toml", "nested too deeply"),
    "vary a nested list": (MINI + "[vary]\ntemperature = [[0.1]]\n", "vary.temperature[0]",
                           "number"),
}


@pytest.mark.parametrize("case", list(SWEEP_INPUTS))
def test_bad_sweep_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capfd, case):
    text, key, problem = SWEEP_INPUTS[case]
    out = tmp_path / "out"
    status, err = cli(capfd, "sweep", sweep_file(tmp_path, text), "--out", str(out),
                      "--executor", "sequential", "--quiet")
    assert_one_line_error(status, err, "sweep.toml", key, problem)
    assert not out.exists()


@pytest.mark.parametrize("option, value, problem", [
    ("--workers", str(10**9), "at most"), ("--workers", "9" * 5000, "whole number"),
    ("--workers", "0", "positive"), ("--replications", str(10**12), "at most"),
    ("--replications", "inf", "whole number"),
])
def test_bad_sweep_options_are_one_line(tmp_path, capfd, option, value, problem):
    out = tmp_path / "out"
    status, err = cli(capfd, "sweep", sweep_file(tmp_path, MINI), "--out", str(out),
                      option, value, "--quiet")
    assert_one_line_error(status, err, option, problem)
    assert not out.exists()


def test_a_sweep_file_that_is_a_fifo_is_refused_without_blocking(tmp_path, capfd):
    os.mkfifo(tmp_path / "sweep.toml")
    status, err = cli(capfd, "sweep", str(tmp_path / "sweep.toml"), "--out",
                      str(tmp_path / "out"))
    assert_one_line_error(status, err, "sweep.toml", "not a regular file")


# ----------------------------------------------------------------- 8. the Python API
def test_numpy_overrides_reach_the_model_as_python_values():
    from model.model import EscalationModel

    model = EscalationModel(rng=1, horizon_weeks=np.int64(3), temperature=np.float32(0.5),
                            channel_open=np.bool_(False), record_actions=False)
    assert model.p.horizon_weeks == 3 and type(model.p.horizon_weeks) is int
    assert type(model.p.temperature) is float and model.p.channel_open is False


def test_mesa_batch_run_takes_a_numpy_range():
    import mesa

    from model.model import EscalationModel

    rows = mesa.batch_run(EscalationModel, parameters={"horizon_weeks": np.arange(2, 4),
                                                       "record_actions": False},
                          rng=[1], max_steps=5, number_processes=1, display_progress=False)
    assert sorted(row["horizon_weeks"] for row in rows) == [2, 3]


# These pass once model/model.py calls check_model_arguments (the lead wires it).
def test_the_model_takes_a_numpy_seed_like_an_int():
    from model.model import EscalationModel

    a = EscalationModel(rng=np.int64(42), horizon_weeks=5, record_actions=False)
    b = EscalationModel(rng=42, horizon_weeks=5, record_actions=False)
    a.run_model()
    b.run_model()
    assert a.summary() == b.summary()


@pytest.mark.parametrize("kwargs, error, word", [
    ({"rng": True}, TypeError, "rng"), ({"rng": 42.0}, TypeError, "rng"),
    ({"rng": "42"}, TypeError, "rng"), ({"rng": random.Random()}, TypeError, "rng"),
    ({"record_actions": "no"}, TypeError, "record_actions")])
def test_the_model_refuses_wrong_argument_types_naming_them(kwargs, error, word):
    from model.model import EscalationModel

    with pytest.raises(error, match=word):
        EscalationModel(horizon_weeks=2, **kwargs)
