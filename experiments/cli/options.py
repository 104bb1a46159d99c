"""Command-line options that several commands share, and their checks."""

from __future__ import annotations

import argparse

from experiments.executors import EXECUTORS, Executor, make_executor
from model.validation import ConfigError

# Below this many runs a process pool costs more to start than it saves (about a
# second of start-up against ~15 ms per run on one core), so runs stay in-process.
SMALL_EXPERIMENT_RUNS = 200


def add_executor_options(parser: argparse.ArgumentParser, quiet_help: str) -> None:
    """The options every batch command shares: where runs execute, and how chatty it is."""
    parser.add_argument("--executor", default=None, metavar="NAME",
                        help=f"{', '.join(EXECUTORS)} (default: processes, or "
                             f"sequential below {SMALL_EXPERIMENT_RUNS} runs; dask with "
                             "--scheduler)")
    parser.add_argument("--workers", default=None, metavar="N",
                        help="worker processes (default: all cores)")
    parser.add_argument("--scheduler", default=None, metavar="ADDR",
                        help="join a running dask scheduler, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--quiet", action="store_true", help=quiet_help)


def whole_option(text: str | None, option: str) -> int | None:
    """A whole-number command-line option (None if not given)."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise ConfigError(option, text, "must be a whole number") from None


def executor_name(args: argparse.Namespace, runs: int) -> str:
    """The executor asked for, or the default for an experiment of ``runs`` runs."""
    if args.executor:
        return args.executor
    if args.scheduler:
        return "dask"
    return "sequential" if runs < SMALL_EXPERIMENT_RUNS else "processes"


def executor_from_args(args: argparse.Namespace, runs: int) -> Executor:
    """Start the executor the shared options ask for (checked before it starts)."""
    return make_executor(executor_name(args, runs), whole_option(args.workers, "--workers"),
                         args.scheduler)
