"""``RandomizedSearchCV`` for scikit-learn's own search tests: ``HyperoptSearchCV`` underneath.

scikit-learn's ``model_selection/tests/test_search.py`` is copied into
``upstream/test_sklearn_search.py`` with ``RandomizedSearchCV`` imported from
here. The class takes ``RandomizedSearchCV``'s constructor (the same names,
defaults and ``get_params``) and is otherwise :class:`skopt_hp.HyperoptSearchCV`
with its defaults (TPE proposals, rounds of ``n_points`` candidates): what a
user gets who replaces ``RandomizedSearchCV(est, param_distributions, ...)``
with ``HyperoptSearchCV(est, param_distributions, ...)``.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from sklearn.model_selection._search import BaseSearchCV

from skopt_hp import HyperoptSearchCV

__all__ = ["RandomizedSearchCV"]

_DEFAULTS = inspect.signature(HyperoptSearchCV).parameters


class RandomizedSearchCV(HyperoptSearchCV):
    """``HyperoptSearchCV(estimator, param_distributions, n_iter=10, ...)``.

    ``get_params`` reports ``RandomizedSearchCV``'s parameters only; the
    settings of ``HyperoptSearchCV`` that ``RandomizedSearchCV`` lacks keep
    their defaults (class attributes below).
    """

    _required_parameters = ["estimator", "param_distributions"]
    _parameter_constraints: dict = {
        **{
            name: rule
            for name, rule in HyperoptSearchCV._parameter_constraints.items()
            if name != "search_space"
        },
        "param_distributions": [dict, list],
    }

    # HyperoptSearchCV's own settings, at their defaults.
    algo = _DEFAULTS["algo"].default
    n_points = _DEFAULTS["n_points"].default
    timeout = _DEFAULTS["timeout"].default
    n_iter_no_change = _DEFAULTS["n_iter_no_change"].default
    warm_start = _DEFAULTS["warm_start"].default
    mlflow_logging = _DEFAULTS["mlflow_logging"].default
    pruning = _DEFAULTS["pruning"].default
    pruning_alpha = _DEFAULTS["pruning_alpha"].default

    def __init__(
        self,
        estimator: Any,
        param_distributions: Any,
        *,
        n_iter: int = 10,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: int | str = "2*n_jobs",
        random_state: Any = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
    ):
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.random_state = random_state
        BaseSearchCV.__init__(
            self,
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )

    @property
    def search_space(self) -> Any:
        """What ``HyperoptSearchCV`` searches: ``param_distributions``."""
        return self.param_distributions
