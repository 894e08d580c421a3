"""Developer and user entry points: ``nox -s bench``, ``nox -s tests``, ``report``, ``lint``, ``perf``.

Each session installs the project from its own files into a fresh virtual environment
(uv when available, else virtualenv), so these commands work on a clean machine.
"""

from __future__ import annotations

import glob
import os
import shutil

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests"]
PYTHON = "3.11"


#: Debian packages for the report's browser test (chromium) and LaTeX-compile test.
SYSTEM_TOOLS = {"chromium": ["chromium"], "chromedriver": ["chromium-driver"],
                "pdflatex": ["texlive-latex-base", "texlive-latex-recommended"]}


def _install_system_tools(session: nox.Session) -> None:
    """Install what the browser and LaTeX tests need, when we can.

    Installed with apt-get when running as root on a Debian-like system (CI); otherwise
    those tests skip and say why.
    """
    missing = [pkg for tool, pkgs in SYSTEM_TOOLS.items() if not shutil.which(tool)
               for pkg in pkgs]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        session.warn(f"{missing} missing and not root: the browser/LaTeX tests will skip")
        return
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-qq", external=True, env=env)
    session.run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing,
                external=True, env=env)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Install with test, data and dask extras and run the whole test suite, one pytest
    worker per core (pytest-xdist; ``nox -s tests -- -n 0`` runs it in one process)."""
    _install_system_tools(session)
    session.install("-e", ".[test,data,dask,evolution]")
    session.run("pytest", "-q", "-ra", "-n", "auto", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run a suite (default: ``default``) and write its report: ``nox -s bench -- quick``."""
    session.install(".[data]")
    suite = session.posargs[0] if session.posargs else "default"
    session.run("tunebench", "run", suite, *session.posargs[1:])


@nox.session(python=PYTHON)
def archive(session: nox.Session) -> None:
    """Rebuild a suite's shipped baseline archive: ``nox -s archive -- quick`` (default: quick).

    Writes ``benchmarks/archive/<suite>/`` in this checkout (commit it); resumable through
    ``results/archive-work/<suite>/``. ``tests/test_archive.py`` fails while a shipped archive
    differs from its suite file.
    """
    session.install(".[data]")
    suite = session.posargs[0] if session.posargs else "quick"
    session.run("tunebench", "archive-baselines", suite, "--out", f"benchmarks/archive/{suite}",
                *session.posargs[1:])


@nox.session(python=PYTHON)
def report(session: nox.Session) -> None:
    """Rebuild the report of a run: ``nox -s report -- RUN_DIR`` (default: the newest run)."""
    session.install(".[data]")
    runs = session.posargs or sorted(glob.glob("results/*/*/manifest.json"),
                                     key=os.path.getmtime)[-1:]
    if not runs:
        session.error("no run found under results/; run `nox -s bench` first")
    session.run("tunebench", "report", *[os.path.dirname(r) if r.endswith(".json") else r
                                         for r in runs])


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the code."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", "benchmarks", "strategies", "problems", "tunebench", "tests",
                "noxfile.py")


@nox.session(python=PYTHON)
def perf(session: nox.Session) -> None:
    """Performance benchmark (not a test): ``nox -s perf [-- --skip-parallel]``."""
    session.install("-e", ".[data]")  # devtools are not in the wheel: an editable install
    session.run("python", "-m", "tunebench.benchmarks.devtools.perf", *session.posargs)


@nox.session(python=PYTHON)
def select(session: nox.Session) -> None:
    """Re-run the problem-selection pilot (benchmarks/select.py); pass --write-suites to
    rewrite the problems of the default and paper suites from its table, and
    --measured RUN_DIR ... to budget problems by their cost in stored runs."""
    session.install("-e", ".[data]")  # devtools are not in the wheel: an editable install
    session.run("python", "-m", "tunebench.benchmarks.devtools.select", *session.posargs)


@nox.session(python=PYTHON)
def redteam(session: nox.Session) -> None:
    """The red-team of issue 27: bad inputs, corruptions, kills, signals, concurrency and
    hangs; prints its counts and fails if data is lost, a file outside the run directory
    is written, a traceback shows, or a refusal is not one line with exit 2."""
    session.install("-e", ".[test,data,dask,evolution]")
    session.run("python", "-m", "tests.redteam.run", *session.posargs,
                env={"PYTHONPATH": os.getcwd()})
