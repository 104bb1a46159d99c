"""The workbench: experiment files, designs, the runner, executors, the chunk store, analysis, CLI.

``load_results`` is re-exported lazily (PEP 562) so that ``escalation --help`` and
the other light commands never import pandas and pyarrow.
"""

from typing import Any

__all__ = ["load_results"]


def __getattr__(name: str) -> Any:
    if name == "load_results":
        from experiments.results import load_results
        return load_results
    raise AttributeError(name)
