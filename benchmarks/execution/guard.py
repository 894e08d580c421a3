"""Stop a run at once when worker processes would re-run the user's script.

Worker processes are started with ``spawn``: each imports the main script again (as
``__mp_main__``). A script that calls ``tunebench.run(..., jobs=2)`` at module level, without
``if __name__ == "__main__":``, would start the run again in every worker (which then hits
the run lock, so every cell fails with no hint why). :func:`require_main_guard` refuses
before anything is created, with one line naming the fix.
"""

from __future__ import annotations

import ast
import multiprocessing
import sys
from pathlib import Path
from types import FrameType

FIX = ("{what} with jobs > 1 starts worker processes that import {script} again: put the "
       "call under `if __name__ == \"__main__\":` (or use jobs=1)")


class MissingMainGuard(SystemExit):
    """Raised (exit status: the message, i.e. 1) when a script lacks its main guard."""


def require_main_guard(what: str = "tunebench.run") -> None:
    """Raise :class:`MissingMainGuard` when called from a spawned worker's re-import of the
    main script, or from a main script's module-level code outside a main guard."""
    frame = _main_module_frame()
    if frame is None:  # notebooks, ``python -c``, called from no script's top level
        return
    spec = frame.f_globals.get("__spec__")
    if spec is not None and (spec.name == "__main__" or spec.name.endswith(".__main__")):
        return  # ``python -m package``: spawn does not run a package's __main__ again
    script = frame.f_code.co_filename
    if frame.f_globals.get("__name__") == "__mp_main__" and \
            multiprocessing.parent_process() is not None:
        raise MissingMainGuard(FIX.format(what=what, script=script))
    if not _inside_main_guard(Path(script), frame.f_lineno):
        raise MissingMainGuard(FIX.format(what=what, script=script))


def _main_module_frame() -> FrameType | None:
    """The frame running a main script's module-level code, if this call comes from one."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__")
        if frame.f_code.co_name == "<module>" and name in ("__main__", "__mp_main__") \
                and frame.f_globals.get("__file__"):
            return frame
        frame = frame.f_back
    return None


def _inside_main_guard(script: Path, line: int) -> bool:
    """Whether ``line`` of ``script`` lies in an ``if __name__ == "__main__":`` block.

    A source that cannot be read or parsed gets the benefit of the doubt."""
    try:
        tree = ast.parse(script.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return True
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _tests_main(node.test):
            end = node.body[-1].end_lineno or node.body[-1].lineno
            if node.body[0].lineno <= line <= end:
                return True
    return False


def _tests_main(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.comparators) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    values = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and values == ["__main__"]
