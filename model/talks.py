"""The talks: the direct channel, truce proposals, the truce itself and the settlement."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Talks:
    """The direct channel, truce proposals, the truce itself and the settlement.

    States: "war" (no proposal), "proposed" (a truce on the table), "truce".
    A settlement is agreed inside a truce once negotiation progress reaches 1.
    """

    channel_open: bool
    state: str = "war"
    accepted: set[str] = field(default_factory=set)
    proposal_age: int = 0
    progress: float = 0.0
    settled: bool = False
    imposed: bool = False   # the settlement's terms were imposed by an army's collapse
    terms: float = float("nan")
    truce_weeks: int = 0
    settled_weeks: int = 0
    truces: int = 0
    collapses: int = 0

    @property
    def truce_active(self) -> bool:
        return self.state == "truce"

    def propose(self, proposer: str, belligerents: tuple[str, str]) -> None:
        if self.state != "war":
            return
        self.state = "proposed"
        self.proposal_age = 0
        self.accepted = {proposer} & set(belligerents)

    def accept(self, who: str, belligerents: tuple[str, str]) -> None:
        if self.state != "proposed":
            return
        self.accepted.add(who)
        if self.accepted >= set(belligerents):
            self.state = "truce"
            self.truce_weeks = 0
            self.progress = 0.0
            self.truces += 1

    def reject(self) -> None:
        if self.state == "proposed":
            self.state = "war"

    def negotiate(self, appeal: float, rate: float, territory: float) -> None:
        """One round: progress grows with the overlap of positions (``appeal`` > 0)."""
        if self.state != "truce" or self.settled:
            return
        self.progress = min(1.0, self.progress + rate * max(0.0, appeal))
        if self.progress >= 1.0:
            self.settled = True
            self.settled_weeks = 0
            self.terms = territory

    def impose(self, territory: float) -> None:
        """An army collapsed: a settled truce on the current line, on the victor's terms."""
        self.state = "truce"
        self.settled = self.imposed = True
        self.progress = 1.0
        self.terms = territory
        self.truce_weeks = self.settled_weeks = 0

    def violate(self) -> None:
        """A kinetic act between the belligerents ends any truce and settlement."""
        if self.state == "truce":
            self.collapses += 1
        self.state = "war"
        self.settled = self.imposed = False
        self.progress = 0.0
        self.truce_weeks = 0
        self.settled_weeks = 0

    def end_week(self, proposal_weeks: int) -> None:
        if self.state == "proposed":
            self.proposal_age += 1
            if self.proposal_age >= proposal_weeks:
                self.state = "war"
        elif self.state == "truce":
            self.truce_weeks += 1
            if self.settled:
                self.settled_weeks += 1
