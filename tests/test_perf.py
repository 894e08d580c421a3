"""The performance benchmark's code paths on tiny inputs, so ``nox -s perf`` cannot
silently break again (it failed at its report step for weeks: issue 28)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tunebench.benchmarks.devtools import perf


def test_report_scaling_runs_on_a_tiny_synthetic_run(tmp_path: Path,
                                                     monkeypatch) -> None:
    monkeypatch.setenv("TUNEBENCH_REFERENCE_CACHE", str(tmp_path / "cache"))
    res = perf.report_scaling(tmp_path, strategies=3, problems=2, seeds=3, evals=5)
    assert res["rows"] == 3 * 2 * 3 * 5
    assert res["seconds"] > 0 and res["cpu_seconds"] > 0 and res["peak_mib"] > 0
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
    md = perf.to_markdown({"date": "d", "command": "c", "overhead": [],
                           "machine": {"cpu": "x", "cores": 2, "python": "3.11"},
                           "report": {"rows": 10, "seconds": 1.0, "cpu_seconds": 1.0,
                                      "peak_mib": 5.0},
                           "paper_report": {"rows": 5_040_000, "seconds": 46.9,
                                            "cpu_seconds": 51.1, "peak_mib": 3860.0}})
    assert "* 10 rows: 1.0 s wall" in md and "* 5,040,000 rows: 46.9 s wall, 51.1 s CPU" in md


def test_vectorised_rank_correlations_equal_scipy_per_cell() -> None:
    """Ties, failed and reused trials, cells of different lengths, a constant cell."""
    import numpy as np
    from scipy import stats

    from tunebench.benchmarks.analysis.protocol import PCELL, rank_correlations

    rng = np.random.default_rng(3)
    rows = []
    for cell, n in enumerate([2, 3, 7, 12, 40]):
        for i in range(n):
            rows.append({"protocol": "cv-3", "problem": "p", "strategy": f"s{cell}", "seed": 1,
                         "val_loss": float(rng.integers(0, 5)), "test_loss": float(rng.random()),
                         "status": "error" if i == 1 and n > 3 else "ok", "reused": i == 2})
    rows += [{"protocol": "cv-3", "problem": "p", "strategy": "flat", "seed": 1, "val_loss": 1.0,
              "test_loss": float(i), "status": "ok", "reused": False} for i in range(5)]
    df = pd.DataFrame(rows)
    got = rank_correlations(df).set_index(PCELL)
    ok = df[(df["status"] == "ok") & ~df["reused"]]
    for key, g in ok.groupby(PCELL):
        v, t = g["val_loss"].to_numpy(), g["test_loss"].to_numpy()
        r = got.loc[key]
        assert r["configs"] == len(g)
        if len(g) < 3 or np.ptp(v) == 0:
            assert np.isnan(r["spearman"]) and np.isnan(r["kendall"])
        else:
            assert r["spearman"] == pytest.approx(stats.spearmanr(v, t)[0], abs=1e-12)
            assert r["kendall"] == pytest.approx(stats.kendalltau(v, t)[0], abs=1e-12)
