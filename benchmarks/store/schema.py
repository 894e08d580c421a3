"""The trials table in one place: the typed trial record, the Parquet schema, column lists.

Every trial loop builds a :class:`TrialRecord`; :meth:`TrialRecord.row` is the row written
to Parquet with :data:`SCHEMA` (plus :data:`PARALLEL_SCHEMA` for a parallel cell), and
every reader or validator takes its column lists from here. The schema is a stored
format: cell files, ``trials.parquet`` and the shipped archive and reference tables are
written with it, so a change of a column, dtype or order is a new :data:`SCHEMA_VERSION`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from tunebench.problems.base import Status
from tunebench.problems.metrics import METRIC_COLUMNS

#: Version of the trials table, in the Parquet key-value metadata ``tunebench.schema``.
#: 1 (no metadata): one metric per trial. 2: adds ``val:<metric>``/``test:<metric>``.
SCHEMA_VERSION = "2"
SCHEMA_KEY = b"tunebench.schema"
#: The columns of a schema-1 table; a table without them is not a tunebench table.
BASE_SCHEMA = pa.schema([
    ("suite", pa.string()), ("problem", pa.string()), ("strategy", pa.string()),
    ("seed", pa.int64()), ("trial", pa.int64()), ("params", pa.string()),
    ("val_loss", pa.float64()), ("test_loss", pa.float64()),
    ("fold_losses", pa.list_(pa.float64())), ("metric", pa.string()),
    ("status", pa.string()), ("error", pa.string()),
    ("fit_seconds", pa.float64()), ("ask_seconds", pa.float64()),
    ("tell_seconds", pa.float64()), ("trial_seconds", pa.float64()),
    ("reused", pa.bool_()), ("n_warnings", pa.int64()),
    ("started_at", pa.timestamp("ms", tz="UTC")),
])
#: Columns added by schema 2 besides the metric columns: the validation protocol and its
#: model fits per evaluation, and the fidelity and cost (full-evaluation equivalents) of a
#: multi-fidelity evaluation.
EXTRA_SCHEMA = pa.schema([
    ("protocol", pa.string()), ("fits", pa.int64()),
    ("fidelity", pa.float64()), ("cost", pa.float64()),
    ("n_train", pa.int64()), ("test_loss_se", pa.float64()),
])
#: Multi-fidelity columns and their value for full-fidelity trials (and older files).
FIDELITY_DEFAULTS = {"fidelity": 1.0, "cost": 1.0}
SCHEMA = pa.schema(list(BASE_SCHEMA) + list(EXTRA_SCHEMA)
                   + [(c, pa.float64()) for c in METRIC_COLUMNS],
                   metadata={SCHEMA_KEY: SCHEMA_VERSION.encode()})
BASE_COLUMNS = BASE_SCHEMA.names
COLUMNS = SCHEMA.names
#: Columns that must be equal between two runs of the same suite and seeds.
DETERMINISTIC = ["suite", "problem", "strategy", "seed", "trial", "params", "val_loss",
                 "test_loss", "fold_losses", "metric", "status", "reused", "protocol", "fits",
                 "fidelity", "cost", "n_train", "test_loss_se",
                 *METRIC_COLUMNS]
#: Columns that measure time on this machine (they differ between two runs).
TIMING = ["fit_seconds", "ask_seconds", "tell_seconds", "trial_seconds", "started_at"]
SORT = ["problem", "n_train", "protocol", "strategy", "seed", "trial"]
#: Columns of parallel cells only (suites with ``workers``/``parallel``; see
#: :mod:`benchmarks.execution.parallel`): absent from other tables, so the records of
#: sequential suites are exactly as before. A table mixing both gets one worker (and nulls)
#: for the sequential rows.
PARALLEL_SCHEMA = pa.schema([
    ("workers", pa.int64()), ("round", pa.int64()), ("worker", pa.int64()),
    ("sim_start", pa.float64()), ("sim_end", pa.float64()),
])
PARALLEL_COLUMNS = tuple(PARALLEL_SCHEMA.names)
PARALLEL_DEFAULTS = {"workers": 1}
SORT_PARALLEL = ["problem", "n_train", "protocol", "workers", "strategy", "seed", "trial"]


def has_parallel(names: Iterable[str]) -> bool:
    """True when column ``names`` include the parallel columns."""
    return "workers" in set(names)


def schema_for(names: Iterable[str]) -> pa.Schema:
    """The stored schema of a table with these columns: :data:`SCHEMA`, plus
    :data:`PARALLEL_SCHEMA` for a parallel cell's table."""
    if not has_parallel(names):
        return SCHEMA
    return pa.schema(list(SCHEMA) + list(PARALLEL_SCHEMA), metadata=SCHEMA.metadata)


@dataclass(frozen=True)
class CellColumns:
    """The columns every trial of one cell shares."""

    suite: str
    problem: str
    protocol: str
    strategy: str
    seed: int
    metric: str
    n_train: int | None


@dataclass(frozen=True)
class ParallelSlot:
    """Where a parallel cell's trial ran: ``workers`` (q), its ``round`` (async: results
    told before it was proposed), its ``worker`` and its simulated start and end."""

    workers: int
    round: int
    worker: int
    sim_start: float
    sim_end: float


@dataclass(frozen=True)
class TrialRecord:
    """One trial: one row of the trials table.

    ``started_at`` is epoch seconds (stored as a UTC millisecond timestamp). ``metrics``
    holds the ``val:<metric>``/``test:<metric>`` columns. ``test_loss_se`` is None (null)
    for multi-fidelity trials, which have never recorded it. ``parallel`` is set in parallel
    cells only: the parallel columns exist in their tables only."""

    cell: CellColumns
    trial: int
    params: str
    val_loss: float
    test_loss: float
    fold_losses: tuple[float, ...]
    status: Status
    error: str | None
    fit_seconds: float
    ask_seconds: float
    tell_seconds: float
    trial_seconds: float
    reused: bool
    n_warnings: int
    fits: int
    started_at: float
    test_loss_se: float | None
    fidelity: float = 1.0
    cost: float = 1.0
    metrics: Mapping[str, float] = field(default_factory=dict)
    parallel: ParallelSlot | None = None

    def row(self) -> dict[str, Any]:
        """The record as a row: its table's columns, in the stored order."""
        c = self.cell
        row = {"suite": c.suite, "problem": c.problem, "strategy": c.strategy, "seed": c.seed,
               "trial": self.trial, "params": self.params, "val_loss": self.val_loss,
               "test_loss": self.test_loss, "fold_losses": list(self.fold_losses),
               "metric": c.metric, "status": str(self.status), "error": self.error,
               "fit_seconds": self.fit_seconds, "ask_seconds": self.ask_seconds,
               "tell_seconds": self.tell_seconds, "trial_seconds": self.trial_seconds,
               "reused": self.reused, "n_warnings": self.n_warnings,
               "started_at": self.started_at, "protocol": c.protocol, "fits": self.fits,
               "fidelity": self.fidelity, "cost": self.cost, "n_train": c.n_train,
               "test_loss_se": self.test_loss_se}
        row.update((name, self.metrics.get(name, float("nan"))) for name in METRIC_COLUMNS)
        if self.parallel is not None:
            row.update(asdict(self.parallel))
        return row


def records_table(records: Iterable[TrialRecord | Mapping[str, Any]]) -> pa.Table:
    """Records (or their rows) -> table; ``started_at`` comes as epoch seconds (cheap to
    take per trial). A row without the fidelity columns is a full-fidelity trial."""
    rows = [r.row() if isinstance(r, TrialRecord) else r for r in records]
    started = [round(r["started_at"] * 1000) for r in rows]
    rest = [{**FIDELITY_DEFAULTS, **{k: v for k, v in r.items() if k != "started_at"}}
            for r in rows]
    schema = schema_for(rows[0] if rows else ())
    fields = [f for f in schema if f.name != "started_at"]
    table = pa.Table.from_pylist(rest, schema=pa.schema(fields))
    ts = pa.array(started, pa.int64()).cast(SCHEMA.field("started_at").type)
    table = table.append_column(SCHEMA.field("started_at"), ts).select(schema.names)
    return table.replace_schema_metadata(SCHEMA.metadata)


def schema_version(table: pa.Table) -> str:
    """The ``tunebench.schema`` of a table ("1" when the metadata is absent)."""
    meta = table.schema.metadata or {}
    return meta.get(SCHEMA_KEY, b"1").decode()


def upgrade(table: pa.Table, skip: Iterable[str] = (), parallel: bool | None = None
            ) -> pa.Table:
    """A stored table in the current schema: a schema-1 table (one metric per trial)
    gets every metric column as NaN (``metric`` still names its primary metric), no
    protocol, and full fidelity at cost 1. The parallel columns are kept when the table has
    them (or added, one worker, when ``parallel`` is true). Columns in ``skip`` are left out."""
    if parallel is None:
        parallel = has_parallel(table.column_names)
    full = schema_for(["workers"] if parallel else ())
    keep = [c for c in full.names if c not in set(skip)]
    schema = pa.schema([full.field(c) for c in keep], metadata=full.metadata)
    defaults = {**FIDELITY_DEFAULTS, **PARALLEL_DEFAULTS}
    for name in schema.names:
        if name not in table.column_names:
            field = schema.field(name)
            value = (pa.array([defaults[name]] * len(table), field.type)
                     if name in defaults else pa.nulls(len(table), field.type))
            table = table.append_column(field, value)
    table = table.select(schema.names)
    # columns read dictionary-encoded (read_trials' ``categorical``) keep their encoding
    schema = pa.schema([pa.field(f.name, table.schema.field(f.name).type, f.nullable)
                        if pa.types.is_dictionary(table.schema.field(f.name).type) else f
                        for f in schema], metadata=schema.metadata)
    same = all(str(a.type) == str(b.type) and a.nullable == b.nullable  # list child names too
               for a, b in zip(table.schema, schema, strict=True))
    if same:  # only the metadata differs: no copy of the data
        return table.replace_schema_metadata(schema.metadata)
    return table.cast(schema)
