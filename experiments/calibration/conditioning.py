"""A war's age: the posterior of the wars that are still fighting at a given week.

A posterior fitted to the whole population of wars (``generic_crisis``) describes wars
of every length; a scenario set in the middle of a war (the seed: the fourth year of the
Russia-Ukraine war) is a member of the wars that last that long. By Bayes' rule its
parameter sets are the fitted ones reweighted by how likely their war is to still be
fighting at that age: each particle's weight is multiplied by the share of its seeded
runs (of the population's scenario, at the particle's values) whose episode had not
ended by ``age_weeks`` (read as the duration targets read it: a truce or a quiet front
counts as the war's end once it has held ``episode_gap_weeks``). A particle whose wars
end in weeks gets a weight near 0; the effective sample size says how much of the
fitted posterior is left.

The conditioned posterior is written like any posterior (``posterior.parquet``: the same
particles, the new weights), with a record of what it was conditioned on, so a scenario
names it like a fitted one (``[scenario] posterior = "..."``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from experiments.executors import Executor
from experiments.seeds import particle_seeds
from model.outcomes import NOT_ENDED
from model.posterior import METADATA, Posterior, typed


@dataclass(frozen=True)
class Conditioned:
    """A posterior reweighted by each particle's share of runs still fighting at an age."""

    weights: np.ndarray      # normalised
    survival: np.ndarray     # per particle: share of its runs still fighting at the age
    effective_size: float    # 1 / sum(w^2) of the new weights

    @property
    def retained(self) -> float:
        """The prior probability of reaching the age: the mean survival under the fit."""
        return float(self.survival.mean())


def still_fighting(task: tuple[int, str, dict[str, Any], list[int], int, int]
                   ) -> tuple[int, float]:
    """Particle ``index``: share of its seeded runs still fighting at the week, each run
    going on to week ``seen`` (a worker's task)."""
    from experiments.runner import run_one

    index, scenario, overrides, seeds, week, seen = task
    fighting = 0
    for seed in seeds:
        verdict = run_one(scenario, seed, {**overrides, "horizon_weeks": seen,
                                           "follow_up_weeks": seen}).verdict
        fighting += verdict.episode_end_step == NOT_ENDED or verdict.episode_end_step > week
    return index, fighting / len(seeds)


def condition_on_age(posterior: Posterior, scenario: str, base: dict[str, Any],
                     age_weeks: int, runs: int, seed: int, executor: Executor) -> Conditioned:
    """Reweight ``posterior`` by each particle's share of ``runs`` seeded runs of
    ``scenario`` (at ``base`` values, then the particle's) still fighting at
    ``age_weeks``, its episode read as the targets read it (model/outcomes.py: an
    ending counts once it has held ``episode_gap_weeks``): runs go on that long past the
    age, and no further."""
    from model.scenario import load_scenario

    parameters = load_scenario(scenario).parameters
    tasks = []
    for index, row in enumerate(posterior.values):
        values = {name: typed(name, value) for name, value in zip(posterior.names, row,
                                                                   strict=True)}
        overrides = {**base, **values}
        # An ending by the age is known to end the episode only a gap later: run that long.
        gap = parameters.with_overrides(overrides, "condition").episode_gap_weeks
        tasks.append((index, scenario, overrides, particle_seeds(seed, values, runs),
                      age_weeks, age_weeks + gap))
    shares = dict(executor.map_unordered(still_fighting, tasks))
    survival = np.array([shares[index] for index in range(len(tasks))])
    raw = posterior.weights * survival
    if not raw.sum() > 0:
        raise ValueError(f"no particle's war is still fighting at week {age_weeks}")
    weights = raw / raw.sum()
    return Conditioned(weights, survival, float(1.0 / np.sum(weights ** 2)))


def write_conditioned(posterior: Posterior, conditioned: Conditioned, path: Path,
                      note: dict[str, Any]) -> None:
    """The conditioned posterior as a posterior file: the particles, their new weights,
    and the fitted posterior's record with ``conditioned`` (``note``) added."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from experiments.files import atomic_write

    columns = {name: posterior.values[:, j] for j, name in enumerate(posterior.names)}
    record = {**posterior.record, "conditioned": {**note, "base_sha256": posterior.sha256,
                                                  "effective_size": conditioned.effective_size}}
    table = pa.table({**columns, "weight": conditioned.weights})
    table = table.replace_schema_metadata({METADATA: json.dumps(record).encode()})
    atomic_write(path, lambda f: pq.write_table(table, f))
