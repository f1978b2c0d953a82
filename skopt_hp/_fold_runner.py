"""Running fold fits one at a time on every joblib worker, each given the next one when free.

``joblib.Parallel`` takes a list of tasks and returns when all are done. A
race decides its next fold from the results of the earlier ones, so
:func:`run_fold_tasks` keeps one thread per worker, each sending one fit at a
time through a ``Parallel`` of its own to the ambient joblib backend (loky
processes, threads, Spark or Dask workers): a worker gets its next fold the
moment its last one ends, and no worker waits for a slow fold of another.
With one worker everything runs in the calling thread.
"""

from __future__ import annotations

import contextlib
import pickle
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["WAIT", "TaskError", "capture_errors", "run_fold_tasks"]

Task = TypeVar("Task")

#: What ``next_task`` returns when no task can start before a running one completes.
WAIT = "wait"


class TaskError:
    """An exception raised by a fit in a worker, returned instead of raised.

    Some joblib backends lose a task's exception on its way back (plain
    joblibspark 0.6, see ``docs/spark.md``); a returned value always arrives. The caller
    raises :meth:`error` with the worker's traceback as a note.
    """

    def __init__(self, error: BaseException, traceback_text: str) -> None:
        self.exception = error
        self.traceback_text = traceback_text

    def __reduce__(self) -> tuple:
        # An exception that cannot be pickled travels as its type name and message.
        error = self.exception
        try:
            pickle.loads(pickle.dumps(error))
        except Exception:  # noqa: BLE001 - any failure means "send its text"
            error = RuntimeError(f"{type(error).__name__}: {error}")
        return (TaskError, (error, self.traceback_text))

    def error(self) -> BaseException:
        if hasattr(self.exception, "add_note"):  # Python >= 3.11
            self.exception.add_note(f"Traceback in the worker:\n{self.traceback_text}")
        return self.exception


def capture_errors(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, or a :class:`TaskError` when it raises an ``Exception``."""
    try:
        return function(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - raised again in the calling process
        return TaskError(error, traceback.format_exc())


def run_fold_tasks(
    next_task: Callable[[], Task | str | None],
    run_task: Callable[[Task, Any], Any],
    complete: Callable[[Task, Any], None],
    *,
    parallels: Sequence[Any] | None,
    thread_setup: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> None:
    """Run tasks until ``next_task`` has none left and every task handed out ended.

    Parameters
    ----------
    next_task : callable
        Returns the next task; :data:`WAIT` when none can start until a
        running task completes (the worker then waits for one); or None when
        nothing more is needed (a worker that gets None stops). Called under
        a lock.
    run_task : callable
        ``run_task(task, parallel)`` runs one task and returns its result;
        ``parallel`` is the worker's ``joblib.Parallel``, or None to run in
        the calling thread. Called without the lock.
    complete : callable
        ``complete(task, result)``, called under the lock.
    parallels : sequence of joblib.Parallel, or None
        One ``Parallel`` per worker thread, already entered by the caller
        (and left when it no longer runs tasks: joblib's memory-mapped
        copies of the data stay valid meanwhile); as many tasks run at once.
        None runs every task in the calling thread.
    thread_setup : callable
        A context each worker thread runs in (scikit-learn's configuration
        is per thread, and workers must see the caller's).

    Raises
    ------
    BaseException
        The first error a task raised, once the running tasks ended (no new
        task starts after an error); an interrupt of the calling thread,
        likewise.
    """
    if not parallels:
        while (task := next_task()) is not None:
            if task is WAIT:  # nothing runs elsewhere that could end the wait
                raise RuntimeError("run_fold_tasks: told to wait with no task running.")
            complete(task, run_task(task, None))
        return
    condition = threading.Condition()
    errors: list[BaseException] = []
    stop = threading.Event()

    def take() -> Any:
        """Under the lock: the next task, or None when this worker should stop."""
        while not stop.is_set():
            task = next_task()
            if task is None:
                condition.notify_all()  # the others, waiting, stop too
                return None
            if task is not WAIT:
                return task
            condition.wait()
        return None

    def work(parallel: Any) -> None:
        while True:
            with condition:
                task = take()
            if task is None:
                return
            result = run_task(task, parallel)
            with condition:
                complete(task, result)
                condition.notify_all()

    def halt() -> None:
        with condition:
            stop.set()
            condition.notify_all()

    def worker(parallel: Any) -> None:
        try:
            with thread_setup():
                work(parallel)
        except BaseException as error:  # a fit with error_score="raise", a scorer...
            with condition:
                errors.append(error)
            halt()

    threads = [
        threading.Thread(target=worker, args=(p,), name=f"skopt_hp-fold-{i}", daemon=True)
        for i, p in enumerate(parallels)
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)
    except BaseException:
        # An interrupt: the running fits end, no new one starts.
        halt()
        for thread in threads:
            thread.join()
        raise
    if errors:
        raise errors[0]
