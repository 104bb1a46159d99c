"""`escalation sweep CONFIG`: validate, run (or resume) a sweep, summarise, draw, print.

Everything that can be wrong with the input (sweep file, options, output folder,
scheduler address) is checked before the output folder is created, and reported
as a ConfigError: one line, exit status 2, nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.executors import EXECUTORS, make_executor
from experiments.storage import check_folder, resume_warnings
from experiments.sweep_config import load_sweep
from model.validation import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand to the ``escalation`` parser."""
    sweep = subparsers.add_parser(
        "sweep", help="batch sweep from a sweep file: outcome shares with 95%% intervals",
        description="Run every (parameter point, replication) of a sweep file, streaming "
                    "results to DIR as Parquet chunks; re-running the same command resumes.")
    sweep.add_argument("config", help="sweep file (.toml), e.g. experiments/configs/default.toml")
    sweep.add_argument("--out", default=None, metavar="DIR",
                       help="output folder (default outputs/<experiment name>)")
    sweep.add_argument("--executor", default=None, metavar="NAME",
                       help=f"{', '.join(EXECUTORS)} (default processes; dask with --scheduler)")
    sweep.add_argument("--workers", default=None, metavar="N",
                       help="worker processes (default: all cores)")
    sweep.add_argument("--scheduler", default=None, metavar="ADDR",
                       help="join a running dask scheduler, e.g. tcp://10.0.0.5:8786")
    sweep.add_argument("--replications", default=None, metavar="N",
                       help="override the file's replications per point")
    sweep.add_argument("--quiet", action="store_true",
                       help="no progress bar: print only the final outcome table")
    sweep.set_defaults(func=cmd_sweep)


def _whole(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise ConfigError(option, text, "must be a whole number") from None


def cmd_sweep(args: argparse.Namespace) -> int:
    from experiments.figures import make_figures
    from experiments.results import format_table, summarise
    from experiments.sweep import run_sweep

    config = load_sweep(args.config)
    replications = _whole(args.replications, "--replications")
    if replications is not None:
        config = config.with_replications(replications)
    workers = _whole(args.workers, "--workers")
    name = args.executor or ("dask" if args.scheduler else "processes")
    out = Path(args.out) if args.out else Path("outputs") / config.name
    check_folder(out, config)
    for warning in resume_warnings(out, config):
        print(f"escalation: warning: {warning}; delete the folder for a clean sweep",
              file=sys.stderr)
    with make_executor(name, workers, args.scheduler) as executor:
        if not args.quiet:
            print(f"sweep {config.name}: {len(config.points)} point(s) x {config.replications} "
                  f"replications = {config.total_runs} runs of {Path(config.scenario).stem} "
                  f"({config.design} design), {executor.describe()} -> {out}", flush=True)
        try:
            report = run_sweep(config, out, executor, progress=not args.quiet)
        except KeyboardInterrupt:
            print(f"\ninterrupted: finished chunks are kept in {out}; run the same command "
                  "again to resume", file=sys.stderr)
            return 130
    per_point, overall = summarise(out)
    make_figures(out, per_point)
    if not args.quiet:
        resumed = f", {report.runs_resumed} found on disk" if report.runs_resumed else ""
        print(f"ran {report.runs_this_session} runs in {report.seconds:.1f} s "
              f"({report.runs_per_second:.0f} runs/s){resumed}")
    print(format_table(per_point, overall))
    if not args.quiet:
        print(f"wrote {out}/: chunk-*.parquet (one row per run; experiments.load_results), "
              "summary.csv, summary_overall.csv, manifest.json, figures/")
    return 0
