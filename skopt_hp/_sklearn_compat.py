"""Every use of scikit-learn's private API, in one place.

:class:`~skopt_hp.HyperoptSearchCV` plugs into scikit-learn's
``BaseSearchCV``, which is not public API. Everything it needs beyond the
public API is imported or touched here, so that a scikit-learn release that
moves something breaks this module only, and the fix is local.

What is used, and why:

* ``BaseSearchCV`` (``sklearn.model_selection._search``): the base class; it
  owns ``fit``, ``cv_results_`` formatting, refit and the delegated
  prediction methods. Subclasses implement ``_run_search``.
* ``Interval``, ``StrOptions``, ``HasMethods``
  (``sklearn.utils._param_validation``): the constraint objects of
  ``_parameter_constraints``, checked by ``BaseSearchCV.fit`` before any fit.
* ``_warn_or_raise_about_fit_failures`` (looked up by ``BaseSearchCV.fit``
  as a global of ``sklearn.model_selection._search``): see
  :func:`defer_all_fits_failed`.
* ``BaseSearchCV._format_results`` and what ``fit`` does with its result:
  ``evaluate_candidates`` formats ``cv_results_`` after each call and
  returns it, and ``fit`` keeps the dict returned by the *last* call as
  ``cv_results_``. ``HyperoptSearchCV`` overrides ``_format_results`` to
  format only each round's rows, returns one dict object from every call,
  and fills it with the whole ``cv_results_`` when its search ends (see
  :mod:`skopt_hp._search_results`).
* The callback context argument of ``evaluate_candidates`` and where
  ``_fit_and_score`` enters it (scikit-learn >= 1.9): see
  :class:`FailingFitsContext`; and a context's private list of callbacks:
  see :func:`has_callbacks`.
* The ``joblib.Parallel`` held by ``evaluate_candidates``' closure, and its
  private ``_ready_batches`` queue: see :func:`discard_aborted_tasks`.
* ``fit``'s local variables that ``evaluate_candidates`` holds in its
  closure (the data, the clone of the estimator, the keyword arguments of
  every fit, the lists ``cv_results_`` is formatted from), and
  ``_fit_and_score`` (``sklearn.model_selection._validation``), for fold
  racing (``pruning="folds"``), which fits candidates fold by fold and hands
  the rows to ``fit`` where ``evaluate_candidates`` puts its own: see
  :func:`fit_internals`.

The oldest scikit-learn supported is :data:`MIN_SKLEARN` (1.4: metadata
routing of search estimators and ``_parameter_constraints`` of
``BaseSearchCV`` are both there, and 1.4.2 is the first release built for
numpy 2).
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sklearn
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import _search as _sk_search
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._validation import (
    _fit_and_score,
    _insert_error_scores,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _num_samples

__all__ = [
    "BASE_FIT_CHECKS_INPUT",
    "MIN_SKLEARN",
    "SKLEARN_VERSION",
    "BaseSearchCV",
    "FitFailureLog",
    "HasMethods",
    "Interval",
    "StrOptions",
    "FailingFitsContext",
    "FitInternals",
    "UnsupportedFitLayout",
    "WorkerDiedError",
    "can_fail_fits",
    "defer_all_fits_failed",
    "discard_aborted_tasks",
    "fit_and_score",
    "fit_internals",
    "fit_internals_or_none",
    "has_callbacks",
    "insert_error_scores",
    "n_splits_of_current_fit",
    "num_samples",
    "report_fit_failures",
    "warn_or_raise_about_fit_failures",
]

MIN_SKLEARN = (1, 4)


def _parse_version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


SKLEARN_VERSION: tuple[int, ...] = _parse_version(sklearn.__version__)


# ---------------------------------------------------------------------------
# Fit failures, reported once per search
# ---------------------------------------------------------------------------
# ``BaseSearchCV``'s ``evaluate_candidates`` checks the fits *of that call*:
# it warns (``FitFailedWarning``, "N fits failed out of a total of M") when
# some failed and raises ``ValueError("All the M fits failed")`` when all did.
# RandomizedSearchCV makes a single call, so the warning comes once with the
# search's totals and the error means the whole search failed. A sequential
# search calls it once per round: it would warn once per round with that
# round's totals, and one round whose candidates all failed (likely with a
# small round in a space where some settings are invalid) would abort a
# search that ``error_score=np.nan`` should let go on.
#
# The check is the module global ``_warn_or_raise_about_fit_failures`` of
# ``sklearn.model_selection._search``. We replace it, once, by a wrapper that
# behaves exactly as the original unless the calling thread is inside
# ``defer_all_fits_failed()`` (a context variable, so other searches and other
# threads are unaffected). Inside, with ``once=True`` (HyperoptSearchCV), a
# call only counts its fits and failures; the search calls
# :meth:`FitFailureLog.finish` when it ends, which runs scikit-learn's own check
# once over the counts of every round: the warning RandomizedSearchCV gives,
# word for word, or its error when every fit of the search failed.

_FAILURE_LOG: contextvars.ContextVar[FitFailureLog | None] = contextvars.ContextVar(
    "skopt_hp_fit_failure_log", default=None
)
_ORIGINAL_CHECK = getattr(_sk_search, "_warn_or_raise_about_fit_failures", None)


class FitFailureLog:
    """Fit failures seen by the calls of ``evaluate_candidates`` of one search.

    Parameters
    ----------
    once : bool, default=False
        True: a call only counts its fits; :meth:`finish` reports them all
        when the search ends. False: a call whose fits all failed warns
        (``FitFailedWarning``) instead of raising, and any other call is
        checked by scikit-learn as usual (a warning per call with some
        failures); :attr:`all_failed` and :meth:`all_failed_error` then let
        the search raise scikit-learn's error when every fit failed.
    """

    def __init__(self, once: bool = False) -> None:
        self.once = once
        self.n_fits = 0
        self.errors: Counter[str] = Counter()

    @property
    def n_failed(self) -> int:
        return sum(self.errors.values())

    @property
    def all_failed(self) -> bool:
        return self.n_fits > 0 and self.n_failed == self.n_fits

    def _summary(self, errors: Counter[str]) -> str:
        delimiter = "-" * 80 + "\n"
        return "\n".join(
            f"{delimiter}{n} fits failed with the following error:\n{error}"
            for error, n in errors.items()
        )

    def all_failed_error(self) -> ValueError:
        """scikit-learn's error for a search in which every fit failed."""
        return ValueError(
            f"\nAll the {self.n_fits} fits failed.\n"
            "It is very likely that your model is misconfigured.\n"
            "You can try to debug the error by setting error_score='raise'.\n\n"
            f"Below are more details about the failures:\n{self._summary(self.errors)}"
        )

    def record(self, results: list[dict], error_score: Any) -> bool:
        """Count the fits of one call; True when it is handled (not left to scikit-learn)."""
        errors = Counter(r["fit_error"] for r in results if r.get("fit_error") is not None)
        self.n_fits += len(results)
        self.errors.update(errors)
        if self.once:
            return True
        n_failed = sum(errors.values())
        if not results or n_failed != len(results):
            return False
        warnings.warn(
            f"\n{n_failed} fits failed out of a total of {len(results)} in this round of the "
            "search.\nThe score on these train-test partitions for these parameters will be "
            f"set to {error_score}.\nIf these failures are not expected, you can try to debug "
            "them by setting error_score='raise'.\n\n"
            f"Below are more details about the failures:\n{self._summary(errors)}",
            FitFailedWarning,
            stacklevel=3,
        )
        return True

    def finish(self, error_score: Any) -> None:
        """scikit-learn's check, once over every fit of the search (``once=True``).

        Warns (``FitFailedWarning``) with the search's totals when some fits
        failed; raises scikit-learn's ``ValueError`` when all of them did.
        """
        if not self.n_failed:
            return
        # The check reads only each fit's "fit_error"; errors in their first-seen order,
        # as its summary counts them.
        fits = [{"fit_error": error} for error, n in self.errors.items() for _ in range(n)]
        fits += [{"fit_error": None}] * (self.n_fits - self.n_failed)
        _ORIGINAL_CHECK(fits, error_score)  # type: ignore[misc]


def _deferring_check(results: list[dict], error_score: Any) -> None:
    log = _FAILURE_LOG.get()
    if log is not None and log.record(results, error_score):
        return
    _ORIGINAL_CHECK(results, error_score)  # type: ignore[misc]


def _install_deferring_check() -> bool:
    current = getattr(_sk_search, "_warn_or_raise_about_fit_failures", None)
    if current is _deferring_check:
        return True
    if current is None or current is not _ORIGINAL_CHECK:
        # Unknown scikit-learn layout (or someone else's patch): leave it alone.
        return False
    _sk_search._warn_or_raise_about_fit_failures = _deferring_check
    return True


@contextlib.contextmanager
def defer_all_fits_failed(*, once: bool = False) -> Iterator[FitFailureLog | None]:
    """Within this block, fit failures of ``evaluate_candidates`` go to a :class:`FitFailureLog`.

    With ``once``, a call only counts them and the log's
    :meth:`~FitFailureLog.finish` reports them when the search ends (what
    ``HyperoptSearchCV`` does); otherwise only a call whose fits all failed
    is deferred (see :class:`FitFailureLog`). Yields ``None`` when this
    scikit-learn's layout is not the known one (then each call warns or
    raises as usual).
    """
    if not _install_deferring_check():
        yield None
        return
    log = FitFailureLog(once=once)
    token = _FAILURE_LOG.set(log)
    try:
        yield log
    finally:
        _FAILURE_LOG.reset(token)


def has_callbacks(callback_ctx: Any) -> bool:
    """Whether any callback listens to ``callback_ctx`` (scikit-learn >= 1.9's context).

    A sequential search adds a task per round to the context's tree, and
    every fit task sent to a worker process carries the whole tree (a
    context pickles its parents, which hold their children): O(N) bytes per
    task by the end of a search. Without callbacks nobody reads the tree, so
    the search makes none. An unknown layout counts as having callbacks.
    """
    callbacks = getattr(callback_ctx, "_callbacks", None)
    return callbacks is None or bool(callbacks)


def n_splits_of_current_fit(search: BaseSearchCV) -> int | None:
    """``n_splits_`` of the fit in progress, when it is known inside ``_run_search``.

    scikit-learn sets it before calling ``_run_search`` from 1.9 on; before,
    it is set after, so the attribute seen during the search is the previous
    fit's (or missing) and says nothing about this one.
    """
    if SKLEARN_VERSION >= (1, 9):
        return getattr(search, "n_splits_", None)
    return None


# ---------------------------------------------------------------------------
# Candidates whose fit killed its worker process
# ---------------------------------------------------------------------------
# A fit that kills its joblib worker (os._exit, a segfault, the OOM killer) is
# not an exception inside the fit: scikit-learn cannot score it with
# error_score, and joblib raises TerminatedWorkerError for the whole call of
# evaluate_candidates. Once HyperoptSearchCV has found such a candidate (by
# evaluating the round's candidates one at a time), it still needs the row
# scikit-learn gives a failed fit, so that cv_results_ keeps one row per
# candidate. evaluate_candidates (scikit-learn >= 1.9) takes a callback
# context that it hands to every fit of the call, and _fit_and_score enters it
# inside the try block around fit: a context whose "fit begins" hook raises
# makes each fit of that call fail, before it starts, with our message.


class WorkerDiedError(RuntimeError):
    """The fit of a candidate killed its worker process (the error recorded for its fits)."""


class FailingFitsContext:
    """A callback context under which every fit of an ``evaluate_candidates`` call fails.

    Picklable (it is sent to the workers with each fit).
    """

    def __init__(self, message: str) -> None:
        self.message = message

    def subcontext(self, **kwargs: Any) -> FailingFitsContext:
        return self

    def propagate_callback_context(self, estimator: Any) -> contextlib.nullcontext:
        return contextlib.nullcontext()

    def call_on_fit_task_begin(self, **kwargs: Any) -> None:
        raise WorkerDiedError(self.message)

    def call_on_fit_task_end(self, **kwargs: Any) -> None:
        return None


def discard_aborted_tasks(evaluate_candidates: Any) -> None:
    """Drop the tasks an aborted call left in the ``joblib.Parallel`` of this ``fit``.

    When a worker dies, joblib (1.6) aborts the call but leaves its batches
    not yet dispatched in ``Parallel._ready_batches``, and the next call on
    the same ``Parallel`` (``BaseSearchCV.fit`` keeps one for the whole
    search, in ``evaluate_candidates``' closure) runs them first and returns
    their results before its own: ``cv_results_`` would get rows of the wrong
    candidates (or the killer would run again). Emptying the queue before the
    next call prevents it; without that layout, nothing is done.
    """
    import queue

    from joblib import Parallel

    for cell in getattr(evaluate_candidates, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        ready = getattr(value, "_ready_batches", None) if isinstance(value, Parallel) else None
        while ready is not None:
            try:
                ready.get_nowait()
            except queue.Empty:
                break


def can_fail_fits(evaluate_candidates: Any) -> bool:
    """Whether ``evaluate_candidates`` accepts a :class:`FailingFitsContext` (scikit-learn 1.9+)."""
    try:
        parameters = inspect.signature(evaluate_candidates).parameters
    except (TypeError, ValueError):
        return False
    return SKLEARN_VERSION >= (1, 9) and "callback_ctx" in parameters


# ---------------------------------------------------------------------------
# Fitting candidates fold by fold, outside evaluate_candidates
# ---------------------------------------------------------------------------
# ``evaluate_candidates`` fits every candidate on every split. Fold racing
# fits a candidate's folds one at a time and stops early, so it makes each fit
# itself, with the very call ``evaluate_candidates`` makes (``_fit_and_score``
# on a clone of ``fit``'s clone of the estimator, on ``fit``'s data, with the
# keyword arguments ``fit`` prepared: scorers, routed fit and score
# parameters, ``error_score``, ``return_train_score``...), and hands the
# results to ``fit`` where ``evaluate_candidates`` puts its own: it extends
# the lists ``all_candidate_params``, ``all_out`` and ``all_more_results``,
# formats them with the search's ``_format_results`` and stores the dict in
# ``results``, the variable ``fit`` turns into ``cv_results_``. ``fit``'s
# refit, ``best_*``, ``multimetric_`` and ``scorer_`` then come from
# scikit-learn's own code, and ``fit`` is not re-implemented.
#
# These are local variables of ``BaseSearchCV.fit``, reachable only through
# the closure of ``evaluate_candidates``, read here by name. The names below
# are the same in every release from 1.4 to 1.9;
# tests/search/test_racing_sklearn_contract.py checks them against the
# installed release, and :func:`fit_internals` raises
# :class:`UnsupportedFitLayout` (before any fit) when one is missing.

#: Names of ``fit``'s variables in ``evaluate_candidates``' closure that racing reads.
FIT_CLOSURE_NAMES = (
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

#: scikit-learn's function fitting and scoring one candidate on one split.
fit_and_score = _fit_and_score
#: Warns about failed fits, or raises when every fit failed (scikit-learn's own, unpatched).
warn_or_raise_about_fit_failures = _warn_or_raise_about_fit_failures
#: Number of samples of an array-like, a DataFrame or a sparse matrix.
num_samples = _num_samples
#: Whether ``BaseSearchCV.fit`` calls ``self._check_input_parameters`` before the search
#: (recent releases; scikit-learn 1.4's halving searches call it from their own ``fit``).
BASE_FIT_CHECKS_INPUT = "_check_input_parameters" in vars(BaseSearchCV)

_FIT_AND_SCORE_PARAMS = frozenset(inspect.signature(_fit_and_score).parameters)

#: Whether ``_fit_and_score`` takes scikit-learn's callback context (1.9+).
FIT_AND_SCORE_TAKES_CALLBACKS = {"caller", "callback_ctx"} <= _FIT_AND_SCORE_PARAMS


class UnsupportedFitLayout(RuntimeError):
    """This scikit-learn's ``BaseSearchCV.fit`` does not keep what fold racing needs."""


@dataclass
class FitInternals:
    """``fit``'s data and settings, and the lists ``cv_results_`` is formatted from.

    Attributes
    ----------
    X, y : array-like
        The data ``fit`` was called with (after ``indexable``).
    base_estimator : estimator
        ``fit``'s clone of ``estimator``; each fit gets a clone of it.
    fit_and_score_kwargs : dict
        The keyword arguments ``evaluate_candidates`` gives every
        ``_fit_and_score`` call (besides the split, the candidate and the
        progress counters).
    split_params : dict
        The parameters routed to ``cv.split`` (``groups``...).
    cv_orig : cross-validation generator or None
        ``fit``'s resolved ``cv`` (what ``evaluate_candidates`` splits with
        when given no ``cv``).
    """

    X: Any
    y: Any
    base_estimator: Any
    fit_and_score_kwargs: dict[str, Any]
    split_params: dict[str, Any]
    cv_orig: Any
    _cells: dict[str, Any]

    def fit_and_score_args(self) -> dict[str, Any]:
        """``fit_and_score_kwargs`` restricted to what ``_fit_and_score`` takes."""
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
        candidate, in ``evaluate_candidates``' order.
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


def fit_internals(evaluate_candidates: Any, search: BaseSearchCV) -> FitInternals:
    """The :class:`FitInternals` of the ``fit`` running ``evaluate_candidates``.

    Raises
    ------
    UnsupportedFitLayout
        When this scikit-learn's ``fit`` keeps them under other names (a
        release after those tested), naming what is missing.
    """
    code = getattr(evaluate_candidates, "__code__", None)
    closure = getattr(evaluate_candidates, "__closure__", None) or ()
    names = code.co_freevars if code is not None else ()
    cells = dict(zip(names, closure, strict=False))
    missing = [name for name in FIT_CLOSURE_NAMES if name not in cells]
    values: dict[str, Any] = {}
    if not missing:
        try:
            values = {name: cells[name].cell_contents for name in FIT_CLOSURE_NAMES}
            split_params = dict(values["routed_params"].splitter.split)
        except (ValueError, AttributeError, TypeError) as error:  # an empty cell, new routing
            missing = [f"a readable routed_params.splitter.split ({error})"]
    if not missing and not (
        isinstance(values["fit_and_score_kwargs"], dict)
        and isinstance(values["all_out"], list)
        and isinstance(values["all_candidate_params"], list)
        and hasattr(values["all_more_results"], "items")
    ):
        missing = ["fit_and_score_kwargs, all_candidate_params, all_out of the known types"]
    if missing:
        raise UnsupportedFitLayout(
            "pruning='folds' fits candidates fold by fold with the data and settings that "
            "scikit-learn's BaseSearchCV.fit keeps for evaluate_candidates, but scikit-learn "
            f"{sklearn.__version__} does not keep {', '.join(missing)} there (releases 1.4 to "
            "1.9 do). Use pruning=None, or a scikit-learn release from 1.4 to 1.9."
        )
    cv_cell = cells.get("cv_orig")  # scikit-learn < 1.9 keeps the resolved cv in fit
    cv_orig = cv_cell.cell_contents if cv_cell is not None else None
    if cv_orig is None:
        cv_orig = getattr(search, "_checked_cv_orig", None)
    return FitInternals(
        X=values["X"],
        y=values["y"],
        base_estimator=values["base_estimator"],
        fit_and_score_kwargs=values["fit_and_score_kwargs"],
        split_params=split_params,
        cv_orig=cv_orig,
        _cells=cells,
    )


def fit_internals_or_none(evaluate_candidates: Any, search: BaseSearchCV) -> FitInternals | None:
    """:func:`fit_internals`, or ``None`` where this scikit-learn keeps them elsewhere."""
    try:
        return fit_internals(evaluate_candidates, search)
    except UnsupportedFitLayout:
        return None


def insert_error_scores(out: list[dict[str, Any]], error_score: Any) -> None:
    """Give a callable scorer's failed fits a dict of ``error_score``, as evaluate_candidates."""
    _insert_error_scores(out, error_score)


def report_fit_failures(out: list[dict[str, Any]], error_score: Any) -> None:
    """The fit-failure check ``evaluate_candidates`` makes (see :func:`defer_all_fits_failed`).

    Looked up in ``sklearn.model_selection._search`` as ``evaluate_candidates``
    looks it up, so a search inside :func:`defer_all_fits_failed` counts these
    fits with those of its other rounds.
    """
    check = getattr(_sk_search, "_warn_or_raise_about_fit_failures", None) or _ORIGINAL_CHECK
    if check is not None and out:
        check(out, error_score)
