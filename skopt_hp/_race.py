"""One round of fold racing: which fold runs next, and which candidates stop.

A :class:`Race` holds a round's candidates, each to be fit on ``n_splits``
folds in order. Its decisions are deterministic: a candidate's fate after
fold ``j`` depends only on its scores on folds ``0..j`` and on the round's
:class:`~skopt_hp._racing.Reference`, fixed when the round starts; the order
in which folds finish never matters. So a round gives the same rows whatever
the number of workers, and in whatever order their fits end.

Asked for work (:meth:`Race.next_task`), it hands out, in this order:

1. the first fold of a candidate not started yet (the first fold is where
   clearly bad candidates stop);
2. the next fold of a candidate whose every started fold is known and did
   not stop it;
3. otherwise, *speculatively*, the next fold of a candidate still racing
   whose latest fold is still running (the one with the most folds known
   first): a worker that would otherwise sit idle at the end of the round
   fits a fold that will probably be needed. When the candidate is then
   stopped by a fold before, that fit is thrown away, exactly as if it had
   never run (:attr:`Race.n_discarded` counts it);

and ``None`` when every fold still needed has been handed out.

A round without a reference (the first round of a search: no candidate is
complete yet) races against its own first candidate, the *pacer*: its folds
are handed out before any other, it is never stopped, and once it is
complete with finite scores it is the round's reference (its sigma:
:meth:`~skopt_hp._racing.Reference.alone`). Until then the other
candidates' folds are known but not judged (so, with several workers, fits
made meanwhile are speculative); if a pacer's fold fails, nothing in the
round is stopped. Decisions still depend on the scores only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._racing import FoldRacingTest, Reference

__all__ = ["FoldTask", "Race", "RaceResult"]


@dataclass(frozen=True)
class FoldTask:
    """Fold ``fold`` of the round's candidate ``candidate``."""

    candidate: int
    fold: int


@dataclass(frozen=True)
class RaceResult:
    """A candidate at the end of its race.

    Attributes
    ----------
    outs : list
        Results of its folds ``0..n_folds_fitted - 1``, in fold order.
    pruned : bool
        Whether it was stopped before its last fold.
    estimate : float or None
        A stopped candidate's estimated mean score (see
        :meth:`~skopt_hp._racing.FoldRacingTest.estimate`).
    """

    outs: list[Any]
    pruned: bool
    estimate: float | None

    @property
    def n_folds_fitted(self) -> int:
        return len(self.outs)


class Race:
    """One round's race (not thread-safe: callers hold a lock).

    Parameters
    ----------
    n_candidates : int
    n_splits : int
    reference : Reference or None
        None: race against the round's first candidate, once complete.
    test : FoldRacingTest
    score_of : callable
        The optimised metric's test score in one fold's result.
    """

    def __init__(
        self,
        n_candidates: int,
        n_splits: int,
        reference: Reference | None,
        test: FoldRacingTest,
        score_of: Callable[[Any], float],
    ) -> None:
        if reference is not None and len(reference.scores) != n_splits:
            raise ValueError(
                f"Race: the reference has {len(reference.scores)} fold scores, the race "
                f"{n_splits} folds."
            )
        self.n_candidates = n_candidates
        self.n_splits = n_splits
        self.reference = reference
        self.test = test
        self.score_of = score_of
        self._outs: list[list[Any]] = [[None] * n_splits for _ in range(n_candidates)]
        self._scores = np.full((n_candidates, n_splits), np.nan)
        #: Folds handed out, per candidate (always a prefix: folds start in order).
        self._started = [0] * n_candidates
        #: Folds known and judged, per candidate (a prefix of the started ones).
        self._judged = [0] * n_candidates
        #: Folds kept when a candidate stopped (None: racing, or complete).
        self._stopped_at: list[int | None] = [None] * n_candidates
        self._next_new = 0
        #: The candidate that becomes the reference once complete (None: there is one).
        self._pacer = 0 if reference is None and n_candidates > 0 else None
        #: Fits handed out in all.
        self.n_started = 0

    # -- work ---------------------------------------------------------------------
    def _racing(self, i: int) -> bool:
        return self._stopped_at[i] is None and self._started[i] < self.n_splits

    def next_task(self) -> FoldTask | None:
        """The next fold to fit, or None when every fold still needed was handed out."""
        pacer = self._pacer
        if pacer is not None and self._started[pacer] < self.n_splits:
            if self._next_new == pacer:
                self._next_new += 1
            return self._start(pacer)
        if self._next_new < self.n_candidates:
            i = self._next_new
            self._next_new += 1
            return self._start(i)
        speculative = None
        for i in range(self.n_candidates):
            if not self._racing(i):
                continue
            if self._judged[i] == self._started[i]:
                return self._start(i)
            if speculative is None or self._judged[i] > self._judged[speculative]:
                speculative = i
        return None if speculative is None else self._start(speculative)

    def _start(self, i: int) -> FoldTask:
        task = FoldTask(i, self._started[i])
        self._started[i] += 1
        self.n_started += 1
        return task

    def complete(self, task: FoldTask, out: Any) -> None:
        """Record the result of ``task`` and judge the candidate's folds now known in order."""
        i = task.candidate
        self._outs[i][task.fold] = out
        self._scores[i, task.fold] = self.score_of(out)
        if i == self._pacer:
            self._judge(i)
            if self._judged[i] == self.n_splits:  # complete: the round's reference, if it can
                self._pacer = None
                scores = self._scores[i]
                if np.all(np.isfinite(scores)):
                    self.reference = Reference.alone(scores)
                for other in range(self.n_candidates):
                    self._judge(other)
        elif self._pacer is None:
            self._judge(i)

    def _judge(self, i: int) -> None:
        """Judge candidate ``i``'s folds known in order (stop none without a reference)."""
        while self._stopped_at[i] is None and self._judged[i] < self.n_splits:
            j = self._judged[i]
            if self._outs[i][j] is None:
                break
            self._judged[i] = j + 1
            if self.reference is not None and self.test.stops(
                self.reference, self._scores[i, : j + 1]
            ):
                self._stopped_at[i] = j + 1

    # -- the outcome -----------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """Whether every candidate is complete or stopped."""
        return all(
            self._stopped_at[i] is not None or self._judged[i] == self.n_splits
            for i in range(self.n_candidates)
        )

    @property
    def n_discarded(self) -> int:
        """Fits made beyond the fold that stopped their candidate (thrown away)."""
        return sum(
            self._started[i] - stop for i, stop in enumerate(self._stopped_at) if stop is not None
        )

    def results(self) -> list[RaceResult]:
        """Each candidate's kept folds, whether it stopped, and its estimate."""
        if not self.finished:
            raise RuntimeError("Race.results: some candidates are still racing.")
        results = []
        for i in range(self.n_candidates):
            stop = self._stopped_at[i]
            if stop is None:
                results.append(RaceResult(list(self._outs[i]), False, None))
                continue
            estimate = self.test.estimate(self.reference, self._scores[i, :stop])
            results.append(RaceResult(self._outs[i][:stop], True, estimate))
        return results
