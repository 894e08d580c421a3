"""The trials schema lives in one place: the typed record's row is the stored row.

A change of a column, dtype or order in :class:`TrialRecord` or the schema would make new
cell files differ from stored runs, the shipped archive and the reference tables; these
tests catch it by writing freshly run cells (full fidelity, multi-fidelity, parallel) and
reading their Parquet schema back.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tunebench.benchmarks.execution.cell import Cell, run_cell
from tunebench.benchmarks.plan.suite import parse
from tunebench.benchmarks.store.rundir import RunDir
from tunebench.benchmarks.store.schema import (
    COLUMNS,
    PARALLEL_COLUMNS,
    SCHEMA,
    CellColumns,
    ParallelSlot,
    TrialRecord,
    records_table,
    schema_for,
    upgrade,
)
from tunebench.problems.base import Status
from tunebench.problems.metrics import METRIC_COLUMNS

ROOT = Path(__file__).resolve().parent.parent


def _record(**kw) -> TrialRecord:
    cell = CellColumns("s", "p", "cv-2", "random", 1, "log-loss", None)
    base = dict(cell=cell, trial=0, params='{"x": 1}', val_loss=0.5, test_loss=0.6,
                fold_losses=(0.4, 0.6), status=Status.OK, error=None, fit_seconds=0.1,
                ask_seconds=0.01, tell_seconds=0.02, trial_seconds=0.2, reused=False,
                n_warnings=0, fits=2, started_at=1_700_000_000.25, test_loss_se=math.nan)
    return TrialRecord(**{**base, **kw})


def test_a_records_row_has_the_stored_columns_in_the_stored_order():
    assert list(_record().row()) == COLUMNS
    slot = ParallelSlot(workers=2, round=0, worker=1, sim_start=0.0, sim_end=1.5)
    row = _record(parallel=slot).row()
    assert list(row) == COLUMNS + list(PARALLEL_COLUMNS)
    assert (row["workers"], row["worker"], row["sim_end"]) == (2, 1, 1.5)
    assert row["status"] == "ok" and isinstance(row["status"], str)


def test_records_table_keeps_types_nulls_and_nans():
    table = records_table([_record(), _record(trial=1, test_loss_se=None, fidelity=0.25,
                                             cost=0.3, metrics={"val:log-loss": 0.5})])
    assert table.schema.equals(SCHEMA, check_metadata=True)
    se = table.column("test_loss_se")
    assert se.null_count == 1 and math.isnan(se[0].as_py())  # NaN and null stay apart
    assert table.column("n_train").null_count == 2
    assert table.column("started_at")[0].value == 1_700_000_000_250  # ms, UTC
    assert table.column("fidelity").to_pylist() == [1.0, 0.25]
    assert table.column("val:log-loss").to_pylist()[1] == 0.5
    assert math.isnan(table.column(METRIC_COLUMNS[-1])[0].as_py())


SUITES = {
    "full": {"problems": ["branin"], "strategies": ["random"], "start_from_default": True},
    "multi-fidelity": {"problems": ["knn-iris"], "strategies": ["optuna-random-hyperband"],
                       "options": {"optuna-random-hyperband": {"min_fidelity": 0.111}}},
    "parallel": {"problems": ["branin"], "strategies": ["random"], "workers": [2],
                 "parallel": "async"},
}


@pytest.mark.parametrize("kind", sorted(SUITES))
def test_a_freshly_run_cell_is_stored_with_the_schema(tmp_path, kind):
    suite = parse({"name": "schema", "budget": 3, "seeds": 1, "folds": 2,
                   "test_fraction": 0.3, **SUITES[kind]})
    cell = Cell(suite.problems[0], suite.strategies[0], 1)
    result = run_cell(cell, suite)
    assert result.ok, result.error
    assert all(isinstance(r, TrialRecord) for r in result.records)
    run = RunDir(tmp_path / "run")
    run.create()
    run.write_cell(cell.id, result.records)
    stored = pq.read_table(run.cell_path(cell.id))
    expected = schema_for(PARALLEL_COLUMNS if kind == "parallel" else ())
    assert stored.schema.equals(expected, check_metadata=False)
    assert stored.schema.metadata[b"tunebench.schema"] == b"2"
    assert stored.column("suite").to_pylist() == ["schema"] * stored.num_rows
    if kind == "multi-fidelity":  # charged its cost; never recorded a standard error
        assert stored.column("test_loss_se").null_count == stored.num_rows
        assert 3 <= sum(stored.column("cost").to_pylist()) < 4
        assert min(stored.column("fidelity").to_pylist()) < 1
    else:
        assert stored.num_rows == 3
        assert set(stored.column("cost").to_pylist()) == {1.0}


def test_the_shipped_archive_reads_into_the_current_schema():
    table = pq.read_table(ROOT / "benchmarks" / "archive" / "quick" / "trials.parquet")
    assert upgrade(table).schema.equals(SCHEMA, check_metadata=True)
    assert isinstance(upgrade(table).column("started_at").type, pa.TimestampType)


def test_labels_read_as_categoricals_hold_the_same_values():
    """The analysis reads label columns as categoricals (issue 28: a tenth of a paper-sized
    report's time was factorising them); values, NaN and row order are unchanged, and the
    categories are in lexical order so sorting by them sorts by the strings."""
    import pandas as pd

    from tunebench.benchmarks.analysis.inputs import LABELS, sorted_categories
    from tunebench.benchmarks.publish.archive import shipped
    from tunebench.benchmarks.store.rundir import read_trials

    run = shipped()["quick"].path
    plain = read_trials(run)
    cats = sorted_categories(read_trials(run, categorical=LABELS))
    for c in LABELS:
        assert isinstance(cats[c].dtype, pd.CategoricalDtype), c
        assert list(cats[c].cat.categories) == sorted(cats[c].cat.categories)
        assert cats[c].astype(object).equals(plain[c].astype(object)), c
    rest = [c for c in plain.columns if c not in LABELS]
    pd.testing.assert_frame_equal(cats[rest], plain[rest])
    # two runs whose categories differ concatenate to strings: categorical again, sorted
    a, b = cats.iloc[:5].copy(), cats.iloc[5:].copy()
    b["strategy"] = b["strategy"].cat.rename_categories(lambda s: "zz-" + s)
    both = sorted_categories(pd.concat([b, a], ignore_index=True))
    assert isinstance(both["strategy"].dtype, pd.CategoricalDtype)
    assert list(both.sort_values("strategy", kind="stable")["strategy"].astype(str)) == sorted(
        both["strategy"].astype(str))
