"""Parameter uncertainty in an answer: run-to-run noise against posterior spread.

For an experiment run over posterior draws (``posterior_draws``: replication r of every
point uses draw r % N), each arm of a lever has one outcome share per draw. Their
spread mixes two things: binomial noise from the finite runs of a draw, and genuine
differences between the calibrated parameter sets. With ``m`` runs per draw, the
noise variance of a draw's share is p(1-p)/m on average; the variance left over
(between-draw variance minus that noise, floored at 0; the method of moments of a
one-way random-effects model) is the parameter uncertainty. A finding *holds across
the posterior* in the share of draws where the effect between the first and last arm
has the same sign as the pooled effect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.analysis.compare import pct, value_text
from model.outcomes import OUTCOMES

RANGE_LEVEL = 0.90   # the across-draw range quoted: 5% to 95% of the per-draw shares


def draw_shares(runs: pd.DataFrame, parameter: str) -> pd.DataFrame:
    """Outcome shares per (arm, draw), with the runs behind each (column ``runs``)."""
    counts = pd.crosstab([runs[parameter], runs["draw_id"]],
                         pd.Categorical(runs["outcome"].astype(str), list(OUTCOMES)),
                         dropna=False)
    counts = counts.reindex(columns=list(OUTCOMES), fill_value=0)
    total = counts.sum(axis=1)
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
    tail = (1 - RANGE_LEVEL) / 2
    noise_var = float((shares * (1 - shares) / runs).mean())
    between_var = float(shares.var(ddof=1)) if len(shares) > 1 else 0.0
    return Spread(share, float(shares.quantile(tail)), float(shares.quantile(1 - tail)),
                  math.sqrt(noise_var), math.sqrt(max(0.0, between_var - noise_var)))


def direction_agreement(per_draw: pd.DataFrame, first: object, last: object,
                        outcome: str) -> tuple[float, float, int]:
    """The pooled effect first -> last on ``outcome``, and the share of draws (of those
    run in both arms) whose own effect has the same sign."""
    a = per_draw.xs(first, level=0)
    b = per_draw.xs(last, level=0)
    common = a.index.intersection(b.index)
    effect = b.loc[common, outcome] - a.loc[common, outcome]
    pooled = (float((b[outcome] * b["runs"]).sum() / b["runs"].sum())
              - float((a[outcome] * a["runs"]).sum() / a["runs"].sum()))
    same = (np.sign(effect) == np.sign(pooled)).mean() if pooled else math.nan
    return pooled, float(same), len(common)


def uncertainty_markdown(runs: pd.DataFrame, parameter: str, first: object,
                         last: object) -> tuple[str, str]:
    """A table of each arm's outcome shares with their two sources of spread, and one
    sentence on whether the largest effect holds across the posterior."""
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
    outcome = max(effects, key=lambda o: abs(effects[o][0]))
    pooled, same, both = effects[outcome]
    if not pooled:
        sentence = (f"Over the posterior, no outcome share differs between "
                    f"{value_text(first)} and {value_text(last)}.")
    else:
        sentence = (f"Over the posterior, the largest effect ({outcome} "
                    f"{'+' if pooled > 0 else '−'}{abs(pooled) * 100:.1f} points from "
                    f"{value_text(first)} to {value_text(last)}) has the same direction in "
                    f"{same:.0%} of the {both} draws" + (
                        "; it holds across the posterior." if same >= 0.9 else
                        "; parameter uncertainty and run noise together leave its direction "
                        "unsettled in some draws." if same >= 0.6 else
                        "; it does not hold across the posterior."))
    return "\n".join(lines) + "\n", sentence
