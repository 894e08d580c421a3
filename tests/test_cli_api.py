"""check-strategy deadlines and options; global flags after the command; plain lists."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

from tunebench.strategies.conformance import check_strategy
from tunebench.strategies.simple import RandomSearch
from tests.conftest import write_suite


def _module(tmp_path: Path, monkeypatch, name: str, code: str) -> str:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(code))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop(name, None)
    return name


HANGS = """
    import threading

    import numpy as np
    from tunebench.strategies import Strategy

    NEVER = threading.Event()

    class Hangs(Strategy):
        name = "hangs"

        def __init__(self, space, seed, budget):
            super().__init__(space, seed, budget)
            self.rng, self.n = np.random.default_rng(seed), 0

        def ask(self):
            self.n += 1
            if self.n == 3:
                NEVER.wait()  # a deadlock inside the library
            return self.space.sample(self.rng)

        def tell(self, config, loss):
            pass
    """


def test_check_strategy_fails_a_hanging_strategy_within_its_timeout(tmp_path, monkeypatch,
                                                                    run_cli, capsys):
    name = _module(tmp_path, monkeypatch, "hangs_mod", HANGS)
    from tunebench.strategies.registry import resolve

    cls = resolve(f"{name}:Hangs")
    start = time.perf_counter()
    report = check_strategy(cls, timeout=0.5)
    assert time.perf_counter() - start < 5 and not report.passed
    assert run_cli("check-strategy", f"{name}:Hangs", "--timeout", "1") == 1
    out = capsys.readouterr().out
    assert "FAIL  typed, in-bounds suggestions for the whole budget: did not finish within 1 s" \
        in out
    assert out.count("not run: check 'typed, in-bounds") == 9  # every later check (3 of them conditional)


def test_check_strategy_options_and_deterministic_attribute(tmp_path, monkeypatch, run_cli,
                                                            capsys):
    docs = Path(__file__).resolve().parent.parent / "docs"
    monkeypatch.syspath_prepend(str(docs))
    assert run_cli("check-strategy", "my_strategies:LocalSearch", "--option", "step=0.2",
                   "-q") == 0
    assert run_cli("check-strategy", "my_strategies:LocalSearch", "--option", "stride=2") == 2
    assert "accepts ['step']" in capsys.readouterr().err

    class SeedBlind(RandomSearch):
        name = "seed-blind"

        def __init__(self, space, seed, budget):
            super().__init__(space, 0, budget)  # ignores its seed on purpose

    failed = check_strategy(SeedBlind).failures()
    assert failed == ["different seeds give different suggestions: seeds 0 and 1 gave "
                      "identical suggestions"]
    SeedBlind.deterministic = True
    assert check_strategy(SeedBlind).passed

    class OldSpelling(SeedBlind):
        deterministic = False
        stochastic = False

    assert check_strategy(OldSpelling).passed


def test_global_flags_after_the_command(tmp_path, run_cli, capsys):
    suite = write_suite(tmp_path, budget=2, seeds=1, strategies=("random",),
                        problems=("branin",))
    assert run_cli("validate", suite, "-q") == 0
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report", "-q") == 0
    assert (out / "trials.parquet").exists()
    assert run_cli("-q", "validate", suite, "-v") == 0


def test_list_strategies_in_plain_words(run_cli, capsys):
    assert run_cli("list", "strategies") == 0
    out = capsys.readouterr().out
    assert "`" not in out and "compat fixes" not in out and ":mod:" not in out
    assert "optuna's TPESampler" in out


def test_progress_bar_counts_only_the_cells_run_now(monkeypatch):
    import io
    import logging
    from types import SimpleNamespace

    from tunebench.benchmarks import cli

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", term)
    bar = cli._Progress(total=8, stored=5, quiet=False)
    assert bar.bar is not None and bar.bar.n == 5  # resumed cells: the starting point
    with bar.logging():
        logging.getLogger("tunebench").warning("a line above the bar")
        for done in (6, 7, 8):
            bar.update(SimpleNamespace(records=[{}] * 4, seconds=1e-6), done, 8)
    assert bar.bar.n == 8 and bar.trials == 12  # not 5 x 4 + 12
    bar.bar.refresh()
    assert "12 trials" in term.getvalue().rsplit("\r", 1)[-1]
    bar.close()


def test_a_closed_pipe_ends_listing_quietly():
    """``tunebench list problems | head -1``: no BrokenPipeError traceback."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.Popen([sys.executable, "-m", "tunebench.benchmarks.cli", "list", "problems"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=root, env=env)
    proc.stdout.close()  # the reader goes away before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) in (0, 1)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
