"""What the two trial loops share: budget, best so far, stopping rules, reporting, interrupts.

``fmin`` (:mod:`skopt_hp._fmin`) runs trials one at a time, or one per free
slot of an executor; :class:`~skopt_hp.HyperoptSearchCV`
(:mod:`skopt_hp._search`) runs rounds of candidates through scikit-learn's
``evaluate_candidates``. Between asking the sampler and recording results,
both need the same bookkeeping, kept here so that it is written once:

* :class:`Budget`: how many trials a run may reach and how long it may take,
  its loss threshold and its patience (finished trials without improvement);
* :class:`RunMonitor`: one run's clock, its best loss so far, the trials it
  finished since its last report, and the rules above turned into a reason
  to stop; it hands finished trials to the progress display and to the
  tracking session;
* :meth:`RunMonitor.keep_finished`: the rule after an interrupt or an error
  (the trials that never finished are dropped, every finished one is kept).

What each loop keeps for itself: ``fmin`` its executors, futures, journal and
``early_stop_fn``; the search its rounds, ``cv_results_`` rows and
scikit-learn's callbacks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ._trials import Trial, Trials

__all__ = ["Budget", "RunMonitor"]

logger = logging.getLogger(__name__)

#: What :meth:`RunMonitor.trials_left` says without a trial budget.
_NO_LIMIT = 2**63 - 1


@dataclass(frozen=True)
class Budget:
    """The limits of one run of a loop.

    Attributes
    ----------
    max_trials : int or None
        Trials the run may reach, those recorded before it included
        (``None``: no limit).
    timeout : float or None
        Seconds after which the run starts no new trial.
    loss_threshold : float or None
        Stop once the best loss is at or below this value.
    patience : int or None
        Stop once this many trials finished without lowering the best loss.
    """

    max_trials: int | None = None
    timeout: float | None = None
    loss_threshold: float | None = None
    patience: int | None = None


class RunMonitor:
    """One run of a loop: its clock, best loss so far and reporting.

    Parameters
    ----------
    trials : Trials
        The run's trials (their best loss is the run's starting point).
    budget : Budget
        The run's limits.
    progress : object, optional
        What :func:`skopt_hp._progress.progress_bar` yields; updated by
        :meth:`report`.
    tracking : TrackingSession, optional
        Receives one record per finished trial.
    record_of : callable, optional
        Builds a trial's tracking record (needed with ``tracking``).
    best_text : callable, optional
        Describes a best loss in messages (a search shows a score).
    """

    def __init__(
        self,
        trials: Trials,
        budget: Budget,
        *,
        progress: Any = None,
        tracking: Any = None,
        record_of: Callable[[Trial], Any] | None = None,
        best_text: Callable[[float], str] = lambda loss: f"best loss {loss:.6g}",
    ) -> None:
        if tracking is not None and record_of is None:
            raise ValueError("RunMonitor: record_of is needed to track trials.")
        self.trials = trials
        self.budget = budget
        self.progress = progress
        self.tracking = tracking
        self.record_of = record_of
        self.best_text = best_text
        self.started = time.monotonic()
        self.best_loss: float | None = trials.best_loss
        #: Finished trials since the best loss last went down.
        self.since_best = 0
        self._untracked: list[Trial] = []

    # -- the budget ----------------------------------------------------------------
    def time_left(self) -> float | None:
        """Seconds left before the timeout (``None``: no timeout)."""
        timeout = self.budget.timeout
        if timeout is None:
            return None
        return max(0.0, timeout - (time.monotonic() - self.started))

    def out_of_time(self) -> bool:
        left = self.time_left()
        return left is not None and left <= 0

    def trials_left(self) -> int:
        """How many more trials the run may start (every record counts, failed ones too)."""
        max_trials = self.budget.max_trials
        if max_trials is None:
            return _NO_LIMIT
        return max(max_trials - len(self.trials.records), 0)

    # -- finished trials -------------------------------------------------------------
    def finished(self, trials: Sequence[Trial]) -> None:
        """Account for ``trials``, just finished (in order): best loss, patience, tracking."""
        for trial in trials:
            loss = trial.loss
            if loss is not None and (self.best_loss is None or loss < self.best_loss):
                self.best_loss, self.since_best = loss, 0
            else:
                self.since_best += 1
        if self.tracking is not None:
            self._untracked.extend(trials)

    def report(self, n_shown: int) -> None:
        """Hand the finished trials to tracking; advance the progress display by ``n_shown``."""
        self.flush_tracking()
        if self.progress is not None and n_shown:
            self.progress.update(n_shown, self.best_loss)

    def flush_tracking(self) -> None:
        """Hand the trials finished since the last call to the tracking session."""
        if self._untracked:
            new, self._untracked = self._untracked, []
            assert self.record_of is not None
            self.tracking.add([self.record_of(trial) for trial in new])

    # -- stopping rules --------------------------------------------------------------
    def results_say_stop(self) -> str | None:
        """Why the results so far end the run (``None``: go on).

        The loss threshold, then the patience. The timeout
        (:meth:`out_of_time`) and the trial budget (:meth:`trials_left`) are
        checked by each loop where it starts trials.
        """
        budget, best = self.budget, self.best_loss
        if budget.loss_threshold is not None and best is not None and best <= budget.loss_threshold:
            return "loss threshold reached"
        if budget.patience is not None and self.since_best >= budget.patience:
            return "no progress"
        return None

    # -- interrupts and errors ----------------------------------------------------------
    def keep_finished(self, what: str, error: BaseException | None) -> list[Trial]:
        """After ``error`` ended the run: drop the trials that never finished, keep the others.

        Returns the dropped trials. An interrupt is logged with what is kept;
        whether it then propagates is the loop's rule (``fmin`` returns the
        best point when there is one, as hyperopt; a scikit-learn ``fit``
        raises).
        """
        dropped = self.trials.remove_unfinished()
        if isinstance(error, KeyboardInterrupt):
            best = self.best_loss
            logger.warning(
                "%s interrupted: keeping the %d finished trials (%s).",
                what,
                len(self.trials.records),
                "none succeeded" if best is None else self.best_text(best),
            )
        return dropped
