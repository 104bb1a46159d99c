"""Provenance: what a run depends on, by hash, and the versions of what ran it.

A sweep's manifest and a calibration's record the SHA-256 of the experiment, scenario
and catalogue files, of the code of ``agents/`` and ``model/`` and of the scenario's
posterior, so a resume after any of them changed is refused (or recorded as mixed),
and every result says which code and packages made it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import subprocess
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from experiments.config import Experiment
from model.catalogue import DEFAULT_CATALOGUE
from model.scenario import SCENARIO_DIR, load_scenario, resolve_scenario_path

PACKAGES = ("hybrid-escalation", "mesa", "numpy", "pandas", "pyarrow", "scipy", "dask",
            "distributed", "tqdm")
ROOT = Path(__file__).resolve().parent.parent
CODE = ("agents", "model")   # the code a run depends on (scenarios are recorded on their own)
TARGET_DIR = ROOT / "model" / "targets"   # empirical targets: data, not code a run uses
PROVENANCE_NAMES = {"experiment_sha256": "the experiment file", "scenario_sha256":
                    "the scenario file", "catalogue_sha256": "the catalogue file",
                    "code_sha256": "the code (agents/, model/)", "version": "the package version",
                    "posterior_sha256": "the posterior file the runs use"}


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def catalogue_file(scenario_file: Path) -> Path:
    """The action catalogue a scenario file uses (its own, or the default one)."""
    try:
        meta = tomllib.loads(scenario_file.read_text(encoding="utf-8")).get("scenario", {})
    except (OSError, ValueError):
        return DEFAULT_CATALOGUE
    named = meta.get("catalogue", "") if isinstance(meta, dict) else ""
    return scenario_file.parent / named if named else DEFAULT_CATALOGUE


def code_sha256(skip: set[Path] = frozenset()) -> str:
    """SHA-256 over the sorted sources (*.py, *.toml) of agents/ and model/.

    The shipped scenarios, the empirical targets (data no run reads) and the files in
    ``skip`` (the scenario and catalogue a run uses, recorded on their own) are left out,
    so editing one names that file.
    """
    digest = hashlib.sha256()
    skipped = {p.resolve() for p in skip}
    for package in CODE:
        for path in sorted((ROOT / package).rglob("*")):
            if (path.suffix not in (".py", ".toml") or not path.is_file()
                    or SCENARIO_DIR in path.parents or TARGET_DIR in path.parents
                    or path.resolve() in skipped):
                continue
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def provenance(config: Experiment) -> dict[str, str]:
    """Hashes of everything the runs of ``config`` depend on, and their short ``id``.

    The id covers the hashes only (not the paths), so a moved checkout still resumes.
    """
    scenario = resolve_scenario_path(config.scenario).resolve()
    catalogue = catalogue_file(scenario).resolve()
    record = {"experiment_sha256": config.sha256,
              "scenario_file": str(scenario), "scenario_sha256": file_sha256(scenario),
              "catalogue_file": str(catalogue), "catalogue_sha256": file_sha256(catalogue),
              "code_sha256": code_sha256({scenario, catalogue}), "version": _version()}
    posterior = load_scenario(config.scenario).posterior
    record["posterior_file"] = config.posterior_file or (posterior.source if posterior else "")
    record["posterior_sha256"] = config.posterior_sha256 or (posterior.sha256 if posterior
                                                             else "")
    hashed = {k: record[k] for k in PROVENANCE_NAMES}
    record["id"] = hashlib.sha256(json.dumps(hashed, sort_keys=True).encode()).hexdigest()[:16]
    return record


def provenance_changes(old: dict[str, Any], new: dict[str, Any], out: Path) -> list[str]:
    """What differs between two provenance records, in words."""
    changes = []
    for key, what in PROVENANCE_NAMES.items():
        if old.get(key) == new.get(key):
            continue
        file_key = key.replace("_sha256", "_file")
        name = f" {Path(new[file_key]).name}" if file_key != key and new.get(file_key) else ""
        detail = f" ({old.get(key)} -> {new.get(key)})" if key == "version" else ""
        changes.append(f"{what}{name} changed{detail} since {out} was started")
    return changes or [f"the provenance of {out} differs"]




def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _version() -> str:
    try:
        return importlib.metadata.version("hybrid-escalation")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def code_version() -> str:
    """``git describe`` of the project if it is a git checkout, else the package version."""
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"], cwd=ROOT,
                              capture_output=True, text=True, timeout=5, check=True)
        if done.stdout.strip():
            return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return _version()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
