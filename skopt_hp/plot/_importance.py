"""Parameter importances: how much of the variation of the loss each parameter explains.

The estimate is a random forest's mean decrease in impurity (MDI):
scikit-learn's :class:`~sklearn.ensemble.RandomForestRegressor` is fitted on
the completed trials — the parameter values as features, the rank of each
trial's loss as the target — and its ``feature_importances_`` (the share of
the reduction of squared error that the splits on each parameter achieve,
summed over the trees) are reported. They are non-negative and sum to 1.

Why this method
    It costs one forest fit on a few dozen rows, is deterministic for a
    fixed ``random_state``, and needs no held-out trials. Permutation
    importance would have to be computed on trials the forest did not see
    (on its own training rows it mostly measures how well the forest
    memorised them), and a search rarely has trials to spare; it can also
    be negative, which does not read as "a share".

Encoding
    Log-scaled parameters in ``log10`` units, choices as their option index
    (a tree can isolate any option in a few splits), and an inactive
    conditional parameter as a value below all of its observed values, so
    the forest can split on whether it was active at all. The target is
    the rank of the loss rather than the loss, so that a few diverging
    trials do not dominate the squared error.

Limits
    MDI favours parameters with many distinct values (continuous ones)
    over choices with few options; correlated parameters share their
    importance; and it describes the trials the search made — a TPE search
    concentrates them where the loss is low — not the whole space.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import rankdata

from ._data import TrialTable, completed_table, select_params
from ._mpl import import_pyplot

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MIN_TRIALS", "param_importances", "plot_param_importances"]

#: Completed trials needed before importances are estimated.
MIN_TRIALS = 5


def _features(table: TrialTable, labels: list[str]) -> np.ndarray:
    """The forest's design matrix: a column per parameter, inactive → a value below the column's."""
    columns = []
    for label in labels:
        coords = table.info[label].coords(table.params[label])
        active = ~np.isnan(coords)
        if active.any():
            lo, hi = float(coords[active].min()), float(coords[active].max())
            sentinel = lo - max(1.0, hi - lo)
        else:
            sentinel = -1.0
        columns.append(np.where(active, coords, sentinel))
    return np.column_stack(columns)


def _check_n_estimators(n_estimators: Any) -> int:
    if (
        isinstance(n_estimators, bool)
        or not isinstance(n_estimators, numbers.Integral)
        or n_estimators < 1
    ):
        raise ValueError(f"n_estimators must be an int >= 1, but got {n_estimators!r}.")
    return int(n_estimators)


def _importances(
    table: TrialTable, labels: list[str], n_estimators: int, random_state: Any
) -> dict[str, float]:
    """Importances of ``labels`` from the completed rows of ``table`` (sorted, largest first)."""
    from sklearn.ensemble import RandomForestRegressor

    done = table.completed()
    if len(done.tids) < MIN_TRIALS:
        raise ValueError(
            f"Parameter importances need at least {MIN_TRIALS} completed trials, but source "
            f"has {len(done.tids)}."
        )
    target = rankdata(done.losses)
    forest = RandomForestRegressor(n_estimators=n_estimators, random_state=random_state)
    forest.fit(_features(done, labels), target)
    scores = np.asarray(forest.feature_importances_, dtype=float)
    total = scores.sum()
    # All zeros when no split reduced the error: every trial had the same loss.
    scores = scores / total if total > 0 else np.zeros_like(scores)
    order = np.argsort(-scores, kind="stable")
    return {labels[i]: float(scores[i]) for i in order}


def param_importances(
    source: Any,
    *,
    params: str | Iterable[str] | None = None,
    space: Any = None,
    n_estimators: int = 100,
    random_state: Any = 0,
) -> dict[str, float]:
    """Estimate how much each parameter explains the loss, without plotting.

    A random forest (scikit-learn's ``RandomForestRegressor``) is fitted on
    the completed trials to predict the rank of their loss from their
    parameter values; its impurity-based importances (mean decrease in
    impurity), normalised to sum to 1, are returned. Log-scaled parameters
    are encoded in log space, choices as their option index, and inactive
    conditional parameters as a value outside their range, so that being
    active at all can matter. See :mod:`skopt_hp.plot` and ``docs/plots.md``
    for why this method and its limits.

    Parameters
    ----------
    source : Trials or HyperoptSearchCV
        ``Trials`` filled by ``fmin``, or a fitted search (its ``trials_``).
        Failed trials are left out.
    params : str or iterable of str, optional
        The parameters the forest sees (default: all of them).
    space : object, optional
        The search space, when ``source`` is a ``Trials`` that was not bound
        to one (e.g. loaded without it): it tells which parameters are
        log-scaled.
    n_estimators : int, default=100
        Trees in the forest.
    random_state : int, RandomState instance or None, default=0
        Seeds the forest; the default makes the result reproducible.

    Returns
    -------
    dict of str to float
        Parameter label to importance, largest first (ties in the order of
        the space). Values are >= 0 and sum to 1, or are all 0 when every
        completed trial had the same loss.

    Raises
    ------
    ValueError
        If ``source`` has fewer than 5 completed trials, or ``params`` names
        an unknown parameter.

    Examples
    --------
    >>> from skopt_hp import Trials, fmin, hp, rand
    >>> from skopt_hp.plot import param_importances
    >>> trials = Trials()
    >>> space = {"x": hp.uniform("x", -5, 5), "y": hp.uniform("y", -5, 5)}
    >>> _ = fmin(lambda p: p["x"] ** 2, space, algo=rand.suggest, max_evals=30,
    ...          trials=trials, rstate=0, show_progressbar=False)
    >>> importances = param_importances(trials)
    >>> list(importances)
    ['x', 'y']
    >>> round(sum(importances.values()), 6)
    1.0
    """
    n_estimators = _check_n_estimators(n_estimators)
    table = completed_table(source, space=space)
    labels = select_params(table, params)
    return _importances(table, labels, n_estimators, random_state)


def choose_params(
    table: TrialTable, params: str | Iterable[str] | None, max_params: Any
) -> list[str]:
    """The parameters a multi-parameter plot shows.

    ``params`` when given; otherwise all of them, or, when there are more
    than ``max_params``, the ``max_params`` most important (the first ones
    of the space when there are too few trials to estimate importances).
    """
    if (
        isinstance(max_params, bool)
        or not isinstance(max_params, numbers.Integral)
        or max_params < 1
    ):
        raise ValueError(f"max_params must be an int >= 1, but got {max_params!r}.")
    if params is not None:
        return select_params(table, params)
    labels = list(table.labels)
    if not labels:
        raise ValueError("source: the search space has no parameters to plot.")
    if len(labels) <= max_params:
        return labels
    if np.count_nonzero(table.ok) < MIN_TRIALS:
        return labels[:max_params]
    return list(_importances(table, labels, 100, 0))[:max_params]


def plot_param_importances(
    source: Any,
    *,
    params: str | Iterable[str] | None = None,
    space: Any = None,
    ax: Axes | None = None,
    n_estimators: int = 100,
    random_state: Any = 0,
) -> Axes:
    """Horizontal bar chart of the parameter importances, the most important on top.

    The importances are those of :func:`param_importances`: a random
    forest's impurity-based importances for predicting the rank of the loss
    (or of the score of a search, which ranks the trials the same way),
    normalised to sum to 1. Each bar is labelled with its value.

    Parameters
    ----------
    source : Trials or HyperoptSearchCV
        ``Trials`` filled by ``fmin``, or a fitted search.
    params : str or iterable of str, optional
        The parameters to include (default: all).
    space : object, optional
        The search space of a ``Trials`` not bound to one (see
        :func:`param_importances`).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.
    n_estimators : int, default=100
        Trees in the forest.
    random_state : int, RandomState instance or None, default=0
        Seeds the forest.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per parameter (``ax.patches``), the y tick labels being the
        parameter labels.

    Raises
    ------
    ValueError
        If ``source`` has fewer than 5 completed trials.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from skopt_hp import Trials, fmin, hp, rand
    >>> from skopt_hp.plot import plot_param_importances
    >>> trials = Trials()
    >>> space = {"x": hp.uniform("x", -5, 5), "y": hp.uniform("y", -5, 5)}
    >>> _ = fmin(lambda p: p["x"] ** 2, space, algo=rand.suggest, max_evals=30,
    ...          trials=trials, rstate=0, show_progressbar=False)
    >>> ax = plot_param_importances(trials)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['y', 'x']
    """
    importances = param_importances(
        source,
        params=params,
        space=space,
        n_estimators=n_estimators,
        random_state=random_state,
    )
    plt = import_pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 1.2 + 0.45 * len(importances)), layout="constrained")
    # barh draws the first bar at the bottom: reverse so the largest is on top.
    labels = list(importances)[::-1]
    values = [importances[label] for label in labels]
    bars = ax.barh(labels, values, color="C0")
    ax.bar_label(bars, fmt="%.2f", padding=3)
    ax.set_xlim(0, max(max(values), 1e-9) * 1.15)
    ax.set_xlabel("importance (share of the forest's impurity decrease)")
    ax.set_title("Parameter importances")
    return ax
