"""Runs a suite's cells and stores them: in this process, in worker processes, or on Dask.

Cells are independent and each is a pure function of (suite, cell), so the records do
not depend on the backend or the number of workers. Only this process writes the store,
one atomic file per finished cell, in whatever order cells finish; ``trials.parquet`` is
sorted when the run is consolidated.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from benchmarks import manifest as manifest_mod
from benchmarks.cell import Cell, CellResult, run_cell
from benchmarks.store import RunDir, StoreError
from benchmarks.suite import Suite

log = logging.getLogger(__name__)

#: BLAS/OpenMP threads while a cell runs, on every backend. Thread count changes the
#: rounding of BLAS reductions (e.g. in a GP surrogate), so it is fixed for the records
#: to be identical whatever --jobs or backend; parallelism comes from running cells at once.
CELL_THREADS = 1

#: Set by the CLI's SIGINT handler; checked between cells, so a run stops even when a
#: library swallowed the KeyboardInterrupt raised inside it.
STOP = threading.Event()


def plan(suite: Suite) -> list[Cell]:
    """All cells of a suite in a fixed order (problem, [protocol,] strategy, seed).

    Cells carry their protocol only when the suite compares several (see :class:`Cell`)."""
    protocols = suite.protocol_names if len(suite.protocol_names) > 1 else ("",)
    return [Cell(p, s, seed, protocol) for p in suite.problems for protocol in protocols
            for s in suite.strategies for seed in suite.seeds]


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid() % 10000:04d}"


def default_out(suite: Suite, root: str | Path = "results") -> Path:
    return Path(root) / suite.name / new_run_id()


def _quiet_libraries() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("hyperopt").setLevel(logging.WARNING)


def _worker_init(threads: int, level: int = logging.WARNING) -> None:
    """Per worker: BLAS/OpenMP threads capped (no oversubscription), logging like the CLI."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # Ctrl-C reaches the whole process group; the parent alone decides what to do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    _quiet_libraries()


def _run_cell_task(cell: Cell, suite: dict[str, Any]) -> CellResult:
    return run_cell(cell, suite)


def run_local(cells: list[Cell], suite: dict[str, Any], jobs: int) -> Iterator[CellResult]:
    """Yield results as cells finish, with ``jobs`` worker processes (1: this process)."""
    if jobs <= 1:
        from threadpoolctl import threadpool_limits

        _quiet_libraries()
        with threadpool_limits(CELL_THREADS):
            for cell in cells:
                yield run_cell(cell, suite)
        return
    threads = CELL_THREADS
    ctx = get_context("spawn")  # no inherited threads or state: workers start clean
    level = logging.getLogger().getEffectiveLevel()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker_init,
                               initargs=(threads, max(level, logging.WARNING)))
    try:
        pending = {pool.submit(_run_cell_task, c, suite) for c in cells}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
    except BaseException:
        # Interrupted: drop queued cells and stop running ones now; they were not committed.
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.terminate()
        raise
    pool.shutdown(wait=True)


def run_dask(cells: list[Cell], suite: dict[str, Any], address: str) -> Iterator[CellResult]:
    """Yield results as cells finish on an existing Dask cluster at ``address``."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise RuntimeError("--scheduler needs Dask: pip install 'tunebench[dask]'") from exc
    with Client(address, timeout="30s") as client:
        client.run(_worker_init, CELL_THREADS)
        futures = [client.submit(_run_cell_task, c, suite, key=f"tunebench-{c.id}", pure=False)
                   for c in cells]
        for fut in as_completed(futures):
            yield fut.result()


@dataclass
class RunSummary:
    """What a run did; the CLI turns it into an exit code."""

    run_dir: Path
    total: int
    ran: int = 0
    skipped: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


Progress = Callable[[CellResult, int, int], None]


def prepare(suite: Suite, out: Path, argv: list[str], jobs: int, backend: str,
            fresh: bool = False) -> tuple[RunDir, dict[str, Any]]:
    """Create the run directory, or check that an existing one may be resumed."""
    run = RunDir(out)
    current = manifest_mod.build(suite.to_dict(), out.name, argv, jobs, backend)
    if run.exists() and not fresh:
        stored = run.read_manifest()
        run.check()
        diffs = manifest_mod.differences(stored, current)
        if diffs:
            raise StoreError(f"cannot resume {out}: it was run with a different setup:\n  - "
                             + "\n  - ".join(diffs)
                             + "\nUse --fresh for a new run, or another --out directory.")
        stored.setdefault("resumed_at", []).append(manifest_mod.now())
        stored["finished_at"] = None
        run.write_manifest(stored)
        return run, stored
    if out.exists() and any(out.iterdir()) and not run.exists():
        raise StoreError(f"{out} exists and is not a tunebench run directory; "
                         "choose an empty or new --out")
    try:
        run.create()
    except OSError as exc:
        raise StoreError(f"cannot create the run directory {out}: {exc}") from exc
    if not os.access(out, os.W_OK):
        raise StoreError(f"the run directory {out} is not writable")
    run.write_manifest(current)
    return run, current


def execute(suite: Suite, run: RunDir, manifest: dict[str, Any], *, jobs: int = 1,
            scheduler: str | None = None, progress: Progress | None = None) -> RunSummary:
    """Run the cells not yet stored, commit each as it finishes, then consolidate."""
    start = time.perf_counter()
    cells = plan(suite)
    done = run.done_cells()
    todo = [c for c in cells if c.id not in done]
    summary = RunSummary(run.path, len(cells), skipped=len(cells) - len(todo))
    log.info("%s: %d cells, %d already stored, %d to run", run.path, len(cells),
             summary.skipped, len(todo))
    results: Iterable[CellResult]
    suite_d = suite.to_dict()
    results = (run_dask(todo, suite_d, scheduler) if scheduler
               else run_local(todo, suite_d, jobs))
    for i, res in enumerate(results, 1):
        if STOP.is_set():
            raise KeyboardInterrupt
        if res.ok:
            run.write_cell(res.cell.id, res.records)
        else:
            run.write_cell_error(res.cell.id, res.error or "")
            summary.failed[res.cell.id] = res.error or ""
            log.error("cell %s failed (its traceback is in %s)", res.cell.id,
                      run.error_path(res.cell.id))
        summary.ran += 1
        if progress:
            progress(res, summary.skipped + i, len(cells))
    run.consolidate()
    manifest["finished_at"] = manifest_mod.now()
    manifest["failed_cells"] = sorted(run.failed_cells())
    run.write_manifest(manifest)
    summary.seconds = time.perf_counter() - start
    return summary

