"""`escalation trace MECHANISM`: one seeded run of a mechanism's documented setting,
week by week (the traces of docs/MECHANISMS.md)."""

from __future__ import annotations

import argparse

from model.checks import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    trace = subparsers.add_parser(
        "trace", help="a mechanism's chain in one seeded run, week by week (Markdown)",
        description="Run the scenario under a mechanism's documented setting "
                    "(model/settings.py MECHANISM_SETTINGS) and print its chain: the "
                    "mechanism's actions, the series it moves, and how the run ended.")
    trace.add_argument("mechanism", help="hybrid_spiral, truce_collapse, military_collapse or "
                                         "nuclear_threats")
    trace.add_argument("--scenario", default="paris_moscow_call",
                       help="a shipped scenario name or a path to a scenario .toml")
    trace.add_argument("--seed", type=int, default=None,
                       help="random seed (default: the setting's trace_seed, the run of "
                            "docs/MECHANISMS.md)")
    trace.add_argument("--off", action="store_true",
                       help="the same setting with the mechanism switched off")
    trace.set_defaults(func=cmd_trace)


def cmd_trace(args: argparse.Namespace) -> int:
    from agents.choice import arena_of
    from experiments.analysis.trace import trace_markdown
    from experiments.runner import run_one
    from model.scenario import load_scenario
    from model.settings import MECHANISM_SETTINGS

    setting = MECHANISM_SETTINGS.get(args.mechanism)
    if setting is None:
        raise ConfigError("mechanism", args.mechanism,
                          f"not one of {', '.join(MECHANISM_SETTINGS)}")
    seed = setting.trace_seed if args.seed is None else args.seed
    if seed < 0:
        raise ConfigError("--seed", str(seed), "must be a non-negative integer")
    scenario = load_scenario(args.scenario)
    overrides = {**setting.on, **(setting.off if args.off else {})}
    model = run_one(scenario, seed, overrides, record_actions=True, record_weeks=True)
    actions = model.datacollector.get_table_dataframe("actions")
    if setting.arena:
        actions = actions[[arena_of(model.by_name[a], model.by_name.get(t), model.belligerent_names)
                           == setting.arena for a, t in zip(actions["actor"], actions["target"],
                                                            strict=True)]]
    series = model.datacollector.get_model_vars_dataframe()
    settings = ", ".join(f"{k}={v}" for k, v in overrides.items())
    print(f"## {args.mechanism}{' (switched off)' if args.off else ''}: {scenario.name}, "
          f"seed {seed}\n\n{setting.meaning}.\n\nSetting: `{settings}`.\n")
    print(trace_markdown(actions, series, setting.actions, setting.series, model.summary()))
    return 0
