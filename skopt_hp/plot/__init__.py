"""Plots of a search: history, parallel coordinates, parameter importances, slices.

Every function takes the ``Trials`` of an ``fmin`` run or a fitted
:class:`~skopt_hp.HyperoptSearchCV` and draws with matplotlib, which is
imported when a plot is drawn, not with this module
(``pip install "skopt_hp[plot]"``).

* **What is plotted.** For a ``Trials``, the *loss* (lower is better). For a search, the
  mean cross-validated *score* (higher is better), i.e. minus the loss
  its ``trials_`` hold, so the numbers match ``cv_results_``. Axes and
  colour bars are labelled ``"loss"`` or ``"score"`` accordingly. Only
  completed trials (status ``"ok"``, finite loss) are drawn.

* **Parameters.** Values are the sampler's: a choice is its option index (drawn with the
  option labels when the space is known), a log-scaled parameter is
  drawn on a log axis. ``fmin`` binds its space to the ``Trials`` and a
  search compiles its ``search_space``, so the space is usually known;
  pass ``space=`` for trials loaded without it.

* **Functions.** :func:`plot_optimization_history`, :func:`plot_parallel_coordinates`,
  :func:`plot_param_importances` and :func:`plot_slice` draw;
  :func:`param_importances` returns the numbers behind the importance
  chart (a random forest's impurity-based importances, see its
  docstring) without matplotlib.
"""

from ._history import plot_optimization_history
from ._importance import param_importances, plot_param_importances
from ._parallel import plot_parallel_coordinates
from ._slice import plot_slice

__all__ = [
    "param_importances",
    "plot_optimization_history",
    "plot_parallel_coordinates",
    "plot_param_importances",
    "plot_slice",
]
