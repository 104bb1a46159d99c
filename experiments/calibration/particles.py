"""A particle: one parameter set proposed by ABC-SMC, scored by a batch of seeded runs.

``ParticleRuns`` runs the scenario with a parameter set through the project's runner
(``run_one``) and gives what its runs show the target patterns (each run's
``RunRecord``: how and when it ended, and whether its ending held) as summary
statistics (``distance``). A particle's run seeds derive from the calibration seed and
the particle's values (``experiments.seeds.particle_seeds``), so the same parameter set
always gets the same runs, and fewer runs are the first of more. Each batch first checks
that the scenario file is the one the calibration started on: an edit under a running
calibration stops it.

``ParticleModel`` is what pyabc calls. It runs a particle's runs one by one and stops as
soon as the distance its runs can still reach (``TargetDistance.lowest``) is above the
generation's threshold: the particle is rejected exactly as its full batch would have
rejected it, for fewer runs. Generation ``t`` runs ``runs_per_particle[t]`` per particle
(the last entry for later generations): few while the threshold is wide, more as it
narrows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyabc

from experiments.calibration.distance import TargetDistance, summary_statistics
from experiments.runner import run_one  # loaded here, before pyabc forks its workers
from experiments.seeds import particle_seeds
from experiments.targets import RunRecord, TargetFile
from model.checks import ConfigError
from model.posterior import typed


@dataclass(frozen=True)
class ParticleRuns:
    """A parameter set -> the summary statistics of its seeded runs (picklable)."""

    scenario: str
    scenario_sha256: str           # the scenario file's hash when the calibration started
    overrides: dict[str, Any]      # the uncalibrated values, then [fixed]
    names: tuple[str, ...]
    runs: int
    root: int
    targets: tuple[TargetFile, ...]

    def __call__(self, parameters: Any, runs: int | None = None) -> dict[str, float]:
        return summary_statistics(list(self.records(parameters, runs)), self.targets)

    def records(self, parameters: Any, runs: int | None = None) -> Iterator[RunRecord]:
        """The record of each of the particle's runs, one run at a time."""
        values = {name: typed(name, parameters[name]) for name in self.names}
        overrides = {**self.overrides, **values}
        check_unchanged(self.scenario, self.scenario_sha256)
        for seed in particle_seeds(self.root, values, runs or self.runs):
            yield RunRecord.of(run_one(self.scenario, seed, overrides).summary())


class ParticleModel(pyabc.Model):
    """pyabc's model: a particle's runs, stopped once they cannot reach the threshold.

    ``schedule[t]`` runs per particle in generation ``t`` (its last entry after).
    ``stop_early`` False runs every particle's whole batch (the same accepted particles).
    ``runs_done`` counts this process's model runs (the saving is measured with it).
    """

    def __init__(self, runs: ParticleRuns, distance: TargetDistance,
                 schedule: tuple[int, ...], stop_early: bool = True) -> None:
        super().__init__("particle runs")
        self.particle = runs
        self.distance = distance
        self.schedule = schedule
        self.stop_early = stop_early
        self.runs_done = 0

    def runs_in(self, t: int) -> int:
        return self.schedule[min(max(t, 0), len(self.schedule) - 1)]

    def sample(self, pars: Any) -> dict[str, float]:
        """Every run (pyabc's first threshold is a quantile of such full samples)."""
        self.runs_done += self.runs_in(0)
        return self.particle(pars, self.runs_in(0))

    def accept(self, t: int, pars: Any, sum_stat_calculator: Any, distance_calculator: Any,
               eps_calculator: Any, acceptor: Any, x_0: dict) -> pyabc.model.ModelResult:
        total = self.runs_in(t)
        eps = eps_calculator(t)
        records: list[RunRecord] = []
        for record in self.particle.records(pars, total):
            records.append(record)
            self.runs_done += 1
            if self.stop_early and len(records) < total and \
                    self.distance.lowest(records, total) > eps:
                return pyabc.model.ModelResult(accepted=False)
        stats = summary_statistics(records, self.particle.targets)
        verdict = acceptor(distance_function=distance_calculator, eps=eps_calculator, x=stats,
                           x_0=x_0, t=t, par=pars)
        return pyabc.model.ModelResult(sum_stat=stats, distance=verdict.distance,
                                       accepted=verdict.accept, weight=verdict.weight)


def run_records(scenario: str, scenario_sha256: str, overrides: dict[str, Any],
                seeds: list[int]) -> list[RunRecord]:
    """The record of each seeded run (through the project's runner)."""
    check_unchanged(scenario, scenario_sha256)
    return [RunRecord.of(run_one(scenario, seed, overrides).summary()) for seed in seeds]


def check_unchanged(scenario: str, scenario_sha256: str) -> None:
    """Refuse to run on a scenario file edited since the calibration started (its runs
    would mix two scenarios; a resume checks the same hash and refuses)."""
    from experiments.provenance import file_sha256
    from model.scenario import resolve_scenario_path

    path = resolve_scenario_path(scenario)
    if file_sha256(path) != scenario_sha256:
        raise ConfigError(str(path), "", "edited while the calibration runs; its runs would "
                          "mix two scenarios (restore the file, or start another --out)")
