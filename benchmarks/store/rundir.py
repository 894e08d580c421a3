"""The on-disk run directory: where trials are stored.

Layout of ``results/<suite>/<run-id>/``::

    manifest.json        everything needed to reproduce the run (see benchmarks.manifest)
    cells/<cell>.parquet one file per finished cell, committed atomically
    cells/<cell>.error   the traceback of a cell whose strategy raised
    cells/quarantine/    cell files found bad on resume (kept for inspection, rerun)
    trials.parquet       all trials, one row each, written when the run finishes
    .lock                held (``flock``) by the one process writing the run

Every file is written to a temporary name unique to the writing process, flushed, fsynced
and renamed (:mod:`benchmarks.store.files`), so a crash leaves only whole files; resuming
verifies every cell file (see :mod:`benchmarks.store.integrity`) and runs only the cells
with no good file. ``trials.parquet`` is plain Parquet with the schema of
:mod:`benchmarks.store.schema` (re-exported here): ``pandas.read_parquet`` reads it with no
tunebench import.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tunebench.benchmarks.store import integrity, locks
from tunebench.benchmarks.store.files import (  # noqa: F401  (re-exported)
    StoreError,
    atomic_write_bytes,
    atomic_write_table,
)
from tunebench.benchmarks.store.manifest_types import Manifest
from tunebench.benchmarks.store.paths import OutsideRunDir, contained, is_link
from tunebench.benchmarks.store.schema import (  # noqa: F401  (re-exported)
    BASE_COLUMNS,
    BASE_SCHEMA,
    COLUMNS,
    DETERMINISTIC,
    EXTRA_SCHEMA,
    FIDELITY_DEFAULTS,
    PARALLEL_DEFAULTS,
    PARALLEL_SCHEMA,
    SCHEMA,
    SCHEMA_KEY,
    SCHEMA_VERSION,
    SORT,
    SORT_PARALLEL,
    TrialRecord,
    has_parallel,
    records_table,
    schema_for,
    schema_version,
    upgrade,
)
from tunebench.problems.metrics import METRIC_COLUMNS  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)

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

    def inside(self, path: Path) -> Path:
        """``path`` if it stays inside the run directory with no symbolic link on the way
        (see :mod:`benchmarks.store.paths`), else StoreError naming the link to remove."""
        try:
            return contained(self.path, path)
        except OutsideRunDir as exc:
            raise StoreError(str(exc)) from exc

    def check_layout(self) -> None:
        """Refuse (StoreError naming the entry and the fix) a run directory whose own
        entries are links out of it, or whose ``cells`` is not a directory."""
        for path in (self.manifest_path, self.trials_path, self.cells, self.quarantine_dir,
                     self.path / "report", self.path / "reference.json",
                     self.path / "signatures.parquet"):
            self.inside(path)
        if self.cells.exists() and not self.cells.is_dir():
            raise StoreError(f"{self.cells} is a file, not the directory of cell files; move "
                             f"it away (mv {self.cells} {self.cells}.bad) and rerun")

    def create(self) -> None:
        """Make ``cells/`` (again, if it was deleted; never through a link)."""
        self.check_layout()
        self.cells.mkdir(parents=True, exist_ok=True)

    def lock(self) -> None:
        """Take the run's writer lock (``flock``) for as long as this process lives or until
        :meth:`unlock`; StoreError at once if another process holds it.

        A ``.lock`` that is a symbolic link or an empty directory is left-over damage: it is
        removed (a link's target is not touched) and the lock taken as usual."""
        self._repair_lock_path()
        try:
            fd = locks.acquire(self.lock_path, wait=False)
        except locks.LockBusy as exc:
            raise StoreError(f"run directory in use by PID {exc.holder}: {self.path} is being "
                             "written by another tunebench run; wait for it to finish") from exc
        except OSError as exc:
            raise StoreError(f"cannot lock the run directory {self.path} ({self.lock_path}: "
                             f"{exc.strerror}); check its permissions") from exc
        self._lock_fd = fd

    def _repair_lock_path(self) -> None:
        if is_link(self.lock_path):
            log.warning("%s was a symbolic link (to %s): removed the link, not its target",
                        self.lock_path, os.readlink(self.lock_path))
            self.lock_path.unlink()
        elif self.lock_path.is_dir():
            try:
                self.lock_path.rmdir()
            except OSError as exc:
                raise StoreError(f"{self.lock_path} is a directory, not tunebench's lock file; "
                                 f"move it away (mv {self.lock_path} {self.path}/lock.bad) "
                                 "and rerun") from exc
            log.warning("%s was an empty directory: removed", self.lock_path)

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    def remove_stale_temporaries(self) -> None:
        """Delete temporary files of writers that died (call only while holding the lock)."""
        for directory in (self.path, self.cells):
            usable = directory.is_dir() and not is_link(directory)
            for tmp in directory.glob(".*.tmp") if usable else []:
                tmp.unlink(missing_ok=True)

    def read_manifest(self) -> Manifest:
        """The run's manifest (StoreError, one line, if it is damaged or not a manifest)."""
        self.inside(self.manifest_path)
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError too
            raise StoreError(f"{self.manifest_path}: cannot read the manifest: "
                             f"{(str(exc).splitlines() or [''])[0][:200]}; restore it from a "
                             "backup, or start again with --fresh") from exc
        if not isinstance(manifest, dict) or not isinstance(manifest.get("suite"), dict):
            raise StoreError(f"{self.manifest_path} is not a tunebench manifest (no 'suite' "
                             "object); use another --out or --fresh")
        try:
            return Manifest.from_dict(manifest)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{self.manifest_path}: a damaged manifest ({exc}); restore it "
                             "from a backup, or start again with --fresh") from exc

    def write_manifest(self, manifest: Manifest) -> None:
        """Write the manifest atomically, keys sorted."""
        data = json.dumps(manifest.to_dict(), indent=2, sort_keys=True,
                          default=str).encode()
        self.inside(self.manifest_path)
        atomic_write_bytes(self.manifest_path, data)

    def cell_path(self, cell_id: str) -> Path:
        return self.cells / f"{cell_id}.parquet"

    def error_path(self, cell_id: str) -> Path:
        return self.cells / f"{cell_id}.error"

    def cell_files(self) -> list[Path]:
        """Committed cell files (temporaries and quarantined files excluded), sorted."""
        if not self.cells.is_dir():
            return []
        self.inside(self.cells)
        return sorted(p for p in self.cells.glob("*.parquet") if not p.name.startswith("."))

    def done_cells(self) -> set[str]:
        return {p.name[: -len(".parquet")] for p in self.cell_files()}

    def failed_cells(self) -> dict[str, str]:
        """Cell id -> traceback of each cell with an ``.error`` file and no committed cell
        file (an ``.error`` beside a cell file is stale: the cell was rerun and succeeded)."""
        if not self.cells.is_dir():
            return {}
        self.inside(self.cells)
        done = self.done_cells()
        return {p.stem: p.read_bytes().decode("utf-8", errors="replace")
                for p in self.cells.glob("*.error") if p.stem not in done and not is_link(p)}

    def remove_stale_errors(self) -> None:
        """Delete ``.error`` files beside an intact cell file (call after quarantining)."""
        done = self.done_cells()
        for p in self.cells.glob("*.error") if self.cells.is_dir() else []:
            if p.stem in done:
                p.unlink()

    def write_cell(self, cell_id: str, records: list[dict[str, Any]],
                   ident: dict[str, Any] | None = None) -> None:
        """Commit a cell; ``ident`` (see :func:`integrity.identity`) is stamped in its
        metadata so that resume can verify it."""
        table = records_table(records)
        if ident is not None:
            table = integrity.stamp(table, ident)
        self.inside(self.cell_path(cell_id))
        atomic_write_table(self.cell_path(cell_id), table)
        err = self.error_path(cell_id)
        if err.exists():
            err.unlink()

    def write_cell_error(self, cell_id: str, error: str) -> None:
        self.inside(self.error_path(cell_id))
        atomic_write_bytes(self.error_path(cell_id), error.encode())

    def bad_cells(self, expected: dict[str, dict[str, Any]]) -> dict[Path, str]:
        """Every committed cell file that is not the intact cell its name says, with why.

        ``expected`` maps cell ids to :func:`integrity.identity`; a file with no entry there
        is foreign to the run."""
        bad = {}
        for path in self.cell_files():
            ident = expected.get(path.name[: -len(".parquet")])
            if is_link(path):
                bad[path] = f"it is a symbolic link (to {os.readlink(path)}), not a cell file"
                continue
            if ident is None:
                bad[path] = "it is not a cell of this run's suite"
                continue
            try:
                schema = schema_for(pq.read_schema(path).names)
            except Exception:  # unreadable: verify_cell says why
                schema = SCHEMA
            why = integrity.verify_cell(path, ident, schema)
            if why:
                bad[path] = why
        return bad

    def quarantine(self, path: Path, why: str, then: str = "the cell will be rerun") -> Path:
        """Move a bad cell file (or a link: the link itself) to ``cells/quarantine/``
        (never deleted) and warn."""
        self.inside(self.quarantine_dir)
        self.quarantine_dir.mkdir(exist_ok=True)
        target = self.quarantine_dir / path.name
        n = 1
        while target.exists():
            target = self.quarantine_dir / f"{path.name}.{n}"
            n += 1
        os.replace(path, target)
        kind = "trials" if path == self.trials_path else "cell"
        log.warning("bad %s file %s (%s): moved to %s; %s", kind, path, why, target, then)
        return target

    def check(self) -> None:
        """Before resuming: a ``trials.parquet`` that is unreadable, not tunebench's, or not
        the consolidation of the intact cells is moved to ``cells/quarantine/`` (it is
        rebuilt from the cells when the run finishes). With no cell file to rebuild it
        from, StoreError naming the file (nothing is modified)."""
        if not self.trials_path.exists() and not is_link(self.trials_path):
            return
        why = self.trials_problem()
        if why is None:
            return
        if not self.cell_files() or is_link(self.cells):
            raise StoreError(f"{self.trials_path} is {why} and there are no cell files to "
                             "rebuild it from; move it away to start the run again, or use "
                             "--fresh")
        self.quarantine(self.trials_path, why, "it is rebuilt from the cells at the end")

    def trials_problem(self) -> str | None:
        """None if ``trials.parquet`` is the consolidation of the committed cell files (or
        there are none to compare with), else what is wrong with it."""
        if is_link(self.trials_path):
            return f"a symbolic link (to {os.readlink(self.trials_path)}), not a trials file"
        try:
            stored = pq.read_table(self.trials_path, page_checksum_verification=True)
            if any(c not in stored.column_names for c in BASE_COLUMNS):
                return "not a tunebench trials file (missing columns)"
            stored = upgrade(stored)
        except Exception as exc:  # thrift, zstd, checksum, OS errors
            return f"corrupt ({type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:120]})"
        cells = self.cell_files()
        if not cells:
            return None
        try:
            rebuilt = self.trials_table(cells)
        except Exception:  # a bad cell: reported by bad_cells, not here
            return None
        if integrity.content_hash(stored) != integrity.content_hash(rebuilt):
            return (f"not the trials of this run's cells ({stored.num_rows} rows; its "
                    f"{len(cells)} cell files hold {rebuilt.num_rows})")
        return None

    @staticmethod
    def trials_table(cell_files: list[Path]) -> pa.Table:
        """The consolidated table of these cell files (what ``trials.parquet`` holds)."""
        tables = [pq.read_table(p) for p in cell_files]
        parallel = any(has_parallel(t.column_names) for t in tables)
        tables = [upgrade(t, parallel=parallel).replace_schema_metadata(SCHEMA.metadata)
                  for t in tables]
        table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
        return table.sort_by([(c, "ascending") for c in (SORT_PARALLEL if parallel else SORT)])

    def consolidate(self) -> pd.DataFrame:
        """Gather every committed cell into ``trials.parquet`` (sorted, atomic)."""
        table = self.trials_table(self.cell_files())
        self.inside(self.trials_path)
        atomic_write_table(self.trials_path, table, fault_point="consolidate")
        return table.to_pandas()


def read_trials(run_dir: str | Path, skip: Iterable[str] = (),
                categorical: Iterable[str] = ()) -> pd.DataFrame:
    """The trials of a run; checks that the file is tunebench's (raises StoreError).

    A run written by schema 1 is read with NaN in every ``val:``/``test:`` column. Columns
    in ``skip`` (e.g. ``params``, ``fold_losses``: the bulk of a large run's memory) are not
    read at all; string columns in ``categorical`` are read as pandas categoricals (a code
    per row instead of a string: what every group-by of the analysis factorises).
    """
    path = Path(run_dir) / "trials.parquet"
    if not path.exists():
        raise StoreError(f"{path} does not exist: is {run_dir} a finished tunebench run? "
                         "(run `tunebench run` on it to finish it)")
    try:
        contained(Path(run_dir), path)
    except OutsideRunDir as exc:
        raise StoreError(str(exc)) from exc
    try:
        names = pq.read_schema(path).names
        table = pq.read_table(path, columns=[c for c in names if c not in set(skip)],
                              read_dictionary=[c for c in categorical if c in names],
                              page_checksum_verification=True)
    except Exception as exc:
        raise StoreError(f"{path} is not a readable Parquet file "
                         f"({(str(exc).splitlines() or [''])[0][:160]}); rebuild it from the "
                         f"cells with `tunebench run --out {run_dir}`") from exc
    missing = [c for c in BASE_COLUMNS if c not in names]
    if missing:
        raise StoreError(f"{path} is not a tunebench trials file: missing columns {missing}")
    version = schema_version(table)
    if version not in ("1", SCHEMA_VERSION):
        raise StoreError(f"{path} has tunebench.schema {version}, newer than this tunebench "
                         f"reads ({SCHEMA_VERSION}); upgrade tunebench")
    try:
        # one column block each, freeing Arrow buffers as they convert: the load's peak
        # fell from 3.6 to 2.4 GiB on 5M rows (same frame)
        table = upgrade(table, skip)  # the read table's last reference: its buffers free
        return table.to_pandas(split_blocks=True, self_destruct=True)
    except Exception as exc:  # a damaged page that passed the reader
        raise StoreError(f"{path} is corrupt ({type(exc).__name__}); rebuild it from the "
                         f"cells with `tunebench run --out {run_dir}`") from exc
