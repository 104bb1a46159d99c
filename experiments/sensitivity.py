"""Global sensitivity of outcome probabilities to parameters (SALib: Sobol and Morris).

A sensitivity file names a scenario, the parameters to vary with their ranges, and
the methods. Each sample point of the SALib design is run ``replications`` times;
the model output for an outcome is the share of those runs that ended in it.

**Common random numbers.** Replication r of *every* sample point gets the same seed,
derived from (root seed, r) alone with numpy's SeedSequence, never from the point.
Two points then differ only by their parameters, not by their noise: a parameter the
model ignores gives identical runs, hence Morris elementary effects of exactly zero
and a Sobol total index of zero, instead of binomial noise (about
sqrt(p(1 - p) / replications) per share) posing as sensitivity.

Runs go through the sweep executors in chunks; workers return outcomes only, and
the driver keeps one count per (point, outcome).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from tqdm import tqdm

from experiments.executors import Executor
from experiments.sweep_config import DEFAULT_CHUNK_SIZE, SweepConfig, parameter_value, range_bounds
from model.model import EscalationModel
from model.outcomes import OUTCOMES
from model.parameters import Parameters
from model.scenario import load_scenario, scenario_reference
from model.validation import ConfigError, only, read_toml, table, text, whole

METHODS = ("sobol", "morris")
SENSITIVITY_KEYS = {"name", "description", "scenario", "seed", "replications", "method",
                    "samples", "trajectories", "levels", "horizon", "chunk_size"}
CONFIDENCE = 0.95
RESAMPLES = 200                 # bootstrap resamples behind the confidence intervals
CRN_STREAM = 0xC0FFEE           # spawn-key prefix of the common run seeds
DESIGN_STREAM = 0x5A17          # spawn-key prefix of the SALib samplers' streams
MAX_SEED = 2**63 - 1
INDICES = {"sobol": ("S1", "ST"), "morris": ("mu_star", "mu", "sigma")}
CONFIDENCE_OF = {"S1": "S1_conf", "ST": "ST_conf", "mu_star": "mu_star_conf"}

Value = float | int | bool


@dataclass(frozen=True, slots=True)
class SensitivityConfig:
    """A validated sensitivity file (plain, picklable data)."""

    source: str
    sha256: str
    name: str
    description: str
    scenario: str                          # shipped name, or an absolute path
    seed: int
    replications: int
    methods: tuple[str, ...]
    samples: int | None                    # Sobol: SALib's N (N * (D + 2) points)
    trajectories: int | None               # Morris: trajectories (D + 1 points each)
    levels: int                            # Morris: grid levels
    chunk_size: int
    fixed: dict[str, Value]                # overrides for every run (horizon included)
    bounds: dict[str, tuple[float, float]]  # varied parameter -> (low, high), file order

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem definition."""
        return {"num_vars": len(self.bounds), "names": list(self.bounds),
                "bounds": [list(b) for b in self.bounds.values()]}

    def seeds(self) -> tuple[int, ...]:
        """The replications' seeds, shared by every sample point (common random numbers)."""
        return tuple(crn_seed(self.seed, r) for r in range(self.replications))

    def as_sweep(self) -> SweepConfig:
        """The design as an ordinary sweep (independent seeds per point), for
        ``escalation sweep FILE`` and then ``escalation discover``."""
        designs = make_designs(self)
        points = tuple(p for method in self.methods for p in design_points(self, designs[method]))
        return SweepConfig(source=self.source, sha256=self.sha256, name=self.name,
                           description=self.description, scenario=self.scenario,
                           replications=self.replications, seed=self.seed,
                           design="+".join(self.methods), chunk_size=self.chunk_size,
                           trajectories=0, fixed=self.fixed, varied=tuple(self.bounds),
                           points=points)


def crn_seed(root: int, replication: int) -> int:
    """Seed of replication r at every point: from (root, r) only, a 63-bit int."""
    state = np.random.SeedSequence(root, spawn_key=(CRN_STREAM, replication)).generate_state(
        1, np.uint64)
    return int(state[0] >> np.uint64(1))


def _stream(root: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(root, spawn_key=(DESIGN_STREAM, *key)))


# ------------------------------------------------------------------ the file
def load_sensitivity(path: str | Path) -> SensitivityConfig:
    """Read and validate a sensitivity file; raises ConfigError naming the file and key."""
    source = str(path)
    raw, data = read_toml(path, "sensitivity file")
    only(raw, {"sensitivity", "fixed", "parameters"}, source)
    sens = table(raw, "sensitivity", source)
    only(sens, SENSITIVITY_KEYS, source, "sensitivity.")
    where = "sensitivity."
    name = text(sens, "name", source, where)
    if "/" in name or "\\" in name or name.startswith("."):
        raise ConfigError(source, "sensitivity.name", f"must be a plain folder name, got {name!r}")
    description = sens.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(source, "sensitivity.description", "must be a string")
    scenario = scenario_reference(text(sens, "scenario", source, where), source,
                                  "sensitivity.scenario", Path(path).parent)
    params = load_scenario(scenario).parameters
    seed = whole(sens.get("seed"), source, "sensitivity.seed", 0, MAX_SEED)
    replications = whole(sens.get("replications"), source, "sensitivity.replications",
                          1, 1_000_000)
    methods = _methods(sens.get("method"), source)
    samples = _method_key(sens, "samples", "sobol", methods, source, 4, 2**24)
    if samples is not None and samples & (samples - 1):
        raise ConfigError(source, "sensitivity.samples",
                          f"Saltelli sampling needs a power of two, got {samples}")
    trajectories = _method_key(sens, "trajectories", "morris", methods, source, 2, 100_000)
    levels = 4
    if "levels" in sens:
        if "morris" not in methods:
            raise ConfigError(source, "sensitivity.levels", "only for method morris")
        levels = whole(sens["levels"], source, "sensitivity.levels", 2, 1000)
        if levels % 2:
            raise ConfigError(source, "sensitivity.levels",
                              f"must be even (Morris grid), got {levels}")
    chunk_size = whole(sens.get("chunk_size", DEFAULT_CHUNK_SIZE), source,
                        "sensitivity.chunk_size", 1, 100_000)

    fixed_raw = table(raw, "fixed", source, required=False)
    varied_raw = table(raw, "parameters", source, required=False)
    checked = params.with_overrides(fixed_raw, source, prefix="fixed.")
    fixed: dict[str, Value] = {key: getattr(checked, key) for key in fixed_raw}
    if "horizon" in sens:
        if "horizon_weeks" in fixed_raw or "horizon_weeks" in varied_raw:
            raise ConfigError(source, "sensitivity.horizon",
                              "horizon_weeks is also set in [fixed] or [parameters]; give it once")
        fixed["horizon_weeks"] = parameter_value("horizon_weeks", sens["horizon"], params, source,
                                                 "sensitivity.horizon")
    if not varied_raw:
        raise ConfigError(source, "parameters", "give at least one parameter to vary")
    bounds = {}
    for key, spec in varied_raw.items():
        if key in fixed_raw:
            raise ConfigError(source, f"parameters.{key}", "also set in [fixed]; give it once")
        bounds[key] = _bounds(key, spec, params, source)
    return SensitivityConfig(source=source, sha256=hashlib.sha256(data).hexdigest(), name=name,
                             description=description, scenario=scenario, seed=seed,
                             replications=replications, methods=methods, samples=samples,
                             trajectories=trajectories, levels=levels, chunk_size=chunk_size,
                             fixed=fixed, bounds=bounds)


def _methods(value: Any, source: str) -> tuple[str, ...]:
    key = "sensitivity.method"
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, list) or not listed:
        raise ConfigError(source, key, f'must be "sobol", "morris" or a list of them, '
                          f"got {value!r}")
    for item in listed:
        if item not in METHODS:
            raise ConfigError(source, key, f"{item!r} is not one of {', '.join(METHODS)}")
    if len(set(listed)) != len(listed):
        raise ConfigError(source, key, f"repeated method in {value!r}")
    return tuple(listed)


def _method_key(sens: dict, key: str, method: str, methods: tuple[str, ...], source: str,
                low: int, high: int) -> int | None:
    """A size that one method needs and the other must not be given."""
    where = f"sensitivity.{key}"
    if method not in methods:
        if key in sens:
            raise ConfigError(source, where, f"only for method {method}")
        return None
    if key not in sens:
        raise ConfigError(source, where, f"method {method} needs {key}")
    return whole(sens[key], source, where, low, high)


def _bounds(key: str, spec: Any, params: Parameters, source: str) -> tuple[float, float]:
    where = f"parameters.{key}"
    if key not in Parameters.names():
        raise ConfigError(source, where, "unknown parameter (see `escalation params`)")
    if Parameters.spec(key)["type"] == "bool":
        raise ConfigError(source, where, "a true/false parameter cannot be sampled; "
                          "set it in [fixed] (or compare both with `escalation sweep`)")
    if not isinstance(spec, dict):
        raise ConfigError(source, where, "must be a range { low = ..., high = ... }")
    low, high = range_bounds(key, spec, {"low", "high"}, params, source, where)
    return float(low), float(high)


# ------------------------------------------------------------------ the design
def make_designs(config: SensitivityConfig) -> dict[str, np.ndarray]:
    """SALib samples per method (rows = points, columns = parameters), seeded from the root."""
    designs = {}
    if "sobol" in config.methods:
        designs["sobol"] = sobol_sample.sample(config.problem, config.samples,
                                               calc_second_order=False, scramble=True,
                                               seed=_stream(config.seed, 0))
    if "morris" in config.methods:
        designs["morris"] = morris_sample.sample(config.problem, config.trajectories,
                                                 num_levels=config.levels,
                                                 seed=_stream(config.seed, 1))
    return designs


def design_points(config: SensitivityConfig, design: np.ndarray) -> list[dict[str, Value]]:
    """Model overrides of each design row (whole-number parameters rounded).

    The analysis keeps the unrounded rows, which SALib needs to find each Morris step.
    """
    kinds = {key: Parameters.spec(key)["type"] for key in config.bounds}
    return [{key: round(float(x)) if kinds[key] == "int" else float(x)
             for key, x in zip(config.bounds, row, strict=True)} for row in design]


# ------------------------------------------------------------------ the runs
@dataclass(frozen=True, slots=True)
class SensitivityTask:
    """Runs ``start <= run_id < stop`` (run_id = point_id * replications + replication)."""

    chunk_id: int
    scenario: str
    fixed: dict[str, Value]
    seeds: tuple[int, ...]                 # replication -> seed, the same at every point
    start: int
    stop: int
    points: dict[int, dict[str, Value]]    # only the points this chunk covers


@dataclass(frozen=True, slots=True)
class SensitivityChunk:
    chunk_id: int
    run_ids: list[int]
    outcomes: list[str]


def run_sensitivity_chunk(task: SensitivityTask) -> SensitivityChunk:
    """Worker: run the chunk and return each run's outcome (nothing else is needed)."""
    reps = len(task.seeds)
    run_ids, outcomes = [], []
    for run_id in range(task.start, task.stop):
        point_id, replication = divmod(run_id, reps)
        model = EscalationModel(task.scenario, rng=task.seeds[replication],
                                record_actions=False, **task.fixed, **task.points[point_id])
        while model.running:
            model.step()
        run_ids.append(run_id)
        outcomes.append(model.summary()["outcome"])
    return SensitivityChunk(task.chunk_id, run_ids, outcomes)


def iter_tasks(config: SensitivityConfig, points: list[dict[str, Value]]
               ) -> Iterator[SensitivityTask]:
    seeds = config.seeds()
    reps = config.replications
    total = len(points) * reps
    for chunk_id, start in enumerate(range(0, total, config.chunk_size)):
        stop = min(start + config.chunk_size, total)
        covered = {p: points[p] for p in range(start // reps, (stop - 1) // reps + 1)}
        yield SensitivityTask(chunk_id, config.scenario, config.fixed, seeds, start, stop,
                              covered)


def run_points(config: SensitivityConfig, points: list[dict[str, Value]], executor: Executor,
               progress: bool = False) -> np.ndarray:
    """Outcome counts per point: an int array (points x OUTCOMES)."""
    counts = np.zeros((len(points), len(OUTCOMES)), dtype=np.int64)
    column = {o: i for i, o in enumerate(OUTCOMES)}
    with tqdm(total=len(points) * config.replications, unit="run", disable=not progress,
              dynamic_ncols=True, desc=config.name) as bar:
        for chunk in executor.map_unordered(run_sensitivity_chunk, iter_tasks(config, points)):
            for run_id, outcome in zip(chunk.run_ids, chunk.outcomes, strict=True):
                counts[run_id // config.replications, column[outcome]] += 1
            bar.update(len(chunk.run_ids))
    return counts


# ------------------------------------------------------------------ the analysis
@dataclass(frozen=True, slots=True)
class SensitivityResult:
    indices: pd.DataFrame   # parameter, outcome, method, index, value, confidence
    samples: pd.DataFrame   # one row per sample point: method, parameters, runs, shares


def run_sensitivity(config: SensitivityConfig, executor: Executor,
                    progress: bool = False) -> SensitivityResult:
    """Sample, run every (point, replication), and analyse each outcome's share."""
    designs = make_designs(config)
    points = [p for method in config.methods for p in design_points(config, designs[method])]
    counts = run_points(config, points, executor, progress)
    shares = counts / config.replications
    rows, offset = [], 0
    for method in config.methods:
        design = designs[method]
        part = shares[offset:offset + len(design)]
        for k, outcome in enumerate(OUTCOMES):
            rows += analyse(config, method, design, part[:, k], outcome, k)
        offset += len(design)
    return SensitivityResult(pd.DataFrame(rows, columns=["parameter", "outcome", "method",
                                                         "index", "value", "confidence"]),
                             samples_table(config, designs, points, counts))


def analyse(config: SensitivityConfig, method: str, design: np.ndarray, y: np.ndarray,
            outcome: str, k: int) -> list[dict[str, Any]]:
    """One method's indices for one outcome's share, as long-format rows.

    Sobol indices are shares of variance: undefined (NaN) when the share never varies.
    """
    problem = config.problem
    if method == "sobol":
        if np.ptp(y) == 0:
            result = {i: [np.nan] * len(config.bounds) for i in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            # SALib falls back on numpy's global generator when seed is 0/None: never here.
            seed = int(_stream(config.seed, 2, k).integers(1, 2**31))
            result = sobol_analyze.analyze(problem, y, calc_second_order=False,
                                           num_resamples=RESAMPLES, conf_level=CONFIDENCE,
                                           seed=seed)
    else:
        result = morris_analyze.analyze(problem, design, y, num_resamples=RESAMPLES,
                                        conf_level=CONFIDENCE, num_levels=config.levels,
                                        seed=_stream(config.seed, 3, k))
    rows = []
    for index in INDICES[method]:
        conf = CONFIDENCE_OF.get(index)
        for j, name in enumerate(config.bounds):
            rows.append({"parameter": name, "outcome": outcome, "method": method,
                         "index": index, "value": float(result[index][j]),
                         "confidence": float(result[conf][j]) if conf else np.nan})
    return rows


def samples_table(config: SensitivityConfig, designs: dict[str, np.ndarray],
                  points: list[dict[str, Value]], counts: np.ndarray) -> pd.DataFrame:
    """Per sample point: its method, the parameter values run, and the outcome shares."""
    methods = [m for m in config.methods for _ in range(len(designs[m]))]
    frame = pd.DataFrame(points, columns=list(config.bounds))
    frame.insert(0, "method", methods)
    frame.insert(0, "point_id", range(len(points)))
    frame["runs"] = config.replications
    for k, outcome in enumerate(OUTCOMES):
        frame[f"{outcome}_n"] = counts[:, k]
        frame[f"{outcome}_share"] = counts[:, k] / config.replications
    return frame
