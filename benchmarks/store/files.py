"""Writing store files so that a crash leaves only whole files.

Every file is written to a temporary name unique to the writing process, flushed, fsynced
and renamed (then the directory is fsynced). :class:`StoreError` is the store's one error:
a run directory or file that cannot be used as asked.
"""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


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
