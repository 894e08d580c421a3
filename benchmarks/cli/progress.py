"""A run's progress line (a tqdm bar, or periodic log lines) and its stop signals."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from typing import Any

from tunebench.benchmarks.cli._common import Terminated

log = logging.getLogger("tunebench")


def _on_stop_signal(signum: int, frame: object) -> None:
    """SIGINT and SIGTERM: stop the run between cells (see runner.STOP)."""
    from tunebench.benchmarks.execution import runner

    runner.STOP.set()
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM stop the run between cells (:func:`_on_stop_signal`); the
    previous handlers come back afterwards."""
    previous = signal.signal(signal.SIGINT, _on_stop_signal)
    previous_term = signal.signal(signal.SIGTERM, _on_stop_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)


class _Progress:
    """A tqdm bar on a terminal; periodic log lines otherwise (readable CI logs).

    Rates count only the cells run now: cells already stored when a run resumes are the
    bar's starting point, not work done in no time.
    """

    def __init__(self, total: int, stored: int, quiet: bool) -> None:
        import time

        self.total, self.stored, self.quiet = total, stored, quiet
        self.done = stored
        self.start = time.perf_counter()
        self.trials = 0
        self.bar = None
        self.last_logged = stored
        if sys.stderr.isatty() and not quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=stored, unit="cell", dynamic_ncols=True)

    def logging(self) -> Any:
        """Route log lines through the bar so that they do not print over it."""
        import contextlib

        if self.bar is None:
            return contextlib.nullcontext()
        from tqdm.contrib.logging import logging_redirect_tqdm

        return logging_redirect_tqdm()

    def update(self, result: Any, done: int = 0, total: int = 0) -> None:
        """One more cell finished (of the reference build or of the run: the bar covers
        both; its own count, so ``done`` and ``total`` of each stage are not needed)."""
        import time

        elapsed = max(time.perf_counter() - self.start, 1e-9)
        self.trials += len(result.records)
        self.done += 1
        done, total = self.done, self.total
        ran = done - self.stored
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(f"{self.trials} trials, {self.trials / elapsed:.1f} "
                                     "trials/s", refresh=False)
            return
        step = max(1, total // 20)
        if not self.quiet and (done - self.last_logged >= step or done == total):
            self.last_logged = done
            log.info("%d/%d cells (%.0f%%; %d run now, %d trials, %.1f trials/s), %.0f s "
                     "elapsed", done, total, 100 * done / total, ran, self.trials,
                     self.trials / elapsed, elapsed)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _progress_factory(quiet: bool) -> Any:
    """The use case's ProgressFactory: one :class:`_Progress` line over a run (and the
    reference build it needs)."""
    @contextlib.contextmanager
    def opened(total: int, stored: int) -> Iterator[Any]:
        progress = _Progress(total, stored, quiet)
        try:
            with progress.logging():
                yield progress.update
        finally:
            progress.close()
    return opened
