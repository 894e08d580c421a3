"""The metric catalogue against scikit-learn on hand-built fixtures, and its use by problems."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    log_loss,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)

from tunebench.problems.metrics import (
    METRIC_COLUMNS,
    METRICS,
    Prediction,
    Predictions,
    metrics_for,
    supports,
)
from tunebench.problems.models import MODELS

LABELS = np.array([0, 1, 2])
Y3 = np.array([0, 0, 1, 1, 2, 2])
P3 = np.array([[0.7, 0.2, 0.1], [0.4, 0.5, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4],
               [0.1, 0.1, 0.8], [0.2, 0.2, 0.6]])


def _proba(p: np.ndarray) -> Predictions:
    return Predictions(labels=LABELS[np.argmax(p, axis=1)], scores=p, probabilities=True)


def test_catalogue_names_tasks_and_needs() -> None:
    assert list(METRICS) == ["log-loss", "balanced-error", "1-auc", "1-accuracy", "rmse",
                             "mae", "1-r2"]
    assert metrics_for("classification") == ("log-loss", "balanced-error", "1-auc",
                                             "1-accuracy")
    assert metrics_for("regression") == ("rmse", "mae", "1-r2")
    assert METRICS["log-loss"].needs is Prediction.PROBABILITIES
    assert METRICS["1-auc"].needs is Prediction.DECISION
    assert all(m.ideal == 0.0 for m in METRICS.values())
    assert len(METRIC_COLUMNS) == 14 and METRIC_COLUMNS[0] == "val:log-loss"
    assert METRICS["rmse"].format(1.23456) == "1.2346"


def test_multiclass_metrics_equal_sklearn() -> None:
    pred = _proba(P3)
    for m in metrics_for("classification"):
        assert METRICS[m](Y3, pred, LABELS) == pytest.approx(METRICS[m].sklearn(Y3, pred, LABELS))
    assert METRICS["log-loss"](Y3, pred, LABELS) == pytest.approx(log_loss(Y3, P3))
    # hand value: mean of -log p(true class)
    hand = -np.mean(np.log([0.7, 0.4, 0.8, 0.3, 0.8, 0.6]))
    assert METRICS["log-loss"](Y3, pred, LABELS) == pytest.approx(hand)
    assert METRICS["1-auc"](Y3, pred, LABELS) == pytest.approx(
        1 - roc_auc_score(Y3, P3, multi_class="ovr", average="macro"))
    labels = pred.labels
    assert list(labels) == [0, 1, 1, 2, 2, 2]
    assert METRICS["1-accuracy"](Y3, pred, LABELS) == pytest.approx(1 - 4 / 6)
    assert METRICS["1-accuracy"](Y3, pred, LABELS) == pytest.approx(
        1 - accuracy_score(Y3, labels))
    # recalls 1/2, 1/2, 1 -> balanced accuracy 2/3
    assert METRICS["balanced-error"](Y3, pred, LABELS) == pytest.approx(1 / 3)
    assert METRICS["balanced-error"](Y3, pred, LABELS) == pytest.approx(
        1 - balanced_accuracy_score(Y3, labels))


def test_fold_missing_a_class() -> None:
    """A scored fold without class 2: log loss uses all labels; AUC averages the classes
    present (what scikit-learn computes on those columns)."""
    y = np.array([0, 0, 1, 1])
    p = P3[:4]
    pred = _proba(p)
    for m in metrics_for("classification"):
        assert METRICS[m](y, pred, LABELS) == pytest.approx(METRICS[m].sklearn(y, pred, LABELS))
    assert METRICS["log-loss"](y, pred, LABELS) == pytest.approx(log_loss(y, p, labels=LABELS))
    with pytest.raises(ValueError):
        log_loss(y, p)  # scikit-learn itself needs the labels here
    onehot = np.eye(3)[y][:, :2]
    assert METRICS["1-auc"](y, pred, LABELS) == pytest.approx(
        1 - roc_auc_score(onehot, p[:, :2], average="macro"))
    # hand: class 0 positives (0.7, 0.4) vs negatives (0.1, 0.3): 4/4 pairs ordered;
    # class 1 positives (0.8, 0.3) vs negatives (0.2, 0.5): 3/4 -> 1 - (1 + 0.75) / 2
    assert METRICS["1-auc"](y, pred, LABELS) == pytest.approx(0.125)
    assert METRICS["1-accuracy"](y, pred, LABELS) == pytest.approx(0.5)  # predicts 0,1,1,2
    assert math.isnan(METRICS["1-auc"](np.array([1, 1]), _proba(P3[2:4]), LABELS))


def test_zero_one_probabilities_are_clipped_like_sklearn() -> None:
    y = np.array([0, 1, 1, 2])
    p = np.array([[1.0, 0, 0], [0, 1.0, 0], [1.0, 0, 0], [0, 0, 1.0]])
    value = METRICS["log-loss"](y, _proba(p), LABELS)
    assert value == pytest.approx(log_loss(y, p, labels=LABELS))
    assert value == pytest.approx(-np.log(np.finfo(np.float64).eps) / 4)
    assert METRICS["1-auc"](y, _proba(p), LABELS) == pytest.approx(
        1 - roc_auc_score(y, p, multi_class="ovr", labels=LABELS))


def test_binary_probabilities_and_decision_values() -> None:
    y = np.array([0, 0, 1, 1, 1])
    p1 = np.array([0.1, 0.6, 0.35, 0.8, 0.9])
    p = np.column_stack([1 - p1, p1])
    labels = np.array([0, 1])
    pred = Predictions(labels=(p1 > 0.5).astype(int), scores=p, probabilities=True)
    assert METRICS["log-loss"](y, pred, labels) == pytest.approx(log_loss(y, p1))
    assert METRICS["1-auc"](y, pred, labels) == pytest.approx(1 - roc_auc_score(y, p1))
    assert METRICS["1-auc"](y, pred, labels) == pytest.approx(1 - 5 / 6)  # one of 6 pairs
    dec = np.array([-2.0, 0.3, -0.1, 1.5, 2.0])
    pdec = Predictions(labels=(dec > 0).astype(int), scores=dec)
    assert METRICS["1-auc"](y, pdec, labels) == pytest.approx(1 - roc_auc_score(y, dec))
    with pytest.raises(ValueError, match="probabilities"):
        METRICS["log-loss"](y, pdec, labels)


def test_multiclass_decision_values_auc() -> None:
    dec = np.log(P3) + 3.0  # not probabilities; same ranking per column
    pred = Predictions(labels=LABELS[np.argmax(dec, axis=1)], scores=dec)
    assert METRICS["1-auc"](Y3, pred, LABELS) == pytest.approx(
        1 - roc_auc_score(Y3, P3, multi_class="ovr", average="macro"))


def test_regression_metrics_equal_sklearn() -> None:
    y = np.array([3.0, -0.5, 2.0, 7.0])
    v = np.array([2.5, 0.0, 2.0, 8.0])
    pred = Predictions(values=v)
    assert METRICS["rmse"](y, pred) == pytest.approx(root_mean_squared_error(y, v))
    assert METRICS["rmse"](y, pred) == pytest.approx(math.sqrt(1.5 / 4))
    assert METRICS["mae"](y, pred) == pytest.approx(mean_absolute_error(y, v))
    assert METRICS["mae"](y, pred) == pytest.approx(0.5)
    assert METRICS["1-r2"](y, pred) == pytest.approx(1 - r2_score(y, v))


def test_model_families_declare_their_metrics() -> None:
    assert supports(METRICS["1-auc"], Prediction.DECISION)
    assert not supports(METRICS["log-loss"], Prediction.DECISION)
    assert not supports(METRICS["rmse"], Prediction.PROBABILITIES)
    for spec in MODELS.values():
        for task in spec.tasks:
            if spec.name in ("svm", "svmc") and task == "classification":
                continue  # decision values only, checked below
            assert spec.supported_metrics(task) == metrics_for(task)
    # the SVC gives decision values only: no log-loss, fallback 1-auc
    assert MODELS["svm"].supported_metrics("classification") == ("balanced-error", "1-auc",
                                                                  "1-accuracy")
    assert MODELS["svm"].default_metric("classification") == "1-auc"
    assert MODELS["svmc"].supported_metrics("classification") == MODELS["svm"].supported_metrics(
        "classification")  # the conditional SVC too
    assert MODELS["svm"].supported_metrics("regression") == ("rmse", "mae", "1-r2")
    assert MODELS["ridge"].default_metric("regression") == "rmse"
    assert MODELS["ridge"].supported_metrics("classification") == ()


@pytest.mark.parametrize("model", ["svm", "knn", "tree", "rf", "logreg", "mlp", "hgb"])
def test_labels_from_probabilities_equal_predict(model: str) -> None:
    """Labels are the argmax of the probabilities (no second prediction call): that is
    each built-in classifier's own ``predict``. The SVC: decision values plus ``predict``."""
    from tunebench.problems.catalogue import get_problem
    from tunebench.problems.tabular import predictions

    problem = get_problem(f"{model}-wine")
    objective = problem.bind(1, folds=3)
    split = objective.full
    config = dict(problem.default_config)
    if model in ("mlp", "hgb"):
        config.update({"max_iter": 20} if model == "mlp" else {})
    est = MODELS[model].build("classification", config, 0)
    est.fit(split.X_fit, split.y_fit)
    pred = predictions(est, "classification", split.X_score, np.unique(split.y_fit))
    assert np.array_equal(pred.labels, est.predict(split.X_score))
    if model == "svm":
        assert not pred.probabilities and pred.scores.shape == (len(split.y_score), 3)
        assert np.array_equal(pred.scores, est.decision_function(split.X_score))
    else:
        assert pred.probabilities and np.allclose(pred.scores.sum(axis=1), 1.0)


def test_objective_records_every_metric_from_the_same_fits() -> None:
    from tunebench.problems.catalogue import get_problem

    problem = get_problem("knn-iris")
    ev = problem.bind(1, folds=3)(dict(problem.default_config))
    assert set(ev.metrics) == set(metrics_for("classification"))
    assert ev.metrics["log-loss"] == (ev.val_loss, ev.test_loss)
    assert ev.val_loss == pytest.approx(np.mean(ev.fold_losses))
    other = problem.with_metric("1-accuracy").bind(1, folds=3)(dict(problem.default_config))
    assert other.metrics == ev.metrics  # the primary metric changes nothing but the choice
    assert (other.val_loss, other.test_loss) == ev.metrics["1-accuracy"]
    with pytest.raises(ValueError, match="rmse"):
        problem.with_metric("rmse")


@pytest.mark.parametrize("seed", range(6))
def test_fast_implementations_equal_sklearn_on_random_draws(seed: int) -> None:
    """Random classes (sometimes a missing one), probabilities with exact 0/1 and ties,
    decision values, regression values: every metric equals scikit-learn's function."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 5))
    labels = np.arange(k)
    n = int(rng.integers(8, 40))
    y = rng.integers(0, k - 1 if seed % 3 == 0 and k > 2 else k, n)  # seed%3==0: a class missing
    if len(np.unique(y)) < 2:
        y[:2] = [0, 1]
    p = rng.dirichlet(np.ones(k), n).round(1)  # rounding makes ties and exact 0/1
    p[0] = np.eye(k)[(y[0] + 1) % k]  # a confident wrong prediction
    p /= p.sum(axis=1, keepdims=True)
    pred = Predictions(labels=labels[np.argmax(p, axis=1)], scores=p, probabilities=True)
    dec = Predictions(labels=pred.labels, scores=rng.normal(size=(n, k)) if k > 2
                      else rng.normal(size=n).round(1))
    for name in metrics_for("classification"):
        m = METRICS[name]
        assert m(y, pred, labels) == pytest.approx(m.sklearn(y, pred, labels), abs=1e-12)
        if name != "log-loss":
            assert m(y, dec, labels) == pytest.approx(m.sklearn(y, dec, labels), abs=1e-12)
    yr = rng.normal(size=n)
    vals = Predictions(values=yr + rng.normal(scale=0.5, size=n))
    for name in metrics_for("regression"):
        m = METRICS[name]
        assert m(yr, vals) == pytest.approx(m.sklearn(yr, vals), abs=1e-12)
    const = Predictions(values=np.full(n, 2.0))
    assert METRICS["1-r2"](np.full(n, 2.0), const) == METRICS["1-r2"].sklearn(np.full(n, 2.0),
                                                                              const) == 0.0
