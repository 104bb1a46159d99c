"""Reading a sweep's folder back: the run table, trajectories, and outcome shares with CIs.

``load_results(DIR)`` gives one row per run for notebooks. ``summarise`` writes
``summary.csv`` (one row per parameter point) and ``summary_overall.csv`` (the
whole sweep): for each outcome its count, share and Wilson 95% interval (the
closed form of scipy.stats.binomtest's). Only the chunks listed in the manifest whose
bytes, run ids, outcomes and rules check out are read (``chunk_store.read_chunk``); any
other chunk file is left out with a ``ResultsWarning``, so a table never holds a run
twice or an unknown outcome. A folder resumed with ``--allow-mixed`` also warns, and
``summary_overall.csv`` says so in its ``mixed_provenance`` column.
"""

from __future__ import annotations

import io
import math
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from experiments.chunk_store import (
    BadChunk,
    chunk_entries,
    chunk_files,
    chunk_path,
    read_chunk,
    read_manifest,
)
from experiments.files import atomic_write
from experiments.schema import (
    CONFRONTATION_THRESHOLD_COLUMNS,
    SERIES,
    SERIES_PREFIX,
    THRESHOLD_COLUMNS,
)
from model.checks import ConfigError
from model.outcomes import OUTCOMES, RULES

CONFIDENCE = 0.95
SUMMARY = "summary.csv"
SUMMARY_OVERALL = "summary_overall.csv"


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a share k/n (NaN for n = 0).

    The same interval as ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``
    (tests/experiments/test_results.py checks it against it to 1e-12), from its closed
    form with the normal quantile of the standard library: importing scipy.stats (or
    scipy.special) cost every sweep command a fifth to half a second.
    """
    if n == 0:
        return math.nan, math.nan
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    share = k / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    # The bounds enclose the share exactly (at k = 0 or k = n rounding could leave it out).
    return min(share, max(0.0, centre - half)), max(share, min(1.0, centre + half))


class ResultsWarning(UserWarning):
    """A chunk file left out of a run table, or a table mixing provenances."""


def read_columns(out: Path | str, columns: list[str] | None = None) -> pa.Table:
    """Selected columns of every verified chunk, as one Arrow table (run order not sorted).

    ``columns`` None reads every column but the weekly series.
    """
    out = Path(out)
    manifest = read_manifest(out)
    if manifest is None:
        raise FileNotFoundError(f"{out}: no sweep results here (manifest.json missing)")
    entries = chunk_entries(manifest)
    tables = []
    for chunk_id, entry in sorted(entries.items()):
        path = chunk_path(out, chunk_id)
        if not path.exists():
            continue  # in flight when the sweep stopped: it runs again on resume
        try:
            tables.append(read_chunk(path, entry, columns, skip_prefix=SERIES_PREFIX))
        except BadChunk as exc:
            _warn(f"{path}: {exc}; left out (a resume moves it aside and runs it again)")
    for path in chunk_files(out):
        if int(path.name[6:-8]) not in entries:
            _warn(f"{path}: not listed in the manifest; left out")
    if manifest.get("mixed_provenance"):
        _warn(f"{out} mixes runs of {len(manifest.get('provenances', []))} provenances "
              "(resumed with --allow-mixed; see provenances in its manifest.json)")
    if not tables:
        return pa.table({})
    return pa.concat_tables(tables, promote_options="permissive")


def _warn(message: str) -> None:
    warnings.warn(message, ResultsWarning, stacklevel=3)


@contextmanager
def warnings_to_stderr() -> Iterator[None]:
    """Print each distinct ResultsWarning once as ``escalation: warning: ...`` (the CLI's)."""
    seen: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("always", ResultsWarning)
        show = warnings.showwarning

        def one_line(message, category, *args, **kwargs) -> None:
            if not issubclass(category, ResultsWarning):
                show(message, category, *args, **kwargs)
            elif str(message) not in seen:
                seen.add(str(message))
                print(f"escalation: warning: {message}", file=sys.stderr)

        warnings.showwarning = one_line
        yield


def check_results(results: Path) -> dict[str, Any]:
    """The manifest of a folder holding finished sweep results; else a ConfigError."""
    if not results.is_dir():
        raise ConfigError(str(results), "", "no such results folder")
    manifest = read_manifest(results)
    if manifest is None:
        raise ConfigError(str(results), "", "no sweep results here (manifest.json missing); "
                          "run `escalation sweep CONFIG` first")
    if not chunk_files(results):
        raise ConfigError(str(results), "", "no finished runs here (no chunk-*.parquet files)")
    return manifest


def load_results(out: Path | str, columns: list[str] | None = None) -> pd.DataFrame:
    """One row per run, sorted by run_id.

    Columns: run_id, point_id, replication, seed, the varied parameters, outcome
    (categorical: negotiated, frozen, escalated, ongoing), decided_step, rule,
    max_rung, ``threshold_<name>`` (week each Kahn threshold was first crossed,
    0 = before the run, <NA> = never), ``final_*`` end state, ``actions_*`` counts.
    """
    frame = read_columns(out, columns).to_pandas()
    if "run_id" in frame:
        frame = frame.sort_values("run_id", kind="stable").reset_index(drop=True)
    if "outcome" in frame:
        frame["outcome"] = pd.Categorical(frame["outcome"], categories=list(OUTCOMES))
    if "rule" in frame:
        frame["rule"] = pd.Categorical(frame["rule"], categories=list(RULES))
    for column in (*THRESHOLD_COLUMNS.values(), *CONFRONTATION_THRESHOLD_COLUMNS.values()):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


def load_trajectories(out: Path | str) -> pd.DataFrame:
    """Weekly series of the runs that kept them: one row per (run, week), long format."""
    series = [SERIES_PREFIX + name for name in SERIES]
    table = read_columns(out, ["run_id", "point_id", "replication", "outcome", *series])
    if table.num_rows == 0 or series[0] not in table.column_names:
        return pd.DataFrame(columns=["run_id", "point_id", "replication", "outcome", "week",
                                     *SERIES])
    table = table.filter(table.column(series[0]).is_valid())
    frame = table.to_pandas().explode(series, ignore_index=True)
    frame = frame.rename(columns={s: s.removeprefix(SERIES_PREFIX) for s in series})
    frame[list(SERIES)] = frame[list(SERIES)].astype(float)
    frame["week"] = frame.groupby("run_id").cumcount()
    frame["outcome"] = pd.Categorical(frame["outcome"], categories=list(OUTCOMES))
    return frame.sort_values(["run_id", "week"], kind="stable").reset_index(drop=True)


def outcome_columns(counts: pd.DataFrame) -> pd.DataFrame:
    """From per-group counts of each outcome: n, and O_n, O_share, O_ci_low, O_ci_high."""
    rows = []
    for _, group in counts.iterrows():
        n = int(sum(group[o] for o in OUTCOMES))
        row: dict[str, float | int] = {"n": n}
        for o in OUTCOMES:
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
    counts = pd.crosstab(runs["point_id"], runs["outcome"], dropna=False)
    counts = counts.reindex(columns=list(OUTCOMES), fill_value=0)
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


def format_table(per_point: pd.DataFrame, overall: pd.DataFrame, limit: int = 50) -> str:
    """The outcome table printed after a sweep: shares with Wilson 95% intervals."""
    varied = [c for c in per_point.columns
              if c not in {"point_id", "n"} and not c.startswith(OUTCOMES)]

    def cells(row: pd.Series) -> list[str]:
        return [f"{row[f'{o}_share']:6.1%} [{row[f'{o}_ci_low']:.1%}, {row[f'{o}_ci_high']:.1%}]"
                for o in OUTCOMES]

    header = ["point", *varied, "n", *OUTCOMES]
    lines = [[str(int(r["point_id"])), *(_fmt(r[v]) for v in varied), str(int(r["n"])),
              *cells(r)] for _, r in per_point.head(limit).iterrows()]
    total = overall.iloc[0]
    lines.append(["all", *("" for _ in varied), str(int(total["n"])), *cells(total)])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    buffer = io.StringIO()
    buffer.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    buffer.write("\n")
    for i, line in enumerate(lines):
        if i == len(lines) - 1 and len(per_point) > limit:
            buffer.write(f"... {len(per_point) - limit} more points in {SUMMARY}\n")
        buffer.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        buffer.write("\n")
    buffer.write("shares of runs with Wilson 95% intervals")
    return buffer.getvalue()


def _fmt(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
