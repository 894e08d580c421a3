"""The report renders in a real browser: headless Chromium via chromedriver (Selenium).

``nox -s tests`` installs Debian's chromium and chromium-driver when it runs as root
(CI); elsewhere the test is skipped with the reason. The screenshot is kept as a test
artefact in ``results/test-artifacts/``.
"""

from __future__ import annotations

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
