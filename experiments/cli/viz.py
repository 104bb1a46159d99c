"""`escalation viz`: serve the browser visualisation (app.py) with Solara."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from model.validation import ConfigError

DEFAULT_PORT = 8765
HOST = "127.0.0.1"


def app_path() -> Path:
    """app.py sits at the repository top level, beside this package (Mesa's convention)."""
    return Path(__file__).resolve().parents[2] / "app.py"


def solara_command(port: int) -> list[str]:
    """The server command, with this interpreter's solara (the venv's pinned, offline one).

    ``--production``: solara's development mode reloads every module under the app's
    folder when a file there changes, and with ``.venv`` in that folder the reload
    re-imports numpy and the page dies ("cannot load module more than once per
    process"). ``--no-check-version``: no call home, and no advice to upgrade solara
    past the version whose assets work offline (shared/VIZ_OFFLINE.md).
    """
    return [sys.executable, "-m", "solara", "run", str(app_path()),
            "--host", HOST, "--port", str(port), "--production", "--no-check-version"]


def _cmd_viz(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise ConfigError("--port", str(args.port), "must be between 1 and 65535")
    if not app_path().is_file():
        raise ConfigError(str(app_path()), "", "app.py not found (install the project "
                          "from its source tree: pip install -e .)")
    print(f"escalation viz: serving on http://{HOST}:{args.port}/ (Ctrl-C stops it)", flush=True)
    try:
        return subprocess.call(solara_command(args.port))
    except KeyboardInterrupt:
        return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `viz` subcommand to the `escalation` parser."""
    viz = subparsers.add_parser("viz", help="serve the browser visualisation (Solara, offline)")
    viz.add_argument("--port", type=int, default=DEFAULT_PORT,
                     help=f"port on {HOST} (default {DEFAULT_PORT})")
    viz.set_defaults(func=_cmd_viz)
