"""Parallel coordinates: one vertical axis per parameter, one line per trial."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ._data import CATEGORY, INTEGER, ParamInfo, completed_table
from ._importance import choose_params
from ._mpl import import_pyplot

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_parallel_coordinates"]


def _runs(active: np.ndarray) -> list[np.ndarray]:
    """Index runs of consecutive ``True`` entries of ``active``."""
    idx = np.flatnonzero(active)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1) + 1
    return np.split(idx, breaks)


def _axis(info: ParamInfo, values: np.ndarray) -> tuple[np.ndarray, list[tuple[float, str]]]:
    """Values mapped onto ``[0, 1]`` (``NaN`` where inactive), and the ticks of their axis.

    The ticks are ``(position in [0, 1], label)``: every option of a choice
    (about a dozen at most), else round values — powers of ten on a log
    axis spanning at least two of them — chosen by matplotlib's locators.
    """
    from matplotlib.ticker import LogLocator, MaxNLocator

    lo, hi = info.coord_range(values)
    span = hi - lo

    def unit(coords: np.ndarray) -> np.ndarray:
        coords = np.asarray(coords, dtype=float)
        return np.full_like(coords, 0.5) if span == 0 else (coords - lo) / span

    out = unit(info.coords(values))
    if info.kind == CATEGORY and info.choices:
        step = max(1, math.ceil(len(info.choices) / 12))
        idx = np.arange(0, len(info.choices), step)
        return out, [(float(unit(i)), info.choices[i]) for i in idx]
    if span == 0:
        value = 10**lo if info.log else lo
        return out, [(0.5, _format(value, info))]
    tol = 1e-9 * max(1.0, abs(span))

    def within(ticks: np.ndarray) -> np.ndarray:
        return ticks[(ticks >= lo - tol) & (ticks <= hi + tol)]

    ticks = np.array([])
    if info.log:
        ticks = within(np.log10(LogLocator(base=10).tick_values(10**lo, 10**hi)))
    if ticks.size < 2:
        locator = MaxNLocator(nbins=5, integer=info.kind == INTEGER)
        if info.log:
            candidates = locator.tick_values(10**lo, 10**hi)
            ticks = within(np.log10(candidates[candidates > 0]))
        else:
            ticks = within(locator.tick_values(lo, hi))
    labelled = [(float(unit(t)), _format(10**t if info.log else t, info)) for t in ticks]
    if info.log and np.any(values <= 0):
        # Zeros of a quantised log parameter sit at the bottom (see ParamInfo.coords).
        zero = float(out[values <= 0][0])
        labelled = [(zero, "0")] + [(p, t) for p, t in labelled if abs(p - zero) > 0.04]
    return out, labelled


def _format(value: float, info: ParamInfo) -> str:
    """A tick label: an int, a plain decimal between 1e-4 and 1e5, else ``1e-05`` style."""
    if info.kind == INTEGER:
        return str(int(round(value)))
    if value == 0 or 1e-4 <= abs(value) < 1e5:
        return np.format_float_positional(value, precision=3, fractional=False, trim="-")
    return f"{value:.2g}"


def plot_parallel_coordinates(
    source: Any,
    *,
    params: str | Iterable[str] | None = None,
    space: Any = None,
    ax: Axes | None = None,
    max_params: int = 10,
    cmap: Any = None,
) -> Axes:
    """Draw each completed trial as a line across one vertical axis per parameter.

    Every axis spans ``[0, 1]``: the bounds of the parameter in the search
    space when they are known and finite (so the plot shows where in its
    domain the search went), its observed range otherwise. Log-scaled
    parameters are spaced in log units and choices by option index, with
    the option labels as ticks. Lines are coloured by the objective —
    the loss of a ``Trials``, the score of a fitted ``HyperoptSearchCV`` —
    with a colour bar, the best trials drawn last (on top) and in the
    bright end of the colour map. A conditional parameter that was
    inactive in a trial leaves a gap: the trial's line stops before that
    axis and starts again after it. Every value is also marked with a dot,
    so a value between two gaps stays visible.

    Parameters
    ----------
    source : Trials or HyperoptSearchCV
        ``Trials`` filled by ``fmin``, or a fitted search (its ``trials_``).
        Failed trials are left out.
    params : str or iterable of str, optional
        The parameters to show, in this order. By default all of them in
        the order of the space, or, when there are more than
        ``max_params``, the ``max_params`` most important ones (see
        :func:`param_importances`), the most important first.
    space : object, optional
        The search space of a ``Trials`` not bound to one (e.g. loaded
        without it), for option labels and log scales; without it they
        are inferred from the values.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted. The colour bar
        takes room from it.
    max_params : int, default=10
        The most parameters shown when ``params`` is not given.
    cmap : str or matplotlib.colors.Colormap, optional
        The colour map; default ``"viridis_r"`` for a loss and ``"viridis"``
        for a score, so the best trials are yellow.

    Returns
    -------
    matplotlib.axes.Axes
        The x tick labels are the parameter labels. ``ax.collections[0]``
        (a ``LineCollection``) holds the line segments, ``ax.collections[1]``
        one dot per active value; the colour bar (labelled ``"loss"`` or
        ``"score"``) is another Axes of ``ax.figure``.

    Raises
    ------
    ValueError
        If ``source`` has no completed trial, or ``params`` names an
        unknown parameter.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_hp import Trials, fmin, hp, tpe
    >>> from skopt_hp.plot import plot_parallel_coordinates
    >>> space = {"lr": hp.loguniform("lr", np.log(1e-4), np.log(1.0)),
    ...          "layers": hp.choice("layers", [1, 2, 3])}
    >>> trials = Trials()
    >>> _ = fmin(lambda p: (np.log10(p["lr"]) + 2) ** 2 + p["layers"], space,
    ...          algo=tpe.suggest, max_evals=15, trials=trials, rstate=0,
    ...          show_progressbar=False)
    >>> ax = plot_parallel_coordinates(trials)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['lr', 'layers']
    """
    table = completed_table(source, space=space)
    labels = choose_params(table, params, max_params)
    done = table.completed()
    values = done.objective_values

    plt = import_pyplot()
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize

    k = len(labels)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5.0, 1.4 * k + 2.5), 4.5), layout="constrained")
    columns, ticks = [], []
    for label in labels:
        unit, axis_ticks = _axis(done.info[label], done.params[label])
        columns.append(unit)
        ticks.append(axis_ticks)
    Y = np.column_stack(columns)
    xs = np.arange(k, dtype=float)

    # Worst first, so the best trials are drawn on top.
    order = np.argsort(-values if table.minimize else values, kind="stable")
    segments, segment_values = [], []
    for i in order:
        for run in _runs(~np.isnan(Y[i])):
            if run.size >= 2:
                segments.append(np.column_stack([xs[run], Y[i, run]]))
                segment_values.append(values[i])

    if cmap is None:
        cmap = "viridis_r" if table.minimize else "viridis"
    norm = Normalize(vmin=float(values.min()), vmax=float(values.max()))
    lines = LineCollection(segments, cmap=cmap, norm=norm, linewidths=1.2, alpha=0.75, zorder=2)
    lines.set_array(np.asarray(segment_values, dtype=float))
    ax.add_collection(lines)

    ordered = Y[order]
    rows, cols = np.nonzero(~np.isnan(ordered))
    ax.scatter(
        xs[cols],
        ordered[rows, cols],
        c=values[order][rows],
        cmap=cmap,
        norm=norm,
        s=9,
        zorder=3,
    )

    ax.vlines(xs, 0, 1, colors="0.35", linewidths=1.0, zorder=1)
    for x, axis_ticks in zip(xs, ticks, strict=True):
        for position, text in axis_ticks:
            ax.annotate(
                text,
                (x, position),
                xytext=(4, 0),
                textcoords="offset points",
                fontsize=7,
                va="center",
                ha="left",
                color="0.25",
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
            )
    rotate = k > 5 or max(len(label) for label in labels) > 12
    ax.set_xticks(xs, labels, rotation=30 if rotate else 0, ha="right" if rotate else "center")
    ax.set_xlim(-0.25, k - 1 + 0.6)
    ax.set_ylim(-0.04, 1.04)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title("Parallel coordinates")
    ax.figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=table.objective)
    return ax
