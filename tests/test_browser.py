"""The report renders in a real browser: headless Chromium via chromedriver (Selenium).

``nox -s tests`` installs Debian's chromium and chromium-driver when it runs as root
(CI); elsewhere the test is skipped with the reason. The screenshot is kept as a test
artefact in ``results/test-artifacts/``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ROOT / "results" / "test-artifacts"


def _driver():
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.skip("needs Debian's chromium and chromium-driver (nox -s tests installs them "
                    "when run as root)")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,2000"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(chromedriver), options=opts)


@pytest.mark.slow
def test_report_renders_in_headless_chromium(tmp_path, run_cli):
    from tests.conftest import write_suite

    suite = write_suite(tmp_path, budget=6, seeds=2,
                        strategies=("random", "grid", "optuna-tpe"),
                        problems=("branin", "logreg-iris", "knn-penguins"))
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1") == 0
    index = out / "report" / "index.html"
    driver = _driver()
    try:
        driver.get(index.as_uri())
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])")
        assert len(images) >= 8
        broken = [alt for alt, complete, width in images if not complete or width == 0]
        assert not broken, f"figures that did not load: {broken}"
        headings = driver.execute_script(
            "return Array.from(document.querySelectorAll('h2')).map(h => h.textContent)")
        assert "Summary verdict" in headings and "How to cite" in headings
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(ARTEFACTS / "report.png"))
    finally:
        driver.quit()


def _figure_colours(report: Path) -> dict[str, dict[str, list[str]]]:
    """figure -> strategy -> colours, from the JSON sidecars written next to each PNG."""
    return {p.stem: json.loads(p.read_text())["colours"]
            for p in sorted((report / "figures").glob("*.json"))}


@pytest.mark.slow
def test_one_colour_per_strategy_in_every_figure_and_across_runs(tmp_path, run_cli):
    """Two runs with different strategy sets: in both reports, every strategy has one
    colour, the palette's, in every figure it appears in; screenshots of the figures of
    both reports are kept as test artefacts."""
    from tunebench.benchmarks.report import palette
    from tests.conftest import write_suite

    sets = {"a": ("random", "grid", "optuna-tpe", "hyperopt-anneal"),
            "b": ("random", "defaults", "optuna-cmaes", "optuna-tpe", "hyperopt-random")}
    seen: dict[str, set[str]] = {}
    driver = _driver()
    try:
        for tag, strategies in sets.items():
            suite = write_suite(tmp_path, budget=5, seeds=2, strategies=strategies,
                                problems=("branin", "knn-penguins", "logreg-iris"),
                                name=f"{tag}.toml")
            out = tmp_path / tag
            assert run_cli("run", suite, "--out", out, "--jobs", "1") == 0
            report = out / "report"
            figs = _figure_colours(report)
            assert {"convergence_val", "critical_difference", "performance_profile",
                    "ranks_over_time", "aggregate_iqm"} <= set(figs)
            assert "gap_over_budget" in figs  # knn-penguins has a gap; branin is left out
            for fig, colours in figs.items():
                for strategy, cs in colours.items():
                    assert cs == [palette.colour_of(strategy)], (tag, fig, strategy, cs)
                    seen.setdefault(strategy, set()).update(cs)
            for fig in ("convergence_val", "ranks_over_time"):
                assert set(figs[fig]) == set(strategies), (tag, fig)
            # the Friedman test (and its diagram) leaves out `defaults`: not run on branin
            assert set(figs["critical_difference"]) == set(strategies) - {"defaults"}, tag
            driver.get((report / "index.html").as_uri())
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            for img in driver.find_elements("css selector", "figure img"):
                alt = img.get_attribute("alt")
                assert driver.execute_script("return arguments[0].naturalWidth", img) > 0, alt
            for name in ("convergence_val", "critical_difference", "performance_profile",
                         "score_over_budget_val"):
                src = report / "figures" / f"{name}.png"
                shutil.copy(src, ARTEFACTS / f"colours-run-{tag}-{name}.png")
            assert driver.save_screenshot(str(ARTEFACTS / f"colours-run-{tag}-page.png"))
    finally:
        driver.quit()
    assert all(len(c) == 1 for c in seen.values()), seen  # the same colour in both runs
