"""The results explorer's data: a results folder opened once, then pure views of its tables.

``open_results`` is the only reader. It refuses what the CLI refuses, in the same one
line: a folder another command is still writing (the one-writer lock), a damaged or
foreign manifest and a folder without finished runs (``check_results``, as `escalation
export` and `discover`), an unfinished or damaged calibration. The run table comes from
``load_results``, so the explorer shows exactly the rows a notebook sees. Everything
else here is a pure function of tables (the run table, a calibration's posterior, two
runs' weekly series): the browser app only draws what these return.

Outcome shares keep imposed terms apart from an agreed settlement (brief §5):
``CATEGORIES`` splits "negotiated" by its rule.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# The workbench's folder formats, imported from where they are defined (one block to
# follow if they move). check_results reads a sweep's manifest (read_manifest) and
# refuses, in the CLI's words, what `escalation export` and `discover` refuse.
from experiments import files, load_results
from experiments.calibration.folder import (
    GENERATIONS,
    MANIFEST,
    POSTERIOR,
    POSTERIOR_SUMMARY,
    PREDICTIVE,
)
from experiments.results import ResultsWarning, check_results, wilson_interval
from model import ConfigError
from model.outcomes import OUTCOMES, RULES
from model.posterior import weighted_quantiles

SPLIT_OUTCOME = "negotiated"   # reported by rule: imposed terms are not a deal
CATEGORIES = tuple(label for outcome in OUTCOMES for label in (
    [f"{outcome} ({rule})" for rule, of in RULES.items() if of == outcome]
    if outcome == SPLIT_OUTCOME else [outcome]))
SENSITIVITY_DESIGNS = ("saltelli", "morris")
SENSITIVITY_CSV = "sensitivity.csv"
MAX_LEVELS = 12          # a column with more distinct values is binned or filtered by range
HEATMAP_BINS = 5
HISTOGRAM_BINS = 20
INTERVAL = (0.05, 0.95)  # the marginals' interval, as the calibration's own figures
CLOCKS = {"decided_step": "week the outcome was decided",
          "ended_step": "week the fighting ended"}
CALIBRATION_COLUMNS = {
    GENERATIONS: ("generation", "epsilon", "acceptance_rate", "effective_sample_size"),
    POSTERIOR_SUMMARY: ("parameter", "mean", "q05", "median", "q95"),
    PREDICTIVE: ("target", "pattern", "among", "model_share", "model_ci_low", "model_ci_high",
                 "target_value", "target_low", "target_high", "target_kind", "within"),
}


# ------------------------------------------------------------------ opening a folder
@dataclass(frozen=True, eq=False)   # tables: compared by identity
class SweepResults:
    """A sweep's (or a sensitivity analysis's) run table, with what its manifest says."""

    folder: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    notes: tuple[str, ...]              # warnings to show: chunks left out, a stopped sweep
    indices: pd.DataFrame | None = None  # sensitivity.csv, when the folder has one

    @property
    def kind(self) -> str:
        return "sensitivity" if self.manifest.get("design") in SENSITIVITY_DESIGNS else "sweep"

    @property
    def varied(self) -> tuple[str, ...]:
        return tuple(v for v in self.manifest.get("varied", []) if v in self.runs)


@dataclass(frozen=True, eq=False)
class CalibrationResults:
    """A finished calibration: generations, the weighted posterior, its predictive check."""

    folder: Path
    manifest: dict[str, Any]
    generations: pd.DataFrame
    posterior: pd.DataFrame     # one column per parameter, and ``weight`` (sums to 1)
    summary: pd.DataFrame
    predictive: pd.DataFrame

    kind = "calibration"

    @property
    def priors(self) -> dict[str, tuple[float, float]]:
        return {name: (float(low), float(high))
                for name, (low, high) in self.manifest["parameters"].items()}


Results = SweepResults | CalibrationResults


def open_results(folder: Path | str) -> Results:
    """Open a sweep, sensitivity or calibration folder; a ConfigError (one line) if refused."""
    folder = Path(folder).expanduser()
    writer = files.writer(folder)
    if writer is not None:
        pid = f"(pid {writer}) " if writer.isdigit() else ""
        raise ConfigError(str(folder), "", f"another escalation command {pid}is writing to "
                          "this folder; wait for it to end")
    calibration = _calibration_manifest(folder)
    if calibration is not None:
        return _open_calibration(folder, calibration)
    manifest = check_results(folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResultsWarning)
        runs = load_results(folder, partial=True)   # a stopped sweep: what it holds, said
    if runs.empty:
        raise ConfigError(str(folder), "", "no finished runs in this folder")
    notes = [str(w.message) for w in caught if issubclass(w.category, ResultsWarning)]
    if manifest.get("status") != "complete":
        notes.append(f"{len(runs)} of {manifest.get('runs_total')} runs: the sweep stopped "
                     f"before its end (status {manifest.get('status')}); run it again to "
                     "resume")
    indices = folder / SENSITIVITY_CSV
    return SweepResults(folder, manifest, runs, tuple(dict.fromkeys(notes)),
                        _read_csv(indices) if indices.exists() else None)


def _calibration_manifest(folder: Path) -> dict[str, Any] | None:
    """A calibration's manifest (it names a calibration file), or None for any other."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError):
        return None   # no manifest, or not JSON: check_results says which
    return manifest if isinstance(manifest, dict) and "calibration_sha256" in manifest else None


def _open_calibration(folder: Path, manifest: dict[str, Any]) -> CalibrationResults:
    if manifest.get("status") != "complete":
        raise ConfigError(str(folder), "", f"calibration not finished (status "
                          f"{manifest.get('status')}): run `escalation calibrate` again to "
                          "resume it, or with --finish to end it")
    priors = manifest.get("parameters")
    if not isinstance(priors, dict) or not priors or not all(
            isinstance(v, list) and len(v) == 2 for v in priors.values()):
        raise ConfigError(str(folder / MANIFEST), "parameters", "damaged manifest: no prior "
                          "ranges")
    tables = {name: _read_csv(folder / name, columns)
              for name, columns in CALIBRATION_COLUMNS.items()}
    path = folder / POSTERIOR
    try:
        posterior = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(str(path), "", f"unreadable ({_first_line(exc)})") from None
    missing = [c for c in (*priors, "weight") if c not in posterior]
    if missing or posterior.empty:
        raise ConfigError(str(path), "", f"not this calibration's posterior (no "
                          f"{', '.join(missing) or 'rows'})")
    posterior = posterior.assign(weight=posterior["weight"] / posterior["weight"].sum())
    return CalibrationResults(folder, manifest, tables[GENERATIONS], posterior,
                              tables[POSTERIOR_SUMMARY], tables[PREDICTIVE])


def _read_csv(path: Path, columns: Sequence[str] = ()) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(str(path), "", f"unreadable ({_first_line(exc)})") from None
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ConfigError(str(path), "", f"not a calibration's file (no column "
                          f"{', '.join(missing)})")
    return frame


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:120]


# ------------------------------------------------------------------ filters
@dataclass(frozen=True)
class Filter:
    """Keep the runs whose ``column`` is one of ``values``, or within [low, high]."""

    column: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None

    def describe(self) -> str:
        if self.values:
            return f"{self.column} in {{{', '.join(map(str, self.values))}}}"
        return f"{self.column} in [{_number(self.low)}, {_number(self.high)}]"


def filter_choices(runs: pd.DataFrame, column: str) -> list[Any] | tuple[float, float]:
    """What a filter on ``column`` offers: its values (few or not numbers), else its range."""
    _check_column(runs, column)
    series = runs[column].dropna()
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if numeric and series.nunique() > MAX_LEVELS:
        return float(series.min()), float(series.max())
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [c for c in series.cat.categories if c in set(series)]
    return sorted(series.unique().tolist(), key=_sort_key)


def apply_filters(runs: pd.DataFrame, filters: Sequence[Filter]) -> pd.DataFrame:
    """The runs every filter keeps (all of them: filters combine with "and")."""
    keep = np.ones(len(runs), dtype=bool)
    for f in filters:
        _check_column(runs, f.column)
        column = runs[f.column]
        if f.values:
            keep &= column.astype(object).isin(list(f.values)).to_numpy()
        else:
            if f.low is None or f.high is None or f.low > f.high:
                raise ConfigError("filter", f.column, f"needs values, or a range low <= high, "
                                  f"got [{f.low}, {f.high}]")
            keep &= column.between(f.low, f.high).fillna(False).to_numpy(dtype=bool)
    return runs[keep]


def _check_column(runs: pd.DataFrame, column: str) -> None:
    if column not in runs:
        raise ConfigError("filter", column, "no such column in the run table")


# ------------------------------------------------------------------ outcome shares
def categories(runs: pd.DataFrame) -> pd.Series:
    """Each run's category: its outcome, with "negotiated" split by its rule."""
    outcome = runs["outcome"].astype(str)
    split = outcome + " (" + runs["rule"].astype(str) + ")"
    return pd.Series(pd.Categorical(split.where(outcome == SPLIT_OUTCOME, outcome),
                                    categories=CATEGORIES), index=runs.index, name="category")


def outcome_shares(runs: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per group of ``by`` (all runs if empty): n, and each category's count, share and
    Wilson 95% interval (columns ``<category> n``, ``share``, ``low``, ``high``)."""
    cats = categories(runs)
    if by:   # only the groups that have runs (a product of every level could be huge)
        counts = pd.crosstab([runs[c] for c in by], cats)
    else:
        counts = cats.value_counts().to_frame().T.set_axis(["all runs"])
    counts = counts.reindex(columns=list(CATEGORIES), fill_value=0)
    rows = []
    for key, group in counts.iterrows():
        n = int(group.sum())
        row: dict[str, Any] = {"n": n}
        for category in CATEGORIES:
            k = int(group[category])
            low, high = wilson_interval(k, n)
            row.update({f"{category} n": k, f"{category} share": k / n if n else np.nan,
                        f"{category} low": low, f"{category} high": high})
        rows.append((key, row))
    table = pd.DataFrame([r for _, r in rows], index=counts.index)
    return table.reset_index() if by else table


# ------------------------------------------------------------------ heatmap
@dataclass(frozen=True, eq=False)
class Heatmap:
    """A category's share over two axes: ``share`` and ``n`` have y levels as rows."""

    x: str
    y: str
    category: str
    share: pd.DataFrame
    n: pd.DataFrame


def heatmap(runs: pd.DataFrame, x: str, y: str, category: str,
            bins: int = HEATMAP_BINS) -> Heatmap:
    """The share of ``category`` in each cell of ``x`` by ``y`` (many-valued axes binned)."""
    if x == y:
        raise ConfigError("heatmap", y, "pick two different axes")
    if category not in CATEGORIES:
        raise ConfigError("heatmap", category, f"not one of {', '.join(CATEGORIES)}")
    for axis in (x, y):
        _check_column(runs, axis)
    frame = pd.DataFrame({"x": _levels(runs[x], bins), "y": _levels(runs[y], bins),
                          "hit": categories(runs) == category})
    grouped = frame.groupby(["y", "x"], observed=True)["hit"]
    share = grouped.mean().unstack("x")
    return Heatmap(x, y, category, share, grouped.size().unstack("x").fillna(0).astype(int))


def _levels(column: pd.Series, bins: int) -> pd.Series:
    """A column's values, or its quantile bins when it has more than MAX_LEVELS values."""
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if numeric and column.nunique() > MAX_LEVELS:
        binned = pd.qcut(column, bins, duplicates="drop")
        return binned.cat.rename_categories(
            [f"[{_number(i.left)}, {_number(i.right)}]" for i in binned.cat.categories])
    if numeric:
        return column
    return column.astype(str)


# ------------------------------------------------------------------ time to outcome
def time_to_outcome(runs: pd.DataFrame, clock: str = "decided_step", by: str | None = None,
                    category: str | None = None) -> pd.DataFrame:
    """Cumulative share of runs decided (or whose fighting ended) by each week.

    Without ``by``: one column per category. With ``by``: one column per value of that
    column, for ``category`` (all categories if None). Index: week 0 to the last week.
    """
    if clock not in CLOCKS:
        raise ConfigError("time to outcome", clock, f"not one of {', '.join(CLOCKS)}")
    if category is not None and category not in CATEGORIES:
        raise ConfigError("time to outcome", category, f"not one of {', '.join(CATEGORIES)}")
    weeks = pd.RangeIndex(0, int(runs["decided_step"].max()) + 1, name="week")
    cats = categories(runs)
    if by is None:
        groups = {c: runs[clock].where(cats == c) for c in CATEGORIES}
        sizes = dict.fromkeys(CATEGORIES, len(runs))
    else:
        values = filter_choices(runs, by)
        if isinstance(values, tuple):
            raise ConfigError("time to outcome", by, f"has more than {MAX_LEVELS} values: "
                              "filter on it instead of splitting by it")
        hit = runs[clock] if category is None else runs[clock].where(cats == category)
        groups = {f"{by} = {_number(v)}": hit[runs[by] == v] for v in values}
        sizes = {label: len(series) for label, series in groups.items()}
    curves = {}
    for label, week in groups.items():
        ended = week[week >= 0]   # ended_step is -1 when the fighting never ended
        counts = ended.value_counts().reindex(weeks, fill_value=0).cumsum()
        curves[label] = counts / sizes[label] if sizes[label] else counts * np.nan
    return pd.DataFrame(curves, index=weeks)


# ------------------------------------------------------------------ calibration
def marginal(posterior: pd.DataFrame, name: str, prior: tuple[float, float],
             bins: int = HISTOGRAM_BINS) -> tuple[pd.DataFrame, tuple[float, float]]:
    """A parameter's weighted posterior density over its prior range, and its 90% interval.

    Columns: low, high (bin edges), density (integrates to 1 over the range).
    """
    values = posterior[name].to_numpy(dtype=float)
    weights = posterior["weight"].to_numpy(dtype=float)
    density, edges = np.histogram(values, bins=bins, range=prior, weights=weights,
                                  density=True)
    q_low, q_high = weighted_quantiles(values, weights / weights.sum(), INTERVAL)
    return (pd.DataFrame({"low": edges[:-1], "high": edges[1:], "density": density}),
            (float(q_low), float(q_high)))


def predictive_rows(predictive: pd.DataFrame) -> pd.DataFrame:
    """The posterior predictive, one row per target pattern with a readable label."""
    label = (predictive["target"] + ": " + predictive["pattern"] + " (among "
             + predictive["among"].astype(str) + ")")
    return predictive.assign(label=label)[[
        "label", "model_share", "model_ci_low", "model_ci_high", "target_kind",
        "target_value", "target_low", "target_high", "within"]]


# ------------------------------------------------------------------ two runs, week by week
def week_by_week(a: pd.DataFrame, b: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Two runs' weekly series side by side: ``<column> A``, ``<column> B``, ``<column> B-A``.

    ``a`` and ``b`` are Mesa model-variable tables with a ``week`` column; a run that
    ended earlier has no value (NaN) in the weeks after its end.
    """
    for name, frame in (("A", a), ("B", b)):
        missing = [c for c in ("week", *columns) if c not in frame]
        if missing:
            raise ConfigError(f"run {name}", missing[0], "no such weekly series")
    left = a.set_index("week")[list(columns)].astype(float)
    right = b.set_index("week")[list(columns)].astype(float)
    joined = left.add_suffix(" A").join(right.add_suffix(" B"), how="outer")
    for column in columns:
        joined[f"{column} B-A"] = joined[f"{column} B"] - joined[f"{column} A"]
    return joined.reset_index()


def actions_in_week(actions: pd.DataFrame, week: int) -> pd.DataFrame:
    """The actions of one week (the ``actions`` table of a run), in the order taken."""
    return actions[actions["step"] == week].reset_index(drop=True)


# ------------------------------------------------------------------ shared
def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float | np.floating) else str(value)


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int | float | np.number) else (1, str(value))
