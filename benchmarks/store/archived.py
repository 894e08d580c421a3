"""A run's archived part: the shipped baseline cells a run uses, stored beside it.

A run that takes cells from a suite's archive (:mod:`benchmarks.publish.archive`) keeps
them in ``<run>/archived/``, a run directory of its own; reports read both
(:func:`with_archived`) and label the archived strategies (:func:`is_archived`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tunebench.benchmarks.store.manifest_types import Manifest

#: Where a run keeps the archived cells it uses.
ARCHIVED_DIR = "archived"


def with_archived(run_dirs: Iterable[str | Path]) -> list[Path]:
    """The run directories plus the ``archived/`` part of each (reports include it)."""
    out = [Path(d) for d in run_dirs]
    for d in list(out):
        extra = d / ARCHIVED_DIR
        if (extra / "manifest.json").exists() and extra not in out:
            out.append(extra)
    return out


def is_archived(manifest: Manifest) -> bool:
    """Whether a manifest is that of archived cells (it carries an ``archive`` block)."""
    return manifest.is_archived
