"""`escalation sweep CONFIG`: validate, run (or resume) a sweep, summarise, draw, print.

Everything that can be wrong with the input (sweep file, options, output folder,
scheduler address) is checked before the output folder is created, and reported
as a ConfigError: one line, exit status 2, nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.executors import add_executor_options, executor_from_args, whole_option
from experiments.storage import check_folder, resume_warnings
from experiments.sweep_config import load_sweep


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand to the ``escalation`` parser."""
    sweep = subparsers.add_parser(
        "sweep", help="batch sweep from a sweep file: outcome shares with 95%% intervals",
        description="Run every (parameter point, replication) of a sweep file, streaming "
                    "results to DIR as Parquet chunks; re-running the same command resumes.")
    sweep.add_argument("config", help="sweep file (.toml), e.g. experiments/configs/default.toml")
    sweep.add_argument("--out", default=None, metavar="DIR",
                       help="output folder (default outputs/<experiment name>)")
    add_executor_options(sweep, "no progress bar: print only the final outcome table")
    sweep.add_argument("--replications", default=None, metavar="N",
                       help="override the file's replications per point")
    sweep.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from experiments.results import format_table
    from experiments.sweep import sweep_to_folder

    config = load_sweep(args.config)
    replications = whole_option(args.replications, "--replications")
    if replications is not None:
        config = config.with_replications(replications)
    out = Path(args.out) if args.out else Path("outputs") / config.name
    check_folder(out, config)
    for warning in resume_warnings(out, config):
        print(f"escalation: warning: {warning}; delete the folder for a clean sweep",
              file=sys.stderr)
    with executor_from_args(args) as executor:
        if not args.quiet:
            print(f"sweep {config.name}: {len(config.points)} point(s) x {config.replications} "
                  f"replications = {config.total_runs} runs of {Path(config.scenario).stem} "
                  f"({config.design} design), {executor.describe()} -> {out}", flush=True)
        done = sweep_to_folder(config, out, executor, progress=not args.quiet)
    if done is None:
        return 130
    report, per_point, overall = done
    if not args.quiet:
        resumed = f", {report.runs_resumed} found on disk" if report.runs_resumed else ""
        print(f"ran {report.runs_this_session} runs in {report.seconds:.1f} s "
              f"({report.runs_per_second:.0f} runs/s){resumed}")
    print(format_table(per_point, overall))
    if not args.quiet:
        print(f"wrote {out}/: chunk-*.parquet (one row per run; experiments.load_results), "
              "summary.csv, summary_overall.csv, manifest.json, figures/")
    return 0
