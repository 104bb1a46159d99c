"""The one seed scheme of every experiment, derived from numpy's SeedSequence.

SeedSequence hashes the root seed together with a spawn key into statistically
independent streams, so a run's seed depends on (root seed, point, replication)
only: never on execution order, chunking, the executor or the number of workers.

* Independent seeds (the default for sweeps): run (point p, replication r) uses
  spawn key (p, r).
* Common random numbers (the default for sensitivity designs): replication r of
  *every* point uses the seed of (point 0, replication r). Two points then differ
  only by their parameters, so a parameter the model ignores gives identical runs
  (elementary effects of exactly zero) instead of binomial noise posing as effect.

Design samplers and analyses draw from spawn keys that start with DESIGN_STREAM,
which no run key can equal for any realistic number of points.
"""

from __future__ import annotations

import numpy as np

MAX_SEED = 2**63 - 1          # seeds are stored in signed int64 columns
DESIGN_STREAM = 0x5EED        # first spawn-key element of design and analysis streams
SEED_SCHEMES = ("independent", "common")
POSTERIOR_STREAM = 2          # design_rng key of an experiment's posterior draws
CALIBRATION_STREAM = 4        # spawn-key head of a calibration's particle and ABC seeds


def run_seed(root: int, point_id: int, replication: int, common: bool = False) -> int:
    """The seed of one run: a 63-bit int, so it fits a signed int64 column anywhere."""
    key = (0 if common else point_id, replication)
    state = np.random.SeedSequence(root, spawn_key=key).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def design_rng(root: int, *key: int) -> np.random.Generator:
    """A generator for a design sampler (no key) or an analysis step (a key per use)."""
    return np.random.default_rng(np.random.SeedSequence(root, spawn_key=(DESIGN_STREAM, *key)))
