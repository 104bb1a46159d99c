"""`escalation calibrate CONFIG`: fit structural parameters to empirical targets (ABC-SMC).

The calibration file (experiments/calibration/config.py) names the scenario, the target
files, the priors and the budget; the fit runs in experiments/calibration/ with pyabc on the
same executors as sweeps (sequential, local processes, or a dask cluster). Re-running
the same command resumes a killed calibration from its last finished generation, and
re-running a finished one only prints where its posterior is. Everything is checked
before anything is written: one line, exit status 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from experiments.cli.options import add_executor_options, executor_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand to the ``escalation`` parser."""
    cal = subparsers.add_parser(
        "calibrate", help="fit structural parameters to empirical targets (pyabc ABC-SMC): "
                          "posterior.parquet, diagnostics, posterior predictive",
        description="Approximate Bayesian computation (ABC-SMC, pyabc) of a scenario's "
                    "structural parameters against target files (model/targets/). Each "
                    "particle is a batch of seeded runs. Writes DIR/posterior.parquet "
                    "(accepted parameter sets and weights), posterior_summary.csv, "
                    "generations.csv, predictive.csv/.md, figures/ and manifest.json; "
                    "DIR/history.db makes a killed calibration resumable. "
                    "See docs/CALIBRATION.md.")
    cal.add_argument("config", metavar="CONFIG", help="calibration file (.toml), e.g. "
                     "experiments/configs/calibrations/generic_crisis.toml")
    cal.add_argument("--out", default=None, metavar="DIR",
                     help="output folder (default outputs/calibrate_<name>)")
    cal.add_argument("--finish", action="store_true",
                     help="run no further generation: write the posterior and diagnostics "
                          "of the last finished one (end a calibration early)")
    add_executor_options(cal, "print only the posterior summary")
    cal.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from experiments.calibration.config import load_calibration
    from experiments.calibration.folder import (
        HISTORY,
        MANIFEST,
        POSTERIOR,
        POSTERIOR_SUMMARY,
        check_folder,
    )
    from experiments.calibration.smc import calibrate
    from experiments.files import check_output
    from model.checks import ConfigError

    cal = load_calibration(args.config)
    out = Path(args.out) if args.out else Path("outputs") / f"calibrate_{cal.name}"
    check_output(out)
    check_folder(out, cal.sha256)
    if args.finish and not (out / HISTORY).exists():
        raise ConfigError("--finish", str(out), "no calibration has started there: nothing "
                          "to finish")
    with executor_from_args(args, cal.population * cal.runs_per_particle[-1]) as executor:
        if not args.quiet:
            print(f"calibrate {cal.name}: {', '.join(cal.priors)} of {cal.scenario} against "
                  f"{', '.join(t.name for t in cal.targets)}; {cal.population} particles x "
                  f"{'/'.join(map(str, cal.runs_per_particle))} runs, at most "
                  f"{cal.generations} generations, {executor.describe()} -> {out}", flush=True)
        outcome = calibrate(cal, out, executor, quiet=args.quiet, finish=args.finish)
    if outcome is None:
        print(f"interrupted: run the same command to resume from the last finished "
              f"generation ({out / MANIFEST})")
        return 130
    print((out / POSTERIOR_SUMMARY).read_text(encoding="utf-8").rstrip())
    if not args.quiet:
        print(f"stopped after {outcome.generations} generations ({outcome.stopped_by}); "
              f"wrote {out}/{POSTERIOR}, {POSTERIOR_SUMMARY}, generations.csv, "
              f"predictive.csv/.md, figures/, {MANIFEST}")
    return 0
