"""`escalation report`: run (or resume) the question sweeps, then write the report.

The questions are the sweep files of experiments/configs/ with a ``[question]`` table
(experiments.questions), in question order. The full report runs each question's
sweep file into the folder `escalation sweep` would use (outputs/<experiment>/), so
sweeps already run are reused through the batch runner's resume and a killed report
loses at most the chunks in flight. ``--smoke`` runs the same questions with few
replications and a short horizon, from derived sweep files kept beside the results
(DIR/sweeps/), into DIR/<name>/. Bad input is a ConfigError (one line, exit 2) raised
before anything is written (the derived files are checked as tables first); the
report then holds the lock of its folder and of every sweep folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from experiments.cli.options import add_allow_mixed, add_executor_options, executor_from_args
from model.checks import ConfigError

if TYPE_CHECKING:
    from experiments.analysis.report import Section
    from experiments.config import Experiment
    from experiments.questions import Question


CONFIGS = Path(__file__).resolve().parents[1] / "configs"
SMOKE_REPLICATIONS = 16
SMOKE_HORIZON = 104
SMOKE_DRAWS = 4   # posterior draws of a smoke sweep (divides SMOKE_REPLICATIONS)
SMOKE_SETTINGS = f"{SMOKE_REPLICATIONS} replications per point, horizon {SMOKE_HORIZON} weeks"
SMOKE_NOTE = "Derived by `escalation report --smoke` from {}: " + SMOKE_SETTINGS + "."


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand to the ``escalation`` parser."""
    report = subparsers.add_parser(
        "report", help="run the question sweeps and write a report (report.md, figures)",
        description="Run (or resume) the sweep of each question of the model brief (the "
                    "sweep files of experiments/configs/ with a [question] table) and write "
                    "DIR/report.md: outcome shares per arm with Wilson 95% intervals, a "
                    "chi-square test, and one generated sentence per question.")
    report.add_argument("--out", default=None, metavar="DIR",
                        help="report folder (default outputs/report, or outputs/report_smoke "
                             "with --smoke)")
    add_executor_options(report, "no progress bars")
    report.add_argument("--smoke", action="store_true",
                        help=f"quick check: {SMOKE_SETTINGS}, into DIR/<experiment>/ "
                             "(the precision target is not met)")
    add_allow_mixed(report)
    report.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from contextlib import ExitStack

    from experiments.chunk_store import check_folder
    from experiments.config import load_config, load_questions, write_experiment
    from experiments.files import LOCK, check_output, check_own_folder, exclusive
    from experiments.pipeline import sweep_to_folder
    from experiments.results import warnings_to_stderr

    out = Path(args.out) if args.out else Path("outputs") / (
        "report_smoke" if args.smoke else "report")
    check_output(out)
    originals = load_questions(CONFIGS)
    if not originals:
        raise ConfigError(str(CONFIGS), "", "no sweep file with a [question] table")
    sweeps = {config.name for _, config in originals}   # --smoke's folders, checked below
    check_own_folder(out, marks=("report.md", "sweeps"), spare=lambda name: name == LOCK
                     or (args.smoke and name in sweeps))
    runs = sum(len(config.points) * SMOKE_REPLICATIONS if args.smoke else config.total_runs
               for _, config in originals)
    with executor_from_args(args, runs) as executor, ExitStack() as held:
        # Bad options, folders and derived files are refused before anything is written.
        derived = smoke_experiments(originals, out) if args.smoke else []
        plan = [(q, load_config(path, raw), out / raw["experiment"]["name"])
                for q, raw, path in derived] if args.smoke else [
                (q, config, Path("outputs") / config.name) for q, config in originals]
        for _, config, folder in plan:
            check_output(folder, "--out" if args.smoke else "sweep folder")
            check_folder(folder, config, args.allow_mixed)
        for folder in (out, *(folder for _, _, folder in plan)):
            held.enter_context(exclusive(folder))
        held.enter_context(warnings_to_stderr())
        if args.smoke:
            plan = [(q, write_experiment(path, raw, SMOKE_NOTE.format(Path(c.source).name)),
                     folder) for (q, raw, path), (_, c, folder) in zip(derived, plan, strict=True)]
        for question, config, folder in plan:
            if not args.quiet:
                print(f"Q{question.number} {question.title}: {len(config.points)} point(s) x "
                      f"{config.replications} replications = {config.total_runs} runs, "
                      f"{executor.describe()} -> {folder}", flush=True)
            if sweep_to_folder(config, folder, executor, progress=not args.quiet,
                               allow_mixed=args.allow_mixed) is None:
                return 130
        path, sections = build_report([(q, folder) for q, _, folder in plan], out,
                                      SMOKE_SETTINGS if args.smoke else None)
    for section in sections:
        for said in section.sentences:
            print(f"Q{section.question.number}. {' '.join(said)}")
    print(f"wrote {path} and {out / 'figures'}/")
    return 0


def build_report(entries: list[tuple[Question, Path]], out: Path,
                 smoke: str | None = None) -> tuple[Path, list[Section]]:
    """Read each question's finished sweep folder; write ``out/report.md`` and its figures."""
    from datetime import UTC, datetime

    from experiments.analysis.limitations import limitations_markdown
    from experiments.analysis.report import columns, document, section, write_report
    from experiments.analysis.summaries import SweepFacts
    from experiments.provenance import code_version
    from experiments.results import check_results, load_results
    from model.scenario import load_scenario

    sections, sources = [], {}
    for question, folder in entries:
        manifest = check_results(folder)
        drawn = ["draw_id"] if manifest.get("posterior_draws") else []
        sections.append(section(question, load_results(folder, columns(question) + drawn),
                                manifest, folder, smoke))
        facts = SweepFacts.of(manifest)
        sources.setdefault(facts.scenario, facts.source)
    limitations = limitations_markdown([load_scenario(sources[name]) for name in sorted(sources)])
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = document(sections, smoke, code_version(), now, limitations)
    return write_report(sections, out, text), sections


def smoke_experiments(originals: list[tuple[Question, Experiment]], out: Path
                      ) -> list[tuple[Question, dict[str, Any], Path]]:
    """Each question's sweep file derived for a smoke run (few replications, a short
    horizon), as tables, with the path it is kept at (out/sweeps/). The derived files
    leave out ``[question]``: the question is the original file's."""
    from model.checks import read_toml

    derived = []
    for question, config in originals:
        raw, _ = read_toml(config.source, "experiment file")
        raw.pop("question", None)
        raw["experiment"].update(
            scenario=config.scenario, replications=SMOKE_REPLICATIONS, horizon=SMOKE_HORIZON,
            chunk_size=SMOKE_REPLICATIONS, trajectories=1,
            description=f"[smoke] {config.description}")
        if config.draws:
            raw["experiment"]["posterior_draws"] = SMOKE_DRAWS
        raw.get("fixed", {}).pop("horizon_weeks", None)
        derived.append((question, raw, out / "sweeps" / Path(config.source).name))
    return derived
