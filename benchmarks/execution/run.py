"""The run use case: what running a suite is, in one place.

plan -> lock the run directory (a context manager) -> archived cells of strategies not run
now -> reference table and signatures -> execute the cells not yet stored -> consolidate ->
report. ``tunebench run``,
``tunebench.run`` and the reference build's own runs (sample, campaign) all call
:class:`SuiteRun`; the CLI adds only argument parsing, a progress bar and signal handling.

The archive, reference and report steps are passed in (the reference and report stages
come later in the pipeline; see :func:`tunebench.api.suite_run`, which wires the complete
run); a reference build's own runs pass none.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tunebench.benchmarks.execution import runner
from tunebench.benchmarks.execution.guard import require_main_guard
from tunebench.benchmarks.execution.runner import Progress, RunSummary
from tunebench.benchmarks.plan.suite import Suite
from tunebench.benchmarks.store.manifest_types import Manifest
from tunebench.benchmarks.store.rundir import RunDir, StoreError

log = logging.getLogger("tunebench")

#: Given (cells in the run, cells already stored), a context manager yielding the callback
#: called after each finished cell (or None). The CLI's opens a progress bar.
ProgressFactory = Callable[[int, int], AbstractContextManager[Progress | None]]
#: The archive step: attach archived cells of the strategies this run does not run.
ArchiveStep = Callable[[Suite, Path, Manifest], object]


class ReferenceStep(Protocol):
    """Find or build the suite's reference table and record the run's signatures."""

    def build_cost(self, suite: Suite) -> tuple[float, int]:
        """(estimated seconds, cells) of building the table; (0, 0) when one covers it."""

    def __call__(self, suite: Suite, run_dir: Path, progress: Progress | None) -> object:
        """Find or build the table (its cells reported to ``progress``), record the run's
        signatures and the table it uses."""
#: The report step: write the report of a run directory, return its index.html.
ReportStep = Callable[[Path], Path]


def no_progress(total: int, stored: int) -> AbstractContextManager[Progress | None]:
    """The :data:`ProgressFactory` that reports nothing."""
    return contextlib.nullcontext(None)


def fixed_progress(update: Progress | None) -> ProgressFactory:
    """A :data:`ProgressFactory` that hands every run the same callback."""
    return lambda total, stored: contextlib.nullcontext(update)


@dataclass
class SuiteRun:
    """One run of a suite into ``out`` (resumed when ``out`` holds the same run).

    ``references`` and ``report`` are the optional steps around the cells; ``stop`` is
    checked between cells (default: :data:`runner.STOP`, set by the CLI's SIGINT handler).
    Raises :class:`StoreError` with one actionable line for anything the user can fix
    (another run's directory, a disk that is full or read-only), KeyboardInterrupt when
    stopped; finished cells are kept either way.
    """

    suite: Suite
    out: Path
    argv: Sequence[str]
    jobs: int = 1
    scheduler: str | None = None
    archive: ArchiveStep | None = None
    references: ReferenceStep | None = None
    report: ReportStep | None = None
    #: How to resume, named in the message of a failed write (the CLI: its command line).
    resume: str = "run the same again"
    progress: ProgressFactory = no_progress
    stop: threading.Event | None = None
    check_main_guard: bool = True

    @property
    def backend(self) -> str:
        return f"dask:{self.scheduler}" if self.scheduler else f"local:{self.jobs}"

    @contextlib.contextmanager
    def locked(self) -> Iterator[tuple[RunDir, Manifest]]:
        """Create or resume the run directory under its writer lock; released on exit."""
        try:
            run, manifest = runner.prepare(self.suite, self.out, list(self.argv), self.jobs,
                                           self.backend)
        except StoreError:
            raise
        except OSError as exc:  # disk full, read-only file system while writing the manifest
            raise StoreError(f"cannot write to {self.out}: {exc.strerror or exc}") from exc
        try:
            yield run, manifest
        finally:
            run.unlock()

    def __call__(self) -> RunSummary:
        if self.check_main_guard and self.jobs > 1 and not self.scheduler:
            require_main_guard()
        with self.locked() as (run, manifest):
            if self.archive is not None:  # refused early when the archive differs
                self.archive(self.suite, self.out, manifest)
            seconds, build_cells = (self.references.build_cost(self.suite)
                                    if self.references is not None else (0.0, 0))
            self._log_plan(seconds)
            stored = {c.id for c in runner.plan(self.suite)} & run.done_cells()
            # one progress line covers the reference build's cells and the run's
            with self.progress(self.suite.n_cells + build_cells, len(stored)) as update:
                self._references(update)
                summary = self._execute(run, manifest, update)
        self._log_outcome(summary)
        return summary

    def _execute(self, run: RunDir, manifest: Manifest, update: Progress | None
                 ) -> RunSummary:
        try:
            summary = runner.execute(self.suite, run, manifest, jobs=self.jobs,
                                     scheduler=self.scheduler, progress=update, stop=self.stop)
            if self.report is not None:
                summary.report = self.report(self.out)
                log.info("report: %s", summary.report)
        except OSError as exc:  # disk full, read-only, removed directory: cells are kept
            raise StoreError(
                f"cannot write to {self.out}: {exc.strerror or exc} "
                f"({getattr(exc, 'filename', None) or self.out}); finished cells are kept, "
                f"free space or fix permissions, then resume: {self.resume}") from exc
        return summary

    def _references(self, update: Progress | None) -> None:
        if self.references is None:
            return
        try:
            self.references(self.suite, self.out, update)
        except OSError as exc:  # disk full while building the reference table
            raise StoreError(f"cannot write the reference table: {exc.strerror or exc}"
                             ) from exc

    def _log_plan(self, reference_seconds: float) -> None:
        from tunebench.benchmarks.plan.estimate import estimate_sentence

        s = self.suite
        log.info("suite %s: %d cells (%d problems x %d strategies x %d seeds), budget %d -> %s",
                 s.name, s.n_cells, len(s.problems), len(s.strategies), len(s.seeds), s.budget,
                 self.out)
        log.info("%s", estimate_sentence(s, 1 if self.scheduler else self.jobs,
                                         reference_seconds))

    def _log_outcome(self, summary: RunSummary) -> None:
        log.info("%d cells run, %d already stored, %d failed, %.1f s", summary.ran,
                 summary.skipped, len(summary.failed), summary.seconds)
        if summary.failed:
            log.error("%d cell(s) failed: %s (tracebacks in %s/cells/*.error)",
                      len(summary.failed), ", ".join(sorted(summary.failed)), self.out)
