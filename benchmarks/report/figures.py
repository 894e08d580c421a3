"""Figures (matplotlib, Agg backend): each function takes tidy frames and returns a Figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def palette(strategies: list[str]) -> dict[str, object]:
    cmap = plt.get_cmap("tab20" if len(strategies) > 10 else "tab10")
    return {s: cmap(i % cmap.N) for i, s in enumerate(sorted(strategies))}


def convergence(curves: pd.DataFrame, problems: list[str], ylabel: str,
                colours: dict[str, object], logx: bool = False, x: str = "trial",
                xlabel: str = "evaluations", title: str = "") -> Figure:
    """One panel per problem: centre line and 95% band per strategy against ``x``."""
    n = len(problems)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows), squeeze=False)
    for ax, problem in zip(axes.flat, problems, strict=False):
        sub = curves[curves["problem"] == problem]
        for strategy, g in sub.groupby("strategy", sort=True):
            xs = g[x] + (1 if x == "trial" else 0)
            ax.plot(xs, g["center"], label=strategy, color=colours[strategy], lw=1.5)
            ax.fill_between(xs, g["low"], g["high"], color=colours[strategy], alpha=0.15, lw=0)
        ax.set_title(problem, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if logx:
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), fontsize=8,
               frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06 + 0.02 * (len(labels) // 6), 1, 0.97 if title else 1))
    return fig
