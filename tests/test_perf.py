"""The performance benchmark's code paths on tiny inputs, so ``nox -s perf`` cannot
silently break again (it failed at its report step for weeks: issue 28)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tunebench.benchmarks.devtools import perf


def test_report_scaling_runs_on_a_tiny_synthetic_run(tmp_path: Path,
                                                     monkeypatch) -> None:
    monkeypatch.setenv("TUNEBENCH_REFERENCE_CACHE", str(tmp_path / "cache"))
    res = perf.report_scaling(tmp_path, strategies=3, problems=2, seeds=3, evals=5)
    assert res["rows"] == 3 * 2 * 3 * 5
    assert res["seconds"] > 0 and res["peak_mib"] > 0
    assert (tmp_path / "synthetic" / "report" / "index.html").exists()
    trials = pd.read_parquet(tmp_path / "synthetic" / "trials.parquet")
    assert len(trials) == res["rows"]


def test_paper_planning_reports_build_ratio_and_packing() -> None:
    p = perf.paper_planning()
    assert p["cells"] > 20000 and p["makespan_longest_first"] <= 1.1
    assert p["makespan_longest_first"] <= p["makespan_plan_order"]
    ratios = [b["ratio"] for b in p["build"].values()]
    assert ratios == sorted(ratios, reverse=True) and ratios[-1] < ratios[0]
    md = perf.to_markdown({"date": "d", "command": "c", "overhead": [], "planning": p,
                           "machine": {"cpu": "x", "cores": 2, "python": "3.11"}})
    assert "reference build / cells, in force" in md
