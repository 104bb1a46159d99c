"""experiments/analysis.ipynb runs top to bottom on a sweep's output and draws its figures."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from experiments.cli import main

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOK = ROOT / "experiments" / "analysis.ipynb"


def execute(results: str, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    """Run the notebook as Jupyter would, from experiments/, on the given results folder."""
    monkeypatch.setenv("ESCALATION_RESULTS", results)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    return notebook


def test_committed_notebook_is_valid_and_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code, "the notebook has no code"
    for cell in code:  # clear outputs before committing (Jupyter: "Clear All Outputs")
        assert not cell.outputs and cell.execution_count is None, cell.source[:60]
    text = "\n".join(c.source for c in notebook.cells)
    assert "escalation export" in text and "ESCALATION_RESULTS" in text


def test_notebook_runs_on_the_smoke_sweep_and_draws_figures(tmp_path, monkeypatch):
    out = tmp_path / "smoke"
    assert main(["sweep", str(ROOT / "experiments" / "configs" / "smoke.toml"), "--out",
                 str(out), "--executor", "sequential", "--quiet"]) == 0
    notebook = execute(str(out), monkeypatch)  # raises CellExecutionError on any cell error
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    # shares, one-parameter lines, time to outcome, instruments, 2 convergence; a
    # thresholds heatmap only for thresholds some runs crossed and others did not
    assert len(images) >= 6
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert f"results: {out.resolve()}" in printed
    assert "80 runs at 2 parameter point(s); varied: channel_open" in printed
    # the seed scenario starts at rung 12: the first thresholds are listed, not drawn
    assert "'nuclear war is unthinkable': crossed at all by every run" in printed
    source = "\n".join(c.source for c in notebook.cells)
    assert "rate.round(2)  # actions per week" in source


def test_notebook_names_the_folder_it_could_not_find(monkeypatch):
    with pytest.raises(CellExecutionError) as error:
        execute("no/such/results", monkeypatch)
    message = str(error.value)
    assert "no sweep results in" in message
    assert str(ROOT / "no" / "such" / "results") in message  # looked up from the repo root too
    assert "ESCALATION_RESULTS" in message
