"""``fmin``: hyperopt's minimisation loop, on skopt_hp's samplers.

The loop is ask → evaluate → tell: the sampler proposes ``max_queue_len``
points from what ``Trials`` holds (finished and pending trials), each is
evaluated, and its result is recorded before the next ask.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import math
import numbers
import os
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from . import _tracking
from ._ask import ask, resolve_algo
from ._evaluate import evaluate
from ._fmin_records import fmin_info, fmin_outcome, fmin_trial_record
from ._loop import Budget, RunMonitor
from ._persist import RunJournal
from ._progress import progress_bar
from ._trials import AllTrialsFailed, Trial, Trials, TrialState, provide
from .exceptions import InvalidAnnotatedParameter
from .space import Expr, SearchSpace, space_eval

__all__ = [
    "FminSettings",
    "SerialExecutor",
    "TrialExecutor",
    "TrialOutcome",
    "check_settings",
    "fmin",
]

logger = logging.getLogger(__name__)

#: ``max_evals`` of a run without a limit.
_NO_LIMIT = int(np.iinfo(np.int64).max)


def _check_rstate(rstate: Any) -> np.random.Generator:
    if rstate is None:
        seed = os.environ.get("HYPEROPT_FMIN_SEED", "")
        return np.random.default_rng(int(seed) if seed else None)
    if isinstance(rstate, np.random.Generator):
        return rstate
    if isinstance(rstate, numbers.Integral) and not isinstance(rstate, bool):
        return np.random.default_rng(int(rstate))
    raise TypeError(
        "rstate must be a numpy.random.Generator, an int seed or None, but got "
        f"{rstate!r} of type {type(rstate).__name__}."
    )


def _check_save_file(trials_save_file: Any) -> str:
    """The checkpoint path, checked before any trial runs (a trial may take hours)."""
    if not isinstance(trials_save_file, (str, os.PathLike)) or isinstance(
        os.fspath(trials_save_file), bytes
    ):
        raise TypeError(
            "trials_save_file must be a path (str or os.PathLike; '' for none), but got "
            f"{trials_save_file!r} of type {type(trials_save_file).__name__}."
        )
    path = os.fspath(trials_save_file)
    if path:
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise FileNotFoundError(
                f"trials_save_file={path!r}: the directory {directory!r} does not exist."
            )
        if os.path.isdir(path):
            raise IsADirectoryError(f"trials_save_file={path!r} is a directory, not a file.")
    return path


def _encode_points_to_evaluate(space: SearchSpace, points: Any) -> np.ndarray | None:
    if points is None:
        return None
    if isinstance(points, (str, bytes, Mapping)) or not isinstance(points, Sequence):
        raise TypeError(
            "points_to_evaluate must be None or a list of dicts (label -> value, choice "
            f"indices), but got {points!r} of type {type(points).__name__}."
        )
    if not points:
        return None
    try:
        return space.encode(list(points))
    except TypeError as exc:
        raise TypeError(f"points_to_evaluate: {exc}") from exc
    except (ValueError, KeyError) as exc:
        raise ValueError(f"points_to_evaluate: {exc}") from exc


def _check_args(
    fn: Any,
    max_evals: Any,
    timeout: Any,
    loss_threshold: Any,
    max_queue_len: Any,
    early_stop_fn: Any,
    trials: Any,
) -> int:
    if not callable(fn):
        raise TypeError(f"fn must be callable, but got {fn!r}.")
    if max_evals is None:
        max_evals = _NO_LIMIT
    if isinstance(max_evals, bool) or not isinstance(max_evals, numbers.Integral):
        raise TypeError(f"max_evals must be an int, but got {max_evals!r}.")
    if max_evals < 0:
        raise ValueError(f"max_evals must be >= 0, but got {max_evals}.")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout > 0
    ):
        raise ValueError(f"timeout must be None or a number of seconds > 0, but got {timeout!r}.")
    if loss_threshold is not None and (
        isinstance(loss_threshold, bool) or not isinstance(loss_threshold, numbers.Real)
    ):
        raise TypeError(f"loss_threshold must be None or a number, but got {loss_threshold!r}.")
    if (
        isinstance(max_queue_len, bool)
        or not isinstance(max_queue_len, numbers.Integral)
        or max_queue_len < 1
    ):
        raise ValueError(f"max_queue_len must be an int >= 1, but got {max_queue_len!r}.")
    if early_stop_fn is not None and not callable(early_stop_fn):
        raise TypeError(f"early_stop_fn must be None or callable, but got {early_stop_fn!r}.")
    if trials is not None and not isinstance(trials, Trials):
        raise TypeError(f"trials must be None or a skopt_hp Trials, but got {trials!r}.")
    return int(max_evals)


class _KwargsObjective:
    """``fn(**point)`` for ``space="annotated"`` (a class, so that it pickles)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, point: Mapping[str, Any]) -> Any:
        return self.fn(**point)


def _annotated_space(fn: Callable[..., Any]) -> dict[str, Any]:
    """hyperopt's ``space="annotated"``: the space is ``fn``'s argument annotations."""
    annotations = dict(getattr(inspect.unwrap(fn), "__annotations__", None) or {})
    annotations.pop("return", None)
    if not annotations:
        raise InvalidAnnotatedParameter(
            'space="annotated" reads the space from the objective\'s annotations '
            "(def fn(x: hp.uniform('x', -1, 1)): ...), but fn has none."
        )
    for name, expr in annotations.items():
        if not isinstance(expr, Expr):
            raise InvalidAnnotatedParameter(
                f'space="annotated": the argument {name!r} of fn is annotated with {expr!r}, '
                "not an hp expression (with `from __future__ import annotations`, annotations "
                "are strings and cannot be used)."
            )
    return annotations


class _Stop(Exception):
    """Internal signal: a stopping rule fired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def fmin(
    fn: Callable[[Any], Any],
    space: Any,
    algo: Any = None,
    max_evals: int | None = None,
    timeout: float | None = None,
    loss_threshold: float | None = None,
    trials: Trials | None = None,
    rstate: np.random.Generator | int | None = None,
    allow_trials_fmin: bool = True,
    pass_expr_memo_ctrl: Any = None,
    catch_eval_exceptions: bool = False,
    verbose: bool = False,
    return_argmin: bool = True,
    points_to_evaluate: Sequence[Mapping[str, Any]] | None = None,
    max_queue_len: int = 1,
    show_progressbar: bool | Callable[..., Any] = True,
    early_stop_fn: Callable[..., tuple[bool, Any]] | None = None,
    trials_save_file: str = "",
    *,
    trial_timeout: float | None = None,
    mlflow_logging: bool | None = None,
) -> Any:
    """Minimise ``fn`` over ``space``, with hyperopt's semantics.

    Parameters
    ----------
    fn : callable
        The objective. It receives ``space_eval(space, point)`` (a single
        value when ``space`` is a single expression) and returns a loss, or a
        dict with ``"loss"`` and ``"status"`` (``STATUS_OK``, ``STATUS_FAIL``
        ...) plus any other keys, which are kept in the trial's result.
    space : object
        The search space (``hp`` expressions in dicts, lists, tuples), or
        ``"annotated"``: the space is then read from ``fn``'s argument
        annotations (``def fn(x: hp.uniform("x", 0, 1)): ...``), and ``fn``
        is called with keyword arguments.
    algo : callable, str or Sampler, default=None
        ``tpe.suggest`` (the default), ``rand.suggest``, a
        ``functools.partial`` of them, ``"tpe"``/``"rand"`` or a sampler.
    max_evals : int, default=None
        Total number of trials, counting those already in ``trials``, so a
        second call with the same ``trials`` continues the search. As in
        hyperopt, the trials already there count as ``len(trials)`` does
        (failed and cancelled ones are not counted), and every trial this
        call makes counts, failed ones included. ``None``
        means no limit (then give ``timeout``, ``loss_threshold`` or
        ``early_stop_fn``).
    timeout : float, default=None
        Seconds after which no new trial starts.
    loss_threshold : float, default=None
        Stop once the best loss is at or below this value.
    trials : Trials, default=None
        Where trials are recorded; a new ``Trials`` when ``None``. Its trials
        in state ``NEW`` (from
        :func:`~skopt_hp.fmin.generate_trials_to_calculate`) are evaluated
        first and count towards ``max_evals``.
    rstate : numpy.random.Generator or int, default=None
        Source of randomness; the same seed gives the same trials.
    allow_trials_fmin : bool, default=True
        Let ``trials`` say where its trials run (``SparkTrials`` runs them as
        Spark tasks, see :meth:`Trials.executor_for`); ``False`` evaluates
        them in this process whatever ``trials`` is.
    pass_expr_memo_ctrl : None
        Not supported (hyperopt's pyll internals); must be ``None``/False.
    catch_eval_exceptions : bool, default=False
        Record an exception raised by ``fn`` as a failed trial (state
        ``ERROR``, with its traceback text; left out of ``len(trials)`` and
        ``trials.trials``, as in hyperopt) and go on. Otherwise the exception
        propagates after the finished trials and that failed one have been
        kept (and saved).
    verbose : bool, default=False
        Log progress messages at INFO level.
    return_argmin : bool, default=True
        Return the best point (choice *indices*); ``False`` returns
        ``space_eval(space, best point)``, or ``None`` when no trial
        succeeded (as hyperopt).
    points_to_evaluate : list of dict, default=None
        Points (label → value, choice indices) evaluated first when
        ``trials`` is empty. They are validated before anything runs.
    max_queue_len : int, default=1
        Points proposed jointly per ask (the sampler treats earlier ones of
        the batch as pending).
    show_progressbar : bool or callable, default=True
        A tqdm bar with the best loss, shown on an interactive terminal; a
        callable returning a context manager may supply the bar.
    early_stop_fn : callable, default=None
        ``early_stop_fn(trials, *args) -> (stop, args)``, called after each
        trial (see :func:`skopt_hp.early_stop.no_progress_loss`).
    trials_save_file : str or os.PathLike, default=""
        A JSON-lines journal of the finished trials; when it exists, the
        search resumes from it. Its directory must exist. The run rewrites it
        compacted (atomically) when it starts, appends one line per finished
        trial, written before the next trial starts, so killing the process
        loses no finished trial, and locks it until it ends: a second search
        on the same file is refused. Files of the earlier whole-file format
        are read and rewritten as journals. Durability on power loss and the
        format: see ``docs/reliability.md`` and :mod:`skopt_hp._persist`.
    trial_timeout : float, default=None
        Seconds one trial may run. When set, each trial runs in a worker
        process (loky, joblib's process pool), so ``fn`` and ``space`` must
        pickle (cloudpickle). A trial still running after ``trial_timeout``
        seconds has its worker killed and is recorded as failed ("timed out
        after ... s"); a trial whose worker dies (``os._exit``, a crash, the
        out-of-memory killer) is recorded as failed too, and the search goes
        on in a new worker, whatever ``catch_eval_exceptions`` says. With
        ``timeout``, a trial running when the search's time is up is
        cancelled (state ``CANCEL``) instead of finishing. Not supported with
        ``SparkTrials``.
    mlflow_logging : bool, default=None
        Log the search to MLflow: one parent run (settings, the space as an
        artifact, best loss and parameters) and one nested run per trial (its
        active parameters, ``loss`` and the result's other numbers, status,
        error). ``None`` follows :func:`skopt_hp.autolog`; ``False`` never
        logs. Logging happens in this process, in batches, from a background
        thread (trials on Spark executors never contact the tracking server).
        Needs ``pip install "skopt_hp[mlflow]"``; see ``docs/mlflow.md``.

    Returns
    -------
    dict or object
        The best point found (see ``return_argmin``).

    Raises
    ------
    AllTrialsFailed
        When no trial succeeded and the argmin is asked for
        (``return_argmin=True``).

    InvalidResultStatus, InvalidLoss
        When ``fn`` returns something other than a number or a dict with a
        valid ``status`` (and a numeric ``loss`` when ``status == "ok"``),
        unless ``catch_eval_exceptions`` is True: the trial is then recorded
        as failed (state ``ERROR``) with the reason, like any exception.

    Notes
    -----
    A ``KeyboardInterrupt`` ends the search: the trial in flight is dropped,
    every finished trial is kept (and saved), and the best point so far is
    returned. If no trial has succeeded, the interrupt is re-raised.

    A NaN or infinite loss with ``status == "ok"`` cannot be ranked: the
    trial is kept with ``status == "fail"`` and a ``failure`` entry giving
    the reason, and the search goes on (hyperopt keeps such a trial "ok").

    Differences from hyperopt: ``points_to_evaluate`` are used whenever the
    trials are empty (hyperopt only when ``trials`` is None) and are ignored
    with a warning otherwise; ``verbose=False`` does not hide the progress
    bar (use ``show_progressbar=False``); ``loss_threshold`` stops at a best
    loss *at or below* the threshold.

    Examples
    --------
    >>> from skopt_hp import fmin, hp, tpe
    >>> best = fmin(lambda x: (x - 1) ** 2, hp.uniform("x", -5, 5), algo=tpe.suggest,
    ...             max_evals=30, rstate=0, show_progressbar=False)
    >>> round(best["x"])
    1
    """
    settings = check_settings(
        fn,
        space,
        algo=algo,
        max_evals=max_evals,
        timeout=timeout,
        loss_threshold=loss_threshold,
        trials=trials,
        rstate=rstate,
        pass_expr_memo_ctrl=pass_expr_memo_ctrl,
        catch_eval_exceptions=catch_eval_exceptions,
        verbose=verbose,
        return_argmin=return_argmin,
        points_to_evaluate=points_to_evaluate,
        max_queue_len=max_queue_len,
        show_progressbar=show_progressbar,
        early_stop_fn=early_stop_fn,
        trials_save_file=trials_save_file,
        trial_timeout=trial_timeout,
        mlflow_logging=mlflow_logging,
    )
    if trials is None:
        trials = Trials()
    executor = None
    if allow_trials_fmin:
        # Trials that run their trials elsewhere (SparkTrials) supply the executor and may
        # tighten the settings (their own timeout and loss threshold).
        settings, executor = trials.executor_for(settings)
        if executor is not None and settings.trial_timeout is not None:
            raise ValueError(
                f"trial_timeout={trial_timeout!r} is not supported with {type(trials).__name__}, "
                "whose trials do not run in fmin's worker process (SparkTrials: use its "
                "timeout, or cancel the Spark jobs)."
            )
    if executor is None:
        executor = _executor(settings.fn, settings.space, settings.trial_timeout)
    return _minimize(settings, trials, executor)


@dataclass(frozen=True)
class FminSettings:
    """The validated arguments of one :func:`fmin` call.

    ``fn`` and ``space`` are what the objective is evaluated with (for
    ``space="annotated"``, the annotations and a keyword-calling wrapper);
    ``compiled`` is the flattened space the sampler works on.
    """

    fn: Callable[[Any], Any]
    space: Any
    compiled: SearchSpace
    sampler: Any
    max_evals: int
    timeout: float | None
    loss_threshold: float | None
    rstate: Any
    rng: np.random.Generator
    catch_eval_exceptions: bool
    verbose: bool
    return_argmin: bool
    initial: np.ndarray | None
    max_queue_len: int
    show_progressbar: bool | Callable[..., Any]
    early_stop_fn: Callable[..., tuple[bool, Any]] | None
    trials_save_file: str
    trial_timeout: float | None
    mlflow_logging: bool | None

    def replace(self, **changes: Any) -> FminSettings:
        """A copy with ``changes`` (for ``Trials.executor_for`` overrides)."""
        return dataclasses.replace(self, **changes)


def check_settings(
    fn: Any,
    space: Any,
    *,
    algo: Any,
    max_evals: Any,
    timeout: Any,
    loss_threshold: Any,
    trials: Any,
    rstate: Any,
    pass_expr_memo_ctrl: Any,
    catch_eval_exceptions: bool,
    verbose: bool,
    return_argmin: bool,
    points_to_evaluate: Any,
    max_queue_len: Any,
    show_progressbar: Any,
    early_stop_fn: Any,
    trials_save_file: Any,
    trial_timeout: Any,
    mlflow_logging: Any,
) -> FminSettings:
    """Validate :func:`fmin`'s arguments, before anything expensive runs."""
    max_evals = _check_args(
        fn, max_evals, timeout, loss_threshold, max_queue_len, early_stop_fn, trials
    )
    if pass_expr_memo_ctrl:
        raise ValueError("pass_expr_memo_ctrl is not supported: skopt_hp has no pyll graphs.")
    _check_trial_timeout(trial_timeout)
    _tracking.check_switch(mlflow_logging)
    save_file = _check_save_file(trials_save_file)
    rng = _check_rstate(rstate)
    if isinstance(space, str) and space == "annotated":
        space = _annotated_space(fn)
        fn = _KwargsObjective(fn)
    sampler = resolve_algo("tpe" if algo is None else algo)
    compiled = SearchSpace(space)
    return FminSettings(
        fn=fn,
        space=space,
        compiled=compiled,
        sampler=sampler,
        max_evals=max_evals,
        timeout=timeout,
        loss_threshold=loss_threshold,
        rstate=rstate,
        rng=rng,
        catch_eval_exceptions=bool(catch_eval_exceptions),
        verbose=bool(verbose),
        return_argmin=bool(return_argmin),
        initial=_encode_points_to_evaluate(compiled, points_to_evaluate),
        max_queue_len=int(max_queue_len),
        show_progressbar=show_progressbar,
        early_stop_fn=early_stop_fn,
        trials_save_file=save_file,
        trial_timeout=None if trial_timeout is None else float(trial_timeout),
        mlflow_logging=mlflow_logging,
    )


def _check_trial_timeout(trial_timeout: Any) -> None:
    if trial_timeout is None:
        return
    if isinstance(trial_timeout, bool) or not isinstance(trial_timeout, numbers.Real):
        raise TypeError(
            "trial_timeout must be None or a number of seconds > 0, but got "
            f"{trial_timeout!r} of type {type(trial_timeout).__name__}."
        )
    if not (trial_timeout > 0 and math.isfinite(trial_timeout)):
        raise ValueError(
            f"trial_timeout must be None or a finite number of seconds > 0, but got "
            f"{trial_timeout!r}."
        )


def _executor(fn: Callable[[Any], Any], space: Any, trial_timeout: float | None) -> TrialExecutor:
    if trial_timeout is None:
        return SerialExecutor(fn, space)
    from ._process_executor import ProcessExecutor

    return ProcessExecutor(fn, space, float(trial_timeout))


def _minimize(settings: FminSettings, trials: Trials, executor: TrialExecutor) -> Any:
    """The search itself: resume, run the loop with ``executor``, return the best point.

    Trials are logged (``mlflow_logging``) here, in the driver, whatever the
    executor.
    """
    compiled = settings.compiled
    # Resumes from the file now (when ``trials`` is empty); the file is locked, compacted and
    # appended to while the run lasts (``with journal`` below).
    journal = RunJournal(settings.trials_save_file, compiled, trials)
    # Trials left running by an earlier interrupted run would count as pending forever; NEW
    # ones (generate_trials_to_calculate) are evaluated first, as points_to_evaluate are.
    queued = [t.params for t in trials.records if t.state == TrialState.NEW]
    try:
        queued_rows = compiled.encode(queued) if queued else None
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"trials: a trial in state NEW is not a point of the space: {exc}") from exc
    trials.bind(compiled)
    trials.remove_unfinished()
    initial = settings.initial
    if initial is not None and (trials.records or queued):
        logger.warning(
            "fmin: points_to_evaluate ignored: they are evaluated only when the trials are "
            "empty, and these hold %d trials.",
            len(trials.records) + len(queued),
        )
        initial = None
    if queued_rows is not None:
        initial = queued_rows

    # Before the run's clock starts: importing MLflow and opening its store take seconds.
    tracking = _tracking.start_session(
        settings.mlflow_logging,
        lambda: fmin_info(
            settings.fn,
            compiled,
            sampler=settings.sampler,
            trials=trials,
            capacity=executor.capacity,
            max_evals=settings.max_evals,
            timeout=settings.timeout,
            loss_threshold=settings.loss_threshold,
            max_queue_len=settings.max_queue_len,
            rstate=settings.rstate,
            early_stop_fn=settings.early_stop_fn,
            catch_eval_exceptions=settings.catch_eval_exceptions,
        ),
    )
    run = _Run(settings, trials, executor, tracking, journal)
    with journal, _tracking.tracked(tracking, run.tracking_outcome):
        run.execute(initial)

    try:
        argmin = trials.argmin
    except AllTrialsFailed:
        if settings.return_argmin:
            raise
        return None
    return argmin if settings.return_argmin else space_eval(settings.space, argmin)


# ---------------------------------------------------------------------------
# Executors: where trials run
# ---------------------------------------------------------------------------
class TrialOutcome(Protocol):
    """What a finished trial's future holds (:class:`~skopt_hp._evaluate.Outcome` is one).

    ``error`` is ``None`` on success (then ``result`` is the normalised
    result); otherwise ``failure`` is the ``{"type", "message"}`` record
    stored in the failed trial and ``traceback`` its text. An outcome may
    also have a true ``always_catch`` attribute: a failure of the machinery
    (a time limit, a dead worker), recorded as a failed trial even when
    ``catch_eval_exceptions`` is False.
    """

    @property
    def result(self) -> dict[str, Any] | None: ...

    @property
    def error(self) -> BaseException | None: ...

    @property
    def traceback(self) -> str | None: ...

    @property
    def failure(self) -> dict[str, Any]: ...


class TrialExecutor(Protocol):
    """Runs started trials for the ``fmin`` loop.

    The loop keeps at most ``capacity`` trials running. ``submit`` returns a
    future resolving to a :class:`TrialOutcome` (failures of the objective
    are outcomes, not exceptions of the future). ``cancel`` asks running
    trials to stop; their futures must then complete soon (with any outcome:
    a failed one is recorded as cancelled); it is called again every
    ``CANCEL_POLL`` seconds until they do, so it must be idempotent. ``close``
    releases resources and is called once, when the loop ends.
    """

    capacity: int
    #: Record a failing objective and go on even when ``catch_eval_exceptions`` is False.
    always_catch: bool

    def submit(self, trial: Trial) -> Future[Any]: ...

    def cancel(self, trials: Sequence[Trial], reason: str) -> None: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Evaluates each trial in ``submit``, in the calling thread (plain ``fmin``)."""

    capacity = 1
    always_catch = False
    #: ``submit`` returns finished futures: the loop need not wait for them.
    completes_on_submit = True

    def __init__(self, fn: Callable[[Any], Any], space: Any) -> None:
        self.fn = fn
        self.space = space

    def submit(self, trial: Trial) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(evaluate(self.fn, self.space, trial.params))
        return future

    def cancel(self, trials: Sequence[Trial], reason: str) -> None:
        # Nothing is ever running: submit returns finished futures.
        pass

    def close(self) -> None:
        pass


class _Run:
    """One call of ``fmin``: the loop and its stopping rules.

    Trials are proposed when a slot of the executor is free, so a parallel
    executor's sampler sees the running trials as pending (constant liar),
    and results are recorded, checked against the stopping rules and saved
    in the calling thread, one by one, as they arrive. Nothing here scans
    all trials: the best loss and the sampler's observations come from the
    ``Trials`` store, which keeps them up to date. The clock, the best loss,
    the progress bar and the tracking of finished trials are the
    :class:`~skopt_hp._loop.RunMonitor`'s, as in ``HyperoptSearchCV``.
    """

    #: Seconds to wait for cancelled trials to report back before recording them cancelled.
    CANCEL_GRACE = 30.0
    #: Seconds between repeated cancellation requests while waiting.
    CANCEL_POLL = 0.25

    def __init__(
        self,
        settings: FminSettings,
        trials: Trials,
        executor: TrialExecutor,
        tracking: _tracking.TrackingSession | None,
        journal: Any,
    ) -> None:
        self.settings = settings
        self.journal = journal
        self.trials = trials
        self.executor = executor
        compiled = settings.compiled
        max_evals = settings.max_evals
        # max_evals counts, as hyperopt's, the trials hyperopt shows when the call starts (not
        # failed or cancelled ones) plus every trial this call creates: the records may reach
        # max_evals plus the earlier runs' failed and cancelled trials.
        max_records = max_evals + len(trials.records) - len(trials)
        self.monitor = RunMonitor(
            trials,
            Budget(
                max_trials=None if max_evals == _NO_LIMIT else max_records,
                timeout=settings.timeout,
                loss_threshold=settings.loss_threshold,
            ),
            tracking=tracking,
            record_of=lambda trial: fmin_trial_record(trial, compiled),
        )
        self.catch = settings.catch_eval_exceptions
        self.early_stop_args: list[Any] = []
        self.queue: deque[Trial] = deque()
        self.running: dict[Future[Any], Trial] = {}
        # Finished trials in the order they finished (earlier runs' first).
        self.completed: list[Trial] = [t for t in trials.records if t.is_finished]
        self.stop_reason: str | None = None
        # What early_stop_fn sees while trials finish out of order (see _finished_view).
        self._view: Trials | None = None

    def execute(self, initial: np.ndarray | None) -> None:
        trials, settings, monitor = self.trials, self.settings, self.monitor
        n_records = len(trials.records)
        total = monitor.budget.max_trials
        show = settings.show_progressbar
        with progress_bar(show, total=total, initial=min(n_records, total or n_records)) as bar:
            monitor.progress = bar
            try:
                if initial is not None:
                    initial = initial[: monitor.trials_left()]
                    self.queue.extend(
                        trials.new_trial(p, z=z)
                        for p, z in zip(settings.compiled.decode(initial), initial, strict=True)
                    )
                self._loop()
                self.stop_reason = "max_evals"
            except _Stop as stop:
                self.stop_reason = stop.reason
                if stop.reason == "timeout":
                    logger.info("fmin: timeout of %s s reached.", settings.timeout)
                self._cancel_running(stop.reason)
            except KeyboardInterrupt as interrupt:
                self.stop_reason = "interrupted"
                self._cancel_running("interrupted", record=False)
                monitor.keep_finished("fmin", interrupt)
                self._save()
                if trials.best_loss is None:
                    raise
            finally:
                if self.running:  # an unexpected error: stop what still runs
                    self._cancel_running("fmin raised", record=False)
                self.executor.close()
                trials.remove_unfinished()

    def _loop(self) -> None:
        trials, executor, settings, monitor = (
            self.trials,
            self.executor,
            self.settings,
            self.monitor,
        )
        immediate = getattr(executor, "completes_on_submit", False)
        while True:
            while len(self.running) < executor.capacity:
                if monitor.out_of_time():
                    raise _Stop("timeout")
                if not self.queue:
                    free = executor.capacity - len(self.running)
                    n = min(max(settings.max_queue_len, free), monitor.trials_left())
                    if n <= 0:
                        break
                    seed = int(settings.rng.integers(2**31 - 1))
                    self.queue.extend(
                        ask(
                            settings.sampler,
                            settings.compiled,
                            trials,
                            n,
                            np.random.default_rng(seed),
                        )
                    )
                trial = self.queue.popleft()
                trials.start(trial)
                self.running[executor.submit(trial)] = trial
            if not self.running:
                return
            if immediate:
                done = list(self.running)  # finished when submit returned
            else:
                done, _ = wait(
                    self.running, timeout=monitor.time_left(), return_when=FIRST_COMPLETED
                )
                if not done:
                    raise _Stop("timeout")
                # Record in trial order, so that a serial run's order is kept.
                done = sorted(done, key=lambda f: self.running[f].tid)
            for future in done:
                trial = self.running.pop(future)
                self._record(trial, future.result())
                monitor.report(1)
                if settings.verbose:
                    logger.info(
                        "trial %d: %s (best loss %s)", trial.tid, trial.result, monitor.best_loss
                    )
                self._check_stop()

    def _finished(self, trial: Trial) -> None:
        self.completed.append(trial)
        self.monitor.finished([trial])
        if self._view is not None:
            self._view.extend([trial])

    def _record(self, trial: Trial, outcome: TrialOutcome, *, save: bool = True) -> None:
        trials = self.trials
        if outcome.error is None:
            trials.complete(trial, outcome.result)
            self._finished(trial)
        elif (
            self.catch
            or self.executor.always_catch
            or getattr(outcome, "always_catch", False)
            or not save
        ):
            failure = outcome.failure
            logger.error(
                "Trial %d raised %s: %s; recorded as failed.",
                trial.tid,
                failure["type"],
                failure["message"],
            )
            trials.fail(
                trial, failure["message"], traceback=outcome.traceback, exc_type=failure["type"]
            )
            self._finished(trial)
        else:
            # Kept as a failed trial before the error propagates, as hyperopt keeps it
            # (hidden from len(trials) and trials.trials, in trials.records).
            failure = outcome.failure
            trials.fail(
                trial, failure["message"], traceback=outcome.traceback, exc_type=failure["type"]
            )
            self._finished(trial)
            self._save()
            raise outcome.error
        if save:
            self._save()

    def _cancel_running(self, reason: str, *, record: bool = True) -> None:
        """Stop the running trials; with ``record``, keep them as cancelled trials.

        A trial that finished before the cancellation took effect keeps its
        result.
        """
        self.queue.clear()
        if not self.running:
            return
        finished = {future for future in self.running if future.done()}
        pending = {f: t for f, t in self.running.items() if f not in finished}
        if pending:
            logger.info("fmin: cancelling %d running trial(s): %s.", len(pending), reason)
        deadline = time.monotonic() + self.CANCEL_GRACE
        while pending:
            # Repeated until the futures complete: a parallel executor's task may have been
            # submitted just after the previous request, which then missed it.
            self.executor.cancel(list(pending.values()), reason)
            left = deadline - time.monotonic()
            done, _ = wait(pending, timeout=min(self.CANCEL_POLL, max(left, 0.0)))
            for future in done:
                del pending[future]
            if left <= 0:
                logger.warning(
                    "fmin: %d cancelled trial(s) still running after %s s; not waiting longer.",
                    len(pending),
                    self.CANCEL_GRACE,
                )
                break
        if record:
            for future, trial in sorted(self.running.items(), key=lambda item: item[1].tid):
                outcome = future.result() if future.done() else None
                if outcome is not None and (future in finished or outcome.error is None):
                    # Finished before the cancellation took effect: a real result.
                    self._record(trial, outcome, save=False)
                else:
                    self.trials.cancel(trial, f"cancelled: {reason}")
                    self._finished(trial)
        self.running.clear()
        if record:
            self._save()

    def tracking_outcome(self, error: BaseException | None) -> _tracking.SearchOutcome:
        """Log the last trials (cancelled ones too); describe how the search ended."""
        self.monitor.flush_tracking()
        return fmin_outcome(self.trials, self.settings.compiled, error, self.stop_reason)

    def _check_stop(self) -> None:
        reason = self.monitor.results_say_stop()
        if reason is not None:
            logger.info("fmin: loss threshold %s reached.", self.settings.loss_threshold)
            raise _Stop(reason)
        early_stop_fn = self.settings.early_stop_fn
        if early_stop_fn is not None:
            stop, args = early_stop_fn(self._finished_view(), *self.early_stop_args)
            self.early_stop_args = list(args) if args is not None else []
            if stop:
                logger.info("fmin: early_stop_fn asked to stop.")
                raise _Stop("early_stop_fn asked to stop")

    def _finished_view(self) -> Trials:
        """What ``early_stop_fn`` sees: the finished trials, the one just finished last.

        Stopping rules read the last trial (``trials.trials[-1]``, as hyperopt's
        ``no_progress_loss``). While other trials are queued or running, the last
        record is not the one that just finished, so the rule gets a plain
        ``Trials`` holding the finished records in completion order instead,
        kept from then on and extended as trials finish.
        """
        trials, completed = self.trials, self.completed
        if self._view is None:
            if len(completed) == len(trials.records) and (
                not completed or trials.records[-1] is completed[-1]
            ):
                return trials
            self._view = Trials()
            self._view.bind(self.settings.compiled)
            self._view.extend(completed)
        return self._view

    def _save(self) -> None:
        # One line per trial finished since the last call (nothing without a save file).
        self.journal.append(self.completed)


# Trials.fmin (hyperopt's API) runs this loop; the store below it cannot import it.
provide(fmin=fmin)
