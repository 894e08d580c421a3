"""The report's "Does tuning transfer as data grows?" section: renders ``Summary.scaling``
(numbers computed in :mod:`benchmarks.analysis.scaling`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from tunebench.benchmarks.analysis.scaling import SHOWN
from tunebench.benchmarks.report import figures, palette
from tunebench.benchmarks.report.tables import Table


def gain_figure(table: pd.DataFrame, styles: dict[str, Any] | None = None) -> Figure:
    """Two panels (validation, test): each strategy's mean relative gain over random search
    against training size, with its band (mean +- 1.96 SE over problems), in the report's
    colour and line style of each strategy (``styles``: :func:`palette.summary_styles`)."""
    fig, axes = figures.plt.subplots(1, 2, figsize=(9.0, 3.6), sharey=True)
    others = table[table["strategy"] != "random"]
    strategies = sorted(others["strategy"].unique())
    styles = styles or palette.styles(strategies, {})
    for ax, side in zip(axes, ("val", "test"), strict=True):
        for strategy in strategies:
            g = others[others["strategy"] == strategy].sort_values("n_train")
            x, y, band = g["n_train"], g[f"{side}_gain_rel"], g[f"{side}_band"].fillna(0)
            st = styles[strategy]
            ax.plot(x, y, marker="o", lw=1.5, color=st.colour, linestyle=st.linestyle,
                    label=strategy)
            ax.fill_between(x, y - band, y + band, color=st.colour, alpha=0.15, lw=0)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xscale("log")
        ax.minorticks_off()
        ax.set_xticks(sorted(table["n_train"].unique()))
        ax.set_xticklabels([str(n) for n in sorted(table["n_train"].unique())], fontsize=8)
        ax.set_xlabel("training rows", fontsize=9)
        ax.set_title("validation" if side == "val" else "test", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("relative gain over random search", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(max(len(labels), 1), 5),
               fontsize=8, frameon=False)
    fig.subplots_adjust(bottom=0.3, top=0.9, wspace=0.1)
    return fig


def scaling_section(page: Any, result: dict[str, Any],
                    styles: dict[str, Any] | None = None) -> None:
    """Write the section from ``Summary.scaling`` (empty with one training size: nothing)."""
    if not result:
        return
    table = result["table"]
    page.heading("Does tuning transfer as data grows?", 2, "scaling", nav="Scaling")
    page.para(f"Training sizes {', '.join(map(str, result['sizes']))} rows: nested subsamples "
              "of each seed's training part, scored on the same test rows for every size. "
              "The sections above report the largest size. Gains are random search's final "
              "incumbent loss minus the strategy's, on the same problem and seed (positive: "
              "the strategy is better); relative gains divide by random search's loss.")
    page.table(Table("scaling", table[SHOWN], "Per training size and strategy: gain over random "
                     "search on validation and test, overtuning, validation-test rank "
                     "correlation and the test-set standard error of the incumbent's loss",
                     note="val_band/test_band: 1.96 standard errors over problems of the "
                          "relative gain. ot_share: cells with overtuning > 0; rel_ot: mean "
                          "relative overtuning where defined (Schneider, Bischl & Feurer "
                          "2025). spearman: mean over cells of the rank correlation of the "
                          "configurations tried. test_se_rel: mean test-set SE of the final "
                          "incumbent's loss over random search's test loss (NaN for metrics "
                          "that are not row means, see problems/test_se.py); noise_share: "
                          "share of problems whose mean test gain is below 2 test SEs (in "
                          "the problem's own units), where one split cannot show the gain. "
                          "p: exact two-sided Wilcoxon signed-rank over "
                          "problems of the relative gains; p_holm: Holm across sizes."))
    rows = table[(table["strategy"] != "random") & table["noise_share"].notna()]
    if len(rows):
        per = rows.groupby("n_train")["noise_share"].mean()
        page.para("Share of (problem, strategy) pairs whose mean test gain is below twice "
                  "the test set's standard error, where the test set cannot tell the gain "
                  "from noise: " + "; ".join(f"{n} rows: {v:.0%}" for n, v in per.items())
                  + ".")
    for sentence in result["verdicts"]:
        page.para(sentence)
    page.figure(gain_figure(table, styles), "scaling_gain",
                "Relative gain over random search on validation and on test against training "
                "size, per strategy (bands: mean +- 1.96 SE over problems)")
