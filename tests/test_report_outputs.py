"""Report outputs: LaTeX tables compile, Markdown and CSV agree, runs combine or refuse."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest

from tunebench.benchmarks.report import build_report
from tunebench.benchmarks.report.tables import Table, latex_escape
from tunebench.benchmarks.store.rundir import StoreError
from tests.conftest import write_suite


def test_latex_table_marks_best_and_escapes():
    df = pd.DataFrame({"strategy": ["optuna_tpe", "random"], "loss": [0.1, 0.2]})
    bold = pd.DataFrame({"strategy": [False, False], "loss": [True, False]})
    marks = pd.DataFrame({"strategy": ["", ""], "loss": ["+", ""]})
    tex = Table("t", df, "Loss & more", bold=bold, marks=marks).to_latex()
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert r"\textbf{0.100}$^{+}$" in tex and r"optuna\_tpe" in tex and r"Loss \& more" in tex
    assert latex_escape("50%_#") == r"50\%\_\#"


def test_tables_merge_intervals_fix_decimals_and_shorten_long_problem_names():
    df = pd.DataFrame({"problem": ["random_forest-breast_cancer", "branin"],
                       "iqm": [0.29, -0.03927], "iqm_low": [0.21, -0.1], "iqm_high": [0.35, 0.0],
                       "p_holm": [0.0004, 0.5]})
    t = Table("t", df, "c")
    tex = t.to_latex()
    assert r"Problem & IQM [95\% CI] & p (Holm) \\" in tex
    assert r"rf-breast\_cancer & 0.290 [0.210, 0.350] & <0.001 \\" in tex
    assert r"branin & -0.039 [-0.100, 0.000] & 0.500 \\" in tex
    assert r"rf-breast\_cancer = random\_forest-breast\_cancer" in tex  # the legend
    assert "iqm_low" not in t.to_markdown() and "| Problem | IQM [95% CI] | p (Holm) |" in (
        t.to_markdown())


def _check_latex_syntax(tex: str) -> None:
    assert tex.count(r"\begin{") == tex.count(r"\end{")
    depth = 0
    for ch in tex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    cols = len(re.search(r"\\begin\{tabular\}\{(\w+)\}", tex).group(1))
    body = tex.split(r"\midrule")[1].split(r"\bottomrule")[0]
    for row in body.strip().split(r"\\")[:-1]:
        assert row.replace(r"\&", "").count("&") == cols - 1


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    from tunebench.benchmarks.cli import main

    tmp = tmp_path_factory.mktemp("rep")
    suite = write_suite(tmp, budget=5, seeds=3, strategies=("random", "grid", "optuna-tpe"),
                        problems=("branin", "logreg-iris", "knn-penguins"))
    out = tmp / "run"
    assert main(["run", str(suite), "--out", str(out), "--jobs", "1"]) == 0
    return tmp, out


@pytest.mark.slow
def test_every_latex_table_is_valid_and_compiles(small_run, tmp_path):
    _, out = small_run
    texs = sorted((out / "report" / "tables").glob("*.tex"))
    assert len(texs) >= 8
    for t in texs:
        _check_latex_syntax(t.read_text())
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed: syntax checked only")
    doc = tmp_path / "doc.tex"
    doc.write_text("\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n"
                   + "".join(f"\\input{{{t}}}\n\\clearpage\n" for t in texs)
                   + "\\end{document}\n")
    res = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout[-2000:]
    assert (tmp_path / "doc.pdf").exists()


@pytest.mark.slow
def test_markdown_and_csv_and_bib(small_run):
    _, out = small_run
    md = (out / "report" / "report.md").read_text()
    agg = pd.read_csv(out / "report" / "tables" / "aggregate_test.csv")
    assert set(agg["strategy"]) == {"random", "grid", "optuna-tpe"}
    r = agg.iloc[0]
    assert f"{r['iqm']:.3f} [{r['iqm_low']:.3f}, {r['iqm_high']:.3f}]" in md
    bib = (out / "report" / "references.bib").read_text()
    assert "@misc{tunebench" in bib and "akiba2019optuna" in bib and "5.0" in bib
    assert "@software" not in bib and "pypi.org" not in bib  # no made-up URL


@pytest.mark.slow
def test_combining_runs_adds_a_strategy_without_moving_scores(small_run, run_cli):
    tmp, out = small_run
    suite = write_suite(tmp, budget=5, seeds=3, strategies=("hyperopt-tpe",),
                        problems=("branin", "logreg-iris", "knn-penguins"), name="more.toml")
    extra = tmp / "more"
    assert run_cli("run", suite, "--out", extra, "--jobs", "1", "--no-report") == 0
    combined = tmp / "combined"
    assert run_cli("report", out, extra, "--out", combined) == 0
    one = pd.read_csv(out / "report" / "tables" / "aggregate_test.csv").set_index("strategy")
    both = pd.read_csv(combined / "tables" / "aggregate_test.csv").set_index("strategy")
    assert "hyperopt-tpe" in both.index
    for s in one.index:  # frozen references: the old strategies' scores do not move
        assert both.loc[s, "iqm"] == pytest.approx(one.loc[s, "iqm"])
        assert both.loc[s, "mean"] == pytest.approx(one.loc[s, "mean"])


@pytest.mark.slow
def test_combining_runs_with_other_protocols_is_refused(small_run, run_cli, capsys):
    tmp, out = small_run
    suite = write_suite(tmp, budget=4, seeds=3, strategies=("hyperopt-tpe",),
                        problems=("branin",), name="diff.toml")
    other = tmp / "diff"
    assert run_cli("run", suite, "--out", other, "--jobs", "1", "--no-report") == 0
    assert run_cli("report", out, other, "--out", tmp / "nope") == 2
    assert "protocols differ (budget: 5 vs 4)" in capsys.readouterr().err
    with pytest.raises(StoreError, match="overlap"):
        build_report([out, out], tmp / "nope2")


def _run_latex(cwd, *cmd):
    return subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_tables_and_references_compile_with_bibtex_without_warnings(small_run, tmp_path):
    """Every table and references.bib in one minimal document: pdflatex + bibtex (plain)
    run clean, and every dataset, algorithm and statistic of the run is cited."""
    _, out = small_run
    report = out / "report"
    bib = (report / "references.bib").read_text()
    for key in ("gorman2014penguins", "fisher1936iris", "bergstra2011tpe", "bergstra2012random",
                "demsar2006", "agarwal2021precipice", "schneider2025overtuning", "holm1979",
                "wilcoxon1945", "friedman1937", "nemenyi1963"):
        assert "{" + key + "," in bib, key
    assert "skopt" not in bib  # no scikit-optimize strategy in this run
    assert "Data licence: CC0-1.0" in bib and "Data licence: BSD-3-Clause" in bib
    # final_scores.csv is a data export (one row per problem x strategy x seed, for readers'
    # own statistics), not a table to typeset
    csvs = {p.stem for p in (report / "tables").glob("*.csv")} - {"final_scores"}
    texs = sorted((report / "tables").glob("*.tex"))
    assert csvs == {p.stem for p in texs}
    if shutil.which("pdflatex") is None or shutil.which("bibtex") is None:
        pytest.skip("pdflatex/bibtex not installed")
    shutil.copy(report / "references.bib", tmp_path / "references.bib")
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage{url}\n"
        "\\begin{document}\n" + "".join(f"\\input{{{t}}}\n\\clearpage\n" for t in texs)
        + "\\nocite{*}\n\\bibliographystyle{plain}\n\\bibliography{references}\n"
        "\\end{document}\n")
    assert _run_latex(tmp_path, "pdflatex", "-interaction=nonstopmode", "doc.tex").returncode == 0
    bt = _run_latex(tmp_path, "bibtex", "doc")
    assert bt.returncode == 0 and "Warning" not in bt.stdout, bt.stdout
    _run_latex(tmp_path, "pdflatex", "-interaction=nonstopmode", "doc.tex")
    last = _run_latex(tmp_path, "pdflatex", "-interaction=nonstopmode", "doc.tex")
    assert last.returncode == 0, last.stdout[-2000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "LaTeX Warning" not in log, [ln for ln in log.splitlines() if "Warning" in ln]


def test_skopt_entry_has_the_year_of_its_version_and_plugins_get_entries():
    from tunebench.benchmarks.report.citations import bibtex, release_year
    from tunebench.benchmarks.store.manifest_types import Manifest

    assert release_year("scikit-optimize", "0.10.2") == 2024
    assert release_year("scikit-optimize", "0.9.0") == 2021
    plugin = "@misc{me2026alg,\n  author = {Me, A.},\n  title  = {My algorithm},\n  year = {2026}\n}"
    m = Manifest.from_dict({
        "suite": {"name": "s", "strategies": [], "problems": []},
        "environment": {"libraries": {"scikit-optimize": "0.10.2"}},
        "strategies": {"skopt-gp": {"library": "scikit-optimize", "version": "0.10.2"},
                       "mine": {"library": "mylib", "version": "1.2", "citation": plugin}},
        "problems": {"svm-wine": {"dataset": {"name": "wine", "licence": "BSD-3-Clause"}},
                     "knn-openml:61": {"dataset": {"name": "openml:61", "licence": "?"}}}})
    bib = bibtex(m)
    assert "@misc{head2024skopt," in bib and "year         = {2024}" in bib
    assert "Software version 0.10.2" in bib
    assert "@misc{me2026alg," in bib  # the plug-in's own citation
    assert "@misc{mylib," in bib and "Software version 1.2" in bib  # and its library
    assert "{snoek2012practical," in bib and "{jones1998ego," in bib  # built-in, not recorded
    assert "{aeberhard1991wine," in bib and "{vanschoren2013openml," in bib
