"""`escalation sweep CONFIG`: validate, run (or resume) an experiment, summarise, draw, print.

Everything that can be wrong with the input (experiment file, options, output
folder, scheduler address) is checked before the output folder is created, and
reported as a ConfigError: one line, exit status 2, nothing written. The command
then holds the folder's lock (one writer per folder) until its last file is written.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.cli.options import add_executor_options, executor_from_args, whole_option

if TYPE_CHECKING:
    from experiments.config import Experiment
    from experiments.pipeline import Finished


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand to the ``escalation`` parser."""
    sweep = subparsers.add_parser(
        "sweep", help="batch sweep from an experiment file: outcome shares with 95%% intervals",
        description="Run every (parameter point, replication) of an experiment file, "
                    "streaming results to DIR as Parquet chunks; re-running the same command "
                    "resumes.")
    add_experiment_options(sweep, "no progress bar: print only the final outcome table")
    sweep.set_defaults(func=cmd_sweep)


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
    from experiments.config import load_config
    from experiments.pipeline import sweep_to_folder
    from experiments.results import warnings_to_stderr
    from experiments.storage import check_folder, check_output, exclusive

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


def cmd_sweep(args: argparse.Namespace) -> int:
    from experiments.results import format_table

    ran = run_experiment(args)
    if ran is None:
        return 130
    _, out, done = ran
    print(format_table(done.per_point, done.overall))
    if not args.quiet:
        print(f"wrote {out}/: chunk-*.parquet (one row per run; experiments.load_results), "
              "summary.csv, summary_overall.csv, manifest.json, figures/")
    return 0
