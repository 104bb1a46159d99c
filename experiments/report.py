"""The question report: for each question of the model brief, what the sweeps show.

``build_report`` reads the six question sweeps (folders written by the batch runner)
and writes ``report.md`` with figures in ``figures/``: per question its wording, the
arms compared, outcome shares with Wilson 95% intervals, a chi-square test, which
shares separate, and one generated sentence. Running the sweeps is the CLI's job
(experiments.report_cli); this module only reads results, so a report can be
rebuilt from finished folders at any time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from experiments.figures import COLORS, outcome_heatmaps
from experiments.report_stats import (
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
from experiments.results import load_results, outcome_columns
from experiments.storage import code_version, read_manifest
from model.outcomes import OUTCOMES
from model.validation import ConfigError

HALF_WIDTH_TARGET = 0.05
REPORT = "report.md"


@dataclass(frozen=True, slots=True)
class Lever:
    """A compared parameter; ``lead`` names the change from the first arm to the last."""

    parameter: str
    lead: str                          # may use {first} and {last}
    descending: bool = False           # arm order: the question's baseline first
    focus: tuple[str, ...] = ()        # outcomes the question asks about: always reported
    metrics: tuple[tuple[str, str, float], ...] = ()  # (column, label, scale): means per arm


@dataclass(frozen=True, slots=True)
class Question:
    number: int
    title: str
    asked: str       # the brief's wording (§1)
    seed: str        # the seed article's own words
    config: str      # sweep file in experiments/configs/
    levers: tuple[Lever, ...]


GAIN = ("final_territory_change", "mean Russian gain (% of Ukraine)", 100.0)
RUNG = ("max_rung", "mean highest Kahn rung", 1.0)
QUESTIONS = (
    Question(1, "Reopening a direct channel",
             "Does reopening a direct channel (the phone call) change the odds, even without "
             "immediate results? Channel open vs closed.",
             "the opening of a direct channel of communication between two key players in the "
             "international system suggests a potential paradigm shift [...] This gesture, "
             "although lacking immediate results, indicates a willingness to engage in "
             "dialogue that could open future negotiating spaces",
             "channel.toml",
             (Lever("channel_open", "Opening the direct channel instead of keeping it closed"),)),
    Question(2, "Multilateral pressure",
             "\"Strong multilateral pressure is needed to bring the parties back to the "
             "negotiating table\": how much pressure, and what does it buy?",
             "political resolve, strategic vision and above all strong multilateral pressure "
             "are needed to bring the parties back to the negotiating table",
             "multilateral_pressure.toml",
             (Lever("multilateral_pressure",
                    "Raising multilateral pressure from {first} to {last}"),)),
    Question(3, "Uncertain Western support",
             "Does eroding aid reliability push runs toward a frozen conflict or toward "
             "Russian gains and escalation?",
             "the suspension by the Pentagon of the delivery of some weapons to Kiev for "
             "logistical reasons [...] The growing Russian military pressure, combined with "
             "the erosion of Ukrainian defensive capacity and the uncertainties of Western "
             "support, risks changing the strategic balance",
             "aid_reliability.toml",
             (Lever("aid_reliability", "Eroding aid reliability from {first} to {last}",
                    descending=True, metrics=(GAIN,), focus=("frozen", "escalated")),)),
    Question(4, "Hybrid war",
             "Hybrid war (propaganda, cyber-attacks, sabotage, nuclear threats): when does "
             "covert, deniable activity spiral into open escalation?",
             "This war is not only conventional: it is also a hybrid war made of propaganda, "
             "cyber-attacks, sabotage and nuclear threats.",
             "hybrid.toml",
             (Lever("hybrid_intensity", "Raising hybrid intensity from {first} to {last} "
                    "(pooled over attribution rates)", metrics=(RUNG,), focus=("escalated",)),
              Lever("attribution_rate", "Raising the attribution rate of covert acts from "
                    "{first} to {last} (pooled over hybrid intensities)", metrics=(RUNG,),
                    focus=("escalated",)))),
    Question(5, "Coupled dossiers",
             "Coupled dossiers, Russia's support to Iran and the IAEA inspections: does "
             "tension on one dossier spill into the other?",
             "Macron insisted on the need for Iran to allow the inspectors of the International "
             "Atomic Energy Agency (IAEA) to resume their work without delay. [...] Moscow's "
             "ambiguous role in supporting Tehran, particularly in the context of military and "
             "technological cooperation",
             "dossier_coupling.toml",
             (Lever("dossier_coupling", "Raising the coupling of the dossiers from {first} to "
                    "{last}", metrics=(("final_dossier_tension", "mean final dossier tension",
                                        1.0),
                                       ("final_tension", "mean final bloc tension", 1.0))),)),
    Question(6, "When every actor stops talking",
             "Without diplomatic initiatives \"there is only one alternative: escalation\": "
             "is that what the model shows when every actor stops talking?",
             "in the absence of diplomatic initiatives, there is only one alternative: the "
             "escalation of the conflict, with unpredictable consequences",
             "diplomacy.toml",
             (Lever("diplomacy_enabled", "Switching diplomacy off for every actor",
                    descending=True, focus=("escalated",)),)),
)


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


def build_report(entries: list[tuple[Question, Path]], out: Path | str,
                 smoke: str | None = None) -> tuple[Path, list[Section]]:
    """Write ``out/report.md`` and ``out/figures/*.png`` from finished sweep folders.

    ``smoke`` describes the reduced settings when the sweeps are smoke runs (the
    report then says the half-width target is not met by design).
    """
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    sections = [_section(q, folder, out, smoke) for q, folder in entries]
    path = out / REPORT
    path.write_text(_document(sections, smoke), encoding="utf-8")
    return path, sections


def _section(question: Question, folder: Path, out: Path, smoke: str | None) -> Section:
    manifest = read_manifest(folder)
    if manifest is None:
        raise ConfigError(str(folder), "", "no sweep results here (manifest.json missing)")
    levers = question.levers
    columns = sorted({"point_id", "outcome", *(lv.parameter for lv in levers),
                      *(m[0] for lv in levers for m in lv.metrics)})
    runs = load_results(folder, columns)
    for lever in levers:
        if lever.parameter not in runs:
            raise ConfigError(manifest["sweep_file"], f"vary.{lever.parameter}",
                              f"Q{question.number} compares this parameter; the sweep must "
                              "vary it")
    counts = pd.crosstab(runs["point_id"], runs["outcome"], dropna=False)
    per_point = outcome_columns(counts.reindex(columns=list(OUTCOMES), fill_value=0))
    half_width = max_half_width(per_point)
    comparisons, sentences, parts = [], [], []
    for lever in levers:
        comparison = compare(runs, lever.parameter, lever.descending)
        others = [lv.parameter for lv in levers if lv is not lever]
        strata = stratified(runs, lever.parameter, others[0], lever.descending) if others else ()
        arms = comparison.arms.index
        lead = lever.lead.format(first=value_text(arms[0]), last=value_text(arms[-1]))
        sentence = finding(comparison, lead, lever.focus, strata)
        figure = out / "figures" / f"q{question.number}_{lever.parameter}.png"
        _save(arms_figure(comparison, question), figure)
        comparisons.append(comparison)
        sentences.append(sentence)
        parts.append(_lever_markdown(question.number, lever, comparison, strata, runs,
                                     figure.relative_to(out)))
    if len(levers) >= 2:
        figure = out / "figures" / f"q{question.number}_heatmaps.png"
        _save(outcome_heatmaps(runs, levers[0].parameter, levers[1].parameter), figure)
        parts.append(f"Outcome probabilities at every combination of "
                     f"`{levers[0].parameter}` and `{levers[1].parameter}`:\n\n"
                     f"![Q{question.number} heatmaps]({figure.relative_to(out).as_posix()})\n")
    header = _header(question, manifest, folder, len(runs), half_width, smoke, sentences)
    return Section(question, folder, tuple(comparisons), tuple(sentences), half_width,
                   Path(manifest["scenario"]).stem, "\n".join([header, *parts]))


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
    metric_cols = [(col, label, scale) for col, label, scale in lever.metrics if col in runs]
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


def _mode(arms: pd.DataFrame, arm: object) -> str:
    shares = {o: arms.at[arm, f"{o}_share"] for o in OUTCOMES}
    top = max(shares, key=shares.__getitem__)
    return f"{top} ({pct(shares[top])})"


def _document(sections: list[Section], smoke: str | None) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
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
        f"`{code_version()}`, scenario {scenarios}."
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


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110)
