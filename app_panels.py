"""Panels and controls of the browser visualisation (app.py).

Each panel is a ``@solara.component`` taking the model, as SolaraViz expects.
The app must work with no internet (shared/VIZ_OFFLINE.md), hence:

* every panel calls ``update_counter.get()``: without it a custom component does
  not re-render after Step;
* figures use matplotlib only: the altair backend does not render offline;
* HTML goes through solara.HTML, never solara.Markdown (it fetches KaTeX from a CDN).

The controls are keyword arguments of EscalationModel itself, so SolaraViz's
Reset rebuilds the model with ``EscalationModel(**controls)``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from html import escape
from itertools import cycle
from typing import Any

import networkx as nx
import numpy as np
import reacton.ipywidgets as rw
import solara
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from mesa.visualization import Slider
from mesa.visualization.utils import update_counter

from model.ladder import THRESHOLDS, TOP_RUNG
from model.model import EscalationModel
from model.parameters import Parameters
from model.scenario import shipped_scenarios

DEFAULT_SCENARIO = "paris_moscow_call"
DEFAULT_SEED = 42
MAX_SEED = 999  # the seed is a slider: the model takes an int, never the text of a box
SLIDER_PARAMS = ("multilateral_pressure", "aid_reliability", "hybrid_intensity", "temperature")
CONTROL_PARAMS = ("channel_open", *SLIDER_PARAMS)
LOG_ROWS = 15
LOG_COLUMNS = ("week", "actor", "action", "target", "instrument", "overt/covert",
               "attributed to")
FIGURE_DPI = 100
FIGSIZE = (7.5, 4.8)  # inches: about a SolaraViz grid cell, so fonts stay readable
IMAGE_LAYOUT = {"width": "100%", "height": "100%", "object_fit": "contain"}
FILL = {"height": "100%"}
SCROLL = {"height": "100%", "overflow": "auto"}
BLOC_COLOURS = {"west": "tab:blue", "blue": "tab:blue", "east": "tab:red", "red": "tab:red",
                "neutral": "tab:gray"}
SPARE_COLOURS = ("tab:green", "tab:purple", "tab:orange", "tab:brown", "tab:pink", "tab:olive",
                 "tab:cyan")
OUTCOME_ALERTS = {"escalated": solara.Error, "negotiated": solara.Success,
                  "frozen": solara.Info, "ongoing": solara.Warning}
RULE_TEXT = {
    "nuclear_use": "a nuclear weapon was used",
    "direct_clash": "a direct military clash between the clash alliance and its adversary",
    "imposed": "a belligerent's army collapsed: the war ended on imposed terms",
    "settlement": "an agreed settlement held long enough",
    "unsettled_truce": "a truce without settlement held long enough",
    "stalemate": "the front stalled at low intensity",
    "horizon": "the horizon was reached with the war still hot",
}
HOSTILITY_CMAP = colormaps["Reds"]
LABELS = {"channel_open": "Direct channel open at week 0"}


def _label(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def _default(name: str) -> Any:
    return Parameters.spec(name)["default"]


def _slider(name: str) -> Slider:
    """A slider whose default and range come from Parameters (one source of truth)."""
    spec = Parameters.spec(name)
    low, high = spec["range"]
    step = 0.01 if high - low <= 5 else 0.1
    return Slider(f"{_label(name)} ({spec['unit']})", float(spec["default"]), float(low),
                  float(high), step, dtype=float)


def make_model_params() -> dict[str, Any]:
    """SolaraViz controls: scenario, seed, the direct channel and four sliders."""
    return {
        "scenario_name": {"type": "Select", "value": DEFAULT_SCENARIO,
                          "values": list(shipped_scenarios()), "label": "Scenario"},
        "rng": Slider("Seed", DEFAULT_SEED, 0, MAX_SEED, 1, dtype=int),
        "channel_open": {"type": "Checkbox", "value": bool(_default("channel_open")),
                         "label": _label("channel_open")},
        **{name: _slider(name) for name in SLIDER_PARAMS},
    }


def initial_kwargs(model_params: dict[str, Any]) -> dict[str, Any]:
    """The constructor arguments the controls start at, so the first model matches them."""
    return {name: (p.value if isinstance(p, Slider) else p["value"])
            for name, p in model_params.items()}


# ---------------------------------------------------------------- network of states
def bloc_colours(model: EscalationModel) -> dict[str, str]:
    """A colour per bloc: the usual ones for known blocs, tab10 for the rest."""
    blocs = sorted({s.bloc for s in model.states})
    spare = cycle(SPARE_COLOURS)
    return {b: BLOC_COLOURS.get(b) or next(spare) for b in blocs}


def action_label(state: Any) -> str:
    """What a state did last week, e.g. ``cyber_attack → Russia``."""
    if not state.last_action:
        return "(no action yet)"
    return f"{state.last_action} → {state.last_target}" if state.last_target else state.last_action


def _network_layout(model: EscalationModel) -> dict[str, np.ndarray]:
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


def network_figure(model: EscalationModel) -> Figure:
    """Blocs by colour, alliances linked to members, hostility on state–state edges."""
    fig = Figure(figsize=FIGSIZE)
    ax = fig.subplots()
    pos = _network_layout(model)
    graph = nx.Graph()
    n = len(model.states)
    hostility = model.hostility[:, :n]
    for a in model.states:
        for b in model.states[a.index + 1:]:
            level = float(max(hostility[a.index, b.index], hostility[b.index, a.index]))
            if level >= 0.05:
                graph.add_edge(a.name, b.name, hostility=level)
    edges = list(graph.edges(data="hostility"))
    nx.draw_networkx_edges(graph, pos, ax=ax, edgelist=[(u, v) for u, v, _ in edges],
                           width=[0.5 + 6 * h for *_, h in edges],
                           edge_color=[HOSTILITY_CMAP(h) for *_, h in edges])
    members = nx.Graph([(al.name, m.name) for al in model.alliances for m in al.members])
    nx.draw_networkx_edges(members, pos, ax=ax, style="dashed", edge_color="0.55", width=1)
    colours = bloc_colours(model)
    state_names = [s.name for s in model.states]
    nx.draw_networkx_nodes(graph, pos, ax=ax, nodelist=state_names, node_size=900,
                           node_color=[colours[s.bloc] for s in model.states],
                           edgecolors=["black" if s.is_belligerent else "white"
                                       for s in model.states], linewidths=2.5)
    alliance_names = [al.name for al in model.alliances]
    nx.draw_networkx_nodes(members, pos, ax=ax, nodelist=alliance_names, node_shape="s",
                           node_size=1500, node_color="0.85", edgecolors="0.4")
    for al in model.alliances:
        x, y = pos[al.name]
        ax.text(x, y, f"{al.name}\ncoh {al.cohesion:.2f}", ha="center", va="center",
                fontsize=7)
    for state in model.states:
        x, y = pos[state.name]
        ax.text(x, y + 0.17, state.name, ha="center", va="bottom", fontsize=9,
                fontweight="bold", bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1})
        ax.text(x, y - 0.17, action_label(state), ha="center", va="top", fontsize=8,
                color="0.15", bbox={"boxstyle": "round", "fc": "lightyellow", "ec": "0.7"})
    handles = [Patch(color=c, label=b) for b, c in colours.items()]
    ax.legend(handles=handles, title="bloc", loc="lower left", fontsize=7, title_fontsize=7)
    fig.subplots_adjust(left=0.0, right=0.9, bottom=0.0, top=0.92)
    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), HOSTILITY_CMAP), ax=ax, shrink=0.6,
                       fraction=0.04, pad=0.0)
    bar.set_label("hostility (higher direction)")
    ax.set_title(f"Week {model.steps}: states, alliances and last actions")
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.4, 1.4)
    ax.set_axis_off()
    return fig


# ---------------------------------------------------------------- escalation ladder
def crossing_text(model: EscalationModel, name: str) -> str:
    """Which arena crossed a threshold, and when, e.g. ``war: week 0; confrontation: week 37``."""
    return "; ".join(f"{arena}: week {ladder.crossed[name]}"
                     for arena, ladder in model.ladders.items() if name in ladder.crossed)


def ladder_figure(model: EscalationModel) -> Figure:
    """Kahn's 44 rungs, one ladder per arena (the war, the wider confrontation): the
    highest rung each reached and the six thresholds, with who crossed which and when."""
    fig = Figure(figsize=FIGSIZE)
    ax = fig.subplots()
    rungs = [ladder.max_rung for ladder in model.ladders.values()]
    ax.bar(range(len(rungs)), rungs, width=0.7, color=["tab:purple", "tab:orange"])
    for x, rung in enumerate(rungs):
        ax.text(x, rung + 0.4, f"rung {rung}", ha="center", va="bottom", fontsize=9)
    for below, name in THRESHOLDS:
        crossed = crossing_text(model, name)
        colour = "tab:red" if crossed else "0.5"
        ax.axhline(below + 0.5, color=colour, linestyle="--", linewidth=1)
        when = f" (crossed: {crossed})" if crossed else ""
        ax.text(1.5, below + 0.5, f"{name}{when}", va="center", fontsize=8, color=colour,
                bbox={"fc": "white", "ec": "none", "pad": 1})
    ax.set_xlim(-0.5, 4.2)
    ax.set_ylim(0, TOP_RUNG + 1)
    ax.set_xticks(range(len(rungs)), [f"{arena}\nhighest" for arena in model.ladders])
    ax.set_yticks(range(0, TOP_RUNG + 1, 4))
    ax.set_ylabel("rung (Kahn 1965)")
    ax.set_title(f"Escalation ladder, week {model.steps}")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


# ---------------------------------------------------------------- time series
def timeseries_figure(model: EscalationModel) -> Figure:
    """Six small plots of the weekly series the analysts ask for (brief §6)."""
    df = model.datacollector.get_model_vars_dataframe()
    attacker, defender = model.attacker.name, model.defender.name
    cohesion = [c for c in df.columns if c.startswith("cohesion_")]
    panels = [
        ("Escalation score", {"escalation_score": "score this week"}),
        ("Tension between the blocs", {"tension": "bloc tension",
                                       "dossier_tension": "dossier tension"}),
        (f"Territory held by {attacker}", {"territory_attacker": "share"}),
        ("Alliance cohesion and aid", {**{c: c.removeprefix("cohesion_") for c in cohesion},
                                       "aid_flow": "aid to " + defender}),
        ("War-weariness", {"weariness_attacker": attacker, "weariness_defender": defender}),
        ("Talks", {"channel_open": "channel open", "truce_on": "truce"}),
    ]
    df = df.assign(channel_open=df["channel_open"].astype(float),
                   truce_on=(df["truce"] == "truce").astype(float))
    fig = Figure(figsize=FIGSIZE)
    axes = fig.subplots(2, 3, sharex=True).ravel()
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.1, top=0.94, hspace=0.25, wspace=0.3)
    for ax, (title, columns) in zip(axes, panels, strict=True):
        for column, label in columns.items():
            ax.plot(df["week"], df[column], label=label)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.ticklabel_format(axis="y", useOffset=False)  # an offset label would hide the title
        ax.legend(fontsize=6, loc="best")
    for ax in axes[-3:]:
        ax.set_xlabel("week")
    return fig


# ---------------------------------------------------------------- action log and banner
def action_log_rows(model: EscalationModel, rows: int = LOG_ROWS) -> list[tuple[str, ...]]:
    """The latest actions, newest first, as the cells the log shows (LOG_COLUMNS)."""
    if not model.record_actions:
        return []
    log = model.datacollector.get_table_dataframe("actions").tail(rows).iloc[::-1]
    out = []
    for row in log.itertuples(index=False):
        blamed = row.attributed_to or "unattributed"
        if row.attributed_to and row.attributed_to != row.actor:
            blamed += " (misattributed)"
        out.append((str(row.step), row.actor, row.action, row.target or "–", row.instrument,
                    "covert" if row.covert else "overt", blamed))
    return out


def action_log_html(model: EscalationModel) -> str:
    """The log as an HTML table (solara.Markdown would fetch KaTeX from the CDN)."""
    if not model.record_actions:
        return "<p><i>The action log is switched off (record_actions=False).</i></p>"
    rows = action_log_rows(model)
    if not rows:
        return "<p><i>No action yet: press Step.</i></p>"
    head = "".join(f"<th>{c}</th>" for c in LOG_COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def outcome_text(model: EscalationModel) -> str:
    """One line naming the outcome, the rule that decided it and the week."""
    v = model.verdict
    why = RULE_TEXT.get(v.rule, v.rule)
    return f"Outcome: {v.outcome.upper()} (rule '{v.rule}': {why}), decided in week {v.step}."


def settings_lines(model: EscalationModel) -> list[str]:
    """What this run was built with, so a Reset's effect is visible on the page."""
    seed = model.scenario.rng  # Mesa's record of the seed the run was built with
    talks = model.talks
    channel = "open" if talks.channel_open else "closed"
    settled = "; settlement agreed" if talks.settled else ""
    lines = [f"Scenario {model.spec.name}" + (f", seed {seed}" if seed is not None else ""),
             f"Talks: {talks.state}; channel {channel}{settled}"]
    lines += [f"{_label(name)} = {_shown(getattr(model.p, name))}" for name in CONTROL_PARAMS]
    return lines


def _shown(value: bool | float) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else f"{value:.2f}"


def settings_html(model: EscalationModel) -> str:
    """The settings, each parameter with its meaning from Parameters."""
    first, talks, *params = settings_lines(model)
    meanings = [Parameters.spec(name)["meaning"] for name in CONTROL_PARAMS]
    items = "".join(f"<li><b>{escape(line)}</b>: {escape(meaning)}</li>"
                    for line, meaning in zip(params, meanings, strict=True))
    return f"<p><b>{escape(first)}</b><br>{escape(talks)}</p><ul>{items}</ul>"


def _html(html: str) -> None:
    solara.HTML(unsafe_innerHTML=html, classes=["rendered_html", "jp-RenderedHTMLCommon"])


def figure_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=FIGURE_DPI)
    return buffer.getvalue()


def _figure(draw: Callable[[EscalationModel], Figure], model: EscalationModel,
            panel: str) -> None:
    """A figure drawn once per model and week, scaled to fit its grid cell."""
    png = solara.use_memo(lambda: figure_png(draw(model)), [model, model.steps])
    with solara.Column(classes=[f"panel-{panel}"], style=FILL):
        rw.Image(value=png, format="png", layout=IMAGE_LAYOUT)


@solara.component
def OutcomePanel(model: EscalationModel) -> None:
    """The outcome banner once decided (the only alert on the page), the run's settings."""
    update_counter.get()
    with solara.Column(classes=["panel-outcome"], style=SCROLL):
        if model.verdict.decided:
            OUTCOME_ALERTS.get(model.verdict.outcome, solara.Warning)(outcome_text(model))
        else:
            _html(f"<p><b>Week {model.steps}</b>: the war goes on, no outcome decided yet.</p>")
        _html(settings_html(model))


@solara.component
def NetworkPanel(model: EscalationModel) -> None:
    """Who is hostile to whom, who belongs to which alliance, who did what last week."""
    update_counter.get()
    _figure(network_figure, model, "network")


@solara.component
def LadderPanel(model: EscalationModel) -> None:
    """Where the war and the wider confrontation stand on Kahn's ladder."""
    update_counter.get()
    _figure(ladder_figure, model, "ladder")


@solara.component
def TimeSeriesPanel(model: EscalationModel) -> None:
    """Escalation, tension, territory, cohesion and aid, weariness, talks over time."""
    update_counter.get()
    _figure(timeseries_figure, model, "timeseries")


@solara.component
def ActionLogPanel(model: EscalationModel) -> None:
    """The latest actions: who did what to whom, overtly or not, and who got the blame."""
    update_counter.get()
    with solara.Column(classes=["panel-log"], style=SCROLL):
        _html(f"<p><b>Latest actions</b> (last {LOG_ROWS}, newest first)</p>"
              + action_log_html(model))


PANELS = [OutcomePanel, NetworkPanel, LadderPanel, TimeSeriesPanel, ActionLogPanel]
