"""The tracking records of an ``fmin`` run, built from the data its loop owns.

``fmin``'s loop (:mod:`skopt_hp._fmin`) hands a tracker a
:class:`~skopt_hp._tracking.SearchInfo` of its validated arguments, one
:class:`~skopt_hp._tracking.TrialRecord` per finished trial and a
:class:`~skopt_hp._tracking.SearchOutcome` at the end; this module builds
them.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._tracking import (
    SearchInfo,
    SearchOutcome,
    TrialRecord,
    describe_space,
    ending,
    metric_value,
    readable_params,
    value_text,
)
from ._trials import Trial, Trials
from .exceptions import AllTrialsFailed
from .samplers import Sampler
from .space import SearchSpace

__all__ = ["fmin_info", "fmin_outcome", "fmin_trial_record"]


def fmin_trial_record(trial: Trial, space: SearchSpace) -> TrialRecord:
    """The child-run record of a finished ``fmin`` trial.

    Metrics: ``loss`` (when the trial succeeded), every other real number of
    the objective's result dict, and ``trial_time`` (seconds).

    Parameters
    ----------
    trial : Trial
        A finished trial.
    space : SearchSpace
        The space of the run (choices are logged by their option).

    Returns
    -------
    TrialRecord
    """
    metrics: dict[str, float] = {}
    for key, value in trial.result.items():
        if key in ("status", "failure") or not isinstance(key, str):
            continue
        number = metric_value(value)
        if number is not None:
            metrics[key] = number
    if trial.book_time is not None and trial.refresh_time is not None:
        metrics["trial_time"] = (trial.refresh_time - trial.book_time).total_seconds()
    return TrialRecord.of_trial(
        trial, number=trial.tid, params=readable_params(space, trial.params), metrics=metrics
    )


def _callable_name(fn: Any) -> str:
    fn = getattr(fn, "fn", fn)  # space="annotated" wraps the objective
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    return f"{module}.{name}" if module and module != "__main__" else str(name)


def fmin_info(
    fn: Any,
    space: SearchSpace,
    *,
    sampler: Sampler,
    trials: Trials,
    capacity: int,
    max_evals: int,
    timeout: float | None,
    loss_threshold: float | None,
    max_queue_len: int,
    rstate: Any,
    early_stop_fn: Any,
    catch_eval_exceptions: bool,
) -> SearchInfo:
    """The :class:`~skopt_hp._tracking.SearchInfo` of an ``fmin`` call (arguments validated).

    Parameters
    ----------
    fn : callable
        The objective.
    space : SearchSpace
        The compiled space.
    sampler : Sampler
        The run's sampler (logged by its repr).
    trials : Trials
        The run's trials (their class, and how many there were before).
    capacity : int
        How many trials run at once.
    max_evals : int
        The trial budget; the int64 maximum when none was given.
    timeout, loss_threshold : float or None
        The run's time budget and target loss.
    max_queue_len : int
        How many trials are asked for at once.
    rstate : int, Generator or None
        The seed (a generator is logged by its type).
    early_stop_fn : callable or None
        The stopping rule (logged by its name).
    catch_eval_exceptions : bool
        Whether a raising objective is a failed trial.

    Returns
    -------
    SearchInfo
    """
    settings = {
        "fn": _callable_name(fn),
        "algo": repr(sampler),
        "max_evals": "None" if max_evals == np.iinfo(np.int64).max else str(max_evals),
        "timeout": value_text(timeout),
        "loss_threshold": value_text(loss_threshold),
        "max_queue_len": str(max_queue_len),
        "parallelism": str(capacity),
        "trials": type(trials).__name__,
        # A seed is worth recording; a Generator's state is not readable.
        "rstate": value_text(
            rstate if rstate is None or isinstance(rstate, numbers.Integral) else type(rstate)
        ),
        "early_stop_fn": "None" if early_stop_fn is None else _callable_name(early_stop_fn),
        "catch_eval_exceptions": str(bool(catch_eval_exceptions)),
        "n_params": str(space.n_params),
    }
    return SearchInfo(
        kind="fmin",
        run_name=f"fmin-{_callable_name(fn).rsplit('.', 1)[-1]}",
        settings=settings,
        artifacts={"search_space.txt": describe_space(space)},
        tags={"skopt_hp.n_trials_before": str(len(trials.records))},
    )


def fmin_outcome(
    trials: Trials, space: SearchSpace, error: BaseException | None, stop_reason: str | None
) -> SearchOutcome:
    """The :class:`~skopt_hp._tracking.SearchOutcome` of an ``fmin`` call.

    Parameters
    ----------
    trials : Trials
        The run's trials.
    space : SearchSpace
        The compiled space.
    error : BaseException or None
        What ended the run, None when it ended normally.
    stop_reason : str or None
        Why the loop stopped (``"max_evals"``, ``"interrupted"``...).

    Returns
    -------
    SearchOutcome
    """
    status, tags = ending(error)
    if stop_reason is not None:
        tags["skopt_hp.stop_reason"] = stop_reason
        if stop_reason == "interrupted":
            status = "KILLED"
    records = trials.records
    metrics = {
        "n_trials": float(len(records)),
        "n_failed": float(sum(t.loss is None for t in records)),
    }
    params: dict[str, str] = {}
    try:
        best = trials.best_record()
    except AllTrialsFailed:
        best = None
    if best is not None:
        metrics["best_loss"] = float(best.loss)
        params = {f"best_{k}": v for k, v in readable_params(space, best.params).items()}
        tags["skopt_hp.best_trial"] = str(best.tid)
    return SearchOutcome(status=status, params=params, metrics=metrics, tags=tags)
