"""A calibration's folder: another calibration's is refused, --finish needs a started one."""

import json

from experiments.calibration.folder import MANIFEST
from experiments.cli import main
from tests.experiments.calibration.files import PRIORS, UCDP, calibration_file


def test_finish_needs_a_started_calibration(tmp_path, capsys):
    config = calibration_file(tmp_path, [UCDP], PRIORS, {})
    assert main(["calibrate", str(config), "--out", str(tmp_path / "out"), "--finish"]) == 2
    assert "nothing to finish" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_folder_of_another_calibration_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text(json.dumps({"calibration_sha256": "0" * 64}))
    config = calibration_file(tmp_path, [UCDP], PRIORS, {})
    assert main(["calibrate", str(config), "--out", str(out)]) == 2
    assert "holds another calibration" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST]
