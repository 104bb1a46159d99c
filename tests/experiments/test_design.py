"""Samplers: one signature for every design, seeded, in the axes' own units."""

from __future__ import annotations

import numpy as np
import pytest

from experiments import design
from experiments.seeds import design_rng

AXES = {"multilateral_pressure": (0.2, 0.6), "bargaining_horizon": (10.0, 20.0),
        "channel_open": [True, False]}
RANGES = {"multilateral_pressure": (0.0, 1.0), "aid_reliability": (0.2, 1.0)}


def test_grid_crosses_every_value_in_file_order():
    axes = {"a": [1, 2], "b": [True, False, True]}
    matrix = design.grid(axes, 0, design_rng(1), 4)
    assert matrix.tolist() == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]
    points = design.points(axes, matrix, {"a": True, "b": False})
    assert points[1] == {"a": 1, "b": False}


@pytest.mark.parametrize("name, size", [("lhs", 20), ("sobol", 16)])
def test_space_filling_designs_are_seeded_and_stay_in_bounds(name, size):
    sampler = design.SAMPLERS[name]
    matrix = sampler(AXES, size, design_rng(5), 4)
    assert matrix.shape == (size, 3)
    assert np.array_equal(matrix, sampler(AXES, size, design_rng(5), 4))
    assert not np.array_equal(matrix, sampler(AXES, size, design_rng(6), 4))
    assert matrix[:, 0].min() >= 0.2 and matrix[:, 0].max() <= 0.6
    assert set(matrix[:, 2]) == {0.0, 1.0}          # a list axis: an index into its values
    if name == "lhs":                                 # one sample in each of n strata
        strata = np.floor((matrix[:, 0] - 0.2) / 0.4 * size).astype(int)
        assert sorted(strata) == list(range(size))


@pytest.mark.parametrize("name", ["saltelli", "morris"])
def test_salib_designs_have_the_sizes_their_analyses_need(name):
    matrix = design.SAMPLERS[name](RANGES, 4, design_rng(5), 4)
    assert len(matrix) == 4 * design.points_per_sample(name, len(RANGES))
    assert matrix[:, 1].min() >= 0.2 and matrix[:, 1].max() <= 1.0
    assert np.array_equal(matrix, design.SAMPLERS[name](RANGES, 4, design_rng(5), 4))


def test_points_round_whole_numbers_but_the_matrix_keeps_raw_values():
    matrix = np.array([[0.3, 12.6, 1.0]])
    point = design.points(AXES, matrix, {"multilateral_pressure": False,
                                         "bargaining_horizon": True, "channel_open": False})
    assert point == [{"multilateral_pressure": 0.3, "bargaining_horizon": 13,
                      "channel_open": False}]
    assert matrix[0, 1] == 12.6


def test_salib_problem_names_the_ranges():
    assert design.salib_problem(RANGES) == {
        "num_vars": 2, "names": ["multilateral_pressure", "aid_reliability"],
        "bounds": [[0.0, 1.0], [0.2, 1.0]]}
