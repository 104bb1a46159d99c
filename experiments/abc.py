"""ABC-SMC calibration (pyabc): fit structural parameters to empirical targets.

Each particle (a parameter set proposed by pyabc) is scored by running the scenario
``runs_per_particle`` times through the project's runner (``run_one``) and comparing
the shares of its rules with the target files (experiments.analysis.calibration).
A particle's run seeds derive from the calibration seed and the particle's values
(SeedSequence), so the same parameter set always gets the same runs.

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
the manifest with status "complete".
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from experiments.calibration import Calibration
from experiments.executors import Executor
from experiments.seeds import CALIBRATION_STREAM
from experiments.targets import TargetFile
from model.validation import ConfigError

HISTORY = "history.db"
MANIFEST = "manifest.json"
POSTERIOR = "posterior.parquet"
POSTERIOR_SUMMARY = "posterior_summary.csv"
GENERATIONS = "generations.csv"
PREDICTIVE = "predictive.csv"
PREDICTIVE_MD = "predictive.md"
FIGURES = ("generations.png", "marginals.png", "pairs.png", "predictive.png")
FORMAT = 1
ABC_ID = 1                  # one calibration per history
PROPOSAL_KEY = 1            # spawn-key parts of the streams below CALIBRATION_STREAM
PREDICTIVE_KEY = 2
PARTICLE_KEY = 3


@dataclass(frozen=True)
class ParticleRuns:
    """pyabc's model: a parameter set -> the summary statistics of its seeded runs."""

    scenario: str
    scenario_sha256: str           # the scenario file's hash when the calibration started
    overrides: dict[str, Any]      # the uncalibrated values, then [fixed]
    names: tuple[str, ...]
    runs: int
    root: int
    targets: tuple[TargetFile, ...]

    def __call__(self, parameters: Any) -> dict[str, float]:
        from experiments.analysis.calibration import summary_statistics
        from model.posterior import typed

        values = {name: typed(name, parameters[name]) for name in self.names}
        rules = run_rules(self.scenario, self.scenario_sha256, {**self.overrides, **values},
                          particle_seeds(self.root, values, self.runs))
        return summary_statistics(rules, self.targets)


def run_rules(scenario: str, scenario_sha256: str, overrides: dict[str, Any],
              seeds: list[int]) -> list[str]:
    """The rule each seeded run ended by (through the project's runner), on the scenario
    file as it was when the calibration started: an edit while it runs stops it (a
    resume checks the same hash and refuses)."""
    from experiments.runner import run_one
    from experiments.storage import file_sha256
    from model.scenario import resolve_scenario_path

    path = resolve_scenario_path(scenario)
    if file_sha256(path) != scenario_sha256:
        raise ConfigError(str(path), "", "edited while the calibration runs; its runs would "
                          "mix two scenarios (restore the file, or start another --out)")
    return [run_one(scenario, seed, overrides).verdict.rule for seed in seeds]


def particle_seeds(root: int, values: dict[str, Any], runs: int) -> list[int]:
    """Seeds of a parameter set's runs: a function of the root and the values only."""
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    sequence = np.random.SeedSequence(root, spawn_key=(CALIBRATION_STREAM, PARTICLE_KEY,
                                                       *words))
    return [int(s >> np.uint64(1)) for s in sequence.generate_state(runs, np.uint64)]


def stream_seed(root: int, *key: int) -> int:
    state = np.random.SeedSequence(root, spawn_key=(CALIBRATION_STREAM, *key))
    return int(state.generate_state(1, np.uint32)[0])


# ------------------------------------------------------------------ the run
@dataclass(frozen=True)
class Outcome:
    generations: int
    stopped_by: str
    seconds: float


def calibrate(cal: Calibration, out: Path, executor: Executor, quiet: bool = False,
              finish: bool = False) -> Outcome | None:
    """Run or resume the calibration into ``out`` (locked); None if interrupted.

    ``finish``: run no further generation; write the posterior and diagnostics of the
    last finished one (a calibration ended early, on a budget).
    """
    import pyabc

    from experiments.analysis.calibration import TargetDistance, observed_statistics
    from experiments.storage import exclusive
    from model.posterior import uncalibrated
    from model.scenario import load_scenario

    logging.getLogger("ABC").setLevel(logging.WARNING)
    scenario = load_scenario(cal.scenario)
    reset = uncalibrated(scenario.posterior, scenario.base_parameters)
    model = ParticleRuns(cal.scenario, scenario_sha256(cal), {**reset, **cal.fixed},
                         tuple(cal.priors), cal.runs_per_particle, cal.seed, cal.targets)
    prior = pyabc.Distribution(**{name: pyabc.RV("uniform", low, high - low)
                                  for name, (low, high) in cal.priors.items()})
    sampler = _sampler(executor)
    started = time.monotonic()
    with exclusive(out):
        manifest = _open_manifest(cal, out, finish)
        if manifest["status"] == "complete":   # finished, and not to be continued
            return Outcome(manifest["generations_done"], manifest["stopped_by"], 0.0)
        db = f"sqlite:///{(out / HISTORY).resolve()}"

        def smc():  # a fresh ABCSMC per generation: each one starts like a resume
            return pyabc.ABCSMC(model, prior, TargetDistance(cal.targets),
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
        if finish and history.max_t < 0:
            raise ConfigError("--finish", str(out), "no generation has finished yet: "
                              "nothing to write")
        try:
            while (stopped_by := _stop_reason(cal, history, finish)) is None:
                abc = smc()
                abc.load(db, ABC_ID)
                np.random.seed(stream_seed(cal.seed, PROPOSAL_KEY, history.max_t + 1))
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
                _record_generation(manifest, history, time.monotonic() - tick, out)
                if not quiet:
                    _print_generation(history, cal, time.monotonic() - tick)
        except KeyboardInterrupt:
            return None
        if history.max_t < 0:
            raise ConfigError(cal.source, "calibration.min_acceptance", f"the first "
                              f"generation ended without a posterior ({stopped_by}): lower "
                              "min_acceptance or raise epsilon_quantile, then run again")
        from experiments.calibration_outputs import write_outputs

        write_outputs(cal, out, history, executor, manifest, stopped_by, quiet)
    return Outcome(history.max_t + 1, stopped_by, time.monotonic() - started)


def _sampler(executor: Executor):
    """pyabc's sampler for the project's executor: same cores, or the same dask cluster."""
    from pyabc import sampler

    if executor.name == "sequential":
        return sampler.SingleCoreSampler(check_max_eval=True)
    if executor.name == "processes":
        return sampler.MulticoreEvalParallelSampler(n_procs=executor.workers,
                                                    check_max_eval=True)
    return sampler.DaskDistributedSampler(dask_client=executor.client)


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


# ------------------------------------------------------------------ the manifest
def check_folder(out: Path, identity: str) -> None:
    """Refuse a folder that is not this calibration's (before anything is written)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ConfigError("--out", str(out), "is not a folder")
    manifest = out / MANIFEST
    if not manifest.exists():
        if any(p.name != ".lock" for p in out.iterdir()):
            raise ConfigError("--out", str(out), "is not empty and holds no calibration; "
                              "use another --out")
        return
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8")).get("calibration_sha256")
    except (OSError, ValueError, AttributeError):
        raise ConfigError(str(manifest), "", "damaged manifest: remove the folder (or use "
                          "another --out) and run again") from None
    if recorded != identity:
        raise ConfigError("--out", str(out), "holds another calibration (its file, priors "
                          "or targets differ); use another --out")


def _open_manifest(cal: Calibration, out: Path, finish: bool) -> dict[str, Any]:
    """The folder's manifest: new, or an existing one for this very calibration."""
    from experiments.storage import atomic_write

    path = out / MANIFEST
    identity = _provenance(cal)
    check_folder(out, cal.sha256)
    if path.exists():
        manifest = json.loads(path.read_text(encoding="utf-8"))
        ended_early = str(manifest.get("stopped_by", "")).startswith("--finish")
        resumes = manifest.get("status") != "complete" or (ended_early and not finish)
        changed = [key for key in ("scenario_sha256", "code_sha256", "posterior_sha256")
                   if manifest.get("provenance", {}).get(key) != identity.get(key)]
        if changed and resumes:
            raise ConfigError("--out", str(out), f"{', '.join(changed)} changed since the "
                              "calibration started; resume is refused (use another --out)")
        if resumes:   # an interrupted run, or one ended by --finish, goes on
            manifest["status"] = "running"
    else:
        manifest = {"format": FORMAT, "calibration": cal.name, "description": cal.description,
                    "calibration_file": str(Path(cal.source).resolve()),
                    "calibration_sha256": cal.sha256, "scenario": cal.scenario,
                    "targets": [t.source for t in cal.targets], "seed": cal.seed,
                    "parameters": {k: list(v) for k, v in cal.priors.items()},
                    "screening_mu_star": cal.screening, "runs_per_particle":
                    cal.runs_per_particle, "population": cal.population,
                    "status": "running", "generations_done": 0, "generation_seconds": [],
                    "provenance": identity}
    from experiments.storage import code_version, now_iso, package_versions

    manifest.setdefault("sessions", []).append({"started": now_iso(), "code_version":
                                                code_version()})
    manifest["packages"] = {**package_versions(), "pyabc": _pyabc_version()}
    body = json.dumps(manifest, indent=2).encode()
    atomic_write(path, lambda f: f.write(body))
    return manifest


def scenario_sha256(cal: Calibration) -> str:
    """Hash of the calibrated scenario's file (shipped name or path)."""
    from experiments.storage import file_sha256
    from model.scenario import resolve_scenario_path

    return file_sha256(resolve_scenario_path(cal.scenario))


def _provenance(cal: Calibration) -> dict[str, str]:
    from experiments.storage import code_sha256, file_sha256
    from model.scenario import load_scenario, resolve_scenario_path

    scenario_file = resolve_scenario_path(cal.scenario).resolve()
    posterior = load_scenario(cal.scenario).posterior
    return {"scenario_file": str(scenario_file), "scenario_sha256": scenario_sha256(cal),
            "code_sha256": code_sha256({scenario_file}),
            "posterior_sha256": posterior.sha256 if posterior else "",
            "targets_sha256": {t.name: file_sha256(Path(t.source)) for t in cal.targets}}


def _pyabc_version() -> str:
    import pyabc

    return pyabc.__version__


def _record_generation(manifest: dict[str, Any], history, seconds: float, out: Path) -> None:
    from experiments.storage import atomic_write

    manifest["generations_done"] = history.max_t + 1
    manifest["generation_seconds"] = [*manifest.get("generation_seconds", []),
                                      round(seconds, 3)][:history.max_t + 1]
    body = json.dumps(manifest, indent=2).encode()
    atomic_write(out / MANIFEST, lambda f: f.write(body))
