"""Screening for calibration: which parameters of a Morris experiment move the fit?

A finished ``escalation sensitivity`` folder with a morris design holds, per design
point, the rules its runs ended by. Scoring each point's shares against the target
files with the calibration distance (``distance``) and taking
SALib's Morris mu* of that score ranks the screened parameters by how much they move
the fit to *these* targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from experiments.targets import RECORD_COLUMNS, TargetFile
from model.checks import ConfigError


def distance_mu_star(folder: Path, targets: Sequence[TargetFile], source: str
                     ) -> dict[str, float]:
    """Morris mu* of the calibration distance, per screened parameter."""
    from SALib.analyze import morris

    from experiments.analysis.validation import run_records
    from experiments.calibration.distance import TargetDistance, summary_statistics
    from experiments.chunk_store import read_manifest
    from experiments.config import load_config
    from experiments.design import salib_problem
    from experiments.results import load_results
    from experiments.seeds import Analysis, analysis_rng

    key = "screening.results"
    if not folder.is_dir():
        raise ConfigError(source, key, f"no screening folder {folder} (run `escalation "
                          "sensitivity` on a morris experiment first)")
    try:
        manifest = read_manifest(folder)
    except ConfigError as exc:
        raise ConfigError(source, key, str(exc)) from None
    if manifest is None or manifest.get("status") != "complete":
        raise ConfigError(source, key, f"{folder} is not a finished experiment folder "
                          "(no manifest, or its runs are incomplete)")
    try:
        config = load_config(manifest["sweep_file"])
    except ConfigError as exc:
        raise ConfigError(source, key, f"its experiment file: {exc}") from None
    if config.sha256 != manifest.get("sweep_sha256") or config.design != "morris":
        raise ConfigError(source, key, f"{folder} must hold a morris experiment whose file "
                          f"({manifest['sweep_file']}) is unchanged since it ran")
    runs = load_results(folder, ["point_id", *RECORD_COLUMNS])
    distance = TargetDistance(targets)
    records = {p: run_records(group) for p, group in runs.groupby("point_id", sort=True)}
    y = np.array([distance(summary_statistics(records[p], targets), {})
                  for p in range(len(config.points))])
    result = morris.analyze(salib_problem(config.axes), config.matrix, y,
                            num_levels=config.levels,
                            seed=analysis_rng(config.seed, Analysis.SCREENING))
    return {name: float(value) for name, value in zip(config.axes, result["mu_star"],
                                                        strict=True)}
