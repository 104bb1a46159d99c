"""`escalation calibrate CONFIG`: fit structural parameters to empirical targets (ABC-SMC).

The calibration file (experiments/calibration/config.py) names the scenario, the target
files, the priors and the budget; the fit runs in experiments/calibration/ with pyabc on the
same executors as sweeps (sequential, local processes, or a dask cluster). Re-running
the same command resumes a killed calibration from its last finished generation, and
re-running a finished one only prints where its posterior is. Everything is checked
before anything is written: one line, exit status 2; a full disk ends it with
``disk full: N generations kept, re-run to resume`` (exit 2).
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
    cal.add_argument("--leave-out", default=None, metavar="TARGET",
                     help="fit without one of the file's target files (by name), so that "
                          "it validates the fit out of sample (output folder "
                          "outputs/calibrate_<name>_without_<TARGET>)")
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
    from experiments.files import check_output, disk_full, is_disk_full
    from model.checks import ConfigError

    cal = load_calibration(args.config, args.leave_out)
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
        try:
            outcome = calibrate(cal, out, executor, quiet=args.quiet, finish=args.finish)
        except Exception as exc:   # SQLite's disk-full error is not an OSError
            if not is_disk_full(exc):
                raise
            raise disk_full(_generations_kept(out / MANIFEST), "generations") from None
    if outcome is None:
        print(f"interrupted: run the same command to resume from the last finished "
              f"generation ({out / MANIFEST})")
        return 130
    print(summary_text(out, outcome.generations, outcome.stopped_by))
    if not args.quiet:
        print(f"wrote {out}/{POSTERIOR}, {POSTERIOR_SUMMARY}, generations.csv, "
              f"predictive.csv/.md, figures/, {MANIFEST}")
    return 0


def summary_text(out: Path, generations: int, stopped_by: str) -> str:
    """The console summary of a finished calibration: the posterior per parameter, why it
    stopped, the last threshold with its unit, and where the predictive disagrees."""
    import pandas as pd

    from experiments.calibration.folder import GENERATIONS, POSTERIOR_SUMMARY, PREDICTIVE

    post = pd.read_csv(out / POSTERIOR_SUMMARY)
    width = max(len("parameter"), *post["parameter"].str.len())
    lines = [f"Posterior of {len(post)} parameters (weighted particles; 90% interval: the "
             "5% and 95% quantiles):",
             f"{'parameter':{width}}  {'prior range':>17}  {'median':>8}  "
             f"{'90% interval':>19}  share of prior"]
    for _, r in post.iterrows():
        lines.append(f"{r['parameter']:{width}}  {r['prior_low']:>7.3g} – {r['prior_high']:<7.3g}"
                     f"  {r['median']:>8.3g}  {r['q05']:>8.3g} – {r['q95']:<8.3g}  "
                     f"{r['interval_share_of_prior']:.0%}")
    why = ("the configured maximum" if stopped_by == f"{generations} generations"
           else stopped_by)
    lines.append(f"Stopped after {generations} generation{'s' * (generations != 1)}: {why}.")
    table = pd.read_csv(out / GENERATIONS)
    if len(table):
        lines.append(f"Last threshold: distance {table['epsilon'].iloc[-1]:.3g} (the ABC "
                     "distance: root sum of squared gaps to the targets, each in the "
                     "target's standard errors).")
    predictive = pd.read_csv(out / PREDICTIVE)
    bad = predictive[predictive["verdict"].isin(["disagree", "bound violated", "no runs"])]
    if bad.empty:
        lines.append(f"Posterior predictive: all {len(predictive)} patterns agree with "
                     "their targets (90% predictive interval against the target's).")
    else:
        which = "; ".join(f"{r['target']}.{r['pattern']} ({r['verdict']}: model "
                          f"{r['model_share']:.3f})" for _, r in bad.iterrows())
        head = ("disagrees with every pattern: do not use this posterior"
                if len(bad) == len(predictive) else
                f"disagrees with {len(bad)} of {len(predictive)} patterns")
        lines.append(f"Posterior predictive {head}: {which} (predictive.md).")
    return "\n".join(lines)


def _generations_kept(manifest: Path) -> int:
    """The finished generations a calibration's manifest records (0 if it says none)."""
    import json

    try:
        done = json.loads(manifest.read_text(encoding="utf-8")).get("generations_done", 0)
    except (OSError, ValueError, AttributeError):
        return 0
    return done if isinstance(done, int) else 0
