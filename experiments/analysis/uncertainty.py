"""Parameter uncertainty in an answer: run-to-run noise against posterior spread.

For an experiment run over posterior draws (``posterior_draws``: replication r of every
point uses draw r % N), each arm of a lever has one outcome share per draw. Their
spread mixes two things: binomial noise from the finite runs of a draw, and genuine
differences between the calibrated parameter sets. With ``m`` runs per draw, the
noise variance of a draw's share is p(1-p)/m on average; the variance left over
(between-draw variance minus that noise, floored at 0; the method of moments of a
one-way random-effects model) is the parameter uncertainty. ``DrawAgreement`` counts
the draws whose own effect between the first and last arm has the pooled effect's
sign, the other sign, or none (experiments.analysis.findings says whether it holds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.analysis.compare import pct, value_text
from experiments.analysis.summaries import ending_counts
from model.outcomes import OUTCOMES

RANGE_LEVEL = 0.90   # the across-draw range quoted: 5% to 95% of the per-draw shares


def draw_shares(runs: pd.DataFrame, parameter: str) -> pd.DataFrame:
    """Outcome shares (and of the kinds of negotiated ending, with a ``rule`` column) per
    (arm, draw), with the runs behind each (column ``runs``)."""
    counts = ending_counts(runs, [parameter, "draw_id"])
    total = counts[list(OUTCOMES)].sum(axis=1)
    shares = counts.div(total.where(total > 0), axis=0)
    shares["runs"] = total
    return shares[total > 0]


@dataclass(frozen=True, slots=True)
class Spread:
    """One outcome in one arm: pooled share, across-draw range, and its two parts."""

    share: float
    low: float
    high: float
    noise_sd: float       # run-to-run: the mean binomial sd of a draw's share
    parameter_sd: float   # posterior: between-draw sd beyond the noise


def spread(shares: pd.Series, runs: pd.Series) -> Spread:
    """The decomposition of one arm's per-draw shares of one outcome."""
    weights = runs / runs.sum()
    share = float((shares * weights).sum())
    noise_var = float((shares * (1 - shares) / runs).mean())
    between_var = float(shares.var(ddof=1)) if len(shares) > 1 else 0.0
    return Spread(share, *_range(shares), math.sqrt(noise_var),
                  math.sqrt(max(0.0, between_var - noise_var)))


@dataclass(frozen=True, slots=True)
class DrawAgreement:
    """The pooled effect first -> last on one outcome, and how the draws' own effects
    (of the draws run in both arms) compare with it."""

    outcome: str
    pooled: float
    draws: int
    same: int                       # draws whose effect has the pooled effect's sign
    opposite: int                   # draws whose effect has the other sign
    flat: int                       # draws with no difference
    flat_absent: int                # ... of which the outcome occurred in neither arm
    first_range: tuple[float, float]   # RANGE_LEVEL range of the per-draw share, first arm
    last_range: tuple[float, float]


def direction_agreement(per_draw: pd.DataFrame, first: object, last: object,
                        outcome: str) -> DrawAgreement:
    """The pooled effect first -> last on ``outcome`` and the draws' agreement with it."""
    a = per_draw.xs(first, level=0)
    b = per_draw.xs(last, level=0)
    common = a.index.intersection(b.index)
    effect = np.sign(b.loc[common, outcome] - a.loc[common, outcome])
    pooled = (float((b[outcome] * b["runs"]).sum() / b["runs"].sum())
              - float((a[outcome] * a["runs"]).sum() / a["runs"].sum()))
    sign = np.sign(pooled)
    absent = (a.loc[common, outcome] == 0) & (b.loc[common, outcome] == 0)
    return DrawAgreement(outcome, pooled, len(common),
                         int((effect == sign).sum()) if sign else 0,
                         int((effect == -sign).sum()) if sign else 0,
                         int((effect == 0).sum()), int(absent.sum()),
                         _range(a[outcome]), _range(b[outcome]))


def _range(shares: pd.Series) -> tuple[float, float]:
    tail = (1 - RANGE_LEVEL) / 2
    return float(shares.quantile(tail)), float(shares.quantile(1 - tail))


def uncertainty_markdown(runs: pd.DataFrame, parameter: str, first: object,
                         last: object) -> tuple[str, DrawAgreement]:
    """A table of each arm's outcome shares with their two sources of spread, and how
    the draws agree on the largest effect (``findings.posterior_sentence`` says it)."""
    per_draw = draw_shares(runs, parameter)
    draws = runs["draw_id"].nunique()
    per_arm_draw = int(per_draw["runs"].median())
    lines = [f"**Parameter uncertainty** ({draws} posterior draws, about {per_arm_draw} runs "
             f"per draw and arm): the share pooled over draws, the {RANGE_LEVEL:.0%} range "
             "of the per-draw shares, and that range's two sources: run-to-run noise "
             "(binomial sd of a draw's share) and the calibrated parameters' uncertainty "
             "(between-draw sd beyond the noise).\n",
             f"| `{parameter}` | outcome | share | {RANGE_LEVEL:.0%} range over draws | "
             "run noise sd | parameter sd |", "| --- | --- | ---: | --- | ---: | ---: |"]
    for arm in per_draw.index.get_level_values(0).unique():
        arm_rows = per_draw.xs(arm, level=0)
        for outcome in OUTCOMES:
            s = spread(arm_rows[outcome], arm_rows["runs"])
            if s.high == 0:
                continue
            lines.append(f"| {value_text(arm)} | {outcome} | {pct(s.share)} | "
                         f"{pct(s.low)}–{pct(s.high)} | {s.noise_sd:.3f} | "
                         f"{s.parameter_sd:.3f} |")
    effects = {o: direction_agreement(per_draw, first, last, o) for o in OUTCOMES}
    return "\n".join(lines) + "\n", max(effects.values(), key=lambda e: abs(e.pooled))
