"""The experiment driver: stream chunks from an executor to disk, keep only counters.

The driver plans chunks lazily, skips those already on disk (resume), hands the
rest to the executor, writes each finished chunk as it arrives and forgets it. Its
memory is the executor's few in-flight results plus a handful of counters,
whatever the number of runs. It holds the folder's lock (``files.exclusive``) while
it writes; a full disk ends it with ``disk full: N runs kept, re-run to resume``.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tqdm import tqdm

from experiments.analysis.summaries import summarise
from experiments.chunk_store import SweepStore
from experiments.config import Experiment
from experiments.executors import Executor
from experiments.files import disk_full, exclusive, is_disk_full
from experiments.runner import chunk_count, iter_chunks, run_chunk
from model.outcomes import OUTCOMES

if TYPE_CHECKING:
    import pandas as pd

SHORT = {"negotiated": "neg", "frozen": "frz", "escalated": "esc", "ongoing": "ong"}


@dataclass(slots=True)
class SweepReport:
    """What a sweep session did."""

    out: Path
    runs_total: int
    runs_done: int = 0          # on disk at the end, this session's runs included
    runs_resumed: int = 0       # already on disk when the session started
    seconds: float = 0.0
    outcomes: Counter = field(default_factory=Counter)

    @property
    def runs_this_session(self) -> int:
        return self.runs_done - self.runs_resumed

    @property
    def runs_per_second(self) -> float:
        return self.runs_this_session / self.seconds if self.seconds else 0.0


def run_sweep(config: Experiment, out: Path, executor: Executor, progress: bool = True,
              allow_mixed: bool = False) -> SweepReport:
    """Run the chunks of ``config`` missing from ``out``; returns the session's counters.

    ``allow_mixed`` resumes a folder whose chunks came from another experiment file,
    scenario, catalogue or code version (recorded in the manifest); else that is a
    ConfigError. Raises ConfigError if another process writes to ``out``.
    """
    with exclusive(out):
        return _run_sweep(config, out, executor, progress, allow_mixed)


def _run_sweep(config: Experiment, out: Path, executor: Executor, progress: bool,
               allow_mixed: bool) -> SweepReport:
    chunks_total = chunk_count(config)
    store = SweepStore(out, config, chunks_total, allow_mixed)
    try:
        done = store.open(executor.describe())
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full(0) from None
        raise
    report = SweepReport(out=out, runs_total=config.total_runs)
    report.outcomes.update(store.resumed_outcomes)  # for the running shares
    report.runs_done = report.runs_resumed = sum(report.outcomes.values())
    chunks_done = len(done)
    bar = tqdm(total=config.total_runs, initial=report.runs_done, unit="run", smoothing=0.05,
               disable=not progress, dynamic_ncols=True, desc=config.name)
    started = time.perf_counter()
    complete = full = False
    try:
        tasks = iter_chunks(config, skip=set(done))
        for result in executor.map_unordered(run_chunk, tasks):
            store.write_chunk(result.chunk_id, result.table)
            rows = result.table.num_rows
            report.outcomes.update(result.outcomes)
            del result  # the driver keeps counters, not rows
            chunks_done += 1
            report.runs_done += rows
            bar.set_postfix_str(shares_text(report.outcomes), refresh=False)
            bar.update(rows)
        complete = chunks_done == chunks_total
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        full = True
    finally:
        bar.close()
        report.seconds = time.perf_counter() - started
        try:
            store.finish(chunks_done, report.runs_done, complete)
        except OSError as exc:  # the manifest on disk stays the last one written
            if not is_disk_full(exc):
                raise
            full = True
    if full:
        raise disk_full(report.runs_done)
    return report


def shares_text(counts: Counter) -> str:
    """Running outcome shares for the progress bar, e.g. ``neg 12% frz 70% esc 3% ong 15%``."""
    total = sum(counts.values())
    if not total:
        return ""
    return " ".join(f"{SHORT[o]} {counts[o] / total:.0%}" for o in OUTCOMES)


class Finished(NamedTuple):
    """A finished experiment: what the session did, and the summaries it wrote."""

    report: SweepReport
    per_point: pd.DataFrame
    overall: pd.DataFrame


def check_generated(out: Path, file_name: str, raw: dict, allow_mixed: bool) -> Experiment:
    """An experiment a command builds and keeps beside its runs (``validate``, ``calibrate
    --prior-check``), checked before any work, writing nothing: the experiment itself,
    the output folder, and that the folder holds no other experiment's runs."""
    from experiments.chunk_store import check_folder
    from experiments.config import load_config
    from experiments.files import check_output

    config = load_config(out / file_name, raw)
    check_output(out)
    check_folder(out, config, allow_mixed)
    return config


def sweep_to_folder(config: Experiment, out: Path, executor: Executor, progress: bool,
                    allow_mixed: bool = False) -> Finished | None:
    """Run (or resume) an experiment, then write its summaries and figures (under its lock).

    Returns None after Ctrl-C: the finished chunks stay on disk for a resume.
    """
    from experiments.analysis.figures import make_figures  # matplotlib, once results exist

    with exclusive(out):
        try:
            report = run_sweep(config, out, executor, progress=progress,
                               allow_mixed=allow_mixed)
        except KeyboardInterrupt:
            print(f"interrupted: finished chunks are kept in {out}; run the same command "
                  "again to resume", file=sys.stderr)
            return None
        try:
            per_point, overall = summarise(out)
            make_figures(out, per_point)
        except OSError as exc:
            if is_disk_full(exc):
                raise disk_full(report.runs_done) from None
            raise
    return Finished(report, per_point, overall)
