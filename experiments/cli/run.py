"""`escalation run`: one seeded run of a scenario, its summary and its files."""

from __future__ import annotations

import argparse
from pathlib import Path

from experiments.cli.options import whole_option
from model.checks import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="one seeded run: summary and files")
    run.add_argument("--scenario", default="paris_moscow_call",
                     help="a shipped scenario name or a path to a scenario .toml")
    run.add_argument("--seed", default=None, metavar="N",
                     help="random seed, 0 to 2**63-1 (default 0)")
    run.add_argument("--steps", default=None, metavar="WEEKS",
                     help="horizon in weeks (sets horizon_weeks)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a parameter (repeatable); see `escalation params`")
    run.add_argument("--out", default=None,
                     help="output folder (default outputs/run_<scenario>_seed<N>, then "
                          "_<key>=<value> per override; a folder holding another run is "
                          "refused)")
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from experiments.runner import run_one
    from experiments.seeds import MAX_SEED
    from experiments.single_run import check_same_run, format_summary, run_folder, write_run
    from model.parameters import Parameters, parse_override
    from model.scenario import load_scenario

    # Validate everything before anything is written.
    seed = whole_option(args.seed, "--seed")
    seed = 0 if seed is None else seed
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError("--seed", args.seed, f"must be a whole number from 0 to {MAX_SEED}")
    scenario = load_scenario(args.scenario)
    overrides = dict(parse_override(item) for item in args.set)
    scenario.parameters.with_overrides(overrides, "--set")
    steps = whole_option(args.steps, "--steps")
    if steps is not None:
        if "horizon_weeks" in overrides:
            raise ConfigError("--steps", args.steps,
                              "sets horizon_weeks, which --set also sets; give it once")
        low, high = Parameters.spec("horizon_weeks")["range"]
        if not low <= steps <= high:
            raise ConfigError("--steps", args.steps, f"must be a whole number of weeks from "
                              f"{low} to {high} (it sets horizon_weeks)")
        overrides["horizon_weeks"] = steps
    out = Path(args.out) if args.out else run_folder(scenario.name, seed, overrides)
    _check_out(out)
    check_same_run(out, scenario.name, seed,
                   scenario.parameters.with_overrides(overrides, "--set").as_dict())
    model = run_one(scenario, seed, overrides, record_actions=True, record_weeks=True)
    try:
        summary = write_run(model, out, seed, overrides)
    except OSError as exc:  # e.g. a read-only folder: found only on writing
        raise ConfigError("--out", str(out), f"cannot write ({exc.strerror or exc})") from None
    print(format_summary(summary, {"war": scenario.initial_rung,
                                   "confrontation": scenario.confrontation_rung}))
    print(f"wrote      {out}/summary.json, timeseries.csv, actions.csv")
    return 0


def _check_out(out: Path) -> None:
    """An output folder that can be written (``check_output``), and neither another
    command's folder nor a non-empty folder that is not a run's."""
    from experiments.files import check_output, check_own_folder

    check_output(out)
    check_own_folder(out, marks=("summary.json",))
