"""The browser visualisation, in-process: panels render, follow the model, Reset rebuilds it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba
from mesa.visualization import Slider
from mesa.visualization.solara_viz import ModelController, ModelCreator
from mesa.visualization.utils import force_update

import app
from app_panels import (
    DEFAULT_SEED,
    LOG_ROWS,
    MAX_SEED,
    PANELS,
    SLIDER_PARAMS,
    ActionLogPanel,
    LadderPanel,
    NetworkPanel,
    OutcomePanel,
    TimeSeriesPanel,
    action_label,
    action_log_rows,
    bloc_colours,
    figure_png,
    ladder_figure,
    network_figure,
    timeseries_figure,
)
from experiments.cli import main, viz
from model import EscalationModel, Parameters
from model.ladder import THRESHOLDS
from model.scenario import shipped_scenarios

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def rendered(element: Any) -> Iterator[Any]:
    """Render a solara element in-process; yields the render context."""
    _box, rc = solara.render(element, handle_error=False)
    try:
        yield rc
    finally:
        rc.close()


def panel_content(rc: Any) -> tuple:
    """Everything a panel shows: image bytes, HTML, alert texts."""
    images = tuple(bytes(w.value) for w in rc.find(ipywidgets.Image).widgets)
    html = tuple(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    alerts = tuple((w.type, " ".join(map(str, w.children))) for w in rc.find(v.Alert).widgets)
    return images, html, alerts


def stepped(model: EscalationModel, weeks: int) -> EscalationModel:
    for _ in range(weeks):
        model.step()
    return model


# ---------------------------------------------------------------- every panel
@pytest.mark.parametrize("panel", PANELS, ids=lambda p: p.__name__)
def test_each_panel_renders_fresh_and_follows_the_model_after_steps(panel):
    model = EscalationModel("paris_moscow_call", rng=1)
    with rendered(panel(model)) as rc:
        fresh = panel_content(rc)
        assert any(fresh), "the panel shows nothing for a fresh model"
        stepped(model, 3)
        force_update()  # what Step does; the panel must listen to update_counter
        assert panel_content(rc) != fresh


@pytest.mark.parametrize(("panel", "draw"), [(NetworkPanel, network_figure),
                                             (LadderPanel, ladder_figure),
                                             (TimeSeriesPanel, timeseries_figure)])
def test_figure_panels_show_the_figure_of_the_current_week(panel, draw):
    model = stepped(EscalationModel("paris_moscow_call", rng=2), 2)
    with rendered(panel(model)) as rc:
        stepped(model, 2)
        force_update()
        assert bytes(rc.find(ipywidgets.Image).widget.value) == figure_png(draw(model))


# ---------------------------------------------------------------- network
def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def test_network_labels_every_state_with_its_last_action_and_target():
    model = stepped(EscalationModel("paris_moscow_call", rng=3), 4)
    texts = _texts(network_figure(model))
    for state in model.states:
        assert state.last_action, f"{state.name} took no action in 4 weeks"
        assert state.name in texts
        assert action_label(state) in texts
        if state.last_target:
            assert action_label(state) == f"{state.last_action} → {state.last_target}"
    for alliance in model.alliances:
        assert f"{alliance.name}\ncoh {alliance.cohesion:.2f}" in texts


def test_network_colours_blocs_links_alliances_and_weights_hostility():
    model = stepped(EscalationModel("generic_crisis", rng=4), 3)
    fig = network_figure(model)
    ax = fig.axes[0]
    colours = bloc_colours(model)
    assert len(set(colours.values())) == len(colours) == 3  # red, blue, neutral
    state_nodes, alliance_nodes = [c for c in ax.collections if isinstance(c, PathCollection)]
    expected = [to_rgba(colours[s.bloc]) for s in model.states]
    assert np.allclose(state_nodes.get_facecolors(), expected)
    assert len(alliance_nodes.get_offsets()) == len(model.alliances)
    hostility_edges, member_edges = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(member_edges.get_segments()) == sum(len(a.members) for a in model.alliances)
    n = len(model.states)
    h = np.maximum(model.hostility[:, :n], model.hostility[:, :n].T)
    levels = [h[i, j] for i in range(n) for j in range(i + 1, n) if h[i, j] >= 0.05]
    assert sorted(hostility_edges.get_linewidths()) == pytest.approx(
        sorted(0.5 + 6 * x for x in levels))


# ---------------------------------------------------------------- ladder
def test_ladder_marks_the_six_thresholds_and_which_arena_crossed_them_when():
    model = stepped(EscalationModel("paris_moscow_call", rng=5), 3)
    model.climb("confrontation", 13)  # a direct strike, this week
    fig = ladder_figure(model)
    ax = fig.axes[0]
    for below, name in THRESHOLDS:
        label = next(t for t in ax.texts if t.get_text().startswith(name))
        assert label.get_position()[1] == below + 0.5
        if name in model.ladder.crossed:
            assert f"war: week {model.ladder.crossed[name]}" in label.get_text()
        if name not in model.ladder.crossed and name not in model.ladders["confrontation"].crossed:
            assert "crossed" not in label.get_text()
    unthinkable = next(t.get_text() for t in ax.texts
                       if t.get_text().startswith("nuclear war is unthinkable"))
    assert unthinkable.endswith("(crossed: war: week 0; confrontation: week 3)")
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [model.ladder.max_rung, 13]
    assert ax.get_ylim()[1] >= 44


# ---------------------------------------------------------------- time series
@pytest.mark.parametrize("scenario", sorted(shipped_scenarios()))
def test_timeseries_plot_the_collected_series(scenario):
    model = stepped(EscalationModel(scenario, rng=6), 5)
    df = model.datacollector.get_model_vars_dataframe()
    axes = {ax.get_title(): ax for ax in timeseries_figure(model).axes}
    attacker, defender = model.attacker.name, model.defender.name
    assert set(axes) == {"Escalation score", "Tension between the blocs",
                         f"Territory held by {attacker}", "Alliance cohesion and aid",
                         "War-weariness", "Talks"}

    def line(title: str, label: str) -> np.ndarray:
        found = next(ln for ln in axes[title].lines if ln.get_label() == label)
        assert list(found.get_xdata()) == list(range(model.steps + 1))
        return np.asarray(found.get_ydata(), dtype=float)

    assert line("Escalation score", "score this week") == pytest.approx(df["escalation_score"])
    assert line("Tension between the blocs", "bloc tension") == pytest.approx(df["tension"])
    assert line(f"Territory held by {attacker}", "share") == pytest.approx(
        df["territory_attacker"])
    for alliance in model.alliances:
        assert line("Alliance cohesion and aid", alliance.name) == pytest.approx(
            df[f"cohesion_{alliance.name}"])
    assert line("Alliance cohesion and aid", f"aid to {defender}") == pytest.approx(df["aid_flow"])
    assert line("War-weariness", attacker) == pytest.approx(df["weariness_attacker"])
    assert line("War-weariness", defender) == pytest.approx(df["weariness_defender"])


# ---------------------------------------------------------------- action log
def test_action_log_lists_the_latest_actions_newest_first():
    model = stepped(EscalationModel("paris_moscow_call", rng=7), 4)
    table = model.datacollector.get_table_dataframe("actions")
    rows = action_log_rows(model)
    expected = table.tail(LOG_ROWS).iloc[::-1]
    assert len(rows) == LOG_ROWS
    assert rows[0][0] == str(model.steps)
    for row, action in zip(rows, expected.itertuples(index=False), strict=True):
        week, actor, name, target, instrument, mode, blamed = row
        assert (week, actor, name, instrument) == (str(action.step), action.actor,
                                                   action.action, action.instrument)
        assert target == (action.target or "–")
        assert mode == ("covert" if action.covert else "overt")
        if not action.attributed_to:
            assert blamed == "unattributed"
        else:
            assert blamed.startswith(action.attributed_to)
            assert blamed.endswith("(misattributed)") == (action.attributed_to != action.actor)
    with rendered(ActionLogPanel(model)) as rc:
        html = rc.find(solara.widgets.HTML).widget.unsafe_innerHTML
    for row in rows:
        assert "".join(f"<td>{cell}</td>" for cell in row) in html


def test_action_log_says_so_when_the_log_is_off():
    model = stepped(EscalationModel("paris_moscow_call", rng=7, record_actions=False), 2)
    assert action_log_rows(model) == []
    with rendered(ActionLogPanel(model)) as rc:
        assert "switched off" in rc.find(solara.widgets.HTML).widget.unsafe_innerHTML


# ---------------------------------------------------------------- outcome banner
def _alerts(rc: Any) -> list[tuple[str, str]]:
    return list(panel_content(rc)[2])


def test_banner_appears_once_the_outcome_is_decided_with_rule_and_week():
    model = EscalationModel("paris_moscow_call", rng=8, horizon_weeks=3)
    with rendered(OutcomePanel(model)) as rc:
        assert _alerts(rc) == []
        assert "<b>Week 0</b>: the war goes on, no outcome decided yet" in panel_content(rc)[1][0]
        while model.running:
            model.step()
            force_update()
        [(kind, text)] = _alerts(rc)
    verdict = model.verdict
    assert (verdict.outcome, verdict.rule, verdict.step) == ("ongoing", "horizon", 3)
    assert kind == "warning"
    assert "Outcome: ONGOING" in text and "'horizon'" in text and "week 3" in text


@pytest.mark.parametrize(("rule", "outcome", "kind"), [("nuclear_use", "ESCALATED", "error"),
                                                       ("direct_clash", "ESCALATED", "error"),
                                                       ("settlement", "NEGOTIATED", "success"),
                                                       ("imposed", "NEGOTIATED", "success"),
                                                       ("stalemate", "FROZEN", "info")])
def test_banner_names_each_outcome_and_rule(rule, outcome, kind):
    model = stepped(EscalationModel("paris_moscow_call", rng=9), 2)
    model.verdict.decide(rule, 2)
    with rendered(OutcomePanel(model)) as rc:
        [(shown_kind, text)] = _alerts(rc)
    assert shown_kind == kind
    assert f"Outcome: {outcome} (rule '{rule}'" in text and "decided in week 2" in text


# ---------------------------------------------------------------- controls and Reset
def test_controls_take_defaults_and_ranges_from_parameters():
    params = app.model_params
    assert params["scenario_name"]["type"] == "Select"
    assert params["scenario_name"]["values"] == list(shipped_scenarios())
    seed = params["rng"]
    assert isinstance(seed, Slider) and not seed.is_float_slider
    assert (seed.min, seed.max, seed.value, seed.step) == (0, MAX_SEED, DEFAULT_SEED, 1)
    assert params["channel_open"] == {"type": "Checkbox", "label": "Direct channel open at week 0",
                                      "value": Parameters.spec("channel_open")["default"]}
    for name in SLIDER_PARAMS:
        spec = Parameters.spec(name)
        slider = params[name]
        assert isinstance(slider, Slider) and slider.is_float_slider
        assert (slider.min, slider.max, slider.value) == (*spec["range"], spec["default"])
        assert spec["unit"] in slider.label
    assert type(app.model) is EscalationModel  # no subclass re-declaring the parameters
    assert app.model.scenario.rng == DEFAULT_SEED
    assert app.model.spec.name == params["scenario_name"]["value"]


def test_app_page_is_a_solaraviz_of_every_panel():
    assert app.page.kwargs["components"] == PANELS
    assert app.page.kwargs["model_params"] is app.model_params
    assert app.page.kwargs["name"] == "Hybrid-war escalation"
    assert app.page.args[0] is app.model


def app_controls() -> tuple[solara.Reactive, object]:
    """The app's first model, and Mesa's controller and parameter widgets driving it."""
    model = solara.reactive(EscalationModel(**app.initial_kwargs(app.model_params)))
    chosen = solara.reactive({})

    @solara.component
    def Controls():
        ModelController(model, model_parameters=chosen, play_interval=solara.reactive(100),
                        render_interval=solara.reactive(1), use_threads=solara.reactive(False))
        ModelCreator(model, app.model_params, model_parameters=chosen)

    return model, Controls


def test_step_and_reset_rebuild_the_model_from_the_controls():
    """Mesa's own controller and parameter widgets, driven like a user would."""
    model, Controls = app_controls()

    with rendered(Controls()) as rc:
        rc.find(v.Btn, children=["Step"]).widget.click()
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert model.value.steps == 2
        rc.find(v.Select, label="Scenario").widget.v_model = "generic_crisis"
        rc.find(v.Slider, label="Seed").widget.v_model = 7
        rc.find(v.Checkbox, label="Direct channel open at week 0").widget.v_model = False
        values = {"multilateral_pressure": 0.9, "aid_reliability": 0.35,
                  "hybrid_intensity": 1.5, "temperature": 2.0}
        for name, value in values.items():
            rc.find(v.Slider, label=app.model_params[name].label).widget.v_model = value
        rc.find(v.Btn, children=["Reset"]).widget.click()
    rebuilt = model.value
    assert type(rebuilt) is EscalationModel
    assert rebuilt.steps == 0
    assert (rebuilt.spec.name, rebuilt.scenario.rng, rebuilt.p.channel_open) == (
        "generic_crisis", 7, False)
    for name, value in values.items():
        assert getattr(rebuilt.p, name) == value
    twin = EscalationModel("generic_crisis", rng=7, channel_open=False, **values)
    stepped(rebuilt, 3)
    stepped(twin, 3)
    assert rebuilt.datacollector.get_table_dataframe("actions").equals(
        twin.datacollector.get_table_dataframe("actions"))


def test_reset_with_the_initial_controls_repeats_the_initial_run():
    """Reset before any change gives the model the app started with, run for run."""
    model, Controls = app_controls()

    first = model.value
    with rendered(Controls()) as rc:
        rc.find(v.Btn, children=["Reset"]).widget.click()
    assert model.value is not first and type(model.value) is EscalationModel
    stepped(first, 4)
    stepped(model.value, 4)
    assert first.datacollector.get_table_dataframe("actions").equals(
        model.value.datacollector.get_table_dataframe("actions"))


# ---------------------------------------------------------------- `escalation viz`
def test_viz_command_serves_app_py_with_this_python(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(viz.subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    assert main(["viz", "--port", "9123"]) == 0
    [cmd] = calls
    assert cmd[:4] == [sys.executable, "-m", "solara", "run"]
    assert Path(cmd[4]) == REPO / "app.py" and Path(cmd[4]).is_file()
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--port") + 1] == "9123"
    assert "http://127.0.0.1:9123/" in capsys.readouterr().out


def test_viz_command_defaults_to_port_8765(monkeypatch):
    calls = []
    monkeypatch.setattr(viz.subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    assert main(["viz"]) == 0
    assert calls[0][calls[0].index("--port") + 1] == "8765"


def test_viz_command_rejects_a_bad_port(monkeypatch, capsys):
    monkeypatch.setattr(viz.subprocess, "call", lambda cmd: pytest.fail("server started"))
    assert main(["viz", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
