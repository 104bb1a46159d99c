"""The ABC-SMC loop (pyabc): fit structural parameters to empirical targets, resumably.

Each particle (a parameter set proposed by pyabc) is scored by running the scenario
``runs_per_particle`` times through the project's runner (``run_one``) and comparing
the shares of its rules with the target files (``particles``, ``distance``).
A particle's run seeds derive from the calibration seed and the particle's values
(``experiments.seeds``), so the same parameter set always gets the same runs.

The output folder (locked while written, like a sweep's) holds pyabc's SQLite history
(``history.db``): every finished generation is committed there, so a killed
calibration resumes from its last finished generation. Generations are run one at a
time; before each one numpy's legacy global generator, which pyabc draws its proposals
from (it offers no generator argument), is seeded from the calibration seed and the
generation number. With the sequential executor a resumed calibration therefore
repeats an uninterrupted one exactly; pyabc's parallel samplers reseed their workers
from the operating system, so there only the model runs are reproducible. Nothing in
the model reads that global generator.

When it stops (``generations`` reached, the acceptance rate below ``min_acceptance``,
or the threshold at ``min_epsilon``) it writes, each file atomically:
``posterior.parquet`` (the last generation's particles and weights), its summary,
``generations.csv``, the posterior predictive against the targets, the figures, and
the manifest with status "complete" (``outputs``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.calibration.config import Calibration
from experiments.calibration.folder import (
    ABC_ID,
    HISTORY,
    open_manifest,
    record_generation,
    scenario_sha256,
)
from experiments.calibration.particles import ParticleModel, ParticleRuns
from experiments.executors import Executor
from experiments.seeds import proposal_seed
from model.checks import ConfigError


@dataclass(frozen=True)
class Outcome:
    generations: int
    stopped_by: str
    seconds: float
    runs: int | None = None   # model runs of this session, where they ran in this process


def calibrate(cal: Calibration, out: Path, executor: Executor, quiet: bool = False,
              finish: bool = False) -> Outcome | None:
    """Run or resume the calibration into ``out`` (locked); None if interrupted.

    ``finish``: run no further generation; write the posterior and diagnostics of the
    last finished one (a calibration ended early, on a budget).
    """
    import pyabc

    from experiments.calibration.distance import TargetDistance, observed_statistics
    from experiments.calibration.outputs import write_outputs
    from experiments.files import exclusive
    from model.posterior import uncalibrated
    from model.scenario import load_scenario

    logging.getLogger("ABC").setLevel(logging.WARNING)
    scenario = load_scenario(cal.scenario)
    reset = uncalibrated(scenario.posterior, scenario.base_parameters)
    distance = TargetDistance(cal.targets)
    model = ParticleModel(ParticleRuns(cal.scenario, scenario_sha256(cal),
                                       {**reset, **cal.fixed}, tuple(cal.priors),
                                       cal.runs_per_particle[-1], cal.seed, cal.targets),
                          distance, cal.runs_per_particle, cal.stop_early)
    prior = pyabc.Distribution(**{name: pyabc.RV("uniform", low, high - low)
                                  for name, (low, high) in cal.priors.items()})
    sampler = executor.abc_sampler()
    started = time.monotonic()
    with exclusive(out):
        manifest = open_manifest(cal, out, finish)
        if manifest["status"] == "complete":   # finished, and not to be continued
            return Outcome(manifest["generations_done"], manifest["stopped_by"], 0.0)
        db = f"sqlite:///{(out / HISTORY).resolve()}"

        def smc():  # a fresh ABCSMC per generation: each one starts like a resume
            return pyabc.ABCSMC(model, prior, distance,
                                population_size=cal.population, sampler=sampler,
                                transitions=pyabc.MultivariateNormalTransition(
                                    scaling=cal.kernel_scale,
                                    bandwidth_selector=unit_bandwidth),
                                eps=pyabc.QuantileEpsilon(
                                    alpha=cal.epsilon_quantile,
                                    quantile_multiplier=cal.epsilon_multiplier))

        if not _has_run(out):
            (out / HISTORY).unlink(missing_ok=True)
            smc().new(db, observed_statistics(cal.targets))
        history = pyabc.History(db, _id=ABC_ID)
        if history.max_t is None:   # created, but cut short before its first record
            raise ConfigError(str(out / HISTORY), "", "damaged calibration history: remove "
                              "the folder (or use another --out) and run again")
        record_generation(manifest, history.max_t + 1, None, out)   # the history's word
        if finish and history.max_t < 0:
            raise ConfigError("--finish", str(out), "no generation has finished yet: "
                              "nothing to write")
        try:
            while (stopped_by := _stop_reason(cal, history, finish)) is None:
                abc = smc()
                abc.load(db, ABC_ID)
                np.random.seed(proposal_seed(cal.seed, history.max_t + 1))
                tick = time.monotonic()
                done = history.max_t
                # min_acceptance also caps a generation at population / min_acceptance
                # simulations: one that cannot fill its population within them is dropped
                abc.run(max_nr_populations=1, min_acceptance_rate=cal.min_acceptance)
                history = abc.history
                if history.max_t == done:
                    budget = (f" within {cal.population / cal.min_acceptance:.0f} simulations "
                              f"(min_acceptance {cal.min_acceptance:g})"
                              if cal.min_acceptance else "")
                    stopped_by = (f"generation {done + 2} could not accept {cal.population} "
                                  f"particles{budget}")
                    break
                record_generation(manifest, history.max_t + 1, time.monotonic() - tick, out)
                if not quiet:
                    _print_generation(history, cal, time.monotonic() - tick)
        except KeyboardInterrupt:
            return None
        if history.max_t < 0:
            raise ConfigError(cal.source, "calibration.min_acceptance", f"the first "
                              f"generation ended without a posterior ({stopped_by}): lower "
                              "min_acceptance or raise epsilon_quantile, then run again")
        write_outputs(cal, out, history, executor, manifest, stopped_by, quiet)
    return Outcome(history.max_t + 1, stopped_by, time.monotonic() - started,
                   model.runs_done if executor.in_process else None)


def unit_bandwidth(_effective_size: float, _dimension: int) -> float:
    """No rule-of-thumb shrinkage: the kernel is ``kernel_scale`` x the weighted
    covariance (Beaumont et al. 2009 take twice it). pyabc's default (Silverman's rule)
    halves the covariance at a dozen parameters and about a hundred particles; so narrow
    a kernel leaves a few proposals far from the rest, and their importance weights then
    swamp the others (an effective sample size of one or two)."""
    return 1.0


def _has_run(out: Path) -> bool:
    if not (out / HISTORY).exists():
        return False
    import pyabc

    try:
        return any(run.id == ABC_ID for run in pyabc.History(
            f"sqlite:///{(out / HISTORY).resolve()}").all_runs())
    except Exception:  # sqlalchemy raises several types for a damaged database
        raise ConfigError(str(out / HISTORY), "", "damaged calibration history: remove "
                          "the folder (or use another --out) and run again") from None


def _stop_reason(cal: Calibration, history, finish: bool = False) -> str | None:
    done = history.max_t + 1
    if done >= cal.generations:
        return f"{cal.generations} generations"
    if finish:
        return f"--finish after {done} of {cal.generations} generations"
    if done == 0:
        return None
    pops = history.get_all_populations()
    last = pops[pops["t"] == history.max_t].iloc[0]
    if last["epsilon"] <= cal.min_epsilon:
        return f"threshold {last['epsilon']:.3g} <= min_epsilon {cal.min_epsilon:g}"
    rate = last["particles"] / last["samples"]
    if rate < cal.min_acceptance:
        return f"acceptance {rate:.3g} < min_acceptance {cal.min_acceptance:g}"
    return None


def _print_generation(history, cal: Calibration, seconds: float) -> None:
    pops = history.get_all_populations()
    last = pops[pops["t"] == history.max_t].iloc[0]
    print(f"generation {history.max_t + 1}/{cal.generations}: threshold "
          f"{last['epsilon']:.3f}, {int(last['particles'])} accepted of "
          f"{int(last['samples'])} simulated ({seconds:.0f} s)", flush=True)
