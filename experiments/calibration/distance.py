"""A particle's summary statistics and its ABC distance to the empirical targets.

A particle's summary statistics are the shares its runs give to each pattern of the
target files (``experiments.targets.pattern_counts``: a rule, still fighting at a week,
fighting resumed after an ending, each among the runs the pattern compares). Its
distance to history is the root sum of squared standardised gaps, one per pattern:
``(share - target) / scale`` for a share, and the excess beyond the bound for a bound,
where ``scale`` is the target's own standard error (its 95% interval's half-width /
1.96). A pattern that compares no run (no run ended, say) has no share: it counts the
largest gap any share could have, so "nothing ended" never fits better than a wrong mix
of endings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

from experiments.targets import Pattern, RunRecord, TargetFile, compares_all, pattern_counts

Z95 = NormalDist().inv_cdf(0.975)
MIN_SCALE = 1e-3          # a target interval of zero width would make any gap infinite


def statistic_key(target: TargetFile, pattern: Pattern) -> str:
    return f"{target.name}.{pattern.name}"


def summary_statistics(records: Sequence[RunRecord], targets: Sequence[TargetFile]
                       ) -> dict[str, float]:
    """Each pattern's share of the runs it compares (0 when it compares none), and the
    number it compares (``<key>.n``)."""
    stats: dict[str, float] = {}
    for target in targets:
        for pattern, (k, n) in zip(target.patterns, pattern_counts(records, target),
                                   strict=True):
            key = statistic_key(target, pattern)
            stats[key] = k / n if n else 0.0
            stats[f"{key}.n"] = float(n)
    return stats


def observed_statistics(targets: Sequence[TargetFile]) -> dict[str, float]:
    """The targets in the shape of ``summary_statistics`` (a bound: the bound itself)."""
    stats: dict[str, float] = {}
    for target in targets:
        for pattern in target.patterns:
            stats[f"{statistic_key(target, pattern)}.n"] = math.nan
            value = pattern.value
            if value is None:
                value = pattern.upper if pattern.upper is not None else pattern.lower
            stats[statistic_key(target, pattern)] = float(value)
    return stats


def pattern_scale(pattern: Pattern) -> float:
    """The target's standard error: its 95% interval's half-width over 1.96."""
    return max(MIN_SCALE, (pattern.high - pattern.low) / (2 * Z95))


def worst_gap(pattern: Pattern) -> float:
    """The largest gap a share in [0, 1] can have from the pattern."""
    return max(abs(pattern_gap(0.0, pattern)), abs(pattern_gap(1.0, pattern)))


def pattern_gap(share: float, pattern: Pattern) -> float:
    """The standardised gap between a share and a pattern (0 inside a bound)."""
    if pattern.kind == "bound":
        beyond = max(0.0, share - pattern.high, pattern.low - share)
        return beyond / pattern_scale(pattern)
    return (share - pattern.value) / pattern_scale(pattern)


class TargetDistance:
    """The ABC distance between a particle's statistics and history (picklable)."""

    def __init__(self, targets: Sequence[TargetFile]) -> None:
        self.targets = tuple(targets)
        self.terms = [(statistic_key(t, p), f"{statistic_key(t, p)}.n", p, worst_gap(p))
                      for t in targets for p in t.patterns]

    def __call__(self, stats: dict[str, float], _observed: dict[str, float]) -> float:
        return math.sqrt(sum((pattern_gap(stats[key], pattern) if stats[n] else worst) ** 2
                             for key, n, pattern, worst in self.terms))

    def lowest(self, records: Sequence[RunRecord], total: int) -> float:
        """The least distance a particle can reach once all ``total`` of its runs are in,
        given the records of its first runs, whatever the other runs do.

        Each pattern's final share can only lie between what the remaining runs could
        make of it (none of them counted, or all of them, among all runs or among a
        comparison set they may all join); its gap is the least over that range, and the
        root sum of those least gaps is at most the final distance. A particle whose
        lowest distance is above the threshold is therefore rejected without running the
        rest: exactly the particles its full runs would reject.
        """
        remaining = total - len(records)
        squares = 0.0
        for target in self.targets:
            for pattern, (k, n) in zip(target.patterns, pattern_counts(records, target),
                                       strict=True):
                final = total if compares_all(target, pattern) else n + remaining
                if final == 0:
                    squares += worst_gap(pattern) ** 2
                    continue
                squares += least_gap(k / final, (k + remaining) / final, pattern) ** 2
        return math.sqrt(squares)


def least_gap(low: float, high: float, pattern: Pattern) -> float:
    """The least standardised gap of a share that may lie anywhere in [low, high]."""
    if pattern.kind == "bound":   # the gap is 0 where the range meets the allowed region
        nearest = min(max(pattern.low, low), high) if high >= pattern.low else high
        return abs(pattern_gap(nearest, pattern))
    return abs(pattern_gap(min(max(pattern.value, low), high), pattern))
