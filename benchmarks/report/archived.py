"""Report section naming the cells that came from an archive (not run now).

Rendering only, from the manifests the report combines: an archived part of a run carries
an ``archive`` block (:mod:`benchmarks.publish.archive`) with the archive's hash and each
archived strategy's library and version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunebench.benchmarks.store.manifest_types import Manifest

import pandas as pd
from tunebench.benchmarks.report.tables import Table


def archived_table(manifests: list[Manifest], trials: pd.DataFrame) -> pd.DataFrame:
    """One row per archived strategy: archive, hash, library, version, cells, trials."""
    rows = []
    for m in manifests:
        block = m.archive
        if not isinstance(block, dict):
            continue
        for name, info in sorted(block.get("strategies", {}).items()):
            mine = trials[trials["strategy"] == name]
            rows.append({"strategy": name, "source": f"archive of {block.get('suite')}",
                         "archive_hash": block.get("hash"), "built": str(
                             block.get("created_at") or "")[:10],
                         "tunebench": block.get("tunebench"),
                         "library": info.get("library"), "version": info.get("version"),
                         "cells": int(mine.groupby(["problem", "seed"]).ngroups),
                         "trials": len(mine)})
    return pd.DataFrame(rows)


def render_archived(page: Any, s: Any) -> None:
    """The 'Archived cells' section; nothing when every cell was run now."""
    table = archived_table(s.manifests, s.trials)
    if table.empty:
        return
    local = sorted(set(s.strategies) - set(table["strategy"]))
    page.heading("Archived cells (not run now)", 2, "archived", nav="Archived")
    page.para(f"{len(table)} strategies are archived: their cells were not run now but taken "
              "from tunebench's shipped baseline runs, after checking that they belong to "
              "the same objectives (suite settings, metric, protocol, problem fingerprints "
              "and signatures). Run now: " + (", ".join(local) or "none") + ". Rerun every "
              "strategy with `tunebench run SUITE --no-archive`.")
    page.table(Table("archived", table, "Archived strategies: where their cells come from "
                     "and the library versions that produced them"))
