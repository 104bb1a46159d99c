"""`escalation calibrate CONFIG`: fit structural parameters to empirical targets (ABC-SMC).

The calibration file (experiments/calibration/config.py) names the scenario, the target
files, the priors and the budget; the fit runs in experiments/calibration/ with pyabc on the
same executors as sweeps (sequential, local processes, or a dask cluster). Re-running
the same command resumes a killed calibration from its last finished generation, and
re-running a finished one only prints where its posterior is. Everything is checked
before anything is written: one line, exit status 2; a full disk ends it with
``disk full: N generations kept, re-run to resume`` (exit 2).

``--prior-check N`` fits nothing: it runs N draws from the priors through the batch
pipeline, like a sweep, and says which patterns any draw reaches
(experiments/analysis/prior_check.py), before an hour is spent on a fit that cannot.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.cli.options import add_executor_options, executor_from_args
from model.checks import ConfigError

if TYPE_CHECKING:
    from experiments.calibration.config import Calibration


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
    cal.add_argument("--prior-check", default=None, metavar="N",
                     help="instead of fitting: run N parameter sets drawn from the priors (a "
                          "Latin hypercube), each with the file's last runs_per_particle, and "
                          "say which patterns any of them reaches (prior_check.md; output "
                          "folder outputs/prior_check_<name>). A pattern no draw reaches "
                          "is beyond what ABC can fit over that prior")
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

    cal = load_calibration(args.config, args.leave_out)
    if args.prior_check is not None:
        if args.finish:
            raise ConfigError("--finish", "", "not with --prior-check (it fits nothing)")
        return prior_check(cal, args)
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


PRIOR_CHECK_FILE = "prior_check_experiment.toml"
MAX_PRIOR_DRAWS = 100_000
PRIOR_CHECK_CHUNK = 100   # runs per task sent to a worker


def prior_check(cal: Calibration, args: argparse.Namespace) -> int:
    """Run the prior's draws through the batch pipeline (Parquet, resume, lock, like a
    sweep's), then score each against the targets (experiments.analysis.prior_check)."""
    from experiments.analysis import prior_check as check
    from experiments.cli.options import bounded_option
    from experiments.config import write_experiment
    from experiments.files import atomic_write, exclusive
    from experiments.pipeline import check_generated, sweep_to_folder
    from experiments.results import load_results, warnings_to_stderr
    from experiments.targets import RECORD_COLUMNS
    from model.posterior import uncalibrated
    from model.scenario import load_scenario

    draws = bounded_option(args.prior_check, "--prior-check", None, 1, MAX_PRIOR_DRAWS)
    runs = cal.runs_per_particle[-1]
    scenario = load_scenario(cal.scenario)
    # As the fit runs a particle: the uncalibrated values, then [fixed], then the draw.
    fixed = {key: value for key, value in {**uncalibrated(scenario.posterior,
                                                          scenario.base_parameters),
                                           **cal.fixed}.items() if key not in cal.priors}
    experiment = {
        "experiment": {
            "name": f"prior_check_{cal.name}"[:100],
            "description": f"escalation calibrate --prior-check: {draws} draws from the "
                           f"priors of {cal.name}, {runs} runs each",
            "scenario": cal.scenario, "replications": runs, "seed": cal.seed,
            "design": "lhs", "samples": draws, "seeds": "independent",
            "chunk_size": min(PRIOR_CHECK_CHUNK, draws * runs), "trajectories": 0},
        **({"fixed": fixed} if fixed else {}),
        "vary": {name: {"low": low, "high": high} for name, (low, high) in cal.priors.items()}}
    out = Path(args.out) if args.out else Path("outputs") / f"prior_check_{cal.name}"[:200]
    check_generated(out, PRIOR_CHECK_FILE, experiment, allow_mixed=False)
    horizon = scenario.parameters.with_overrides(fixed, "[fixed]").horizon_weeks
    with (executor_from_args(args, draws * runs) as executor, exclusive(out),
          warnings_to_stderr()):
        config = write_experiment(out / PRIOR_CHECK_FILE, experiment, "Written by `escalation "
                                  f"calibrate --prior-check` ({cal.source}): the draws it "
                                  "scores.")
        if not args.quiet:
            print(f"prior check {cal.name}: {draws} draws of {', '.join(cal.priors)} x {runs} "
                  f"runs of {cal.scenario}, {executor.describe()} -> {out}", flush=True)
        if sweep_to_folder(config, out, executor, progress=not args.quiet) is None:
            return 130
        table = check.draw_table(load_results(out, ["point_id", *RECORD_COLUMNS]),
                                 config.points, cal.targets)
        reach = check.pattern_reach(table, cal.targets)
        edges = check.edges(table, cal.priors)
        lines = [*check.findings(reach, table, cal.targets, runs, horizon),
                 check.edge_sentence(edges)]
        markdown = check.document(reach, edges, lines, cal.name, scenario.name)
        for name, body in (("prior_check_draws.csv", table.to_csv(index=False)),
                           ("prior_check.csv", reach.to_csv(index=False)),
                           ("prior_check.md", markdown)):
            atomic_write(out / name, lambda f, b=body: f.write(b.encode("utf-8")))
    print("\n".join(lines))
    if not args.quiet:
        print(f"wrote {out}/prior_check.md, prior_check.csv, prior_check_draws.csv (runs: "
              f"chunk-*.parquet, {PRIOR_CHECK_FILE})")
    return 0
