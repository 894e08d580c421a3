"""Which package may import which: the pipeline's stages in one direction.

Every ``import`` counts, at top level or inside a function. Low to high::

    problems            imports nothing of ours
    strategies          imports only the search-space types (tunebench.problems.space)
    benchmarks.plan     suite, cells, applicability, estimate
    benchmarks.store    run directories, manifest, integrity
    benchmarks.execution  trial loop, cells, runner, the run use case
    benchmarks.reference  reference tables (built with the run use case), signatures
    benchmarks.analysis   pure statistics into one Summary
    benchmarks.report     renders a Summary (computes no statistics)
    benchmarks.publish    the baseline archive (checked, built by running cells) and bundles
    tunebench (api)       the public Python surface
    benchmarks.cli        argparse, progress, signals; calls the api
    benchmarks.devtools   developer tools, not shipped: nothing imports them

A stage may import its own and lower stages only. The package ``__init__`` modules of the
old top-level names and ``tunebench._compat`` import ``tunebench._legacy`` (deprecated
aliases); that is allowed.
Within a stage, modules form no import cycle.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"problems": "tunebench.problems", "strategies": "tunebench.strategies",
           "benchmarks": "tunebench.benchmarks", "tunebench": "tunebench"}
ORDER = ["problems", "strategies", "plan", "store", "execution", "reference", "analysis",
         "report", "publish", "api", "cli", "devtools"]
ALIASES = "tunebench._legacy"
#: Known exceptions, each with why; the lead removes them as the code moves.
EXCEPTIONS: set[tuple[str, str]] = set()
STATISTICS_LIBRARIES = ("scipy", "statsmodels", "autorank", "baycomp")


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every module named in an import statement (``from a import b`` gives a and a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:  # ``from package import module`` imports the module
                sub = f"{node.module}.{a.name}"
                names.add(sub if sub in MODULES else node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def _ours(names: set[str]) -> set[str]:
    """The project modules among imported names (``a.b`` when ``b`` is a name in ``a``)."""
    return {n if n in MODULES else n.rsplit(".", 1)[0] for n in names
            if n.split(".")[0] == "tunebench" and (n in MODULES or n.rsplit(".", 1)[0]
                                                   in MODULES)}


def stage(module: str) -> str:
    parts = module.split(".")
    if module == ALIASES or module.startswith("tunebench._compat"):
        return "aliases"
    if parts[1:2] in (["problems"], ["strategies"]):
        return parts[1]
    if parts[1:2] == ["benchmarks"]:
        return parts[2] if len(parts) > 2 else "package"
    return "api"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_lower_stages(module):
    mine = stage(module)
    if mine == "aliases":  # the deprecated old names: tunebench._legacy and its shims
        assert _ours(_imports(MODULES[module])) <= {ALIASES}
        return
    if mine == "package":  # tunebench.benchmarks itself: the old name's alias only
        assert _ours(_imports(MODULES[module])) <= {ALIASES}
        return
    bad = []
    for dep in sorted(_ours(_imports(MODULES[module]))):
        theirs = stage(dep)
        if theirs == "aliases" and module.count(".") == 1:
            continue  # tunebench.problems / .strategies / .benchmarks __init__
        if theirs == "package":
            continue
        if mine == "strategies" and theirs == "problems":
            ok = dep == "tunebench.problems.space"
        elif mine == "api" and theirs == "api":
            ok = True
        else:
            ok = theirs in ORDER and ORDER.index(theirs) <= ORDER.index(mine) \
                and not (mine == "strategies" and theirs == "problems")
        if not ok and (module, theirs) not in EXCEPTIONS:
            bad.append(f"{module} ({mine}) imports {dep} ({theirs})")
    assert bad == []


def test_the_report_computes_no_statistics():
    """No statistics library in the report (which names it may take from the analysis is
    checked by test_summary.py::test_report_modules_compute_nothing)."""
    bad = [f"{module} imports {dep}" for module, path in MODULES.items()
           if stage(module) == "report" for dep in _imports(path)
           if dep.split(".")[0] in STATISTICS_LIBRARIES]
    assert bad == []


def test_no_import_cycles_within_a_stage():
    graph = {m: {d for d in _ours(_imports(p)) if d != m} for m, p in MODULES.items()}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_the_layer_check_catches_an_upward_import(tmp_path):
    """The rule can fail: an analysis module importing the report is caught."""
    path = tmp_path / "bad.py"
    path.write_text("from tunebench.benchmarks.report.build import render\n")
    deps = _ours(_imports(path))
    assert deps == {"tunebench.benchmarks.report.build"}
    assert ORDER.index(stage(next(iter(deps)))) > ORDER.index("analysis")
