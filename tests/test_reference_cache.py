"""Reference tables reused across suites, build estimates, longest-first scheduling."""

from __future__ import annotations

import json
import logging

import pytest

from tunebench.benchmarks.plan import estimate
from tunebench.benchmarks.plan.suite import load
from tunebench.benchmarks.reference import cache
from tunebench.benchmarks.reference import tables as reference
from tests.conftest import write_suite


def test_makespan_and_longest_first_by_hand():
    # 2 workers: plan order 1, 1, 2 -> (1 | 1) then 2 on the first free -> 3
    assert estimate.makespan([1, 1, 2], 2) == 3
    # longest first: 2 | 1, then 1 on the worker free at 1 -> 2 (= sum / workers)
    assert estimate.makespan([2, 1, 1], 2) == 2

    class C:
        def __init__(self, i: str) -> None:
            self.id = i

    cells = [C("a"), C("b"), C("c"), C("d")]
    order = estimate.longest_first(cells, {"a": 1.0, "b": 3.0, "c": 1.0, "d": 2.0})
    assert [c.id for c in order] == ["b", "d", "a", "c"]  # ties keep the plan's order


def test_paper_schedule_on_64_workers_is_packed_and_runner_dispatches_longest_first():
    from tunebench.benchmarks.execution.runner import _longest_first, plan

    suite = load("paper")
    costs = estimate.cell_costs(suite, plan(suite))
    ordered = _longest_first(suite, plan(suite))
    seconds = [costs[c.id] for c in ordered]
    assert seconds == sorted(seconds, reverse=True)
    assert estimate.makespan(seconds, 64) <= 1.1 * sum(seconds) / 64


def test_build_cost_counts_sample_and_campaign_and_is_zero_when_a_table_covers():
    quick = load("quick")
    assert cache.build_cost(quick).seconds == 0.0  # the shipped table covers it
    fresh = cache.build_cost(quick, reuse=False)
    model = estimate.cost_model(quick)
    real = [p for p in quick.problems if model.per_eval[p] > 0]
    n = reference.default_samples(quick.budget)
    want = sum(model.cell(p, "random", n) for p in quick.problems) * len(quick.seeds)
    assert fresh.sample_seconds == pytest.approx(want)
    assert fresh.campaign_seconds > 0 and real
    assert cache.build_cells(quick) > len(quick.problems) * len(quick.seeds)


def test_training_sizes_scale_the_estimate_by_their_share_of_the_training_part():
    """A cell at 2,000 rows of tree-diamonds (13,485 test rows at the pilot's 0.25 test
    fraction: 40,455 training rows) costs 2,000 / 40,455 of a whole-part evaluation; the
    reference build counts a table per size."""
    scaling = load("scaling")
    model = estimate.cost_model(scaling)
    per = model.per_eval["tree-diamonds"]
    assert model.size_factor("tree-diamonds", "2000") == pytest.approx(2000 / 40455)
    assert model.size_factor("tree-diamonds", "all") == 1.0
    assert model.size_factor("tree-diamonds", "10000000") == 1.0
    assert model.cell("tree-diamonds", "random", 10, "2000") == pytest.approx(
        per * 2000 / 40455 * 10 + estimate.OVERHEAD["random"] * 10)
    sizes = len(scaling.train_sizes)
    k = len(scaling.problems)  # all real problems: a sample and 2 campaign cells each
    assert cache.build_cells(scaling) == (k + k * 2) * len(scaling.seeds) * sizes
    n = reference.default_samples(scaling.budget)
    want = sum(model.cell(p, "random", n, str(z)) for p in scaling.problems
               for z in scaling.train_sizes) * len(scaling.seeds)
    assert cache.build_cost(scaling, reuse=False).sample_seconds == pytest.approx(want)


@pytest.mark.slow
def test_a_second_suite_with_a_smaller_budget_builds_no_reference_table(tmp_path, run_cli,
                                                                        monkeypatch, caplog):
    """The reuse rule: a table built for budget 4 (N = 40) serves another suite on the same
    problems, seeds and protocol at budget 2, whatever the suite's name."""
    monkeypatch.setenv(reference.CACHE_ENV, str(tmp_path / "cache"))
    first = write_suite(tmp_path, budget=4, seeds=1, strategies=("random",),
                        problems=("branin", "knn-iris"))
    caplog.set_level(logging.INFO)
    assert run_cli("run", first, "--jobs", "1", "--out", tmp_path / "a") == 0
    assert "to build the reference table" in caplog.text  # the estimate includes the build
    built = json.loads((tmp_path / "a" / "reference.json").read_text())
    assert built["path"].startswith(str(tmp_path / "cache"))

    second = write_suite(tmp_path, budget=2, seeds=1, strategies=("random", "grid"),
                         problems=("knn-iris", "branin"), name="other.toml")
    second.write_text(second.read_text().replace('name = "tiny"', 'name = "other"'))

    def no_build(*args, **kwargs):
        raise AssertionError("the second suite must reuse the first suite's table")

    monkeypatch.setattr(reference, "build", no_build)
    caplog.clear()
    assert run_cli("run", second, "--jobs", "1", "--out", tmp_path / "b") == 0
    assert "to build the reference table" not in caplog.text
    assert json.loads((tmp_path / "b" / "reference.json").read_text())["hash"] == built["hash"]
