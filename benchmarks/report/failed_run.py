"""The report of a run with no successful trial: what failed and why, no statistics.

Used by :func:`benchmarks.report.build.build_report` when every trial failed (every cell's
strategy raised, every fit failed or timed out): there is nothing to compare, but the
failures themselves must reach the user instead of a crash in the statistics.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from tunebench.benchmarks.report.tables import Table


def cause(text: str | None) -> str:
    """The cause of a failure, for grouping: the last line of a traceback (the exception
    and its message), at most 200 characters."""
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "(no message)")[:200]


def failure_groups(failed_cells: dict[str, str], trials: pd.DataFrame) -> pd.DataFrame:
    """Failures grouped by cause: how many cells and trials each cause stopped, one example."""
    rows = [{"cause": cause(err), "where": "cell", "name": cell}
            for cell, err in failed_cells.items()]
    bad = trials[trials["status"] != "ok"]
    rows += [{"cause": f"{st}: {cause(err)}", "where": "trial",
              "name": f"{p} / {s} / seed {seed}"}
             for st, err, p, s, seed in zip(bad["status"], bad["error"], bad["problem"],
                                             bad["strategy"], bad["seed"], strict=True)]
    if not rows:
        return pd.DataFrame(columns=["cause", "cells", "trials", "example"])
    df = pd.DataFrame(rows)
    out = df.groupby("cause", sort=True).agg(
        cells=("where", lambda w: int((w == "cell").sum())),
        trials=("where", lambda w: int((w == "trial").sum())),
        example=("name", "first")).reset_index()
    return out.sort_values(["cells", "trials"], ascending=False, kind="stable")


def render_failed_run(page: Any, inputs: Any, out: Path) -> Path:
    """Write ``index.html`` and ``report.md`` for a run with no successful trial."""
    m, df = inputs.manifest, inputs.trials
    page.heading(f"tunebench report: suite {m.suite_name}", 1)
    page.para(f"No trial succeeded: {len(inputs.failed_cells)} failed cell(s) and "
              f"{int((df['status'] != 'ok').sum())} failed trial(s) out of {len(df)} stored. "
              "There is nothing to compare, so this report has no statistics.")
    page.heading("Failures by cause", 2, "failures")
    page.table(Table("failures_by_cause", failure_groups(inputs.failed_cells, df),
                     "Failures grouped by cause (full tracebacks in cells/<cell>.error)"))
    page.heading("Provenance", 2, "provenance")
    stored = m.to_dict()
    prov = {k: stored.get(k) for k in ("run_id", "command", "started_at", "finished_at",
                                       "backend", "suite")}
    page.pre(json.dumps(prov, indent=2, default=str))
    title = html.escape(f"tunebench report: {m.suite_name} (no successful trial)")
    index = out / "index.html"
    index.write_text(f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
                     f"<title>{title}</title></head><body>\n" + "\n".join(page.html)
                     + "\n</body></html>\n", encoding="utf-8")
    (out / "report.md").write_text("\n".join(page.md), encoding="utf-8")
    return index
