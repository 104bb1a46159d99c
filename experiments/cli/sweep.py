"""`escalation sweep CONFIG`: validate, run (or resume) an experiment, summarise, draw, print.

Everything that can be wrong with the input (experiment file, options, output
folder, scheduler address) is checked before the output folder is created, and
reported as a ConfigError: one line, exit status 2, nothing written. The command
then holds the folder's lock (one writer per folder) until its last file is written.
"""

from __future__ import annotations

import argparse

from experiments.cli.options import add_experiment_options, run_experiment


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand to the ``escalation`` parser."""
    sweep = subparsers.add_parser(
        "sweep", help="batch sweep from an experiment file: outcome shares with 95%% intervals",
        description="Run every (parameter point, replication) of an experiment file, "
                    "streaming results to DIR as Parquet chunks; re-running the same command "
                    "resumes.")
    add_experiment_options(sweep, "no progress bar: print only the final outcome table")
    sweep.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from experiments.analysis.summaries import SweepFacts, format_table
    from experiments.chunk_store import read_manifest

    ran = run_experiment(args)
    if ran is None:
        return 130
    _, out, done = ran
    print(format_table(done.per_point, done.overall, SweepFacts.of(read_manifest(out))))
    if not args.quiet:
        print(f"wrote {out}/: chunk-*.parquet (one row per run; experiments.load_results), "
              "summary.csv, summary_overall.csv, manifest.json, figures/")
    return 0
