"""plot_optimization_history: one point per completed trial and a running best."""

from __future__ import annotations

import numpy as np
import pytest
from _plot_helpers import hand_trials

from skopt_hp.plot import plot_optimization_history


def test_points_are_the_completed_trials(cond_trials):
    ax = plot_optimization_history(cond_trials)
    ok = [t for t in cond_trials.records if t.loss is not None]
    (points,) = ax.collections
    offsets = np.asarray(points.get_offsets())
    assert len(offsets) == len(ok) < len(cond_trials)
    np.testing.assert_array_equal(offsets[:, 0], [t.tid for t in ok])
    np.testing.assert_allclose(offsets[:, 1], [t.loss for t in ok])
    assert ax.get_xlabel() == "trial" and ax.get_ylabel() == "loss"
    n_failed = len(cond_trials) - len(ok)
    assert f"({n_failed} failed trials not shown)" in ax.get_title()


def test_running_best_is_a_non_increasing_step_line(cond_trials):
    ax = plot_optimization_history(cond_trials)
    (line,) = ax.lines
    best = np.asarray(line.get_ydata(), dtype=float)
    assert line.get_drawstyle() == "steps-post"
    assert np.all(np.diff(best) <= 0)
    losses = [t.loss for t in cond_trials.records if t.loss is not None]
    assert best[0] == losses[0] and best[-1] == min(losses)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["loss of a trial", "best loss so far"]


def test_search_plots_the_score_and_its_running_maximum(search):
    ax = plot_optimization_history(search)
    assert ax.get_ylabel() == "score"
    offsets = np.asarray(ax.collections[0].get_offsets())
    np.testing.assert_allclose(offsets[:, 1], search.cv_results_["mean_test_score"])
    best = np.asarray(ax.lines[0].get_ydata(), dtype=float)
    assert np.all(np.diff(best) >= 0) and best[-1] == pytest.approx(search.best_score_)
    assert ax.get_title() == "Optimization history"


def test_log_y_and_its_check():
    trials = hand_trials([10.0, 1.0, None, 0.1, 0.5])
    ax = plot_optimization_history(trials, log_y=True)
    assert ax.get_yscale() == "log"
    assert ax.get_title().endswith("(1 failed trial not shown)")
    with pytest.raises(ValueError, match=r"log_y=True needs positive values.* -1"):
        plot_optimization_history(hand_trials([1.0, -1.0]), log_y=True)


def test_draws_on_the_given_axes():
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    ax = plot_optimization_history(hand_trials([3.0, 2.0, 4.0]), ax=right)
    assert ax is right and not left.collections
    assert len(ax.collections[0].get_offsets()) == 3
