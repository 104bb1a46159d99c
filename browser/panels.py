"""What the run page shows of one model at one week, drawn at once as SVG and HTML text.

``run_view(model)`` reads the model once and returns every panel as text (a ``RunView``),
so panels can never show different weeks: the page draws a view, never the model, and a
view is taken under the session's lock (browser/session.py). Drawing is SVG by hand
(browser/svg.py): a week's view costs milliseconds, where three matplotlib figures cost most
of a second (the old render path), and it works with no internet.

HTML goes to solara.HTML, never solara.Markdown (it fetches KaTeX from a CDN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from itertools import cycle
from typing import Any

import numpy as np

from browser.svg import Frame, Line, Mark, line_chart, svg
from experiments.replay import replay_differences
from model import EscalationModel
from model.ladder import THRESHOLDS, TOP_RUNG
from model.parameters import Parameters

LEVERS = Parameters.names("policy")
LOG_ROWS = 15
LOG_COLUMNS = ("week", "actor", "action", "target", "instrument", "overt/covert",
               "attributed to")
BLOC_COLOURS = {"west": "#1f77b4", "blue": "#1f77b4", "east": "#d62728", "red": "#d62728",
                "neutral": "#7f7f7f"}
SPARE_COLOURS = ("#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#bcbd22", "#17becf")
ARENA_COLOURS = {"war": "#9467bd", "confrontation": "#ff7f0e"}
RULE_TEXT = {
    "nuclear_use": "a nuclear weapon was used",
    "direct_clash": "a direct military clash between the clash alliance and its adversary",
    "imposed": "a belligerent's army collapsed: the war ended on imposed terms",
    "settlement": "an agreed settlement held long enough",
    "unsettled_truce": "a truce without settlement held long enough",
    "stalemate": "the front stalled at low intensity",
    "horizon": "the horizon was reached with the war still hot",
}
OUTCOME_KIND = {"escalated": "error", "negotiated": "success", "frozen": "info",
                "ongoing": "warning"}
INDEX = "index (0–1)"
WEEK = "week"
MIN_EDGE = 0.05   # hostility below this draws no edge


@dataclass(frozen=True)
class RunView:
    """Everything the run page shows for one week of one model (text only, immutable)."""

    week: int
    horizon: int
    running: bool
    heading: str                 # what this run is: scenario and seed, or the replayed row
    banner: tuple[str, str]      # (kind, text): success, info, error, warning
    network: str
    ladder: str
    charts: tuple[str, ...]
    log: str
    settings: str
    replay_check: str = ""       # a replay's verdict against its row, once decided


def run_view(model: EscalationModel, heading: str = "",
             expected: Mapping[str, Any] | None = None) -> RunView:
    """The page's view of ``model`` now; ``expected`` is a replayed row's verdict."""
    series = model.datacollector.model_vars
    check = ""
    if expected is not None and model.verdict.decided:
        differences = replay_differences(expected, model.summary())
        check = ("The replay matches its row: same outcome, rule and weeks." if not differences
                 else "The replay differs from its row (" + "; ".join(differences)
                 + "): the code or files changed since the sweep.")
    return RunView(week=model.steps, horizon=model.p.horizon_weeks, running=model.running,
                   heading=heading or default_heading(model), banner=banner(model),
                   network=network_svg(model), ladder=ladder_svg(model, series),
                   charts=timeseries_svgs(model, series), log=action_log_html(model),
                   settings=settings_html(model), replay_check=check)


def default_heading(model: EscalationModel) -> str:
    seed = model.scenario.rng   # Mesa's record of the seed the run was built with
    return f"Scenario {model.spec.name}" + (f", seed {seed}" if seed is not None else "")


# ---------------------------------------------------------------- banner and settings
def outcome_text(model: EscalationModel) -> str:
    """One line naming the outcome, the rule that decided it and the week."""
    v = model.verdict
    why = RULE_TEXT.get(v.rule, v.rule)
    ended = f"; the fighting ended in week {v.ended_step}" if v.ended_step >= 0 else ""
    return (f"Outcome: {v.outcome.upper()} (rule '{v.rule}': {why}), decided in week "
            f"{v.step}{ended}.")


def verdict_words(verdict: Mapping[str, Any]) -> str:
    """A run-table row's (or a summary's) verdict in words."""
    ended = verdict.get("ended_step", -1)
    return (f"{verdict['outcome']} (rule {verdict['rule']}), decided in week "
            f"{verdict['decided_step']}" + (f", fighting ended in week {ended}"
                                            if ended >= 0 else ""))


def banner(model: EscalationModel) -> tuple[str, str]:
    if model.verdict.decided:
        return OUTCOME_KIND.get(model.verdict.outcome, "warning"), outcome_text(model)
    return "", (f"Week {model.steps} of {model.p.horizon_weeks}: the war goes on, no outcome "
                "decided yet.")


def lever_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def shown(value: bool | float) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if isinstance(value, int) else f"{value:.2f}"


def settings_html(model: EscalationModel) -> str:
    """The talks now, and every policy lever the run was built with, with its meaning."""
    talks = model.talks
    settled = "; settlement agreed" if talks.settled else ""
    items = "".join(
        f"<li><b>{escape(lever_label(name))} = {escape(shown(getattr(model.p, name)))}</b> "
        f"{escape(Parameters.spec(name)['unit'])}: {escape(Parameters.spec(name)['meaning'])}"
        "</li>" for name in LEVERS)
    return (f"<p>Talks: {escape(talks.state)}; channel "
            f"{'open' if talks.channel_open else 'closed'}{settled}</p>"
            f"<p><b>Policy levers of this run</b></p><ul>{items}</ul>")


# ---------------------------------------------------------------- network of states
def bloc_colours(model: EscalationModel) -> dict[str, str]:
    """A colour per bloc: the usual ones for known blocs, spare colours for the rest."""
    spare = cycle(SPARE_COLOURS)
    return {b: BLOC_COLOURS.get(b) or next(spare) for b in sorted({s.bloc for s in model.states})}


def action_label(state: Any) -> str:
    """What a state did last week, e.g. ``cyber_attack → Russia``."""
    if not state.last_action:
        return "(no action yet)"
    return f"{state.last_action} → {state.last_target}" if state.last_target else state.last_action


def network_layout(model: EscalationModel) -> dict[str, np.ndarray]:
    """States on a circle grouped by bloc; each alliance inside, near its members."""
    states = sorted(model.states, key=lambda s: (s.bloc, s.index))
    angles = np.linspace(np.pi / 2, np.pi / 2 + 2 * np.pi, len(states), endpoint=False)
    pos = {s.name: np.array([np.cos(a), np.sin(a)]) for s, a in zip(states, angles, strict=True)}
    spread = 1.3  # radians between alliances, so that overlapping memberships stay apart
    first = -spread * (len(model.alliances) - 1) / 2
    for k, alliance in enumerate(model.alliances):
        x, y = np.mean([pos[m.name] for m in alliance.members], axis=0)
        angle = np.arctan2(y, x) + first + spread * k
        pos[alliance.name] = 0.42 * np.array([np.cos(angle), np.sin(angle)])
    return pos


def hostility_edges(model: EscalationModel) -> list[tuple[str, str, float]]:
    """State pairs whose hostility (the higher direction) reaches MIN_EDGE."""
    n = len(model.states)
    h = model.hostility[:, :n]
    return [(a.name, b.name, float(max(h[a.index, b.index], h[b.index, a.index])))
            for a in model.states for b in model.states[a.index + 1:]
            if max(h[a.index, b.index], h[b.index, a.index]) >= MIN_EDGE]


def hostility_colour(level: float) -> str:
    """Light to dark red as hostility goes from 0 to 1."""
    level = min(1.0, max(0.0, level))
    return f"rgb({int(252 - 87 * level)},{int(187 - 172 * level)},{int(161 - 140 * level)})"


def network_svg(model: EscalationModel) -> str:
    """Blocs by colour, alliances linked to members, hostility on state–state edges, and
    each state's last action."""
    frame = Frame(560, 470, (-1.55, 1.55), (-1.3, 1.3), (0, 0, 22, 0))
    pos = network_layout(model)

    def xy(name: str) -> tuple[float, float]:
        return frame.x(pos[name][0]), frame.y(pos[name][1])

    body = []
    for a, b, level in hostility_edges(model):
        (x1, y1), (x2, y2) = xy(a), xy(b)
        body.append(f"<line class='hostility' data-pair='{escape(a)}–{escape(b)}' "
                    f"x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' "
                    f"stroke='{hostility_colour(level)}' stroke-width='{0.5 + 6 * level:.2f}'>"
                    f"<title>hostility {escape(a)}–{escape(b)}: {level:.2f}</title></line>")
    for alliance in model.alliances:
        for member in alliance.members:
            (x1, y1), (x2, y2) = xy(alliance.name), xy(member.name)
            body.append(f"<line class='membership' x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' "
                        f"y2='{y2:.1f}' stroke='#8c8c8c' stroke-dasharray='4 3'/>")
    colours = bloc_colours(model)
    for alliance in model.alliances:
        x, y = xy(alliance.name)
        body.append(f"<rect class='alliance' x='{x - 30:.1f}' y='{y - 15:.1f}' width='60' "
                    f"height='30' fill='#d9d9d9' stroke='#666'/><text x='{x:.1f}' "
                    f"y='{y - 2:.1f}' text-anchor='middle' font-size='10'>"
                    f"{escape(alliance.name)}</text><text x='{x:.1f}' y='{y + 10:.1f}' "
                    f"text-anchor='middle' font-size='9'>cohesion {alliance.cohesion:.2f}"
                    "</text>")
    for state in model.states:
        x, y = xy(state.name)
        ring = "black" if state.is_belligerent else "white"
        label = action_label(state)
        width = 6 + 5.6 * len(label)
        body.append(f"<circle class='state' data-name='{escape(state.name)}' cx='{x:.1f}' "
                    f"cy='{y:.1f}' r='15' fill='{colours[state.bloc]}' stroke='{ring}' "
                    f"stroke-width='2.5'/><text x='{x:.1f}' y='{y - 20:.1f}' "
                    f"text-anchor='middle' font-size='11' font-weight='bold'>"
                    f"{escape(state.name)}</text><rect x='{x - width / 2:.1f}' "
                    f"y='{y + 19:.1f}' width='{width:.1f}' height='14' rx='4' "
                    f"fill='lightyellow' stroke='#b3b3b3'/><text class='last-action' "
                    f"x='{x:.1f}' y='{y + 30:.1f}' text-anchor='middle' font-size='9.5'>"
                    f"{escape(label)}</text>")
    for i, (bloc, colour) in enumerate(colours.items()):
        body.append(f"<circle cx='12' cy='{frame.height - 14 - 14 * i}' r='5' "
                    f"fill='{colour}'/><text x='21' y='{frame.height - 10 - 14 * i}' "
                    f"font-size='9'>bloc {escape(bloc)}</text>")
    body.append(f"<text x='{frame.width - 6}' y='{frame.height - 8}' text-anchor='end' "
                f"font-size='9'>edges: hostility 0–1 (width, colour); black ring: "
                "belligerent; dashed: alliance member</text>")
    return svg(frame, body, f"Week {model.steps}: states, alliances and last actions",
               "chart network")


# ---------------------------------------------------------------- escalation ladder
def crossing_text(model: EscalationModel, name: str) -> str:
    """Which arena crossed a threshold, and when, e.g. ``war: week 0; confrontation: week 37``."""
    return "; ".join(f"{arena}: week {ladder.crossed[name]}"
                     for arena, ladder in model.ladders.items() if name in ladder.crossed)


def ladder_svg(model: EscalationModel, series: Mapping[str, Sequence[float]]) -> str:
    """The highest rung of each arena week by week, the six thresholds, and a dot where
    (and when) an arena crossed one."""
    weeks = series["week"]
    reporters = {"war": "max_rung", "confrontation": "max_rung_confrontation"}
    lines = [Line(f"{arena} (now rung {model.ladders[arena].max_rung})", weeks,
                  series[column], ARENA_COLOURS[arena], step=True)
             for arena, column in reporters.items()]
    marks = []
    for below, name in THRESHOLDS:
        crossed = crossing_text(model, name)
        marks.append(Mark(f"{name}" + (f" (crossed: {crossed})" if crossed else ""),
                          below + 0.5, colour="#d62728" if crossed else "#999999"))
        marks += [Mark(f"{arena} crossed '{name}' in week {ladder.crossed[name]}", below + 0.5,
                       ladder.crossed[name], ARENA_COLOURS[arena])
                  for arena, ladder in model.ladders.items() if name in ladder.crossed]
    return line_chart(lines, "Escalation ladder: highest rung reached, by arena", WEEK,
                      "rung (Kahn 1965: 1–44)", x_range=(0, max(1, model.steps)),
                      y_range=(0, TOP_RUNG + 1), marks=marks, width=560, height=330)


# ---------------------------------------------------------------- time series
def chart_specs(model: EscalationModel) -> list[tuple[str, str, dict[str, str], str]]:
    """(title, y axis with its unit, {reporter: label}, y scale): the scale is "index"
    (0 to 1), "zero" (from 0 up) or "fit" (around the data: territory moves in decimals)."""
    attacker, defender = model.attacker.name, model.defender.name
    tension = {"tension": "between the blocs"}
    if model.has_dossier:
        tension["dossier_tension"] = "Iran/IAEA dossier"
    return [
        ("Escalation score", "points per week (Rivera et al. 2024)",
         {"escalation_score": "this week"}, "zero"),
        ("Tension", INDEX, tension, "index"),
        (f"Territory held by {attacker}", f"share of {defender}'s pre-war territory",
         {"territory_attacker": attacker}, "fit"),
        ("Alliance cohesion", INDEX,
         {f"cohesion_{a.name}": a.name for a in model.alliances}, "index"),
        (f"Aid delivered to {defender}", "aid units per week", {"aid_flow": "aid"}, "zero"),
        ("War-weariness", INDEX, {"weariness_attacker": attacker,
                                  "weariness_defender": defender}, "index"),
        ("Casualties", "thousands of troops (notional), cumulative",
         {"casualties_attacker": attacker, "casualties_defender": defender}, "zero"),
        ("Talks", "1 = yes, 0 = no; progress 0–1",
         {"channel_open": "channel open", "truce": "truce on",
          "settlement_progress": "settlement progress"}, "index"),
    ]


def numeric(values: Sequence[Any], column: str) -> list[float]:
    """A reporter's values as numbers (the truce state: 1 while a truce holds)."""
    if column == "truce":
        return [float(v == "truce") for v in values]
    return [float(v) for v in values]


def timeseries_svgs(model: EscalationModel, series: Mapping[str, Sequence[Any]]
                    ) -> tuple[str, ...]:
    """One small chart per group of weekly series, each with its unit (brief §6)."""
    weeks = series["week"]
    x_range = (0, max(1, model.steps))
    return tuple(
        line_chart([Line(label, weeks, numeric(series[column], column),
                         step=column in ("channel_open", "truce"))
                    for column, label in columns.items()],
                   title, WEEK, unit, x_range=x_range,
                   y_range=(0, 1.05) if scale == "index" else None,
                   y_floor=0.0 if scale == "zero" else None)
        for title, unit, columns, scale in chart_specs(model))


# ---------------------------------------------------------------- action log
def action_log_rows(model: EscalationModel, rows: int = LOG_ROWS) -> list[tuple[str, ...]]:
    """The latest actions, newest first, as the cells the log shows (LOG_COLUMNS)."""
    if not model.record_actions:
        return []
    table = model.datacollector.tables["actions"]
    out = []
    for i in range(len(table["step"]) - 1, max(-1, len(table["step"]) - 1 - rows), -1):
        actor, blamed = table["actor"][i], table["attributed_to"][i]
        shown_blame = blamed or "unattributed"
        if blamed and blamed != actor:
            shown_blame += " (misattributed)"
        out.append((str(table["step"][i]), actor, table["action"][i],
                    table["target"][i] or "–", table["instrument"][i],
                    "covert" if table["covert"][i] else "overt", shown_blame))
    return out


def action_log_html(model: EscalationModel) -> str:
    """The log as an HTML table, newest first."""
    if not model.record_actions:
        return "<p><i>The action log is switched off (record_actions=False).</i></p>"
    rows = action_log_rows(model)
    if not rows:
        return "<p><i>No action yet: press Step.</i></p>"
    head = "".join(f"<th>{c}</th>" for c in LOG_COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return (f"<p><b>Latest actions</b> (last {LOG_ROWS}, newest first)</p>"
            f"<table class='log'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

