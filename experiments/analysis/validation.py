"""Model against history: each pattern of a target file beside the model's share.

Pure functions of a run table (one row per run, with its rule and weeks: a
``RunRecord``) and of loaded target files (``experiments.targets``). For each pattern the
model's share is the share of runs the pattern counts (a rule, still fighting at a
week, fighting resumed after an ending: ``targets.pattern_counts``) among the runs it
compares, with its Wilson 95% interval. The model **agrees** with a pattern
when its interval overlaps the target's: the target's own interval (Wilson 95% of
k/n, or the file's low/high), or, for a bound, the region the bound allows, so a
bound holds unless the model's whole interval lies beyond it. With no run in the
comparison set the model has no share, and does not agree.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.results import wilson_interval
from experiments.targets import (
    RECORD_COLUMNS,
    Pattern,
    RunRecord,
    TargetFile,
    pattern_counts,
)
from model.outcomes import ENDING_RULES

COLUMNS = ["target", "pattern", "counts", "among", "model_k", "model_n", "model_share",
           "model_ci_low", "model_ci_high", "target_kind", "target_value", "target_low",
           "target_high", "target_k", "target_n", "agree", "verdict", "sample"]
AGREE_COLOR = "#029e73"
DISAGREE_COLOR = "#d55e00"
TARGET_COLOR = "#8c8c8c"


def run_records(runs: pd.DataFrame) -> list[RunRecord]:
    """The records of a run table (columns ``RECORD_COLUMNS``)."""
    columns = [runs[c].astype(str if c == "rule" else int).tolist() for c in RECORD_COLUMNS]
    return [RunRecord(*row) for row in zip(*columns, strict=True)]


def compare(runs: pd.DataFrame, targets: TargetFile | Sequence[TargetFile],
            fitted: Collection[str] | None = None) -> pd.DataFrame:
    """One row per pattern: the model's share and interval, the target's, ``agree``, and
    ``sample``: "in-sample" where the pattern's target file is one the posterior in use
    was fitted to (``fitted``, its target names), "out-of-sample" where not, and
    "uncalibrated" when the runs use no posterior (``fitted`` None).

    ``runs`` needs the columns ``RECORD_COLUMNS`` (rule, decided_step, ended_step,
    resumed_step, last_step, episode_end_step, recurred_step). Columns: ``COLUMNS``.
    """
    files = [targets] if isinstance(targets, TargetFile) else list(targets)
    records = run_records(runs)
    rows = []
    for target in files:
        for pattern, (k, n) in zip(target.patterns, pattern_counts(records, target),
                                   strict=True):
            rows.append(comparison_row(target, pattern, k, n, *wilson_interval(k, n)))
    frame = pd.DataFrame(rows, columns=COLUMNS[:-2])
    frame["verdict"] = [verdict(row) for _, row in frame.iterrows()]
    frame["sample"] = [sample_of(name, fitted) for name in frame["target"]]
    for column in ("target_k", "target_n"):
        frame[column] = frame[column].astype("Int64")
    return frame


def sample_of(target: str, fitted: Collection[str] | None) -> str:
    """Whether a target file's patterns test the fit in or out of sample."""
    if fitted is None:
        return "uncalibrated"
    return "in-sample" if target in fitted else "out-of-sample"


def comparison_row(target: TargetFile, pattern: Pattern, k: int, n: int, low: float,
                   high: float) -> dict[str, object]:
    """One pattern's row (``COLUMNS`` but the verdict): the model's k of n runs with the
    interval [low, high], the target's, and whether the intervals overlap."""
    return {"target": target.name, "pattern": pattern.name, "counts": pattern.counts,
            "among": target.among, "model_k": k, "model_n": n,
            "model_share": k / n if n else math.nan, "model_ci_low": low,
            "model_ci_high": high, "target_kind": pattern.kind,
            "target_value": math.nan if pattern.value is None else pattern.value,
            "target_low": pattern.low, "target_high": pattern.high, "target_k": pattern.k,
            "target_n": pattern.n, "agree": bool(n) and low <= pattern.high and pattern.low <= high}


def verdict(row: pd.Series) -> str:
    """``agree`` / ``disagree`` (intervals), ``bound holds`` / ``bound violated``, or
    ``no runs`` (an empty comparison set)."""
    if row["model_n"] == 0:
        return "no runs"
    if row["target_kind"] == "bound":
        return "bound holds" if row["agree"] else "bound violated"
    return "agree" if row["agree"] else "disagree"


def _interval(low: float, high: float) -> str:
    return "n/a" if math.isnan(low) else f"[{low:.3f}, {high:.3f}]"


def target_text(row: pd.Series) -> str:
    """The target as written in the report: ``0.212 (14/66)``, ``0.30`` or ``<= 0.05``."""
    if row["target_kind"] == "share":
        return f"{row['target_value']:.3f} ({row['target_k']}/{row['target_n']})"
    if row["target_kind"] == "interval":
        return f"{row['target_value']:.3f}"
    parts = []
    if row["target_low"] > 0:
        parts.append(f">= {row['target_low']:g}")
    if row["target_high"] < 1:
        parts.append(f"<= {row['target_high']:g}")
    return " and ".join(parts) or "any"


def format_table(table: pd.DataFrame) -> str:
    """The comparison as a Markdown table (also what the command prints)."""
    sampled = "sample" in table
    lines = ["| target | pattern | among | model | model 95% | target | target 95% | verdict |"
             + (" sample |" if sampled else ""),
             "| --- | --- | --- | --- | --- | --- | --- | --- |" + (" --- |" if sampled else "")]
    for _, row in table.iterrows():
        model = ("n/a" if row["model_n"] == 0 else
                 f"{row['model_share']:.3f} ({row['model_k']}/{row['model_n']})")
        lines.append(
            f"| {row['target']} | {row['pattern']} | {row['among']} | {model} | "
            f"{_interval(row['model_ci_low'], row['model_ci_high'])} | {target_text(row)} | "
            f"{_interval(row['target_low'], row['target_high'])} | {verdict(row)} |"
            + (f" {row['sample']} |" if sampled else ""))
    return "\n".join(lines)


def document(table: pd.DataFrame, targets: Sequence[TargetFile], runs: int, scenario: str,
             settings: str) -> str:
    """validation.md: what ran, the table, and each target file's source and reasoning."""
    agree = int(table["agree"].sum())
    lines = [
        "# Validation against history", "",
        f"Scenario `{scenario}`, {runs:,} runs ({settings}). A pattern **agrees** when "
        "the model's Wilson 95% interval overlaps the target's interval (Wilson 95% of "
        "k/n, or the file's low/high); a bound **holds** unless the model's whole interval "
        "lies beyond it. Shares are taken among all runs (`all`) or among the runs whose "
        f"fighting ended (`ended`: rules {', '.join(ENDING_RULES)}).", "",
        "A pattern is **in-sample** when its target file is one the posterior in use was "
        "fitted to (agreeing there is a fit check), **out-of-sample** when it is not (a test "
        "of the model on a pattern it was not fitted to).", "",
        f"**{agree} of {len(table)} patterns agree** ({sample_counts(table)}).", "",
        format_table(table), "", "![validation](figures/validation.png)", ""]
    for target in targets:
        lines += [f"## {target.name}", "", target.description, "",
                  f"- File: `{target.source}`",
                  f"- Source: {target.citation_source}",
                  f"- Citation: {target.citation}",
                  f"- Population: {target.population}",
                  f"- Shares among: {target.among}"]
        if target.horizon_weeks is not None:
            lines.append(f"- Horizon the patterns refer to: {target.horizon_weeks} weeks")
        if target.url:
            lines.append(f"- URL: {target.url}")
        if target.reasoning:
            lines.append(f"- Reasoning: {target.reasoning}")
        lines.append("")
        for pattern in target.patterns:
            lines.append(f"- `{pattern.name}` ({pattern.counts}): {pattern.description}")
            if pattern.reasoning:
                lines.append(f"  Reasoning: {pattern.reasoning}")
        lines.append("")
    return "\n".join(lines)


def sample_counts(table: pd.DataFrame) -> str:
    """E.g. "in-sample: 9 of 10 agree; out-of-sample: 1 of 2 agree"."""
    parts = []
    for sample, group in table.groupby("sample", sort=True):
        parts.append(f"{sample}: {int(group['agree'].sum())} of {len(group)} agree")
    return "; ".join(parts)


def validation_figure(table: pd.DataFrame, model_interval: str = "Wilson 95%") -> Figure:
    """Target intervals (grey bars) against model intervals (dots), one row per pattern;
    ``model_interval`` names the model's interval on the axis (a calibration's posterior
    predictive is not a Wilson interval)."""
    height = max(2.4, 0.55 * len(table) + 1.4)
    fig = Figure(figsize=(7.5, height), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(table))[::-1]
    for yi, (_, row) in zip(y, table.iterrows(), strict=True):
        ax.plot([row["target_low"], row["target_high"]], [yi + 0.12, yi + 0.12],
                color=TARGET_COLOR, linewidth=6, alpha=0.6, solid_capstyle="butt",
                label="target" if yi == y[0] else None)
        if not math.isnan(row["target_value"]):
            ax.plot(row["target_value"], yi + 0.12, "|", color="black", markersize=12)
        if row["model_n"]:
            color = AGREE_COLOR if row["agree"] else DISAGREE_COLOR
            share = row["model_share"]
            err = [[share - row["model_ci_low"]], [row["model_ci_high"] - share]]
            ax.errorbar(share, yi - 0.12, xerr=err, fmt="o", color=color, capsize=3)
    ax.plot([], [], "o", color=AGREE_COLOR, label="model (agrees)")
    ax.plot([], [], "o", color=DISAGREE_COLOR, label="model (disagrees)")
    ax.set_yticks(y, [f"{r['target']}\n{r['pattern']} ({r['among']})"
                      for _, r in table.iterrows()], fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.7, len(table) - 0.3)
    ax.set_xlabel(f"share (model: {model_interval} interval; target: 95% interval; "
                  "bounds drawn as the region they allow)", fontsize=8)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Model against empirical targets")
    return fig


def write_validation(table: pd.DataFrame, out: Path, markdown: str) -> list[Path]:
    """Write validation.csv, validation.md and figures/validation.png into ``out``."""
    from experiments.analysis.figures import save
    from experiments.files import atomic_write

    csv = table.to_csv(index=False)
    paths = [out / "validation.csv", out / "validation.md"]
    for path, body in zip(paths, (csv, markdown), strict=True):
        atomic_write(path, lambda f, b=body: f.write(b.encode("utf-8")))
    (out / "figures").mkdir(exist_ok=True)
    paths.append(save(validation_figure(table), out / "figures" / "validation.png"))
    return paths
