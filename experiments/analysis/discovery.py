"""Scenario discovery: which parameter ranges lead to an outcome, as readable boxes.

A shallow ``sklearn.tree.DecisionTreeClassifier`` separates runs that ended in the
outcome from the others. With class-balanced weights a leaf predicts the outcome
exactly when the outcome is more frequent there than overall, so every maximal
subtree that predicts it is a region where the outcome is over-represented: its
path from the root is a box (lower and upper bounds on a few parameters). Each box
comes with the scenario-discovery measures of Bryant & Lempert (2010):

- coverage: share of all runs ending in the outcome that fall in the box;
- density: share of the runs in the box that end in the outcome.

A tree rather than PRIM: scikit-learn provides it, it is deterministic, and its
boxes are disjoint, so their coverages add up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

Limits = dict[str, tuple[float, float]]  # parameter -> (lowest, highest) value in the box


@dataclass(frozen=True, slots=True)
class Box:
    """A region of parameter space and how well it captures the outcome."""

    limits: Limits            # only the parameters the box restricts; -inf/inf = open
    runs: int                 # runs in the box
    hits: int                 # of which ended in the outcome
    coverage: float
    density: float
    kinds: dict[str, str] = field(default_factory=dict)  # "bool" | "int" | "float" per limit

    def rule(self) -> str:
        """E.g. ``hybrid_intensity >= 1.2 and attribution_rate >= 0.6``."""
        if not self.limits:
            return "(all runs)"
        return " and ".join(_condition(name, low, high, self.kinds.get(name, "float"))
                            for name, (low, high) in self.limits.items())


PREFERRED = ("escalated", "negotiated", "frozen", "ongoing")   # the brief's order of interest


def default_outcome(outcomes: pd.Series) -> str:
    """The outcome to discover when none is named: the first of ``PREFERRED`` that some
    but not all runs reached (a box needs runs on both sides), else the first present."""
    counts = outcomes.astype(str).value_counts()
    split = [o for o in PREFERRED if 0 < counts.get(o, 0) < len(outcomes)]
    return (split or [o for o in PREFERRED if counts.get(o, 0)] or [PREFERRED[0]])[0]


def find_boxes(features: pd.DataFrame, hit: pd.Series | np.ndarray, max_depth: int = 3,
               min_share: float = 0.02) -> list[Box]:
    """Boxes where ``hit`` is over-represented, densest first.

    ``features``: one row per run, one numeric or boolean column per parameter.
    ``hit``: True where the run ended in the outcome. ``min_share``: smallest box,
    as a share of all runs (keeps boxes from chasing noise).
    """
    y = np.asarray(hit, dtype=bool)
    if len(y) != len(features):
        raise ValueError("features and hit must have the same length")
    total_hits = int(y.sum())
    if total_hits == 0:
        return []
    names = list(features.columns)
    x = features.astype(float).to_numpy()
    tree = DecisionTreeClassifier(max_depth=max_depth, class_weight="balanced",
                                  min_samples_leaf=max(1, math.ceil(min_share * len(y))),
                                  random_state=0).fit(x, y)
    boxes = []
    for limits in _positive_regions(tree, names):
        inside = np.ones(len(y), dtype=bool)
        snapped = {}
        for name, (low, high) in limits.items():
            column = x[:, names.index(name)]
            inside &= (column >= low) & (column <= high)
            snapped[name] = _snap(column, low, high)
        runs, hits = int(inside.sum()), int(y[inside].sum())
        if hits:
            boxes.append(Box(limits=snapped, runs=runs, hits=hits, coverage=hits / total_hits,
                             density=hits / runs,
                             kinds={n: _kind(features[n]) for n in snapped}))
    return sorted(boxes, key=lambda b: (-b.density, -b.coverage))


def boxes_table(boxes: list[Box], outcome: str) -> pd.DataFrame:
    """One row per box: rule, runs, hits, density, coverage, then each parameter's bounds."""
    names = list(dict.fromkeys(n for b in boxes for n in b.limits))
    rows = []
    for i, box in enumerate(boxes, start=1):
        row = {"box": i, "outcome": outcome, "rule": box.rule(), "runs": box.runs,
               "hits": box.hits, "density": box.density, "coverage": box.coverage}
        for name in names:
            low, high = box.limits.get(name, (-np.inf, np.inf))
            row[f"{name}_min"] = low if np.isfinite(low) else np.nan
            row[f"{name}_max"] = high if np.isfinite(high) else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["box", "outcome", "rule", "runs", "hits", "density",
                                       "coverage", *(f"{n}_{s}" for n in names
                                                     for s in ("min", "max"))])


def discovery_markdown(results: str, manifest: dict, outcome: str, table: pd.DataFrame,
                       runs: int, hits: int, varied: list[str], depth: int,
                       min_share: float) -> str:
    """The Markdown of a discovery: what was searched, then one table row per box.

    ``results``: the sweep folder as the user named it; ``manifest``: its manifest;
    ``table``: ``boxes_table``; ``runs`` and ``hits``: all runs, and those ending in
    ``outcome``; ``depth`` and ``min_share``: the tree's settings.
    """
    lines = [f"# Scenario discovery: {outcome}", "",
             f"Sweep `{results}` ({manifest.get('experiment', '?')}, scenario "
             f"`{Path(str(manifest.get('scenario', '?'))).stem}`): {runs} runs, {hits} ended "
             f"{outcome} ({hits / runs:.1%}). Parameters searched: "
             f"{', '.join(f'`{v}`' for v in varied)}.", ""]
    if table.empty:
        lines += [f"No box found: no run ended {outcome}." if hits == 0 else
                  f"No box found where {outcome} is more frequent than overall.", ""]
    else:
        lines += ["| box | rule | runs | " + outcome + " | density | coverage |",
                  "| --- | --- | ---: | ---: | ---: | ---: |"]
        lines += [f"| {r.box} | `{r.rule}` | {r.runs} | {r.hits} | {r.density:.1%} | "
                  f"{r.coverage:.1%} |" for r in table.itertuples()]
        lines += ["", f"The boxes are disjoint: together they hold "
                  f"{table['hits'].sum() / hits:.1%} of the {outcome} runs.", ""]
    lines += [f"**Coverage**: share of all {outcome} runs that fall in the box. "
              f"**Density**: share of the runs in the box that ended {outcome} "
              f"(overall: {hits / runs:.1%}).",
              "",
              f"Method: a class-balanced decision tree (scikit-learn, depth <= {depth}, "
              f"boxes of at least {min_share:.0%} of runs); a box is a region of the tree "
              f"where {outcome} is more frequent than overall. Bounds are values the runs "
              "took. Boxes describe this sweep's design and ranges, not the model beyond "
              "them.", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------ pieces
def _positive_regions(tree: DecisionTreeClassifier, names: list[str]) -> list[Limits]:
    """Bounds of every maximal subtree whose leaves all predict the outcome (class True)."""
    t = tree.tree_
    positive = list(tree.classes_).index(True) if True in tree.classes_ else None
    regions: list[Limits] = []

    def all_positive(node: int) -> bool:
        if t.children_left[node] == -1:
            return positive is not None and int(np.argmax(t.value[node][0])) == positive
        return all_positive(t.children_left[node]) and all_positive(t.children_right[node])

    def walk(node: int, limits: Limits) -> None:
        if all_positive(node):
            regions.append(limits)
            return
        if t.children_left[node] == -1:
            return
        name, cut = names[t.feature[node]], float(t.threshold[node])
        low, high = limits.get(name, (-np.inf, np.inf))
        walk(t.children_left[node], {**limits, name: (low, min(high, cut))})
        # x > cut: the next representable float is the smallest value on the right.
        walk(t.children_right[node], {**limits, name: (max(low, np.nextafter(cut, np.inf)),
                                                       high)})

    walk(0, {})
    return regions


def _snap(column: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """Replace tree thresholds (midpoints) by the nearest values the runs actually took,
    so a grid gives ``x >= 0.75`` rather than ``x >= 0.625``, and ``x = 0.5`` for a
    closed range holding one value; open bounds stay open (they show the direction)."""
    taken = column[(column >= low) & (column <= high)]
    if taken.size == 0:
        return low, high
    if taken.min() == taken.max() and np.isfinite(low) and np.isfinite(high):
        return float(taken.min()), float(taken.min())
    return (float(taken.min()) if np.isfinite(low) else low,
            float(taken.max()) if np.isfinite(high) else high)


def _kind(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "bool"
    if pd.api.types.is_integer_dtype(column):
        return "int"
    return "float"


def _condition(name: str, low: float, high: float, kind: str) -> str:
    if kind == "bool":
        return f"{name} = {'true' if low >= 0.5 else 'false'}"
    parts = []
    if np.isfinite(low) and np.isfinite(high) and low == high:
        return f"{name} = {_number(low, kind)}"
    if np.isfinite(low):
        parts.append(f"{name} >= {_number(low, kind)}")
    if np.isfinite(high):
        parts.append(f"{name} <= {_number(high, kind)}")
    return " and ".join(parts)


def _number(value: float, kind: str) -> str:
    return str(round(value)) if kind == "int" else f"{value:.4g}"
