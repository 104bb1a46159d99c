"""Every tunable parameter of the model, in one typed place.

Each field carries its meaning, unit, range and source in its metadata; the
scenario files, the sweep files, the CLI ``--set`` and the browser sliders all
go through :meth:`Parameters.with_overrides`, which validates type and range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from model.validation import ConfigError, flag, number


def _p(default: float | int | bool, low: float, high: float, unit: str, meaning: str,
       source: str = "model assumption") -> Any:
    return field(default=default, metadata={"range": (low, high), "unit": unit,
                                            "meaning": meaning, "source": source})


@dataclass(frozen=True, slots=True)
class Parameters:
    """Global parameters of one run (actor attributes live in the scenario file)."""

    # --- run -----------------------------------------------------------------
    horizon_weeks: int = _p(156, 1, 1040, "weeks", "Length of a run; one step is one week.",
                            "brief §5: default horizon three years")
    # --- choice ----------------------------------------------------------------
    temperature: float = _p(0.25, 0.01, 5.0, "utility units",
                            "Logit (quantal-response) temperature: higher means noisier, "
                            "less rational choice.", "McKelvey & Palfrey 1995, QRE")
    cost_weight: float = _p(2.0, 0.0, 10.0, "utility per cost unit",
                            "How much an action's resource cost weighs against its appeal.")
    escalation_aversion: float = _p(1.0, 0.0, 5.0, "utility per 60 score points",
                                    "Penalty on an action's escalation score (Rivera et al. "
                                    "scale), scaled by the actor's 1 - risk tolerance.",
                                    "Rivera et al. FAccT 2024 scores")
    repetition_cost: float = _p(0.3, 0.0, 5.0, "utility per recent use",
                                "Habituation: an action's appeal falls by this much per recent "
                                "use by the same actor (memory halves every 4 weeks), so actors "
                                "vary their repertoire.")
    hybrid_intensity: float = _p(1.0, 0.0, 2.0, "multiplier",
                                 "Appeal of covert, cyber and informational actions relative "
                                 "to a doctrine-neutral actor (0 = no hybrid war).",
                                 "seed: 'hybrid war made of propaganda, cyber-attacks, "
                                 "sabotage and nuclear threats'")
    # --- diplomacy -------------------------------------------------------------
    channel_open: bool = _p(True, 0, 1, "flag",
                            "Whether the direct cross-bloc channel is open at week 0.",
                            "seed: Macron–Putin call reopens a channel after two years")
    channel_closed_weeks: int = _p(0, 0, 1040, "weeks",
                                   "If the channel starts closed (channel_open = false): weeks "
                                   "before any actor may reopen it (0: at once; the horizon or "
                                   "more: it stays closed for the whole run, the world without "
                                   "the call). No effect on a channel that starts open and is "
                                   "cut later.",
                                   "seed: the call ends two years without direct contact")
    diplomacy_enabled: bool = _p(True, 0, 1, "flag",
                                 "If false, every actor stops talking: no action that needs "
                                 "diplomacy (calls, channel reopening, truce proposals and "
                                 "acceptance, negotiation, mediation, inspection demands or "
                                 "access, lifting sanctions, prisoner exchanges).",
                                 "seed: 'without diplomatic initiatives ... escalation'")
    multilateral_pressure: float = _p(0.3, 0.0, 1.0, "share",
                                      "Pressure from third parties and institutions: raises "
                                      "the cost of continuing and of escalating, pushes talks.",
                                      "seed: 'strong multilateral pressure is needed'")
    dialogue_convergence: float = _p(0.15, 0.0, 1.0, "share per dialogue",
                                     "Share of a belligerent's belief bias removed by one "
                                     "direct dialogue over the open channel.",
                                     "Fearon 1995; Reiter 2003 (bargaining and information)")
    belief_learning: float = _p(0.1, 0.0, 1.0, "share per week",
                                "Rate at which belligerents' trend estimates follow the "
                                "observed front movement.")
    bargaining_horizon: int = _p(52, 1, 260, "weeks",
                                 "Weeks ahead over which belligerents project the battlefield "
                                 "trend when valuing continued war.")
    concession_scale: float = _p(0.25, 0.0, 1.0, "territory share",
                                 "Territory a fully war-weary, fully pressured belligerent "
                                 "would concede beyond its projected line.")
    settlement_rate: float = _p(0.25, 0.0, 1.0, "progress per negotiation",
                                "Progress toward an agreed settlement from one negotiation "
                                "round with fully overlapping positions.")
    truce_proposal_weeks: int = _p(4, 1, 26, "weeks",
                                   "Weeks a truce proposal stays on the table.")
    # --- action–reaction --------------------------------------------------------
    reactivity: float = _p(0.1, 0.0, 1.0, "hostility per act",
                           "Richardson's k: hostility gained toward the perceived author per "
                           "unit of hostile effect received.", "Richardson 1960")
    hostility_decay: float = _p(0.05, 0.0, 0.5, "share per week",
                                "Richardson's fatigue term: share of hostility forgotten weekly.",
                                "Richardson 1960")
    threat_decay: float = _p(0.1, 0.0, 1.0, "share per week",
                             "Share of perceived threat from received acts forgotten weekly.")
    attribution_rate: float = _p(0.6, 0.0, 1.0, "probability",
                                 "Probability that a covert act is attributed at all.",
                                 "Rid & Buchanan 2015 (attribution)")
    misattribution_rate: float = _p(0.15, 0.0, 1.0, "probability",
                                    "Probability that an attributed covert act is blamed on "
                                    "the wrong actor: another member of the author's bloc "
                                    "hostile to the target, if there is one.")
    truce_violation_cost: float = _p(1.0, 0.0, 10.0, "utility",
                                     "Utility penalty (reputation, third-party anger) for a "
                                     "belligerent breaking a truce with a kinetic act.")
    # --- thresholds ---------------------------------------------------------------
    threshold_tension: float = _p(0.6, 0.0, 1.0, "tension",
                                  "Bloc tension needed before any actor may cross a Kahn "
                                  "threshold not yet crossed in the run.", "Kahn 1965")
    threshold_hurdle: float = _p(1.0, 0.0, 10.0, "utility",
                                 "Utility penalty for deliberately crossing a new threshold.",
                                 "Kahn 1965")
    clash_tension: float = _p(0.6, 0.0, 1.0, "tension",
                              "Bloc tension needed before a direct strike across the war's "
                              "boundary (e.g. NATO–Russia) becomes an option.")
    nuclear_threat_loss: float = _p(0.45, 0.0, 1.0, "perceived loss",
                                    "Perceived loss at which a nuclear power may issue nuclear "
                                    "ultimatums (rung 16).", "Kahn 1965; brief §4")
    nuclear_use_loss: float = _p(0.85, 0.0, 1.0, "perceived loss",
                                 "Perceived loss (existential) at which nuclear use opens.",
                                 "brief §4: existential or catastrophic loss")
    # --- battlefield ----------------------------------------------------------------
    front_speed: float = _p(0.001, 0.0, 0.1, "territory share per week",
                            "Weekly front movement at a fully one-sided balance of power.")
    front_noise: float = _p(0.0001, 0.0, 0.05, "territory share per week",
                            "Standard deviation of the weekly front movement (fog of war).")
    momentum_persistence: float = _p(0.8, 0.0, 0.99, "share",
                                     "Share of last week's front movement carried into this "
                                     "week (momentum).")
    defence_advantage: float = _p(1.4, 0.5, 3.0, "power ratio",
                                  "Multiplier on the defender's combat power in place.")
    attrition_rate: float = _p(0.012, 0.0, 0.2, "capability share per week",
                               "Capability lost per week at full combat intensity.")
    regeneration_rate: float = _p(0.03, 0.0, 0.5, "share per week",
                                  "Share of the gap to initial capability rebuilt per week "
                                  "from own industry and recruits.")
    aid_effect: float = _p(0.012, 0.0, 0.5, "capability per aid unit",
                           "Capability a full unit of delivered aid adds per week.")
    aid_reliability: float = _p(0.8, 0.0, 1.0, "probability",
                                "Probability that a member's pledged weekly delivery arrives.",
                                "seed: Pentagon pause 'for logistical reasons'")
    collapse_capability: float = _p(0.2, 0.0, 1.0, "share of initial capability",
                                    "Capability below which a belligerent's army collapses.")
    collapse_morale: float = _p(0.1, 0.0, 1.0, "morale",
                                "Morale below which a belligerent's army collapses.")
    # --- home fronts and alliances --------------------------------------------------
    weariness_rate: float = _p(0.01, 0.0, 0.2, "weariness per week",
                               "War-weariness added per week at full intensity and cost.")
    weariness_recovery: float = _p(0.01, 0.0, 0.2, "share per week",
                                   "Share of war-weariness that fades per quiet week.")
    sanctions_cost: float = _p(0.02, 0.0, 0.2, "economic cost per week",
                               "Weekly economic cost to the target of full alliance sanctions.")
    cohesion_erosion: float = _p(0.01, 0.0, 0.5, "cohesion per week",
                                 "Cohesion lost per week per unit of members' domestic "
                                 "pressure, propaganda, divergence and competing priorities.")
    cohesion_recovery: float = _p(0.05, 0.0, 0.5, "share per week",
                                  "Share of the gap to baseline cohesion recovered weekly.")
    competing_priorities: float = _p(0.5, 0.0, 1.0, "share",
                                     "How strongly members' other priorities (their scenario "
                                     "'distraction') pull attention and aid away.",
                                     "seed: US 'increasingly focused on ... extra-European "
                                     "challenges'; Germany undecided")
    dossier_coupling: float = _p(0.3, 0.0, 1.0, "share",
                                 "Spill-over between the Iran/IAEA dossier tension and the "
                                 "bloc tension over the war, both ways.",
                                 "seed: Iranian dossier discussed in the same call")
    # --- outcome rules -----------------------------------------------------------------
    settlement_hold_weeks: int = _p(12, 1, 260, "weeks",
                                    "Weeks an agreed settlement must hold to count as "
                                    "negotiated.")
    freeze_weeks: int = _p(26, 1, 260, "weeks",
                           "Weeks a truce without agreement, or a quiet front (fighting "
                           "largely stopped), must last to count as frozen.")
    stalemate_movement: float = _p(0.0001, 0.0, 0.05, "territory share per week",
                                   "Largest mean weekly front movement (net) of a quiet front.")
    stalemate_intensity: float = _p(0.2, 0.0, 1.0, "combat intensity",
                                    "Largest mean weekly combat intensity of a quiet front "
                                    "(intensity is 1 at full-scale battle; a front where no "
                                    "side attacks stays at the base intensity, 0.15).",
                                    "definition: fighting has largely stopped (UCDP 'low "
                                    "activity' termination, Kreutz 2010)")
    stalemate_casualties: float = _p(1.0, 0.0, 100.0, "casualties per week (notional thousands)",
                                     "Largest mean weekly casualties of both belligerents "
                                     "together on a quiet front.",
                                     "definition: fighting has largely stopped (UCDP 'low "
                                     "activity' termination, Kreutz 2010)")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def spec(cls, name: str) -> dict[str, Any]:
        """Meaning, unit, range, default and source of one parameter."""
        for f in fields(cls):
            if f.name == name:
                return {"name": name, "type": f.type, "default": f.default, **f.metadata}
        raise KeyError(name)

    def with_overrides(self, overrides: Mapping[str, Any], source: str,
                       prefix: str = "") -> Parameters:
        """A copy with validated overrides; errors name ``source`` and the key."""
        changes = {}
        for key, value in overrides.items():
            changes[key] = _validated(key, value, source, prefix)
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.names()}


_FIELDS = {f.name: f for f in fields(Parameters)}


def _validated(key: str, value: Any, source: str, prefix: str) -> float | int | bool:
    where = f"{prefix}{key}"
    f = _FIELDS.get(key)
    if f is None:
        raise ConfigError(source, where, "unknown parameter (see docs/ODD.md, Parameters)")
    if f.type == "bool":
        return flag(value, source, where)
    low, high = f.metadata["range"]
    checked = number(value, source, where, low, high, whole=f.type == "int")
    return int(checked) if f.type == "int" else checked


def parse_override(text: str, source: str = "--set") -> tuple[str, Any]:
    """Parse ``KEY=VALUE`` from the command line into a typed pair."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(source, text, "expected KEY=VALUE")
    f = _FIELDS.get(key)
    if f is None:
        raise ConfigError(source, key, "unknown parameter (see docs/ODD.md, Parameters)")
    raw = raw.strip()
    if f.type == "bool":
        lowered = raw.lower()
        if lowered not in {"true", "false", "1", "0", "yes", "no"}:
            raise ConfigError(source, key, f"must be true or false, got {raw!r}")
        return key, lowered in {"true", "1", "yes"}
    try:
        number = float(raw)
    except ValueError:
        raise ConfigError(source, key, f"must be a number, got {raw!r}") from None
    return key, number
