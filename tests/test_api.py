"""``import tunebench``: run / load / summarise / report, plug-in models, interrupts."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import tunebench as tb
from tunebench.benchmarks.store.rundir import RunDir
from tunebench.problems.catalogue import get_problem

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _module(tmp_path: Path, monkeypatch, name: str, code: str) -> str:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(code))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop(name, None)
    return name


def test_as_suite_accepts_names_paths_dicts_and_suites(tmp_path):
    from tunebench.api import as_suite

    s = as_suite("quick", budget=5, seeds=2, problems=["branin"])
    assert (s.budget, s.seeds, s.problems) == (5, (1, 2), ("branin",))
    assert as_suite(s) is s
    import pickle

    assert pickle.loads(pickle.dumps(s)) == s  # cells get the frozen Suite itself
    d = {"name": "d", "strategies": ["random"], "problems": ["branin"], "budget": 3}
    assert as_suite(d).budget == 3 and as_suite(d, seeds=[7]).seeds == (7,)
    with pytest.raises(tb.SuiteError, match="budget"):
        as_suite(d, budget=0)
    with pytest.raises(tb.SuiteError, match="not int"):
        as_suite(3)  # type: ignore[arg-type]


@pytest.mark.slow
def test_done_when_own_model_and_own_strategy_with_two_workers(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(DOCS))
    suite = {"name": "mine", "strategies": ["random", "my_strategies:LocalSearch"],
             "problems": ["my_models:SGD-wine", "branin"], "budget": 4, "seeds": 2,
             "folds": 2}
    run = tb.run(suite, out=tmp_path / "two", jobs=2)
    s = tb.summarise(run)
    assert isinstance(s, tb.Summary) and run.finished and not run.failed
    assert s.strategies == ["local-search", "random"]
    assert s.problems == ["branin", "my_models:SGD-wine"]
    assert len(run.trials) == 2 * 2 * 2 * 4
    index = tb.report(run)
    text = index.read_text()
    assert "local-search" in text and "my_models:SGD-wine" in text
    fp = run.manifest.problems["my_models:SGD-wine"].plugin_model
    assert (fp["module"], fp["attribute"], fp["name"]) == ("my_models", "SGD", "sgd")
    assert len(fp["space"]) == 3
    # the workers imported the same model: records equal an in-process run's
    one = tb.run(suite, out=tmp_path / "one", jobs=1)
    cols = ["problem", "strategy", "seed", "trial", "params", "val_loss", "test_loss"]
    a, b = (r.trials.sort_values(cols[:4])[cols].reset_index(drop=True) for r in (run, one))
    pd.testing.assert_frame_equal(a, b)
    assert tb.load(run.path).manifest.run_id == run.manifest.run_id


def test_plugin_model_csv_dataset_and_errors(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(DOCS))
    data = tmp_path / "x.csv"
    pd.DataFrame({"a": range(40), "b": [i % 3 for i in range(40)],
                  "label": ["p", "q"] * 20}).to_csv(data, index=False)
    p = get_problem(f"my_models:SGD-csv:{data}:label")
    assert p.task == "classification" and p.space.names == ("alpha", "penalty", "l1_ratio")
    assert p.bind(1, folds=2).__call__(dict(p.default_config)).status == "ok"
    with pytest.raises(ValueError, match="'no_such_module'.*PYTHONPATH"):
        get_problem("no_such_module:SGD-wine")
    with pytest.raises(ValueError, match="my_models:build is not a tunebench Model"):
        get_problem("my_models:build-wine")
    with pytest.raises(tb.SuiteError, match="no_such_module"):
        tb.Suite.from_dict({"name": "x", "strategies": ["random"],
                            "problems": ["no_such_module:M-wine"]})
    space = tb.SearchSpace((tb.Float("a", 0.0, 1.0),))
    with pytest.raises(ValueError, match="tasks"):
        tb.Model("m", ("ranking",), build=print, space=space)
    with pytest.raises(ValueError, match="defaults outside the space"):
        tb.Model("m", ("regression",), build=print, space=space, defaults={"a": 2.0})


def test_a_run_where_every_cell_failed_gets_a_report_that_says_so(tmp_path, monkeypatch):
    name = _module(tmp_path, monkeypatch, "broken_strategy", """
        from tunebench.strategies import Strategy

        class Broken(Strategy):
            name = "broken"

            def ask(self):
                raise RuntimeError("this strategy always fails")

            def tell(self, config, loss):
                pass
        """)
    suite = {"name": "broken", "strategies": [f"{name}:Broken"], "problems": ["branin"],
             "budget": 3, "seeds": 2, "folds": 2}
    run = tb.run(suite, out=tmp_path / "run", jobs=1)
    assert len(run.failed) == 2 and run.trials.empty
    s = tb.summarise(run)
    assert s.empty and s.strategies == [] and len(s.failed_cells) == 2
    md = (tb.report(run).parent / "report.md").read_text()
    assert "No trial succeeded: 2 failed cell(s)" in md
    assert "branin__broken_strategy_Broken" in md


def test_keyboard_interrupt_leaves_a_resumable_run(tmp_path, monkeypatch):
    name = _module(tmp_path, monkeypatch, "interrupting", """
        import numpy as np
        from tunebench.strategies import Strategy

        STATE = {"built": 0, "armed": True}

        class Interrupting(Strategy):
            name = "interrupting"

            def __init__(self, space, seed, budget):
                super().__init__(space, seed, budget)
                STATE["built"] += 1
                self.rng = np.random.default_rng(seed)

            def ask(self):
                if STATE["armed"] and STATE["built"] == 2:
                    raise KeyboardInterrupt  # Ctrl-C in the notebook, during cell 2
                return self.space.sample(self.rng)

            def tell(self, config, loss):
                pass
        """)
    suite = {"name": "ctrlc", "strategies": [f"{name}:Interrupting"], "problems": ["branin"],
             "budget": 3, "seeds": 3, "folds": 2}
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        tb.run(suite, out=out, jobs=1)
    assert len(RunDir(out).done_cells()) == 1 and not tb.load(out).finished
    state = sys.modules[name].STATE
    state["armed"] = False
    run = tb.run(suite, out=out, jobs=1)
    assert run.finished and len(run.trials) == 3 * 3
    assert state["built"] == 2 + 2  # the stored cell was not run again


README_NOTEBOOK = re.compile(r"```python\n(import tunebench as tb\n.*?)```", re.S)


@pytest.mark.slow
def test_readme_notebook_example_runs(tmp_path, monkeypatch):
    code = README_NOTEBOOK.search((ROOT / "README.md").read_text()).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
    assert (tmp_path / "results" / "notebook" / "report" / "index.html").exists()
    s = namespace["s"]
    assert isinstance(s, tb.Summary) and set(s.strategies) == {"random", "optuna-tpe"}


def test_docs_my_models_is_a_complete_example():
    spec = DOCS / "my_models.py"
    text = spec.read_text()
    assert "SGD = Model(" in text and "def build(config, task, random_state)" in text
    readme = (ROOT / "README.md").read_text()
    assert "docs/my_models.py" in readme and "my_models:SGD-wine" in readme
