"""The files one seeded run writes, and its printed account (`escalation run`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from model.model import EscalationModel


def write_run(model: EscalationModel, out: Path, seed: int) -> dict[str, Any]:
    """Write summary.json, timeseries.csv and actions.csv; returns the summary."""
    out.mkdir(parents=True, exist_ok=True)
    summary = {"seed": seed, **model.summary(), "parameters": model.p.as_dict()}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    timeseries = model.datacollector.get_model_vars_dataframe()
    timeseries.to_csv(out / "timeseries.csv", index=False)
    actions = model.datacollector.get_table_dataframe("actions")
    actions.to_csv(out / "actions.csv", index=False)
    return summary


def format_summary(summary: dict[str, Any]) -> str:
    """A short readable account of one run."""
    final = summary["final"]
    lines = [
        f"scenario   {summary['scenario']} (seed {summary['seed']})",
        f"outcome    {summary['outcome']}  —  week {summary['decided_step']}, "
        f"rule '{summary['rule']}'",
        "fighting   " + (f"ended in week {summary['ended_step']}" if summary["ended_step"] >= 0
                         else "did not end"),
        f"ladder     highest rung {summary['max_rung']} (war), "
        f"{summary['max_rung_confrontation']} (confrontation beyond the war)",
    ]
    for arena, crossed in (("war", summary["thresholds"]),
                           ("confrontation", summary["confrontation_thresholds"])):
        for name, week in crossed.items():
            when = "before the run (initial conditions)" if week == 0 else f"week {week}"
            lines.append(f"  crossed  '{name}' ({arena}) — {when}")
    lines.append(f"front      attacker holds {final['territory_attacker']:.1%} "
                 f"({final['territory_change']:+.2%} in the run)")
    lines.append(f"casualties attacker {final['casualties_attacker']:.0f}k, "
                 f"defender {final['casualties_defender']:.0f}k (notional thousands)")
    lines.append(f"talks      {final['truces']} truce(s), {final['truce_collapses']} collapsed; "
                 f"channel open {final['channel_open_share']:.0%} of weeks, "
                 f"{'open' if final['channel_open'] else 'closed'} at the end")
    lines.append(f"covert     {final['covert_acts']} act(s), {final['covert_attributed']} "
                 f"attributed, {final['covert_misattributed']} blamed on a scapegoat")
    counts = ", ".join(f"{k} {v}" for k, v in summary["actions_by_instrument"].items() if v)
    lines.append(f"actions    {counts}")
    return "\n".join(lines)
