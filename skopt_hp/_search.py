"""``HyperoptSearchCV``: hyperparameter search of a scikit-learn estimator with TPE.

The class is a ``BaseSearchCV`` (scikit-learn's base of ``GridSearchCV`` and
``RandomizedSearchCV``) that only implements ``_run_search``: scikit-learn
keeps doing the cross-validation, the parallel fits, ``cv_results_``, the
refit and the delegated ``predict``... This module decides *which*
candidates to evaluate, round after round, from what the earlier rounds
scored.
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
import sys
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _tracking
from . import tpe as _tpe  # noqa: F401  (registers algo="tpe")
from ._ask import UntriedPoints, ask, resolve_algo
from ._loop import Budget, RunMonitor
from ._progress import progress_bar
from ._race import RaceResult
from ._search_racing import FoldRacer, race_columns
from ._search_records import search_info, search_outcome, search_trial_record
from ._search_results import (
    NON_FINITE_MESSAGE,
    ResultsLog,
    SearchHistory,
    check_same_splits,
    rank_non_finite_last,
    times_over_fitted_folds,
    warn_non_finite,
)
from ._sklearn_compat import (
    BaseSearchCV,
    FailingFitsContext,
    Interval,
    StrOptions,
    can_fail_fits,
    defer_all_fits_failed,
    discard_aborted_tasks,
    has_callbacks,
    n_splits_of_current_fit,
)
from ._trials import Trial, Trials
from .samplers import Sampler
from .space import SearchSpace, from_param_distributions
from .space._apply import Apply
from .space._grid import FiniteGrid
from .space._nodes import Choice, Expr, Normal, Uniform

__all__ = ["HyperoptSearchCV"]

#: Candidates proposed jointly per round by default (see ``n_points``).
DEFAULT_N_POINTS = 4

#: Fold racing stops a candidate whose chance to end at least as good as the reference is
#: below this (see ``pruning_alpha``); chosen by ``benchmarks/tune_racing.py``.
DEFAULT_PRUNING_ALPHA = 0.1

#: What a copy of a running search leaves out (see ``HyperoptSearchCV.__getstate__``): the
#: search's records, which grow with it, and the previous fit's results and model.
_GROWING_STATE = (
    "trials_",
    "_history",
    "_results_log",
    "cv_results_",
    "best_estimator_",
    "best_params_",
    "_worker_deaths",
)


# The Spark integration sits above the search and hands its replacement of joblibspark's
# backend down when it is imported (as `import skopt_hp` does): see provide_joblibspark_fix.
_joblibspark_fix: list[Callable[[], contextlib.AbstractContextManager[Any]]] = []


def provide_joblibspark_fix(fix: Callable[[], contextlib.AbstractContextManager[Any]]) -> None:
    """Set the context that replaces joblibspark's active backend during a fit.

    Called by :mod:`skopt_hp.integrations.spark` when it is imported.

    Parameters
    ----------
    fix : callable
        Returns a context manager within which joblibspark's own active
        ``"spark"`` backend, if any, is replaced by skopt_hp's fixed one.
    """
    _joblibspark_fix[:] = [fix]


def _fixed_joblibspark() -> contextlib.AbstractContextManager[Any]:
    """joblibspark's own active ``"spark"`` backend replaced by skopt_hp's fixed one.

    Under ``joblibspark.register_spark()`` and ``parallel_backend("spark")``,
    joblibspark's defects would turn a fit's error into an ``AttributeError``
    (see ``skopt_hp/integrations/_spark_backend.py``). Only when joblibspark
    was imported by the user: nothing is imported otherwise.
    """
    if sys.modules.get("joblibspark") is None:
        return contextlib.nullcontext()
    if not _joblibspark_fix:
        raise RuntimeError(
            "HyperoptSearchCV under joblibspark needs skopt_hp.integrations.spark, which "
            "`import skopt_hp` imports."
        )
    return _joblibspark_fix[0]()


# ---------------------------------------------------------------------------
# Search space
# ---------------------------------------------------------------------------
def _as_int(value: float) -> int:
    return int(round(value))


def _integral_q(node: Any) -> bool:
    """A quantised hp expression on a whole-number grid (q = 1, 2, 5...)."""
    return (
        isinstance(node, (Uniform, Normal))
        and node.q is not None
        and not node.integer
        and float(node.q).is_integer()
    )


def _cast_integral_q(node: Any, memo: dict[int, Any]) -> Any:
    """``node`` with each whole-number-``q`` expression wrapped in an int cast.

    ``hp.quniform("max_depth", 2, 10, 1)`` evaluates to ``3.0`` (as in
    hyperopt), which scikit-learn rejects for integer parameters. Wrapping
    the expression itself (rather than casting the evaluated dict) keeps the
    rule local to the parameter, so ``scope.float(hp.quniform(...))`` still
    gives a float, and samplers see the same labels as before. ``memo`` maps
    ids of visited nodes to their replacement, so an expression used in two
    places stays one object (labels must map to one expression).
    """
    key = id(node)
    if key in memo:
        return memo[key]
    out = node
    if _integral_q(node):
        out = Apply("int", _as_int, (node,), {})
    elif isinstance(node, Choice):
        options = [_cast_integral_q(o, memo) for o in node.options]
        if any(a is not b for a, b in zip(options, node.options, strict=True)):
            out = Choice(node.label, options, node.p, func=node._func)
    elif isinstance(node, Apply):
        args = tuple(_cast_integral_q(a, memo) for a in node.args)
        kwargs = {k: _cast_integral_q(v, memo) for k, v in node.kwargs.items()}
        changed = any(a is not b for a, b in zip(args, node.args, strict=True)) or any(
            kwargs[k] is not node.kwargs[k] for k in kwargs
        )
        if changed:
            out = Apply(node.name, node.fn, args, kwargs)
    elif isinstance(node, dict):
        values = {k: _cast_integral_q(v, memo) for k, v in node.items()}
        if any(values[k] is not node[k] for k in values):
            out = values if type(node) is dict else type(node)(values)
    elif isinstance(node, (list, tuple)):
        items = [_cast_integral_q(v, memo) for v in node]
        if any(a is not b for a, b in zip(items, node, strict=True)):
            if isinstance(node, list):
                out = items
            elif hasattr(node, "_fields"):
                out = type(node)(*items)
            else:
                out = tuple(items)
    memo[key] = out
    return out


def _compile_space(search_space: Any) -> SearchSpace:
    """The sampler's view of ``search_space`` (after the scikit-learn conversions)."""
    converted = from_param_distributions(search_space)
    return SearchSpace(_cast_integral_q(converted, {}))


def _resolve_sampler(algo: Any) -> Sampler:
    return resolve_algo(algo, param_name="algo")


def _candidate(space: SearchSpace, trial: Trial) -> dict[str, Any]:
    params = space.evaluate(trial.params)
    if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
        raise TypeError(
            "search_space must evaluate to a dict of parameter name (str) to value, but the "
            f"point {trial.params!r} evaluated to {params!r}."
        )
    # Estimators inside the space (model-choice spaces) are shared by every
    # candidate that picks them; hand each candidate its own unfitted copy so
    # nothing fitted ever lands in the user's space or in cv_results_. Names
    # are sorted as scikit-learn's ParameterSampler sorts them, which orders
    # the param_* columns of cv_results_ as RandomizedSearchCV does.
    return {name: clone(params[name], safe=False) for name in sorted(params)}


# ---------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------
class _FrozenSplits:
    """The splits of a search's ``cv``, computed on the first ``split`` call and replayed.

    ``evaluate_candidates`` calls ``cv.split`` on every call. A randomised
    splitter without an integer ``random_state`` (``KFold(shuffle=True)``)
    would then give each round different folds, and scores of different
    rounds would not be comparable. Within one ``fit`` every call passes the
    same data, so replaying the first call's splits is exact.

    ``cv`` is resolved as ``BaseSearchCV.fit`` resolves it (``check_cv`` with
    the ``y`` of the call, stratified for classifiers), which gives the same
    splitter: the one ``fit`` built is not available before scikit-learn 1.9.
    """

    def __init__(self, cv: Any, classifier: bool):
        self.cv = cv
        self.classifier = classifier
        self._splits: list[tuple[np.ndarray, np.ndarray]] | None = None

    def _resolve(self, y: Any) -> Any:
        return check_cv(self.cv, y, classifier=self.classifier)

    def split(self, X: Any, y: Any = None, **params: Any):
        if self._splits is None:
            splits = self._resolve(y).split(X, y, **params)
            self._splits = [(np.asarray(train), np.asarray(test)) for train, test in splits]
        return iter(self._splits)

    def get_n_splits(self, X: Any = None, y: Any = None, **params: Any) -> int:
        if self._splits is not None:
            return len(self._splits)
        return self._resolve(y).get_n_splits(X, y, **params)

    def __repr__(self) -> str:
        return f"_FrozenSplits({self.cv!r})"


def _frozen_splits(search: BaseSearchCV) -> _FrozenSplits | None:
    """The ``cv`` to give ``evaluate_candidates`` (``None``: its own)."""
    cv = search.cv
    if cv is not None and not isinstance(cv, numbers.Integral) and not hasattr(cv, "split"):
        if iter(cv) is cv:
            # An iterator of splits was consumed by fit's check_cv, which kept
            # them as a list: its own splitter is already constant.
            return None
    return _FrozenSplits(cv, is_classifier(search.estimator))


# ---------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------
class HyperoptSearchCV(BaseSearchCV):
    """Hyperparameter search with cross-validation, guided by TPE.

    A drop-in for :class:`~sklearn.model_selection.RandomizedSearchCV`:
    ``search_space`` accepts its ``param_distributions`` (lists, scipy.stats
    distributions, lists of dicts) as well as :mod:`skopt_hp.hp` expressions,
    including conditional spaces. Instead of drawing every candidate up front,
    the search proposes ``n_points`` candidates per round from what the
    earlier rounds scored (Tree-structured Parzen Estimator by default).
    Everything else — parallel cross-validated fits, ``cv_results_``, refit,
    ``predict`` — is scikit-learn's ``BaseSearchCV``.

    Parameters
    ----------
    estimator : estimator object
        Fitted for each candidate; must provide ``score`` unless ``scoring``
        is given. Its tags are the search's: a classifier (or a pipeline
        ending in one) makes the search a classifier, with stratified folds.
    search_space : dict, list of dict, or hp expression
        The candidates. A dict maps parameter names (``set_params`` names
        such as ``"clf__C"``) to an ``hp`` expression, a sequence of values
        (a list, tuple, ``range`` or numpy array: a uniform choice over its
        items), a scipy.stats distribution (``uniform``,
        ``loguniform``, ``randint`` and ``norm`` are modelled; others are
        drawn from the prior), or a constant. A list of dicts is a choice
        between them, as in ``RandomizedSearchCV``. Any ``hp`` expression
        whose value is a dict of parameters works too, e.g. an
        ``hp.choice`` between dicts that set a pipeline step to different
        estimators with their own conditional parameters. Whole-number
        ``q`` expressions give ints (see Notes).
    n_iter : int, default=50
        Number of candidates evaluated (fewer when ``timeout`` or
        ``n_iter_no_change`` stop the search). A finite space (every
        parameter a list, ``hp.choice``, ``hp.randint``, ``hp.uniformint``,
        ``hp.quniform`` or ``hp.qloguniform``) is never searched twice at one
        point: a proposal repeating an evaluated or pending candidate is
        replaced by an untried one, and when the space has fewer than
        ``n_iter`` points the search evaluates each once, with
        ``RandomizedSearchCV``'s ``UserWarning``.
    algo : str, callable or Sampler, default="tpe"
        How candidates are proposed: ``"tpe"``, ``"rand"``,
        ``skopt_hp.tpe.suggest``, ``skopt_hp.rand.suggest``, a
        ``functools.partial`` of one of these with sampler settings, or a
        :class:`~skopt_hp.samplers.Sampler` instance.
    scoring : str, callable, list, tuple, dict or None, default=None
        As in scikit-learn. With several metrics, the sampler maximises the
        ``refit`` metric (see Notes for a callable ``refit``).
    n_jobs : int, default=None
        Number of fits run in parallel (joblib; candidates × folds of a
        round). ``None`` means 1 unless in a ``joblib.parallel_backend``
        context.
    refit : bool, str or callable, default=True
        As in scikit-learn.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn. The splits are computed once per ``fit`` and
        reused by every round, so a randomised splitter gives every
        candidate the same folds.
    verbose : int, default=0
        Verbosity: >0 shows a progress bar with the best score so far on
        an interactive terminal (tqdm, when installed) and, elsewhere (logs,
        CI), writes one line per round to standard output instead;
        scikit-learn's own messages follow its ``verbose`` rules.
    pre_dispatch : int or str, default="2*n_jobs"
        As in scikit-learn (per round).
    random_state : int, RandomState instance or None, default=None
        Seeds the proposals. With an int, the candidates and results are
        the same whatever ``n_jobs`` is (fits of random estimators need
        their own ``random_state``).
    error_score : "raise" or float, default=np.nan
        Score of a failed fit. With ``np.nan`` the search goes on and the
        candidate is a *failed* trial (the sampler ignores it rather than
        learning a loss from it); with a number, the candidate is scored
        with it like any other. Either way, when the search ends, one
        ``FitFailedWarning`` gives the search's totals, as in
        ``RandomizedSearchCV``. ``"raise"`` raises. If every fit of the
        search fails, scikit-learn's ``ValueError`` is raised, as in
        ``RandomizedSearchCV``.
    return_train_score : bool, default=False
        As in scikit-learn.
    n_points : int, default=4
        Candidates proposed jointly per round (each proposal treats the
        earlier ones of its round as pending). Rounds evaluate
        ``n_points × n_splits`` fits in parallel, so a larger round keeps
        more workers busy but adapts less often. The round size never
        depends on ``n_jobs``, which keeps results reproducible. The
        default, 4, keeps two workers fully busy with 5-fold CV (20 fits a
        round) at no measurable cost in search quality
        (see ``docs/benchmarks.md``). Use about ``n_jobs`` or more when
        ``n_jobs`` is large.
    timeout : float or None, default=None
        Seconds after which no new round starts (the running round
        finishes). The first round always runs.
    n_iter_no_change : int or None, default=None
        Stop when the best score has not improved during the last
        ``n_iter_no_change`` evaluated candidates (checked after each round).
    warm_start : bool, default=False
        When True and the search was fitted before (to the end or until
        interrupted), ``fit`` continues it: the candidates already evaluated
        keep their rows of ``cv_results_`` and their trials, the sampler
        learns from them, and only ``n_iter`` minus their number are
        evaluated. Raise ``n_iter`` to search further. Call it with the same
        data, ``cv``, ``scoring`` and ``search_space``; the number of splits
        and the metric names are checked. With an int ``random_state``, a
        search continued to ``n_iter`` proposes the candidates a single
        search of ``n_iter`` would have proposed, as long as the stopping
        point was a multiple of ``n_points`` (and, with ``pruning``, as long
        as the search was fitted with the same ``pruning`` settings).
    pruning : {"folds"} or None, default=None
        ``"folds"``: fold racing. Candidates are fit fold by fold, and after
        each fold a candidate clearly worse than the best fully evaluated
        candidate on the same folds stops: its remaining folds are never
        fit. Its row of ``cv_results_`` has NaN for those folds and for its
        mean and standard deviation of test (and train) scores, so it ranks
        last and is never ``best_*``; the ``pruned`` and
        ``n_folds_fitted`` columns say which and how far. The sampler learns
        an estimate of its score (see Notes). ``None`` fits every fold of
        every candidate, as ``RandomizedSearchCV``. See
        ``docs/pruning.md``.
    pruning_alpha : float in (0, 1), default=0.1
        With ``pruning="folds"``, a candidate stops when the chance that its
        mean over all folds ends at least the reference's, predicted from
        its folds so far, is below ``pruning_alpha`` (see Notes): smaller
        stops fewer candidates (a lower risk of stopping a good one, fewer
        fits saved).
    mlflow_logging : bool or None, default=None
        Log the search to MLflow: a parent run (settings, the space as an
        artifact, best parameters and score, number of candidates), one
        nested run per candidate (its parameters as named in
        ``cv_results_['params']``, ``loss`` and every ``mean_*``/``std_*``
        column, status, error; with ``pruning``, ``n_folds_fitted`` and
        the status ``"pruned"`` for a candidate stopped early), and the
        refit ``best_estimator_`` as an
        MLflow model. ``None`` follows :func:`skopt_hp.autolog` and, when
        that was never called, MLflow's ``mlflow.sklearn.autolog()``;
        ``False`` never logs. Whatever this is, MLflow's own autologging is
        paused during ``fit``, so the cross-validation fits do not each open
        a run. Needs ``pip install "skopt_hp[mlflow]"``; see
        ``docs/mlflow.md``.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        As in scikit-learn, one row per evaluated candidate, in evaluation
        order. ``param_<name>`` columns are masked where a conditional
        parameter was inactive. With ``pruning``, two columns come first:
        ``pruned`` (bool) and ``n_folds_fitted`` (int); a pruned row's
        ``mean_fit_time`` and ``mean_score_time`` (and their ``std_``) are
        over the folds it was fit on.
    best_estimator_ : estimator
        The estimator refit on the whole data with ``best_params_``
        (``refit`` not False).
    best_score_ : float
        Mean cross-validated score of the best candidate.
    best_params_ : dict
        Parameter setting of the best candidate.
    best_index_ : int
        Index of the best candidate in ``cv_results_``.
    scorer_ : callable or dict
    n_splits_ : int
    refit_time_ : float
    multimetric_ : bool
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        As in scikit-learn.
    trials_ : Trials
        The search as a :class:`~skopt_hp.Trials` (trial ``i`` is row ``i``
        of ``cv_results_``). ``params`` hold the sampler's values (choice
        indices, floats for ``q`` expressions); each ``result`` holds
        ``loss`` (minus the mean test score of the optimised metric),
        ``status``, ``cv_index``, the candidate's ``params`` and its
        ``mean_*``, ``std_*`` and ``split*`` entries of ``cv_results_``
        (and, with ``pruning``, ``pruned`` and ``n_folds_fitted``; a pruned
        candidate's ``loss`` is minus its estimated score, see Notes).
        Candidates whose optimised score is not finite (failed fits) are
        finished trials with ``status`` ``"fail"`` and a ``failure`` entry
        (type and message), as when an objective returns ``STATUS_FAIL``:
        they count in ``len(trials_)``, unlike the trials hyperopt hides
        (an objective that raised).
    mlflow_run_id_ : str
        The MLflow run of the last ``fit``, when it was logged.
    n_fits_ : int
        With ``pruning``: the cross-validation fits the last ``fit`` made
        (refit excluded), those whose results were thrown away included
        (see Notes). Without pruning, a search fits ``n_splits_`` folds per
        candidate.

    See Also
    --------
    sklearn.model_selection.RandomizedSearchCV : Random search.
    skopt_hp.fmin : Minimise any function over a search space.

    Notes
    -----
    **Integer parameters.** ``hp.randint``, ``hp.uniformint`` and list
    choices give ints. ``hp.quniform``, ``hp.qloguniform``, ``hp.qnormal``
    and ``hp.qlognormal`` give floats in hyperopt; here, when their ``q`` is
    a whole number (1, 2, 10...), their values reach the estimator as
    Python ints, because scikit-learn rejects ``max_depth=3.0`` and a
    whole-number grid almost always stands for an integer parameter. With a
    fractional ``q`` (0.1, 0.5) they stay floats. To keep a float on a
    whole-number grid, write ``scope.float(hp.quniform(...))``. ``trials_``
    records the sampled values as hyperopt does (floats).

    **Which metric the sampler optimises.** The sampler minimises minus the
    mean test score of one metric: the single metric; with several metrics,
    the ``refit`` metric when ``refit`` is a metric name, and otherwise
    (``refit`` callable or False) the *first* metric of ``scoring`` (first
    key of the dict, first name of the list, first key a callable returns).
    Put the metric to optimise first when ``refit`` is callable.

    **Rounds and parallelism.** Each round asks the sampler for
    ``n_points`` candidates and evaluates them with scikit-learn's
    ``evaluate_candidates`` (joblib, ``n_jobs``, ``pre_dispatch`` and any
    ambient ``joblib.parallel_backend``). Round ``r`` draws from a generator
    seeded with ``(seed, r)``, where ``seed`` comes from ``random_state``.
    scikit-learn's callbacks (``set_callbacks``, scikit-learn >= 1.9) see a
    ``round`` task per round between the ``search`` task and the fits, as a
    halving search has a task per iteration (see
    ``docs/sklearn-migration.md``).

    **Interrupting.** If ``fit`` is interrupted (``KeyboardInterrupt``) or
    raises (``error_score="raise"``, a score that is not a number...), the
    exception propagates, but the rounds that finished are kept:
    ``trials_`` holds their trials (those of the interrupted round are
    dropped), and ``cv_results_``, ``best_index_``, ``best_params_`` and
    ``best_score_`` describe them. Nothing is refit, so the search cannot
    predict; set ``warm_start=True`` and call ``fit`` again to continue from
    the finished rounds (and refit), or refit ``best_params_`` yourself.

    **Fold racing** (``pruning="folds"``). A round's *reference* is the
    complete candidate with the best mean score of the optimised metric so
    far; in the first round of a search, where none is complete yet, it is
    the round's first candidate, evaluated in full before the others are
    judged. After each fold ``n`` but the last of ``k``, a candidate stops
    when
    ``mean(d) + z * sigma * sqrt((k - n) / (n * k)) < 0``, where ``d`` are
    its differences with the reference's scores on its first ``n`` folds,
    ``z = Phi^-1(1 - pruning_alpha)`` (1.28 by default) and ``sigma``
    estimates the standard deviation of one such difference from the
    complete candidates: the pooled spread of the differences between the
    reference and the better half of them (or, with the reference alone,
    ``sqrt(2)`` times the spread of its own fold scores), and never less
    than the candidate's own spread. That is: with the differences modelled
    as normal around an unknown mean (flat prior), the predicted chance
    that the candidate's mean over all ``k`` folds ends at least the
    reference's is below ``pruning_alpha``. A candidate exactly as good as
    the reference is stopped after fold ``n`` with probability
    ``Phi(-z * sqrt((k - n) / k))`` (0.13 after the first of five folds by
    default), one truly better far less often.
    A fold whose score is NaN (a failed fit) never stops a candidate. The
    sampler learns a stopped candidate's score as the reference's mean
    plus the candidate's mean difference on its folds (always below the
    reference's mean), rather than ignoring it: it learns where the bad
    regions are (see ``docs/pruning.md`` for the measured effect).

    Racing fits a candidate's folds one at a time, on all ``n_jobs``
    workers at once: each worker takes the first fold of a new candidate
    of the round, or the next fold of a candidate whose folds so far
    did not stop it, the moment it is free. When only folds of candidates
    whose last fold is still running are left, an idle worker fits one
    ahead; if the candidate then stops, that fit is thrown away (it counts
    in ``n_fits_``, not in ``cv_results_``). The decisions depend on the
    scores only, never on which fit ended first, so with an int
    ``random_state`` the candidates and ``cv_results_`` (times aside) are
    the same whatever ``n_jobs`` is. Only ``n_fits_`` may differ. The
    round is the same as without racing (``n_points`` candidates); each
    fit is scikit-learn's ``_fit_and_score`` on ``fit``'s data, scorers and
    routed parameters, as ``evaluate_candidates`` makes it (scikit-learn
    1.4 to 1.9; another release raises an error naming what is missing,
    before any fit). A fit that kills its worker process ends the search
    with joblib's error (the finished rounds are kept, see below).

    **Fits that kill their worker.** With a process-based joblib backend
    (``n_jobs > 1``, loky), a fit that kills its worker process (a crash,
    ``os._exit``, the out-of-memory killer) makes joblib raise
    ``TerminatedWorkerError`` for its whole round. Unless ``error_score`` is
    ``"raise"`` (the error then propagates), the round's candidates are
    evaluated again one at a time: the others get their real scores, and a
    candidate that kills its worker again gets the row of a failed fit
    (``error_score``, with a ``FitFailedWarning``) and a failed trial whose
    reason names the worker's death, whatever ``error_score`` is. This needs
    scikit-learn >= 1.9; with ``n_jobs=1`` such a fit kills the calling
    process itself.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skopt_hp import HyperoptSearchCV, hp
    >>> X, y = load_iris(return_X_y=True)
    >>> search = HyperoptSearchCV(
    ...     SVC(),
    ...     {"C": hp.loguniform("C", -3, 3), "kernel": ["linear", "rbf"]},
    ...     n_iter=12,
    ...     random_state=0,
    ... )
    >>> search.fit(X, y)
    HyperoptSearchCV(...)
    >>> sorted(search.best_params_)
    ['C', 'kernel']
    >>> len(search.cv_results_["params"]), len(search.trials_)
    (12, 12)
    >>> bool(search.best_score_ > 0.9)
    True
    """

    # Read by the estimator checks of scikit-learn < 1.6, as RandomizedSearchCV's.
    _required_parameters = ["estimator", "search_space"]

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "search_space": [dict, list, Expr],
        "n_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "algo": [str, callable, Sampler],
        "random_state": ["random_state"],
        "n_points": [Interval(numbers.Integral, 1, None, closed="left")],
        "timeout": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "warm_start": ["boolean"],
        "pruning": [StrOptions({"folds"}), None],
        "pruning_alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
        "mlflow_logging": ["boolean", None],
    }

    def __init__(
        self,
        estimator: Any,
        search_space: Any,
        *,
        n_iter: int = 50,
        algo: Any = "tpe",
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: int | str = "2*n_jobs",
        random_state: Any = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
        n_points: int = DEFAULT_N_POINTS,
        timeout: float | None = None,
        n_iter_no_change: int | None = None,
        warm_start: bool = False,
        pruning: str | None = None,
        pruning_alpha: float = DEFAULT_PRUNING_ALPHA,
        mlflow_logging: bool | None = None,
    ):
        self.search_space = search_space
        self.n_iter = n_iter
        self.algo = algo
        self.random_state = random_state
        self.n_points = n_points
        self.timeout = timeout
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.pruning = pruning
        self.pruning_alpha = pruning_alpha
        self.mlflow_logging = mlflow_logging
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )

    # -- the search ---------------------------------------------------------
    def fit(self, X: Any, y: Any = None, **params: Any) -> HyperoptSearchCV:
        """Run the search and refit the best candidate (``BaseSearchCV.fit``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
            Training data (a precomputed kernel or distance matrix when the
            estimator takes one).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets, or None for unsupervised learning.
        **params : dict
            Passed to the estimator's ``fit`` (and, with metadata routing, to
            the scorer and the splitter), as in scikit-learn.

        Returns
        -------
        self : HyperoptSearchCV
            The fitted search.
        """
        self.__dict__.pop("mlflow_run_id_", None)
        self._tracking_session: _tracking.TrackingSession | None = None
        # MLflow's autologging, if the user switched it on, patches scikit-learn's
        # estimators (not this class): every cross-validation fit made in this process
        # and the refit would open a run of their own.
        with _tracking.suppress_framework_autolog(), _fixed_joblibspark():
            try:
                super().fit(X, y, **params)
            except BaseException as error:
                self._finish_tracking(error, X)
                raise
            self._finish_tracking(None, X)
        return self

    def _finish_tracking(self, error: BaseException | None, X: Any) -> None:
        session, self._tracking_session = self._tracking_session, None
        if session is None:
            return
        self.mlflow_run_id_ = session.run_id
        session.finish(search_outcome(self, error, X))

    def __getstate__(self) -> dict[str, Any]:
        # scikit-learn's callback contexts, sent with every fit task, refer to the search:
        # a copy must not carry the live logging session (a thread pool and a lock).
        state = dict(super().__getstate__())  # may be the instance's own __dict__
        state.pop("_tracking_session", None)
        if state.get("_results_log") is not None:
            # A copy made while the search runs: scikit-learn (>= 1.9) sends the search with
            # every fit task (``caller``, for callbacks), pickled for each batch a process
            # pool runs. What grows with the search stays here, or each round would pay
            # O(N) to pickle it (0.2 s at 1,000 candidates).
            for key in _GROWING_STATE:
                state.pop(key, None)
        return state

    def _run_search(self, evaluate_candidates: Any, *, callback_ctx: Any = None) -> None:
        """Propose, evaluate and record ``n_points`` candidates per round.

        Called by ``BaseSearchCV.fit`` after it validated the parameters and
        resolved ``cv``; every error about ``algo`` or ``search_space`` is
        raised here, before the first fit. The budget, the best score so far,
        the stopping rules, the progress display and the tracking of
        finished candidates are the :class:`~skopt_hp._loop.RunMonitor`'s, as
        in ``fmin``; what is this loop's own is the rounds of
        ``evaluate_candidates`` and the rows of ``cv_results_``.
        """
        sampler = _resolve_sampler(self.algo)
        space = _compile_space(self.search_space)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        cv = _frozen_splits(self)
        previous = self._previous_search()
        trials = previous.trials if previous is not None else Trials()
        history = previous if previous is not None else SearchHistory(trials, self.scoring)
        self._history = history
        self.trials_ = trials
        untried = _untried_points(space, trials)
        n_iter = self._reachable_n_iter(untried, len(trials.records))
        self.__dict__.pop("n_fits_", None)
        racer = None
        if self.pruning is not None:
            racer = FoldRacer.start(self, evaluate_candidates, cv, trials.records)
        session = None
        # Only within this class's fit, which closes the session (and never twice).
        if getattr(self, "_tracking_session", False) is None:
            session = self._tracking_session = _tracking.start_session(
                self.mlflow_logging,
                lambda: search_info(self, space),
                estimator_search=True,
            )

        n_kept = len(trials.records)
        search_ctx = None
        if callback_ctx is not None and has_callbacks(callback_ctx):
            # One level per round, as scikit-learn's halving searches have one per iteration;
            # at most this many rounds (fewer when a stopping rule ends the search).
            search_ctx = callback_ctx.subcontext(
                task_name="search", max_subtasks=-(-(n_iter - n_kept) // self.n_points)
            ).call_on_fit_task_begin(estimator=self)

        monitor = RunMonitor(
            trials,
            Budget(max_trials=n_iter, timeout=self.timeout, patience=self.n_iter_no_change),
            tracking=session,
            record_of=search_trial_record,
            best_text=_score_text,
        )
        log = ResultsLog(history, self._format_rows)
        round_index = history.rounds
        n_pruned = sum(bool(t.result.get("pruned")) for t in trials.records)

        def pruned_text() -> str:
            return "" if racer is None else f", {n_pruned} pruned"

        def line(done: int, total: int | None, best_loss: float | None) -> str:
            return (
                f"[HyperoptSearchCV] round {history.rounds}: {done}/{total} candidates"
                f"{pruned_text()}, "
                f"best score {'none yet' if best_loss is None else f'{-best_loss:.6g}'}"
            )

        bar_context = progress_bar(
            self.verbose > 0,
            total=n_iter,
            initial=n_kept,
            best_text=lambda loss: f"best score: {-loss:.6g}{pruned_text()}",
            unit="candidate",
            line=line,
        )
        self._results_log = log
        try:
            with (
                defer_all_fits_failed(once=True) as failure_log,
                bar_context as bar,
                racer if racer is not None else contextlib.nullcontext(),
            ):
                monitor.progress = bar
                try:
                    while monitor.trials_left() > 0:
                        if len(trials.records) > n_kept and (
                            monitor.results_say_stop() or monitor.out_of_time()
                        ):
                            break
                        n = min(self.n_points, monitor.trials_left())
                        rng = np.random.default_rng([seed, round_index])
                        new = ask(sampler, space, trials, n, rng, untried=untried)
                        candidates = [_candidate(space, trial) for trial in new]
                        for trial in new:
                            trials.start(trial)
                        raced = self._evaluate_round(
                            evaluate_candidates, candidates, cv, search_ctx, racer
                        )
                        for trial, race in zip(new, raced, strict=True):
                            row = log.take_row(trial.tid)
                            if racer is not None:
                                row = racer.annotate(row, race)
                            self._record(trials, trial, row, race)
                            if racer is not None:
                                racer.learn(trial.result)
                                n_pruned += race is not None and race.pruned
                        monitor.finished(new)
                        round_index += 1
                        history.rounds = round_index
                        monitor.report(len(new))
                except BaseException as error:  # an interrupt, error_score="raise", a bad scorer...
                    self._keep_finished(monitor, log, error)
                    raise
        finally:
            self._results_log = None
        if search_ctx is not None:
            search_ctx.call_on_fit_task_end(estimator=self)
        if racer is not None:
            self.n_fits_ = racer.n_fits + (log.n_rows - racer.n_raced) * racer.n_splits
        if failure_log is not None:
            # One FitFailedWarning with the search's totals, or scikit-learn's error when
            # every fit failed, as RandomizedSearchCV's single call gives.
            failure_log.finish(self.error_score)
        # Attributed to the caller of fit (this function, BaseSearchCV.fit and its wrapper,
        # HyperoptSearchCV.fit, the caller).
        warn_non_finite(log.final(), stacklevel=6)

    def _reachable_n_iter(self, untried: UntriedPoints | None, n_done: int) -> int:
        """``n_iter``, or fewer when the space is finite and has fewer untried points.

        Warns as ``RandomizedSearchCV`` does when its space of lists is
        smaller than ``n_iter``.
        """
        if untried is None or untried.n_untried is None:
            return self.n_iter
        reachable = n_done + untried.n_untried
        if reachable >= self.n_iter:
            return self.n_iter
        if not untried.n_untried:
            raise ValueError(
                f"warm_start=True continues a search whose {untried.grid.size} possible "
                f"candidates (the search_space is finite) were all evaluated already; "
                "nothing is left to search."
            )
        warnings.warn(
            f"The total space of parameters {untried.grid.size} is smaller than "
            f"n_iter={self.n_iter}. Running {reachable} iterations. For exhaustive searches, "
            "use GridSearchCV.",
            UserWarning,
            stacklevel=6,  # the caller of fit, as warn_non_finite below
        )
        return reachable

    def _previous_search(self) -> SearchHistory | None:
        """What a warm start continues from (None: a fresh search); checks it can."""
        history = getattr(self, "_history", None)
        if not self.warm_start or history is None or not history.out:
            return None
        n_splits = n_splits_of_current_fit(self)
        if n_splits is not None:
            check_same_splits(history.n_splits, n_splits)
        if not _same_scoring(self.scoring, history.scoring):
            raise ValueError(
                f"warm_start=True continues a search made with scoring={history.scoring!r}, "
                f"but scoring is now {self.scoring!r}; fit with warm_start=False to start a "
                "new search."
            )
        if self.n_iter <= history.n_trials:
            raise ValueError(
                f"n_iter={self.n_iter} must be larger than the {history.n_trials} candidates "
                "already evaluated to continue the search with warm_start=True."
            )
        return history.resumed()

    def _format_results(
        self,
        candidate_params: Any,
        n_splits: int,
        out: Any,
        more_results: Any = None,
    ) -> dict[str, Any]:
        # Within this class's _run_search, each call formats only its round's rows, and the
        # whole cv_results_ is formatted once when the search ends (see _search_results).
        log = getattr(self, "_results_log", None)
        if log is not None:
            return log.add_round(candidate_params, n_splits, out, more_results)
        results = self._format_rows(candidate_params, n_splits, out, more_results)
        rank_non_finite_last(results)
        return results

    def _format_rows(
        self,
        candidate_params: Any,
        n_splits: int,
        out: Any,
        more_results: Any = None,
    ) -> dict[str, Any]:
        """scikit-learn's formatting; the times of a pruned row are its fitted folds'."""
        results = super()._format_results(candidate_params, n_splits, out, more_results)
        n_fitted = (more_results or {}).get("n_folds_fitted")
        if n_fitted is not None:
            times_over_fitted_folds(results, out, n_splits, list(n_fitted))
        return results

    def results_dataframe(self) -> Any:
        """``cv_results_`` as a ``pandas.DataFrame``, one row per candidate.

        Rows are in evaluation order (row ``i`` is trial ``i`` of
        ``trials_``); sort by ``rank_test_score`` (or ``rank_test_<metric>``)
        for a leaderboard. Parameters inactive for a candidate, masked in
        ``cv_results_``, are missing values (NaN).

        Returns
        -------
        pandas.DataFrame
            One column per key of ``cv_results_``.
        """
        check_is_fitted(self, "cv_results_")
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                'results_dataframe() needs pandas: pip install "skopt_hp[pandas]"'
            ) from exc
        columns = {}
        for key, values in self.cv_results_.items():
            if np.ma.isMaskedArray(values):
                values = values.astype(object).filled(np.nan)
            columns[key] = pd.Series(list(values) if key == "params" else values).infer_objects()
        return pd.DataFrame(columns)

    def _evaluate_round(
        self,
        evaluate_candidates: Any,
        candidates: list[dict[str, Any]],
        cv: _FrozenSplits | None,
        search_ctx: Any,
        racer: FoldRacer | None = None,
    ) -> list[RaceResult | None]:
        """Evaluate a round; with racing, what each candidate's race gave (None: not raced)."""
        reference = racer.reference() if racer is not None else None
        kwargs: dict[str, Any] = {"cv": cv}
        round_ctx = None
        if search_ctx is not None:
            round_ctx = search_ctx.subcontext(
                task_name="round",
                max_subtasks=len(candidates) * self.n_splits_,
                sequential_subtasks=False,
            ).call_on_fit_task_begin(estimator=self)
            kwargs["callback_ctx"] = round_ctx
        self._worker_deaths: dict[int, str] = {}
        raced: list[RaceResult | None] = [None] * len(candidates)
        if racer is not None and racer.races(len(candidates), reference):
            raced = list(racer.race(candidates, reference, round_ctx))
        else:
            if racer is not None:
                kwargs["more_results"] = race_columns(raced, racer.n_splits)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=NON_FINITE_MESSAGE, category=UserWarning)
                try:
                    evaluate_candidates(candidates, **kwargs)
                except BrokenProcessPool as error:
                    more = kwargs.get("more_results")
                    self._evaluate_one_by_one(evaluate_candidates, candidates, cv, error, more)
        if round_ctx is not None:
            round_ctx.call_on_fit_task_end(estimator=self)
        return raced

    def _evaluate_one_by_one(
        self,
        evaluate_candidates: Any,
        candidates: list[dict[str, Any]],
        cv: _FrozenSplits | None,
        error: BaseException,
        more_results: dict[str, list[Any]] | None = None,
    ) -> None:
        """Re-evaluate a round whose worker process died, one candidate per call.

        A fit that kills its joblib worker (``os._exit``, a segfault, the
        out-of-memory killer) is not an exception inside the fit, so
        scikit-learn cannot score it with ``error_score``: joblib raises
        ``TerminatedWorkerError`` and the whole round's results are lost.
        Evaluating each candidate alone gives the others their real scores
        and finds the one(s) that kill their worker; such a candidate then
        gets scikit-learn's failed-fit row (``error_score``) without being fit
        again, and its trial fails with the worker's death as the reason
        (see ``_record``). User callbacks do not see these calls.
        """
        if self.error_score == "raise" or not can_fail_fits(evaluate_candidates):
            raise error
        for i, candidate in enumerate(candidates):
            kwargs: dict[str, Any] = {"cv": cv}
            if more_results is not None:
                kwargs["more_results"] = {key: [values[i]] for key, values in more_results.items()}
            discard_aborted_tasks(evaluate_candidates)  # see its docstring: a joblib bug
            try:
                evaluate_candidates([candidate], **kwargs)
            except BrokenProcessPool as death:
                message = _worker_death_message(death)
                # Keyed by the candidate dict, which is the params entry of its row.
                self._worker_deaths[id(candidate)] = message
                discard_aborted_tasks(evaluate_candidates)
                evaluate_candidates([candidate], **kwargs, callback_ctx=FailingFitsContext(message))

    def _optimized_metric(self, results: Mapping[str, Any]) -> str:
        """The metric whose mean test score the sampler maximises (see Notes)."""
        names = [key[len("mean_test_") :] for key in results if key.startswith("mean_test_")]
        if isinstance(self.refit, str) and self.refit in names:
            return self.refit
        return names[0]

    def _record(
        self,
        trials: Trials,
        trial: Trial,
        entries: dict[str, Any],
        race: RaceResult | None = None,
    ) -> None:
        """Store the cross-validation result of ``trial`` (``entries``: its row of ``cv_results_``).

        ``loss`` is minus the optimised metric's mean test score; a candidate
        whose score is not finite (a failed fit) is a finished trial with
        status ``"fail"``. A candidate stopped by fold racing (``race``) is a
        successful trial whose loss is minus its estimated mean score (see
        ``pruning``).
        """
        if race is not None and race.pruned:
            assert race.estimate is not None
            trials.complete(trial, {"status": "ok", "loss": -race.estimate, **entries})
            return
        metric = self._optimized_metric(entries)
        score = entries.get(f"mean_test_{metric}", math.nan)
        death = getattr(self, "_worker_deaths", {}).get(id(entries["params"]))
        if math.isfinite(score) and death is None:
            trials.complete(trial, {"status": "ok", "loss": -score, **entries})
            return
        # The candidate has its row of cv_results_: a finished trial with status "fail" (as an
        # objective returning it), shown in hyperopt's views, not one whose objective raised.
        message = death or (
            f"the mean test {metric!r} score is {score} (a fit failed or a score was not "
            "finite; see the FitFailedWarning)"
        )
        failure = {"type": "WorkerDied" if death else "FitFailed", "message": message}
        trials.complete(trial, {"status": "fail", "failure": failure, **entries})

    def _keep_finished(self, monitor: RunMonitor, log: ResultsLog, error: BaseException) -> None:
        """After an interrupt or an error: keep what the finished rounds produced."""
        monitor.keep_finished(type(self).__name__, error)
        if not log.n_rows:
            return
        results = self.cv_results_ = log.final()
        metric = self._optimized_metric(results)
        self.multimetric_ = isinstance(self.scoring, (list, tuple, dict)) or (
            callable(self.scoring) and metric != "score"
        )
        if self.refit is False and self.multimetric_:
            return
        # Best effort only: a callable refit may not cope with partial results,
        # and nothing may replace the KeyboardInterrupt being propagated.
        with contextlib.suppress(Exception):
            refit_metric = metric if self.multimetric_ else "score"
            self.best_index_ = int(self._select_best_index(self.refit, refit_metric, results))
            self.best_params_ = results["params"][self.best_index_]
            if not callable(self.refit):
                self.best_score_ = float(results[f"mean_test_{refit_metric}"][self.best_index_])


def _same_scoring(a: Any, b: Any) -> bool:
    # Scorer objects have no equality of their own: the same object is the same scoring.
    if a is b:
        return True
    try:
        return type(a) is type(b) and not callable(a) and bool(a == b)
    except Exception:  # values whose == does not return a bool
        return False


def _worker_death_message(error: BaseException) -> str:
    codes = [line.strip() for line in str(error).splitlines() if "exit codes" in line]
    detail = f" ({codes[0]})" if codes else ""
    return (
        "the fit of this candidate killed its worker process"
        f"{detail}: {type(error).__name__}; it was evaluated alone to tell it from the "
        "other candidates of its round"
    )


# Formerly defined here; kept for modules written against those names (the halving search).
_rank_non_finite_last = rank_non_finite_last
_warn_non_finite = functools.partial(warn_non_finite, stacklevel=4)


def _score_text(loss: float) -> str:
    return f"best score {-loss:.6g}"


def _untried_points(space: SearchSpace, trials: Trials) -> UntriedPoints | None:
    """What keeps a finite space's candidates distinct (None: the space is not finite)."""
    grid = FiniteGrid.of(space)
    if grid is None:
        return None
    trials.bind(space)
    return UntriedPoints(grid, [trial.z for trial in trials.records])
