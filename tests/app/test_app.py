"""The browser workbench, in-process: views, sessions, Play, controls, the explorer's state,
and the `escalation viz` command line."""

from __future__ import annotations

import html
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ipyvuetify as v
import pandas as pd
import pytest
import solara

from browser.explorer import shares_html
from browser.panels import (
    LEVERS,
    LOG_ROWS,
    RunView,
    action_label,
    action_log_rows,
    bloc_colours,
    chart_specs,
    hostility_edges,
    ladder_svg,
    network_svg,
    run_view,
)
from browser.run import BuildControls, PlayControls, RunPanels
from browser.session import Controls, Explorer, RunSession, Workbench, play
from browser.svg import heatmap_chart, nice_ticks
from browser.tables import cell, column_label
from experiments.cli import main, viz
from experiments.results import wilson_interval
from model import ConfigError, EscalationModel
from model.ladder import THRESHOLDS
from model.parameters import Parameters
from tests.app.folders import EVERY_CATEGORY, calibration_folder, category, outcome_sweeps
from tests.experiments.sweeps import swept

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def rendered(element: Any) -> Iterator[Any]:
    """Render a solara element in-process; yields the render context."""
    _box, rc = solara.render(element, handle_error=False)
    try:
        yield rc
    finally:
        rc.close()


def stepped(model: EscalationModel, weeks: int) -> EscalationModel:
    for _ in range(weeks):
        model.step()
    return model


def svg_texts(svg: str) -> list[str]:
    """The texts an SVG shows, unescaped."""
    return [html.unescape(t) for t in re.findall(r">([^<>]+)</text>", svg)]


# ---------------------------------------------------------------- the run view
def test_a_view_draws_every_panel_of_one_week_and_follows_the_model():
    model = EscalationModel("paris_moscow_call", rng=1)
    fresh = run_view(model)
    assert fresh.week == 0 and fresh.horizon == 156 and fresh.running
    assert fresh.banner == ("", "Week 0 of 156: the war goes on, no outcome decided yet.")
    assert fresh.heading == "Scenario paris_moscow_call, seed 1"
    later = run_view(stepped(model, 4))   # the call's truce proposal has lapsed (4 weeks)
    assert later.week == 4 and "Week 4:" in later.network
    for panel in ("network", "ladder", "charts", "log", "settings"):
        assert getattr(later, panel) != getattr(fresh, panel), panel


def test_the_network_labels_every_state_with_its_last_action_and_weights_hostility():
    model = stepped(EscalationModel("generic_crisis", rng=3), 4)
    svg = network_svg(model)
    texts = svg_texts(svg)
    for state in model.states:
        assert state.last_action
        assert state.name in texts and action_label(state) in texts
    for alliance in model.alliances:
        assert f"cohesion {alliance.cohesion:.2f}" in texts
    edges = re.findall(r"class='hostility'[^>]*stroke-width='([\d.]+)'", svg)
    assert sorted(map(float, edges)) == pytest.approx(
        sorted(0.5 + 6 * level for *_, level in hostility_edges(model)), abs=0.01)
    assert len(set(bloc_colours(model).values())) == 3
    for bloc, colour in bloc_colours(model).items():
        assert f"fill='{colour}'" in svg and f"bloc {bloc}" in texts


def test_the_ladder_shows_each_arenas_highest_rung_week_by_week_and_its_crossings():
    model = stepped(EscalationModel("paris_moscow_call", rng=5), 3)
    model.climb("confrontation", 13)   # a direct strike, this week
    stepped(model, 1)
    svg = ladder_svg(model, model.datacollector.model_vars)
    steps = dict(re.findall(r"data-label='(\w+) \(now rung \d+\)' d='([^']+)'", svg))
    assert set(steps) == {"war", "confrontation"}
    for arena, column in (("war", "max_rung"), ("confrontation", "max_rung_confrontation")):
        rungs = model.datacollector.model_vars[column]
        assert steps[arena].count("L") == 2 * len(rungs) - 2   # a staircase: one step a week
    texts = svg_texts(svg)
    for _, name in THRESHOLDS:
        assert any(t.startswith(name) for t in texts)
    assert ("nuclear war is unthinkable (crossed: war: week 0; confrontation: week 3)"
            in texts)
    assert "confrontation crossed 'nuclear war is unthinkable' in week 3" in html.unescape(svg)
    assert "rung (Kahn 1965: 1–44)" in texts and "week" in texts


def test_every_chart_has_a_unit_and_plots_its_weekly_series():
    model = stepped(EscalationModel("paris_moscow_call", rng=6), 5)
    view = run_view(model)
    specs = chart_specs(model)
    assert len(view.charts) == len(specs) == 8
    titles = [title for title, *_ in specs]
    assert "Alliance cohesion" in titles and "Aid delivered to Ukraine" in titles
    for chart, (title, unit, columns, _) in zip(view.charts, specs, strict=True):
        texts = svg_texts(chart)
        assert title in texts and unit in texts and "week" in texts
        for column, label in columns.items():
            assert column in model.datacollector.model_vars
            path = re.search(rf"data-label='{re.escape(label)}' d='([^']+)'", chart)
            assert path, (title, label)
            assert path.group(1).count("M") == 1 and path.group(1).count("L") >= 5


def test_the_action_log_lists_the_latest_actions_newest_first():
    model = stepped(EscalationModel("paris_moscow_call", rng=7), 4)
    table = model.datacollector.get_table_dataframe("actions")
    rows = action_log_rows(model)
    assert len(rows) == LOG_ROWS and rows[0][0] == "4"
    for row, action in zip(rows, table.tail(LOG_ROWS).iloc[::-1].itertuples(), strict=True):
        assert row[:3] == (str(action.step), action.actor, action.action)
        assert row[5] == ("covert" if action.covert else "overt")
        if action.attributed_to:
            assert row[6].endswith("(misattributed)") == (action.attributed_to != action.actor)
    off = stepped(EscalationModel("paris_moscow_call", rng=7, record_actions=False), 2)
    assert "switched off" in run_view(off).log


@pytest.mark.parametrize(("rule", "outcome", "kind"), [
    ("nuclear_use", "ESCALATED", "error"), ("direct_clash", "ESCALATED", "error"),
    ("settlement", "NEGOTIATED", "success"), ("imposed", "NEGOTIATED", "success"),
    ("stalemate", "FROZEN", "info"), ("horizon", "ONGOING", "warning")])
def test_the_banner_names_each_outcome_rule_and_week(rule, outcome, kind):
    model = stepped(EscalationModel("paris_moscow_call", rng=9), 2)
    ends = rule in ("settlement", "imposed", "stalemate")
    model.verdict.decide(rule, 2, **({"ended": 1} if ends else {}))
    shown_kind, text = run_view(model).banner
    assert shown_kind == kind
    assert f"Outcome: {outcome} (rule '{rule}'" in text and "decided in week 2" in text
    assert ("fighting ended in week 1" in text) == ends


def test_the_settings_list_every_policy_lever_with_value_unit_and_meaning():
    model = EscalationModel("paris_moscow_call", rng=1, multilateral_pressure=0.9)
    settings = run_view(model).settings
    assert set(LEVERS) == set(Parameters.names("policy"))
    for name in LEVERS:
        assert html.escape(Parameters.spec(name)["meaning"]) in settings
    assert "Multilateral pressure = 0.90</b> share" in settings
    assert "Channel closed weeks = 0</b> weeks" in settings


def test_nice_ticks_are_round_and_whole_when_asked():
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0, 2, whole=True) == [0, 1, 2]
    assert nice_ticks(0, 156) == [0, 50, 100, 150]


# ---------------------------------------------------------------- sessions and Play
def test_a_session_steps_never_past_the_outcome_and_to_the_end():
    session = RunSession(EscalationModel("paris_moscow_call", rng=2, horizon_weeks=6))
    assert session.step(4).week == 4
    end = session.step(10)
    assert (end.week, end.running) == (6, False)
    assert "ONGOING" in end.banner[1]
    other = RunSession(EscalationModel("paris_moscow_call", rng=2, horizon_weeks=9))
    assert other.to_end().week == 9


def test_concurrent_steps_each_count_once():
    def session() -> RunSession:
        return RunSession(EscalationModel("paris_moscow_call", rng=2, horizon_weeks=60,
                                          multilateral_pressure=0.0))

    shared = session()
    threads = [threading.Thread(target=lambda: [shared.step() for _ in range(20)])
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    alone = session().step(60)
    assert shared.view() == alone and alone.week > 20
    assert f"Week {alone.week}:" in alone.network


def test_play_keeps_time_shows_each_frame_and_stops_when_decided():
    session = RunSession(EscalationModel("paris_moscow_call", rng=2, horizon_weeks=30))
    shown: list[RunView] = []
    start = time.monotonic()
    decided = play(session, lambda: 60.0, shown.append, threading.Event(), lambda: True,
                   frame_seconds=0.02)
    elapsed = time.monotonic() - start
    assert decided and shown[-1].week == 30 and not shown[-1].running
    assert 30 / 60 * 0.8 <= elapsed <= 30 / 60 + 1.0   # at the speed asked, give or take
    weeks = [view.week for view in shown]
    assert weeks == sorted(weeks) and len(set(weeks)) == len(weeks)


def test_play_stops_when_paused_or_when_no_page_is_connected():
    session = RunSession(EscalationModel("paris_moscow_call", rng=2, horizon_weeks=500))
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    assert not play(session, lambda: 20.0, lambda view: None, stop, lambda: True,
                    frame_seconds=0.02)
    paused_at = session.view().week
    assert 2 <= paused_at <= 12
    assert not play(session, lambda: 20.0, lambda view: None, threading.Event(),
                    lambda: False, frame_seconds=0.02)
    assert session.view().week == paused_at   # a closed tab's Play steps nothing


# ---------------------------------------------------------------- workbenches and controls
def test_controls_start_at_the_scenarios_levers_and_reset_builds_from_them():
    controls = Controls.of_scenario("generic_crisis", 7)
    assert dict(controls.levers) == {
        name: getattr(EscalationModel("generic_crisis", rng=7).p, name) for name in LEVERS}
    bench = Workbench(controls)
    bench.step()
    bench.controls.set(bench.controls.value.with_lever("multilateral_pressure", 0.9)
                       .with_lever("channel_open", False))
    bench.reset()
    twin = EscalationModel("generic_crisis", rng=7, multilateral_pressure=0.9,
                           channel_open=False)
    view = bench.view.value
    assert view.week == 0 and "Multilateral pressure = 0.90" in view.settings
    assert view.heading == "Scenario generic_crisis, seed 7"
    bench.step()
    stepped(twin, 1)
    assert bench.view.value.log == run_view(twin).log
    with pytest.raises(KeyError):
        controls.with_lever("temperature", 1.0)   # structural: not a sidebar lever


def test_two_workbenches_never_share_a_model():
    first, second = Workbench(), Workbench()
    for _ in range(3):
        first.step()
    assert (first.view.value.week, second.view.value.week) == (3, 0)
    second.controls.set(Controls.of_scenario("generic_crisis", 1))
    second.reset()
    assert first.view.value.heading == "Scenario paris_moscow_call, seed 42"


def test_step_clicks_are_each_counted_and_the_buttons_follow_the_run():
    bench = Workbench(Controls.of_scenario().with_lever("horizon_weeks", 7))
    with rendered(PlayControls(bench)) as rc:
        for _ in range(5):
            rc.find(v.Btn, children=["Step"]).widget.click()
        assert bench.view.value.week == 5
        assert rc.find(v.Html, children=["Week 5 of 7"]).widget
        rc.find(v.Btn, children=["To the end"]).widget.click()
        assert bench.view.value.week == 7
        assert rc.find(v.Btn, children=["Step"]).widget.disabled
        assert rc.find(v.Btn, children=["▶ Play"]).widget.disabled
        rc.find(v.Btn, children=["Reset"]).widget.click()
        assert bench.view.value.week == 0


def test_every_lever_is_in_the_sidebar_and_every_slider_shows_its_value():
    bench = Workbench()
    with rendered(BuildControls(bench)) as rc:
        labels = [w.label for w in rc.find(v.Slider).widgets]
        checks = [w.label for w in rc.find(v.Checkbox).widgets]
        assert "Seed: 42" in labels
        for name in LEVERS:
            label = name.replace("_", " ").capitalize()
            if Parameters.spec(name)["type"] == "bool":
                assert label in checks
            else:
                assert any(text.startswith(f"{label}: ") and text.endswith(
                    Parameters.spec(name)["unit"]) for text in labels), name
        slider = rc.find(v.Slider, label="Multilateral pressure: 0.30 share").widget
        slider.v_model = 0.75
        assert bench.controls.value.value("multilateral_pressure") == 0.75
        assert rc.find(v.Slider, label="Multilateral pressure: 0.75 share").widget
        rc.find(v.Slider, label="Seed: 42").widget.v_model = 9
        assert bench.controls.value.seed == 9 and rc.find(v.Slider, label="Seed: 9").widget


def test_the_panels_show_one_view():
    view = run_view(stepped(EscalationModel("paris_moscow_call", rng=4), 2))
    with rendered(RunPanels(view)) as rc:
        shown = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets]
    assert view.network in shown and view.ladder in shown and view.log in shown
    assert all(chart in shown for chart in view.charts)


# ---------------------------------------------------------------- the explorer's state
SWEEP = """[experiment]
name = "app"
scenario = "paris_moscow_call"
replications = 4
posterior_draws = 2
seed = 8
horizon = 40

[vary]
multilateral_pressure = [0.1, 0.9]
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    return swept(tmp_path_factory, "app", SWEEP)


@pytest.fixture(scope="module")
def outcome_folders(tmp_path_factory) -> dict[str, Path]:
    return outcome_sweeps(tmp_path_factory)


def test_rows_of_every_outcome_open_in_the_run_view_and_end_as_their_row(outcome_folders):
    bench, seen = Workbench(), set()
    for folder in outcome_folders.values():
        explorer = Explorer()
        explorer.open(str(folder))
        assert explorer.error.value == "" and explorer.rebuild_error.value == ""
        runs = explorer.results.value.runs
        for _, series in runs.groupby(["outcome", "rule"], observed=True).head(1).iterrows():
            row = series.to_dict()
            bench.show(explorer.pick(row), str(folder))
            assert bench.view.value.week == 0
            assert bench.view.value.heading.startswith(
                f"Replay: run {row['run_id']} (point 0, replication {row['replication']}, "
                f"draw {row['draw_id']}, seed {row['seed']}) of {folder}; its row: "
                f"{row['outcome']} (rule {row['rule']}), decided in week {row['decided_step']}")
            bench.to_end()
            view = bench.view.value
            assert view.week == row["decided_step"]
            assert (f"Outcome: {row['outcome'].upper()} (rule '{row['rule']}'" in view.banner[1]
                    and f"decided in week {row['decided_step']}" in view.banner[1])
            assert view.replay_check == ("The replay matches its row: same outcome, rule and "
                                         "weeks.")
            seen.add(category(row))
    assert seen >= EVERY_CATEGORY


def test_two_picked_runs_are_compared_week_by_week(sweep):
    explorer = Explorer()
    explorer.open(str(sweep))
    explorer.compare()
    assert "pick two runs" in explorer.compare_error.value
    explorer.a.set(explorer.pick(explorer.results.value.runs.iloc[0].to_dict()))
    explorer.variant("multilateral_pressure", "2")
    assert "multilateral_pressure: must be within [0.0, 1.0]" in explorer.compare_error.value
    explorer.variant("multilateral_pressure", "0.95")
    assert explorer.b.value.label.endswith("with multilateral_pressure = 0.95")
    assert explorer.b.value.spec.seed == explorer.a.value.spec.seed
    explorer.compare()
    comparison = explorer.comparison.value
    assert explorer.compare_error.value == ""
    assert comparison.summaries[0]["outcome"] == explorer.results.value.runs.iloc[0]["outcome"]
    assert comparison.series[1]["week"].iloc[-1] == comparison.summaries[1]["decided_step"]


def test_a_refused_folder_keeps_its_one_line_and_a_calibration_opens(sweep, tmp_path):
    explorer = Explorer()
    explorer.open(str(tmp_path / "nowhere"))
    assert explorer.results.value is None
    assert explorer.error.value == f"{tmp_path / 'nowhere'}: no such results folder"
    explorer.open(str(calibration_folder(tmp_path / "cal")))
    assert explorer.error.value == "" and explorer.results.value.kind == "calibration"
    with pytest.raises(ConfigError, match="no sweep is open"):
        explorer.pick({})


def test_the_shares_table_shows_each_points_shares_with_intervals():
    runs = pd.DataFrame({"point_id": [0, 0, 1, 1], "x": [0.5, 0.5, 1.0, 1.0],
                         "outcome": ["negotiated", "frozen", "negotiated", "negotiated"],
                         "rule": ["imposed", "stalemate", "settlement", "settlement"]})
    table = shares_html(runs, ("x",))
    assert table.count("<tr>") == 3 and "class='overall'" in table
    assert "<td>0</td><td>0.5</td><td>2</td>" in table
    low, high = wilson_interval(1, 2)
    assert f"50.0% [{low:.1%}, {high:.1%}]" in table
    assert "negotiated (imposed)</th><th>negotiated (settlement)" in table


def test_a_heatmap_labels_each_cell_with_its_share_and_runs():
    chart = heatmap_chart([[0.25, float("nan")], [1.0, 0.5]], [[4, 0], [2, 2]],
                          ["0", "1"], ["a", "<b>"], "Share", "x (share)", "y")
    assert svg_texts(chart).count("25% (n=4)") == 1 and "100% (n=2)" in svg_texts(chart)
    assert chart.count("class='cell'") == 3 and "&lt;b&gt;" in chart


def test_user_text_is_escaped_in_html():
    assert cell("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
    assert cell(0.123456) == "0.1235" and cell(float("nan")) == "–"
    assert column_label("multilateral_pressure") == "multilateral_pressure (share)"
    assert column_label("max_rung") == "max_rung"


# ---------------------------------------------------------------- `escalation viz`
def test_viz_serves_app_py_with_this_python(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(viz, "serve", lambda cmd, env: calls.append((cmd, env)) or 0)
    assert main(["viz", "--port", "9123"]) == 0
    [(cmd, env)] = calls
    assert cmd[:4] == [sys.executable, "-m", "solara", "run"]
    assert Path(cmd[4]) == REPO / "app.py" and Path(cmd[4]).is_file()
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--port") + 1] == "9123"
    assert viz.RESULTS_ENV not in env
    assert "http://127.0.0.1:9123/ " in capsys.readouterr().out
    assert main(["viz"]) == 0
    assert calls[1][0][calls[1][0].index("--port") + 1] == "8765"


def test_viz_results_opens_the_explorer_on_that_folder(monkeypatch, capsys, tmp_path):
    calls = []
    monkeypatch.setattr(viz, "serve", lambda cmd, env: calls.append(env) or 0)
    monkeypatch.chdir(tmp_path)
    assert main(["viz", "--results", "out/sweep"]) == 0
    assert calls[0][viz.RESULTS_ENV] == str(tmp_path / "out" / "sweep")
    assert "http://127.0.0.1:8765/results" in capsys.readouterr().out


def test_viz_rejects_a_bad_port(monkeypatch, capsys):
    monkeypatch.setattr(viz, "serve", lambda cmd, env: pytest.fail("server started"))
    assert main(["viz", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err


def test_a_calibrations_header_names_the_parameters_a_second_stage_held():
    """A narrow posterior of two parameters must not read as a fit of all of them."""
    from browser.calibration import calibration_header

    manifest = {"calibration": "stakes", "scenario": "generic_crisis", "population": 80,
                "generations_done": 4, "runs_per_particle": [10, 20], "stopped_by": "x"}
    plain = calibration_header(manifest, ["war_value_base"])
    assert "parameters: war_value_base.</p>" in plain and "held" not in plain
    held = calibration_header({**manifest, "held": {
        "posterior": "generic_crisis_joint", "sha256": "ab" * 32,
        "names": ["temperature", "attrition_rate"]}}, ["war_value_base"])
    assert ("parameters: war_value_base; held at the medoid of generic_crisis_joint (not "
            "fitted here, their uncertainty not carried): 2 parameters (temperature, "
            "attrition_rate).</p>") in held
