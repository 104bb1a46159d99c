"""The `escalation` command line: argparse only.

Each command lives in its own module with a ``register`` function; heavy
libraries are imported inside the command functions, so ``escalation --help``
and ``escalation params`` start in a fraction of a second.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

INTERRUPTED = 130   # 128 + SIGINT: what a shell reports for a command stopped by Ctrl-C
REDELIVER_S = 0.01  # after a Ctrl-C swallowed by a finalizer, when to deliver it again
_interrupts: list[int] = []   # every Ctrl-C this command received


def _on_interrupt(signum: int, frame: object) -> None:
    """Python's own Ctrl-C handler, which also remembers the Ctrl-C: an extension module
    that loads while it lands (pandas, through ``PyCapsule_Import``) replaces the
    KeyboardInterrupt with an ImportError, and the command must still stop in one line."""
    _interrupts.append(signum)
    signal.default_int_handler(signum, frame)


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is a Ctrl-C, or an error raised in its place after one arrived."""
    return isinstance(exc, KeyboardInterrupt) or bool(_interrupts)


def _remember_interrupts() -> None:
    """Put ``_on_interrupt`` in place of Python's own handler (not of one a caller set,
    nor where Ctrl-C is ignored; only the main thread may). On import, for a Ctrl-C
    while the commands load, and again by ``main`` (a caller may have restored
    Python's own handler since)."""
    if (signal.getsignal(signal.SIGINT) is signal.default_int_handler
            and threading.current_thread() is threading.main_thread()):
        signal.signal(signal.SIGINT, _on_interrupt)


_remember_interrupts()


def stopped() -> int:
    """Ctrl-C, at any moment: one line, exit status 130 (finished work stays on disk)."""
    print("escalation: interrupted; what was finished is kept (run the same command again "
          "to go on)", file=sys.stderr)
    return INTERRUPTED


try:   # Ctrl-C while the commands load (numpy...) stops as cleanly as later on
    from experiments.cli import (
        calibrate,
        condition,
        discover,
        export,
        info,
        report,
        run,
        sensitivity,
        sweep,
        trace,
        validate,
        viz,
    )
    from model.checks import ConfigError
except (KeyboardInterrupt, ImportError) as exc:
    if not interrupted(exc):
        raise
    sys.exit(stopped())

COMMANDS = (info, run, trace, sweep, sensitivity, calibrate, condition, validate, discover,
            report, export, viz)


class VersionAction(argparse.Action):
    """``--version``, looked up only when asked (importlib.metadata is slow to load)."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        from importlib.metadata import version

        print(f"{parser.prog} {version('hybrid-escalation')}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="escalation",
        description="Agent-based model of escalation in a hybrid war (Mesa).")
    parser.add_argument("--version", action=VersionAction, nargs=0,
                        help="print the installed version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    hook, sys.unraisablehook = sys.unraisablehook, redeliver_interrupt
    _interrupts.clear()   # a Ctrl-C an earlier call in this process received is not this one's
    _remember_interrupts()
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except ConfigError as exc:
        print(f"escalation: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return stopped()
    except BrokenPipeError:
        return pipe_closed()
    except Exception as exc:
        if not interrupted(exc):
            raise
        return stopped()
    finally:
        sys.unraisablehook = hook


def redeliver_interrupt(unraisable: sys.UnraisableHookArgs) -> None:
    """A Ctrl-C that lands while a finalizer runs (a weakref callback, ``__del__``) would
    be printed as a traceback and swallowed, and the command go on: deliver it again,
    once the finalizer is over (a moment later, from a timer: a delivery from here would
    land in this hook), to the command's own code, which then stops in one line."""
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        timer = threading.Timer(REDELIVER_S, signal.pthread_kill,   # a signal, so a wait
                                (threading.main_thread().ident, signal.SIGINT))  # ends too
        timer.daemon = True   # a command that ends first is not interrupted at its exit
        timer.start()
    else:
        sys.__unraisablehook__(unraisable)


PIPE_CLOSED = 141   # 128 + SIGPIPE: what a shell reports when the reader stops early


def pipe_closed() -> int:
    """The reader of stdout stopped (``escalation params | head``): end quietly. Python
    would flush stdout again at exit and print a traceback; point it at /dev/null."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return PIPE_CLOSED
