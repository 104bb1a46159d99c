"""Time one run of the seed scenario on one core (issue 2's speed target: <= 20 ms).

Two figures: a run forced to the full three-year horizon (outcome rules that
would stop it early are pushed out of reach), and a run as batches do it (it
stops at its outcome). Each is the best of several repetitions of 30 seeds,
which filters out noise from other processes.

    .venv/bin/python benchmarks/bench_model.py
"""

from __future__ import annotations

import time

from model import EscalationModel

SEEDS = range(30)
REPEATS = 5
FULL_HORIZON = {"freeze_weeks": 260, "settlement_hold_weeks": 260}


def time_runs(**overrides) -> tuple[float, float]:
    """Best-of-repeats mean time per run (ms), and mean weeks per run."""
    best = float("inf")
    weeks = 0
    for _ in range(REPEATS):
        start = time.perf_counter()
        weeks = 0
        for seed in SEEDS:
            model = EscalationModel(rng=seed, record_actions=False, **overrides)
            model.run_model()
            weeks += model.steps
        best = min(best, (time.perf_counter() - start) / len(SEEDS))
    return best * 1000, weeks / len(SEEDS)


def main() -> None:
    EscalationModel(rng=0)  # load and cache the scenario first
    for label, overrides in (("full horizon (156 weeks)", FULL_HORIZON),
                             ("to its outcome (as in sweeps)", {})):
        ms, weeks = time_runs(**overrides)
        print(f"{label:32s} {ms:6.1f} ms/run  {weeks:6.1f} weeks/run  "
              f"{ms / weeks * 1000:6.1f} us/week")
    start = time.perf_counter()
    builds = [EscalationModel(rng=s, record_actions=False) for s in range(200)]
    per_model = (time.perf_counter() - start) / len(builds) * 1000
    print(f"{'model construction':32s} {per_model:6.2f} ms/model")


if __name__ == "__main__":
    main()
