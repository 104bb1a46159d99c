"""Every coefficient of the model, in one typed place.

Each field carries its meaning, unit, range, source and group in its metadata;
the scenario files, the sweep files, the CLI ``--set`` and the browser sliders
all go through :meth:`Parameters.with_overrides`, which validates type and range.
No number with a modelling meaning is written anywhere else in ``agents/`` or
``model/`` (tests/model/test_no_magic_numbers.py checks it).

Groups (``Parameters.names(group)``, ``escalation params --group NAME``):

* ``policy``: the levers analysts vary (diplomacy, pressure, aid, hybrid war...);
* ``structural``: behavioural and physical coefficients, for calibration to fit;
* ``rules``: thresholds of the outcome rules (model/outcomes.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from model.checks import ConfigError, flag, number

GROUPS: dict[str, str] = {
    "policy": "what analysts vary: diplomacy, pressure, aid, hybrid war, attribution",
    "structural": "behavioural and physical coefficients, fitted by calibration",
    "rules": "thresholds of the outcome rules",
}


def _p(default: float | int | bool, low: float, high: float, unit: str, meaning: str,
       source: str = "model assumption", *, group: str) -> Any:
    return field(default=default, metadata={"range": (low, high), "unit": unit,
                                            "meaning": meaning, "source": source,
                                            "group": group})


P, S, R = "policy", "structural", "rules"  # shorthands for the fields' groups


@dataclass(frozen=True, slots=True)
class Parameters:
    """Global parameters of one run (actor attributes live in the scenario file)."""

    # --- run -----------------------------------------------------------------
    horizon_weeks: int = _p(156, 1, 1040, "weeks", "Length of a run; one step is one week.",
                            "brief §5: default horizon three years", group=P)
    # --- choice ----------------------------------------------------------------
    temperature: float = _p(0.25, 0.01, 5.0, "utility units",
                            "Logit (quantal-response) temperature: higher means noisier, "
                            "less rational choice.", "McKelvey & Palfrey 1995, QRE", group=S)
    cost_weight: float = _p(2.0, 0.0, 10.0, "utility per cost unit",
                            "How much an action's resource cost weighs against its appeal.",
                            group=S)
    escalation_aversion: float = _p(1.0, 0.0, 5.0, "utility per escalation_score_scale points",
                                    "Penalty on an action's escalation score (Rivera et al. "
                                    "scale), scaled by the actor's 1 - risk tolerance.",
                                    "Rivera et al. FAccT 2024 scores", group=S)
    escalation_score_scale: float = _p(60.0, 1.0, 600.0, "escalation score points",
                                       "Score points that cost escalation_aversion utility "
                                       "(60: the top class of the Rivera et al. scale).",
                                       "Rivera et al. FAccT 2024 scores", group=S)
    repetition_cost: float = _p(0.3, 0.0, 5.0, "utility per recent use",
                                "Habituation: an action's appeal falls by this much per recent "
                                "use by the same actor (memory halves every "
                                "habit_half_life_weeks), so actors vary their repertoire.",
                                group=S)
    habit_half_life_weeks: float = _p(4.0, 0.25, 52.0, "weeks",
                                      "Weeks for an actor's habituation memory of an action "
                                      "to halve.", group=S)
    deter_tension_weight: float = _p(0.5, 0.0, 5.0, "weight per tension",
                                     "Weight of bloc tension, beside the actor's threat, in "
                                     "its deterrence motive.", group=S)
    hybrid_intensity: float = _p(1.0, 0.0, 2.0, "multiplier",
                                 "Appeal of covert, cyber and informational actions relative "
                                 "to a doctrine-neutral actor (0 = no hybrid war).",
                                 "seed: 'hybrid war made of propaganda, cyber-attacks, "
                                 "sabotage and nuclear threats'", group=P)
    # --- diplomacy -------------------------------------------------------------
    channel_open: bool = _p(True, 0, 1, "flag",
                            "Whether the direct cross-bloc channel is open at week 0.",
                            "seed: Macron–Putin call reopens a channel after two years",
                            group=P)
    channel_closed_weeks: int = _p(0, 0, 1040, "weeks",
                                   "If the channel starts closed (channel_open = false): it "
                                   "stays closed through this week; from the next, any actor "
                                   "may reopen it (0: from the first week; the horizon or "
                                   "more: closed for the whole run, the world without the "
                                   "call). No effect on a channel that starts open and is cut "
                                   "later.",
                                   "seed: the call ends two years without direct contact",
                                   group=P)
    diplomacy_enabled: bool = _p(True, 0, 1, "flag",
                                 "If false, every actor stops talking: no action that needs "
                                 "diplomacy (calls, channel reopening, truce proposals and "
                                 "acceptance, negotiation, mediation, inspection demands or "
                                 "access, lifting sanctions, prisoner exchanges).",
                                 "seed: 'without diplomatic initiatives ... escalation'",
                                 group=P)
    multilateral_pressure: float = _p(0.3, 0.0, 1.0, "share",
                                      "Pressure from third parties and institutions: raises "
                                      "the cost of continuing and of escalating, pushes talks.",
                                      "seed: 'strong multilateral pressure is needed'", group=P)
    dialogue_convergence: float = _p(0.15, 0.0, 1.0, "share per dialogue",
                                     "Share of a belligerent's belief bias removed by one "
                                     "direct dialogue over the open channel.",
                                     "Fearon 1995; Reiter 2003 (bargaining and information)",
                                     group=S)
    belief_learning: float = _p(0.1, 0.0, 1.0, "share per week",
                                "Rate at which belligerents' trend estimates follow the "
                                "observed front movement.", group=S)
    bias_relaxation: float = _p(0.02, 0.0, 1.0, "share per week",
                                "Share of the gap between a belligerent's belief bias and its "
                                "optimism that returns each week (dialogue's effect fades).",
                                group=S)
    bargaining_horizon: int = _p(52, 1, 260, "weeks",
                                 "Weeks ahead over which belligerents project the battlefield "
                                 "trend when valuing continued war.", group=S)
    concession_scale: float = _p(0.25, 0.0, 1.0, "territory share",
                                 "Territory a fully war-weary, fully pressured belligerent "
                                 "would concede beyond its projected line.", group=S)
    concession_pressure_weight: float = _p(0.5, 0.0, 2.0, "weariness per pressure",
                                           "Weight of multilateral pressure, beside "
                                           "war-weariness, in a belligerent's concession.",
                                           group=S)
    appeal_scale: float = _p(0.05, 0.001, 1.0, "territory share",
                             "Bargaining surplus at which the appeal of a settlement "
                             "saturates at 1 (appeal = surplus / appeal_scale, within ±1).",
                             group=S)
    settlement_rate: float = _p(0.25, 0.0, 1.0, "progress per negotiation",
                                "Progress toward an agreed settlement from one negotiation "
                                "round with fully overlapping positions.", group=S)
    truce_proposal_weeks: int = _p(4, 1, 26, "weeks",
                                   "Weeks a truce proposal stays on the table.", group=S)
    # --- drives -----------------------------------------------------------------------
    war_value_base: float = _p(0.5, -1.0, 1.5, "war value",
                               "A belligerent's value of continued war with no expected gain, "
                               "intact army, no weariness and no pressure.", group=S)
    war_value_gain_weight: float = _p(5.0, 0.0, 50.0, "war value per territory share",
                                      "War value per share of territory a belligerent "
                                      "expects to gain over the bargaining horizon.", group=S)
    war_value_capability_weight: float = _p(0.5, 0.0, 5.0, "war value per capability share",
                                            "War value per share of initial capability "
                                            "kept (negative when the army has shrunk).",
                                            group=S)
    war_value_pressure_weight: float = _p(0.5, 0.0, 5.0, "war value per pressure",
                                          "War value removed per unit of multilateral "
                                          "pressure.", group=S)
    war_value_floor: float = _p(-1.0, -5.0, 0.0, "war value", "Lowest war value.", group=S)
    war_value_cap: float = _p(1.5, 0.0, 5.0, "war value", "Highest war value.", group=S)
    peace_pressure_weight: float = _p(0.5, 0.0, 5.0, "peace drive per pressure",
                                      "Weight of multilateral pressure in every state's peace "
                                      "drive.", group=S)
    peace_appeal_weight: float = _p(0.5, 0.0, 5.0, "peace drive per appeal",
                                    "Weight of the settlement's appeal in every state's peace "
                                    "drive (third parties count only a positive appeal).",
                                    group=S)
    peace_domestic_weight: float = _p(0.3, 0.0, 5.0, "peace drive per pressure",
                                      "Weight of domestic pressure in a third party's peace "
                                      "drive.", group=S)
    peace_tension_weight: float = _p(0.5, 0.0, 5.0, "peace drive per tension",
                                     "Weight of bloc tension in a third party's peace drive.",
                                     group=S)
    need_base: float = _p(0.3, 0.0, 1.0, "need",
                          "A belligerent's need of support with no loss and full morale.",
                          group=S)
    need_morale_weight: float = _p(0.5, 0.0, 5.0, "need per morale",
                                   "A belligerent's need of support per unit of morale lost.",
                                   group=S)
    need_threat_weight: float = _p(0.5, 0.0, 5.0, "need per threat",
                                   "A third party's need of support per unit of threat.",
                                   group=S)
    # --- action–reaction --------------------------------------------------------
    reactivity: float = _p(0.1, 0.0, 1.0, "hostility per act",
                           "Richardson's k: hostility gained toward the perceived author per "
                           "unit of hostile effect received.", "Richardson 1960", group=S)
    hostility_decay: float = _p(0.05, 0.0, 0.5, "share per week",
                                "Richardson's fatigue term: share of hostility forgotten weekly.",
                                "Richardson 1960", group=S)
    enemy_hostility_default: float = _p(0.3, 0.0, 1.0, "hostility",
                                        "Hostility at week 0 between enemies (different "
                                        "non-neutral blocs) the scenario does not set.",
                                        group=S)
    ally_hostility_default: float = _p(0.0, 0.0, 1.0, "hostility",
                                       "Hostility at week 0 between allies (same non-neutral "
                                       "bloc) the scenario does not set.", group=S)
    neutral_hostility_default: float = _p(0.05, 0.0, 1.0, "hostility",
                                          "Hostility at week 0 of the other pairs (one side "
                                          "neutral) the scenario does not set.", group=S)
    threat_decay: float = _p(0.1, 0.0, 1.0, "share per week",
                             "Share of perceived threat from received acts forgotten weekly.",
                             group=S)
    threat_per_score: float = _p(1 / 600, 0.0, 0.01, "threat per score point",
                                 "Threat memory added per escalation-score point of an act "
                                 "received (1/600).", group=S)
    threat_loss_weight: float = _p(0.5, 0.0, 5.0, "threat per loss",
                                   "Threat felt per unit of perceived loss (threat = memory + "
                                   "this × loss).", group=S)
    strike_memory_gain: float = _p(0.3, 0.0, 1.0, "loss per strike",
                                   "Perceived loss added by one kinetic strike on a state "
                                   "outside the war.", group=S)
    strike_memory_retention: float = _p(0.95, 0.0, 1.0, "share per week",
                                        "Share of the memory of strikes kept each week.",
                                        group=S)
    attribution_rate: float = _p(0.6, 0.0, 1.0, "probability",
                                 "Probability that a covert act is attributed at all.",
                                 "Rid & Buchanan 2015 (attribution)", group=P)
    misattribution_rate: float = _p(0.15, 0.0, 1.0, "probability",
                                    "Probability that an attributed covert act is blamed on "
                                    "the wrong actor: another member of the author's bloc "
                                    "hostile to the target, if there is one.", group=S)
    truce_violation_cost: float = _p(1.0, 0.0, 10.0, "utility",
                                     "Utility penalty (reputation, third-party anger) for a "
                                     "belligerent breaking a truce with a kinetic act.", group=S)
    # --- relations, tension and the dossier ------------------------------------------
    heat_decay: float = _p(0.5, 0.0, 1.0, "share per week",
                           "Share of short-term tension ('heat') from incidents gone each "
                           "week.", group=S)
    dossier_coupling: float = _p(0.3, 0.0, 1.0, "share",
                                 "Spill-over between the Iran/IAEA dossier tension and the "
                                 "bloc tension over the war, both ways.",
                                 "seed: Iranian dossier discussed in the same call", group=P)
    dossier_spill: float = _p(0.25, 0.0, 1.0, "tension per dossier tension",
                              "Bloc tension added per unit of dossier tension at full "
                              "coupling.", group=S)
    dossier_feedback: float = _p(0.05, 0.0, 1.0, "dossier tension per tension per week",
                                 "Weekly dossier tension added per unit of bloc tension above "
                                 "dossier_tension_pivot (removed below it), at full coupling.",
                                 group=S)
    dossier_tension_pivot: float = _p(0.5, 0.0, 1.0, "tension",
                                      "Bloc tension above which it feeds the dossier tension.",
                                      group=S)
    dossier_drift_blocked: float = _p(0.01, 0.0, 0.1, "dossier tension per week",
                                      "Dossier tension added per week while inspections are "
                                      "blocked.", group=S)
    dossier_drift_allowed: float = _p(0.02, 0.0, 0.1, "dossier tension per week",
                                      "Dossier tension that fades per week while inspections "
                                      "are allowed.", group=S)
    # --- thresholds ---------------------------------------------------------------
    threshold_tension: float = _p(0.6, 0.0, 1.0, "tension",
                                  "Bloc tension needed before any actor may cross a Kahn "
                                  "threshold not yet crossed in the run.", "Kahn 1965", group=S)
    threshold_hurdle: float = _p(1.0, 0.0, 10.0, "utility",
                                 "Utility penalty for deliberately crossing a new threshold.",
                                 "Kahn 1965", group=S)
    clash_tension: float = _p(0.6, 0.0, 1.0, "tension",
                              "Bloc tension needed before a direct strike across the war's "
                              "boundary (e.g. NATO–Russia) becomes an option.", group=S)
    nuclear_threat_loss: float = _p(0.45, 0.0, 1.0, "perceived loss",
                                    "Perceived loss at which a nuclear power may issue nuclear "
                                    "ultimatums (rung 16).", "Kahn 1965; brief §4", group=S)
    nuclear_use_loss: float = _p(0.85, 0.0, 1.0, "perceived loss",
                                 "Perceived loss (existential) at which nuclear use opens.",
                                 "brief §4: existential or catastrophic loss", group=S)
    nuclear_coercion: float = _p(0.0, 0.0, 1.0, "intimidation per ultimatum",
                                 "How far a nuclear ultimatum coerces its target's side: the "
                                 "intimidation (fear of nuclear escalation) it adds to the target "
                                 "and each of the target's allies. An intimidated aid giver holds "
                                 "back that share of its deliveries (self-deterrence), and "
                                 "intimidation adds to a state's peace drive (supporters press "
                                 "for a truce, the defender accepts one). 0: ultimatums coerce "
                                 "nobody (only their catalogue effects).",
                                 "Giles 2023 (Chatham House: threats constrained Western aid); "
                                 "Schelling 1966 (compellence)", group=P)
    intimidation_decay: float = _p(0.1, 0.0, 1.0, "share per week",
                                   "Share of a state's intimidation by nuclear ultimatums that "
                                   "fades each week (0.1: a half-life of about 7 weeks).",
                                   group=S)
    loss_army_weight: float = _p(0.5, 0.0, 1.0, "loss per capability share",
                                 "A belligerent's perceived loss per share of its initial "
                                 "capability lost.", group=S)
    loss_territory_weight: float = _p(0.5, 0.0, 1.0, "loss",
                                      "A belligerent's perceived loss at full territorial loss.",
                                      group=S)
    defender_territory_weight: float = _p(3.0, 0.0, 20.0, "multiplier",
                                          "How much more the defender weighs a share of its "
                                          "remaining territory lost than the attacker a share "
                                          "of its gains.", group=S)
    territory_loss_floor: float = _p(0.05, 0.001, 1.0, "territory share",
                                     "Smallest territory base the territorial loss is measured "
                                     "against (the attacker's gains, the defender's holdings).",
                                     group=S)
    # --- battlefield ----------------------------------------------------------------
    front_speed: float = _p(0.001, 0.0, 0.1, "territory share per week",
                            "Weekly front movement at a fully one-sided balance of power.",
                            group=S)
    front_noise: float = _p(0.0001, 0.0, 0.05, "territory share per week",
                            "Standard deviation of the weekly front movement (fog of war).",
                            group=S)
    momentum_persistence: float = _p(0.8, 0.0, 0.99, "share",
                                     "Share of last week's front movement carried into this "
                                     "week (momentum).", group=S)
    defence_advantage: float = _p(1.4, 0.5, 3.0, "power ratio",
                                  "Multiplier on the defender's combat power in place.", group=S)
    base_attack: float = _p(0.2, 0.0, 2.0, "attack effort",
                            "Attack effort of each side in a week without offensive actions.",
                            group=S)
    siege_attack_weight: float = _p(0.5, 0.0, 5.0, "attack effort per siege",
                                    "Attack effort the attacker's siege adds.", group=S)
    siege_retention: float = _p(0.98, 0.0, 1.0, "share per week",
                                "Share of the siege kept each week.", group=S)
    siege_drain: float = _p(0.5, 0.0, 5.0, "multiplier",
                            "Extra capability loss of the besieged defender, relative to "
                            "attrition_rate × siege × intensity.", group=S)
    base_intensity: float = _p(0.15, 0.0, 1.0, "intensity",
                               "Combat intensity of a week of war without kinetic acts.",
                               group=S)
    combat_intensity_weight: float = _p(0.35, 0.0, 5.0, "intensity per combat unit",
                                        "Combat intensity added per unit of kinetic effort.",
                                        group=S)
    combat_score_unit: float = _p(28.0, 1.0, 100.0, "escalation score points",
                                  "Escalation score of the kinetic acts between belligerents "
                                  "that make one unit of combat (28: a Rivera et al. class).",
                                  "Rivera et al. FAccT 2024 scores", group=S)
    truce_intensity: float = _p(0.05, 0.0, 1.0, "intensity",
                                "Combat intensity during a truce.", group=S)
    truce_momentum_retention: float = _p(0.5, 0.0, 1.0, "share per week",
                                         "Share of the front's momentum kept each week of "
                                         "truce.", group=S)
    attrition_rate: float = _p(0.012, 0.0, 0.2, "capability share per week",
                               "Capability lost per week at full combat intensity.", group=S)
    attrition_share_scale: float = _p(2.0, 0.0, 10.0, "multiplier",
                                      "Multiplier on the enemy's share of the damage dealt (2: "
                                      "an even fight costs each side attrition_rate).", group=S)
    regeneration_rate: float = _p(0.03, 0.0, 0.5, "share per week",
                                  "Share of the gap to initial capability rebuilt per week "
                                  "from own industry and recruits.", group=S)
    regeneration_weariness_weight: float = _p(0.5, 0.0, 1.0, "share per weariness",
                                              "Share of regeneration lost per unit of "
                                              "war-weariness.", group=S)
    aid_effect: float = _p(0.012, 0.0, 0.5, "capability per aid unit",
                           "Capability a full unit of delivered aid adds per week.", group=S)
    aid_reliability: float = _p(0.8, 0.0, 1.0, "probability",
                                "Probability that a member's pledged weekly delivery arrives.",
                                "seed: Pentagon pause 'for logistical reasons'", group=P)
    collapse_capability: float = _p(0.2, 0.0, 1.0, "share of initial capability",
                                    "Capability below which a belligerent's army collapses.",
                                    group=S)
    collapse_morale: float = _p(0.1, 0.0, 1.0, "morale",
                                "Morale below which a belligerent's army collapses.", group=S)
    # --- the population of wars a scenario stands for ------------------
    capability_spread: float = _p(0.0, 0.0, 1.0, "log capability (sd)",
                                  "How far wars like the scenario's differ in the balance of "
                                  "forces: each run scales the attacker's initial capability by "
                                  "exp(s z) and the defender's by exp(-s z), z standard normal "
                                  "(0: every run starts at the scenario's balance).",
                                  "Kreutz 2010 (UCDP endings pool wars of every balance); "
                                  "model assumption", group=S)
    lethality_spread: float = _p(0.0, 0.0, 2.0, "log attrition (sd)",
                                 "How far wars like the scenario's differ in lethality: each "
                                 "run scales attrition_rate (the capability lost at full "
                                 "intensity) by exp(s z), z standard normal, so attrition_rate "
                                 "is the median war's (0: every run has attrition_rate). War "
                                 "sizes span orders of magnitude, from border wars that fall "
                                 "quiet to wars that destroy an army.",
                                 "Richardson 1948 (war sizes heavy-tailed); Lacina & Gleditsch "
                                 "2005 (battle deaths); model assumption", group=S)
    resolve_spread: float = _p(0.0, 0.0, 0.5, "territory share (sd)",
                               "How far belligerents in wars like the scenario's differ in "
                               "resolve: each run draws each belligerent's resolve (territory "
                               "it refuses to concede) as the scenario's value plus s z, z "
                               "standard normal, within [0, 1] (0: the scenario's values).",
                               "Fearon 1995 (private information, issue indivisibility); "
                               "model assumption", group=S)
    stakes_spread: float = _p(0.0, 0.0, 1.0, "war value (sd)",
                              "How far wars like the scenario's differ in what is at stake: "
                              "each run shifts both belligerents' war_value_base by s z, z "
                              "standard normal (0: every run has war_value_base). Interstate "
                              "conflict runs from border clashes over a post, fought for days, "
                              "to wars for a state's existence.",
                              "UCDP ACD: a third of interstate episodes end within a week, an "
                              "eighth last past three years (model/targets/"
                              "interstate_war_durations.toml); model assumption", group=S)
    # --- home fronts --------------------------------------------------
    weariness_rate: float = _p(0.01, 0.0, 0.2, "weariness per week",
                               "War-weariness added per week per unit of burden (intensity, "
                               "cost and pressure).", group=S)
    weariness_cost_weight: float = _p(5.0, 0.0, 50.0, "burden per cost unit",
                                      "Weight of the week's cost in a belligerent's burden.",
                                      group=S)
    weariness_pressure_weight: float = _p(0.5, 0.0, 5.0, "burden per pressure",
                                          "Weight of multilateral pressure in a belligerent's "
                                          "burden.", group=S)
    weariness_recovery: float = _p(0.01, 0.0, 0.2, "share per week",
                                   "Share of war-weariness that fades per quiet week.", group=S)
    morale_target_base: float = _p(0.7, 0.0, 1.0, "morale",
                                   "Morale a belligerent tends to with a static front, no "
                                   "weariness and no aid.", group=S)
    morale_momentum_weight: float = _p(150.0, 0.0, 1000.0, "morale per territory share per week",
                                       "Target morale gained per unit of favourable front "
                                       "momentum.", group=S)
    morale_weariness_weight: float = _p(0.4, 0.0, 5.0, "morale per weariness",
                                        "Target morale lost per unit of war-weariness.", group=S)
    morale_aid_weight: float = _p(0.5, 0.0, 5.0, "morale per aid unit",
                                  "Defender's target morale gained per unit of aid delivered "
                                  "this week.", group=S)
    morale_floor: float = _p(0.05, 0.0, 1.0, "morale", "Lowest target morale.", group=S)
    morale_adjustment: float = _p(0.05, 0.0, 1.0, "share per week",
                                  "Share of the gap to target morale closed each week.", group=S)
    pressure_cost_weight: float = _p(0.5, 0.0, 5.0, "pressure per cost unit",
                                     "Domestic pressure a third party gains per unit of cost.",
                                     group=S)
    pressure_relaxation: float = _p(0.05, 0.0, 1.0, "share per week",
                                    "Share of the gap to baseline domestic pressure closed each "
                                    "week.", group=S)
    sanctions_cost: float = _p(0.02, 0.0, 0.2, "economic cost per week",
                               "Weekly economic cost to the target of full alliance sanctions.",
                               group=S)
    # --- alliances and sanctions --------------------------------------------------
    cohesion_erosion: float = _p(0.01, 0.0, 0.5, "cohesion per week",
                                 "Cohesion lost per week per unit of members' domestic "
                                 "pressure, propaganda, divergence and competing priorities.",
                                 group=S)
    cohesion_recovery: float = _p(0.05, 0.0, 0.5, "share per week",
                                  "Share of the gap to baseline cohesion recovered weekly.",
                                  group=S)
    competing_priorities: float = _p(0.5, 0.0, 1.0, "share",
                                     "How strongly members' other priorities (their scenario "
                                     "'distraction') pull attention and aid away.",
                                     "seed: US 'increasingly focused on ... extra-European "
                                     "challenges'; Germany undecided", group=P)
    sanction_adjustment: float = _p(0.2, 0.0, 1.0, "share per week",
                                    "Share of the gap to the members' mean stance an alliance's "
                                    "sanctions close each week while cohesion reaches the "
                                    "consensus.", group=S)
    sanction_erosion_cohesion: float = _p(0.5, 0.0, 1.0, "share of consensus",
                                          "Cohesion, as a share of the consensus, below which "
                                          "sanctions erode (are not renewed).", group=S)
    sanction_retention: float = _p(0.97, 0.0, 1.0, "share per week",
                                   "Share of an eroding sanctions level kept each week.", group=S)
    unilateral_sanction_weight: float = _p(0.5, 0.0, 1.0, "share",
                                           "Weight of a sanctions stance of a state outside "
                                           "any sanctioning alliance.", group=S)
    pledging_threshold: float = _p(0.01, 0.0, 1.0, "aid per week",
                                   "Pledge above which a state counts as pledging (condition "
                                   "'pledging').", group=S)
    sanctioning_threshold: float = _p(0.01, 0.0, 1.0, "sanctions stance",
                                      "Stance above which a state counts as sanctioning "
                                      "(condition 'sanctioning').", group=S)
    # --- outcome rules -----------------------------------------------------------------
    settlement_hold_weeks: int = _p(12, 1, 260, "weeks",
                                    "Weeks an agreed settlement must hold to count as "
                                    "negotiated.", group=R)
    follow_up_weeks: int = _p(0, 0, 1040, "weeks",
                              "Weeks a run whose fighting ended goes on after its outcome is "
                              "decided (never past the horizon), to see whether the ending "
                              "holds (resumed_step); the outcome stays the first ending. 0: "
                              "the run stops at its outcome.",
                              "UCDP episodes recur (a new episode of the same conflict): "
                              "model/targets/interstate_war_recurrence.toml", group=R)
    episode_gap_weeks: int = _p(52, 1, 260, "weeks",
                                "Weeks an ending must hold, without the fighting resuming, "
                                "to end the conflict episode (episode_end_step); a flare-up "
                                "within them continues the episode, one after them is a new "
                                "episode (recurred_step). Seen only in runs followed that long "
                                "(follow_up_weeks).",
                                "UCDP/PRIO Armed Conflict Dataset: an episode ends when a "
                                "calendar year passes with fewer than 25 battle deaths",
                                group=R)
    freeze_weeks: int = _p(26, 1, 260, "weeks",
                           "Weeks a truce without agreement, or a quiet front (fighting "
                           "largely stopped), must last to count as frozen.", group=R)
    stalemate_movement: float = _p(0.0001, 0.0, 0.05, "territory share per week",
                                   "Largest mean weekly front movement (net) of a quiet front.",
                                   group=R)
    stalemate_intensity: float = _p(0.2, 0.0, 1.0, "combat intensity",
                                    "Largest mean weekly combat intensity of a quiet front "
                                    "(intensity is 1 at full-scale battle; a front where no "
                                    "side attacks stays at base_intensity).",
                                    "definition: fighting has largely stopped (UCDP 'low "
                                    "activity' termination, Kreutz 2010)", group=R)
    stalemate_casualties: float = _p(1.0, 0.0, 100.0, "casualties per week (notional thousands)",
                                     "Largest mean weekly casualties of both belligerents "
                                     "together on a quiet front.",
                                     "definition: fighting has largely stopped (UCDP 'low "
                                     "activity' termination, Kreutz 2010)", group=R)

    @classmethod
    def names(cls, group: str | None = None) -> tuple[str, ...]:
        """Every parameter's name (of one group, if given), in declaration order."""
        if group is not None and group not in GROUPS:
            raise KeyError(group)
        return tuple(f.name for f in fields(cls)
                     if group is None or f.metadata["group"] == group)

    @classmethod
    def spec(cls, name: str) -> dict[str, Any]:
        """Meaning, unit, range, default, source and group of one parameter."""
        for f in fields(cls):
            if f.name == name:
                return {"name": name, "type": f.type, "default": f.default, **f.metadata}
        raise KeyError(name)

    def with_overrides(self, overrides: Mapping[str, Any], source: str,
                       prefix: str = "") -> Parameters:
        """A copy with validated overrides; errors name ``source`` and the key."""
        if not overrides:
            return self  # immutable, so no copy is needed (replace() costs ~50 us)
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
