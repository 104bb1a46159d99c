"""A calibration's diagnostics, as pure functions: the generations, the posterior, and
the posterior predictive against the targets (tables and figures).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.analysis.validation import COLUMNS, comparison_row, verdict
from experiments.results import wilson_interval
from experiments.targets import RunRecord, TargetFile, pattern_counts
from model.posterior import weighted_quantiles

PREDICTIVE_LEVEL = 0.90   # the posterior predictive interval: 5% to 95% of the draws


def generations_table(populations: pd.DataFrame, evaluations: Sequence[int],
                      ess: Sequence[float], seconds: Sequence[float]) -> pd.DataFrame:
    """One row per generation: threshold, particles, simulations, acceptance, ESS, time.

    ``populations`` is pyabc's ``History.get_all_populations()`` (t >= 0 rows used).
    """
    pops = populations[populations["t"] >= 0].sort_values("t").reset_index(drop=True)
    table = pd.DataFrame({
        "generation": pops["t"].astype(int),
        "epsilon": pops["epsilon"].astype(float),
        "particles": pops["particles"].astype(int),
        "simulations": pops["samples"].astype(int)})
    table["acceptance_rate"] = table["particles"] / table["simulations"]
    table["effective_sample_size"] = list(ess)[:len(table)]
    table["evaluations_total"] = list(evaluations)[:len(table)]
    table["seconds"] = pd.Series(list(seconds)[:len(table)], dtype=float)  # None: unknown
    return table


def posterior_summary(frame: pd.DataFrame, weights: np.ndarray,
                      priors: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Per parameter: prior range, weighted mean and sd, and the 90% interval."""
    rows = []
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    for name, (low, high) in priors.items():
        x = frame[name].to_numpy(dtype=float)
        mean = float(w @ x)
        sd = float(math.sqrt(max(0.0, w @ (x - mean) ** 2)))
        q05, q50, q95 = weighted_quantiles(x, w, (0.05, 0.5, 0.95))
        rows.append({"parameter": name, "prior_low": low, "prior_high": high, "mean": mean,
                     "sd": sd, "q05": q05, "median": q50, "q95": q95,
                     "interval_share_of_prior": (q95 - q05) / (high - low)})
    return pd.DataFrame(rows)


def predictive_table(draw_records: Sequence[Sequence[RunRecord]],
                     targets: Sequence[TargetFile]) -> pd.DataFrame:
    """The posterior predictive against each pattern, in validation's columns.

    ``draw_records`` holds the records of the runs of each posterior draw. The model's
    share is pooled over all draws; its interval is the 90% posterior predictive
    interval (5% and 95% of the per-draw shares: parameter uncertainty and run-to-run
    noise together). ``agree``: that interval overlaps the target's; ``within``: the
    pooled share lies inside the target's interval; ``pooled_ci_*``: the pooled
    share's Wilson 95% interval (run noise only).
    """
    tail = (1 - PREDICTIVE_LEVEL) / 2
    rows = []
    pooled = [record for records in draw_records for record in records]
    for target in targets:
        per_draw = [pattern_counts(records, target) for records in draw_records]
        for j, (pattern, (k, n)) in enumerate(zip(target.patterns,
                                                  pattern_counts(pooled, target),
                                                  strict=True)):
            shares = np.array([c[j][0] / c[j][1] for c in per_draw if c[j][1]])
            low, high = ((float(np.quantile(shares, tail)), float(np.quantile(shares, 1 - tail)))
                         if len(shares) else (math.nan, math.nan))
            row = comparison_row(target, pattern, k, n, low, high)
            pooled_low, pooled_high = wilson_interval(k, n)
            rows.append({
                **row, "within": bool(n) and pattern.low <= row["model_share"] <= pattern.high,
                "pooled_ci_low": pooled_low, "pooled_ci_high": pooled_high,
                "draws": len(shares)})
    frame = pd.DataFrame(rows)
    frame.insert(COLUMNS.index("verdict"), "verdict",
                 [verdict(row) for _, row in frame.iterrows()])
    return frame


def generations_figure(table: pd.DataFrame) -> Figure:
    """Distance threshold and acceptance rate per generation."""
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(table["generation"], table["epsilon"], "o-")
    left.set(xlabel="generation", ylabel="distance threshold (epsilon)",
             title="Threshold per generation")
    right.plot(table["generation"], table["acceptance_rate"], "o-", color="#d55e00")
    right.set(xlabel="generation", ylabel="acceptance rate", ylim=(0, 1.02),
              title="Acceptance per generation")
    return fig


def marginals_figure(frame: pd.DataFrame, weights: np.ndarray,
                     priors: dict[str, tuple[float, float]],
                     truth: dict[str, float] | None = None) -> Figure:
    """Weighted posterior histogram of each parameter over its prior range."""
    names = list(priors)
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig = Figure(figsize=(3.4 * cols, 2.6 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    w = np.asarray(weights, dtype=float)
    for ax, name in zip(axes, names, strict=False):
        low, high = priors[name]
        x = frame[name].to_numpy(dtype=float)
        ax.hist(x, bins=20, range=(low, high), weights=w, density=True, color="#0173b2",
                alpha=0.75)
        ax.axhline(1.0 / (high - low), color="grey", linestyle=":", label="prior")
        q05, q95 = weighted_quantiles(x, w / w.sum(), (0.05, 0.95))
        ax.axvspan(q05, q95, color="#0173b2", alpha=0.12, label="90% interval")
        if truth and name in truth:
            ax.axvline(truth[name], color="black", label="true value")
        ax.set_title(name, fontsize=9)
        ax.set_xlim(low, high)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    fig.suptitle("Posterior marginals (weighted), prior ranges")
    return fig


def pairs_figure(frame: pd.DataFrame, weights: np.ndarray,
                 priors: dict[str, tuple[float, float]]) -> Figure:
    """Pairwise scatter of the particles, point size in proportion to weight."""
    names = list(priors)
    k = len(names)
    fig = Figure(figsize=(2.2 * k, 2.2 * k), layout="constrained")
    axes = np.atleast_2d(fig.subplots(k, k, squeeze=False))
    w = np.asarray(weights, dtype=float)
    size = 4 + 60 * w / w.max()
    for i, yname in enumerate(names):
        for j, xname in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.hist(frame[xname], bins=15, range=priors[xname], weights=w,
                        color="#0173b2", alpha=0.75)
            else:
                ax.scatter(frame[xname], frame[yname], s=size, alpha=0.4, color="#0173b2",
                           linewidths=0)
                ax.set_ylim(*priors[yname])
            ax.set_xlim(*priors[xname])
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(xname, fontsize=7)
            if j == 0:
                ax.set_ylabel(yname, fontsize=7)
    fig.suptitle("Posterior particles, pairwise")
    return fig
