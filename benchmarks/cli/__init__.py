"""The ``tunebench`` command line.

Exit codes: 0 success; 1 the run finished but some cells failed; 2 bad input (nothing
was run and nothing stored was modified); 130 interrupted (stored cells are kept, rerun
the same command to resume).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from tunebench.benchmarks.cli._common import (  # noqa: F401  (re-exported)
    EXIT_BAD_INPUT,
    EXIT_FAILED_CELLS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    BadInput,
    Terminated,
    _load_suite,
)
from tunebench.benchmarks.cli.inspect import (
    cmd_check_strategy,
    cmd_list,
    cmd_nullcheck,
    cmd_report,
    cmd_validate,
)
from tunebench.benchmarks.cli.parser import _parser, _positive  # noqa: F401  (re-exported)
from tunebench.benchmarks.cli.progress import _Progress  # noqa: F401  (re-exported)
from tunebench.benchmarks.cli.run import cmd_reference, cmd_run

log = logging.getLogger("tunebench")


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)


def _plugins_from_cwd() -> None:
    """Let suites name plug-in modules of the current directory, as ``python -m`` would.

    Appended, not prepended: a folder of the user's named like one of ours (``benchmarks``)
    must not shadow tunebench. Worker processes inherit this path.
    """
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.append(cwd)


COMMANDS = {"run": cmd_run, "reference": cmd_reference, "validate": cmd_validate,
            "report": cmd_report, "list": cmd_list, "nullcheck": cmd_nullcheck,
            "check-strategy": cmd_check_strategy}


def _commands() -> dict[str, Any]:
    from tunebench.benchmarks.cli.archive_cmds import COMMANDS as ARCHIVE_COMMANDS

    return {**COMMANDS, **ARCHIVE_COMMANDS}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # -h, or a one-line argument error (exit 2)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    _setup_logging(args.verbose, args.quiet)
    _plugins_from_cwd()
    try:
        return _commands()[args.command](args)
    except BadInput as exc:
        print(f"tunebench {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader went away (``tunebench list | head``): no traceback, and no second
        # error when Python flushes stdout at exit (the recipe of the ``signal`` docs).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
