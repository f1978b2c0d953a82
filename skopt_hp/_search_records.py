"""The tracking records of a ``HyperoptSearchCV`` fit, built from the search itself.

:class:`~skopt_hp.HyperoptSearchCV` hands a tracker a
:class:`~skopt_hp._tracking.SearchInfo` of its parameters when its search
starts, one :class:`~skopt_hp._tracking.TrialRecord` per evaluated
candidate, and a :class:`~skopt_hp._tracking.SearchOutcome` when ``fit``
ends; this module builds them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ._sklearn_compat import BaseSearchCV
from ._tracking import (
    SearchInfo,
    SearchOutcome,
    TrialRecord,
    describe_space,
    ending,
    metric_value,
    value_text,
)
from ._trials import Trial
from .space import SearchSpace

__all__ = ["search_info", "search_outcome", "search_trial_record"]

#: Constructor arguments that are not settings worth a parameter of the parent run.
_NOT_SETTINGS = ("estimator", "search_space", "mlflow_logging")


def search_trial_record(trial: Trial) -> TrialRecord:
    """The child-run record of a finished ``HyperoptSearchCV`` candidate.

    Parameters are the candidate's, named as in ``cv_results_['params']``
    (only those set for it); metrics are ``loss`` (when it succeeded) and the
    candidate's ``mean_*`` and ``std_*`` entries of ``cv_results_``. With
    fold racing (``pruning``), ``n_folds_fitted`` is a metric too, and a
    candidate stopped early has status ``"pruned"`` (a finished run whose
    ``loss`` is the estimate the sampler learnt; its mean scores are NaN,
    hence left out).

    Parameters
    ----------
    trial : Trial
        A finished trial of the search's ``trials_``.

    Returns
    -------
    TrialRecord
    """
    result = trial.result
    metrics: dict[str, float] = {}
    if trial.loss is not None:
        metrics["loss"] = float(trial.loss)
    for key, value in result.items():
        if isinstance(key, str) and key.startswith(("mean_", "std_")):
            number = metric_value(value)
            if number is not None:
                metrics[key] = number
    if "n_folds_fitted" in result:
        metrics["n_folds_fitted"] = float(result["n_folds_fitted"])
    candidate = result.get("params")
    params = (
        {str(name): value_text(value) for name, value in candidate.items()}
        if isinstance(candidate, Mapping)
        else {}
    )
    record = TrialRecord.of_trial(
        trial, number=int(result.get("cv_index", trial.tid)), params=params, metrics=metrics
    )
    if result.get("pruned"):
        record = dataclasses.replace(record, status="pruned")
    return record


def search_info(search: BaseSearchCV, space: SearchSpace) -> SearchInfo:
    """The :class:`~skopt_hp._tracking.SearchInfo` of a fit, made inside ``_run_search``.

    Parameters
    ----------
    search : HyperoptSearchCV
        The search being fitted; its ``trials_`` are already set.
    space : SearchSpace
        Its compiled ``search_space``.

    Returns
    -------
    SearchInfo
    """
    settings = {
        name: value_text(value)
        for name, value in search.get_params(deep=False).items()
        if name not in _NOT_SETTINGS
    }
    estimator = search.estimator
    settings["estimator"] = type(estimator).__name__
    # Known only from an earlier fit (a warm start): scikit-learn sets it after the search.
    n_splits = getattr(search, "n_splits_", None)
    if n_splits is not None:
        settings["n_splits"] = str(n_splits)
    return SearchInfo(
        kind=type(search).__name__,
        run_name=f"{type(search).__name__}-{type(estimator).__name__}",
        settings=settings,
        artifacts={"search_space.txt": describe_space(space), "estimator.txt": f"{estimator!r}\n"},
        tags={"skopt_hp.n_trials_before": str(len(search.trials_))},
    )


def search_outcome(search: BaseSearchCV, error: BaseException | None, X: Any) -> SearchOutcome:
    """The :class:`~skopt_hp._tracking.SearchOutcome` of a fit that ended with ``error``.

    After an error or an interrupt, the search keeps the finished rounds'
    best candidate (see ``HyperoptSearchCV``), which is logged, but nothing
    was refit, so no model is.

    Parameters
    ----------
    search : HyperoptSearchCV
        The search, after its ``_run_search`` started (``trials_`` is set).
    error : BaseException or None
        What ended ``fit``, None when it ended normally.
    X : array-like
        The training data (rows of it become the model's input example).

    Returns
    -------
    SearchOutcome
    """
    status, tags = ending(error)
    records = search.trials_.records
    metrics = {
        "n_trials": float(len(records)),
        "n_failed": float(sum(t.loss is None for t in records)),
    }
    if getattr(search, "pruning", None) is not None:
        metrics["n_pruned"] = float(sum(bool(t.result.get("pruned")) for t in records))
        n_fits = getattr(search, "n_fits_", None)
        if n_fits is not None:
            metrics["n_fits"] = float(n_fits)
    params: dict[str, str] = {}
    # The fitted attributes below exist only as far as the fit got (and as refit allows).
    best_params = getattr(search, "best_params_", None)
    if isinstance(best_params, Mapping):
        params = {f"best_{name}": value_text(value) for name, value in best_params.items()}
    for attribute, metric in (
        ("best_score_", "best_cv_score"),
        ("best_index_", "best_index"),
        ("refit_time_", "refit_time"),
    ):
        number = metric_value(getattr(search, attribute, None))
        if number is not None:
            metrics[metric] = number
    model = getattr(search, "best_estimator_", None) if error is None and search.refit else None
    return SearchOutcome(
        status=status, params=params, metrics=metrics, tags=tags, model=model, X_sample=X
    )
