"""Fold racing's statistics: the reference a candidate races against, and when it stops.

A search with ``pruning="folds"`` evaluates a candidate fold by fold. After
each fold it compares the candidate with the *reference*, the best candidate
fully evaluated so far, on the folds both were fit on, and stops the
candidate when it is clearly worse.

The rule
--------
Cross-validation scores of two candidates on the same fold are paired: a
hard fold is hard for both. Write the candidate's scores on its first ``n``
of ``k`` folds ``c_1..c_n``, the reference's on the same folds ``r_1..r_n``,
and their differences ``d_j = c_j - r_j``. What the search finally compares
is the mean over all ``k`` folds, so the question a race asks is: *could
this candidate still end with a cross-validation mean at least the
reference's?* Model the differences as independent draws ``N(mu, sigma^2)``
with a flat prior on ``mu``. Given the first ``n``, the mean difference over
all ``k`` folds, ``D``, is normal with mean ``mean(d)`` (the folds to come
are predicted from the ones seen, with the uncertainty of that prediction)
and variance ``sigma^2 * (k - n) / (n * k)``. The candidate stops when
``P(D >= 0) < alpha``, that is when::

    mean(d) + z * sigma * sqrt((k - n) / (n * k)) < 0,     z = Phi^-1(1 - alpha)

This is the predictive probability used to stop clinical trials for
futility (Spiegelhalter et al., 1986), applied to the folds of one
candidate. Its factor ``sqrt((k - n) / k)`` against a one-sided paired
z-test of ``mu >= 0`` (``mean(d) + z * sigma / sqrt(n) < 0``) is what makes
it fit cross-validation: late folds can change the final mean less, so the
rule stops a candidate behind the reference more readily after four folds
of five than after one. A candidate exactly as good as the reference
(``mu = 0``) is stopped at fold ``n`` with probability
``Phi(-z * sqrt((k - n) / k))``: 0.13 after the first of five folds at the
default ``alpha = 0.1``; but such a candidate would not have raised the
search's best score, and one truly better is stopped far less often (the
further above, the less).

``sigma``, the standard deviation of one paired difference, is estimated
before the candidate's first fold is known (one fold says nothing about
spread) from the candidates already fully evaluated: the pooled variance,
across folds, of the differences between the reference and each complete
candidate of the better half (by mean score; candidates scoring exactly as
the reference on every fold are left out). Those are the candidates whose
races matter, since a candidate far below the reference stops under any
reasonable ``sigma``. While no other complete candidate scores differently
from the reference, ``sigma`` is ``sqrt(2)`` times the spread of the
reference's own scores across folds: that spread includes how much folds
differ from each other, which pairing cancels, so it bounds the spread of a
difference from above whenever two candidates' scores on a fold are not
negatively correlated. From the candidate's second fold on, ``sigma`` is
never taken below the spread of the candidate's own differences, so an
erratic candidate is judged by its own noise. Nothing is decided after the
last fold: the candidate is then complete.

The default level, ``alpha = 0.1``, was chosen on tasks other than the
benchmark's (``benchmarks/tune_racing.py``: complete TPE searches replayed
under candidate rules, then real racing searches): at 0.15, real searches
ended below the unpruned ones on 27 of 37 task-seed pairs that differed; at
0.1, on 21 of 37 (as likely as not).

What the sampler learns
-----------------------
A stopped candidate's mean score over all folds is unknown. The sampler
learns it as the reference's mean over all folds plus the candidate's mean
difference on the folds it was fit on: the full mean it would have had if
the candidate differed from the reference on the other folds as it did on
these (folds' difficulty is paired out), which is also the mean of ``D``
above. Under the rule, that estimate is always below the reference's mean,
so a stopped candidate never looks like the best one; among stopped
candidates, the worse ones look worse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

__all__ = ["FoldRacingTest", "Leaderboard", "Reference"]


@dataclass(frozen=True)
class Reference:
    """The candidate a race compares with, and the noise of one paired difference.

    Attributes
    ----------
    scores : ndarray of shape (n_splits,)
        Its test scores (of the optimised metric), fold by fold.
    sigma : float
        Estimated standard deviation of the difference between a
        candidate's score and the reference's on one fold.
    """

    scores: np.ndarray
    sigma: float

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores))

    @classmethod
    def alone(cls, scores: np.ndarray) -> Reference:
        """The reference when it is the only complete candidate (sigma: see the module)."""
        scores = np.asarray(scores, dtype=float).copy()
        return cls(scores, math.sqrt(2.0) * float(np.std(scores, ddof=1)))


@dataclass(frozen=True)
class FoldRacingTest:
    """The stopping rule: stop when ``P(D >= 0) < alpha`` (see the module's docstring)."""

    alpha: float

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha must be in (0, 1), but got alpha={self.alpha!r}.")

    @property
    def z(self) -> float:
        return float(norm.isf(self.alpha))

    @staticmethod
    def _spread(reference: Reference, diffs: np.ndarray) -> float:
        """The standard deviation of one difference used for a candidate with ``diffs``."""
        sigma = reference.sigma
        if len(diffs) >= 2:
            sigma = max(sigma, float(np.std(diffs, ddof=1)))
        return sigma

    def chance_to_catch_up(self, reference: Reference, scores: np.ndarray) -> float:
        """``P(D >= 0)``: the chance the candidate's mean over every fold ends at least the
        reference's, given its ``scores`` on the first ``len(scores)`` folds (NaN: a score is
        not finite)."""
        n, k = len(scores), len(reference.scores)
        if not 0 < n <= k:
            raise ValueError(f"chance_to_catch_up: {n} scores for {k} folds.")
        diffs = np.asarray(scores, dtype=float) - reference.scores[:n]
        if not np.all(np.isfinite(diffs)):
            return math.nan
        mean = float(diffs.mean())
        scale = self._spread(reference, diffs) * math.sqrt((k - n) / (n * k))
        if scale == 0.0:  # the final mean is known (last fold, or no spread at all)
            return 1.0 if mean >= 0.0 else 0.0
        return float(norm.cdf(mean / scale))

    def stops(self, reference: Reference, scores: np.ndarray) -> bool:
        """Whether a candidate with ``scores`` on the first ``len(scores)`` folds stops.

        A fold whose score is not finite (a failed fit scored with
        ``error_score=np.nan``) never stops a candidate: it is evaluated to
        the end, as without racing.
        """
        n, k = len(scores), len(reference.scores)
        if n == 0 or n >= k:
            return False
        diffs = np.asarray(scores, dtype=float) - reference.scores[:n]
        if not np.all(np.isfinite(diffs)):
            return False
        sigma = self._spread(reference, diffs)
        # P(D >= 0) < alpha, written without the normal's cdf (no underflow far below).
        return bool(diffs.mean() + self.z * sigma * math.sqrt((k - n) / (n * k)) < 0.0)

    @staticmethod
    def estimate(reference: Reference, scores: np.ndarray) -> float:
        """The full-CV mean score the sampler learns for a candidate stopped with ``scores``."""
        n = len(scores)
        diffs = np.asarray(scores, dtype=float) - reference.scores[:n]
        # A stopped candidate's mean difference is negative, but adding a tiny one to the
        # reference's mean can round back to it: keep the estimate strictly below.
        below = float(np.nextafter(reference.mean, -np.inf))
        return min(reference.mean + float(diffs.mean()), below)


class Leaderboard:
    """The fold scores of the fully evaluated candidates; gives the race's :class:`Reference`.

    Parameters
    ----------
    n_splits : int
        Folds per candidate.

    Notes
    -----
    Rows are appended as candidates finish (amortised O(n_splits) each);
    :meth:`reference` costs O(n_complete * n_splits), once per round.
    """

    def __init__(self, n_splits: int) -> None:
        self.n_splits = n_splits
        self._scores = np.empty((16, n_splits))
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def add(self, scores: np.ndarray) -> bool:
        """Add a complete candidate's fold scores (False, nothing added: one is not finite)."""
        scores = np.asarray(scores, dtype=float).reshape(-1)
        if scores.shape != (self.n_splits,):
            raise ValueError(
                f"Leaderboard.add: expected {self.n_splits} fold scores, got {scores.shape[0]}."
            )
        if not np.all(np.isfinite(scores)):
            return False
        if self._n == len(self._scores):
            self._scores = np.concatenate([self._scores, np.empty_like(self._scores)])
        self._scores[self._n] = scores
        self._n += 1
        return True

    def reference(self) -> Reference | None:
        """The best complete candidate (the first on ties) and sigma; None before any."""
        if self._n == 0 or self.n_splits < 2:
            return None
        table = self._scores[: self._n]
        means = table.mean(axis=1)
        best = int(np.argmax(means))
        scores = table[best].copy()
        # Candidates scoring exactly as the reference on every fold (the same model under
        # other parameters) say nothing about how two different models' scores differ.
        others = np.flatnonzero(np.any(table != scores, axis=1))
        if not len(others):
            return Reference.alone(scores)
        n_half = math.ceil(len(others) / 2)
        # The better half of the others, by mean (ties: earlier candidates first).
        order = others[np.argsort(-means[others], kind="stable")][:n_half]
        diffs = table[order] - scores
        sigma = math.sqrt(float(np.mean(np.var(diffs, axis=1, ddof=1))))
        return Reference(scores, sigma)
