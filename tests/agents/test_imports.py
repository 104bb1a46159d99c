"""agents/ stands alone: it imports only mesa, numpy and the standard library."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

AGENTS = Path(__file__).resolve().parents[2] / "agents"
MODULES = sorted(f"agents.{p.stem}" for p in AGENTS.glob("*.py") if p.stem != "__init__")
ALLOWED = {"agents", "mesa", "numpy", *sys.stdlib_module_names}

# Run in a fresh interpreter: what mesa and numpy load themselves (mesa loads
# pandas and scipy) is the baseline; importing agents must add nothing else.
PROBE = f"""
import json, sys
import mesa, numpy
before = set(sys.modules)
for name in {MODULES!r}:
    __import__(name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_every_agents_module_imports_nothing_but_mesa_numpy_and_stdlib():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, cwd=AGENTS.parent).stdout
    added = {name.partition(".")[0] for name in json.loads(out)}
    assert "agents" in added
    assert not added - ALLOWED, f"agents pulled in {sorted(added - ALLOWED)}"
    assert "model" not in added


def test_no_agents_source_names_another_package_even_for_type_checking():
    for path in AGENTS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {node.module.partition(".")[0]}
            else:
                continue
            assert roots <= ALLOWED, f"{path.name} imports {sorted(roots - ALLOWED)}"


def test_actions_and_choice_load_without_mesa_pandas_scipy_or_model():
    """Only the Mesa agent classes need mesa (which itself loads pandas and scipy)."""
    probe = ("import sys\nimport agents.actions, agents.choice, agents.protocols\n"
             "print(sorted(m for m in sys.modules "
             "if m.partition('.')[0] in {'model', 'pandas', 'scipy', 'mesa'}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=AGENTS.parent).stdout
    assert out.strip() == "[]"
