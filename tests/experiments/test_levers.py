"""Every lever of the shipped questions holds: the quantity it names still differs
between its arms over the whole run, not only at week 0.

Each question file declares, per lever, the run-table column that shows the lever
moving (``moved`` in ``[[question.levers]]``); the report reads the same column to
say whether a lever moved at all. Here each lever's first and last arm run the same
60 seeds (the question's other parameters at their first value) and the column's
means must differ well beyond the seed-to-seed noise. Sixty, because the smallest
effect at the calibrated values, the dossiers' coupling on mean bloc tension (about
0.01 over a run), takes that many runs to stand out at p < 0.001.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from experiments import schema
from experiments.cli.report import CONFIGS
from experiments.config import load_questions
from experiments.runner import run_one

SEEDS = range(60)
HORIZON = 104
LEVERS = [(question, config, lever) for question, config in load_questions(CONFIGS)
          for lever in question.levers]


def column_values(config, point: dict, column: str, horizon: int | None = HORIZON
                  ) -> np.ndarray:
    """The column over SEEDS at ``point`` (``horizon=None``: the question's own horizon)."""
    values = []
    for seed in SEEDS:
        weeks = {} if horizon is None else {"horizon_weeks": horizon}
        model = run_one(config.scenario, seed, {**config.fixed, **point, **weeks})
        values.append(schema.row(model.summary(), None)[column])
    return np.array(values, dtype=float)


@pytest.mark.parametrize("question, config, lever", LEVERS,
                         ids=[f"Q{q.number}-{lv.parameter}" for q, _, lv in LEVERS])
def test_the_lever_moves_what_it_names_over_the_run(question, config, lever):
    arms = sorted({point[lever.parameter] for point in config.points},
                  reverse=lever.descending)
    base = {key: config.axes[key][0] for key in config.varied}
    column = lever.moved[0]
    first = column_values(config, {**base, lever.parameter: arms[0]}, column)
    last = column_values(config, {**base, lever.parameter: arms[-1]}, column)
    assert mannwhitneyu(first, last).pvalue < 0.001, (column, first.mean(), last.mean())


def test_the_closed_channel_stays_closed_and_the_call_keeps_it_open():
    """Q1 compares the two worlds it names: no open week at all without the call."""
    (_, config), = [(q, c) for q, c in load_questions(CONFIGS) if q.number == 1]
    closed = column_values(config, {"channel_open": False}, "final_channel_open_share", None)
    opened = column_values(config, {"channel_open": True}, "final_channel_open_share")
    assert (closed == 0).all()  # to the last week of the question's horizon
    assert opened.mean() > 0.5
