"""Actions: the hybrid-war repertoire's vocabulary and the Action record agents choose from.

The catalogue file that lists the actions is read and validated by model/catalogue.py;
the agents need only the record and the names it may use.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

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
