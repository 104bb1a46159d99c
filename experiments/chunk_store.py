"""A sweep's output folder: verified Parquet chunks and the manifest that lists them.

Each chunk is serialised in memory, written to a hidden temporary name in the same
folder and synced; the manifest then records the chunk (its run ids, the SHA-256 of
its bytes and its provenance) and only after that is the temporary renamed over
the chunk's final name (``os.replace`` is atomic). So every file under a final
name is listed in the manifest, a killed sweep leaves whole chunks or stray
temporaries, and a chunk is trusted only if its bytes hash to what the manifest
recorded, its entry lists its planned runs and a recorded provenance, and its rows'
ids and seeds are the ``RunPlan``'s: anything else is reported and moved to
``quarantine/`` (its runs run again on resume), and readers refuse the folder
(``experiments.coverage``).

One process writes to a folder at a time (``experiments.files.exclusive``: a lock on
``DIR/.lock``); only the lock holder removes temporaries or quarantines chunks.
The manifest ties the folder to one experiment (its identity hash) and records the
provenance of what the runs depend on (experiment, scenario and catalogue files, the
code of ``agents/`` and ``model/``); a resume after any of them changed is refused
unless ``allow_mixed``, and then the manifest lists which chunks came from which. A
sweep never takes over a folder that is not its own (``check_folder``): another
command's (a calibration's), or a non-empty one without a manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from experiments import files
from experiments.config import Experiment
from experiments.files import atomic_write, temporary_path
from experiments.provenance import (
    code_version,
    file_sha256,
    now_iso,
    package_versions,
    provenance,
    provenance_changes,
)
from experiments.schema import DRAW_ID
from experiments.seeds import SEED_SCHEMES, run_seed
from model.checks import ConfigError
from model.outcomes import OUTCOMES, RULES

MANIFEST = "manifest.json"
QUARANTINE = "quarantine"
FORMAT = 2
CHECKSUM_KEY = "manifest_sha256"
PROVENANCE_META = b"escalation.provenance"
CHUNK_RE = re.compile(r"^chunk-(\d{6,})\.parquet$")
TEMP_RE = re.compile(r"^\.(chunk-\d{6,}\.parquet|manifest\.json|summary.*\.csv)\.\d+\.tmp$")
CHECKSUM_RE = re.compile(rf'"{CHECKSUM_KEY}": "([0-9a-f]{{64}})"\s*}}\s*$')
SWEEP_HEAD = f'{{\n  "format": {FORMAT},\n'   # how every manifest of this version begins


def chunk_path(out: Path, chunk_id: int) -> Path:
    return out / f"chunk-{chunk_id:06d}.parquet"


def chunk_files(out: Path) -> list[Path]:
    """Chunk files under a final name, in chunk order (temporaries are never listed)."""
    found = [(int(m.group(1)), p) for p in out.glob("chunk-*.parquet")
             if (m := CHUNK_RE.match(p.name))]
    return [p for _, p in sorted(found)]


# ------------------------------------------------------------------ the manifest
class DamagedManifest(Exception):
    """manifest.json is unreadable or its checksum does not match its text."""


def _load_manifest(out: Path) -> dict[str, Any] | None:
    path = out / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeError) as exc:
        raise DamagedManifest(f"unreadable ({exc})") from None
    try:
        manifest = json.loads(text)
    except ValueError:
        raise DamagedManifest("not valid JSON") from None
    if not isinstance(manifest, dict):
        raise DamagedManifest("not a JSON object")
    if CHECKSUM_KEY not in manifest or manifest.get("format") != FORMAT:
        # Not written by this version's SweepStore: valid JSON of another shape, or an
        # older manifest, whose chunks cannot be verified.
        raise DamagedManifest("no checksum of this format: not a manifest of this version")
    match = CHECKSUM_RE.search(text)
    if not match or _checksum(text[:match.start(1)] + "0" * 64
                              + text[match.end(1):]) != match.group(1):
        raise DamagedManifest("its checksum does not match its text")
    return manifest


def _check_damaged_manifest(out: Path, config: Experiment) -> None:
    """Refuse a damaged or foreign manifest.json unless it is recognisably this sweep's:
    it names this sweep's hash, or it is a truncated manifest of this version. (The
    writer moves a damaged manifest of this sweep aside, with every chunk, and starts
    again; another command's folder, a calibration's say, is never taken over.)"""
    try:
        text = (out / MANIFEST).read_bytes().decode("utf-8", "replace")
    except OSError:
        text = ""
    try:
        claimed = json.loads(text)
    except ValueError:
        claimed = None
    named = claimed.get("sweep_sha256") if isinstance(claimed, dict) else None
    if isinstance(named, str) and named != config.sha256:
        raise ConfigError("--out", str(out), "holds results of a different sweep (its "
                          "manifest names another); use another --out or delete the folder")
    if config.sha256 in text or SWEEP_HEAD.startswith(text) or text.startswith(SWEEP_HEAD):
        return
    kind = ("a calibration's results" if "calibration_sha256" in text
            else f"a {MANIFEST} that is not a sweep's of this version")
    raise ConfigError("--out", str(out), f"holds {kind}; use another --out or delete the "
                      "folder")


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The folder's manifest (None if there is none); a damaged one is a ConfigError."""
    try:
        return _load_manifest(Path(out))
    except DamagedManifest as exc:
        raise ConfigError(str(Path(out) / MANIFEST), "", f"damaged manifest ({exc}); re-run "
                          "the sweep into this folder to rebuild it") from None


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_text(manifest: dict[str, Any], chunk_lines: dict[int, str]) -> str:
    """The manifest as JSON: one line per chunk, and its own checksum as the last key."""
    head = {k: v for k, v in manifest.items() if k not in ("chunks", CHECKSUM_KEY)}
    text = json.dumps(head, indent=2, default=str)[:-2]
    chunks = ",\n".join(chunk_lines[c] for c in sorted(chunk_lines))
    text += f',\n  "chunks": {{\n{chunks}\n  }},\n  "{CHECKSUM_KEY}": "'
    tail = '"\n}\n'
    return text + _checksum(text + "0" * 64 + tail) + tail


def chunk_line(chunk_id: int, entry: dict[str, Any]) -> str:
    return f'    "{chunk_id}": {json.dumps(entry)}'


def check_folder(out: Path, config: Experiment, allow_mixed: bool = False) -> None:
    """Refuse (before anything is written) a folder no resume of ``config`` may write to:
    a file, another command's folder (a calibration's), a non-empty folder without a
    manifest (anything but the lock, temporaries and the experiment file itself), another
    experiment's results, or (unless ``allow_mixed``) results whose experiment,
    scenario, catalogue or code differ from today's. Symbolic links are resolved first."""
    out = Path(os.path.realpath(out))
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", str(out), "exists and is not a folder")
    if not out.exists():
        return
    try:
        manifest = _load_manifest(out)
    except DamagedManifest:
        _check_damaged_manifest(out, config)
        return
    if manifest is None:
        source = Path(config.source).resolve()
        own = source.name if source.parent == out else None   # validate's experiment file
        files.check_own_folder(out, spare=lambda name: name in (files.LOCK, QUARANTINE, own)
                               or (TEMP_RE.match(name) or CHUNK_RE.match(name)) is not None)
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
    if allow_mixed or not manifest.get("chunks"):
        return
    now = provenance(config)
    ids = {entry.get("provenance") for entry in chunk_entries(manifest).values()}
    if (ids & provenance_ids(manifest)) - {now["id"]}:   # entries of no recorded provenance
        # are foreign: the writer moves their chunks aside and runs them again
        old = manifest.get("provenance") or {}
        raise ConfigError("--out", str(out), "; ".join(provenance_changes(old, now, out))
                          + ": its runs would mix with new ones (delete the folder for a clean "
                          "sweep, or pass --allow-mixed to keep both and record the mix)")


# ------------------------------------------------------------------ verified chunks
class BadChunk(Exception):
    """A chunk file that is not the chunk the manifest recorded."""


VERIFY_COLUMNS = ("run_id", "point_id", "replication", "seed", "outcome", "rule")


@dataclass(frozen=True, slots=True)
class RunPlan:
    """The runs a sweep plans, how they are cut into chunks and the seed each one gets
    (``seeds.run_seed``): what a chunk's manifest entry and rows are checked against, so
    a chunk that overlaps another, lies outside the sweep or holds rows of another seed
    scheme (forged, or copied from another sweep) is never read."""

    runs_total: int
    chunk_size: int
    replications: int
    root_seed: int
    common_seeds: bool
    draws: int = 0   # posterior draws: replication r runs draw r % draws

    @classmethod
    def of(cls, config: Experiment) -> RunPlan:
        return cls(config.total_runs, config.chunk_size, config.replications, config.seed,
                   config.common_seeds, len(config.draws))

    @classmethod
    def recorded(cls, manifest: dict[str, Any], source: str) -> RunPlan:
        """The plan a manifest records; a ConfigError naming ``source`` if it records none."""
        values = [manifest.get(key) for key in ("runs_total", "chunk_size", "replications",
                                                "root_seed")]
        values.append(manifest.get("posterior_draws", 0))   # older manifests: none
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values) \
                or not values[1] or not values[2] or manifest.get("seeds") not in SEED_SCHEMES:
            raise ConfigError(source, "", "damaged manifest (no plan of runs: runs_total, "
                              "chunk_size, replications, root_seed, seeds)")
        total, size, reps, root, draws = values
        return cls(total, size, reps, root, manifest["seeds"] == "common", draws)

    @property
    def chunks_total(self) -> int:
        return -(-self.runs_total // self.chunk_size)

    def planned(self, chunk_id: int) -> tuple[int, int]:
        start = chunk_id * self.chunk_size
        return start, min(start + self.chunk_size, self.runs_total)

    def entry_problem(self, chunk_id: int, entry: dict[str, Any],
                      provenances: set[str]) -> str | None:
        """What is wrong with a manifest entry before its file is opened, or None."""
        if chunk_id >= self.chunks_total:
            return f"not a chunk of this sweep (it has {self.chunks_total})"
        start, stop = self.planned(chunk_id)
        if (entry.get("start"), entry.get("stop")) != (start, stop):
            return (f"its manifest entry lists runs {entry.get('start')}..{entry.get('stop')}"
                    f", not its planned runs {start}..{stop}")
        if entry.get("provenance") not in provenances:
            return "its provenance is not among the manifest's provenances"
        return None

    def rows_problem(self, table: pa.Table) -> str | None:
        """Whether each row's point, replication, draw and seed are its run_id's."""
        reps = self.replications
        runs = table.column("run_id").to_pylist()
        if table.column("point_id").to_pylist() != [r // reps for r in runs] or \
                table.column("replication").to_pylist() != [r % reps for r in runs]:
            return "its point_id or replication is not its run_id's"
        if self.draws and table.column(DRAW_ID).to_pylist() != \
                [r % reps % self.draws for r in runs]:
            return "its draw_id is not its replication's"
        seeds = [run_seed(self.root_seed, r // reps, r % reps, self.common_seeds) for r in runs]
        if table.column("seed").to_pylist() != seeds:
            return "its seeds are not the seed scheme's (rows of another sweep, or forged)"
        return None


def read_chunk(path: Path, entry: dict[str, Any] | None, columns: list[str] | None = None,
               skip_prefix: str = "", plan: RunPlan | None = None) -> pa.Table:
    """The chunk at ``path`` after checking it against its manifest ``entry``.

    Checked: the SHA-256 of the file's bytes, its provenance, that run_id is exactly
    range(start, stop), that every outcome and rule is a known one, and with a ``plan``
    that every row's ids and seed are its run's. ``columns`` None reads every column
    (but those starting with a non-empty ``skip_prefix``). Raises BadChunk saying what
    is wrong.
    """
    if entry is None:
        raise BadChunk("not listed in the manifest")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadChunk(f"unreadable ({exc.strerror})") from None
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise BadChunk("its bytes differ from those written (sha256 mismatch)")
    try:
        file = pq.ParquetFile(pa.BufferReader(data))
        names = file.schema_arrow.names
        wanted = [c for c in names if not (skip_prefix and c.startswith(skip_prefix))] \
            if columns is None else [c for c in columns if c in names]
        verify = [*VERIFY_COLUMNS, DRAW_ID] if plan is not None and plan.draws else VERIFY_COLUMNS
        table = file.read(columns=list(dict.fromkeys([*verify, *wanted])))
        meta = file.schema_arrow.metadata or {}
    except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
        raise BadChunk(f"unreadable Parquet ({str(exc).splitlines()[0][:80]})") from None
    if meta.get(PROVENANCE_META, b"").decode() != entry.get("provenance"):
        raise BadChunk("its provenance differs from the manifest's")
    start, stop = entry.get("start"), entry.get("stop")
    if not isinstance(start, int) or not isinstance(stop, int) or \
            table.column("run_id").to_pylist() != list(range(start, stop)):
        raise BadChunk(f"its run_ids are not {start}..{stop}")
    outcomes = set(table.column("outcome").to_pylist()) - set(OUTCOMES)
    rules = set(table.column("rule").to_pylist()) - set(RULES) - {None}
    if outcomes or rules:
        raise BadChunk(f"unknown outcome or rule {sorted(map(str, outcomes | rules))}")
    if plan is not None and (problem := plan.rows_problem(table)):
        raise BadChunk(problem)
    return table.select(wanted)


def provenance_ids(manifest: dict[str, Any]) -> set[str]:
    """The ids of the provenances a manifest records (its chunks must come from these)."""
    records = manifest.get("provenances")
    if not isinstance(records, list):
        return set()
    return {r["id"] for r in records if isinstance(r, dict) and isinstance(r.get("id"), str)}


def chunk_entries(manifest: dict[str, Any]) -> dict[int, dict[str, Any]]:
    chunks = manifest.get("chunks")
    if not isinstance(chunks, dict):
        return {}
    return {int(k): v for k, v in chunks.items()
            if str(k).isdigit() and isinstance(v, dict)}


def quarantine(out: Path, path: Path, reason: str) -> Path:
    """Move ``path`` into ``out/quarantine/`` (never over an earlier one); say so on stderr."""
    folder = out / QUARANTINE
    folder.mkdir(exist_ok=True)
    target, n = folder / path.name, 0
    while target.exists():
        n += 1
        target = folder / f"{path.name}.{n}"
    os.replace(path, target)
    print(f"escalation: warning: {path}: {reason}; moved to {target}"
          f"{', its runs run again' if CHUNK_RE.match(path.name) else ''}", file=sys.stderr)
    return target


class SweepStore:
    """The output folder of one sweep, opened for writing chunks (hold ``exclusive`` first)."""

    def __init__(self, out: Path, config: Experiment, chunks_total: int,
                 allow_mixed: bool = False) -> None:
        self.out = out
        self.config = config
        self.chunks_total = chunks_total
        self.allow_mixed = allow_mixed
        self.manifest: dict[str, Any] = {}
        self.entries: dict[int, dict[str, Any]] = {}   # chunk id -> its manifest entry
        self.chunk_lines: dict[int, str] = {}          # ... and its line of JSON
        self.records: dict[str, dict[str, Any]] = {}   # provenance id -> record
        self.resumed_outcomes: Counter = Counter()
        self.plan = RunPlan.of(config)

    def open(self, executor: str) -> dict[int, Path]:
        """Create or resume the folder; returns the verified finished chunks (id -> file).

        Bad, foreign and unlisted chunk files are moved to quarantine/ (their runs run
        again); a damaged manifest is moved there with every chunk.
        """
        check_folder(self.out, self.config, self.allow_mixed)   # again, under the lock
        self.out.mkdir(parents=True, exist_ok=True)
        for stray in self.out.iterdir():
            if TEMP_RE.match(stray.name):
                stray.unlink(missing_ok=True)
        try:
            previous = _load_manifest(self.out) or {}
        except DamagedManifest as exc:
            quarantine(self.out, self.out / MANIFEST, f"damaged manifest ({exc}); its chunks "
                       "cannot be verified")
            previous = {}
        if previous and previous.get("sweep_sha256") != self.config.sha256:
            previous = {}
        entries = chunk_entries(previous)
        known = provenance_ids(previous)
        now_provenance = provenance(self.config)
        done: dict[int, Path] = {}
        for path in chunk_files(self.out):
            chunk_id = int(CHUNK_RE.match(path.name).group(1))
            entry = entries.get(chunk_id)
            try:
                if entry is not None and (problem := self.plan.entry_problem(chunk_id, entry,
                                                                             known)):
                    raise BadChunk(problem)
                table = read_chunk(path, entry, ["outcome"], plan=self.plan)
            except BadChunk as exc:
                quarantine(self.out, path, str(exc))
                continue
            done[chunk_id] = path
            self.resumed_outcomes.update(table.column("outcome").to_pylist())
        self.entries = {c: entries[c] for c in done}
        self.chunk_lines = {c: chunk_line(c, entries[c]) for c in done}
        now = now_iso()
        config = self.config
        self.records = {r["id"]: r for r in previous.get("provenances", [])
                        if isinstance(r, dict) and "id" in r}
        self.records[now_provenance["id"]] = now_provenance
        self.manifest = {
            "format": FORMAT,
            "experiment": config.name,
            "description": config.description,
            "sweep_file": str(Path(config.source).resolve()),
            "sweep_sha256": config.sha256,
            "sweep_file_sha256": file_sha256(Path(config.source)),
            "scenario": config.scenario,
            "scenario_sha256": now_provenance["scenario_sha256"],
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
            "posterior_draws": len(config.draws),
            "runs_total": config.total_runs,
            "chunks_total": self.chunks_total,
            "runs_done": sum(self.resumed_outcomes.values()),
            "chunks_done": len(done),
            "status": "running",
            "started": previous.get("started", now),
            "finished": None,
            "sessions": [*previous.get("sessions", []),
                         {"started": now, "finished": None, "executor": executor,
                          "chunks_at_start": len(done), "code_version": code_version(),
                          "provenance": now_provenance["id"]}],
            "code_version": code_version(),
            "packages": package_versions(),
            "provenance": now_provenance,
        }
        self._write_manifest()
        return done

    def write_chunk(self, chunk_id: int, table: pa.Table) -> None:
        """Write a chunk: temporary file, then its manifest entry, then its final name."""
        start, stop = self.plan.planned(chunk_id)
        prov = self.manifest["provenance"]["id"]
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               PROVENANCE_META: prov.encode()})
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        data = sink.getvalue().to_pybytes()
        entry = {"start": start, "stop": stop, "sha256": hashlib.sha256(data).hexdigest(),
                 "provenance": prov}
        final = chunk_path(self.out, chunk_id)
        tmp = temporary_path(final)
        previous = self.entries.get(chunk_id)
        try:
            files.write_synced(tmp, lambda f: f.write(data))  # one write path (tests)
            self._set_entry(chunk_id, entry)
            self._write_manifest()
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            self._set_entry(chunk_id, previous)
            raise

    def _set_entry(self, chunk_id: int, entry: dict[str, Any] | None) -> None:
        if entry is None:
            self.entries.pop(chunk_id, None)
            self.chunk_lines.pop(chunk_id, None)
        else:
            self.entries[chunk_id] = entry
            self.chunk_lines[chunk_id] = chunk_line(chunk_id, entry)

    def finish(self, chunks_done: int, runs_done: int, complete: bool) -> None:
        now = now_iso()
        self.manifest.update(chunks_done=chunks_done, runs_done=runs_done,
                             status="complete" if complete else "incomplete",
                             finished=now if complete else None)
        self.manifest["sessions"][-1]["finished"] = now
        self._write_manifest()

    def _write_manifest(self) -> None:
        """Rewrite the manifest atomically, with which chunks came from which provenance."""
        used = Counter(entry.get("provenance") for entry in self.entries.values())
        self.manifest["provenances"] = [{**record, "chunks": used[i]}
                                        for i, record in self.records.items()
                                        if used[i] or i == self.manifest["provenance"]["id"]]
        self.manifest["mixed_provenance"] = len(used) > 1
        text = manifest_text(self.manifest, self.chunk_lines)
        atomic_write(self.out / MANIFEST, lambda f: f.write(text.encode("utf-8")))
