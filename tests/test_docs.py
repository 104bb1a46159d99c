"""docs/ODD.md stays in step with the code it describes."""

from pathlib import Path

import pytest

from experiments.cli.info import parameter_table_markdown
from model.catalogue import load_catalogue
from model.outcomes import RULES
from model.settings import REFERENCE_SETTINGS

ODD = Path(__file__).parents[1] / "docs" / "ODD.md"


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text(encoding="utf-8")


def test_odd_holds_the_generated_parameter_table(odd):
    assert parameter_table_markdown() in odd, (
        "regenerate the table with `escalation params --markdown` and paste it in docs/ODD.md")


def test_odd_describes_every_action_and_outcome_rule(odd):
    for action in load_catalogue():
        assert f"`{action.name}`" in odd, action.name
    for rule in RULES:
        assert f"`{rule}`" in odd, rule


def test_odd_names_the_reference_settings(odd):
    for outcome, setting in REFERENCE_SETTINGS.items():
        assert outcome in odd
        for name, value in setting.items():
            assert f"{name}={str(value).lower()}" in odd.replace(" ", "").lower(), name


def test_readme_outcome_shares_are_the_measured_ones():
    import importlib.util
    import json

    path = Path(__file__).parents[1] / "scripts" / "readme_figures.py"
    spec = importlib.util.spec_from_file_location("readme_figures", path)
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    measured = json.loads(figures.MEASURED.read_text(encoding="utf-8"))
    assert figures.block(figures.README.read_text(encoding="utf-8")) == figures.render(
        measured), "regenerate with `.venv/bin/python scripts/readme_figures.py`"
    assert sum(measured[kind] for kind, _ in figures.KINDS) == measured["n"]
