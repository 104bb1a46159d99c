"""One visitor's workbench: their own model, controls, Play, and open results.

Mesa's SolaraViz keeps the model it is given at import, so every browser shared one run
(and a Play left running by a closed tab went on stepping it). Here app.py's Layout
builds a ``Workbench`` per browser session, and nothing in it is module-level:

* ``RunSession`` holds the model behind a lock; Step, Play, Reset and replays change it
  only through the session, which returns a fresh ``RunView`` (browser/panels.py), so every
  panel shows the same week;
* ``play`` steps in real time (``speed`` weeks a second): the weeks owed by the clock are
  stepped before each frame, so a slow frame shows more weeks at once instead of slowing
  the run down; it stops when paused, when the run is decided, and when no page of the
  session is connected any more (a closed or lost tab);
* ``Controls`` are the values the sidebar shows; Reset builds from them and nothing else;
* ``Explorer`` is the results folder the visitor opened, their filters and picked runs: a
  picked row is rebuilt by experiments.replay, never stored.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd
import solara

from browser.panels import LEVERS, RunView, run_view, verdict_words
from experiments.analysis.explorer import Filter, Results, SweepResults, open_results
from experiments.cli.viz import RESULTS_ENV
from experiments.replay import VERDICT_KEYS, RunSpec, replay, run_spec, sweep_experiment
from model import ConfigError, EscalationModel
from model.parameters import parse_override
from model.scenario import load_scenario

if TYPE_CHECKING:
    from experiments.config import Experiment

DEFAULT_SCENARIO = "paris_moscow_call"
DEFAULT_SEED = 42
MAX_SEED = 999          # the seed is a slider (with its value shown)
DEFAULT_SPEED = 10      # weeks per second of Play: a three-year run in about 16 s
MAX_SPEED = 52          # a year a second
FRAME_SECONDS = 0.1     # Play shows a new view at most this often


@dataclass(frozen=True)
class Controls:
    """What the sidebar shows: scenario, seed and every policy lever; Reset builds this."""

    scenario: str
    seed: int
    levers: tuple[tuple[str, Any], ...]

    @classmethod
    def of_scenario(cls, scenario: str = DEFAULT_SCENARIO, seed: int = DEFAULT_SEED
                    ) -> Controls:
        """The scenario's own lever values (its file's, over the documented defaults)."""
        parameters = load_scenario(scenario).parameters
        return cls(scenario, seed, tuple((name, getattr(parameters, name)) for name in LEVERS))

    def value(self, name: str) -> Any:
        return dict(self.levers)[name]

    def with_lever(self, name: str, value: Any) -> Controls:
        if name not in LEVERS:
            raise KeyError(name)
        return replace(self, levers=tuple((n, value if n == name else v)
                                          for n, v in self.levers))

    def build(self) -> EscalationModel:
        return EscalationModel(self.scenario, rng=self.seed, **dict(self.levers))


class RunSession:
    """A model behind a lock: every change returns the view of the model after it."""

    def __init__(self, model: EscalationModel) -> None:
        self._lock = threading.Lock()
        self._model = model
        self._heading = ""
        self._expected: Mapping[str, Any] | None = None

    def view(self) -> RunView:
        with self._lock:
            return self._view()

    def _view(self) -> RunView:
        return run_view(self._model, self._heading, self._expected)

    def step(self, weeks: int = 1) -> RunView:
        """Step up to ``weeks`` weeks (never past the outcome)."""
        with self._lock:
            for _ in range(weeks):
                if not self._model.running:
                    break
                self._model.step()
            return self._view()

    def to_end(self) -> RunView:
        """Step until the outcome is decided (or the horizon reached)."""
        with self._lock:
            while self._model.running:
                self._model.step()
            return self._view()

    def load(self, model: EscalationModel, heading: str = "",
                expected: Mapping[str, Any] | None = None) -> RunView:
        """Show another model: a Reset's, or a replayed row (``expected``: the row's verdict)."""
        with self._lock:
            self._model, self._heading, self._expected = model, heading, expected
            return self._view()


def play(session: RunSession, speed: Callable[[], float], show: Callable[[RunView], None],
         stop: threading.Event, connected: Callable[[], bool],
         frame_seconds: float = FRAME_SECONDS) -> bool:
    """Step ``session`` in real time until stopped; true if the run was decided.

    Returns as soon as ``stop`` is set, the run is decided, or ``connected()`` is false.
    """
    last, owed = time.monotonic(), 0.0
    while not stop.wait(frame_seconds) and connected():
        now = time.monotonic()
        owed += (now - last) * speed()
        last = now
        if owed >= 1:
            view = session.step(int(owed))
            owed -= int(owed)
            show(view)
            if not view.running:
                return True
    return False


def page_connected() -> bool:
    """Whether a browser page of this session is still connected (true outside a server)."""
    from solara.server import kernel_context

    try:
        context = kernel_context.get_current_context()
    except RuntimeError:
        return True   # rendered in-process (tests): no page to lose
    return kernel_context.PageStatus.CONNECTED in context.page_status.values()


@dataclass(frozen=True)
class Pick:
    """A run picked in the explorer: what to call it, how to rebuild it, what its row says."""

    label: str
    spec: RunSpec
    expected: Mapping[str, Any] | None = None   # the row's verdict (None: a variant)


@dataclass(frozen=True, eq=False)   # tables: compared by identity
class Comparison:
    """Two runs replayed to their end: their weekly series, actions and verdicts."""

    a: Pick
    b: Pick
    series: tuple[pd.DataFrame, pd.DataFrame]
    actions: tuple[pd.DataFrame, pd.DataFrame]
    summaries: tuple[dict[str, Any], dict[str, Any]]


def row_label(row: Mapping[str, Any]) -> str:
    draw = f", draw {row['draw_id']}" if "draw_id" in row else ""
    return (f"run {row['run_id']} (point {row['point_id']}, replication "
            f"{row['replication']}{draw}, seed {row['seed']})")


def compared(pick: Pick) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    model = replay(pick.spec)
    return (model.datacollector.get_model_vars_dataframe(),
            model.datacollector.get_table_dataframe("actions"), model.summary())


class Explorer:
    """The results a visitor opened: the folder, its filters, the runs picked from it."""

    def __init__(self, folder: str = "") -> None:
        self.folder = solara.reactive(folder)
        self.results: solara.Reactive[Results | None] = solara.reactive(None)
        self.error = solara.reactive("")
        self.rebuild_error = solara.reactive("")   # why rows cannot be opened, if so
        self.filters: solara.Reactive[tuple[Filter, ...]] = solara.reactive(())
        self.page = solara.reactive(0)
        self.a: solara.Reactive[Pick | None] = solara.reactive(None)
        self.b: solara.Reactive[Pick | None] = solara.reactive(None)
        self.comparison: solara.Reactive[Comparison | None] = solara.reactive(None)
        self.compare_error = solara.reactive("")
        self._experiment: Experiment | None = None

    def open(self, folder: str) -> None:
        """Open a folder; a refusal is kept as its one line, as the CLI prints it."""
        self.folder.set(folder)
        for reactive, empty in ((self.filters, ()), (self.page, 0), (self.a, None),
                                (self.b, None), (self.comparison, None),
                                (self.compare_error, ""), (self.rebuild_error, "")):
            reactive.set(empty)
        self._experiment = None
        try:
            results = open_results(folder)
        except ConfigError as exc:
            self.results.set(None)
            self.error.set(str(exc))
            return
        self.error.set("")
        if isinstance(results, SweepResults):
            try:
                self._experiment = sweep_experiment(results.manifest)
            except ConfigError as exc:
                self.rebuild_error.set(str(exc))
        self.results.set(results)

    def pick(self, row: Mapping[str, Any]) -> Pick:
        """The run behind a row of the run table (ConfigError if it cannot be rebuilt)."""
        if self._experiment is None:
            raise ConfigError("results", "", self.rebuild_error.value or "no sweep is open")
        expected = {key: row[key] for key in VERDICT_KEYS if key in row}
        return Pick(row_label(row), run_spec(self._experiment, row), expected)

    def variant(self, name: str, text: str) -> None:
        """B: run A again with one parameter set to ``text`` (the same seed and draw)."""
        try:
            if self.a.value is None:
                raise ConfigError("compare", "A", "pick run A first")
            name, value = parse_override(f"{name}={text}", "compare")
            spec = self.a.value.spec.varied(name, value)
            spec.model(record_actions=False)   # validates the value before it is kept
        except ConfigError as exc:
            self.compare_error.set(str(exc))
            return
        self.compare_error.set("")
        self.b.set(Pick(f"{self.a.value.label} with {name} = {text}", spec))

    def compare(self) -> None:
        """Replay A and B to their end, for the week-by-week view."""
        a, b = self.a.value, self.b.value
        if a is None or b is None:
            self.compare_error.set("compare: pick two runs (A and B) first")
            return
        (series_a, actions_a, summary_a), (series_b, actions_b, summary_b) = (
            compared(a), compared(b))
        self.compare_error.set("")
        self.comparison.set(Comparison(a, b, (series_a, series_b), (actions_a, actions_b),
                                       (summary_a, summary_b)))


class Workbench:
    """Everything one visitor has: their run and its controls, and the results they opened.

    Built by app.py's Layout once per browser session; the reactive values are Solara's
    per-session state, so two visitors never see each other's.
    """

    def __init__(self, controls: Controls | None = None) -> None:
        controls = controls or Controls.of_scenario()
        self.controls = solara.reactive(controls)
        self.run = RunSession(controls.build())
        self.view = solara.reactive(self.run.view())
        self.playing = solara.reactive(False)
        self.speed = solara.reactive(DEFAULT_SPEED)
        self.explorer = Explorer(os.environ.get(RESULTS_ENV, ""))

    # ------------------------------------------------------------------ the run
    def step(self) -> None:
        self.view.set(self.run.step())

    def to_end(self) -> None:
        self.playing.set(False)
        self.view.set(self.run.to_end())

    def reset(self) -> None:
        """A new model from the controls shown (the only thing Reset reads)."""
        self.playing.set(False)
        self.view.set(self.run.load(self.controls.value.build()))

    def show(self, pick: Pick, folder: str = "") -> None:
        """Put a picked run in the run view, at week 0, to watch it unfold."""
        self.playing.set(False)
        source = f" of {folder}" if folder else ""
        row = f"; its row: {verdict_words(pick.expected)}" if pick.expected else ""
        self.view.set(self.run.load(pick.spec.model(), f"Replay: {pick.label}{source}{row}",
                                    pick.expected))

    def play(self, stop: threading.Event) -> None:
        """Play until paused or decided (run by the run page in a thread of this session)."""
        decided = play(self.run, lambda: self.speed.value, self.view.set, stop,
                       page_connected)
        if decided or not stop.is_set():
            self.playing.set(False)


workbench_context = solara.create_context(None)


def use_workbench() -> Workbench:
    """This visitor's workbench (provided by app.py's Layout)."""
    bench = solara.use_context(workbench_context)
    if bench is None:
        raise RuntimeError("no Workbench: render the page inside app.Layout")
    return bench
