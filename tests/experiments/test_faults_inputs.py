"""Fault suite: bounded work on any input.

Each kind of file a user writes (experiment, scenario, calibration, target) is grown
in drawn ways: a dotted key of thousands of parts (tomllib's time grows with its
square), arrays and inline tables nested tens of thousands deep, a file of up to 32 GB
(sparse), a description of up to 200,000 characters. Each is refused in one line
(exit 2, nothing written) in bounded time, and reading it allocates little (the file
over the size limit is never read). Posterior weights that are each finite but sum to
infinity are refused too, where they are loaded and in the commands that use them.
"""

from __future__ import annotations

import math
import os
import re
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.checks import MAX_KEY_PARTS, MAX_NESTING, MAX_TEXT, MAX_TOML_BYTES, read_toml
from model.posterior import load_posterior
from model.scenario import SCENARIO_DIR
from tests.experiments.calibration.files import PRIORS, UCDP, calibration_file
from tests.experiments.faults import FAST, cli, counting, write_sweep
from tests.helpers import calibrated_scenario

COUNTS, print_counts = counting("inputs")
ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "model" / "targets" / "no_great_power_war.toml"
SECONDS = 3.0   # a refusal's time, whole command, on a loaded two-core machine


def experiment(folder: Path, description: str = "") -> Path:
    path = write_sweep(folder, 2, name="e.toml")
    text = path.read_text(encoding="utf-8").replace(
        'name = "faults"\n', f'name = "faults"\ndescription = "{description}"\n')
    path.write_text(text, encoding="utf-8")
    return path


def described(source: Path, path: Path, description: str) -> Path:
    """A copy of ``source`` at ``path`` with its first description replaced (if given)."""
    text = source.read_text(encoding="utf-8")
    if description:
        text = re.sub(r'(?m)^description = ".*"$', f'description = "{description}"', text,
                      count=1)
    path.write_text(text, encoding="utf-8")
    return path


def scenario(folder: Path, description: str = "") -> Path:
    return described(SCENARIO_DIR / "paris_moscow_call.toml", folder / "s.toml", description)


def calibration(folder: Path, description: str = "") -> Path:
    return calibration_file(folder, [UCDP], PRIORS, {}, description=description or "c")


def target(folder: Path, description: str = "") -> Path:
    return described(TARGET, folder / "t.toml", description)


KINDS = {   # file maker, and the command that reads it into out
    "experiment": (experiment, lambda f, out: ["sweep", str(f), "--out", str(out),
                                               "--executor", "sequential", "--quiet"]),
    "scenario": (scenario, lambda f, out: ["run", "--scenario", str(f), "--steps", "2",
                                           "--out", str(out)]),
    "calibration": (calibration, lambda f, out: ["calibrate", str(f), "--out", str(out),
                                                 "--executor", "sequential"]),
    "target": (target, lambda f, out: ["validate", str(f), "--runs", "2", "--out", str(out),
                                       "--executor", "sequential"]),
}


def grow(path: Path, fault: str, size: int) -> None:
    """Append the drawn fault to a valid file (or, for "bytes", make it ``size`` long)."""
    if fault == "bytes":
        os.truncate(path, size)   # sparse: no disk, and the reader must not read it
        return
    if fault == "dotted key":
        extra = "\n" + ".".join(["a"] * size) + " = 1\n"
    elif fault == "arrays":
        extra = "\nx = " + "[" * size + "]" * size + "\n"
    else:
        extra = "\nx = " + "{a = " * size + "1" + "}" * size + "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(extra)


FAULTS = {"dotted key": (MAX_KEY_PARTS + 1, 200_000, "dotted parts"),
          "arrays": (MAX_NESTING + 1, 100_000, "nested too deeply"),
          "inline tables": (MAX_NESTING + 1, 50_000, "nested too deeply"),
          "bytes": (MAX_TOML_BYTES + 1, 2**35, "too large")}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@settings(FAST, max_examples=4)
@given(data=st.data(), kind=st.sampled_from(sorted(KINDS)))
def test_an_oversized_or_overnested_file_is_refused_before_parsing(tmp_path_factory, data,
                                                                   kind, fault):
    low, high, words = FAULTS[fault]
    size = data.draw(st.integers(low, high), label="size")
    folder = tmp_path_factory.mktemp("inputs")
    make, command = KINDS[kind]
    path = make(folder)
    grow(path, fault, size)
    tracemalloc.start()
    try:
        with pytest.raises(Exception, match=words):
            read_toml(path, "file")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000 + 6 * min(path.stat().st_size, MAX_TOML_BYTES), peak
    started = time.monotonic()
    status, err = cli(command(path, folder / "out"))
    assert time.monotonic() - started < SECONDS
    assert status == 2 and err.count("\n") == 1 and words in err and str(path) in err, err
    assert not (folder / "out").exists()
    COUNTS[f"{fault} refused"] += 1


@settings(FAST, max_examples=8)
@given(kind=st.sampled_from(sorted(KINDS)), length=st.integers(MAX_TEXT + 1, 200_000))
def test_a_long_free_text_field_is_refused(tmp_path_factory, kind, length):
    folder = tmp_path_factory.mktemp("text")
    make, command = KINDS[kind]
    path = make(folder, description="x" * length)
    status, err = cli(command(path, folder / "out"))
    assert status == 2 and err.count("\n") == 1, err
    assert f"must be at most {MAX_TEXT:,} characters, got {length:,}" in err
    assert not (folder / "out").exists()
    COUNTS["long texts refused"] += 1


# ------------------------------------------------------------------ posterior weights
@settings(FAST, max_examples=6)
@given(weights=st.lists(st.floats(0.9e308, 1.7976931348623157e308), min_size=2,
                        max_size=40))
def test_weights_whose_sum_overflows_are_refused_wherever_they_are_used(tmp_path_factory,
                                                                        weights):
    assert all(math.isfinite(w) for w in weights) and not math.isfinite(sum(weights))
    folder = tmp_path_factory.mktemp("weights")
    n = len(weights)
    columns = {"settlement_rate": list(np.linspace(0.1, 0.3, n)), "weight": weights}
    path = calibrated_scenario(folder, columns)
    with pytest.raises(Exception, match="positive finite sum"):
        load_posterior(folder / "post.parquet")
    for command in (["run", "--scenario", str(path), "--steps", "2",
                     "--out", str(folder / "run")],
                    ["validate", str(TARGET), "--scenario", str(path), "--runs", "2",
                     "--posterior-draws", "2", "--out", str(folder / "validate"),
                     "--executor", "sequential", "--quiet"]):
        status, err = cli(command)
        assert status == 2 and err.count("\n") == 1 and "weight" in err, err
        assert "Traceback" not in err
        COUNTS["overflowing weights refused"] += 1
    scaled = [w * 1e-300 for w in weights]   # the same proportions, summable: accepted
    pq.write_table(pa.table({**columns, "weight": scaled}), folder / "post.parquet")
    posterior = load_posterior(folder / "post.parquet")
    assert posterior.weights.sum() == pytest.approx(1.0)
    assert posterior.weights == pytest.approx(np.array(scaled) / sum(scaled))
