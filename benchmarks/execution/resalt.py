"""Re-run a stored run's random-search cells with fresh strategy seeds (``--resalt``).

Each re-salt ``k`` runs every random-search cell of the run again on the cell's own
objective (problem, split, folds and model seed unchanged) with the strategy seed salted by
:func:`salt` ``(k)``. Nothing is written into the run
directory: the records are returned as one trials frame per re-salt.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pandas as pd

from tunebench.benchmarks.execution.cell import CELL_THREADS, Cell, CellResult, run_cell
from tunebench.benchmarks.plan.suite import Suite
from tunebench.benchmarks.store.protocols import default_protocol_only
from tunebench.benchmarks.store.rundir import RunDir, StoreError, read_trials
from tunebench.strategies.registry import RANDOM_SEARCH

log = logging.getLogger(__name__)


def salt(k: int) -> str:
    """The key mixed into the strategy seed of re-salt ``k`` (1-based)."""
    return f"resalt-{k}"


def random_cells(run_dir: Path) -> tuple[Suite, list[Cell]]:
    """The run's suite and its random-search cells that finished (as stored)."""
    run = RunDir(run_dir)
    if not run.exists():
        raise StoreError(f"{run_dir}: no manifest.json; is it a tunebench run directory?")
    manifest = run.read_manifest()
    suite = Suite.from_dict(manifest.suite.to_dict(), "manifest.json")
    trials = default_protocol_only(read_trials(run_dir), suite)
    specs = manifest.strategy_specs()
    present = trials[trials["strategy"].isin(RANDOM_SEARCH)]
    several = len(suite.protocol_names) > 1  # cells then carry their protocol
    cols = ["problem", "strategy", "seed"] + (["protocol"] if several else [])
    cells = [Cell(r[0], specs.get(r[1], r[1]), int(r[2]), r[3] if len(r) > 3 else "")
             for r in present[cols].drop_duplicates().itertuples(index=False, name=None)]
    return suite, sorted(cells, key=lambda c: c.id)


def _task(cell: Cell, suite: Suite, key: str) -> CellResult:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(CELL_THREADS):
        return run_cell(cell, suite, key)


def _results(cells: list[Cell], suite: Suite, key: str, jobs: int) -> Iterator[CellResult]:
    if jobs <= 1:
        for cell in cells:
            yield _task(cell, suite, key)
        return
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        yield from pool.map(_task, cells, [suite] * len(cells), [key] * len(cells))


def resalted_trials(run_dir: Path, resalts: int, jobs: int = 1) -> list[pd.DataFrame]:
    """One trials frame per re-salt ``k = 1..resalts`` (StoreError for a non-run, or when a
    re-salted cell fails: a failure is not evidence about the reference table)."""
    suite, cells = random_cells(run_dir)
    out = []
    for k in range(1, resalts + 1):
        records = []
        for result in _results(cells, suite, salt(k), jobs):
            if not result.ok:
                raise StoreError(f"re-salt {k} of cell {result.cell.id} failed:\n"
                                 f"{result.error}")
            records.extend(result.rows())
        out.append(pd.DataFrame(records))
        log.info("re-salt %d/%d: %d cells, %d trials", k, resalts, len(cells), len(records))
    return out
