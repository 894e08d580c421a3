"""The red-team catalogue (issue 27): bad inputs and corruptions of a finished run.

Each bad input is ``(name, make)`` where ``make(tmp) -> argv``; it must be refused with
exit 2 and one line, creating nothing. Each corruption is ``(name, damage)`` where
``damage(run, outside)`` damages a copy of a finished run (``outside`` is a directory
next to it that nothing may write into).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

SUITE = """name = "rt"
budget = 3
seeds = 2
folds = 2
test_fraction = 0.3
strategies = ["random", "grid"]
problems = ["branin"]
"""

BadInput = tuple[str, Callable[[Path], list[str]]]
Damage = tuple[str, Callable[[Path, Path], None]]


def write(tmp: Path, extra: str = "", base: str = SUITE, name: str = "s.toml") -> str:
    path = tmp / name
    path.write_text(base + extra)
    return str(path)


def _replace(key: str, value: str) -> str:
    lines = [ln for ln in SUITE.splitlines() if not ln.startswith(f"{key} ")]
    return "\n".join(lines) + f"\n{key} = {value}\n"


SUITE_VALUES = {
    "budget": ["0", "-1", "1.5", '"3"', "true", "1e30", "10000000", "[3]", "nan"],
    "seeds": ["0", "-2", "[]", "[1, 1]", "[-1]", '"2"', "true", "[1.5]", "100000",
              f"[{2**40}]"],
    "folds": ["1", "0", "-3", "2.5", '"5"', "false"],  # 100000: see test_run_damage (iris)
    "test_fraction": ["0", "1", "-0.1", "1.5", "nan", "inf", '"0.3"', "true"],
    "trial_timeout": ["0", "-1", "nan", "inf", "1e300", '"10"', "true", "[1]"],
    "strategies": ["[]", '["nope"]', '["random", "random"]', '"random"', "[1]",
                   '["nosuchmodule:Thing"]', '["os:system"]', '["optuna-nope"]'],
    "problems": ["[]", '["nope"]', '["branin", "branin"]', '"branin"', "[1]",
                 '["knn-csv:/nonexistent.csv:y"]'],
    "name": ['""', '".."', '"a/b"', '"../x"', "1", '".hidden"'],
    "start_from_default": ['"yes"', "1"],
    "description": ["1", "[1]"],
    "metric": ['"nope"', "1", '{classification = "rmse"}', '{nope = "rmse"}', "[]"],
    "protocols": ['["cv-1"]', '["cv-100000"]', '["nope"]', '["cv-3", "cv-3"]', "[]",
                  '"cv-3"', '["holdout-2"]'],
}
EXTRA_TOML = [
    "unknown_key = 1", "[options.nope]\nx = 1", "[options.random]\nnope = 1",
    "[reference]\nnope = 0.0", '[reference]\nbranin = "low"', "[options]\nrandom = 1",
    'strategies = ["random"]\n', "budget = 3\n",  # duplicate keys: malformed TOML
]
RAW_FILES = [b"", b"\x00\x01\x02", b"name = ", b"\xff\xfe\xfd", b"[[[", b"name = 'x'\n" * 3,
             "name = \"caf\xe9\"".encode("latin-1")]
OPTION_SUITES = [
    ('strategies = ["optuna-ga"]\n[options.optuna-ga]\npopulation_size = "big"', "ga-type"),
    ('strategies = ["optuna-ga"]\n[options.optuna-ga]\npopulation_size = -4', "ga-neg"),
    ('strategies = ["optuna-ga"]\n[options.optuna-ga]\npopulation_size = 1', "ga-one"),
]


def bad_inputs() -> list[BadInput]:
    """At least 150 bad inputs: suite values, files and command-line arguments."""
    cases: list[BadInput] = []
    for key, values in SUITE_VALUES.items():
        for v in values:
            cases.append((f"suite-{key}={v}", lambda t, k=key, v=v: [
                "run", write(t, base=_replace(k, v)), "--out", str(t / "o"), "--jobs", "1"]))
            cases.append((f"validate-{key}={v}", lambda t, k=key, v=v: [
                "validate", write(t, base=_replace(k, v))]))
    for i, extra in enumerate(EXTRA_TOML):
        cases.append((f"extra-{i}", lambda t, e=extra: ["validate", write(t, "\n" + e + "\n")]))
    for i, raw in enumerate(RAW_FILES):
        def make(t: Path, raw: bytes = raw) -> list[str]:
            (t / "raw.toml").write_bytes(raw)
            return ["validate", str(t / "raw.toml")]
        cases.append((f"raw-{i}", make))
    for body, name in OPTION_SUITES:
        base = "\n".join(ln for ln in SUITE.splitlines() if not ln.startswith("strategies"))
        cases.append((f"option-{name}", lambda t, b=base, x=body: [
            "validate", write(t, "\n" + x + "\n", base=b + "\n")]))
    cases.append(("folds-vs-protocols", lambda t: [
        "validate", write(t, 'protocols = ["cv-5"]\n')]))
    cases.extend(_argument_cases())
    return cases


def _argument_cases() -> list[BadInput]:
    s = write
    args = [
        ("no-command", lambda t: []), ("unknown-command", lambda t: ["fly"]),
        ("no-suite", lambda t: ["run"]), ("missing-suite", lambda t: ["run", "nope-suite"]),
        ("jobs-0", lambda t: ["run", s(t), "--jobs", "0"]),
        ("jobs-neg", lambda t: ["run", s(t), "--jobs", "-2"]),
        ("jobs-text", lambda t: ["run", s(t), "--jobs", "many"]),
        ("seeds-0", lambda t: ["run", s(t), "--seeds", "0"]),
        ("budget-text", lambda t: ["run", s(t), "--budget", "x"]),
        ("budget-huge", lambda t: ["run", s(t), "--budget", "100000000", "--out", str(t / "o")]),
        ("strategies-empty", lambda t: ["run", s(t), "--strategies", ","]),
        ("strategies-unknown", lambda t: ["run", s(t), "--strategies", "nope",
                                          "--out", str(t / "o")]),
        ("problems-unknown", lambda t: ["run", s(t), "--problems", "nope",
                                        "--out", str(t / "o")]),
        ("scheduler-ipv6", lambda t: ["run", s(t), "--out", str(t / "o"), "--scheduler",
                                      "tcp://[::1:8786"]),
        ("scheduler-junk", lambda t: ["run", s(t), "--out", str(t / "o"), "--scheduler", "::"]),
        ("scheduler-http", lambda t: ["run", s(t), "--out", str(t / "o"), "--scheduler",
                                      "http://x:1/p"]),
        ("scheduler-closed", lambda t: ["run", s(t), "--out", str(t / "o"), "--scheduler",
                                        "tcp://127.0.0.1:1"]),
        ("resume-missing", lambda t: ["run", s(t), "--resume", str(t / "nothing")]),
        ("resume-vs-out", lambda t: ["run", s(t), "--resume", str(t / "a"), "--out",
                                     str(t / "b")]),
        ("run-out-only-missing", lambda t: ["run", "--out", str(t / "nothing")]),
        ("out-file", lambda t: (t / "f").write_text("x") and ["run", s(t), "--out",
                                                              str(t / "f")]),
        ("out-below-file", lambda t: (t / "f").write_text("x") and [
            "run", s(t), "--out", str(t / "f" / "r")]),
        ("out-foreign-dir", lambda t: (t / "d").mkdir() or (t / "d" / "x.txt").write_text("x")
         and ["run", s(t), "--out", str(t / "d")]),
        ("ref-campaign-comma", lambda t: ["reference", s(t), "--campaign", ","]),
        ("ref-campaign-nope", lambda t: ["reference", s(t), "--campaign", "nope",
                                         "--out", str(t / "o")]),
        ("ref-out-file", lambda t: (t / "f").write_text("x") and [
            "reference", s(t), "--out", str(t / "f")]),
        ("ref-samples-0", lambda t: ["reference", s(t), "--samples", "0"]),
        ("ref-samples-low", lambda t: ["reference", s(t), "--samples", "1", "--out",
                                       str(t / "o")]),
        ("ref-factor-0", lambda t: ["reference", s(t), "--campaign-factor", "0"]),
        ("validate-dev-zero", lambda t: ["validate", "/dev/zero"]),
        ("validate-missing", lambda t: ["validate", str(t / "nothing.toml")]),
        ("validate-empty-dir", lambda t: (t / "e").mkdir() or ["validate", str(t / "e")]),
        ("report-missing", lambda t: ["report", str(t / "nothing")]),
        ("report-empty-dir", lambda t: (t / "e").mkdir() or ["report", str(t / "e")]),
        ("report-out-file", lambda t: (t / "f").write_text("x") and [
            "report", str(t), "--out", str(t / "f")]),
        ("list-nope", lambda t: ["list", "nope"]),
        ("check-nope", lambda t: ["check-strategy", "nope"]),
        ("check-timeout-neg", lambda t: ["check-strategy", "random", "--timeout", "-1"]),
        ("check-timeout-nan", lambda t: ["check-strategy", "random", "--timeout", "nan"]),
        ("check-timeout-inf", lambda t: ["check-strategy", "random", "--timeout", "inf"]),
        ("check-budget-0", lambda t: ["check-strategy", "random", "--budget", "0"]),
        ("check-option-unknown", lambda t: ["check-strategy", "random", "--option", "x=1"]),
        ("check-option-noeq", lambda t: ["check-strategy", "random", "--option", "x"]),
        ("check-option-big", lambda t: ["check-strategy", "optuna-ga", "--option",
                                        "population_size=big"]),
        ("check-option-neg", lambda t: ["check-strategy", "optuna-ga", "--option",
                                        "population_size=-4"]),
    ]
    return [(f"arg-{n}", f) for n, f in args]


# --- corruptions of a finished run ------------------------------------------------------

def _cells(run: Path) -> list[Path]:
    return sorted((run / "cells").glob("*.parquet"))


def _flip(path: Path, where: float, n: int = 8) -> None:
    data = bytearray(path.read_bytes())
    i = min(int(len(data) * where), len(data) - n)
    for j in range(i, i + n):
        data[j] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate_bytes(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def corruptions(foreign_run: Path) -> list[Damage]:
    """At least 40 damages of a finished run (``foreign_run``: a run of another suite)."""
    d: list[Damage] = []
    for where in (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95):
        d.append((f"cell-flip-{where}", lambda r, o, w=where: _flip(_cells(r)[0], w)))
        d.append((f"trials-flip-{where}", lambda r, o, w=where: _flip(r / "trials.parquet", w)))
    for keep in (0.0, 0.3, 0.9):
        d.append((f"cell-cut-{keep}", lambda r, o, k=keep: _truncate_bytes(_cells(r)[0], k)))
        d.append((f"trials-cut-{keep}", lambda r, o, k=keep: _truncate_bytes(
            r / "trials.parquet", k)))
    d += [
        ("cell-rows-truncated", lambda r, o: pq.write_table(pq.read_table(_cells(r)[0]).slice(0, 1),
                                                            _cells(r)[0])),
        ("cell-swapped", lambda r, o: shutil.copyfile(_cells(r)[1], _cells(r)[0])),
        ("cell-foreign", lambda r, o: shutil.copyfile(_cells(foreign_run)[0], _cells(r)[0])),
        ("cell-stranger", lambda r, o: shutil.copyfile(_cells(r)[0], r / "cells" / "x__y__9.parquet")),
        ("cell-deleted", lambda r, o: _cells(r)[0].unlink()),
        ("cell-link-out", lambda r, o: _link_out(_cells(r)[0], o)),
        ("cells-deleted", lambda r, o: shutil.rmtree(r / "cells")),
        ("cells-file", lambda r, o: shutil.rmtree(r / "cells") or (r / "cells").write_text("x")),
        ("cells-link", lambda r, o: _move_link(r / "cells", o / "cells")),
        ("quarantine-link", lambda r, o: (o / "q").mkdir() or (r / "cells" / "quarantine").symlink_to(o / "q")),
        ("trials-foreign", lambda r, o: shutil.copyfile(foreign_run / "trials.parquet",
                                                        r / "trials.parquet")),
        ("trials-rows-truncated", lambda r, o: pq.write_table(
            pq.read_table(r / "trials.parquet").slice(0, 3), r / "trials.parquet")),
        ("trials-garbage", lambda r, o: (r / "trials.parquet").write_bytes(b"garbage")),
        ("trials-deleted", lambda r, o: (r / "trials.parquet").unlink()),
        ("trials-link", lambda r, o: _move_link(r / "trials.parquet", o / "t.parquet")),
        ("manifest-binary", lambda r, o: (r / "manifest.json").write_bytes(b"\xff\xfe")),
        ("manifest-list", lambda r, o: (r / "manifest.json").write_text("[]")),
        ("manifest-half", lambda r, o: _truncate_bytes(r / "manifest.json", 0.5)),
        ("manifest-other-suite", lambda r, o: shutil.copyfile(foreign_run / "manifest.json",
                                                              r / "manifest.json")),
        ("lock-dir", lambda r, o: (r / ".lock").unlink(missing_ok=True) or (r / ".lock").mkdir()),
        ("lock-link", lambda r, o: (r / ".lock").unlink(missing_ok=True)
         or (o / "victim").write_text("v") or (r / ".lock").symlink_to(o / "victim")),
        ("report-file", lambda r, o: shutil.rmtree(r / "report", ignore_errors=True)
         or (r / "report").write_text("x")),
        ("report-link", lambda r, o: shutil.rmtree(r / "report", ignore_errors=True)
         or (o / "rep").mkdir() or (r / "report").symlink_to(o / "rep")),
        ("reference-json-bad", lambda r, o: (r / "reference.json").write_text("{nope")),
        ("reference-json-list", lambda r, o: (r / "reference.json").write_text("[]")),
        ("signatures-bad", lambda r, o: (r / "signatures.parquet").write_bytes(b"PAR1x")),
        ("stray-error", lambda r, o: _cells(r)[0].with_suffix(".error").write_text("old")),
        ("stale-tmp", lambda r, o: (r / "cells" / ".x.parquet.1-abc.tmp").write_text("x")),
    ]
    return d


def _link_out(path: Path, outside: Path) -> None:
    target = outside / path.name
    shutil.move(path, target)
    path.symlink_to(target)


def _move_link(path: Path, target: Path) -> None:
    shutil.move(path, target)
    path.symlink_to(target)


def manifest_suite(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text())["suite"]
