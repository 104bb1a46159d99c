"""Parameter uncertainty over posterior draws (experiments.analysis.uncertainty).

On hand-made run tables whose truth is known: when every draw behaves alike the
parameter sd is zero and the spread is run noise; when draws differ by far more than
noise the parameter sd recovers their spread; the direction agreement counts the draws
whose own effect has the pooled effect's sign.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.analysis.uncertainty import (
    direction_agreement,
    draw_shares,
    spread,
    uncertainty_markdown,
)


def runs_table(shares_by_draw: dict[object, list[float]], runs_per_draw: int,
               rng: np.random.Generator) -> pd.DataFrame:
    """Runs of two arms; in draw d of arm a a run is negotiated with probability p[a][d]."""
    rows = []
    for arm, shares in shares_by_draw.items():
        for draw, p in enumerate(shares):
            negotiated = rng.random(runs_per_draw) < p
            rows += [{"lever": arm, "draw_id": draw,
                      "outcome": "negotiated" if n else "ongoing"} for n in negotiated]
    return pd.DataFrame(rows)


def test_alike_draws_leave_only_run_noise():
    rng = np.random.default_rng(1)
    runs = runs_table({0.0: [0.3] * 40, 1.0: [0.3] * 40}, 200, rng)
    arm = draw_shares(runs, "lever").xs(0.0, level=0)
    s = spread(arm["negotiated"], arm["runs"])
    assert s.share == pytest.approx(0.3, abs=0.01)
    assert s.noise_sd == pytest.approx(np.sqrt(0.3 * 0.7 / 200), rel=0.05)
    # the method-of-moments estimate is noisy around 0 (its sd here is ~0.015)
    assert s.parameter_sd < s.noise_sd


def test_draws_that_differ_show_their_spread_as_parameter_uncertainty():
    rng = np.random.default_rng(2)
    truth = rng.uniform(0.1, 0.9, 60)
    runs = runs_table({0.0: list(truth), 1.0: list(truth)}, 400, rng)
    arm = draw_shares(runs, "lever").xs(0.0, level=0)
    s = spread(arm["negotiated"], arm["runs"])
    assert s.parameter_sd == pytest.approx(truth.std(ddof=1), rel=0.1)
    assert s.noise_sd < s.parameter_sd / 4


def test_direction_agreement_counts_draws_with_the_pooled_sign():
    rng = np.random.default_rng(3)
    first = [0.2] * 30 + [0.5] * 10
    last = [0.6] * 30 + [0.4] * 10           # 30 draws up, 10 down: pooled is up
    runs = runs_table({0.0: first, 1.0: last}, 2000, rng)
    agreement = direction_agreement(draw_shares(runs, "lever"), 0.0, 1.0, "negotiated")
    assert agreement.pooled == pytest.approx((0.6 * 30 + 0.4 * 10 - 0.2 * 30 - 0.5 * 10) / 40,
                                             abs=0.01)
    assert (agreement.same, agreement.opposite, agreement.flat, agreement.draws) == (30, 10, 0,
                                                                                    40)
    table, largest = uncertainty_markdown(runs, "lever", 0.0, 1.0)
    # negotiated and ongoing mirror each other: either is the largest effect
    assert largest.outcome in {"negotiated", "ongoing"}
    assert abs(largest.pooled) == pytest.approx(agreement.pooled)
    assert (largest.same, largest.opposite) == (30, 10)
    assert "| 0.0 | negotiated |" in table


def test_draws_where_the_outcome_never_occurs_are_flat_not_reversed():
    rng = np.random.default_rng(4)
    runs = runs_table({0.0: [0.0] * 20, 1.0: [0.0] * 5 + [0.8] * 15}, 50, rng)
    agreement = direction_agreement(draw_shares(runs, "lever"), 0.0, 1.0, "negotiated")
    assert (agreement.same, agreement.opposite, agreement.flat, agreement.flat_absent) == (
        15, 0, 5, 5)
    assert agreement.first_range == (0.0, 0.0) and agreement.last_range[1] > 0.6
