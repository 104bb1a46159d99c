"""No coefficient hides in the code: every number with a modelling meaning is a parameter.

Every ``.py`` file of ``agents/`` and ``model/`` except ``model/parameters.py``
(the one typed place for coefficients) is parsed with ``ast``; a numeric
literal fails the test unless it is

* one of 0, 1, -1, 0.0, 1.0, -1.0 (identities, bounds of shares, indices);
* inside a data table named in ``DATA_TABLES`` (data from the literature or
  the documented schema of input files, not coefficients);
* an argument of an input check named in ``INPUT_CHECKS`` (the ranges and
  defaults that scenario and catalogue files are validated against);
* in a file of ``WHOLE_FILES`` (code with no model dynamics at all);
* listed in ``STRUCTURAL`` for its file, with a fragment of its source line
  and the reason it is not a coefficient:

  - ``agents/alliance.py``: ``** 0.5``, a square root (standard deviation);
  - ``agents/choice.py``: ``0.5 ** (1 / half-life)``, the half of a
    half-life; ``width + 2``, the two extra matrix columns (penalty and
    habituation); ``1e100``, when the habituation scale is renormalised;
    ``2048``, the size of the menu-template cache;
  - ``model/effects.py``: ``HANDLER_TABLE_LIMIT``, the size of the cache of effect
    handler tables;
  - ``model/scenario.py``: ``CACHE_SIZE = 32``, the scenario cache; ``< 2``, a war
    needs at least two actors; ``< 200``, the longest scenario name;
  - ``model/posterior.py``: ``MAX_PARTICLES``, the most rows a posterior file may
    have (input safety); ``MEDOID_BLOCK_CELLS``, the memory bound of one block of the
    medoid's pairwise differences.

A new coefficient belongs in ``model/parameters.py`` (with meaning, unit,
range, source and group), read as ``p.name``; do not extend these lists for it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
ALLOWED = {0, 1, -1}  # as numbers: 0 == 0.0 and 1 == 1.0, so 0.0, 1.0, -1.0 too
DATA_TABLES = {
    ("agents/actions.py", "RIVERA_SCORES"): "the score classes of Rivera et al. (2024)",
    ("model/ladder.py", "THRESHOLDS"): "Kahn's (1965) thresholds, by the rung below them",
    ("model/ladder.py", "TOP_RUNG"): "Kahn's ladder has 44 rungs",
    ("model/scenario.py", "ACTOR_FIELDS"): "schema of the scenario files' actor fields",
    ("model/settings.py", "REFERENCE_SETTINGS"): "documented parameter settings per outcome",
    ("model/settings.py", "MECHANISM_SETTINGS"): "documented settings where each mechanism "
                                                 "fires, and the overrides that switch it off",
}
INPUT_CHECKS = {
    "number": "range and default a value of an input file is checked against",
    "_weights": "range of motive and effect weights in the catalogue",
}
WHOLE_FILES = {
    "model/checks.py": "input checking and message formatting only (no model dynamics)",
}
STRUCTURAL: dict[str, list[tuple[float, str, str]]] = {
    "agents/alliance.py": [(0.5, "** 0.5", "square root: standard deviation of pledges")],
    "agents/choice.py": [
        (0.5, "0.5 ** (1 /", "the half of a half-life"),
        (2, "width + 2", "two extra matrix columns: penalty and habituation"),
        (1e100, "1e100", "renormalisation of the habituation scale before overflow"),
        (2048, "_TEMPLATE_LIMIT", "size of the menu-template cache"),
    ],
    "model/effects.py": [
        (64, "HANDLER_TABLE_LIMIT", "size of the cache of effect handler tables"),
    ],
    "model/posterior.py": [
        (20_000, "MAX_PARTICLES", "the most rows a posterior file may have"),
        (4_000_000, "MEDOID_BLOCK_CELLS", "memory bound of a block of the medoid's differences"),
    ],
    "model/scenario.py": [
        (32, "CACHE_SIZE = 32", "size of the scenario cache"),
        (2, "len(actors) < 2", "a war needs at least two actors"),
        (200, "len(name) < 200", "longest scenario name accepted"),
    ],
}


def _sources() -> list[Path]:
    files = sorted((ROOT / "agents").glob("*.py")) + sorted((ROOT / "model").glob("*.py"))
    return [f for f in files if f.relative_to(ROOT).as_posix() != "model/parameters.py"]


def _exempt_nodes(tree: ast.AST, rel: str) -> set[int]:
    """ids of the nodes inside data tables and input checks."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and (rel, t.id) in DATA_TABLES for t in targets):
                roots.append(node)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in INPUT_CHECKS:
                roots.append(node)
    return {id(n) for root in roots for n in ast.walk(root)}


def _literals(text: str, rel: str) -> list[tuple[int, float, str]]:
    """(line, value, source line) of every numeric literal not exempt as data or checks."""
    tree = ast.parse(text, filename=rel)
    exempt = _exempt_nodes(tree, rel)
    lines = text.splitlines()
    return [(node.lineno, node.value, lines[node.lineno - 1])
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and type(node.value) in (int, float, complex)
            and id(node) not in exempt]


def test_no_numeric_literal_outside_the_allow_list():
    bad = []
    used = set()
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel in WHOLE_FILES:
            continue
        for line, value, source in _literals(path.read_text(encoding="utf-8"), rel):
            if value in ALLOWED:
                continue
            entry = next((e for e in STRUCTURAL.get(rel, [])
                          if e[0] == value and e[1] in source), None)
            if entry is None:
                bad.append(f"{rel}:{line}: numeric literal {value!r} in `{source.strip()}`")
            else:
                used.add((rel, entry[1]))
    assert not bad, ("coefficients belong in model/parameters.py (see this test's docstring):\n"
                     + "\n".join(bad))
    unused = [f"{rel}: {fragment!r}" for rel, entries in STRUCTURAL.items()
              for _, fragment, _ in entries if (rel, fragment) not in used]
    assert not unused, "allow-list entries that match nothing (remove them): " + ", ".join(unused)


def test_the_allow_lists_name_existing_files():
    named = ({rel for rel, _ in DATA_TABLES} | set(WHOLE_FILES) | set(STRUCTURAL))
    for rel in named:
        assert (ROOT / rel).is_file(), rel


def test_the_check_sees_coefficients_but_not_data_or_input_checks():
    code = ("RIVERA_SCORES = (4, 12)\n"
            "def f(x, spec):\n"
            "    y = number(spec.get('k', 0.7), 'file', 'k', 0.0, 5.0)\n"
            "    return 0.37 * x - 1 + y * True\n")
    assert sorted((line, value) for line, value, _ in _literals(code, "agents/actions.py")) == [
        (4, 0.37), (4, 1)]
