"""`escalation scenarios` and `escalation params`: what can be run, and with what."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from model.checks import ConfigError
from model.parameters import GROUPS, Parameters

if TYPE_CHECKING:
    from model.scenario import Scenario


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
    params.add_argument("--scenario", default=None, metavar="NAME",
                        help="list the values a scenario's runs use (a shipped name or a "
                             "scenario file): calibrated values marked, with their 90%% "
                             "posterior interval")
    params.set_defaults(func=cmd_params)


def cmd_scenarios(_args: argparse.Namespace) -> int:
    from model.scenario import shipped_scenarios

    for name, description in shipped_scenarios().items():
        print(f"{name:20s} {description}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    groups = (args.group,) if args.group else tuple(GROUPS)
    if args.markdown:
        if args.scenario:
            raise ConfigError("--markdown", args.scenario, "prints the documentation's "
                              "tables of defaults; it takes no --scenario")
        print(parameter_table_markdown(args.group))
        return 0
    if args.scenario:
        from model.scenario import load_scenario

        print(scenario_values(load_scenario(args.scenario), groups))
        return 0
    blocks = [DEFAULTS_NOTE]
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


DEFAULTS_NOTE = ("The model's defaults. A scenario sets some and calibrates others (both "
                 "shipped scenarios run calibrated values):\n`escalation params --scenario "
                 "NAME` lists the values its runs use.")
CALIBRATED, SET = "*", "s"
INTERVAL = (0.05, 0.95)   # the posterior interval shown: 90%


def scenario_values(scenario: Scenario, groups: tuple[str, ...]) -> str:
    """Every parameter (of ``groups``) at the value the scenario's runs use, one line each:
    the calibrated ones first (the posterior's weighted medoid, marked, with the 90%
    posterior interval), then by group, the scenario file's own values marked."""
    posterior = scenario.posterior
    low, high = ((posterior.quantiles(q) for q in INTERVAL) if posterior is not None
                 else ({}, {}))
    base = scenario.base_parameters or scenario.parameters
    source = Path(scenario.source)
    if source.is_relative_to(Path.cwd()):
        source = source.relative_to(Path.cwd())
    lines = [f"Parameters of scenario {scenario.name} ({source}): the values its runs use.",
             f"{CALIBRATED} calibrated (the posterior's weighted medoid; its 90% interval "
             f"beside), {SET} set by the scenario file, unmarked: the model's default. "
             "Meanings: `escalation params`."]

    def line(name: str) -> str:
        value, default = getattr(scenario.parameters, name), Parameters.spec(name)["default"]
        if name in low:
            mark, note = CALIBRATED, (f"90%: {low[name]:.3g}–{high[name]:.3g}, default "
                                      f"{_shown(default)}")
        elif getattr(base, name) != default:
            mark, note = SET, f"default {_shown(default)}"
        else:
            mark, note = " ", ""
        return (f"{name:30s} {mark} {_shown(value):>10} {Parameters.spec(name)['unit']}"
                + (f" ({note})" if note else ""))

    wanted = [n for g in groups for n in Parameters.names(g)]
    calibrated = [n for n in wanted if n in low]
    if calibrated:
        lines.append(f"== calibrated ({len(calibrated)}): by the posterior "
                     f"{Path(posterior.source).stem}")
        lines += [line(n) for n in calibrated]
    for group in groups:
        rest = [n for n in Parameters.names(group) if n not in low]
        if rest:
            about = (f"{len(rest)} not calibrated" if calibrated and group == "structural"
                     else str(len(rest)))
            lines.append(f"== {group} ({about}): {GROUPS[group]}")
            lines += [line(n) for n in rest]
    return "\n".join(lines)


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
