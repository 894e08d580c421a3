"""The page a report is written into: HTML and Markdown built side by side."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from tunebench.benchmarks.report import figures
from tunebench.benchmarks.report.tables import Table

CSS = ("body{font-family:system-ui,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;"
       "line-height:1.4}img{max-width:100%}table{border-collapse:collapse;margin:1em 0;"
       "font-size:90%}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
       "caption{font-weight:600;text-align:left}pre{background:#f6f6f6;padding:1em;"
       "overflow:auto;font-size:80%}.note{font-size:85%;color:#555}"
       "figcaption{font-size:90%;color:#333}nav a{margin-right:1em}")


class Page:
    """Collects sections for the HTML page and the Markdown report at once."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.html: list[str] = []
        self.md: list[str] = []
        self.nav: list[tuple[str, str]] = []
        for sub in ("figures", "tables"):
            (out / sub).mkdir(parents=True, exist_ok=True)

    def heading(self, text: str, level: int = 2, anchor: str = "", nav: str = "") -> None:
        """A heading; with ``nav``, also a link in the page's navigation bar."""
        a = f' id="{anchor}"' if anchor else ""
        if anchor and nav:
            self.nav.append((anchor, nav))
        self.html.append(f"<h{level}{a}>{html.escape(text)}</h{level}>")
        self.md.append("#" * level + " " + text + "\n")

    def para(self, text: str, raw_html: str | None = None) -> None:
        self.html.append(raw_html or f"<p>{html.escape(text)}</p>")
        self.md.append(text + "\n")

    def table(self, table: Table) -> None:
        table.write(self.out / "tables")
        self.html.append(table.to_html())
        self.md.append(table.to_markdown())

    def figure(self, fig: Any, name: str, caption: str, pdf: bool = True) -> None:
        # Rendered once: the file and the page share it (plus a JSON sidecar of colours).
        data = base64.b64encode(figures.save(fig, self.out / "figures", name, pdf)).decode()
        self.html.append(f'<figure><img alt="{html.escape(caption)}" '
                         f'src="data:image/png;base64,{data}"><figcaption>'
                         f"{html.escape(caption)}</figcaption></figure>")
        self.md.append(f"![{caption}](figures/{name}.png)\n")

    def pre(self, text: str) -> None:
        self.html.append(f"<pre>{html.escape(text)}</pre>")
        self.md.append("```\n" + text + "\n```\n")

    def write(self, title: str) -> Path:
        """Write ``index.html`` and ``report.md``; returns the path of ``index.html``."""
        nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in self.nav)
        body = "\n".join(self.html)
        title = html.escape(title)
        index = self.out / "index.html"
        index.write_text(f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
                         f"<title>{title}</title><style>{CSS}</style></head><body>"
                         f"<nav>{nav}</nav>\n{body}\n</body></html>\n", encoding="utf-8")
        (self.out / "report.md").write_text("\n".join(self.md), encoding="utf-8")
        return index
