"""Tables as CSV, Markdown, HTML and LaTeX (booktabs, best in bold, significance marks)."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                 "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                 "^": r"\textasciicircum{}"}


def latex_escape(text: str) -> str:
    return "".join(LATEX_SPECIAL.get(c, c) for c in str(text))


def fmt(v: object, digits: int = 4) -> str:
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return "–"
        return f"{v:.{digits}g}"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    return str(v)


class Table:
    """A frame plus presentation hints: which cells are best (bold) and marked."""

    def __init__(self, name: str, df: pd.DataFrame, caption: str,
                 bold: pd.DataFrame | None = None, marks: pd.DataFrame | None = None,
                 note: str = "") -> None:
        self.name, self.df, self.caption, self.note = name, df.reset_index(drop=True), caption, note
        self.bold = bold.reset_index(drop=True) if bold is not None else None
        self.marks = marks.reset_index(drop=True) if marks is not None else None

    def _cell(self, i: int, col: str) -> tuple[str, bool, str]:
        v = fmt(self.df.at[i, col])
        b = bool(self.bold is not None and col in self.bold and self.bold.at[i, col])
        m = str(self.marks.at[i, col]) if self.marks is not None and col in self.marks else ""
        return v, b, "" if m in ("", "nan") else m

    def to_csv(self, path: Path) -> None:
        self.df.to_csv(path, index=False)

    def to_latex(self) -> str:
        cols = list(self.df.columns)
        align = "".join("r" if pd.api.types.is_numeric_dtype(self.df[c]) else "l" for c in cols)
        lines = [r"\begin{table}[t]", r"\centering", r"\small",
                 rf"\caption{{{latex_escape(self.caption)}}}",
                 rf"\label{{tab:tunebench-{self.name.replace('_', '-')}}}",
                 rf"\begin{{tabular}}{{{align}}}", r"\toprule",
                 " & ".join(latex_escape(c) for c in cols) + r" \\", r"\midrule"]
        for i in range(len(self.df)):
            cells = []
            for c in cols:
                v, b, m = self._cell(i, c)
                text = latex_escape(v)
                if b:
                    text = rf"\textbf{{{text}}}"
                if m:
                    text += rf"$^{{{latex_escape(m)}}}$"
                cells.append(text)
            lines.append(" & ".join(cells) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
        if self.note:
            lines.append(rf"\par\smallskip\footnotesize {latex_escape(self.note)}")
        lines.append(r"\end{table}")
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        cols = list(self.df.columns)
        out = [f"**{self.caption}**", "", "| " + " | ".join(cols) + " |",
               "|" + "|".join(" --- " for _ in cols) + "|"]
        for i in range(len(self.df)):
            cells = []
            for c in cols:
                v, b, m = self._cell(i, c)
                cells.append((f"**{v}**" if b else v) + (f"<sup>{m}</sup>" if m else ""))
            out.append("| " + " | ".join(cells) + " |")
        if self.note:
            out += ["", f"*{self.note}*"]
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        cols = list(self.df.columns)
        rows = ["<table><caption>" + html.escape(self.caption) + "</caption><thead><tr>"
                + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr></thead><tbody>"]
        for i in range(len(self.df)):
            tds = []
            for c in cols:
                v, b, m = self._cell(i, c)
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
