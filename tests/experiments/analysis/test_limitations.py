"""The report's limitations: what the calibration fitted comes from the posterior file."""

from __future__ import annotations

from experiments.analysis.limitations import calibration_facts, limitations_markdown
from model.scenario import load_scenario
from tests.helpers import calibrated_scenario, uncalibrated_scenario


def test_the_calibration_facts_come_from_the_posterior():
    seed = load_scenario("paris_moscow_call")
    facts = calibration_facts(seed)
    assert f"its {len(seed.posterior.names)} calibrated structural parameters" in facts
    assert all(f"`{name}`" in facts for name in seed.posterior.names)
    # the posterior's metadata: fitted on generic_crisis, to these targets
    assert ("fitted by ABC-SMC on the scenario `generic_crisis` to `interstate_war_endings`, "
            "`no_great_power_war`, `interstate_war_durations`, `interstate_war_recurrence`"
            ) in facts
    assert "then conditioned on a war still fighting at week 175" in facts
    assert "`paris_moscow_call` borrows that fit" in facts
    generic = calibration_facts(load_scenario("generic_crisis"))
    assert "borrows" not in generic and "conditioned" not in generic
    # the shipped fit is the joint one (docs/CALIBRATION.md, "Status"): nothing held, and
    # its weights sit on a few parameter sets, which the facts say
    assert "held at the medoid" not in generic
    assert "the draws repeat a few parameter sets" in generic


def test_an_uncalibrated_scenario_says_so(tmp_path):
    scenario = load_scenario(uncalibrated_scenario(tmp_path))
    assert "is not calibrated" in calibration_facts(scenario)
    text = limitations_markdown([scenario])
    assert text.startswith("## Limitations") and "What the model leaves out" in text


def test_the_effective_sample_size_is_stated_and_a_degenerate_one_is_called_so(tmp_path):
    """Equal weights: 20 of 20 and no warning; one particle with 0.91 of the weight: an
    effective sample size of 1.2 (under a tenth of 20), and the sentence says the draws
    understate the uncertainty."""
    values = [0.1 + 0.01 * k for k in range(20)]
    for name in ("even", "skewed"):
        (tmp_path / name).mkdir()
    even = calibrated_scenario(tmp_path / "even", {"settlement_rate": values,
                                                   "weight": [0.05] * 20})
    facts = calibration_facts(load_scenario(even))
    assert "effective sample size of 20.0 of 20 parameter sets" in facts
    assert "understates" not in facts
    skewed = calibrated_scenario(tmp_path / "skewed", {"settlement_rate": values,
                                                       "weight": [0.91] + [0.09 / 19] * 19})
    facts = calibration_facts(load_scenario(skewed))
    assert "effective sample size of 1.2 of 20 parameter sets" in facts
    assert "the spread over posterior draws understates the parameter uncertainty" in facts


def test_held_parameters_are_named_as_left_out_of_the_uncertainty(tmp_path):
    """A second-stage posterior records the parameters it held at an earlier fit's
    medoid: the paragraph counts them and says draws leave their uncertainty out; a
    posterior without that record says nothing of it."""
    import json

    import pyarrow.parquet as pq

    from model.posterior import METADATA

    scenario = calibrated_scenario(tmp_path, {"settlement_rate": [0.1, 0.3],
                                              "attrition_rate": [0.02, 0.02],
                                              "weight": [1.0, 1.0]})
    assert "held" not in calibration_facts(load_scenario(scenario))
    file = tmp_path / "post.parquet"
    record = {"scenario": "generic_crisis", "targets": ["interstate_war_endings"],
              "held": {"posterior": "first", "sha256": "ab" * 32,
                       "names": ["attrition_rate"]}}
    table = pq.read_table(file)
    pq.write_table(table.replace_schema_metadata({METADATA: json.dumps(record).encode()}),
                   file)
    facts = calibration_facts(load_scenario(scenario))
    assert ("1 of them were not fitted with the others but held at the medoid of an "
            "earlier fit (`first`)") in facts
    assert "leave out the held parameters' uncertainty" in facts
