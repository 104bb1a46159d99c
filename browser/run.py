"""The run page: one visitor's model, its controls in the sidebar, its panels in the page.

The panels draw a ``RunView`` (browser/panels.py), never the model, so they always show the
same week. Play runs in a thread of the visitor's session (solara.use_thread), paced by
the clock (browser.session.play); pausing, leaving the page or closing the tab stops it.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from html import escape

import solara

from browser.panels import RunView, lever_label
from browser.session import MAX_SEED, MAX_SPEED, Controls, Workbench, use_workbench
from model.parameters import Parameters
from model.scenario import shipped_scenarios

ALERTS = {"success": solara.Success, "info": solara.Info, "error": solara.Error,
          "warning": solara.Warning}
GRID = {"display": "grid", "grid-template-columns": "repeat(auto-fill, minmax(380px, 1fr))",
        "gap": "12px", "width": "100%"}
WIDE = {"display": "grid", "grid-template-columns": "repeat(auto-fill, minmax(520px, 1fr))",
        "gap": "12px", "width": "100%"}


def html(content: str, panel: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=content, classes=[f"panel-{panel}"])


@solara.component
def RunPanels(view: RunView) -> None:
    """Heading, outcome banner, network, ladder, weekly series, action log and settings."""
    with solara.Column(style={"width": "100%"}):
        solara.HTML(tag="h3", unsafe_innerHTML=escape(view.heading), classes=["run-heading"])
        with solara.Div(classes=["panel-outcome"]):
            kind, text = view.banner
            if kind:
                ALERTS[kind](text)
            else:
                solara.Text(text)
            if view.replay_check:
                solara.Info(view.replay_check, classes=["replay-check"])
        with solara.Div(style=WIDE):
            html(view.network, "network")
            html(view.ladder, "ladder")
        with solara.Div(style=GRID, classes=["panel-timeseries"]):
            for chart in view.charts:
                solara.HTML(tag="div", unsafe_innerHTML=chart)
        with solara.Div(style=WIDE):
            html(view.log, "log")
            html(view.settings, "settings")


@solara.component
def PlayControls(bench: Workbench) -> None:
    """Reset, Play/Pause, Step, To the end, the speed of Play and the week."""
    view = bench.view.value
    playing = bench.playing.value

    def player(stop: threading.Event) -> None:
        if playing:
            bench.play(stop)

    solara.use_thread(player, dependencies=[playing], intrusive_cancel=False)
    with solara.Card("Run"):
        solara.Text(f"Week {view.week} of {view.horizon}", classes=["week"])
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            solara.Button("Reset", color="primary", on_click=bench.reset)
            solara.Button("❚❚ Pause" if playing else "▶ Play", color="primary",
                          on_click=lambda: bench.playing.set(not playing),
                          disabled=not view.running)
            solara.Button("Step", color="primary", on_click=bench.step,
                          disabled=playing or not view.running)
            solara.Button("To the end", on_click=bench.to_end, disabled=not view.running)
        speed = bench.speed.value
        solara.SliderInt(f"Play speed: {speed} weeks per second", value=speed, min=1,
                         max=MAX_SPEED, on_value=bench.speed.set)


@solara.component
def LeverControl(bench: Workbench, name: str) -> None:
    """One policy lever: a checkbox or a slider whose label shows its value and unit."""
    spec = Parameters.spec(name)
    value = bench.controls.value.value(name)

    def change(new: object) -> None:
        bench.controls.set(bench.controls.value.with_lever(name, new))

    label = lever_label(name)
    if spec["type"] == "bool":
        solara.Checkbox(label=label, value=bool(value), on_value=change)
        return
    low, high = spec["range"]
    if spec["type"] == "int":
        solara.SliderInt(f"{label}: {value} {spec['unit']}", value=int(value), min=int(low),
                         max=int(high), on_value=change)
    else:
        solara.SliderFloat(f"{label}: {value:.2f} {spec['unit']}", value=float(value),
                           min=float(low), max=float(high), step=0.01, on_value=change)


@solara.component
def BuildControls(bench: Workbench) -> None:
    """The scenario, the seed and every policy lever: what Reset builds the next run from."""
    controls = bench.controls.value

    def scenario(name: str) -> None:
        bench.controls.set(replace(bench.controls.value, scenario=name))

    def seed(value: int) -> None:
        bench.controls.set(replace(bench.controls.value, seed=value))

    with solara.Card("Next run (Reset builds it)"):
        solara.Select("Scenario", values=list(shipped_scenarios()), value=controls.scenario,
                      on_value=scenario)
        solara.SliderInt(f"Seed: {controls.seed}", value=controls.seed, min=0, max=MAX_SEED,
                         on_value=seed)
        for name in Parameters.names("policy"):
            LeverControl(bench, name)
        solara.Button("Levers from the scenario", text=True, on_click=lambda: bench.controls.set(
            Controls.of_scenario(bench.controls.value.scenario, bench.controls.value.seed)))
        solara.Text("Structural parameters come from the scenario (its calibrated posterior).")


@solara.component
def RunPage() -> None:
    """Watch one run: the visitor's own model, stepped or played."""
    bench = use_workbench()
    solara.Title("Hybrid-war escalation: run")
    with solara.Sidebar():
        PlayControls(bench)
        BuildControls(bench)
    RunPanels(bench.view.value)
