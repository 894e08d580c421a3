"""One run use case: a notebook run and a CLI run of a suite with an own model produce the
same directory, references, signatures and a report with normalised scores; a script
without a main guard that asks for workers stops at once with one line naming the fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import tunebench as tb
from tunebench.benchmarks.execution.guard import _inside_main_guard

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TIMINGS = ["fit_seconds", "ask_seconds", "tell_seconds", "trial_seconds", "started_at"]
SUITE = """
name = "own"
budget = 3
seeds = 1
folds = 2
test_fraction = 0.3
strategies = ["random"]
problems = ["my_models:SGD-wine"]
"""


def _files(run_dir: Path) -> set[str]:
    """The run directory's files, without the report's and the lock."""
    return {str(p.relative_to(run_dir)) for p in run_dir.rglob("*")
            if p.is_file() and "report" not in p.parts and p.name != ".lock"}


@pytest.mark.slow
def test_notebook_and_cli_runs_of_an_own_model_are_the_same(tmp_path, monkeypatch, run_cli):
    monkeypatch.syspath_prepend(str(DOCS))
    suite = tmp_path / "own.toml"
    suite.write_text(SUITE)
    cli_dir, api_dir = tmp_path / "cli", tmp_path / "api"
    assert run_cli("run", suite, "--out", cli_dir, "--jobs", "1", "-q") == 0
    run = tb.run(suite, out=api_dir, jobs=1)
    assert run.finished and not run.failed
    assert _files(cli_dir) == _files(api_dir)
    assert {"signatures.parquet", "reference.json", "trials.parquet"} <= _files(api_dir)
    pd.testing.assert_frame_equal(pd.read_parquet(cli_dir / "signatures.parquet"),
                                  pd.read_parquet(api_dir / "signatures.parquet"))
    assert (json.loads((cli_dir / "reference.json").read_text())
            == json.loads((api_dir / "reference.json").read_text()))
    a, b = (pd.read_parquet(d / "trials.parquet").drop(columns=TIMINGS)
            for d in (cli_dir, api_dir))
    pd.testing.assert_frame_equal(a.astype(str), b.astype(str))
    # the notebook run's report has normalised scores (its table was built and found)
    s = tb.summarise(run)
    assert s.reference is not None and s.scored["score_test"].notna().all()
    md = (api_dir / "report" / "report.md").read_text()
    assert "No best-known loss" not in md and (cli_dir / "report" / "report.md").exists()


UNGUARDED = """
    import tunebench as tb

    tb.run({{"name": "g", "strategies": ["random"], "problems": ["branin"], "budget": 2,
             "seeds": 2, "folds": 2}}, out={out!r}, jobs=2, references=False, report=False)
    print("finished")
    """


def test_a_script_without_main_guard_stops_at_once_naming_the_fix(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(UNGUARDED.format(out=str(tmp_path / "run"))))
    env = dict(os.environ)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=env)
    assert done.returncode != 0 and "finished" not in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert 'if __name__ == "__main__":' in lines[0] and "jobs=1" in lines[0]
    assert not (tmp_path / "run").exists()  # nothing was created


@pytest.mark.slow
def test_a_script_with_main_guard_runs_with_two_workers(tmp_path):
    body = textwrap.dedent(UNGUARDED.format(out=str(tmp_path / "run")))
    script = tmp_path / "guarded.py"
    script.write_text('if __name__ == "__main__":\n' + textwrap.indent(body, "    "))
    env = dict(os.environ)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "finished" in done.stdout
    assert len(pd.read_parquet(tmp_path / "run" / "trials.parquet")) == 2 * 2


def test_python_m_package_with_workers_is_not_refused(tmp_path):
    """``python -m tunebench.benchmarks.cli``: spawn does not rerun a package's
    ``__main__.py`` (which has no guard), so the check lets it run."""
    suite = tmp_path / "g.toml"
    suite.write_text('name = "g"\nbudget = 2\nseeds = 2\nfolds = 2\n'
                     'strategies = ["random"]\nproblems = ["branin"]\n')
    done = subprocess.run([sys.executable, "-m", "tunebench.benchmarks.cli", "run", str(suite),
                           "--out", str(tmp_path / "run"), "--jobs", "2", "--no-report", "-q"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(pd.read_parquet(tmp_path / "run" / "trials.parquet")) == 2 * 2


def test_main_guard_detection_reads_the_script(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("import x\nx.run()\nif __name__ == '__main__':\n    x.run()\n"
                      "else:\n    x.run()\nif '__main__' == __name__:\n    main()\n")
    inside = [line for line in range(1, 9) if _inside_main_guard(script, line)]
    assert inside == [4, 8]
