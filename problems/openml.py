"""OpenML datasets (``openml:<dataset-id>`` or ``openml:task/<task-id>``) with a local cache.

For users with network access: the first load fetches the dataset description (JSON API)
and its ARFF file, and stores ``data.parquet`` plus ``meta.json`` under the cache folder
(``$TUNEBENCH_CACHE`` or ``~/.cache/tunebench``)/``openml/<id>/``; later loads read the
cache only, so runs and workers never download again. ``$TUNEBENCH_OPENML_URL`` points
at another server (the tests use a local fixture server).
"""

from __future__ import annotations

import io
import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tunebench.problems.base import Task
from tunebench.problems.data import XY, Dataset

DEFAULT_URL = "https://www.openml.org"
TIMEOUT = 60


def cache_dir() -> Path:
    root = os.environ.get("TUNEBENCH_CACHE") or Path.home() / ".cache" / "tunebench"
    return Path(root) / "openml"


def _base_url() -> str:
    return os.environ.get("TUNEBENCH_OPENML_URL", DEFAULT_URL).rstrip("/")


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:  # noqa: S310 (http/https only)
            return resp.read()
    except OSError as exc:
        raise ValueError(f"cannot download {url}: {exc}. OpenML datasets need network access "
                         f"the first time; afterwards they load from {cache_dir()}") from exc


def _read_arff(text: str) -> pd.DataFrame:
    from scipy.io import arff

    data, meta = arff.loadarff(io.StringIO(text))
    df = pd.DataFrame(data)
    for col, kind in zip(meta.names(), meta.types(), strict=True):
        if kind == "nominal":
            df[col] = df[col].map(lambda b: b.decode() if isinstance(b, bytes) else b)
            df[col] = df[col].replace("?", np.nan)
    return df


def _fetch(dataset_id: int, target: str | None) -> dict[str, Any]:
    desc = json.loads(_get(f"{_base_url()}/api/v1/json/data/{dataset_id}"))["data_set_description"]
    target = target or desc.get("default_target_attribute")
    if not target:
        raise ValueError(f"OpenML dataset {dataset_id} has no default target; use a task id")
    df = _read_arff(_get(desc["url"]).decode("utf-8"))
    if target not in df.columns:
        raise ValueError(f"OpenML dataset {dataset_id}: target {target!r} not in its columns")
    y = df[target]
    numeric = pd.api.types.is_numeric_dtype(y)
    meta = {"id": dataset_id, "name": desc.get("name", str(dataset_id)), "target": target,
            "licence": desc.get("licence", "see OpenML"), "version": desc.get("version"),
            "task": "regression" if numeric and y.nunique() > 10 else "classification"}
    folder = cache_dir() / str(dataset_id)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / ".data.parquet.tmp"
    df.to_parquet(tmp)
    tmp.replace(folder / "data.parquet")
    (folder / "meta.json").write_text(json.dumps(meta, indent=2))
    return meta


def _task_to_dataset(task_id: int) -> tuple[int, str]:
    task = json.loads(_get(f"{_base_url()}/api/v1/json/task/{task_id}"))["task"]
    for item in task["input"]:
        if item.get("name") == "source_data":
            ds = item["data_set"]
            return int(ds["data_set_id"]), ds.get("target_feature")
    raise ValueError(f"OpenML task {task_id} has no source data")


def openml_dataset(spec: str) -> Dataset:
    """The :class:`Dataset` for ``openml:<id>`` or ``openml:task/<id>``, cached locally."""
    body = spec[len("openml:"):]
    target = None
    try:
        if body.startswith("task/"):
            dataset_id, target = _task_to_dataset(int(body[len("task/"):]))
        else:
            dataset_id = int(body)
    except ValueError as exc:
        if "download" in str(exc) or "OpenML" in str(exc):
            raise
        raise ValueError(f"bad OpenML spec {spec!r}: expected openml:<dataset-id> or "
                         "openml:task/<task-id>") from exc
    folder = cache_dir() / str(dataset_id)
    if (folder / "meta.json").exists() and (folder / "data.parquet").exists():
        meta = json.loads((folder / "meta.json").read_text())
    else:
        meta = _fetch(dataset_id, target)
    df = pd.read_parquet(folder / "data.parquet")
    target = meta["target"]
    task = meta["task"]

    def load() -> XY:
        y = df[target]
        y = y.to_numpy() if task == Task.REGRESSION else y.astype(str).to_numpy()
        return df.drop(columns=[target]), y

    return Dataset(spec, task, f"OpenML dataset {dataset_id} ({meta['name']}, version "
                   f"{meta.get('version')})", meta["licence"], len(df), df.shape[1] - 1,
                   f"OpenML {meta['name']}, target {target!r}", load)
