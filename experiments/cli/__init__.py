"""The `escalation` command line: argparse only.

Each command lives in its own module with a ``register`` function; heavy
libraries are imported inside the command functions, so ``escalation --help``
and ``escalation params`` start in a fraction of a second.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from experiments.cli import (
    calibrate,
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

COMMANDS = (info, run, trace, sweep, sensitivity, calibrate, validate, discover, report,
            export, viz)


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
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"escalation: error: {exc}", file=sys.stderr)
        return 2
