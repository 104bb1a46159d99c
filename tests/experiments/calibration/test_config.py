"""Calibration files: every malformed file (or target file it names) is one line on stderr,
exit status 2, and no output folder."""

import pytest

from experiments.cli import main
from tests.experiments.calibration.files import PRIORS, UCDP, calibration_file
from tests.helpers import write_posterior

BAD_CASES = {
    "policy parameter": ({"multilateral_pressure": (0.0, 1.0)}, {}, {}, "priors."
                         "multilateral_pressure: a policy parameter"),
    "unknown parameter": ({"no_such": (0.0, 1.0)}, {}, {}, "priors.no_such: unknown"),
    "empty range": ({"settlement_rate": (0.3, 0.3)}, {}, {}, "bad range"),
    "out of range": ({"settlement_rate": (0.0, 7.0)}, {}, {}, "priors.settlement_rate.high"),
    "prior also fixed": (PRIORS, {"settlement_rate": 0.2}, {}, "also set in [fixed]"),
    "no runs": (PRIORS, {}, {"runs_per_particle": 0}, "calibration.runs_per_particle"),
    "one particle": (PRIORS, {}, {"population": 1}, "calibration.population"),
    "negative seed": (PRIORS, {}, {"seed": -1}, "calibration.seed"),
    "unknown key": (PRIORS, {}, {"colour": "red"}, "unknown key"),
    "bad scenario": (PRIORS, {}, {"scenario": "atlantis"}, "calibration.scenario"),
    "missing target file": (PRIORS, {}, {"targets": ["nowhere.toml"]}, "target file not found"),
    "same target twice": (PRIORS, {}, {"targets": [str(UCDP), str(UCDP)]}, "given twice"),
    "bad acceptance": (PRIORS, {}, {"min_acceptance": 2}, "calibration.min_acceptance"),
    "no kernel": (PRIORS, {}, {"kernel_scale": 0}, "calibration.kernel_scale"),
    "held posterior missing": (PRIORS, {}, {"hold": "no_such.parquet"},
                               "calibration.hold"),
    "nothing to hold": ({"temperature": (0.1, 1.0)}, {"settlement_rate": 0.3},
                        {"hold": "fitted.parquet"}, "holds nothing"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_a_malformed_calibration_file_is_one_line_and_writes_nothing(case, tmp_path, capsys):
    priors, fixed, head, message = BAD_CASES[case]
    write_posterior(tmp_path / "fitted.parquet", {"temperature": [0.2, 0.4],
                                                  "settlement_rate": [0.1, 0.3],
                                                  "weight": [1.0, 1.0]})
    config = calibration_file(tmp_path, [UCDP], priors, fixed, **head)
    out = tmp_path / "out"
    assert main(["calibrate", str(config), "--out", str(out), "--executor",
                 "sequential"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(config) in err, err
    assert not out.exists()


def test_a_malformed_target_file_is_one_line_and_writes_nothing(tmp_path, capsys):
    target = tmp_path / "target.toml"
    target.write_text(UCDP.read_text(encoding="utf-8").replace('rules = ["imposed"]',
                                                               'rules = ["victory"]'))
    config = calibration_file(tmp_path, [target], PRIORS, {})
    out = tmp_path / "out"
    assert main(["calibrate", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(target) in err and "rules[0]" in err, err
    assert not out.exists()


def test_a_missing_screening_folder_is_refused(tmp_path, capsys):
    config = calibration_file(tmp_path, [UCDP], PRIORS, {})
    with config.open("a") as f:
        f.write('[screening]\nresults = "no_such_folder"\nkeep = 1\n')
    assert main(["calibrate", str(config), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "screening.results" in err and "no screening folder" in err
    assert not (tmp_path / "out").exists()
