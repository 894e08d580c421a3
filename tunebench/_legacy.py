"""Pre-0.2 import paths (``benchmarks``, ``strategies``, ``problems``) for one release.

Since 0.2 the three packages install under the ``tunebench`` namespace
(``tunebench.benchmarks`` …), so that a user's own ``benchmarks/`` folder cannot shadow
them. The old top-level names still import, with a :class:`DeprecationWarning`, and give the
very same module objects (``strategies.base.Strategy is tunebench.strategies.base.Strategy``),
so plug-ins written against them keep working. Modules that moved when ``benchmarks/`` was
grouped by stage are listed in :data:`MOVED`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings

#: Old module path -> new module path, for the modules that changed place (not only prefix).
MOVED = {
    "benchmarks.applicability": "tunebench.benchmarks.plan.applicability",
    "benchmarks.estimate": "tunebench.benchmarks.plan.estimate",
    "benchmarks.suite": "tunebench.benchmarks.plan.suite",
    "benchmarks.cell": "tunebench.benchmarks.execution.cell",
    "benchmarks.cell_mf": "tunebench.benchmarks.execution.loop",
    "benchmarks.trial": "tunebench.benchmarks.execution.trial",
    "benchmarks.runner": "tunebench.benchmarks.execution.runner",
    "benchmarks.isolate": "tunebench.benchmarks.execution.isolate",
    "benchmarks.store": "tunebench.benchmarks.store.rundir",
    "benchmarks.manifest": "tunebench.benchmarks.store.manifest",
    "benchmarks.integrity": "tunebench.benchmarks.store.integrity",
    "benchmarks.reference": "tunebench.benchmarks.reference.tables",
    "benchmarks.baseline": "tunebench.benchmarks.reference.baseline",
    "benchmarks.signatures": "tunebench.benchmarks.reference.signatures",
    "benchmarks.cli": "tunebench.benchmarks.cli",
    "benchmarks.select": "tunebench.benchmarks.devtools.select",
    "benchmarks.perf": "tunebench.benchmarks.devtools.perf",
}
LEGACY = ("benchmarks", "strategies", "problems")


def new_name(old: str) -> str:
    """The module path under ``tunebench`` that the pre-0.2 path ``old`` now names."""
    for prefix in sorted(MOVED, key=len, reverse=True):
        if old == prefix or old.startswith(prefix + "."):
            return MOVED[prefix] + old[len(prefix):]
    return "tunebench." + old


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolve ``benchmarks.x`` (etc.) to the already-importable ``tunebench.benchmarks.x``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in LEGACY and "." in fullname:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(new_name(spec.name))
        self._spec = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self._spec  # the import machinery overwrote it with the alias's


def alias_package(old: str) -> None:
    """Make the top-level ``old`` package an alias of ``tunebench.<old>``."""
    warnings.warn(f"'import {old}' is deprecated since tunebench 0.2: import "
                  f"'tunebench.{old}' instead", DeprecationWarning, stacklevel=3)
    real = importlib.import_module(f"tunebench.{old}")
    proxy = types.ModuleType(old, real.__doc__)
    proxy.__path__ = []  # a package, so that submodule imports reach the finder
    proxy.__getattr__ = lambda name: getattr(real, name)
    sys.modules[old] = proxy
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())
