"""What a run cost and what produced it: timing per strategy, failed trials, provenance."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tunebench.benchmarks.store.manifest_types import Manifest
from tunebench.problems.base import Status


def timing(df: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: trials, fit / ask / tell seconds, reused evaluations, strategy share."""
    tm = df.groupby("strategy").agg(trials=("trial", "size"), fit_s=("fit_seconds", "sum"),
                                    ask_s=("ask_seconds", "sum"), tell_s=("tell_seconds", "sum"),
                                    reused=("reused", "sum")).reset_index()
    tm["strategy_ms_per_trial"] = 1000 * (tm["ask_s"] + tm["tell_s"]) / tm["trials"]
    tm["strategy_share"] = (tm["ask_s"] + tm["tell_s"]) / (tm["ask_s"] + tm["tell_s"] + tm["fit_s"])
    return tm


def failed_trials(df: pd.DataFrame) -> pd.DataFrame:
    """Failed trials counted per (problem, strategy, status)."""
    ft = df[df["status"] != Status.OK].groupby(["problem", "strategy", "status"]).size()
    return ft.rename("trials").reset_index()


def provenance(m: Manifest) -> dict[str, Any]:
    """The manifest's record of what produced the run (first run of several), as stored."""
    stored = m.to_dict()
    prov = {k: stored.get(k) for k in ("run_id", "command", "started_at", "finished_at",
                                       "jobs", "backend")}
    prov["environment"] = stored.get("environment")
    prov["suite"] = stored.get("suite")
    prov["strategies"] = stored.get("strategies")
    return prov


