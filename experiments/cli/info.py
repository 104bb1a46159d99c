"""`escalation scenarios` and `escalation params`: what can be run, and with what."""

from __future__ import annotations

import argparse

from model.parameters import Parameters


def register(subparsers: argparse._SubParsersAction) -> None:
    subparsers.add_parser("scenarios", help="list the shipped scenarios").set_defaults(
        func=cmd_scenarios)
    params = subparsers.add_parser(
        "params", help="list every parameter: default, range, unit, meaning")
    params.add_argument("--markdown", action="store_true",
                        help="print the table used in docs/ODD.md")
    params.set_defaults(func=cmd_params)


def cmd_scenarios(_args: argparse.Namespace) -> int:
    from model.scenario import shipped_scenarios

    for name, description in shipped_scenarios().items():
        print(f"{name:20s} {description}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    if args.markdown:
        print(parameter_table_markdown())
        return 0
    for name in Parameters.names():
        spec = Parameters.spec(name)
        low, high = spec["range"]
        print(f"{name:24s} {spec['default']!s:>8} [{low}, {high}] {spec['unit']}\n"
              f"{'':24s} {spec['meaning']}")
    return 0


def parameter_table_markdown() -> str:
    """The parameter table of docs/ODD.md, generated from model.parameters."""
    rows = ["| parameter | default | range | unit | meaning | source |",
            "| --- | --- | --- | --- | --- | --- |"]
    for name in Parameters.names():
        spec = Parameters.spec(name)
        low, high = spec["range"]
        rows.append(f"| `{name}` | {spec['default']} | {low} – {high} | {spec['unit']} | "
                    f"{spec['meaning']} | {spec['source']} |")
    return "\n".join(rows)
