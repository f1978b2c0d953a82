"""Apache Spark integration: ``fmin`` trials as Spark tasks, and a joblib backend.

Install with ``pip install "skopt_hp[spark]"`` (pyspark, joblibspark); Spark
needs a Java runtime (17 or 21).

* :class:`SparkTrials` — pass it to :func:`skopt_hp.fmin` to run up to
  ``parallelism`` trials at once, each as one Spark task, as with hyperopt's
  ``SparkTrials``.
* :func:`spark_backend` — a context manager under which scikit-learn (and so
  :class:`~skopt_hp.HyperoptSearchCV`) runs its fits on Spark, through a fixed
  joblibspark backend that also sends large arrays once per search.
  :func:`register_spark` makes ``joblib.parallel_backend("spark")`` use it.
* :func:`get_spark_session` — the active session, or an embedded local one.

Both run on a classic session and on a Spark Connect session
(``SparkSession.builder.remote(...)``; Databricks serverless compute and
shared-access clusters), which has no ``SparkContext``: there, trials and
fits run through ``mapInArrow`` jobs, are cancelled through job tags, and
what a search sends once travels as a session file artifact instead of a
broadcast (see ``docs/spark.md``).

Importing this module does not import pyspark; using it without pyspark
raises an ``ImportError`` with the install command. See ``docs/spark.md``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import numbers
import pickle
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any

from .._evaluate import RemoteOutcome
from .._search import provide_joblibspark_fix
from .._trials import Trial, Trials, TrialState
from ._spark_session import (
    DEFAULT_BROADCAST_THRESHOLD,
    default_parallelism,
    get_spark_session,
    is_connect,
)
from ._spark_session import require as _require

__all__ = [
    "SparkTrials",
    "get_spark_session",
    "register_spark",
    "spark_backend",
]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# SparkTrials
# ---------------------------------------------------------------------------
def _spark_failure(exc: BaseException) -> RemoteOutcome:
    """The outcome of a trial whose Spark job failed (executor lost, job cancelled...)."""
    text = str(exc)
    # Keep the readable head of a Java error: no stack frames, no py4j call prefix.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head = [line for line in lines if not line.startswith(("at ", "An error occurred while"))]
    message = " ".join(head[:3]).lstrip(": ")[:2000] or type(exc).__name__
    return RemoteOutcome(None, {"type": type(exc).__name__, "message": message, "traceback": text})


class _SparkExecutor:
    """Runs each trial as a one-task Spark job, from a driver thread of its own.

    Each trial's job has its own job group (a job tag on Spark Connect), so
    it can be cancelled alone; ``(fn, space)`` is sent to the executors once
    per ``fmin`` call (a broadcast, or a Spark Connect artifact) rather than
    with every task.
    """

    always_catch = True

    def __init__(
        self,
        session: Any,
        fn: Callable[[Any], Any],
        space: Any,
        capacity: int,
        *,
        trials: SparkTrials,
    ) -> None:
        from ._spark_jobs import jobs_for

        self.capacity = capacity
        self._trials = trials
        self._jobs = jobs_for(session)
        self._payload = (fn, space)
        self._objective: Any = None
        self._prefix = f"skopt_hp-trial-{uuid.uuid4().hex[:12]}"
        self._threads: list[threading.Thread] = []
        self._cancelled: set[int] = set()

    def _group(self, trial: Trial) -> str:
        return f"{self._prefix}-{trial.tid}"

    def submit(self, trial: Trial) -> Future[Any]:
        from ._spark_tasks import run_trial

        jobs = self._jobs
        if self._objective is None:
            # Sent on first use: fmin has validated its arguments by then.
            try:
                self._objective = jobs.share(self._payload)
            except Exception as exc:
                raise TypeError(
                    "SparkTrials sends the objective `fn` and `space` to the executors, but "
                    f"they cannot be pickled: {type(exc).__name__}: {exc}"
                ) from exc
        future: Future[Any] = Future()
        future.set_running_or_notify_cancel()
        task = functools.partial(run_trial, self._objective, dict(trial.params))
        group, cancelled, tid = self._group(trial), self._cancelled, trial.tid

        def run() -> None:
            try:
                if tid in cancelled:
                    raise RuntimeError("cancelled before its Spark job started")
                record = pickle.loads(jobs.run(task, group, f"skopt_hp trial {tid}"))
                outcome = RemoteOutcome(record["result"], record["failure"])
            except BaseException as exc:  # noqa: BLE001 - reported as the trial's outcome
                outcome = _spark_failure(exc)
            future.set_result(outcome)

        thread = threading.Thread(
            target=jobs.thread_target(run), name=f"skopt_hp-{group}", daemon=True
        )
        thread.start()
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        return future

    def cancel(self, trials: Sequence[Trial], reason: str) -> None:
        self._trials.fmin_cancelled_reason = reason
        for trial in trials:
            self._cancelled.add(trial.tid)
            self._jobs.cancel(self._group(trial))

    def close(self) -> None:
        for thread in self._threads:
            thread.join(timeout=10.0)
        self._threads = []
        trials = self._trials
        logger.info(
            "SparkTrials: %d trials: %d succeeded, %d failed, %d cancelled.",
            trials.count_total_trials(),
            trials.count_successful_trials(),
            trials.count_failed_trials(),
            trials.count_cancelled_trials(),
        )
        objective, self._objective = self._objective, None
        if objective is not None:
            self._jobs.release(objective)


def _check_session(session: Any) -> None:
    if session is None or is_connect(session):
        return
    if not (hasattr(session, "sparkContext") and hasattr(session, "createDataFrame")):
        raise TypeError(
            "spark_session must be None or a SparkSession (classic or Spark Connect), but got "
            f"{session!r}."
        )


def _check_parallelism(parallelism: Any) -> None:
    if parallelism is None:
        return
    if (
        isinstance(parallelism, bool)
        or not isinstance(parallelism, numbers.Integral)
        or parallelism < 1
    ):
        raise ValueError(
            "parallelism must be None (Spark's default parallelism) or an int >= 1, but got "
            f"{parallelism!r}."
        )


def _check_timeout(timeout: Any) -> None:
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout > 0
    ):
        raise ValueError(f"timeout must be None or a number of seconds > 0, but got {timeout!r}.")


def _check_loss_threshold(loss_threshold: Any) -> None:
    if loss_threshold is not None and (
        isinstance(loss_threshold, bool) or not isinstance(loss_threshold, numbers.Real)
    ):
        raise TypeError(f"loss_threshold must be None or a number, but got {loss_threshold!r}.")


class SparkTrials(Trials):
    """Trials that ``fmin`` runs in parallel on Spark, one Spark task per trial.

    A drop-in for hyperopt's ``SparkTrials``: ``fmin(fn, space, algo,
    max_evals, trials=SparkTrials(parallelism=4))``. Up to ``parallelism``
    trials run at once; each new trial is proposed when a slot frees, with
    the running trials passed to the sampler as pending points (TPE's
    constant liar), so parallel trials explore different points. Results are
    recorded on the driver as they arrive, with the same structure as
    :class:`~skopt_hp.Trials`.

    Parameters
    ----------
    parallelism : int, optional
        Maximum number of trials running at once. ``None`` means the
        session's default parallelism (its number of task slots at start),
        at least 1. Capped at :attr:`MAX_CONCURRENT_JOBS_ALLOWED` (128).
        More parallelism finishes sooner but lets TPE adapt less: each trial
        is proposed knowing fewer results (see ``docs/spark.md``).
    timeout : float, optional
        Seconds after which ``fmin`` stops launching trials and cancels the
        running ones (recorded as ``CANCEL``), then returns the best result
        so far. When ``fmin`` is also given a timeout, the smaller one holds.
    loss_threshold : float, optional
        Stop (cancelling running trials) once a loss at or below it is
        found; ``fmin``'s ``loss_threshold`` takes precedence.
    spark_session : pyspark.sql.SparkSession, optional
        The session to run on, classic or Spark Connect; by default
        :func:`get_spark_session` (the active session, or an embedded
        ``local[N]`` one).

    Attributes
    ----------
    parallelism : int
        The parallelism in use.
    fmin_cancelled_reason : str or None
        Why the last ``fmin`` cancelled running trials (``"timeout"``,
        ``"loss threshold reached"``, ``"early_stop_fn asked to stop"``,
        ``"interrupted"``), or ``None``.

    Notes
    -----
    * A trial whose objective raises, or whose Spark task fails (its
      executor died, its result cannot be pickled), is recorded as failed
      (``TrialState.ERROR``, the error type, message and traceback in
      ``result["failure"]``) and the search goes on, whatever
      ``catch_eval_exceptions`` says: the driver cannot re-raise an
      exception that lives on an executor.
    * ``fn`` and ``space`` are pickled (cloudpickle) and sent once per
      ``fmin`` call (a broadcast; on Spark Connect, a file artifact of the
      session, which lasts as long as the session); they must not use Spark
      themselves (a session is only available on the driver). To tune a
      Spark ML model, whose training is already distributed, use plain
      :class:`~skopt_hp.Trials`.
    * The objective's return value must be picklable (it is sent back to the
      driver); other keys of a result dict are kept as with ``Trials``.
    * ``KeyboardInterrupt`` cancels the running Spark jobs, keeps the
      finished trials and returns the best point, as ``fmin`` does.
    * ``early_stop_fn`` is called after each finished trial with the
      finished trials in the order they finished (a plain ``Trials`` while
      others are still running), so rules that read the last trial, such as
      :func:`skopt_hp.early_stop.no_progress_loss`, see the one that just
      finished.
    * Executors must be able to import skopt_hp (and whatever ``fn``
      imports). Logging happens on the driver only.

    Examples
    --------
    >>> from skopt_hp import fmin, hp, tpe
    >>> from skopt_hp.integrations.spark import SparkTrials
    >>> trials = SparkTrials(parallelism=2)  # doctest: +SKIP
    >>> best = fmin(lambda x: (x - 1) ** 2, hp.uniform("x", -5, 5), algo=tpe.suggest,
    ...             max_evals=20, trials=trials)  # doctest: +SKIP
    """

    #: Hard cap on ``parallelism`` (as hyperopt's): one driver thread and Spark job per trial.
    MAX_CONCURRENT_JOBS_ALLOWED = 128

    def __init__(
        self,
        parallelism: int | None = None,
        timeout: float | None = None,
        loss_threshold: float | None = None,
        spark_session: Any = None,
    ) -> None:
        _check_parallelism(parallelism)
        _check_timeout(timeout)
        _check_loss_threshold(loss_threshold)
        _check_session(spark_session)
        super().__init__()
        self._spark = spark_session if spark_session is not None else get_spark_session()
        # Given a parallelism, the default only decides a warning: on Spark Connect, where
        # reading it costs a job, the number found for this session before will do.
        default = default_parallelism(self._spark, fresh=parallelism is None)
        self.user_specified_parallelism = parallelism
        self.parallelism = self._decide_parallelism(parallelism, default)
        self.timeout = timeout
        self.loss_threshold = loss_threshold
        self.fmin_cancelled_reason: str | None = None

    @classmethod
    def _decide_parallelism(cls, requested: int | None, default: int) -> int:
        parallelism = default if requested is None else int(requested)
        if parallelism > cls.MAX_CONCURRENT_JOBS_ALLOWED:
            logger.warning(
                "SparkTrials: parallelism %d is capped at %d.",
                parallelism,
                cls.MAX_CONCURRENT_JOBS_ALLOWED,
            )
            parallelism = cls.MAX_CONCURRENT_JOBS_ALLOWED
        if parallelism > default:
            logger.warning(
                "SparkTrials: parallelism %d exceeds the session's default parallelism %d; "
                "trials beyond the free task slots wait for one (unless the cluster scales up).",
                parallelism,
                default,
            )
        return parallelism

    @property
    def spark_session(self) -> Any:
        """The SparkSession trials run on."""
        if self._spark is None:  # after unpickling
            self._spark = get_spark_session()
        return self._spark

    def __getstate__(self) -> dict[str, Any]:
        # A SparkSession cannot be pickled; the trials can (as hyperopt users pickle Trials).
        state = self.__dict__.copy()
        state["_spark"] = None
        return state

    def __repr__(self) -> str:
        text = super().__repr__()
        return text.replace("Trials(", f"SparkTrials(parallelism={self.parallelism}, ", 1)

    # -- hyperopt's counters -------------------------------------------------------
    def _count(self, *states: TrialState) -> int:
        return self.count(*states)

    def count_successful_trials(self) -> int:
        """Trials that finished (``DONE``), whatever their result's status."""
        return self._count(TrialState.DONE)

    def count_failed_trials(self) -> int:
        """Trials whose objective raised or whose Spark task failed (``ERROR``)."""
        return self._count(TrialState.ERROR)

    def count_cancelled_trials(self) -> int:
        """Trials cancelled by a timeout, a stopping rule or an interrupt (``CANCEL``)."""
        return self._count(TrialState.CANCEL)

    def count_total_trials(self) -> int:
        """Finished trials of any kind."""
        return self._count(TrialState.DONE, TrialState.ERROR, TrialState.CANCEL)

    def delete_all(self) -> None:
        super().delete_all()
        self.fmin_cancelled_reason = None

    # -- the search ------------------------------------------------------------------
    def executor_for(self, settings: Any) -> tuple[Any, Any]:
        """Run ``fmin``'s trials as Spark tasks (called by :func:`skopt_hp.fmin`).

        The smaller of ``fmin``'s and these trials' ``timeout`` holds, and
        ``fmin``'s ``loss_threshold`` takes precedence over these trials'. A
        failing objective is recorded as a failed trial whatever
        ``catch_eval_exceptions`` says (the driver cannot re-raise an
        exception that lives on an executor). ``max_queue_len`` is the
        smallest number of points proposed per ask (when several slots are
        free, as many points as free slots are proposed jointly).
        """
        limits = [t for t in (settings.timeout, self.timeout) if t is not None]
        threshold = settings.loss_threshold
        settings = settings.replace(
            timeout=min(limits) if limits else None,
            loss_threshold=threshold if threshold is not None else self.loss_threshold,
        )
        self.fmin_cancelled_reason = None
        executor = _SparkExecutor(
            self.spark_session, settings.fn, settings.space, self.parallelism, trials=self
        )
        logger.info("SparkTrials: running up to %d trials at once.", self.parallelism)
        return settings, executor


# ---------------------------------------------------------------------------
# joblib backend for scikit-learn / HyperoptSearchCV
# ---------------------------------------------------------------------------
def register_spark() -> None:
    """Register skopt_hp's fixed Spark backend as joblib's ``"spark"`` backend.

    After this, ``with joblib.parallel_backend("spark", n_jobs=4):`` (or
    ``joblib.parallel_config(backend="spark")``) runs scikit-learn's fits on
    Spark with the fixes described in :func:`spark_backend`, for any joblib
    code. Under joblibspark's own registration (``joblibspark.register_spark``),
    ``HyperoptSearchCV.fit`` switches to the fixed backend by itself; other
    joblib code then runs on joblibspark's.
    """
    _require("pyspark")
    _require("joblibspark")
    from joblib import register_parallel_backend

    from ._spark_backend import SparkBackend

    register_parallel_backend("spark", SparkBackend)


@contextlib.contextmanager
def spark_backend(
    n_jobs: int | None = None,
    *,
    spark_session: Any = None,
    broadcast_threshold: int | None = DEFAULT_BROADCAST_THRESHOLD,
) -> Iterator[Any]:
    """Run joblib's parallel work (scikit-learn's fits) on Spark within the block.

    ``HyperoptSearchCV(...).fit(X, y)`` inside the block runs each round's
    cross-validation fits as Spark tasks. The backend is joblibspark's, with
    its defects fixed:

    * an exception raised by a fit reaches the driver as itself (type and
      message, with the remote traceback as its cause), not as
      ``TypeError: '_ExceptionWithTraceback' object is not iterable``;
    * ``error_score="raise"`` raises the estimator's error (joblibspark
      raised an ``AttributeError`` on joblib >= 1.4);
    * no warning per batch;
    * arrays of ``broadcast_threshold`` bytes or more (``X``, ``y``, the
      folds' indices; numpy, pandas or scipy.sparse) are sent to the
      executors once per search, as Spark broadcasts (file artifacts of the
      session on Spark Connect), instead of with every task.

    The same fixes apply, without this context, when ``HyperoptSearchCV.fit``
    runs under joblibspark's own ``"spark"`` backend
    (``joblibspark.register_spark()``).

    Parameters
    ----------
    n_jobs : int, optional
        Number of Spark tasks running at once (``-1``: the cluster's task
        slots). ``None`` uses the session's default parallelism.
        Estimators' own ``n_jobs`` (e.g. ``HyperoptSearchCV(n_jobs=...)``)
        override it, as with any joblib backend.
    spark_session : pyspark.sql.SparkSession, optional
        Classic or Spark Connect; by default :func:`get_spark_session`.
    broadcast_threshold : int or None, default=65536 (64 KiB)
        Size in bytes from which an array is sent once; ``None`` ships every
        array inside the tasks, as joblibspark does.

    Yields
    ------
    SparkBackend
        The backend instance. Its ``n_broadcasts`` counts the arrays sent
        once (broadcasts or artifacts) and ``task_bytes`` the bytes of
        pickled batches shipped in Spark jobs, within the block. Broadcasts are released when each
        ``Parallel`` call (each ``fit``) ends.

    Examples
    --------
    >>> from skopt_hp.integrations.spark import spark_backend
    >>> with spark_backend(n_jobs=2):  # doctest: +SKIP
    ...     search.fit(X, y)
    """
    _require("pyspark")
    _require("joblibspark")
    import joblib

    from ._spark_backend import SparkBackend, filter_noise

    session = spark_session if spark_session is not None else get_spark_session()
    backend = SparkBackend(broadcast_threshold=broadcast_threshold, spark_session=session)
    if n_jobs is None:
        n_jobs = default_parallelism(session)
    with warnings.catch_warnings():
        filter_noise()
        with joblib.parallel_config(backend=backend, n_jobs=n_jobs):
            yield backend


def _replacing_joblibspark() -> contextlib.AbstractContextManager[Any]:
    # Imports joblibspark and pyspark: called only once the user imported joblibspark.
    from ._spark_backend import replacing_joblibspark

    return replacing_joblibspark()


# HyperoptSearchCV.fit, below this module, runs under joblibspark's own backend with the fixes.
provide_joblibspark_fix(_replacing_joblibspark)
