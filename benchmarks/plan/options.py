"""Strategy options checked as a run would use them: names, then values.

A suite's ``[options.<strategy>]`` table (and ``check-strategy --option``) is checked by
constructing the strategy exactly as a cell does, with those options, on the problem's
search space. So a value the strategy rejects (``population_size = "big"`` or ``-4``) is
refused by ``tunebench validate`` up front, instead of failing every cell of the run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """No info lines from a library while a strategy is only being checked."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


class OptionError(ValueError):
    """A strategy option that the strategy does not accept (name or value)."""


def check_options(cls: type, name: str, options: dict[str, Any], *, budget: int,
                  spaces: list[tuple[Any, dict[str, Any]]] | None = None) -> None:
    """Refuse unknown option names, then construct ``cls`` with ``options`` on each
    (search space, default configuration) in ``spaces`` (default: branin's) as a cell does
    (:func:`benchmarks.execution.cell._run`); OptionError says which value failed and why."""
    allowed = cls.accepted_options()
    if allowed is not None:
        allowed = [a for a in allowed if a not in ("default", "workers")]  # the harness
        # passes them
        bad = sorted(k for k in options if k not in allowed)
        if bad:
            raise OptionError(f"unknown option(s) {bad}; {name!r} accepts "
                              f"{allowed or 'no options'}")
    if not options:
        return
    if spaces is None:
        from tunebench.problems.catalogue import get_problem

        branin = get_problem("branin")
        spaces = [(branin.space, dict(branin.default_config))]
    for space, default in spaces:
        kwargs = dict(options)
        if "default" in (cls.accepted_options() or []):
            kwargs["default"] = default
        try:
            with _quiet("optuna"):
                cls(space, 0, budget, **kwargs)
        except Exception as exc:  # the strategy's own validation: TypeError, ValueError...
            said = ", ".join(f"{k} = {v!r}" for k, v in options.items())
            first = (str(exc).splitlines() or [""])[0][:200]
            raise OptionError(f"{name!r} rejects its options ({said}): "
                              f"{type(exc).__name__}: {first}") from exc
