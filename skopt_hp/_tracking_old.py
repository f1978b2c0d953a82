"""Experiment tracking hooks of the search loops; no tracking library is imported here.

``fmin``'s loop and :class:`~skopt_hp.HyperoptSearchCV` describe a search as
plain records — a :class:`SearchInfo` when it starts, :class:`TrialRecord`
batches as trials finish, a :class:`SearchOutcome` at the end — and hand them
to a :class:`Tracker` through a :class:`TrackingSession`, which sends them
from one background thread of the driver process, in batches, and keeps a
failing tracking server from stopping the search.

A tracker comes from an integration (``skopt_hp.integrations.mlflow``),
imported by name only when logging is asked for: ``import skopt_hp`` never
imports MLflow. The process-wide default (``skopt_hp.autolog()``) is kept
here, so that the loops can ask for it without importing the integration.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib
import logging
import math
import numbers
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ._trials import STATUS_OK, AllTrialsFailed, Trial, TrialState
from .space import SearchSpace
from .space._nodes import Choice

__all__ = [
    "SearchInfo",
    "SearchOutcome",
    "Tracker",
    "TrackingSession",
    "TrialRecord",
    "check_switch",
    "describe_space",
    "fmin_info",
    "fmin_outcome",
    "fmin_trial_record",
    "get_default",
    "resolve_tracker",
    "search_info",
    "search_outcome",
    "search_trial_record",
    "set_default",
    "start_session",
    "suppress_framework_autolog",
    "tracked",
]

logger = logging.getLogger(__name__)

#: Integrations that provide a tracker, by name: module imported on first use.
PLUGINS = {"mlflow": "skopt_hp.integrations.mlflow"}
#: The integration ``mlflow_logging=True`` and ``skopt_hp.autolog()`` use.
DEFAULT_PLUGIN = "mlflow"

#: Parameter values are cut to this many characters (MLflow accepts 6000; long reprs are noise).
MAX_VALUE_LENGTH = 500
#: Error texts are cut to this many characters (MLflow's limit for a tag value is 8000).
MAX_TAG_LENGTH = 7900


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# The process-wide default (skopt_hp.autolog) and tracker lookup
# ---------------------------------------------------------------------------
_lock = threading.Lock()
# enabled: None until autolog() is called (then True or False); options: the tracker's settings.
_default: dict[str, Any] = {"enabled": None, "options": {}}


def set_default(enabled: bool, options: Mapping[str, Any] | None = None) -> None:
    """Record what ``skopt_hp.autolog()`` asked for (called by the integration)."""
    with _lock:
        _default["enabled"] = bool(enabled)
        _default["options"] = dict(options or {})


def get_default() -> tuple[bool | None, dict[str, Any]]:
    """``(enabled, options)``; ``enabled`` is None when ``autolog()`` was never called."""
    with _lock:
        return _default["enabled"], dict(_default["options"])


def _imported(module: str) -> bool:
    # A None entry is how a module is blocked (or was found missing): not imported.
    return sys.modules.get(module) is not None


def _plugin(name: str = DEFAULT_PLUGIN) -> Any:
    return importlib.import_module(PLUGINS[name])


def check_switch(value: Any, name: str = "mlflow_logging") -> None:
    """Raise ``TypeError`` unless ``value`` is None, True or False."""
    if value is not None and not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be None (follow skopt_hp.autolog()), True or False, but got "
            f"{value!r} of type {type(value).__name__}."
        )


def resolve_tracker(switch: bool | None, *, estimator_search: bool = False) -> Tracker | None:
    """The tracker a search should log to, or None.

    Parameters
    ----------
    switch : bool or None
        The per-call switch (``mlflow_logging``): False never logs, True
        always logs, None follows ``skopt_hp.autolog()``.
    estimator_search : bool, default=False
        True for :class:`~skopt_hp.HyperoptSearchCV`: when ``skopt_hp.autolog()``
        was never called, the search then follows MLflow's own
        ``mlflow.sklearn.autolog()`` (and its ``log_models``), as
        ``GridSearchCV`` does.

    Returns
    -------
    Tracker or None

    Raises
    ------
    ImportError
        When logging is asked for and the integration's library is missing.
    """
    check_switch(switch)
    if switch is not None and not switch:
        return None
    enabled, options = get_default()
    if switch is None and not enabled:
        if enabled is False or not estimator_search or not _imported("mlflow"):
            # MLflow's autolog cannot be on unless mlflow was imported: no import needed to know.
            return None
        plugin = _plugin()
        options = plugin.framework_autolog_options()
        if options is None:
            return None
    return _plugin().make_tracker(**options)


def suppress_framework_autolog() -> contextlib.AbstractContextManager[Any]:
    """A context in which MLflow's own autologging (if it was switched on) is off.

    ``mlflow.sklearn.autolog()`` patches scikit-learn estimators, not
    ``HyperoptSearchCV``; without this, every cross-validation fit and the
    refit run in this process would open a run of its own.
    """
    if not _imported("mlflow"):
        return contextlib.nullcontext()
    return _plugin().disabled_framework_autolog()


# ---------------------------------------------------------------------------
# Batching, background logging and error isolation
# ---------------------------------------------------------------------------
class TrackingSession:
    """Sends a search's finished trials to a tracker from one background thread.

    :meth:`add` hands trials over and returns at once. The logging thread
    sends whatever has accumulated each time it is free: a trial that
    finishes while the thread is idle is logged right away (with slow
    trials, logging overlaps the next trial), and trials that finish while
    it is busy go together in the next batch (with fast trials, batches
    grow). Batches are logged in the order trials finished. If the tracker
    raises, a warning is logged and the rest of the search is not logged: a
    tracking outage must not throw away hours of search.

    Parameters
    ----------
    tracker : Tracker
        Already started.
    """

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.n_logged = 0
        self.n_batches = 0
        self.failed: BaseException | None = None
        self._lock = threading.Lock()
        self._buffer: list[TrialRecord] = []
        self._draining = False
        self._pool: ThreadPoolExecutor | None = None

    @property
    def run_id(self) -> str | None:
        return self.tracker.run_id

    def add(self, records: Sequence[TrialRecord]) -> None:
        """Hand finished trials to the logging thread (without waiting for it)."""
        with self._lock:
            if self.failed is not None:
                return
            self._buffer.extend(records)
            if self._draining or not self._buffer:
                return  # the running drain takes them when its batch is logged
            self._draining = True
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="skopt_hp-tracking")
        self._pool.submit(self._drain)

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._buffer = self._buffer, []
                if not batch or self.failed is not None:
                    self._draining = False
                    return
            try:
                self.tracker.log_trials(batch)
            except Exception as exc:  # noqa: BLE001 - any failure of the tracking backend
                self._disable(exc, f"logging {len(batch)} trial(s)")
            else:
                self.n_logged += len(batch)
                self.n_batches += 1

    def _disable(self, exc: BaseException, what: str) -> None:
        self.failed = exc
        logger.warning(
            "Experiment tracking failed while %s (%s: %s); the search goes on without "
            "logging (run %s).",
            what,
            type(exc).__name__,
            exc,
            self.run_id,
        )

    def wait(self) -> None:
        """Wait until every trial handed over is logged (or logging failed)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def finish(self, outcome: SearchOutcome) -> None:
        """Log every remaining trial, then the search's outcome."""
        self.wait()
        try:
            self.tracker.finish(outcome)
        except Exception as exc:  # noqa: BLE001 - see the class docstring
            self._disable(exc, "closing the search's run")


def start_session(
    switch: bool | None, info: Callable[[], SearchInfo], *, estimator_search: bool = False
) -> TrackingSession | None:
    """Resolve the tracker for ``switch`` and start it; None when logging is off.

    ``info`` is called only when logging is on (describing a space costs a
    little).
    """
    tracker = resolve_tracker(switch, estimator_search=estimator_search)
    if tracker is None:
        return None
    tracker.start(info())
    return TrackingSession(tracker)


# ---------------------------------------------------------------------------
# Turning trials and spaces into records
# ---------------------------------------------------------------------------
def _epoch_ms(moment: _dt.datetime | None) -> int | None:
    if moment is None:
        return None
    # Trial times are naive UTC (hyperopt's convention).
    return int(moment.replace(tzinfo=_dt.timezone.utc).timestamp() * 1000)


def value_text(value: Any) -> str:
    """A short readable text for a parameter value.

    Estimators (objects with ``get_params``) are named by their class, so a
    model-choice search logs ``"SVC"`` rather than a long repr; other
    objects use their repr, cut to ``MAX_VALUE_LENGTH`` characters.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        text = value
    elif value is None or isinstance(value, (bool, numbers.Number)):
        text = repr(value)
    elif hasattr(value, "get_params") and not isinstance(value, type):
        text = type(value).__name__
    elif isinstance(value, type) or callable(value):
        name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
        text = name if isinstance(name, str) else repr(value)
    else:
        text = repr(value)
    if len(text) > MAX_VALUE_LENGTH:
        text = text[: MAX_VALUE_LENGTH - 3] + "..."
    return text


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, numbers.Number, np.generic))


def readable_params(space: SearchSpace, params: Mapping[str, Any]) -> dict[str, str]:
    """A trial's active labels with readable values (``fmin``'s child runs).

    A choice gives its chosen option when the option is a scalar (``"rbf"``,
    ``0.1``, ``None``), else its index; other parameters give their value.
    """
    out = {}
    for label, value in params.items():
        param = space.params[space.index[label]] if label in space.index else None
        if isinstance(param, Choice):
            option = param.options[int(value)]
            value = option if _is_scalar(option) else int(value)
        out[label] = value_text(value)
    return out


def _numeric(value: Any) -> float | None:
    """``value`` as a float metric, or None (not a real number, a bool, or NaN)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        return None
    number = float(value)
    return None if math.isnan(number) else number


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


def fmin_trial_record(trial: Trial, space: SearchSpace) -> TrialRecord:
    """The child-run record of a finished ``fmin`` trial.

    Metrics: ``loss`` (when the trial succeeded), every other real number of
    the objective's result dict, and ``trial_time`` (seconds).
    """
    metrics: dict[str, float] = {}
    for key, value in trial.result.items():
        if key in ("status", "failure") or not isinstance(key, str):
            continue
        number = _numeric(value)
        if number is not None:
            metrics[key] = number
    if trial.book_time is not None and trial.refresh_time is not None:
        metrics["trial_time"] = (trial.refresh_time - trial.book_time).total_seconds()
    error, traceback = _failure_fields(trial)
    return TrialRecord(
        number=trial.tid,
        params=readable_params(space, trial.params),
        metrics=metrics,
        status=trial.status,
        state=_run_state(trial),
        error=error,
        traceback=traceback,
        start_ms=_epoch_ms(trial.book_time),
        end_ms=_epoch_ms(trial.refresh_time),
    )


def search_trial_record(trial: Trial) -> TrialRecord:
    """The child-run record of a finished ``HyperoptSearchCV`` candidate.

    Parameters are the candidate's, named as in ``cv_results_['params']``
    (only those set for it); metrics are ``loss`` (when it succeeded) and the
    candidate's ``mean_*`` and ``std_*`` entries of ``cv_results_``.
    """
    result = trial.result
    metrics: dict[str, float] = {}
    if trial.loss is not None:
        metrics["loss"] = float(trial.loss)
    for key, value in result.items():
        if isinstance(key, str) and key.startswith(("mean_", "std_")):
            number = _numeric(value)
            if number is not None:
                metrics[key] = number
    candidate = result.get("params")
    params = (
        {str(name): value_text(value) for name, value in candidate.items()}
        if isinstance(candidate, Mapping)
        else {}
    )
    error, traceback = _failure_fields(trial)
    return TrialRecord(
        number=int(result.get("cv_index", trial.tid)),
        params=params,
        metrics=metrics,
        status=trial.status,
        state=_run_state(trial),
        error=error,
        traceback=traceback,
        start_ms=_epoch_ms(trial.book_time),
        end_ms=_epoch_ms(trial.refresh_time),
    )


def _option_text(option: Any) -> str:
    if isinstance(option, Mapping):
        keys = ", ".join(str(k) for k in option)
        return "{" + keys + "}"
    return value_text(option)


def describe_space(space: SearchSpace) -> str:
    """The search space as text: one line per parameter, with when it is active.

    Choices list their options (dicts by their keys); a conditional
    parameter names the choice options it depends on.
    """
    lines = []
    for param, condition in zip(space.params, space.conditions, strict=True):
        text = f"{param.label}: {param!r}"
        if isinstance(param, Choice):
            options = ", ".join(f"{i}={_option_text(o)}" for i, o in enumerate(param.options))
            text += f"  options: {options}"
        if condition != ((),):
            alternatives = [
                " and ".join(f"{space.labels[column]} == {option}" for column, option in conj)
                for conj in condition
            ]
            text += "  active when " + " or ".join(alternatives)
        lines.append(text)
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def tracked(
    session: TrackingSession | None, outcome: Callable[[BaseException | None], SearchOutcome]
) -> Iterator[None]:
    """Finish ``session`` with ``outcome(error)`` when the block ends, however it ends."""
    if session is None:
        yield
        return
    try:
        yield
    except BaseException as exc:
        session.finish(outcome(exc))
        raise
    session.finish(outcome(None))


def ending(exc: BaseException | None) -> tuple[str, dict[str, str]]:
    """The run status and tags of a search that ended with ``exc`` (None: normally)."""
    if exc is None:
        return "FINISHED", {}
    status = "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
    return status, {"skopt_hp.error": f"{type(exc).__name__}: {exc}"[:MAX_TAG_LENGTH]}


# ---------------------------------------------------------------------------
# fmin's search records
# ---------------------------------------------------------------------------
def _callable_name(fn: Any) -> str:
    fn = getattr(fn, "fn", fn)  # space="annotated" wraps the objective
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    return f"{module}.{name}" if module and module != "__main__" else str(name)


def fmin_info(
    fn: Any,
    space: SearchSpace,
    *,
    sampler: Any,
    trials: Any,
    capacity: int,
    max_evals: int,
    timeout: float | None,
    loss_threshold: float | None,
    max_queue_len: int,
    rstate: Any,
    early_stop_fn: Any,
    catch_eval_exceptions: bool,
) -> SearchInfo:
    """The :class:`SearchInfo` of an ``fmin`` call (its arguments, already validated)."""
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
        tags={"skopt_hp.n_trials_before": str(len(trials))},
    )


def fmin_outcome(
    trials: Any, space: SearchSpace, error: BaseException | None, stop_reason: str | None
) -> SearchOutcome:
    """The :class:`SearchOutcome` of an ``fmin`` call that ended with ``error`` (or None)."""
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


# ---------------------------------------------------------------------------
# HyperoptSearchCV's search records
# ---------------------------------------------------------------------------
#: Constructor arguments that are not settings worth a parameter of the parent run.
_NOT_SETTINGS = ("estimator", "search_space", "mlflow_logging")


def search_info(search: Any, space: SearchSpace) -> SearchInfo:
    """The :class:`SearchInfo` of a ``HyperoptSearchCV`` fit (inside ``_run_search``)."""
    settings = {
        name: value_text(value)
        for name, value in search.get_params(deep=False).items()
        if name not in _NOT_SETTINGS
    }
    estimator = search.estimator
    settings["estimator"] = type(estimator).__name__
    n_splits = getattr(search, "n_splits_", None)
    if n_splits is not None:
        settings["n_splits"] = str(n_splits)
    return SearchInfo(
        kind=type(search).__name__,
        run_name=f"{type(search).__name__}-{type(estimator).__name__}",
        settings=settings,
        artifacts={"search_space.txt": describe_space(space), "estimator.txt": f"{estimator!r}\n"},
        tags={"skopt_hp.n_trials_before": str(len(getattr(search, "trials_", ())))},
    )


def search_outcome(search: Any, error: BaseException | None, X: Any) -> SearchOutcome:
    """The :class:`SearchOutcome` of a ``HyperoptSearchCV`` fit that ended with ``error``.

    After an error or an interrupt, the search keeps the finished rounds'
    best candidate (see ``HyperoptSearchCV``), which is logged, but nothing
    was refit, so no model is.
    """
    status, tags = ending(error)
    trials = getattr(search, "trials_", None)
    records = trials.records if trials is not None else []
    metrics = {
        "n_trials": float(len(records)),
        "n_failed": float(sum(t.loss is None for t in records)),
    }
    params: dict[str, str] = {}
    best_params = getattr(search, "best_params_", None)
    if isinstance(best_params, Mapping):
        params = {f"best_{name}": value_text(value) for name, value in best_params.items()}
    for attribute, metric in (
        ("best_score_", "best_cv_score"),
        ("best_index_", "best_index"),
        ("refit_time_", "refit_time"),
    ):
        number = _numeric(getattr(search, attribute, None))
        if number is not None:
            metrics[metric] = number
    model = getattr(search, "best_estimator_", None) if error is None and search.refit else None
    return SearchOutcome(
        status=status, params=params, metrics=metrics, tags=tags, model=model, X_sample=X
    )
