"""The report's limitations: what the calibration fitted comes from the posterior file."""

from __future__ import annotations

from experiments.analysis.limitations import calibration_facts, limitations_markdown
from model.scenario import load_scenario
from tests.helpers import uncalibrated_scenario


def test_the_calibration_facts_come_from_the_posterior():
    seed = load_scenario("paris_moscow_call")
    facts = calibration_facts(seed)
    assert f"its {len(seed.posterior.names)} calibrated structural parameters" in facts
    assert all(f"`{name}`" in facts for name in seed.posterior.names)
    # the posterior's metadata: fitted on generic_crisis, to these targets
    assert ("fitted by ABC-SMC on the scenario `generic_crisis` to `interstate_war_endings`, "
            "`no_great_power_war`") in facts
    assert "`paris_moscow_call` borrows that fit" in facts
    assert "borrows" not in calibration_facts(load_scenario("generic_crisis"))


def test_an_uncalibrated_scenario_says_so(tmp_path):
    scenario = load_scenario(uncalibrated_scenario(tmp_path))
    assert "is not calibrated" in calibration_facts(scenario)
    text = limitations_markdown([scenario])
    assert text.startswith("## Limitations") and "What the model leaves out" in text
