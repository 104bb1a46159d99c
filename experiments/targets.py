"""Empirical targets (TOML): patterns from history the model's runs are checked against.

A target file has one ``[target]`` table and one or more ``[[patterns]]``::

    [target]
    name = "interstate_war_endings"      # a plain name (letters, digits, _ . -)
    description = "How interstate armed conflicts ended, 1946-2014."
    source = "UCDP Conflict Termination dataset, dyadic, v2-2015"
    citation = "Kreutz, J. (2010). How and when armed conflicts end ... 47(2): 243-250."
    population = "the 66 terminated interstate dyad-episodes, 1946-2014"
    among = "ended"                      # "ended": shares among the runs whose fighting
                                         # ended (rules imposed, settlement, unsettled_truce,
                                         # stalemate); "all": shares among all runs
    horizon_weeks = 156                  # optional: the week the patterns refer to (runs
                                         # last at least this long; a rule decided later
                                         # does not count)
    follow_up_weeks = 156                # optional: weeks runs must be followed after their
                                         # ending (recurrence patterns)
    reasoning = "..."                    # optional: how the figures were derived
    url = "https://..."                  # optional

    [[patterns]]
    name = "agreement"                   # unique within the file
    description = "peace agreement -> rule settlement"
    rules = ["settlement"]               # what it counts: model rules (model.outcomes.RULES),
    # outcomes = ["negotiated"]          # or outcomes (model.outcomes.OUTCOMES), or
    # fighting_at = 52                   # runs whose episode had not ended after 52 weeks
                                         # (among all; needs horizon_weeks and
                                         # follow_up_weeks of 52 + episode_gap_weeks), or
    # resumed_within = 156               # runs whose fighting came back within 156 weeks
                                         # of their episode's end (among the runs whose
                                         # episode ended, followed that long)
    k = 14                               # a share k/n with its Wilson 95% interval, or
    n = 66
    # value = 0.2, low = 0.1, high = 0.3 # a share with a given interval, or
    # upper = 0.05                       # one or two bounds (upper and/or lower)
    reasoning = "..."                    # optional

What a run shows a pattern is its ``RunRecord``: the rule that decided it and when,
the week its fighting ended and, with a follow-up, the week the fighting resumed, the
last week observed, and its episode read by UCDP's rule (an ending ends the episode once
it has held ``episode_gap_weeks``, the parameter's default; model/outcomes.py). Every
key is checked with the helpers of ``model.checks``; an error names the file and the key
(``ConfigError``), unknown keys are refused, and a rule or outcome the model does not
have is refused. With ``among = "ended"`` a rules pattern
may count only rules that end the fighting (``model.outcomes.ENDING_RULES``), and
outcomes made only of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from model.checks import (
    ConfigError,
    choice,
    names,
    number,
    only,
    read_toml,
    safe_name,
    show,
    table,
    text,
    whole,
)
from model.outcomes import ENDING_RULES, NOT_ENDED, OUTCOMES, RULES
from model.parameters import Parameters

AMONG = ("ended", "all")
TARGET_KEYS = {"name", "description", "source", "citation", "population", "among",
               "horizon_weeks", "follow_up_weeks", "reasoning", "url"}
MEASURES = ("rules", "outcomes", "fighting_at", "resumed_within")   # what a pattern counts
PATTERN_KEYS = {"name", "description", *MEASURES, "k", "n", "value", "low",
                "high", "upper", "lower", "reasoning"}
FORMS = {"share": ("k", "n"), "interval": ("value", "low", "high"),
         "bound": ("upper", "lower")}
MAX_COUNT = 10**12
# Weeks an ending must hold to end an episode, as the durations and recurrence patterns
# read it: the parameter's default (UCDP's year), so runs are long enough to see it.
EPISODE_GAP = Parameters.spec("episode_gap_weeks")["default"]
MAX_PATTERNS = 1000


@dataclass(frozen=True, slots=True)
class Pattern:
    """One pattern: which runs it counts, and the target share with its interval.

    ``low``/``high`` is the target's interval: the Wilson 95% interval of ``k``/``n``
    (kind "share"), the given interval (kind "interval"), or the region a bound allows
    (kind "bound": [lower or 0, upper or 1]; ``value`` is None).
    """

    name: str
    description: str
    measure: str                  # "rules" (outcomes resolved to rules), "fighting_at" or
                                  # "resumed_within" (MEASURES)
    rules: tuple[str, ...]        # the model rules counted (measure "rules")
    weeks: int | None             # the weeks of fighting_at and resumed_within
    counts: str                   # as written: "rules: a, b", "outcomes: x", "fighting_at: 52"
    kind: str                     # "share", "interval" or "bound"
    value: float | None
    low: float
    high: float
    k: int | None = None
    n: int | None = None
    upper: float | None = None
    lower: float | None = None
    reasoning: str = ""

    @property
    def target_text(self) -> str:
        """The target as read in a table, e.g. ``0.212 (14/66)`` or ``<= 0.05``."""
        if self.kind == "share":
            return f"{self.value:.3f} ({self.k}/{self.n})"
        if self.kind == "interval":
            return f"{self.value:.3f}"
        parts = []
        if self.lower is not None:
            parts.append(f">= {self.lower:g}")
        if self.upper is not None:
            parts.append(f"<= {self.upper:g}")
        return " and ".join(parts)


class RunRecord(NamedTuple):
    """What one run shows the patterns: how and when it was decided, when its fighting
    ended (-1: it did not), and with a follow-up when it resumed (-1: it did not), the
    last week observed, and the episode by UCDP's rule: the week its ending that held
    ``episode_gap_weeks`` began, and the week fighting came back after that (-1: none)."""

    rule: str
    decided_step: int
    ended_step: int
    resumed_step: int = NOT_ENDED
    last_step: int = 0
    episode_end_step: int = NOT_ENDED
    recurred_step: int = NOT_ENDED

    @classmethod
    def of(cls, summary: Mapping[str, Any]) -> RunRecord:
        """From a model's ``summary()`` or a run-table row (the same keys)."""
        return cls(str(summary["rule"]), int(summary["decided_step"]),
                   int(summary["ended_step"]), int(summary["resumed_step"]),
                   int(summary["last_step"]), int(summary["episode_end_step"]),
                   int(summary["recurred_step"]))


RECORD_COLUMNS = list(RunRecord._fields)   # the run-table columns a comparison reads


@dataclass(frozen=True, slots=True)
class TargetFile:
    """A validated target file."""

    source: str
    name: str
    description: str
    citation_source: str          # the [target] source key (dataset, version)
    citation: str
    population: str
    among: str                    # "ended" or "all"
    horizon_weeks: int | None     # the week the patterns refer to (None: the run's end)
    follow_up_weeks: int | None   # weeks runs must be followed after their ending
    reasoning: str
    url: str
    patterns: tuple[Pattern, ...]


def load_targets(path: str | Path) -> TargetFile:
    """Read and validate a target file; raises ConfigError naming the file and the key."""
    source = str(path)
    raw, _ = read_toml(path, "target file")
    only(raw, {"target", "patterns"}, source)
    head = table(raw, "target", source)
    only(head, TARGET_KEYS, source, "target.")
    name = safe_name(head.get("name"), source, "target.name")
    strings = {key: text(head, key, source, "target.")
               for key in ("description", "source", "citation", "population")}
    among = choice(head.get("among"), AMONG, source, "target.among")
    horizon, follow_up = (
        whole(head[key], source, f"target.{key}", *Parameters.spec(key)["range"])
        if key in head else None for key in ("horizon_weeks", "follow_up_weeks"))
    optional = {key: text(head, key, source, "target.") if key in head else ""
                for key in ("reasoning", "url")}

    items = raw.get("patterns")
    if items is None:
        raise ConfigError(source, "patterns", "missing: give at least one [[patterns]] table")
    if not isinstance(items, list) or not items or not all(isinstance(p, dict) for p in items):
        raise ConfigError(source, "patterns", "must be one or more [[patterns]] tables")
    if len(items) > MAX_PATTERNS:
        raise ConfigError(source, "patterns", f"at most {MAX_PATTERNS} patterns, got "
                          f"{len(items)}")
    patterns = tuple(_pattern(item, f"patterns[{i}].", among, horizon, follow_up, source)
                     for i, item in enumerate(items))
    seen: set[str] = set()
    for i, pattern in enumerate(patterns):
        if pattern.name in seen:
            raise ConfigError(source, f"patterns[{i}].name", f"repeated name {pattern.name!r}")
        seen.add(pattern.name)
    return TargetFile(source=source, name=name, description=strings["description"],
                      citation_source=strings["source"], citation=strings["citation"],
                      population=strings["population"], among=among, horizon_weeks=horizon,
                      follow_up_weeks=follow_up,
                      reasoning=optional["reasoning"], url=optional["url"],
                      patterns=patterns)


def _pattern(raw: dict[str, Any], where: str, among: str, horizon: int | None,
             follow_up: int | None, source: str) -> Pattern:
    only(raw, PATTERN_KEYS, source, where)
    name = safe_name(raw.get("name"), source, f"{where}name")
    description = text(raw, "description", source, where)
    reasoning = text(raw, "reasoning", source, where) if "reasoning" in raw else ""
    measure, rules, weeks, counts = _counted(raw, where, among, horizon, follow_up, source)
    forms = [form for form, keys in FORMS.items() if any(key in raw for key in keys)]
    if not forms:
        raise ConfigError(source, f"{where}k", "missing target: give k and n, or value with "
                          "low and high, or upper and/or lower")
    if len(forms) > 1:
        extra = next(key for key in FORMS[forms[1]] if key in raw)
        raise ConfigError(source, f"{where}{extra}", f"give one form of target, not both "
                          f"{' / '.join(FORMS[forms[0]])} and {' / '.join(FORMS[forms[1]])}")
    common = {"name": name, "description": description, "measure": measure, "rules": rules,
              "weeks": weeks, "counts": counts, "reasoning": reasoning}
    kind = forms[0]
    if kind == "share":
        from experiments.results import wilson_interval

        for key in ("k", "n"):
            if key not in raw:
                raise ConfigError(source, f"{where}{key}", "missing (a share needs k and n)")
        n = whole(raw["n"], source, f"{where}n", 1, MAX_COUNT)
        k = whole(raw["k"], source, f"{where}k", 0, MAX_COUNT)
        if k > n:
            raise ConfigError(source, f"{where}k", f"must be at most n ({n}), got {k}")
        low, high = wilson_interval(k, n)
        return Pattern(kind=kind, value=k / n, low=low, high=high, k=k, n=n, **common)
    if kind == "interval":
        for key in ("value", "low", "high"):
            if key not in raw:
                raise ConfigError(source, f"{where}{key}",
                                  "missing (a value needs low and high)")
        value = _share(raw["value"], source, f"{where}value")
        low = _share(raw["low"], source, f"{where}low")
        high = _share(raw["high"], source, f"{where}high")
        if not low <= value <= high:
            raise ConfigError(source, f"{where}value", f"must lie within [low, high] = "
                              f"[{low:g}, {high:g}], got {value:g}")
        return Pattern(kind=kind, value=value, low=low, high=high, **common)
    lower = _share(raw["lower"], source, f"{where}lower") if "lower" in raw else None
    upper = _share(raw["upper"], source, f"{where}upper") if "upper" in raw else None
    if lower is not None and upper is not None and lower > upper:
        raise ConfigError(source, f"{where}lower", f"must be at most upper ({upper:g}), "
                          f"got {lower:g}")
    return Pattern(kind=kind, value=None, low=0.0 if lower is None else lower,
                   high=1.0 if upper is None else upper, upper=upper, lower=lower, **common)


def _share(value: Any, source: str, key: str) -> float:
    return number(value, source, key, 0.0, 1.0)


def _counted(raw: dict[str, Any], where: str, among: str, horizon: int | None,
             follow_up: int | None, source: str
             ) -> tuple[str, tuple[str, ...], int | None, str]:
    """What a pattern counts: (measure, rules, weeks, as written). Exactly one of
    ``rules``, ``outcomes``, ``fighting_at`` and ``resumed_within``."""
    given = [key for key in MEASURES if key in raw]
    if len(given) != 1:
        problem = ("missing: give rules, outcomes, fighting_at or resumed_within" if not given
                   else f"give one of rules, outcomes, fighting_at, resumed_within, not "
                        f"{' and '.join(given)}")
        raise ConfigError(source, f"{where}{given[1] if given else 'rules'}", problem)
    kind = given[0]
    key = f"{where}{kind}"
    if kind in ("fighting_at", "resumed_within"):
        low, high = Parameters.spec("horizon_weeks")["range"]
        weeks = whole(raw[kind], source, key, low, high)
        needed = "all" if kind == "fighting_at" else "ended"
        if among != needed:
            raise ConfigError(source, key, f"counts among {needed} runs, but target.among is "
                              f"{among!r}")
        if kind == "fighting_at":
            seen = weeks + EPISODE_GAP   # an ending by then is known to hold only a gap later
            for setting, value in (("horizon_weeks", horizon), ("follow_up_weeks", follow_up)):
                if value is None or value < seen:
                    raise ConfigError(source, key, f"needs target.{setting} of at least "
                                      f"{seen} ({weeks} weeks and the {EPISODE_GAP} an ending "
                                      f"must hold to end the episode)")
        if kind == "resumed_within" and (follow_up is None or follow_up < weeks):
            raise ConfigError(source, key, f"needs target.follow_up_weeks of at least "
                              f"{weeks} (runs followed that long after their ending)")
        return kind, (), weeks, f"{kind}: {weeks} weeks"
    given_names = names(raw[kind], source, key)
    if not given_names:
        raise ConfigError(source, key, "must name at least one")
    allowed = tuple(RULES) if kind == "rules" else OUTCOMES
    for i, item in enumerate(given_names):
        if item not in allowed:
            raise ConfigError(source, f"{key}[{i}]", f"{show(item)} is not a model "
                              f"{kind[:-1]} ({', '.join(allowed)})")
        if item in given_names[:i]:
            raise ConfigError(source, f"{key}[{i}]", f"repeated {show(item)}")
    rules = given_names if kind == "rules" else tuple(
        rule for rule, outcome in RULES.items() if outcome in given_names)
    if among == "ended":
        for i, item in enumerate(given_names):
            covered = (item,) if kind == "rules" else tuple(
                rule for rule, outcome in RULES.items() if outcome == item)
            if any(rule not in ENDING_RULES for rule in covered):
                raise ConfigError(source, f"{key}[{i}]", f"{show(item)} does not end the "
                                  f"fighting, but target.among is \"ended\" (shares among "
                                  f"runs ended by {', '.join(ENDING_RULES)})")
    return "rules", tuple(rules), None, f"{kind}: {', '.join(given_names)}"


# ------------------------------------------------------------------ what the runs show
def pattern_counts(records: Sequence[RunRecord], target: TargetFile) -> list[tuple[int, int]]:
    """Per pattern: how many runs it counts (k) among how many it compares (n).

    As of the target's week (``horizon_weeks``, else the run's end): a rule counts if
    it was decided by then; ``among = "ended"`` compares the runs whose fighting ended
    by then. Durations and recurrence read episodes as UCDP does (model/outcomes.py): an
    ending counts once it has held ``episode_gap_weeks``. ``fighting_at = w`` counts the
    runs whose episode had not ended by week w; ``resumed_within = w`` compares the runs
    whose episode ended and that were followed at least w weeks after, and counts those
    whose fighting came back within w weeks (a new episode). Plain Python: calibration
    calls it for every particle.
    """
    by = math.inf if target.horizon_weeks is None else target.horizon_weeks
    ended = [r for r in records if r.ended_step != NOT_ENDED and r.decided_step <= by]
    out = []
    for pattern in target.patterns:
        if pattern.measure == "fighting_at":
            w = pattern.weeks
            k = sum(r.episode_end_step == NOT_ENDED or r.episode_end_step > w
                    for r in records)
            out.append((k, len(records)))
        elif pattern.measure == "resumed_within":
            w = pattern.weeks
            followed = [r for r in records if r.episode_end_step != NOT_ENDED
                        and r.last_step - r.episode_end_step >= w]
            k = sum(r.recurred_step != NOT_ENDED and r.recurred_step - r.episode_end_step <= w
                    for r in followed)
            out.append((k, len(followed)))
        else:
            pool = ended if target.among == "ended" else records
            k = sum(r.rule in pattern.rules and r.decided_step <= by for r in pool)
            out.append((k, len(pool)))
    return out


def compares_all(target: TargetFile, pattern: Pattern) -> bool:
    """Whether a pattern's comparison set is every run (else a subset: the ended runs)."""
    return target.among == "all" and pattern.measure != "resumed_within"


def run_settings(targets: Sequence[TargetFile], given: Mapping[str, Any], source: str,
                 gap: int = EPISODE_GAP) -> dict[str, int]:
    """The horizon and follow-up the runs need so that every target can be read off them:
    the longest each target asks for (a pattern refers to its own week, so longer runs
    do not change it). ``given`` values win, but one shorter than a target needs is
    refused (its patterns could not be read off the runs), naming ``source``. A duration
    target's files are sized for the default ``episode_gap_weeks``; a longer one, given
    here or else the scenario's own (``gap``), lengthens what it needs by the difference."""
    longer = max(0, int(given.get("episode_gap_weeks", gap)) - EPISODE_GAP)
    settings = {}
    for key in ("horizon_weeks", "follow_up_weeks"):
        needs = [(getattr(t, key) + longer * _reads_durations(t), t) for t in targets
                 if getattr(t, key) is not None]
        if not needs:
            continue
        need, target = max(needs, key=lambda pair: pair[0])
        if key in given and given[key] < need:
            raise ConfigError(source, key, f"{given[key]:g} weeks, but {target.name} needs "
                              f"{need} ({target.source}: target.{key})")
        settings[key] = given.get(key, need)
    return settings


def _reads_durations(target: TargetFile) -> bool:
    """Whether a target has a pattern that needs an ending seen to hold (``fighting_at``)."""
    return any(pattern.measure == "fighting_at" for pattern in target.patterns)
