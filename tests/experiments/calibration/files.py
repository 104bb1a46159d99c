"""Calibration files and targets the calibration tests share."""

from __future__ import annotations

import json
from pathlib import Path

from experiments.calibration.particles import run_records
from experiments.provenance import file_sha256
from experiments.seeds import Stream, seeds63, stream
from model.outcomes import ENDING_RULES

ROOT = Path(__file__).resolve().parents[3]
UCDP = ROOT / "model" / "targets" / "interstate_war_endings.toml"
BOUND = ROOT / "model" / "targets" / "no_great_power_war.toml"
DURATIONS = ROOT / "model" / "targets" / "interstate_war_durations.toml"
RECURRENCE = ROOT / "model" / "targets" / "interstate_war_recurrence.toml"
# A region where generic_crisis ends in several ways (found by a Latin hypercube over
# the calibration priors); the recovery test fits two of these and fixes the rest.
BASE = {"temperature": 0.5135, "war_value_base": 0.8792, "war_value_gain_weight": 3.0785,
        "truce_violation_cost": 0.992, "attrition_rate": 0.0417, "regeneration_rate": 0.005,
        "weariness_rate": 0.0335, "weariness_recovery": 0.0484, "base_intensity": 0.127,
        "combat_intensity_weight": 0.631, "defence_advantage": 2.0879,
        "concession_scale": 0.0784, "peace_pressure_weight": 1.2615,
        "escalation_aversion": 2.8522}
TRUTH = {"collapse_capability": 0.4, "settlement_rate": 0.25}
PRIORS = {"collapse_capability": (0.05, 0.5), "settlement_rate": (0.01, 0.5)}


def toml_value(value) -> str:
    return json.dumps(value) if not isinstance(value, dict) else (
        "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }")


def calibration_file(tmp_path: Path, target_files: list[Path], priors: dict, fixed: dict,
                     **head) -> Path:
    settings = {"name": "test", "scenario": "generic_crisis", "seed": 5,
                "targets": [str(t) for t in target_files], "runs_per_particle": 16,
                "population": 16, "generations": 3, "predictive_draws": 4,
                "predictive_runs": 10, **head}
    lines = ["[calibration]"] + [f"{k} = {toml_value(v)}" for k, v in settings.items()]
    lines += ["[fixed]"] + [f"{k} = {toml_value(v)}" for k, v in fixed.items()]
    lines += ["[priors]"] + [f"{k} = {{ low = {lo}, high = {hi} }}"
                             for k, (lo, hi) in priors.items()]
    path = tmp_path / "calibration.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def synthetic_targets(tmp_path: Path, scenario: Path, runs: int = 400) -> Path:
    """A target file of the shares that TRUTH gives in ``scenario`` (the UCDP file's four
    patterns)."""
    seeds = seeds63(stream(99, Stream.PREDICTIVE_RUNS, 0), runs)
    records = run_records(str(scenario), file_sha256(scenario), {**BASE, **TRUTH}, seeds)
    ended = [r.rule for r in records if r.rule in ENDING_RULES]
    body = UCDP.read_text(encoding="utf-8").replace('name = "interstate_war_endings"',
                                                    'name = "synthetic"')
    for rule in ENDING_RULES:
        block = body.index(f'rules = ["{rule}"]')
        start, stop = body.index("k = ", block), body.index("n = ", block)
        end = body.index("\n", stop)
        body = body[:start] + f"k = {ended.count(rule)}\n" + f"n = {len(ended)}" + body[end:]
    path = tmp_path / "synthetic.toml"
    path.write_text(body, encoding="utf-8")
    return path
