"""The report's "Protocol" section: validation protocols compared at equal configurations
and at equal fits (computations in :mod:`benchmarks.analysis.protocol`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from tunebench.benchmarks.report import figures
from tunebench.benchmarks.report.tables import Table


def cost_figure(curves: pd.DataFrame, protocols: list[str]) -> Figure:
    """One panel per strategy: mean test regret of the incumbent against model fits, one
    line per protocol."""
    strategies = sorted(curves["strategy"].unique())
    n = len(strategies)
    fig, axes = figures.plt.subplots(1, n, figsize=(4.4 * n, 3.4), squeeze=False)
    # Protocols, not strategies, are the lines here: their own colour-blind-safe set.
    shades = figures.sns.color_palette("colorblind", len(protocols))
    colours = dict(zip(protocols, shades, strict=True))
    for ax, strategy in zip(axes.flat, strategies, strict=True):
        for protocol in protocols:
            g = curves[(curves["strategy"] == strategy) & (curves["protocol"] == protocol)]
            ax.plot(g["fits"], g["regret"], label=protocol, color=colours[protocol], lw=1.5)
        ax.set_title(strategy, fontsize=10)
        ax.set_xlabel("model fits (inner fits + test refit)", fontsize=9)
        ax.set_ylabel("mean test regret", fontsize=9)
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), fontsize=8,
               frameon=False)
    fig.subplots_adjust(bottom=0.3, top=0.9, wspace=0.3)
    return fig


def protocol_section(page: Any, result: dict[str, Any]) -> None:
    """Write the section from ``Summary.protocols`` (empty with one protocol: nothing)."""
    if not result:
        return
    protocols, budget = result["protocols"], result["fit_budget"]
    page.heading("Protocol", 2, "protocol", nav="Protocol")
    page.para(f"{len(protocols)} validation protocols on the same outer train/test split per "
              f"seed; the default (first) protocol {protocols[0]} is the one the sections above "
              "report. A cell is (problem, protocol, strategy, seed).")
    page.table(Table("protocol", result["table"], "Per protocol and strategy: mean test loss "
                     f"of the final incumbent at equal configurations and at equal fits "
                     f"({budget} fits), overtuning, test regret, cost and validation-test rank "
                     "correlation",
                     note="share_ot_positive: cells with overtuning > 0; median_rel_ot over "
                          "cells where it is defined; spearman/kendall: mean over cells of "
                          "the rank correlation between validation and test loss of the "
                          "configurations tried."))
    page.table(Table("protocol_paired", result["paired"], "Paired comparison of protocols on "
                     "the same (problem, strategy, seed): test loss of the final incumbent",
                     note="mean_diff < 0: the first protocol has the lower test loss. "
                          "p_value: exact Wilcoxon signed-rank over problems of the "
                          "per-problem mean difference (no multiplicity correction)."))
    for sentence in result["verdicts"]:
        page.para(sentence)
    page.figure(cost_figure(result["cost_curves"], protocols), "protocol_cost",
                "Mean test regret of the incumbent (vs the best test loss of the problem and "
                "seed in the run) against model fits, per protocol")
