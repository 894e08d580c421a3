"""The typed manifest: read once into objects, written back exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tunebench.benchmarks.plan.suite import Suite, load
from tunebench.benchmarks.publish.archive import shipped
from tunebench.benchmarks.store import manifest as manifest_mod
from tunebench.benchmarks.store.manifest_types import (
    Environment,
    Manifest,
    ProblemInfo,
    StrategyInfo,
)
from tunebench.benchmarks.store.rundir import RunDir, StoreError


@pytest.mark.parametrize("name", sorted(shipped()))
def test_shipped_archive_manifests_round_trip_exactly(name):
    data = json.loads((shipped()[name].path / "manifest.json").read_text(encoding="utf-8"))
    m = Manifest.from_dict(data)
    assert m.to_dict() == data
    assert isinstance(m.suite, Suite) and m.suite.name == name
    assert m.suite.budget == data["suite"]["budget"]
    assert all(isinstance(v, StrategyInfo) for v in m.strategies.values())
    assert all(isinstance(v, ProblemInfo) for v in m.problems.values())
    assert isinstance(m.environment, Environment)
    assert m.libraries["scikit-learn"] == data["environment"]["libraries"]["scikit-learn"]
    assert m.strategy_specs() == {n: v["spec"] for n, v in data["strategies"].items()}


def test_keys_of_other_versions_are_kept_and_absent_keys_stay_absent():
    data = {"format": "tunebench-run/2", "run_id": "r", "future_key": [1, 2],
            "suite": {"name": "s", "strategies": ["random"], "problems": ["branin"],
                      "budget": 7, "a_new_suite_key": True},
            "strategies": {"random": {"spec": "random", "new_field": "x"}},
            "problems": {"branin": {"metric": "value", "optimum": 0.397887}}}
    m = Manifest.from_dict(data)
    assert m.to_dict() == data  # nothing added (no defaults), nothing lost
    assert m.extra == {"future_key": [1, 2]}
    assert m.suite_extra == {"a_new_suite_key": True}
    assert m.strategies["random"].extra == {"new_field": "x"}
    assert m.problems["branin"].optimum == 0.397887 and m.problems["branin"].metrics == ()
    assert m.suite.budget == 7 and m.suite.seeds == (1, 2, 3, 4, 5)  # the suite's default


def test_a_built_manifest_is_typed_and_its_end_and_resume_are_recorded():
    suite = load("quick")
    m = manifest_mod.build(suite, "rid", ["tunebench", "run", "quick"], 2, "local:2")
    assert m.suite is suite and m.command == ("tunebench", "run", "quick")
    assert set(m.problems) == set(suite.problems) and not m.is_finished
    assert m.strategies["random"].spec == "random"
    stored = json.loads(json.dumps(m.to_dict(), default=str))
    assert "failed_cells" not in stored and "resumed_at" not in stored
    assert stored["finished_at"] is None and stored["suite"] == suite.to_dict()
    assert manifest_mod.differences(Manifest.from_dict(stored), m) == []
    done = m.finished("2026-11-30T10:00:00+00:00", ["c1"])
    assert done.is_finished and done.to_dict()["failed_cells"] == ["c1"]
    again = done.restarted("2026-11-30T11:00:00+00:00").restarted("2026-11-30T12:00:00+00:00")
    assert again.finished_at is None and len(again.to_dict()["resumed_at"]) == 2
    assert m.finished_at is None  # frozen: the original is unchanged


def test_a_resume_names_what_differs():
    suite = load("quick")
    a = manifest_mod.build(suite, "rid", [], 1, "local:1")
    b = manifest_mod.build(suite.override(budget=suite.budget + 1), "rid", [], 1, "local:1")
    assert manifest_mod.differences(a, b) == [
        f"suite.budget: stored {suite.budget}, now {suite.budget + 1}"]


def test_run_dir_reads_and_writes_manifests(tmp_path: Path):
    run = RunDir(tmp_path)
    m = manifest_mod.build(load("quick"), "rid", [], 1, "local:1")
    run.write_manifest(m)
    back = run.read_manifest()
    assert back.to_dict() == json.loads(json.dumps(m.to_dict(), default=str))
    assert back.suite == m.suite
    # an entry that is not a JSON object is one line naming the file and the fix
    data = json.loads(run.manifest_path.read_text())
    data["strategies"]["random"] = "not an object"
    run.manifest_path.write_text(json.dumps(data))
    with pytest.raises(StoreError, match=r"manifest.json: a damaged manifest .*--fresh$"):
        run.read_manifest()
