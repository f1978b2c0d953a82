"""plot_parallel_coordinates: an axis per parameter, a line per trial, a colour bar."""

from __future__ import annotations

import numpy as np
import pytest
from _plot_helpers import CONDITIONAL_LABELS, hand_trials

from skopt_hp import hp
from skopt_hp.plot import param_importances, plot_parallel_coordinates


def _annotations(ax, x: float) -> list[str]:
    """The tick texts drawn next to the vertical axis at ``x``."""
    return [t.get_text() for t in ax.texts if t.xy[0] == x]


def test_axes_lines_and_colour_bar(cond_trials):
    ax = plot_parallel_coordinates(cond_trials)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(CONDITIONAL_LABELS)
    lines, dots = ax.collections[:2]
    n_ok = sum(t.loss is not None for t in cond_trials.records)
    # Every completed trial has a value on the always-active axes family and x.
    n_values = sum(len(t.params) for t in cond_trials.records if t.loss is not None)
    assert len(dots.get_offsets()) == n_values
    assert len(lines.get_segments()) >= n_ok
    (cbar_ax,) = [a for a in ax.figure.axes if a is not ax]
    assert cbar_ax.get_ylabel() == "loss"
    assert ax.get_title() == "Parallel coordinates"


def test_values_are_normalised_and_coloured_by_loss(cond_trials):
    ax = plot_parallel_coordinates(cond_trials)
    lines, dots = ax.collections[:2]
    y = np.asarray(dots.get_offsets())[:, 1]
    assert y.min() >= 0 and y.max() <= 1
    losses = [t.loss for t in cond_trials.records if t.loss is not None]
    colours = np.asarray(lines.get_array())
    assert colours.min() >= min(losses) and colours.max() <= max(losses)
    # The best trial is drawn last, on top.
    assert colours[-1] == min(losses)


def test_inactive_parameters_break_the_line(cond_trials):
    ax = plot_parallel_coordinates(cond_trials)
    x_of = {label: float(i) for i, label in enumerate(CONDITIONAL_LABELS)}
    segments = ax.collections[0].get_segments()
    # No segment joins "a" (first family only) to "b" (second family only).
    for segment in segments:
        xs = set(segment[:, 0].tolist())
        assert not {x_of["a"], x_of["b"]} <= xs
        assert np.all(np.diff(segment[:, 0]) == 1)  # consecutive axes only, no jumps
    # A first-family trial: family → a, then a gap over b and c, then x alone (a dot).
    starts = {tuple(s[:, 0].tolist()) for s in segments}
    assert (x_of["family"], x_of["a"]) in starts
    assert (x_of["family"], x_of["a"], x_of["b"]) not in starts


def test_choice_and_log_axes_have_readable_ticks(cond_trials):
    ax = plot_parallel_coordinates(cond_trials)
    assert _annotations(ax, 0.0) == ["first", "second"]
    # "a" is log-uniform on [1e-4, 10]: its ticks are the powers of ten.
    assert _annotations(ax, 1.0) == ["0.0001", "0.001", "0.01", "0.1", "1", "10"]
    assert _annotations(ax, 3.0) == ["0", "1", "2", "3", "4"]  # randint(5)


def test_params_select_and_order_the_axes(cond_trials):
    ax = plot_parallel_coordinates(cond_trials, params=["x", "family"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "family"]
    segments = ax.collections[0].get_segments()
    n_ok = sum(t.loss is not None for t in cond_trials.records)
    assert len(segments) == n_ok  # both always active: one unbroken line per trial


def test_many_parameters_keep_the_most_important(cond_trials):
    ax = plot_parallel_coordinates(cond_trials, max_params=2)
    shown = [t.get_text() for t in ax.get_xticklabels()]
    assert shown == list(param_importances(cond_trials))[:2]


def test_search_is_coloured_by_score(search):
    ax = plot_parallel_coordinates(search)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["C", "kernel"]
    (cbar_ax,) = [a for a in ax.figure.axes if a is not ax]
    assert cbar_ax.get_ylabel() == "score"
    assert _annotations(ax, 1.0) == ["linear", "rbf"]
    assert _annotations(ax, 0.0) == ["0.001", "0.01", "0.1", "1", "10", "100", "1000"]
    colours = np.asarray(ax.collections[0].get_array())
    assert colours.max() == pytest.approx(search.best_score_)


def test_a_constant_parameter_sits_in_the_middle():
    trials = hand_trials([1.0, 2.0, 3.0], [{"x": 2.0, "y": float(i)} for i in range(3)])
    ax = plot_parallel_coordinates(trials)
    dots = np.asarray(ax.collections[1].get_offsets())
    np.testing.assert_allclose(dots[dots[:, 0] == 0][:, 1], 0.5)
    assert _annotations(ax, 0.0) == ["2"]


def test_zeros_of_a_quantised_log_parameter_are_at_the_bottom():
    # qloguniform(log 0.01, log 100, q=1) rounds small values to 0.
    points = [{"q": q} for q in (0.0, 0.0, 1.0, 3.0, 20.0, 100.0)]
    space = {"q": hp.qloguniform("q", np.log(0.01), np.log(100), 1)}
    ax = plot_parallel_coordinates(hand_trials([1.0, 2, 3, 4, 5, 6], points), space=space)
    y = np.asarray(ax.collections[1].get_offsets())[:, 1]
    assert y.min() == 0 and np.count_nonzero(y == 0) == 2
    labels = _annotations(ax, 0.0)
    assert labels[0] == "0" and labels[1:] == ["1", "10", "100"]


def test_a_log_axis_within_one_decade_gets_plain_ticks():
    points = [{"lr": v} for v in (2.5, 3.0, 7.0, 4.0, 5.5)]
    space = {"lr": hp.loguniform("lr", np.log(2), np.log(8))}
    ax = plot_parallel_coordinates(hand_trials([1.0, 2, 3, 4, 5], points), space=space)
    ticks = [(t.xy[1], float(t.get_text())) for t in ax.texts]
    assert len(ticks) >= 3
    for position, value in ticks:
        assert 2 <= value <= 8
        # Placed on the log scale between the bounds 2 and 8.
        assert position == pytest.approx(np.log(value / 2) / np.log(4))
