"""`escalation sensitivity`: a known answer (a no-effect parameter), outputs, and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.sensitivity import crn_seed, iter_tasks, load_sensitivity
from experiments.sweep_config import load_sweep
from model.outcomes import OUTCOMES

CONFIGS = Path(__file__).parents[1] / "experiments" / "configs"

# generic_crisis has no proliferator, hence no nuclear dossier: dossier_coupling does
# nothing there (tests/test_mechanisms.py), while multilateral_pressure matters a lot.
KNOWN = """[sensitivity]
name = "known"
scenario = "generic_crisis"
seed = 11
replications = 8
method = ["sobol", "morris"]
samples = 16
trajectories = 4
horizon = 52
chunk_size = 64

[parameters]
dossier_coupling = { low = 0.0, high = 1.0 }
multilateral_pressure = { low = 0.0, high = 1.0 }
hybrid_intensity = { low = 0.0, high = 2.0 }
"""


def write(folder: Path, text: str, name: str = "sens.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def known(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("known")
    out = folder / "out"
    config = write(folder, KNOWN)
    code = main(["sensitivity", str(config), "--out", str(out), "--executor", "sequential",
                 "--quiet"])
    assert code == 0
    return out, pd.read_csv(out / "sensitivity.csv")


def pick(indices: pd.DataFrame, parameter: str, method: str, index: str) -> pd.DataFrame:
    return indices[(indices["parameter"] == parameter) & (indices["method"] == method)
                   & (indices["index"] == index)].set_index("outcome")


def test_a_parameter_without_effect_gets_zero_indices(known):
    _, indices = known
    morris = pick(indices, "dossier_coupling", "morris", "mu_star")
    assert list(morris.index) == list(OUTCOMES)
    # Common random numbers: identical runs, so every elementary effect is exactly 0.
    assert (morris["value"] == 0.0).all()
    assert (pick(indices, "dossier_coupling", "morris", "sigma")["value"] == 0.0).all()
    total = pick(indices, "dossier_coupling", "sobol", "ST").dropna()
    assert len(total) >= 2  # outcomes whose share varies across the design
    assert (total["value"].abs() <= total["confidence"] + 1e-12).all()
    assert (total["value"].abs() < 1e-9).all()


def test_a_parameter_that_matters_gets_clearly_positive_indices(known):
    _, indices = known
    morris = pick(indices, "multilateral_pressure", "morris", "mu_star")
    assert ((morris["value"] - morris["confidence"]) > 0.1).any()  # CI clear of zero
    total = pick(indices, "multilateral_pressure", "sobol", "ST").dropna()
    assert (total["value"] > 0.2).any()


def test_outputs_and_the_figure(known):
    out, indices = known
    assert list(indices.columns) == ["parameter", "outcome", "method", "index", "value",
                                     "confidence"]
    assert set(indices["index"]) == {"S1", "ST", "mu_star", "mu", "sigma"}
    assert set(indices["parameter"]) == {"dossier_coupling", "multilateral_pressure",
                                         "hybrid_intensity"}
    points = pd.read_csv(out / "samples.csv")
    assert len(points) == 16 * (3 + 2) + 4 * (3 + 1)
    assert set(points["method"]) == {"sobol", "morris"}
    shares = points[[f"{o}_share" for o in OUTCOMES]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    assert (points["runs"] == 8).all()
    png = out / "figures" / "sensitivity.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "sensitivity.json").is_file()


def test_the_printed_table(tmp_path, capsys):
    config = write(tmp_path, KNOWN.replace("samples = 16", "samples = 4")
                   .replace("replications = 8", "replications = 2"))
    assert main(["sensitivity", str(config), "--out", str(tmp_path / "o"), "--executor",
                 "sequential", "--quiet"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split()[-4:] == list(OUTCOMES)
    assert printed[0].startswith("Sobol first-order S1")
    assert printed[1].split()[0] == "dossier_coupling"
    assert any(line.startswith("Morris mu*") for line in printed)
    assert "95%" in printed[-1]


def test_replications_share_seeds_across_points_and_executors(tmp_path):
    text = KNOWN.replace('method = ["sobol", "morris"]', 'method = "morris"').replace(
        "samples = 16\n", "").replace("replications = 8", "replications = 3").replace(
        "chunk_size = 64", "chunk_size = 5")
    config = load_sensitivity(write(tmp_path, text))
    seeds = [crn_seed(11, r) for r in range(3)]
    assert config.seeds() == tuple(seeds) and len(set(seeds)) == 3
    tasks = list(iter_tasks(config, [{}] * 7))
    assert all(t.seeds == tuple(seeds) for t in tasks)
    assert [(t.start, t.stop) for t in tasks][-1] == (20, 21)
    found = []
    for executor in ("sequential", "processes"):
        out = tmp_path / executor
        assert main(["sensitivity", str(config.source), "--out", str(out), "--executor",
                     executor, "--workers", "2", "--quiet"]) == 0
        found.append((out / "samples.csv").read_text())
    assert found[0] == found[1]


def test_shipped_files_load():
    smoke = load_sensitivity(CONFIGS / "sensitivity_smoke.toml")
    assert smoke.methods == ("sobol", "morris")
    d = len(smoke.bounds)
    runs = (smoke.samples * (d + 2) + smoke.trajectories * (d + 1)) * smoke.replications
    assert runs <= 1500 and smoke.fixed["horizon_weeks"] <= 104  # well under a minute
    full = load_sensitivity(CONFIGS / "sensitivity.toml")
    assert full.scenario == "paris_moscow_call"
    assert {"multilateral_pressure", "aid_reliability", "hybrid_intensity", "attribution_rate",
            "dossier_coupling", "reactivity"} <= set(full.bounds)
    # A sensitivity file is also a sweep over its design points (independent seeds).
    sweep = load_sweep(CONFIGS / "sensitivity_smoke.toml")
    assert len(sweep.points) == runs // smoke.replications
    assert sweep.varied == tuple(smoke.bounds)


BAD = [
    ('samples = 16', 'samples = 12', "sensitivity.samples"),
    ('samples = 16', 'samples = "16"', "sensitivity.samples"),
    ('method = ["sobol", "morris"]', 'method = ["sobol", "fast"]', "sensitivity.method"),
    ('method = ["sobol", "morris"]', 'method = []', "sensitivity.method"),
    ('trajectories = 4\n', '', "sensitivity.trajectories"),
    ('trajectories = 4', 'trajectories = 4\nlevels = 5', "sensitivity.levels"),
    ('replications = 8', 'replications = 0', "sensitivity.replications"),
    ('seed = 11', 'seed = 11\nsample = 3', "sensitivity.sample"),
    ('"generic_crisis"', '"atlantis"', "sensitivity.scenario"),
    ('horizon = 52', 'horizon = 0', "sensitivity.horizon"),
    ('dossier_coupling = { low = 0.0, high = 1.0 }', 'nonsense = { low = 0.0, high = 1.0 }',
     "parameters.nonsense"),
    ('{ low = 0.0, high = 2.0 }', '{ low = 0.0, high = 9.0 }', "parameters.hybrid_intensity.high"),
    ('{ low = 0.0, high = 2.0 }', '{ low = 1.0, high = 0.5 }', "parameters.hybrid_intensity"),
    ('{ low = 0.0, high = 2.0 }', '{ low = 0.0 }', "parameters.hybrid_intensity.high"),
    ('{ low = 0.0, high = 2.0 }', '[0.0, 2.0]', "parameters.hybrid_intensity"),
    ('{ low = 0.0, high = 2.0 }', '{ low = 0.0, high = 2.0, num = 3 }',
     "parameters.hybrid_intensity.num"),
    ('hybrid_intensity = { low = 0.0, high = 2.0 }', 'channel_open = { low = 0, high = 1 }',
     "parameters.channel_open"),
    ('hybrid_intensity = { low = 0.0, high = 2.0 }', 'bargaining_horizon = { low = 1.5, '
     'high = 10 }', "parameters.bargaining_horizon.low"),
    ('[parameters]', '[fixed]\nmultilateral_pressure = 0.5\n[parameters]',
     "parameters.multilateral_pressure"),
    ('[parameters]', '[fixed]\naid_reliability = 3\n[parameters]', "fixed.aid_reliability"),
    ('[parameters]', '[extra]\n[parameters]', "extra"),
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
    assert f"{missing}: sensitivity file not found" in capsys.readouterr().err
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    assert main(["sensitivity", str(write(tmp_path, KNOWN)), "--out", str(blocker)]) == 2
    assert "--out" in capsys.readouterr().err
    assert blocker.read_text() == "x"
    assert not (tmp_path / "o").exists()
