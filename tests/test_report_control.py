"""Report pieces for the control analysis: no false promises with few problems or seeds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tunebench.benchmarks.analysis.control import against_control
from tunebench.benchmarks.analysis.power import power_statement, within_problem_note
from tunebench.benchmarks.analysis.stats import aggregate_scores, probability_of_improvement
from tunebench.benchmarks.report.control import format_interval, render_control


class _Page:
    def __init__(self) -> None:
        self.text: list[str] = []
        self.tables: list = []

    def heading(self, text: str, level: int = 2, anchor: str = "", nav: str = "") -> None:
        self.text.append(text)

    def para(self, text: str, raw_html: str | None = None) -> None:
        self.text.append(text)

    def table(self, table) -> None:
        self.tables.append(table)


def _fin(problems: int, seeds: int, shift: float) -> pd.DataFrame:
    rows = []
    for p in range(problems):
        for s in range(1, seeds + 1):
            rows.append({"problem": f"p{p}", "strategy": "random", "seed": s,
                         "score_test": 0.01 * s, "inc_test": 1.0})
            rows.append({"problem": f"p{p}", "strategy": "tpe", "seed": s,
                         "score_test": 0.01 * s + shift + 0.01 * p, "inc_test": 0.5})
    return pd.DataFrame(rows)


def test_format_interval():
    assert format_interval(0.1, 0.25) == "0.100 to 0.250"
    assert format_interval(float("nan"), float("nan")) == "n/a"
    assert format_interval(0.1, 0.2, ".2f", "-") == "0.10-0.20"


def test_one_seed_gives_no_interval():
    fin = _fin(3, 1, 0.2)
    agg = aggregate_scores(fin, n_boot=50)
    assert math.isnan(agg.loc[0, "iqm_low"]) and math.isnan(agg.loc[0, "mean_high"])
    poi = probability_of_improvement(fin, "inc_test", n_boot=50)
    assert math.isnan(poi.loc[0, "low"])
    two = aggregate_scores(_fin(3, 2, 0.2), n_boot=50)
    assert not np.isnan(two.loc[0, "iqm_low"])


def _render_control(page: _Page, fin: pd.DataFrame) -> None:
    """What the report does: the summary's control table and power statement, rendered."""
    table = against_control(fin, "score_test", "random", 0.05, lower_is_better=False)
    render_control(page, table, power_statement(fin["problem"].nunique(),
                                                fin["strategy"].nunique()))


def test_control_section_says_unreachable_with_few_problems():
    page = _Page()
    _render_control(page, _fin(4, 2, 0.3))
    assert any("cannot reach p < 0.05" in t for t in page.text)
    df = page.tables[0].df
    assert df.loc[0, "p<0.05"].startswith("unreachable") and df.loc[0, "wins"] == 4


def test_control_section_marks_significance_when_reachable():
    page = _Page()
    _render_control(page, _fin(10, 2, 0.3))
    df = page.tables[0].df
    # 10 unanimous wins: p = 2**-9, one comparison
    assert df.loc[0, "p<0.05"] == "yes" and abs(df.loc[0, "p_holm"] - 2**-9) < 1e-12
    assert any("d = " in t for t in page.text)


def test_within_problem_note_only_promises_reachable_marks():
    assert "No within-problem significance marks" in within_problem_note(5, 8)
    assert "No within-problem" in within_problem_note(3, 3)
    assert "+/-" in within_problem_note(10, 3)  # 3 * 2**-9 < 0.05


def test_default_moves_section():
    from tunebench.benchmarks.analysis.defaults import fixed_notes, moves_table
    from tunebench.benchmarks.report.defaults import render_default_moves

    t = moves_table(["rf-iris", "knn-iris", "branin"])
    assert set(t["problem"]) == {"rf-iris"}
    mf = t.set_index("parameter").loc["max_features"]
    assert mf["used"] == 0.625 and not mf["moved"] and "sqrt" in mf["scikit-learn"]
    assert t.set_index("parameter").loc["max_depth", "moved"]
    page = _Page()
    render_default_moves(page, ["random", "defaults"], moves_table(["rf-iris", "branin"]),
                         fixed_notes(["rf-iris", "branin"]))
    assert any("10 trees" in x for x in page.text) and page.tables
    empty = _Page()
    render_default_moves(empty, ["random"], t, fixed_notes(["rf-iris"]))
    assert not empty.text
