"""HyperoptSearchCV against scikit-learn's, scikit-optimize's and Optuna's search estimators.

A script, not a test. Three parts, each writing ``results/search_<part>.md``
(the report, starting with the command, date, versions and machine) and
``.json`` (every raw number):

``overhead``
    Wall time of ``HyperoptSearchCV`` over ``RandomizedSearchCV`` with the
    same estimator, ``n_iter`` and 5-fold CV, when each fit takes >= 50 ms
    (target: ratio <= 1.05 at ``n_jobs=1``). Two estimators: one that sleeps
    50 ms per fit (pure framework cost, identical for every candidate) and a
    random forest tuned over its seed only, so that every fit costs the same (~60 ms).
``speedup``
    Speed-up of ``n_jobs=2`` over ``n_jobs=1`` with 5-fold CV, for several
    round sizes ``n_points`` (target: >= 1.8 on 2 cores), next to
    ``RandomizedSearchCV``'s and to the machine's own ceiling (the same fits
    split between two processes that never talk). The same candidates are
    evaluated at both ``n_jobs`` (the search is reproducible), so the ratio is
    a pure scheduling effect. Cases (``--speedup-cases``): forests whose fits
    all cost the same (~80 ms), forests whose fit times vary tenfold, 50 ms
    sleeps, and 300-tree forests on digits (~0.7 s per fit, default
    ``n_points`` only).
``quality``
    Best mean CV score after n evaluations on four scikit-learn tasks with
    bundled data sets, several seeds: HyperoptSearchCV (TPE, several
    ``n_points``), RandomizedSearchCV, scikit-optimize's BayesSearchCV and
    optuna-integration's OptunaSearchCV, all on the same folds.

Examples
--------
    .venv/bin/python benchmarks/bench_search.py --quick            # smoke run, ~1 min
    .venv/bin/python benchmarks/bench_search.py --part quality      # one part
    .venv/bin/python benchmarks/bench_search.py                     # everything, ~20 min
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import environment, environment_markdown, fmt, log, markdown_table, write_results  # noqa: E402

# ---------------------------------------------------------------------------
# Estimators and tasks
# ---------------------------------------------------------------------------
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402


class SleepClassifier(ClassifierMixin, BaseEstimator):
    """Sleeps ``fit_seconds`` in ``fit``, then predicts the majority class.

    Every candidate costs the same, so any difference in wall time between
    two searches is the searches' own cost.
    """

    def __init__(self, c: float = 1.0, fit_seconds: float = 0.05):
        self.c = c
        self.fit_seconds = fit_seconds

    def fit(self, X, y):
        time.sleep(self.fit_seconds)
        values, counts = np.unique(y, return_counts=True)
        self.classes_ = values
        self.majority_ = values[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


class Task:
    """An estimator, a data set and one search space written for each library."""

    def __init__(
        self,
        name: str,
        load: Callable[[], tuple[np.ndarray, np.ndarray]],
        estimator: Callable[[], Any],
        scoring: str,
        classifier: bool,
        spaces: Callable[[], dict[str, Any]],
    ):
        self.name = name
        self.load = load
        self.estimator = estimator
        self.scoring = scoring
        self.classifier = classifier
        self.spaces = spaces


def _svc_digits() -> Task:
    from sklearn.datasets import load_digits
    from sklearn.svm import SVC

    def spaces():
        import optuna.distributions as od
        import scipy.stats as st
        from skopt.space import Real

        from skopt_hp import hp

        return {
            "ours": {
                "C": hp.loguniform("C", np.log(1e-2), np.log(1e3)),
                "gamma": hp.loguniform("gamma", np.log(1e-5), np.log(1e-1)),
            },
            "sklearn": {"C": st.loguniform(1e-2, 1e3), "gamma": st.loguniform(1e-5, 1e-1)},
            "skopt": {
                "C": Real(1e-2, 1e3, prior="log-uniform"),
                "gamma": Real(1e-5, 1e-1, prior="log-uniform"),
            },
            "optuna": {
                "C": od.FloatDistribution(1e-2, 1e3, log=True),
                "gamma": od.FloatDistribution(1e-5, 1e-1, log=True),
            },
        }

    return Task(
        "SVC / digits (accuracy)",
        lambda: load_digits(return_X_y=True),
        SVC,
        "accuracy",
        True,
        spaces,
    )


def _forest_breast_cancer() -> Task:
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier

    def spaces():
        import optuna.distributions as od
        import scipy.stats as st
        from skopt.space import Categorical, Integer, Real

        from skopt_hp import hp

        return {
            "ours": {
                "max_depth": hp.uniformint("max_depth", 2, 16),
                "min_samples_leaf": hp.uniformint("min_samples_leaf", 1, 20),
                "max_features": hp.uniform("max_features", 0.05, 1.0),
                "criterion": ["gini", "entropy"],
            },
            "sklearn": {
                "max_depth": st.randint(2, 17),
                "min_samples_leaf": st.randint(1, 21),
                "max_features": st.uniform(0.05, 0.95),
                "criterion": ["gini", "entropy"],
            },
            "skopt": {
                "max_depth": Integer(2, 16),
                "min_samples_leaf": Integer(1, 20),
                "max_features": Real(0.05, 1.0),
                "criterion": Categorical(["gini", "entropy"]),
            },
            "optuna": {
                "max_depth": od.IntDistribution(2, 16),
                "min_samples_leaf": od.IntDistribution(1, 20),
                "max_features": od.FloatDistribution(0.05, 1.0),
                "criterion": od.CategoricalDistribution(["gini", "entropy"]),
            },
        }

    return Task(
        "RandomForest / breast_cancer (neg_log_loss)",
        lambda: load_breast_cancer(return_X_y=True),
        lambda: RandomForestClassifier(n_estimators=50, random_state=0),
        "neg_log_loss",
        True,
        spaces,
    )


def _elasticnet_diabetes() -> Task:
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import ElasticNet
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def spaces():
        import optuna.distributions as od
        import scipy.stats as st
        from skopt.space import Real

        from skopt_hp import hp

        a, r = "elasticnet__alpha", "elasticnet__l1_ratio"
        return {
            "ours": {
                a: hp.loguniform("alpha", np.log(1e-4), np.log(1e1)),
                r: hp.uniform("l1_ratio", 0.0, 1.0),
            },
            "sklearn": {a: st.loguniform(1e-4, 1e1), r: st.uniform(0.0, 1.0)},
            "skopt": {a: Real(1e-4, 1e1, prior="log-uniform"), r: Real(0.0, 1.0)},
            "optuna": {
                a: od.FloatDistribution(1e-4, 1e1, log=True),
                r: od.FloatDistribution(0.0, 1.0),
            },
        }

    return Task(
        "ElasticNet / diabetes (r2)",
        lambda: load_diabetes(return_X_y=True),
        lambda: make_pipeline(StandardScaler(), ElasticNet(max_iter=5000)),
        "r2",
        False,
        spaces,
    )


def _logistic_wine() -> Task:
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def spaces():
        import optuna.distributions as od
        import scipy.stats as st
        from skopt.space import Categorical, Real

        from skopt_hp import hp

        c, w = "logisticregression__C", "logisticregression__class_weight"
        return {
            "ours": {c: hp.loguniform("C", np.log(1e-4), np.log(1e3)), w: [None, "balanced"]},
            "sklearn": {c: st.loguniform(1e-4, 1e3), w: [None, "balanced"]},
            "skopt": {c: Real(1e-4, 1e3, prior="log-uniform"), w: Categorical([None, "balanced"])},
            "optuna": {
                c: od.FloatDistribution(1e-4, 1e3, log=True),
                w: od.CategoricalDistribution([None, "balanced"]),
            },
        }

    return Task(
        "LogisticRegression / wine (neg_log_loss)",
        lambda: load_wine(return_X_y=True),
        lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        "neg_log_loss",
        True,
        spaces,
    )


TASKS: dict[str, Callable[[], Task]] = {
    "svc_digits": _svc_digits,
    "forest_breast_cancer": _forest_breast_cancer,
    "elasticnet_diabetes": _elasticnet_diabetes,
    "logistic_wine": _logistic_wine,
}


def _folds(task: Task, seed: int, n_splits: int) -> Any:
    from sklearn.model_selection import KFold, StratifiedKFold

    cls = StratifiedKFold if task.classifier else KFold
    return cls(n_splits=n_splits, shuffle=True, random_state=seed)


# ---------------------------------------------------------------------------
# Methods: each returns the mean CV scores of its candidates in evaluation order
# ---------------------------------------------------------------------------
def run_ours(task, X, y, cv, n_iter, seed, n_jobs=1, n_points=None, algo="tpe"):
    from skopt_hp import HyperoptSearchCV

    kwargs = {} if n_points is None else {"n_points": n_points}
    search = HyperoptSearchCV(
        task.estimator(),
        task.spaces()["ours"],
        n_iter=n_iter,
        algo=algo,
        scoring=task.scoring,
        cv=cv,
        n_jobs=n_jobs,
        random_state=seed,
        refit=False,
        **kwargs,
    ).fit(X, y)
    return np.asarray(search.cv_results_["mean_test_score"], dtype=float)


def run_randomized(task, X, y, cv, n_iter, seed, n_jobs=1):
    from sklearn.model_selection import RandomizedSearchCV

    search = RandomizedSearchCV(
        task.estimator(),
        task.spaces()["sklearn"],
        n_iter=n_iter,
        scoring=task.scoring,
        cv=cv,
        n_jobs=n_jobs,
        random_state=seed,
        refit=False,
    ).fit(X, y)
    return np.asarray(search.cv_results_["mean_test_score"], dtype=float)


def run_bayes(task, X, y, cv, n_iter, seed, n_jobs=1):
    from skopt import BayesSearchCV

    search = BayesSearchCV(
        task.estimator(),
        task.spaces()["skopt"],
        n_iter=n_iter,
        scoring=task.scoring,
        cv=cv,
        n_jobs=n_jobs,
        random_state=seed,
        refit=False,
    ).fit(X, y)
    return np.asarray(search.cv_results_["mean_test_score"], dtype=float)


def run_optuna(task, X, y, cv, n_iter, seed, n_jobs=1):
    import optuna
    from optuna_integration import OptunaSearchCV

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    search = OptunaSearchCV(
        task.estimator(),
        task.spaces()["optuna"],
        n_trials=n_iter,
        scoring=task.scoring,
        cv=cv,
        random_state=seed,
        refit=False,
        n_jobs=1,  # OptunaSearchCV's n_jobs runs trials in threads, which is not reproducible
    ).fit(X, y)
    return np.asarray(
        [t.value if t.value is not None else np.nan for t in search.trials_], dtype=float
    )


def quality_methods(n_points_list: Sequence[int]) -> dict[str, Callable[..., np.ndarray]]:
    from skopt_hp._search import DEFAULT_N_POINTS

    methods: dict[str, Callable[..., np.ndarray]] = {}
    for k in n_points_list:
        label = f"HyperoptSearchCV TPE, n_points={k}" + (
            " (default)" if k == DEFAULT_N_POINTS else ""
        )
        methods[label] = lambda *a, _k=k, **kw: run_ours(*a, n_points=_k, **kw)
    methods["RandomizedSearchCV"] = run_randomized
    methods["skopt BayesSearchCV (GP, n_points=1)"] = run_bayes
    methods["OptunaSearchCV (TPE)"] = run_optuna
    return methods


# ---------------------------------------------------------------------------
# Parts
# ---------------------------------------------------------------------------
def _timed(fn: Callable[..., Any], *args: Any) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def _fit_seconds(search: Any) -> float:
    """Seconds a fitted search spent in fits, scoring and the refit, by its own records."""
    results = search.cv_results_
    per_split = np.asarray(results["mean_fit_time"]) + np.asarray(results["mean_score_time"])
    return float(per_split.sum() * search.n_splits_ + getattr(search, "refit_time_", 0.0))


def _own(times: dict[str, list[float]], fits: dict[str, list[float]], name: str) -> list[float]:
    return [wall - fit for wall, fit in zip(times[name], fits[name], strict=True)]


def _warm_up_workers() -> None:
    """Start joblib's workers (~1-3 s) outside the timings.

    A search of its own is used because a bare ``joblib.Parallel`` call starts
    an executor that scikit-learn's ``Parallel`` does not reuse.
    """
    from sklearn.datasets import make_classification
    from sklearn.model_selection import RandomizedSearchCV

    X, y = make_classification(n_samples=40, random_state=0)
    RandomizedSearchCV(
        SleepClassifier(fit_seconds=0.0), {"c": [0.0, 1.0]}, n_iter=2, cv=2, n_jobs=2
    ).fit(X, y)


def part_overhead(args) -> tuple[str, dict]:
    import scipy.stats as st
    from sklearn.datasets import load_breast_cancer, make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold

    from skopt_hp import HyperoptSearchCV, hp
    from skopt_hp._search import DEFAULT_N_POINTS

    n_iter, repeats = args.overhead_n_iter, args.repeats
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    cases = {
        "SleepClassifier (50 ms per fit)": (
            SleepClassifier(),
            make_classification(n_samples=200, random_state=0),
            {"c": hp.uniform("c", 0, 1)},
            {"c": st.uniform(0, 1)},
        ),
        "RandomForest(50 trees) / breast_cancer": (
            RandomForestClassifier(n_estimators=50, random_state=0),
            load_breast_cancer(return_X_y=True),
            # The forest's seed: real fits whose cost does not depend on the candidate, so
            # the two searches' different candidates cannot explain a difference in time.
            {"random_state": hp.randint("random_state", 1000)},
            {"random_state": st.randint(0, 1000)},
        ),
    }
    rows, data = [], {}
    for n_jobs in args.overhead_n_jobs:
        if n_jobs > 1:
            _warm_up_workers()
        for case, (est, (X, y), ours_space, sk_space) in cases.items():
            common = {"n_iter": n_iter, "cv": cv, "n_jobs": n_jobs, "random_state": 0}
            searches = {
                "RandomizedSearchCV": RandomizedSearchCV(est, sk_space, **common),
                f"HyperoptSearchCV tpe, n_points={DEFAULT_N_POINTS}": HyperoptSearchCV(
                    est, ours_space, **common
                ),
                f"HyperoptSearchCV rand, n_points={DEFAULT_N_POINTS}": HyperoptSearchCV(
                    est, ours_space, algo="rand", **common
                ),
            }
            times: dict[str, list[float]] = {name: [] for name in searches}
            fits: dict[str, list[float]] = {name: [] for name in searches}
            for r in range(repeats):
                # Interleave the methods so drifts in machine load hit all of them alike.
                for name, search in searches.items():
                    times[name].append(_timed(search.fit, X, y))
                    fits[name].append(_fit_seconds(search))
                    log(
                        f"overhead n_jobs={n_jobs} {case} {name} {r}: {times[name][-1]:.2f}s, "
                        f"fits {fits[name][-1]:.2f}s"
                    )
            base = float(np.median(times["RandomizedSearchCV"]))
            base_own = float(np.median(_own(times, fits, "RandomizedSearchCV")))
            base_fits = float(np.median(fits["RandomizedSearchCV"]))
            for name, ts in times.items():
                med = float(np.median(ts))
                # With n_jobs > 1 fits overlap: wall - fits is meaningless there.
                own = float(np.median(_own(times, fits, name))) if n_jobs == 1 else None
                equal = None if own is None else (base_fits + own) / (base_fits + base_own)
                rows.append(
                    [
                        case,
                        n_jobs,
                        name,
                        fmt(med, 4),
                        fmt(min(ts), 4),
                        fmt(med / base, 3),
                        fmt(own, 3),
                        "—" if equal is None else f"{equal:.4f}",
                    ]
                )
            data[f"{case} | n_jobs={n_jobs}"] = times
            data[f"{case} | n_jobs={n_jobs} | fit, score and refit seconds"] = fits
    table = markdown_table(
        [
            "estimator",
            "n_jobs",
            "search",
            "median s",
            "min s",
            "median / RandomizedSearchCV",
            "own s (n_jobs=1)",
            "ratio at equal fit times",
        ],
        rows,
    )
    text = (
        f"n_iter={n_iter}, 5-fold stratified CV, refit=True, {repeats} repeats (interleaved).\n"
        "Target: ratio <= 1.05 at n_jobs=1. 'own s' is the search's own time: wall time less "
        "the fit, score and refit times it recorded (`cv_results_`, `refit_time_`), i.e. "
        "proposing candidates, dispatching and collecting fits and building `cv_results_`. "
        "On a shared machine the fits' own times vary by ±10% from run to run, which the wall "
        "ratios include; 'ratio at equal fit times' is (RandomizedSearchCV's fit time + this "
        "search's own time) / RandomizedSearchCV's wall time, both medians.\n\n" + table
    )
    return text, {"n_iter": n_iter, "repeats": repeats, "times": data}


def _fit_forests(n_fits: int) -> float:
    """Seconds to fit ``n_fits`` 50-tree forests on breast_cancer, in this process."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_breast_cancer(return_X_y=True)
    start = time.perf_counter()
    for seed in range(n_fits):
        RandomForestClassifier(n_estimators=50, random_state=seed).fit(X, y)
    return time.perf_counter() - start


def machine_ceiling(n_fits: int = 40, repeats: int = 3) -> dict[str, Any]:
    """The speed-up this machine gives two processes that never talk to each other.

    The same CPU-bound work (forest fits) once in one process, then split in
    two halves run by two worker processes at once, each half a single task,
    so there is no scheduling to speak of: the reference a search's speed-up
    is read against.
    """
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_fit_forests, [2, 2]))  # start and warm both workers
        serial, parallel = [], []
        for _ in range(repeats):
            serial.append(_fit_forests(n_fits))
            start = time.perf_counter()
            list(pool.map(_fit_forests, [n_fits // 2, n_fits - n_fits // 2]))
            parallel.append(time.perf_counter() - start)
    one, two = float(np.median(serial)), float(np.median(parallel))
    return {"n_fits": n_fits, "serial": serial, "two_processes": parallel, "speedup": one / two}


def part_speedup(args) -> tuple[str, dict]:
    import scipy.stats as st
    from sklearn.datasets import load_breast_cancer, load_digits, make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold

    from skopt_hp import HyperoptSearchCV, hp
    from skopt_hp._search import DEFAULT_N_POINTS

    seed_space = ({"random_state": hp.randint("random_state", 1000)},)
    seed_space += ({"random_state": st.randint(0, 1000)},)
    # key: (title, estimator, data, our space, scikit-learn's space, n_points to try)
    cases = {
        # Every fit costs the same (only the forest's seed is tuned): the scheduling cost
        # of real CPU-bound fits.
        "forest_seed": (
            "RandomForest(50 trees) / breast_cancer, seed only",
            RandomForestClassifier(n_estimators=50, random_state=0),
            load_breast_cancer(return_X_y=True),
            *seed_space,
            args.n_points,
        ),
        # Fit times vary about tenfold between candidates: a round waits for its slowest.
        "forest": (
            "RandomForest(50 trees) / breast_cancer",
            RandomForestClassifier(n_estimators=50, random_state=0),
            load_breast_cancer(return_X_y=True),
            {
                "max_depth": hp.uniformint("max_depth", 2, 16),
                "max_features": hp.uniform("max_features", 0.05, 1.0),
            },
            {"max_depth": st.randint(2, 17), "max_features": st.uniform(0.05, 0.95)},
            args.n_points,
        ),
        # Sleeping does not need a CPU: this case measures scheduling alone and
        # stays meaningful on a busy machine.
        "sleep": (
            "SleepClassifier (50 ms per fit)",
            SleepClassifier(),
            make_classification(n_samples=200, random_state=0),
            {"c": hp.uniform("c", 0, 1)},
            {"c": st.uniform(0, 1)},
            args.n_points,
        ),
        # Fits of about a second, as in real tuning: joblib's cost per task (~5 ms) vanishes.
        "forest_digits": (
            "RandomForest(300 trees) / digits, seed only",
            RandomForestClassifier(n_estimators=300, random_state=0),
            load_digits(return_X_y=True),
            *seed_space,
            [DEFAULT_N_POINTS],
        ),
    }
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    n_iter, repeats = args.speedup_n_iter, args.repeats
    _warm_up_workers()
    rows, data = [], {}
    for key in args.speedup_cases:
        case, est, (X, y), space, sk_space, n_points_list = cases[key]
        variants: dict[str, Callable[[int], Any]] = {}
        for k in n_points_list:
            variants[f"HyperoptSearchCV tpe, n_points={k}"] = (
                lambda n_jobs, _k=k, _est=est, _space=space: HyperoptSearchCV(
                    _est, _space, n_iter=n_iter, n_points=_k, cv=cv, n_jobs=n_jobs, random_state=0
                )
            )
        variants["RandomizedSearchCV (one batch)"] = lambda n_jobs, _est=est, _space=sk_space: (
            RandomizedSearchCV(_est, _space, n_iter=n_iter, cv=cv, n_jobs=n_jobs, random_state=0)
        )
        for name, make in variants.items():
            t1, t2 = [], []
            for r in range(repeats):
                t1.append(_timed(make(1).fit, X, y))
                t2.append(_timed(make(2).fit, X, y))
                log(f"speedup {case} {name} rep {r}: n_jobs=1 {t1[-1]:.2f}s, 2 {t2[-1]:.2f}s")
            m1, m2 = float(np.median(t1)), float(np.median(t2))
            rows.append([case, name, fmt(m1, 4), fmt(m2, 4), fmt(m1 / m2, 3)])
            data[f"{case} | {name}"] = {"n_jobs=1": t1, "n_jobs=2": t2}
    ceiling = machine_ceiling(repeats=repeats)
    log(f"machine ceiling: {ceiling['speedup']:.3f}")
    table = markdown_table(
        ["estimator", "search", "n_jobs=1 (s)", "n_jobs=2 (s)", "speed-up"], rows
    )
    text = (
        f"n_iter={n_iter}, 5-fold stratified CV, refit=True, median of {repeats} repeats "
        "(n_jobs=1 and 2 interleaved; the same candidates at both). "
        "Target: speed-up >= 1.8 on 2 cores.\n\n"
        f"Machine ceiling: {ceiling['n_fits']} forest fits in one process against the same "
        "fits split in two halves run at once by two processes (no scheduling at all) give "
        f"a speed-up of **{ceiling['speedup']:.3f}** on this machine (itself measured with "
        "the machine's noise).\n\n" + table
    )
    return text, {"n_iter": n_iter, "repeats": repeats, "times": data, "ceiling": ceiling}


def part_quality(args) -> tuple[str, dict]:
    from scipy.stats import rankdata

    methods = quality_methods(args.n_points)
    checkpoints = [c for c in args.checkpoints if c <= args.n_iter]
    tasks = {key: TASKS[key]() for key in args.tasks}
    curves: dict[str, dict[str, list[list[float]]]] = {}
    seconds: dict[str, dict[str, list[float]]] = {}
    for key, task in tasks.items():
        X, y = task.load()
        curves[key] = {m: [] for m in methods}
        seconds[key] = {m: [] for m in methods}
        for seed in args.seeds:
            cv = _folds(task, seed, args.cv)
            for name, run in methods.items():
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    scores = run(task, X, y, cv, args.n_iter, seed, n_jobs=args.n_jobs)
                seconds[key][name].append(time.perf_counter() - start)
                scores = np.where(np.isfinite(scores), scores, -np.inf)
                curves[key][name].append(np.maximum.accumulate(scores).tolist())
                log(f"quality {key} seed {seed} {name}: best {scores.max():.5g}")

    sections = []
    names = list(methods)
    rank_sums = {c: dict.fromkeys(names, 0.0) for c in checkpoints}
    for key, task in tasks.items():
        rows = []
        for name in names:
            best = np.asarray(curves[key][name])  # (n_seeds, n_iter)
            cells = [
                f"{fmt(best[:, c - 1].mean(), 5)} ± {fmt(best[:, c - 1].std(), 2)}"
                for c in checkpoints
            ]
            rows.append([name, *cells, fmt(float(np.median(seconds[key][name])), 3)])
        sections.append(
            f"### {task.name}\n\n"
            + markdown_table(
                ["method", *[f"best after {c}" for c in checkpoints], "median s / run"], rows
            )
        )
        # Ranks per seed (1 = best; ties share the mean rank).
        for s in range(len(args.seeds)):
            for c in checkpoints:
                values = np.array([curves[key][n][s][c - 1] for n in names])
                for n, r in zip(names, rankdata(-values), strict=True):
                    rank_sums[c][n] += r
    total = len(tasks) * len(args.seeds)
    rank_rows = [
        [name, *[fmt(rank_sums[c][name] / total, 3) for c in checkpoints]] for name in names
    ]
    text = (
        f"Best mean CV score so far (mean ± sd over seeds {list(args.seeds)}), n_iter="
        f"{args.n_iter}, {args.cv}-fold shuffled (stratified for classifiers) CV with the same "
        f"folds for every method of a seed, n_jobs={args.n_jobs}. Higher is better.\n\n"
        + "\n\n".join(sections)
        + f"\n\n### Mean rank over {len(tasks)} tasks × {len(args.seeds)} seeds (1 = best)\n\n"
        + markdown_table(["method", *[f"after {c}" for c in checkpoints]], rank_rows)
    )
    return text, {"curves": curves, "seconds": seconds, "checkpoints": checkpoints}


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
def _environment() -> dict[str, Any]:
    from importlib.metadata import version

    env = environment()
    for package in ("scikit-optimize", "optuna-integration", "joblib"):
        try:
            env[package] = version(package)
        except Exception:  # not installed: say so rather than fail
            env[package] = "not installed"
    return env


PARTS = {"overhead": part_overhead, "speedup": part_speedup, "quality": part_quality}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="tiny budgets: a smoke run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--overhead-n-iter", type=int, default=30)
    parser.add_argument("--overhead-n-jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--speedup-n-iter", type=int, default=24)
    parser.add_argument("--n-points", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument(
        "--speedup-cases",
        nargs="+",
        choices=["forest_seed", "forest", "sleep", "forest_digits"],
        default=["forest_seed", "forest", "sleep", "forest_digits"],
    )
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-iter", type=int, default=30, help="quality: evaluations per run")
    parser.add_argument("--checkpoints", type=int, nargs="+", default=[10, 20, 30])
    parser.add_argument("--cv", type=int, default=3, help="quality: folds")
    parser.add_argument("--n-jobs", type=int, default=1, help="quality: n_jobs of the searches")
    parser.add_argument("--output-prefix", default="search", help="results/<prefix>_<part>.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 1
        args.overhead_n_iter = 6
        args.overhead_n_jobs = [1]
        args.speedup_n_iter = 8
        args.n_points = [1, 4]
        args.speedup_cases = [c for c in args.speedup_cases if c != "forest_digits"]
        args.tasks = ["elasticnet_diabetes", "logistic_wine"]
        args.seeds = [0]
        args.n_iter = 8
        args.checkpoints = [4, 8]
        args.output_prefix = f"{args.output_prefix}_quick"

    env = _environment()
    parts = list(PARTS) if args.part == "all" else [args.part]
    for part in parts:
        log(f"== {part}")
        text, data = PARTS[part](args)
        report = f"# HyperoptSearchCV benchmark: {part}\n\n{environment_markdown(env)}\n\n{text}\n"
        print(report)
        md, _ = write_results(f"{args.output_prefix}_{part}", report, {"env": env, **data})
        log(f"wrote {md}")


if __name__ == "__main__":
    main()
