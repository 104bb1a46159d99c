"""What the fault suites share: tiny sweeps, in-process commands, folder snapshots, forged
manifests, and the counts line each suite prints at its end.

The sweeps have an 8-week horizon and chunks of 2 runs, so a sweep of 40 runs (20
chunks) takes a couple of seconds and every fault has many chunks to land in.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

from experiments.chunk_store import MANIFEST, chunk_entries, chunk_line, manifest_text
from experiments.cli import main
from experiments.config import load_config
from experiments.executors import SequentialExecutor
from experiments.pipeline import run_sweep
from experiments.results import ResultsWarning, load_results
from model.outcomes import OUTCOMES

SWEEP = """[experiment]
name = "faults"
scenario = "{scenario}"
replications = {reps}
seed = 7
horizon = {horizon}
chunk_size = 2
trajectories = 1

[vary]
channel_open = [true, false]
"""
FAST = settings(deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


def counting(title: str = "") -> tuple[Counter, Callable[..., Iterator[None]]]:
    """A suite's counts and the module fixture that prints them as its last line, e.g.
    ``COUNTS, print_counts = counting("readers")`` at module level."""
    counts: Counter = Counter()

    @pytest.fixture(scope="module", autouse=True)
    def print_counts(request: pytest.FixtureRequest) -> Iterator[None]:
        yield
        line = ", ".join(f"{key} {counts[key]}" for key in sorted(counts))
        name = f" ({title})" if title else ""
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        if capture is not None:
            with capture.global_and_fixture_disabled():
                print(f"\nfault suite{name}: {line}")

    return counts, print_counts


def write_sweep(folder: Path, runs: int, scenario: str = "paris_moscow_call",
                name: str = "faults.toml", horizon: int = 8) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(SWEEP.format(scenario=scenario, reps=runs // 2, horizon=horizon),
                    encoding="utf-8")
    return path


def sweep_args(config: Path, out: Path, *extra: str) -> list[str]:
    return ["sweep", str(config), "--out", str(out), "--executor", "sequential", "--quiet",
            *extra]


def cli(args: list[str]) -> tuple[int, str]:
    """Run the command in-process; its exit status and stderr."""
    status, _, err = cli_output(args)
    return status, err


def cli_output(args: list[str]) -> tuple[int, str, str]:
    """Run the command in-process; its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore", ResultsWarning)
        status = main(args)
    return status, out.getvalue(), err.getvalue()


def resume(config: Path, out: Path) -> str:
    """Resume with the library driver (no figures); returns what it reported on stderr."""
    err = io.StringIO()
    with redirect_stderr(err), SequentialExecutor() as executor:
        run_sweep(load_config(config), out, executor, progress=False)
    return err.getvalue()


def read_quietly(out: Path) -> tuple[pd.DataFrame, list[str]]:
    """What a reader asking for a partial table gets, and the warnings saying what it lacks."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResultsWarning)
        table = load_results(out, partial=True)
    return table, [str(w.message) for w in caught if issubclass(w.category, ResultsWarning)]


def assert_never_wrong(table: pd.DataFrame, reference: pd.DataFrame) -> None:
    """Every row read back is the uninterrupted run's row: no duplicate, no unknown outcome."""
    if table.empty:
        return
    assert table["run_id"].is_unique
    assert table["outcome"].notna().all() and set(table["outcome"]) <= set(OUTCOMES)
    expected = reference.set_index("run_id").loc[table["run_id"]].reset_index()
    pd.testing.assert_frame_equal(table.reset_index(drop=True), expected)


def copy_folder(source: Path) -> Path:
    target = Path(tempfile.mkdtemp(prefix="fault-")) / "out"
    shutil.copytree(source, target, symlinks=True)
    return target


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``folder`` with its modification time and size (links not followed)."""
    return {str(p.relative_to(folder)): (p.lstat().st_mtime_ns, p.lstat().st_size)
            for p in sorted(folder.rglob("*"))}


def forge_manifest(out: Path, edit: Callable[[dict[int, dict[str, Any]]], None]) -> None:
    """Rewrite ``out``'s manifest with its chunk entries edited by ``edit`` and a checksum
    that matches: what someone who knows the format can do, so readers must not trust it."""
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    entries = chunk_entries(manifest)
    edit(entries)
    text = manifest_text(manifest, {c: chunk_line(c, e) for c, e in entries.items()})
    (out / MANIFEST).write_text(text, encoding="utf-8")
