"""A behaviour signature: one SHA-256 over the summaries, action logs and weekly series of
seeded runs.

A refactoring or a speed-up that must not change what the model does keeps this
hash. It runs both shipped scenarios at their own values and under every documented
reference and mechanism setting, and hashes each run's ``summary()``, its whole action
log (every action, in order, with its target and attribution) and its weekly series.

    .venv/bin/python benchmarks/signature.py            # 240 runs, about 10 s
    .venv/bin/python benchmarks/signature.py --seeds 50 # more runs per setting
"""

from __future__ import annotations

import argparse
import hashlib
import json

from model import EscalationModel
from model.settings import MECHANISM_SETTINGS, REFERENCE_SETTINGS

SCENARIOS = ("paris_moscow_call", "generic_crisis")


def settings() -> list[tuple[str, dict]]:
    """Every documented setting, named: the scenario's own values first."""
    named = [("scenario", {})]
    named += [(f"reference:{k}", dict(v)) for k, v in REFERENCE_SETTINGS.items()]
    named += [(f"mechanism:{k}", dict(v.on)) for k, v in MECHANISM_SETTINGS.items()]
    return named


def run_record(scenario: str, seed: int, overrides: dict) -> bytes:
    model = EscalationModel(scenario, rng=seed, record_actions=True, **overrides)
    model.run_model()
    actions = model.datacollector.get_table_dataframe("actions")
    weeks = model.datacollector.get_model_vars_dataframe()
    record = {"summary": model.summary(), "actions": actions.to_dict(orient="split")["data"],
              "weeks": weeks.to_dict(orient="split")}
    return json.dumps(record, sort_keys=True, default=str).encode()


def signature(seeds: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    runs = 0
    for scenario in SCENARIOS:
        for name, overrides in settings():
            for seed in range(seeds):
                digest.update(f"{scenario}|{name}|{seed}|".encode())
                digest.update(run_record(scenario, seed, overrides))
                runs += 1
    return digest.hexdigest(), runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12, help="seeds per setting (default 12)")
    args = parser.parse_args()
    sha, runs = signature(args.seeds)
    print(f"{sha}  ({runs} runs)")


if __name__ == "__main__":
    main()
