"""A war's age (experiments/calibration/conditioning.py and `escalation condition`): a
parameter set whose wars end in weeks keeps a weight near 0; the file records how it
was made and a scenario can name it."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from experiments.calibration.conditioning import condition_on_age
from experiments.cli import main
from experiments.executors import SequentialExecutor
from model.posterior import load_posterior
from tests.helpers import uncalibrated_scenario

# Particle 0: armies break at the first losses and breaking the imposed truce costs the
# most it can (the war ends within weeks, imposed, and stays ended: an ending that broke
# down within episode_gap_weeks would not end the episode); particle 1: armies never
# break and little is lost (the war goes on).
PARTICLES = {"collapse_capability": [0.99, 0.05], "attrition_rate": [0.05, 0.002],
             "truce_violation_cost": [5.0, 1.0], "weight": [1.0, 1.0]}


@pytest.fixture
def posterior_file(tmp_path):
    path = tmp_path / "post.parquet"
    pq.write_table(pa.table(PARTICLES), path)
    return path


def test_a_parameter_set_whose_wars_end_in_weeks_gets_a_weight_near_zero(tmp_path,
                                                                        posterior_file):
    scenario = uncalibrated_scenario(tmp_path)
    posterior = load_posterior(posterior_file)
    with SequentialExecutor() as executor:
        result = condition_on_age(posterior, str(scenario), {}, age_weeks=52, runs=12,
                                  seed=3, executor=executor)
    assert result.survival[0] == 0.0 and result.survival[1] > 0.5
    assert result.weights[0] == pytest.approx(0.0)
    assert result.weights.sum() == pytest.approx(1.0)
    assert result.effective_size == pytest.approx(1.0)
    with SequentialExecutor() as executor:   # the same seed gives the same runs
        again = condition_on_age(posterior, str(scenario), {}, 52, 12, 3, executor)
    np.testing.assert_array_equal(again.weights, result.weights)


def test_the_command_writes_a_posterior_a_scenario_can_name(tmp_path, posterior_file,
                                                           capsys):
    scenario = uncalibrated_scenario(tmp_path)
    out = tmp_path / "conditioned.parquet"
    assert main(["condition", "--posterior", str(posterior_file), "--scenario",
                 str(scenario), "--age-weeks", "52", "--runs", "8", "--out", str(out),
                 "--executor", "sequential", "--quiet"]) == 0
    assert "effective sample size" in capsys.readouterr().out
    conditioned = load_posterior(out)
    assert conditioned.names == ("collapse_capability", "attrition_rate",
                                 "truce_violation_cost")
    assert conditioned.weights[0] == pytest.approx(0.0)
    note = conditioned.record["conditioned"]
    assert (note["age_weeks"], note["runs"]) == (52, 8)
    assert note["base_sha256"] == load_posterior(posterior_file).sha256


@pytest.mark.parametrize("args, key", [
    (["--age-weeks", "0"], "--age-weeks"),
    (["--age-weeks", "52", "--runs", "0"], "--runs"),
    (["--age-weeks", "x"], "--age-weeks"),
    (["--age-weeks", "52", "--posterior", "no_such.parquet"], "no_such.parquet"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, args, key):
    out = tmp_path / "c.parquet"
    assert main(["condition", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and key in err, err
    assert not out.exists()


def test_it_refuses_to_write_over_the_posterior_it_reads(posterior_file, capsys):
    assert main(["condition", "--posterior", str(posterior_file), "--age-weeks", "52",
                 "--out", str(posterior_file)]) == 2
    assert "is the posterior it reads" in capsys.readouterr().err
