"""Actions: the hybrid-war repertoire's vocabulary and the Action record agents choose from.

The catalogue file that lists the actions is read and validated by model/catalogue.py;
the agents need only the record and the names it may use.
"""

from __future__ import annotations

from collections.abc import (
    Hashable,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    ValuesView,
)
from dataclasses import dataclass
from typing import Any

INSTRUMENTS = ("political", "economic", "civilian", "informational", "cyber", "covert",
               "military", "nuclear", "status_quo")
HYBRID_INSTRUMENTS = frozenset({"informational", "cyber", "covert"})
TARGET_RELATIONS = ("none", "war_enemy", "enemy", "widening", "ally", "war_party", "any")
CONDITIONS = ("diplomacy", "channel_open", "channel_closed", "war_hot", "no_proposal",
              "truce_pending", "truce_active", "inspections_blocked", "tension_critical",
              "nuclear_threat_open", "nuclear_use_open", "pledging", "sanctioning",
              "inspections_allowed", "channel_reopenable")
# The ladders a run climbs (model/ladder.py): the war itself, and the wider confrontation.
ARENAS = ("war", "confrontation")
# Each condition is one bit, so "all of an action's conditions hold" is one mask test.
CONDITION_BIT = {name: 1 << i for i, name in enumerate(CONDITIONS)}
MOTIVES = ("coerce", "battle", "support", "peace", "deter", "dossier", "restraint")
EFFECTS = ("hostility", "enemy_hostility", "tension", "target_capability", "target_morale",
           "target_economy", "target_pressure", "target_cohesion", "target_relief",
           "self_capability", "self_pressure", "aid", "sanctions", "offensive", "defence",
           "siege", "dossier", "cohesion", "dialogue", "intel", "intimidation")
# Effects that act on the target, so an action without one cannot carry them.
TARGET_EFFECTS = frozenset({"hostility", "enemy_hostility", "target_capability", "target_morale",
                            "target_economy", "target_pressure", "target_cohesion",
                            "target_relief", "aid", "sanctions", "offensive", "cohesion",
                            "dialogue", "intimidation"})
PROCEDURES = ("open_channel", "cut_channel", "propose_truce", "accept_truce", "reject_truce",
              "demand_truce", "negotiate", "allow_inspections", "block_inspections",
              "nuclear_use")
RIVERA_SCORES = (-2, 0, 4, 12, 28, 60)
DERIVED_TAGS = ("belligerent", "attacker", "defender", "alliance_member")


class Frozen(Mapping[Hashable, Any]):
    """A read-only mapping that pickles and copies (``types.MappingProxyType`` does
    neither), so a model holding actions and scenarios can be saved and forked."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[Hashable, Any] | Iterable[tuple[Hashable, Any]] = ()
                 ) -> None:
        object.__setattr__(self, "_data", dict(data))

    def __getitem__(self, key: Hashable) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    # The dict's own views (read-only): Mapping's generic ones make copying a run's
    # goals and stances several times slower.
    def keys(self) -> KeysView[Hashable]:
        return self._data.keys()

    def items(self) -> ItemsView[Hashable, Any]:
        return self._data.items()

    def values(self) -> ValuesView[Any]:
        return self._data.values()

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Frozen mapping cannot be changed")

    def __reduce__(self) -> tuple[type, tuple[dict]]:
        return (Frozen, (self._data,))

    def __repr__(self) -> str:
        return f"Frozen({self._data!r})"


@dataclass(frozen=True, slots=True)
class Action:
    """One entry of the repertoire; see the header of model/data/actions.toml for the fields."""

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
    motives: Frozen
    effects: Frozen
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
