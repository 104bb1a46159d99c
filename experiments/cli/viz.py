"""`escalation viz`: serve the browser workbench (app.py) with Solara, and stop it with us.

The server runs as a child in its own process group. A SIGTERM, SIGINT (Ctrl-C) or
SIGHUP of this command is forwarded to that group, and after ``GRACE_SECONDS`` the
group is killed. A SIGKILL of this command cannot be forwarded: on Linux the child
asks the kernel to kill it when its parent dies (``PR_SET_PDEATHSIG``), so no server
is ever left behind on the port.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from model import ConfigError

DEFAULT_PORT = 8765
HOST = "127.0.0.1"
RESULTS_ENV = "ESCALATION_RESULTS"   # read by browser.session.Explorer: the folder to open
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
GRACE_SECONDS = 5.0
PR_SET_PDEATHSIG = 1                  # linux/prctl.h


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


def die_with_parent(parent: int) -> Callable[[], None]:
    """A preexec_fn: the child is killed when ``parent`` dies (Linux), even by SIGKILL."""
    def arm() -> None:
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:   # the parent died before the request took effect
            os._exit(1)
    return arm


class Stop(Exception):
    """A stop signal reached this command."""


def serve(command: list[str], env: dict[str, str]) -> int:
    """Run the server until it ends or a stop signal arrives; then stop its whole group.

    (A signal before the handlers are set kills this command, and the kernel the child.)
    """
    def stop(signum: int, _frame: object) -> None:
        raise Stop(signum)

    child = subprocess.Popen(command, env=env, start_new_session=True,
                             preexec_fn=die_with_parent(os.getpid()))
    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        return child.wait()
    except Stop:
        return 0
    finally:
        _stop_group(child)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_group(child: subprocess.Popen) -> None:
    """SIGTERM the child's process group, and SIGKILL it if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            return   # the group is gone
        try:
            child.wait(timeout=GRACE_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue


def _cmd_viz(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise ConfigError("--port", str(args.port), "must be between 1 and 65535")
    if not app_path().is_file():
        raise ConfigError(str(app_path()), "", "app.py not found (install the project "
                          "from its source tree: pip install -e .)")
    env = dict(os.environ)
    url = f"http://{HOST}:{args.port}/"
    if args.results is not None:
        env[RESULTS_ENV] = str(Path(args.results).expanduser().absolute())
        url += "results"
    print(f"escalation viz: serving on {url} (Ctrl-C stops it)", flush=True)
    return serve(solara_command(args.port), env)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `viz` subcommand to the `escalation` parser."""
    viz = subparsers.add_parser(
        "viz", help="serve the browser workbench: a run week by week, and a results "
                    "explorer (Solara, offline)",
        description="Serve the browser workbench on 127.0.0.1: the run page (/) and the "
                    "results explorer (/results). Each browser session has its own model.")
    viz.add_argument("--port", type=int, default=DEFAULT_PORT,
                     help=f"port on {HOST} (default {DEFAULT_PORT})")
    viz.add_argument("--results", default=None, metavar="DIR",
                     help="open this sweep, sensitivity or calibration folder in the results "
                          "explorer (a folder it cannot open is refused there, in one line)")
    viz.set_defaults(func=_cmd_viz)
