"""The questions of the model brief, as data: the ``[question]`` table of an experiment file.

A question sweep file (``experiments/configs/channel.toml`` ...) says what it asks
beside what it runs::

    [question]
    number = 1                                  # Q1: the report's order; unique
    title = "Reopening a direct channel"
    asked = "Does reopening a direct channel ..."   # the brief's wording (§1)
    seed = "the opening of a direct channel ..."    # the seed article's own words

    [[question.levers]]                         # one per compared parameter, at least one
    parameter = "channel_open"                  # one of the sweep's [vary] parameters
    lead = "Raising X from {first} to {last}"   # the change from the first arm to the last
    moved = { column = "final_channel_open_share",  # required: the run-table column that
              label = "weeks with the channel open (%)", scale = 100.0 }  # shows the lever
                                                # moving what it names over the run (the
                                                # report says whether it moved; tests check)
    descending = false                          # optional: arms high to low (baseline first)
    focus = ["escalated"]                       # optional: outcomes always reported
    metrics = [                                 # optional: mechanism means per arm
      { column = "final_territory_change", label = "mean Russian gain (% of Ukraine)",
        scale = 100.0 },                        # scale optional, default 1.0
    ]

``parse_question`` validates the table (every error names the file and the key, unknown
keys refused); ``experiments.config.load_questions`` finds the question files of a
folder. Light on purpose: no pandas, so the experiment loader calls it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.checks import ConfigError, flag, names, number, only, text, whole
from model.outcomes import OUTCOMES

QUESTION_KEYS = {"number", "title", "asked", "seed", "levers"}
LEVER_KEYS = {"parameter", "lead", "moved", "descending", "focus", "metrics"}
METRIC_KEYS = {"column", "label", "scale"}
LEAD_FIELDS = {"first", "last"}
MAX_NUMBER = 99


@dataclass(frozen=True, slots=True)
class Lever:
    """A compared parameter; ``lead`` names the change from the first arm to the last."""

    parameter: str
    lead: str                          # may use {first} and {last}
    moved: tuple[str, str, float]      # (column, label, scale): what the lever moves
    descending: bool = False           # arm order: the question's baseline first
    focus: tuple[str, ...] = ()        # outcomes the question asks about: always reported
    metrics: tuple[tuple[str, str, float], ...] = ()  # (column, label, scale): means per arm


@dataclass(frozen=True, slots=True)
class Question:
    number: int
    title: str
    asked: str       # the brief's wording (§1)
    seed: str        # the seed article's own words
    config: str      # the sweep file's name (in experiments/configs/)
    levers: tuple[Lever, ...]


def parse_question(raw: dict[str, Any], source: str, varied: tuple[str, ...]) -> Question:
    """The validated ``[question]`` table ``raw`` of sweep file ``source``.

    ``varied``: the sweep's varied parameters; every lever must compare one of them.
    """
    if not isinstance(raw, dict):
        raise ConfigError(source, "question", "must be a table")
    only(raw, QUESTION_KEYS, source, "question.")
    if "number" not in raw:
        raise ConfigError(source, "question.number", "missing key")
    position = whole(raw["number"], source, "question.number", 1, MAX_NUMBER)
    title, asked, seed = (text(raw, key, source, "question.") for key in ("title", "asked",
                                                                          "seed"))
    levers = raw.get("levers")
    if not isinstance(levers, list) or not levers:
        raise ConfigError(source, "question.levers",
                          "must be one or more [[question.levers]] tables")
    parsed = tuple(_lever(lever, source, f"question.levers[{i}].", varied)
                   for i, lever in enumerate(levers))
    seen: set[str] = set()
    for i, lever in enumerate(parsed):
        if lever.parameter in seen:
            raise ConfigError(source, f"question.levers[{i}].parameter",
                              f"{lever.parameter!r} is compared twice")
        seen.add(lever.parameter)
    return Question(position, title, asked, seed, Path(source).name, parsed)


def _lever(raw: Any, source: str, prefix: str, varied: tuple[str, ...]) -> Lever:
    if not isinstance(raw, dict):
        raise ConfigError(source, prefix.rstrip("."), "must be a table")
    only(raw, LEVER_KEYS, source, prefix)
    parameter = text(raw, "parameter", source, prefix)
    if parameter not in varied:
        raise ConfigError(source, f"{prefix}parameter",
                          f"{parameter!r} is not varied by this sweep (its [vary] has "
                          f"{', '.join(varied) or 'nothing'})")
    lead = text(raw, "lead", source, prefix)
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(lead) if name is not None}
    except ValueError as exc:
        raise ConfigError(source, f"{prefix}lead", f"malformed braces ({exc})") from None
    if not fields <= LEAD_FIELDS:
        raise ConfigError(source, f"{prefix}lead", "may only use {first} and {last}, got "
                          + ", ".join(f"{{{f}}}" for f in sorted(fields - LEAD_FIELDS)))
    descending = flag(raw.get("descending", False), source, f"{prefix}descending")
    focus = names(raw.get("focus", []), source, f"{prefix}focus")
    for j, outcome in enumerate(focus):
        if outcome not in OUTCOMES:
            raise ConfigError(source, f"{prefix}focus[{j}]",
                              f"{outcome!r} is not one of {', '.join(OUTCOMES)}")
    metrics = raw.get("metrics", [])
    if not isinstance(metrics, list):
        raise ConfigError(source, f"{prefix}metrics", "must be a list of tables")
    if "moved" not in raw:
        raise ConfigError(source, f"{prefix}moved", "missing: the run-table column that "
                          "shows the lever moving what it names, { column, label, scale }")
    return Lever(parameter, lead, _metric(raw["moved"], source, f"{prefix}moved."),
                 descending, focus, tuple(_metric(m, source, f"{prefix}metrics[{j}].")
                                          for j, m in enumerate(metrics)))


def _metric(raw: Any, source: str, prefix: str) -> tuple[str, str, float]:
    if not isinstance(raw, dict):
        raise ConfigError(source, prefix.rstrip("."), "must be a table")
    only(raw, METRIC_KEYS, source, prefix)
    return (text(raw, "column", source, prefix), text(raw, "label", source, prefix),
            number(raw.get("scale", 1.0), source, f"{prefix}scale", -1e9, 1e9))
