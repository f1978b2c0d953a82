"""Asynchronous successive halving (ASHA): what a free worker runs next, and the workers.

:class:`AshaScheduler` is the decision logic, without threads: a *job* is
one candidate at one rung, a *task* one cross-validation fold of a job.
Asked for work, it hands out, in this order,

1. the next fold of a job already started (the highest rung first), so a
   job's folds spread over idle workers;
2. a promotion: the best candidate of the highest rung that
   :meth:`~skopt_hp._halving_rungs.Ladder.promotable` allows, starting its
   job one rung up;
3. a new candidate from the proposer (TPE on the rung BOHB's rule picks,
   with the running candidates as pending points);

and otherwise tells the worker to wait for a running fold (whose result may
allow a promotion) or that the search is over. No decision waits for a rung
to fill.

:func:`run_asha` runs the scheduler on ``n_workers`` threads, each sending
one fold at a time to the ambient joblib backend through a ``Parallel`` of
its own, so every worker of the backend (loky processes, threads, Spark
tasks) holds at most one fold and is given the next one as soon as it is
free. With one worker everything runs in the calling thread, in an order
that depends on nothing but the results, hence reproducible.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._fold_runner import WAIT, run_fold_tasks
from ._halving_rungs import Candidate, Ladder, Proposer

__all__ = ["AshaScheduler", "FoldTask", "Job", "run_asha"]

logger = logging.getLogger(__name__)

#: ``next_task``'s answer when no task will ever start again (``WAIT``: none can start now).
DONE = "done"


@dataclass(eq=False)
class Job:
    """One candidate evaluated at one rung: ``n_splits`` folds."""

    row: int
    candidate: Candidate
    rung: int
    params: dict[str, Any]
    outs: list[Any] = field(default_factory=list)
    n_dispatched: int = 0
    n_done: int = 0


@dataclass(frozen=True, eq=False)
class FoldTask:
    job: Job
    fold: int


class AshaScheduler:
    """ASHA's decisions for one search (not thread-safe: callers hold a lock).

    Parameters
    ----------
    ladder : Ladder
        Rungs of the search (``ladder.n_rungs`` iterations).
    proposer : Proposer
        Source of new candidates.
    n_candidates : int
        Candidates to start at rung 0 (fewer if the space runs out).
    n_splits : int
        Folds per job.
    params_at : callable
        ``params_at(candidate, rung)``: the parameters to fit at that rung.
    score_of : callable
        ``score_of(outs)``: the score deciding promotions, from a job's
        per-fold results.
    seed : int
        Seeds proposal ``i`` with ``(seed, i)``.
    """

    def __init__(
        self,
        *,
        ladder: Ladder,
        proposer: Proposer,
        n_candidates: int,
        n_splits: int,
        params_at: Callable[[Candidate, int], dict[str, Any]],
        score_of: Callable[[Sequence[Any]], float],
        seed: int,
    ) -> None:
        self.ladder = ladder
        self.proposer = proposer
        self.n_candidates = n_candidates
        self.n_splits = n_splits
        self.params_at = params_at
        self.score_of = score_of
        self.seed = seed
        self.jobs: list[Job] = []
        self._unfinished: list[Job] = []
        self.n_running_folds = 0

    # -- decisions ---------------------------------------------------------------
    def next_task(self) -> FoldTask | str:
        """The next fold to run, ``WAIT`` or ``DONE``."""
        open_jobs = [job for job in self._unfinished if job.n_dispatched < self.n_splits]
        if open_jobs:
            job = max(open_jobs, key=lambda j: (j.rung, -j.row))
            return self._dispatch(job)
        finals = self._final_rungs()
        for rung in range(self.ladder.n_rungs - 2, -1, -1):
            candidate = self.ladder.promotable(rung, final=finals[rung])
            if candidate is not None:
                return self._dispatch(self._start(candidate, rung + 1))
        if self._may_propose():
            new = self._propose()
            if new is not None:
                return self._dispatch(self._start(new, 0))
        return WAIT if self.n_running_folds else DONE

    def complete(self, task: FoldTask, out: Any) -> None:
        """Record the result of a fold given by :meth:`next_task`."""
        job = task.job
        job.outs[task.fold] = out
        job.n_done += 1
        self.n_running_folds -= 1
        if job.n_done == self.n_splits:
            self._unfinished.remove(job)
            score = self.score_of(job.outs)
            self.ladder.record(job.candidate, job.rung, score)
            logger.debug("rung %d: candidate %d scored %.6g", job.rung, job.candidate.index, score)

    # -- helpers -------------------------------------------------------------------
    def _may_propose(self) -> bool:
        return len(self.ladder) < self.n_candidates and not self.proposer.exhausted

    def _propose(self) -> Candidate | None:
        pending = [job.candidate for job in self._unfinished]
        rng = np.random.default_rng([self.seed, len(self.ladder)])
        new = self.proposer.propose(self.ladder, 1, rng, pending)
        return new[0] if new else None

    def _final_rungs(self) -> list[bool]:
        """Per rung: can no more results reach it?"""
        unfinished = {job.rung for job in self._unfinished}
        finals = []
        final = not self._may_propose() and 0 not in unfinished
        for rung in range(self.ladder.n_rungs):
            finals.append(final)
            final = (
                final
                and self.ladder.promotable(rung, final=True) is None
                and (rung + 1) not in unfinished
            )
        return finals

    def _start(self, candidate: Candidate, rung: int) -> Job:
        self.ladder.start(candidate, rung)
        job = Job(len(self.jobs), candidate, rung, self.params_at(candidate, rung))
        job.outs = [None] * self.n_splits
        self.jobs.append(job)
        self._unfinished.append(job)
        return job

    def _dispatch(self, job: Job) -> FoldTask:
        task = FoldTask(job, job.n_dispatched)
        job.n_dispatched += 1
        self.n_running_folds += 1
        return task


def run_asha(
    scheduler: AshaScheduler,
    run_fold: Callable[[FoldTask, Any], Any],
    *,
    n_workers: int,
    make_parallel: Callable[[], Any],
    thread_setup: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> None:
    """Run ``scheduler`` to the end.

    Parameters
    ----------
    scheduler : AshaScheduler
    run_fold : callable
        ``run_fold(task, parallel)`` fits and scores one fold and returns
        its result; ``parallel`` is the worker's ``joblib.Parallel``, or
        None to run in the calling thread.
    n_workers : int
        Folds run at once. With 1, everything runs in the calling thread.
    make_parallel : callable
        Builds one ``joblib.Parallel`` per worker (entered here, in the
        calling thread, and left once every worker stopped: joblib's
        memory-mapped copies of the data stay valid for all of them).
    thread_setup : callable
        A context each worker thread runs in (scikit-learn's configuration
        is per thread, and workers must see the caller's).

    Raises
    ------
    BaseException
        The first error a fold raised (``error_score="raise"``), after the
        running folds ended; an interrupt of the calling thread, likewise.
    """

    def next_task() -> FoldTask | str | None:
        task = scheduler.next_task()
        return None if task == DONE else task

    with contextlib.ExitStack() as stack:
        parallels = None
        if n_workers > 1:
            parallels = [stack.enter_context(make_parallel()) for _ in range(n_workers)]
        run_fold_tasks(
            next_task,
            run_fold,
            scheduler.complete,
            parallels=parallels,
            thread_setup=thread_setup,
        )
