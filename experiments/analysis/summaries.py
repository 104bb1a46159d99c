"""Outcome tables of a sweep: summary.csv, summary_overall.csv and the printed table.

Moved out of ``experiments.results`` so reading a sweep's folder (results.py) and
presenting it (here) change independently. ``summarise`` writes ``summary.csv`` (one
row per parameter point) and ``summary_overall.csv`` (the whole sweep): for each
outcome its count, share and Wilson 95% interval, and the negotiated endings split
into agreed settlements and imposed terms (an army's collapse: a capitulation is not
a deal, so no table lets a reader take one for the other).
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.chunk_store import read_manifest
from experiments.files import atomic_write
from experiments.results import load_results, wilson_interval
from model.outcomes import OUTCOMES, RULES

SUMMARY = "summary.csv"
SUMMARY_OVERALL = "summary_overall.csv"
NOTE_WIDTH = 100   # the notes under the printed table, wrapped
# The two kinds of negotiated ending, by the rule that decided them.
KINDS = {"negotiated_settlement": "settlement", "negotiated_imposed": "imposed"}
KIND_TITLES = {"negotiated_settlement": "negotiated (settlement)",
               "negotiated_imposed": "negotiated (imposed)"}
LEGEND = ("negotiated (settlement) = an agreed settlement that held; negotiated (imposed) = "
          "an army collapsed and the victor imposed its terms (a capitulation, not a deal); "
          "frozen = the fighting stopped without a settlement (a truce or a quiet front "
          "that held); escalated = a direct NATO–Russia clash or nuclear use; ongoing = "
          "still fighting at the horizon.")
# Plain titles for the parameters a sweep varies or fixes (the name goes beneath).
PLAIN = {"horizon_weeks": "run length (weeks)", "hybrid_intensity": "hybrid intensity",
         "channel_open": "channel open (the call)",
         "channel_closed_weeks": "weeks a closed channel stays closed",
         "diplomacy_enabled": "diplomacy on", "multilateral_pressure": "multilateral pressure",
         "attribution_rate": "covert acts attributed", "dossier_coupling": "dossier coupling",
         "nuclear_coercion": "nuclear coercion", "aid_reliability": "aid reliability",
         "competing_priorities": "competing priorities"}


def plain(name: str) -> str:
    """A parameter's plain title (its name without underscores if it has none)."""
    return PLAIN.get(name, name.replace("_", " "))


def ending_counts(runs: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Counts per value of column(s) ``by`` of each outcome and, when ``runs`` has ``rule``,
    of each kind of negotiated ending (``KINDS``): the input of ``outcome_columns``."""
    keys = [runs[b] for b in by] if isinstance(by, list) else runs[by]
    outcome = pd.Categorical(runs["outcome"].astype(str), list(OUTCOMES))
    counts = pd.crosstab(keys, outcome).reindex(columns=list(OUTCOMES), fill_value=0)
    if "rule" in runs:
        rule = runs["rule"].astype(str)
        for kind, name in KINDS.items():
            counts[kind] = (rule == name).groupby(keys).sum().reindex(counts.index,
                                                                      fill_value=0)
    counts.columns.name = None
    return counts


def outcome_columns(counts: pd.DataFrame) -> pd.DataFrame:
    """From per-group counts of each outcome (and of ``KINDS``, when present): n, and
    O_n, O_share, O_ci_low, O_ci_high for each."""
    shown = [*OUTCOMES, *(k for k in KINDS if k in counts)]
    rows = []
    for _, group in counts.iterrows():
        n = int(sum(group[o] for o in OUTCOMES))
        row: dict[str, float | int] = {"n": n}
        for o in shown:
            k = int(group[o])
            low, high = wilson_interval(k, n)
            row.update({f"{o}_n": k, f"{o}_share": k / n if n else math.nan,
                        f"{o}_ci_low": low, f"{o}_ci_high": high})
        rows.append(row)
    return pd.DataFrame(rows, index=counts.index)


def summarise(out: Path | str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write summary.csv (per point) and summary_overall.csv; return both tables."""
    out = Path(out)
    manifest = read_manifest(out)
    varied = list(manifest["varied"])
    runs = load_results(out, ["point_id", "outcome", "rule", *varied])
    counts = ending_counts(runs, "point_id")
    per_point = outcome_columns(counts)
    if varied:
        values = runs.groupby("point_id")[varied].first()
        per_point = values.join(per_point)
    per_point = per_point.reset_index()

    totals = pd.DataFrame([counts.sum()], index=pd.Index(["all"], name="scope"))
    overall = outcome_columns(totals)
    overall.insert(0, "points", len(counts))
    rules = runs["rule"].value_counts().reindex(list(RULES), fill_value=0)
    for rule, k in rules.items():
        overall[f"rule_{rule}_n"] = int(k)
    overall["mixed_provenance"] = bool(manifest.get("mixed_provenance", False))
    overall = overall.reset_index()
    for name, frame in ((SUMMARY, per_point), (SUMMARY_OVERALL, overall)):
        text = frame.to_csv(index=False)
        atomic_write(out / name, lambda f, t=text: f.write(t.encode("utf-8")))
    return per_point, overall


@dataclass(frozen=True, slots=True)
class SweepFacts:
    """What a reader needs beside a sweep's shares: where they come from."""

    experiment: str
    scenario: str
    source: str                   # the scenario's name or file, as load_scenario takes it
    horizon: int                  # weeks
    follow_up: int                # weeks a run is followed after its ending (0: none)
    replications: int             # runs per point
    draws: int                    # posterior draws (0: the scenario's point values only)
    fixed: dict[str, Any]

    @classmethod
    def of(cls, manifest: dict[str, Any]) -> SweepFacts:
        """From a sweep's manifest (horizon and follow-up from its scenario when not fixed)."""
        from model.scenario import load_scenario

        fixed = dict(manifest.get("fixed") or {})
        source = (manifest.get("provenance") or {}).get("scenario_file", "")
        source = source if source and Path(source).is_file() else manifest["scenario"]
        base = load_scenario(source).parameters
        return cls(manifest["experiment"], Path(manifest["scenario"]).stem, source,
                   int(fixed.pop("horizon_weeks", base.horizon_weeks)),
                   int(fixed.get("follow_up_weeks", base.follow_up_weeks)),
                   int(manifest["replications"]), int(manifest.get("posterior_draws") or 0),
                   fixed)

    def line(self, runs: int) -> str:
        """One line for a figure or a table: scenario, n, horizon, draws."""
        drawn = f", over {self.draws} posterior draws" if self.draws else ""
        return (f"{self.scenario}: {runs:,} runs ({self.replications:,} per point{drawn}), "
                f"horizon {self.horizon} weeks")

    def notes(self) -> list[str]:
        """The lines under the printed table: horizon, fixed values, replications."""
        lines = [f"Scenario {self.scenario}, horizon {self.horizon} weeks (one step is a "
                 "week)."]
        for name, value in self.fixed.items():
            whole = (isinstance(value, int) and not isinstance(value, bool)
                     and name.endswith("_weeks") and value >= self.horizon)
            lines.append(f"Fixed in every run: {plain(name)} ({name}) = {_fmt(value)}"
                         + (" (at least the horizon: the whole run)." if whole else "."))
        if self.draws:
            lines.append(f"Each point has {self.replications:,} runs over {self.draws} "
                         f"posterior draws of the calibrated parameters (replication r uses "
                         f"draw r % {self.draws}); the Wilson intervals count runs only, not "
                         "the spread between draws (`escalation report` shows it).")
        else:
            lines.append(f"Each point has {self.replications:,} runs at the scenario's "
                         "calibrated point values (no posterior draws).")
        return lines


def format_table(per_point: pd.DataFrame, overall: pd.DataFrame, facts: SweepFacts | None = None,
                 limit: int = 50) -> str:
    """The outcome table printed after a sweep: plain column titles with the parameter
    names beneath, % of runs with Wilson 95% intervals, the pooled row labelled, a legend."""
    varied = [c for c in per_point.columns
              if c not in {"point_id", "n"} and not c.startswith(OUTCOMES)]
    shown = [o for o in (*KINDS, *OUTCOMES[1:]) if f"{o}_share" in per_point]
    if "negotiated_settlement_share" not in per_point:
        shown = list(OUTCOMES)

    def cells(row: pd.Series) -> list[str]:
        return [f"{row[f'{o}_share']:.1%} [{row[f'{o}_ci_low']:.1%}, {row[f'{o}_ci_high']:.1%}]"
                for o in shown]

    titles = [["point", ""], *([plain(v), v] for v in varied), ["runs", ""],
              *([KIND_TITLES.get(o, o), ""] for o in shown)]
    lines = [[str(int(r["point_id"])), *(_fmt(r[v]) for v in varied), str(int(r["n"])),
              *cells(r)] for _, r in per_point.head(limit).iterrows()]
    total = overall.iloc[0]
    pooled = f"all {len(per_point)} points pooled" if len(per_point) > 1 else "all"
    lines.append([pooled, *("" for _ in varied), str(int(total["n"])), *cells(total)])
    widths = [max(len(t[0]), len(t[1]), *(len(line[i]) for line in lines[:-1]))
              for i, t in enumerate(titles)]
    widths[0] = max(widths[0], 5)
    buffer = io.StringIO()
    for row in range(2):
        buffer.write("  ".join(t[row].ljust(w) for t, w in zip(titles, widths, strict=True))
                     .rstrip() + "\n")
    for i, line in enumerate(lines):
        if i == len(lines) - 1:
            if len(per_point) > limit:
                buffer.write(f"... {len(per_point) - limit} more points in {SUMMARY}\n")
            label, rest = line[0], line[1 + len(varied):]
            lead = sum(widths[:1 + len(varied)]) + 2 * len(varied)
            buffer.write(label.ljust(lead) + "  " + "  ".join(
                c.ljust(w) for c, w in zip(rest, widths[1 + len(varied):], strict=True)).rstrip())
            buffer.write("\n")
            continue
        buffer.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        buffer.write("\n")
    notes = ["% of runs [Wilson 95% interval]. " + LEGEND]
    if len(per_point) > 1:
        notes.append(f"The pooled row mixes the {len(per_point)} points of this file in equal "
                     "parts: it describes the design, not any one setting.")
    notes += facts.notes() if facts is not None else []
    buffer.write("\n".join(textwrap.fill(note, NOTE_WIDTH) for note in notes))
    return buffer.getvalue()


def _fmt(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
