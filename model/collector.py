"""Mesa's DataCollector, minus a deep copy our scalar reporters do not need."""

from __future__ import annotations

import mesa


class ScalarCollector(mesa.DataCollector):
    """A DataCollector whose model reporters are callables returning immutable scalars.

    Mesa deep-copies every reported value at every step, to protect mutable
    values; for numbers, strings and booleans the copy is pure cost (it was a
    third of a week's run time here). Everything else (tables, dataframes,
    ``_collection_steps`` that ``mesa.batch_run`` reads) is Mesa's own.
    """

    def collect(self, model: mesa.Model) -> None:
        if self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        self._collection_steps.append(model.time)
        model_vars = self.model_vars
        for name, reporter in self.model_reporters.items():
            model_vars[name].append(reporter(model))
