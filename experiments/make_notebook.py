"""Writes experiments/analysis.ipynb (outputs cleared) from the cells below.

The notebook is generated so that its code stays reviewable as plain Python and its
committed form is reproducible: ``python -m experiments.make_notebook`` rewrites it,
and tests/test_notebook.py checks that the committed file matches this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parent / "analysis.ipynb"

CELLS: list[tuple[str, str]] = [
    ("markdown", """\
# Analysing a sweep: outcome shares, timing, and what precedes each outcome

This notebook reads the output folder of one batch sweep (`escalation sweep CONFIG`) and
shows, for students and analysts:

1. **how often** each outcome happens at each parameter point, with 95% intervals;
2. **where** in parameter space each outcome is likely (heatmap over two varied parameters,
   or a line over one);
3. **when** runs are decided (cumulative share of runs decided by week);
4. **what precedes** each outcome (actions by instrument, Kahn thresholds crossed, the rule
   that decided the run);
5. **whether there are enough runs** (how each interval narrows as replications accumulate).

**Which results.** The folder comes from the environment variable `ESCALATION_RESULTS`
(default `outputs/default`, the output of `make run`). A relative path is looked up from the
current folder, then from the repository root. For example:

```sh
.venv/bin/escalation sweep experiments/configs/channel.toml       # writes outputs/channel/
ESCALATION_RESULTS=outputs/channel .venv/bin/jupyter lab experiments/analysis.ipynb
```

**CSV instead of Parquet.** `escalation export RESULTS_DIR [--out FILE.csv]` writes the same
run table (one row per run; default `RESULTS_DIR/runs.csv`) for spreadsheets, R or Stata.

Each run ends **negotiated** (settlement, or terms imposed after a collapse), **frozen**
(an unsettled truce or a stalled front), **escalated** (a direct NATO–Russia clash or nuclear
use), or is still **ongoing** at the horizon. One step is one week."""),
    ("code", """\
import os
import sys
from pathlib import Path


def find_root(start: Path) -> Path | None:
    \"\"\"The repository root: the first folder up from `start` with pyproject.toml.\"\"\"
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "experiments").is_dir():
            return folder
    return None


ROOT = find_root(Path.cwd())
if ROOT is not None and str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so `experiments` imports without installing the package

wanted = Path(os.environ.get("ESCALATION_RESULTS", "outputs/default")).expanduser()
candidates = [wanted] if wanted.is_absolute() else [Path.cwd() / wanted]
if not wanted.is_absolute() and ROOT is not None:
    candidates.append(ROOT / wanted)
RESULTS = next((c.resolve() for c in candidates if (c / "manifest.json").is_file()), None)
if RESULTS is None:
    tried = " or ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"no sweep results in {tried} (no manifest.json): run a sweep first, e.g. "
        "`escalation sweep experiments/configs/default.toml` (writes outputs/default), "
        "or set ESCALATION_RESULTS to a sweep's output folder")
print(f"results: {RESULTS}")"""),
    ("code", """\
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from experiments.figures import COLORS
from experiments.results import load_results, outcome_columns, wilson_interval
from experiments.runner import THRESHOLD_COLUMNS
from experiments.storage import read_manifest
from model.outcomes import OUTCOMES

sns.set_theme(style="whitegrid", context="notebook")
manifest = read_manifest(RESULTS)
runs = load_results(RESULTS)
if runs.empty:
    raise FileNotFoundError(f"{RESULTS}: the sweep has no finished runs yet")
varied = [v for v in manifest["varied"] if runs[v].nunique() > 1]
print(f"{manifest['experiment']}: {manifest.get('description', '')}")
print(f"{len(runs)} runs at {runs['point_id'].nunique()} parameter point(s); "
      f"varied: {', '.join(varied) or 'nothing'}; fixed: {manifest['fixed'] or 'nothing'}")
runs.head()"""),
    ("markdown", """\
## 1. Outcome shares per parameter point

A *parameter point* is one setting of the varied parameters; each was run with many seeds
(replications). The share of an outcome is the fraction of those runs that ended that way;
the bracket is its **Wilson 95% interval**, the range of true probabilities compatible with
what we saw. Two points whose intervals do not overlap differ by more than the noise."""),
    ("code", """\
def label(row: pd.Series) -> str:
    \"\"\"A point's varied values, e.g. `channel_open=True, multilateral_pressure=0.3`.\"\"\"
    return ", ".join(f"{v}={row[v]:g}" if isinstance(row[v], float) else f"{v}={row[v]}"
                     for v in varied) or "defaults"


counts = pd.crosstab(runs["point_id"], runs["outcome"], dropna=False)
counts = counts.reindex(columns=list(OUTCOMES), fill_value=0)
per_point = outcome_columns(counts)
if varied:
    per_point = runs.groupby("point_id")[varied].first().join(per_point)
per_point["label"] = [label(row) for _, row in per_point.iterrows()]

table = per_point[[*varied, "n"]].copy()
for o in OUTCOMES:
    table[o] = [f"{s:.1%} [{lo:.1%}, {hi:.1%}]" for s, lo, hi in
                per_point[[f"{o}_share", f"{o}_ci_low", f"{o}_ci_high"]].to_numpy()]
table"""),
    ("code", """\
shown = per_point.head(30)  # a sampled design can have hundreds of points
fig, ax = plt.subplots(figsize=(max(7, 0.9 * len(shown) + 3), 4.5), layout="constrained")
x = np.arange(len(shown))
for i, o in enumerate(OUTCOMES):
    share = shown[f"{o}_share"].to_numpy()
    err = np.vstack([share - shown[f"{o}_ci_low"], shown[f"{o}_ci_high"] - share])
    ax.errorbar(x + (i - 1.5) * 0.12, share, yerr=err, fmt="o", capsize=3, color=COLORS[o],
                label=o)
ax.set_xticks(x, [s.replace(", ", "\\n") for s in shown["label"]], fontsize=8)
ax.set(ylim=(-0.02, 1.02), ylabel="share of runs (Wilson 95% CI)",
       title="Outcome shares per parameter point")
ax.legend(ncols=4, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2))
plt.show()"""),
    ("markdown", """\
## 2. Where each outcome is likely

With two varied parameters, each panel is a map of one outcome's probability over both
(other varied parameters pooled); darker means more likely. With one varied parameter, the
shares are drawn as lines over it, with the 95% interval as a band or bar."""),
    ("code", """\
def levels(values: pd.Series) -> pd.Series:
    \"\"\"A heatmap axis: the values themselves if few, else eight equal-width bins.\"\"\"
    if values.nunique() <= 12:
        return values
    return pd.cut(values.astype(float), 8).map(lambda b: round(b.mid, 3)).astype(float)


if len(varied) >= 2:
    xv, yv = varied[:2]
    grid = pd.DataFrame({xv: levels(runs[xv]), yv: levels(runs[yv]), "outcome": runs["outcome"]})
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5), layout="constrained")
    for ax, o in zip(axes.flat, OUTCOMES, strict=True):
        share = (grid.assign(hit=grid["outcome"] == o)
                 .pivot_table(index=yv, columns=xv, values="hit", aggfunc="mean", observed=True)
                 .sort_index(ascending=False))
        sns.heatmap(share, ax=ax, vmin=0, vmax=1, cmap="rocket_r", annot=share.size <= 64,
                    fmt=".0%", cbar_kws={"label": "share of runs"})
        ax.set_title(f"P({o})")
    fig.suptitle(f"Outcome probabilities over {xv} and {yv}")
    plt.show()
elif len(varied) == 1:
    xv = varied[0]
    ordered = per_point.sort_values(xv)
    numeric = pd.api.types.is_numeric_dtype(ordered[xv]) and ordered[xv].dtype != bool
    xs = ordered[xv].to_numpy(dtype=float) if numeric else np.arange(len(ordered))
    fig, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
    for o in OUTCOMES:
        ax.plot(xs, ordered[f"{o}_share"], "o-", color=COLORS[o], label=o)
        ax.fill_between(xs, ordered[f"{o}_ci_low"], ordered[f"{o}_ci_high"], color=COLORS[o],
                        alpha=0.15)
    if not numeric:
        ax.set_xticks(xs, [str(v) for v in ordered[xv]])
    ax.set(xlabel=xv, ylabel="share of runs (Wilson 95% CI)", ylim=(-0.02, 1.02),
           title=f"Outcome shares over {xv}")
    ax.legend(ncols=4, fontsize=8)
    plt.show()
else:
    print("No parameter varies in this sweep: section 1 has the shares at its one point.")"""),
    ("markdown", """\
## 3. Time to outcome

For each outcome, the share of a point's runs that had ended that way by a given week (a
cumulative curve: it only rises). Where a curve flattens, that outcome has stopped
happening; the gap between the last curve values and 1 is the runs decided otherwise or
still ongoing at the horizon. The table gives the median and quartiles of the deciding
week per outcome."""),
    ("code", """\
decided = [o for o in OUTCOMES if o != "ongoing"]
weeks = np.arange(int(runs["decided_step"].max()) + 1)
by_point = len(per_point) <= 8
groups = list(runs.groupby("point_id")) if by_point else [("all", runs)]
names = per_point["label"].to_dict() if by_point else {"all": "all runs"}
palette = sns.color_palette("viridis", len(groups))
fig, axes = plt.subplots(1, len(decided), figsize=(14, 4.2), sharey=True, layout="constrained")
for ax, o in zip(axes, decided, strict=True):
    for colour, (key, group) in zip(palette, groups, strict=True):
        steps = group.loc[group["outcome"] == o, "decided_step"].to_numpy(dtype=int)
        curve = np.cumsum(np.bincount(steps, minlength=len(weeks))) / len(group)
        ax.step(weeks, curve, where="post", color=colour, label=names[key])
    ax.set(title=o, xlabel="week", ylim=(0, 1))
axes[0].set_ylabel("cumulative share of runs decided")
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=8)
fig.suptitle("Time to outcome")
plt.show()
timing = runs.groupby("outcome", observed=True)["decided_step"].describe()
timing[["count", "25%", "50%", "75%"]]"""),
    ("markdown", """\
## 4. What precedes each outcome

**Instruments.** Mean number of actions per week of the run, by instrument (military,
political, economic, civilian, informational, cyber, covert, nuclear, status quo), for the
runs that ended each way: per week, because runs decided early have had less time to act.
The right panel divides by the average over all runs: above 1, an instrument is used more
than usual before that outcome.

**Thresholds.** Kahn's escalation ladder has six named thresholds; the share of runs of each
outcome that crossed each one. In the seed scenario the war already sits at rung 12, so the
first two thresholds are crossed before week 1 in every run; what discriminates is the
higher ones. The last table gives the rule that decided the runs of each outcome."""),
    ("code", """\
action_cols = [c for c in runs.columns if c.startswith("actions_")]
per_week = runs[action_cols].div(runs["decided_step"].clip(lower=1), axis=0)
per_week.columns = [c.removeprefix("actions_") for c in action_cols]
rate = per_week.groupby(runs["outcome"], observed=True).mean()
fig, (left, right) = plt.subplots(1, 2, figsize=(15, 3.8), layout="constrained")
sns.heatmap(rate, ax=left, annot=True, fmt=".2f", cmap="mako_r",
            cbar_kws={"label": "actions per week"})
left.set(title="Actions per week, by instrument and outcome", xlabel="", ylabel="")
relative = rate / per_week.mean()
sns.heatmap(relative, ax=right, annot=True, fmt=".2f", cmap="vlag", center=1,
            cbar_kws={"label": "ratio to all runs"})
right.set(title="Relative to the average run", xlabel="", ylabel="")
plt.show()
runs.groupby("outcome", observed=True)[action_cols].mean().round(1)"""),
    ("code", """\
crossed = pd.DataFrame({name: runs[col].notna().to_numpy(dtype=bool)
                        for name, col in THRESHOLD_COLUMNS.items()})
during = pd.DataFrame({name: (runs[col].fillna(0) > 0).to_numpy(dtype=bool)
                       for name, col in THRESHOLD_COLUMNS.items()})
fig, (left, right) = plt.subplots(1, 2, figsize=(15, 3.8), layout="constrained")
for ax, frame, title in ((left, crossed, "Share of runs that crossed each threshold"),
                         (right, during, "... crossed it during the run (week 1 or later)")):
    share = frame.groupby(runs["outcome"], observed=True).mean().astype(float)
    sns.heatmap(share, ax=ax, vmin=0, vmax=1, annot=True, fmt=".0%", cmap="rocket_r")
    ax.set(title=title, xlabel="", ylabel="")
    ax.tick_params(axis="x", labelrotation=20)
plt.show()
pd.crosstab(runs["rule"], runs["outcome"], margins=True)"""),
    ("markdown", """\
## 5. Are there enough runs? Convergence of the estimates

For a few parameter points, the share of each outcome after the first *n* replications, with
its Wilson 95% band. The band narrows roughly like 1/√n; where it is still wide, more
replications are needed before the share is quoted. The second plot shows the widest
half-width over all points and outcomes against the number of replications, with the ±0.05
line (about 385 runs are enough for any share)."""),
    ("code", """\
def running_shares(group: pd.DataFrame, outcome: str) -> pd.DataFrame:
    \"\"\"Share and Wilson 95% interval after the first n replications, for a few n.\"\"\"
    hits = (group.sort_values("replication")["outcome"] == outcome).to_numpy()
    ns = np.unique(np.geomspace(min(5, len(hits)), len(hits), 30).astype(int))
    ks = np.cumsum(hits)[ns - 1]
    ci = np.array([wilson_interval(int(k), int(n)) for k, n in zip(ks, ns, strict=True)])
    return pd.DataFrame({"n": ns, "share": ks / ns, "low": ci[:, 0], "high": ci[:, 1]})


shown = list(per_point.index[:6])
cols = min(3, len(shown))
rows = -(-len(shown) // cols)
fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.6 * rows), squeeze=False,
                         sharey=True, layout="constrained")
widest = []
for ax, pid in zip(axes.flat, shown, strict=False):
    group = runs[runs["point_id"] == pid]
    for o in OUTCOMES:
        curve = running_shares(group, o)
        ax.plot(curve["n"], curve["share"], color=COLORS[o], label=o)
        ax.fill_between(curve["n"], curve["low"], curve["high"], color=COLORS[o], alpha=0.15)
    ax.set(xlabel="replications", title=per_point.at[pid, "label"], ylim=(0, 1))
    ax.title.set_fontsize(9)
for ax in axes.flat[len(shown):]:
    ax.set_visible(False)
axes[0, 0].set_ylabel("share of runs")
axes[0, 0].legend(fontsize=8)
fig.suptitle("Running outcome shares with Wilson 95% bands")
plt.show()

for _pid, group in runs.groupby("point_id"):
    for o in OUTCOMES:
        curve = running_shares(group, o)
        widest.append(curve.assign(half=(curve["high"] - curve["low"]) / 2))
widest = pd.concat(widest).groupby("n")["half"].max()
fig, ax = plt.subplots(figsize=(7, 3.8), layout="constrained")
ax.plot(widest.index, widest.to_numpy(), "o-", color="#444444")
ax.axhline(0.05, color="#c44e52", linestyle="--", label="±0.05")
ax.set(xlabel="replications per point", ylabel="widest half-width",
       title="How the widest 95% interval narrows")
ax.legend()
plt.show()
print(f"with all {int(per_point['n'].min())} replications the widest half-width is "
      f"{widest.iloc[-1]:.3f}")"""),
    ("markdown", """\
## 6. Taking the results elsewhere

The run table above (`runs`) is an ordinary pandas data frame: one row per run, with the
varied parameters, `outcome`, `decided_step`, `rule`, `max_rung`, `threshold_*` (week each
Kahn threshold was first crossed; 0 = before the run, empty = never), `final_*` (end state)
and `actions_*` (actions by instrument). To get it as CSV from the command line:

```sh
.venv/bin/escalation export outputs/default                  # -> outputs/default/runs.csv
.venv/bin/escalation export outputs/default --out runs.csv
```

or from here: `runs.to_csv("runs.csv", index=False)`. The per-point shares with their
intervals are also in `summary.csv` in the results folder, and `escalation report` answers
the six questions of the model brief in one document (`outputs/report/report.md`)."""),
]


def build() -> nbformat.NotebookNode:
    """The notebook with deterministic cell ids and no outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                  "language": "python"},
                   "language_info": {"name": "python"}}
    for i, (kind, source) in enumerate(CELLS):
        cell = (nbformat.v4.new_markdown_cell(source) if kind == "markdown"
                else nbformat.v4.new_code_cell(source))
        cell.id = f"cell-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render() -> str:
    return nbformat.writes(build())


def main() -> int:
    NOTEBOOK.write_text(render(), encoding="utf-8")
    print(f"wrote {NOTEBOOK}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
