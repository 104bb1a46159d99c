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
    driver,
    max_half_width,
    p_text,
    pct,
    strata_alpha,
    stratified,
    value_text,
)
from experiments.analysis.figures import outcome_heatmaps, save, series_styles, stamp
from experiments.analysis.findings import (
    FOLLOW_UP_COLUMNS,
    HOLDS_DEFINITION,
    NOUN,
    changes,
    follow_up_sentence,
    mechanism_sentence,
    outcome_sentence,
    posterior_sentence,
)
from experiments.analysis.summaries import (
    KIND_TITLES,
    KINDS,
    LEGEND,
    SweepFacts,
    ending_counts,
    outcome_columns,
    plain,
)
from experiments.analysis.uncertainty import RANGE_LEVEL, draw_shares, uncertainty_markdown
from experiments.questions import Lever, Question
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
    sentences: tuple[tuple[str, ...], ...]   # per lever: how runs end, mechanism, posterior
    half_width: float
    scenario: str
    markdown: str
    figures: dict[str, Figure]   # file name in figures/ -> figure
    follow_up: str = ""          # how often endings held, when the runs were followed up


def columns(question: Question) -> list[str]:
    """The run-table columns a question's section needs (the follow-up's are read when
    a sweep has them)."""
    return sorted({"point_id", "outcome", "rule", "decided_step", *FOLLOW_UP_COLUMNS,
                   *(lv.parameter for lv in question.levers),
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
    facts = SweepFacts.of(manifest)
    per_point = outcome_columns(ending_counts(runs, "point_id"))
    half_width = max_half_width(per_point)
    comparisons, sentences, parts, figures = [], [], [], {}
    for lever in levers:
        comparison = compare(runs, lever.parameter, lever.descending)
        others = [lv.parameter for lv in levers if lv is not lever]
        strata = stratified(runs, lever.parameter, others[0], lever.descending) if others else ()
        arms = comparison.arms.index
        first, last = arms[0], arms[-1]
        lead = lever.lead.format(first=value_text(first), last=value_text(last))
        found = changes(runs, lever, first, last)
        said = [outcome_sentence(comparison, lead, found, lever.focus, strata),
                mechanism_sentence(lever, found, first, last)]
        uncertainty, per_draw = "", None
        if "draw_id" in runs:
            uncertainty, agreement = uncertainty_markdown(runs, lever.parameter, first, last)
            said.append(posterior_sentence(agreement, first, last))
            per_draw = draw_shares(runs, lever.parameter)
        name = f"q{question.number}_{lever.parameter}.png"
        figures[name] = arms_figure(comparison, question, facts.line(len(runs)), per_draw)
        comparisons.append(comparison)
        sentences.append(tuple(said))
        parts.append(_lever_markdown(question.number, lever, comparison, strata, runs,
                                     Path(FIGURES) / name) + uncertainty)
    if len(levers) >= 2:
        name = f"q{question.number}_heatmaps.png"
        figures[name] = outcome_heatmaps(runs, levers[0].parameter, levers[1].parameter)
        stamp(figures[name], facts.line(len(runs)) + "; each cell: share of its runs, "
              "other parameters pooled (no interval)")
        parts.append(f"Outcome probabilities at every combination of "
                     f"`{levers[0].parameter}` and `{levers[1].parameter}`:\n\n"
                     f"![Q{question.number} heatmaps]({FIGURES}/{name})\n")
    follow_up = (follow_up_sentence(runs, facts.follow_up)
                 if facts.follow_up > 0 and set(FOLLOW_UP_COLUMNS) <= set(runs) else "")
    header = _header(question, manifest, folder, len(runs), half_width, smoke, sentences,
                     facts, follow_up)
    return Section(question, folder, tuple(comparisons), tuple(sentences), half_width,
                   facts.scenario, "\n".join([header, *parts]), figures, follow_up)


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
            smoke: str | None, sentences: list[tuple[str, ...]], facts: SweepFacts,
            follow_up: str) -> str:
    met = half_width <= HALF_WIDTH_TARGET
    check = (f"largest Wilson 95% half-width over the {manifest['points']} points and four "
             f"outcomes: ±{half_width:.3f}, which {'meets' if met else 'does not meet'} the "
             f"±{HALF_WIDTH_TARGET} target")
    if smoke:
        check += f" (smoke run, {smoke}: the target is not met by design; do not quote these "
        check += "numbers)"
    drawn = (f", replication r on posterior draw r % {facts.draws}" if facts.draws else
             ", all at the scenario's calibrated point values")
    findings = "\n".join(f"**Finding.** {' '.join(s)}" for s in sentences)
    if follow_up:
        findings += f"\n\n**Follow-up.** {follow_up}"
    return (f"## Q{question.number}. {question.title}\n\n"
            f"**Question** (brief §1): {question.asked}\n\n"
            f"**The seed's words:** \"{question.seed}\"\n\n"
            f"**Sweep:** `experiments/configs/{question.config}` → `{folder.as_posix()}/`: "
            f"{manifest['points']} parameter point(s) × {manifest['replications']} "
            f"replications = {runs} runs of `{facts.scenario}`, horizon {facts.horizon} "
            f"weeks{drawn}; {check}.\n\n{findings}\n")


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
    shown = ["negotiated", *(k for k in KINDS if f"{k}_share" in arms), *OUTCOMES[1:]]
    head = ["`" + name + "`", "n", *(KIND_TITLES.get(o, o) for o in shown),
            *(label for _, label, _ in metric_cols)]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + " --- |" * len(head))
    for value, row in arms.iterrows():
        cells = [value_text(value), str(int(row["n"]))]
        cells += [f"{row[f'{o}_share']:.1%} [{row[f'{o}_ci_low']:.1%}, {row[f'{o}_ci_high']:.1%}]"
                  for o in shown]
        cells += [f"{means.at[value, col] * scale:.2f}" for col, _, scale in metric_cols]
        lines.append("| " + " | ".join(cells) + " |")
    pooled = runs[name].nunique() < runs["point_id"].nunique()
    lines.append("\nShares of runs with Wilson 95% intervals"
                 + (", pooled over the other varied parameter" if pooled else "")
                 + "; negotiated = settlement + imposed; mechanism columns: means per run.")
    verdict = (f"the arms differ by more than the noise, mostly in {NOUN[driver(comparison)]} "
               f"({comparison.contributions[driver(comparison)]:.0%} of χ²)"
               if comparison.detected else "the outcome shares do not differ by more than "
               "the noise")
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


def _mode(arms: pd.DataFrame, arm: object) -> str:
    shares = {o: arms.at[arm, f"{o}_share"] for o in OUTCOMES}
    top = max(shares, key=shares.__getitem__)
    return f"{top} ({pct(shares[top])})"


def document(sections: list[Section], smoke: str | None, code_version: str, now: str,
             limitations: str = "") -> str:
    """The whole report: how to read it, the findings at a glance, the limitations
    (``limitations``: ``limitations_markdown``), then each section.

    ``code_version`` and ``now`` (e.g. "2025-07-01 12:00 UTC") say what made it, when.
    """
    worst = max(s.half_width for s in sections)
    target = (f"Every question's sweep meets it: the largest half-width is ±{worst:.3f}."
              if worst <= HALF_WIDTH_TARGET else
              f"**Not met**: the largest half-width is ±{worst:.3f}"
              + (f" (smoke run, {smoke}; do not quote these numbers)." if smoke else "."))
    scenarios = ", ".join(f"`{name}`" for name in sorted({s.scenario for s in sections}))
    intro = (
        "# What the model shows: the six questions of the model brief\n\n"
        f"Generated by `escalation report{' --smoke' if smoke else ''}` on {now}, code version "
        f"`{code_version}`, scenario {scenarios}."
        + (f" **Smoke run** ({smoke}): a quick check of the pipeline, not results."
           if smoke else "") + "\n\n"
        "**How to read it.** Each question compares *arms*: the values of the parameter "
        "the question is about, every other parameter at the seed scenario's value (or "
        "pooled over the other varied parameter, for Q4). Each section gives its runs, "
        "horizon and posterior draws. A run ends negotiated (split into agreed "
        "settlements and imposed terms), frozen, escalated, or is still ongoing at the "
        f"horizon: {LEGEND} Shares carry Wilson 95% intervals. A chi-square test of "
        "independence between arm and outcome says whether the arms differ by more than "
        f"the noise (p < {ALPHA}), and which outcome contributes most to it. A finding "
        "names an outcome as moving only where its 95% intervals at the first and the last "
        "arm do not overlap; a mechanism column *moved* when its means differ by more than "
        "1.96 standard errors. The sentences are generated from these numbers by the rules "
        f"of `experiments/analysis/findings.py`.\n\n{HOLDS_DEFINITION}\n\n"
        f"**Precision target:** every interval's half-width at most ±{HALF_WIDTH_TARGET} "
        f"(checked from the results, per parameter point). {target}\n\n"
        f"## Findings at a glance\n\n{glance(sections)}\n")
    return "\n".join([intro, *([limitations] if limitations else []),
                      *(s.markdown for s in sections)])


def glance(sections: list[Section]) -> str:
    """One item per question: per lever how runs end, with what moved and the posterior
    beneath it (and the follow-up's sentence)."""
    items = []
    for s in sections:
        lines = [f"{s.question.number}. **{s.question.title}.**"]
        for ending, *detail in s.sentences:
            lines += [f"   - {ending}", *(f"     - {d}" for d in detail)]
        if s.follow_up:
            lines.append(f"   - {s.follow_up}")
        items.append("\n".join(lines))
    return "\n".join(items)


def arms_figure(comparison: Comparison, question: Question, line: str,
                per_draw: pd.DataFrame | None = None) -> Figure:
    """Share of each ending per arm with Wilson 95% intervals and, for runs over posterior
    draws (``per_draw``: ``draw_shares``), the range of the per-draw shares beside them:
    the parameter uncertainty the report quotes. ``line``: where the numbers come from."""
    arms = comparison.arms
    numeric = not any(isinstance(v, bool | np.bool_) for v in arms.index)
    x = arms.index.to_numpy(dtype=float) if numeric else np.arange(len(arms))
    step = float(np.min(np.diff(np.sort(x)))) if len(x) > 1 else 1.0
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.add_subplot()
    styles = series_styles(arms)
    for i, (o, label, color) in enumerate(styles):
        at = x + (i - (len(styles) - 1) / 2) * 0.045 * step
        share = arms[f"{o}_share"].to_numpy()
        err = np.vstack([share - arms[f"{o}_ci_low"], arms[f"{o}_ci_high"] - share])
        ax.errorbar(at, share, yerr=err, fmt="o-", capsize=3, color=color, label=label,
                    linewidth=1)
        if per_draw is not None and o in per_draw:
            ranges = [per_draw.xs(arm, level=0)[o].quantile([(1 - RANGE_LEVEL) / 2,
                                                               (1 + RANGE_LEVEL) / 2])
                      for arm in arms.index]
            ax.vlines(at + 0.015 * step, [r.iloc[0] for r in ranges], [r.iloc[1] for r in ranges],
                      color=color, linewidth=5, alpha=0.3)
    if not numeric:
        ax.set_xticks(x, [value_text(v) for v in arms.index])
        ax.set_xlim(-0.5, len(x) - 0.5)
    ax.set_xlabel(f"{plain(comparison.parameter)} ({comparison.parameter})")
    ax.set_ylabel("share of runs")
    ax.set_ylim(-0.02, 1.02)
    fig.legend(ncols=len(styles), loc="outside lower center", fontsize=8)
    test = p_text(comparison.p_value)
    if comparison.detected:
        test += f", mostly from {NOUN[driver(comparison)]}"
    intervals = "thin bars: Wilson 95% intervals"
    if per_draw is not None:
        draws = per_draw.index.get_level_values(1).nunique()
        intervals += (f"; wide pale bars: {RANGE_LEVEL:.0%} range of the share over the "
                      f"{draws} posterior draws")
    fig.suptitle(f"Q{question.number}. {question.title}: outcome shares by "
                 f"{comparison.parameter} (chi-square {test})", fontsize=10)
    return stamp(fig, f"{line}; {intervals}")
