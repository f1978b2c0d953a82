"""What ``BaseSearchCV.fit`` keeps in ``evaluate_candidates``, for searches that fit by themselves.

``evaluate_candidates`` evaluates a list of candidates and returns when all
of their fits ended: a search built on it moves in rounds. The asynchronous
mode of :class:`~skopt_hp.HyperoptHalvingSearchCV` (ASHA) must start a fit
the moment a worker is free, so it makes each fit itself, with the very
call ``evaluate_candidates`` would make (scikit-learn's ``_fit_and_score``
on a clone of the same estimator, the same data, scorers and routed fit
parameters), and then hands its results to ``fit`` exactly where
``evaluate_candidates`` puts its own, so that ``cv_results_``, refit,
``best_*`` and ``multimetric_`` come from scikit-learn's code as usual.

Both need ``fit``'s local variables, which ``evaluate_candidates`` holds in
its closure: :func:`fit_internals` reads them by name. The names have been
the same from scikit-learn 1.4 to 1.9 (``X``, ``y``, ``base_estimator``,
``fit_and_score_kwargs``, ``routed_params``, ``all_candidate_params``,
``all_out``, ``all_more_results``, ``results``); when one is missing,
:func:`fit_internals` returns None and the asynchronous mode is not
available (the caller says so, before any fit).

This module, like ``_sklearn_compat``, is where scikit-learn's private API
is touched; nothing else of the halving search reaches into it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._validation import (
    _fit_and_score,
    _insert_error_scores,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils.validation import _num_samples

__all__ = [
    "BASE_FIT_CHECKS_INPUT",
    "FitInternals",
    "fit_and_score",
    "fit_internals",
    "insert_error_scores",
    "num_samples",
    "warn_or_raise_about_fit_failures",
]

_NEEDED = (
    "X",
    "y",
    "base_estimator",
    "fit_and_score_kwargs",
    "routed_params",
    "all_candidate_params",
    "all_out",
    "all_more_results",
    "results",
)

#: Whether ``BaseSearchCV.fit`` calls ``self._check_input_parameters`` before the search
#: (recent releases; scikit-learn 1.4's halving searches call it from their own ``fit``).
BASE_FIT_CHECKS_INPUT = "_check_input_parameters" in vars(BaseSearchCV)

#: scikit-learn's function fitting and scoring one candidate on one split.
fit_and_score = _fit_and_score
#: Replaces a failed fit's float score by a dict of them (a callable multi-metric scorer).
insert_error_scores = _insert_error_scores
#: Warns about failed fits, or raises when every fit failed.
warn_or_raise_about_fit_failures = _warn_or_raise_about_fit_failures
#: Number of samples of an array-like, a DataFrame or a sparse matrix.
num_samples = _num_samples

_FIT_AND_SCORE_PARAMS = frozenset(inspect.signature(_fit_and_score).parameters)


@dataclass
class FitInternals:
    """``fit``'s data and settings, and the lists ``cv_results_`` is made from."""

    X: Any
    y: Any
    base_estimator: Any
    fit_and_score_kwargs: dict[str, Any]
    split_params: dict[str, Any]
    _cells: dict[str, Any]

    def fit_and_score_args(self) -> dict[str, Any]:
        """The keyword arguments ``evaluate_candidates`` gives every ``_fit_and_score`` call."""
        return {k: v for k, v in self.fit_and_score_kwargs.items() if k in _FIT_AND_SCORE_PARAMS}

    def add_results(
        self,
        search: BaseSearchCV,
        candidate_params: list[dict[str, Any]],
        out: list[dict[str, Any]],
        more_results: dict[str, list[Any]],
        n_splits: int,
    ) -> dict[str, Any]:
        """Append evaluated candidates as ``evaluate_candidates`` does; return ``cv_results_``.

        ``out`` holds ``n_splits`` results per candidate, candidate by
        candidate, as ``evaluate_candidates`` orders them.
        """
        all_params = self._cells["all_candidate_params"].cell_contents
        all_out = self._cells["all_out"].cell_contents
        all_more = self._cells["all_more_results"].cell_contents
        all_params.extend(candidate_params)
        all_out.extend(out)
        for key, values in more_results.items():
            all_more[key].extend(values)
        results = search._format_results(all_params, n_splits, all_out, all_more)
        self._cells["results"].cell_contents = results
        return results


def fit_internals(evaluate_candidates: Any) -> FitInternals | None:
    """The :class:`FitInternals` of the ``fit`` running ``evaluate_candidates`` (None: unknown)."""
    code = getattr(evaluate_candidates, "__code__", None)
    closure = getattr(evaluate_candidates, "__closure__", None)
    if code is None or closure is None:
        return None
    cells = dict(zip(code.co_freevars, closure, strict=True))
    if not all(name in cells for name in _NEEDED):
        return None
    try:
        values = {name: cells[name].cell_contents for name in _NEEDED}
        split_params = dict(values["routed_params"].splitter.split)
    except (ValueError, AttributeError):  # an empty cell, another routing layout
        return None
    if not isinstance(values["fit_and_score_kwargs"], dict) or not isinstance(
        values["all_out"], list
    ):
        return None
    return FitInternals(
        X=values["X"],
        y=values["y"],
        base_estimator=values["base_estimator"],
        fit_and_score_kwargs=values["fit_and_score_kwargs"],
        split_params=split_params,
        _cells=cells,
    )
