"""Evaluating ``fmin`` trials in a worker process, with a per-trial time limit.

``fmin(trial_timeout=...)`` evaluates each trial with :class:`ProcessExecutor`
rather than in the calling thread. The objective then runs in a worker of
loky's reusable process pool (the one joblib uses), so that

* a trial running longer than ``trial_timeout`` seconds is stopped by killing
  its worker, and recorded as a failed trial ("timed out after X s");
* a trial whose process dies (``os._exit``, a segfault, the OOM killer's
  SIGKILL) costs that trial only: it is recorded as failed with the worker's
  exit code, and the next trial gets a new worker.

A thread cannot be stopped from outside in Python, which is why a time limit
needs a process. Only the objective runs there: proposals, recording and
checkpoints stay in the calling process, so the search is the same as with
the serial executor.
"""

from __future__ import annotations

import pickle
import threading
import traceback as _traceback
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future
from typing import Any

from ._evaluate import RemoteOutcome, evaluate
from ._trials import Trial

__all__ = ["ProcessExecutor"]

#: ``failure["type"]`` of a trial stopped by ``trial_timeout``.
TIMED_OUT = "TrialTimeout"
#: ``failure["type"]`` of a trial whose worker process died.
WORKER_DIED = "WorkerDied"


def _failed(kind: str, message: str, traceback: str | None = None) -> RemoteOutcome:
    record = {"type": kind, "message": message, "traceback": traceback}
    return RemoteOutcome(None, record, always_catch=True)


# -- in the worker ----------------------------------------------------------------------
# The objective of the last search this worker evaluated, so that a worker unpickles
# ``(fn, space)`` once per search rather than once per trial.
_CACHED: tuple[str, Any] | None = None


def _cloudpickle() -> Any:
    # joblib >= 1.5 depends on cloudpickle; older releases ship it in joblib.externals.
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - depends on the joblib release
        from joblib.externals import cloudpickle
    return cloudpickle


def _survives_pickling(value: Any) -> bool:
    try:
        pickle.loads(_cloudpickle().dumps(value))
    except Exception:  # noqa: BLE001 - any failure means "cannot be sent back"
        return False
    return True


def _evaluate_in_worker(key: str, payload: bytes, params: dict[str, Any]) -> RemoteOutcome:
    global _CACHED
    if _CACHED is None or _CACHED[0] != key:
        _CACHED = (key, pickle.loads(payload))
    fn, space = _CACHED[1]
    outcome = evaluate(fn, space, params)
    if outcome.error is not None:
        exc = outcome.error
        return RemoteOutcome(
            None,
            {"type": type(exc).__name__, "message": str(exc), "traceback": outcome.traceback},
            # An exception that cannot cross the process boundary is reported by its text.
            exc if _survives_pickling(exc) else None,
        )
    if not _survives_pickling(outcome.result):
        return _failed(
            "UnpicklableResult",
            "the objective's result cannot be sent back from the worker process (it does "
            f"not pickle): {outcome.result!r:.500}",
        )
    return RemoteOutcome(outcome.result)


def _warm_up() -> None:
    """A no-op task: waiting for it makes sure a worker is running."""


# -- in the calling process ---------------------------------------------------------------
def _death_message(exc: BaseException) -> str:
    text = str(exc)
    codes = [line.strip() for line in text.splitlines() if "exit codes" in line]
    detail = f" ({codes[0]})" if codes else ""
    return (
        "the worker process evaluating the trial died before returning a result"
        f"{detail}: {type(exc).__name__}"
    )


def _outcome_of(remote: Future[Any]) -> RemoteOutcome | BaseException:
    """What a finished loky future means for its trial (a KeyboardInterrupt is re-raised)."""
    from joblib.externals.loky.process_executor import BrokenProcessPool

    try:
        return remote.result()
    except KeyboardInterrupt as exc:
        return exc
    except (BrokenProcessPool, CancelledError) as exc:
        return _failed(WORKER_DIED, _death_message(exc))
    except Exception as exc:  # noqa: BLE001 - e.g. arguments that failed to reach the worker
        return _failed(
            type(exc).__name__,
            f"the trial could not be run in a worker process: {exc}",
            "".join(_traceback.format_exception(exc)),
        )


class ProcessExecutor:
    """Evaluates each trial in a loky worker process (one at a time).

    Parameters
    ----------
    fn : callable
        The objective; it and ``space`` are pickled with cloudpickle.
    space : object
        The user's search space (what ``space_eval`` evaluates).
    trial_timeout : float or None
        Seconds a trial may run before its worker is killed.
    """

    capacity = 1
    always_catch = False

    def __init__(self, fn: Callable[[Any], Any], space: Any, trial_timeout: float | None) -> None:
        self.fn = fn
        self.space = space
        self.trial_timeout = trial_timeout
        self._key = uuid.uuid4().hex
        self._payload: bytes | None = None
        self._lock = threading.Lock()
        # tid -> (the loop's future, the loky executor running it, the time-limit timer)
        self._running: dict[int, tuple[Future[Any], Any, threading.Timer | None]] = {}

    def _executor(self) -> Any:
        from joblib.externals.loky import get_reusable_executor

        executor = get_reusable_executor(max_workers=1)
        if self.trial_timeout is not None:
            # Start the worker before the clock does: spawning one takes a large part of
            # a second, which must not count against a short time limit.
            executor.submit(_warm_up).result()
        return executor

    def submit(self, trial: Trial) -> Future[Any]:
        if self._payload is None:
            try:
                self._payload = _cloudpickle().dumps((self.fn, self.space))
            except Exception as exc:
                raise TypeError(
                    "fmin(trial_timeout=...) evaluates fn in a worker process, but fn and space "
                    f"cannot be pickled: {type(exc).__name__}: {exc}"
                ) from exc
        executor = self._executor()
        future: Future[Any] = Future()
        future.set_running_or_notify_cancel()
        timer = None
        if self.trial_timeout is not None:
            timer = threading.Timer(self.trial_timeout, self._expire, args=(trial.tid,))
            timer.daemon = True
        with self._lock:
            self._running[trial.tid] = (future, executor, timer)
        remote = executor.submit(_evaluate_in_worker, self._key, self._payload, dict(trial.params))
        if timer is not None:
            timer.start()
        remote.add_done_callback(lambda done, tid=trial.tid: self._finish(tid, _outcome_of(done)))
        return future

    def _finish(self, tid: int, outcome: RemoteOutcome | BaseException) -> Any:
        """Complete trial ``tid``'s future, unless something completed it first."""
        with self._lock:
            entry = self._running.pop(tid, None)
        if entry is None:
            return None
        future, executor, timer = entry
        if timer is not None:
            timer.cancel()
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
        return executor

    def _kill(self, executor: Any) -> None:
        # The pool holds one worker, running this trial only: shutting it down with
        # kill_workers stops the trial at once; the next submit starts a new pool.
        executor.shutdown(wait=False, kill_workers=True)

    def _expire(self, tid: int) -> None:
        message = f"timed out after {self.trial_timeout:g} s (trial_timeout); its worker was killed"
        executor = self._finish(tid, _failed(TIMED_OUT, message))
        if executor is not None:
            self._kill(executor)

    def cancel(self, trials: Sequence[Trial], reason: str) -> None:
        for trial in trials:
            executor = self._finish(trial.tid, _failed("Cancelled", f"cancelled: {reason}"))
            if executor is not None:
                self._kill(executor)

    def close(self) -> None:
        with self._lock:
            left = list(self._running)
        for tid in left:  # only after an unexpected error of the loop
            executor = self._finish(tid, _failed("Cancelled", "cancelled: fmin ended"))
            if executor is not None:
                self._kill(executor)
