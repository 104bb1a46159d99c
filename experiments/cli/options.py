"""Command-line options that several commands share, their checks, and the flow the
batch commands share (load, check, run or resume, summarise)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.executors import EXECUTORS, Executor, make_executor
from model.checks import ConfigError

if TYPE_CHECKING:
    from experiments.config import Experiment
    from experiments.pipeline import Finished

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


def bounded_option(text: str | None, option: str, default: int | None, low: int,
                   high: int) -> int:
    """A whole-number option within [low, high]; ``default`` when not given (None: the
    option is required)."""
    number = whole_option(text, option)
    if number is None:
        if default is None:
            raise ConfigError(option, "", "is required")
        return default
    if not low <= number <= high:
        raise ConfigError(option, text, f"must be a whole number from {low} to {high:,}")
    return number


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


def add_experiment_options(parser: argparse.ArgumentParser, quiet_help: str) -> None:
    """The file, output folder, executor and replication options of sweep and sensitivity."""
    parser.add_argument("config", help="experiment file (.toml), e.g. "
                                       "experiments/configs/default.toml")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="output folder (default outputs/<experiment name>)")
    add_executor_options(parser, quiet_help)
    parser.add_argument("--replications", default=None, metavar="N",
                        help="override the file's replications per point")
    add_allow_mixed(parser)


def add_allow_mixed(parser: argparse.ArgumentParser) -> None:
    """``--allow-mixed``: resume a folder although what its runs depend on changed."""
    parser.add_argument("--allow-mixed", action="store_true",
                        help="resume although the experiment file, scenario, catalogue or "
                             "code changed since DIR was started (else refused); the manifest "
                             "records which chunks came from which")


def run_experiment(args: argparse.Namespace, check: Callable | None = None,
                   then: Callable[[Experiment, Path, Finished], None] | None = None
                   ) -> tuple[Experiment, Path, Finished] | None:
    """Load, check, run (or resume) and summarise the experiment the options name.

    ``check`` may refuse the experiment (a ConfigError) before anything runs; ``then``
    writes what the command adds to the folder, still under the folder's lock.
    Returns None after Ctrl-C: the finished chunks stay on disk for a resume.
    """
    from experiments.chunk_store import check_folder
    from experiments.config import load_config
    from experiments.files import check_output, exclusive
    from experiments.pipeline import sweep_to_folder
    from experiments.results import warnings_to_stderr

    config = load_config(args.config)
    replications = whole_option(args.replications, "--replications")
    if replications is not None:
        config = config.with_replications(replications)
    if check is not None:
        check(config)
    out = Path(args.out) if args.out else Path("outputs") / config.name
    check_output(out)
    check_folder(out, config, args.allow_mixed)
    with (executor_from_args(args, config.total_runs) as executor, exclusive(out),
          warnings_to_stderr()):
        if not args.quiet:
            print(f"{config.name}: {len(config.points)} point(s) x {config.replications} "
                  f"replications = {config.total_runs} runs of {Path(config.scenario).stem} "
                  f"({config.design} design, {config.seeds} seeds), {executor.describe()} "
                  f"-> {out}", flush=True)
        done = sweep_to_folder(config, out, executor, progress=not args.quiet,
                               allow_mixed=args.allow_mixed)
        if done is None:
            return None
        if not args.quiet:
            report = done.report
            resumed = f", {report.runs_resumed} found on disk" if report.runs_resumed else ""
            print(f"ran {report.runs_this_session} runs in {report.seconds:.1f} s "
                  f"({report.runs_per_second:.0f} runs/s){resumed}")
        if then is not None:
            then(config, out, done)
    return config, out, done
