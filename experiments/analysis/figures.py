"""Figures of a sweep (PNG in DIR/figures/): shares with CIs, heatmaps, timing, trajectories.

Figures are drawn on ``matplotlib.figure.Figure`` objects with the Agg canvas, never
through pyplot, so making them changes no global backend or state (safe in notebooks
and in worker-less CI).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from experiments.analysis.compare import value_text
from model.outcomes import OUTCOMES

# Seaborn's "colorblind" palette (first three colours), written out: seaborn's import
# alone cost half a second of every sweep command.
COLORS = {"negotiated": "#0173b2", "frozen": "#de8f05", "escalated": "#029e73",
          "ongoing": "#8c8c8c"}
MAX_LABELLED_POINTS = 40
MAX_TRAJECTORIES = 120
HEATMAP_BINS = 8


def make_figures(out: Path | str, per_point: pd.DataFrame) -> list[Path]:
    """Read a sweep folder's runs, write every figure that applies in out/figures/."""
    from experiments.chunk_store import read_manifest
    from experiments.results import load_results, load_trajectories

    out = Path(out)
    folder = out / "figures"
    folder.mkdir(exist_ok=True)
    varied = list(read_manifest(out)["varied"])
    runs = load_results(out, ["point_id", "outcome", "decided_step", *varied])
    figures = sweep_figures(runs, per_point, varied, load_trajectories(out))
    return [save(fig, folder / name) for name, fig in figures.items()]


def sweep_figures(runs: pd.DataFrame, per_point: pd.DataFrame, varied: list[str],
                  trajectories: pd.DataFrame) -> dict[str, Figure]:
    """Every figure that applies to a sweep, by file name.

    ``runs``: point_id, outcome, decided_step and the varied parameters, one row per run;
    ``per_point``: outcome shares per point (``summarise``); ``trajectories``: the
    weekly series kept (may be empty).
    """
    figures = {"outcome_shares.png": outcome_shares(per_point, varied)}
    axes = [v for v in varied if runs[v].nunique() > 1]
    if len(axes) >= 2:
        figures["outcome_heatmaps.png"] = outcome_heatmaps(runs, axes[0], axes[1])
    figures["time_to_outcome.png"] = time_to_outcome(runs, per_point, varied)
    if not trajectories.empty:
        figures["trajectories.png"] = trajectory_sample(trajectories)
    return figures


def save(fig: Figure, path: Path) -> Path:
    """Draw ``fig`` on the Agg canvas (no pyplot) and write it as PNG."""
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110)
    return path


def point_label(row: pd.Series, varied: list[str]) -> str:
    if not varied:
        return "defaults"
    return "\n".join(f"{v}={_short(row[v])}" for v in varied)


def _short(value: object) -> str:
    """A tick label: 3 significant digits for a float, else as in the report."""
    return f"{value:.3g}" if isinstance(value, float) else value_text(value)


def outcome_shares(per_point: pd.DataFrame, varied: list[str]) -> Figure:
    """Share of each outcome per parameter point, with Wilson 95% intervals."""
    if len(per_point) <= MAX_LABELLED_POINTS:
        fig = Figure(figsize=(max(6.0, 1.1 * len(per_point) + 2), 4.8), layout="constrained")
        ax = fig.add_subplot()
        x = np.arange(len(per_point))
        for i, o in enumerate(OUTCOMES):
            share = per_point[f"{o}_share"].to_numpy()
            err = np.vstack([share - per_point[f"{o}_ci_low"], per_point[f"{o}_ci_high"] - share])
            ax.errorbar(x + (i - 1.5) * 0.15, share, yerr=err, fmt="o", capsize=3,
                        color=COLORS[o], label=o)
        ax.set_xticks(x, [point_label(r, varied) for _, r in per_point.iterrows()], fontsize=8)
        ax.set_xlabel("parameter point")
        ax.set_ylabel("share of runs (Wilson 95% CI)")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(ncols=4, loc="upper center", fontsize=8)
        ax.set_title("Outcome shares per parameter point")
        return fig
    shown = varied[:4]  # many sampled points: share against each varied parameter
    fig = Figure(figsize=(4.5 * len(shown), 4.2), layout="constrained")
    for j, v in enumerate(shown):
        ax = fig.add_subplot(1, len(shown), j + 1)
        for o in OUTCOMES:
            ax.scatter(per_point[v].astype(float), per_point[f"{o}_share"], s=12,
                       color=COLORS[o], label=o, alpha=0.7)
        ax.set_xlabel(v)
        ax.set_ylim(-0.02, 1.02)
        if j == 0:
            ax.set_ylabel("share of runs")
            ax.legend(fontsize=8)
    fig.suptitle("Outcome shares per sampled point")
    return fig


def _levels(series: pd.Series) -> pd.Series:
    """Heatmap axis: the values themselves if few, else equal-width bins."""
    if series.nunique() <= 12:
        return series.map(_short)
    return pd.cut(series.astype(float), HEATMAP_BINS).map(
        lambda b: f"{b.mid:.3g}").astype(str)


def outcome_heatmaps(runs: pd.DataFrame, x: str, y: str) -> Figure:
    """Probability of each outcome over two varied parameters (others pooled)."""
    frame = pd.DataFrame({x: _levels(runs[x]), y: _levels(runs[y]), "outcome": runs["outcome"]})
    order_x = _order(runs[x], frame[x])
    order_y = _order(runs[y], frame[y])
    fig = Figure(figsize=(11, 8.5), layout="constrained")
    for i, o in enumerate(OUTCOMES):
        ax = fig.add_subplot(2, 2, i + 1)
        share = (frame.assign(hit=frame["outcome"] == o)
                 .pivot_table(index=y, columns=x, values="hit", aggfunc="mean", observed=True)
                 .reindex(index=order_y[::-1], columns=order_x))
        heatmap(ax, share, annotate=share.size <= 64)
        ax.set_title(f"P({o})")
    fig.suptitle(f"Outcome probabilities over {x} and {y}")
    return fig


def heatmap(ax: Axes, share: pd.DataFrame, annotate: bool) -> None:
    """Shares in [0, 1] as coloured cells (rows top to bottom as in ``share``)."""
    values = share.to_numpy(dtype=float)
    image = ax.imshow(values, vmin=0, vmax=1, cmap="magma_r", aspect="auto")
    ax.set_xticks(range(share.shape[1]), [str(c) for c in share.columns])
    ax.set_yticks(range(share.shape[0]), [str(i) for i in share.index])
    ax.set_xlabel(str(share.columns.name or ""))
    ax.set_ylabel(str(share.index.name or ""))
    ax.figure.colorbar(image, ax=ax, label="share of runs")
    if annotate:
        for (i, j), value in np.ndenumerate(values):
            if not np.isnan(value):
                ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=8,
                        color="white" if value > 0.6 else "black")


def _order(raw: pd.Series, labels: pd.Series) -> list[str]:
    return list(pd.DataFrame({"raw": raw.astype(float), "label": labels})
                .groupby("label")["raw"].min().sort_values().index)


def time_to_outcome(runs: pd.DataFrame, per_point: pd.DataFrame, varied: list[str]) -> Figure:
    """Cumulative share of runs decided, per outcome, by week (ongoing runs never are)."""
    decided = [o for o in OUTCOMES if o != "ongoing"]
    fig = Figure(figsize=(13, 4.2), layout="constrained")
    weeks = int(runs["decided_step"].max()) + 1
    per_group = len(per_point) <= 10
    groups = runs.groupby("point_id") if per_group else [("all", runs)]
    labels = ({int(r["point_id"]): point_label(r, varied).replace("\n", ", ")
               for _, r in per_point.iterrows()} if per_group else {"all": "all runs"})
    palette = colormaps["viridis"](np.linspace(0, 1, max(1, len(labels))))
    axes = fig.subplots(1, len(decided), sharey=True)
    for i, (o, ax) in enumerate(zip(decided, axes, strict=True)):
        for j, (key, group) in enumerate(groups):
            steps = group.loc[group["outcome"] == o, "decided_step"].to_numpy(dtype=int)
            curve = np.cumsum(np.bincount(steps, minlength=weeks)) / len(group)
            ax.step(np.arange(weeks), curve, where="post", color=palette[j],
                    label=labels[key] if i == 0 else None)
        ax.set_title(o)
        ax.set_xlabel("week")
        ax.set_ylim(0, 1)
        if i == 0:
            ax.set_ylabel("cumulative share of runs decided")
    fig.legend(loc="outside lower center", ncols=min(3, len(labels)), fontsize=8)
    fig.suptitle("Time to outcome")
    return fig


def trajectory_sample(trajectories: pd.DataFrame) -> Figure:
    """Weekly escalation of a sample of runs, coloured by their outcome."""
    run_ids = trajectories["run_id"].unique()
    if len(run_ids) > MAX_TRAJECTORIES:  # evenly spread over points and replications
        run_ids = run_ids[np.linspace(0, len(run_ids) - 1, MAX_TRAJECTORIES).astype(int)]
    sample = trajectories[trajectories["run_id"].isin(run_ids)].copy()
    sample["escalation_4w"] = (sample.groupby("run_id")["escalation_score"]
                               .transform(lambda s: s.rolling(4, min_periods=1).mean()))
    panels = (("tension", "bloc tension"), ("escalation_4w", "escalation score (4-week mean)"),
              ("max_rung", "highest Kahn rung reached"))
    fig = Figure(figsize=(14, 4.2), layout="constrained")
    for i, (column, title) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        for _, run in sample.groupby("run_id"):
            ax.plot(run["week"], run[column], color=COLORS[run["outcome"].iloc[0]],
                    alpha=0.35, linewidth=0.8)
        ax.set_title(title)
        ax.set_xlabel("week")
    for o in OUTCOMES:
        fig.axes[0].plot([], [], color=COLORS[o], label=o)
    fig.axes[0].legend(fontsize=8)
    fig.suptitle(f"Escalation trajectories: {sample['run_id'].nunique()} sampled runs")
    return fig
