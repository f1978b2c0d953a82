"""hyperopt's ``hyperopt.sklearn`` module path: ``HyperoptSearchCV`` with hyperopt's signature.

``from hyperopt.sklearn import HyperoptSearchCV`` becomes
``from skopt_hp.sklearn import HyperoptSearchCV``: the constructor takes
hyperopt's parameters, in hyperopt's order (``estimator, space, max_evals,
trials, algo, warm_start, scoring, ...``), and skopt_hp's own names next to
them. It is :class:`skopt_hp.HyperoptSearchCV` underneath.
"""

from __future__ import annotations

import contextlib
import dataclasses
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._search import DEFAULT_N_POINTS
from ._search import HyperoptSearchCV as _HyperoptSearchCV
from ._sklearn_compat import Interval
from ._trials import Trials
from .samplers import Sampler
from .space import Expr

__all__ = ["HyperoptSearchCV"]

_DEFAULT_N_ITER = 50


class HyperoptSearchCV(_HyperoptSearchCV):
    """:class:`skopt_hp.HyperoptSearchCV` with hyperopt's constructor.

    Parameters
    ----------
    estimator : estimator object
        As in :class:`skopt_hp.HyperoptSearchCV`.
    space : dict, list of dict, or hp expression, default=None
        hyperopt's name for ``search_space``; give one of the two.
    max_evals : int, default=None
        hyperopt's name for ``n_iter``; give at most one of the two (50
        candidates when neither is given).
    trials : Trials, default=None
        When given, it holds the search's trials after each ``fit`` (its
        records are replaced by those of ``trials_``, which with
        ``warm_start=True`` include the earlier fits'). skopt_hp cannot
        continue a search from trials recorded elsewhere: with
        ``warm_start=True``, a non-empty ``trials`` that this search did not
        fill raises ``ValueError`` at ``fit``.
    algo : str, callable or Sampler, default=None
        As in :class:`skopt_hp.HyperoptSearchCV`; ``None`` means ``"tpe"``.
    warm_start, scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score, return_train_score
        As in :class:`skopt_hp.HyperoptSearchCV`.
    random_state : int, RandomState, numpy.random.Generator or None, default=None
        As in :class:`skopt_hp.HyperoptSearchCV`; a ``Generator`` (hyperopt's
        type) is advanced by each ``fit``, which draws its seed from it.
    search_space : dict, list of dict, or hp expression, default=None
        skopt_hp's name for ``space``.
    n_iter : int, default=None
        skopt_hp's name for ``max_evals``.
    n_points, timeout, n_iter_no_change, mlflow_logging
        As in :class:`skopt_hp.HyperoptSearchCV`.

    Notes
    -----
    ``get_params`` reports the parameters as given (``space`` and
    ``search_space`` separately), so ``clone`` and ``set_params`` work with
    either name; which one is used is decided at ``fit``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skopt_hp import Trials, hp, tpe
    >>> from skopt_hp.sklearn import HyperoptSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> trials = Trials()
    >>> search = HyperoptSearchCV(SVC(), space={"C": hp.loguniform("C", -3, 3)}, max_evals=6,
    ...                           trials=trials, algo=tpe.suggest, random_state=0)
    >>> search.fit(X, y).best_params_.keys(), len(trials)
    (dict_keys(['C']), 6)
    """

    _required_parameters = ["estimator", "space"]

    _parameter_constraints: dict = {
        **_HyperoptSearchCV._parameter_constraints,
        "space": [dict, list, Expr, None],
        "search_space": [dict, list, Expr, None],
        "max_evals": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "n_iter": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "trials": [Trials, None],
        "algo": [str, callable, Sampler, None],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        estimator: Any,
        space: Any = None,
        max_evals: int | None = None,
        trials: Trials | None = None,
        algo: Any = None,
        warm_start: bool = False,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: int | str = "2*n_jobs",
        random_state: Any = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
        *,
        search_space: Any = None,
        n_iter: int | None = None,
        n_points: int = DEFAULT_N_POINTS,
        timeout: float | None = None,
        n_iter_no_change: int | None = None,
        mlflow_logging: bool | None = None,
    ):
        self.space = space
        self.max_evals = max_evals
        self.trials = trials
        super().__init__(
            estimator,
            search_space,
            n_iter=n_iter,
            algo=algo,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            random_state=random_state,
            error_score=error_score,
            return_train_score=return_train_score,
            n_points=n_points,
            timeout=timeout,
            n_iter_no_change=n_iter_no_change,
            warm_start=warm_start,
            mlflow_logging=mlflow_logging,
        )

    def fit(self, X: Any, y: Any = None, **params: Any) -> HyperoptSearchCV:
        """Run the search (see :meth:`skopt_hp.HyperoptSearchCV.fit`); fill ``trials``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets, or None for unsupervised learning.
        **params : dict
            Passed to the estimator's ``fit``, as in scikit-learn.

        Returns
        -------
        self : HyperoptSearchCV
            The fitted search.
        """
        trials = self.trials
        if (
            self.warm_start
            and isinstance(trials, Trials)
            and len(trials.records)
            and trials is not getattr(self, "_filled_trials", None)
        ):
            raise ValueError(
                f"trials holds {len(trials.records)} trials this search did not record: "
                "HyperoptSearchCV "
                "cannot continue from trials without their cross-validation results. Pass an "
                "empty Trials (it receives the search's trials), or continue a fitted search "
                "with warm_start=True."
            )
        try:
            super().fit(X, y, **params)
        finally:
            # Also after an interrupt: the finished rounds are kept in trials_.
            if isinstance(trials, Trials) and hasattr(self, "trials_"):
                _copy_trials(self.trials_, trials)
                self._filled_trials = trials
        return self

    def _run_search(self, evaluate_candidates: Any, *, callback_ctx: Any = None) -> None:
        # The parent reads search_space, n_iter, algo and random_state; they hold the
        # resolved values for the duration of the search only, so get_params, clone and
        # set_params always see the parameters as the user gave them.
        with self._resolved_parameters():
            super()._run_search(evaluate_candidates, callback_ctx=callback_ctx)

    @contextlib.contextmanager
    def _resolved_parameters(self) -> Iterator[None]:
        resolved = {
            "search_space": _one_of("space", self.space, "search_space", self.search_space),
            "n_iter": _one_of("max_evals", self.max_evals, "n_iter", self.n_iter, _DEFAULT_N_ITER),
            "algo": "tpe" if self.algo is None else self.algo,
            "random_state": self.random_state,
        }
        if isinstance(self.random_state, np.random.Generator):
            resolved["random_state"] = int(self.random_state.integers(np.iinfo(np.int32).max))
        given = {name: getattr(self, name) for name in resolved}
        try:
            for name, value in resolved.items():
                setattr(self, name, value)
            yield
        finally:
            for name, value in given.items():
                setattr(self, name, value)


_REQUIRED = object()


def _one_of(hyperopt_name: str, a: Any, own_name: str, b: Any, default: Any = _REQUIRED) -> Any:
    """The value given under hyperopt's or skopt_hp's name for one parameter."""
    if a is not None and b is not None:
        raise ValueError(
            f"{hyperopt_name} and {own_name} are the same parameter (hyperopt's and skopt_hp's "
            f"names); give one, but got {hyperopt_name}={a!r} and {own_name}={b!r}."
        )
    if a is None and b is None:
        if default is _REQUIRED:
            raise ValueError(
                f"HyperoptSearchCV needs a search space: give {hyperopt_name} (hyperopt's name) "
                f"or {own_name}."
            )
        return default
    return a if a is not None else b


def _copy_trials(source: Trials, target: Trials) -> None:
    """Make ``target`` hold copies of ``source``'s records (ids, states, results, times)."""
    if target is source:
        return
    target.delete_all()
    target.labels = source.labels
    # Through Trials.extend, which keeps the store's counts and views in step.
    target.extend(
        dataclasses.replace(record, params=dict(record.params), result=dict(record.result))
        for record in source.records
    )
