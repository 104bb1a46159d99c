"""The files one seeded run writes, and its printed account (`escalation run`).

A run's folder is named by what makes it (scenario, seed and every override), and a
folder holding a different run is refused, so a second run with other settings never
silently replaces the first.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from model.checks import ConfigError
from model.ladder import THRESHOLDS
from model.model import EscalationModel

MAX_FOLDER_NAME = 120   # longer override lists are named by their hash


def run_folder(scenario: str, seed: int, overrides: dict[str, Any]) -> Path:
    """The default folder of a run: outputs/run_<scenario>_seed<N>[_<key>=<value>...]."""
    name = f"run_{scenario}_seed{seed}"
    settings = "".join(f"_{key}={_value(value)}" for key, value in sorted(overrides.items()))
    if len(name + settings) > MAX_FOLDER_NAME:
        settings = "_set-" + hashlib.sha256(settings.encode()).hexdigest()[:12]
    return Path("outputs") / (name + settings)


def check_same_run(out: Path, scenario: str, seed: int, parameters: dict[str, Any]) -> None:
    """Refuse a folder that holds a different run's summary.json (same scenario, seed and
    parameters: the same run, which may be written again)."""
    try:
        old = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(old, dict):
        return
    differ = sorted(k for k, v in parameters.items()
                    if (old.get("parameters") or {}).get(k) != v)
    if old.get("scenario") != scenario or old.get("seed") != seed or differ:
        what = ", ".join(differ[:4]) + (" ..." if len(differ) > 4 else "")
        raise ConfigError("--out", str(out), f"holds another run (scenario "
                          f"{old.get('scenario')}, seed {old.get('seed')}"
                          + (f", other {what}" if differ else "") + "); use another --out")


def write_run(model: EscalationModel, out: Path, seed: int,
              overrides: dict[str, Any]) -> dict[str, Any]:
    """Write summary.json (with the overrides), timeseries.csv and actions.csv; returns
    the summary."""
    out.mkdir(parents=True, exist_ok=True)
    summary = {"seed": seed, **model.summary(), "overrides": overrides,
               "parameters": model.p.as_dict()}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    timeseries = model.datacollector.get_model_vars_dataframe()
    timeseries.to_csv(out / "timeseries.csv", index=False)
    actions = model.datacollector.get_table_dataframe("actions")
    actions.to_csv(out / "actions.csv", index=False)
    return summary


def format_summary(summary: dict[str, Any], start: dict[str, int]) -> str:
    """A short readable account of one run: what it ran with (the overrides) and how it
    went. ``start``: the rung each arena starts at (the scenario's ``initial_rung`` and
    ``confrontation_rung``), to tell thresholds the scenario starts past from crossings."""
    final = summary["final"]
    overrides = summary["overrides"]
    lines = [
        f"scenario   {summary['scenario']} (seed {summary['seed']})",
        "overrides  " + (", ".join(f"{k}={_value(v)}" for k, v in overrides.items())
                         if overrides else "none")
        + f"; every other parameter as the scenario runs it (`escalation params --scenario "
          f"{summary['scenario']}`)",
        f"outcome    {summary['outcome']}  —  week {summary['decided_step']}, "
        f"rule '{summary['rule']}'",
        "fighting   " + (f"ended in week {summary['ended_step']}" if summary["ended_step"] >= 0
                         else "did not end"),
        f"ladder     highest rung {summary['max_rung']} (war), "
        f"{summary['max_rung_confrontation']} (confrontation beyond the war), of Kahn's 44",
    ]
    for arena, crossed in (("war", summary["thresholds"]),
                           ("confrontation", summary["confrontation_thresholds"])):
        before = [name for name, week in crossed.items() if week == 0]
        if before:
            below = {name: rung for rung, name in THRESHOLDS}
            past = " and ".join(f"'{n}'" for n in before)
            rungs = " and ".join(str(below[n]) for n in before)
            lines.append(f"  start    the {arena} starts at rung {start[arena]}, past Kahn's "
                         f"threshold{'s' if len(before) > 1 else ''} {past} (above rung"
                         f"{'s' if len(before) > 1 else ''} {rungs}): where the scenario "
                         "starts, not an event of this run")
        for name, week in crossed.items():
            if week:
                lines.append(f"  crossed  '{name}' ({arena}) — week {week}")
    lines.append(f"front      attacker holds {final['territory_attacker']:.1%} "
                 f"({final['territory_change']:+.2%} in the run)")
    lines.append(f"casualties attacker about {final['casualties_attacker']:.3g} thousand, "
                 f"defender about {final['casualties_defender']:.3g} thousand (notional "
                 "troops: capability lost x troops_per_capability; compare runs, not a "
                 "forecast)")
    lines.append(f"talks      {final['truces']} truce(s), {final['truce_collapses']} collapsed; "
                 f"channel open {final['channel_open_share']:.0%} of weeks, "
                 f"{'open' if final['channel_open'] else 'closed'} at the end")
    lines.append(f"covert     {final['covert_acts']} act(s), {final['covert_attributed']} "
                 f"attributed, {final['covert_misattributed']} blamed on a scapegoat")
    counts = ", ".join(f"{k} {v}" for k, v in summary["actions_by_instrument"].items() if v)
    lines.append(f"actions    {counts}")
    return "\n".join(lines)


def _value(value: object) -> str:
    """An override as typed on the command line: true/false, 0.7, 40."""
    return str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(
        value, float) else str(value)
