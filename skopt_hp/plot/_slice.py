"""Slice plot: the objective against each parameter, one panel per parameter."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ._data import CATEGORY, INTEGER, completed_table
from ._importance import choose_params
from ._mpl import import_pyplot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_slice"]

#: Half-width of the horizontal jitter of points of a choice, in option units.
_JITTER = 0.12


def plot_slice(
    source: Any,
    *,
    params: str | Iterable[str] | None = None,
    space: Any = None,
    ncols: int = 3,
    max_params: int = 12,
    cmap: Any = "viridis",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Scatter the objective against each parameter, in a grid of panels.

    Each panel shows the completed trials in which the parameter was
    active: its value on the x axis (logarithmic for a log-scaled
    parameter; one tick per option for a choice, the points jittered
    sideways so that they do not hide each other) and the objective on the
    y axis (the loss of a ``Trials``, the score of a fitted
    ``HyperoptSearchCV``), shared by all panels. Points are coloured by
    trial number, so where the search went late shows. The panel of a
    parameter that was inactive in some trials says in how many it was
    active.

    A figure is returned rather than one Axes because the panels form a
    grid; ``fig.axes[:n]`` are the ``n`` panels, in the order of the
    parameters, followed by the colour bar.

    Parameters
    ----------
    source : Trials or HyperoptSearchCV
        ``Trials`` filled by ``fmin``, or a fitted search (its ``trials_``).
        Failed trials are left out.
    params : str or iterable of str, optional
        The parameters to show, in this order. By default all of them in
        the order of the space, or the ``max_params`` most important ones
        when there are more (see :func:`param_importances`).
    space : object, optional
        The search space of a ``Trials`` not bound to one, for option
        labels and log scales; without it they are inferred from the values.
    ncols : int, default=3
        Panels per row (fewer when there are fewer parameters).
    max_params : int, default=12
        The most parameters shown when ``params`` is not given.
    cmap : str or matplotlib.colors.Colormap, default="viridis"
        The colour map of the trial numbers.
    figsize : (float, float), optional
        Size of the figure in inches; by default about 3.3 x 2.8 per panel.

    Returns
    -------
    matplotlib.figure.Figure
        Panels with the parameter labels as x labels and ``"loss"`` or
        ``"score"`` as the y label of the first column; each panel's
        ``collections[0]`` holds its points.

    Raises
    ------
    ValueError
        If ``source`` has no completed trial, ``params`` names an unknown
        parameter, or ``ncols`` is not a positive int.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from skopt_hp import Trials, fmin, hp, tpe
    >>> from skopt_hp.plot import plot_slice
    >>> space = {"x": hp.uniform("x", -5, 5), "kind": hp.choice("kind", ["a", "b"])}
    >>> trials = Trials()
    >>> _ = fmin(lambda p: p["x"] ** 2 + (p["kind"] == "b"), space, algo=tpe.suggest,
    ...          max_evals=15, trials=trials, rstate=0, show_progressbar=False)
    >>> fig = plot_slice(trials)
    >>> [ax.get_xlabel() for ax in fig.axes[:2]]
    ['x', 'kind']
    """
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be an int >= 1, but got {ncols!r}.")
    table = completed_table(source, space=space)
    labels = choose_params(table, params, max_params)
    done = table.completed()
    y = done.objective_values

    plt = import_pyplot()
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.ticker import MaxNLocator

    n = len(labels)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    if figsize is None:
        figsize = (3.3 * ncols + 0.8, 2.8 * nrows + 0.4)
    fig, grid = plt.subplots(
        nrows, ncols, sharey=True, squeeze=False, figsize=figsize, layout="constrained"
    )
    panels = list(grid.flat[:n])
    for extra in grid.flat[n:]:
        extra.remove()

    norm = Normalize(vmin=float(done.tids.min()), vmax=float(done.tids.max()))
    rng = np.random.default_rng(0)  # a fixed jitter: the same figure every time
    for ax, label in zip(panels, labels, strict=True):
        info = done.info[label]
        x = done.params[label]
        active = ~np.isnan(x)
        xa = x[active]
        if info.kind == CATEGORY:
            xa = xa + rng.uniform(-_JITTER, _JITTER, xa.size)
            if info.choices:
                ax.set_xticks(range(len(info.choices)), info.choices)
                ax.set_xlim(-0.5, len(info.choices) - 0.5)
                if sum(len(c) for c in info.choices) > 24:
                    for tick in ax.get_xticklabels():
                        tick.set(rotation=30, ha="right", rotation_mode="anchor")
        ax.scatter(
            xa, y[active], c=done.tids[active], cmap=cmap, norm=norm, s=16, edgecolors="none"
        )
        if info.log:
            positive = xa[xa > 0]
            if positive.size == xa.size:
                ax.set_xscale("log")
            else:
                # A quantised log parameter that rounded to 0: log-like, with 0 shown.
                ax.set_xscale("symlog", linthresh=float(positive.min()) if positive.size else 1.0)
        elif info.kind == INTEGER:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(label)
        if xa.size < len(y):
            ax.set_title(f"active in {xa.size} of {len(y)} trials", fontsize=8)
    for row in grid:
        row[0].set_ylabel(table.objective)  # the first panel of a row is always in use
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=panels, label="trial")
    return fig
