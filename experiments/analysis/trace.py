"""A mechanism's chain in one seeded run, week by week (docs/MECHANISMS.md, `escalation trace`).

Pure functions of one run's action log and weekly series: the weeks in which the
mechanism's actions happened (who did what to whom, and whom the target blamed),
the series the mechanism moves, and the verdict, as Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

SERIES_EVERY = 8   # weeks between two readings of the series (and every change of state)


def trace_markdown(actions: pd.DataFrame, series: pd.DataFrame, chain: Sequence[str],
                   followed: Sequence[str], summary: dict, max_rows: int = 60) -> str:
    """A week-by-week table of the chain's actions and the followed series, then the end."""
    acts = actions[actions["action"].isin(chain)]
    rows: dict[int, list[str]] = {}
    for week, group in acts.groupby("step", sort=True):
        rows.setdefault(int(week), []).extend(_act(r) for r in group.itertuples())
    states = [c for c in followed if not pd.api.types.is_numeric_dtype(series[c])]
    changed = series[states].ne(series[states].shift()).any(axis=1)
    for week, row in series.iterrows():
        regular = int(week) % SERIES_EVERY == 0
        state_change = bool(changed.loc[week]) and week > 0
        if regular or state_change:
            rows.setdefault(int(week), []).append(
                "*" + ", ".join(f"{c} {_value(row[c])}" for c in followed) + "*")
    lines = ["| week | what happened |", "| ---: | --- |"]
    for week in sorted(rows)[:max_rows]:
        lines.append(f"| {week} | {'; '.join(rows[week])} |")
    if len(rows) > max_rows:
        lines.append(f"| … | {len(rows) - max_rows} more weeks |")
    ended = (f"the fighting ended in week {summary['ended_step']}"
             if summary["ended_step"] >= 0 else "the fighting did not end")
    lines.append(f"\n**End:** {summary['outcome']} by rule `{summary['rule']}` in week "
                 f"{summary['decided_step']}; {ended}.")
    crossed = [f"'{name}' ({arena}, week {week})"
               for arena, key in (("war", "thresholds"),
                                  ("confrontation", "confrontation_thresholds"))
               for name, week in summary[key].items() if week > 0]
    if crossed:
        lines.append(f"Kahn thresholds crossed during the run: {', '.join(crossed)}.")
    return "\n".join(lines)


def _act(row: object) -> str:
    text = f"{row.actor} {row.action}" + (f" → {row.target}" if row.target else "")
    if row.covert:
        text += f" (covert; blamed: {row.attributed_to or 'nobody'})"
    return text


def _value(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)
