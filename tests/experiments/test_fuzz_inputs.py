"""Fuzzing every file type through the CLI: exit 0 or 2, never a traceback.

Hypothesis mutates valid experiment, scenario and catalogue files (values replaced by
wrong types, inf/nan, huge numbers, odd strings, deep nesting; unknown or duplicate
keys; lines dropped or repeated; a BOM, NUL bytes, random unicode, truncation) and
runs each through ``experiments.cli.main`` in-process. Every input must end in exit 0
or in exit 2 with exactly one stderr line and nothing written to the output folder
(or anywhere else); any other exception fails the test.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.cli import main
from model.scenario import SCENARIO_DIR

ROOT = Path(__file__).parents[2]
SCENARIO = (SCENARIO_DIR / "paris_moscow_call.toml").read_text(encoding="utf-8")
CATALOGUE = (ROOT / "model" / "data" / "actions.toml").read_text(encoding="utf-8")
EXPERIMENT = """[experiment]
name = "fuzz"
description = "a fuzzed experiment"
scenario = "paris_moscow_call"
replications = 1
seed = 3
horizon = 2
chunk_size = 2
trajectories = 1

[fixed]
aid_reliability = 0.6

[vary]
channel_open = [true, false]
multilateral_pressure = { low = 0.1, high = 0.9, num = 2 }

[question]
number = 1
title = "Fuzz"
asked = "Does it hold?"
seed = "the seed"

[[question.levers]]
parameter = "channel_open"
lead = "From {first} to {last}"
focus = ["escalated"]
metrics = [{ column = "final_territory_change", label = "gain", scale = 100.0 }]
"""
SAMPLED = EXPERIMENT.replace("chunk_size = 2", 'chunk_size = 2\ndesign = "lhs"\nsamples = 2'
                             ).replace("channel_open = [true, false]\n", "").replace(
    "num = 2 }", "}").split("[question]")[0]

# The values that broke the loaders before (half of all drawn values): non-finite and
# out-of-range numbers, integers too long for Python to parse, nesting too deep for it.
EDGE_VALUES = ["inf", "-inf", "nan", "1e400", str(2**64), "-1", "9" * 5000,
               "[" * 2000 + "]" * 2000]
WEIRD_VALUES = [
    "inf", "-inf", "nan", "+nan", "1e400", "-1e400", "0", "-1", "3", "0.5", "2.5", "1e-320",
    str(2**63), str(2**64), "9" * 30, "-" + "9" * 30, '""', '"x"', '"../../../escape"',
    '"a/b"', '"\\u0000"', '"' + "x" * 300 + '"', '"é🙂"', '"a\\nb"', "true", "false", "[]",
    "[1, 2]", '["a", "a"]', "[[1]]", "[1, \"a\"]", "{}", "{ a = 1 }", "{ low = 1 }",
    "1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", "[" * 300 + "]" * 300,
    '"paris_moscow_call"', '"generic_crisis"', '"none"', '"status_quo"', '"Russia"',
]
WEIRD_KEYS = ["snow", '"a\\nb"', '"\\u0000"', '"ü"', '""', "name", "seed", "horizon_weeks",
              "temperature", "members", "events", "catalogue", "x" * 300]
HEADERS = ["[experiment]", "[fixed]", "[vary]", "[question]", "[scenario]", "[parameters]",
           "[war]", "[actors.Atlantis]", "[alliances.X]", "[[events]]", "[outcome]",
           "[actions.zap]", "[dossier]", "[hostility]", "[[question.levers]]", "[a.b.c]"]
ASSIGNMENT = re.compile(r"^(\s*[\w.\"' -]+?\s*=\s*)(.*)$")

FUZZED: Counter = Counter()   # inputs per (file type, outcome), reported at the end
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))  # raise it for a long hunt


@pytest.fixture(autouse=True)
def _no_figures(monkeypatch):
    """Figures cost ~3 s per valid sweep and draw only validated results: not fuzzed."""
    import experiments.analysis.figures

    monkeypatch.setattr(experiments.analysis.figures, "make_figures", lambda *a, **k: None)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """``text`` with one to three mutations."""
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        lines = text.split("\n")
        kind = draw(st.sampled_from(["value"] * 10 + ["key", "drop", "repeat", "header",
                                                      "bom", "nul", "unicode", "truncate"]))
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        if kind == "value":
            assignments = [j for j, line in enumerate(lines) if ASSIGNMENT.match(line)]
            j = draw(st.sampled_from(assignments)) if assignments else i
            match = ASSIGNMENT.match(lines[j])
            value = draw(st.sampled_from(EDGE_VALUES) | st.sampled_from(WEIRD_VALUES))
            lines[j] = match.group(1) + value if match else lines[j]
        elif kind == "key":
            lines.insert(i, f"{draw(st.sampled_from(WEIRD_KEYS))} = "
                            f"{draw(st.sampled_from(EDGE_VALUES + WEIRD_VALUES))}")
        elif kind == "drop":
            del lines[i]
        elif kind == "repeat":
            lines.insert(i, lines[i])
        elif kind == "header":
            lines.insert(i, draw(st.sampled_from(HEADERS)))
        text = "\n".join(lines)
        if kind == "bom":
            text = "\ufeff" + text
        elif kind in ("nul", "unicode", "truncate"):
            at = draw(st.integers(0, len(text)))
            insert = {"nul": "\x00", "truncate": ""}.get(kind) or draw(st.text(max_size=8))
            text = text[:at] + insert + (text[at:] if kind != "truncate" else "")
    return text


def cases() -> st.SearchStrategy[tuple[str, dict[str, str]]]:
    """(file type, {file name: text}): one mutated file among valid companions."""
    scenario_with_catalogue = SCENARIO.replace(
        "initial_rung = 12", 'initial_rung = 12\ncatalogue = "actions.toml"')
    experiment_on_file = EXPERIMENT.replace('"paris_moscow_call"', '"s.toml"')
    return st.one_of(
        mutated(EXPERIMENT).map(lambda t: ("experiment", {"e.toml": t})),
        mutated(SAMPLED).map(lambda t: ("experiment", {"e.toml": t})),
        mutated(SCENARIO).map(lambda t: ("scenario", {"s.toml": t})),
        mutated(SCENARIO).map(lambda t: ("scenario in an experiment",
                                         {"s.toml": t, "e.toml": experiment_on_file})),
        mutated(CATALOGUE).map(lambda t: ("catalogue", {"actions.toml": t,
                                                        "s.toml": scenario_with_catalogue})),
    )


def _run(kind: str, files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, text in files.items():
            (folder / name).write_bytes(text.encode("utf-8", "surrogatepass"))
        before = sorted(p.name for p in folder.iterdir())
        out = folder / "out"
        if "e.toml" in files:
            argv = ["sweep", str(folder / "e.toml"), "--out", str(out), "--executor",
                    "sequential", "--quiet"]
        else:
            argv = ["run", "--scenario", str(folder / "s.toml"), "--steps", "2", "--out",
                    str(out)]
        stdout, stderr = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        os.chdir(folder)  # a name escaping its folder would land beside the files
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                status = main(argv)
        finally:
            os.chdir(cwd)
        FUZZED[(kind, status)] += 1
        assert status in (0, 2), (status, stderr.getvalue())
        if status == 2:
            lines = stderr.getvalue().splitlines()
            assert len(lines) == 1 and lines[0].startswith("escalation: error: "), lines
            assert not out.exists() or not any(out.iterdir())
            assert sorted(p.name for p in folder.iterdir()) == before
        else:
            assert sorted(p.name for p in folder.iterdir()) == sorted([*before, "out"])


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def _fuzz(case: tuple[str, dict[str, str]]) -> None:
    _run(*case)


def test_every_fuzzed_input_exits_0_or_2_with_one_line():
    FUZZED.clear()
    _fuzz()
    total = sum(FUZZED.values())
    refused = sum(n for (_, status), n in FUZZED.items() if status == 2)
    print(f"\nfuzzed {total} inputs: {refused} refused (exit 2), {total - refused} ran "
          f"(exit 0); by file type and status: {dict(sorted(FUZZED.items()))}")
    assert total >= EXAMPLES
    assert refused and total - refused, "the corpus must exercise both outcomes"


@pytest.mark.parametrize("value", EDGE_VALUES + WEIRD_VALUES)
def test_every_weird_value_in_every_whole_number_key_of_an_experiment(value):
    """Deterministic sweep of the corpus over the experiment's numeric keys."""
    for key in ("replications", "seed", "horizon", "chunk_size", "trajectories"):
        text = re.sub(rf"^{key} = .*$", lambda _m, k=key: f"{k} = {value}", EXPERIMENT,
                      count=1, flags=re.M)
        _run("experiment (table)", {"e.toml": text})
