"""Headless matplotlib for the plot tests; every figure is closed after its test."""

from __future__ import annotations

import pytest

matplotlib = pytest.importorskip(
    "matplotlib", reason='the plot extra is not installed: pip install "skopt_hp[plot]"'
)
matplotlib.use("Agg")

from _plot_helpers import conditional_trials, fitted_search  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def cond_trials():
    """An fmin run on a conditional space, with failed trials (see ``conditional_trials``)."""
    return conditional_trials()


@pytest.fixture(scope="session")
def search():
    """A fitted HyperoptSearchCV (see ``fitted_search``)."""
    return fitted_search()
