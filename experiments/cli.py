"""The `escalation` command line: one run, scenario and parameter listings, sweeps, the app."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from model.parameters import Parameters, parse_override
from model.scenario import load_scenario, shipped_scenarios
from model.validation import ConfigError

Command = Callable[[argparse.Namespace], int]


def _cmd_scenarios(_args: argparse.Namespace) -> int:
    for name, description in shipped_scenarios().items():
        print(f"{name:20s} {description}")
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
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


def _cmd_run(args: argparse.Namespace) -> int:
    from experiments.single_run import format_summary, run_model, write_run

    # Validate everything before anything is written.
    scenario = load_scenario(args.scenario)
    overrides = dict(parse_override(item) for item in args.set)
    if args.steps is not None:
        overrides["horizon_weeks"] = args.steps
    scenario.parameters.with_overrides(overrides, "--set")
    if args.seed < 0:
        raise ConfigError("--seed", str(args.seed), "must be a non-negative integer")
    out = Path(args.out) if args.out else Path("outputs") / f"run_{scenario.name}_seed{args.seed}"
    model = run_model(scenario, args.seed, overrides)
    summary = write_run(model, out, args.seed)
    print(format_summary(summary))
    print(f"wrote      {out}/summary.json, timeseries.csv, actions.csv")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="escalation",
        description="Agent-based model of escalation in a hybrid war (Mesa).")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("scenarios", help="list the shipped scenarios").set_defaults(
        func=_cmd_scenarios)
    params = sub.add_parser("params", help="list every parameter: default, range, unit, meaning")
    params.add_argument("--markdown", action="store_true",
                        help="print the table used in docs/ODD.md")
    params.set_defaults(func=_cmd_params)

    run = sub.add_parser("run", help="one seeded run: summary and files")
    run.add_argument("--scenario", default="paris_moscow_call",
                     help="a shipped scenario name or a path to a scenario .toml")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--steps", type=int, default=None,
                     help="horizon in weeks (sets horizon_weeks)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a parameter (repeatable); see `escalation params`")
    run.add_argument("--out", default=None,
                     help="output folder (default outputs/run_<scenario>_seed<N>)")
    run.set_defaults(func=_cmd_run)

    from experiments import viz
    viz.register(sub)
    from experiments import sweep_cli
    sweep_cli.register(sub)
    from experiments import sensitivity_cli
    sensitivity_cli.register(sub)
    from experiments import discovery_cli
    discovery_cli.register(sub)
    from experiments import export
    export.register(sub)
    from experiments import report_cli
    report_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"escalation: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
