"""The run table, declared once: one row per run, its columns and their Arrow types.

Every chunk file, whichever executor wrote it, has these columns (the varied
parameters and the per-alliance cohesion columns depend on the experiment and
its scenario). ``row`` flattens a model's summary into the record columns, so
the worker never decides a column's name or type itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from agents.actions import INSTRUMENTS
from model.ladder import THRESHOLDS
from model.parameters import Parameters

SERIES = ("escalation_score", "max_rung", "tension", "territory_attacker")
SERIES_PREFIX = "series_"
PARAMETER_TYPES = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}

DRAW_ID = "draw_id"   # which of the experiment's posterior draws a run used
IDS = {"run_id": pa.int64(), "point_id": pa.int64(), "replication": pa.int64(),
       "seed": pa.int64()}
VERDICT = {"outcome": pa.string(), "decided_step": pa.int64(), "ended_step": pa.int64(),
           "rule": pa.string(), "max_rung": pa.int64(), "max_rung_confrontation": pa.int64(),
           # the follow-up (follow_up_weeks): did the ending hold, and how things stood
           "resumed_step": pa.int64(), "episode_end_step": pa.int64(),
           "recurred_step": pa.int64(), "last_step": pa.int64(), "end_state": pa.string()}
FINAL = {"territory_attacker": pa.float64(), "territory_change": pa.float64(),
         "casualties_attacker": pa.float64(), "casualties_defender": pa.float64(),
         "capability_attacker": pa.float64(), "capability_defender": pa.float64(),
         "weariness_attacker": pa.float64(), "weariness_defender": pa.float64(),
         "tension": pa.float64(), "dossier_tension": pa.float64(), "truces": pa.int64(),
         "truce_collapses": pa.int64(), "collapsed": pa.string(), "channel_open": pa.bool_(),
         # what the run did (model.model.RunTally): whether each lever moved anything
         "weeks_channel_open": pa.int64(), "channel_open_share": pa.float64(),
         "aid_delivered": pa.float64(), "covert_acts": pa.int64(),
         "covert_attributed": pa.int64(), "covert_misattributed": pa.int64(),
         "mean_tension": pa.float64()}
FINAL_PREFIXED = {"cohesion_": pa.float64()}  # one column per alliance of the scenario


def threshold_column(name: str) -> str:
    """Column of a Kahn threshold, e.g. "don't rock the boat" -> threshold_dont_rock_the_boat."""
    return "threshold_" + re.sub(r"[^a-z0-9]+", "_", name.lower().replace("'", "")).strip("_")


THRESHOLD_COLUMNS = {name: threshold_column(name) for _, name in THRESHOLDS}  # the war's
CONFRONTATION_THRESHOLD_COLUMNS = {
    name: column.replace("threshold_", "threshold_confrontation_", 1)
    for name, column in THRESHOLD_COLUMNS.items()}


def final_type(key: str) -> pa.DataType:
    """Arrow type of a ``final_*`` end-state column (KeyError for an undeclared one)."""
    if key in FINAL:
        return FINAL[key]
    for prefix, kind in FINAL_PREFIXED.items():
        if key.startswith(prefix):
            return kind
    raise KeyError(f"final_{key} is not declared in experiments/schema.py")


def run_schema(varied: Iterable[str], final_keys: Iterable[str],
               draws: bool = False) -> pa.Schema:
    """The columns of a run table, in order (``draw_id``: experiments with posterior draws)."""
    fields = [pa.field(name, kind) for name, kind in IDS.items()]
    if draws:
        fields.append(pa.field(DRAW_ID, pa.int64()))
    fields += [pa.field(name, PARAMETER_TYPES[Parameters.spec(name)["type"]]) for name in varied]
    fields += [pa.field(name, kind) for name, kind in VERDICT.items()]
    fields += [pa.field(column, pa.int64()) for column in THRESHOLD_COLUMNS.values()]
    fields += [pa.field(column, pa.int64())
               for column in CONFRONTATION_THRESHOLD_COLUMNS.values()]
    fields += [pa.field(f"final_{key}", final_type(key)) for key in final_keys]
    fields += [pa.field(f"actions_{i}", pa.int64()) for i in INSTRUMENTS]
    fields += [pa.field(SERIES_PREFIX + name, pa.list_(pa.float64())) for name in SERIES]
    return pa.schema(fields)


def row(summary: Mapping[str, Any], series: Mapping[str, list] | None) -> dict[str, Any]:
    """The record columns of one run from ``model.summary()`` (ids and parameters aside).

    ``series`` holds the weekly values of SERIES, or None when the run keeps none.
    """
    record = {key: summary[key] for key in VERDICT}
    for crossed, columns in ((summary["thresholds"], THRESHOLD_COLUMNS),
                             (summary["confrontation_thresholds"],
                              CONFRONTATION_THRESHOLD_COLUMNS)):
        record.update({column: crossed.get(name) for name, column in columns.items()})
    record.update({f"final_{key}": value for key, value in summary["final"].items()})
    counts = summary["actions_by_instrument"]
    record.update({f"actions_{i}": counts.get(i, 0) for i in INSTRUMENTS})
    for name in SERIES:
        record[SERIES_PREFIX + name] = (None if series is None
                                        else [float(v) for v in series[name]])
    return record
