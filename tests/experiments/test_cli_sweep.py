"""`escalation sweep`: the printed table; every bad input exits 2, in one line, writing nothing."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.chunk_store import read_manifest
from experiments.cli import main

TINY = """[experiment]
name = "tiny"
scenario = "paris_moscow_call"
replications = {reps}
seed = 3
horizon = 12
chunk_size = 4

[vary]
channel_open = [true, false]
"""


def sweep_file(tmp_path: Path, text: str | None = None, reps: int = 4,
               name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(text if text is not None else TINY.format(reps=reps), encoding="utf-8")
    return path


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sweep_prints_the_outcome_table(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(sweep_file(tmp_path)), "--out", str(out), "--executor",
                 "sequential", "--quiet"]) == 0
    printed = capsys.readouterr().out.splitlines()
    # plain titles, the parameter's name beneath; imposed terms apart from settlements
    assert re.split(r"\s{2,}", printed[0].strip()) == [
        "point", "channel open (the call)", "runs", "negotiated (settlement)",
        "negotiated (imposed)", "frozen", "escalated", "ongoing"]
    assert printed[1].split() == ["channel_open"]
    assert printed[2].split()[:3] == ["0", "true", "4"]
    assert printed[4].startswith("all 2 points pooled") and printed[4].split()[4] == "8"
    notes = "\n".join(printed[5:])
    assert notes.startswith("% of runs [Wilson 95% interval].")
    assert "negotiated (imposed) = an army collapsed" in notes
    assert "pooled row mixes the 2 points" in notes
    assert "Scenario paris_moscow_call, horizon 12 weeks" in notes
    assert "4 runs at the scenario's calibrated point values (no posterior draws)" in notes
    for name in ("summary.csv", "summary_overall.csv", "manifest.json",
                 "figures/outcome_shares.png"):
        assert (out / name).is_file()


def test_default_output_folder_is_outputs_experiment(tmp_path, monkeypatch, capsys):
    config = sweep_file(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(config), "--executor", "sequential", "--quiet",
                 "--replications", "2"]) == 0
    assert read_manifest(tmp_path / "outputs" / "tiny")["runs_total"] == 4


BAD_FILES = {
    "malformed": "[experiment\nname =",
    "unknown parameter": TINY.format(reps=2) + "warp_speed = [1, 2]\n",
    "empty list": TINY.format(reps=2).replace("[true, false]", "[]"),
    "negative replications": TINY.format(reps=-2),
    "zero replications": TINY.format(reps=0),
    "unknown key": TINY.format(reps=2).replace("[vary]", "colour = 'red'\n[vary]"),
    "unknown design": TINY.format(reps=2).replace("[vary]", "design = 'random'\n[vary]"),
    "bad range": TINY.format(reps=2) + "aid_reliability = { low = 0.9, high = 0.1, num = 3 }\n",
    "bad type": TINY.format(reps=2).replace("seed = 3", "seed = 'three'"),
    "value out of range": TINY.format(reps=2) + "aid_reliability = [0.5, 7]\n",
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_sweep_files_exit_2_in_one_line_and_write_nothing(tmp_path, capsys, case):
    config = sweep_file(tmp_path, BAD_FILES[case])
    out = tmp_path / "out"
    assert main(["sweep", str(config), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith(f"escalation: error: {config}")
    assert not out.exists()


BAD_OPTIONS = [
    (["--replications", "-3"], "--replications: -3"),
    (["--replications", "many"], "--replications: many"),
    (["--executor", "gpu"], "--executor: gpu: unknown executor"),
    (["--workers", "0"], "--workers: 0"),
    (["--executor", "processes", "--scheduler", "tcp://127.0.0.1:1"], "needs --executor dask"),
    (["--scheduler", f"tcp://127.0.0.1:{closed_port()}"], "no dask scheduler answered within 5 s"),
    (["--executor", "dask", "--scheduler", "not-an-address"],
     "--scheduler: not-an-address: bad scheduler address"),
]


@pytest.mark.parametrize("options, message", BAD_OPTIONS, ids=[o[1] for o in BAD_OPTIONS])
def test_bad_options_exit_2_in_one_line_and_write_nothing(tmp_path, capsys, options, message):
    out = tmp_path / "out"
    assert main(["sweep", str(sweep_file(tmp_path)), "--out", str(out), *options]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1, captured.err
    assert message in captured.err
    assert not out.exists()


def test_a_different_sweep_in_the_same_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(sweep_file(tmp_path)), "--out", str(out), "--executor",
                 "sequential", "--quiet"]) == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    capsys.readouterr()
    other = sweep_file(tmp_path, TINY.format(reps=4).replace("seed = 3", "seed = 4"), name="b.toml")
    assert main(["sweep", str(other), "--out", str(out), "--executor", "sequential"]) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1
    assert "holds results of a different sweep" in error
    assert main(["sweep", str(sweep_file(tmp_path)), "--out", str(out), "--replications", "9",
                 "--executor", "sequential"]) == 2
    assert "replications" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_the_installed_command_exits_2_on_bad_input(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "experiments.cli", "sweep",
                           str(sweep_file(tmp_path, BAD_FILES["empty list"])), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "vary.channel_open: empty list" in done.stderr
    assert not out.exists()
