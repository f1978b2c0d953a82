"""``cv_results_`` of a ``HyperoptSearchCV`` fit: formatted a round at a time, whole once.

``BaseSearchCV.fit`` hands ``evaluate_candidates`` a closure that, after each
call, re-formats ``cv_results_`` from *every* candidate evaluated so far
(``_format_results``: per-parameter masked arrays, means, ranks). A search
that calls it once (``RandomizedSearchCV``) pays that once; a sequential
search calling it once per round would pay O(N) per round, O(N²) in all.
Here each round's call formats only that round's rows, which is all the
search needs to record its trials, and the complete ``cv_results_`` is
formatted once, by scikit-learn's own ``_format_results`` over every row,
when the search ends. The result is the dict a single call would have given
(same keys, dtypes, masks and ranks).

``BaseSearchCV.fit`` keeps the dict returned by the last call of
``evaluate_candidates`` as ``cv_results_`` (see
:mod:`skopt_hp._sklearn_compat`): every call returns the same dict object,
:attr:`ResultsLog.results`, which :meth:`ResultsLog.final` fills in place.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ._trials import Trials

__all__ = [
    "NON_FINITE_MESSAGE",
    "ResultsLog",
    "SearchHistory",
    "check_same_splits",
    "rank_non_finite_last",
    "warn_non_finite",
]

# scikit-learn's warning about NaN mean scores, which formatting emits for every call;
# the search emits it once, at its end, instead.
NON_FINITE_MESSAGE = r"One or more of the (test|train) scores are non-finite"

#: Keys of a row of ``cv_results_`` that a trial's result keeps.
_ROW_PREFIXES = ("mean_", "std_", "split")


def check_same_splits(kept: int, now: int) -> None:
    if kept != now:
        raise ValueError(
            f"warm_start=True continues a search made with {kept} cross-validation splits, "
            f"but cv now gives {now}; fit with warm_start=False to start a new search."
        )


class SearchHistory:
    """The evaluated part of a search, kept so that a warm start can continue it.

    ``params`` and ``out`` are what scikit-learn's ``_format_results`` turns
    into ``cv_results_`` (one ``out`` entry per candidate and split); they are
    raw results, not a copy of ``cv_results_``, so continuing a search
    re-formats every row exactly as one longer search would.
    """

    def __init__(self, trials: Trials, scoring: Any) -> None:
        self.trials = trials
        self.scoring = scoring
        self.params: list[dict[str, Any]] = []
        self.out: list[dict[str, Any]] = []
        self.n_splits = 0
        self.rounds = 0

    @property
    def n_trials(self) -> int:
        return len(self.params)

    def extend(self, params: list[dict[str, Any]], out: list[dict[str, Any]], n_splits: int):
        """Add the rows of a round (``out``: ``n_splits`` entries per candidate)."""
        self.params.extend(params)
        self.out.extend(out)
        self.n_splits = n_splits

    def resumed(self) -> SearchHistory:
        """A copy to continue from; the trials of an unfinished round are dropped."""
        trials = self.trials
        trials.remove_unfinished()
        copy = SearchHistory(trials, self.scoring)
        # Rows formatted for a round whose trials were then dropped (an interrupt after
        # evaluate_candidates returned, or between the one-by-one calls after a worker
        # died) must go too: row i is trial i.
        n = len(trials.records)
        copy.extend(self.params[:n], self.out[: n * self.n_splits], self.n_splits)
        copy.rounds = self.rounds
        return copy


class ResultsLog:
    """The rows of one fit's ``cv_results_``: each round's formatted alone, all once at the end.

    Parameters
    ----------
    history : SearchHistory
        Where the raw rows go; rows of the fit being continued (a warm start)
        come first.
    format_rows : callable
        scikit-learn's ``_format_results`` bound to the search:
        ``format_rows(candidate_params, n_splits, out, more_results)``.
    """

    def __init__(
        self,
        history: SearchHistory,
        format_rows: Callable[[list[dict[str, Any]], int, list[dict[str, Any]], Any], dict],
    ) -> None:
        self.history = history
        self.format_rows = format_rows
        #: Handed back by every call of ``evaluate_candidates``; complete after :meth:`final`.
        self.results: dict[str, Any] = {}
        self._n_prefix = history.n_trials
        self._n_seen = 0  # rows of this fit's evaluate_candidates lists already taken
        self._more: Any = None
        self._rows: dict[int, dict[str, Any]] = {}

    @property
    def n_rows(self) -> int:
        """Rows formatted in this fit."""
        return self._n_seen

    def add_round(
        self,
        candidate_params: list[dict[str, Any]],
        n_splits: int,
        out: list[dict[str, Any]],
        more_results: Mapping[str, list] | None,
    ) -> dict[str, Any]:
        """Take the rows ``evaluate_candidates`` added since the last call; format only those.

        ``candidate_params`` and ``out`` are the fit's lists of every
        candidate evaluated so far (``BaseSearchCV.fit`` extends them).
        """
        if self._n_prefix:
            check_same_splits(self.history.n_splits, n_splits)  # too late to save fits
        seen = self._n_seen
        params = list(candidate_params[seen:])
        new_out = list(out[seen * n_splits :])
        more = None
        if more_results:
            more = {key: list(values[seen:]) for key, values in more_results.items()}
        self._more = more_results
        first_row = self.history.n_trials
        self.history.extend(params, new_out, n_splits)
        self._n_seen = seen + len(params)
        formatted = self.format_rows(params, n_splits, new_out, more)
        keys = [key for key in formatted if key.startswith(_ROW_PREFIXES)]
        columns = [np.asarray(formatted[key]) for key in keys]
        for j, candidate in enumerate(params):
            entries: dict[str, Any] = {"cv_index": first_row + j, "params": candidate}
            for key, column in zip(keys, columns, strict=True):
                entries[key] = float(column[j])
            self._rows[first_row + j] = entries
        self.results.clear()
        self.results.update(formatted)
        return self.results

    def take_row(self, row: int) -> dict[str, Any]:
        """Row ``row`` of ``cv_results_``: its ``mean_*``, ``std_*``, ``split*``, ``params``."""
        return self._rows.pop(row)

    def final(self) -> dict[str, Any]:
        """Format every row once (those of a continued fit first) into :attr:`results`."""
        history = self.history
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=NON_FINITE_MESSAGE, category=UserWarning)
            full = self.format_rows(history.params, history.n_splits, history.out, self._more)
        rank_non_finite_last(full)
        self.results.clear()
        self.results.update(full)
        self._rows.clear()
        return self.results


def rank_non_finite_last(results: dict[str, Any]) -> None:
    """Rank candidates whose mean test score is +inf last, with the failed ones.

    scikit-learn ranks NaN means last but +inf first, so a scorer returning
    inf (a broken candidate, a failed trial here) would become
    ``best_params_`` and be refit. Only rank columns with a +inf mean change.
    """
    from scipy.stats import rankdata

    for key in [k for k in results if k.startswith("rank_test_")]:
        metric = key[len("rank_test_") :]
        means = np.asarray(results[f"mean_test_{metric}"], dtype=float)
        if not np.isposinf(means).any():
            continue
        finite = np.isfinite(means)
        if not finite.any():
            results[key] = np.ones(len(means), dtype=np.int32)
            continue
        filled = np.where(finite, means, means[finite].min() - 1)
        results[key] = rankdata(-filled, method="min").astype(np.int32)


def warn_non_finite(results: Mapping[str, Any], stacklevel: int = 2) -> None:
    """scikit-learn's warning about non-finite mean scores, once for the whole search."""
    for key, values in results.items():
        if key.startswith(("mean_test_", "mean_train_")) and not np.all(np.isfinite(values)):
            kind = key.split("_")[1]
            warnings.warn(
                f"One or more of the {kind} scores are non-finite: {np.asarray(values)}",
                category=UserWarning,
                stacklevel=stacklevel,
            )
