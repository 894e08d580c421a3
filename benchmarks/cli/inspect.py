"""The commands that inspect stored runs or the catalogue: validate, report, nullcheck,
list, check-strategy."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from tunebench.benchmarks.cli._common import (
    EXIT_FAILED_CELLS,
    EXIT_OK,
    BadInput,
    _check_report_dir,
    _check_report_out,
    _load_suite,
    _resume_command,
)


def cmd_validate(args: argparse.Namespace) -> int:
    if Path(args.suite).is_dir():
        return _validate_run(Path(args.suite))
    suite = _load_suite(args)
    print(f"{args.suite}: valid suite {suite.name!r}: {len(suite.problems)} problems x "
          f"{len(suite.strategies)} strategies x {len(suite.seeds)} seeds"
          + (f" x {len(suite.protocol_names)} protocols" if len(suite.protocol_names) > 1 else "")
          + (f" x workers {list(suite.worker_counts)} ({suite.parallel})" if suite.parallel
             else "")
          + (f" x {len(suite.size_names)} training sizes" if len(suite.size_names) > 1 else "")
          + f" = {suite.n_cells} "
          f"cells of {suite.budget} evaluations")
    return EXIT_OK


def _validate_run(path: Path) -> int:
    """``validate RUN_DIR``: the manifest and every cell file of a stored run."""
    from tunebench.benchmarks.execution.runner import describe_bad, verify_run
    from tunebench.benchmarks.store.rundir import RunDir, StoreError

    try:
        bad = verify_run(path)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    if bad:
        raise BadInput(f"{len(bad)} bad file(s): {describe_bad(bad)}; run "
                       f"`{_resume_command(path)}` to move them aside and rerun or rebuild "
                       "them")
    run = RunDir(path)
    print(f"{path}: valid run: {len(run.cell_files())} cell files verified, "
          f"{len(run.failed_cells())} failed cells")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from tunebench.benchmarks.report import build_report
    from tunebench.benchmarks.execution.runner import describe_bad, verify_run
    from tunebench.benchmarks.store.rundir import StoreError

    from tunebench.benchmarks.cli.archive_cmds import report_inputs

    report_inputs(args)  # bundles: verified and unpacked
    _check_report_out(args.out, args.force)
    if args.out is None:
        _check_report_dir(args.run_dirs[0])
    try:
        for run_dir in args.run_dirs:
            bad = verify_run(run_dir)
            if bad:
                raise BadInput(f"refusing to report {run_dir}: bad file(s): "
                               f"{describe_bad(bad)}; run `{_resume_command(run_dir)}` to "
                               "move them aside and rerun or rebuild them")
        index = build_report(list(args.run_dirs), args.out)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    except OSError as exc:  # --out not creatable, disk full, read-only
        raise BadInput(f"cannot write the report: {exc.strerror or exc} "
                       f"({getattr(exc, 'filename', None) or args.out})") from exc
    print(index)
    return EXIT_OK


def cmd_nullcheck(args: argparse.Namespace) -> int:
    from tunebench.benchmarks.cli.nullcheck import run_nullcheck
    from tunebench.benchmarks.store.rundir import StoreError

    try:
        for line in run_nullcheck(args.run_dir, args.resalt or 0, args.jobs, args.out):
            print(line)
    except (StoreError, ValueError) as exc:
        raise BadInput(str(exc)) from exc
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    if args.what == "strategies":
        from tunebench.strategies.flatten import mode_of
        from tunebench.strategies.registry import BUILTINS, missing_requirement

        rows = [(n, c.library, c.library_version(), getattr(c, "parallel", "fallback"),
                 mode_of(c),
                 f"not available: needs the optional package {missing_requirement(c)}"
                 if missing_requirement(c) else _plain((c.__doc__ or "").strip().splitlines()[0]))
                for n, c in BUILTINS.items()]
        _table(["strategy", "library", "version", "parallel", "conditional", "description"],
               rows)
    elif args.what == "problems":
        from tunebench.benchmarks.plan.estimate import measured_costs
        from tunebench.problems.catalogue import PROBLEMS, available

        costs = measured_costs()
        col = ("measured_seconds_per_eval" if "measured_seconds_per_eval" in costs
               else "seconds_per_eval")
        sec = dict(zip(costs["problem"], costs[col].fillna(costs["seconds_per_eval"]),
                       strict=True))
        rows = [(n, p.task, p.metric, len(p.space),
                 "conditional" if p.space.is_conditional else "flat", "slow" if p.slow else "",
                 f"{sec[n]:.3g}" if n in sec and sec[n] == sec[n] else "",
                 "" if available(p) else "needs extra 'data'") for n, p in PROBLEMS.items()]
        _table(["problem", "task", "metric", "dims", "space", "cost", "s/eval", "availability"],
               rows)
    elif args.what == "metrics":
        from tunebench.problems.metrics import METRICS

        rows = [(m.name, m.task, m.needs.value, m.ideal, m.description)
                for m in METRICS.values()]
        _table(["metric", "task", "needs", "ideal", "description"], rows)
    elif args.what == "datasets":
        from tunebench.problems.datasets import DATASETS

        rows = [(d.name, d.task, d.rows, d.features, d.licence, d.source,
                 "" if d.available else f"needs {d.extra}") for d in DATASETS.values()]
        _table(["dataset", "task", "rows", "features", "licence", "source", "availability"],
               rows)
    else:
        from tunebench.benchmarks.plan.suite import builtin_suites, load

        rows = []
        for name in sorted(builtin_suites()):
            s = load(name)
            rows.append((name, s.n_cells, s.budget, len(s.seeds), s.description))
        _table(["suite", "cells", "budget", "seeds", "description"], rows)
    return EXIT_OK


def _plain(text: str) -> str:
    """A docstring line without reST markup: ``:class:`x``` and ````x```` become x."""
    return re.sub(r"(:\w+:)?`+([^`]*)`+", r"\2", text)


def _table(header: list[str], rows: list[tuple[Any, ...]]) -> None:
    cells = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for i, r in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def cmd_check_strategy(args: argparse.Namespace) -> int:
    from tunebench.strategies.conformance import check_strategy
    from tunebench.strategies.registry import StrategyNotFound, resolve

    try:
        cls = resolve(args.strategy)
    except StrategyNotFound as exc:
        raise BadInput(str(exc)) from exc
    from tunebench.benchmarks.plan.options import OptionError, check_options

    options = dict(args.option)
    try:
        check_options(cls, args.strategy, options, budget=args.budget)
    except OptionError as exc:
        raise BadInput(f"--option: {exc}") from exc
    report = check_strategy(cls, budget=args.budget, options=options,
                            timeout=args.timeout if args.timeout > 0 else None)
    for name, ok, detail in report.checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail else ""))
    return EXIT_OK if report.passed else EXIT_FAILED_CELLS
