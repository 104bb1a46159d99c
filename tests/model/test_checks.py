"""model/checks.py: the one error type and the checks every user-written input goes through.

ConfigError crosses process boundaries and prints as one short line; number, whole and
flag take Python and numpy values and return plain Python ones; safe_name keeps names
inside their folder; read_toml turns every way a file can fail into a ConfigError; and
check_model_arguments checks EscalationModel's rng and its switches.
"""

from __future__ import annotations

import errno
import os
import pickle
import random
import re
from pathlib import Path

import numpy as np
import pytest

from model.checks import (
    MAX_KEY_PARTS,
    MAX_NESTING,
    MAX_TEXT,
    MAX_TOML_BYTES,
    ConfigError,
    check_model_arguments,
    flag,
    number,
    prose,
    read_toml,
    safe_name,
    toml_shape,
    whole,
)


# ------------------------------------------------------------------ ConfigError
def test_config_error_survives_pickling():
    error = ConfigError("file.toml", "key", "problem")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is ConfigError
    assert (back.source, back.key, back.problem, str(back)) == (
        "file.toml", "key", "problem", "file.toml: key: problem")


def test_messages_stay_one_short_line():
    error = ConfigError("f\nile", "k\0ey", "p" * 10_000)
    assert "\n" not in str(error) and "\0" not in str(error)
    assert len(str(error)) < 2100
    with pytest.raises(ConfigError, match="digits") as info:
        whole(10**5000, "f", "k", 0, 10)
    assert len(str(info.value)) < 200


# ------------------------------------------------------------------ numbers, flags, names
@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 1e308 * 10,
                                   10**400, "3", None, [1], True, np.True_])
def test_number_refuses_non_finite_and_non_numbers(value):
    with pytest.raises(ConfigError):
        number(value, "f", "k", 0, 100, whole=True)
    with pytest.raises(ConfigError):
        number(value, "f", "k", 0, 100)


@pytest.mark.parametrize("value, expected", [
    (np.int64(3), 3.0), (np.int32(3), 3.0), (np.float64(0.5), 0.5), (np.float32(0.5), 0.5),
    (np.uint8(3), 3.0)])
def test_number_accepts_numpy_scalars_as_python_floats(value, expected):
    checked = number(value, "f", "k", 0, 10)
    assert checked == expected and type(checked) is float


def test_whole_and_flag_accept_numpy_scalars_as_python_types():
    assert type(whole(np.int64(4), "f", "k", 0, 10)) is int
    assert flag(np.bool_(True), "f", "k") is True
    for bad in (np.float64(4.0), np.bool_(True), True):
        with pytest.raises(ConfigError):
            whole(bad, "f", "k", 0, 10)
    for bad in (np.int64(1), 1, 1.0):
        with pytest.raises(ConfigError):
            flag(bad, "f", "k")


@pytest.mark.parametrize("name", ["paris_moscow_call", "a", "A-1.b_2", "x" * 100])
def test_plain_names_are_accepted(name):
    assert safe_name(name, "f", "k") == name


@pytest.mark.parametrize("name", ["x/../../escape", "../up", "..", ".hidden", "a\\b", "/abs",
                                  "a b", "a\0b", "", "x" * 101, "é", "a..b", "-dash", 5, None])
def test_names_that_could_leave_their_folder_are_refused(name):
    with pytest.raises(ConfigError) as refused:
        safe_name(name, "f.toml", "experiment.name")
    assert (refused.value.source, refused.value.key) == ("f.toml", "experiment.name")


# ------------------------------------------------------------------ read_toml
def test_read_toml_returns_the_tables_and_the_bytes_and_accepts_a_bom(tmp_path):
    path = tmp_path / "a.toml"
    data = "\ufeff[x]\ny = 1\n".encode()
    path.write_bytes(data)
    assert read_toml(path, "scenario file") == ({"x": {"y": 1}}, data)


def _missing(t: Path) -> Path:
    return t / "nowhere.toml"


def _folder(t: Path) -> Path:
    (t / "dir.toml").mkdir()
    return t / "dir.toml"


def _fifo(t: Path) -> Path:
    os.mkfifo(t / "fifo.toml")
    return t / "fifo.toml"


def _written(data: bytes):
    def write(t: Path) -> Path:
        (t / "f.toml").write_bytes(data)
        return t / "f.toml"
    return write


READ_FAILURES = {
    "missing": (_missing, "scenario file not found"),
    "a folder": (_folder, "scenario file not found (a folder, not a regular file)"),
    "a FIFO": (_fifo, "scenario file not found (a pipe, socket or device"),
    "NUL in the path": (lambda t: t / "a\0b.toml", "scenario file cannot be read"),
    "name too long": (lambda t: t / ("x" * 300 + ".toml"), "scenario file cannot be read"),
    "not UTF-8": (_written(b"\xff\xfe[x]"), "malformed TOML (not UTF-8"),
    "malformed": (_written(b"[x\ny ="), "malformed TOML ("),
    "nested too deeply": (_written(b"x = " + b"[" * 5000 + b"]" * 5000),
                          "nested too deeply (more than 64 arrays or inline tables) at line 1"),
    "an integer of 5000 digits": (_written(b"x = " + b"9" * 5000), "malformed TOML ("),
}


@pytest.mark.parametrize("case", list(READ_FAILURES))
def test_read_toml_turns_every_failure_into_a_config_error(tmp_path, case):
    make, problem = READ_FAILURES[case]
    path = make(tmp_path)
    with pytest.raises(ConfigError) as refused:
        read_toml(path, "scenario file")
    assert refused.value.source == str(path) and refused.value.key == ""
    assert refused.value.problem.startswith(problem), refused.value.problem


def test_read_toml_says_permission_denied(tmp_path, monkeypatch):
    path = tmp_path / "f.toml"
    path.write_text("x = 1\n", encoding="utf-8")

    def denied(self: Path, *args, **kwargs):   # the open is refused (as root, chmod is not)
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(ConfigError, match=r"scenario file not readable \(permission denied\)"):
        read_toml(path, "scenario file")


# ------------------------------------------------------------------ bounded input
@pytest.mark.parametrize("body", [
    "a" + ".b" * (MAX_KEY_PARTS - 1) + " = 1",                     # the longest key allowed
    "x = " + "[" * MAX_NESTING + "]" * MAX_NESTING,                  # the deepest nesting
    'x = [1.5, 2.5]\ny = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g"',
    'x = """' + "[" * 100 + '"""',                                   # brackets in a string
    "# " + "." * 100 + "\nx = 1",                                    # dots in a comment
    '"a.b"."c.d" = 1',
])
def test_toml_shape_accepts_what_stays_within_the_limits(body):
    toml_shape(body, "f.toml")


@pytest.mark.parametrize("body, problem", [
    ("a" + ".b" * MAX_KEY_PARTS + " = 1", f"a key of more than {MAX_KEY_PARTS} dotted parts"),
    ('"a"' + '."b"' * MAX_KEY_PARTS + " = 1", "dotted parts"),
    ("[" + ".".join(["t"] * (MAX_KEY_PARTS + 1)) + "]", "dotted parts"),
    ("x = 1\ny = " + "{a = " * (MAX_NESTING + 1), "nested too deeply"),
    ('x = "unterminated\ny = ' + "[" * (MAX_NESTING + 1), "at line 2"),
])
def test_toml_shape_refuses_a_long_key_or_deep_nesting_naming_the_line(body, problem):
    with pytest.raises(ConfigError, match=re.escape(problem)):
        toml_shape(body, "f.toml")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "big.toml"
    path.write_text("x = 1\n", encoding="utf-8")
    os.truncate(path, MAX_TOML_BYTES + 1)

    def never(*_args, **_kwargs):
        raise AssertionError("read")

    monkeypatch.setattr(Path, "open", never)
    with pytest.raises(ConfigError, match="too large"):
        read_toml(path, "scenario file")


def test_free_text_is_capped():
    assert prose("x" * MAX_TEXT, "f", "description") == "x" * MAX_TEXT
    with pytest.raises(ConfigError, match=f"at most {MAX_TEXT:,} characters"):
        prose("x" * (MAX_TEXT + 1), "f", "description")
    with pytest.raises(ConfigError, match="must be a string"):
        prose(5, "f", "description")


# ------------------------------------------------------------------ check_model_arguments
@pytest.mark.parametrize("rng", [None, 0, 42, np.int64(42), np.uint32(7), 2**70,
                                 np.random.default_rng(1), np.random.SeedSequence(1),
                                 np.random.PCG64(1)])
def test_check_model_arguments_accepts_mesa_seeds(rng):
    checked, flags = check_model_arguments(rng, record_actions=np.bool_(True),
                                           record_weeks=False)
    assert flags == {"record_actions": True, "record_weeks": False}
    assert all(type(value) is bool for value in flags.values())
    if isinstance(rng, np.integer):
        assert type(checked) is int and checked == int(rng)
    elif rng is None or isinstance(rng, int):
        assert checked == rng
    else:
        assert checked is rng


@pytest.mark.parametrize("rng, error", [(True, TypeError), (42.0, TypeError), ("42", TypeError),
                                        (random.Random(), TypeError), ([1], TypeError),
                                        (-1, ValueError), (np.int64(-1), ValueError)])
def test_check_model_arguments_refuses_other_seeds_naming_rng(rng, error):
    with pytest.raises(error, match="rng"):
        check_model_arguments(rng, record_actions=False, record_weeks=False)


@pytest.mark.parametrize("name", ["record_actions", "record_weeks"])
@pytest.mark.parametrize("record", ["no", 0, 1, None])
def test_check_model_arguments_refuses_a_non_bool_switch_naming_it(name, record):
    other = "record_weeks" if name == "record_actions" else "record_actions"
    with pytest.raises(TypeError, match=name):
        check_model_arguments(None, **{name: record, other: True})
