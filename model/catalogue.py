"""The action catalogue: reading and validating the actions file (model/data/actions.toml)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.actions import (
    CONDITION_BIT,
    CONDITIONS,
    DERIVED_TAGS,
    EFFECTS,
    INSTRUMENTS,
    MOTIVES,
    PROCEDURES,
    RIVERA_SCORES,
    TARGET_EFFECTS,
    TARGET_RELATIONS,
    Action,
    Frozen,
)
from model.checks import ConfigError, choice, flag, names, number, only, prose, read_toml

DEFAULT_CATALOGUE = Path(__file__).parent / "data" / "actions.toml"

_FIELDS = {"instrument", "covert", "kinetic", "score", "rung", "cost", "by", "against",
           "target_tags", "requires", "motives", "effects", "procedure", "description"}


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The actions, and the tag vocabulary that actors and actions may use."""

    actions: tuple[Action, ...]
    tags: frozenset[str]
    source: str
    _by_name: dict[str, Action] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {a.name: a for a in self.actions})

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    def __len__(self) -> int:
        return len(self.actions)

    def get(self, name: str) -> Action | None:
        return self._by_name.get(name)


def load_catalogue(path: str | Path = DEFAULT_CATALOGUE) -> Catalogue:
    """Read and validate a catalogue file; errors name the file and the key."""
    source = str(path)
    raw, _ = read_toml(path, "catalogue file")
    table = raw.get("actions")
    if not isinstance(table, dict) or not table:
        raise ConfigError(source, "actions", "missing or empty [actions] table")
    only(raw, {"actions", "tags"}, source)
    tags = frozenset(names(raw.get("tags", []), source, "tags")) | set(DERIVED_TAGS)
    actions = tuple(_parse_action(name, spec, source) for name, spec in table.items())
    if not any(a.instrument == "status_quo" and a.against == "none" and not a.requires
               for a in actions):
        raise ConfigError(source, "actions",
                          "needs a status_quo action with no target and no requirement "
                          "(every actor must always have an option)")
    return Catalogue(actions=actions, tags=tags, source=source)


def _parse_action(name: str, spec: Any, source: str) -> Action:
    key = f"actions.{name}"
    if not isinstance(spec, dict):
        raise ConfigError(source, key, "must be a table")
    only(spec, _FIELDS, source, f"{key}.")
    for required in ("instrument", "score", "rung", "cost", "against"):
        if required not in spec:
            raise ConfigError(source, f"{key}.{required}", "missing")
    instrument = choice(spec["instrument"], INSTRUMENTS, source, f"{key}.instrument")
    score = number(spec["score"], source, f"{key}.score", -2, 60, whole=True)
    if score not in RIVERA_SCORES:
        raise ConfigError(source, f"{key}.score",
                          f"must be one of the Rivera et al. class scores {RIVERA_SCORES}")
    requires = tuple(choice(c, CONDITIONS, source, f"{key}.requires")
                     for c in names(spec.get("requires", []), source, f"{key}.requires"))
    effects = _weights(spec.get("effects", {}), EFFECTS, -1.0, 1.0, source, f"{key}.effects")
    if spec["against"] == "none":
        for effect in sorted(TARGET_EFFECTS & set(effects)):
            raise ConfigError(source, f"{key}.effects.{effect}",
                              "acts on a target, but the action has against = \"none\"")
    return Action(
        name=name,
        instrument=instrument,
        covert=flag(spec.get("covert", False), source, f"{key}.covert"),
        kinetic=flag(spec.get("kinetic", False), source, f"{key}.kinetic"),
        score=int(score),
        rung=int(number(spec["rung"], source, f"{key}.rung", 0, 44, whole=True)),
        cost=float(number(spec["cost"], source, f"{key}.cost", 0.0, 1.0)),
        by=names(spec.get("by", ["any"]), source, f"{key}.by") or ("any",),
        against=choice(spec["against"], TARGET_RELATIONS, source, f"{key}.against"),
        target_tags=names(spec.get("target_tags", []), source, f"{key}.target_tags"),
        requires=requires,
        required_bits=sum(CONDITION_BIT[c] for c in set(requires)),
        motives=_weights(spec.get("motives", {}), MOTIVES, 0.0, 2.0, source, f"{key}.motives"),
        effects=effects,
        procedure=(choice(spec["procedure"], PROCEDURES, source, f"{key}.procedure")
                   if "procedure" in spec else ""),
        description=prose(spec.get("description", ""), source, f"{key}.description"),
    )


def _weights(value: Any, allowed: tuple[str, ...], low: float, high: float, source: str,
             key: str) -> Frozen:
    if not isinstance(value, dict):
        raise ConfigError(source, key, "must be a table")
    for name, weight in value.items():
        choice(name, allowed, source, f"{key}.{name}")
        number(weight, source, f"{key}.{name}", low, high)
    return Frozen({k: float(v) for k, v in value.items()})
