"""Prior predictive check: can any parameter set of a calibration's prior reach its targets?

Pure functions of a run table (one row per run: its design point and its ``RunRecord``
columns), the design's points (the prior draws) and the target files. Each draw's runs
give each pattern a share and the calibration's distance (``calibration.distance``:
the root sum of squared gaps, each in the target's standard errors). Per pattern the
table says how the shares spread over the prior (the 5%, 50% and 95% quantiles across
draws) and how many draws come within two standard errors of the target. A pattern no
draw reaches, or a set of patterns no draw reaches together, is beyond what the model
can produce over that prior: more ABC generations will not fit it (a structural gap, or
a prior too narrow), which is worth knowing before an hour of calibration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from experiments.analysis.validation import run_records
from experiments.calibration.distance import (
    TargetDistance,
    pattern_gap,
    statistic_key,
    summary_statistics,
)
from experiments.targets import Pattern, TargetFile

NEAR = 2.0    # "reached": within two of the target's standard errors (about its 95% interval)
CLOSEST = 0.05   # the draws nearest the targets, whose misses show the fit's trade-off
PATTERN_COLUMNS = ["target", "pattern", "target_value", "target_low", "target_high",
                   "prior_q05", "prior_q50", "prior_q95", "closest_share", "draws",
                   "draws_reaching"]


def draw_table(runs: pd.DataFrame, points: Sequence[Mapping[str, float]],
               targets: Sequence[TargetFile]) -> pd.DataFrame:
    """One row per prior draw: its parameter values, its runs, each pattern's share
    (column ``<target>.<pattern>``) and its distance to the targets.

    ``runs`` needs ``point_id`` and the ``RunRecord`` columns; a draw without runs is an
    error (the table would silently describe part of the prior)."""
    distance = TargetDistance(targets)
    keys = [statistic_key(t, p) for t in targets for p in t.patterns]
    groups = dict(iter(runs.groupby("point_id", sort=True)))
    missing = [i for i in range(len(points)) if i not in groups]
    if missing:
        raise ValueError(f"{len(missing)} of {len(points)} prior draws have no runs "
                         f"(first: point {missing[0]})")
    rows = []
    for point_id, values in enumerate(points):
        group = groups[point_id]
        stats = summary_statistics(run_records(group), targets)
        rows.append({"point_id": point_id, **values, "runs": len(group),
                     **{key: stats[key] for key in keys},
                     "distance": distance(stats, {})})
    return pd.DataFrame(rows)


def pattern_reach(draws: pd.DataFrame, targets: Sequence[TargetFile]) -> pd.DataFrame:
    """One row per pattern: the target, the spread of the draws' shares over the prior,
    the share closest to the target, and how many draws come within ``NEAR`` of its
    standard errors. Columns: ``PATTERN_COLUMNS``."""
    rows = []
    for target in targets:
        for pattern in target.patterns:
            shares = draws[statistic_key(target, pattern)].to_numpy(dtype=float)
            gaps = _gaps(draws, target, pattern)
            q05, q50, q95 = np.quantile(shares, [0.05, 0.5, 0.95])
            rows.append({"target": target.name, "pattern": pattern.name,
                         "target_value": pattern.value, "target_low": pattern.low,
                         "target_high": pattern.high, "prior_q05": q05, "prior_q50": q50,
                         "prior_q95": q95, "closest_share": float(shares[np.argmin(gaps)]),
                         "draws": len(shares), "draws_reaching": int((gaps <= NEAR).sum())})
    return pd.DataFrame(rows, columns=PATTERN_COLUMNS)


def draws_reaching_all(draws: pd.DataFrame, targets: Sequence[TargetFile]) -> int:
    """How many draws come within ``NEAR`` standard errors of every pattern at once."""
    ok = np.ones(len(draws), dtype=bool)
    for target in targets:
        for pattern in target.patterns:
            ok &= _gaps(draws, target, pattern) <= NEAR
    return int(ok.sum())


def _gaps(draws: pd.DataFrame, target: TargetFile, pattern: Pattern) -> np.ndarray:
    """Each draw's gap to the pattern, in the target's standard errors (absolute)."""
    shares = draws[statistic_key(target, pattern)].to_numpy(dtype=float)
    return np.abs([pattern_gap(share, pattern) for share in shares])


def _closest(draws: pd.DataFrame) -> pd.DataFrame:
    """The ``CLOSEST`` share of draws nearest the targets (at least one)."""
    return draws.nsmallest(max(1, int(CLOSEST * len(draws))), "distance")


def findings(reach: pd.DataFrame, draws: pd.DataFrame, targets: Sequence[TargetFile],
             runs_per_draw: int, horizon: int) -> list[str]:
    """The sentences a reader gets: what ran, which patterns no draw reaches, whether any
    draw reaches them all, and the closest draw's distance."""
    n = len(draws)
    what = (f"{n:,} draws from the prior, {runs_per_draw} runs each (horizon {horizon} "
            f"weeks); a draw reaches a pattern when its share among its runs is within "
            f"{NEAR:g} standard errors of the target (about the target's 95% interval)")
    lines = [what[0].upper() + what[1:] + "."]
    never = reach[reach["draws_reaching"] == 0]
    for _, r in never.iterrows():
        side = ("above" if r["closest_share"] > r["target_high"] else "below")
        lines.append(f"No draw reaches {r['target']}.{r['pattern']}: target "
                     f"{_target(r)}, the draws' shares span {r['prior_q05']:.3f} to "
                     f"{r['prior_q95']:.3f} (5% to 95%), the closest is {r['closest_share']:.3f}"
                     f" ({side} the target).")
    rare = reach[(reach["draws_reaching"] > 0) & (reach["draws_reaching"] < 0.05 * n)]
    for _, r in rare.iterrows():
        lines.append(f"Few draws reach {r['target']}.{r['pattern']}: {r['draws_reaching']} of "
                     f"{n:,} (target {_target(r)}; the draws' 5% to 95%: "
                     f"{r['prior_q05']:.3f} to {r['prior_q95']:.3f}).")
    together = draws_reaching_all(draws, targets)
    best = draws.loc[draws["distance"].idxmin()]
    lines.append(f"{together} of {n:,} draws reach every pattern at once; the closest draw "
                 f"(point {int(best['point_id'])}) is at distance {best['distance']:.2f} "
                 "(the calibration's distance: root sum of squared gaps, in standard errors)."
                 + (" Unless a region these draws missed does better, no fit over this "
                    "prior agrees with every pattern: the prior is too narrow, or the model "
                    "lacks what produces these patterns together."
                    if together == 0 else ""))
    if together == 0:
        lines.append(closest_misses(draws, targets))
    return lines


def closest_misses(draws: pd.DataFrame, targets: Sequence[TargetFile]) -> str:
    """What the draws nearest the targets (the closest ``CLOSEST`` share, at least one)
    still miss: the trade-off a fit over this prior runs into."""
    nearest = _closest(draws)
    k = len(nearest)
    missed = []
    for target in targets:
        for pattern in target.patterns:
            misses = int((_gaps(nearest, target, pattern) > NEAR).sum())
            if misses:
                missed.append((misses, f"{target.name}.{pattern.name} ({misses})"))
    missed.sort(key=lambda pair: -pair[0])
    head = "The closest draw misses" if k == 1 else f"The {k} closest draws miss"
    return (f"{head} (how many of them, by pattern): "
            + "; ".join(text for _, text in missed) + ".")


def edges(draws: pd.DataFrame, priors: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    """Per parameter: where the closest ``CLOSEST`` draws sit in its prior range (their
    5%, 50% and 95%, and the share of them in the range's lower and upper tenth; by
    chance 10% each). Closest draws piled against an edge say the prior is too narrow
    there."""
    nearest = _closest(draws)
    rows = []
    for name, (low, high) in priors.items():
        unit = (nearest[name].to_numpy(dtype=float) - low) / (high - low)
        q05, q50, q95 = np.quantile(unit, [0.05, 0.5, 0.95])
        rows.append({"parameter": name, "prior_low": low, "prior_high": high,
                     "closest": len(nearest), "unit_q05": q05, "unit_q50": q50, "unit_q95": q95,
                     "lower_tenth": float(np.mean(unit < 0.1)),
                     "upper_tenth": float(np.mean(unit > 0.9))})
    return pd.DataFrame(rows)


def edge_sentence(table: pd.DataFrame) -> str:
    """How far the closest draws lean on the priors' edges, in one sentence."""
    share = table[["lower_tenth", "upper_tenth"]].max(axis=1)
    worst = table.loc[share.idxmax()]
    edge = "lower" if worst["lower_tenth"] >= worst["upper_tenth"] else "upper"
    return (f"Of the {int(worst['closest'])} closest draws, at most {share.max():.0%} sit in "
            f"the outer tenth of one prior's range ({worst['parameter']}, its {edge} "
            "tenth; by chance 10%).")


def _target(row: pd.Series) -> str:
    interval = f"[{row['target_low']:.3f}, {row['target_high']:.3f}]"
    if pd.isna(row["target_value"]):
        return f"a bound: {interval}"
    return f"{row['target_value']:.3f} {interval}"


def document(reach: pd.DataFrame, edge_table: pd.DataFrame, lines: Sequence[str], name: str,
             scenario: str) -> str:
    """prior_check.md: the findings, the per-pattern table and where the closest draws
    sit in each prior range."""
    table = ["| target | pattern | target [95%] | prior 5% | 50% | 95% | closest | "
             "draws reaching |", "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for _, r in reach.iterrows():
        table.append(f"| {r['target']} | {r['pattern']} | {_target(r)} | "
                     f"{r['prior_q05']:.3f} | {r['prior_q50']:.3f} | {r['prior_q95']:.3f} | "
                     f"{r['closest_share']:.3f} | {r['draws_reaching']} of {r['draws']} |")
    table += ["", "Where the closest draws sit in each prior range (0: its low end, 1: "
              "its high end):", "",
              "| parameter | prior | 5% | 50% | 95% | in lower tenth | in upper tenth |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for _, r in edge_table.iterrows():
        table.append(f"| {r['parameter']} | {r['prior_low']:g} - {r['prior_high']:g} | "
                     f"{r['unit_q05']:.2f} | {r['unit_q50']:.2f} | {r['unit_q95']:.2f} | "
                     f"{r['lower_tenth']:.0%} | {r['upper_tenth']:.0%} |")
    return "\n".join([f"# Prior predictive check: {name}", "",
                      f"Scenario `{scenario}` over the calibration's prior (a Latin "
                      "hypercube of its ranges). Each row of prior_check_draws.csv is one "
                      "draw: its values, each pattern's share among its runs, and its "
                      "distance.", "", *[f"- {line}" for line in lines], "", *table, ""])
