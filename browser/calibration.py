"""A calibration folder: its generations, the posterior's marginals and pairs, and the
posterior predictive against each target."""

from __future__ import annotations

import math

import solara

from browser.svg import Line, histogram_chart, interval_chart, line_chart, scatter_chart
from browser.tables import cell, charts_grid, column_label, show_html, table_html
from experiments.analysis.explorer import CalibrationResults, marginal, predictive_rows

GENERATION_CHARTS = (("epsilon", "Distance threshold", "epsilon (distance)"),
                     ("acceptance_rate", "Acceptance rate", "share of simulated particles"),
                     ("effective_sample_size", "Effective sample size", "particles"))


def calibration_header(manifest: dict, fitted: list[str]) -> str:
    """What the calibration was, and, for a second stage, which parameters it held (so a
    narrow posterior of two parameters is not read as a fit of all of them)."""
    m = manifest
    held = m.get("held")
    holding = ""
    if isinstance(held, dict) and held.get("names"):
        names = [str(name) for name in held["names"]]
        holding = (f"; held at the medoid of {cell(held.get('posterior'))} (not fitted here, "
                   f"their uncertainty not carried): {len(names)} parameters "
                   f"({cell(', '.join(names))})")
    return (f"<h3>Calibration {cell(m.get('calibration'))}</h3>"
            f"<p>{cell(m.get('description'))}</p><p>Scenario {cell(m.get('scenario'))}; "
            f"{cell(m.get('generations_done'))} generations of {cell(m.get('population'))} "
            f"particles x {cell(m.get('runs_per_particle'))} runs; stopped by "
            f"{cell(m.get('stopped_by'))}; parameters: {cell(', '.join(fitted))}"
            f"{holding}.</p>")


@solara.component
def CalibrationView(results: CalibrationResults) -> None:
    show_html(calibration_header(results.manifest, list(results.priors)), "results-header")
    generations = results.generations
    with solara.Card("Generations"):
        x = generations["generation"].tolist()
        charts_grid([line_chart([Line(title, x, generations[column].tolist())], title,
                                "generation", unit)
                     for column, title, unit in GENERATION_CHARTS], "generations")
        show_html(table_html(generations, "generations"))
    with solara.Card("Posterior: summary and marginals (weighted, over the prior range)"):
        show_html(table_html(results.summary, "posterior-summary"))
        charts = []
        for name, prior in results.priors.items():
            bins, interval = marginal(results.posterior, name, prior)
            charts.append(histogram_chart(list(zip(bins["low"], bins["high"], strict=True)),
                                          bins["density"].tolist(), name, column_label(name),
                                          "posterior density", band=interval,
                                          level=1.0 / (prior[1] - prior[0])))
        charts_grid(charts, "marginals", 300)
        solara.Text("Shaded: the 90% posterior interval; dotted: the prior's (uniform) density.")
    Pairs(results)
    with solara.Card("Posterior predictive against each target"):
        rows = predictive_rows(results.predictive)
        show_html(interval_chart(
            [(r.label, r.model_share, r.model_ci_low, r.model_ci_high) for r in rows.itertuples()],
            "Model share (90% predictive interval) against the target (grey: its 95% interval)",
            "share of runs", targets=[(r.target_value if math.isfinite(r.target_value)
                                       else r.target_high, r.target_low, r.target_high)
                                      for r in rows.itertuples()]), "predictive")
        show_html(table_html(rows, "predictive-table"))


@solara.component
def Pairs(results: CalibrationResults) -> None:
    names = list(results.priors)
    x, set_x = solara.use_state(names[0])
    y, set_y = solara.use_state(names[1] if len(names) > 1 else names[0])
    weights = results.posterior["weight"]
    with solara.Card("Posterior pairs (point size: weight)"):
        with solara.Row():
            solara.Select("x", values=names, value=x, on_value=set_x)
            solara.Select("y", values=names, value=y, on_value=set_y)
        show_html(scatter_chart(results.posterior[x].tolist(), results.posterior[y].tolist(),
                                (2 + 8 * (weights / weights.max()) ** 0.5).tolist(),
                                f"{y} against {x}", column_label(x), column_label(y),
                                x_range=results.priors[x],
                                y_range=results.priors[y]), "pairs")
