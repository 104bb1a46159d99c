"""One run of the model against Mesa's floor: a minimal decision loop of the same size.

The floor is the least any Mesa model of this size costs: 10 agents that each week
score 20 options with one matrix product, draw one by a logit choice and remember it,
a shuffled activation order, and one DataCollector reporter. Our model does that and
the world's response. Both are timed in this one process, alternately (so the load of
a shared machine falls on both), per run of 20 seeds over the full 156-week horizon,
and the median of several repeats is quoted with the ratio model / floor.

    .venv/bin/python benchmarks/bench_floor.py            # both shipped scenarios
    .venv/bin/python benchmarks/bench_floor.py --repeats 9
"""

from __future__ import annotations

import argparse
import statistics
import time

import mesa
import numpy as np

from model import EscalationModel

SEEDS = range(20)
WEEKS = 156
# Rule thresholds out of reach, so every run lasts the whole horizon (as the floor does).
FULL_HORIZON = {"freeze_weeks": 260, "settlement_hold_weeks": 260, "collapse_capability": 0.0,
                "collapse_morale": 0.0}


class ChoosingAgent(mesa.Agent):
    """Scores its options with one matrix product, draws one (logit), remembers it."""

    def __init__(self, model: FloorModel, options: int, features: int) -> None:
        super().__init__(model)
        self.matrix = model.rng.standard_normal((options, features))
        self.weights = model.rng.standard_normal(features)
        self.habit = np.zeros(options)
        self.choice = 0

    def step(self) -> None:
        utility = self.matrix.dot(self.weights) - self.habit
        utility -= utility.max()
        np.exp(utility, out=utility)
        np.add.accumulate(utility, out=utility)
        self.choice = int(utility.searchsorted(self.model.random.random() * utility[-1]))
        self.habit *= 0.9
        self.habit[min(self.choice, len(self.habit) - 1)] += 0.3


class FloorModel(mesa.Model):
    """10 choosing agents, one reporter collected every week."""

    def __init__(self, rng: int, agents: int = 10, options: int = 20, features: int = 12
                 ) -> None:
        super().__init__(rng=rng)
        ChoosingAgent.create_agents(self, agents, options, features)
        self.datacollector = mesa.DataCollector(
            model_reporters={"mean_choice": lambda m: sum(a.choice for a in m.agents)})
        self.datacollector.collect(self)

    def step(self) -> None:
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)
        self.running = self.steps < WEEKS


def per_run_ms(build) -> float:
    """Mean time of one run over SEEDS (ms)."""
    start = time.perf_counter()
    for seed in SEEDS:
        build(seed).run_model()
    return (time.perf_counter() - start) / len(SEEDS) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="pairs timed (default 5)")
    args = parser.parse_args()
    floor = []
    models: dict[str, list[float]] = {"paris_moscow_call": [], "generic_crisis": []}
    for scenario in models:   # load and cache the scenarios first
        EscalationModel(scenario, rng=0)
    for _ in range(args.repeats):
        floor.append(per_run_ms(FloorModel))
        for scenario, times in models.items():
            times.append(per_run_ms(lambda seed, s=scenario: EscalationModel(
                s, rng=seed, record_actions=False, record_weeks=False, **FULL_HORIZON)))
    base = statistics.median(floor)
    print(f"{'Mesa floor (10 agents x 20 options)':38s} {base:6.1f} ms/run")
    for scenario, times in models.items():
        ms = statistics.median(times)
        print(f"{scenario:38s} {ms:6.1f} ms/run  {ms / base:4.2f}x the floor")
    print(f"(per run: {len(SEEDS)} seeds x {WEEKS} weeks; median of {args.repeats} repeats)")


if __name__ == "__main__":
    main()
