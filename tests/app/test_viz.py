"""Stopping `escalation viz` stops the server it started, however it is stopped.

Real processes: the command starts solara on a free port; the test signals the command
(SIGTERM as `kill` does, SIGKILL which cannot be caught) and checks that the server is
gone and its port closed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by init, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_stopping_viz_stops_the_server_it_started(stop):
    port = free_port()
    command = subprocess.Popen([sys.executable, "-m", "experiments.cli", "viz", "--port",
                                str(port)], cwd=REPO, stdout=subprocess.DEVNULL,
                               start_new_session=True)
    children: list[int] = []
    try:
        assert wait_until(lambda: answers(port), 60), "the server never answered"
        children = [int(pid) for pid in Path(
            f"/proc/{command.pid}/task/{command.pid}/children").read_text().split()]
        assert len(children) == 1 and alive(children[0])
        os.kill(command.pid, stop)
        assert command.wait(timeout=15) == (0 if stop == signal.SIGTERM else -stop)
        assert wait_until(lambda: not alive(children[0]), 10), "the server outlived viz"
        assert wait_until(lambda: not answers(port), 5), "the port still answers"
    finally:
        for pid in (command.pid, *children):
            with suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        command.wait()
