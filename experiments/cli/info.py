"""`escalation scenarios` and `escalation params`: what can be run, and with what."""

from __future__ import annotations

import argparse

from model.parameters import GROUPS, Parameters


def register(subparsers: argparse._SubParsersAction) -> None:
    subparsers.add_parser("scenarios", help="list the shipped scenarios").set_defaults(
        func=cmd_scenarios)
    params = subparsers.add_parser(
        "params", help="list every parameter by group: default, range, unit, meaning")
    params.add_argument("--group", choices=tuple(GROUPS),
                        help="show one group only: " + "; ".join(
                            f"{name}: {text}" for name, text in GROUPS.items()))
    params.add_argument("--markdown", action="store_true",
                        help="print the tables used in docs/ODD.md")
    params.set_defaults(func=cmd_params)


def cmd_scenarios(_args: argparse.Namespace) -> int:
    from model.scenario import shipped_scenarios

    for name, description in shipped_scenarios().items():
        print(f"{name:20s} {description}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    groups = (args.group,) if args.group else tuple(GROUPS)
    if args.markdown:
        print(parameter_table_markdown(args.group))
        return 0
    blocks = []
    for group in groups:
        names = Parameters.names(group)
        lines = [f"== {group} ({len(names)}): {GROUPS[group]}"]
        for name in names:
            spec = Parameters.spec(name)
            low, high = spec["range"]
            lines.append(f"{name:30s} {_shown(spec['default']):>8} [{low}, {high}] "
                         f"{spec['unit']}\n{'':30s} {spec['meaning']}")
        blocks.append("\n".join(lines))
    print("\n\n".join(blocks))
    return 0


def _shown(value: object) -> str:
    """A default as printed: long floats to 6 significant digits (1/600: 0.00166667)."""
    text = str(value)
    return f"{value:.6g}" if isinstance(value, float) and len(text) > 8 else text


def parameter_table_markdown(group: str | None = None) -> str:
    """The parameter tables of docs/ODD.md (one per group), generated from model.parameters."""
    tables = []
    for name in (group,) if group else tuple(GROUPS):
        tables.append(f"#### Group `{name}`: {GROUPS[name]}\n\n" + _table(name))
    return "\n\n".join(tables)


def _table(group: str) -> str:
    rows = ["| parameter | default | range | unit | meaning | source |",
            "| --- | --- | --- | --- | --- | --- |"]
    for name in Parameters.names(group):
        spec = Parameters.spec(name)
        low, high = spec["range"]
        rows.append(f"| `{name}` | {spec['default']} | {low} – {high} | {spec['unit']} | "
                    f"{spec['meaning']} | {spec['source']} |")
    return "\n".join(rows)
