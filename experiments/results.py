"""Reading a sweep's folder back: the run table, trajectories, and outcome shares with CIs.

``load_results(DIR)`` gives one row per run for notebooks; ``wilson_interval`` is
the closed form of scipy.stats.binomtest's Wilson interval (the outcome tables of
``experiments.analysis.summaries`` use it). A table holds every planned run or is
refused: the manifest is checked against the files (``experiments.coverage``), and a
missing, damaged, overlapping, foreign or unlisted chunk, or a folder still being
written, is an ``IncompleteResults`` error naming the runs concerned, unless
``partial=True`` asks for what is there (with a ``ResultsWarning`` saying what is
missing). So a table never holds a run twice, a forged row or an unknown outcome, and
never silently lacks one. A folder resumed with ``--allow-mixed`` also warns, and
``summary_overall.csv`` says so in its ``mixed_provenance`` column.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pandas as pd
import pyarrow as pa

from experiments.chunk_store import provenance_ids, read_manifest
from experiments.coverage import Coverage, read_verified
from experiments.schema import (
    CONFRONTATION_THRESHOLD_COLUMNS,
    SERIES,
    SERIES_PREFIX,
    THRESHOLD_COLUMNS,
    run_schema,
)
from model.checks import ConfigError
from model.outcomes import OUTCOMES, RULES
from model.parameters import Parameters

CONFIDENCE = 0.95


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
    """A partial run table read on request (what it lacks), or a table mixing provenances."""


def read_columns(out: Path | str, columns: list[str] | None = None,
                 partial: bool = False) -> pa.Table:
    """Selected columns of every verified chunk, as one Arrow table (run order not sorted).

    ``columns`` None reads every column but the weekly series. A folder that cannot give
    every planned run is an ``IncompleteResults`` error naming the runs concerned, unless
    ``partial``: then the runs that check out, with a ResultsWarning saying what is missing.
    """
    return _read(Path(out), columns, partial)[0]


def _read(out: Path, columns: list[str] | None, partial: bool) -> tuple[pa.Table, Coverage]:
    tables, coverage, manifest = read_verified(out, columns, SERIES_PREFIX, partial)
    if not coverage.complete:
        _warn(f"{out}: partial run table: {coverage.describe()}")
    if manifest.get("mixed_provenance"):
        _warn(f"{out} mixes runs of {len(provenance_ids(manifest))} provenances "
              "(resumed with --allow-mixed; see provenances in its manifest.json)")
    if tables:
        return pa.concat_tables(tables, promote_options="permissive"), coverage
    varied = manifest.get("varied") if isinstance(manifest.get("varied"), list) else []
    schema = run_schema([v for v in varied if v in Parameters.names()], (),
                        bool(manifest.get("posterior_draws")))
    names = [n for n in schema.names if not n.startswith(SERIES_PREFIX)] \
        if columns is None else [n for n in columns if n in schema.names]
    return schema.empty_table().select(names), coverage


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
    return manifest


def load_results(out: Path | str, columns: list[str] | None = None,
                 partial: bool = False) -> pd.DataFrame:
    """One row per run, sorted by run_id.

    Columns: run_id, point_id, replication, seed, the varied parameters, outcome
    (categorical: negotiated, frozen, escalated, ongoing), decided_step, rule,
    max_rung, ``threshold_<name>`` (week each Kahn threshold was first crossed,
    0 = before the run, <NA> = never), ``final_*`` end state, ``actions_*`` counts.

    Every planned run or an ``IncompleteResults`` error naming the runs missing (a chunk
    deleted, damaged, overlapping another, foreign or unlisted; a sweep stopped or still
    running). ``partial=True`` returns the runs that check out instead, with a
    ResultsWarning, and ``frame.attrs["coverage"]`` (``experiments.coverage.Coverage``)
    says which runs are missing and why.
    """
    table, coverage = _read(Path(out), columns, partial)
    frame = table.to_pandas()
    frame.attrs["coverage"] = coverage
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


def load_trajectories(out: Path | str, partial: bool = False) -> pd.DataFrame:
    """Weekly series of the runs that kept them: one row per (run, week), long format
    (``partial`` as in ``load_results``)."""
    series = [SERIES_PREFIX + name for name in SERIES]
    table = read_columns(out, ["run_id", "point_id", "replication", "outcome", *series],
                         partial)
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
