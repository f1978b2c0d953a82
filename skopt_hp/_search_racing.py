"""Fold racing in ``HyperoptSearchCV`` (``pruning="folds"``): one fit's races.

A round whose search has a fully evaluated candidate is *raced*: its
candidates are fit fold by fold, on every joblib worker at once
(:mod:`skopt_hp._fold_runner`), and a candidate that the
:class:`~skopt_hp._racing.FoldRacingTest` finds clearly worse than the best
complete candidate stops (:mod:`skopt_hp._race`). Each fit is the very call
``evaluate_candidates`` makes, and the rows go where it puts its own
(:func:`~skopt_hp._sklearn_compat.fit_internals`), so ``cv_results_``,
refit and ``best_*`` are scikit-learn's. A stopped candidate's row has NaN
for the folds it was never fit on, ``pruned=True`` and its
``n_folds_fitted``.

A round without a complete candidate to race against (the first round of
a search) races against its own first candidate; a round of one such
candidate goes through ``evaluate_candidates`` as without racing, with the
racing columns of a complete row.
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from joblib import effective_n_jobs
from sklearn import config_context, get_config
from sklearn.base import clone
from sklearn.utils.parallel import Parallel, delayed

from ._fold_runner import TaskError, capture_errors, run_fold_tasks
from ._race import FoldTask, Race, RaceResult
from ._racing import FoldRacingTest, Leaderboard, Reference
from ._search_results import NON_FINITE_MESSAGE
from ._sklearn_compat import (
    FIT_AND_SCORE_TAKES_CALLBACKS,
    FitInternals,
    fit_and_score,
    fit_internals,
    insert_error_scores,
    report_fit_failures,
)
from ._trials import Trial

__all__ = ["FoldRacer", "race_columns"]

logger = logging.getLogger(__name__)


def race_columns(results: Sequence[RaceResult | None], n_splits: int) -> dict[str, list[Any]]:
    """The ``pruned`` and ``n_folds_fitted`` entries of a round's rows (None: a complete row)."""
    return {
        "pruned": [bool(r is not None and r.pruned) for r in results],
        "n_folds_fitted": [n_splits if r is None else r.n_folds_fitted for r in results],
    }


def _not_fitted(template: Mapping[str, Any], n_test_samples: int) -> dict[str, Any]:
    """The result of a fold never fit: NaN scores and times, shaped like ``template``."""

    def nan_like(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {name: math.nan for name in value}
        return math.nan

    out: dict[str, Any] = {}
    for key, value in template.items():
        if key in ("test_scores", "train_scores"):
            out[key] = nan_like(value)
        elif key in ("fit_time", "score_time"):
            out[key] = math.nan
        elif key == "n_test_samples":
            out[key] = n_test_samples
        elif key == "fit_error":
            out[key] = None
        else:  # anything a later scikit-learn adds: kept as the fitted fold's
            out[key] = value
    return out


class FoldRacer:
    """The races of one ``HyperoptSearchCV`` fit.

    Made by :meth:`start` inside ``_run_search``, before any fit; used as a
    context manager around the search's rounds (it holds one joblib
    ``Parallel`` per worker for the whole fit, so the data is sent to the
    workers once, not once per round).

    Parameters
    ----------
    search : HyperoptSearchCV
    internals : FitInternals
        ``fit``'s data and settings.
    cv : object with ``split``
        The search's splitter (the same folds ``evaluate_candidates`` gets).
    test : FoldRacingTest
    """

    def __init__(self, search: Any, internals: FitInternals, cv: Any, test: FoldRacingTest):
        self.search = search
        self.internals = internals
        self.test = test
        self.splits = [
            (np.asarray(train), np.asarray(test_))
            for train, test_ in cv.split(internals.X, internals.y, **internals.split_params)
        ]
        self.n_splits = len(self.splits)
        self.leaderboard = Leaderboard(self.n_splits)
        #: The optimised metric (known once a row was formatted).
        self.metric: str | None = None
        #: Fits made in this fit's races, kept or thrown away, and those thrown away.
        self.n_fits = 0
        self.n_discarded = 0
        #: Candidates raced in this fit (the others went through evaluate_candidates).
        self.n_raced = 0
        self.n_workers = max(1, effective_n_jobs(search.n_jobs))
        self._stack = contextlib.ExitStack()
        self._parallels: list[Any] | None = None

    @classmethod
    def start(
        cls, search: Any, evaluate_candidates: Any, cv: Any, trials: Sequence[Trial]
    ) -> FoldRacer:
        """The racer of ``search``'s fit; learns the complete candidates of ``trials``.

        Raises
        ------
        UnsupportedFitLayout
            When this scikit-learn's ``fit`` does not keep what racing needs.
        """
        internals = fit_internals(evaluate_candidates, search)
        source = cv if cv is not None else internals.cv_orig
        racer = cls(search, internals, source, FoldRacingTest(search.pruning_alpha))
        for trial in trials:  # a warm start: the candidates of the earlier fits
            racer.learn(trial.result)
        return racer

    # -- what a race compares with ---------------------------------------------------
    def learn(self, entries: Mapping[str, Any]) -> None:
        """Add a recorded candidate (a trial's result) to the leaderboard if it is complete."""
        if entries.get("status") != "ok" or entries.get("pruned"):
            return
        if self.metric is None:
            self.metric = self.search._optimized_metric(entries)
        keys = [f"split{j}_test_{self.metric}" for j in range(self.n_splits)]
        if not all(key in entries for key in keys):
            return
        self.leaderboard.add(np.array([entries[key] for key in keys], dtype=float))

    def annotate(self, entries: dict[str, Any], race: RaceResult | None) -> dict[str, Any]:
        """A row's trial entries with its ``pruned`` and ``n_folds_fitted`` (None: not raced)."""
        columns = race_columns([race], self.n_splits)
        return {**entries, **{key: values[0] for key, values in columns.items()}}

    def reference(self) -> Reference | None:
        """What the next round races against (None: no complete candidate yet)."""
        return self.leaderboard.reference()

    def races(self, n_candidates: int, reference: Reference | None) -> bool:
        """Whether a round of ``n_candidates`` with ``reference`` is raced: it has something
        to race against, or a first candidate to race against."""
        return self.n_splits >= 2 and (reference is not None or n_candidates >= 2)

    def _score_of(self, out: Mapping[str, Any]) -> float:
        score = out["test_scores"]
        if isinstance(score, Mapping):
            score = score.get(self.metric, math.nan)
        try:
            return float(score)
        except (TypeError, ValueError):
            return math.nan

    # -- workers -----------------------------------------------------------------
    def __enter__(self) -> FoldRacer:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stack.close()
        self._parallels = None

    def _worker_parallels(self) -> list[Any]:
        if self._parallels is None:
            n_jobs = self.search.n_jobs
            self._parallels = [
                self._stack.enter_context(Parallel(n_jobs=n_jobs)) for _ in range(self.n_workers)
            ]
        return self._parallels

    # -- a round -------------------------------------------------------------------
    def race(
        self,
        candidates: list[dict[str, Any]],
        reference: Reference | None,
        round_ctx: Any = None,
    ) -> list[RaceResult]:
        """Race ``candidates`` against ``reference``; hand their rows to ``fit``.

        ``reference`` None (no complete candidate yet): against the first
        candidate, once it is complete (see :class:`~skopt_hp._race.Race`).
        """
        internals, search = self.internals, self.search
        X, y = internals.X, internals.y
        base_estimator = internals.base_estimator
        kwargs = internals.fit_and_score_args()
        n, k = len(candidates), self.n_splits
        contexts = None
        if round_ctx is not None and FIT_AND_SCORE_TAKES_CALLBACKS:
            # Made ahead, in this thread: a context gaining children while a worker
            # thread pickles it with a fit would break that pickling.
            contexts = [
                round_ctx.subcontext(task_name="candidate-split-evaluation", task_id=t)
                for t in range(n * k)
            ]

        def run_fold(task: FoldTask, parallel: Any) -> dict[str, Any]:
            train, test = self.splits[task.fold]
            call = dict(
                train=train,
                test=test,
                parameters=candidates[task.candidate],
                split_progress=(task.fold, k),
                candidate_progress=(task.candidate, n),
                **kwargs,
            )
            if contexts is not None:
                call.update(caller=search, callback_ctx=contexts[task.candidate * k + task.fold])
            if parallel is None:
                return fit_and_score(clone(base_estimator), X, y, **call)
            job = delayed(capture_errors)(fit_and_score, clone(base_estimator), X, y, **call)
            out = parallel([job])[0]
            if isinstance(out, TaskError):
                raise out.error()
            return out

        race = Race(n, k, reference, self.test, self._score_of)
        config = get_config()
        run_fold_tasks(
            race.next_task,
            run_fold,
            race.complete,
            parallels=None if self.n_workers <= 1 else self._worker_parallels(),
            thread_setup=lambda: config_context(**config),
        )
        results = race.results()
        self.n_fits += race.n_started
        self.n_raced += n
        self.n_discarded += race.n_discarded
        self._hand_rows(candidates, results)
        logger.debug(
            "Raced %d candidates: %d stopped, %d fits (%d thrown away).",
            n,
            sum(r.pruned for r in results),
            race.n_started,
            race.n_discarded,
        )
        return results

    def _hand_rows(self, candidates: list[dict[str, Any]], results: list[RaceResult]) -> None:
        """Give ``fit`` the round's rows, as ``evaluate_candidates`` would have."""
        search, k = self.search, self.n_splits
        fitted = [out for result in results for out in result.outs]
        if callable(search.scoring):
            insert_error_scores(fitted, search.error_score)
        report_fit_failures(fitted, search.error_score)
        out: list[dict[str, Any]] = []
        for result in results:
            out.extend(result.outs)
            for j in range(result.n_folds_fitted, k):
                out.append(_not_fitted(result.outs[0], len(self.splits[j][1])))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=NON_FINITE_MESSAGE, category=UserWarning)
            self.internals.add_results(search, candidates, out, race_columns(results, k), k)
