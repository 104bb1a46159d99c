"""The front line between the attacker and the defender: territory, momentum, siege, losses."""

from __future__ import annotations

from dataclasses import dataclass, field

from model.shares import clip


@dataclass(slots=True)
class Front:
    """Territory, momentum and siege between the attacker and the defender.

    ``territory`` is the share of the defender's pre-war territory that the
    attacker holds; positive movement is attacker gain.
    """

    territory: float
    momentum: float
    siege: float
    initial_territory: float = field(init=False)
    change: float = 0.0
    intensity: float = 0.0
    # Efforts declared by this week's actions, reset every week.
    attack: list[float] = field(default_factory=lambda: [0.0, 0.0])  # attacker, defender
    defence: list[float] = field(default_factory=lambda: [0.0, 0.0])
    combat: float = 0.0

    def __post_init__(self) -> None:
        self.initial_territory = self.territory

    def new_week(self) -> None:
        self.attack = [0.0, 0.0]
        self.defence = [0.0, 0.0]
        self.combat = 0.0

    def resolve(self, power: tuple[float, float], params, truce: bool, noise: float
                ) -> tuple[float, float]:
        """Move the front for one week; returns each side's share of the damage dealt.

        ``power`` is each side's capability times morale. A side's push is its
        attacking power against the other's power in defence (Lanchester-like
        ratio), so momentum and sieges compound while aid and defence blunt them.
        """
        att_a = power[0] * (params.base_attack + self.attack[0]
                            + params.siege_attack_weight * self.siege)
        att_d = power[1] * (params.base_attack + self.attack[1])
        def_a = power[0] * params.defence_advantage * (1.0 + self.defence[0])
        def_d = power[1] * params.defence_advantage * (1.0 + self.defence[1])
        if truce:
            push = 0.0
            self.momentum *= params.truce_momentum_retention
            self.change = 0.0
            self.intensity = params.truce_intensity
        else:
            push = params.front_speed * (att_a / (att_a + def_d) - att_d / (att_d + def_a))
            rho = params.momentum_persistence
            self.momentum = rho * self.momentum + (1.0 - rho) * push
            before = self.territory
            self.territory = clip(before + self.momentum + noise)
            self.change = self.territory - before
            intensity = params.base_intensity + params.combat_intensity_weight * self.combat
            self.intensity = intensity if intensity < 1.0 else 1.0   # min(): slower builtin
        self.siege *= params.siege_retention
        # Losses follow the fighting: a side is hurt by the enemy's attacks, and by
        # the enemy's defence in proportion to how much of the attacking it does.
        attacking_a = att_a / (att_a + att_d)
        hurt_a = att_d + def_d * attacking_a
        hurt_d = att_a + def_a * (1.0 - attacking_a)
        total = hurt_a + hurt_d
        return hurt_d / total, hurt_a / total
