"""matplotlib is optional: imported on use, with an install hint when missing; docs run."""

from __future__ import annotations

import doctest
import subprocess
import sys

import pytest
from _plot_helpers import hand_trials

import skopt_hp.plot
from skopt_hp.plot import (
    param_importances,
    plot_optimization_history,
    plot_parallel_coordinates,
    plot_param_importances,
    plot_slice,
)

PLOTS = [plot_optimization_history, plot_parallel_coordinates, plot_param_importances, plot_slice]


def test_importing_the_package_does_not_import_matplotlib():
    code = (
        "import sys, skopt_hp, skopt_hp.plot\n"
        "from skopt_hp.plot import plot_slice\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib')\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


@pytest.mark.parametrize("plot", PLOTS, ids=[p.__name__ for p in PLOTS])
def test_missing_matplotlib_names_the_extra(plot, monkeypatch):
    trials = hand_trials([float(i) for i in range(6)])
    # A None entry in sys.modules makes the import raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "skopt_hp\[plot\]"'):
        plot(trials)


def test_importances_do_not_need_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    assert set(param_importances(hand_trials([float(i) for i in range(6)]))) == {"x"}


def test_public_api():
    assert sorted(skopt_hp.plot.__all__) == sorted(
        ["param_importances", *(p.__name__ for p in PLOTS)]
    )


@pytest.mark.parametrize("function", [param_importances, *PLOTS], ids=lambda f: f.__name__)
def test_docstring_example_runs(function):
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    (test,) = finder.find(function, globs={})
    runner.run(test)
    assert test.examples and runner.failures == 0
    for section in ("Parameters", "Returns", "Examples"):
        assert f"    {section}\n    ---" in function.__doc__
