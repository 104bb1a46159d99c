"""`escalation export RESULTS_DIR`: a sweep's run table as one CSV, for tools without Parquet.

The CSV holds exactly what ``load_results`` gives a notebook (one row per run), so a
spreadsheet, R or Stata user sees the same columns. Missing thresholds (never
crossed) are empty cells. A folder without results is a ConfigError: one line,
exit status 2, nothing written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_NAME = "runs.csv"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand to the ``escalation`` parser."""
    export = subparsers.add_parser(
        "export", help="write a sweep's run table as CSV (one row per run)",
        description="Write the run table of a sweep folder (the rows of "
                    "experiments.load_results) as one CSV file.")
    export.add_argument("results", metavar="RESULTS_DIR",
                        help="a sweep's output folder, e.g. outputs/default")
    export.add_argument("--out", default=None, metavar="FILE.csv",
                        help=f"CSV file to write (default RESULTS_DIR/{DEFAULT_NAME})")
    export.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    target, rows = export_csv(args.results, args.out)
    print(f"wrote {target}: {rows} runs")
    return 0


def export_csv(results: Path | str, out: Path | str | None = None) -> tuple[Path, int]:
    """Write the run table of ``results`` as CSV (default ``results/runs.csv``).

    Returns the file and its number of rows.
    """
    from experiments.files import atomic_write, check_output
    from experiments.results import check_results, load_results, warnings_to_stderr

    results = Path(results)
    check_results(results)
    target = Path(out) if out is not None else results / DEFAULT_NAME
    check_output(target, "--out", file=True)
    with warnings_to_stderr():
        runs = load_results(results)
    text = runs.to_csv(index=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda f: f.write(text.encode("utf-8")))
    return target, len(runs)
