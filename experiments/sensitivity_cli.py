"""`escalation sensitivity CONFIG`: Sobol / Morris indices of each outcome's probability.

Everything that can be wrong with the input (the file, options, output folder) is
checked before the output folder is created, and reported as a ConfigError: one
line, exit status 2, nothing written. Heavy imports wait until the command runs,
so ``escalation --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.executors import add_executor_options, executor_from_args
from model.outcomes import OUTCOMES
from model.validation import ConfigError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from experiments.sensitivity import SensitivityConfig, SensitivityResult

INDICES_CSV = "sensitivity.csv"
SAMPLES_CSV = "samples.csv"
MANIFEST = "sensitivity.json"
FIGURE = Path("figures") / "sensitivity.png"
LABELS = {"S1": "Sobol first-order S1", "ST": "Sobol total ST", "mu_star": "Morris mu*",
          "sigma": "Morris sigma"}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sensitivity`` subcommand to the ``escalation`` parser."""
    sens = subparsers.add_parser(
        "sensitivity", help="global sensitivity (SALib Sobol / Morris) of outcome probabilities",
        description="Sample the parameters of a sensitivity file (SALib), run each point "
                    "`replications` times with common random numbers, and estimate Sobol "
                    "and/or Morris indices of the probability of each outcome.")
    sens.add_argument("config", help="sensitivity file (.toml), e.g. "
                                     "experiments/configs/sensitivity_smoke.toml")
    sens.add_argument("--out", default=None, metavar="DIR",
                      help="output folder (default outputs/<name>)")
    add_executor_options(sens, "no progress bar: print only the table of indices")
    sens.set_defaults(func=cmd_sensitivity)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from experiments.sensitivity import load_sensitivity, run_sensitivity

    config = load_sensitivity(args.config)
    out = Path(args.out) if args.out else Path("outputs") / config.name
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", str(out), "exists and is not a folder")
    started = datetime.now(UTC).isoformat(timespec="seconds")
    clock = time.perf_counter()
    with executor_from_args(args) as executor:
        if not args.quiet:
            sizes = {"sobol": f"Sobol N={config.samples}",
                     "morris": f"Morris r={config.trajectories}, {config.levels} levels"}
            print(f"sensitivity {config.name}: {len(config.bounds)} parameters, "
                  f"{' + '.join(sizes[m] for m in config.methods)}, {config.replications} "
                  f"replications per point (common random numbers), "
                  f"{executor.describe()} -> {out}", flush=True)
        result = run_sensitivity(config, executor, progress=not args.quiet)
    seconds = time.perf_counter() - clock
    write_outputs(out, config, result, started, seconds)
    if not args.quiet:
        runs = len(result.samples) * config.replications
        print(f"ran {runs} runs ({len(result.samples)} points) in {seconds:.1f} s")
    print(format_indices(result.indices))
    if not args.quiet:
        print(f"wrote {out}/: {INDICES_CSV}, {SAMPLES_CSV} (outcome shares per sample point), "
              f"{MANIFEST}, {FIGURE}")
    return 0


def write_outputs(out: Path, config: SensitivityConfig, result: SensitivityResult,
                  started: str, seconds: float) -> None:
    """sensitivity.csv, samples.csv, sensitivity.json (how to reproduce) and the figure."""
    from experiments.storage import atomic_write, code_version, package_versions

    (out / FIGURE.parent).mkdir(parents=True, exist_ok=True)
    manifest = {"sensitivity_file": str(Path(config.source).resolve()),
                "sha256": config.sha256, "scenario": config.scenario,
                "root_seed": config.seed, "replications": config.replications,
                "replication_seeds": list(config.seeds()), "methods": list(config.methods),
                "samples": config.samples, "trajectories": config.trajectories,
                "levels": config.levels, "bounds": config.bounds, "fixed": config.fixed,
                "points": len(result.samples), "started": started,
                "seconds": round(seconds, 2), "code_version": code_version(),
                "packages": package_versions()}
    texts = {INDICES_CSV: result.indices.to_csv(index=False),
             SAMPLES_CSV: result.samples.to_csv(index=False),
             MANIFEST: json.dumps(manifest, indent=2, default=str) + "\n"}
    for name, body in texts.items():
        atomic_write(out / name, lambda f, b=body: f.write(b.encode("utf-8")))
    fig = indices_figure(result.indices)
    atomic_write(out / FIGURE, lambda f: fig.savefig(f, format="png", dpi=110))


def indices_figure(indices: pd.DataFrame) -> Figure:
    """Bars per parameter with 95% intervals: one row per index, one column per outcome.

    Drawn on a bare Figure with the Agg canvas: no pyplot, no global state.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from experiments.figures import COLORS

    shown = [i for i in LABELS if i in set(indices["index"])]
    params = list(dict.fromkeys(indices["parameter"]))
    fig = Figure(figsize=(3.2 * len(OUTCOMES), 0.9 + (0.35 * len(params) + 0.8) * len(shown)),
                 layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(shown), len(OUTCOMES), squeeze=False, sharey=True)
    y = np.arange(len(params))
    for row, index in enumerate(shown):
        part = indices[indices["index"] == index]
        for col, outcome in enumerate(OUTCOMES):
            ax = axes[row, col]
            cell = part[part["outcome"] == outcome].set_index("parameter").reindex(params)
            values = cell["value"].to_numpy(float)
            errors = cell["confidence"].to_numpy(float)
            ax.barh(y, np.nan_to_num(values), color=COLORS[outcome],
                    xerr=None if np.isnan(errors).all() else np.nan_to_num(errors),
                    error_kw={"elinewidth": 1, "capsize": 2})
            ax.axvline(0, color="black", linewidth=0.6)
            ax.set_yticks(y, params, fontsize=8)
            ax.tick_params(axis="x", labelsize=8)
            undefined = " (share constant)" if np.isnan(values).all() else ""
            ax.set_title(f"{outcome}: {LABELS[index]}{undefined}", fontsize=9)
    axes[0, 0].invert_yaxis()  # shared: first parameter on top everywhere
    fig.suptitle("Sensitivity of outcome probabilities (bars: index; whiskers: 95% CI)",
                 fontsize=10)
    return fig


def format_indices(indices: pd.DataFrame) -> str:
    """The printed table: one block per index, a row per parameter, a column per outcome."""
    import math

    params = list(dict.fromkeys(indices["parameter"]))
    width = max(len(p) for p in [*params, "parameter"]) + 2
    lines = []
    for index in [i for i in LABELS if i in set(indices["index"])]:
        part = indices[indices["index"] == index].set_index(["parameter", "outcome"])
        lines.append(f"{LABELS[index]:{width}s}" + "".join(f"{o:>16s}" for o in OUTCOMES))
        for p in params:
            cells = []
            for o in OUTCOMES:
                value, conf = part.loc[(p, o), ["value", "confidence"]]
                cell = "n/a" if math.isnan(value) else f"{value:.3f}"
                if not math.isnan(conf) and not math.isnan(value):
                    cell += f" ±{conf:.3f}"
                cells.append(f"{cell:>16s}")
            lines.append(f"  {p:{width - 2}s}" + "".join(cells))
    lines.append("± 95% bootstrap interval; n/a: that outcome's share never varied "
                 "(Sobol undefined)")
    return "\n".join(lines)
