"""`escalation sensitivity`: a known answer (a no-effect parameter), outputs, and bad input.

A sensitivity analysis is an experiment with a saltelli or morris design and common
random numbers; its runs are an ordinary run table (load_results) and resume.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.chunk_store import read_manifest
from experiments.cli import main
from experiments.cli.sensitivity import smoke_note
from experiments.config import load_config
from experiments.results import load_results
from model.outcomes import OUTCOMES

CONFIGS = Path(__file__).parents[3] / "experiments" / "configs"

# generic_crisis has no proliferator, hence no nuclear dossier: dossier_coupling does
# nothing there (tests/model/test_mechanisms.py), while multilateral_pressure matters a lot.
KNOWN = """[experiment]
name = "known"
scenario = "generic_crisis"
seed = 11
replications = 8
design = "saltelli"
samples = 16
horizon = 52
chunk_size = 64

[vary]
dossier_coupling = { low = 0.0, high = 1.0 }
multilateral_pressure = { low = 0.0, high = 1.0 }
hybrid_intensity = { low = 0.0, high = 2.0 }
"""
MORRIS = KNOWN.replace('design = "saltelli"', 'design = "morris"').replace(
    "samples = 16", "samples = 4")


def write(folder: Path, text: str, name: str = "sens.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run(folder: Path, text: str) -> tuple[Path, pd.DataFrame]:
    out = folder / "out"
    code = main(["sensitivity", str(write(folder, text)), "--out", str(out), "--executor",
                 "sequential", "--quiet"])
    assert code == 0
    return out, pd.read_csv(out / "sensitivity.csv")


@pytest.fixture(scope="module")
def known(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    return run(tmp_path_factory.mktemp("sobol"), KNOWN)


@pytest.fixture(scope="module")
def screened(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    return run(tmp_path_factory.mktemp("morris"), MORRIS)


def pick(indices: pd.DataFrame, parameter: str, index: str) -> pd.DataFrame:
    return indices[(indices["parameter"] == parameter)
                   & (indices["index"] == index)].set_index("outcome")


def test_a_parameter_without_effect_gets_zero_indices(known, screened):
    morris = pick(screened[1], "dossier_coupling", "mu_star")
    assert list(morris.index) == list(OUTCOMES)
    # Common random numbers: identical runs, so every elementary effect is exactly 0.
    assert (morris["value"] == 0.0).all()
    assert (pick(screened[1], "dossier_coupling", "sigma")["value"] == 0.0).all()
    total = pick(known[1], "dossier_coupling", "ST").dropna()
    assert len(total) >= 2  # outcomes whose share varies across the design
    assert (total["value"].abs() <= total["confidence"] + 1e-12).all()
    assert (total["value"].abs() < 1e-9).all()


def test_a_parameter_that_matters_gets_clearly_positive_indices(known, screened):
    morris = pick(screened[1], "multilateral_pressure", "mu_star")
    assert ((morris["value"] - morris["confidence"]) > 0.1).any()  # CI clear of zero
    total = pick(known[1], "multilateral_pressure", "ST").dropna()
    assert (total["value"] > 0.2).any()


def test_outputs_the_figure_and_the_run_table(known, screened):
    for (out, indices), method, points, names in (
            (known, "sobol", 16 * (3 + 2), {"S1", "ST"}),
            (screened, "morris", 4 * (3 + 1), {"mu_star", "mu", "sigma"})):
        assert list(indices.columns) == ["parameter", "outcome", "method", "index", "value",
                                         "confidence"]
        assert set(indices["index"]) == names and set(indices["method"]) == {method}
        assert set(indices["parameter"]) == {"dossier_coupling", "multilateral_pressure",
                                             "hybrid_intensity"}
        samples = pd.read_csv(out / "samples.csv")
        assert len(samples) == points
        assert np.allclose(samples[[f"{o}_share" for o in OUTCOMES]].sum(axis=1), 1.0)
        assert (samples["runs"] == 8).all()
        png = out / "figures" / "sensitivity.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        # The runs are an ordinary run table: one row per run, common seeds per replication.
        runs = load_results(out)
        assert len(runs) == points * 8
        assert runs.groupby("replication")["seed"].nunique().eq(1).all()
        assert read_manifest(out)["status"] == "complete"


def test_the_printed_table(tmp_path, capsys):
    config = write(tmp_path, KNOWN.replace("samples = 16", "samples = 4")
                   .replace("replications = 8", "replications = 2"))
    assert main(["sensitivity", str(config), "--out", str(tmp_path / "o"), "--executor",
                 "sequential", "--quiet"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split()[-4:] == list(OUTCOMES)
    assert printed[0].startswith("Sobol first-order S1")
    assert printed[1].split()[0] == "dossier_coupling"
    assert any(line.startswith("Sobol total ST") for line in printed)
    assert "95%" in printed[-1]


def test_indices_do_not_depend_on_the_executor_and_a_rerun_resumes(tmp_path, capsys):
    text = MORRIS.replace("replications = 8", "replications = 3").replace(
        "chunk_size = 64", "chunk_size = 5")
    config = write(tmp_path, text)
    found = []
    for executor in ("sequential", "processes"):
        out = tmp_path / executor
        assert main(["sensitivity", str(config), "--out", str(out), "--executor",
                     executor, "--workers", "2", "--quiet"]) == 0
        found.append(((out / "samples.csv").read_text(), (out / "sensitivity.csv").read_text()))
    assert found[0] == found[1]
    capsys.readouterr()
    assert main(["sensitivity", str(config), "--out", str(tmp_path / "sequential"),
                 "--executor", "sequential"]) == 0
    assert "48 found on disk" in capsys.readouterr().out  # 16 points x 3 runs, none re-run


def test_shipped_files_load():
    for name, design in (("sensitivity_smoke", "saltelli"), ("screening_smoke", "morris")):
        smoke = load_config(CONFIGS / f"{name}.toml")
        assert smoke.design == design and smoke.common_seeds
        assert smoke.total_runs <= 1000 and smoke.fixed["horizon_weeks"] <= 104
        assert smoke_note(smoke).startswith(f"SMOKE RUN ({name}: ")  # labelled: not results
    for name in ("sensitivity", "screening"):
        full = load_config(CONFIGS / f"{name}.toml")
        assert smoke_note(full) == ""
        assert full.scenario == "paris_moscow_call"
        assert {"multilateral_pressure", "aid_reliability", "hybrid_intensity",
                "attribution_rate", "dossier_coupling", "reactivity"} <= set(full.varied)


def test_a_design_without_indices_is_refused_before_running(tmp_path, capsys):
    config = write(tmp_path, KNOWN.replace('design = "saltelli"', 'design = "lhs"'))
    out = tmp_path / "out"
    assert main(["sensitivity", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{config}: experiment.design: sensitivity needs" in err[0]
    assert not out.exists()


BAD = [
    ('samples = 16', 'samples = 12', "experiment.samples"),
    ('samples = 16', 'samples = "16"', "experiment.samples"),
    ('design = "saltelli"', 'design = "fast"', "experiment.design"),
    ('samples = 16\n', '', "experiment.samples"),
    ('samples = 16', 'samples = 16\nlevels = 4', "experiment.levels"),
    ('replications = 8', 'replications = 0', "experiment.replications"),
    ('seed = 11', 'seed = 11\nsample = 3', "experiment.sample"),
    ('"generic_crisis"', '"atlantis"', "experiment.scenario"),
    ('horizon = 52', 'horizon = 0', "experiment.horizon"),
    ('dossier_coupling = { low = 0.0, high = 1.0 }', 'nonsense = { low = 0.0, high = 1.0 }',
     "vary.nonsense"),
    ('{ low = 0.0, high = 2.0 }', '{ low = 0.0, high = 9.0 }', "vary.hybrid_intensity.high"),
    ('{ low = 0.0, high = 2.0 }', '{ low = 1.0, high = 0.5 }', "vary.hybrid_intensity"),
    ('{ low = 0.0, high = 2.0 }', '{ low = 0.0 }', "vary.hybrid_intensity.high"),
    ('{ low = 0.0, high = 2.0 }', '[0.0, 2.0]', "vary.hybrid_intensity"),
    ('{ low = 0.0, high = 2.0 }', '{ low = 0.0, high = 2.0, num = 3 }',
     "vary.hybrid_intensity.num"),
    ('hybrid_intensity = { low = 0.0, high = 2.0 }', 'channel_open = { low = 0, high = 1 }',
     "vary.channel_open"),
    ('hybrid_intensity = { low = 0.0, high = 2.0 }', 'bargaining_horizon = { low = 1.5, '
     'high = 10 }', "vary.bargaining_horizon.low"),
    ('[vary]', '[fixed]\nmultilateral_pressure = 0.5\n[vary]', "vary.multilateral_pressure"),
    ('[vary]', '[fixed]\naid_reliability = 3\n[vary]', "fixed.aid_reliability"),
    ('[vary]', '[extra]\n[vary]', "extra"),
]


@pytest.mark.parametrize("old, new, key", BAD, ids=[b[2] + ":" + b[1][:18] for b in BAD])
def test_bad_files_exit_2_in_one_line_naming_file_and_key(tmp_path, capsys, old, new, key):
    assert old in KNOWN
    config = write(tmp_path, KNOWN.replace(old, new, 1))
    out = tmp_path / "out"
    assert main(["sensitivity", str(config), "--out", str(out), "--executor", "sequential"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert f"{config}: {key}:" in lines[0]
    assert not out.exists()


@pytest.mark.parametrize("args, where", [
    (["--workers", "two"], "--workers: two:"),
    (["--workers", "0"], "--workers: 0:"),
    (["--executor", "threads"], "--executor: threads:"),
])
def test_bad_options_exit_2_and_write_nothing(tmp_path, capsys, args, where):
    config = write(tmp_path, KNOWN)
    out = tmp_path / "out"
    assert main(["sensitivity", str(config), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and where in err[0]
    assert not out.exists()


def test_missing_file_and_output_that_is_a_file(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    assert main(["sensitivity", str(missing), "--out", str(tmp_path / "o")]) == 2
    assert f"{missing}: experiment file not found" in capsys.readouterr().err
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    assert main(["sensitivity", str(write(tmp_path, KNOWN)), "--out", str(blocker)]) == 2
    assert "--out" in capsys.readouterr().err
    assert blocker.read_text() == "x"
    assert not (tmp_path / "o").exists()
