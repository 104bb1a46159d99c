"""`escalation condition`: a fitted posterior, conditioned on a war's age.

The seed scenario describes a war in its fourth year; its parameter sets should be
those of the wars that last that long, not of all wars (experiments/calibration/
conditioning.py). This command reweights a posterior by each particle's share of seeded
runs of the population's scenario still fighting at ``--age-weeks`` and writes the
result as a posterior file a scenario can name. Everything is checked before anything
runs: one line, exit status 2.
"""

from __future__ import annotations

import argparse

from experiments.cli.options import add_executor_options, bounded_option, executor_from_args
from model.checks import ConfigError

DEFAULT_RUNS = 40
DEFAULT_SEED = 20220224   # the date the war of the seed scenario began


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``condition`` subcommand to the ``escalation`` parser."""
    condition = subparsers.add_parser(
        "condition", help="condition a posterior on a war's age (the wars still fighting "
                          "at that week): a posterior file for a scenario set mid-war",
        description="Reweight each particle of a posterior by the share of its seeded runs "
                    "of a scenario (the population of wars it was fitted to) still fighting "
                    "at --age-weeks (its episode not ended, as the duration targets read "
                    "it: an ending counts once it held episode_gap_weeks), and write the "
                    "result as a posterior file (the same particles, new weights, and a "
                    "record of the conditioning).")
    condition.add_argument("--posterior", default="generic_crisis", metavar="NAME|FILE",
                           help="a shipped posterior's name or a posterior file "
                                "(default generic_crisis)")
    condition.add_argument("--scenario", default="generic_crisis",
                           help="the scenario of the population of wars the posterior was "
                                "fitted to (default generic_crisis)")
    condition.add_argument("--age-weeks", required=True, metavar="N",
                           help="the war's age: weeks it has fought (e.g. 175 for the "
                                "Russia-Ukraine war at the Macron-Putin call)")
    condition.add_argument("--runs", default=None, metavar="N",
                           help=f"seeded runs per particle (default {DEFAULT_RUNS})")
    condition.add_argument("--seed", default=None, metavar="N",
                           help=f"root seed of the runs (default {DEFAULT_SEED})")
    condition.add_argument("--out", required=True, metavar="FILE",
                           help="the conditioned posterior file to write (.parquet)")
    add_executor_options(condition, "print only the summary line")
    condition.set_defaults(func=cmd_condition)


def cmd_condition(args: argparse.Namespace) -> int:
    from experiments.calibration.conditioning import condition_on_age, write_conditioned
    from experiments.files import check_output
    from experiments.seeds import MAX_SEED
    from model.parameters import Parameters
    from model.posterior import load_posterior, uncalibrated
    from model.scenario import load_scenario, posterior_path

    low, high = Parameters.spec("horizon_weeks")["range"]
    age = bounded_option(args.age_weeks, "--age-weeks", None, low, high)
    runs = bounded_option(args.runs, "--runs", DEFAULT_RUNS, 1, 100_000)
    seed = bounded_option(args.seed, "--seed", DEFAULT_SEED, 0, MAX_SEED)
    source = posterior_path(args.posterior)
    posterior = load_posterior(source)
    scenario = load_scenario(args.scenario)
    out = check_output(args.out, "--out", file=True)
    if out.resolve() == source.resolve():
        raise ConfigError("--out", args.out, "is the posterior it reads; write another file")
    base = uncalibrated(scenario.posterior, scenario.base_parameters) if scenario.posterior \
        else {}
    with executor_from_args(args, len(posterior) * runs) as executor:
        if not args.quiet:
            print(f"condition {source.name} ({len(posterior)} particles) on {scenario.name} "
                  f"still fighting at week {age}: {runs} runs each, {executor.describe()}",
                  flush=True)
        conditioned = condition_on_age(posterior, args.scenario, base, age, runs, seed,
                                       executor)
    note = {"scenario": scenario.name, "age_weeks": age, "runs": runs, "seed": seed}
    out.parent.mkdir(parents=True, exist_ok=True)
    write_conditioned(posterior, conditioned, out, note)
    print(f"wrote {out}: {len(posterior)} particles reweighted by the share of their runs "
          f"still fighting at week {age} (mean {conditioned.retained:.1%}); effective sample "
          f"size {conditioned.effective_size:.1f} of {len(posterior)}")
    return 0
