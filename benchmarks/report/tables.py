"""Tables as CSV (raw numbers) and as LaTeX (booktabs, via pandas ``Styler``), Markdown and
HTML for reading: readable headers, a confidence interval in one cell
(``0.290 [0.210, 0.350]``), a fixed number of decimals per column, best values in bold,
significance marks, and long problem names shortened in LaTeX with a legend in the note.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                 "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                 "^": r"\textasciicircum{}",
                 # symbols plain pdflatex has no Unicode mapping for (the checklist's marks)
                 "\u2713": r"$\surd$", "\u2717": r"$\times$", "\u2248": r"$\approx$",
                 "\u2264": r"$\leq$", "\u2265": r"$\geq$", "\u2212": "-"}
#: Readable column headers; other columns: underscores become spaces.
HEADERS = {
    "iqm": "IQM", "mean": "Mean", "problems": "Problems", "seeds": "Seeds",
    "strategy": "Strategy", "problem": "Problem", "n": "n", "a": "A", "b": "B",
    "median_diff": "Median diff. (A - B)", "rank_biserial": "Rank-biserial r",
    "statistic": "Statistic", "p_value": "p", "p_holm": "p (Holm)",
    "p_improve": "P(improvement)", "best_known": "L*", "source": "Source",
    "cells": "Cells", "share_ot_positive": "Share OT > 0",
    "share_rel_ot_above_1": "Share rel. OT > 1", "share_no_progress": "Share no progress",
    "median_gap": "Median gap", "median_test_regret": "Median test regret",
    "pairs": "Pairs", "discordant_share": "Discordant share", "best_by_val": "Best by val.",
    "best_by_test": "Best by test", "winner_changes": "Winner changes", "trials": "Trials",
    "fit_s": "Fit (s)", "ask_s": "Ask (s)", "tell_s": "Tell (s)", "reused": "Reused",
    "strategy_ms_per_trial": "Strategy ms/trial", "strategy_share": "Strategy share",
    "status": "Status",
}
#: Decimals for float columns not listed in a table's ``decimals``.
DEFAULT_DECIMALS = 3
P_COLUMNS = {"p_value", "p_holm"}
#: Longest problem name printed in full in LaTeX tables.
MAX_NAME = 16


def latex_escape(text: str) -> str:
    return "".join(LATEX_SPECIAL.get(c, c) for c in str(text))


def header(column: str, interval: bool = False) -> str:
    """The readable header of a column; an interval column gets "[95% CI]"."""
    h = HEADERS.get(column, column.replace("_", " "))
    return f"{h} [95% CI]" if interval else h


def fmt(v: object, digits: int = DEFAULT_DECIMALS, p_value: bool = False) -> str:
    """One cell: floats with ``digits`` decimals (p-values below 0.001 as "<0.001")."""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return "–"
        if p_value and v < 0.001:
            return "<0.001"
        return f"{v:.{digits}f}"
    return str(v)


def short_names(names: list[str], width: int = MAX_NAME) -> dict[str, str]:
    """Short, unique labels for names longer than ``width``: the initials of each
    underscore-separated word of the model part, then the dataset part cut to fit."""
    out: dict[str, str] = {}
    for name in names:
        if len(name) <= width:
            continue
        model, _, rest = name.partition("-")
        head = "".join(w[0] for w in model.split("_") if w) if rest else ""
        short = (f"{head}-{rest}" if rest else name)
        if len(short) > width:
            short = short[:width - 1] + "."
        base, i = short, 2
        while short in out.values() or short in names:
            short = f"{base[:width - 2]}{i}"
            i += 1
        out[name] = short
    return out


def booktabs(headers: list[str], rows: list[list[str]], align: str, caption: str,
             label: str) -> str:
    """A booktabs ``table`` environment of already escaped cells: the text pandas'
    ``DataFrame.style.hide(axis="index").to_latex(hrules=True, environment="table",
    position="t", position_float="centering", ...)`` writes for string cells, without
    its per-cell styling machinery (seconds for the thousands of rows of a paper run)."""
    lines = [r"\begin{table}[t]", r"\centering", rf"\caption{{{caption}}}", rf"\label{{{label}}}",
             rf"\begin{{tabular}}{{{align}}}", r"\toprule", " & ".join(headers) + r" \\",
             r"\midrule", *(" & ".join(r) + r" \\" for r in rows), r"\bottomrule",
             r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


class Table:
    """A frame plus presentation hints: which cells are best (bold), marked, intervals.

    Columns ``x_low``/``x_high`` are shown with ``x`` as one interval cell, and so are
    bare ``low``/``high`` with the column just before them. The CSV keeps every column.
    """

    def __init__(self, name: str, df: pd.DataFrame, caption: str,
                 bold: pd.DataFrame | None = None, marks: pd.DataFrame | None = None,
                 note: str = "", decimals: Mapping[str, int] | None = None) -> None:
        self.name, self.df, self.caption, self.note = name, df.reset_index(drop=True), caption, note
        self.bold = bold.reset_index(drop=True) if bold is not None else None
        self.marks = marks.reset_index(drop=True) if marks is not None else None
        self.decimals = dict(decimals or {})
        self._intervals = self._find_intervals()
        self._grid: list[list[tuple[str, bool, str]]] | None = None

    def intervals(self) -> dict[str, tuple[str, str]]:
        """Centre column -> (low column, high column)."""
        return self._intervals

    def _find_intervals(self) -> dict[str, tuple[str, str]]:
        cols = list(self.df.columns)
        out = {c: (f"{c}_low", f"{c}_high") for c in cols
               if f"{c}_low" in cols and f"{c}_high" in cols}
        if "low" in cols and "high" in cols and cols.index("low") > 0:
            out[cols[cols.index("low") - 1]] = ("low", "high")
        return out

    def columns(self) -> list[str]:
        """The columns shown (interval bounds folded into their centre column)."""
        hidden = {b for pair in self.intervals().values() for b in pair}
        return [c for c in self.df.columns if c not in hidden]

    def _formatted(self, col: str) -> list[str]:
        """Every cell of ``col`` formatted by :func:`fmt` (one pass over the column)."""
        digits, p_value = self.decimals.get(col, DEFAULT_DECIMALS), col in P_COLUMNS
        return [fmt(v, digits, p_value) for v in self.df[col].to_numpy(dtype=object)]

    def _cells(self) -> list[list[tuple[str, bool, str]]]:
        """Rows of shown cells ``(text, bold, mark)``, computed once per table column by
        column: per-cell ``DataFrame.at`` lookups cost minutes on the thousands of rows of
        a paper-scale run's within-problem tests."""
        if self._grid is not None:
            return self._grid
        n, columns = len(self.df), []
        for col in self.columns():
            v = self._formatted(col)
            pair = self.intervals().get(col)
            if pair:
                lo, hi = self._formatted(pair[0]), self._formatted(pair[1])
                v = [x if x == "\u2013" else f"{x} [{a}, {b}]"
                     for x, a, b in zip(v, lo, hi, strict=True)]
            b = ([bool(x) for x in self.bold[col].to_numpy(dtype=object)]
                 if self.bold is not None and col in self.bold else [False] * n)
            m = ([str(x) for x in self.marks[col].to_numpy(dtype=object)]
                 if self.marks is not None and col in self.marks else [""] * n)
            columns.append([(x, y, "" if z in ("", "nan") else z)
                            for x, y, z in zip(v, b, m, strict=True)])
        self._grid = [list(row) for row in zip(*columns, strict=True)] if columns else [
            [] for _ in range(n)]
        return self._grid

    def _headers(self) -> list[str]:
        iv = self.intervals()
        return [header(c, c in iv) for c in self.columns()]

    def to_csv(self, path: Path) -> None:
        self.df.to_csv(path, index=False)

    def to_latex(self) -> str:
        """A booktabs ``table`` written by pandas ``Styler.to_latex``."""
        cols = self.columns()
        names = short_names([str(v) for v in self.df["problem"]]) if "problem" in cols else {}
        rows = []
        for row in self._cells():
            cells = []
            for c, (v, b, m) in zip(cols, row, strict=True):
                text = latex_escape(names.get(v, v) if c == "problem" else v)
                text = rf"\textbf{{{text}}}" if b else text
                cells.append(text + (rf"$^{{{latex_escape(m)}}}$" if m else ""))
            rows.append(cells)
        align = "".join("l" if c in ("strategy", "problem", "a", "b", "source")
                        or not pd.api.types.is_numeric_dtype(self.df[c]) else "r" for c in cols)
        tex = booktabs([latex_escape(h) for h in self._headers()], rows, align,
                       latex_escape(self.caption), f"tab:tunebench-{self.name.replace('_', '-')}")
        note = self.note
        if names:
            note = (note + " " if note else "") + "Problems: " + "; ".join(
                f"{s} = {n}" for n, s in names.items()) + "."
        tail = r"\end{tabular}" + "\n"
        extra = rf"\par\smallskip\footnotesize {latex_escape(note)}" + "\n" if note else ""
        tex = tex.replace(tail, tail + extra, 1).replace(r"\centering", "\\centering\n\\small", 1)
        return re.sub(r"\n{2,}", "\n", tex)

    def to_markdown(self) -> str:
        out = [f"**{self.caption}**", "", "| " + " | ".join(self._headers()) + " |",
               "|" + "|".join(" --- " for _ in self.columns()) + "|"]
        for row in self._cells():
            cells = []
            for v, b, m in row:
                cells.append((f"**{v}**" if b else v) + (f"<sup>{m}</sup>" if m else ""))
            out.append("| " + " | ".join(cells) + " |")
        if self.note:
            out += ["", f"*{self.note}*"]
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        rows = ["<table><caption>" + html.escape(self.caption) + "</caption><thead><tr>"
                + "".join(f"<th>{html.escape(h)}</th>" for h in self._headers())
                + "</tr></thead><tbody>"]
        for row in self._cells():
            tds = []
            for v, b, m in row:
                t = html.escape(v)
                if b:
                    t = f"<b>{t}</b>"
                if m:
                    t += f"<sup>{html.escape(m)}</sup>"
                tds.append(f"<td>{t}</td>")
            rows.append("<tr>" + "".join(tds) + "</tr>")
        rows.append("</tbody></table>")
        if self.note:
            rows.append(f'<p class="note">{html.escape(self.note)}</p>')
        return "".join(rows)

    def write(self, out: Path) -> None:
        self.to_csv(out / f"{self.name}.csv")
        (out / f"{self.name}.tex").write_text(self.to_latex(), encoding="utf-8")
