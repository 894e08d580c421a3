"""Validation protocols: names, splits, cost, common random numbers and determinism."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.analysis.protocol import compare_protocols
from tunebench.benchmarks.execution.cell import Cell
from tunebench.benchmarks.report.page import Page
from tunebench.benchmarks.report.protocol import protocol_section
from tunebench.benchmarks.execution.runner import plan
from tunebench.benchmarks.store.schema import DETERMINISTIC
from tunebench.benchmarks.plan.suite import SuiteError, parse
from tunebench.problems.catalogue import get_problem
from tunebench.problems.protocols import Protocol, ProtocolError
from tests.conftest import write_suite

NAMES = ["holdout-0.2", "cv-5", "repeated-cv-5x3", "reshuffled-holdout-0.2", "reshuffled-cv-5"]


@pytest.mark.parametrize("name", NAMES + ["cv-3", "holdout-0.33", "repeated-cv-2x10"])
def test_names_round_trip(name):
    assert Protocol.parse(name).name == name
    assert Protocol.parse(Protocol.parse(name).name) == Protocol.parse(name)


def test_parse_fields_and_fits_per_evaluation():
    assert Protocol.parse("holdout-0.2") == Protocol("holdout", fraction=0.2)
    assert Protocol.parse("repeated-cv-5x3") == Protocol("cv", k=5, repeats=3)
    assert Protocol.parse("reshuffled-cv-5") == Protocol("cv", k=5, reshuffled=True)
    fits = {n: Protocol.parse(n).fits_per_evaluation for n in NAMES}
    assert fits == {"holdout-0.2": 2, "cv-5": 6, "repeated-cv-5x3": 16,
                    "reshuffled-holdout-0.2": 2, "reshuffled-cv-5": 6}
    # the legacy key folds = 3 is cv-3, the key of the reference tables
    assert Protocol.from_folds(3).name == "cv-3"


@pytest.mark.parametrize("bad", ["holdout-1.5", "holdout-0", "cv-1", "cv", "loo",
                                 "reshuffled-repeated-cv-5x3", "cv-5x3", "repeated-cv-5", ""])
def test_bad_names_are_rejected(bad):
    with pytest.raises(ProtocolError, match="protocol"):
        Protocol.parse(bad)


# Numbers computed with the code before protocols existed (main at 1203fe6), folds = 3, on
# that code's metric (1-accuracy) and default configurations (the SVM's gamma was 0.1).
OLD_DEFAULTS = {"knn-iris": {"n_neighbors": 5, "p": 2, "weights": "uniform"},
                "svm-wine": {"C": 1.0, "gamma": 0.1}}
BEFORE = {
    "knn-iris": (0.044570886676149835, 0.10526315789473684,
                 (0.052631578947368474, 0.05405405405405406, 0.027027027027026973),
                 [122, 30, 14, 40, 77, 118, 25, 1], 38),
    "svm-wine": (0.015151515151515138, 0.0, (0.0, 0.022727272727272707, 0.022727272727272707),
                 [94, 0, 146, 140, 152, 147, 27, 37], 45),
}


@pytest.mark.parametrize("name", sorted(BEFORE))
@pytest.mark.parametrize("protocol", [None, "cv-3"])
def test_cv_k_is_bit_identical_to_folds(name, protocol):
    val, test, folds, head, n_test = BEFORE[name]
    p = get_problem(name).with_metric("1-accuracy")
    obj = p.bind(2, folds=3, test_fraction=0.25, protocol=protocol)
    e = obj(p.space.canonical(OLD_DEFAULTS[name]))
    assert (e.val_loss, e.test_loss, e.fold_losses) == (val, test, folds)
    assert obj.test_idx[:8].tolist() == head and len(obj.test_idx) == n_test


def test_outer_split_is_identical_across_protocols():
    p = get_problem("knn-iris")
    cfg = p.space.canonical(dict(p.default_config))
    objs = {n: p.bind(4, test_fraction=0.25, protocol=n) for n in NAMES}
    ref = objs["cv-5"]
    tests = set()
    for obj in objs.values():
        np.testing.assert_array_equal(obj.test_idx, ref.test_idx)
        np.testing.assert_array_equal(obj.train_idx, ref.train_idx)
        tests.add(obj(cfg).test_loss)  # the same refit on the same split
    assert len(tests) == 1


def test_inner_splits_partition_the_training_part():
    p = get_problem("knn-iris")
    obj = p.bind(1, test_fraction=0.25, protocol="holdout-0.2")
    (fit, score), = obj.fold_idx
    # 150 rows: 38 test, 112 train; ceil(0.2 * 112) = 23 validation rows
    assert len(obj.train_idx) == 112 and len(score) == 23 and len(fit) == 89
    assert set(fit) | set(score) == set(obj.train_idx) and not set(fit) & set(score)
    rep = p.bind(1, test_fraction=0.25, protocol="repeated-cv-5x3")
    assert len(rep.fold_idx) == 15
    for r in range(3):  # each repetition's score parts partition the training part
        parts = np.concatenate([b for _, b in rep.fold_idx[5 * r:5 * r + 5]])
        assert sorted(parts) == sorted(rep.train_idx)


def test_reshuffled_draws_one_split_per_configuration():
    p = get_problem("knn-iris")
    a = dict(p.space.canonical({"n_neighbors": 5, "p": 2, "weights": "uniform"}))
    b = dict(p.space.canonical({"n_neighbors": 7, "p": 1, "weights": "distance"}))
    obj1 = p.bind(3, protocol="reshuffled-holdout-0.2")
    obj2 = p.bind(3, protocol="reshuffled-holdout-0.2")
    e1a = obj1(a)
    score_a = obj1.fold_idx[0][1].copy()
    obj1(b)
    score_b = obj1.fold_idx[0][1].copy()
    e2a = obj2(a)  # another objective (another strategy): the same split for a
    np.testing.assert_array_equal(obj2.fold_idx[0][1], score_a)
    assert (e1a.val_loss, e1a.fold_losses) == (e2a.val_loss, e2a.fold_losses)
    assert set(score_a) != set(score_b)
    assert set(score_a) <= set(obj1.train_idx)
    fixed = p.bind(3, protocol="holdout-0.2")
    assert set(fixed.fold_idx[0][1]) != set(score_a)  # not the fixed split either
    assert e1a.test_loss == fixed(a).test_loss  # test refit is protocol-free


def test_suite_protocols_key(tmp_path):
    base = {"name": "s", "strategies": ["random"], "problems": ["branin"]}
    s = parse({**base, "protocols": ["cv-5", "holdout-.2"]})
    assert s.protocol_names == ("cv-5", "holdout-0.2") and s.n_cells == 2 * 5
    assert s.to_dict()["protocols"] == ["cv-5", "holdout-0.2"]
    legacy = parse({**base, "folds": 3})
    assert legacy.protocol_names == ("cv-3",) and "protocols" not in legacy.to_dict()
    with pytest.raises(SuiteError, match="unknown protocol 'loo'"):
        parse({**base, "protocols": ["loo"]})
    with pytest.raises(SuiteError, match="same protocol twice"):
        parse({**base, "protocols": ["holdout-0.2", "holdout-.2"]})


def test_cell_ids_include_the_protocol_only_with_several():
    base = {"name": "s", "strategies": ["random"], "problems": ["branin"], "seeds": [1]}
    assert [c.id for c in plan(parse(base))] == ["branin__random__1"]
    assert [c.id for c in plan(parse({**base, "protocols": ["cv-5"]}))] == ["branin__random__1"]
    two = plan(parse({**base, "protocols": ["cv-5", "holdout-0.2"]}))
    assert [c.id for c in two] == ["branin__cv-5__random__1", "branin__holdout-0.2__random__1"]
    assert Cell("branin", "random", 1).id == "branin__random__1"


PROTOCOLS = 'protocols = ["cv-2", "holdout-0.2", "reshuffled-holdout-0.2"]\n'


def _run(tmp_path, run_cli, name, jobs, extra=PROTOCOLS, strategies=("random", "optuna-tpe"),
         report=False):
    suite = write_suite(tmp_path, name=f"{name}.toml", budget=4,
                        strategies=strategies, problems=("knn-iris", "logreg-iris"), extra=extra)
    out = tmp_path / name
    flags = () if report else ("--no-report",)
    assert run_cli("run", suite, "--out", out, "--jobs", jobs, *flags) == 0
    return pd.read_parquet(out / "trials.parquet")


@pytest.mark.slow
def test_three_protocols_end_to_end(tmp_path, run_cli):
    df = _run(tmp_path, run_cli, "three", "1")
    # the report section alone (the whole report takes tens of seconds on a loaded machine)
    out = tmp_path / "report"
    for sub in ("figures", "tables"):
        (out / sub).mkdir(parents=True)
    page = Page(out)
    suite = json.loads((tmp_path / "three" / "manifest.json").read_text())["suite"]
    protocol_section(page, compare_protocols(df, suite))
    md = "\n".join(page.md)
    assert "## Protocol" in md and "random: reshuffled-holdout-0.2 vs holdout-0.2" in md
    assert "the default (first) protocol cv-2" in md
    paired = pd.read_csv(out / "tables" / "protocol_paired.csv")
    # 3 comparisons (2 against the default, reshuffled against fixed) x 2 strategies x
    # 2 budgets (equal configurations, equal fits)
    assert len(paired) == 3 * 2 * 2
    assert (out / "figures" / "protocol_cost.png").exists()
    # 3 protocols x 2 strategies x 2 problems x 2 seeds x budget 4
    assert len(df) == 3 * 2 * 2 * 2 * 4 and set(df["status"]) == {"ok"}
    assert set(df["protocol"]) == {"cv-2", "holdout-0.2", "reshuffled-holdout-0.2"}
    fits = df[~df["reused"]].groupby("protocol")["fits"].unique().map(list).to_dict()
    assert fits == {"cv-2": [3], "holdout-0.2": [2], "reshuffled-holdout-0.2": [2]}
    # random search asks the same configurations under every protocol (its seed does not
    # depend on the protocol), and the test refit does not depend on it either
    r = df[df["strategy"] == "random"].pivot_table(
        index=["problem", "seed", "trial"], columns="protocol", values="test_loss")
    assert (r.nunique(axis=1) == 1).all()


@pytest.mark.slow
def test_reshuffled_records_identical_for_any_jobs(tmp_path, run_cli):
    extra = 'protocols = ["reshuffled-holdout-0.2", "reshuffled-cv-2"]\n'
    one = _run(tmp_path, run_cli, "j1", "1", extra, ("random",))
    two = _run(tmp_path, run_cli, "j2", "2", extra, ("random",))
    pd.testing.assert_frame_equal(one[DETERMINISTIC], two[DETERMINISTIC])
    assert set(one["protocol"]) == {"reshuffled-holdout-0.2", "reshuffled-cv-2"}
