"""`escalation sensitivity CONFIG`: a saltelli or morris experiment, then its indices.

The runs go through the same pipeline as every sweep (Parquet chunks, resume,
``load_results``); the indices are computed from the run table afterwards
(experiments/analysis/sensitivity.py) and written beside it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.cli.options import add_experiment_options, run_experiment
from model.checks import ConfigError

if TYPE_CHECKING:
    from experiments.config import Experiment
    from experiments.pipeline import Finished

INDICES_CSV = "sensitivity.csv"
SAMPLES_CSV = "samples.csv"
FIGURE = Path("figures") / "sensitivity.png"
DESIGNS = ("saltelli", "morris")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sensitivity`` subcommand to the ``escalation`` parser."""
    sens = subparsers.add_parser(
        "sensitivity", help="global sensitivity (SALib Sobol / Morris) of outcome probabilities",
        description="Run an experiment file with a saltelli or morris design (common random "
                    "numbers by default), then estimate Sobol or Morris indices of the "
                    "probability of each outcome from its run table.")
    add_experiment_options(sens, "no progress bar: print only the table of indices")
    sens.set_defaults(func=cmd_sensitivity)


def _needs_sensitivity_design(config: Experiment) -> None:
    if config.design not in DESIGNS:
        raise ConfigError(config.source, "experiment.design",
                          f"sensitivity needs design {' or '.join(DESIGNS)}, got "
                          f"{config.design!r} (use `escalation sweep` for other designs)")


def smoke_note(config: Experiment) -> str:
    """The label of a smoke experiment (a ``*_smoke`` file: few points and runs, a short
    horizon, to check the pipeline), as `escalation report --smoke` labels its report."""
    if not config.name.endswith("smoke"):
        return ""
    return (f"SMOKE RUN ({config.name}: {len(config.points)} points x {config.replications} "
            "runs): a check of the pipeline, not results; do not quote these indices.")


def cmd_sensitivity(args: argparse.Namespace) -> int:
    ran = run_experiment(args, check=_needs_sensitivity_design,
                         then=lambda config, out, done: write_indices(args, config, out, done))
    return 130 if ran is None else 0


def write_indices(args: argparse.Namespace, config: Experiment, out: Path,
                  _done: Finished) -> None:
    """Estimate the indices from the run table; write and print them (under the lock)."""
    from experiments.analysis.figures import stamp
    from experiments.analysis.sensitivity import (
        format_indices,
        indices,
        indices_figure,
        samples_table,
    )
    from experiments.analysis.summaries import SweepFacts
    from experiments.chunk_store import read_manifest
    from experiments.files import atomic_write
    from experiments.results import load_results
    from experiments.seeds import Analysis, analysis_rng
    from model.outcomes import OUTCOMES

    runs = load_results(out, ["point_id", "outcome"])
    rngs = [analysis_rng(config.seed, Analysis.SENSITIVITY, k) for k in range(len(OUTCOMES))]
    table = indices(runs, config.design, config.axes, config.matrix, config.levels, rngs)
    samples = samples_table(runs, config.points, config.varied)
    for name, frame in ((INDICES_CSV, table), (SAMPLES_CSV, samples)):
        body = frame.to_csv(index=False).encode("utf-8")
        atomic_write(out / name, lambda f, b=body: f.write(b))
    (out / FIGURE.parent).mkdir(parents=True, exist_ok=True)
    note = smoke_note(config)
    facts = SweepFacts.of(read_manifest(out))
    fig = stamp(indices_figure(table), facts.line(len(runs)) + "; whiskers: 95% bootstrap "
                "intervals" + (f". {note}" if note else ""))
    atomic_write(out / FIGURE, lambda f: fig.savefig(f, format="png", dpi=110))
    if note:
        print(note)
    print(format_indices(table))
    if not args.quiet:
        print(f"wrote {out}/: {INDICES_CSV}, {SAMPLES_CSV} (outcome shares per design point), "
              f"{FIGURE}, and the run table (chunk-*.parquet, manifest.json)")
