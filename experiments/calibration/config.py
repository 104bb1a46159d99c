"""Calibration files (TOML): which structural parameters to fit, to what, and how hard.

::

    [calibration]
    name = "generic_crisis"             # output folder outputs/calibrate_<name>/
    description = "..."
    scenario = "generic_crisis"         # fitted from its uncalibrated values
    hold = "generic_crisis_joint"       # optional: a posterior (shipped name or path) whose
                                        # other parameters are held at its medoid while the
                                        # priors' are fitted (a second stage)
    targets = ["../../model/targets/interstate_war_endings.toml", ...]  # relative to here
    seed = 2026                         # root of every seed (model runs, ABC proposals)
    runs_per_particle = 100             # seeded runs that give one particle its shares, or
                                        # one count per generation ([10, 20, 40]: the last
                                        # for later generations; few while the threshold
                                        # is wide)
    stop_early = true                   # optional: stop a particle's runs once they cannot
                                        # reach the threshold (the same posterior for fewer
                                        # runs); false runs every particle's whole batch
    population = 60                     # accepted particles per generation
    generations = 5                     # at most this many generations
    min_acceptance = 0.02               # optional: stop when the acceptance rate falls below
    min_epsilon = 0.0                   # optional: stop when the threshold reaches this
    epsilon_quantile = 0.5              # optional: each generation's threshold is this
    epsilon_multiplier = 1.0            # weighted quantile of the last one's distances,
                                        # times this (below 1: the threshold falls even
                                        # when many particles share one distance)
    kernel_scale = 2.0                  # optional: proposals perturb a particle by a normal
                                        # of this times the last population's weighted
                                        # covariance (2: Beaumont et al. 2009)
    predictive_draws = 40               # posterior predictive: parameter sets drawn ...
    predictive_runs = 50                # ... and seeded runs for each

    [screening]                         # optional: keep the parameters that matter
    results = "../../outputs/calibration_screening"  # a finished Morris experiment
    keep = 6                            #   (escalation sensitivity), its top 6

    [fixed]                             # optional: overrides for every run
    [priors]                            # uniform prior ranges of structural parameters
    attrition_rate = { low = 0.002, high = 0.05 }

With ``hold`` the fit is a second stage: every parameter of that posterior that has
no prior here (and is not in ``[fixed]``) runs at the posterior's medoid, and the
posterior written carries them as constant columns, so it is complete on its own. Why:
a joint fit of many parameters by a population of particles may not concentrate; with
the rest held where the joint fit put them, a few parameters can be fitted with the
same targets (a block-wise fit; the held parameters' own uncertainty is then not
carried, which the file records).

With ``[screening]`` the parameters fitted are the ``keep`` screened parameters with
the largest Morris mu* of the calibration distance itself (the screening runs' shares
scored against these targets), so the screen asks "which parameters move the fit?",
not "which move some outcome?". Each of them needs a prior. Errors name the file and
the key (``ConfigError``) and come before anything runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experiments.config import range_bounds
from experiments.seeds import MAX_SEED
from experiments.targets import TargetFile, load_targets, run_settings
from model.checks import (
    ConfigError,
    flag,
    names,
    number,
    only,
    read_toml,
    safe_name,
    show,
    table,
    text,
    whole,
)
from model.parameters import Parameters
from model.scenario import load_scenario, scenario_reference

CALIBRATION_KEYS = {"name", "description", "scenario", "targets", "seed", "runs_per_particle",
                    "population", "generations", "min_acceptance", "min_epsilon",
                    "predictive_draws", "predictive_runs", "epsilon_quantile",
                    "epsilon_multiplier", "kernel_scale", "stop_early", "hold"}
SCREENING_KEYS = {"results", "keep"}
MAX_RUNS_PER_PARTICLE = 100_000
MAX_POPULATION = 100_000
MAX_GENERATIONS = 100
DEFAULTS = {"min_acceptance": 0.0, "min_epsilon": 0.0, "predictive_draws": 40,
            "predictive_runs": 50, "epsilon_quantile": 0.5, "epsilon_multiplier": 1.0,
            "kernel_scale": 2.0, "stop_early": True}


@dataclass(frozen=True)
class Calibration:
    """A validated calibration file (plain data)."""

    source: str
    sha256: str                    # identity of what it fits: its folder refuses another
    name: str
    description: str
    scenario: str                  # shipped name, or an absolute path
    targets: tuple[TargetFile, ...]
    seed: int
    runs_per_particle: tuple[int, ...]   # per generation; the last for later ones
    population: int
    generations: int
    min_acceptance: float
    min_epsilon: float
    epsilon_quantile: float
    epsilon_multiplier: float
    kernel_scale: float
    stop_early: bool
    predictive_draws: int
    predictive_runs: int
    fixed: dict[str, Any]
    priors: dict[str, tuple[float, float]]   # the parameters fitted, in order
    held: dict[str, float | int]             # held at ``hold``'s medoid (also in ``fixed``)
    hold: dict[str, str] | None              # the held posterior: reference and sha256
    screening: dict[str, float] | None       # screened parameter -> mu* of the distance

    def held_record(self) -> dict[str, object] | None:
        """What a second stage held, as its manifest and posterior file record it."""
        return {**self.hold, "names": list(self.held)} if self.hold else None


def load_calibration(path: str | Path, leave_out: str | None = None) -> Calibration:
    """Read and validate a calibration file (and its screening folder, if it names one).

    ``leave_out``: the name of one of its target files to fit without (a leave-one-out
    check: that file then validates the fit out of sample). It is another calibration:
    its name gains ``_without_<target>`` and its identity differs.
    """
    source = str(path)
    folder = Path(path).parent
    raw, _ = read_toml(path, "calibration file")
    only(raw, {"calibration", "screening", "fixed", "priors"}, source)
    head = table(raw, "calibration", source)
    only(head, CALIBRATION_KEYS, source, "calibration.")
    name = safe_name(head.get("name"), source, "calibration.name")
    description = text(head, "description", source, "calibration.") \
        if "description" in head else ""
    scenario = scenario_reference(text(head, "scenario", source, "calibration."), source,
                                  "calibration.scenario", folder)
    base = load_scenario(scenario).base_parameters
    target_files = _target_files(head, source, folder)
    targets = tuple(load_targets(file) for file in target_files)
    seen: set[str] = set()
    for i, target in enumerate(targets):
        if target.name in seen:
            raise ConfigError(source, f"calibration.targets[{i}]", f"target {target.name!r} "
                              "is given twice")
        seen.add(target.name)
    if leave_out is not None:
        if leave_out not in seen or len(targets) < 2:
            raise ConfigError("--leave-out", leave_out, f"must name one of the calibration's "
                              f"target files ({', '.join(sorted(seen))}), and leave at least "
                              "one")
        targets = tuple(t for t in targets if t.name != leave_out)
        name = f"{name}_without_{leave_out}"[:100]
    counts = {key: whole(head.get(key), source, f"calibration.{key}", low, high)
              for key, low, high in (("seed", 0, MAX_SEED),
                                     ("population", 2, MAX_POPULATION),
                                     ("generations", 1, MAX_GENERATIONS))}
    counts["runs_per_particle"] = _runs_schedule(head.get("runs_per_particle"), source)
    predictive = {key: whole(head.get(key, DEFAULTS[key]), source, f"calibration.{key}", 1,
                             MAX_RUNS_PER_PARTICLE)
                  for key in ("predictive_draws", "predictive_runs")}
    min_acceptance = number(head.get("min_acceptance", DEFAULTS["min_acceptance"]), source,
                            "calibration.min_acceptance", 0.0, 1.0)
    min_epsilon = number(head.get("min_epsilon", DEFAULTS["min_epsilon"]), source,
                         "calibration.min_epsilon", 0.0, 1e6)
    quantile = number(head.get("epsilon_quantile", DEFAULTS["epsilon_quantile"]), source,
                      "calibration.epsilon_quantile", 0.01, 1.0)
    multiplier = number(head.get("epsilon_multiplier", DEFAULTS["epsilon_multiplier"]), source,
                        "calibration.epsilon_multiplier", 0.01, 1.0)
    kernel_scale = number(head.get("kernel_scale", DEFAULTS["kernel_scale"]), source,
                          "calibration.kernel_scale", 0.01, 100.0)
    stop_early = flag(head.get("stop_early", DEFAULTS["stop_early"]), source,
                      "calibration.stop_early")
    fixed_raw = table(raw, "fixed", source, required=False)
    checked = base.with_overrides(fixed_raw, source, prefix="fixed.")
    fixed = {key: getattr(checked, key) for key in fixed_raw}
    fixed.update(run_settings(targets, fixed, source, base.episode_gap_weeks))
    priors = _priors(table(raw, "priors", source), fixed, base, source)
    screening = None
    if "screening" in raw:
        screening, priors = _screened(table(raw, "screening", source), priors, targets,
                                      source, folder)
    held, hold = _held(head, priors, fixed, source, folder)
    fixed.update(held)
    return Calibration(source=source, sha256=_identity(raw, targets, priors, hold), name=name,
                       description=description, scenario=scenario, targets=targets,
                       min_acceptance=min_acceptance, min_epsilon=min_epsilon,
                       epsilon_quantile=quantile, epsilon_multiplier=multiplier,
                       kernel_scale=kernel_scale, stop_early=stop_early, fixed=fixed,
                       priors=priors, screening=screening, held=held, hold=hold, **counts,
                       **predictive)


def _runs_schedule(value: Any, source: str) -> tuple[int, ...]:
    """``runs_per_particle``: one count, or a non-decreasing list of counts per generation."""
    key = "calibration.runs_per_particle"
    if not isinstance(value, list):
        return (whole(value, source, key, 1, MAX_RUNS_PER_PARTICLE),)
    if not value or len(value) > MAX_GENERATIONS:
        raise ConfigError(source, key, f"a list of 1 to {MAX_GENERATIONS} counts, one per "
                          "generation")
    schedule = tuple(whole(v, source, f"{key}[{i}]", 1, MAX_RUNS_PER_PARTICLE)
                     for i, v in enumerate(value))
    if list(schedule) != sorted(schedule):
        raise ConfigError(source, key, "must not decrease from one generation to the next "
                          f"(a particle's runs are the first of its later ones), got "
                          f"{list(schedule)}")
    return schedule


def _target_files(head: dict[str, Any], source: str, folder: Path) -> list[Path]:
    if "targets" not in head:
        raise ConfigError(source, "calibration.targets", "missing: give the target files")
    files = names(head["targets"], source, "calibration.targets")
    if not files:
        raise ConfigError(source, "calibration.targets", "must name at least one target file")
    out = []
    for i, file in enumerate(files):
        path = Path(file)
        local = path if path.is_absolute() else folder / path
        path = local if local.exists() else path
        if not path.is_file():
            raise ConfigError(source, f"calibration.targets[{i}]",
                              f"target file not found: {show(file)}")
        out.append(path.resolve())
    return out


def _priors(raw: dict[str, Any], fixed: dict[str, Any], base: Parameters,
            source: str) -> dict[str, tuple[float, float]]:
    if not raw:
        raise ConfigError(source, "priors", "give at least one parameter's prior range")
    structural = set(Parameters.names("structural"))
    priors = {}
    for key, spec in raw.items():
        where = f"priors.{key}"
        if key not in Parameters.names():
            raise ConfigError(source, where, "unknown parameter (escalation params)")
        if key not in structural:
            raise ConfigError(source, where, f"a {Parameters.spec(key)['group']} parameter: "
                              "only structural parameters are calibrated")
        if key in fixed:
            raise ConfigError(source, where, "also set in [fixed]; give it once")
        if not isinstance(spec, dict):
            raise ConfigError(source, where, "must be a range { low = ..., high = ... }")
        if "num" in spec:
            raise ConfigError(source, f"{where}.num", "a prior is a range: give low and high")
        low, high = range_bounds(key, spec, base, source, where)
        priors[key] = (float(low), float(high))
    return priors


def _screened(raw: dict[str, Any], priors: dict[str, tuple[float, float]],
              targets: tuple[TargetFile, ...], source: str, folder: Path
              ) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """Morris mu* of the calibration distance over a finished screening, and the top
    ``keep`` parameters' priors."""
    only(raw, SCREENING_KEYS, source, "screening.")
    results = text(raw, "results", source, "screening.")
    path = Path(results)
    path = path if path.is_absolute() or not (folder / path).exists() else folder / path
    keep = whole(raw.get("keep"), source, "screening.keep", 1, len(priors))
    from experiments.calibration.screening import distance_mu_star

    mu_star = distance_mu_star(path, targets, source)
    ranked = sorted(mu_star, key=lambda name: -mu_star[name])[:keep]
    for name in ranked:
        if name not in priors:
            raise ConfigError(source, "priors", f"screened parameter {name!r} is among the "
                              f"top {keep} but has no prior")
    return mu_star, {name: priors[name] for name in ranked}


def _held(head: dict[str, Any], priors: dict[str, tuple[float, float]], fixed: dict[str, Any],
          source: str, folder: Path) -> tuple[dict[str, float | int], dict[str, str] | None]:
    """``hold``: the posterior's medoid values of the parameters neither fitted nor fixed
    here, and the posterior's identity."""
    if "hold" not in head:
        return {}, None
    from model.scenario import load_posterior_at, posterior_path

    ref = text(head, "hold", source, "calibration.")
    posterior = load_posterior_at(posterior_path(ref, folder), source, "calibration.hold")
    held = {name: value for name, value in posterior.point().items()
            if name not in priors and name not in fixed}
    if not held:
        raise ConfigError(source, "calibration.hold", f"{show(ref)} holds nothing: every "
                          "one of its parameters has a prior or is fixed here")
    return held, {"posterior": ref, "sha256": posterior.sha256}


def _identity(raw: dict[str, Any], targets: tuple[TargetFile, ...],
              priors: dict[str, tuple[float, float]], hold: dict[str, str] | None) -> str:
    """What the calibration fits: the file's tables, the parameters kept after screening,
    the held posterior's contents and the targets' contents (not their paths: a moved
    checkout still resumes)."""
    body: dict[str, Any] = {"file": raw, "priors": priors}
    if hold:
        body["hold"] = hold["sha256"]
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode())
    for target in targets:
        digest.update(Path(target.source).read_bytes())
    return digest.hexdigest()
