"""``tunebench run`` and ``tunebench reference``: argument handling around the run use case."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from tunebench.benchmarks.cli._common import (
    EXIT_FAILED_CELLS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    BadInput,
    Terminated,
    _check_report_dir,
    _load_suite,
    _resume_command,
)
from tunebench.benchmarks.cli.progress import _progress_factory, _stop_on_signals

log = logging.getLogger("tunebench")


def cmd_run(args: argparse.Namespace) -> int:
    from tunebench.api import suite_run
    from tunebench.benchmarks.cli.archive_cmds import attach_archive
    from tunebench.benchmarks.execution import runner
    from tunebench.benchmarks.store.rundir import StoreError

    _enable_faulthandler()
    suite = _load_suite(args)
    out = _run_out(args, suite)
    if args.scheduler:
        _check_scheduler(args.scheduler)  # before anything is created
    if not args.no_report:
        _check_report_dir(out)
    use_case = suite_run(suite, out, sys.argv, jobs=args.jobs, scheduler=args.scheduler,
                         archive=lambda s, o, m: attach_archive(s, o, m, args),
                         references=not args.no_report, report=not args.no_report,
                         progress=_progress_factory(args.quiet), stop=runner.STOP,
                         resume=_resume_command(out))
    runner.STOP.clear()
    try:
        with _stop_on_signals():
            summary = use_case()
    except KeyboardInterrupt as exc:
        what = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        print(f"tunebench run: {what}: finished cells are stored in {out}; resume with: "
              f"{_resume_command(out)}", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except StoreError as exc:  # another run's directory, a full disk, a failed reference
        raise BadInput(str(exc)) from exc
    print(out)
    return EXIT_FAILED_CELLS if summary.failed else EXIT_OK


def _enable_faulthandler() -> None:
    """A cell that segfaults this process (--jobs 1) leaves its traceback."""
    import faulthandler

    try:
        faulthandler.enable()
    except (AttributeError, ValueError, OSError):  # stderr is not a real file (captured)
        pass


def _run_out(args: argparse.Namespace, suite: Any) -> Path:
    """The run directory of ``run``: --resume, --out, or a new one; --fresh picks a new id."""
    from tunebench.benchmarks.execution import runner

    if args.resume and args.out and args.resume != args.out:
        raise BadInput("--resume and --out name different directories; give one")
    out: Path = args.resume or args.out or runner.default_out(suite)
    if args.resume and not (out / "manifest.json").exists():
        raise BadInput(f"--resume {out}: no tunebench run there (no manifest.json)")
    if args.fresh:
        out = out.parent / runner.new_run_id() if (out / "manifest.json").exists() else out
    return out


def _check_scheduler(address: str) -> None:
    """A Dask scheduler address must parse and accept a TCP connection (BadInput if not)."""
    import socket
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        host, port = parts.hostname, parts.port
    except ValueError:
        raise BadInput(f"--scheduler {address!r} is not a Dask scheduler address; expected "
                       "tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786") from None
    if parts.scheme not in ("tcp", "tls") or not host or port is None or parts.path:
        raise BadInput(f"--scheduler {address!r} is not a Dask scheduler address; expected "
                       "tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786")
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as exc:
        raise BadInput(f"--scheduler {address}: cannot connect ({exc.strerror or exc}); is "
                       "the Dask scheduler running there?") from exc


def cmd_reference(args: argparse.Namespace) -> int:
    from tunebench.benchmarks.reference import tables as reference
    from tunebench.benchmarks.store.rundir import StoreError

    suite = _load_suite(args)
    n = args.samples or reference.default_samples(suite.budget)
    campaign = _campaign(args.campaign, reference.CAMPAIGN)
    factor = args.campaign_factor or reference.CAMPAIGN_FACTOR
    key = reference.spec_key(suite, n, campaign, factor)
    out = args.out or reference.cache_dir() / key
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out} is a file, not a directory; choose another --out")
    if args.scheduler:
        _check_scheduler(args.scheduler)
    try:
        table = reference.build(suite, out, samples=n, jobs=args.jobs, scheduler=args.scheduler,
                                campaign=campaign, factor=factor)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    except OSError as exc:
        raise BadInput(f"cannot write the reference table in {out}: {exc.strerror or exc}; "
                       "choose another --out or free space") from exc
    print(f"{table.path} (hash {table.hash})")
    return EXIT_OK


def _campaign(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """``--campaign``: 'none', or strategies that resolve (checked before any work)."""
    from tunebench.strategies.registry import StrategyNotFound, resolve

    if value is None:
        return default
    if value.strip() == "none":
        return ()
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    if not names:
        raise BadInput(f"--campaign {value!r}: expected comma-separated strategies or 'none'")
    for name in names:
        try:
            resolve(name)
        except StrategyNotFound as exc:
            raise BadInput(f"--campaign: {exc}") from exc
    return names
