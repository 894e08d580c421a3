"""Suites: TOML files that say what to run, validated before any work starts.

A suite file looks like this (every key is checked; unknown keys are errors)::

    name = "quick"
    description = "Synthetic functions and two tiny real problems."
    budget = 20              # evaluations per cell, the same for every strategy
    seeds = 3                # seeds 1..3, or an explicit list such as [1, 2, 7]
    folds = 3                # k of the k-fold CV that gives val_loss (>= 2)
    test_fraction = 0.25     # held-out share that gives test_loss, in (0, 1)
    start_from_default = false   # make trial 0 of every strategy the default config
    trial_timeout = 60       # optional: seconds before a fit is stopped (status=timeout)
    strategies = ["random", "grid", "optuna-tpe", "mypkg.mine:MyStrategy"]
    problems = ["branin", "svm-breast_cancer"]

    [options.optuna-ga]      # optional keyword options for one strategy
    population_size = 8

    [reference]              # optional: best known loss per real problem (normalisation)
    svm-breast_cancer = 0.0

Built-in suites (``quick``, ``default``, ``paper``) ship in ``benchmarks/suites``.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

SUITE_KEYS = {
    "name", "description", "budget", "seeds", "folds", "test_fraction", "start_from_default",
    "trial_timeout", "strategies", "problems", "options", "reference",
}


class SuiteError(ValueError):
    """A suite that cannot run; the message says what is wrong, where, and what is valid."""


@dataclass(frozen=True)
class Suite:
    """A validated suite: everything that defines the trials of a run."""

    name: str
    strategies: tuple[str, ...]
    problems: tuple[str, ...]
    budget: int = 50
    seeds: tuple[int, ...] = (1, 2, 3, 4, 5)
    folds: int = 5
    test_fraction: float = 0.25
    start_from_default: bool = False
    trial_timeout: float | None = None
    description: str = ""
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    reference: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["strategies"], d["problems"], d["seeds"] = (list(self.strategies),
                                                      list(self.problems), list(self.seeds))
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "suite") -> Suite:
        return parse(data, where)

    def override(self, *, budget: int | None = None, seeds: int | None = None,
                 strategies: list[str] | None = None, problems: list[str] | None = None,
                 where: str = "command line") -> Suite:
        """The suite with command-line overrides applied and validated again."""
        data = self.to_dict()
        if budget is not None:
            data["budget"] = budget
        if seeds is not None:
            data["seeds"] = seeds
        if strategies is not None:
            data["strategies"] = strategies
        if problems is not None:
            data["problems"] = problems
        return parse(data, where)

    @property
    def n_cells(self) -> int:
        return len(self.strategies) * len(self.problems) * len(self.seeds)


def builtin_suites() -> dict[str, Path]:
    """Names and paths of the suites shipped with tunebench."""
    root = resources.files("benchmarks") / "suites"
    return {Path(str(p)).stem: Path(str(p)) for p in root.iterdir() if str(p).endswith(".toml")}


def load(spec: str | Path) -> Suite:
    """A suite by built-in name or TOML path, validated (raises :class:`SuiteError`)."""
    builtins = builtin_suites()
    path = builtins.get(str(spec), Path(spec))
    if not path.exists():
        close = difflib.get_close_matches(str(spec), builtins, n=3)
        hint = f" Did you mean {close}?" if close else ""
        raise SuiteError(f"no suite named {str(spec)!r} and no file at that path.{hint} "
                         f"Built-in suites: {sorted(builtins)}.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{path}: malformed TOML: {exc}") from exc
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read: {exc}") from exc
    return parse(data, str(path))


def _int(data: dict[str, Any], key: str, where: str, low: int) -> int:
    v = data[key]
    if isinstance(v, bool) or not isinstance(v, int):
        raise SuiteError(f"{where}: {key} must be an integer >= {low}, got {v!r}")
    if v < low:
        raise SuiteError(f"{where}: {key} must be >= {low}, got {v}")
    return v


def _names(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    v = data.get(key)
    if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
        raise SuiteError(f"{where}: {key} must be a non-empty list of names, got {v!r}")
    dup = sorted({x for x in v if v.count(x) > 1})
    if dup:
        raise SuiteError(f"{where}: {key} lists {dup} more than once")
    return tuple(v)


def parse(data: dict[str, Any], where: str = "suite") -> Suite:
    """Validate a suite mapping: keys, types, ranges, and that every name resolves."""
    unknown = sorted(set(data) - SUITE_KEYS)
    if unknown:
        hints = {k: difflib.get_close_matches(k, SUITE_KEYS, n=1) for k in unknown}
        said = ", ".join(f"{k!r}" + (f" (did you mean {h[0]!r}?)" if h else "")
                         for k, h in hints.items())
        raise SuiteError(f"{where}: unknown key(s) {said}. Valid keys: {sorted(SUITE_KEYS)}")
    if "name" not in data or not isinstance(data["name"], str) or not data["name"].strip():
        raise SuiteError(f"{where}: 'name' must be a non-empty string")
    name = data["name"]
    if not all(c.isalnum() or c in "-_." for c in name):
        raise SuiteError(f"{where}: name {name!r} may use only letters, digits, '-', '_', '.'")
    d = dict(data)
    d.setdefault("budget", 50)
    d.setdefault("folds", 5)
    budget = _int(d, "budget", where, 1)
    folds = _int(d, "folds", where, 2)
    seeds_raw = d.get("seeds", 5)
    if isinstance(seeds_raw, bool):
        raise SuiteError(f"{where}: seeds must be a count >= 1 or a list of integers >= 0")
    if isinstance(seeds_raw, int):
        if seeds_raw < 1:
            raise SuiteError(f"{where}: seeds must be >= 1 (a count), got {seeds_raw}")
        seeds = tuple(range(1, seeds_raw + 1))
    elif (isinstance(seeds_raw, list) and seeds_raw
          and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds_raw)
          and len(set(seeds_raw)) == len(seeds_raw)):
        seeds = tuple(seeds_raw)
    else:
        raise SuiteError(f"{where}: seeds must be a count >= 1 or a list of distinct integers "
                         f">= 0, got {seeds_raw!r}")
    tf = d.get("test_fraction", 0.25)
    if isinstance(tf, bool) or not isinstance(tf, (int, float)) or not 0 < tf < 1:
        raise SuiteError(f"{where}: test_fraction must be a number in (0, 1), got {tf!r}")
    sfd = d.get("start_from_default", False)
    if not isinstance(sfd, bool):
        raise SuiteError(f"{where}: start_from_default must be true or false, got {sfd!r}")
    timeout = d.get("trial_timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or timeout <= 0):
        raise SuiteError(f"{where}: trial_timeout must be a number of seconds > 0, got {timeout!r}")
    desc = d.get("description", "")
    if not isinstance(desc, str):
        raise SuiteError(f"{where}: description must be a string")
    strategies = _names(d, "strategies", where)
    problems = _names(d, "problems", where)
    options = d.get("options", {})
    if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
        raise SuiteError(f"{where}: [options.<strategy>] must be tables of keyword options")
    reference = d.get("reference", {})
    if not isinstance(reference, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in reference.values()):
        raise SuiteError(f"{where}: [reference] must map problem names to numbers")
    suite = Suite(name=name, strategies=strategies, problems=problems, budget=budget,
                  seeds=seeds, folds=folds, test_fraction=float(tf), start_from_default=sfd,
                  trial_timeout=None if timeout is None else float(timeout), description=desc,
                  options={k: dict(v) for k, v in options.items()},
                  reference={k: float(v) for k, v in reference.items()})
    check_names(suite, where)
    return suite


def check_names(suite: Suite, where: str) -> None:
    """Every strategy, option table, problem and reference key must resolve."""
    from problems.catalogue import available, get_problem
    from strategies.registry import StrategyNotFound, missing_requirement, resolve

    shown: dict[str, str] = {}
    for s in suite.strategies:
        try:
            cls = resolve(s)
        except StrategyNotFound as exc:
            raise SuiteError(f"{where}: {exc}") from exc
        req = missing_requirement(cls)
        if req:
            raise SuiteError(f"{where}: strategy {s!r} needs the optional package {req!r}, "
                             f"which is not installed (see README: optional extras)")
        if cls.name in shown:
            raise SuiteError(f"{where}: strategies {shown[cls.name]!r} and {s!r} both call "
                             f"themselves {cls.name!r}; names must be unique")
        shown[cls.name] = s
        opts = suite.options.get(s, {})
        allowed = cls.accepted_options()
        if allowed is not None:
            allowed = [a for a in allowed if a != "default"]  # the harness passes it
            bad = sorted(k for k in opts if k not in allowed)
            if bad:
                raise SuiteError(f"{where}: [options.{s}] has unknown option(s) {bad}; "
                                 f"{s!r} accepts {allowed or 'no options'}")
    for k in suite.options:
        if k not in suite.strategies:
            raise SuiteError(f"{where}: [options.{k}] names a strategy that is not in "
                             f"strategies {list(suite.strategies)}")
    for p in suite.problems:
        try:
            prob = get_problem(p)
        except (KeyError, ValueError) as exc:
            msg = exc.args[0] if exc.args else str(exc)
            raise SuiteError(f"{where}: {msg}") from exc
        if not available(prob):
            raise SuiteError(f"{where}: problem {p!r} needs the optional package "
                             f"{prob.dataset.extra!r} (install the 'data' extra)")  # type: ignore[attr-defined]
    _check_fidelity_pairs(suite, where)
    for k in suite.reference:
        if k not in suite.problems:
            raise SuiteError(f"{where}: [reference] names {k!r}, which is not in problems")


def _check_fidelity_pairs(suite: Suite, where: str) -> None:
    """Multi-fidelity strategies need problems with a lower fidelity (dataset x model)."""
    from problems.catalogue import get_problem
    from strategies.registry import resolve

    mf = [s for s in suite.strategies if getattr(resolve(s), "multi_fidelity", False)]
    flat = [p for p in suite.problems if getattr(get_problem(p), "model", None) is None]
    if mf and flat:
        raise SuiteError(f"{where}: multi-fidelity strategies {mf} need dataset x model "
                         f"problems; {flat} have no lower fidelity (use separate suites)")


__all__ = ["Suite", "SuiteError", "builtin_suites", "load", "parse"]
