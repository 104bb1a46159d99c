"""Samplers: how an experiment's parameter points are chosen (one signature for all).

Like the EMA Workbench's samplers, every design takes the axes to vary, a size and
a seeded generator, and returns a design matrix: one row per point, one column per
axis, in the parameter's own units. A list axis (categorical) holds the index of
the chosen value; a range axis holds the sampled value, unrounded, which is what
SALib's analyses need. ``points`` turns the rows into model overrides.

* ``grid``: the product of every axis's values (ranges are expanded to lists by
  the config loader); the size is ignored.
* ``lhs``, ``sobol``: Latin hypercube and scrambled Sobol points (scipy.stats.qmc);
  a list axis is sampled as equal-width slices of [0, 1).
* ``saltelli``: SALib's Saltelli extension of Sobol sequences, N x (D + 2) points,
  for Sobol first-order and total indices (ranges only).
* ``morris``: SALib's Morris trajectories, size x (D + 1) points on a grid of
  ``levels`` levels, for elementary-effects screening (ranges only).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

Value = float | int | bool
Axis = list[Value] | tuple[float, float]   # values, or the (low, high) of a range
Sampler = Callable[[Mapping[str, Axis], int, np.random.Generator, int], np.ndarray]


def grid(axes: Mapping[str, Axis], size: int, rng: np.random.Generator,
         levels: int) -> np.ndarray:
    """Every combination of the axes' values, in file order (the last axis varies fastest)."""
    indices = [range(len(axis)) for axis in axes.values()]
    rows = list(itertools.product(*indices))
    return np.array(rows, dtype=float).reshape(len(rows), len(axes))


def lhs(axes: Mapping[str, Axis], size: int, rng: np.random.Generator,
        levels: int) -> np.ndarray:
    from scipy.stats import qmc

    return _from_unit(axes, qmc.LatinHypercube(d=len(axes), rng=rng).random(size))


def sobol(axes: Mapping[str, Axis], size: int, rng: np.random.Generator,
          levels: int) -> np.ndarray:
    from scipy.stats import qmc

    unit = qmc.Sobol(d=len(axes), scramble=True, rng=rng).random_base2(size.bit_length() - 1)
    return _from_unit(axes, unit)


def saltelli(axes: Mapping[str, Axis], size: int, rng: np.random.Generator,
             levels: int) -> np.ndarray:
    from SALib.sample import sobol as sobol_sample

    return sobol_sample.sample(salib_problem(axes), size, calc_second_order=False,
                               scramble=True, seed=rng)


def morris(axes: Mapping[str, Axis], size: int, rng: np.random.Generator,
           levels: int) -> np.ndarray:
    from SALib.sample import morris as morris_sample

    return morris_sample.sample(salib_problem(axes), size, num_levels=levels, seed=rng)


SAMPLERS: dict[str, Sampler] = {"grid": grid, "lhs": lhs, "sobol": sobol,
                                "saltelli": saltelli, "morris": morris}
SIZED = ("lhs", "sobol", "saltelli", "morris")        # designs that need a size
RANGES_ONLY = ("saltelli", "morris")                  # SALib designs: no list axes
POWER_OF_TWO = ("sobol", "saltelli")


def points_per_sample(design: str, dimensions: int) -> int:
    """Design rows per unit of size: what ``samples`` multiplies into points."""
    return {"saltelli": dimensions + 2, "morris": dimensions + 1}.get(design, 1)


def salib_problem(axes: Mapping[str, Axis]) -> dict[str, Any]:
    """SALib's problem definition for range axes."""
    return {"num_vars": len(axes), "names": list(axes),
            "bounds": [[float(low), float(high)] for low, high in axes.values()]}


def points(axes: Mapping[str, Axis], matrix: np.ndarray, whole: Mapping[str, bool]
           ) -> list[dict[str, Value]]:
    """Model overrides of each design row: list values picked, whole numbers rounded."""
    out = []
    for row in matrix:
        point: dict[str, Value] = {}
        for (key, axis), x in zip(axes.items(), row, strict=True):
            if isinstance(axis, list):
                point[key] = axis[int(x)]
            else:
                point[key] = round(float(x)) if whole[key] else float(x)
        out.append(point)
    return out


def _from_unit(axes: Mapping[str, Axis], unit: np.ndarray) -> np.ndarray:
    """Scale unit-cube points to the axes: ranges linearly, lists by equal slices."""
    matrix = np.empty_like(unit)
    for j, axis in enumerate(axes.values()):
        if isinstance(axis, list):
            matrix[:, j] = np.minimum((unit[:, j] * len(axis)).astype(int), len(axis) - 1)
        else:
            low, high = axis
            matrix[:, j] = low + unit[:, j] * (high - low)
    return matrix
