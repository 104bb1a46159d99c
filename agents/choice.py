"""Bounded-rational choice: each state's menu of (action, target) options and a logit pick.

Utility of option k for actor i (docs/ODD.md, "Choice"):

    U_k = sum_m  motive_m(k) * weight_m(i)            # goals x current drives
        + hostility[i, target_k] * (g_coerce*coerce_k - g_peace*peace_k)
        + need[target_k] * commitment_i * (g_support*support_k - g_restraint*restraint_k)
        - cost_weight * cost_k * (1 + pressure_i)          # current domestic pressure
        - escalation_aversion * (1 - risk_tolerance_i) * (1 + multilateral_pressure)
          * score_k / escalation_score_scale
        - threshold_hurdle   if option k crosses a Kahn threshold not yet crossed
        - truce_violation_cost   if option k breaks a truce
        - repetition_cost * (recent uses of the action by i, halving every
                             habit_half_life_weeks)

and the option is drawn with probability proportional to
exp(U_k / temperature) / n_targets(action_k): a logit (quantal-response) choice of
the action, then of its target, so that an action open against four targets is
not four times as likely as one with a single target. The static parts are arrays
built once per scenario and parameter set, so a decision is one matrix product and a
few numpy operations.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from agents.actions import ARENAS, MOTIVES, Action
from agents.protocols import ChoiceParameters

# Columns of the option matrix: the motives, then cost and escalation score.
COLUMNS = (*MOTIVES, "cost", "score")
# The ufuncs a draw calls, bound once (ndarray.max and .cumsum add a Python layer).
_MAX = np.maximum.reduce
_EXP = np.exp
_CUMULATE = np.add.accumulate


class Actor(Protocol):
    name: str
    index: int
    bloc: str
    tags: frozenset[str]
    goals: dict[str, float]
    commitment: float


def is_enemy(a: Actor, b: Actor) -> bool:
    return a is not b and a.bloc != b.bloc and "neutral" not in (a.bloc, b.bloc)


def is_ally(a: Actor, b: Actor) -> bool:
    return a is not b and a.bloc == b.bloc and a.bloc != "neutral"


def arena_of(actor: Actor, target: Actor | None, belligerents: tuple[str, str]) -> str:
    """The ladder an act climbs (ARENAS): acts between the belligerents (or a
    belligerent's act without target) climb the war's; hostile acts across the blocs
    beyond the war, and other acts without target, climb the confrontation's; acts
    toward allies and neutrals climb none ("")."""
    if actor.name in belligerents and (target is None or target.name in belligerents):
        return "war"
    if target is None or is_enemy(actor, target):
        return "confrontation"
    return ""


def targets_for(action: Action, actor: Actor, states: Sequence[Actor],
                belligerents: tuple[str, str]) -> list[Actor | None]:
    """Every state ``actor`` may take ``action`` against (None: the action has no target)."""
    relation = action.against
    if relation == "none":
        return [None]
    at_war = actor.name in belligerents
    out = []
    for other in states:
        if other is actor:
            continue
        other_at_war = other.name in belligerents
        ok = {
            "war_enemy": at_war and other_at_war,
            "enemy": is_enemy(actor, other),
            "widening": is_enemy(actor, other) and not (at_war and other_at_war),
            "ally": is_ally(actor, other),
            "war_party": other_at_war,
            "any": True,
        }[relation]
        if ok and (not action.target_tags or other.tags & set(action.target_tags)):
            out.append(other)
    return out


def may_take(action: Action, actor: Actor) -> bool:
    return "any" in action.by or bool(actor.tags & set(action.by))


class MenuTemplate:
    """The static part of an actor's menu: options as arrays, built once and shared.

    All utilities are kept divided by the temperature, so a draw is just
    ``exp(u - max(u))``. One matrix product gives every option's utility: its
    columns are the weekly weights (COLUMNS), then one-hot blocks that pick the
    hostility toward, and the need of, each option's target. Options refer to
    targets by index, so runs of the same scenario and parameters share it.
    """

    def __init__(self, actor: Actor, states: Sequence[Actor], catalogue: Sequence[Action],
                 belligerents: tuple[str, str], params: ChoiceParameters) -> None:
        options = [(action, target)
                   for action in catalogue if may_take(action, actor)
                   for target in targets_for(action, actor, states, belligerents)]
        self.options: list[tuple[Action, int | None]] = [
            (a, None if t is None else t.index) for a, t in options]
        self.params = params
        n_states = len(states)
        goals = actor.goals
        rows = []
        for action, _target in options:
            hybrid = params.hybrid_intensity if action.hybrid else 1.0
            rows.append([action.motives.get(m, 0.0) * hybrid for m in MOTIVES]
                        + [action.cost, action.score])
        table = np.array(rows, dtype=float).reshape(len(options), len(COLUMNS))
        m = {name: table[:, i] for i, name in enumerate(COLUMNS)}
        with_hostility = goals["coerce"] * m["coerce"] - goals["peace"] * m["peace"]
        with_need = actor.commitment * (goals["support"] * m["support"]
                                        - goals["restraint"] * m["restraint"])
        # Column n_states of each one-hot block is "no target": hostility and need are 0.
        one_hot = np.zeros((len(options), n_states + 1))
        for k, (_, target) in enumerate(options):
            one_hot[k, n_states if target is None else target.index] = 1.0
        self.matrix = np.hstack([table, one_hot * with_hostility[:, None],
                                 one_hot * with_need[:, None]]) / params.temperature
        self.split = (len(COLUMNS), len(COLUMNS) + n_states + 1)
        self.rung = np.array([a.rung for a, _ in options])
        arenas = [arena_of(actor, t, belligerents) for _, t in options]
        self.in_arena = tuple(np.array([arena == name for arena in arenas]) for name in ARENAS)
        self.required = np.array(
            [a.required_bits for a, _ in options], dtype=np.int64)
        self.breaks_truce = np.array(
            [a.kinetic and t is not None and actor.name in belligerents
             and t.name in belligerents for a, t in options])
        # Nested choice (action, then target): an action's options share its weight,
        # so an action with four possible targets is not four times as likely.
        per_action = Counter(a.name for a, _ in options)
        self.size_correction = -np.log([per_action[a.name] for a, _ in options])
        # Options are built action by action, so each action's options are contiguous.
        self.action_slice: dict[str, slice] = {}
        for k, (action, _) in enumerate(options):
            start = self.action_slice.get(action.name, slice(k, k)).start
            self.action_slice[action.name] = slice(start, k + 1)
        # The same, as indices: adding to one to four items one by one (Menu.remember) is
        # several times cheaper than a numpy slice operation.
        self.action_range = {name: range(part.start, part.stop)
                             for name, part in self.action_slice.items()}
        self._penalties: dict[tuple[int, tuple[int, ...], bool, bool], np.ndarray] = {}

    def penalty(self, conditions: int, next_thresholds: tuple[int, ...], tension_ok: bool,
                truce_active: bool) -> np.ndarray:
        """-inf for infeasible options, minus the threshold hurdle and truce-breaking cost.

        Cached (and read-only, since runs share it): the key takes a handful of values.
        """
        key = (conditions, next_thresholds, tension_ok, truce_active)
        cached = self._penalties.get(key)
        if cached is not None:
            return cached
        p = self.params
        penalty = np.zeros(len(self.options))
        feasible = (self.required & ~conditions) == 0
        # An option crosses a threshold of its own arena's ladder (ARENAS order).
        crossing = np.zeros(len(self.options), dtype=bool)
        for in_arena, below in zip(self.in_arena, next_thresholds, strict=True):
            crossing |= in_arena & (self.rung > below)
        if tension_ok:
            penalty -= p.threshold_hurdle * crossing
        else:
            feasible &= ~crossing
        if truce_active:
            penalty -= p.truce_violation_cost * self.breaks_truce
        penalty /= p.temperature
        penalty += self.size_correction
        penalty[~feasible] = -np.inf
        penalty.flags.writeable = False
        self._penalties[key] = penalty
        return penalty


class Menu:
    """One actor's options in one run: the shared template plus this run's own state.

    The run keeps its own copy of the option matrix with two extra columns, so
    that one matrix product gives the whole utility:

    * the feasibility penalty under the current conditions (input 1), rewritten
      only when the conditions change;
    * the habituation memory: each use of an action lowers its appeal by
      repetition_cost, a memory that halves every habit_half_life_weeks. Instead
      of decaying every option each week, the memory is stored multiplied by a
      growing scale and read with input -1/scale (renormalised long before any
      overflow).
    """

    def __init__(self, template: MenuTemplate, states: Sequence[Actor]) -> None:
        self.template = template
        self.options: list[tuple[Action, Actor | None]] = [
            (action, None if index is None else states[index])
            for action, index in template.options]
        self._last = len(self.options) - 1
        n_options, width = template.matrix.shape
        self._penalty_col, habit_col = width, width + 1
        self.matrix = np.zeros((n_options, width + 2))
        self.matrix[:, :width] = template.matrix
        self._inputs = np.zeros(width + 2)
        self._inputs[self._penalty_col] = 1.0
        self._inputs[habit_col] = -1.0
        a, b = template.split
        # The inputs the world writes (see shared_inputs): hostility toward each target
        # (this actor's row of the model's matrix) and each target's need.
        self.hostility_columns = slice(a, b)
        self.need_columns = slice(b, self._penalty_col)
        self._habit_input = habit_col
        self._views()
        self._conditions: tuple[int, int, bool, bool] | None = None
        self._habit_keep = 0.5 ** (1 / template.params.habit_half_life_weeks)  # a half-life
        self._habit_scale = 1.0
        self._habit_step = template.params.repetition_cost / template.params.temperature
        # Each action's options, as indices (MenuTemplate.action_range).
        self._action_range = template.action_range

    def _views(self) -> None:
        # Views into the arrays above: the weekly weights are written straight into the
        # inputs, and the habituation memory is a column of the matrix.
        self.weights = self._inputs[:self.hostility_columns.start]
        self._habit = self.matrix[:, self._habit_input]

    def share(self, inputs: np.ndarray) -> None:
        """Read and write the inputs in ``inputs`` from now on (a row of the run's shared
        array, see shared_inputs), which takes their current values."""
        inputs[:] = self._inputs
        self._inputs = inputs
        self._views()

    def __getstate__(self) -> dict[str, object]:
        """Views do not survive pickling or deep copies as views: rebuild them after."""
        return {k: v for k, v in self.__dict__.items() if k not in ("weights", "_habit")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._views()

    def set_conditions(self, conditions: int, next_thresholds: tuple[int, ...], tension_ok: bool,
                       truce_active: bool) -> None:
        """Make the options that are infeasible now impossible, and price threshold crossing."""
        key = (conditions, next_thresholds, tension_ok, truce_active)
        if key != self._conditions:
            self.matrix[:, self._penalty_col] = self.template.penalty(*key)
            self._conditions = key

    def utility(self) -> np.ndarray:
        """Utility of every option divided by the temperature, under the weights last
        written to ``weights`` and the hostility and need in the inputs now; infeasible
        options are -inf."""
        return self.matrix.dot(self._inputs)  # .dot: less dispatch overhead than @ here

    def choose(self, u01: float) -> tuple[Action, Actor | None]:
        """This week's choice: draw an option (logit, with the uniform draw ``u01``) and
        remember it. One call per decision: the hot path of a run."""
        option = self.draw(self.matrix.dot(self._inputs), u01)   # self.utility(), inline
        self.remember(option[0])
        return option

    @property
    def habit(self) -> np.ndarray:
        """Current habituation of each option (utility units / temperature)."""
        return self._habit / self._habit_scale

    def remember(self, action: Action) -> None:
        """Record this week's choice: all memories decay, this action's grows."""
        self._habit_scale /= self._habit_keep
        if self._habit_scale > 1e100:
            self._habit /= self._habit_scale
            self._habit_scale = 1.0
        habit, step = self._habit, self._habit_step * self._habit_scale
        for k in self._action_range[action.name]:
            habit[k] += step
        self._inputs[self._habit_input] = -1.0 / self._habit_scale

    @staticmethod
    def probabilities(utility: np.ndarray) -> np.ndarray:
        """Logit choice probabilities of the options (from temperature-scaled utilities)."""
        p = np.exp(utility - utility.max())
        return p / p.sum()

    def draw(self, utility: np.ndarray, u01: float) -> tuple[Action, Actor | None]:
        """Draw one option from the logit distribution with the uniform draw ``u01``.

        Works in place: ``utility`` is consumed.
        """
        utility -= _MAX(utility)
        _EXP(utility, utility)
        # Into a new array: accumulating in place makes numpy check the overlap and copy.
        cumulative = _CUMULATE(utility)
        # bisect_right is searchsorted(side="right") without numpy's call overhead.
        k = bisect_right(cumulative, u01 * float(cumulative[-1]))
        return self.options[k if k < self._last else self._last]


def shared_inputs(menus: Sequence[Menu]) -> np.ndarray:
    """One array of every menu's inputs (row i: ``menus[i]``'s), which the menus then use
    in place. The world keeps its hostility matrix and the targets' need as views of
    its columns (``hostility_columns``, ``need_columns``), so a decision copies nothing
    in. Views do not survive a copy of the run: the copy calls this again."""
    layouts = {(m.hostility_columns, m.need_columns, m.matrix.shape[1]) for m in menus}
    if len(layouts) != 1:
        raise ValueError(f"menus of one run must share one input layout, not {layouts}")
    inputs = np.zeros((len(menus), menus[0].matrix.shape[1]))
    for menu, row in zip(menus, inputs, strict=True):
        menu.share(row)
    return inputs


_TEMPLATES: dict[tuple, tuple[object, MenuTemplate]] = {}
_TEMPLATE_LIMIT = 2048


def build_menu(actor: Actor, states: Sequence[Actor], catalogue: Sequence[Action],
               belligerents: tuple[str, str], params: ChoiceParameters, scenario: object) -> Menu:
    """A fresh menu, built on a template cached per (scenario, actor, parameters)."""
    key = (id(scenario), actor.name, params)
    cached = _TEMPLATES.get(key)
    if cached is None or cached[0] is not scenario:
        if len(_TEMPLATES) >= _TEMPLATE_LIMIT:
            _TEMPLATES.clear()
        # The scenario is kept with its template so that its id cannot be reused.
        cached = (scenario, MenuTemplate(actor, states, catalogue, belligerents, params))
        _TEMPLATES[key] = cached
    return Menu(cached[1], states)
