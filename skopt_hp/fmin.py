"""hyperopt's ``hyperopt.fmin`` module path.

``from hyperopt.fmin import fmin, generate_trials_to_calculate, space_eval``
becomes ``from skopt_hp.fmin import ...``. As in hyperopt, the package
attribute ``skopt_hp.fmin`` is the *function* (``skopt_hp/__init__.py``
imports this module, then binds the name to the function), while
``import skopt_hp.fmin`` and ``from skopt_hp.fmin import ...`` reach this
module through ``sys.modules``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._fmin import fmin
from ._trials import Trials
from .exceptions import InvalidTrial
from .space import SearchSpace, normalize_point, space_eval

__all__ = ["fmin", "generate_trials_to_calculate", "space_eval"]


def generate_trials_to_calculate(points: Sequence[Mapping[str, Any]], space: Any = None) -> Trials:
    """A :class:`~skopt_hp.Trials` holding ``points`` as trials still to evaluate.

    Passed as ``fmin(trials=...)``, these trials (state ``NEW``) are
    evaluated first, in order, before the algorithm proposes any point, and
    count towards ``max_evals``; this is how hyperopt programs warm-start a
    search with known points.

    Parameters
    ----------
    points : sequence of dict
        One dict per trial: label to value, with choice *indices* (as
        ``fmin`` returns them), for the active parameters. hyperopt's
        ``{label: [value]}`` form is accepted too.
    space : object, optional
        The search space. When given, each point is checked against it here
        (unknown labels, missing active parameters, values the parameter
        cannot take); otherwise ``fmin`` checks them before running any trial.

    Returns
    -------
    Trials
        One trial in state ``NEW`` per point, with tids ``0, 1, ...``.

    Raises
    ------
    InvalidTrial
        When ``points`` is not a sequence of mappings of label to value, or
        (with ``space``) a point is not a point of the space.

    Examples
    --------
    >>> from skopt_hp import fmin, hp
    >>> from skopt_hp.fmin import generate_trials_to_calculate
    >>> trials = generate_trials_to_calculate([{"x": 0.5}])
    >>> best = fmin(lambda x: (x - 0.5) ** 2, hp.uniform("x", -1, 1), max_evals=5,
    ...             trials=trials, rstate=0, show_progressbar=False)
    >>> best, len(trials)
    ({'x': 0.5}, 5)
    """
    if isinstance(points, (str, bytes, Mapping)) or not isinstance(points, Sequence):
        raise InvalidTrial(
            "generate_trials_to_calculate: `points` must be a list of dicts (label -> value, "
            f"choice indices), but got {type(points).__name__}.",
            points,
        )
    normalized = []
    for i, point in enumerate(points):
        if not isinstance(point, Mapping):
            raise InvalidTrial(
                f"generate_trials_to_calculate: points[{i}] must be a dict of label to value, "
                f"but got {point!r} of type {type(point).__name__}.",
                point,
            )
        bad = [label for label in point if not isinstance(label, str)]
        if bad:
            raise InvalidTrial(
                f"generate_trials_to_calculate: points[{i}] has labels that are not str: {bad!r}.",
                point,
            )
        try:
            normalized.append(normalize_point(point))
        except ValueError as exc:
            raise InvalidTrial(f"generate_trials_to_calculate: points[{i}]: {exc}", point) from exc

    trials = Trials()
    rows: list[Any] = [None] * len(normalized)
    if space is not None:
        compiled = space if isinstance(space, SearchSpace) else SearchSpace(space)
        for i, point in enumerate(normalized):
            # One at a time, so that the error names the point.
            try:
                rows[i] = compiled.encode([point])[0]
            except (TypeError, ValueError) as exc:
                message = str(exc).replace("Point 0", f"points[{i}]", 1)
                raise InvalidTrial(f"generate_trials_to_calculate: {message}", points[i]) from exc
        trials.bind(compiled)
    for point, z in zip(normalized, rows, strict=True):
        trials.new_trial(point, z=z)
    return trials
