"""The on-disk run directory: where trials are stored.

Layout of ``results/<suite>/<run-id>/``::

    manifest.json        everything needed to reproduce the run (see benchmarks.manifest)
    cells/<cell>.parquet one file per finished cell, committed atomically
    cells/<cell>.error   the traceback of a cell whose strategy raised
    cells/quarantine/    cell files found bad on resume (kept for inspection, rerun)
    trials.parquet       all trials, one row each, written when the run finishes
    .lock                held (``flock``) by the one process writing the run

Every file is written to a temporary name unique to the writing process, flushed, fsynced
and renamed, so a crash leaves only whole files; resuming verifies every cell file (see
:mod:`benchmarks.integrity`) and runs only the cells with no good file. ``trials.parquet``
is plain Parquet: ``pandas.read_parquet`` reads it with no tunebench import.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import signal
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tunebench.benchmarks.store import integrity
from tunebench.problems.metrics import METRIC_COLUMNS

log = logging.getLogger(__name__)

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
SCHEMA = pa.schema(list(BASE_SCHEMA) + list(EXTRA_SCHEMA) + [(c, pa.float64()) for c in METRIC_COLUMNS],
                   metadata={SCHEMA_KEY: SCHEMA_VERSION.encode()})
BASE_COLUMNS = BASE_SCHEMA.names
COLUMNS = SCHEMA.names
#: Columns that must be equal between two runs of the same suite and seeds.
DETERMINISTIC = ["suite", "problem", "strategy", "seed", "trial", "params", "val_loss",
                 "test_loss", "fold_losses", "metric", "status", "reused", "protocol", "fits",
                 "fidelity", "cost", "n_train", "test_loss_se",
                 *METRIC_COLUMNS]
SORT = ["problem", "n_train", "protocol", "strategy", "seed", "trial"]


class StoreError(ValueError):
    """A run directory that cannot be used as asked."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tmp_name(path: Path) -> Path:
    """A temporary name next to ``path`` that no other process or call can pick."""
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = _tmp_name(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # e.g. disk full: leave no partial file behind
        raise
    _fsync_dir(path.parent)


def _fault(point: str) -> None:
    """Fault injection for the crash tests: ``TUNEBENCH_FAULT=<point>`` kills this process
    with SIGKILL at that point (only ``consolidate``: after the temporary file is written,
    before it is renamed). Unset in normal use."""
    if os.environ.get("TUNEBENCH_FAULT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


def atomic_write_table(path: Path, table: pa.Table, fault_point: str = "") -> None:
    tmp = _tmp_name(path)
    try:
        pq.write_table(table, tmp, compression="zstd", write_page_checksum=True)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if fault_point:
        _fault(fault_point)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def records_table(records: list[dict[str, Any]]) -> pa.Table:
    """Records -> table; ``started_at`` comes as epoch seconds (cheap to take per trial)."""
    started = [round(r["started_at"] * 1000) for r in records]
    rest = [{**FIDELITY_DEFAULTS, **{k: v for k, v in r.items() if k != "started_at"}}
            for r in records]
    fields = [f for f in SCHEMA if f.name != "started_at"]
    table = pa.Table.from_pylist(rest, schema=pa.schema(fields))
    ts = pa.array(started, pa.int64()).cast(SCHEMA.field("started_at").type)
    table = table.append_column(SCHEMA.field("started_at"), ts).select(SCHEMA.names)
    return table.replace_schema_metadata(SCHEMA.metadata)


class RunDir:
    """A run directory on disk."""

    #: Entries a directory may hold when a run was killed before its manifest was written.
    HALF_CREATED = {"cells", ".lock"}

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.cells = self.path / "cells"
        self.quarantine_dir = self.cells / "quarantine"
        self.manifest_path = self.path / "manifest.json"
        self.trials_path = self.path / "trials.parquet"
        self.lock_path = self.path / ".lock"
        self._lock_fd: int | None = None

    def exists(self) -> bool:
        return self.manifest_path.exists()

    def half_created(self) -> bool:
        """True for a directory left by a run killed before it wrote its manifest."""
        if not self.path.is_dir() or self.exists():
            return False
        names = {p.name for p in self.path.iterdir() if not p.name.endswith(".tmp")}
        return names <= self.HALF_CREATED

    def create(self) -> None:
        self.cells.mkdir(parents=True, exist_ok=True)

    def lock(self) -> None:
        """Take the run's writer lock (``flock``) for as long as this process lives or until
        :meth:`unlock`; StoreError at once if another process holds it."""
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot write in the run directory {self.path}: "
                             f"{exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
                raise StoreError(f"run directory in use by PID {holder}: {self.path} is being "
                                 "written by another tunebench run") from exc
            raise StoreError(f"cannot lock the run directory {self.path}: {exc.strerror}") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    def remove_stale_temporaries(self) -> None:
        """Delete temporary files of writers that died (call only while holding the lock)."""
        for directory in (self.path, self.cells):
            for tmp in directory.glob(".*.tmp") if directory.is_dir() else []:
                tmp.unlink(missing_ok=True)

    def read_manifest(self) -> dict[str, Any]:
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError too
            raise StoreError(f"{self.manifest_path}: cannot read the manifest: "
                             f"{str(exc).splitlines()[0][:200]}") from exc
        if not isinstance(manifest, dict) or not isinstance(manifest.get("suite"), dict):
            raise StoreError(f"{self.manifest_path} is not a tunebench manifest (no 'suite' "
                             "object); use another --out or --fresh")
        return manifest

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        data = json.dumps(manifest, indent=2, sort_keys=True, default=str).encode()
        atomic_write_bytes(self.manifest_path, data)

    def cell_path(self, cell_id: str) -> Path:
        return self.cells / f"{cell_id}.parquet"

    def error_path(self, cell_id: str) -> Path:
        return self.cells / f"{cell_id}.error"

    def cell_files(self) -> list[Path]:
        """Committed cell files (temporaries and quarantined files excluded), sorted."""
        if not self.cells.exists():
            return []
        return sorted(p for p in self.cells.glob("*.parquet") if not p.name.startswith("."))

    def done_cells(self) -> set[str]:
        return {p.name[: -len(".parquet")] for p in self.cell_files()}

    def failed_cells(self) -> dict[str, str]:
        if not self.cells.exists():
            return {}
        return {p.stem: p.read_bytes().decode("utf-8", errors="replace")
                for p in self.cells.glob("*.error")}

    def write_cell(self, cell_id: str, records: list[dict[str, Any]],
                   ident: dict[str, Any] | None = None) -> None:
        """Commit a cell; ``ident`` (see :func:`integrity.identity`) is stamped in its
        metadata so that resume can verify it."""
        table = records_table(records)
        if ident is not None:
            table = integrity.stamp(table, ident)
        atomic_write_table(self.cell_path(cell_id), table)
        err = self.error_path(cell_id)
        if err.exists():
            err.unlink()

    def write_cell_error(self, cell_id: str, error: str) -> None:
        atomic_write_bytes(self.error_path(cell_id), error.encode())

    def bad_cells(self, expected: dict[str, dict[str, Any]]) -> dict[Path, str]:
        """Every committed cell file that is not the intact cell its name says, with why.

        ``expected`` maps cell ids to :func:`integrity.identity`; a file with no entry there
        is foreign to the run."""
        bad = {}
        for path in self.cell_files():
            ident = expected.get(path.name[: -len(".parquet")])
            if ident is None:
                bad[path] = "it is not a cell of this run's suite"
                continue
            why = integrity.verify_cell(path, ident, SCHEMA)
            if why:
                bad[path] = why
        return bad

    def quarantine(self, path: Path, why: str) -> Path:
        """Move a bad cell file to ``cells/quarantine/`` (never deleted) and warn."""
        self.quarantine_dir.mkdir(exist_ok=True)
        target = self.quarantine_dir / path.name
        n = 1
        while target.exists():
            target = self.quarantine_dir / f"{path.name}.{n}"
            n += 1
        os.replace(path, target)
        log.warning("bad cell file %s (%s): moved to %s; the cell will be rerun", path, why,
                    target)
        return target

    def check(self) -> None:
        """Before resuming: ``trials.parquet``, if any, must be a readable tunebench table
        (else StoreError naming the file; nothing is modified). Cells are checked by
        :meth:`bad_cells`."""
        if not self.trials_path.exists():
            return
        p = self.trials_path
        try:
            schema = pq.read_schema(p)
        except Exception as exc:
            raise StoreError(f"{p} is corrupt ({type(exc).__name__}: {exc}); move it "
                             "away to rerun that part, or use --fresh") from exc
        missing = [c for c in BASE_COLUMNS if c not in schema.names]
        if missing:
            raise StoreError(f"{p} is not a tunebench trials file (missing columns "
                             f"{missing}); use another --out or --fresh")

    def consolidate(self) -> pd.DataFrame:
        """Gather every committed cell into ``trials.parquet`` (sorted, atomic)."""
        tables = [upgrade(pq.read_table(p)).replace_schema_metadata(SCHEMA.metadata)
                  for p in self.cell_files()]
        table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
        table = table.sort_by([(c, "ascending") for c in SORT])
        atomic_write_table(self.trials_path, table, fault_point="consolidate")
        return table.to_pandas()


def schema_version(table: pa.Table) -> str:
    """The ``tunebench.schema`` of a table ("1" when the metadata is absent)."""
    meta = table.schema.metadata or {}
    return meta.get(SCHEMA_KEY, b"1").decode()


def upgrade(table: pa.Table, skip: Iterable[str] = ()) -> pa.Table:
    """A stored table in the current schema: a schema-1 table (one metric per trial)
    gets every metric column as NaN (``metric`` still names its primary metric), no
    protocol, and full fidelity at cost 1. Columns in ``skip`` are left out."""
    keep = [c for c in COLUMNS if c not in set(skip)]
    for name in keep:
        if name not in table.column_names:
            field = SCHEMA.field(name)
            value = (pa.array([FIDELITY_DEFAULTS[name]] * len(table), field.type)
                     if name in FIDELITY_DEFAULTS else pa.nulls(len(table), field.type))
            table = table.append_column(field, value)
    schema = pa.schema([SCHEMA.field(c) for c in keep], metadata=SCHEMA.metadata)
    return table.select(keep).cast(schema)


def read_trials(run_dir: str | Path, skip: Iterable[str] = ()) -> pd.DataFrame:
    """The trials of a run; checks that the file is tunebench's (raises StoreError).

    A run written by schema 1 is read with NaN in every ``val:``/``test:`` column. Columns
    in ``skip`` (e.g. ``params``, ``fold_losses``: the bulk of a large run's memory) are not
    read at all.
    """
    path = Path(run_dir) / "trials.parquet"
    if not path.exists():
        raise StoreError(f"{path} does not exist: is {run_dir} a finished tunebench run? "
                         "(run `tunebench run` on it to finish it)")
    try:
        names = pq.read_schema(path).names
        table = pq.read_table(path, columns=[c for c in names if c not in set(skip)])
    except Exception as exc:
        raise StoreError(f"{path} is not a readable Parquet file: {exc}") from exc
    missing = [c for c in BASE_COLUMNS if c not in names]
    if missing:
        raise StoreError(f"{path} is not a tunebench trials file: missing columns {missing}")
    version = schema_version(table)
    if version not in ("1", SCHEMA_VERSION):
        raise StoreError(f"{path} has tunebench.schema {version}, newer than this tunebench "
                         f"reads ({SCHEMA_VERSION}); upgrade tunebench")
    return upgrade(table, skip).to_pandas()
