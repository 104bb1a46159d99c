"""Experiments on the escalation model: the CLI, single runs, and batch sweeps."""

from typing import Any

__all__ = ["load_results"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `escalation` subcommands do not import pandas and pyarrow for nothing.
    if name == "load_results":
        from experiments.results import load_results
        return load_results
    raise AttributeError(name)
