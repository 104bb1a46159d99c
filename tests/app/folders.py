"""Results folders the explorer and replay tests open.

* ``outcome_sweeps``: one small sweep (through the CLI) per documented setting where an
  outcome is common, so their rows hold every outcome, settlement and imposed terms apart.
* ``calibration_folder``: running even the smoke calibration takes minutes, so its folder
  is written here in the format `escalation calibrate` writes
  (experiments/calibration/folder.py): the manifest, generations.csv, posterior.parquet,
  posterior_summary.csv and predictive.csv.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.settings import MECHANISM_SETTINGS, REFERENCE_SETTINGS
from tests.experiments.sweeps import swept

# Documented settings where each outcome is common, plus military collapse (imposed terms).
SETTINGS = {**REFERENCE_SETTINGS, "imposed": MECHANISM_SETTINGS["military_collapse"].on}
# Weeks each sweep runs: two years, three where armies take longer to break.
HORIZONS = {"imposed": 156}
PRIORS = {"settlement_rate": [0.01, 0.5], "collapse_capability": [0.05, 0.5]}


def _toml(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


def sweep_text(name: str, fixed: dict, vary: str = "", draws: int = 4,
               horizon: int = 104) -> str:
    """A sweep of the seed scenario: 8 runs a point over ``draws`` posterior draws."""
    return (f'[experiment]\nname = "{name}"\nscenario = "paris_moscow_call"\n'
            f"replications = 8\nposterior_draws = {draws}\nseed = 3\nhorizon = {horizon}\n\n"
            "[fixed]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in fixed.items())
            + (f"\n[vary]\n{vary}\n" if vary else ""))


def outcome_sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One small sweep per documented setting (SETTINGS), run through the CLI."""
    return {name: swept(tmp_path_factory, name, sweep_text(name, fixed, horizon=HORIZONS.get(
                name, 104))) for name, fixed in SETTINGS.items()}


def category(row: dict) -> object:
    """A row's outcome, or (outcome, rule) for a negotiated one."""
    return (row["outcome"], row["rule"]) if row["outcome"] == "negotiated" else row["outcome"]


EVERY_CATEGORY = {("negotiated", "settlement"), ("negotiated", "imposed"), "frozen",
                  "escalated", "ongoing"}


def calibration_folder(folder: Path, status: str = "complete") -> Path:
    """A two-parameter calibration of three generations, 40 particles."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"format": 1, "calibration": "tiny", "description": "Two parameters.",
                "calibration_sha256": "ab" * 32, "scenario": "generic_crisis", "seed": 11,
                "parameters": PRIORS, "runs_per_particle": 10, "population": 40,
                "status": status, "generations_done": 3, "stopped_by": "3 generations"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    pd.DataFrame({"generation": [0, 1, 2], "epsilon": [18.0, 12.5, 9.0],
                  "particles": [40] * 3, "simulations": [60, 80, 120],
                  "acceptance_rate": [0.67, 0.5, 0.33],
                  "effective_sample_size": [40.0, 35.2, 30.1],
                  "evaluations_total": [60, 140, 260], "seconds": [5.0, 6.0, 8.0]}
                 ).to_csv(folder / "generations.csv", index=False)
    rng = np.random.default_rng(0)
    posterior = pd.DataFrame({"settlement_rate": rng.uniform(0.1, 0.3, 40),
                              "collapse_capability": rng.uniform(0.2, 0.4, 40),
                              "weight": rng.uniform(0.5, 1.5, 40)})
    posterior.to_parquet(folder / "posterior.parquet", index=False)
    pd.DataFrame({"parameter": list(PRIORS), "prior_low": [0.01, 0.05],
                  "prior_high": [0.5, 0.5], "mean": [0.2, 0.3], "sd": [0.05, 0.05],
                  "q05": [0.11, 0.21], "median": [0.2, 0.3], "q95": [0.29, 0.39],
                  "interval_share_of_prior": [0.37, 0.4]}
                 ).to_csv(folder / "posterior_summary.csv", index=False)
    pd.DataFrame({"target": ["interstate_war_endings", "no_great_power_war"],
                  "pattern": ["peace_agreement", "great_power_war"],
                  "counts": ["rules: settlement", "rules: direct_clash, nuclear_use"],
                  "among": ["ended", "all"], "model_k": [7, 0], "model_n": [30, 200],
                  "model_share": [0.233, 0.0], "model_ci_low": [0.12, 0.0],
                  "model_ci_high": [0.4, 0.02], "target_kind": ["share", "bound"],
                  "target_value": [0.212, np.nan], "target_low": [0.131, 0.0],
                  "target_high": [0.325, 0.01], "within": [True, True],
                  "verdict": ["agree", "agree"]}
                 ).to_csv(folder / "predictive.csv", index=False)
    return folder
