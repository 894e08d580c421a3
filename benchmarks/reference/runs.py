"""A run's reference table: found or built at its start (with its signatures recorded),
and found again, checked against those signatures, when it is reported."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from tunebench.benchmarks.plan.suite import Suite
from tunebench.benchmarks.reference import cache
from tunebench.benchmarks.store.manifest_types import Manifest
from tunebench.benchmarks.reference.signatures import signature_differences, signatures
from tunebench.benchmarks.reference.tables import (
    ReferenceMismatch,
    ReferenceTable,
    ensure,
    find,
    open_table,
)
from tunebench.benchmarks.store.rundir import StoreError, atomic_write_bytes, atomic_write_table

log = logging.getLogger(__name__)


def record_run(run_dir: Path, suite: Suite, table: ReferenceTable | None) -> None:
    """At a run's start: its own signatures and which table it uses (``reference.json``)."""
    sig = signatures(suite.problems, suite.seeds, suite.folds, suite.test_fraction,
                     suite.trial_timeout)
    atomic_write_table(run_dir / "signatures.parquet", pa.Table.from_pandas(sig,
                                                                            preserve_index=False))
    if table is not None:
        info = {"path": str(table.path.resolve()), "name": table.name, "hash": table.hash}
        atomic_write_bytes(run_dir / "reference.json", json.dumps(info, indent=2).encode())


@dataclass
class RunReferences:
    """The reference step of a run (:class:`SuiteRun`'s ``references``): find the table that
    covers the suite, else build it into the cache, then record the run's signatures and the
    table it uses."""

    jobs: int = 1
    scheduler: str | None = None

    def build_cost(self, suite: Suite) -> tuple[float, int]:
        """(estimated seconds, cells) of building the suite's table; (0, 0) if one covers it."""
        cost = cache.build_cost(suite)
        return (cost.seconds, cache.build_cells(suite) if cost.table is None else 0)

    def __call__(self, suite: Suite, run_dir: Path,
                 progress: Callable[..., None] | None = None) -> ReferenceTable:
        table = find(suite)
        if table is None:
            log.info("building the reference table of suite %s (once; cached, and reused by "
                     "any suite it covers)", suite.name)
            table = ensure(suite, jobs=self.jobs, scheduler=self.scheduler, progress=progress)
        record_run(run_dir, suite, table)
        return table


def for_run(run_dir: Path, manifest: Manifest) -> ReferenceTable | None:
    """The table a run recorded (else the first that covers it), checked against the run's
    signatures; raises :class:`ReferenceMismatch` when they differ."""
    suite = manifest.suite
    table = _recorded_table(run_dir)
    table = table or find(suite)
    if table is None:
        return None
    sig_path = run_dir / "signatures.parquet"
    if not sig_path.exists():
        log.warning("%s recorded no signatures (run with --no-report): reference table %s "
                    "is used unchecked", run_dir, table.path)
    else:
        diffs = signature_differences(_read_signatures(table.path / "signatures.parquet",
                                                       "rebuild the reference table"),
                                      _read_signatures(sig_path, "delete it (the run's "
                                                       "reference table is then used "
                                                       "unchecked)"))
        if diffs:
            raise ReferenceMismatch(
                f"reference table {table.path} (hash {table.hash}) does not match run "
                f"{run_dir}: its objectives differ ({len(diffs)} signature(s), e.g. "
                f"{diffs[0]}). Rebuild it: tunebench reference {suite.name} --out DIR")
    return table


def _recorded_table(run_dir: Path) -> ReferenceTable | None:
    """The table named by a run's ``reference.json`` (None if it has none or the table is
    gone); a damaged pointer is StoreError naming it and the fix."""
    pointer = run_dir / "reference.json"
    if not pointer.exists():
        return None
    try:
        info = json.loads(pointer.read_text(encoding="utf-8"))
        path = Path(info["path"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{pointer} is damaged ({type(exc).__name__}); delete it (the report "
                         "then uses the first reference table that covers the run)") from exc
    return open_table(path) if path.exists() else None


def _read_signatures(path: Path, fix: str) -> pd.DataFrame:
    """A signatures file, or StoreError naming it and ``fix``."""
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # ArrowInvalid, OSError, thrift errors
        raise StoreError(f"{path} is damaged ({type(exc).__name__}); {fix}") from exc
    missing = {"problem", "seed", "index", "params", "val_loss", "test_loss"} - set(df.columns)
    if missing:
        raise StoreError(f"{path} is not a signatures file (missing {sorted(missing)}); {fix}")
    return df


def for_runs(run_dirs: list[Path], manifests: list[Manifest]
             ) -> tuple[ReferenceTable | None, str]:
    """The one table of runs reported together, or None and why. Runs that recorded
    different tables cannot be combined (StoreError)."""
    tables = []
    try:
        for d, m in zip(run_dirs, manifests, strict=True):
            tables.append(for_run(Path(d), m))
    except ReferenceMismatch as exc:
        log.warning("%s", exc)
        return None, f"the reference table was refused: {exc}"
    hashes = {t.hash if t else None for t in tables}
    if len(hashes) > 1:
        raise StoreError(f"cannot report these runs together: they use different reference "
                         f"tables (hashes {sorted(str(h) for h in hashes)})")
    if tables[0] is None:
        s = manifests[0].suite_name
        return None, (f"no reference table covers these problems and seeds; build one with "
                      f"`tunebench reference {s}` (or run without --no-report).")
    return tables[0], ""
