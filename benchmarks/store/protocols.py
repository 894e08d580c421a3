"""Which validation protocols stored trials hold, and the trials of the default one.

Pure functions of a trials frame and the run's suite (a :class:`Suite`, or the manifest's
suite mapping); the analysis and the
re-salt reruns (:mod:`benchmarks.execution.resalt`) both read a run this way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd


def protocols_of(trials: pd.DataFrame, suite: Any = None) -> list[str]:
    """The run's protocols, the default first: in the suite's order (a ``Suite``'s
    ``protocol_names``; a suite mapping's ``protocols``, else ``cv-<folds>``), then the
    others by name. Empty for trials written before the ``protocol`` column existed."""
    if "protocol" not in trials.columns:
        return []
    present = sorted(trials["protocol"].dropna().unique())  # not set(): a Python loop per row
    order = _order(suite)
    return [p for p in order if p in present] + [p for p in present if p not in order]


def _order(suite: Any) -> list[str]:
    if suite is None:
        return []
    if not isinstance(suite, Mapping):  # a Suite
        return list(suite.protocol_names)
    default = [f"cv-{suite['folds']}"] if "folds" in suite else []
    return list(suite.get("protocols") or default)


def default_protocol_only(trials: pd.DataFrame, suite: Any) -> pd.DataFrame:
    """The trials of the run's default (first) protocol: the rest of the report keys cells by
    (problem, strategy, seed), so it reads one protocol; the Protocol section reads them all.
    Unchanged for a run with one protocol (or written before protocols existed)."""
    protocols = protocols_of(trials, suite)
    if len(protocols) < 2:
        return trials
    return trials[trials["protocol"] == protocols[0]].reset_index(drop=True)
