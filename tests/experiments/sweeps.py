"""A small sweep run once per test module, for the tests that read results back."""

from __future__ import annotations

from pathlib import Path

import pytest


def swept(tmp_path_factory: pytest.TempPathFactory, name: str, sweep_file: str) -> Path:
    """Write ``sweep_file`` (TOML text), sweep it sequentially; return the results folder."""
    from experiments.cli import main

    folder = tmp_path_factory.mktemp(name)
    config = folder / f"{name}.toml"
    config.write_text(sweep_file, encoding="utf-8")
    out = folder / "out"
    assert main(["sweep", str(config), "--out", str(out), "--executor", "sequential",
                 "--quiet"]) == 0
    return out
