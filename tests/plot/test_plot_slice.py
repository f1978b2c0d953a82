"""plot_slice: a grid of panels, the objective against each parameter."""

from __future__ import annotations

import numpy as np
import pytest
from _plot_helpers import CONDITIONAL_LABELS

from skopt_hp import Trials, fmin, hp, rand
from skopt_hp.plot import plot_slice


def test_one_panel_per_parameter(cond_trials):
    fig = plot_slice(cond_trials)
    n = len(CONDITIONAL_LABELS)
    panels, cbar = fig.axes[:n], fig.axes[n:]
    assert [ax.get_xlabel() for ax in panels] == list(CONDITIONAL_LABELS)
    assert len(cbar) == 1 and cbar[0].get_ylabel() == "trial"
    # 3 columns: two rows, the sixth cell removed; the first column has the y label.
    assert [ax.get_ylabel() for ax in panels] == ["loss", "", "", "loss", ""]


def test_points_are_the_trials_where_the_parameter_was_active(cond_trials):
    fig = plot_slice(cond_trials)
    ok = [t for t in cond_trials.records if t.loss is not None]
    for ax, label in zip(fig.axes, CONDITIONAL_LABELS, strict=False):
        active = [t for t in ok if label in t.params]
        offsets = np.asarray(ax.collections[0].get_offsets())
        assert len(offsets) == len(active), label
        np.testing.assert_allclose(np.sort(offsets[:, 1]), np.sort([t.loss for t in active]))
        if label not in ("family", "x"):
            assert ax.get_title() == f"active in {len(active)} of {len(ok)} trials"
        else:
            assert ax.get_title() == ""


def test_scales_and_choice_ticks(cond_trials):
    fig = plot_slice(cond_trials)
    panel = dict(zip(CONDITIONAL_LABELS, fig.axes, strict=False))
    assert panel["a"].get_xscale() == "log"
    assert panel["x"].get_xscale() == "linear"
    assert [t.get_text() for t in panel["family"].get_xticklabels()] == ["first", "second"]
    # Jittered around the option index, never onto the neighbour's.
    x = np.asarray(panel["family"].collections[0].get_offsets())[:, 0]
    assert np.all(np.abs(x - np.round(x)) <= 0.12)
    # The same figure every time.
    again = plot_slice(cond_trials).axes[0].collections[0].get_offsets()
    np.testing.assert_array_equal(again, panel["family"].collections[0].get_offsets())


def test_params_and_ncols(cond_trials):
    fig = plot_slice(cond_trials, params="x")
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel() == "x"
    fig = plot_slice(cond_trials, params=["x", "a"], ncols=1)
    xs = [ax.get_position().x0 for ax in fig.axes[:2]]
    assert xs[0] == pytest.approx(xs[1])  # stacked in one column
    with pytest.raises(ValueError, match="ncols must be an int >= 1, but got 0"):
        plot_slice(cond_trials, ncols=0)


def test_search(search):
    fig = plot_slice(search)
    c_panel, kernel_panel = fig.axes[:2]
    assert c_panel.get_xlabel() == "C" and c_panel.get_xscale() == "log"
    assert c_panel.get_ylabel() == "score"
    assert [t.get_text() for t in kernel_panel.get_xticklabels()] == ["linear", "rbf"]
    y = np.asarray(c_panel.collections[0].get_offsets())[:, 1]
    np.testing.assert_allclose(y, search.cv_results_["mean_test_score"])


def test_a_parameter_shared_by_every_branch_is_not_marked():
    # "s" sits in both options of the choice: conditional for the space, always active.
    s = hp.uniform("s", 0, 1)
    space = hp.choice("m", [{"s": s, "u": hp.uniform("u", 0, 1)}, {"s": s}])
    trials = Trials()
    fmin(
        lambda p: p["s"],
        space,
        algo=rand.suggest,
        max_evals=12,
        trials=trials,
        rstate=0,
        show_progressbar=False,
    )
    titles = {ax.get_xlabel(): ax.get_title() for ax in plot_slice(trials).axes[:3]}
    n_u = sum("u" in t.params for t in trials.records)
    assert 0 < n_u < 12
    assert titles == {"m": "", "s": "", "u": f"active in {n_u} of 12 trials"}
