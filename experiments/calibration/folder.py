"""A calibration's output folder: its files, and the manifest that ties it to one fit.

The folder holds pyabc's SQLite history (``history.db``, every finished generation
committed there) and, once finished, the posterior, its summary and diagnostics, the
posterior predictive and figures. The manifest records what is fitted (the calibration
file's identity hash: a folder refuses another calibration), the provenance of the runs
(scenario, code and posterior hashes: a resume after a change is refused), and each
generation's time. Every file is written whole and renamed into place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from experiments.calibration.config import Calibration
from experiments.files import atomic_write
from experiments.provenance import (
    code_sha256,
    code_version,
    file_sha256,
    now_iso,
    package_versions,
)
from model.checks import ConfigError
from model.scenario import load_scenario, resolve_scenario_path

HISTORY = "history.db"
MANIFEST = "manifest.json"
POSTERIOR = "posterior.parquet"
POSTERIOR_SUMMARY = "posterior_summary.csv"
GENERATIONS = "generations.csv"
PREDICTIVE = "predictive.csv"
PREDICTIVE_MD = "predictive.md"
FIGURES = ("generations.png", "marginals.png", "pairs.png", "predictive.png")
FORMAT = 1
ABC_ID = 1                  # one calibration per history


def check_folder(out: Path, identity: str) -> None:
    """Refuse a folder that is not this calibration's (before anything is written): a
    file, a non-empty folder without a manifest, a sweep's folder, another calibration's.
    Symbolic links are resolved first."""
    out = out.resolve()
    if not out.exists():
        return
    if not out.is_dir():
        raise ConfigError("--out", str(out), "is not a folder")
    manifest = out / MANIFEST
    if not manifest.exists():
        if any(p.name != ".lock" for p in out.iterdir()):
            raise ConfigError("--out", str(out), "is not empty and holds no calibration; "
                              "use another --out")
        return
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = None
    if not isinstance(recorded, dict):
        raise ConfigError(str(manifest), "", "damaged manifest: remove the folder (or use "
                          "another --out) and run again")
    if "calibration_sha256" not in recorded:
        kind = "a sweep's results" if "sweep_sha256" in recorded else "another command's files"
        raise ConfigError("--out", str(out), f"holds {kind}, not a calibration (its "
                          "manifest names none); use another --out")
    if recorded["calibration_sha256"] != identity:
        raise ConfigError("--out", str(out), "holds another calibration (its file, priors "
                          "or targets differ); use another --out")


def open_manifest(cal: Calibration, out: Path, finish: bool) -> dict[str, Any]:
    """The folder's manifest: new, or an existing one for this very calibration."""

    path = out / MANIFEST
    identity = calibration_provenance(cal)
    check_folder(out, cal.sha256)
    if path.exists():
        manifest = json.loads(path.read_text(encoding="utf-8"))
        ended_early = str(manifest.get("stopped_by", "")).startswith("--finish")
        resumes = manifest.get("status") != "complete" or (ended_early and not finish)
        changed = [key for key in ("scenario_sha256", "code_sha256", "posterior_sha256")
                   if manifest.get("provenance", {}).get(key) != identity.get(key)]
        if changed and resumes:
            raise ConfigError("--out", str(out), f"{', '.join(changed)} changed since the "
                              "calibration started; resume is refused (use another --out)")
        if resumes:   # an interrupted run, or one ended by --finish, goes on
            manifest["status"] = "running"
    else:
        manifest = {"format": FORMAT, "calibration": cal.name, "description": cal.description,
                    "calibration_file": str(Path(cal.source).resolve()),
                    "calibration_sha256": cal.sha256, "scenario": cal.scenario,
                    "targets": [t.source for t in cal.targets], "seed": cal.seed,
                    "parameters": {k: list(v) for k, v in cal.priors.items()},
                    "screening_mu_star": cal.screening, "runs_per_particle":
                    cal.runs_per_particle, "population": cal.population,
                    "status": "running", "generations_done": 0, "generation_seconds": [],
                    "provenance": identity}
        if cal.hold:
            manifest["held"] = cal.held_record()

    manifest.setdefault("sessions", []).append({"started": now_iso(), "code_version":
                                                code_version()})
    manifest["packages"] = {**package_versions(), "pyabc": pyabc_version()}
    body = json.dumps(manifest, indent=2).encode()
    atomic_write(path, lambda f: f.write(body))
    return manifest



def scenario_sha256(cal: Calibration) -> str:
    """Hash of the calibrated scenario's file (shipped name or path)."""
    return file_sha256(resolve_scenario_path(cal.scenario))


def calibration_provenance(cal: Calibration) -> dict[str, str]:
    scenario_file = resolve_scenario_path(cal.scenario).resolve()
    posterior = load_scenario(cal.scenario).posterior
    return {"scenario_file": str(scenario_file), "scenario_sha256": scenario_sha256(cal),
            "code_sha256": code_sha256({scenario_file}),
            "posterior_sha256": posterior.sha256 if posterior else "",
            "targets_sha256": {t.name: file_sha256(Path(t.source)) for t in cal.targets}}


def pyabc_version() -> str:
    import pyabc

    return pyabc.__version__


def record_generation(manifest: dict[str, Any], generations: int, seconds: float | None,
                      out: Path) -> None:
    """Record that the history holds ``generations`` generations, the last of which took
    ``seconds`` (None: not known, as after a kill between pyabc's commit of a generation
    and this record). The history is the truth and the manifest follows it, so a
    calibration killed at any instant resumes."""
    times = list(manifest.get("generation_seconds", []))[:generations]
    times += [None] * (generations - len(times))
    if seconds is not None and generations:
        times[generations - 1] = round(seconds, 3)
    manifest["generations_done"] = generations
    manifest["generation_seconds"] = times
    body = json.dumps(manifest, indent=2).encode()
    atomic_write(out / MANIFEST, lambda f: f.write(body))
