"""Sweep files (TOML): what to run, validated on load, and the parameter points they define.

A sweep file has an ``[experiment]`` table and optional ``[fixed]`` and ``[vary]`` tables::

    [experiment]
    name = "channel"                 # output folder outputs/<name>/
    scenario = "paris_moscow_call"   # shipped name, or a .toml path (relative to this file)
    replications = 500               # seeded runs per parameter point
    seed = 20250701                  # root seed: every run's seed derives from it
    horizon = 156                    # optional: weeks (sets horizon_weeks)
    design = "grid"                  # optional: grid (default), lhs or sobol
    samples = 64                     # lhs / sobol only: number of parameter points
    chunk_size = 100                 # optional: runs per task sent to a worker
    trajectories = 5                 # optional: weekly series kept for replications 0..K-1

    [fixed]                          # overrides applied to every run
    aid_reliability = 0.6

    [vary]                           # a list of values, or a range
    channel_open = [true, false]
    multilateral_pressure = { low = 0.0, high = 1.0, num = 5 }   # grid: 5 evenly spaced

Every error names the file and the key (``ConfigError``), so the CLI can print it in
one line and exit with status 2 before anything is written.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from experiments.seeds import design_rng
from model.parameters import Parameters
from model.scenario import Scenario, load_scenario, scenario_reference
from model.validation import ConfigError, choice, only, read_toml, table, text, whole

DESIGNS = ("grid", "lhs", "sobol")
EXPERIMENT_KEYS = {"name", "description", "scenario", "replications", "seed", "horizon",
                   "design", "samples", "chunk_size", "trajectories"}
RANGE_KEYS = {"low", "high", "num"}
DEFAULT_CHUNK_SIZE = 100
DEFAULT_TRAJECTORIES = 5
MAX_SEED = 2**63 - 1

Value = float | int | bool


@dataclass(frozen=True, slots=True)
class SweepConfig:
    """A validated sweep: plain, picklable data (the Scenario itself stays in the driver)."""

    source: str              # the sweep file, as given
    sha256: str              # hash of the file's bytes: a sweep's identity in its output folder
    name: str
    description: str
    scenario: str            # shipped name, or an absolute path to a scenario file
    replications: int
    seed: int
    design: str
    chunk_size: int
    trajectories: int
    fixed: dict[str, Value]  # validated overrides for every run (horizon included)
    varied: tuple[str, ...]  # varied parameter names, in file order
    points: tuple[dict[str, Value], ...]  # point_id -> varied values

    @property
    def total_runs(self) -> int:
        return len(self.points) * self.replications

    def with_replications(self, replications: Any) -> SweepConfig:
        """The same sweep with another number of replications (the CLI's --replications)."""
        return replace(self, replications=_positive(replications, "--replications",
                                                    str(replications)))


def load_sweep(path: str | Path) -> SweepConfig:
    """Read and validate a sweep file; raises ConfigError naming the file and key."""
    source = str(path)
    raw, data = read_toml(path, "sweep file")
    if "sensitivity" in raw and "experiment" not in raw:
        # A sensitivity file (`escalation sensitivity`) sweeps its SALib sample points.
        from experiments.sensitivity import load_sensitivity
        return load_sensitivity(path).as_sweep()
    only(raw, {"experiment", "fixed", "vary"}, source)
    exp = table(raw, "experiment", source)
    only(exp, EXPERIMENT_KEYS, source, "experiment.")
    name = text(exp, "name", source, "experiment.")
    if "/" in name or "\\" in name or name.startswith("."):
        raise ConfigError(source, "experiment.name", f"must be a plain folder name, got {name!r}")
    description = exp.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(source, "experiment.description", "must be a string")
    scenario_ref, scenario = _scenario(exp, source, Path(path).parent)
    replications = _positive(exp.get("replications"), source, "experiment.replications")
    seed = whole(exp.get("seed"), source, "experiment.seed", 0, MAX_SEED)
    design = choice(exp.get("design", "grid"), DESIGNS, source, "experiment.design")
    chunk_size = whole(exp.get("chunk_size", DEFAULT_CHUNK_SIZE), source,
                        "experiment.chunk_size", 1, 100_000)
    trajectories = whole(exp.get("trajectories", DEFAULT_TRAJECTORIES), source,
                          "experiment.trajectories", 0, 1000)

    fixed_raw = table(raw, "fixed", source, required=False)
    vary_raw = table(raw, "vary", source, required=False)
    params = scenario.parameters
    checked = params.with_overrides(fixed_raw, source, prefix="fixed.")
    fixed = {key: getattr(checked, key) for key in fixed_raw}
    if "horizon" in exp:
        if "horizon_weeks" in fixed_raw or "horizon_weeks" in vary_raw:
            raise ConfigError(source, "experiment.horizon",
                              "horizon_weeks is also set in [fixed] or [vary]; give it once")
        fixed["horizon_weeks"] = parameter_value("horizon_weeks", exp["horizon"], params,
                                                 source, "experiment.horizon")
    for key in vary_raw:
        if key in fixed_raw:
            raise ConfigError(source, f"vary.{key}", "also set in [fixed]; give it once")

    axes = {key: _axis(key, spec, design, params, source) for key, spec in vary_raw.items()}
    if design == "grid":
        if "samples" in exp:
            raise ConfigError(source, "experiment.samples", "only for design lhs or sobol")
        points = tuple(dict(zip(axes, combo, strict=True))
                       for combo in itertools.product(*axes.values()))
    else:
        points = _sampled_points(axes, design, exp, seed, params, source)
    return SweepConfig(source=source, sha256=hashlib.sha256(data).hexdigest(), name=name,
                       description=description, scenario=scenario_ref,
                       replications=replications, seed=seed, design=design,
                       chunk_size=chunk_size, trajectories=trajectories, fixed=fixed,
                       varied=tuple(axes), points=points)


# ------------------------------------------------------------------ pieces
def _scenario(exp: dict, source: str, folder: Path) -> tuple[str, Scenario]:
    """The scenario reference workers get (a shipped name, or an absolute path)."""
    ref = scenario_reference(text(exp, "scenario", source, "experiment."), source,
                             "experiment.scenario", folder)
    return ref, load_scenario(ref)


def _positive(value: Any, source: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(source, key, f"must be a positive whole number, got {value!r}")
    return value


def _axis(key: str, spec: Any, design: str, params: Parameters,
          source: str) -> list[Value] | tuple[float, float]:
    """A list of validated values, or (for lhs/sobol) the (low, high) bounds of a range."""
    where = f"vary.{key}"
    if key not in Parameters.names():
        raise ConfigError(source, where, "unknown parameter (see `escalation params`)")
    kind = Parameters.spec(key)["type"]
    if isinstance(spec, list):
        if not spec:
            raise ConfigError(source, where, "empty list")
        values = [parameter_value(key, v, params, source, f"{where}[{i}]")
                  for i, v in enumerate(spec)]
        if len(set(values)) != len(values):
            raise ConfigError(source, where, f"repeated value in {spec!r}")
        return values
    if not isinstance(spec, dict):
        raise ConfigError(source, where, "must be a list of values or a range "
                          "{ low = ..., high = ..., num = ... }")
    if kind == "bool":
        raise ConfigError(source, where, "a true/false parameter varies as a list")
    low, high = range_bounds(key, spec, RANGE_KEYS, params, source, where)
    if design != "grid":
        if "num" in spec:
            raise ConfigError(source, f"{where}.num", f"design {design} samples ranges; "
                              "set experiment.samples instead")
        return (float(low), float(high))
    if "num" not in spec:
        raise ConfigError(source, f"{where}.num", "a grid range needs num (number of values)")
    num = whole(spec["num"], source, f"{where}.num", 2, 10_000)
    grid = np.linspace(float(low), float(high), num)
    if kind == "int":
        return sorted({round(float(v)) for v in grid})
    return [float(round(v, 12)) for v in grid]


def parameter_value(key: str, value: Any, params: Parameters, source: str,
                    where: str) -> Value:
    """One value checked against the parameter's type and range (message names ``where``)."""
    try:
        checked = params.with_overrides({key: value}, source)
    except ConfigError as exc:
        raise ConfigError(source, where, exc.problem) from None
    return getattr(checked, key)


def range_bounds(key: str, spec: dict, allowed: set[str] | frozenset[str], params: Parameters,
                 source: str, where: str) -> tuple[Value, Value]:
    """The checked (low, high) of a range table ``{ low = ..., high = ... }``."""
    only(spec, allowed, source, f"{where}.")
    for bound in ("low", "high"):
        if bound not in spec:
            raise ConfigError(source, f"{where}.{bound}", "missing range bound")
    low = parameter_value(key, spec["low"], params, source, f"{where}.low")
    high = parameter_value(key, spec["high"], params, source, f"{where}.high")
    if not low < high:
        raise ConfigError(source, where, f"bad range: low ({low}) must be below high ({high})")
    return low, high


def _sampled_points(axes: dict[str, Any], design: str, exp: dict, seed: int,
                    params: Parameters, source: str) -> tuple[dict[str, Value], ...]:
    """Latin hypercube or scrambled Sobol points (scipy.stats.qmc), seeded from the root."""
    if not axes:
        raise ConfigError(source, "vary", f"design {design} needs at least one parameter")
    if "samples" not in exp:
        raise ConfigError(source, "experiment.samples", f"design {design} needs samples")
    samples = whole(exp["samples"], source, "experiment.samples", 1, 1_000_000)
    rng = design_rng(seed)
    if design == "sobol":
        if samples & (samples - 1):
            raise ConfigError(source, "experiment.samples",
                              f"a Sobol design needs a power of two, got {samples}")
        unit = qmc.Sobol(d=len(axes), scramble=True, rng=rng).random_base2(
            int(samples).bit_length() - 1)
    else:
        unit = qmc.LatinHypercube(d=len(axes), rng=rng).random(samples)
    points = []
    for row in unit:
        point = {}
        for (key, axis), u in zip(axes.items(), row, strict=True):
            if isinstance(axis, list):  # categorical: equal-width slices of [0, 1)
                point[key] = axis[min(int(u * len(axis)), len(axis) - 1)]
            else:
                low, high = axis
                raw = low + float(u) * (high - low)
                kind = Parameters.spec(key)["type"]
                point[key] = parameter_value(key, round(raw) if kind == "int" else raw,
                                             params, source, f"vary.{key}")
        points.append(point)
    return tuple(points)
