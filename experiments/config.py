"""Experiment files (TOML): what to run, validated on load, and the points they define.

One loader for every design: a sweep and a sensitivity analysis are the same kind of
file. An experiment file has an ``[experiment]`` table and optional ``[fixed]``,
``[vary]`` and ``[question]`` tables::

    [experiment]
    name = "channel"                 # output folder outputs/<name>/
    scenario = "paris_moscow_call"   # shipped name, or a .toml path (relative to this file)
    replications = 500               # seeded runs per parameter point
    seed = 20250701                  # root seed: every run's seed derives from it
    horizon = 156                    # optional: weeks (sets horizon_weeks)
    design = "grid"                  # optional: grid (default), lhs, sobol, saltelli, morris
    samples = 64                     # sized designs: lhs/sobol points, Saltelli N, Morris r
    levels = 4                       # morris only: grid levels (even)
    seeds = "independent"            # or "common" (default for saltelli and morris)
    chunk_size = 100                 # optional: runs per task sent to a worker
    trajectories = 5                 # optional: weekly series kept for replications 0..K-1
    posterior = "post.parquet"       # optional: run the scenario under this posterior
                                     # instead of its own (its medoid, or its draws below;
                                     # a path relative to this file, or a shipped name)
    posterior_draws = 20             # optional, for a calibrated scenario (one that names
                                     # a posterior): replication r of every point runs
                                     # parameter set r % 20 drawn from the posterior, so the
                                     # answers carry the calibration's uncertainty
                                     # (replications must be a multiple of it)

    [fixed]                          # overrides applied to every run
    aid_reliability = 0.6

    [vary]                           # a list of values, or a range
    channel_open = [true, false]
    multilateral_pressure = { low = 0.0, high = 1.0, num = 5 }   # grid: 5 evenly spaced

    [question]                       # optional: the report question this file answers
                                     # (experiments/questions.py)

Every error names the file and the key (``ConfigError``), so the CLI can print it in
one line and exit with status 2 before anything is written. ``name`` is a plain name
(letters, digits, ``_ . -``; it becomes a folder). A design may have at most
``MAX_POINTS`` (1,000,000) points and ``MAX_RUNS`` (10**9) runs, checked from the axes'
lengths and ``samples`` before the design is built.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from experiments import design as designs
from experiments.questions import Question, parse_question
from experiments.seeds import MAX_SEED, SEED_SCHEMES, Stream, design_rng, generator
from model.checks import (
    ConfigError,
    choice,
    only,
    prose,
    read_toml,
    safe_name,
    show,
    table,
    text,
    whole,
)
from model.parameters import Parameters
from model.scenario import load_scenario, scenario_reference

if TYPE_CHECKING:
    from model.posterior import Posterior

EXPERIMENT_KEYS = {"name", "description", "scenario", "replications", "seed", "horizon",
                   "design", "samples", "levels", "seeds", "chunk_size", "trajectories",
                   "posterior", "posterior_draws"}
RANGE_KEYS = {"low", "high", "num"}
DEFAULT_CHUNK_SIZE = 100
DEFAULT_TRAJECTORIES = 5
DEFAULT_LEVELS = 4
MAX_SAMPLES = 2**24
# Caps checked before a design is built: a grid is the product of its axes' lengths, so
# a few modest axes could otherwise ask for more points than memory holds. One point
# costs a design row and an overrides dict in the driver (~300 bytes): a million is
# ~300 MB. Runs are never held at once (chunks stream to disk), so their cap is wider.
MAX_POINTS = 1_000_000
MAX_RUNS = 1_000_000_000
MAX_DRAWS = 10_000

Value = designs.Value


@dataclass(frozen=True, slots=True)
class Experiment:
    """A validated experiment file: plain, picklable data (the Scenario stays in the driver)."""

    source: str              # the file, as given
    sha256: str              # hash of what the file runs: its identity in an output folder
    name: str
    description: str
    scenario: str            # shipped name, or an absolute path to a scenario file
    replications: int
    seed: int
    design: str
    samples: int | None      # the size of a sized design
    levels: int              # Morris grid levels
    seeds: str               # "independent" or "common" (SEED_SCHEMES)
    chunk_size: int
    trajectories: int
    fixed: dict[str, Value]  # validated overrides for every run (horizon included)
    axes: dict[str, designs.Axis]         # varied parameter -> values or (low, high)
    matrix: np.ndarray                    # the design: one row per point (design.py)
    points: tuple[dict[str, Value], ...]  # point_id -> varied values
    question: Question | None = None
    # the posterior the runs use when it is not the scenario's own (experiment.posterior):
    # its file and hash ("" when the scenario's own, or none, is used)
    posterior_file: str = ""
    posterior_sha256: str = ""
    # posterior_draws parameter sets drawn from the posterior in use (empty: none);
    # replication r runs draws[r % len(draws)], under [fixed] and the point's values
    draws: tuple[dict[str, Value], ...] = ()

    @property
    def varied(self) -> tuple[str, ...]:
        return tuple(self.axes)

    @property
    def common_seeds(self) -> bool:
        return self.seeds == "common"

    @property
    def total_runs(self) -> int:
        return len(self.points) * self.replications

    def with_replications(self, replications: Any) -> Experiment:
        """The same experiment with another number of replications (--replications)."""
        replications = _positive(replications, "--replications", show(replications))
        _check_size(len(self.points), replications, "--replications", show(replications),
                    show(replications))
        return replace(self, replications=replications)


def load_config(path: str | Path, raw: dict[str, Any] | None = None) -> Experiment:
    """Read and validate an experiment file; raises ConfigError naming the file and key.

    ``raw``: the file's tables, already parsed (a command that builds an experiment
    checks it before it writes the file); ``path`` then names it in errors and anchors
    its relative scenario path.
    """
    source = str(path)
    if raw is None:
        raw, _ = read_toml(path, "experiment file")
    only(raw, {"experiment", "fixed", "vary", "question"}, source)
    exp = table(raw, "experiment", source)
    only(exp, EXPERIMENT_KEYS, source, "experiment.")
    name = safe_name(exp.get("name"), source, "experiment.name")
    description = prose(exp.get("description", ""), source, "experiment.description")
    scenario = scenario_reference(text(exp, "scenario", source, "experiment."), source,
                                  "experiment.scenario", Path(path).parent)
    loaded = load_scenario(scenario)
    params = loaded.parameters
    replications = _positive(exp.get("replications"), source, "experiment.replications")
    seed = whole(exp.get("seed"), source, "experiment.seed", 0, MAX_SEED)
    design = choice(exp.get("design", "grid"), tuple(designs.SAMPLERS), source,
                    "experiment.design")
    default_seeds = "common" if design in designs.RANGES_ONLY else "independent"
    seeds = choice(exp.get("seeds", default_seeds), SEED_SCHEMES, source, "experiment.seeds")
    chunk_size = whole(exp.get("chunk_size", DEFAULT_CHUNK_SIZE), source,
                       "experiment.chunk_size", 1, 100_000)
    trajectories = whole(exp.get("trajectories", DEFAULT_TRAJECTORIES), source,
                         "experiment.trajectories", 0, 1000)
    samples = _samples(exp, design, source)
    levels = _levels(exp, design, source)

    fixed_raw = table(raw, "fixed", source, required=False)
    vary_raw = table(raw, "vary", source, required=False)
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
    if design != "grid" and not axes:
        raise ConfigError(source, "vary", f"design {design} needs at least one parameter")

    _check_size(design_size(design, axes, samples), replications, source,
                "vary" if design == "grid" else "experiment.samples", "experiment.replications")
    matrix = designs.SAMPLERS[design](axes, samples or 0, design_rng(seed), levels)
    whole_number = {key: Parameters.spec(key)["type"] == "int" for key in axes}
    points = tuple(designs.points(axes, matrix, whole_number))
    posterior = loaded.posterior
    if "posterior" in exp:
        posterior = _posterior(exp, source, Path(path).parent)
    draws = _posterior_draws(exp, loaded.name, posterior, replications, seed, source)
    if posterior is not loaded.posterior:
        # Instead of the scenario's own calibration: a posterior file was fitted from the
        # scenario's uncalibrated values (as `calibrate` fits), so the parameters it does
        # not hold go back to them; single runs use its medoid, draws its draws.
        from model.posterior import uncalibrated

        reset = {name: value for name, value in
                 uncalibrated(loaded.posterior, loaded.base_parameters).items()
                 if name not in posterior.names}
        fixed = {**reset, **({} if draws else posterior.point()), **fixed}
    question = None
    if "question" in raw:
        question = parse_question(table(raw, "question", source), source, tuple(axes))
    return Experiment(source=source, sha256=_identity(raw), name=name,
                      description=description, scenario=scenario, replications=replications,
                      seed=seed, design=design, samples=samples, levels=levels, seeds=seeds,
                      chunk_size=chunk_size, trajectories=trajectories, fixed=fixed,
                      axes=axes, matrix=matrix, points=points, question=question,
                      draws=draws, **({"posterior_file": posterior.source,
                                       "posterior_sha256": posterior.sha256}
                                      if posterior is not loaded.posterior else {}))


# ------------------------------------------------------------------ pieces
def _identity(raw: dict[str, Any]) -> str:
    """SHA-256 of every table but ``[question]``: rewording a question (or a comment)
    keeps an output folder resumable; any change to what runs makes it foreign."""
    runs = {key: value for key, value in raw.items() if key != "question"}
    return hashlib.sha256(json.dumps(runs, sort_keys=True, default=str).encode()).hexdigest()


def _posterior(exp: dict[str, Any], source: str, folder: Path) -> Posterior:
    """The posterior ``experiment.posterior`` names: a shipped posterior or a file."""
    from model.scenario import load_posterior_at, posterior_path

    ref = text(exp, "posterior", source, "experiment.")
    path = posterior_path(ref)
    if not path.is_absolute() and not path.exists() and (folder / path).exists():
        path = folder / path
    return load_posterior_at(path.resolve(), source, "experiment.posterior")


def _posterior_draws(exp: dict[str, Any], scenario: str, posterior: Posterior | None,
                     replications: int, seed: int, source: str) -> tuple[dict[str, Value], ...]:
    """Parameter sets drawn from the posterior in use (seeded by the root seed)."""
    count = whole(exp.get("posterior_draws", 0), source, "experiment.posterior_draws", 0,
                  MAX_DRAWS)
    if not count:
        return ()
    if posterior is None:
        raise ConfigError(source, "experiment.posterior_draws", f"scenario {scenario!r} "
                          "names no posterior ([scenario] posterior = ...): nothing to draw")
    if replications % count:
        raise ConfigError(source, "experiment.replications", f"must be a multiple of "
                          f"posterior_draws ({count}) so every draw runs equally often, "
                          f"got {replications}")
    return posterior.draw(generator(seed, Stream.POSTERIOR_DRAWS), count)


def _positive(value: Any, source: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(source, key, f"must be a positive whole number, got {show(value)}")
    if value > MAX_RUNS:
        raise ConfigError(source, key, f"must be at most {MAX_RUNS:,}, got {show(value)}")
    return value


def design_size(design: str, axes: dict[str, designs.Axis], samples: int | None) -> int:
    """The number of points a design will have, computed without building it."""
    if design == "grid":
        return math.prod(len(axis) for axis in axes.values())
    return (samples or 0) * designs.points_per_sample(design, len(axes))


def _check_size(points: int, replications: int, source: str, points_key: str,
                runs_key: str) -> None:
    """Refuse a design too large to hold (MAX_POINTS) or to run (MAX_RUNS)."""
    if points > MAX_POINTS:
        raise ConfigError(source, points_key, f"the design would have {points:,} points; at most "
                          f"{MAX_POINTS:,} are allowed")
    if points * replications > MAX_RUNS:
        raise ConfigError(source, runs_key, f"{points:,} points x {replications:,} replications "
                          f"= {points * replications:,} runs; at most {MAX_RUNS:,} are allowed")


def _samples(exp: dict, design: str, source: str) -> int | None:
    """The size of a sized design (a power of two for Sobol sequences)."""
    key = "experiment.samples"
    if design not in designs.SIZED:
        if "samples" in exp:
            raise ConfigError(source, key, f"only for design {', '.join(designs.SIZED)}")
        return None
    if "samples" not in exp:
        raise ConfigError(source, key, f"design {design} needs samples")
    samples = whole(exp["samples"], source, key, 1, MAX_SAMPLES)
    if design in designs.POWER_OF_TWO and samples & (samples - 1):
        raise ConfigError(source, key, f"design {design} needs a power of two, got {samples}")
    if design == "morris" and samples < 2:
        raise ConfigError(source, key, "design morris needs at least 2 trajectories")
    return samples


def _levels(exp: dict, design: str, source: str) -> int:
    key = "experiment.levels"
    if "levels" not in exp:
        return DEFAULT_LEVELS
    if design != "morris":
        raise ConfigError(source, key, "only for design morris")
    levels = whole(exp["levels"], source, key, 2, 1000)
    if levels % 2:
        raise ConfigError(source, key, f"must be even (Morris grid), got {levels}")
    return levels


def _axis(key: str, spec: Any, design: str, params: Parameters,
          source: str) -> designs.Axis:
    """A list of validated values, or (for sampled designs) the (low, high) of a range."""
    where = f"vary.{key}"
    if key not in Parameters.names():
        raise ConfigError(source, where, "unknown parameter (see `escalation params`)")
    kind = Parameters.spec(key)["type"]
    if isinstance(spec, list):
        if design in designs.RANGES_ONLY:
            raise ConfigError(source, where, f"design {design} samples ranges only: give "
                              "{ low = ..., high = ... } (or set it in [fixed])")
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
    low, high = range_bounds(key, spec, params, source, where)
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


def range_bounds(key: str, spec: dict, params: Parameters, source: str,
                 where: str) -> tuple[Value, Value]:
    """The checked (low, high) of a range table ``{ low = ..., high = ..., num = ... }``."""
    only(spec, RANGE_KEYS, source, f"{where}.")
    for bound in ("low", "high"):
        if bound not in spec:
            raise ConfigError(source, f"{where}.{bound}", "missing range bound")
    low = parameter_value(key, spec["low"], params, source, f"{where}.low")
    high = parameter_value(key, spec["high"], params, source, f"{where}.high")
    if not low < high:
        raise ConfigError(source, where, f"bad range: low ({low}) must be below high ({high})")
    return low, high


def load_questions(folder: str | Path) -> list[tuple[Question, Experiment]]:
    """Every question file of ``folder`` (those with ``[question]``), by number, loaded.

    Two files asking the same number is a ConfigError naming the second file.
    """
    found: dict[int, tuple[Question, Experiment]] = {}
    for path in sorted(Path(folder).glob("*.toml")):
        raw, _ = read_toml(path, "experiment file")
        if "question" not in raw:
            continue
        config = load_config(path)
        question = config.question
        if question.number in found:
            raise ConfigError(str(path), "question.number",
                              f"Q{question.number} is also asked by "
                              f"{found[question.number][0].config}")
        found[question.number] = (question, config)
    return [found[n] for n in sorted(found)]


# ------------------------------------------------------------------ writing
def write_experiment(path: Path, raw: dict[str, dict[str, Any]], note: str) -> Experiment:
    """Keep an experiment a command built (``raw``, already checked) as a file beside its
    results, under a comment line ``note``, and load it from there: the manifest names
    that file, so the folder can be resumed and its runs replayed. An unchanged file is
    not rewritten."""
    body = f"# {note}\n" + experiment_toml(raw)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != body:
        path.write_text(body, encoding="utf-8")
    return load_config(path)


def experiment_toml(raw: dict[str, dict[str, Any]]) -> str:
    """An experiment file's tables as TOML (the value types experiment files use), for a
    command that writes the experiment it runs beside its results."""
    blocks = []
    for name, entries in raw.items():
        lines = [f"[{name}]", *(f"{key} = {_value(v)}" for key, v in entries.items())]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")
