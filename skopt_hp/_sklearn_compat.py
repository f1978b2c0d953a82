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

The oldest scikit-learn supported is :data:`MIN_SKLEARN` (1.4: metadata
routing of search estimators and ``_parameter_constraints`` of
``BaseSearchCV`` are both there, and 1.4.2 is the first release built for
numpy 2).
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from collections import Counter
from collections.abc import Iterator
from typing import Any

import sklearn
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import _search as _sk_search
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

__all__ = [
    "MIN_SKLEARN",
    "SKLEARN_VERSION",
    "BaseSearchCV",
    "FitFailureLog",
    "HasMethods",
    "Interval",
    "StrOptions",
    "FailingFitsContext",
    "WorkerDiedError",
    "can_fail_fits",
    "defer_all_fits_failed",
    "discard_aborted_tasks",
    "has_callbacks",
    "n_splits_of_current_fit",
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
    import inspect

    try:
        parameters = inspect.signature(evaluate_candidates).parameters
    except (TypeError, ValueError):
        return False
    return SKLEARN_VERSION >= (1, 9) and "callback_ctx" in parameters
