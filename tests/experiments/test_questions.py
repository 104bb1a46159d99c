"""The [question] table of a question sweep file: parsed, validated, found and ordered."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from experiments.config import load_questions
from experiments.questions import Lever, parse_question
from model.checks import ConfigError

CONFIGS = Path(__file__).resolve().parents[2] / "experiments" / "configs"
SOURCE = "hybrid.toml"
VARIED = ("hybrid_intensity", "attribution_rate")
GOOD = {
    "number": 4, "title": "Hybrid war", "asked": "When does it spiral?", "seed": "a hybrid war",
    "levers": [
        {"parameter": "hybrid_intensity", "lead": "Raising it from {first} to {last}",
         "moved": {"column": "final_covert_acts", "label": "covert acts"},
         "focus": ["escalated"],
         "metrics": [{"column": "max_rung", "label": "mean highest Kahn rung"}]},
        {"parameter": "attribution_rate", "lead": "Attributing more", "descending": True,
         "moved": {"column": "final_covert_attributed", "label": "attributed", "scale": 2.0}},
    ],
}


def with_change(path: tuple, value: object = None, delete: bool = False) -> dict:
    raw = copy.deepcopy(GOOD)
    table = raw
    for key in path[:-1]:
        table = table[key]
    if delete:
        del table[path[-1]]
    else:
        table[path[-1]] = value
    return raw


def test_a_good_table_parses():
    question = parse_question(GOOD, SOURCE, VARIED)
    assert (question.number, question.title, question.config) == (4, "Hybrid war",
                                                                  "hybrid.toml")
    assert question.levers == (
        Lever("hybrid_intensity", "Raising it from {first} to {last}",
              ("final_covert_acts", "covert acts", 1.0), False, ("escalated",),
              (("max_rung", "mean highest Kahn rung", 1.0),)),
        Lever("attribution_rate", "Attributing more",
              ("final_covert_attributed", "attributed", 2.0), True))


@pytest.mark.parametrize("path, value, delete, key", [
    (("number",), None, True, "question.number"),
    (("title",), None, True, "question.title"),
    (("asked",), None, True, "question.asked"),
    (("seed",), None, True, "question.seed"),
    (("levers",), None, True, "question.levers"),
    (("levers", 0, "parameter"), None, True, "question.levers[0].parameter"),
    (("levers", 1, "lead"), None, True, "question.levers[1].lead"),
    (("levers", 1, "moved"), None, True, "question.levers[1].moved"),
    (("levers", 0, "moved", "column"), None, True, "question.levers[0].moved.column"),
    (("levers", 0, "moved"), "covert", False, "question.levers[0].moved"),
    (("levers", 0, "metrics", 0, "label"), None, True, "question.levers[0].metrics[0].label"),
    (("number",), "4", False, "question.number"),
    (("number",), 4.0, False, "question.number"),
    (("number",), True, False, "question.number"),
    (("number",), 0, False, "question.number"),
    (("title",), 7, False, "question.title"),
    (("seed",), "", False, "question.seed"),
    (("levers",), [], False, "question.levers"),
    (("levers",), {"parameter": "hybrid_intensity"}, False, "question.levers"),
    (("levers", 0), "hybrid_intensity", False, "question.levers[0]"),
    (("levers", 1, "descending"), "yes", False, "question.levers[1].descending"),
    (("levers", 0, "focus"), "escalated", False, "question.levers[0].focus"),
    (("levers", 0, "focus"), ["escalated", "won"], False, "question.levers[0].focus[1]"),
    (("levers", 0, "metrics"), {"column": "max_rung"}, False, "question.levers[0].metrics"),
    (("levers", 0, "metrics", 0, "scale"), "big", False,
     "question.levers[0].metrics[0].scale"),
    (("levers", 0, "lead"), "From {low} to {last}", False, "question.levers[0].lead"),
    (("levers", 0, "lead"), "From {first", False, "question.levers[0].lead"),
    (("wording",), "typo", False, "question.wording"),
    (("levers", 1, "decending"), True, False, "question.levers[1].decending"),
    (("levers", 0, "metrics", 0, "colour"), "red", False,
     "question.levers[0].metrics[0].colour"),
    (("levers", 0, "parameter"), "channel_open", False, "question.levers[0].parameter"),
    (("levers", 1, "parameter"), "hybrid_intensity", False, "question.levers[1].parameter"),
])
def test_every_bad_input_names_the_file_and_the_key(path, value, delete, key):
    with pytest.raises(ConfigError) as error:
        parse_question(with_change(path, value, delete), SOURCE, VARIED)
    assert (error.value.source, error.value.key) == (SOURCE, key)
    assert str(error.value).startswith(f"{SOURCE}: {key}: ")


def test_a_lever_must_compare_a_varied_parameter():
    with pytest.raises(ConfigError, match="'attribution_rate' is not varied by this sweep"):
        parse_question(GOOD, SOURCE, ("hybrid_intensity",))
    with pytest.raises(ConfigError) as error:
        parse_question(GOOD, SOURCE, ())
    assert error.value.key == "question.levers[0].parameter"


def test_the_question_table_must_be_a_table():
    with pytest.raises(ConfigError) as error:
        parse_question(["not", "a", "table"], SOURCE, VARIED)  # type: ignore[arg-type]
    assert error.value.key == "question"


def sweep_file(folder: Path, name: str, number: int | None) -> Path:
    path = folder / f"{name}.toml"
    question = "" if number is None else (
        f'\n[question]\nnumber = {number}\ntitle = "T{number}"\nasked = "A"\nseed = "S"\n\n'
        '[[question.levers]]\nparameter = "channel_open"\nlead = "Opening it"\n'
        'moved = { column = "final_channel_open_share", label = "open weeks" }\n')
    path.write_text('[experiment]\nname = "x"\nscenario = "generic_crisis"\nreplications = 1\n'
                    'seed = 1\n\n[vary]\nchannel_open = [true, false]\n' + question,
                    encoding="utf-8")
    return path


def test_question_files_are_found_and_ordered_by_number(tmp_path):
    late = sweep_file(tmp_path, "a_late", 3)
    early = sweep_file(tmp_path, "z_early", 1)
    sweep_file(tmp_path, "plain", None)  # no [question]: not a question file
    found = load_questions(tmp_path)
    assert [q.number for q, _ in found] == [1, 3]
    assert [config.source for _, config in found] == [str(early), str(late)]


def test_two_files_asking_the_same_number_are_refused(tmp_path):
    sweep_file(tmp_path, "first", 2)
    second = sweep_file(tmp_path, "second", 2)
    with pytest.raises(ConfigError) as error:
        load_questions(tmp_path)
    assert (error.value.source, error.value.key) == (str(second), "question.number")
    assert "Q2 is also asked by first.toml" in str(error.value)


def test_the_shipped_questions_are_one_to_six():
    questions = load_questions(CONFIGS)
    assert [q.number for q, _ in questions] == [1, 2, 3, 4, 5, 6]
    assert all(q.config == Path(config.source).name for q, config in questions)
