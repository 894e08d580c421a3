"""Cell integrity: the identity and checksum each committed cell file carries.

Every ``cells/<cell>.parquet`` holds, in its Parquet key-value metadata under
``tunebench.cell``, a JSON object naming the cell (problem, strategy, seed, cell id), the
suite it belongs to (name and a hash of the suite's settings), its number of trials and a
SHA-256 of its table content. Parquet page checksums are written too. :func:`verify_cell`
re-reads a file and says what, if anything, is wrong with it: a truncated file, another
cell's file under this name, a cell of another suite, or flipped bytes are all detected.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

#: The Parquet key-value metadata key of a cell's identity (other keys are left alone).
CELL_KEY = b"tunebench.cell"


def suite_hash(suite: dict[str, Any]) -> str:
    """A short hash of a suite's settings: cells of another suite do not match it."""
    text = json.dumps(suite, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _zero_under_nulls(column: pa.ChunkedArray) -> pa.Array:
    """The column with zeros in the data slots its nulls cover. Arrow leaves those bytes
    undefined (a Parquet round trip may fill them differently), so hashing them would call
    two equal tables different."""
    arr = column.combine_chunks()
    if arr.null_count == 0 or not (pa.types.is_integer(arr.type)
                                   or pa.types.is_floating(arr.type)):
        return arr
    filled = pc.fill_null(arr, pa.scalar(0, arr.type))
    validity = pc.is_valid(arr).buffers()[1]  # a fresh bitmap at offset 0, like ``filled``
    return pa.Array.from_buffers(arr.type, len(arr), [validity, filled.buffers()[1]],
                                 null_count=arr.null_count)


def content_hash(table: pa.Table) -> str:
    """SHA-256 of a table's content (Arrow IPC bytes, schema metadata excluded; the undefined
    bytes under nulls zeroed)."""
    table = table.replace_schema_metadata(None).combine_chunks()
    table = pa.Table.from_arrays([_zero_under_nulls(c) for c in table.columns],
                                 schema=table.schema)
    buf = io.BytesIO()
    with pa.ipc.new_stream(buf, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(buf.getvalue()).hexdigest()


def identity(cell_id: str, problem: str, strategy: str, seed: int,
             suite: dict[str, Any]) -> dict[str, Any]:
    """What a cell file must say about itself (its trial count and hash are added on write)."""
    return {"cell": cell_id, "problem": problem, "strategy": strategy, "seed": int(seed),
            "suite": suite.get("name"), "suite_hash": suite_hash(suite),
            "budget": int(suite["budget"])}


def stamp(table: pa.Table, ident: dict[str, Any]) -> pa.Table:
    """The table with its identity, trial count and content hash added to its metadata
    (merged with any metadata already there)."""
    meta = dict(table.schema.metadata or {})
    info = dict(ident, trials=table.num_rows, sha256=content_hash(table))
    meta[CELL_KEY] = json.dumps(info, sort_keys=True).encode()
    return table.replace_schema_metadata(meta)


def read_stamp(path: Path) -> dict[str, Any]:
    """The identity stored in a cell file (ValueError if it has none or it is unreadable)."""
    meta = pq.read_schema(path).metadata or {}
    if CELL_KEY not in meta:
        raise ValueError("it has no tunebench.cell metadata (not written by this tunebench)")
    info = json.loads(meta[CELL_KEY])
    if not isinstance(info, dict):
        raise ValueError("its tunebench.cell metadata is not an object")
    return info


def verify_cell(path: Path, expected: dict[str, Any], schema: pa.Schema) -> str | None:
    """None if ``path`` is the intact cell ``expected`` (see :func:`identity`), else why not."""
    try:
        info = read_stamp(path)
        table = pq.read_table(path, schema=schema, page_checksum_verification=True)
    except Exception as exc:  # any unreadable file: thrift, zstd, JSON, OS errors
        text = str(exc).splitlines()[0] if str(exc) else ""
        return f"unreadable ({type(exc).__name__}: {text[:120]})"
    for key in ("cell", "suite", "suite_hash"):
        if info.get(key) != expected[key]:
            return (f"it is another cell's file ({key} {info.get(key)!r}, "
                    f"expected {expected[key]!r})")
    if table.num_rows != info.get("trials"):
        return (f"truncated: {table.num_rows} rows, its metadata says {info.get('trials')}")
    if content_hash(table) != info.get("sha256"):
        return "its content does not match its checksum"
    return budget_problem(table, int(expected["budget"]))


def budget_problem(table: pa.Table, budget: int) -> str | None:
    """None if the cell's trials spend exactly its budget, else what is wrong.

    Every trial is charged its ``cost`` (1 for a full-fidelity trial; the fraction of the
    full resource for a multi-fidelity one) and a cell stops as soon as the summed cost
    reaches the budget (see :mod:`benchmarks.execution.loop`). So a whole cell's summed
    cost reaches the budget at its last trial and not before: ``budget`` rows for an
    ordinary cell, any number of cheaper ones for a multi-fidelity cell. The sum is taken
    in trial order, as the cell loop takes it, so the comparison is exact.
    """
    if "cost" in table.column_names:
        costs = [1.0 if c is None else float(c) for c in table.column("cost").to_pylist()]
    else:  # a schema-1 table: every trial at full fidelity
        costs = [1.0] * table.num_rows
    spent = 0.0
    for i, cost in enumerate(costs):
        if spent >= budget:
            return (f"too long: its first {i} trials already spend the budget of {budget} "
                    f"evaluations, yet it holds {len(costs)}")
        spent += cost
    if spent < budget:
        return (f"truncated: its {len(costs)} trials spend {spent:g} of the budget of "
                f"{budget} evaluations")
    return None
