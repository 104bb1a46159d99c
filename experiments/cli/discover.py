"""`escalation discover RESULTS_DIR`: parameter boxes that lead to an outcome, from a sweep.

Reads the sweep's run table (one row per run: varied parameters, outcome), finds
boxes with ``experiments.analysis.discovery.find_boxes`` and writes them as Markdown
and CSV next to the results. Bad input is a ConfigError: one line, exit status 2,
nothing written; so are a run table with runs missing (unless ``--partial``) and an
output onto any other file of the results folder or into another results folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model.checks import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``discover`` subcommand to the ``escalation`` parser."""
    from model.outcomes import OUTCOMES

    discover = subparsers.add_parser(
        "discover", help="scenario discovery: parameter boxes that lead to an outcome",
        description="Find readable boxes of the varied parameters (a shallow decision tree) "
                    "where an outcome is over-represented in a sweep's runs, with coverage "
                    "and density; writes discovery_<outcome>.md and .csv in RESULTS_DIR.")
    discover.add_argument("results", metavar="RESULTS_DIR",
                          help="a sweep's output folder, e.g. outputs/hybrid")
    discover.add_argument("--outcome", default=None,
                          help=f"one of {', '.join(OUTCOMES)} (default: the first of "
                               "escalated, negotiated, frozen, ongoing that some but not all "
                               "of the runs reached)")
    discover.add_argument("--out", default=None, metavar="FILE",
                          help="Markdown file to write (a .csv of the same name goes beside "
                               "it; default RESULTS_DIR/discovery_<outcome>.md)")
    discover.add_argument("--depth", default="3", metavar="N",
                          help="tree depth: at most N conditions per box (default 3)")
    discover.add_argument("--min-share", default="0.02", metavar="F",
                          help="smallest box, as a share of all runs (default 0.02)")
    discover.add_argument("--partial", action="store_true",
                          help="use the runs there are when some are missing (a sweep "
                               "stopped or still running, chunks lost); else refused")
    discover.set_defaults(func=cmd_discover)


def _number(text: str, option: str, low: float, high: float, whole: bool = False) -> float:
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(option, text, f"must be {kind}") from None
    if not low <= value <= high:
        raise ConfigError(option, text, f"must be within [{low}, {high}]")
    return value


def cmd_discover(args: argparse.Namespace) -> int:
    from model.outcomes import OUTCOMES

    if args.outcome is not None and args.outcome not in OUTCOMES:
        raise ConfigError("--outcome", args.outcome, f"not one of {', '.join(OUTCOMES)}")
    depth = int(_number(args.depth, "--depth", 1, 10, whole=True))
    min_share = _number(args.min_share, "--min-share", 0.0, 0.5)
    results = Path(args.results)

    from experiments.analysis.discovery import (
        boxes_table,
        default_outcome,
        discovery_markdown,
        find_boxes,
    )
    from experiments.files import atomic_write, check_beside, check_output
    from experiments.results import check_results, load_results, warnings_to_stderr

    manifest = check_results(results)
    if args.out is not None:   # an output given: refused before anything is read
        for path in (Path(args.out), Path(args.out).with_suffix(".csv")):
            check_output(path, "--out", file=True)
    if args.outcome is None:  # the default output's name needs it: read the outcomes first
        with warnings_to_stderr():
            args.outcome = default_outcome(load_results(results, ["outcome"],
                                                        args.partial)["outcome"])
        print(f"outcome: {args.outcome} (--outcome not given: the first of escalated, "
              "negotiated, frozen, ongoing that some but not all runs reached)")
    md = Path(args.out) if args.out else results / f"discovery_{args.outcome}.md"
    csv = md.with_suffix(".csv")
    for path in (md, csv):
        check_output(path, "--out", file=True)
        check_beside(path, results, frozenset({f"discovery_{args.outcome}.md",
                                               f"discovery_{args.outcome}.csv"}))
    with warnings_to_stderr():
        runs = load_results(results, ["outcome", *manifest.get("varied", [])], args.partial)
    if runs.empty:
        raise ConfigError(str(results), "", "no finished runs in this folder")
    varied = [v for v in manifest.get("varied", []) if v in runs and runs[v].nunique() > 1]
    if not varied:
        raise ConfigError(str(results), "varied", "no parameter varies in these runs: "
                          "nothing to discover")

    hit = (runs["outcome"] == args.outcome).to_numpy()
    boxes = find_boxes(runs[varied], hit, max_depth=depth, min_share=min_share)
    table = boxes_table(boxes, args.outcome)
    text = discovery_markdown(str(results), manifest, args.outcome, table, len(runs),
                              int(hit.sum()), varied, depth, min_share)
    md.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(md, lambda f: f.write(text.encode("utf-8")))
    body = table.to_csv(index=False).encode("utf-8")
    atomic_write(csv, lambda f: f.write(body))
    print(text, end="")
    print(f"wrote {md} and {csv}")
    return 0
