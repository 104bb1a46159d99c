"""The one seed scheme: every kind of stream has its own keys, and no two streams collide."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.seeds import (
    ARITY,
    Analysis,
    Stream,
    analysis_rng,
    design_rng,
    generator,
    particle_seeds,
    predictive_seeds,
    proposal_seed,
    run_seed,
    seeds63,
    stream,
)

ROOT = 2026


def every_kind_of_key() -> dict[tuple[int, ...], Stream]:
    """Keys of every kind, with the parts each kind is used with (small numbers, where a
    kind that ignored its first element would collide with another)."""
    keys: dict[tuple[int, ...], Stream] = {}
    small = range(8)
    for kind in Stream:
        arity = ARITY[kind]
        if arity == 0:
            parts = [()]
        elif arity == 1:
            parts = [(a,) for a in small]
        elif arity == 2:
            parts = [(a, b) for a in small for b in small]
        else:
            parts = [(a, b, c, d) for a in range(3) for b in range(3) for c in range(3)
                     for d in range(3)]
        for part in parts:
            key = tuple(stream(ROOT, kind, *part).spawn_key)
            assert key not in keys, (key, kind, keys.get(key))
            keys[key] = kind
    return keys


def test_every_kind_of_key_is_distinct_and_so_are_their_streams():
    keys = every_kind_of_key()
    assert {keys[k] for k in keys} == set(Stream)
    states = {tuple(np.random.SeedSequence(ROOT, spawn_key=key).generate_state(4))
              for key in keys}
    assert len(states) == len(keys)


def test_the_old_collision_is_gone():
    """Calibration's predictive stream was spawn key (4, 2): the key of run (point 4,
    replication 2). Now every stream names its kind first."""
    run = run_seed(ROOT, 4, 2)
    assert run not in predictive_seeds(ROOT, 2, 50)
    assert run not in predictive_seeds(ROOT, 4, 50)
    assert stream(ROOT, Stream.RUN, 4, 2).spawn_key != stream(ROOT, Stream.PREDICTIVE_RUNS,
                                                               2).spawn_key


def test_a_key_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="RUN stream takes 2 parts"):
        stream(ROOT, Stream.RUN, 1)
    with pytest.raises(ValueError, match="DESIGN stream takes 0 parts"):
        stream(ROOT, Stream.DESIGN, 1)


def test_run_seeds_depend_on_root_point_and_replication_only():
    assert run_seed(1, 2, 3) == run_seed(1, 2, 3)
    seeds = {run_seed(root, p, r) for root in (1, 2) for p in range(20) for r in range(20)}
    assert len(seeds) == 800
    expected = np.random.SeedSequence(1, spawn_key=(Stream.RUN, 2, 3)).generate_state(
        1, np.uint64)[0]
    assert run_seed(1, 2, 3) == expected >> 1
    assert all(0 <= s < 2**63 for s in seeds)


def test_common_seeds_give_every_point_the_seeds_of_point_zero():
    assert [run_seed(9, p, 4, common=True) for p in range(5)] == [run_seed(9, 0, 4)] * 5
    assert run_seed(9, 3, 4, common=True) != run_seed(9, 3, 5, common=True)


def test_one_recipe_turns_a_stream_into_63_bit_seeds():
    sequence = stream(ROOT, Stream.PREDICTIVE_RUNS, 0)
    words = sequence.generate_state(3, np.uint64)
    assert seeds63(sequence, 3) == [int(w >> np.uint64(1)) for w in words]
    assert predictive_seeds(ROOT, 0, 3) == seeds63(sequence, 3)


def test_particle_seeds_are_a_function_of_the_values_only():
    values = {"settlement_rate": 0.25, "attrition_rate": 0.01}
    assert particle_seeds(ROOT, values, 5) == particle_seeds(ROOT, dict(reversed(
        list(values.items()))), 5)
    assert particle_seeds(ROOT, values, 5) != particle_seeds(ROOT, {**values,
                                                                    "attrition_rate": 0.02}, 5)
    assert particle_seeds(ROOT, values, 3) == particle_seeds(ROOT, values, 5)[:3]


def test_generators_differ_by_stream_and_repeat_by_key():
    draws = [design_rng(ROOT).random(), analysis_rng(ROOT, Analysis.SENSITIVITY).random(),
             analysis_rng(ROOT, Analysis.SCREENING).random(),
             generator(ROOT, Stream.POSTERIOR_DRAWS).random(),
             generator(ROOT, Stream.PREDICTIVE_DRAWS).random()]
    assert len(set(draws)) == len(draws)
    assert design_rng(ROOT).random() == draws[0]
    assert 0 <= proposal_seed(ROOT, 3) < 2**32
    assert proposal_seed(ROOT, 3) != proposal_seed(ROOT, 4)
