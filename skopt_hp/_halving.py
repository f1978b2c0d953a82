"""``HyperoptHalvingSearchCV``: successive halving whose candidates TPE proposes.

scikit-learn's ``HalvingRandomSearchCV`` draws all its candidates at random,
evaluates them with a small resource (samples, or an estimator parameter
such as ``n_estimators``), keeps the best ``1 / factor`` and repeats with
``factor`` times the resource. This class keeps its API and its schedule,
and replaces the random draws: candidates are proposed by TPE (or any
sampler) from every score obtained so far. It runs synchronously (rungs one
after the other, through ``BaseSearchCV``'s ``evaluate_candidates``) or
asynchronously (ASHA, :mod:`._asha`).
"""

from __future__ import annotations

import logging
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from joblib import effective_n_jobs
from sklearn import config_context, get_config
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed

from . import tpe as _tpe  # noqa: F401  (registers algo="tpe")
from ._asha import AshaScheduler, FoldTask, run_asha
from ._ask import resolve_algo
from ._fold_runner import TaskError, capture_errors
from ._halving_plan import HalvingPlan, plan_halving
from ._halving_rungs import Candidate, Ladder, Proposer, grid_size, min_points_in_model
from ._halving_splits import SubsampledSplits
from ._search import _compile_space, _frozen_splits, _rank_non_finite_last, _warn_non_finite
from ._sklearn_compat import (
    BASE_FIT_CHECKS_INPUT,
    BaseSearchCV,
    FitInternals,
    Interval,
    StrOptions,
    defer_all_fits_failed,
    fit_and_score,
    fit_internals_or_none,
    insert_error_scores,
    num_samples,
    warn_or_raise_about_fit_failures,
)
from .samplers import Sampler
from .space import SearchSpace
from .space._nodes import Expr

__all__ = ["HyperoptHalvingSearchCV"]

logger = logging.getLogger(__name__)

# scikit-learn's warning about non-finite mean scores, which BaseSearchCV repeats after
# every call of evaluate_candidates; it is given once, at the end of the search, instead.
_NON_FINITE_MESSAGE = r"One or more of the (test|train) scores are non-finite"

#: Prior draws checked for the resource among the searched parameters, before any fit.
_RESOURCE_CHECK_DRAWS = 16


class HyperoptHalvingSearchCV(BaseSearchCV):
    """Successive halving with candidates proposed by TPE, synchronous or asynchronous (ASHA).

    A drop-in for scikit-learn's
    :class:`~sklearn.model_selection.HalvingRandomSearchCV`: the same
    parameters, schedule, ``cv_results_`` (with its ``iter`` and
    ``n_resources`` columns) and fitted attributes. Candidates are evaluated
    with a small resource (a subset of the samples, or an estimator
    parameter such as ``n_estimators``); only the best ``1 / factor`` of each
    iteration go on to the next one, with ``factor`` times the resource.
    Instead of drawing every first-iteration candidate at random up front,
    the search proposes them with TPE (or any ``algo``) from the scores
    obtained so far, so that the candidates worth a larger resource are
    found among better proposals.

    Parameters
    ----------
    estimator : estimator object
        Fitted for each candidate; must provide ``score`` unless ``scoring``
        is given.
    search_space : dict, list of dict, or hp expression
        The candidates, as for :class:`~skopt_hp.HyperoptSearchCV`: a dict
        of parameter names to ``hp`` expressions, lists (a uniform choice),
        scipy.stats distributions or constants; a list of such dicts (a
        choice between them); or an ``hp`` expression evaluating to such a
        dict (conditional spaces).
    n_candidates : "exhaust" or int, default="exhaust"
        Candidates of the first iteration. ``"exhaust"`` chooses as many as
        make the last iteration use about ``max_resources``
        (``max_resources_ // min_resources_``); it cannot be combined with
        ``min_resources="exhaust"``. A finite space smaller than this is
        searched whole, with a warning: no candidate is ever proposed twice.
    factor : float, default=3
        ``1 / factor`` of the candidates of an iteration go on to the next,
        whose resource is ``factor`` times larger (> 1).
    resource : "n_samples" or str, default="n_samples"
        What grows from iteration to iteration: the number of samples each
        cross-validation fit uses, or a positive-integer parameter of the
        estimator (``"n_estimators"``, ``"max_iter"``...), which must not be
        part of ``search_space``; ``max_resources`` must then be given.
    max_resources : int or "auto", default="auto"
        The most resource any candidate gets (``"auto"``: the number of
        samples; only with ``resource="n_samples"``).
    min_resources : int, "smallest" or "exhaust", default="smallest"
        Resource of each candidate at the first iteration. ``"smallest"``:
        ``2 * n_splits`` samples (times the number of classes for a
        classifier), or 1 for an estimator parameter. ``"exhaust"``: the
        largest start that lets the last iteration use ``max_resources``.
    aggressive_elimination : bool, default=False
        When resources run out before few enough candidates remain, repeat
        the first resource for as many iterations as needed to end with at
        most ``factor`` candidates.
    cv : int, cross-validation generator or iterable, default=5
        As in scikit-learn. The splits are computed once per ``fit``, so a
        randomised splitter (``KFold(shuffle=True)``) is allowed: every
        candidate and every iteration see the same folds.
    scoring : str, callable, list, tuple, dict or None, default=None
        As in scikit-learn, including several metrics (unlike
        ``HalvingRandomSearchCV``): the ``refit`` metric when ``refit`` is
        a metric name, otherwise the first metric, decides promotions and
        is what TPE maximises.
    refit : bool, str or callable, default=True
        Refit the best candidate of the *last* iteration on the whole data.
        A metric name with several metrics; a callable gets ``cv_results_``
        and returns the index of the candidate to refit (all iterations).
    error_score : "raise" or float, default=np.nan
        Score of a failed fit. With NaN, failed candidates rank last, are
        never proposed around by TPE, and are never promoted by the
        asynchronous mode; with a number, they are scored with it like any
        other; ``"raise"`` raises. If every fit fails, scikit-learn's
        ``ValueError`` is raised.
    return_train_score : bool, default=True
        As in ``HalvingRandomSearchCV``.
    random_state : int, RandomState instance or None, default=None
        Seeds the proposals and the subsamples of ``resource="n_samples"``.
        See Notes for what an int makes reproducible.
    n_jobs : int, default=None
        Fits run in parallel (joblib, including an ambient
        ``joblib.parallel_backend``/``parallel_config`` such as Spark's).
    verbose : int, default=0
        Above 0, the schedule and each iteration are logged (logger
        ``skopt_hp._halving``, level INFO); scikit-learn prints its own
        messages as usual.
    algo : str, callable or Sampler, default="tpe"
        How candidates are proposed, as in
        :class:`~skopt_hp.HyperoptSearchCV` (``"rand"`` gives random
        halving with skopt_hp's space language).
    n_points : int, default=4
        Synchronous mode: first-iteration candidates proposed (and
        evaluated) together; each later group is proposed from the scores
        of the earlier ones. Smaller adapts more often, larger keeps more
        workers busy (``n_points * n_splits`` fits per group).
    asynchronous : bool or "auto", default=False
        ``False``: synchronous successive halving, iteration after
        iteration, as scikit-learn's. ``True``: asynchronous successive
        halving (ASHA): a worker that finishes a fit starts the next fold
        of a running candidate, promotes a candidate as soon as it is in
        the top ``1 / factor`` of its iteration's results so far, or starts
        a new candidate, without waiting for an iteration to finish.
        ``"auto"``: asynchronous when more than one fit runs at a time
        (``n_jobs``). See Notes.
    random_fraction : float in [0, 1], default=0.0
        Share of the proposals made once an iteration has enough scores to
        be modelled that are drawn from the prior instead (BOHB's
        ``random_fraction``), spread evenly over the proposals: with 1/3,
        every third one. ``1.0`` proposes every candidate at random. See
        Notes for why it is no cure for a first iteration that ranks
        candidates unlike the full resource.

    Attributes
    ----------
    n_resources_ : list of int
        Resource of each iteration that was run.
    n_candidates_ : list of int
        Candidates evaluated at each iteration.
    n_remaining_candidates_ : int
        Candidates left after the last iteration:
        ``ceil(n_candidates_[-1] / factor)``.
    max_resources_ : int
        The most resource a candidate may get.
    min_resources_ : int
        Resource of the first iteration.
    n_iterations_ : int
        Iterations run.
    n_possible_iterations_ : int
        Iterations possible from ``min_resources_`` within
        ``max_resources_``.
    n_required_iterations_ : int
        Iterations needed to end with fewer than ``factor`` candidates.
    cv_results_ : dict of numpy (masked) ndarrays
        One row per candidate and iteration, with scikit-learn's columns and
        ``iter`` (the iteration) and ``n_resources``; for a parameter
        resource, ``param_<resource>`` too. Synchronous searches list the
        rows iteration by iteration; asynchronous ones in the order the
        evaluations started.
    best_estimator_ : estimator
        The best candidate of the last iteration, refit on the whole data
        (``refit``).
    best_score_ : float
        Its mean cross-validated score (of the ``refit`` metric).
    best_params_ : dict
        Its parameters (including the resource, when it is a parameter).
    best_index_ : int
        Its row of ``cv_results_``.
    scorer_ : callable or dict
    n_splits_ : int
    refit_time_ : float
    multimetric_ : bool
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        As in scikit-learn.

    See Also
    --------
    HyperoptSearchCV : Every candidate evaluated with the full resource.
    sklearn.model_selection.HalvingRandomSearchCV : Random candidates.

    Notes
    -----
    **What TPE learns from.** Each proposal models one iteration's scores:
    the highest iteration with at least ``max(n_params + 3,
    n_startup_trials)`` successful results, and the first iteration until
    then (BOHB's rule). Higher iterations rank candidates more faithfully,
    but a model of a handful of points is worse than one of many cheaper
    scores. Synchronous searches propose every candidate before the second
    iteration starts, so they model the first iteration; asynchronous ones
    move to higher iterations as their results come in.

    **When the first iteration misleads.** A synchronous search models the
    first iteration only, and promotes by the first iteration's scores too:
    where the small resource favours other settings than the full one (a
    high learning rate with a few boosting rounds), TPE's proposals are the
    ones that look best there, so they take most of the promotions and the
    bias compounds. Drawing a share of the proposals at random
    (``random_fraction``) does not undo it: those draws are then out-ranked
    at the first promotion. ``algo="rand"`` gives random halving; the
    measurements behind this are in the documentation's "Stopping bad
    candidates early" page.

    **Synchronous or asynchronous.** Synchronous halving waits for the
    slowest fit of an iteration before the next one starts; with many
    workers and few candidates left, most of them idle. ASHA keeps every
    worker busy: one fit per worker, started as soon as the worker is free.
    It evaluates a few more candidates at the higher iterations than
    synchronous halving (early promotions made on partial results), and
    each worker sends its fits through a ``joblib.Parallel`` of its own,
    so large arrays are memory-mapped or broadcast at most once per worker
    rather than once per search. It makes each fit with scikit-learn's own
    ``_fit_and_score``, reading ``BaseSearchCV.fit``'s data, scorers and
    routed parameters: ``asynchronous=True`` raises ``ValueError`` on a
    scikit-learn whose ``fit`` keeps them elsewhere, and ``"auto"`` falls
    back to synchronous halving. scikit-learn's experimental callbacks do
    not see its fits.

    **Reproducibility.** With an int ``random_state``, a synchronous search
    gives the same candidates, scores and ``cv_results_`` whatever
    ``n_jobs`` and the joblib backend are. An asynchronous search with one
    worker (``n_jobs=1``) is reproducible too. With several workers, which
    fit ends first decides promotions and what the next proposal knows, so
    candidates and results vary from run to run, as in every asynchronous
    search.

    **Subsamples.** With ``resource="n_samples"``, a candidate with ``r``
    samples is fit on the first ``r / n_samples`` of each fold's training
    part and scored on as much of its test part, in an order drawn once per
    fold (and stratified by class for classifiers): smaller resources use
    subsets of larger ones, and all candidates of an iteration the same
    samples.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.svm import SVC
    >>> from skopt_hp import HyperoptHalvingSearchCV, hp
    >>> X, y = load_digits(return_X_y=True)
    >>> search = HyperoptHalvingSearchCV(
    ...     SVC(),
    ...     {"C": hp.loguniform("C", -3, 6), "gamma": hp.loguniform("gamma", -9, -3)},
    ...     n_candidates=27,
    ...     factor=3,
    ...     cv=3,
    ...     random_state=0,
    ... )
    >>> search.fit(X, y)
    HyperoptHalvingSearchCV(...)
    >>> search.n_candidates_, search.n_resources_
    ([27, 9, 3, 1], [60, 180, 540, 1620])
    >>> sorted(search.best_params_)
    ['C', 'gamma']
    >>> bool(search.best_score_ > 0.9)
    True
    """

    # Read by the estimator checks of scikit-learn < 1.6, as HalvingRandomSearchCV's.
    _required_parameters = ["estimator", "search_space"]

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "search_space": [dict, list, Expr],
        "n_candidates": [
            Interval(numbers.Integral, 0, None, closed="neither"),
            StrOptions({"exhaust"}),
        ],
        "factor": [Interval(numbers.Real, 1, None, closed="neither")],
        "resource": [str],
        "max_resources": [
            Interval(numbers.Integral, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "min_resources": [
            Interval(numbers.Integral, 0, None, closed="neither"),
            StrOptions({"exhaust", "smallest"}),
        ],
        "aggressive_elimination": ["boolean"],
        "random_state": ["random_state"],
        "algo": [str, callable, Sampler],
        "n_points": [Interval(numbers.Integral, 1, None, closed="left")],
        "asynchronous": ["boolean", StrOptions({"auto"})],
        "random_fraction": [Interval(numbers.Real, 0, 1, closed="both")],
    }
    _parameter_constraints.pop("pre_dispatch")  # each fit is dispatched on its own

    def __init__(
        self,
        estimator: Any,
        search_space: Any,
        *,
        n_candidates: int | str = "exhaust",
        factor: float = 3,
        resource: str = "n_samples",
        max_resources: int | str = "auto",
        min_resources: int | str = "smallest",
        aggressive_elimination: bool = False,
        cv: Any = 5,
        scoring: Any = None,
        refit: Any = True,
        error_score: Any = np.nan,
        return_train_score: bool = True,
        random_state: Any = None,
        n_jobs: int | None = None,
        verbose: int = 0,
        algo: Any = "tpe",
        n_points: int = 4,
        asynchronous: bool | str = False,
        random_fraction: float = 0.0,
    ):
        super().__init__(
            estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.search_space = search_space
        self.n_candidates = n_candidates
        self.factor = factor
        self.resource = resource
        self.max_resources = max_resources
        self.min_resources = min_resources
        self.aggressive_elimination = aggressive_elimination
        self.random_state = random_state
        self.algo = algo
        self.n_points = n_points
        self.asynchronous = asynchronous
        self.random_fraction = random_fraction

    # -- fit ------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, **params: Any) -> HyperoptHalvingSearchCV:
        """Run the search and refit the best candidate of the last iteration.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets, or None for unsupervised learning.
        **params : dict
            Passed to the estimator's ``fit`` (and, with metadata routing, to
            the scorer and the splitter), as in scikit-learn.

        Returns
        -------
        self : HyperoptHalvingSearchCV
            The fitted search.
        """
        self._n_samples_orig = num_samples(X)
        if not BASE_FIT_CHECKS_INPUT:
            # scikit-learn releases whose BaseSearchCV.fit does not call the check itself.
            self._validate_params()
            self._checked_cv_orig = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
            routed = self._get_routed_params_for_fit(params)
            self._check_input_parameters(X=X, y=y, split_params=routed.splitter.split)
        super().fit(X, y, **params)
        return self

    def _check_input_parameters(self, X: Any, y: Any, split_params: dict[str, Any]) -> None:
        """Resolve ``min_resources_`` and ``max_resources_``; reject bad settings before any fit."""
        if self.resource != "n_samples" and self.resource not in self.estimator.get_params():
            raise ValueError(
                f"Cannot use resource={self.resource} which is not supported by estimator "
                f"{type(self.estimator).__name__}: resource must be 'n_samples' or one of its "
                "parameters."
            )
        if self.min_resources == self.n_candidates == "exhaust":
            raise ValueError("n_candidates and min_resources cannot be both set to 'exhaust'.")
        n_samples = num_samples(X)
        min_resources = self.min_resources
        if min_resources in ("smallest", "exhaust"):
            if self.resource == "n_samples":
                n_splits = self._checked_cv_orig.get_n_splits(X, y, **split_params)
                # Two samples per fold (per class for a classifier), as scikit-learn's halving.
                min_resources = 2 * n_splits
                if is_classifier(self.estimator):
                    targets = np.asarray(y)
                    check_classification_targets(targets)
                    min_resources *= np.unique(targets).shape[0]
            else:
                min_resources = 1
        max_resources = self.max_resources
        if max_resources == "auto":
            if self.resource != "n_samples":
                raise ValueError("resource can only be 'n_samples' when max_resources='auto'")
            max_resources = n_samples
        elif self.resource == "n_samples" and max_resources > n_samples:
            raise ValueError(
                f"max_resources={max_resources} is greater than the number of samples "
                f"({n_samples}), which is the most resource='n_samples' can give."
            )
        if min_resources > max_resources:
            raise ValueError(
                f"min_resources_={min_resources} is greater than max_resources_={max_resources}."
            )
        if min_resources == 0:
            raise ValueError(
                f"min_resources_={min_resources}: you might have passed an empty dataset X."
            )
        self.min_resources_ = int(min_resources)
        self.max_resources_ = int(max_resources)

    # -- the search -------------------------------------------------------------------
    def _run_search(self, evaluate_candidates: Any, *, callback_ctx: Any = None) -> None:
        """Plan the iterations, then run them synchronously or asynchronously.

        Every error about ``algo``, ``search_space``, ``resource`` or the
        asynchronous mode is raised here, before the first fit.
        """
        sampler = resolve_algo(self.algo, param_name="algo")
        space = _compile_space(self.search_space)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        internals = self._async_internals(evaluate_candidates)

        n_candidates = self.n_candidates
        if n_candidates == "exhaust":
            n_candidates = max(1, self.max_resources_ // self.min_resources_)
        self._check_resource_not_searched(space, seed)
        size = grid_size(space)
        if size is not None and size < n_candidates:
            warnings.warn(
                f"The total space of parameters {size} is smaller than "
                f"n_candidates={n_candidates}. Running {size} candidates in the first iteration "
                "(a candidate is never evaluated twice).",
                UserWarning,
                stacklevel=5,  # _run_search, BaseSearchCV.fit, its decorator, fit, the caller
            )
            n_candidates = size
        plan = plan_halving(
            n_candidates=n_candidates,
            min_resources=self.min_resources_,
            max_resources=self.max_resources_,
            factor=self.factor,
            aggressive_elimination=self.aggressive_elimination,
            exhaust_min_resources=self.min_resources == "exhaust",
        )
        self.min_resources_ = plan.min_resources
        if self.verbose > 0:
            logger.info(
                "%s: %d iterations (%d required, %d possible), resources %s, min_resources_=%d, "
                "max_resources_=%d, factor=%g, aggressive_elimination=%s, %s",
                type(self).__name__,
                plan.n_iterations,
                plan.n_required_iterations,
                plan.n_possible_iterations,
                list(plan.resources),
                plan.min_resources,
                plan.max_resources,
                plan.factor,
                self.aggressive_elimination,
                "asynchronous" if internals is not None else "synchronous",
            )

        ladder = Ladder(plan.n_iterations, plan.factor)
        proposer = Proposer(
            sampler, space, min_points_in_model(sampler, space), float(self.random_fraction)
        )
        if internals is not None:
            self._run_asynchronous(internals, plan, ladder, proposer, seed)
        else:
            self._run_synchronous(evaluate_candidates, plan, ladder, proposer, seed, callback_ctx)

        counts = [ladder.n_results(rung) for rung in range(plan.n_iterations)]
        while counts and counts[-1] == 0:
            counts.pop()
        self.n_candidates_ = counts
        self.n_resources_ = list(plan.resources[: len(counts)])
        self.n_iterations_ = len(counts)
        self.n_remaining_candidates_ = plan.n_kept(counts[-1]) if counts else 0
        self.n_required_iterations_ = plan.n_required_iterations
        self.n_possible_iterations_ = plan.n_possible_iterations

    def _async_internals(self, evaluate_candidates: Any) -> FitInternals | None:
        """``fit``'s internals when the search runs asynchronously, None when synchronously."""
        if self.asynchronous is False:
            return None
        if self.asynchronous == "auto" and effective_n_jobs(self.n_jobs) <= 1:
            return None
        internals = fit_internals_or_none(evaluate_candidates, self)
        if internals is None:
            if self.asynchronous is True:
                import sklearn

                raise ValueError(
                    "asynchronous=True needs the data, scorers and fit parameters that "
                    "scikit-learn's BaseSearchCV.fit keeps for evaluate_candidates, which "
                    f"scikit-learn {sklearn.__version__} keeps elsewhere; use "
                    "asynchronous=False (or 'auto')."
                )
            logger.info("asynchronous='auto': running synchronously on this scikit-learn.")
        return internals

    def _check_resource_not_searched(self, space: SearchSpace, seed: int) -> None:
        if self.resource == "n_samples":
            return
        rng = np.random.default_rng([seed, 2])
        for point in space.decode(space.sample(rng, _RESOURCE_CHECK_DRAWS)):
            params = space.evaluate(point)
            if isinstance(params, dict) and self.resource in params:
                self._reject_searched_resource()

    def _reject_searched_resource(self) -> None:
        raise ValueError(
            f"Cannot use parameter {self.resource} as the resource since it is part of the "
            "searched parameters."
        )

    def _params_at(self, candidate: Candidate, rung: int, plan: HalvingPlan) -> dict[str, Any]:
        """The parameters of ``candidate`` at ``rung`` (with the resource, when a parameter)."""
        if self.resource == "n_samples":
            return candidate.params
        if self.resource in candidate.params:
            self._reject_searched_resource()
        return {**candidate.params, self.resource: plan.resources[rung]}

    def _rung_cv(self, base_cv: Any, rung: int, plan: HalvingPlan, seed: int) -> Any:
        """The folds a candidate is evaluated on at ``rung``."""
        if self.resource != "n_samples":
            return base_cv
        return SubsampledSplits(
            base_cv,
            plan.resources[rung] / self._n_samples_orig,
            seed=(seed, 1),
            stratify=is_classifier(self.estimator),
        )

    def _promotion_metric(self, names: Sequence[str]) -> str:
        """The metric that ranks candidates and that TPE maximises (see ``scoring``)."""
        if isinstance(self.refit, str) and self.refit in names:
            return self.refit
        return names[0]

    def _base_cv(self) -> Any:
        frozen = _frozen_splits(self)
        return frozen if frozen is not None else self._checked_cv_orig

    # -- synchronous ------------------------------------------------------------------
    def _run_synchronous(
        self,
        evaluate_candidates: Any,
        plan: HalvingPlan,
        ladder: Ladder,
        proposer: Proposer,
        seed: int,
        callback_ctx: Any,
    ) -> None:
        base_cv = self._base_cv()
        search_ctx = None
        if callback_ctx is not None:
            search_ctx = callback_ctx.subcontext(
                task_name="search", max_subtasks=None
            ).call_on_fit_task_begin(estimator=self)
        metric: str | None = None
        results: dict[str, Any] = {}

        def evaluate(candidates: list[Candidate], rung: int) -> None:
            nonlocal metric, results
            n = len(candidates)
            params = [self._params_at(c, rung, plan) for c in candidates]
            for candidate in candidates:
                ladder.start(candidate, rung)
            kwargs: dict[str, Any] = {
                "cv": self._rung_cv(base_cv, rung, plan, seed),
                "more_results": {"iter": [rung] * n, "n_resources": [plan.resources[rung]] * n},
            }
            call_ctx = None
            if search_ctx is not None:
                call_ctx = search_ctx.subcontext(
                    task_name="halving-iteration",
                    max_subtasks=n * self.n_splits_,
                    sequential_subtasks=False,
                ).call_on_fit_task_begin(estimator=self)
                kwargs["callback_ctx"] = call_ctx
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=_NON_FINITE_MESSAGE, category=UserWarning)
                results = evaluate_candidates(params, **kwargs)
            if call_ctx is not None:
                call_ctx.call_on_fit_task_end(estimator=self)
            if metric is None:
                names = [k[len("mean_test_") :] for k in results if k.startswith("mean_test_")]
                metric = self._promotion_metric(names)
            scores = np.asarray(results[f"mean_test_{metric}"], dtype=float)[-n:]
            for candidate, score in zip(candidates, scores, strict=True):
                ladder.record(candidate, rung, score)

        with defer_all_fits_failed() as failure_log:
            group = 0
            while len(ladder) < plan.n_candidates:
                n = min(self.n_points, plan.n_candidates - len(ladder))
                new = proposer.propose(ladder, n, np.random.default_rng([seed, 0, group]))
                group += 1
                if not new:
                    break
                evaluate(new, 0)
            self._log_iteration(0, ladder, plan)
            for rung in range(1, plan.n_iterations):
                kept = ladder.best(rung - 1, plan.n_kept(ladder.n_results(rung - 1)))
                evaluate(kept, rung)
                self._log_iteration(rung, ladder, plan)
        if search_ctx is not None:
            search_ctx.call_on_fit_task_end(estimator=self)
        if failure_log is not None and failure_log.all_failed:
            raise failure_log.all_failed_error()
        _warn_non_finite(results)

    def _log_iteration(self, rung: int, ladder: Ladder, plan: HalvingPlan) -> None:
        if self.verbose > 0:
            ranked = ladder.ranked(rung)
            best = ranked[0].scores[rung] if ranked else float("nan")
            logger.info(
                "iteration %d: %d candidates with resource %d, best score %.6g",
                rung,
                ladder.n_results(rung),
                plan.resources[rung],
                best,
            )

    # -- asynchronous -----------------------------------------------------------------
    def _run_asynchronous(
        self,
        internals: FitInternals,
        plan: HalvingPlan,
        ladder: Ladder,
        proposer: Proposer,
        seed: int,
    ) -> None:
        X, y = internals.X, internals.y
        base_cv = self._base_cv()
        splits = [
            list(self._rung_cv(base_cv, rung, plan, seed).split(X, y, **internals.split_params))
            for rung in range(plan.n_iterations)
        ]
        n_splits = len(splits[0])
        fit_kwargs = internals.fit_and_score_args()
        base_estimator = internals.base_estimator

        def score_of(outs: Sequence[dict[str, Any]]) -> float:
            values = []
            for out in outs:
                score = out["test_scores"]
                if isinstance(score, dict):
                    score = score[self._promotion_metric(list(score))]
                values.append(float(score))
            return float(np.mean(values))

        def run_fold(task: FoldTask, parallel: Any) -> dict[str, Any]:
            job = task.job
            train, test = splits[job.rung][task.fold]
            kwargs = dict(
                train=train,
                test=test,
                parameters=job.params,
                split_progress=(task.fold, n_splits),
                **fit_kwargs,
            )
            if parallel is None:
                return fit_and_score(clone(base_estimator), X, y, **kwargs)
            # Sent back as a value, a fit's error never makes joblib abort the backend, and
            # with it the folds other ASHA workers run on the same process pool or Spark.
            call = delayed(capture_errors)(fit_and_score, clone(base_estimator), X, y, **kwargs)
            out = parallel([call])[0]
            if isinstance(out, TaskError):
                raise out.error()
            return out

        scheduler = AshaScheduler(
            ladder=ladder,
            proposer=proposer,
            n_candidates=plan.n_candidates,
            n_splits=n_splits,
            params_at=lambda candidate, rung: self._params_at(candidate, rung, plan),
            score_of=score_of,
            seed=seed,
        )
        config = get_config()
        run_asha(
            scheduler,
            run_fold,
            n_workers=effective_n_jobs(self.n_jobs),
            make_parallel=lambda: Parallel(n_jobs=self.n_jobs),
            thread_setup=lambda: config_context(**config),
        )
        for rung in range(plan.n_iterations):
            self._log_iteration(rung, ladder, plan)

        jobs = scheduler.jobs
        outs = [out for job in jobs for out in job.outs]
        if callable(self.scoring):
            insert_error_scores(outs, self.error_score)
        warn_or_raise_about_fit_failures(outs, self.error_score)
        more_results = {
            "iter": [job.rung for job in jobs],
            "n_resources": [plan.resources[job.rung] for job in jobs],
        }
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_NON_FINITE_MESSAGE, category=UserWarning)
            results = internals.add_results(
                self, [job.params for job in jobs], outs, more_results, n_splits
            )
        _warn_non_finite(results)

    # -- results ----------------------------------------------------------------------
    def _format_results(
        self, candidate_params: Any, n_splits: int, out: Any, more_results: Any = None
    ) -> dict[str, Any]:
        results = super()._format_results(candidate_params, n_splits, out, more_results)
        _rank_non_finite_last(results)
        return results

    @staticmethod
    def _select_best_index(refit: Any, refit_metric: Any, results: dict[str, Any]) -> int:
        """The best candidate of the last iteration (``refit`` callable: its choice).

        Scores of earlier iterations were obtained with less resource and
        are not comparable, so only the last iteration's candidates compete,
        as in scikit-learn's halving searches.
        """
        if callable(refit):
            return BaseSearchCV._select_best_index(refit, refit_metric, results)
        metric = refit_metric if isinstance(refit_metric, str) else "score"
        iterations = np.asarray(results["iter"])
        last = np.flatnonzero(iterations == iterations.max())
        scores = np.asarray(results[f"mean_test_{metric}"], dtype=float)[last]
        scores = np.where(np.isfinite(scores), scores, np.nan)
        if np.isnan(scores).all():
            return int(last[0])
        return int(last[np.nanargmax(scores)])
