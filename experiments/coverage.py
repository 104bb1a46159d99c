"""Which of a sweep's planned runs its folder holds, and what is wrong with the rest.

A reader never returns a silently partial run table. ``read_verified`` checks the
manifest against the files: every planned chunk present, each manifest entry at its
planned runs (``chunk_id x chunk_size``) and of a provenance the manifest records, each
file's bytes, run ids and seeds the ones recorded (``chunk_store.read_chunk`` with the
sweep's ``RunPlan``), and no chunk file the manifest does not list. What it could not
read is a ``Coverage`` naming the runs concerned; a folder whose writer still holds its
lock is reported as being written.

The folder is listed *before* the manifest is read: a chunk is listed in the manifest
before it gets its final name, so every chunk file seen was already listed, and chunks
a running sweep adds meanwhile are not mistaken for strays.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from experiments import files
from experiments.chunk_store import (
    CHUNK_RE,
    MANIFEST,
    BadChunk,
    RunPlan,
    chunk_entries,
    chunk_files,
    chunk_path,
    provenance_ids,
    read_chunk,
    read_manifest,
)
from model.checks import ConfigError

SHOWN = 4   # run ranges and problems quoted in a message; the rest are counted


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a read found: the runs planned, those missing, and why chunks were left out."""

    folder: str
    runs_total: int
    missing: tuple[tuple[int, int], ...]   # run ranges [start, stop) not in the table
    problems: tuple[str, ...]              # each chunk file or entry left out, and why
    writer: str | None                     # pid of the command writing the folder
    status: str                            # the manifest's status

    @property
    def complete(self) -> bool:
        return not self.missing and not self.problems

    @property
    def runs_read(self) -> int:
        return self.runs_total - sum(stop - start for start, stop in self.missing)

    def describe(self) -> str:
        """One line: how many runs were read, which are missing and why, what to do."""
        text = f"{self.runs_read:,} of {self.runs_total:,} runs readable"
        if self.missing:
            ranges = [f"{a}" if b == a + 1 else f"{a} to {b - 1}" for a, b in self.missing]
            text += f"; runs {_few(ranges, 'ranges')} missing"
        if self.problems:
            text += f"; left out: {_few(list(self.problems), 'chunk files')}"
        if self.writer is not None:
            pid = f" (pid {self.writer})" if self.writer.isdigit() else ""
            return text + f"; the folder is still being written{pid}: wait for it to end"
        if self.status != "complete":
            return text + (f"; the sweep stopped before its end (status {self.status}): run "
                           "it again to resume")
        return text + ("; run the sweep again into this folder: it moves bad files aside "
                       "and runs their runs again")


def _few(items: list[str], what: str) -> str:
    more = f" and {len(items) - SHOWN} more {what}" if len(items) > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


class IncompleteResults(ConfigError):
    """A run table asked for whole that the folder cannot give whole (``.coverage`` says
    what is missing); pass ``partial=True`` (CLI: ``--partial``) to read what is there."""

    def __init__(self, coverage: Coverage) -> None:
        super().__init__(coverage.folder, "", f"incomplete run table: {coverage.describe()}"
                         "; or read what is there with partial=True (--partial)")
        self.coverage = coverage

    def __reduce__(self) -> tuple[type, tuple[Coverage]]:
        return (type(self), (self.coverage,))


def read_verified(out: Path, columns: list[str] | None, skip_prefix: str,
                  partial: bool) -> tuple[list[pa.Table], Coverage, dict[str, Any]]:
    """The verified chunks' tables, what the read covered, and the manifest.

    Raises IncompleteResults if anything is missing or wrong, unless ``partial``;
    FileNotFoundError if the folder has no manifest; ConfigError if it is damaged.
    """
    writer = files.writer(out)
    listed = chunk_files(out)            # before the manifest: see the module's docstring
    manifest = read_manifest(out)
    if manifest is None:
        raise FileNotFoundError(f"{out}: no sweep results here ({MANIFEST} missing)")
    plan = RunPlan.recorded(manifest, str(out / MANIFEST))
    entries = chunk_entries(manifest)
    known = provenance_ids(manifest)
    tables, read, problems = [], set(), []
    for chunk_id, entry in sorted(entries.items()):
        path = chunk_path(out, chunk_id)
        problem = plan.entry_problem(chunk_id, entry, known)
        if problem is None and not path.exists():
            continue   # never written (in flight, or the sweep stopped) or deleted
        if problem is None:
            try:
                tables.append(read_chunk(path, entry, columns, skip_prefix, plan))
                read.add(chunk_id)
                continue
            except BadChunk as exc:
                problem = str(exc)
        problems.append(f"{path.name}: {problem}")
    problems += [f"{path.name}: not listed in the manifest" for path in listed
                 if int(CHUNK_RE.match(path.name).group(1)) not in entries]
    coverage = Coverage(str(out), plan.runs_total, _gaps(plan, read), tuple(problems), writer,
                        str(manifest.get("status")))
    if not coverage.complete and not partial:
        raise IncompleteResults(coverage)
    return tables, coverage, manifest


def _gaps(plan: RunPlan, read: set[int]) -> tuple[tuple[int, int], ...]:
    """The planned runs outside the chunks read, as merged ranges [start, stop) (in time
    linear in the chunks read, whatever run count a manifest claims)."""
    gaps, cursor = [], 0
    for chunk_id in sorted(read):
        start, stop = plan.planned(chunk_id)
        if start > cursor:
            gaps.append((cursor, start))
        cursor = stop
    if cursor < plan.runs_total:
        gaps.append((cursor, plan.runs_total))
    return tuple(gaps)
