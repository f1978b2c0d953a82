"""A search's logging session: batching, one background thread, error isolation.

:func:`start_session` resolves and starts the tracker of a search,
:class:`TrackingSession` sends its finished trials while the search goes on,
and :func:`tracked` closes the session with the search's outcome however the
search ends (:func:`ending` turns that end into a run status and tags).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from ._records import SearchInfo, SearchOutcome, Tracker, TrialRecord
from ._switch import resolve_tracker

__all__ = ["MAX_TAG_LENGTH", "TrackingSession", "ending", "start_session", "tracked"]

logger = logging.getLogger(__name__)

#: Error texts are cut to this many characters (MLflow's limit for a tag value is 8000).
MAX_TAG_LENGTH = 7900


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
        """The tracker's run id (None before it started)."""
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

    Parameters
    ----------
    switch : bool or None
        The search's ``mlflow_logging`` (see :func:`resolve_tracker`).
    info : callable
        Returns the search's :class:`SearchInfo`; called only when logging
        is on (describing a space costs a little).
    estimator_search : bool, default=False
        True for ``HyperoptSearchCV`` (see :func:`resolve_tracker`).

    Returns
    -------
    TrackingSession or None
    """
    tracker = resolve_tracker(switch, estimator_search=estimator_search)
    if tracker is None:
        return None
    tracker.start(info())
    return TrackingSession(tracker)


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
    """The run status and tags of a search that ended with ``exc`` (None: normally).

    Parameters
    ----------
    exc : BaseException or None
        What ended the search; a ``KeyboardInterrupt`` is a killed run.

    Returns
    -------
    status : str
        ``"FINISHED"``, ``"FAILED"`` or ``"KILLED"``.
    tags : dict
        ``skopt_hp.error`` with the exception's type and message, when there is one.
    """
    if exc is None:
        return "FINISHED", {}
    status = "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
    return status, {"skopt_hp.error": f"{type(exc).__name__}: {exc}"[:MAX_TAG_LENGTH]}
