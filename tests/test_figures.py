"""Palette, bands and profiles behind the report's figures, against hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.analysis.bands import iqm_band, quantile_curves, rank_band
from tunebench.benchmarks.analysis.profiles import performance_profile, problems_with_gap, regret
from tunebench.benchmarks.report import palette
from tunebench.strategies.base import Strategy, family_of, library_of
from tunebench.strategies.registry import BUILTINS


def test_every_builtin_has_its_own_fixed_colour_and_a_declared_family():
    assert set(palette.BUILTIN_COLOURS) == set(BUILTINS)
    assert len(set(palette.BUILTIN_COLOURS.values())) == len(BUILTINS)
    assert not set(palette.BUILTIN_COLOURS.values()) & set(palette.PLUGIN_COLOURS)
    for name, cls in BUILTINS.items():
        assert cls.family in palette.FAMILY_STYLES, name
    assert family_of(BUILTINS["optuna-tpe"]) == "model-based"
    assert family_of(BUILTINS["grid"]) == "baseline"


def test_styles_do_not_depend_on_the_other_strategies_of_a_run():
    one = palette.styles(["random", "skopt-gp"])
    two = palette.styles(["skopt-gp", "optuna-tpe", "my-thing", "random", "zzz"])
    assert one["skopt-gp"] == two["skopt-gp"] and one["random"] == two["random"]
    assert one["random"].colour == "#000000"
    # a plug-in: a colour from the plug-in set, the same on every call (sha256, not hash())
    c = palette.colour_of("my-thing")
    assert c in palette.PLUGIN_COLOURS and c == palette.colour_of("my-thing")
    assert two["my-thing"].family == "other"
    fam = palette.styles(["my-thing"], {"my-thing": "evolutionary"})["my-thing"]
    assert (fam.linestyle, fam.marker) == palette.FAMILY_STYLES["evolutionary"]


class _Plugin(Strategy):
    name = "my-cma-variant"

    def ask(self):
        return {}

    def tell(self, config, loss):
        pass


def test_plugin_family_and_library_are_derived():
    assert family_of(_Plugin) == "evolutionary"  # from "cma" in its name
    # declared in no class of its own: the distribution installing its top-level package
    _Plugin.__module__ = "sklearn.my_plugin"
    assert library_of(_Plugin) == "scikit-learn"
    _Plugin.__module__ = "notinstalledpkg.strategies"
    assert library_of(_Plugin) == "notinstalledpkg"
    assert library_of(BUILTINS["skopt-gp"]) == "scikit-optimize"

    class Declared(_Plugin):
        library = "scipy"

    assert library_of(Declared) == "scipy"


def _traj():
    # problem p, strategies a and b, seeds 0..3, two trials
    rows = []
    vals = {"a": [[4, 2], [3, 1], [5, 5], [6, 0]], "b": [[8, 8], [7, 6], [9, 4], [10, 10]]}
    for s, per_seed in vals.items():
        for seed, v in enumerate(per_seed):
            for t, x in enumerate(v):
                rows.append({"problem": "p", "strategy": s, "seed": seed, "trial": t,
                             "inc_val": float(x)})
    return pd.DataFrame(rows)


def test_quantile_curves_are_median_and_iqr_over_seeds():
    q = quantile_curves(_traj(), "inc_val").set_index(["strategy", "trial"])
    # a at trial 0: 3, 4, 5, 6 -> median 4.5, quartiles (linear) 3.75 and 5.25
    assert q.loc[("a", 0), ["center", "low", "high"]].tolist() == [4.5, 3.75, 5.25]
    # b at trial 1: 4, 6, 8, 10 -> 7, 5.5, 8.5
    assert q.loc[("b", 1), ["center", "low", "high"]].tolist() == [7.0, 5.5, 8.5]


def test_iqm_band_point_and_degenerate_interval():
    t = _traj().rename(columns={"inc_val": "score_val"})
    band = iqm_band(t, "score_val", n_boot=50).set_index(["strategy", "trial"])
    # a at trial 1: 2, 1, 5, 0 -> IQM = mean of the middle two (1, 2) = 1.5
    assert band.loc[("a", 1), "center"] == pytest.approx(1.5)
    assert band.loc[("a", 1), "low"] <= 1.5 <= band.loc[("a", 1), "high"]
    same = t.assign(score_val=2.0)
    b = iqm_band(same, "score_val", n_boot=20)
    assert (b["low"] == 2.0).all() and (b["high"] == 2.0).all()


def test_rank_band_mean_rank_and_bootstrap_over_problems():
    t = pd.concat([_traj(), _traj().assign(problem="q")], ignore_index=True)
    r = rank_band(t, "inc_val", n_boot=50).set_index(["strategy", "trial"])
    # trial 0: a beats b on every seed -> ranks 1 and 2 with no spread over problems
    assert r.loc[("a", 0), ["center", "low", "high"]].tolist() == [1.0, 1.0, 1.0]
    # trial 1: b wins seed 2 (4 < 5), a wins seeds 0, 1 and 3
    assert r.loc[("a", 1), "center"] == pytest.approx((1 + 1 + 2 + 1) / 4)


def test_performance_profile_counts_runs_and_targets_reached():
    t = _traj()
    # start 10, L* 0: progress = 1 - value/10; targets 0.5 and 0.9 -> value <= 5 and <= 1
    prof = performance_profile(t, "inc_val", {"p": 10.0}, {"p": 0.0}, targets=(0.5, 0.9))
    p = prof.set_index(["strategy", "trial"])["share"]
    # a, trial 0: values 4, 3, 5, 6 -> 0.5 reached by 3 runs, 0.9 by none -> 3/8
    assert p[("a", 0)] == pytest.approx(3 / 8)
    # a, trial 1: best-so-far 2, 1, 5, 0 -> 0.5 by 4 runs, 0.9 by 2 (1 and 0) -> 6/8
    assert p[("a", 1)] == pytest.approx(6 / 8)
    # b, trial 1: 8, 6, 4, 10 -> only seed 2 reaches 0.5 -> 1/8
    assert p[("b", 1)] == pytest.approx(1 / 8)
    assert set(prof["runs"]) == {4}
    assert performance_profile(t, "inc_val", {}, {"p": 0.0}).empty


def test_regret_floors_and_drops_problems_without_reference():
    t = pd.DataFrame({"problem": ["p", "p", "q"], "inc_val": [3.0, 1.0, 2.0],
                      "inc_test": [3.5, 0.5, 2.0]})
    r = regret(t, {"p": 1.0})
    assert r["regret_inc_val"].tolist() == [2.0, 1e-8]
    assert r["regret_inc_test"].tolist() == [2.5, 1e-8]
    assert set(r["problem"]) == {"p"}


def test_noise_free_problems_have_no_gap_panel():
    t = pd.DataFrame({"problem": ["branin"] * 2 + ["svm-wine"] * 2,
                      "gap": [0.0, 0.0, 0.0, 0.02]})
    assert problems_with_gap(t) == ["svm-wine"]


def _labels(axis, renderer):
    lo, hi = sorted(axis.get_view_interval())
    labs = [t for t, loc in zip(axis.get_ticklabels(), axis.get_ticklocs(), strict=True)
            if t.get_text() and lo <= loc <= hi]
    return [t.get_window_extent(renderer) for t in labs]


def _no_overlap(boxes):
    return not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_wall_time_panels_have_log_labels_that_do_not_overlap():
    from tunebench.benchmarks.report import figures

    rows = []
    for p, (lo, hi) in {"narrow": (1e-3, 3e-3), "wide": (1e-4, 30.0), "mid": (0.02, 0.9)}.items():
        for s in ("random", "optuna-tpe"):
            rows.append(pd.DataFrame({"problem": p, "strategy": s, "time": np.geomspace(lo, hi, 30),
                                      "center": np.linspace(0.3, 0.1, 30), "low": 0.1,
                                      "high": 0.3}))
    styles = palette.styles(["random", "optuna-tpe"])
    fig = figures.convergence(pd.concat(rows), ["narrow", "wide", "mid"], "loss", styles,
                              x="time", logx=True, logy=True)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    for ax in fig.axes[:3]:
        for axis in (ax.xaxis, ax.yaxis):
            boxes = _labels(axis, r)
            assert len(boxes) >= 2, (ax.get_title(), axis.axis_name)
            assert _no_overlap(boxes), (ax.get_title(), axis.axis_name)
    assert figures.figure_colours(fig) == {"optuna-tpe": ["#0173b2"], "random": ["#000000"]}
    figures.plt.close(fig)


def test_cd_diagram_uses_the_palette_and_tied_labels_do_not_overlap():
    from tunebench.benchmarks.report import figures

    names = ["random", "grid", "optuna-tpe", "skopt-gp", "my-plugin"]
    ranks = pd.Series([2.0, 2.0, 2.0, 4.5, 4.5], index=names)  # ties
    nemenyi = pd.DataFrame(0.9, index=names, columns=names)
    styles = palette.styles(names)
    fig = figures.cd_diagram(ranks, nemenyi, 1.2, styles)
    fig.canvas.draw()
    texts = [t for t in fig.axes[0].texts if any(n in t.get_text() for n in names)]
    assert len(texts) == 5
    assert _no_overlap([t.get_window_extent(fig.canvas.get_renderer()) for t in texts])
    assert figures.figure_colours(fig) == {n: [styles[n].colour] for n in sorted(names)}
    figures.plt.close(fig)


def test_saved_figures_are_byte_identical_across_saves(tmp_path):
    """A report's figure files depend on its data only: the PDF carries no creation date."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tunebench.benchmarks.report.figures import save

    out = []
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        save(fig, tmp_path / d, "f")
        out.append({ext: (tmp_path / d / f"f.{ext}").read_bytes() for ext in ("png", "pdf")})
    assert out[0] == out[1]
    assert b"CreationDate" not in out[0]["pdf"]
