"""Input checks of user-written files: one error type, and the checks they share.

Every message starts with the file (or source) and the key at fault, e.g.
``scenario.toml: parameters.temperature: must be within [0.01, 5.0], got 9``,
so the CLI can print it as one line and exit with status 2.

The checks are total: whatever a TOML file, a command-line option or a Python
caller hands them (inf, nan, 10**400, numpy scalars, NUL bytes, a FIFO, nesting
deep enough to overflow the parser), they return a plain Python value or raise
ConfigError; never anything else.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

# Names that become part of a path (experiment names, scenario names in
# outputs/run_<scenario>_seed<N>): a plain file name, never a path.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
MAX_SHOWN = 80          # characters of a bad value quoted in a message
MAX_PART = 500          # characters of a source or key in a message
MAX_PROBLEM = 2000      # characters of a problem in a message
# Input bounds, checked before a file is parsed (tomllib's time grows with the square
# of a dotted key's parts: 20,000 parts took 3.3 s and 200,000 exhausted 23 GB).
MAX_TOML_BYTES = 1_000_000   # a file's size (the largest shipped file is 15 KB)
MAX_KEY_PARTS = 32           # parts of one dotted key (a.b.c is 3)
MAX_NESTING = 64             # arrays and inline tables open at once
MAX_TEXT = 4_000             # characters of a free-text field (descriptions, citations)


def _one_line(text: str, limit: int = MAX_PART) -> str:
    """``text`` on one printable line, shortened to ``limit`` characters."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def show(value: Any) -> str:
    """A bad value as quoted in a message: its repr, one line, at most MAX_SHOWN chars.

    Safe for anything: a 10**5000 int (whose repr would raise) or a 1 MB string.
    """
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ (Python callers)
        text = f"<{type(value).__name__}>"
    return _one_line(text, MAX_SHOWN)


class ConfigError(ValueError):
    """Bad input in a scenario, catalogue, sweep file or override.

    Picklable (``__reduce__``), so it crosses process boundaries intact: a worker's
    input error reaches the driver as the same ConfigError.
    """

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        parts = [_one_line(str(source)), _one_line(str(key)) if key else "",
                 _one_line(str(problem), MAX_PROBLEM)]
        parts = [p for p in parts if p]
        super().__init__(": ".join(parts))

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:
        return (type(self), (self.source, self.key, self.problem))


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def number(value: Any, source: str, key: str, low: float, high: float,
           whole: bool = False) -> float:
    """A finite number within [low, high] (a whole one if ``whole``), as a Python float.

    Python and numpy ints and floats are numbers; booleans (Python or numpy) are not.
    inf, nan and values beyond a float's range (a TOML ``1e400`` is inf) are refused.
    """
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise ConfigError(source, key, f"must be a number, got {show(value)}")
    if isinstance(value, numbers.Integral):
        value = int(value)
    else:
        try:
            value = float(value)
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(source, key, f"must be a number, got {show(value)}") from None
        if not math.isfinite(value):
            raise ConfigError(source, key, f"must be a finite number, got {show(value)}")
        if whole and not value.is_integer():
            raise ConfigError(source, key, f"must be a whole number, got {show(value)}")
    if not low <= value <= high:
        raise ConfigError(source, key, f"must be within [{low}, {high}], got {show(value)}")
    return float(value)


def flag(value: Any, source: str, key: str) -> bool:
    """``true`` or ``false`` (a numpy bool is one too), as a Python bool."""
    if not _is_bool(value):
        raise ConfigError(source, key, f"must be true or false, got {show(value)}")
    return bool(value)


def choice(value: Any, allowed: tuple[str, ...], source: str, key: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(source, key, f"{show(value)} is not one of {', '.join(allowed)}")
    return value


def names(value: Any, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(source, key, f"must be a list of names, got {show(value)}")
    return tuple(value)


def text(table: dict, key: str, source: str, prefix: str = "") -> str:
    """A non-empty string of at most MAX_TEXT characters."""
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(source, f"{prefix}{key}", "must be a non-empty string")
    return _capped(value, source, f"{prefix}{key}")


def prose(value: Any, source: str, key: str) -> str:
    """An optional free-text field (a description): a string, possibly empty, of at most
    MAX_TEXT characters, since it is copied into every manifest and report."""
    if not isinstance(value, str):
        raise ConfigError(source, key, "must be a string")
    return _capped(value, source, key)


def _capped(value: str, source: str, key: str) -> str:
    if len(value) > MAX_TEXT:
        raise ConfigError(source, key, f"must be at most {MAX_TEXT:,} characters, got "
                          f"{len(value):,}")
    return value


def safe_name(value: Any, source: str, key: str) -> str:
    """A name that becomes part of a path (an output folder, ``run_<name>_seed<N>``).

    One plain file name: letters, digits, ``_``, ``.`` and ``-``, starting with a letter
    or digit, at most 100 characters, no ``..``; so it can never leave its folder.
    """
    if not isinstance(value, str) or not value:
        raise ConfigError(source, key, "must be a non-empty string")
    if not SAFE_NAME.fullmatch(value) or ".." in value:
        raise ConfigError(source, key, f"must be a plain name (letters, digits, _ . -; "
                          f"starting with a letter or digit; at most 100 characters; "
                          f"no '..'), got {show(value)}")
    return value


def only(table: dict, allowed: set[str], source: str, prefix: str = "") -> None:
    """Reject keys a table must not have (typos are errors, not silently ignored)."""
    for key in table:
        if key not in allowed:
            raise ConfigError(source, f"{prefix}{key}", "unknown key")


def table(raw: dict, key: str, source: str, required: bool = True) -> dict:
    value = raw.get(key)
    if value is None:
        if required:
            raise ConfigError(source, key, "missing table")
        return {}
    if not isinstance(value, dict):
        raise ConfigError(source, key, "must be a table")
    return value


def whole(value: Any, source: str, key: str, low: int, high: int) -> int:
    """A whole number written as one (``3``, not ``3.0`` or ``true``) within [low, high].

    Python and numpy integers qualify; the result is a Python int.
    """
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise ConfigError(source, key, f"must be a whole number, got {show(value)}")
    value = int(value)
    if not low <= value <= high:
        raise ConfigError(source, key, f"must be within [{low}, {high}], got {show(value)}")
    return value


# The tokens that give a TOML text its shape, strings and comments skipped whole. Every
# alternative matches wherever it starts (an unterminated string runs to the end of its
# line, or of the file), so a scan is one linear pass, whatever the text.
_SHAPE_TOKEN = re.compile(
    r'"""(?:\\[\s\S]|[^\\])*?(?:"""|\Z)'     # multi-line basic string
    r"|'''[\s\S]*?(?:'''|\Z)"                 # multi-line literal string
    r'|"(?:[^"\\\n]|\\.?)*(?:"|$)'            # basic string
    r"|'[^'\n]*(?:'|$)"                       # literal string
    r"|#[^\n]*"                               # comment
    r"|[.\[\]{}=,\n]", re.MULTILINE)


def toml_shape(body: str, source: str) -> None:
    """Refuse, before parsing, a dotted key of more than MAX_KEY_PARTS parts or more than
    MAX_NESTING arrays and inline tables open at once (one linear scan; a number's
    decimal point counts as a part, which no limit this high can mistake for a key)."""
    parts, depth = 1, 0
    for match in _SHAPE_TOKEN.finditer(body):
        token = match.group()
        if token == ".":
            parts += 1
        elif token in ("[", "{"):
            parts, depth = 1, depth + 1
        elif token in ("]", "}"):
            parts, depth = 1, max(depth - 1, 0)
        elif token in ("=", ",", "\n"):
            parts = 1
        if parts > MAX_KEY_PARTS or depth > MAX_NESTING:
            line = body.count("\n", 0, match.start()) + 1
            what = (f"a key of more than {MAX_KEY_PARTS} dotted parts" if parts > MAX_KEY_PARTS
                    else f"nested too deeply (more than {MAX_NESTING} arrays or inline tables)")
            raise ConfigError(source, "", f"{what} at line {line}: refused before parsing")


def read_toml(path: str | Path, what: str) -> tuple[dict[str, Any], bytes]:
    """Parse a TOML file; also return its bytes (for hashing). ``what`` names it in errors.

    Every way a file can fail to be TOML is a ConfigError: missing, a folder, a FIFO or
    device (refused before opening, which would block), unreadable, a path with a NUL
    byte or a name too long, not UTF-8, or malformed.
    A UTF-8 byte-order mark at the start is accepted. Work is bounded before parsing: a
    file over MAX_TOML_BYTES is refused unread, one with a dotted key of more than
    MAX_KEY_PARTS parts or more than MAX_NESTING arrays and inline tables open at once
    is refused after one linear scan (``toml_shape``).
    """
    source = str(path)
    data = b""
    try:
        info = os.stat(path)
        mode = info.st_mode
        # a FIFO or a device would block, or never end; a file too large is not read
        if stat.S_ISREG(mode) and info.st_size <= MAX_TOML_BYTES:
            with Path(path).open("rb") as handle:   # at most the limit, should it grow
                data = handle.read(MAX_TOML_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(source, "", f"{what} not found") from None
    except PermissionError:
        raise ConfigError(source, "", f"{what} not readable (permission denied)") from None
    except (OSError, ValueError) as exc:  # ENAMETOOLONG, ELOOP, EISDIR...; NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(source, "", f"{what} cannot be read ({reason})") from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a pipe, socket or device"
        raise ConfigError(source, "", f"{what} not found ({kind}, not a regular file)")
    if max(info.st_size, len(data)) > MAX_TOML_BYTES:
        raise ConfigError(source, "", f"{what} too large ({max(info.st_size, len(data)):,} "
                          f"bytes or more; at most {MAX_TOML_BYTES:,})")
    try:
        body = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(source, "", f"malformed TOML (not UTF-8: {exc.reason} at byte "
                          f"{exc.start})") from None
    body = body.removeprefix("\ufeff")
    toml_shape(body, source)
    try:
        return tomllib.loads(body), data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"malformed TOML ({exc})") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ConfigError(source, "", f"malformed TOML ({exc})") from None


# ------------------------------------------------------------------ Python API
def check_model_arguments(rng: Any, **flags: Any) -> tuple[Any, dict[str, bool]]:
    """Check EscalationModel's ``rng`` and its switches; return them normalised.

    ``rng``: None, a whole number >= 0 (Python or numpy; returned as a Python int), a
    ``numpy.random.Generator``, ``SeedSequence`` or ``BitGenerator`` (returned as is).
    Each flag (``record_actions``, ``record_weeks``): a bool (Python or numpy; returned
    as a Python bool). A wrong type raises TypeError, a negative seed ValueError; both
    name the argument.
    """
    if rng is None or isinstance(rng, np.random.Generator | np.random.SeedSequence
                                 | np.random.BitGenerator):
        checked = rng
    elif _is_bool(rng) or not isinstance(rng, numbers.Integral):
        raise TypeError(f"rng must be None, a whole number >= 0 or a numpy Generator, "
                        f"SeedSequence or BitGenerator, got {type(rng).__name__} {show(rng)}")
    elif int(rng) < 0:
        raise ValueError(f"rng must be a whole number >= 0, got {show(rng)}")
    else:
        checked = int(rng)
    for name, value in flags.items():
        if not _is_bool(value):
            raise TypeError(f"{name} must be True or False, got "
                            f"{type(value).__name__} {show(value)}")
    return checked, {name: bool(value) for name, value in flags.items()}
