"""The ``tunebench`` command line.

Exit codes: 0 success; 1 the run finished but some cells failed; 2 bad input (nothing
was run and nothing stored was modified); 130 interrupted (stored cells are kept, rerun
the same command to resume).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("tunebench")

EXIT_OK, EXIT_FAILED_CELLS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class BadInput(Exception):
    """Raised for any user error; the CLI prints it and exits 2."""


def _csv(value: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list of names")
    return items


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {n}")
    return n


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tunebench",
        description="Benchmark hyperparameter-tuning strategies fairly and reproducibly.")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    p.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run a suite (resumes an existing --out directory)",
                       description="Run a suite: every strategy x problem x seed cell, each "
                       "with the same budget. Rerunning on the same --out resumes.")
    r.add_argument("suite", help="built-in suite name (quick, default, paper) or TOML path")
    r.add_argument("--out", type=Path, help="the run directory (default: "
                   "results/<suite>/<run-id>/)")
    r.add_argument("--resume", type=Path, metavar="RUN_DIR",
                   help="resume this run directory (same as --out RUN_DIR)")
    r.add_argument("--fresh", action="store_true",
                   help="start a new run id next to --out instead of resuming it")
    r.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1,
                   help="worker processes (default: all cores)")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786")
    r.add_argument("--seeds", type=_positive, help="override: number of seeds (1..N)")
    r.add_argument("--budget", type=_positive, help="override: evaluations per cell")
    r.add_argument("--strategies", type=_csv, help="override: comma-separated strategies")
    r.add_argument("--problems", type=_csv, help="override: comma-separated problems")
    r.add_argument("--no-report", action="store_true", help="do not write the report")

    v = sub.add_parser("validate", help="check a suite without running anything")
    v.add_argument("suite")

    rep = sub.add_parser("report", help="write the report of one or more finished runs")
    rep.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR")
    rep.add_argument("--out", type=Path, help="report directory (default: RUN_DIR/report)")

    ls = sub.add_parser("list", help="list strategies, problems, datasets or suites")
    ls.add_argument("what", choices=["strategies", "problems", "datasets", "suites"])

    cs = sub.add_parser("check-strategy", help="run the conformance checker on a strategy")
    cs.add_argument("strategy", help="built-in name or package.module:ClassName")
    return p


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)


def _load_suite(args: argparse.Namespace) -> Any:
    from benchmarks.suite import SuiteError, load

    try:
        suite = load(args.suite)
        if getattr(args, "command", "") == "run":
            suite = suite.override(budget=args.budget, seeds=args.seeds,
                                   strategies=args.strategies, problems=args.problems)
    except SuiteError as exc:
        raise BadInput(str(exc)) from exc
    return suite


def cmd_run(args: argparse.Namespace) -> int:
    from benchmarks import runner
    from benchmarks.store import StoreError

    suite = _load_suite(args)
    if args.resume and args.out and args.resume != args.out:
        raise BadInput("--resume and --out name different directories; give one")
    out = args.resume or args.out or runner.default_out(suite)
    if args.resume and not (out / "manifest.json").exists():
        raise BadInput(f"--resume {out}: no tunebench run there (no manifest.json)")
    if args.fresh:
        out = out.parent / runner.new_run_id() if (out / "manifest.json").exists() else out
    backend = f"dask:{args.scheduler}" if args.scheduler else f"local:{args.jobs}"
    try:
        run, manifest = runner.prepare(suite, out, sys.argv, args.jobs, backend)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    log.info("suite %s: %d cells (%d problems x %d strategies x %d seeds), budget %d -> %s",
             suite.name, suite.n_cells, len(suite.problems), len(suite.strategies),
             len(suite.seeds), suite.budget, out)
    progress = _Progress(suite.n_cells, args.quiet)
    runner.STOP.clear()

    def on_sigint(signum: int, frame: object) -> None:
        runner.STOP.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        summary = runner.execute(suite, run, manifest, jobs=args.jobs,
                                 scheduler=args.scheduler, progress=progress.update)
    except KeyboardInterrupt:
        progress.close()
        log.warning("interrupted: finished cells are stored in %s. Resume with:\n"
                    "  tunebench run %s --out %s", out, args.suite, out)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGINT, previous)
    progress.close()
    log.info("%d cells run, %d already stored, %d failed, %.1f s", summary.ran,
             summary.skipped, len(summary.failed), summary.seconds)
    if not args.no_report:
        from benchmarks.report import build_report

        index = build_report(out)
        log.info("report: %s", index)
    print(out)
    if summary.failed:
        log.error("%d cell(s) failed: %s (tracebacks in %s/cells/*.error)",
                  len(summary.failed), ", ".join(sorted(summary.failed)), out)
        return EXIT_FAILED_CELLS
    return EXIT_OK


class _Progress:
    """A tqdm bar on a terminal; periodic log lines otherwise (readable CI logs)."""

    def __init__(self, total: int, quiet: bool) -> None:
        import time

        self.total, self.quiet = total, quiet
        self.start = time.perf_counter()
        self.bar = None
        self.last_logged = 0
        if sys.stderr.isatty() and not quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="cell", dynamic_ncols=True)

    def update(self, result: Any, done: int, total: int) -> None:
        import time

        elapsed = time.perf_counter() - self.start
        trials = len(result.records)
        if self.bar is not None:
            if self.bar.n == 0 and done > 1:
                self.bar.update(done - 1)
            self.bar.update(1)
            self.bar.set_postfix_str(f"{self.bar.format_dict['rate'] or 0:.2f} cells/s, "
                                     f"~{trials / max(result.seconds, 1e-9):.0f} trials/s")
            return
        step = max(1, total // 20)
        if not self.quiet and (done - self.last_logged >= step or done == total):
            self.last_logged = done
            log.info("%d/%d cells (%.0f%%), %.0f s elapsed", done, total, 100 * done / total,
                     elapsed)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()



def cmd_validate(args: argparse.Namespace) -> int:
    suite = _load_suite(args)
    print(f"{args.suite}: valid suite {suite.name!r}: {len(suite.problems)} problems x "
          f"{len(suite.strategies)} strategies x {len(suite.seeds)} seeds"
          + (f" x {len(suite.protocol_names)} protocols" if len(suite.protocol_names) > 1 else "")
          + f" = {suite.n_cells} "
          f"cells of {suite.budget} evaluations")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from benchmarks.report import build_report
    from benchmarks.store import StoreError

    try:
        index = build_report(list(args.run_dirs), args.out)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    print(index)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    if args.what == "strategies":
        from strategies.registry import BUILTINS, missing_requirement

        rows = [(n, c.library, c.library_version(),
                 f"needs {missing_requirement(c)} (not installed)" if missing_requirement(c)
                 else (c.__doc__ or "").strip().splitlines()[0]) for n, c in BUILTINS.items()]
        _table(["strategy", "library", "version", "description"], rows)
    elif args.what == "problems":
        from problems.catalogue import PROBLEMS, available

        rows = [(n, p.task, p.metric, len(p.space), "slow" if p.slow else "",
                 "" if available(p) else "needs extra 'data'") for n, p in PROBLEMS.items()]
        _table(["problem", "task", "metric", "dims", "cost", "availability"], rows)
    elif args.what == "datasets":
        from problems.datasets import DATASETS

        rows = [(d.name, d.task, d.rows, d.features, d.licence, d.source,
                 "" if d.available else f"needs {d.extra}") for d in DATASETS.values()]
        _table(["dataset", "task", "rows", "features", "licence", "source", "availability"],
               rows)
    else:
        from benchmarks.suite import builtin_suites, load

        rows = []
        for name in sorted(builtin_suites()):
            s = load(name)
            rows.append((name, s.n_cells, s.budget, len(s.seeds), s.description))
        _table(["suite", "cells", "budget", "seeds", "description"], rows)
    return EXIT_OK


def _table(header: list[str], rows: list[tuple[Any, ...]]) -> None:
    cells = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for i, r in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def cmd_check_strategy(args: argparse.Namespace) -> int:
    from strategies.conformance import check_strategy
    from strategies.registry import StrategyNotFound, resolve

    try:
        cls = resolve(args.strategy)
    except StrategyNotFound as exc:
        raise BadInput(str(exc)) from exc
    report = check_strategy(cls)
    for name, ok, detail in report.checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail else ""))
    return EXIT_OK if report.passed else EXIT_FAILED_CELLS


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "report": cmd_report, "list": cmd_list,
            "check-strategy": cmd_check_strategy}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    try:
        return COMMANDS[args.command](args)
    except BadInput as exc:
        print(f"tunebench {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
