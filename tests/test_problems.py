"""Datasets load offline with the documented sizes; every problem evaluates a configuration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tunebench.problems.base import Evaluation
from tunebench.problems.catalogue import PROBLEMS, available, get_problem
from tunebench.problems.datasets import DATASETS
from tunebench.problems.datasets_large import LARGE
from tunebench.problems.space import Float
from tunebench.problems.synthetic import SYNTHETIC, branin, hartmann3, hartmann6

LARGE_NAMES = {d.name for d in LARGE}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_dataset_loads_offline_with_documented_size(name):
    ds = DATASETS[name]
    if not ds.available:
        pytest.skip(f"needs the optional {ds.extra}")
    X, y = ds.load()
    assert X.shape == (ds.rows, ds.features), (X.shape, ds.rows, ds.features)
    assert len(y) == ds.rows
    if ds.task == "classification":
        assert 2 <= len(np.unique(y)) <= 20
    else:
        assert np.issubdtype(np.asarray(y).dtype, np.number)
    assert ds.licence and ds.source


def test_at_least_twelve_datasets_of_both_tasks():
    assert len(DATASETS) >= 12
    assert {d.task for d in DATASETS.values()} == {"classification", "regression"}


def test_synthetic_optima_are_exact():
    assert branin(np.array([math.pi, 2.275])) == pytest.approx(0.397887357729739, abs=1e-9)
    assert hartmann3(np.array([0.114614, 0.555649, 0.852547])) == pytest.approx(-3.86278, abs=1e-5)
    x6 = np.array([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573])
    assert hartmann6(x6) == pytest.approx(-3.32237, abs=1e-5)
    for name in ["rosenbrock4", "levy4"]:
        p = SYNTHETIC[name]
        ev = p.bind(1)({n: 1.0 for n in p.space.names})
        assert ev.test_loss == pytest.approx(p.optimum, abs=1e-12)
    p = SYNTHETIC["ackley5"]
    assert p.bind(1)({n: 0.0 for n in p.space.names}).test_loss == pytest.approx(0.0, abs=1e-12)


def test_noisy_synthetic_noise_on_validation_only_and_reproducible():
    p = SYNTHETIC["noisy-hartmann6"]
    c = {n: 0.3 for n in p.space.names}
    a, b, other_seed = p.bind(1)(c), p.bind(1)(c), p.bind(2)(c)
    assert (a.val_loss, a.test_loss) == (b.val_loss, b.test_loss)
    assert a.test_loss == other_seed.test_loss
    assert a.val_loss != a.test_loss and a.val_loss != other_seed.val_loss


def _cheap_config(problem):
    """The default configuration; for the MLP, the cheapest epochs to keep the test quick."""
    c = dict(problem.default_config)
    if "max_iter" in c:
        c["max_iter"] = 10
    return c


def covering_problems() -> list[str]:
    """Problems that exercise every model and every dataset at least once, cheaply: each
    (model, task) on its smallest dataset and each dataset with its cheapest model (by the
    model's declared cost), plus every synthetic function. The other pairs combine parts
    tested here; ``TUNEBENCH_ALL_PROBLEMS=1`` evaluates every problem (about 250 fits, a
    third of the test suite's time on 2 cores)."""
    import os

    if os.environ.get("TUNEBENCH_ALL_PROBLEMS") == "1":
        return sorted(PROBLEMS)
    tabular = {n: p for n, p in PROBLEMS.items() if getattr(p, "dataset", None) is not None
               and p.dataset.name not in LARGE_NAMES}
    picked = {n for n, p in PROBLEMS.items() if getattr(p, "dataset", None) is None}
    by_dataset: dict[str, str] = {}
    by_model: dict[tuple[str, str], str] = {}
    for n, p in sorted(tabular.items()):
        d, m = p.dataset.name, (p.model.name, p.task)
        if d not in by_dataset or p.model.cost < tabular[by_dataset[d]].model.cost:
            by_dataset[d] = n
        if m not in by_model or p.dataset.rows < tabular[by_model[m]].dataset.rows:
            by_model[m] = n
    return sorted(picked | set(by_dataset.values()) | set(by_model.values()))


def test_the_covering_sample_exercises_every_model_and_small_dataset():
    names = covering_problems()
    tabular = [p for p in PROBLEMS.values() if getattr(p, "dataset", None) is not None
               and p.dataset.name not in LARGE_NAMES]
    picked = [PROBLEMS[n] for n in names if getattr(PROBLEMS[n], "dataset", None) is not None]
    assert {p.dataset.name for p in picked} == {p.dataset.name for p in tabular}
    assert {(p.model.name, p.task) for p in picked} == {(p.model.name, p.task) for p in tabular}
    assert set(SYNTHETIC) <= set(names)


@pytest.mark.slow
@pytest.mark.parametrize("name", covering_problems())
def test_every_problem_evaluates_one_configuration(name):
    p = PROBLEMS[name]
    if not available(p):
        pytest.skip("needs the optional data extra")
    if getattr(p, "dataset", None) is not None and p.dataset.name in LARGE_NAMES:
        # up to a minute per fit on 54,000 rows (elasticnet-diamonds): the loading, drops and
        # hashes are tested in tests/test_datasets_large.py, the pipeline on the small sets
        pytest.skip("a full fit on a large dataset; tests/test_datasets_large.py loads it")
    config = _cheap_config(p)
    p.space.validate(config)
    ev = p.bind(1, folds=2, test_fraction=0.25)(config)
    assert isinstance(ev, Evaluation)
    assert ev.status == "ok", ev.error
    assert math.isfinite(ev.val_loss) and math.isfinite(ev.test_loss)
    assert len(ev.fold_losses) == (2 if p.task != "synthetic" else 1)
    assert ev.val_loss == pytest.approx(np.mean(ev.fold_losses))


def test_failing_configuration_is_data_not_a_crash():
    p = get_problem("logreg-iris")
    ev = p.bind(1, folds=2)({"C": -1.0})  # invalid for scikit-learn
    assert ev.status == "error" and "C" in ev.error
    assert math.isnan(ev.val_loss) and math.isnan(ev.test_loss)


def test_incompatible_pair_is_refused_with_alternatives():
    from tunebench.problems.catalogue import make_problem
    from tunebench.problems.models import MODELS

    with pytest.raises(ValueError, match="models for regression: .*ridge"):
        make_problem(MODELS["logreg"], DATASETS["diabetes"])


def test_unknown_problem_suggests_names():
    with pytest.raises(KeyError, match="svm-breast_cancer"):
        get_problem("svm-breast_cancr")


def test_split_is_stratified_and_leak_free():
    p = get_problem("svm-breast_cancer")
    obj = p.bind(3, folds=5, test_fraction=0.25)
    train, test = set(obj.train_idx), set(obj.test_idx)
    assert not train & test
    for fit, score in obj.fold_idx:
        assert set(fit) <= train and set(score) <= train and not set(fit) & set(score)
    assert abs(obj.full.y_score.mean() - obj.full.y_fit.mean()) < 0.02
    for split, (fit, score) in zip(obj.splits, obj.fold_idx, strict=True):
        assert len(split.y_fit) == len(fit) and len(split.y_score) == len(score)


def test_csv_dataset(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "data.csv"
    lines = ["a,b,colour,target"] + [
        f"{rng.normal():.4f},{rng.normal():.4f},{rng.choice(['red', 'blue'])},{rng.integers(0, 2)}"
        for _ in range(80)]
    path.write_text("\n".join(lines))
    p = get_problem(f"knn-csv:{path}:target")
    assert p.task == "classification"
    ev = p.bind(1, folds=2)(p.default_config)
    assert ev.status == "ok"


def test_all_spaces_are_valid_and_defaults_inside():
    for p in PROBLEMS.values():
        p.space.validate(p.default_config)
        for d in p.space:
            if isinstance(d, Float):
                assert d.low < d.high
