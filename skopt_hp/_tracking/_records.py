"""The records a search hands to a tracker, and the :class:`Tracker` protocol.

A search is described as plain data: a :class:`SearchInfo` when it starts,
:class:`TrialRecord` batches as trials finish, a :class:`SearchOutcome` at
the end. The fields every trial record takes from a :class:`~skopt_hp.Trial`
(status, run state, error, times) are read here, once for both loops; what
differs between ``fmin`` and ``HyperoptSearchCV`` (numbers, parameters,
metrics) is decided by the builders beside each loop.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .._trials import STATUS_OK, Trial, TrialState

__all__ = ["SearchInfo", "SearchOutcome", "Tracker", "TrialRecord", "metric_value"]


@dataclass(frozen=True)
class SearchInfo:
    """What a tracker learns when a search starts.

    Attributes
    ----------
    kind : str
        ``"fmin"`` or ``"HyperoptSearchCV"``.
    run_name : str
        A readable name for the search's run.
    settings : dict
        The search's settings, as text (logged as the parent run's parameters).
    artifacts : dict
        Text files of the parent run, by file name: ``search_space.txt`` (one
        parameter per line), ``estimator.txt`` for a ``HyperoptSearchCV``.
    tags : dict
        Extra tags of the parent run.
    """

    kind: str
    run_name: str
    settings: dict[str, str]
    artifacts: dict[str, str]
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TrialRecord:
    """One finished trial, ready to be logged as a child run.

    Attributes
    ----------
    number : int
        The trial id (``tid``; the ``cv_results_`` row for a search).
    params : dict
        Active parameter name to readable value (text).
    metrics : dict
        Metric name to finite or infinite float (NaN values are left out).
    status : str
        The result's status (``"ok"``, ``"fail"``).
    state : str
        The run status to record: ``"FINISHED"``, ``"FAILED"`` or ``"KILLED"``
        (a cancelled trial).
    error : str or None
        ``"Type: message"`` of a failed or cancelled trial.
    traceback : str or None
        The traceback text of a trial whose objective raised.
    start_ms, end_ms : int or None
        Start and end, in milliseconds since the epoch.
    """

    number: int
    params: dict[str, str]
    metrics: dict[str, float]
    status: str
    state: str
    error: str | None = None
    traceback: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None

    @classmethod
    def of_trial(
        cls, trial: Trial, *, number: int, params: dict[str, str], metrics: dict[str, float]
    ) -> TrialRecord:
        """The record of the finished ``trial``, with the loop's own number, parameters and metrics.

        Parameters
        ----------
        trial : Trial
            A finished trial (done, failed or cancelled).
        number : int
            What identifies the trial in its search (``tid``, or the
            ``cv_results_`` row).
        params : dict
            Parameter name to readable value.
        metrics : dict
            Metric name to float.

        Returns
        -------
        TrialRecord
        """
        error, traceback = _failure_fields(trial)
        return cls(
            number=number,
            params=params,
            metrics=metrics,
            status=trial.status,
            state=_run_state(trial),
            error=error,
            traceback=traceback,
            start_ms=_epoch_ms(trial.book_time),
            end_ms=_epoch_ms(trial.refresh_time),
        )


@dataclass
class SearchOutcome:
    """How a search ended, for the parent run.

    Attributes
    ----------
    status : str
        ``"FINISHED"``, ``"FAILED"`` (an exception) or ``"KILLED"`` (interrupted).
    params : dict
        Parameters to add to the parent run (the best parameters as ``best_<name>``).
    metrics : dict
        Metrics of the parent run (best loss or score, number of trials...).
    tags : dict
        Tags of the parent run (why the search stopped, the error...).
    model : estimator or None
        The refit estimator to log as a model, if any.
    X_sample : array-like or None
        A few rows of the training data (input example and signature).
    """

    status: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    model: Any = None
    X_sample: Any = None


class Tracker(Protocol):
    """What the search loops call; an integration implements it.

    ``start`` is called once, in the driver's main thread, before the first
    trial (its errors propagate: a misconfigured tracking server fails the
    search before any work). ``log_trials`` is called with batches of
    finished trials, in completion order, from one background thread.
    ``finish`` is called once, in the main thread, after the last batch was
    logged. ``run_id`` identifies the search's run once ``start`` returned.
    """

    run_id: str | None

    def start(self, info: SearchInfo) -> None: ...

    def log_trials(self, records: Sequence[TrialRecord]) -> None: ...

    def finish(self, outcome: SearchOutcome) -> None: ...


def metric_value(value: Any) -> float | None:
    """``value`` as a float metric, or None (not a real number, a bool, or NaN).

    Parameters
    ----------
    value : object
        A value of a trial's result (or a fitted search's attribute).

    Returns
    -------
    float or None
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _epoch_ms(moment: _dt.datetime | None) -> int | None:
    if moment is None:
        return None
    # Trial times are naive UTC (hyperopt's convention).
    return int(moment.replace(tzinfo=_dt.timezone.utc).timestamp() * 1000)


def _failure_fields(trial: Trial) -> tuple[str | None, str | None]:
    failure = trial.result.get("failure")
    if not isinstance(failure, Mapping):
        return None, None
    kind, message = failure.get("type"), failure.get("message")
    error = f"{kind}: {message}" if kind else str(message)
    traceback = failure.get("traceback")
    return error, traceback if isinstance(traceback, str) else None


def _run_state(trial: Trial) -> str:
    if trial.state == TrialState.CANCEL:
        return "KILLED"
    if trial.state == TrialState.ERROR or trial.status != STATUS_OK:
        return "FAILED"
    return "FINISHED"
