"""Rankings under each metric and their agreement with the primary one, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.analysis.metric_agreement import final_incumbents, metric_rankings, primary_label
from tunebench.problems.metrics import METRIC_COLUMNS

PRIMARY = {("P1", "A"): 0.1, ("P1", "B"): 0.2, ("P1", "C"): 0.3,
           ("P2", "A"): 0.3, ("P2", "B"): 0.1, ("P2", "C"): 0.2}
ACC = {("P1", "A"): 0.2, ("P1", "B"): 0.1, ("P1", "C"): 0.1,
       ("P2", "A"): 0.1, ("P2", "B"): 0.3, ("P2", "C"): 0.2}
LOGLOSS_P1 = {"A": 0.5, "B": 0.4, "C": 0.6}


def _trials() -> pd.DataFrame:
    rows = []
    for (problem, strategy), test in PRIMARY.items():
        base = {"problem": problem, "strategy": strategy, "seed": 1, "metric": "log-loss",
                **{c: np.nan for c in METRIC_COLUMNS}}
        # trial 0: worse validation loss and junk test values: never the final incumbent
        rows.append({**base, "trial": 0, "status": "ok", "val_loss": 0.5, "test_loss": 9.9,
                     "test:1-accuracy": 9.9, "test:balanced-error": 9.9})
        rows.append({**base, "trial": 1, "status": "ok", "val_loss": 0.4, "test_loss": test,
                     "test:1-accuracy": ACC[problem, strategy], "test:balanced-error": test,
                     "test:log-loss": LOGLOSS_P1[strategy] if problem == "P1" else np.nan})
        rows.append({**base, "trial": 2, "status": "error", "val_loss": np.nan,
                     "test_loss": np.nan})
    return pd.DataFrame(rows)


def test_final_incumbent_is_lowest_validation_loss() -> None:
    inc = final_incumbents(_trials())
    assert len(inc) == 6 and (inc["trial"] == 1).all()


def test_rankings_and_kendall_tau_by_hand() -> None:
    ranks, agreement = metric_rankings(_trials())
    a = agreement.set_index("metric")
    # 1-accuracy ranks: P1 A3 B1.5 C1.5, P2 A1 B3 C2 -> A 2, B 2.25, C 1.75;
    # primary: P1 A1 B2 C3, P2 A3 B1 C2 -> A 2, B 1.5, C 2.5: every pair reversed.
    r = ranks[ranks["metric"] == "1-accuracy"].set_index("strategy")
    assert r["mean_rank"].to_dict() == {"A": 2.0, "B": 2.25, "C": 1.75}
    assert r["primary_mean_rank"].to_dict() == {"A": 2.0, "B": 1.5, "C": 2.5}
    assert a.loc["1-accuracy", "kendall_tau"] == pytest.approx(-1.0)
    assert a.loc["1-accuracy", "ranking"] == "C > A > B"
    # balanced-error equals the primary values: same order
    assert a.loc["balanced-error", "kendall_tau"] == pytest.approx(1.0)
    # log-loss only on P1: ranks A2 B1 C3 vs primary on P1 A1 B2 C3: 2 of 3 pairs agree
    assert a.loc["log-loss", "problems"] == 1
    assert a.loc["log-loss", "kendall_tau"] == pytest.approx(1 / 3)
    assert "1-auc" not in a.index and "rmse" not in a.index  # never recorded


def test_primary_label() -> None:
    t = _trials()
    assert primary_label(t) == "log-loss"
    t.loc[t["problem"] == "P2", "metric"] = "rmse"
    assert primary_label(t) == "log-loss / rmse"
