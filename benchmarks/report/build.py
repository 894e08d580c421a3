"""Build ``RUN_DIR/report/``: HTML page, Markdown, CSV tables and figures.

Everything is computed from the stored trials and manifest; nothing is re-run.
"""

from __future__ import annotations

import base64
import html
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.analysis.aggregate import curves
from benchmarks.analysis.trajectory import final, incumbents
from benchmarks.report import figures
from benchmarks.store import RunDir, read_trials

log = logging.getLogger(__name__)


@dataclass
class Inputs:
    trials: pd.DataFrame
    manifest: dict[str, Any]


def load(run_dir: str | Path) -> Inputs:
    run = RunDir(run_dir)
    return Inputs(read_trials(run_dir), run.read_manifest())


def _fig_html(fig: Any, out: Path, name: str) -> str:
    """Save PNG and PDF; return an <img> with the PNG embedded (works offline)."""
    fig.savefig(out / f"{name}.png", dpi=110)
    fig.savefig(out / f"{name}.pdf")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    figures.plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'


def summary_table(traj: pd.DataFrame) -> pd.DataFrame:
    """Per problem and strategy at the full budget: median incumbent losses over seeds."""
    fin = final(traj)
    return (fin.groupby(["problem", "strategy"], sort=True)
            .agg(seeds=("seed", "nunique"), median_val_loss=("inc_val", "median"),
                 median_test_loss=("inc_test", "median"))
            .reset_index())


def build_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of one run; returns the path of ``index.html``."""
    inputs = load(run_dir)
    out = Path(out) if out else Path(run_dir) / "report"
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    traj = incumbents(inputs.trials)
    problems = sorted(traj["problem"].unique())
    colours = figures.palette(sorted(traj["strategy"].unique()))
    conv = curves(traj, "inc_val")
    fig = figures.convergence(conv, problems, "best validation loss so far", colours,
                              title="Convergence: median over seeds, 95% bootstrap band")
    img = _fig_html(fig, out / "figures", "convergence_val")
    summary = summary_table(traj)
    summary.to_csv(out / "tables" / "summary.csv", index=False)
    m = inputs.manifest
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tunebench report: {html.escape(m['suite']['name'])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}}
img{{max-width:100%}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:2px 6px}}</style>
</head><body>
<h1>tunebench report: suite <code>{html.escape(m['suite']['name'])}</code></h1>
<p>Run <code>{html.escape(m['run_id'])}</code>, {len(inputs.trials)} trials.</p>
<h2>Convergence</h2>{img}
<h2>Summary at the full budget</h2>{summary.to_html(index=False, float_format=lambda v: f'{v:.4g}')}
</body></html>
"""
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    log.info("report written to %s", index)
    return index
