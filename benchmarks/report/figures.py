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
    many = n > 9  # paper-scale runs: smaller panels keep the page and the render light
    cols = min(4 if many else 3, n)
    rows = (n + cols - 1) // cols
    pw, ph = (3.6, 2.6) if many else (4.6, 3.4)
    fig, axes = plt.subplots(rows, cols, figsize=(pw * cols, ph * rows), squeeze=False)
    for i, (ax, problem) in enumerate(zip(axes.flat, problems, strict=False)):
        sub = curves[curves["problem"] == problem]
        for strategy, g in sub.groupby("strategy", sort=True):
            xs = g[x] + (1 if x == "trial" else 0)
            ax.plot(xs, g["center"], label=strategy, color=colours[strategy], lw=1.5)
            ax.fill_between(xs, g["low"], g["high"], color=colours[strategy], alpha=0.15, lw=0,
                            rasterized=True)
        ax.set_title(problem, fontsize=10 if not many else 8)
        if many and x == "trial" and i + cols < n:  # same x range: label the lowest only
            ax.tick_params(labelbottom=False)
        else:
            ax.set_xlabel(xlabel, fontsize=9 if not many else 7)
        ax.set_ylabel(ylabel, fontsize=9 if not many else 7)
        ax.tick_params(labelsize=8 if not many else 6)
        ax.locator_params(axis="y", nbins=4)
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
    # Fixed margins in inches: tight_layout costs seconds per figure with many panels.
    height = ph * rows
    legend_in = 0.5 + 0.2 * (len(labels) // 6)
    fig.subplots_adjust(left=0.9 / (pw * cols), right=1 - 0.15 / (pw * cols),
                        bottom=(legend_in + 0.55) / height,
                        top=1 - (0.55 if title else 0.35) / height,
                        hspace=1.2 / ph, wspace=0.35)
    return fig


def lines(df: pd.DataFrame, x: str, y: str, colours: dict[str, object], ylabel: str,
          xlabel: str = "evaluations", band: tuple[str, str] | None = None,
          title: str = "", hline: float | None = None, logx: bool = False) -> Figure:
    """One line per strategy of ``y`` against ``x`` (optional band columns)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for strategy, g in df.groupby("strategy", sort=True):
        xs = g[x] + (1 if x == "trial" else 0)
        ax.plot(xs, g[y], label=strategy, color=colours[strategy], lw=1.5)
        if band:
            ax.fill_between(xs, g[band[0]], g[band[1]], color=colours[strategy], alpha=0.15,
                            lw=0)
    if hline is not None:
        ax.axhline(hline, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logx:
        ax.set_xscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2, frameon=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def interval_plot(df: pd.DataFrame, centre: str, low: str, high: str, colours: dict[str, object],
                  xlabel: str, title: str = "", vline: float | None = None) -> Figure:
    """Horizontal point-and-interval plot, one row per strategy (best at the top)."""
    d = df.sort_values(centre)
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(d) + 1.2))
    ys = range(len(d))
    for yy, (_, r) in zip(ys, d.iterrows(), strict=True):
        ax.plot([r[low], r[high]], [yy, yy], color=colours[r["strategy"]], lw=3, alpha=0.6)
        ax.plot(r[centre], yy, "o", color=colours[r["strategy"]])
    ax.set_yticks(list(ys), d["strategy"].tolist())
    if vline is not None:
        ax.axvline(vline, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3, axis="x")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def cd_diagram(mean_ranks: pd.Series, nemenyi: pd.DataFrame, cd: float) -> Figure:
    """Critical-difference diagram (scikit-posthocs), Nemenyi at alpha = 0.05."""
    import scikit_posthocs as sp

    fig, ax = plt.subplots(figsize=(8, 0.35 * len(mean_ranks) + 1.5))
    sp.critical_difference_diagram(mean_ranks, nemenyi, ax=ax, label_fmt_left="{label} ({rank:.2f})  ",
                                   label_fmt_right="  ({rank:.2f}) {label}")
    ax.set_title(f"Mean rank over problems (Friedman/Nemenyi); CD at 0.05 = {cd:.2f}",
                 fontsize=9)
    fig.tight_layout()
    return fig
