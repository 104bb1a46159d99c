"""The one seed scheme of every random stream of the workbench, from numpy's SeedSequence.

Every stream is ``SeedSequence(root, spawn_key=(kind, *parts))``: the first element of
its key says which kind of stream it is (``Stream``), and each kind has a fixed number
of parts (``ARITY``). Two streams of different kinds, or of the same kind with other
parts, therefore never share a key, whatever the numbers in them; SeedSequence hashes
each key into a statistically independent stream. A run's seed depends on (root seed,
point, replication) only: never on execution order, chunking, the executor or the
number of workers.

* Runs of an experiment (``RUN``): run (point p, replication r) uses key (RUN, p, r).
  With common random numbers (the default of sensitivity designs) replication r of
  *every* point uses the seed of (point 0, replication r), so two points differ only by
  their parameters and a parameter the model ignores has an effect of exactly zero.
* Design samplers (``DESIGN``) and analysis steps (``ANALYSIS``: a use and an index).
* The posterior draws of an experiment (``POSTERIOR_DRAWS``).
* Calibration: a particle's runs (``PARTICLE``: a hash of its values, so the same
  parameter set always gets the same runs), the posterior predictive's choice of
  draws and each draw's runs (``PREDICTIVE_DRAWS``, ``PREDICTIVE_RUNS``), and pyabc's
  proposals of each generation (``PROPOSAL``: a 32-bit seed for numpy's legacy global
  generator, the one exception to "no global random state", docs/CALIBRATION.md).

Seeds handed to the model are 63-bit, so they fit a signed int64 column anywhere.
"""

from __future__ import annotations

import hashlib
import json
from enum import IntEnum
from typing import Any

import numpy as np

MAX_SEED = 2**63 - 1          # seeds are stored in signed int64 columns
SEED_SCHEMES = ("independent", "common")


class Stream(IntEnum):
    """The kinds of random stream: the first element of every spawn key."""

    RUN = 0
    DESIGN = 1
    ANALYSIS = 2
    POSTERIOR_DRAWS = 3
    PARTICLE = 4
    PREDICTIVE_DRAWS = 5
    PREDICTIVE_RUNS = 6
    PROPOSAL = 7


ARITY = {Stream.RUN: 2, Stream.DESIGN: 0, Stream.ANALYSIS: 2, Stream.POSTERIOR_DRAWS: 0,
         Stream.PARTICLE: 4, Stream.PREDICTIVE_DRAWS: 0, Stream.PREDICTIVE_RUNS: 1,
         Stream.PROPOSAL: 1}


class Analysis(IntEnum):
    """Uses of the ANALYSIS stream (its first part)."""

    SENSITIVITY = 0   # SALib's bootstrap, one stream per outcome
    SCREENING = 1     # the Morris analysis of a calibration's screening


def stream(root: int, kind: Stream, *parts: int) -> np.random.SeedSequence:
    """The SeedSequence of one stream; refuses a key of the wrong shape."""
    if len(parts) != ARITY[kind]:
        raise ValueError(f"a {kind.name} stream takes {ARITY[kind]} parts, got {parts}")
    return np.random.SeedSequence(root, spawn_key=(int(kind), *parts))


def seeds63(sequence: np.random.SeedSequence, count: int) -> list[int]:
    """``count`` 63-bit model seeds from one stream (the one recipe)."""
    return [int(word >> np.uint64(1)) for word in sequence.generate_state(count, np.uint64)]


def generator(root: int, kind: Stream, *parts: int) -> np.random.Generator:
    """A numpy Generator on one stream (design samplers, draws, analyses)."""
    return np.random.default_rng(stream(root, kind, *parts))


def run_seed(root: int, point_id: int, replication: int, common: bool = False) -> int:
    """The seed of one run of an experiment."""
    return seeds63(stream(root, Stream.RUN, 0 if common else point_id, replication), 1)[0]


def design_rng(root: int) -> np.random.Generator:
    """The generator of an experiment's design sampler."""
    return generator(root, Stream.DESIGN)


def analysis_rng(root: int, use: Analysis, index: int = 0) -> np.random.Generator:
    """The generator of one analysis step (e.g. the bootstrap of one outcome)."""
    return generator(root, Stream.ANALYSIS, use, index)


def particle_seeds(root: int, values: dict[str, Any], runs: int) -> list[int]:
    """Seeds of a parameter set's runs: a function of the root and the values only."""
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    return seeds63(stream(root, Stream.PARTICLE, *words), runs)


def predictive_seeds(root: int, draw: int, runs: int) -> list[int]:
    """Seeds of the runs of one posterior-predictive draw."""
    return seeds63(stream(root, Stream.PREDICTIVE_RUNS, draw), runs)


def proposal_seed(root: int, generation: int) -> int:
    """The 32-bit seed of numpy's legacy global generator for one ABC generation."""
    return int(stream(root, Stream.PROPOSAL, generation).generate_state(1, np.uint32)[0])
