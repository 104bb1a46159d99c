"""`escalation export RESULTS_DIR`: a sweep's run table as one CSV, for tools without Parquet.

The CSV holds exactly what ``load_results`` gives a notebook (one row per run), so a
spreadsheet, R or Stata user sees the same columns. Missing thresholds (never
crossed) are empty cells. A folder without results, a table with runs missing (unless
``--partial``, which says what is missing) and an output onto any other file of the
folder or into another results folder are ConfigErrors: one line, exit status 2,
nothing written.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

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
                        help=f"CSV file to write (default RESULTS_DIR/{DEFAULT_NAME}; never "
                             "another file of RESULTS_DIR)")
    export.add_argument("--partial", action="store_true",
                        help="write the runs there are when some are missing (a sweep "
                             "stopped or still running, chunks lost); else refused")
    export.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    target, runs = export_csv(args.results, args.out, args.partial)
    coverage = runs.attrs["coverage"]
    counts = f"{len(runs)} runs" if coverage.complete else \
        f"{len(runs)} of {coverage.runs_total} runs (partial: {coverage.describe()})"
    print(f"wrote {target}: {counts}")
    return 0


def export_csv(results: Path | str, out: Path | str | None = None,
               partial: bool = False) -> tuple[Path, pd.DataFrame]:
    """Write the run table of ``results`` as CSV (default ``results/runs.csv``).

    Returns the file and the table written (its ``attrs["coverage"]`` says whether it
    is whole). A table with runs missing is refused unless ``partial``.
    """
    from experiments.files import atomic_write, check_beside, check_output
    from experiments.results import check_results, load_results, warnings_to_stderr

    results = Path(results)
    check_results(results)
    target = Path(out) if out is not None else results / DEFAULT_NAME
    check_output(target, "--out", file=True)
    check_beside(target, results, frozenset({DEFAULT_NAME}))
    with warnings_to_stderr():
        runs = load_results(results, partial=partial)
    text = runs.to_csv(index=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda f: f.write(text.encode("utf-8")))
    return target, runs
