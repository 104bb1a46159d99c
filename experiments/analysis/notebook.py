"""What the analysis notebook needs besides pandas: finding the sweep folder it reads.

Kept here so the notebook's first cell is three lines, not path-finding.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]   # the repository


def find_results(wanted: str | Path, cwd: Path | None = None) -> Path:
    """The sweep folder ``wanted`` names (one with a manifest.json): an absolute path, or
    a path relative to ``cwd`` (default: the current folder), then to the repository."""
    wanted = Path(wanted).expanduser()
    here = Path.cwd() if cwd is None else cwd
    candidates = [wanted] if wanted.is_absolute() else [here / wanted, ROOT / wanted]
    for candidate in candidates:
        if (candidate / "manifest.json").is_file():
            return candidate.resolve()
    tried = " or ".join(str(c) for c in dict.fromkeys(candidates))
    raise FileNotFoundError(
        f"no sweep results in {tried} (no manifest.json): run a sweep first, e.g. "
        "`escalation sweep experiments/configs/default.toml` (writes outputs/default), "
        "or set ESCALATION_RESULTS to a sweep's output folder")
