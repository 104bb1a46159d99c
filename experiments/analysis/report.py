"""The question report: for each question of the model brief, what its sweep shows.

Pure functions of the run tables: ``section`` turns one question's runs (and its
sweep's manifest) into a Markdown section with figures: the question's wording, the
arms compared, outcome shares with Wilson 95% intervals, a chi-square test, which
shares separate, and one generated sentence per lever. ``document`` puts the sections
together; ``write_report`` is the one function that writes files. Reading the sweep
folders and running the sweeps is the CLI's job (experiments.cli.report), so a report
can be rebuilt from finished folders at any time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.analysis.compare import (
    ALPHA,
    Comparison,
    compare,
    finding,
    max_half_width,
    p_text,
    pct,
    strata_alpha,
    stratified,
    value_text,
)
from experiments.analysis.figures import COLORS, outcome_heatmaps, save
from experiments.analysis.uncertainty import uncertainty_markdown
from experiments.questions import Lever, Question
from experiments.results import outcome_columns
from model.checks import ConfigError
from model.outcomes import OUTCOMES

HALF_WIDTH_TARGET = 0.05
REPORT = "report.md"
FIGURES = "figures"


@dataclass(frozen=True, slots=True)
class Section:
    """What one question's sweep shows (kept for the summary at the top and the CLI)."""

    question: Question
    folder: Path
    comparisons: tuple[Comparison, ...]
    sentences: tuple[str, ...]
    half_width: float
    scenario: str
    markdown: str
    figures: dict[str, Figure]   # file name in figures/ -> figure


def columns(question: Question) -> list[str]:
    """The run-table columns a question's section needs."""
    return sorted({"point_id", "outcome", *(lv.parameter for lv in question.levers),
                   *(m[0] for lv in question.levers for m in (lv.moved, *lv.metrics))})


def section(question: Question, runs: pd.DataFrame, manifest: dict, folder: Path,
            smoke: str | None = None) -> Section:
    """One question's section from its sweep's runs (``columns(question)``) and manifest.

    ``folder`` is where the sweep's results are (named in the text); ``smoke``
    describes the reduced settings when the sweep is a smoke run.
    """
    levers = question.levers
    for lever in levers:
        if lever.parameter not in runs:
            raise ConfigError(manifest["sweep_file"], f"vary.{lever.parameter}",
                              f"Q{question.number} compares this parameter; the sweep must "
                              "vary it")
    counts = pd.crosstab(runs["point_id"], runs["outcome"], dropna=False)
    per_point = outcome_columns(counts.reindex(columns=list(OUTCOMES), fill_value=0))
    half_width = max_half_width(per_point)
    comparisons, sentences, parts, figures = [], [], [], {}
    for lever in levers:
        comparison = compare(runs, lever.parameter, lever.descending)
        others = [lv.parameter for lv in levers if lv is not lever]
        strata = stratified(runs, lever.parameter, others[0], lever.descending) if others else ()
        arms = comparison.arms.index
        lead = lever.lead.format(first=value_text(arms[0]), last=value_text(arms[-1]))
        sentence = finding(comparison, lead, lever.focus, strata) + " " + mechanism(
            runs, lever, arms[0], arms[-1])
        uncertainty = ""
        if "draw_id" in runs:
            uncertainty, holds = uncertainty_markdown(runs, lever.parameter, arms[0], arms[-1])
            sentence += " " + holds
        name = f"q{question.number}_{lever.parameter}.png"
        figures[name] = arms_figure(comparison, question)
        comparisons.append(comparison)
        sentences.append(sentence)
        parts.append(_lever_markdown(question.number, lever, comparison, strata, runs,
                                     Path(FIGURES) / name) + uncertainty)
    if len(levers) >= 2:
        name = f"q{question.number}_heatmaps.png"
        figures[name] = outcome_heatmaps(runs, levers[0].parameter, levers[1].parameter)
        parts.append(f"Outcome probabilities at every combination of "
                     f"`{levers[0].parameter}` and `{levers[1].parameter}`:\n\n"
                     f"![Q{question.number} heatmaps]({FIGURES}/{name})\n")
    header = _header(question, manifest, folder, len(runs), half_width, smoke, sentences)
    return Section(question, folder, tuple(comparisons), tuple(sentences), half_width,
                   Path(manifest["scenario"]).stem, "\n".join([header, *parts]), figures)


def write_report(sections: list[Section], out: Path | str, text: str) -> Path:
    """Write ``out/report.md`` (``text``) and every section's figures in ``out/figures/``."""
    out = Path(out)
    (out / FIGURES).mkdir(parents=True, exist_ok=True)
    for s in sections:
        for name, figure in s.figures.items():
            save(figure, out / FIGURES / name)
    path = out / REPORT
    path.write_text(text, encoding="utf-8")
    return path


def _header(question: Question, manifest: dict, folder: Path, runs: int, half_width: float,
            smoke: str | None, sentences: list[str]) -> str:
    met = half_width <= HALF_WIDTH_TARGET
    check = (f"largest Wilson 95% half-width over the {manifest['points']} points and four "
             f"outcomes: ±{half_width:.3f}, which {'meets' if met else 'does not meet'} the "
             f"±{HALF_WIDTH_TARGET} target")
    if smoke:
        check += f" (smoke run, {smoke}: the target is not met by design; do not quote these "
        check += "numbers)"
    findings = "\n".join(f"**Finding.** {s}" for s in sentences)
    return (f"## Q{question.number}. {question.title}\n\n"
            f"**Question** (brief §1): {question.asked}\n\n"
            f"**The seed's words:** \"{question.seed}\"\n\n"
            f"**Sweep:** `experiments/configs/{question.config}` → `{folder.as_posix()}/`: "
            f"{manifest['points']} parameter point(s) × {manifest['replications']} "
            f"replications = {runs} runs; {check}.\n\n{findings}\n")


def _lever_markdown(number: int, lever: Lever, comparison: Comparison,
                    strata: tuple[tuple[str, object, Comparison], ...], runs: pd.DataFrame,
                    figure: Path) -> str:
    arms = comparison.arms
    name = lever.parameter
    values = ", ".join(value_text(v) for v in arms.index)
    lines = [f"### Arms: `{name}` = {values}\n"]
    metric_cols = [(col, label, scale) for col, label, scale in (lever.moved, *lever.metrics)
                   if col in runs]
    means = runs.groupby(name)[[c for c, _, _ in metric_cols]].mean() if metric_cols else None
    head = ["`" + name + "`", "n", *OUTCOMES, *(label for _, label, _ in metric_cols)]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + " --- |" * len(head))
    for value, row in arms.iterrows():
        cells = [value_text(value), str(int(row["n"]))]
        cells += [f"{row[f'{o}_share']:.1%} [{row[f'{o}_ci_low']:.1%}, {row[f'{o}_ci_high']:.1%}]"
                  for o in OUTCOMES]
        cells += [f"{means.at[value, col] * scale:.2f}" for col, _, scale in metric_cols]
        lines.append("| " + " | ".join(cells) + " |")
    pooled = runs[name].nunique() < runs["point_id"].nunique()
    lines.append("\nShares of runs with Wilson 95% intervals"
                 + (", pooled over the other varied parameter." if pooled else "."))
    verdict = ("the difference between arms is larger than the noise" if comparison.detected
               else "no detectable difference between arms")
    test = (f"χ² = {comparison.chi2:.1f}, dof = {comparison.dof}, {p_text(comparison.p_value)}"
            if comparison.dof else "no test possible, every run ends the same way")
    if comparison.dof and comparison.min_expected < 5:
        test += (f" (the smallest expected count is {comparison.min_expected:.1f}, below 5, "
                 "so the p-value is approximate)")
    lines.append(f"\n**Chi-square test of independence** (arm × outcome, "
                 f"`scipy.stats.chi2_contingency`): {test}: {verdict}.\n")
    if strata:
        alpha = strata_alpha(strata)
        within = "; ".join(f"{value_text(value)}: {p_text(c.p_value)}"
                           + (" (detected)" if c.p_value < alpha else "")
                           for _, value, c in strata)
        lines.append(f"**Within each value of `{strata[0][0]}`** (the same test on each "
                     f"stratum; Bonferroni, a stratum counts if p < {alpha:.3g}): {within}.\n")
    lines.append("**Non-overlapping 95% intervals** (lowest vs highest arm of each outcome):\n")
    for s in comparison.separations:
        low, high = (arms.at[arm, f"{s.outcome}_share"] for arm in (s.low_arm, s.high_arm))
        if low == high:
            lines.append(f"- {s.outcome}: {pct(low)} in every arm")
            continue
        lines.append(
            f"- {s.outcome}: from {pct(low)} at {value_text(s.low_arm)} to {pct(high)} at "
            f"{value_text(s.high_arm)}; "
            + (f"{s.pairs_separated} of {s.pairs_total} arm pair(s) separate"
               if s.pairs_separated else "no two arms separate"))
    first, last = arms.index[0], arms.index[-1]
    lines.append(f"\nMost common ending: {_mode(arms, first)} at `{name}` = {value_text(first)}; "
                 f"{_mode(arms, last)} at {value_text(last)}.\n")
    lines.append(f"![Q{number} outcome shares by {name}]({figure.as_posix()})\n")
    return "\n".join(lines)


def mechanism(runs: pd.DataFrame, lever: Lever, first: object, last: object) -> str:
    """Whether the lever moved what it names over the runs, and the mechanism's means.

    Compares the mean of the lever's ``moved`` column (and of its ``metrics``) between
    the first and the last arm, so that a null finding says whether the lever moved
    at all, and a finding says which mechanism carries it.
    """
    means = runs.groupby(lever.parameter)[[c for c, _, _ in (lever.moved, *lever.metrics)
                                           if c in runs]].mean()
    column, label, scale = lever.moved
    if column not in means:
        return f"(The run table has no `{column}` column: whether the lever moved is unknown.)"

    def change(col: str, name: str, k: float) -> str:
        return f"{name} {means.at[first, col] * k:.3g} → {means.at[last, col] * k:.3g}"

    moved = not np.isclose(means.at[first, column], means.at[last, column], rtol=0.02)
    others = [change(c, n, k) for c, n, k in lever.metrics if c in means]
    head = "The lever moved" if moved else "The lever did not move what it names"
    return (f"{head} ({value_text(first)} → {value_text(last)}): {change(column, label, scale)}"
            + ("; mechanism: " + "; ".join(others) if others else "") + ".")


def _mode(arms: pd.DataFrame, arm: object) -> str:
    shares = {o: arms.at[arm, f"{o}_share"] for o in OUTCOMES}
    top = max(shares, key=shares.__getitem__)
    return f"{top} ({pct(shares[top])})"


def document(sections: list[Section], smoke: str | None, code_version: str, now: str) -> str:
    """The whole report: how to read it, the findings at a glance, then each section.

    ``code_version`` and ``now`` (e.g. "2025-07-01 12:00 UTC") say what made it, when.
    """
    worst = max(s.half_width for s in sections)
    target = (f"Every question's sweep meets it: the largest half-width is ±{worst:.3f}."
              if worst <= HALF_WIDTH_TARGET else
              f"**Not met**: the largest half-width is ±{worst:.3f}"
              + (f" (smoke run, {smoke}; do not quote these numbers)." if smoke else "."))
    scenarios = ", ".join(f"`{name}`" for name in sorted({s.scenario for s in sections}))
    glance = "\n".join(f"{s.question.number}. **{s.question.title}.** " + " ".join(s.sentences)
                       for s in sections)
    intro = (
        "# What the model shows: the six questions of the model brief\n\n"
        f"Generated by `escalation report{' --smoke' if smoke else ''}` on {now}, code version "
        f"`{code_version}`, scenario {scenarios}."
        + (f" **Smoke run** ({smoke}): a quick check of the pipeline, not results."
           if smoke else "") + "\n\n"
        "**How to read it.** Each question compares *arms*: the values of the parameter "
        "the question is about, every other parameter at the seed scenario's value (or "
        "pooled over the other varied parameter, for Q4). A run ends negotiated, frozen, "
        "escalated, or is still ongoing at the horizon. Shares carry Wilson 95% intervals. "
        "A chi-square test of independence between arm and outcome says whether the arms "
        f"differ by more than the noise (p < {ALPHA}); the intervals show which outcome's "
        "share moves. The finding sentences are generated from these numbers.\n\n"
        f"**Precision target:** every interval's half-width at most ±{HALF_WIDTH_TARGET} "
        f"(checked from the results, per parameter point). {target}\n\n"
        f"## Findings at a glance\n\n{glance}\n")
    return "\n".join([intro, *(s.markdown for s in sections)])


def arms_figure(comparison: Comparison, question: Question) -> Figure:
    """Share of each outcome per arm with Wilson 95% intervals (drawn without pyplot)."""
    arms = comparison.arms
    numeric = not any(isinstance(v, bool | np.bool_) for v in arms.index)
    x = arms.index.to_numpy(dtype=float) if numeric else np.arange(len(arms))
    step = float(np.min(np.diff(np.sort(x)))) if len(x) > 1 else 1.0
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for i, o in enumerate(OUTCOMES):
        share = arms[f"{o}_share"].to_numpy()
        err = np.vstack([share - arms[f"{o}_ci_low"], arms[f"{o}_ci_high"] - share])
        ax.errorbar(x + (i - 1.5) * 0.04 * step, share, yerr=err, fmt="o-", capsize=3,
                    color=COLORS[o], label=o, linewidth=1)
    if not numeric:
        ax.set_xticks(x, [value_text(v) for v in arms.index])
        ax.set_xlim(-0.5, len(x) - 0.5)
    ax.set_xlabel(comparison.parameter)
    ax.set_ylabel("share of runs (Wilson 95% CI)")
    ax.set_ylim(-0.02, 1.02)
    fig.legend(ncols=4, loc="outside lower center", fontsize=8)
    ax.set_title(f"Q{question.number}. {question.title}: outcome shares by "
                 f"{comparison.parameter} ({p_text(comparison.p_value)})", fontsize=10)
    return fig

