"""Fault suite: no command writes into what it reads or into a folder it does not own.

Outputs are drawn onto every file a results folder holds (its manifest, chunks,
summaries, figures, lock), into it under other names, into another results folder
(a sweep's or a calibration's), through symbolic links to them, and onto links that
lead nowhere (dangling, loops) or to ``/``; the commands that write a folder are
pointed at a calibration's folder, another sweep's, a non-empty folder of someone
else's and the same links. Each is refused in one line (exit 2, no traceback) before
any work, and nothing anywhere changes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.cli import main
from tests.app.folders import calibration_folder
from tests.experiments.calibration.files import PRIORS, UCDP, calibration_file
from tests.experiments.faults import (
    FAST,
    cli,
    copy_folder,
    counting,
    snapshot,
    sweep_args,
    write_sweep,
)

COUNTS, print_counts = counting("outputs")
ROOT = Path(__file__).resolve().parents[2]
TARGETS = str(ROOT / "model" / "targets" / "no_great_power_war.toml")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path]:
    """A finished sweep (summaries, figures), a second one, a calibration's folder, a
    folder of someone else's, and links: to them, to /, in a loop, to nowhere."""
    base = tmp_path_factory.mktemp("outputs")
    config = write_sweep(base, 12)
    assert main(sweep_args(config, base / "sweep")) == 0
    places = {"config": config, "sweep": base / "sweep",
              "other sweep": copy_folder(base / "sweep"),
              "calibration": calibration_folder(base / "calibration"),
              "foreign": base / "foreign", "links": base / "links",
              "calibration file": calibration_file(base, [UCDP], PRIORS, {})}
    places["foreign"].mkdir()
    (places["foreign"] / "notes.txt").write_text("mine", encoding="utf-8")
    links = places["links"]
    links.mkdir()
    (links / "root").symlink_to("/")
    (links / "loop").symlink_to(links / "loop")
    (links / "dangling").symlink_to(base / "nowhere" / "x")
    (links / "to calibration").symlink_to(places["calibration"])
    (links / "to sweep").symlink_to(places["sweep"])
    (links / "manifest link.csv").symlink_to(places["sweep"] / "manifest.json")
    return places


def unchanged(world: dict[str, Path]) -> dict[str, object]:
    folders = ("sweep", "other sweep", "calibration", "foreign", "links")
    return {**{name: snapshot(world[name]) for name in folders},
            "/": sorted(os.listdir("/"))}


def refused(world: dict[str, Path], args: list[str]) -> str:
    before = unchanged(world)
    status, err = cli(args)
    assert status == 2 and err.count("\n") == 1, (args, err)
    assert err.startswith("escalation: error: ") and "Traceback" not in err
    assert unchanged(world) == before, args
    return err


# ------------------------------------------------------------------ files a reader writes
def file_targets(world: dict[str, Path]) -> list[tuple[str, Path]]:
    sweep, links = world["sweep"], world["links"]
    inside = [(f"its {p.relative_to(sweep)}", p) for p in sorted(sweep.rglob("*"))
              if p.is_file()]
    return [*inside,
            ("a new name in it", sweep / "mine.csv"),
            ("a new name in its figures", sweep / "figures" / "mine.csv"),
            ("a new folder in it", sweep / "new" / "mine.csv"),
            ("a link to its manifest", links / "manifest link.csv"),
            ("another sweep's manifest", world["other sweep"] / "manifest.json"),
            ("a new name in another sweep", world["other sweep"] / "runs.csv"),
            ("a calibration's posterior", world["calibration"] / "posterior.parquet"),
            ("a dangling link", links / "dangling"),
            ("a link loop", links / "loop"),
            ("inside a dangling link", links / "dangling" / "x.csv")]


@settings(FAST, max_examples=24)
@given(data=st.data(), command=st.sampled_from(["export", "discover"]))
def test_a_reader_never_writes_onto_its_folder_or_another_results_folder(world, data,
                                                                        command):
    targets = file_targets(world)
    what, target = data.draw(st.sampled_from(targets))
    err = refused(world, [command, str(world["sweep"]), "--out", str(target)])
    assert "--out" in err, (what, err)
    COUNTS[f"{command} outputs refused"] += 1


def test_a_readers_own_default_file_is_still_written(world, tmp_path):
    sweep = copy_folder(world["sweep"])
    assert main(["export", str(sweep)]) == 0 and (sweep / "runs.csv").exists()
    assert main(["discover", str(sweep), "--outcome", "ongoing"]) == 0
    assert (sweep / "discovery_ongoing.md").exists()
    assert main(["export", str(sweep), "--out", str(tmp_path / "elsewhere.csv")]) == 0


# ------------------------------------------------------------------ folders a command writes
def command_args(world: dict[str, Path], command: str, out: Path) -> list[str]:
    other = write_sweep(world["config"].parent, 16, name="other.toml")   # another sweep
    return {
        "sweep": sweep_args(other, out),
        "sensitivity": ["sensitivity", str(ROOT / "experiments" / "configs" /
                                           "screening_smoke.toml"), "--out", str(out),
                        "--executor", "sequential", "--quiet"],
        "validate": ["validate", TARGETS, "--runs", "2", "--out", str(out), "--executor",
                     "sequential", "--quiet"],
        "calibrate": ["calibrate", str(world["calibration file"]), "--out", str(out),
                      "--executor", "sequential", "--quiet"],
        "run": ["run", "--steps", "2", "--out", str(out)],
        "report": ["report", "--smoke", "--out", str(out), "--executor", "sequential",
                   "--quiet"],
    }[command]


FOLDERS = {"a calibration's": lambda w: w["calibration"],
           "a sweep's": lambda w: w["sweep"],
           "someone else's": lambda w: w["foreign"],
           "a link to /": lambda w: w["links"] / "root",
           "a link loop": lambda w: w["links"] / "loop",
           "a dangling link": lambda w: w["links"] / "dangling",
           "inside a dangling link": lambda w: w["links"] / "dangling" / "out",
           "inside a link loop": lambda w: w["links"] / "loop" / "out",
           "a link to a calibration": lambda w: w["links"] / "to calibration",
           "a link to a sweep": lambda w: w["links"] / "to sweep"}
COMMANDS = ("sweep", "sensitivity", "validate", "calibrate", "run", "report")


@settings(FAST, max_examples=30)
@given(command=st.sampled_from(COMMANDS), where=st.sampled_from(sorted(FOLDERS)))
def test_a_command_never_takes_over_a_folder_it_does_not_own(world, command, where):
    refused(world, command_args(world, command, FOLDERS[where](world)))
    COUNTS[f"{command} folders refused"] += 1


def test_calibrate_refuses_another_calibration_and_a_sweep_refuses_another_sweep(world):
    assert "holds another calibration" in refused(world, command_args(
        world, "calibrate", world["calibration"]))
    assert "holds results of a different sweep" in refused(world, command_args(
        world, "sweep", world["sweep"]))
    COUNTS["calibrate folders refused"] += 1
    COUNTS["sweep folders refused"] += 1
