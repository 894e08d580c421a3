"""Advisory file locks (``flock``) that never follow a symbolic link.

Used for a run directory's writer lock (taken at once or refused) and for a reference
table being built (waited for, so that a second run reuses the table the first builds).
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockBusy(OSError):
    """The lock is held by another process (``holder`` is the PID it wrote, or "?")."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(errno.EWOULDBLOCK, f"{path} is held by PID {holder}")
        self.path, self.holder = path, holder


def open_lock_file(path: Path) -> int:
    """Open (creating) a lock file; never through a link (OSError ELOOP then)."""
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                   0o644)


def acquire(path: Path, *, wait: bool) -> int:
    """The fd of ``path`` holding an exclusive flock with this PID written in it.

    ``wait=False``: :class:`LockBusy` at once if another process holds it."""
    fd = open_lock_file(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError as exc:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
            raise LockBusy(path, holder) from exc
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


@contextmanager
def held(path: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold the lock ``path`` for the block (waiting for another holder by default)."""
    fd = acquire(path, wait=wait)
    try:
        yield
    finally:
        os.close(fd)
