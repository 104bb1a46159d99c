"""The results page: open a sweep, sensitivity or calibration folder, and explore it.

The page draws only what experiments/analysis/explorer.py returns. A folder is opened by
``Explorer.open`` (browser/session.py); a refusal is shown as the one line the CLI prints. A
row of the run table opens its run in the run page (rebuilt by experiments/replay.py),
or becomes run A or B of a week-by-week comparison (browser/compare.py).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import solara

from browser.calibration import CalibrationView
from browser.compare import CompareCard
from browser.session import Explorer, Workbench, use_workbench
from browser.svg import Line, heatmap_chart, line_chart
from browser.tables import cell, column_label, number, share_cell, show_html, table_html
from experiments.analysis.explorer import (
    CATEGORIES,
    CLOCKS,
    MAX_LEVELS,
    CalibrationResults,
    Filter,
    SweepResults,
    apply_filters,
    filter_choices,
    heatmap,
    outcome_shares,
    time_to_outcome,
)
from model import ConfigError

ROWS_PER_PAGE = 12
MAX_POINTS_SHOWN = 60
ID_COLUMNS = ("run_id", "point_id", "replication", "seed")
ROW_COLUMNS = ("run_id", "point_id", "replication", "seed", "draw_id")
VERDICT_COLUMNS = ("outcome", "rule", "decided_step", "ended_step", "max_rung",
                   "max_rung_confrontation")
NONE = "(none)"


@solara.component
def FolderPicker(explorer: Explorer) -> None:
    """The folder to open, and the one-line refusal if it cannot be."""
    text, set_text = solara.use_state(explorer.folder.value)
    with solara.Row(style={"align-items": "center"}):
        solara.InputText("Results folder (a sweep, sensitivity or calibration output)",
                         value=text, on_value=set_text, continuous_update=True,
                         style={"min-width": "520px"})
        solara.Button("Open folder", color="primary", on_click=lambda: explorer.open(text))
    if explorer.error.value:
        solara.Error(f"escalation: error: {explorer.error.value}", classes=["refusal"])


@solara.component
def Header(results: SweepResults, shown: int) -> None:
    m = results.manifest
    draws = f"; {cell(m['posterior_draws'])} posterior draws" if m.get("posterior_draws") else ""
    show_html(f"<h3>{results.kind.capitalize()} {cell(m.get('experiment'))}</h3>"
              f"<p>{cell(m.get('description'))}</p><p>Scenario {cell(m.get('scenario'))};"
              f" design {cell(m.get('design'))}, {cell(m.get('points'))} points x "
              f"{cell(m.get('replications'))} runs{draws}; varied: "
              f"{cell(', '.join(results.varied) or 'nothing')}. {len(results.runs)} runs "
              f"read, {shown} kept by the filters.</p>", "results-header")
    for note in results.notes:
        solara.Warning(note)


@solara.component
def Filters(explorer: Explorer, runs: pd.DataFrame) -> None:
    """Add a filter on any column of the run table; remove one by its button."""
    column, set_column = solara.use_state("outcome")
    chosen, set_chosen = solara.use_state([])
    choices = filter_choices(runs, column)
    ranged = isinstance(choices, tuple)
    low, set_low = solara.use_state(0.0)
    high, set_high = solara.use_state(0.0)

    def pick_column(name: str) -> None:
        set_column(name)
        set_chosen([])
        offered = filter_choices(runs, name)
        if isinstance(offered, tuple):
            set_low(offered[0])
            set_high(offered[1])

    def add() -> None:
        by_text = {number(v): v for v in ([] if ranged else choices)}
        new = (Filter(column, low=low, high=high) if ranged
               else Filter(column, tuple(by_text[t] for t in chosen)))
        if new.values or ranged:
            explorer.filters.set((*explorer.filters.value, new))
            explorer.page.set(0)

    with solara.Card("Filters (on any column of the run table)"):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select("Column", values=list(runs.columns), value=column,
                          on_value=pick_column, style={"max-width": "300px"})
            if ranged:
                solara.InputFloat("from", value=low, on_value=set_low)
                solara.InputFloat("to", value=high, on_value=set_high)
            else:
                solara.SelectMultiple("Values", values=chosen,
                                      all_values=[number(v) for v in choices],
                                      on_value=set_chosen, style={"min-width": "260px"})
            solara.Button("Add filter", on_click=add)
        for i, active in enumerate(explorer.filters.value):
            with solara.Row(style={"align-items": "center"}):
                solara.Text(active.describe(), classes=["active-filter"])
                solara.Button("remove", text=True, on_click=lambda i=i: explorer.filters.set(
                    tuple(f for j, f in enumerate(explorer.filters.value) if j != i)))


def shares_html(runs: pd.DataFrame, varied: tuple[str, ...]) -> str:
    """Outcome shares per design point and overall, with Wilson 95% intervals."""
    per_point = outcome_shares(runs, ["point_id", *varied])
    overall = outcome_shares(runs)
    head = "".join(f"<th>{c}</th>" for c in ("point", *varied, "runs", *CATEGORIES))

    def cells(row: Any) -> str:
        return "".join(f"<td>{share_cell(row[f'{c} share'], row[f'{c} low'], row[f'{c} high'])}"
                       "</td>" for c in CATEGORIES)

    body = "".join(f"<tr><td>{row['point_id']}</td>"
                   + "".join(f"<td>{cell(row[v])}</td>" for v in varied)
                   + f"<td>{row['n']}</td>{cells(row)}</tr>"
                   for row in per_point.head(MAX_POINTS_SHOWN).to_dict("records"))
    total = overall.to_dict("records")[0]
    body += (f"<tr class='overall'><td><b>all</b></td>{'<td></td>' * len(varied)}"
             f"<td>{total['n']}</td>{cells(total)}</tr>")
    more = (f"<p>First {MAX_POINTS_SHOWN} of {len(per_point)} points: filter on point_id or "
            "a varied column to see the others.</p>" if len(per_point) > MAX_POINTS_SHOWN
            else "")
    return (f"<table class='shares'><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
            f"</table>{more}<p>Share of runs [Wilson 95% interval]. Negotiated endings are "
            "split by rule: <i>settlement</i> (agreed) and <i>imposed</i> (a military "
            "collapse).</p>")


def axis_choices(runs: pd.DataFrame, varied: tuple[str, ...]) -> list[str]:
    """Columns a heatmap can use: the varied ones first, then any other numeric column."""
    numeric = [c for c in runs.columns if c not in ID_COLUMNS and c not in varied
               and pd.api.types.is_numeric_dtype(runs[c])]
    return [*varied, *numeric]


@solara.component
def HeatmapCard(runs: pd.DataFrame, varied: tuple[str, ...]) -> None:
    axes = axis_choices(runs, varied)
    x, set_x = solara.use_state(axes[0])
    y, set_y = solara.use_state(axes[1] if len(axes) > 1 else axes[0])
    category, set_category = solara.use_state(CATEGORIES[0])
    with solara.Card("Heatmap: an outcome's share over two columns"):
        with solara.Row():
            solara.Select("x", values=axes, value=x, on_value=set_x)
            solara.Select("y", values=axes, value=y, on_value=set_y)
            solara.Select("outcome", values=list(CATEGORIES), value=category,
                          on_value=set_category)
        try:
            grid = heatmap(runs, x, y, category)
        except ConfigError as exc:
            solara.Error(str(exc))
            return
        show_html(heatmap_chart(grid.share.to_numpy().tolist(), grid.n.to_numpy().tolist(),
                                [number(v) for v in grid.share.columns],
                                [number(v) for v in grid.share.index],
                                f"Share of runs ending {category}", column_label(x),
                                column_label(y)), "heatmap")


def split_choices(runs: pd.DataFrame) -> list[str]:
    return [NONE, *(c for c in runs.columns if c not in ID_COLUMNS and c != "outcome"
                    and runs[c].nunique() <= min(MAX_LEVELS, 8))]


@solara.component
def TimeToOutcomeCard(runs: pd.DataFrame) -> None:
    clock, set_clock = solara.use_state("decided_step")
    by, set_by = solara.use_state(NONE)
    category, set_category = solara.use_state(CATEGORIES[0])
    with solara.Card("Time to outcome"):
        with solara.Row():
            solara.Select("clock", values=list(CLOCKS), value=clock, on_value=set_clock)
            solara.Select("split by", values=split_choices(runs), value=by, on_value=set_by)
            if by != NONE:
                solara.Select("outcome", values=list(CATEGORIES), value=category,
                              on_value=set_category)
        curves = time_to_outcome(runs, clock, None if by == NONE else by,
                                 None if by == NONE else category)
        weeks = list(curves.index)
        lines = [Line(str(c), weeks, curves[c].tolist(), step=True) for c in curves.columns]
        what = "any outcome" if by == NONE else category
        show_html(line_chart(lines, f"Share of runs decided by each week ({what})",
                             f"{CLOCKS[clock]} (weeks)", "cumulative share of runs",
                             y_range=(0, 1.02), width=620, height=300), "time-to-outcome")


@solara.component
def RunTable(bench: Workbench, results: SweepResults, runs: pd.DataFrame) -> None:
    """A page of the filtered runs; each row opens its run, or becomes A or B."""
    explorer = bench.explorer
    router = solara.use_router()
    error, set_error = solara.use_state("")
    columns = [c for c in (*ROW_COLUMNS, *results.varied, *VERDICT_COLUMNS) if c in runs]
    pages = max(1, -(-len(runs) // ROWS_PER_PAGE))
    page = min(explorer.page.value, pages - 1)
    shown = runs.iloc[page * ROWS_PER_PAGE:(page + 1) * ROWS_PER_PAGE]

    def act(row: dict, what: str) -> None:
        try:
            pick = explorer.pick(row)
        except ConfigError as exc:
            set_error(str(exc))
            return
        set_error("")
        if what == "open":
            bench.show(pick, str(results.folder))
            router.push("/")
        else:
            (explorer.a if what == "A" else explorer.b).set(pick)

    with solara.Card(f"Runs ({len(runs)}): open one in the run page, or compare two"):
        if explorer.rebuild_error.value:
            solara.Warning(f"Rows cannot be opened: {explorer.rebuild_error.value}")
        if error:
            solara.Error(error)
        with solara.Row(style={"align-items": "center"}):
            solara.Button("previous", text=True, disabled=page == 0,
                          on_click=lambda: explorer.page.set(page - 1))
            solara.Text(f"page {page + 1} of {pages}")
            solara.Button("next", text=True, disabled=page >= pages - 1,
                          on_click=lambda: explorer.page.set(page + 1))
        head = [solara.v.Html(tag="th", children=[c]) for c in (*columns, "")]
        rows = []
        for _, series in shown.iterrows():
            row = series.to_dict()
            buttons = [solara.Button(label, small=True, text=True, classes=[f"row-{what}"],
                                     on_click=lambda row=row, what=what: act(row, what))
                       for label, what in (("open", "open"), ("A", "A"), ("B", "B"))]
            rows.append(solara.v.Html(tag="tr", class_="run-row", children=[
                *(solara.v.Html(tag="td", children=[number(row[c])]) for c in columns),
                solara.v.Html(tag="td", children=buttons)]))
        solara.v.Html(tag="table", class_="runs", children=[
            solara.v.Html(tag="thead", children=[solara.v.Html(tag="tr", children=head)]),
            solara.v.Html(tag="tbody", children=rows)])


@solara.component
def SweepView(bench: Workbench, results: SweepResults) -> None:
    explorer = bench.explorer
    try:
        runs = apply_filters(results.runs, explorer.filters.value)
    except ConfigError as exc:
        solara.Error(str(exc))
        return
    Header(results, len(runs))
    Filters(explorer, results.runs)
    if runs.empty:
        solara.Warning("No run passes these filters.")
    else:
        with solara.Card("Outcome shares per design point"):
            show_html(shares_html(runs, results.varied), "shares")
        HeatmapCard(runs, results.varied)
        TimeToOutcomeCard(runs)
        if results.indices is not None:
            with solara.Card("Sensitivity indices (sensitivity.csv)"):
                show_html(table_html(results.indices, "indices"), "indices")
        RunTable(bench, results, runs)
    CompareCard(explorer)


@solara.component
def ResultsPage() -> None:
    """Open a results folder and explore it."""
    bench = use_workbench()
    explorer = bench.explorer
    def open_given() -> None:   # `escalation viz --results DIR`: open it on first visit
        if explorer.folder.value and explorer.results.value is None and not explorer.error.value:
            explorer.open(explorer.folder.value)

    solara.use_effect(open_given, [])
    FolderPicker(explorer)
    results = explorer.results.value
    key = f"{id(results)}"   # a newly opened folder starts its cards afresh
    if isinstance(results, SweepResults):
        SweepView(bench, results).key(key)
    elif isinstance(results, CalibrationResults):
        CalibrationView(results).key(key)
