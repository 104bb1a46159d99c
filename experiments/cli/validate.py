"""`escalation validate TARGETS`: run a scenario and set its outcomes beside history.

The runs go through the batch pipeline like a sweep's: the command writes a small
experiment file (DIR/validation_experiment.toml: the scenario, ``--runs``
replications, ``--seed``, the ``--set`` overrides and the target's horizon) and runs
it with ``sweep_to_folder``, so the runs are stored as Parquet chunks beside a
manifest, the folder is locked while written, and re-running the same command resumes
(or reuses the runs). It then compares every pattern of the target file(s)
(``experiments.targets``) with the run table (``experiments.analysis.validation``) and
writes DIR/validation.csv, DIR/validation.md and DIR/figures/validation.png.

Bad input (a malformed target file, an option, the output folder) is a ConfigError
raised before anything is written: one line, exit status 2.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from experiments.cli.options import add_executor_options, bounded_option, executor_from_args
from model.checks import ConfigError

DEFAULT_SCENARIO = "generic_crisis"
DEFAULT_RUNS = 1000     # Wilson 95% half-width at most ~3.1 points on a share of all runs
DEFAULT_SEED = 20250701
CHUNK_SIZE = 100
EXPERIMENT_FILE = "validation_experiment.toml"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand to the ``escalation`` parser."""
    validate = subparsers.add_parser(
        "validate", help="compare a scenario's outcomes with empirical targets "
                         "(validation.csv, validation.md, figure)",
        description="Run a scenario (through the batch pipeline: Parquet, resume) and "
                    "compare each pattern of the target file(s) (e.g. model/targets/*.toml) "
                    "with the model's share and its Wilson 95% interval: agree when the "
                    "intervals overlap, or when a bound holds. Writes DIR/validation.csv, "
                    "DIR/validation.md and DIR/figures/validation.png.")
    validate.add_argument("targets", nargs="+", metavar="TARGETS",
                          help="target file(s) (.toml), e.g. "
                               "model/targets/interstate_war_endings.toml")
    validate.add_argument("--scenario", default=DEFAULT_SCENARIO,
                          help=f"a shipped scenario name or a scenario .toml "
                               f"(default {DEFAULT_SCENARIO})")
    validate.add_argument("--runs", default=None, metavar="N",
                          help=f"seeded runs (default {DEFAULT_RUNS:,})")
    validate.add_argument("--seed", default=None, metavar="N",
                          help=f"root seed of the runs (default {DEFAULT_SEED})")
    validate.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                          help="override a parameter for every run (repeatable); "
                               "horizon_weeks or follow_up_weeks here win over what the "
                               "target files need, if no shorter")
    validate.add_argument("--posterior-draws", default=None, metavar="N",
                          help="for a calibrated scenario: run over N parameter sets drawn "
                               "from its posterior (--runs must be a multiple of N), so the "
                               "model's intervals carry the calibration's uncertainty")
    validate.add_argument("--posterior", default=None, metavar="FILE",
                          help="run under this posterior file instead of the scenario's own "
                               "(e.g. one fitted with `calibrate --leave-out`): the patterns "
                               "of its target files are in-sample, the others out-of-sample")
    validate.add_argument("--uncalibrated", action="store_true",
                          help="run a calibrated scenario at its values before calibration "
                               "(the comparison 'before')")
    validate.add_argument("--out", default=None, metavar="DIR",
                          help="output folder (default outputs/validate_<target names>)")
    add_executor_options(validate, "no progress bar: print only the comparison table")
    validate.add_argument("--allow-mixed", action="store_true",
                          help="resume although the scenario, catalogue or code changed "
                               "since DIR was started (else refused)")
    validate.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    from experiments.analysis.validation import (
        compare,
        document,
        format_table,
        sample_counts,
        write_validation,
    )
    from experiments.config import MAX_DRAWS, MAX_RUNS, write_experiment
    from experiments.files import exclusive
    from experiments.pipeline import check_generated, sweep_to_folder
    from experiments.results import load_results, warnings_to_stderr
    from experiments.seeds import MAX_SEED
    from experiments.targets import RECORD_COLUMNS, load_targets, run_settings
    from model.parameters import parse_override
    from model.posterior import load_posterior, uncalibrated
    from model.scenario import load_scenario, scenario_reference

    # Everything is checked before anything is written.
    targets = [load_targets(path) for path in args.targets]
    names = [t.name for t in targets]
    for i, target in enumerate(targets):
        if target.name in names[:i]:
            raise ConfigError(target.source, "target.name", f"{target.name!r} is also the "
                              "name of another target file given; give each file once")
    runs = bounded_option(args.runs, "--runs", DEFAULT_RUNS, 1, MAX_RUNS)
    seed = bounded_option(args.seed, "--seed", DEFAULT_SEED, 0, MAX_SEED)
    scenario_ref = scenario_reference(args.scenario, "--scenario", args.scenario, Path.cwd())
    scenario = load_scenario(scenario_ref)
    given = dict(parse_override(item) for item in args.set)
    overrides = dict(given)
    draws = bounded_option(args.posterior_draws, "--posterior-draws", 0, 0, MAX_DRAWS)
    posterior = scenario.posterior
    if args.posterior:
        if args.uncalibrated:
            raise ConfigError("--posterior", args.posterior, "not with --uncalibrated")
        posterior = load_posterior(Path(args.posterior).resolve())
    if draws and posterior is None:
        raise ConfigError("--posterior-draws", str(draws), f"scenario {scenario.name!r} "
                          "names no posterior: it is not calibrated")
    if draws and runs % draws:
        raise ConfigError("--runs", str(runs), f"must be a multiple of posterior_draws "
                          f"({draws}) so every draw runs equally often")
    if args.uncalibrated:
        if scenario.posterior is None:
            raise ConfigError("--uncalibrated", scenario.name, "the scenario names no "
                              "posterior: it is not calibrated")
        if draws:
            raise ConfigError("--posterior-draws", str(draws), "not with --uncalibrated")
        overrides = {**uncalibrated(scenario.posterior, scenario.base_parameters), **given}
    overrides.update(run_settings(targets, overrides, "--set",
                                  scenario.parameters.episode_gap_weeks))
    checked = scenario.parameters.with_overrides(overrides, "--set")
    fixed = {key: getattr(checked, key) for key in overrides}
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", scenario.name)[:60].strip(".") or "scenario"
    experiment = {
        "experiment": {
            "name": f"validate_{stem}",
            "description": f"escalation validate: {scenario.name}, {runs} runs",
            "scenario": scenario_ref, "replications": runs, "seed": seed,
            "chunk_size": min(CHUNK_SIZE, runs), "trajectories": 0,
            **({"posterior": posterior.source} if args.posterior else {}),
            **({"posterior_draws": draws} if draws else {})},
        **({"fixed": fixed} if fixed else {})}
    default = ("validate_" + "+".join(names) + ("_uncalibrated" if args.uncalibrated else
                                                 f"_draws{draws}" if draws else "")
               + (f"_posterior_{posterior.sha256[:8]}" if args.posterior else ""))
    out = Path(args.out) if args.out else Path("outputs") / default[:200]
    check_generated(out, EXPERIMENT_FILE, experiment, args.allow_mixed)

    calibration = ("" if posterior is None else
                   ", uncalibrated" if args.uncalibrated else
                   f", {draws} posterior draws" if draws else ", posterior medoid")
    if args.posterior:
        calibration += f" of {posterior.source}"
    fitted = None if posterior is None or args.uncalibrated else posterior.targets
    settings = (f"seed {seed}, horizon {checked.horizon_weeks} weeks{calibration}"
                + "".join(f", {k}={v}" for k, v in fixed.items()
                          if k != "horizon_weeks" and k in given))
    with (executor_from_args(args, runs) as executor, exclusive(out), warnings_to_stderr()):
        config = write_experiment(out / EXPERIMENT_FILE, experiment, f"Written by `escalation "
                                  f"validate` ({', '.join(names)}): the runs it compares.")
        if not args.quiet:
            print(f"validate {', '.join(names)}: {runs} runs of {scenario.name} ({settings}), "
                  f"{executor.describe()} -> {out}", flush=True)
        done = sweep_to_folder(config, out, executor, progress=not args.quiet,
                               allow_mixed=args.allow_mixed)
        if done is None:
            return 130
        table = compare(load_results(out, RECORD_COLUMNS), targets, fitted)
        markdown = document(table, targets, runs, scenario.name, settings)
        write_validation(table, out, markdown)
    print(format_table(table))
    if not args.quiet:
        print(f"{int(table['agree'].sum())} of {len(table)} patterns agree (Wilson 95% "
              f"intervals overlap, or the bound holds): {sample_counts(table)}")
        print(f"wrote {out}/validation.csv, validation.md, figures/validation.png "
              f"(runs: chunk-*.parquet, {EXPERIMENT_FILE})")
    return 0
