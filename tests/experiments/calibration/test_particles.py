"""A particle: the same parameter set always gets the same runs, on the scenario file as it
was when the calibration started."""

import pytest

from experiments.calibration.particles import ParticleRuns
from experiments.provenance import file_sha256
from experiments.targets import load_targets
from model.checks import ConfigError
from tests.experiments.calibration.files import BASE, BOUND, PRIORS, UCDP
from tests.helpers import uncalibrated_scenario


def test_a_scenario_edited_while_a_calibration_runs_stops_it(tmp_path):
    """A calibration's runs use the scenario file as it was when it started: after an
    edit, the next particle refuses to run (a resume checks the same hash)."""
    path = uncalibrated_scenario(tmp_path)
    targets = (load_targets(UCDP), load_targets(BOUND))
    particle = {"collapse_capability": 0.4, "settlement_rate": 0.25}
    runs = ParticleRuns(str(path), file_sha256(path), dict(BASE), tuple(PRIORS), 4, 5,
                        targets)
    before = runs(particle)
    assert before == runs(particle)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("capability = 0.8", "capability = 0.3"), encoding="utf-8")
    with pytest.raises(ConfigError, match="edited while the calibration runs"):
        runs(particle)
    path.write_text(text, encoding="utf-8")
    assert runs(particle) == before
