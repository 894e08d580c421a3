"""Process isolation for cells: workers that die with their parent, and cells run in a
child process that can be killed (used on Dask, whose worker threads cannot be interrupted).

``python -m benchmarks.isolate IN OUT`` is the child: it reads a pickled ``(cell, suite,
log level)`` from IN, runs the cell in its main thread (so ``trial_timeout`` is enforced with
SIGALRM) and writes the pickled :class:`~benchmarks.cell.CellResult` to OUT.
"""

from __future__ import annotations

import ctypes
import logging
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tunebench.benchmarks.execution.cell import Cell, CellResult

log = logging.getLogger(__name__)

#: Seconds between checks that the parent process is still alive.
WATCHDOG_PERIOD = 0.5
#: Extra seconds a cell may take beyond ``budget * trial_timeout`` before it is killed.
CELL_GRACE = 120.0
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Make this process end when its parent (pid ``parent``, default the current one) does,
    kill -9 and SIGTERM of the parent included.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; everywhere: a daemon thread polling
    ``os.getppid()``, which changes when the parent dies. Pass ``parent`` when the parent
    may already be gone by the time this runs (e.g. after a slow worker start)."""
    parent = os.getppid() if parent is None else parent
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            log.debug("prctl is unavailable; relying on the polling watchdog")
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCHDOG_PERIOD)
        os._exit(1)

    threading.Thread(target=watch, name="tunebench-parent-watchdog", daemon=True).start()


def describe_death(code: int | None) -> str:
    """What a worker's exit code says, for a failed cell's ``.error``."""
    if code is None:
        return "the worker process running this cell died (exit code unknown)"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the worker process running this cell died (exit code {code}, killed by {name})"
    return f"the worker process running this cell died (exit code {code})"


def cell_time_limit(suite: Any) -> float | None:
    """The wall-clock limit of a whole cell in a child process (None: no trial_timeout);
    ``suite`` is a :class:`~benchmarks.suite.Suite` or its dict."""
    get = suite.get if isinstance(suite, dict) else lambda k: getattr(suite, k)
    timeout = get("trial_timeout")
    if not timeout:
        return None
    return float(timeout) * int(get("budget")) * 3 + CELL_GRACE


def run_cell_in_subprocess(cell: Cell, suite: Any) -> CellResult:
    """Run a cell in a fresh child process; a child that hangs past
    :func:`cell_time_limit` is killed and a child that dies fails only this cell."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tunebench-cell-") as tmp:
        src, dst = Path(tmp) / "in.pickle", Path(tmp) / "out.pickle"
        src.write_bytes(pickle.dumps((cell, suite, logging.getLogger().getEffectiveLevel(),
                                      os.getpid())))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        proc = subprocess.Popen([sys.executable, "-m", "tunebench.benchmarks.execution.isolate", str(src),
                                 str(dst)], env=env, stdin=subprocess.DEVNULL)
        limit = cell_time_limit(suite)
        try:
            code = proc.wait(limit)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return CellResult(cell, error=f"the cell was killed after {limit:.0f} s (3 x budget "
                              "x trial_timeout + grace): its strategy or a fit did not stop "
                              "at the trial_timeout", seconds=time.perf_counter() - start)
        except BaseException:
            proc.kill()
            raise
        if code != 0 or not dst.exists():
            return CellResult(cell, error=describe_death(code),
                              seconds=time.perf_counter() - start)
        return pickle.loads(dst.read_bytes())


def _child(src: Path, dst: Path) -> None:
    from tunebench.benchmarks.execution.cell import CELL_THREADS, run_cell

    cell, suite, level, parent = pickle.loads(src.read_bytes())
    _worker_init(CELL_THREADS, level, parent)
    result = run_cell(cell, suite)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.write_bytes(pickle.dumps(result))
    os.replace(tmp, dst)


def _quiet_libraries() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("hyperopt").setLevel(logging.WARNING)


def _worker_init(threads: int, level: int = logging.WARNING, parent: int | None = None) -> None:
    """Per worker: BLAS/OpenMP threads capped (no oversubscription), logging like the CLI,
    and, given the ``parent`` pid, the process ends when that parent does."""
    if parent is not None:
        die_with_parent(parent)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # Ctrl-C reaches the whole process group; the parent alone decides what to do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    _quiet_libraries()


if __name__ == "__main__":
    _child(Path(sys.argv[1]), Path(sys.argv[2]))
