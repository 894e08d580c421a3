"""Build a suite's archive (:mod:`benchmarks.publish.archive`): ``tunebench archive-baselines``.

The suite file is run as it stands (every strategy, every seed, no overrides) into a work
run directory (resumable like any run), then its manifest and trials, the objectives'
signatures and ``archive.json`` are written to the archive directory: by default the
package's ``benchmarks/archive/<suite>/`` (the source tree in an editable install), where
the shipped-archive test compares it with the suite file.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from tunebench.benchmarks.plan.suite import Suite
from tunebench.benchmarks.publish.archive import (
    FORMAT,
    INFO,
    Archive,
    content_hash,
    open_archive,
    shipped_root,
)
from tunebench.benchmarks.store.rundir import (
    RunDir,
    StoreError,
    atomic_write_bytes,
    atomic_write_table,
)

log = logging.getLogger(__name__)


def default_out(suite: Suite) -> Path:
    return shipped_root() / suite.name


def default_work(suite: Suite) -> Path:
    return Path("results") / "archive-work" / suite.name


def build(suite: Suite, out: Path, *, work: Path, jobs: int = 1, scheduler: str | None = None,
          progress: Callable[..., None] | None = None) -> Archive:
    """Run ``suite`` in ``work`` (resuming it) and write its archive into ``out``.

    Refuses (StoreError) when a cell failed: an archive holds every cell of the suite."""
    from tunebench.benchmarks.execution import runner
    from tunebench.benchmarks.reference.signatures import signatures
    from tunebench.benchmarks.store.manifest import library_versions, now

    backend = f"dask:{scheduler}" if scheduler else f"local:{jobs}"
    run, manifest = runner.prepare(suite, work, ["tunebench", "archive-baselines", suite.name],
                                   jobs, backend)
    try:
        summary = runner.execute(suite, run, manifest, jobs=jobs, scheduler=scheduler,
                                 progress=progress)
    finally:
        run.unlock()
    if summary.failed:
        raise StoreError(f"{len(summary.failed)} cell(s) failed: {sorted(summary.failed)} "
                         f"(tracebacks in {work}/cells); an archive must hold every cell. "
                         "Fix them and rerun the same command to resume")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(work / "trials.parquet", out / ".trials.parquet.tmp")
    (out / ".trials.parquet.tmp").replace(out / "trials.parquet")
    shutil.copyfile(work / "manifest.json", out / ".manifest.json.tmp")
    (out / ".manifest.json.tmp").replace(out / "manifest.json")
    sig = signatures(suite.problems, suite.seeds, suite.folds, suite.test_fraction)
    atomic_write_table(out / "signatures.parquet", pa.Table.from_pandas(sig,
                                                                         preserve_index=False))
    stored = RunDir(work).read_manifest()
    info = {"format": FORMAT, "suite": suite.to_dict(), "created_at": now(),
            "command": f"tunebench archive-baselines {suite.name}",
            "run_id": stored.run_id,
            "strategies": {n: {"spec": v.spec, "library": v.library, "version": v.version}
                           for n, v in stored.strategies.items()},
            "libraries": library_versions(), "content_hash": content_hash(out)}
    atomic_write_bytes(out / INFO, json.dumps(info, indent=2, sort_keys=True).encode())
    log.info("archive of suite %s written to %s (hash %s)", suite.name, out,
             info["content_hash"])
    return open_archive(out)
