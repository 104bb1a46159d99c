"""Global sensitivity of outcome probabilities (SALib), from an experiment's run table.

A sensitivity analysis is an ordinary experiment with a ``saltelli`` (Sobol indices)
or ``morris`` (elementary effects) design, run with common random numbers
(experiments/seeds.py), followed by these pure functions of its run table. The model
output for an outcome is the share of a point's runs that ended in it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from experiments.design import Axis, salib_problem
from model.outcomes import OUTCOMES

CONFIDENCE = 0.95
RESAMPLES = 200                 # bootstrap resamples behind the confidence intervals
METHOD_OF = {"saltelli": "sobol", "morris": "morris"}
INDICES = {"sobol": ("S1", "ST"), "morris": ("mu_star", "mu", "sigma")}
CONFIDENCE_OF = {"S1": "S1_conf", "ST": "ST_conf", "mu_star": "mu_star_conf"}
LABELS = {"S1": "Sobol first-order S1", "ST": "Sobol total ST", "mu_star": "Morris mu*",
          "sigma": "Morris sigma"}
INDEX_COLUMNS = ["parameter", "outcome", "method", "index", "value", "confidence"]


def outcome_counts(runs: pd.DataFrame, n_points: int) -> np.ndarray:
    """Runs per (point, outcome): an int array, points x OUTCOMES."""
    counts = pd.crosstab(runs["point_id"], pd.Categorical(runs["outcome"], list(OUTCOMES)),
                         dropna=False)
    counts = counts.reindex(index=range(n_points), columns=list(OUTCOMES), fill_value=0)
    return counts.to_numpy(dtype=np.int64)


def indices(runs: pd.DataFrame, design: str, axes: Mapping[str, Axis], matrix: np.ndarray,
            levels: int, rngs: Sequence[np.random.Generator]) -> pd.DataFrame:
    """Sobol (saltelli design) or Morris (morris design) indices of every outcome's share.

    ``matrix`` is the unrounded design the runs came from; ``rngs`` gives one seeded
    generator per outcome for the bootstrap. Sobol indices are shares of variance:
    undefined (NaN) for an outcome whose share never varies.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    method = METHOD_OF[design]
    problem = salib_problem(axes)
    counts = outcome_counts(runs, len(matrix))
    shares = counts / counts.sum(axis=1, keepdims=True)
    rows: list[dict[str, Any]] = []
    for k, outcome in enumerate(OUTCOMES):
        y = shares[:, k]
        if method == "sobol":
            if np.ptp(y) == 0:
                result = {i: [math.nan] * len(axes) for i in ("S1", "S1_conf", "ST", "ST_conf")}
            else:
                # SALib falls back on numpy's global generator when seed is 0/None: never here.
                seed = int(rngs[k].integers(1, 2**31))
                result = sobol_analyze.analyze(problem, y, calc_second_order=False,
                                               num_resamples=RESAMPLES,
                                               conf_level=CONFIDENCE, seed=seed)
        else:
            result = morris_analyze.analyze(problem, matrix, y, num_resamples=RESAMPLES,
                                            conf_level=CONFIDENCE, num_levels=levels,
                                            seed=rngs[k])
        for index in INDICES[method]:
            conf = CONFIDENCE_OF.get(index)
            for j, name in enumerate(axes):
                rows.append({"parameter": name, "outcome": outcome, "method": method,
                             "index": index, "value": float(result[index][j]),
                             "confidence": float(result[conf][j]) if conf else math.nan})
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def samples_table(runs: pd.DataFrame, points: Sequence[Mapping[str, Any]],
                  varied: Sequence[str]) -> pd.DataFrame:
    """Per design point: the parameter values run, the number of runs and outcome shares."""
    counts = outcome_counts(runs, len(points))
    n = counts.sum(axis=1)
    frame = pd.DataFrame(list(points), columns=list(varied))
    frame.insert(0, "point_id", range(len(points)))
    frame["runs"] = n
    for k, outcome in enumerate(OUTCOMES):
        frame[f"{outcome}_n"] = counts[:, k]
        frame[f"{outcome}_share"] = counts[:, k] / np.maximum(n, 1)
    return frame


def indices_figure(table: pd.DataFrame):  # -> matplotlib.figure.Figure
    """Bars per parameter with 95% intervals: one row per index, one column per outcome.

    Drawn on a bare Figure with the Agg canvas: no pyplot, no global state.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from experiments.analysis.figures import COLORS

    shown = [i for i in LABELS if i in set(table["index"])]
    params = list(dict.fromkeys(table["parameter"]))
    # an outcome whose share never varied has no index anywhere: no panel, said in the title
    drawn = [o for o in OUTCOMES if table.loc[table["outcome"] == o, "value"].notna().any()]
    constant = [o for o in OUTCOMES if o not in drawn]
    fig = Figure(figsize=(3.2 * max(2, len(drawn)),
                          0.9 + (0.35 * len(params) + 0.8) * len(shown)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(shown), max(1, len(drawn)), squeeze=False, sharey=True)
    y = np.arange(len(params))
    for row, index in enumerate(shown):
        part = table[table["index"] == index]
        for col, outcome in enumerate(drawn):
            ax = axes[row, col]
            cell = part[part["outcome"] == outcome].set_index("parameter").reindex(params)
            values = cell["value"].to_numpy(float)
            errors = cell["confidence"].to_numpy(float)
            ax.barh(y, np.nan_to_num(values), color=COLORS[outcome],
                    xerr=None if np.isnan(errors).all() else np.nan_to_num(errors),
                    error_kw={"elinewidth": 1, "capsize": 2})
            ax.axvline(0, color="black", linewidth=0.6)
            ax.set_yticks(y, params, fontsize=8)
            ax.tick_params(axis="x", labelsize=8)
            undefined = " (share constant)" if np.isnan(values).all() else ""
            ax.set_title(f"{outcome}: {LABELS[index]}{undefined}", fontsize=9)
    axes[0, 0].invert_yaxis()  # shared: first parameter on top everywhere
    fig.suptitle("Sensitivity of outcome probabilities (bars: index; whiskers: 95% CI)"
                 + (f"; no panel for {', '.join(constant)}: its share never varied"
                    if constant else ""), fontsize=10)
    return fig


def format_indices(table: pd.DataFrame) -> str:
    """The printed table: one block per index, a row per parameter, a column per outcome."""
    params = list(dict.fromkeys(table["parameter"]))
    width = max(len(p) for p in [*params, "parameter"]) + 2
    lines = []
    for index in [i for i in LABELS if i in set(table["index"])]:
        part = table[table["index"] == index].set_index(["parameter", "outcome"])
        lines.append(f"{LABELS[index]:{width}s}" + "".join(f"{o:>16s}" for o in OUTCOMES))
        for p in params:
            cells = []
            for o in OUTCOMES:
                value, conf = part.loc[(p, o), ["value", "confidence"]]
                cell = "n/a" if math.isnan(value) else f"{value:.3f}"
                if not math.isnan(conf) and not math.isnan(value):
                    cell += f" ±{conf:.3f}"
                cells.append(f"{cell:>16s}")
            lines.append(f"  {p:{width - 2}s}" + "".join(cells))
    lines.append("± 95% bootstrap interval; n/a: that outcome's share never varied "
                 "(Sobol undefined)")
    return "\n".join(lines)
