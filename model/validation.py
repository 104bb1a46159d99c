"""Validation of user-written files: one error type, and the checks they share.

Every message starts with the file (or source) and the key at fault, e.g.
``scenario.toml: parameters.temperature: must be within [0.01, 5.0], got 9``,
so the CLI can print it as one line and exit with status 2.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """Bad input in a scenario, catalogue, sweep file or override."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        super().__init__(f"{source}: {key}: {problem}" if key else f"{source}: {problem}")


def number(value: Any, source: str, key: str, low: float, high: float,
           whole: bool = False) -> float:
    """A finite number within [low, high] (a whole one if ``whole``)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ConfigError(source, key, f"must be a number, got {value!r}")
    if whole and int(value) != value:
        raise ConfigError(source, key, f"must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ConfigError(source, key, f"must be within [{low}, {high}], got {value!r}")
    return float(value)


def flag(value: Any, source: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(source, key, f"must be true or false, got {value!r}")
    return value


def choice(value: Any, allowed: tuple[str, ...], source: str, key: str) -> str:
    if value not in allowed:
        raise ConfigError(source, key, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def names(value: Any, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(source, key, f"must be a list of names, got {value!r}")
    return tuple(value)


def text(table: dict, key: str, source: str, prefix: str = "") -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(source, f"{prefix}{key}", "must be a non-empty string")
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
    """A whole number written as one (``3``, not ``3.0`` or ``true``) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(source, key, f"must be a whole number, got {value!r}")
    return int(number(value, source, key, low, high, whole=True))


def read_toml(path: str | Path, what: str) -> tuple[dict[str, Any], bytes]:
    """Parse a TOML file; also return its bytes (for hashing). ``what`` names it in errors."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise ConfigError(source, "", f"{what} not found") from None
    try:
        return tomllib.loads(data.decode("utf-8")), data
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(source, "", f"malformed TOML ({exc})") from None
