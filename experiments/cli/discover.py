"""`escalation discover RESULTS_DIR`: parameter boxes that lead to an outcome, from a sweep.

Reads the sweep's run table (one row per run: varied parameters, outcome), finds
boxes with ``experiments.analysis.discovery.find_boxes`` and writes them as Markdown
and CSV next to the results. Bad input is a ConfigError: one line, exit status 2,
nothing written.
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
    discover.add_argument("--outcome", default="escalated",
                          help=f"one of {', '.join(OUTCOMES)} (default escalated)")
    discover.add_argument("--out", default=None, metavar="FILE",
                          help="Markdown file to write (a .csv of the same name goes beside "
                               "it; default RESULTS_DIR/discovery_<outcome>.md)")
    discover.add_argument("--depth", default="3", metavar="N",
                          help="tree depth: at most N conditions per box (default 3)")
    discover.add_argument("--min-share", default="0.02", metavar="F",
                          help="smallest box, as a share of all runs (default 0.02)")
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

    if args.outcome not in OUTCOMES:
        raise ConfigError("--outcome", args.outcome, f"not one of {', '.join(OUTCOMES)}")
    depth = int(_number(args.depth, "--depth", 1, 10, whole=True))
    min_share = _number(args.min_share, "--min-share", 0.0, 0.5)
    results = Path(args.results)

    from experiments.analysis.discovery import boxes_table, discovery_markdown, find_boxes
    from experiments.files import check_output
    from experiments.results import check_results, load_results, warnings_to_stderr

    manifest = check_results(results)
    with warnings_to_stderr():
        runs = load_results(results, ["outcome", *manifest.get("varied", [])])
    if runs.empty:
        raise ConfigError(str(results), "", "no finished runs in this folder")
    varied = [v for v in manifest.get("varied", []) if v in runs and runs[v].nunique() > 1]
    if not varied:
        raise ConfigError(str(results), "varied", "no parameter varies in these runs: "
                          "nothing to discover")
    md = Path(args.out) if args.out else results / f"discovery_{args.outcome}.md"
    check_output(md, "--out", file=True)

    hit = (runs["outcome"] == args.outcome).to_numpy()
    boxes = find_boxes(runs[varied], hit, max_depth=depth, min_share=min_share)
    table = boxes_table(boxes, args.outcome)
    text = discovery_markdown(str(results), manifest, args.outcome, table, len(runs),
                              int(hit.sum()), varied, depth, min_share)
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(text, encoding="utf-8")
    csv = md.with_suffix(".csv")
    table.to_csv(csv, index=False)
    print(text, end="")
    print(f"wrote {md} and {csv}")
    return 0
