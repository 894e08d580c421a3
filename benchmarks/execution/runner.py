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
from contextlib import contextmanager
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tunebench.benchmarks.store import integrity
from tunebench.benchmarks.store import manifest as manifest_mod
from tunebench.benchmarks.plan.applicability import applies
from tunebench.benchmarks.plan.cells import all_cells
from tunebench.benchmarks.execution.cell import CELL_THREADS, Cell, CellResult, run_cell
from tunebench.benchmarks.execution.isolate import (
    _quiet_libraries,
    _worker_init,
    describe_death,
    run_cell_in_subprocess,
)
from tunebench.benchmarks.store.manifest_types import Manifest
from tunebench.benchmarks.store.rundir import RunDir, StoreError
from tunebench.benchmarks.plan.suite import Suite

log = logging.getLogger(__name__)

#: Set by the CLI's SIGINT handler; checked between cells, so a run stops even when a
#: library swallowed the KeyboardInterrupt raised inside it. Callers without that handler
#: (``tunebench.run``) pass their own event to :func:`execute`.
STOP = threading.Event()


def plan(suite: Suite) -> list[Cell]:
    """All cells of a suite in a fixed order (problem, [protocol,] strategy, seed),
    without the pairs that do not apply (``defaults`` on a problem with no library default).

    Cells carry their protocol only when the suite compares several (see :class:`Cell`)."""
    return [c for c in all_cells(suite.problems, suite.strategies, suite.seeds,
                                 suite.protocol_names, suite.worker_counts, suite.size_names)
            if applies(c.strategy, c.problem)]


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid() % 10000:04d}"


def default_out(suite: Suite, root: str | Path = "results") -> Path:
    return Path(root) / suite.name / new_run_id()


def _run_cell_task(cell: Cell, suite: Suite) -> CellResult:
    return run_cell(cell, suite)


def run_local(cells: list[Cell], suite: Suite, jobs: int) -> Iterator[CellResult]:
    """Yield results as cells finish, with ``jobs`` worker processes (1: this process).

    A worker that dies (``os._exit``, a segfault, the OOM killer) breaks the pool: the cells
    that were running are rerun one at a time in a fresh pool, so the one that kills its
    worker again fails alone (its error says how the process died) and the run goes on."""
    if jobs <= 1:
        from threadpoolctl import threadpool_limits

        _quiet_libraries()
        with threadpool_limits(CELL_THREADS):
            for cell in cells:
                yield run_cell(cell, suite)
        return
    queue, suspects = list(cells), []
    while queue or suspects:
        pool = _new_pool(jobs)
        try:
            suspects = yield from _drain(pool, queue, suspects, jobs, suite)
        except BaseException:
            # Interrupted: drop queued cells and stop running ones now; they were not committed.
            processes = list(getattr(pool, "_processes", {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in processes:
                proc.terminate()
            raise
        pool.shutdown(wait=True)


def _new_pool(jobs: int) -> ProcessPoolExecutor:
    ctx = get_context("spawn")  # no inherited threads or state: workers start clean
    level = logging.getLogger().getEffectiveLevel()
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker_init,
                               initargs=(CELL_THREADS, max(level, logging.WARNING),
                                         os.getpid()))


def _drain(pool: ProcessPoolExecutor, queue: list[Cell], suspects: list[Cell], jobs: int,
           suite: dict[str, Any]) -> Generator[CellResult, None, list[Cell]]:
    """Run cells from ``suspects`` (one at a time) or else ``queue`` (``jobs`` at a time),
    yielding results; returns the cells that were running if a worker died, else []."""
    running: dict[Future[CellResult], Cell] = {}
    processes: dict[int, Any] = {}
    while queue or suspects or running:
        source, limit = (suspects, 1) if suspects else (queue, jobs)
        broken = False
        while source and len(running) < limit and not broken:
            try:
                with _no_sigint_in_new_workers():
                    running[pool.submit(_run_cell_task, source[0], suite)] = source[0]
                source.pop(0)
            except BrokenProcessPool:  # a worker died before this submission
                broken = True
            processes.update(getattr(pool, "_processes", {}) or {})
        done, _ = wait(running, return_when=FIRST_COMPLETED) if running else (set(), set())
        for fut in done:
            try:
                res = fut.result()
            except BrokenProcessPool:
                broken = True
                continue
            del running[fut]
            yield res
        if broken:
            cells = list(running.values())
            if len(cells) <= 1:
                if cells:
                    yield CellResult(cells[0], error=describe_death(_death_code(processes)))
                return suspects
            log.warning("a worker process died while running %s; rerunning them one at a "
                        "time to find the cell that kills it", ", ".join(c.id for c in cells))
            return cells + suspects
    return []


@contextmanager
def _no_sigint_in_new_workers() -> Iterator[None]:
    """Block SIGINT while the pool may start workers: a started worker inherits the mask,
    so a Ctrl-C that reaches the process group before the worker ignores SIGINT (while it
    imports) stays pending there instead of printing a KeyboardInterrupt traceback. The
    parent gets the signal as soon as the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _death_code(processes: dict[int, Any]) -> int | None:
    """The exit code of the worker that died (not one the pool terminated afterwards)."""
    deadline = time.monotonic() + 5
    for proc in processes.values():  # a dead worker may not be reaped yet
        proc.join(max(0.0, deadline - time.monotonic()))
    # join() can return before the exit code is known: when the pool's own thread reaps the
    # process first, waitpid here fails with ECHILD and multiprocessing returns None until
    # that thread has stored the code. Wait for it (all workers are ending by now).
    while (any(p.exitcode is None for p in processes.values())
           and time.monotonic() < deadline):
        time.sleep(0.01)
    codes = [p.exitcode for p in processes.values() if p.exitcode not in (None, 0)]
    first = [c for c in codes if c != -signal.SIGTERM]
    return (first or codes or [None])[0]


def run_dask(cells: list[Cell], suite: Suite, address: str) -> Iterator[CellResult]:
    """Yield results as cells finish on an existing Dask cluster at ``address``.

    With a ``trial_timeout``, each cell runs in a child process of its Dask worker
    (:mod:`benchmarks.isolate`), so the timeout is enforced there as locally, a cell that
    hangs anyway is killed after its cell limit, and a crash fails only its cell: the worker
    stays usable. Without one, cells run in the worker's thread (no process start-up per
    cell, which costs seconds), as nothing would bound a hang anyway."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise RuntimeError("--scheduler needs Dask: pip install 'tunebench[dask]'") from exc
    with Client(address, timeout="30s") as client:
        client.run(_worker_init, CELL_THREADS, logging.WARNING)
        task = run_cell_in_subprocess if suite.trial_timeout else _run_cell_task
        # Dask runs higher priorities first: keep the given (longest-first) order on the cluster.
        futures = [client.submit(task, c, suite, key=f"tunebench-{c.id}", pure=False,
                                 priority=len(cells) - i) for i, c in enumerate(cells)]
        for fut in as_completed(futures):
            yield fut.result()


def _longest_first(suite: Suite, cells: list[Cell]) -> list[Cell]:
    """Cells in dispatch order: longest estimated first (:mod:`benchmarks.plan.estimate`), so
    that on many workers no long cell starts last; records do not depend on the order."""
    from tunebench.benchmarks.plan.estimate import cell_costs, longest_first

    try:
        costs = cell_costs(suite, cells)
    except Exception:  # noqa: BLE001 -- an unknown cost must not stop a run: plan order
        log.debug("no cost estimate for %s; cells run in plan order", suite.name, exc_info=True)
        return cells
    return longest_first(cells, costs)  # type: ignore[return-value]


@dataclass
class RunSummary:
    """What a run did; the CLI turns it into an exit code."""

    run_dir: Path
    total: int
    ran: int = 0
    skipped: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    report: Path | None = None  # index.html, when the run wrote its report


Progress = Callable[[CellResult, int, int], None]


def prepare(suite: Suite, out: Path, argv: list[str], jobs: int, backend: str,
            fresh: bool = False) -> tuple[RunDir, Manifest]:
    """Create the run directory, or check that an existing one may be resumed; either way
    take its writer lock (released by ``run.unlock()`` or when this process ends)."""
    run = RunDir(out)
    current = manifest_mod.build(suite, out.name, argv, jobs, backend)
    if out.exists() and not out.is_dir():
        raise StoreError(f"--out {out} is a file, not a directory; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not run.exists() and not run.half_created():
        raise StoreError(f"{out} exists and is not a tunebench run directory; "
                         "choose an empty or new --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the run directory {out}: {exc.strerror}") from exc
    if not os.access(out, os.W_OK):
        raise StoreError(f"the run directory {out} is not writable")
    run.check_layout()
    if run.exists() and not fresh:
        run.read_manifest()  # a damaged manifest is refused before anything is created
    run.lock()
    try:
        if run.exists() and not fresh:
            return run, _resume(run, suite, current)
        run.create()
        run.remove_stale_temporaries()
        run.write_manifest(current)
    except BaseException:
        run.unlock()
        raise
    return run, current


def _resume(run: RunDir, suite: Suite, current: Manifest) -> Manifest:
    """Check a stored run against the current setup; quarantine bad cells; mark resumed."""
    stored = run.read_manifest()
    diffs = manifest_mod.differences(stored, current)
    if diffs:
        raise StoreError(f"cannot resume {run.path}: it was run with a different setup:\n  - "
                         + "\n  - ".join(diffs)
                         + "\nUse --fresh for a new run, or another --out directory.")
    run.create()  # cells/ again if it was deleted
    run.remove_stale_temporaries()
    bad = run.bad_cells(expected_cells(suite))
    files = run.cell_files()
    if files and len(bad) == len(files) and all("another" in w or "not a cell" in w
                                                for w in bad.values()):
        raise StoreError(f"cannot resume {run.path}: none of its {len(files)} cell files "
                         f"belongs to the suite in {run.manifest_path} (was the manifest "
                         "replaced?); restore the run's own manifest.json, or use --fresh")
    for path, why in bad.items():
        run.quarantine(path, why)
    run.remove_stale_errors()
    run.check()  # after the bad cells are aside: trials.parquet against the intact ones
    stored = stored.restarted(manifest_mod.now())
    run.write_manifest(stored)
    return stored


def expected_cells(suite: Suite) -> dict[str, dict[str, Any]]:
    """Cell id -> the identity its file must carry (see :mod:`benchmarks.integrity`)."""
    suite_d = suite.to_dict()
    cells = all_cells(suite_d["problems"], suite_d["strategies"], suite_d["seeds"],
                      suite_d.get("protocols") or [], suite_d.get("workers") or [],
                      [str(x) for x in suite_d.get("train_sizes") or []])
    return {c.id: integrity.identity(c.id, c.problem, c.strategy, c.seed, suite_d)
            for c in cells}


def verify_run(path: Path) -> dict[Path, str]:
    """Every bad cell file of a stored run, with why (StoreError if it is no run at all)."""
    run = RunDir(path)
    if not run.exists():
        raise StoreError(f"{path}: no manifest.json; is it a tunebench run directory?")
    run.check_layout()
    manifest = run.read_manifest()
    if not run.cell_files():  # e.g. a synthetic run with only trials.parquet
        return {}
    try:
        expected = expected_cells(manifest.suite)
    except (KeyError, TypeError) as exc:
        raise StoreError(f"{run.manifest_path}: its suite lacks {exc}") from exc
    bad = run.bad_cells(expected)
    if not bad and (run.trials_path.exists() or os.path.islink(run.trials_path)):
        why = run.trials_problem()
        if why:
            bad[run.trials_path] = why
    return bad


def describe_bad(bad: dict[Path, str]) -> str:
    """One line naming every bad cell file and why."""
    return "; ".join(f"{p}: {why}" for p, why in sorted(bad.items()))


def execute(suite: Suite, run: RunDir, manifest: Manifest, *, jobs: int = 1,
            scheduler: str | None = None, progress: Progress | None = None,
            stop: threading.Event | None = None) -> RunSummary:
    """Run the cells not yet stored, commit each as it finishes, then consolidate.

    ``stop`` (default: the CLI's :data:`STOP`) is checked between cells: once set, the
    run stops with KeyboardInterrupt, keeping every committed cell.
    """
    stop = STOP if stop is None else stop
    start = time.perf_counter()
    cells = plan(suite)
    done = run.done_cells()
    todo = _longest_first(suite, [c for c in cells if c.id not in done])
    summary = RunSummary(run.path, len(cells), skipped=len(cells) - len(todo))
    log.info("%s: %d cells, %d already stored, %d to run", run.path, len(cells),
             summary.skipped, len(todo))
    results: Iterable[CellResult]
    results = (run_dask(todo, suite, scheduler) if scheduler
               else run_local(todo, suite, jobs))
    expected = expected_cells(suite)
    for i, res in enumerate(results, 1):
        if stop.is_set():
            raise KeyboardInterrupt
        if res.ok:
            run.write_cell(res.cell.id, res.records, expected[res.cell.id])
        else:
            run.write_cell_error(res.cell.id, res.error or "")
            summary.failed[res.cell.id] = res.error or ""
            log.error("cell %s failed (its traceback is in %s)", res.cell.id,
                      run.error_path(res.cell.id))
        summary.ran += 1
        if progress:
            progress(res, summary.skipped + i, len(cells))
    run.consolidate()
    run.write_manifest(manifest.finished(manifest_mod.now(), sorted(run.failed_cells())))
    summary.seconds = time.perf_counter() - start
    return summary

