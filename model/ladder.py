"""Kahn's escalation ladder (On Escalation, 1965): rungs, thresholds, and what a run crossed.

A run climbs two ladders, one per arena, so that hybrid escalation beyond the war
can cross thresholds of its own while the war itself sits high on the ladder:

* ``war``: acts between the two belligerents (and their acts with no target);
* ``confrontation``: hostile acts across the blocs outside the war dyad, e.g.
  Russia and NATO members (sabotage, cyber-attacks, ultimatums, a direct strike).

Acts toward allies and neutrals climb neither.
"""

from __future__ import annotations

# A threshold lies between rung `below` and rung `below + 1`.
THRESHOLDS: tuple[tuple[int, str], ...] = (
    (3, "don't rock the boat"),
    (9, "nuclear war is unthinkable"),
    (20, "no nuclear use"),
    (25, "central sanctuary"),
    (31, "central war"),
    (38, "city targeting"),
)
TOP_RUNG = 44


class Ladder:
    """The highest rung a run has reached, and when each threshold was first crossed."""

    def __init__(self, initial_rung: int) -> None:
        self.max_rung = initial_rung
        self.crossed: dict[str, int] = {name: 0 for below, name in THRESHOLDS
                                        if initial_rung > below}
        self.next_threshold = self._next_below()

    @property
    def crossed_count(self) -> int:
        """How many thresholds the run has crossed (those crossed before it included)."""
        return len(self.crossed)

    def _next_below(self) -> int:
        """Rung just below the next uncrossed threshold (TOP_RUNG if none is left)."""
        return next((below for below, _ in THRESHOLDS if below >= self.max_rung), TOP_RUNG)

    def record(self, rung: int, week: int) -> bool:
        """Record an act's rung; true if the ladder climbed (its next threshold may move)."""
        if rung <= self.max_rung:
            return False
        for below, name in THRESHOLDS:
            if self.max_rung <= below < rung:
                self.crossed[name] = week
        self.max_rung = rung
        self.next_threshold = self._next_below()
        return True
