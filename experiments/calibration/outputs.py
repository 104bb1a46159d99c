"""What a finished calibration writes: the posterior, its diagnostics, the manifest.

Every file is written whole and renamed into place (``atomic_write``), the manifest
last: a folder whose manifest says "complete" has every file below. The posterior
predictive runs ``predictive_draws`` parameter sets drawn from the posterior,
``predictive_runs`` seeded runs each, on the calibration's executor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.calibration.config import Calibration
from experiments.calibration.folder import (
    FIGURES,
    GENERATIONS,
    MANIFEST,
    POSTERIOR,
    POSTERIOR_SUMMARY,
    PREDICTIVE,
    PREDICTIVE_MD,
    scenario_sha256,
)
from experiments.calibration.particles import run_records
from experiments.executors import Executor
from experiments.files import atomic_write
from experiments.provenance import file_sha256, now_iso
from experiments.seeds import Stream, generator, predictive_seeds
from experiments.targets import RunRecord
from model.posterior import METADATA


def write_outputs(cal: Calibration, out: Path, history, executor: Executor,
                  manifest: dict[str, Any], stopped_by: str, quiet: bool) -> None:
    """Write the posterior and diagnostics of the last generation, then the manifest."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from experiments.analysis.diagnostics import (
        PREDICTIVE_LEVEL,
        generations_figure,
        generations_table,
        marginals_figure,
        pairs_figure,
        posterior_summary,
        predictive_table,
    )
    from experiments.analysis.figures import save
    from experiments.analysis.validation import validation_figure

    names = list(cal.priors)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame[names].reset_index(drop=True)
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    meta = {"calibration": cal.name, "scenario": cal.scenario, "seed": cal.seed,
            "generation": int(history.max_t), "targets": [t.name for t in cal.targets],
            "calibration_sha256": cal.sha256, "stopped_by": stopped_by}
    if cal.hold:   # a second stage: the held parameters ride along, so the file is whole
        meta["held"] = cal.held_record()
    written = frame.assign(**{name: float(value) for name, value in cal.held.items()})
    table = pa.Table.from_pandas(written.assign(weight=weights), preserve_index=False)
    table = table.replace_schema_metadata({METADATA: json.dumps(meta).encode()})
    atomic_write(out / POSTERIOR, lambda f: pq.write_table(table, f))

    summary = posterior_summary(frame, weights, cal.priors)
    _write_csv(out / POSTERIOR_SUMMARY, summary)
    populations = history.get_all_populations()
    ess, evaluations, total = [], [], 0
    for t in range(history.max_t + 1):
        _, w = history.get_distribution(m=0, t=t)
        w = np.asarray(w, dtype=float) / np.sum(w)
        ess.append(float(1.0 / np.sum(w ** 2)))
        total += int(populations.loc[populations["t"] == t, "samples"].iloc[0])
        evaluations.append(total)
    generations = generations_table(populations, evaluations, ess,
                                    manifest.get("generation_seconds", []))
    _write_csv(out / GENERATIONS, generations)

    if not quiet:
        print(f"posterior predictive: {cal.predictive_draws} draws x "
              f"{cal.predictive_runs} runs", flush=True)
    draw_records = predictive_records(cal, frame, weights, executor)
    predictive = predictive_table(draw_records, cal.targets)
    _write_csv(out / PREDICTIVE, predictive)
    body = format_predictive(predictive).encode()
    atomic_write(out / PREDICTIVE_MD, lambda f: f.write(body))

    (out / "figures").mkdir(exist_ok=True)
    predictive_interval = f"{PREDICTIVE_LEVEL:.0%} posterior predictive"
    for name, fig in zip(FIGURES, (generations_figure(generations),
                                   marginals_figure(frame, weights, cal.priors),
                                   pairs_figure(frame, weights, cal.priors),
                                   validation_figure(predictive, predictive_interval)),
                                   strict=True):
        save(fig, out / "figures" / name)

    manifest.update(status="complete", stopped_by=stopped_by, finished=now_iso(),
                    generations_done=int(history.max_t) + 1,
                    posterior_sha256=file_sha256(out / POSTERIOR),
                    predictive_within=int(predictive["within"].sum()),
                    patterns=len(predictive))
    text = json.dumps(manifest, indent=2).encode()
    atomic_write(out / MANIFEST, lambda f: f.write(text))


def predictive_records(cal: Calibration, frame: pd.DataFrame, weights: np.ndarray,
                       executor: Executor) -> list[list[RunRecord]]:
    """The records of ``predictive_runs`` seeded runs of each posterior draw."""
    from model.posterior import typed, uncalibrated
    from model.scenario import load_scenario

    scenario = load_scenario(cal.scenario)
    base = {**uncalibrated(scenario.posterior, scenario.base_parameters), **cal.fixed}
    file_hash = scenario_sha256(cal)
    rng = generator(cal.seed, Stream.PREDICTIVE_DRAWS)
    rows = rng.choice(len(weights), size=cal.predictive_draws, p=weights)
    tasks = []
    for draw, row in enumerate(rows):
        values = {name: typed(name, frame.iloc[row][name]) for name in cal.priors}
        seeds = predictive_seeds(cal.seed, draw, cal.predictive_runs)
        tasks.append((draw, cal.scenario, file_hash, {**base, **values}, seeds))
    results = dict(executor.map_unordered(_draw_records, tasks))
    return [results[draw] for draw in range(len(tasks))]


def _draw_records(task: tuple[int, str, str, dict[str, Any], list[int]]
                  ) -> tuple[int, list[RunRecord]]:
    draw, scenario, file_hash, overrides, seeds = task
    return draw, run_records(scenario, file_hash, overrides, seeds)


def format_predictive(table: pd.DataFrame) -> str:
    """The posterior predictive against the targets, as a Markdown table."""
    lines = ["| target | pattern | among | model (pooled) | 90% predictive | target | "
             "target 95% | within | verdict |", "| --- | --- | --- | ---: | --- | --- | --- "
             "| --- | --- |"]
    for _, row in table.iterrows():
        target = (f"<= {row['target_high']:g}" if row["target_kind"] == "bound"
                  else f"{row['target_value']:.3f}")
        lines.append(f"| {row['target']} | {row['pattern']} | {row['among']} | "
                     f"{row['model_share']:.3f} ({row['model_k']}/{row['model_n']}) | "
                     f"[{row['model_ci_low']:.3f}, {row['model_ci_high']:.3f}] | {target} | "
                     f"[{row['target_low']:.3f}, {row['target_high']:.3f}] | "
                     f"{'yes' if row['within'] else 'no'} | {row['verdict']} |")
    return "\n".join(lines) + "\n"


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    body = frame.to_csv(index=False).encode("utf-8")
    atomic_write(path, lambda f: f.write(body))
