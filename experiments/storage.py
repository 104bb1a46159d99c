"""An experiment's output folder: one closed Parquet file per finished chunk, and a manifest.

Each chunk is written to a hidden temporary name in the same folder, synced, then
renamed over its final name (``os.replace`` is atomic), so a killed sweep leaves
whole chunk files or stray temporaries that readers ignore and the next run
removes. A chunk's rows live in exactly one file named by its id: re-running a
chunk replaces it, never duplicates it. ``manifest.json`` ties the folder to one
sweep file (by content hash), so a different sweep cannot be mixed in.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from experiments.config import Experiment
from model.scenario import resolve_scenario_path
from model.validation import ConfigError

MANIFEST = "manifest.json"
CHUNK_RE = re.compile(r"^chunk-(\d{6,})\.parquet$")
TEMP_RE = re.compile(r"^\.(chunk-\d{6,}\.parquet|manifest\.json|summary.*\.csv)\.\d+\.tmp$")
PACKAGES = ("hybrid-escalation", "mesa", "numpy", "pandas", "pyarrow", "scipy", "dask",
            "distributed", "tqdm")


def chunk_path(out: Path, chunk_id: int) -> Path:
    return out / f"chunk-{chunk_id:06d}.parquet"


def chunk_files(out: Path) -> list[Path]:
    """Finished chunk files, in chunk order (temporaries are never listed)."""
    found = [(int(m.group(1)), p) for p in out.glob("chunk-*.parquet")
             if (m := CHUNK_RE.match(p.name))]
    return [p for _, p in sorted(found)]


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through a temporary file in the same folder, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_manifest(out: Path) -> dict[str, Any] | None:
    path = out / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ConfigError(str(path), "", "unreadable manifest; delete the folder or use another "
                          "--out") from None


def check_folder(out: Path, config: Experiment) -> None:
    """Refuse (before anything is written) a folder that holds another sweep's results."""
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", str(out), "exists and is not a folder")
    if not out.exists():
        return
    manifest = read_manifest(out)
    if manifest is None:
        if chunk_files(out):
            raise ConfigError("--out", str(out), "holds chunk files but no manifest.json; "
                              "use another --out or delete the folder")
        return
    if manifest.get("sweep_sha256") != config.sha256:
        raise ConfigError("--out", str(out),
                          f"holds results of a different sweep ({manifest.get('sweep_file')}, "
                          f"sha256 {str(manifest.get('sweep_sha256'))[:12]}); use another --out "
                          "or delete the folder")
    if manifest.get("replications") != config.replications:
        raise ConfigError("--out", str(out),
                          f"holds this sweep with {manifest.get('replications')} replications, "
                          f"not {config.replications}; use another --out or delete the folder")


def resume_warnings(out: Path, config: Experiment) -> list[str]:
    """What changed since the chunks on disk were written (their rows may not be comparable)."""
    manifest = read_manifest(out) if out.is_dir() else None
    if not manifest or not chunk_files(out):
        return []
    warnings = []
    if manifest.get("scenario_sha256") != scenario_sha256(config):
        warnings.append(f"the scenario file changed since {out} was started")
    if manifest.get("code_version") != code_version():
        warnings.append(f"the code changed since {out} was last run "
                        f"({manifest.get('code_version')} -> {code_version()})")
    return warnings


class SweepStore:
    """The output folder of one sweep, opened for writing chunks."""

    def __init__(self, out: Path, config: Experiment, chunks_total: int) -> None:
        self.out = out
        self.config = config
        self.chunks_total = chunks_total
        self.manifest: dict[str, Any] = {}

    def open(self, executor: str) -> dict[int, Path]:
        """Create or resume the folder; returns the chunks already finished (id -> file)."""
        check_folder(self.out, self.config)
        self.out.mkdir(parents=True, exist_ok=True)
        for stray in self.out.iterdir():
            if TEMP_RE.match(stray.name):
                stray.unlink(missing_ok=True)
        done = self._finished_chunks()
        now = _now()
        previous = read_manifest(self.out) or {}
        config = self.config
        self.manifest = {
            "experiment": config.name,
            "description": config.description,
            "sweep_file": str(Path(config.source).resolve()),
            "sweep_sha256": config.sha256,
            "scenario": config.scenario,
            "scenario_sha256": scenario_sha256(config),
            "root_seed": config.seed,
            "design": config.design,
            "samples": config.samples,
            "levels": config.levels,
            "seeds": config.seeds,
            "replications": config.replications,
            "points": len(config.points),
            "varied": list(config.varied),
            "fixed": config.fixed,
            "chunk_size": config.chunk_size,
            "trajectories": config.trajectories,
            "runs_total": config.total_runs,
            "chunks_total": self.chunks_total,
            "runs_done": 0,
            "chunks_done": len(done),
            "status": "running",
            "started": previous.get("started", now),
            "finished": None,
            "sessions": [*previous.get("sessions", []),
                         {"started": now, "finished": None, "executor": executor,
                          "chunks_at_start": len(done), "code_version": code_version()}],
            "code_version": code_version(),
            "packages": package_versions(),
        }
        self._write_manifest()
        return done

    def _finished_chunks(self) -> dict[int, Path]:
        """Finished chunk files whose row count matches the plan (others get rewritten)."""
        done = {}
        config = self.config
        for path in chunk_files(self.out):
            chunk_id = int(CHUNK_RE.match(path.name).group(1))
            if chunk_id >= self.chunks_total:
                continue
            start = chunk_id * config.chunk_size
            expected = min(config.chunk_size, config.total_runs - start)
            try:
                rows = pq.read_metadata(path).num_rows
            except (OSError, pa.ArrowInvalid):
                continue
            if rows == expected:
                done[chunk_id] = path
        return done

    def write_chunk(self, chunk_id: int, table: pa.Table) -> None:
        atomic_write(chunk_path(self.out, chunk_id), lambda f: pq.write_table(table, f))

    def finish(self, chunks_done: int, runs_done: int, complete: bool) -> None:
        now = _now()
        self.manifest.update(chunks_done=chunks_done, runs_done=runs_done,
                             status="complete" if complete else "incomplete",
                             finished=now if complete else None)
        self.manifest["sessions"][-1]["finished"] = now
        self._write_manifest()

    def _write_manifest(self) -> None:
        text = json.dumps(self.manifest, indent=2, default=str) + "\n"
        atomic_write(self.out / MANIFEST, lambda f: f.write(text.encode("utf-8")))


def scenario_sha256(config: Experiment) -> str:
    return hashlib.sha256(resolve_scenario_path(config.scenario).read_bytes()).hexdigest()


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def code_version() -> str:
    """``git describe`` of the project if it is a git checkout, else the package version."""
    root = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"], cwd=root,
                              capture_output=True, text=True, timeout=5, check=True)
        if done.stdout.strip():
            return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return importlib.metadata.version("hybrid-escalation")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
