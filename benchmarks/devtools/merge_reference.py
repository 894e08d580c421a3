"""Merge reference tables built with the same settings for disjoint problems into one.

A reference table's rows are independent per (problem, seed): each sample and campaign cell
draws from ``derive_seed(seed, ..., problem)`` only, so the rows a table built for problems
A and B holds for A are exactly those a table built for A alone holds. When a suite gains
problems, its shipped table is extended by building a table for the new problems alone
(``tunebench reference NEW.toml --out DIR``, with the suite's budget, seeds, folds, test
fraction and metric) and merging::

    python -m tunebench.benchmarks.devtools.merge_reference OUT OLD_DIR NEW_DIR [--name default]

The merged table keeps the columns of the first table (older tables have no ``n_train`` /
``test_loss_se``: a single-size table does not need them), and its provenance lists every
source table's content hash.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa

from tunebench.benchmarks.reference.tables import content_hash, open_table
from tunebench.benchmarks.store.rundir import atomic_write_bytes, atomic_write_table

#: Provenance keys that must agree for tables to be merged.
SAME = ("format", "folds", "test_fraction", "metric", "protocol", "budget", "samples",
        "campaign", "seeds")
PARTS = ("sample", "lstar", "signatures")
log = logging.getLogger(__name__)


def merge(out: Path, sources: list[Path], name: str | None = None) -> dict:
    """Write the merged table of ``sources`` into ``out``; returns its provenance."""
    tables = [open_table(s) for s in sources]
    first = tables[0].provenance
    for t in tables[1:]:
        diff = [k for k in SAME if t.provenance.get(k) != first.get(k)]
        if diff:
            raise ValueError(f"{t.path}: built with other settings ({', '.join(diff)}) than "
                             f"{tables[0].path}; rebuild it with the same suite settings")
    problems = [p for t in tables for p in t.provenance["problems"]]
    if len(set(problems)) != len(problems):
        raise ValueError("the tables share problems; merge tables of disjoint problems")
    out.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        frames = [pd.read_parquet(t.path / f"{part}.parquet") for t in tables]
        cols = list(frames[0].columns)
        merged = pd.concat([f[cols] for f in frames], ignore_index=True)
        atomic_write_table(out / f"{part}.parquet",
                           pa.Table.from_pandas(merged, preserve_index=False))
    prov = {**first, "name": name or out.name, "problems": sorted(problems),
            "merged_from": {str(t.path.name): t.hash for t in tables},
            "content_hash": content_hash(out / f"{k}.parquet" for k in PARTS)}
    atomic_write_bytes(out / "provenance.json", json.dumps(prov, indent=2,
                                                           sort_keys=True).encode())
    return prov


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("sources", type=Path, nargs="+")
    ap.add_argument("--name", default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        prov = merge(args.out, args.sources, args.name)
    except (ValueError, OSError) as exc:
        log.error("merge_reference: %s", exc)
        return 2
    log.info("%s: %d problems, hash %s", args.out, len(prov["problems"]), prov["content_hash"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
