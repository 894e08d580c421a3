"""`defaults` means scikit-learn's defaults, moved into the space only where outside it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from tunebench.benchmarks.plan.applicability import applies, skipped_pairs
from tunebench.problems.catalogue import default_moves, get_problem
from tunebench.problems.models import MODELS, library_default, sqrt_fraction


def test_sqrt_fraction_picks_exactly_sqrt_features():
    for p in range(1, 5001):  # scikit-learn: max(1, int(fraction * p)) vs max(1, int(sqrt(p)))
        assert max(1, int(min(0.99, sqrt_fraction(p)) * p)) == max(1, int(math.sqrt(p))), p


def test_tree_with_sqrt_fraction_equals_sqrt():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 30)), rng.integers(0, 2, 60)
    a = DecisionTreeClassifier(max_features="sqrt", random_state=0).fit(X, y)
    b = DecisionTreeClassifier(max_features=sqrt_fraction(30), random_state=0).fit(X, y)
    assert a.max_features_ == b.max_features_ == 5
    assert (a.predict(X) == b.predict(X)).all()


def test_random_forest_classifier_uses_sqrt():
    p = get_problem("rf-digits")  # 64 features: sqrt -> 8
    assert p.default_config["max_features"] == pytest.approx(8.5 / 64)
    assert int(p.default_config["max_features"] * 64) == 8
    assert get_problem("rf-diabetes").default_config["max_features"] == 0.99  # regressor: 1.0


def test_svm_gamma_scale_resolved_per_dataset():
    assert get_problem("svm-wine").default_config == {"C": 1.0, "gamma": 1 / 13}
    assert get_problem("svm-iris").default_config["gamma"] == 0.25


def test_moves_listed_only_where_needed():
    moves = {m["parameter"]: m for m in default_moves(get_problem("hgb-wine"))}
    assert moves["max_depth"]["used"] == 16 and moves["max_depth"]["equivalent"] == math.inf
    assert moves["l2_regularization"]["used"] == 1e-10
    assert set(moves) == {"max_depth", "l2_regularization"}
    assert default_moves(get_problem("knn-iris")) == []
    assert default_moves(get_problem("branin")) == []
    cfg, moves = library_default(MODELS["elasticnet"], "regression", 10)
    assert cfg == {"alpha": 1.0, "l1_ratio": 0.5} and moves == []


def test_defaults_is_not_planned_on_synthetic_functions():
    assert not applies("defaults", "branin") and applies("defaults", "knn-iris")
    assert applies("random", "branin")
    assert skipped_pairs(("random", "defaults"), ("branin", "svm-wine")) == [("defaults", "branin")]


def test_quick_suite_counts_only_applicable_cells():
    from tunebench.benchmarks.execution.runner import plan
    from tunebench.benchmarks.plan.suite import load

    s = load("quick")
    cells = plan(s)
    assert len(cells) == s.n_cells
    assert not [c for c in cells if c.strategy == "defaults" and c.problem == "branin"]
