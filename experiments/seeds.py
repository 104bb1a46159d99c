"""Seeds for sweeps, derived from (root seed, point, replication) — never from execution order.

numpy's SeedSequence hashes the root entropy together with a spawn key into
statistically independent streams, so run (point 3, replication 7) gets the same
seed whichever worker runs it, in whichever order, with however many workers.
Run seeds use two-part spawn keys; the design sampler (LHS, Sobol) uses a one-part
key, so the two can never coincide.
"""

from __future__ import annotations

import numpy as np

DESIGN_STREAM = 0x5EED  # spawn key of the design sampler's stream


def run_seed(root: int, point_id: int, replication: int) -> int:
    """The seed of one run: a 63-bit int, so it fits a signed int64 column anywhere."""
    state = np.random.SeedSequence(root, spawn_key=(point_id, replication)).generate_state(
        1, np.uint64)
    return int(state[0] >> np.uint64(1))


def design_rng(root: int) -> np.random.Generator:
    """The generator that draws a sweep's LHS or Sobol points."""
    return np.random.default_rng(np.random.SeedSequence(root, spawn_key=(DESIGN_STREAM,)))
