"""Figures of a sweep (PNG in DIR/figures/): shares with CIs, heatmaps, timing, trajectories.

Figures are drawn on ``matplotlib.figure.Figure`` objects with the Agg canvas, never
through pyplot, so making them changes no global backend or state (safe in notebooks
and in worker-less CI). Every figure says where its numbers come from (``stamp``:
scenario, runs, horizon, interval type), shows negotiated endings split into agreed
settlements and imposed terms where the runs' rules are known, and leaves out a panel
that would be constant (saying so).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from experiments.analysis.compare import pct, value_text
from experiments.analysis.summaries import KIND_TITLES, KINDS, SweepFacts
from model.outcomes import OUTCOMES

# Seaborn's "colorblind" palette (first three colours), written out: seaborn's import
# alone cost half a second of every sweep command.
COLORS = {"negotiated": "#0173b2", "frozen": "#de8f05", "escalated": "#029e73",
          "ongoing": "#8c8c8c"}
# The two kinds of negotiated ending: the palette's dark and light blue.
KIND_COLORS = {"negotiated_settlement": "#0173b2", "negotiated_imposed": "#56b4e9"}
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
    manifest = read_manifest(out)
    varied = list(manifest["varied"])
    runs = load_results(out, ["point_id", "outcome", "rule", "decided_step", *varied])
    figures = sweep_figures(runs, per_point, varied, load_trajectories(out),
                            SweepFacts.of(manifest))
    return [save(fig, folder / name) for name, fig in figures.items()]


def sweep_figures(runs: pd.DataFrame, per_point: pd.DataFrame, varied: list[str],
                  trajectories: pd.DataFrame, facts: SweepFacts) -> dict[str, Figure]:
    """Every figure that applies to a sweep, by file name, each stamped with ``facts``.

    ``runs``: point_id, outcome, rule, decided_step and the varied parameters, one row per
    run; ``per_point``: outcome shares per point (``summarise``); ``trajectories``: the
    weekly series kept (may be empty).
    """
    line = facts.line(len(runs))
    many = len(per_point) > MAX_LABELLED_POINTS
    figures = {"outcome_shares.png": stamp(outcome_shares(per_point, varied), line + (
        "; dots: share per sampled point (no interval)" if many else
        "; bars: Wilson 95% intervals"))}
    axes = [v for v in varied if runs[v].nunique() > 1]
    if len(axes) >= 2:
        figures["outcome_heatmaps.png"] = stamp(
            outcome_heatmaps(runs, axes[0], axes[1]),
            line + "; each cell: share of its runs, other parameters pooled (no interval)")
    if (runs["outcome"].astype(str) != "ongoing").any():  # else every curve would be flat
        figures["time_to_outcome.png"] = stamp(time_to_outcome(runs, per_point, varied),
                                               line + "; cumulative shares (no interval)")
    if not trajectories.empty:
        kept = trajectories["run_id"].nunique()
        figures["trajectories.png"] = stamp(
            trajectory_sample(trajectories),
            f"{facts.scenario}: runs that kept their weekly series ({kept} of "
            f"{len(runs):,}), horizon {facts.horizon} weeks; single runs (no interval)")
    return figures


def stamp(fig: Figure, line: str) -> Figure:
    """Add ``line`` (where the numbers come from) under the figure's title."""
    import textwrap

    title = fig.get_suptitle()
    line = textwrap.fill(line, width=int(fig.get_figwidth() * 15))
    fig.suptitle(f"{title}\n{line}" if title else line, fontsize=9)
    return fig


def series_styles(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(column stem, label, colour) of the series a share figure draws: the negotiated
    endings split into settlement and imposed when ``frame`` has them."""
    split = all(f"{k}_share" in frame for k in KINDS)
    stems = [*KINDS, *OUTCOMES[1:]] if split else list(OUTCOMES)
    return [(o, KIND_TITLES.get(o, o), KIND_COLORS.get(o, COLORS.get(o, ""))) for o in stems]


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
        fig = Figure(figsize=(max(7.5, 1.1 * len(per_point) + 2), 5.0), layout="constrained")
        ax = fig.add_subplot()
        x = np.arange(len(per_point))
        styles = series_styles(per_point)
        for i, (o, label, color) in enumerate(styles):
            share = per_point[f"{o}_share"].to_numpy()
            err = np.vstack([share - per_point[f"{o}_ci_low"], per_point[f"{o}_ci_high"] - share])
            ax.errorbar(x + (i - (len(styles) - 1) / 2) * 0.13, share, yerr=err, fmt="o",
                        capsize=3, color=color, label=label)
        ax.set_xticks(x, [point_label(r, varied) for _, r in per_point.iterrows()], fontsize=8)
        ax.set_xlabel("parameter point")
        ax.set_ylabel("share of runs (Wilson 95% CI)")
        ax.set_ylim(-0.02, 1.02)
        fig.legend(ncols=len(styles), loc="outside lower center", fontsize=8)
        fig.suptitle("Outcome shares per parameter point")
        return fig
    shown = varied[:4]  # many sampled points: share against each varied parameter
    fig = Figure(figsize=(4.5 * len(shown), 4.2), layout="constrained")
    for j, v in enumerate(shown):
        ax = fig.add_subplot(1, len(shown), j + 1)
        for o, label, color in series_styles(per_point):
            ax.scatter(per_point[v].astype(float), per_point[f"{o}_share"], s=12,
                       color=color, label=label, alpha=0.7)
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
    kinds = _kinds(runs)
    fig = Figure(figsize=(11 if len(kinds) == 4 else 16, 8.5), layout="constrained")
    for i, (label, hit) in enumerate(kinds.items()):
        ax = fig.add_subplot(2, (len(kinds) + 1) // 2, i + 1)
        share = (frame.assign(hit=hit.to_numpy())
                 .pivot_table(index=y, columns=x, values="hit", aggfunc="mean", observed=True)
                 .reindex(index=order_y[::-1], columns=order_x))
        heatmap(ax, share, annotate=share.size <= 64)
        ax.set_title(f"P({label})")
    fig.suptitle(f"Outcome probabilities over {x} and {y}")
    return fig


def _kinds(runs: pd.DataFrame) -> dict[str, pd.Series]:
    """Label -> whether each run ended that way: the outcomes, negotiated split by rule."""
    outcome = runs["outcome"].astype(str)
    hits = {o: outcome == o for o in OUTCOMES}
    if "rule" in runs:
        del hits["negotiated"]
        rule = runs["rule"].astype(str)
        hits = {KIND_TITLES[k]: rule == name for k, name in KINDS.items()} | hits
    return hits


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
                ax.text(j, i, pct(value), ha="center", va="center", fontsize=8,
                        color="white" if value > 0.6 else "black")


def _order(raw: pd.Series, labels: pd.Series) -> list[str]:
    return list(pd.DataFrame({"raw": raw.astype(float), "label": labels})
                .groupby("label")["raw"].min().sort_values().index)


def time_to_outcome(runs: pd.DataFrame, per_point: pd.DataFrame, varied: list[str]) -> Figure:
    """Cumulative share of runs decided, per ending, by week (ongoing runs never are); an
    ending no run reached gets no panel (the title names it). Needs a decided run."""
    kinds = {k: hit for k, hit in _kinds(runs).items() if k != "ongoing"}
    absent = [k for k, hit in kinds.items() if not hit.any()]
    kinds = {k: hit for k, hit in kinds.items() if hit.any()}
    fig = Figure(figsize=(3.4 * len(kinds) + 1, 4.2), layout="constrained")
    weeks = int(runs["decided_step"].max()) + 1
    per_group = len(per_point) <= 10
    keys = runs["point_id"] if per_group else pd.Series("all", index=runs.index)
    labels = ({int(r["point_id"]): point_label(r, varied).replace("\n", ", ")
               for _, r in per_point.iterrows()} if per_group else {"all": "all runs"})
    palette = colormaps["viridis"](np.linspace(0, 1, max(1, len(labels))))
    axes = np.atleast_1d(fig.subplots(1, len(kinds), sharey=True))
    for i, ((kind, hit), ax) in enumerate(zip(kinds.items(), axes, strict=True)):
        for j, (key, group) in enumerate(runs.groupby(keys)):
            steps = group.loc[hit[group.index], "decided_step"].to_numpy(dtype=int)
            curve = np.cumsum(np.bincount(steps, minlength=weeks)) / len(group)
            ax.step(np.arange(weeks), curve, where="post", color=palette[j],
                    label=labels[key] if i == 0 else None)
        ax.set_title(kind)
        ax.set_xlabel("week")
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("cumulative share of runs decided")
    fig.legend(loc="outside lower center", ncols=min(3, len(labels)), fontsize=8)
    fig.suptitle("Time to outcome" + (f" (no run ended {', '.join(absent)})" if absent else ""))
    return fig


TRAJECTORY_PANELS = (("tension", "bloc tension (index, 0–1)"),
                     ("escalation_4w", "escalation score (Rivera points per week, 4-week mean)"),
                     ("max_rung", "highest Kahn rung reached (1–44)"),
                     ("territory_attacker", "territory held by the attacker (share)"))


def trajectory_sample(trajectories: pd.DataFrame) -> Figure:
    """Weekly series of a sample of runs, coloured by their outcome; a series that never
    changes in the sample gets no panel (the title gives its value)."""
    run_ids = trajectories["run_id"].unique()
    if len(run_ids) > MAX_TRAJECTORIES:  # evenly spread over points and replications
        run_ids = run_ids[np.linspace(0, len(run_ids) - 1, MAX_TRAJECTORIES).astype(int)]
    sample = trajectories[trajectories["run_id"].isin(run_ids)].copy()
    sample["escalation_4w"] = (sample.groupby("run_id")["escalation_score"]
                               .transform(lambda s: s.rolling(4, min_periods=1).mean()))
    panels = [(c, t) for c, t in TRAJECTORY_PANELS if sample[c].nunique() > 1]
    flat = [f"{t.split(' (')[0]} {sample[c].iloc[0]:g} throughout"
            for c, t in TRAJECTORY_PANELS if sample[c].nunique() <= 1]
    fig = Figure(figsize=(4.6 * max(1, len(panels)), 4.2), layout="constrained")
    for i, (column, title) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        for _, run in sample.groupby("run_id"):
            ax.plot(run["week"], run[column], color=COLORS[run["outcome"].iloc[0]],
                    alpha=0.35, linewidth=0.8)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("week")
    if fig.axes:
        for o in OUTCOMES:
            fig.axes[0].plot([], [], color=COLORS[o], label=o)
        fig.axes[0].legend(fontsize=8)
    fig.suptitle(f"Escalation trajectories: {sample['run_id'].nunique()} sampled runs"
                 + (f" ({'; '.join(flat)})" if flat else ""))
    return fig
