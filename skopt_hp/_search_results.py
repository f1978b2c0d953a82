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
    "RACING_COLUMNS",
    "ResultsLog",
    "SearchHistory",
    "check_same_splits",
    "rank_non_finite_last",
    "times_over_fitted_folds",
    "warn_non_finite",
]

# scikit-learn's warning about NaN mean scores, which formatting emits for every call;
# the search emits it once, at its end, instead.
NON_FINITE_MESSAGE = r"One or more of the (test|train) scores are non-finite"

#: Keys of a row of ``cv_results_`` that a trial's result keeps.
_ROW_PREFIXES = ("mean_", "std_", "split")

#: The columns fold racing adds to ``cv_results_``, and their value for a row evaluated
#: on every fold (a row of a round or of a fit made without racing).
RACING_COLUMNS: dict[str, Callable[[int], Any]] = {
    "pruned": lambda n_splits: False,
    "n_folds_fitted": lambda n_splits: n_splits,
}


def check_same_splits(kept: int, now: int) -> None:
    if kept != now:
        raise ValueError(
            f"warm_start=True continues a search made with {kept} cross-validation splits, "
            f"but cv now gives {now}; fit with warm_start=False to start a new search."
        )


class SearchHistory:
    """The evaluated part of a search, kept so that a warm start can continue it.

    ``params``, ``out`` and ``more`` are what scikit-learn's
    ``_format_results`` turns into ``cv_results_`` (one ``out`` entry per
    candidate and split; ``more``, fold racing's columns, one entry per
    candidate); they are raw results, not a copy of ``cv_results_``, so
    continuing a search re-formats every row exactly as one longer search
    would.
    """

    def __init__(self, trials: Trials, scoring: Any) -> None:
        self.trials = trials
        self.scoring = scoring
        self.params: list[dict[str, Any]] = []
        self.out: list[dict[str, Any]] = []
        self.more: dict[str, list[Any]] = {}
        self.n_splits = 0
        self.rounds = 0

    @property
    def n_trials(self) -> int:
        return len(self.params)

    def extend(
        self,
        params: list[dict[str, Any]],
        out: list[dict[str, Any]],
        n_splits: int,
        more: Mapping[str, list[Any]] | None = None,
    ) -> None:
        """Add the rows of a round (``out``: ``n_splits`` entries per candidate).

        Racing columns (:data:`RACING_COLUMNS`) are kept for every row once
        any row has them: rows of a fit without racing get the value of a
        complete row (a search fitted without racing and continued with it,
        or the reverse).
        """
        more = dict(more or {})
        for key in more:
            if key not in self.more:
                if key not in RACING_COLUMNS:
                    raise ValueError(f"SearchHistory: unknown column {key!r} of more_results.")
                self.more[key] = [RACING_COLUMNS[key](self.n_splits or n_splits)] * self.n_trials
        for key, values in self.more.items():
            new = more.get(key)
            values.extend(new if new is not None else [RACING_COLUMNS[key](n_splits)] * len(params))
        self.params.extend(params)
        self.out.extend(out)
        self.n_splits = n_splits

    def more_rows(self, start: int, stop: int | None) -> dict[str, list[Any]] | None:
        """The racing columns of rows ``start:stop`` (None without racing)."""
        if not self.more:
            return None
        return {key: values[start:stop] for key, values in self.more.items()}

    def resumed(self) -> SearchHistory:
        """A copy to continue from; the trials of an unfinished round are dropped."""
        trials = self.trials
        trials.remove_unfinished()
        copy = SearchHistory(trials, self.scoring)
        # Rows formatted for a round whose trials were then dropped (an interrupt after
        # evaluate_candidates returned, or between the one-by-one calls after a worker
        # died) must go too: row i is trial i.
        n = len(trials.records)
        copy.extend(
            self.params[:n], self.out[: n * self.n_splits], self.n_splits, self.more_rows(0, n)
        )
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
        first_row = self.history.n_trials
        self.history.extend(params, new_out, n_splits, more)
        self._n_seen = seen + len(params)
        formatted = self.format_rows(
            params, n_splits, new_out, self.history.more_rows(first_row, first_row + len(params))
        )
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
            full = self.format_rows(
                history.params, history.n_splits, history.out, history.more_rows(0, None)
            )
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
    """scikit-learn's warning about non-finite mean scores, once for the whole search.

    Candidates stopped by fold racing (``pruned``) have no mean score by
    design and are left out.
    """
    pruned = results.get("pruned")
    complete = None if pruned is None else ~np.asarray(pruned, dtype=bool)
    for key, values in results.items():
        if not key.startswith(("mean_test_", "mean_train_")):
            continue
        values = np.asarray(values)
        if not np.all(np.isfinite(values if complete is None else values[complete])):
            kind = key.split("_")[1]
            warnings.warn(
                f"One or more of the {kind} scores are non-finite: {values}",
                category=UserWarning,
                stacklevel=stacklevel,
            )


def times_over_fitted_folds(
    results: dict[str, Any], out: list[dict[str, Any]], n_splits: int, n_fitted: list[int]
) -> None:
    """Make the fit and score times of candidates stopped early their folds' mean and std.

    scikit-learn averages them over every split; a fold never fit has no
    time (NaN), so a stopped candidate would have none. Candidate ``i``'s
    results are ``out[i * n_splits : (i + 1) * n_splits]``, the first
    ``n_fitted[i]`` of them fitted.
    """
    for i, n in enumerate(n_fitted):
        if n >= n_splits or n < 1:
            continue
        rows = out[i * n_splits : i * n_splits + n]
        for key in ("fit_time", "score_time"):
            times = np.array([row[key] for row in rows], dtype=float)
            results[f"mean_{key}"][i] = times.mean()
            results[f"std_{key}"][i] = times.std()
