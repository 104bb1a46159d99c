"""The action catalogue: hybrid-war actions as validated data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from model.validation import ConfigError, choice, flag, names, number, only, read_toml

DEFAULT_CATALOGUE = Path(__file__).parent / "data" / "actions.toml"

INSTRUMENTS = ("political", "economic", "civilian", "informational", "cyber", "covert",
               "military", "nuclear", "status_quo")
HYBRID_INSTRUMENTS = frozenset({"informational", "cyber", "covert"})
TARGET_RELATIONS = ("none", "war_enemy", "enemy", "widening", "ally", "war_party", "any")
CONDITIONS = ("diplomacy", "channel_open", "channel_closed", "war_hot", "no_proposal",
              "truce_pending", "truce_active", "inspections_blocked", "tension_critical",
              "nuclear_threat_open", "nuclear_use_open", "pledging", "sanctioning",
              "inspections_allowed")
# Each condition is one bit, so "all of an action's conditions hold" is one mask test.
CONDITION_BIT = {name: 1 << i for i, name in enumerate(CONDITIONS)}
MOTIVES = ("coerce", "battle", "support", "peace", "deter", "dossier", "restraint")
EFFECTS = ("hostility", "enemy_hostility", "tension", "target_capability", "target_morale",
           "target_economy", "target_pressure", "target_cohesion", "target_relief",
           "self_capability", "self_pressure", "aid", "sanctions", "offensive", "defence",
           "siege", "dossier", "cohesion", "dialogue", "intel")
# Effects that act on the target, so an action without one cannot carry them.
TARGET_EFFECTS = frozenset({"hostility", "enemy_hostility", "target_capability", "target_morale",
                            "target_economy", "target_pressure", "target_cohesion",
                            "target_relief", "aid", "sanctions", "offensive", "cohesion",
                            "dialogue"})
PROCEDURES = ("open_channel", "cut_channel", "propose_truce", "accept_truce", "reject_truce",
              "negotiate", "allow_inspections", "block_inspections",
              "nuclear_use")
RIVERA_SCORES = (-2, 0, 4, 12, 28, 60)
DERIVED_TAGS = ("belligerent", "attacker", "defender", "alliance_member")

_FIELDS = {"instrument", "covert", "kinetic", "score", "rung", "cost", "by", "against",
           "target_tags", "requires", "motives", "effects", "procedure", "description"}


@dataclass(frozen=True, slots=True)
class Action:
    """One entry of the repertoire; see the header of actions.toml for the fields."""

    name: str
    instrument: str
    covert: bool
    kinetic: bool
    score: int
    rung: int
    cost: float
    by: tuple[str, ...]
    against: str
    target_tags: tuple[str, ...]
    requires: tuple[str, ...]
    motives: MappingProxyType
    effects: MappingProxyType
    procedure: str
    description: str
    required_bits: int  # the bits of ``requires`` (CONDITION_BIT)

    @property
    def hybrid(self) -> bool:
        return self.instrument in HYBRID_INSTRUMENTS

    @property
    def hostile(self) -> bool:
        """Whether the target perceives the act as hostile (it raises hostility)."""
        return self.effects.get("hostility", 0.0) > 0


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The actions, and the tag vocabulary that actors and actions may use."""

    actions: tuple[Action, ...]
    tags: frozenset[str]
    source: str

    def __iter__(self):
        return iter(self.actions)

    def __len__(self) -> int:
        return len(self.actions)

    def get(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)


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
        description=str(spec.get("description", "")),
    )


def _weights(value: Any, allowed: tuple[str, ...], low: float, high: float, source: str,
             key: str) -> MappingProxyType:
    if not isinstance(value, dict):
        raise ConfigError(source, key, "must be a table")
    for name, weight in value.items():
        choice(name, allowed, source, f"{key}.{name}")
        number(weight, source, f"{key}.{name}", low, high)
    return MappingProxyType({k: float(v) for k, v in value.items()})
