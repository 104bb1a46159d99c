"""Posteriors: calibrated structural parameters, as a weighted sample of parameter sets.

``escalation calibrate`` writes one (``posterior.parquet``: one row per accepted
particle of the last ABC-SMC generation, a column per calibrated parameter and a
``weight`` column). A scenario names one with ``[scenario] posterior = "file"``: its
runs then use the posterior's weighted medoid (its *point*), and experiments with
``posterior_draws`` run each design point over parameter sets drawn from it, which
carries the calibration's uncertainty into their answers (docs/CALIBRATION.md).

Only structural parameters can be calibrated (policy levers and outcome rules are the
analyst's choice, not a fit). A file is checked whole on load; an error names the file
and the column.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.checks import ConfigError, show
from model.parameters import Parameters

WEIGHT = "weight"
METADATA = b"escalation.calibration"   # the file's record of how it was made (JSON)
MAX_PARTICLES = 20_000           # input safety: the medoid's time is quadratic in it (27 s
                                 # at 20,000 x 16 parameters, measured)
MEDOID_BLOCK_CELLS = 4_000_000   # memory bound of one block of pairwise differences


@dataclass(frozen=True, eq=False)
class Posterior:
    """A weighted sample: ``values[i, j]`` is parameter ``names[j]`` of particle ``i``."""

    source: str
    sha256: str
    names: tuple[str, ...]
    values: np.ndarray   # particles x parameters (float64)
    weights: np.ndarray  # normalised to sum 1
    # How it was made (``METADATA``): "targets" names the target files it was fitted to
    # (validation marks those patterns in-sample), "conditioned" how it was conditioned.
    record: Mapping[str, object] = field(default_factory=dict)

    @property
    def targets(self) -> tuple[str, ...]:
        """The target files it was fitted to (empty: not recorded)."""
        names = self.record.get("targets", ())
        return tuple(str(name) for name in names) if isinstance(names, list | tuple) else ()

    def __len__(self) -> int:
        return len(self.weights)

    def _typed(self, row: np.ndarray) -> dict[str, float | int]:
        return {name: typed(name, value) for name, value in zip(self.names, row, strict=True)}

    def point(self) -> dict[str, float | int]:
        """The calibrated values a single run uses: the posterior's weighted medoid, the
        accepted parameter set with the least weighted distance to all the others (each
        parameter in units of its posterior sd). Unlike the weighted mean it is one of
        the parameter sets the calibration accepted: the mean of a curved posterior can
        fall where no accepted set lies, and runs there need not fit the targets."""
        return self._typed(self.values[self.medoid()])

    def medoid(self) -> int:
        """Row of the weighted medoid (O(particles^2) time, in blocks of rows)."""
        sd = np.sqrt(self.weights @ np.square(self.values - self.weights @ self.values))
        scaled = self.values / np.where(sd > 0, sd, 1.0)
        block = max(1, MEDOID_BLOCK_CELLS // max(1, scaled.size))
        cost = np.concatenate([
            np.linalg.norm(scaled[i:i + block, None, :] - scaled[None, :, :], axis=-1)
            @ self.weights for i in range(0, len(scaled), block)])
        return int(np.argmin(cost))

    def draw(self, rng: np.random.Generator, count: int) -> tuple[dict[str, float | int], ...]:
        """``count`` parameter sets drawn (with replacement) in proportion to the weights."""
        rows = rng.choice(len(self.weights), size=count, p=self.weights)
        return tuple(self._typed(self.values[i]) for i in rows)

    def quantiles(self, q: float) -> dict[str, float]:
        """Weighted quantile ``q`` of each marginal (for the 90% interval: 0.05 and 0.95)."""
        return {name: weighted_quantiles(self.values[:, j], self.weights, (q,))[0]
                for j, name in enumerate(self.names)}


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> list[float]:
    """Quantiles of a weighted sample (the smallest value whose weight reaches q)."""
    order = np.argsort(x, kind="stable")
    cumulative = np.cumsum(w[order]) / np.sum(w)
    return [float(x[order][min(int(np.searchsorted(cumulative, q)), len(x) - 1)])
            for q in qs]


def typed(name: str, value: float) -> float | int:
    """A sampled value in its parameter's type and range (whole numbers rounded)."""
    spec = Parameters.spec(name)
    low, high = spec["range"]
    value = min(max(float(value), low), high)
    return round(value) if spec["type"] == "int" else value


def load_posterior(path: str | Path) -> Posterior:
    """Read and check a posterior file; raises ConfigError naming the file and column."""
    import pyarrow.parquet as pq

    source = str(path)
    file = Path(path)
    try:
        if not file.is_file():
            raise ConfigError(source, "", "posterior file not found (a posterior.parquet "
                              "written by `escalation calibrate`)")
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(source, "", f"cannot read the posterior file: "
                          f"{exc.strerror or exc}") from None
    try:
        import pyarrow as pa

        # One thread: a posterior is a few kB, and Arrow's reader threads, still alive
        # when a command exits at once (a refused input), can abort the process at
        # exit (SIGABRT, apache/arrow#34314; seen once here in CI).
        table = pq.read_table(pa.BufferReader(data), use_threads=False)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise ConfigError(source, "", f"not a readable Parquet file ({type(exc).__name__})"
                          ) from None
    columns = table.column_names
    if WEIGHT not in columns:
        raise ConfigError(source, WEIGHT, "missing: a posterior needs a weight column")
    names = tuple(c for c in columns if c != WEIGHT)
    if not names:
        raise ConfigError(source, "", "no parameter columns beside weight")
    structural = set(Parameters.names("structural"))
    for name in names:
        if name not in structural:
            kind = ("not a parameter" if name not in Parameters.names() else
                    f"a {Parameters.spec(name)['group']} parameter; only structural "
                    "parameters are calibrated")
            raise ConfigError(source, name, kind)
    if not 1 <= table.num_rows <= MAX_PARTICLES:
        raise ConfigError(source, "", f"needs 1 to {MAX_PARTICLES:,} particles, got "
                          f"{table.num_rows:,}")
    matrix = np.empty((table.num_rows, len(names)))
    for j, name in enumerate((*names, WEIGHT)):
        column = _numbers(table, name, source)
        if name == WEIGHT:
            weights = column
        else:
            low, high = Parameters.spec(name)["range"]
            outside = (column < low) | (column > high)
            if outside.any():
                raise ConfigError(source, name, f"{show(float(column[outside][0]))} is "
                                  f"outside the parameter's range [{low:g}, {high:g}]")
            matrix[:, j] = column
    with np.errstate(over="ignore"):   # finite weights can still sum to inf (near 1e308)
        total = weights.sum()
    if (weights < 0).any() or not 0 < total < np.inf:
        raise ConfigError(source, WEIGHT, "weights must be at least 0, with a positive "
                          f"finite sum (got {show(float(total))})")
    return Posterior(source=source, sha256=hashlib.sha256(data).hexdigest(), names=names,
                     values=matrix, weights=weights / total,
                     record=_record(table.schema.metadata or {}, source))


def _record(metadata: Mapping[bytes, bytes], source: str) -> dict[str, object]:
    """The file's record of how it was made; a record that is not a JSON object is refused."""
    import json

    if METADATA not in metadata:
        return {}
    try:
        record = json.loads(metadata[METADATA])
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise ConfigError(source, METADATA.decode(), "its record is not a JSON object")
    return record


def _numbers(table, name: str, source: str) -> np.ndarray:
    import pyarrow as pa

    column = table.column(name)
    if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
        raise ConfigError(source, name, f"must be numbers, got {column.type}")
    if column.null_count:
        raise ConfigError(source, name, "has missing values")
    values = column.to_numpy().astype(np.float64)
    if not np.isfinite(values).all():
        raise ConfigError(source, name, "has values that are not finite")
    return values


def uncalibrated(posterior: Posterior | None, base: Parameters) -> dict[str, float | int]:
    """Overrides that give a calibrated scenario back its uncalibrated values."""
    if posterior is None:
        return {}
    return {name: getattr(base, name) for name in posterior.names}
