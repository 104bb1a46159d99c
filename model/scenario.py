"""Scenarios: actors, alliances, initial conditions and scheduled events, as files.

A scenario file is TOML; `load_scenario` validates every table and key and
raises :class:`ConfigError` naming the file and key at fault.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from agents.actions import MOTIVES, Frozen
from model.catalogue import DEFAULT_CATALOGUE, Catalogue, load_catalogue
from model.checks import (
    ConfigError,
    flag,
    names,
    number,
    only,
    read_toml,
    safe_name,
    show,
    table,
    text,
)
from model.parameters import Parameters
from model.posterior import Posterior, load_posterior

SCENARIO_DIR = Path(__file__).parent / "scenarios"
POSTERIOR_DIR = Path(__file__).parent / "posteriors"   # the shipped posteriors, by name

# name: (type, low, high, default, meaning) — documented in docs/ODD.md.
ACTOR_FIELDS: dict[str, tuple[type, float, float, Any, str]] = {
    "capability": (float, 0.0, 10.0, 0.0, "combat power (relative units; belligerents)"),
    "morale": (float, 0.0, 1.0, 0.7, "fighting morale"),
    "risk_tolerance": (float, 0.0, 1.0, 0.3, "willingness to take escalatory risk"),
    "domestic_pressure": (float, 0.0, 1.0, 0.2, "baseline domestic pressure"),
    "commitment": (float, 0.0, 1.0, 0.5, "commitment to allies at war"),
    "distraction": (float, 0.0, 1.0, 0.0, "attention claimed by other priorities"),
    "optimism": (float, -0.01, 0.01, 0.0, "bias of its battlefield forecast, share/week"),
    "resolve": (float, 0.0, 1.0, 0.0, "territory share it refuses to concede"),
    "troops_per_capability": (float, 0.0, 10000.0, 500.0, "thousand troops per capability"),
    "pledge": (float, 0.0, 1.0, 0.0, "weekly aid pledged to the defender at week 0"),
}
EVENT_KINDS = ("action", "pause_deliveries")


@dataclass(frozen=True, slots=True)
class ActorSpec:
    name: str
    bloc: str
    tags: frozenset[str]
    goals: Frozen
    capability: float
    morale: float
    risk_tolerance: float
    domestic_pressure: float
    commitment: float
    distraction: float
    optimism: float
    resolve: float
    troops_per_capability: float
    pledge: float
    sanctions: Frozen  # target -> sanction stance at week 0


@dataclass(frozen=True, slots=True)
class AllianceSpec:
    name: str
    members: tuple[str, ...]
    cohesion: float
    consensus: float
    aid: bool
    sanctions: bool


@dataclass(frozen=True, slots=True)
class EventSpec:
    week: int
    kind: str
    actor: str
    action: str = ""
    target: str = ""
    weeks: int = 0


@dataclass(frozen=True)
class Scenario:
    """Everything one run needs besides its seed."""

    name: str
    description: str
    source: str
    parameters: Parameters
    actors: tuple[ActorSpec, ...]
    alliances: tuple[AllianceSpec, ...]
    hostility: Frozen  # (from, to) -> initial hostility
    attacker: str
    defender: str
    territory: float
    momentum: float
    siege: float
    initial_rung: int
    confrontation_rung: int
    dossier_tension: float
    inspections_blocked: bool
    clash_alliance: str
    clash_adversary: str
    events: tuple[EventSpec, ...]
    catalogue: Catalogue = field(repr=False)
    # Without a posterior, base_parameters is parameters. With one (a calibrated
    # scenario), parameters holds the posterior's point and base_parameters the values
    # before calibration (the defaults and the file's [parameters]).
    base_parameters: Parameters | None = field(default=None, repr=False)
    posterior: Posterior | None = field(default=None, repr=False)


def shipped_scenarios() -> dict[str, str]:
    """Names of the shipped scenarios with their one-line descriptions."""
    out = {}
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        out[path.stem] = str(raw.get("scenario", {}).get("description", ""))
    return out


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A shipped scenario name or a path to a scenario file."""
    if not isinstance(name_or_path, str | Path) or not str(name_or_path):
        raise ConfigError("--scenario", show(name_or_path),
                          "must be a scenario name or a path to a .toml file")
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or _probe(candidate, Path.exists):
        if not _probe(candidate, Path.is_file):
            raise ConfigError(str(candidate), "", "scenario file not found")
        return candidate
    shipped = SCENARIO_DIR / f"{name_or_path}.toml"
    if not _could_be_shipped(str(name_or_path)) or not _probe(shipped, Path.is_file):
        names = ", ".join(shipped_scenarios())
        raise ConfigError("--scenario", str(name_or_path),
                          f"unknown scenario (shipped: {names}; or give a .toml path)")
    return shipped


def _could_be_shipped(name: str) -> bool:
    """Whether ``name`` could be a shipped scenario's name (no path parts)."""
    return "/" not in name and "\\" not in name and "\0" not in name and len(name) < 200


def _probe(path: Path, test) -> bool:
    """``test(path)`` (exists, is_file), False where the OS refuses the path itself."""
    try:
        return test(path)
    except (OSError, ValueError):  # name too long, NUL byte, permission on a parent
        return False


def scenario_reference(ref: str, source: str, key: str, folder: Path) -> str:
    """A scenario named in another file: a shipped name, or a path made absolute.

    A relative path is taken relative to ``folder`` (the naming file's folder) if it
    exists there, else to the current folder; workers elsewhere can then find it.
    """
    candidate = Path(ref)
    try:
        if candidate.suffix == ".toml" and not candidate.is_absolute():
            local = folder / candidate
            ref = str(local.resolve()) if _probe(local, Path.exists) else str(candidate.resolve())
        resolve_scenario_path(ref)
    except ConfigError as exc:
        raise ConfigError(source, key, exc.problem) from None
    except (OSError, ValueError, RuntimeError):  # NUL byte, name too long, symlink loop
        raise ConfigError(source, key, f"scenario file not found: {show(ref)}") from None
    return ref


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario (cached while the scenario file, its catalogue and its
    posterior are unchanged: a long-lived process sees an edit to any of them)."""
    path = resolve_scenario_path(name_or_path)
    source = str(path)
    cached = _CACHE.get(source)
    if cached is not None and _stamps(cached[1]) == cached[0]:
        return cached[1]
    try:
        path.stat()
    except OSError:  # gone since it was resolved
        raise ConfigError(source, "", "scenario file not found") from None
    raw, _ = read_toml(source, "scenario file")
    scenario = _build(raw, source, path.parent)
    if len(_CACHE) >= CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[source] = (_stamps(scenario), scenario)
    return scenario


CACHE_SIZE = 32
_CACHE: dict[str, tuple[tuple[int, ...], Scenario]] = {}


def _stamps(scenario: Scenario) -> tuple[int, ...]:
    """Modification times of the files a loaded scenario was built from (-1: gone)."""
    files = [scenario.source, scenario.catalogue.source]
    if scenario.posterior is not None:
        files.append(scenario.posterior.source)
    stamps = []
    for file in files:
        try:
            stamps.append(os.stat(file).st_mtime_ns)
        except OSError:
            stamps.append(-1)
    return tuple(stamps)


def _build(raw: dict[str, Any], source: str, folder: Path) -> Scenario:
    only(raw, {"scenario", "parameters", "actors", "alliances", "war", "hostility",
                "dossier", "outcome", "events"}, source, "")
    meta = table(raw, "scenario", source)
    only(meta, {"name", "description", "catalogue", "initial_rung", "confrontation_rung",
                "posterior"}, source, "scenario.")
    name = safe_name(meta.get("name"), source, "scenario.name")
    own = table(raw, "parameters", source, required=False)
    base = Parameters().with_overrides(own, source, prefix="parameters.")
    posterior = _posterior(meta, own, source, folder)
    params = base if posterior is None else base.with_overrides(posterior.point(),
                                                                posterior.source)
    actors = tuple(_actor(n, spec, source) for n, spec in table(raw, "actors", source).items())
    if len(actors) < 2:
        raise ConfigError(source, "actors", "needs at least two actors")
    names = {a.name for a in actors}

    def known(value: Any, key: str) -> str:
        if not isinstance(value, str) or value not in names:
            raise ConfigError(source, key, f"unknown actor {show(value)}")
        return value

    for a in actors:
        for target in a.sanctions:
            known(target, f"actors.{a.name}.sanctions.{target}")
    war = table(raw, "war", source)
    only(war, {"attacker", "defender", "territory", "momentum", "siege"}, source, "war.")
    attacker = known(war.get("attacker"), "war.attacker")
    defender = known(war.get("defender"), "war.defender")
    if attacker == defender:
        raise ConfigError(source, "war.defender", "must differ from war.attacker")
    alliances = tuple(_alliance(n, spec, source, known)
                      for n, spec in table(raw, "alliances", source, required=False).items())
    actors = _with_derived_tags(actors, attacker, defender, alliances)
    for belligerent in (attacker, defender):
        if next(a for a in actors if a.name == belligerent).capability <= 0:
            raise ConfigError(source, f"actors.{belligerent}.capability",
                              "a belligerent needs a capability above 0")
    hostility = {}
    for frm, row in table(raw, "hostility", source, required=False).items():
        known(frm, f"hostility.{frm}")
        if not isinstance(row, dict):
            raise ConfigError(source, f"hostility.{frm}", "must be a table of actor = value")
        for to, value in row.items():
            known(to, f"hostility.{frm}.{to}")
            hostility[(frm, to)] = number(value, source, f"hostility.{frm}.{to}", 0.0, 1.0)
    dossier = table(raw, "dossier", source, required=False)
    only(dossier, {"tension", "inspections_blocked"}, source, "dossier.")
    outcome = table(raw, "outcome", source, required=False)
    only(outcome, {"clash_alliance", "clash_adversary"}, source, "outcome.")
    alliance_names = {a.name for a in alliances}
    clash_alliance = outcome.get("clash_alliance", "")
    if not isinstance(clash_alliance, str) or (clash_alliance
                                               and clash_alliance not in alliance_names):
        raise ConfigError(source, "outcome.clash_alliance",
                          f"unknown alliance {show(clash_alliance)}")
    clash_adversary = outcome.get("clash_adversary", "")
    if clash_adversary != "":
        known(clash_adversary, "outcome.clash_adversary")
    catalogue_path = meta.get("catalogue", "")
    if not isinstance(catalogue_path, str):
        raise ConfigError(source, "scenario.catalogue", "must be a path to a catalogue file")
    catalogue_file = (folder / catalogue_path) if catalogue_path else DEFAULT_CATALOGUE
    catalogue = load_catalogue(catalogue_file)
    _check_catalogue_names(catalogue, actors, str(catalogue_file))
    for a in actors:
        for tag in sorted(a.tags - catalogue.tags - {a.name}):
            raise ConfigError(source, f"actors.{a.name}.tags",
                              f"unknown tag {tag!r} (the catalogue's tags: "
                              f"{', '.join(sorted(catalogue.tags))})")
    raw_events = raw.get("events", [])
    if not isinstance(raw_events, list):
        raise ConfigError(source, "events", "must be a list of [[events]] tables")
    events = tuple(_event(i, spec, source, known, catalogue)
                   for i, spec in enumerate(raw_events))
    return Scenario(
        name=name,
        description=text(meta, "description", source, "scenario."),
        source=source,
        parameters=params,
        base_parameters=base,
        posterior=posterior,
        actors=actors,
        alliances=alliances,
        hostility=Frozen(hostility),
        attacker=attacker,
        defender=defender,
        territory=number(war.get("territory", 0.0), source, "war.territory", 0.0, 1.0),
        momentum=number(war.get("momentum", 0.0), source, "war.momentum", -0.05, 0.05),
        siege=number(war.get("siege", 0.0), source, "war.siege", 0.0, 1.0),
        initial_rung=int(number(meta.get("initial_rung", 12), source, "scenario.initial_rung",
                              0, 44, whole=True)),
        confrontation_rung=int(number(meta.get("confrontation_rung", 0), source,
                                      "scenario.confrontation_rung", 0, 44, whole=True)),
        dossier_tension=number(dossier.get("tension", 0.0), source, "dossier.tension", 0.0, 1.0),
        inspections_blocked=flag(dossier.get("inspections_blocked", False), source,
                                  "dossier.inspections_blocked"),
        clash_alliance=clash_alliance,
        clash_adversary=clash_adversary,
        events=events,
        catalogue=catalogue,
    )


def _posterior(meta: dict[str, Any], own: dict[str, Any], source: str,
               folder: Path) -> Posterior | None:
    """The posterior a calibrated scenario names: a shipped posterior by name (so a copy
    of a shipped scenario keeps it), or a file path relative to the scenario's folder."""
    if "posterior" not in meta:
        return None
    ref = meta["posterior"]
    if not isinstance(ref, str) or not ref:
        raise ConfigError(source, "scenario.posterior", "must be a shipped posterior's name "
                          f"({', '.join(shipped_posteriors()) or 'none'}) or the path of a "
                          "posterior file (posterior.parquet from `escalation calibrate`)")
    posterior = load_posterior_at(posterior_path(ref, folder), source, "scenario.posterior")
    for name in posterior.names:
        if name in own:
            raise ConfigError(source, f"parameters.{name}", "calibrated by the scenario's "
                              "posterior; give it once (remove it here, or recalibrate)")
    return posterior


def load_posterior_at(path: Path, source: str, key: str) -> Posterior:
    """Load the posterior a file's ``key`` names; an error names that file and key first."""
    try:
        return load_posterior(path)
    except ConfigError as exc:
        raise ConfigError(source, key, f"{exc.source}: "
                          f"{exc.key + ': ' if exc.key else ''}{exc.problem}") from None


def posterior_path(ref: str, folder: Path = Path()) -> Path:
    """The file a posterior reference names: a shipped posterior by its name, otherwise a
    path (relative ones taken from ``folder``)."""
    return POSTERIOR_DIR / f"{ref}.parquet" if ref in shipped_posteriors() else folder / ref


def shipped_posteriors() -> list[str]:
    """Names of the posteriors shipped in model/posteriors/."""
    return sorted(path.stem for path in POSTERIOR_DIR.glob("*.parquet"))


def _actor(name: str, spec: Any, source: str) -> ActorSpec:
    key = f"actors.{name}"
    if not isinstance(spec, dict):
        raise ConfigError(source, key, "must be a table")
    only(spec, {"bloc", "tags", "goals", "sanctions", *ACTOR_FIELDS}, source, f"{key}.")
    bloc = text(spec, "bloc", source, f"{key}.")
    tags = names(spec.get("tags", []), source, f"{key}.tags")
    goals = spec.get("goals", {})
    if not isinstance(goals, dict):
        raise ConfigError(source, f"{key}.goals", "must be a table of motive = weight")
    for motive, weight in goals.items():
        if motive not in MOTIVES:
            raise ConfigError(source, f"{key}.goals.{motive}",
                              f"unknown motive (one of {', '.join(MOTIVES)})")
        number(weight, source, f"{key}.goals.{motive}", 0.0, 5.0)
    sanctions = spec.get("sanctions", {})
    if not isinstance(sanctions, dict):
        raise ConfigError(source, f"{key}.sanctions", "must be a table of actor = stance")
    for target, stance in sanctions.items():
        number(stance, source, f"{key}.sanctions.{target}", 0.0, 1.0)
    values = {f: number(spec.get(f, default), source, f"{key}.{f}", low, high)
              for f, (_, low, high, default, _m) in ACTOR_FIELDS.items()}
    return ActorSpec(name=name, bloc=bloc, tags=frozenset(tags),
                     goals=Frozen({m: float(goals.get(m, 1.0)) for m in MOTIVES}),
                     sanctions=Frozen({t: float(v) for t, v in sanctions.items()}),
                     **values)


def _alliance(name: str, spec: Any, source: str, known) -> AllianceSpec:
    key = f"alliances.{name}"
    if not isinstance(spec, dict):
        raise ConfigError(source, key, "must be a table")
    only(spec, {"members", "cohesion", "consensus", "aid", "sanctions"}, source, f"{key}.")
    members = spec.get("members")
    if not isinstance(members, list) or not members:
        raise ConfigError(source, f"{key}.members", "must be a non-empty list of actors")
    return AllianceSpec(
        name=name,
        members=_distinct(tuple(known(m, f"{key}.members") for m in members), source,
                          f"{key}.members"),
        cohesion=number(spec.get("cohesion", 0.7), source, f"{key}.cohesion", 0.0, 1.0),
        consensus=number(spec.get("consensus", 0.5), source, f"{key}.consensus", 0.0, 1.0),
        aid=flag(spec.get("aid", False), source, f"{key}.aid"),
        sanctions=flag(spec.get("sanctions", False), source, f"{key}.sanctions"),
    )


def _distinct(members: tuple[str, ...], source: str, key: str) -> tuple[str, ...]:
    for member in members:
        if members.count(member) > 1:
            raise ConfigError(source, key, f"{show(member)} is listed twice")
    return members


def _event(index: int, spec: Any, source: str, known, catalogue) -> EventSpec:
    key = f"events[{index}]"
    if not isinstance(spec, dict):
        raise ConfigError(source, key, "must be a table")
    only(spec, {"week", "kind", "actor", "action", "target", "weeks"}, source, f"{key}.")
    kind = spec.get("kind")
    if kind not in EVENT_KINDS:
        raise ConfigError(source, f"{key}.kind",
                          f"{show(kind)} is not one of {', '.join(EVENT_KINDS)}")
    actor = known(spec.get("actor"), f"{key}.actor")
    action = spec.get("action", "")
    target = spec.get("target", "")
    for field_name, value in (("action", action), ("target", target)):
        if not isinstance(value, str):
            raise ConfigError(source, f"{key}.{field_name}", f"must be a name, got {show(value)}")
    if kind == "action":
        entry = catalogue.get(action)
        if entry is None:
            raise ConfigError(source, f"{key}.action", f"unknown action {show(action)}")
        if target:
            known(target, f"{key}.target")
        if bool(target) != (entry.against != "none"):
            raise ConfigError(source, f"{key}.target", f"action {action!r} " + (
                "needs a target" if entry.against != "none" else "takes no target"))
    return EventSpec(
        week=int(number(spec.get("week"), source, f"{key}.week", 0, 10000, whole=True)),
        kind=kind, actor=actor, action=action, target=target,
        weeks=int(number(spec.get("weeks", 0), source, f"{key}.weeks", 0, 10000, whole=True)),
    )


def _with_derived_tags(actors, attacker, defender, alliances) -> tuple[ActorSpec, ...]:
    """Tags implied by the scenario's structure, so catalogue filters can use them."""
    members = {m for a in alliances for m in a.members}
    out = []
    for a in actors:
        extra = {a.name}
        if a.name in (attacker, defender):
            extra |= {"belligerent", "attacker" if a.name == attacker else "defender"}
        if a.name in members:
            extra.add("alliance_member")
        out.append(replace(a, tags=a.tags | extra))
    return tuple(out)


def _check_catalogue_names(catalogue: Catalogue, actors, source: str) -> None:
    """Every name a catalogue uses must be one of its tags or one of the scenario's actors."""
    tags = {"any"} | catalogue.tags | {a.name for a in actors}
    for action in catalogue:
        for field_name in ("by", "target_tags"):
            for name in getattr(action, field_name):
                if name not in tags:
                    raise ConfigError(source, f"actions.{action.name}.{field_name}",
                                      f"unknown actor or tag {name!r}")


