"""Optimisation history: each trial's loss, and the best loss so far."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._data import completed_table
from ._mpl import import_pyplot

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_optimization_history"]


def plot_optimization_history(source: Any, *, ax: Axes | None = None, log_y: bool = False) -> Axes:
    """Plot the objective of every completed trial against its trial number.

    Each completed trial is a point; a step line shows the best value
    reached so far. For a ``Trials`` the objective is the loss and lower is
    better; for a fitted ``HyperoptSearchCV`` it is the mean
    cross-validated score (minus the trials' loss) and higher is better,
    so the line is a running minimum or a running maximum. Failed trials
    have no loss and are left out; the title says how many.

    Parameters
    ----------
    source : Trials or HyperoptSearchCV
        ``Trials`` filled by ``fmin``, or a fitted search (its ``trials_``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.
    log_y : bool, default=False
        Use a logarithmic y axis (every value must then be positive).

    Returns
    -------
    matplotlib.axes.Axes
        Holding the trials as one scatter collection (``ax.collections[0]``,
        one point per completed trial) and the running best as a line
        (``ax.lines[0]``). The x axis is labelled ``"trial"``, the y axis
        ``"loss"`` or ``"score"``.

    Raises
    ------
    ValueError
        If ``source`` has no completed trial, or ``log_y`` is set and a
        value is not positive.
    sklearn.exceptions.NotFittedError
        If ``source`` is a search that was not fitted.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from skopt_hp import Trials, fmin, hp, tpe
    >>> from skopt_hp.plot import plot_optimization_history
    >>> trials = Trials()
    >>> _ = fmin(lambda x: (x - 1) ** 2, hp.uniform("x", -5, 5), algo=tpe.suggest,
    ...          max_evals=20, trials=trials, rstate=0, show_progressbar=False)
    >>> ax = plot_optimization_history(trials)
    >>> len(ax.collections[0].get_offsets()), ax.get_ylabel()
    (20, 'loss')
    """
    table = completed_table(source)
    done = table.completed()
    x = done.tids
    y = done.objective_values
    if log_y and not np.all(y > 0):
        raise ValueError(
            f"log_y=True needs positive values, but the smallest {table.objective} is "
            f"{float(y.min()):.6g}."
        )
    plt = import_pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    from matplotlib.ticker import MaxNLocator

    best = np.minimum.accumulate(y) if table.minimize else np.maximum.accumulate(y)
    ax.scatter(x, y, s=18, alpha=0.75, color="C0", label=f"{table.objective} of a trial", zorder=2)
    ax.step(x, best, where="post", color="C1", lw=2, label=f"best {table.objective} so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(table.objective)
    if log_y:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    title = "Optimization history"
    if table.n_failed:
        s = "s" if table.n_failed > 1 else ""
        title += f" ({table.n_failed} failed trial{s} not shown)"
    ax.set_title(title)
    ax.legend(loc="best")
    return ax
