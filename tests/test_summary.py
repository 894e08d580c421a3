"""One Summary: the report renders the numbers of ``summarise`` and they did not move.

``tests/data/report_golden`` holds tables written by the report before its computations
moved into ``benchmarks/analysis/summary.py`` (same suite, synthetic problems, random and
grid search only, so the trials are the same on any machine with these library versions).
The tables of normalised scores and reference points are not among them: issue 12 replaced
the reference points on purpose (frozen per-seed reference tables instead of the run's own
random search), so they are checked against hand computations in ``test_references.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.analysis.summary import Summary, load, summarise
from tunebench.benchmarks.cli import main
from tunebench.benchmarks.report import build_report

GOLDEN = Path(__file__).parent / "data" / "report_golden"
#: Columns that do not depend on bootstrap resampling (its streams may change on their own).
POINT_COLUMNS = {"probability_of_improvement": ["strategy", "p_improve", "problems"]}


@pytest.fixture(scope="module")
def golden_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("golden") / "run"
    assert main(["-q", "run", str(GOLDEN / "golden.toml"), "--out", str(out), "--jobs", "1"]) == 0
    return out


def test_report_tables_match_those_written_before_the_summary_refactor(golden_run, tmp_path):
    build_report(golden_run, tmp_path)
    for path in sorted(GOLDEN.glob("*.csv")):
        want = pd.read_csv(path)
        got = pd.read_csv(tmp_path / "tables" / path.name)
        cols = POINT_COLUMNS.get(path.stem, list(want.columns))
        pd.testing.assert_frame_equal(got[cols], want[cols], check_exact=False, rtol=1e-9,
                                      atol=1e-12, obj=path.name)


def test_summary_holds_what_the_report_shows(golden_run, tmp_path):
    s = summarise(load([golden_run]))
    assert isinstance(s, Summary) and not s.empty and s.has_scores
    assert s.problems == ["branin", "hartmann3"] and s.strategies == ["grid", "random"]
    assert len(s.final) == 2 * 2 * 3 and s.budget == 6
    # median final incumbent test loss, by hand from the stored trials
    t = s.trials[(s.trials["problem"] == "branin") & (s.trials["strategy"] == "random")]
    per_seed = [g.loc[g["val_loss"].idxmin(), "test_loss"] for _, g in t.groupby("seed")]
    assert s.final_by_problem.loc["branin", "random"] == pytest.approx(np.median(per_seed))
    build_report(golden_run, tmp_path)
    agg = pd.read_csv(tmp_path / "tables" / "aggregate_test.csv")
    assert agg["iqm"].tolist() == pytest.approx(s.aggregate_test["iqm"].tolist())
    assert s.timing["trials"].tolist() == [36, 36]  # 2 problems x 3 seeds x budget 6


def test_report_renders_the_summary_s_control_null_check_and_metric_numbers(golden_run,
                                                                          tmp_path):
    s = summarise(load([golden_run]))
    assert s.control["strategy"].tolist() == ["grid"]  # k - 1 = 1 comparison against random
    assert s.power_statement.startswith("With 2 problems and 2 strategies")
    assert "cannot reach p < 0.05" in s.power_statement
    assert s.null_check["strategy"].unique().tolist() == ["random"]
    assert set(s.above_one) == {"val", "test"} and len(s.final_scores) == len(s.final)
    assert s.protocols == {} and s.fidelity == {}  # one protocol, full fidelity
    assert s.default_moves.empty and s.fixed_notes == {}  # no `defaults` in the run
    build_report(golden_run, tmp_path)
    for name, frame in (("control", s.control), ("null_check", s.null_check)):
        got = pd.read_csv(tmp_path / "tables" / f"{name}.csv")
        for col in ("p_value", "p_holm", "wins") if name == "control" else ("mean", "null_low"):
            assert got[col].tolist() == pytest.approx(frame[col].tolist()), (name, col)
    assert s.power_statement in (tmp_path / "report.md").read_text()


def test_report_modules_compute_nothing():
    """The report only renders: its modules import from ``benchmarks.analysis`` only the
    summary and named constants/formatters, never a statistic."""
    import ast

    allowed = {"tunebench.benchmarks.analysis.summary": {"ALPHA", "PROTOCOL", "Inputs", "Summary", "load",
                                               "summarise"},
               "tunebench.benchmarks.analysis.profiles": {"TARGETS"},
               "tunebench.benchmarks.analysis.control": {"zero_note"},
               "tunebench.benchmarks.analysis.nullcheck": {"ALPHA", "NARROW_FRACTION"},
               "tunebench.benchmarks.analysis.bayes": {"INSTALL", "NSAMPLES"},
               "tunebench.benchmarks.analysis.scaling": {"SHOWN"}}
    report = Path(__file__).parent.parent / "benchmarks" / "report"
    for path in sorted(report.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "tunebench.benchmarks.analysis"):
                names = {a.name for a in node.names}
                assert names <= allowed.get(node.module, set()), (path.name, node.module, names)
            if isinstance(node, ast.ImportFrom) and node.module == "tunebench.benchmarks":
                assert "analysis" not in {a.name for a in node.names}, path.name


def test_strategies_not_run_everywhere_by_design():
    from tunebench.benchmarks.analysis.summary import _inapplicable

    assert _inapplicable(["random", "defaults"], ["branin", "knn-iris"]) == {"defaults"}
    assert _inapplicable(["random", "defaults"], ["knn-iris"]) == set()
    # a plug-in this installation cannot load does not stop the report
    assert _inapplicable(["no_such_module:Nope"], ["branin"]) == set()


def _trials(strategies: tuple[str, ...], seeds: tuple[int, ...]) -> pd.DataFrame:
    return pd.DataFrame([{"problem": "branin", "strategy": s, "seed": seed, "trial": 0}
                         for s in strategies for seed in seeds])


@pytest.mark.parametrize("axes, failed_id", [
    ({"workers": [1, 4]}, "branin__w4__random__2"),
    ({"train_sizes": [50, "all"]}, "branin__n50__random__2"),
    ({"train_sizes": [50, "all"], "workers": [1, 4], "protocols": ["cv-2", "holdout"]},
     "branin__n50__holdout__w4__random__2"),
])
def test_a_failed_cell_of_every_axis_counts_as_a_seed_run(axes, failed_id):
    """A failed cell has no trials; its seed still counts, whatever axes its id names, so
    runs reported together with other seeds are refused."""
    from tunebench.benchmarks.analysis.inputs import _check_combinable, _seeds_with_failed
    from tunebench.benchmarks.store.rundir import StoreError

    from tunebench.benchmarks.store.manifest_types import Manifest

    suite = {"name": "s", "problems": ["branin"], "strategies": ["random", "grid"],
             "seeds": [1, 2], **axes}
    manifests = [Manifest.from_dict({"suite": suite, "strategies": {
        "random": {"spec": "random"}, "grid": {"spec": "grid"}}})]
    # seed 2 of random failed (no trials); grid ran seeds 1 and 2
    trials = pd.concat([_trials(("random",), (1,)), _trials(("grid",), (1, 2))])
    seeds = _seeds_with_failed(trials, manifests, {failed_id: "boom"})
    assert seeds.to_dict() == {("branin", "grid"): (1, 2), ("branin", "random"): (1, 2)}
    # without the failed cell, the seeds differ and the runs are refused
    with pytest.raises(StoreError, match="different seeds"):
        _check_combinable(trials, manifests, {})
    _check_combinable(trials, manifests, {failed_id: "boom"})
