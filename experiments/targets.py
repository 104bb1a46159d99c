"""Empirical targets (TOML): patterns from history the model's outcomes are checked against.

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
    horizon_weeks = 156                  # optional: the horizon the patterns refer to
    reasoning = "..."                    # optional: how the figures were derived
    url = "https://..."                  # optional

    [[patterns]]
    name = "agreement"                   # unique within the file
    description = "peace agreement -> rule settlement"
    rules = ["settlement"]               # model rules counted (model.outcomes.RULES) ...
    # outcomes = ["negotiated"]          # ... or outcomes (model.outcomes.OUTCOMES), not both
    k = 14                               # a share k/n with its Wilson 95% interval, or
    n = 66
    # value = 0.2, low = 0.1, high = 0.3 # a share with a given interval, or
    # upper = 0.05                       # one or two bounds (upper and/or lower)
    reasoning = "..."                    # optional

Every key is checked with the helpers of ``model.checks``; an error names the
file and the key (``ConfigError``), unknown keys are refused, and a rule or outcome
the model does not have is refused. With ``among = "ended"`` a pattern may count
only rules that end the fighting (``model.outcomes.ENDING_RULES``), and outcomes made only of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from model.outcomes import ENDING_RULES, OUTCOMES, RULES
from model.parameters import Parameters

AMONG = ("ended", "all")
TARGET_KEYS = {"name", "description", "source", "citation", "population", "among",
               "horizon_weeks", "reasoning", "url"}
PATTERN_KEYS = {"name", "description", "rules", "outcomes", "k", "n", "value", "low",
                "high", "upper", "lower", "reasoning"}
FORMS = {"share": ("k", "n"), "interval": ("value", "low", "high"),
         "bound": ("upper", "lower")}
MAX_COUNT = 10**12
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
    rules: tuple[str, ...]        # the model rules counted (outcomes resolved to rules)
    counts: str                   # as written: "rules: a, b" or "outcomes: x"
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
    horizon_weeks: int | None
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
    horizon = None
    if "horizon_weeks" in head:
        low, high = Parameters.spec("horizon_weeks")["range"]
        horizon = whole(head["horizon_weeks"], source, "target.horizon_weeks", low, high)
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
    patterns = tuple(_pattern(item, f"patterns[{i}].", among, source)
                     for i, item in enumerate(items))
    seen: set[str] = set()
    for i, pattern in enumerate(patterns):
        if pattern.name in seen:
            raise ConfigError(source, f"patterns[{i}].name", f"repeated name {pattern.name!r}")
        seen.add(pattern.name)
    return TargetFile(source=source, name=name, description=strings["description"],
                      citation_source=strings["source"], citation=strings["citation"],
                      population=strings["population"], among=among, horizon_weeks=horizon,
                      reasoning=optional["reasoning"], url=optional["url"],
                      patterns=patterns)


def _pattern(raw: dict[str, Any], where: str, among: str, source: str) -> Pattern:
    only(raw, PATTERN_KEYS, source, where)
    name = safe_name(raw.get("name"), source, f"{where}name")
    description = text(raw, "description", source, where)
    reasoning = text(raw, "reasoning", source, where) if "reasoning" in raw else ""
    rules, counts = _counted(raw, where, among, source)
    forms = [form for form, keys in FORMS.items() if any(key in raw for key in keys)]
    if not forms:
        raise ConfigError(source, f"{where}k", "missing target: give k and n, or value with "
                          "low and high, or upper and/or lower")
    if len(forms) > 1:
        extra = next(key for key in FORMS[forms[1]] if key in raw)
        raise ConfigError(source, f"{where}{extra}", f"give one form of target, not both "
                          f"{' / '.join(FORMS[forms[0]])} and {' / '.join(FORMS[forms[1]])}")
    common = {"name": name, "description": description, "rules": rules, "counts": counts,
              "reasoning": reasoning}
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


def _counted(raw: dict[str, Any], where: str, among: str,
             source: str) -> tuple[tuple[str, ...], str]:
    """The model rules a pattern counts, from ``rules`` or ``outcomes`` (one of them)."""
    if ("rules" in raw) == ("outcomes" in raw):
        key = "outcomes" if "rules" in raw else "rules"
        raise ConfigError(source, f"{where}{key}", "give either rules or outcomes, not both"
                          if "rules" in raw else "missing: give rules or outcomes")
    kind = "rules" if "rules" in raw else "outcomes"
    key = f"{where}{kind}"
    given = names(raw[kind], source, key)
    if not given:
        raise ConfigError(source, key, "must name at least one")
    allowed = tuple(RULES) if kind == "rules" else OUTCOMES
    for i, item in enumerate(given):
        if item not in allowed:
            raise ConfigError(source, f"{key}[{i}]", f"{show(item)} is not a model "
                              f"{kind[:-1]} ({', '.join(allowed)})")
        if item in given[:i]:
            raise ConfigError(source, f"{key}[{i}]", f"repeated {show(item)}")
    rules = given if kind == "rules" else tuple(
        rule for rule, outcome in RULES.items() if outcome in given)
    if among == "ended":
        for i, item in enumerate(given):
            covered = (item,) if kind == "rules" else tuple(
                rule for rule, outcome in RULES.items() if outcome == item)
            if any(rule not in ENDING_RULES for rule in covered):
                raise ConfigError(source, f"{key}[{i}]", f"{show(item)} does not end the "
                                  f"fighting, but target.among is \"ended\" (shares among "
                                  f"runs ended by {', '.join(ENDING_RULES)})")
    return tuple(rules), f"{kind}: {', '.join(given)}"
