"""param_importances and plot_param_importances: a random forest's impurity importances."""

from __future__ import annotations

import numpy as np
import pytest
from _plot_helpers import CONDITIONAL_LABELS, hand_trials, x_only_trials

from skopt_hp.plot import param_importances, plot_param_importances


@pytest.fixture(scope="module")
def xy_trials():
    return x_only_trials(max_evals=40, seed=0)


def test_the_parameter_the_loss_depends_on_wins(xy_trials):
    importances = param_importances(xy_trials)
    assert list(importances) == ["x", "y"]
    assert importances["x"] > 0.8 > 0.2 > importances["y"]
    assert sum(importances.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_winner_does_not_depend_on_the_seed_of_the_search(seed):
    importances = param_importances(x_only_trials(max_evals=40, seed=seed))
    assert importances["x"] > importances["y"]


def test_results_are_reproducible_and_seeded(xy_trials):
    assert param_importances(xy_trials) == param_importances(xy_trials)
    other = param_importances(xy_trials, random_state=1)
    assert other != param_importances(xy_trials)
    assert list(other) == ["x", "y"]


def test_conditional_space(cond_trials):
    importances = param_importances(cond_trials)
    assert set(importances) == set(CONDITIONAL_LABELS)
    assert all(v >= 0 for v in importances.values())
    assert sum(importances.values()) == pytest.approx(1.0)
    values = list(importances.values())
    assert values == sorted(values, reverse=True)
    # The loss of the first family is driven by "a"; "c" barely matters.
    assert importances["a"] > importances["c"]


def test_params_restrict_the_features(cond_trials):
    importances = param_importances(cond_trials, params=["x", "b"])
    assert set(importances) == {"x", "b"}
    assert sum(importances.values()) == pytest.approx(1.0)


def test_the_loss_rank_is_the_target():
    # A diverging trial does not dominate: only ranks matter, so scaling the worst
    # loss by 1e6 leaves the importances unchanged.
    rng = np.random.default_rng(0)
    points = [{"x": float(a), "y": float(b)} for a, b in rng.uniform(-1, 1, (20, 2))]
    losses = [p["x"] ** 2 + 0.1 * p["y"] for p in points]
    worst = int(np.argmax(losses))
    diverged = list(losses)
    diverged[worst] *= 1e6
    assert param_importances(hand_trials(losses, points)) == param_importances(
        hand_trials(diverged, points)
    )


def test_equal_losses_give_zero_importances():
    points = [{"x": float(i), "y": float(-i)} for i in range(6)]
    assert param_importances(hand_trials([1.0] * 6, points)) == {"x": 0.0, "y": 0.0}


def test_needs_five_completed_trials():
    trials = hand_trials([1.0, 2.0, None, 3.0, 4.0, None])
    with pytest.raises(ValueError, match="at least 5 completed trials, but source has 4"):
        param_importances(trials)
    with pytest.raises(ValueError, match="at least 5 completed trials"):
        plot_param_importances(trials)


def test_bad_n_estimators():
    with pytest.raises(ValueError, match="n_estimators must be an int >= 1, but got 0"):
        param_importances(hand_trials([1.0] * 5), n_estimators=0)


def test_bar_chart(xy_trials):
    importances = param_importances(xy_trials)
    ax = plot_param_importances(xy_trials)
    bars = ax.patches
    assert len(bars) == 2
    # The largest bar is on top (barh draws the first label at the bottom).
    assert [t.get_text() for t in ax.get_yticklabels()] == ["y", "x"]
    widths = [bar.get_width() for bar in bars]
    assert widths == pytest.approx([importances["y"], importances["x"]])
    assert sum(widths) == pytest.approx(1.0)
    assert [t.get_text() for t in ax.texts] == [f"{importances[k]:.2f}" for k in ("y", "x")]
    assert ax.get_xlabel().startswith("importance")


def test_search(search):
    importances = param_importances(search)
    assert set(importances) == {"C", "kernel"}
    assert sum(importances.values()) == pytest.approx(1.0)
    ax = plot_param_importances(search)
    assert len(ax.patches) == 2
