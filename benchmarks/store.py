"""The on-disk run directory: where trials are stored.

Layout of ``results/<suite>/<run-id>/``::

    manifest.json        everything needed to reproduce the run (see benchmarks.manifest)
    cells/<cell>.parquet one file per finished cell, committed atomically
    cells/<cell>.error   the traceback of a cell whose strategy raised
    trials.parquet       all trials, one row each, written when the run finishes

Every file is written to a temporary name, flushed, fsynced and renamed, so a crash
leaves only whole files; resuming runs only the cells with no file. ``trials.parquet``
is plain Parquet: ``pandas.read_parquet`` reads it with no tunebench import.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema([
    ("suite", pa.string()), ("problem", pa.string()), ("strategy", pa.string()),
    ("seed", pa.int64()), ("trial", pa.int64()), ("params", pa.string()),
    ("val_loss", pa.float64()), ("test_loss", pa.float64()),
    ("fold_losses", pa.list_(pa.float64())), ("metric", pa.string()),
    ("status", pa.string()), ("error", pa.string()),
    ("fit_seconds", pa.float64()), ("ask_seconds", pa.float64()),
    ("tell_seconds", pa.float64()), ("trial_seconds", pa.float64()),
    ("reused", pa.bool_()), ("n_warnings", pa.int64()),
    ("started_at", pa.timestamp("ms", tz="UTC")),
    ("fidelity", pa.float64()), ("cost", pa.float64()),
])
#: Multi-fidelity columns and their value for full-fidelity trials (and older files).
FIDELITY_DEFAULTS = {"fidelity": 1.0, "cost": 1.0}
COLUMNS = SCHEMA.names
#: Columns that must be equal between two runs of the same suite and seeds.
DETERMINISTIC = ["suite", "problem", "strategy", "seed", "trial", "params", "val_loss",
                 "test_loss", "fold_losses", "metric", "status", "reused", "fidelity", "cost"]
SORT = ["problem", "strategy", "seed", "trial"]


class StoreError(ValueError):
    """A run directory that cannot be used as asked."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fault(point: str) -> None:
    """Fault injection for the crash tests: ``TUNEBENCH_FAULT=<point>`` kills this process
    with SIGKILL at that point (only ``consolidate``: after the temporary file is written,
    before it is renamed). Unset in normal use."""
    if os.environ.get("TUNEBENCH_FAULT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


def atomic_write_table(path: Path, table: pa.Table, fault_point: str = "") -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
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
    return table.append_column(SCHEMA.field("started_at"), ts).select(SCHEMA.names)


class RunDir:
    """A run directory on disk."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.cells = self.path / "cells"
        self.manifest_path = self.path / "manifest.json"
        self.trials_path = self.path / "trials.parquet"

    def exists(self) -> bool:
        return self.manifest_path.exists()

    def create(self) -> None:
        self.cells.mkdir(parents=True, exist_ok=True)

    def read_manifest(self) -> dict[str, Any]:
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(f"{self.manifest_path}: cannot read the manifest: {exc}") from exc

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        data = json.dumps(manifest, indent=2, sort_keys=True, default=str).encode()
        atomic_write_bytes(self.manifest_path, data)

    def cell_path(self, cell_id: str) -> Path:
        return self.cells / f"{cell_id}.parquet"

    def error_path(self, cell_id: str) -> Path:
        return self.cells / f"{cell_id}.error"

    def done_cells(self) -> set[str]:
        if not self.cells.exists():
            return set()
        return {p.name[: -len(".parquet")] for p in self.cells.glob("*.parquet")
                if not p.name.startswith(".")}

    def failed_cells(self) -> dict[str, str]:
        if not self.cells.exists():
            return {}
        return {p.stem: p.read_text(encoding="utf-8") for p in self.cells.glob("*.error")}

    def write_cell(self, cell_id: str, records: list[dict[str, Any]]) -> None:
        atomic_write_table(self.cell_path(cell_id), records_table(records))
        err = self.error_path(cell_id)
        if err.exists():
            err.unlink()

    def write_cell_error(self, cell_id: str, error: str) -> None:
        atomic_write_bytes(self.error_path(cell_id), error.encode())

    def check(self) -> None:
        """Before resuming: every stored file must be a readable tunebench table (else
        StoreError naming the file; nothing is modified)."""
        paths = [p for p in self.cells.glob("*.parquet") if not p.name.startswith(".")]
        if self.trials_path.exists():
            paths.append(self.trials_path)
        for p in paths:
            try:
                schema = pq.read_schema(p)
            except Exception as exc:
                raise StoreError(f"{p} is corrupt ({type(exc).__name__}: {exc}); move it "
                                 "away to rerun that part, or use --fresh") from exc
            missing = [c for c in COLUMNS
                       if c not in schema.names and c not in FIDELITY_DEFAULTS]
            if missing:
                raise StoreError(f"{p} is not a tunebench trials file (missing columns "
                                 f"{missing}); use another --out or --fresh")

    def consolidate(self) -> pd.DataFrame:
        """Gather every committed cell into ``trials.parquet`` (sorted, atomic)."""
        files = sorted(p for p in self.cells.glob("*.parquet") if not p.name.startswith("."))
        tables = [pq.read_table(p, schema=SCHEMA) for p in files]
        table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
        table = table.sort_by([(c, "ascending") for c in SORT])
        atomic_write_table(self.trials_path, table, fault_point="consolidate")
        return table.to_pandas()


def read_trials(run_dir: str | Path) -> pd.DataFrame:
    """The trials of a run; checks that the file is tunebench's (raises StoreError)."""
    path = Path(run_dir) / "trials.parquet"
    if not path.exists():
        raise StoreError(f"{path} does not exist: is {run_dir} a finished tunebench run? "
                         "(run `tunebench run` on it to finish it)")
    try:
        df = pd.read_parquet(path)
    except Exception as exc:
        raise StoreError(f"{path} is not a readable Parquet file: {exc}") from exc
    missing = [c for c in COLUMNS if c not in df.columns and c not in FIDELITY_DEFAULTS]
    if missing:
        raise StoreError(f"{path} is not a tunebench trials file: missing columns {missing}")
    for c, v in FIDELITY_DEFAULTS.items():
        if c not in df.columns:  # written before multi-fidelity runs existed
            df[c] = v
    return df
