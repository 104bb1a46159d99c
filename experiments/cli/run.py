"""`escalation run`: one seeded run of a scenario, its summary and its files."""

from __future__ import annotations

import argparse
from pathlib import Path

from model.validation import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="one seeded run: summary and files")
    run.add_argument("--scenario", default="paris_moscow_call",
                     help="a shipped scenario name or a path to a scenario .toml")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--steps", type=int, default=None,
                     help="horizon in weeks (sets horizon_weeks)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a parameter (repeatable); see `escalation params`")
    run.add_argument("--out", default=None,
                     help="output folder (default outputs/run_<scenario>_seed<N>)")
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from experiments.runner import run_one
    from experiments.single_run import format_summary, write_run
    from model.parameters import parse_override
    from model.scenario import load_scenario

    # Validate everything before anything is written.
    scenario = load_scenario(args.scenario)
    overrides = dict(parse_override(item) for item in args.set)
    if args.steps is not None:
        overrides["horizon_weeks"] = args.steps
    scenario.parameters.with_overrides(overrides, "--set")
    if args.seed < 0:
        raise ConfigError("--seed", str(args.seed), "must be a non-negative integer")
    out = Path(args.out) if args.out else Path("outputs") / f"run_{scenario.name}_seed{args.seed}"
    model = run_one(scenario, args.seed, overrides, record_actions=True)
    summary = write_run(model, out, args.seed)
    print(format_summary(summary))
    print(f"wrote      {out}/summary.json, timeseries.csv, actions.csv")
    return 0
