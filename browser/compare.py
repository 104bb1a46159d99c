"""Two runs side by side, week by week: rows picked in the run table, or run A again with
one lever changed (the same seed and posterior draw), replayed to their end."""

from __future__ import annotations

from html import escape

import solara

from browser.panels import LEVERS, lever_label, verdict_words
from browser.session import Comparison, Explorer
from browser.svg import Line, line_chart
from browser.tables import cell, charts_grid, show_html, table_html
from experiments.analysis.explorer import actions_in_week, week_by_week

CHARTS = (("escalation_score", "Escalation score", "points per week"),
          ("max_rung", "War: highest rung", "rung (Kahn 1965: 1–44)"),
          ("max_rung_confrontation", "Confrontation: highest rung", "rung (Kahn 1965: 1–44)"),
          ("tension", "Tension between the blocs", "index (0–1)"),
          ("territory_attacker", "Territory held by the attacker", "share of pre-war territory"),
          ("aid_flow", "Aid delivered", "aid units per week"))
COMPARED = ("escalation_score", "max_rung", "max_rung_confrontation", "tension",
            "territory_attacker", "weariness_attacker", "weariness_defender", "aid_flow",
            "casualties_attacker", "casualties_defender")   # the week's table, A against B
ACTION_COLUMNS = ["actor", "action", "target", "instrument", "covert", "attributed_to"]


def verdict_line(name: str, label: str, summary: dict) -> str:
    return f"<p><b>{name}</b>: {escape(label)}<br>Outcome {escape(verdict_words(summary))}</p>"


@solara.component
def CompareView(comparison: Comparison) -> None:
    """Both verdicts, a week slider, both runs' series with the week marked, the week's
    values and each run's actions that week."""
    series_a, series_b = comparison.series
    last = int(max(series_a["week"].max(), series_b["week"].max()))
    week, set_week = solara.use_state(0)
    week = min(week, last)
    show_html(verdict_line("A", comparison.a.label, comparison.summaries[0])
              + verdict_line("B", comparison.b.label, comparison.summaries[1]), "verdicts")
    solara.SliderInt(f"Week: {week}", value=week, min=0, max=last, on_value=set_week)
    charts = [line_chart([Line("A", series_a["week"].tolist(), series_a[column].tolist()),
                          Line("B", series_b["week"].tolist(), series_b[column].tolist(),
                               dashed=True)], title, "week", unit, x_range=(0, max(1, last)),
                         cursor=week, width=360, height=200)
              for column, title, unit in CHARTS]
    charts_grid(charts, "compare-charts", 340)
    table = week_by_week(series_a, series_b, COMPARED)
    values = table[table["week"] == week].drop(columns="week")
    rows = [(column, *(values[f"{column} {side}"].iloc[0] for side in ("A", "B", "B-A")))
            for column in COMPARED] if not values.empty else []
    show_html(f"<p><b>Week {week}</b></p>" + "<table class='week'><thead><tr><th>series</th>"
              "<th>A</th><th>B</th><th>B − A</th></tr></thead><tbody>"
              + "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                        for row in rows) + "</tbody></table>", "week-table")
    with solara.Columns([1, 1]):
        for name, actions in zip(("A", "B"), comparison.actions, strict=True):
            show_html(f"<p><b>Actions of run {name} in week {week}</b></p>"
                      + table_html(actions_in_week(actions, week)[ACTION_COLUMNS], "actions"),
                      f"actions-{name}")


@solara.component
def CompareCard(explorer: Explorer) -> None:
    """Pick A and B (rows, or A with one lever changed), then compare them week by week."""
    lever, set_lever = solara.use_state(LEVERS[0])
    text, set_text = solara.use_state("")
    a, b = explorer.a.value, explorer.b.value
    with solara.Card("Two runs side by side"):
        show_html(f"<p>A: {escape(a.label) if a else 'pick a row (A)'}<br>"
                  f"B: {escape(b.label) if b else 'pick a row (B), or vary A below'}</p>",
                  "picks")
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select("B = A with", values=list(LEVERS), value=lever, on_value=set_lever,
                          style={"max-width": "260px"})
            solara.InputText(f"{lever_label(lever)} =", value=text, on_value=set_text,
                             continuous_update=True, style={"max-width": "160px"})
            solara.Button("Set B", on_click=lambda: explorer.variant(lever, text))
            solara.Button("Compare week by week", color="primary", on_click=explorer.compare,
                          disabled=a is None or b is None)
        if explorer.compare_error.value:
            solara.Error(explorer.compare_error.value)
        if explorer.comparison.value is not None:
            CompareView(explorer.comparison.value)
