"""Issue 29: chance versus mismatch in the null check (re-salting), narrow cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.analysis.nullcheck import (
    NARROW_FRACTION,
    narrow_cells,
    null_check,
)
from tunebench.benchmarks.report.references import warning_text
from tunebench.benchmarks.analysis.resalt import flag_counts, verdict_lines
from tests.conftest import write_suite


def _sample(problems=("a", "b", "c"), seeds=5, n=100) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A reference sample of standard normal losses per (problem, seed), L* = -4."""
    rng = np.random.default_rng(5)
    rows, lstar = [], []
    for p in problems:
        for seed in range(1, seeds + 1):
            rows += [{"problem": p, "seed": seed, "status": "ok", "val_loss": x,
                      "test_loss": x + 0.1} for x in rng.normal(size=n)]
            lstar.append({"problem": p, "seed": seed, "lstar_val": -4.0, "lstar_test": -3.9})
    return pd.DataFrame(rows), pd.DataFrame(lstar)


def _resalted(shift: float, k: int, seeds=5, t=10) -> list[pd.DataFrame]:
    """``k`` random-search runs (``t`` evaluations per cell) with losses N(shift, 1): shift 0
    is exchangeable with the sample, shift 1 a constructed mismatch."""
    out = []
    for i in range(k):
        rng = np.random.default_rng([7, i])
        rows = [{"problem": p, "seed": seed, "strategy": "random", "status": "ok",
                 "val_loss": x, "test_loss": x + 0.1}
                for p in ("a", "b", "c") for seed in range(1, seeds + 1)
                for x in rng.normal(size=t) + shift]
        out.append(pd.DataFrame(rows))
    return out


def test_a_mismatch_keeps_failing_on_fresh_seeds():
    sample, lstar = _sample()
    counts = flag_counts(_resalted(1.0, 20), sample, lstar, n_perm=400).set_index("side")
    assert (counts["resalts"] == 20).all()
    assert (counts["flagged"] >= 16).all() and (counts["verdict"] == "mismatch").all()
    assert (counts["p_chance"] < 1e-6).all()


def test_exchangeable_runs_are_rarely_flagged():
    sample, lstar = _sample()
    counts = flag_counts(_resalted(0.0, 20), sample, lstar, n_perm=400).set_index("side")
    # Binomial(20, 0.05): P(>= 4 flags) = 0.016
    assert (counts["flagged"] <= 3).all() and (counts["verdict"] == "chance").all()
    assert counts.loc["val", "expected_by_chance"] == pytest.approx(1.0)


def test_flag_counts_by_hand():
    """p_chance is the binomial tail P(X >= flagged), X ~ Binomial(K, 0.05)."""
    from scipy import stats

    sample, lstar = _sample()
    runs = _resalted(1.0, 3) + _resalted(0.0, 2)
    counts = flag_counts(runs, sample, lstar, n_perm=400).set_index("side")
    per_run = [null_check(r, sample, lstar, n_perm=400).set_index("side") for r in runs]
    for side in ("val", "test"):
        flagged = sum(not t.loc[side, "consistent"] for t in per_run)
        assert counts.loc[side, "flagged"] == flagged
        assert counts.loc[side, "p_chance"] == pytest.approx(
            stats.binom.sf(flagged - 1, 5, 0.05))
    lines = verdict_lines(counts.reset_index(), per_run[0].reset_index())
    assert len(lines) == 2 and "re-salted runs flagged" in lines[0]


def test_null_check_reports_median_and_iqm_of_the_scores():
    from scipy import stats

    from tunebench.benchmarks.analysis.nullcheck import permuted_scores

    sample, lstar = _sample(problems=("a",), seeds=4)
    run = _resalted(0.0, 1, seeds=4)[0]
    run = run[run["problem"] == "a"]
    nc = null_check(run, sample, lstar, n_perm=50).set_index("side")
    rng = np.random.default_rng(0)
    scores = []
    for seed in range(1, 5):
        r, s = run[run["seed"] == seed], sample[sample["seed"] == seed]
        scores.append(permuted_scores(r["val_loss"].to_numpy(), r["test_loss"].to_numpy(),
                                      s["val_loss"].to_numpy(), s["test_loss"].to_numpy(),
                                      -4.0, -3.9, rng, 1)[0][0])
    assert nc.loc["val", "mean"] == pytest.approx(np.mean(scores))
    assert nc.loc["val", "median"] == pytest.approx(np.median(scores))
    assert nc.loc["val", "iqm"] == pytest.approx(stats.trim_mean(scores, 0.25))


def test_narrow_cells_flag_a_saturated_seed():
    """Seed 2's L* sits just below R0 (span 0.001 against an IQR of about 1.35): narrow."""
    from tunebench.benchmarks.analysis.normalise import expected_best

    sample, lstar = _sample(problems=("a",), seeds=2)
    g = sample[sample["seed"] == 2]
    r0 = expected_best(g["val_loss"].to_numpy(), g["test_loss"].to_numpy(), np.array([10]))
    lstar.loc[lstar["seed"] == 2, ["lstar_val", "lstar_test"]] = [r0[0][0] - 1e-3,
                                                                    r0[1][0] - 1e-3]
    narrow = narrow_cells(sample, lstar, 10)
    assert set(zip(narrow["seed"], narrow["side"])) == {(2, "val"), (2, "test")}
    row = narrow.set_index("side").loc["val"]
    q1, q3 = np.quantile(g["val_loss"], [0.25, 0.75])
    assert row["span"] == pytest.approx(1e-3) and row["spread"] == pytest.approx(q3 - q1)
    assert row["ratio"] < NARROW_FRACTION
    run = _resalted(0.0, 1, seeds=2)[0]
    nc = null_check(run[run["problem"] == "a"], sample, lstar, n_perm=50,
                    narrow=narrow).set_index("side")
    assert (nc["narrow"] == 1).all()


def test_warning_names_chance_and_the_resalt_command():
    bad = pd.DataFrame({"strategy": ["random"], "side": ["val"], "p_value": [0.002]})
    text = warning_text(bad)
    assert "Chance: at p < 0.05 about 1 run in 20" in text
    assert "every rerun" in text and "tunebench nullcheck RUN_DIR --resalt 20" in text


def test_nullcheck_command_end_to_end(tmp_path, run_cli, capsys):
    """A tiny run (branin: known optimum, so the table builds in a moment), re-salted
    twice: same output on a second call (seeds derived, no global state), and the
    re-salted cells are new draws on the same objective."""
    from tunebench.benchmarks.execution.resalt import resalted_trials

    suite = write_suite(tmp_path, budget=5, seeds=2, strategies=("random",),
                        problems=("branin",))
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1") == 0
    capsys.readouterr()
    assert run_cli("nullcheck", out, "--resalt", "2", "--out", tmp_path / "r.csv") == 0
    first = capsys.readouterr().out
    assert "re-salted 2 times" in first and "of 2 re-salted runs flagged" in first
    assert run_cli("nullcheck", out, "--resalt", "2") == 0
    assert capsys.readouterr().out == first
    counts = pd.read_csv(tmp_path / "r.csv")
    assert set(counts["side"]) == {"val", "test"} and (counts["resalts"] == 2).all()
    own = pd.read_parquet(out / "trials.parquet")
    a, b = resalted_trials(out, 2)
    assert len(a) == len(own) and not np.allclose(a["val_loss"], own["val_loss"])
    assert not np.allclose(a["val_loss"], b["val_loss"])


def test_nullcheck_command_bad_input(tmp_path, run_cli, capsys):
    assert run_cli("nullcheck", tmp_path) == 2
    assert "no manifest.json" in capsys.readouterr().err


# ---- the benchmarking checklist and the Bayesian comparison ----------------------------

def _run(tmp_path, run_cli, strategies):
    """A stored tiny run (2 synthetic problems, 2 seeds, budget 4); returns its directory."""
    suite = write_suite(tmp_path, budget=4, seeds=2, strategies=strategies,
                        problems=("branin", "hartmann3"))
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") in (0, 1)
    return out


def _items(s) -> dict[str, bool]:
    return dict(zip(s.checklist["item"], s.checklist["met"], strict=True))


def test_checklist_marks_a_run_without_random(tmp_path, run_cli):
    from tunebench.benchmarks.analysis.summary import load, summarise

    s = summarise(load([_run(tmp_path, run_cli, ("grid", "optuna-tpe"))]))
    items = _items(s)
    assert items["Random search present"] is False
    assert items["Library defaults present"] is False
    assert items["No failed cells"] is True and items["Equal budgets per strategy"] is True
    assert items["Seeds and their number"] is True  # 2 seeds on every problem
    assert items["Test data never seen by strategies"] is True
    row = s.checklist.set_index("item").loc["Random search present"]
    assert "'random' is not in the run" in row["evidence"] and "lindauer2020best" in row["keys"]


def test_checklist_marks_failed_cells(tmp_path, run_cli, monkeypatch):
    import sys
    import textwrap

    from tunebench.benchmarks.analysis.summary import load, summarise

    (tmp_path / "flaky_strategy.py").write_text(textwrap.dedent("""
        import numpy as np
        from tunebench.strategies import Strategy

        class Flaky(Strategy):
            name = "flaky"

            def __init__(self, space, seed, budget):
                super().__init__(space, seed, budget)
                self.rng = np.random.default_rng(seed)
                self.dims = len(space)

            def ask(self):
                if self.dims == 3:  # hartmann3: this strategy's cells fail
                    raise RuntimeError("flaky fails on 3-d problems")
                return self.space.sample(self.rng)

            def tell(self, config, loss):
                pass
        """))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("flaky_strategy", None)
    s = summarise(load([_run(tmp_path, run_cli, ("random", "flaky_strategy:Flaky"))]))
    items = _items(s)
    assert len(s.failed_cells) == 2 and items["No failed cells"] is False
    evidence = s.checklist.set_index("item").loc["No failed cells", "evidence"]
    assert evidence.startswith("2 failed cell(s): hartmann3__")
    assert items["Random search present"] is True


def test_bayes_matches_baycomp_called_directly():
    from baycomp import SignedRankTest

    from tunebench.benchmarks.analysis.bayes import ROPE, signed_rank
    from tunebench.benchmarks.analysis.stats import stream_seed

    rng = np.random.default_rng(2)
    rows = []
    for i, p in enumerate("abcdefgh"):
        for seed in (1, 2, 3):
            rows.append({"problem": p, "strategy": "random", "seed": seed,
                         "score_test": rng.normal(0, 0.1)})
            rows.append({"problem": p, "strategy": "tpe", "seed": seed,
                         "score_test": 0.4 + rng.normal(0, 0.1)})
            rows.append({"problem": p, "strategy": "same", "seed": seed,
                         "score_test": rng.normal(0, 0.01)})
    fin = pd.DataFrame(rows)
    out = signed_rank(fin, nsamples=5000)
    assert out["skipped"] == "" and out["rope"] == ROPE == 0.05
    table = out["table"].set_index("strategy")
    means = fin.groupby(["problem", "strategy"])["score_test"].mean().unstack()
    for s in ("tpe", "same"):
        expected = SignedRankTest.probs(means[s].to_numpy(), means["random"].to_numpy(), 0.05,
                                        nsamples=5000, random_state=stream_seed("bayes", s))
        got = table.loc[s, ["p_better", "p_equivalent", "p_worse"]].to_numpy(float)
        np.testing.assert_allclose(got, expected)
        assert got.sum() == pytest.approx(1.0)
    assert table.loc["tpe", "p_better"] > 0.95  # 0.4 higher on every problem
    assert table.loc["same", "p_equivalent"] > 0.5  # within 0.05 on most problems


def test_bayes_says_how_to_install_baycomp_when_absent(monkeypatch):
    from tunebench.benchmarks.analysis import bayes

    monkeypatch.setattr(bayes, "available", lambda: False)
    out = bayes.signed_rank(pd.DataFrame({"problem": [], "strategy": [], "score_test": []}))
    assert out["table"].empty and "tunebench[stats]" in out["skipped"]
