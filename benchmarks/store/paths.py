"""Paths inside a run directory that never lead out of it.

tunebench never creates a symbolic link inside a run directory, so a link found there is
damage or a trap: following it would read another run's files as this run's, or write (a
PID in ``.lock``, quarantined cells, a report) into a directory the user did not name.
:func:`contained` refuses any path below the run directory that is a link or whose real
location leaves the run directory; writers call it before they open or create anything.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class OutsideRunDir(ValueError):
    """A path inside a run directory that is a symbolic link or leads out of it."""


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def contained(root: Path, path: Path) -> Path:
    """``path`` (below ``root``) if no component from ``root`` down is a symbolic link and
    its real location is inside ``root``; else :class:`OutsideRunDir` naming the link and
    what to do. Missing components are fine (they will be created as real ones)."""
    root = Path(root)
    real_root = root.resolve()
    try:
        rel = Path(path).relative_to(root)
    except ValueError:
        raise OutsideRunDir(f"{path} is not inside the run directory {root}") from None
    current = root
    for part in rel.parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except (FileNotFoundError, NotADirectoryError):
            break
        except OSError as exc:
            raise OutsideRunDir(f"{current}: cannot inspect it ({exc.strerror})") from exc
        if stat.S_ISLNK(mode):
            raise OutsideRunDir(
                f"{current} is a symbolic link (to {_link_target(current)}); tunebench never "
                f"follows links inside a run directory: remove the link (rm {current}) and "
                "rerun")
    real = Path(path).resolve()
    if real != real_root and real_root not in real.parents:
        raise OutsideRunDir(f"{path} leads outside the run directory {root} (to {real}); "
                            "remove it and rerun")
    return Path(path)


def is_link(path: Path) -> bool:
    """True if ``path`` itself is a symbolic link (not followed)."""
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False
