"""Calibrated scenarios: a scenario that names a posterior, and experiments that draw
from it.

* A scenario naming a posterior runs at the posterior's weighted medoid; its
  ``base_parameters`` keep the values before calibration, and ``uncalibrated`` gives
  them back as overrides.
* Every malformed posterior file is a ConfigError naming the file and the column.
* ``posterior_draws``: replication r of every point runs draw r % N, the draws are
  seeded by the experiment's seed (the same every time), and the run table says which
  draw each run used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from experiments.config import load_config
from experiments.runner import iter_chunks, run_chunk
from model import EscalationModel
from model.checks import ConfigError
from model.parameters import Parameters
from model.posterior import load_posterior, uncalibrated, weighted_quantiles
from model.scenario import SCENARIO_DIR, load_scenario
from tests.helpers import (
    SMALL_POSTERIOR,
    calibrated_scenario,
    uncalibrated_scenario,
    write_posterior,
)

PARTICLES = SMALL_POSTERIOR


def test_a_calibrated_scenario_runs_at_the_posterior_medoid(tmp_path):
    scenario = load_scenario(calibrated_scenario(tmp_path))
    assert scenario.parameters.settlement_rate == 0.3       # the heavier of the two sets
    assert scenario.parameters.attrition_rate == 0.03
    assert scenario.base_parameters.settlement_rate == Parameters().settlement_rate
    assert uncalibrated(scenario.posterior, scenario.base_parameters) == {
        "settlement_rate": Parameters().settlement_rate,
        "attrition_rate": Parameters().attrition_rate}
    model = EscalationModel(scenario, rng=1)
    assert model.p.settlement_rate == scenario.parameters.settlement_rate


def test_the_medoid_is_an_accepted_set_amid_the_others_not_their_mean(tmp_path):
    """On a curved (ring-shaped) posterior the weighted mean lies in the hole, where no
    set was accepted; the point is an accepted set amid the others, never a far, light
    outlier."""
    angles = np.linspace(0, 1.5 * np.pi, 40)
    ring = {"settlement_rate": 0.25 + 0.2 * np.cos(angles),
            "attrition_rate": 0.02 + 0.01 * np.sin(angles)}
    columns = {"settlement_rate": [*ring["settlement_rate"], 0.49],
               "attrition_rate": [*ring["attrition_rate"], 0.19],
               "weight": [1.0] * 40 + [0.5]}
    posterior = load_posterior(write_posterior(tmp_path / "ring.parquet", columns))
    point = posterior.point()
    assert (point["settlement_rate"], point["attrition_rate"]) in set(zip(
        ring["settlement_rate"], ring["attrition_rate"], strict=True))
    assert 10 <= posterior.medoid() < 30  # the middle half of the arc, not the outlier
    mean = posterior.weights @ posterior.values
    nearest = np.min(np.hypot(*((posterior.values[:40] - mean) / [0.2, 0.01]).T))
    assert nearest > 0.3                  # the mean: away from every accepted set


def test_draws_follow_the_weights_and_the_seed():
    path = Path(__file__).parent / "post.parquet"
    try:
        posterior = load_posterior(write_posterior(path, PARTICLES))
        draws = posterior.draw(np.random.default_rng(4), 4000)
        share = sum(d["settlement_rate"] == 0.3 for d in draws) / len(draws)
        assert share == pytest.approx(0.75, abs=0.03)
        assert draws == posterior.draw(np.random.default_rng(4), 4000)
    finally:
        path.unlink()


BAD_POSTERIORS = {
    "no weight": ({"settlement_rate": [0.1]}, "weight: missing"),
    "policy": ({"multilateral_pressure": [0.5], "weight": [1.0]}, "a policy parameter"),
    "unknown": ({"nonsense": [0.5], "weight": [1.0]}, "nonsense: not a parameter"),
    "outside range": ({"settlement_rate": [2.0], "weight": [1.0]}, "outside the parameter's"),
    "negative weight": ({"settlement_rate": [0.1, 0.2], "weight": [1.0, -1.0]}, "weights must"),
    "zero weights": ({"settlement_rate": [0.1], "weight": [0.0]}, "weights must"),
    "text": ({"settlement_rate": ["a"], "weight": [1.0]}, "must be numbers"),
    "missing value": ({"settlement_rate": [None, 0.1], "weight": [1.0, 1.0]}, "missing values"),
    "not finite": ({"settlement_rate": [0.1], "weight": [float("inf")]}, "not finite"),
    "sum overflows": ({"settlement_rate": [0.1, 0.2], "weight": [1e308, 1e308]},
                      "positive finite sum (got inf)"),
    "only weight": ({"weight": [1.0]}, "no parameter columns"),
}


@pytest.mark.parametrize("case", list(BAD_POSTERIORS))
def test_a_malformed_posterior_names_the_file_and_the_column(case, tmp_path):
    columns, message = BAD_POSTERIORS[case]
    path = calibrated_scenario(tmp_path, columns)
    with pytest.raises(ConfigError) as error:
        load_scenario(path)
    assert str(path) in str(error.value) and "scenario.posterior" in str(error.value)
    assert message in str(error.value)


def test_a_damaged_or_missing_posterior_file_is_refused(tmp_path):
    path = calibrated_scenario(tmp_path)
    (tmp_path / "post.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ConfigError, match="not a readable Parquet file"):
        load_scenario(path)
    (tmp_path / "post.parquet").unlink()
    with pytest.raises(ConfigError, match="posterior file not found"):
        load_scenario(path)


def test_a_calibrated_parameter_cannot_also_be_set_by_the_scenario(tmp_path):
    text = (SCENARIO_DIR / "generic_crisis.toml").read_text(encoding="utf-8")
    extra = "" if "[parameters]" in text else "\n[parameters]\nsettlement_rate = 0.2\n"
    path = calibrated_scenario(tmp_path, extra=extra)
    if not extra:
        path.write_text(path.read_text().replace("[parameters]\n",
                                                 "[parameters]\nsettlement_rate = 0.2\n"))
    with pytest.raises(ConfigError, match=r"parameters\.settlement_rate: calibrated by"):
        load_scenario(path)


def experiment(tmp_path: Path, scenario: Path, head: str = "") -> Path:
    path = tmp_path / "draws.toml"
    path.write_text(f"""[experiment]
name = "draws"
scenario = "{scenario}"
replications = 4
seed = 3
chunk_size = 8
trajectories = 0
horizon = 20
{head}
[vary]
multilateral_pressure = [0.2, 0.8]
""", encoding="utf-8")
    return path


def test_an_experiment_runs_each_replication_on_its_posterior_draw(tmp_path):
    scenario = calibrated_scenario(tmp_path)
    config = load_config(experiment(tmp_path, scenario, "posterior_draws = 2"))
    assert len(config.draws) == 2
    assert config.draws == load_config(experiment(tmp_path, scenario,
                                                  "posterior_draws = 2")).draws
    table = run_chunk(next(iter_chunks(config))).table.to_pandas()
    assert list(table["draw_id"]) == [0, 1, 0, 1, 0, 1, 0, 1]
    for _, row in table.iterrows():   # the run used its draw: rerun it by hand
        draw = config.draws[row["draw_id"]]
        model = EscalationModel(str(scenario), rng=int(row["seed"]),
                                **{**draw, "horizon_weeks": 20,
                                   "multilateral_pressure": row["multilateral_pressure"]})
        model.run_model()
        assert model.summary()["rule"] == row["rule"]
    plain = run_chunk(next(iter_chunks(load_config(experiment(tmp_path, scenario)))))
    assert "draw_id" not in plain.table.column_names


@pytest.mark.parametrize("head", ["", "posterior_draws = 2"])
def test_another_posterior_file_replaces_the_scenarios_own_calibration(tmp_path, head):
    """A posterior file named by the experiment (e.g. a leave-one-out fit) was fitted
    from the scenario's uncalibrated values, so the scenario's calibrated parameters it
    does not hold run at those values, not at the scenario's own medoid."""
    scenario = calibrated_scenario(tmp_path)
    other = write_posterior(tmp_path / "other.parquet", {"settlement_rate": [0.45, 0.45],
                                                          "weight": [1.0, 1.0]})
    config = load_config(experiment(tmp_path, scenario, f'posterior = "{other}"\n{head}'))
    base = load_scenario(scenario).base_parameters
    assert config.fixed["attrition_rate"] == base.attrition_rate   # not 0.01 or 0.03
    assert load_scenario(scenario).parameters.attrition_rate != base.attrition_rate
    settlement = [d["settlement_rate"] for d in config.draws] or [config.fixed[
        "settlement_rate"]]
    assert settlement and all(value == 0.45 for value in settlement)
    from experiments.runner import run_overrides

    draw = config.draws[1] if config.draws else None   # what a run of the experiment gets
    model = EscalationModel(str(scenario), rng=1,
                            **run_overrides(config.fixed, config.points[0], draw))
    assert (model.p.attrition_rate, model.p.settlement_rate) == (base.attrition_rate, 0.45)


@pytest.mark.parametrize(("head", "scenario", "message"), [
    ("posterior_draws = 2", "uncalibrated", "names no posterior"),
    ("posterior_draws = 3", None, "must be a multiple of posterior_draws"),
    ("posterior_draws = -1", None, "experiment.posterior_draws"),
])
def test_bad_posterior_draws_are_refused(tmp_path, head, scenario, message):
    scenario = (uncalibrated_scenario(tmp_path) if scenario == "uncalibrated"
                else calibrated_scenario(tmp_path))
    with pytest.raises(ConfigError, match=message):
        load_config(experiment(tmp_path, scenario, head))


def test_a_shipped_posterior_is_named_without_a_path(tmp_path, monkeypatch):
    """A scenario names a shipped posterior (model/posteriors/<name>.parquet) by name, so
    a copy of a shipped scenario edited elsewhere keeps its calibration; any other
    value is a path relative to the scenario file."""
    import model.scenario as scenario_module

    shipped = tmp_path / "posteriors"
    shipped.mkdir()
    write_posterior(shipped / "fitted.parquet", PARTICLES)
    monkeypatch.setattr(scenario_module, "POSTERIOR_DIR", shipped)
    assert scenario_module.shipped_posteriors() == ["fitted"]
    elsewhere = tmp_path / "copies"
    elsewhere.mkdir()
    text = uncalibrated_scenario(elsewhere).read_text(encoding="utf-8")
    named = elsewhere / "named.toml"
    named.write_text(text.replace("[scenario]\n", '[scenario]\nposterior = "fitted"\n', 1),
                     encoding="utf-8")
    assert load_scenario(named).posterior.sha256 == load_posterior(
        shipped / "fitted.parquet").sha256
    missing = elsewhere / "missing.toml"
    missing.write_text(text.replace("[scenario]\n", '[scenario]\nposterior = "fitte"\n', 1),
                       encoding="utf-8")
    with pytest.raises(ConfigError, match=r"scenario\.posterior: .*posterior file not found"):
        load_scenario(missing)


def test_weighted_quantiles_follow_the_weights():
    x = np.array([1.0, 2.0, 3.0])
    assert weighted_quantiles(x, np.array([0.0, 0.0, 1.0]), (0.05, 0.95)) == [3.0, 3.0]
    assert weighted_quantiles(x, np.array([1.0, 1.0, 1.0]), (0.05, 0.5, 0.95)) == [1, 2, 3]
