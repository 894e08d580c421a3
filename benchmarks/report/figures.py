"""Figures (matplotlib Agg, styled with seaborn's "paper" context): each function takes tidy
frames plus the strategies' :class:`~benchmarks.report.palette.Style` and returns a Figure.

Every artist drawn for a strategy carries the gid ``strategy:<name>``, so
:func:`figure_colours` reads back, from the figure itself, which colour each strategy got;
:func:`save` writes that next to the PNG (``<name>.json``) for tests and reviewers.
Statistics (medians, bands, bootstrap intervals) are computed in ``benchmarks.analysis``,
not by seaborn, so they follow the report's seeded resampling.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import ticker  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from tunebench.benchmarks.report.palette import Style  # noqa: E402

DPI = 200
GID = "strategy:"
Styles = Mapping[str, Style]


def themed(fn: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw inside seaborn's "paper" context and "ticks" style (no global rcParams change)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with sns.plotting_context("paper"), sns.axes_style("ticks", {"axes.grid": True,
                                                                       "grid.alpha": 0.3}):
            return fn(*args, **kwargs)

    return wrapper


def figure_colours(fig: Figure) -> dict[str, list[str]]:
    """Strategy -> the distinct colours (hex) of the artists drawn for it in ``fig``."""
    seen: dict[str, set[str]] = {}
    for artist in fig.findobj(lambda a: str(a.get_gid() or "").startswith(GID)):
        name = artist.get_gid()[len(GID):]
        if isinstance(artist, (Line2D, Text)):
            colour = artist.get_color()
        elif isinstance(artist, Collection) and len(artist.get_facecolor()):
            colour = artist.get_facecolor()[0]
        else:
            continue
        seen.setdefault(name, set()).add(to_hex(colour, keep_alpha=False))
    return {k: sorted(v) for k, v in sorted(seen.items())}


def save(fig: Figure, directory: Path, name: str, pdf: bool = True, dpi: int = DPI) -> bytes:
    """Write ``name``.png (``dpi``), optionally ``name``.pdf, and ``name``.json (strategy
    colours read from the artists); close the figure and return the PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    (directory / f"{name}.png").write_bytes(buf.getvalue())
    if pdf:  # no creation date: the same run gives the same bytes
        fig.savefig(directory / f"{name}.pdf", metadata={"CreationDate": None})
    sidecar = {"figure": name, "dpi": dpi, "colours": figure_colours(fig)}
    (directory / f"{name}.json").write_text(json.dumps(sidecar, indent=1), encoding="utf-8")
    plt.close(fig)
    return buf.getvalue()


def log_axis(axis: matplotlib.axis.Axis) -> None:
    """Log scale with few, plain labels that never overlap on narrow panels.

    Call after plotting. Spanning 1.5 decades or more, only powers of ten are labelled
    (at most about five); over a narrower range, 1-2-5 steps are, since powers of ten alone
    might leave the axis without a label. No minor ticks.
    """
    x = axis.axis_name == "x"
    (axis.axes.set_xscale if x else axis.axes.set_yscale)("log")
    lim = axis.axes.dataLim.intervalx if x else axis.axes.dataLim.intervaly
    lo, hi = (float(v) for v in lim)
    wide = lo > 0 and np.isfinite(hi) and np.log10(hi / lo) >= 1.5
    if wide:
        axis.set_major_locator(ticker.LogLocator(base=10, numticks=5))
        axis.set_major_formatter(ticker.LogFormatterSciNotation(labelOnlyBase=True))
    else:
        axis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=5))
        axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.3g}"))
    # No minor ticks: each costs a Tick object per panel, seconds on 50-panel figures.
    axis.set_minor_locator(ticker.NullLocator())


def _draw(ax: plt.Axes, xs: Any, g: pd.DataFrame, name: str, style: Style, band: bool,
          y: str = "center", lw: float = 1.5, alpha: float = 1.0) -> None:
    ax.plot(xs, g[y], label=name, lw=lw, alpha=alpha, gid=GID + name, **style.line_kwargs())
    if band:
        ax.fill_between(xs, g["low"], g["high"], color=style.colour, alpha=0.2, lw=0,
                        rasterized=True, gid=GID + name)


def highlighted(curves: pd.DataFrame, x: str = "trial", reference: str = "random",
                best: int = 2) -> set[str]:
    """The strategies that get a band in a panel: the reference and the ``best`` lowest
    final medians (last value along ``x``)."""
    last = curves.sort_values(x).groupby("strategy")["center"].last()
    return set(last.nsmallest(best).index) | ({reference} & set(last.index))


def _legend(fig: Figure, axes: Sequence[plt.Axes], styles: Styles) -> float:
    """One legend for the figure, every strategy once, in catalogue-independent name order;
    returns its height in inches."""
    handles: dict[str, Any] = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    labels = sorted(handles)
    fig.legend([handles[k] for k in labels], labels, loc="lower center",
               ncol=min(len(labels), 6), fontsize=7, frameon=False)
    return 0.35 + 0.17 * ((len(labels) - 1) // 6 + 1)


def _grid(n: int, many: bool) -> tuple[Figure, np.ndarray, float, float, int]:
    cols = min(4 if many else 3, n)
    rows = (n + cols - 1) // cols
    pw, ph = (3.4, 2.5) if many else (4.2, 3.0)
    fig, axes = plt.subplots(rows, cols, figsize=(pw * cols, ph * rows), squeeze=False)
    return fig, axes, pw, ph, cols


@themed
def convergence(curves: pd.DataFrame, problems: list[str], ylabel: str, styles: Styles,
                logx: bool = True, logy: bool = False, x: str = "trial",
                xlabel: str = "evaluations", title: str = "", bands: bool = True) -> Figure:
    """One panel per problem: the median line of every strategy; the band (whatever
    ``low``/``high`` hold, e.g. the interquartile range) only for the highlighted few
    (:func:`highlighted`), so bands stay readable with many strategies."""
    n = len(problems)
    many = n > 9
    fig, axes, pw, ph, cols = _grid(n, many)
    for i, (ax, problem) in enumerate(zip(axes.flat, problems, strict=False)):
        sub = curves[curves["problem"] == problem]
        hi = highlighted(sub, x) if bands else set()
        for strategy, g in sub.groupby("strategy", sort=True):
            xs = g[x] + (1 if x == "trial" else 0)
            on = strategy in hi
            _draw(ax, xs, g, strategy, styles[strategy], on, lw=1.6 if on else 1.0,
                  alpha=1.0 if on else 0.75)
        ax.set_title(problem, fontsize=8 if many else 9)
        if logx:
            log_axis(ax.xaxis)
        if logy:
            log_axis(ax.yaxis)
        if many and x == "trial" and i + cols < n:
            ax.tick_params(labelbottom=False)
        else:
            ax.set_xlabel(xlabel, fontsize=7)
        ax.set_ylabel(ylabel, fontsize=7)
        ax.tick_params(labelsize=6 if many else 7)
        sns.despine(ax=ax)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    legend_in = _legend(fig, list(axes.flat)[:n], styles)
    height = ph * axes.shape[0]
    fig.subplots_adjust(left=0.8 / (pw * cols), right=1 - 0.15 / (pw * cols),
                        bottom=(legend_in + 0.5) / height,
                        top=1 - (0.55 if title else 0.3) / height, hspace=1.0 / ph, wspace=0.4)
    if title:
        fig.suptitle(title)
    return fig


@themed
def family_panels(df: pd.DataFrame, x: str, ylabel: str, styles: Styles,
                  xlabel: str = "evaluations", reference: str = "random", logx: bool = True,
                  hline: float | None = None, invert: bool = False) -> Figure:
    """Small multiples, one panel per strategy family: each strategy's ``center`` with its
    ``low``/``high`` band; the reference strategy is repeated in every panel."""
    fams = sorted({styles[s].family for s in df["strategy"].unique()})
    fig, axes = plt.subplots(1, len(fams), figsize=(3.3 * len(fams) + 0.6, 3.2),
                             sharey=True, squeeze=False)
    for ax, fam in zip(axes.flat, fams, strict=True):
        for strategy, g in df.groupby("strategy", sort=True):
            if styles[strategy].family != fam and strategy != reference:
                continue
            xs = g[x] + (1 if x == "trial" else 0)
            _draw(ax, xs, g, strategy, styles[strategy], True)
        if hline is not None:
            ax.axhline(hline, color="grey", lw=0.8, ls="--")
        if logx:
            log_axis(ax.xaxis)
        ax.set_title(fam, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        sns.despine(ax=ax)
    axes.flat[0].set_ylabel(ylabel, fontsize=8)
    if invert:
        axes.flat[0].invert_yaxis()
    legend_in = _legend(fig, list(axes.flat), styles)
    fig.subplots_adjust(bottom=(legend_in + 0.55) / 3.2, top=0.88, left=0.6 / fig.get_figwidth(),
                        right=0.98, wspace=0.12)
    return fig


@themed
def profile(prof: pd.DataFrame, styles: Styles, targets: Sequence[float],
            xlabel: str = "evaluations") -> Figure:
    """Anytime performance profile: share of (problem, seed, target) reached against
    evaluations, one step line per strategy (COCO-style ECDF)."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for strategy, g in prof.groupby("strategy", sort=True):
        ax.plot(g["trial"] + 1, g["share"], label=strategy, drawstyle="steps-post", lw=1.6,
                gid=GID + strategy, **styles[strategy].line_kwargs())
    log_axis(ax.xaxis)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of (run, target) pairs reached")
    ax.set_title("targets: " + ", ".join(f"{t:g}" for t in targets)
                 + " of the gap from one random configuration to L* closed", fontsize=8)
    sns.despine(ax=ax)
    legend_in = _legend(fig, [ax], styles)
    fig.subplots_adjust(bottom=(legend_in + 0.55) / 4.2, top=0.9, left=0.12, right=0.97)
    return fig


@themed
def interval_plot(df: pd.DataFrame, centre: str, low: str, high: str, styles: Styles,
                  xlabel: str, title: str = "", vline: float | None = None) -> Figure:
    """Horizontal point-and-interval plot, one row per strategy (best at the top)."""
    d = df.sort_values(centre)
    fig, ax = plt.subplots(figsize=(6.5, 0.4 * len(d) + 1.2))
    for yy, (_, r) in enumerate(d.iterrows()):
        st = styles[r["strategy"]]
        ax.plot([r[low], r[high]], [yy, yy], color=st.colour, lw=3, alpha=0.6,
                gid=GID + r["strategy"])
        ax.plot(r[centre], yy, st.marker, color=st.colour, gid=GID + r["strategy"])
    ax.set_yticks(list(range(len(d))), d["strategy"].tolist())
    if vline is not None:
        ax.axvline(vline, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig


@themed
def cd_diagram(mean_ranks: pd.Series, nemenyi: pd.DataFrame, cd: float,
               styles: Styles) -> Figure:
    """Critical-difference diagram (scikit-posthocs), Nemenyi at alpha = 0.05, with the
    report's colours. Labels sit on rows of their own, one per strategy, so tied ranks
    never overlap."""
    import scikit_posthocs as sp

    k = len(mean_ranks)
    fig, ax = plt.subplots(figsize=(8, 0.32 * ((k + 1) // 2 + k // 2) + 1.6))
    out = sp.critical_difference_diagram(
        mean_ranks, nemenyi, ax=ax, color_palette={s: styles[s].colour for s in mean_ranks.index},
        label_fmt_left="{label} ({rank:.2f})  ", label_fmt_right="  ({rank:.2f}) {label}",
        label_props={"fontsize": 8}, text_h_margin=0.3)
    # markers, elbows and labels are appended together, one of each per strategy
    for marker, elbow, label in zip(out["markers"], out["elbows"], out["labels"], strict=True):
        text = label.get_text().strip()
        name = text.rsplit(" (", 1)[0] if not text.startswith("(") else text.split(") ", 1)[1]
        for artist in (marker, elbow, label):
            artist.set_gid(GID + name)
    ax.grid(False)
    ax.set_title(f"Mean rank over problems (Friedman/Nemenyi); CD at 0.05 = {cd:.2f}",
                 fontsize=9)
    fig.tight_layout()
    return fig
