"""Stopping bad candidates early (issue 14): racing and halving against the unpruned search.

Every method searches the same space of the same estimator on the same data with the same
cross-validation folds (``StratifiedKFold(--cv, shuffle=True, random_state=seed)``), once per
seed: ``HyperoptSearchCV`` without and with fold racing (``pruning="folds"``),
``RandomizedSearchCV`` and ``OptunaSearchCV`` evaluate ``n_iter`` candidates (trials); the
halving searches start ``n_candidates`` (by default as many, ``--n-candidates`` to give them
more), all with ``factor=3`` and ``min_resources="exhaust"``. Per run it records

* the wall time and the CPU time of ``fit`` (refit included, as a user pays it; with
  ``n_jobs=1`` every fit runs in this process, so its CPU time is the search's whole
  compute, which other processes on a shared machine barely change),
* the fits done, and their *full-fit equivalents*: each fit weighted by its resource over
  ``max_resources`` (a fit on a third of the samples, or with a third of the trees, counts a
  third); a racing search's fits are full fits, counted by ``n_fits_`` (folds never fit are
  not fits),
* the best candidate's CV score *re-scored on all folds with the full resource* (a halving
  search's last iteration may use less than ``max_resources``), so that every method is
  judged on the same measure,
* for the searches that evaluate every candidate with the full resource (unpruned, racing,
  random, Optuna), the time-to-score curve: the best CV score so far against the CPU time
  spent (each candidate's share of the CPU time is its share of the fit and score times of
  the folds it was fit on).

The summary compares, per task, (a) how much sooner than the unpruned search each method
reaches its final score (``T_unpruned(score) / T_method(score)`` in CPU seconds, a method's
own time read on its curve, or its whole run for a halving search; when the unpruned search
never reaches the score, its whole run is a lower bound, marked ≥), (b) racing's fits and
times as a fraction of the unpruned search's, seed by seed, and the paired difference of
their ranks, and (c) the halving searches against ``HalvingRandomSearchCV``. Methods run
interleaved within each seed, in a rotating order, so that load drift on a shared machine
spreads over all of them.

Every (task, seed, method) run is appended to ``results/<output>.runs.jsonl`` as it ends;
a run already there with the same settings is not run again, so an interrupted run resumes
and ``--part I/N`` splits the seeds over N processes sharing the cache. ``--reuse-from``
takes the runs of chosen methods from an earlier report whose settings are the same.
The report (``results/<output>.{md,json}``, the plot and the section of
``docs/benchmarks.md``) is written once every run is in the cache.

Run (65 minutes for the four tasks in two processes on two loaded cores, see
docs/benchmarks.md)::

    nice -n 10 .venv/bin/python benchmarks/bench_pruning.py --part 0/2 --no-report &
    nice -n 10 .venv/bin/python benchmarks/bench_pruning.py --part 1/2 --no-report
    .venv/bin/python benchmarks/bench_pruning.py --report-only   # from the cache
    # a small run, apart from the report's cache and the docs:
    nice -n 10 .venv/bin/python benchmarks/bench_pruning.py --tasks svc_digits --seeds 2 \
        --output pruning_small --plot '' --no-docs
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    RESULTS,
    environment,
    environment_markdown,
    fmt,
    log,
    markdown_table,
    quiet_peers,
    write_results,
)
from scipy.stats import loguniform, randint, uniform

ROOT = RESULTS.parent.parent
DOCS_PLOT = ROOT / "docs" / "images" / "pruning_time_to_score.png"
DOCS_PAGE = ROOT / "docs" / "benchmarks.md"
DOCS_HEADING = "## Stopping bad candidates early"

UNPRUNED = "HyperoptSearchCV (unpruned)"
RACING = "HyperoptSearchCV (racing)"
RACING_015 = "HyperoptSearchCV (racing, pruning_alpha=0.15)"
HALVING = "HyperoptHalvingSearchCV"
ASHA = "HyperoptHalvingSearchCV (ASHA)"
SK_HALVING = "HalvingRandomSearchCV"
RANDOM = "RandomizedSearchCV"
OPTUNA = "OptunaSearchCV"
FACTOR = 3


# ---------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    name: str
    description: str
    load: Callable[[], tuple[np.ndarray, np.ndarray]]
    estimator: Callable[[], Any]  # with the resource at max_resources
    space: dict[str, Any]  # scipy.stats distributions and lists: every method reads them
    resource: str = "n_samples"
    max_resources: int | str = "auto"


def _digits():
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


def _synthetic(n_samples: int, n_features: int, seed: int):
    def load():
        from sklearn.datasets import make_classification

        return make_classification(
            n_samples=n_samples,
            n_features=n_features,
            n_informative=n_features // 2,
            n_redundant=n_features // 5,
            flip_y=0.05,
            class_sep=0.7,
            random_state=seed,
        )

    return load


def _svc():
    from sklearn.svm import SVC

    return SVC()


def _hgb():
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(early_stopping=False, max_iter=50, random_state=0)


def _forest():
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=20, random_state=0)


def _xgb():
    from xgboost import XGBClassifier

    return XGBClassifier(n_estimators=100, n_jobs=1, tree_method="hist", verbosity=0)


TASKS = {
    task.name: task
    for task in (
        Task(
            "svc_digits",
            "SVC (RBF) on digits (1,797 × 64, 10 classes); resource: samples",
            _digits,
            _svc,
            {"C": loguniform(1e-2, 1e4), "gamma": loguniform(1e-6, 1e-1)},
        ),
        Task(
            "hgb_synthetic",
            "HistGradientBoostingClassifier on make_classification (2,000 × 20); "
            "resource: max_iter ≤ 50",
            _synthetic(2000, 20, 0),
            _hgb,
            {
                "learning_rate": loguniform(0.01, 0.5),
                "max_leaf_nodes": randint(4, 64),
                "min_samples_leaf": randint(5, 100),
                "l2_regularization": loguniform(1e-4, 10),
                "max_features": uniform(0.3, 0.7),
            },
            resource="max_iter",
            max_resources=50,
        ),
        Task(
            "forest_synthetic",
            "RandomForestClassifier (20 trees) on make_classification (2,000 × 20); "
            "resource: samples",
            _synthetic(2000, 20, 1),
            _forest,
            {
                "max_depth": randint(2, 30),
                "max_features": uniform(0.05, 0.6),
                "min_samples_leaf": randint(1, 30),
                "criterion": ["gini", "entropy"],
            },
        ),
        Task(
            "xgb_synthetic",
            "XGBClassifier on make_classification (2,000 × 20); resource: n_estimators ≤ 100",
            _synthetic(2000, 20, 2),
            _xgb,
            {
                "learning_rate": loguniform(0.01, 0.5),
                "max_depth": randint(2, 10),
                "subsample": uniform(0.5, 0.5),
                "colsample_bytree": uniform(0.4, 0.6),
                "min_child_weight": loguniform(0.5, 20),
                "reg_lambda": loguniform(1e-3, 10),
            },
            resource="n_estimators",
            max_resources=100,
        ),
    )
}


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------
@dataclass
class Run:
    """One method on one task and seed."""

    wall: float
    cpu: float  # seconds of CPU used by this process (all fits, with n_jobs=1)
    n_fits: int
    full_fits: float
    best_params: dict[str, Any]
    own_best_score: float
    curve: list[tuple[float, float]] = field(default_factory=list)  # (CPU s, best so far)
    rescored: float = float("nan")
    n_pruned: int | None = None  # candidates stopped by racing


def _curve(cost: np.ndarray, scores: np.ndarray, total: float) -> list[tuple[float, float]]:
    """Best CV score so far against seconds spent: ``total`` shared in proportion to ``cost``."""
    cost = np.asarray(cost, dtype=float)
    elapsed = np.cumsum(cost) * (total / max(float(cost.sum()), 1e-12))
    best = np.fmax.accumulate(np.asarray(scores, dtype=float))
    return [(float(t), float(b)) for t, b in zip(elapsed, best, strict=True)]


def _results_curve(results: dict[str, Any], n_splits: int, total: float) -> list:
    """The curve of a ``cv_results_``: a row costs its fit and score times on its fitted folds."""
    per_fold = np.asarray(results["mean_fit_time"]) + np.asarray(results["mean_score_time"])
    n_fitted = np.asarray(results.get("n_folds_fitted", np.full(len(per_fold), n_splits)))
    return _curve(per_fold * n_fitted, results["mean_test_score"], total)


@dataclass(frozen=True)
class Budget:
    """What every method of a run is given."""

    n_iter: int  # candidates of a search without halving
    n_candidates: int  # first-iteration candidates of a halving search
    n_jobs: int


def _full_resource_run(search: Any, task: Task, n_candidates: int) -> Run:
    """A search evaluating ``n_candidates`` candidates on every fold, recorded in cv_results_."""
    wall, cpu = _timed_fit(search, task)
    n_splits = search.n_splits_
    return Run(
        wall=wall,
        cpu=cpu,
        n_fits=n_candidates * n_splits,
        full_fits=float(n_candidates * n_splits),
        best_params=dict(search.best_params_),
        own_best_score=float(search.best_score_),
        curve=_results_curve(search.cv_results_, n_splits, cpu),
    )


def _hyperopt_search(pruning: str | None, alpha: float | None = None) -> Callable[..., Run]:
    """``HyperoptSearchCV`` with ``pruning``, and ``pruning_alpha=alpha`` (None: its default)."""

    def run(task: Task, folds: Any, seed: int, budget: Budget) -> Run:
        from skopt_hp import HyperoptSearchCV

        search = HyperoptSearchCV(
            task.estimator(),
            task.space,
            n_iter=budget.n_iter,
            cv=folds,
            random_state=seed,
            n_jobs=budget.n_jobs,
            pruning=pruning,
            **({} if alpha is None else {"pruning_alpha": alpha}),
        )
        result = _full_resource_run(search, task, budget.n_iter)
        if pruning is not None:
            result.n_fits = int(search.n_fits_)
            result.full_fits = float(search.n_fits_)
            result.n_pruned = int(np.sum(search.cv_results_["pruned"]))
        return result

    return run


def _random(task: Task, folds: Any, seed: int, budget: Budget) -> Run:
    from sklearn.model_selection import RandomizedSearchCV

    search = RandomizedSearchCV(
        task.estimator(),
        task.space,
        n_iter=budget.n_iter,
        cv=folds,
        random_state=seed,
        n_jobs=budget.n_jobs,
    )
    return _full_resource_run(search, task, budget.n_iter)


def optuna_space(space: dict[str, Any]) -> dict[str, Any]:
    """The task's space (scipy.stats distributions and lists) as Optuna distributions."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out: dict[str, Any] = {}
    for name, dist in space.items():
        if isinstance(dist, list):
            out[name] = CategoricalDistribution(dist)
            continue
        low, high = dist.support()
        kind = dist.dist.name
        if kind in ("loguniform", "reciprocal"):
            out[name] = FloatDistribution(float(low), float(high), log=True)
        elif kind == "uniform":
            out[name] = FloatDistribution(float(low), float(high))
        elif kind == "randint":  # support() is [low, high - 1], both included
            out[name] = IntDistribution(int(low), int(high))
        else:
            raise ValueError(f"optuna_space: no Optuna distribution for {name}={kind}.")
    return out


def _optuna(task: Task, folds: Any, seed: int, budget: Budget) -> Run:
    from optuna.trial import TrialState
    from optuna_integration import OptunaSearchCV

    search = OptunaSearchCV(
        task.estimator(),
        optuna_space(task.space),
        n_trials=budget.n_iter,
        cv=folds,
        random_state=seed,
        n_jobs=budget.n_jobs,
        refit=True,
    )
    wall, cpu = _timed_fit(search, task)
    n_splits = search.n_splits_
    trials = [t for t in search.study_.trials if t.state == TrialState.COMPLETE]
    cost = [
        (t.user_attrs["mean_fit_time"] + t.user_attrs["mean_score_time"]) * n_splits for t in trials
    ]
    return Run(
        wall=wall,
        cpu=cpu,
        n_fits=len(search.study_.trials) * n_splits,
        full_fits=float(len(search.study_.trials) * n_splits),
        best_params=dict(search.best_params_),
        own_best_score=float(search.best_score_),
        curve=_curve(np.array(cost), np.array([t.value for t in trials]), cpu),
    )


def _halving_settings(task: Task, folds: Any, seed: int, budget: Budget) -> dict:
    return dict(
        n_candidates=budget.n_candidates,
        factor=FACTOR,
        resource=task.resource,
        max_resources=task.max_resources,
        min_resources="exhaust",
        cv=folds,
        random_state=seed,
        n_jobs=budget.n_jobs,
        return_train_score=False,
    )


def _halving_run(search: Any, task: Task) -> Run:
    wall, cpu = _timed_fit(search, task)
    n_splits = search.n_splits_
    resources = np.asarray(search.cv_results_["n_resources"], dtype=float)
    return Run(
        wall=wall,
        cpu=cpu,
        n_fits=int(len(resources) * n_splits),
        full_fits=float(np.sum(resources / search.max_resources_) * n_splits),
        best_params=dict(search.best_params_),
        own_best_score=float(search.best_score_),
    )


def _ours_halving(asynchronous: bool) -> Callable[..., Run]:
    def run(task: Task, folds: Any, seed: int, budget: Budget) -> Run:
        from skopt_hp import HyperoptHalvingSearchCV

        settings = _halving_settings(task, folds, seed, budget)
        search = HyperoptHalvingSearchCV(
            task.estimator(), task.space, asynchronous=asynchronous, **settings
        )
        return _halving_run(search, task)

    return run


def _sklearn_halving(task: Task, folds: Any, seed: int, budget: Budget) -> Run:
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    settings = _halving_settings(task, folds, seed, budget)
    search = HalvingRandomSearchCV(task.estimator(), task.space, **settings)
    return _halving_run(search, task)


#: Display name -> runner ``(task, folds, seed, budget) -> Run``.
METHODS: dict[str, Callable[..., Run]] = {
    UNPRUNED: _hyperopt_search(pruning=None),
    RACING: _hyperopt_search(pruning="folds"),
    RACING_015: _hyperopt_search(pruning="folds", alpha=0.15),
    HALVING: _ours_halving(asynchronous=False),
    ASHA: _ours_halving(asynchronous=True),
    SK_HALVING: _sklearn_halving,
    RANDOM: _random,
    OPTUNA: _optuna,
}
METHOD_KEYS = {
    "unpruned": UNPRUNED,
    "racing": RACING,
    "racing_a015": RACING_015,
    "halving": HALVING,
    "asha": ASHA,
    "sk_halving": SK_HALVING,
    "random": RANDOM,
    "optuna": OPTUNA,
}


_DATA: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def _data(task: Task) -> tuple[np.ndarray, np.ndarray]:
    if task.name not in _DATA:
        _DATA[task.name] = task.load()
    return _DATA[task.name]


def _timed_fit(search: Any, task: Task) -> tuple[float, float]:
    """Wall and CPU seconds of ``search.fit``.

    With ``n_jobs=1`` every fit runs in this process, so its CPU time is the search's
    whole compute, and what other processes on a shared machine do barely changes it.
    """
    X, y = _data(task)
    start, cpu_start = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and fit-failure warnings of candidates
        search.fit(X, y)
    return time.perf_counter() - start, time.process_time() - cpu_start


def _rescore(task: Task, params: dict[str, Any], folds: Any) -> float:
    """The CV score of ``params`` with the full resource, on every fold."""
    from sklearn.model_selection import cross_val_score

    params = dict(params)
    if task.resource != "n_samples":
        params[task.resource] = task.max_resources
    X, y = _data(task)
    estimator = task.estimator().set_params(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(np.mean(cross_val_score(estimator, X, y, cv=folds)))


# ---------------------------------------------------------------------------
# The cache of runs
# ---------------------------------------------------------------------------
def settings_key(budget: Budget, n_splits: int) -> dict[str, Any]:
    """What makes two runs of a method on a task and seed the same run."""
    return {
        "n_iter": budget.n_iter,
        "n_candidates": budget.n_candidates,
        "cv": _cv_text(n_splits),
        "factor": FACTOR,
        "min_resources": "exhaust",
        "n_jobs": budget.n_jobs,
    }


def _cv_text(n_splits: int) -> str:
    return f"StratifiedKFold({n_splits}, shuffle=True, random_state=seed)"


def load_cache(path: Path, key: dict[str, Any]) -> dict[tuple[str, int, str], dict[str, Any]]:
    """The cached runs with these settings: ``(task, seed, method) -> record`` (the last wins).

    A run counts only if its task is described as now (a task resized since is run again).
    """
    records: dict[tuple[str, int, str], dict[str, Any]] = {}
    if not path.exists():
        return records
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        task = TASKS.get(record["task"])
        if (
            record["settings"] == key
            and task is not None
            and record.get("description") == task.description
        ):
            records[(record["task"], record["seed"], record["method"])] = record
    return records


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append one record as one ``write`` (processes sharing the cache never interleave)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(record) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _run_of(saved: dict[str, Any]) -> Run:
    run = Run(**{k: v for k, v in saved.items() if k in Run.__dataclass_fields__})
    run.curve = [tuple(point) for point in run.curve]
    return run


def import_runs(
    path: Path, methods: list[str], tasks: list[str], seeds: list[int], key: dict[str, Any]
) -> list[dict[str, Any]]:
    """Records of ``methods``' runs in an earlier report (its .json) with the same settings.

    A method whose code did not change gives the same search with the same tasks, seeds,
    folds and budget, so it need not run again.
    """
    report = json.loads(path.read_text())
    settings = report["settings"]
    theirs = report.get("settings key") or {  # reports before the key was stored: its parts
        "n_iter": settings.get("n_iter (unpruned)", settings.get("n_iter (n_candidates)")),
        "n_candidates": settings.get(
            "n_candidates (halving)", settings.get("n_iter (n_candidates)")
        ),
        "cv": settings.get("cv"),
        "factor": settings.get("factor"),
        "min_resources": settings.get("min_resources"),
        "n_jobs": settings.get("n_jobs"),
    }
    if theirs != key:
        raise SystemExit(f"{path} ran with other settings: {theirs}, not {key}")
    described = report.get("task descriptions", {})
    records = []
    for task in tasks:
        if described.get(task) != TASKS[task].description:
            raise SystemExit(
                f"{path} ran {task} as {described.get(task)!r}, not as {TASKS[task].description!r}"
            )
        for method in methods:
            saved = report["tasks"][task][method]
            for seed in seeds:
                if seed >= len(saved["wall"]):
                    raise SystemExit(f"{path} has no seed {seed} of {method} on {task}")
                run = {
                    name: saved[name][seed]
                    for name in ("wall", "cpu", "n_fits", "full_fits", "best_params")
                }
                run["own_best_score"] = saved["own_best_score"][seed]
                run["curve"] = saved["curve"][seed]
                run["rescored"] = saved["rescored"][seed]
                records.append(
                    {
                        "task": task,
                        "description": TASKS[task].description,
                        "seed": seed,
                        "method": method,
                        "settings": key,
                        "run": run,
                        "load": None,
                        "reused_from": f"{path.name} ({report['environment']['date']})",
                    }
                )
    return records


# ---------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------
def _time_to(curve: list[tuple[float, float]], score: float) -> tuple[float, bool]:
    """Seconds until the curve reaches ``score`` (reached?), else its end (a lower bound)."""
    for seconds, best in curve:
        if best >= score - 1e-12:
            return seconds, True
    return curve[-1][0], False


def _ranks(scores: dict[str, list[float]]) -> dict[str, np.ndarray]:
    """Each method's rank on each seed (1 = best; ties share their mean rank)."""
    from scipy.stats import rankdata

    names = list(scores)
    matrix = np.array([scores[n] for n in names])  # methods x seeds
    ranks = np.array([rankdata(-matrix[:, s]) for s in range(matrix.shape[1])]).T
    return {n: ranks[i] for i, n in enumerate(names)}


def _se(values: Any) -> float:
    values = np.asarray(values, dtype=float)
    return float(np.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0


#: The racing searches, compared with the unpruned one seed by seed.
RACING_METHODS = (RACING, RACING_015)


def _racing_against_unpruned(
    method: str,
    racing: list[Run],
    unpruned: list[Run],
    ranks: dict[str, np.ndarray],
    n_iter: int,
) -> dict[str, Any]:
    """Racing's fits and times over the unpruned search's, seed by seed, and their scores."""

    def ratios(attr: str) -> list[float]:
        return [getattr(r, attr) / getattr(u, attr) for r, u in zip(racing, unpruned, strict=True)]

    score_diff = [r.rescored - u.rescored for r, u in zip(racing, unpruned, strict=True)]
    rank_diff = ranks[method] - ranks[UNPRUNED]
    out = {
        "fits": ratios("n_fits"),
        "cpu": ratios("cpu"),
        "wall": ratios("wall"),
        "n_pruned": [r.n_pruned for r in racing],
        "n_iter": n_iter,
        "score_diff": score_diff,
        "rank_diff": rank_diff.tolist(),
    }
    out["within_noise"] = bool(np.mean(rank_diff) <= _se(rank_diff))
    out["targets_met"] = bool(
        np.median(out["fits"]) <= 0.6 and np.median(out["cpu"]) <= 0.6 and out["within_noise"]
    )
    return out


def _ratio_text(values: list[float]) -> str:
    return f"{np.median(values):.0%} ({min(values):.0%}–{max(values):.0%})"


def summarise(
    runs: dict[str, dict[str, list[Run]]], n_iter: int
) -> tuple[str, str, dict[str, Any]]:
    """Per-task tables (Markdown), racing's summary table, and the report's data."""
    lines = []
    racing_rows = []
    data: dict[str, Any] = {}
    for task_name, by_method in runs.items():
        task = TASKS[task_name]
        methods = list(by_method)
        n_seeds = len(next(iter(by_method.values())))
        table = []
        finals = {m: [r.rescored for r in by_method[m]] for m in methods}
        ranks = _ranks(finals)
        task_data: dict[str, Any] = {}
        for method in methods:
            rs = by_method[method]
            walls = np.array([r.wall for r in rs])
            cpus = np.array([r.cpu for r in rs])
            final = np.array(finals[method])
            row = [
                method,
                fmt(float(np.median(walls)), 3),
                fmt(float(np.median(cpus)), 3),
                fmt(float(np.mean([r.n_fits for r in rs])), 4),
                fmt(float(np.mean([r.full_fits for r in rs])), 3),
                f"{np.mean(final):.4f} ± {_se(final):.4f}",
                f"{ranks[method].mean():.2f} ± {_se(ranks[method]):.2f}",
            ]
            speedups = []
            if method != UNPRUNED and UNPRUNED in by_method:
                reached = 0
                for r, u in zip(rs, by_method[UNPRUNED], strict=True):
                    seconds, ok = _time_to(u.curve, r.rescored)
                    reached += ok
                    # When the method reached its final score: on its own curve if it has
                    # one, else (halving: known only at its end) its whole run.
                    own, found = _time_to(r.curve, r.rescored) if r.curve else (r.cpu, True)
                    speedups.append(seconds / (own if found and own > 0 else r.cpu))
                median = float(np.median(speedups))
                row.append(
                    f"{'' if reached == len(rs) else '≥ '}{median:.2f}× ({reached}/{len(rs)})"
                )
            else:
                row.append("—")
            table.append(row)
            task_data[method] = {
                "wall": walls.tolist(),
                "cpu": cpus.tolist(),
                "n_fits": [r.n_fits for r in rs],
                "full_fits": [r.full_fits for r in rs],
                "n_pruned": [r.n_pruned for r in rs],
                "rescored": final.tolist(),
                "own_best_score": [r.own_best_score for r in rs],
                "rank": ranks[method].tolist(),
                "mean_rank": float(ranks[method].mean()),
                "speedup_to_score": speedups,
                "curve": [r.curve for r in rs],
                "best_params": [r.best_params for r in rs],
            }
        data[task_name] = task_data
        lines += [
            f"### {task_name}",
            "",
            f"{task.description}; {n_seeds} seeds.",
            "",
            markdown_table(
                [
                    "method",
                    "wall s (median)",
                    "CPU s (median)",
                    "fits",
                    "full-fit equivalents",
                    "final CV score (mean ± s.e.)",
                    "mean rank (± s.e.)",
                    "faster to that score than unpruned (median, seeds reached)",
                ],
                table,
            ),
            "",
        ]
        for racer in [m for m in RACING_METHODS if m in by_method and UNPRUNED in by_method]:
            versus = _racing_against_unpruned(
                racer, by_method[racer], by_method[UNPRUNED], ranks, n_iter
            )
            task_data[racer]["against_unpruned"] = versus
            diff, rank_diff = versus["score_diff"], versus["rank_diff"]
            lines += [
                f"{racer} against {UNPRUNED}, seed by seed (median, min–max): fits "
                f"{_ratio_text(versus['fits'])}, CPU time {_ratio_text(versus['cpu'])}, wall "
                f"time {_ratio_text(versus['wall'])}; {np.mean(versus['n_pruned']):.1f} of "
                f"{n_iter} candidates stopped (mean); final score difference "
                f"{np.mean(diff):+.4f} ± {_se(diff):.4f}, rank difference "
                f"{np.mean(rank_diff):+.2f} ± {_se(rank_diff):.2f} (mean ± s.e.).",
                "",
            ]
            racing_rows.append(
                [
                    task_name,
                    "default" if racer == RACING else racer[racer.index(", ") + 2 : -1],
                    _ratio_text(versus["fits"]),
                    _ratio_text(versus["cpu"]),
                    _ratio_text(versus["wall"]),
                    f"{np.mean(versus['n_pruned']):.1f} / {n_iter}",
                    f"{np.mean(diff):+.4f} ± {_se(diff):.4f}",
                    f"{np.mean(rank_diff):+.2f} ± {_se(rank_diff):.2f}",
                    "yes" if versus["within_noise"] else "no",
                ]
            )
        if HALVING in by_method and SK_HALVING in by_method:
            ours, theirs = by_method[HALVING], by_method[SK_HALVING]
            wins = sum(a.rescored > b.rescored for a, b in zip(ours, theirs, strict=True))
            ties = sum(a.rescored == b.rescored for a, b in zip(ours, theirs, strict=True))
            ratio = np.median([a.cpu / b.cpu for a, b in zip(ours, theirs, strict=True)])
            wall_ratio = np.median([a.wall / b.wall for a, b in zip(ours, theirs, strict=True)])
            lines += [
                f"{HALVING} against {SK_HALVING}: better final score on {wins} of "
                f"{len(ours)} seeds ({ties} ties); CPU time ratio {ratio:.2f}, wall time "
                f"ratio {wall_ratio:.2f} (medians over seeds).",
                "",
            ]
    racing_table = ""
    if racing_rows:
        racing_table = markdown_table(
            [
                "task",
                "racing",
                "fits (racing / unpruned)",
                "CPU time",
                "wall time",
                "candidates stopped",
                "final score, racing − unpruned",
                "rank, racing − unpruned",
                "within noise",
            ],
            racing_rows,
        )
    return "\n".join(lines), racing_table, data


def plot(data: dict[str, Any], path: Any) -> None:
    """Per task: the median best score so far against CPU time of the unpruned and the racing
    searches, and each other method's final score (mean ± s.e.) at its median CPU time (bar:
    min to max)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(data)
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.8), squeeze=False)
    curves = {UNPRUNED: ("0.3", "-"), RACING: ("tab:red", "-"), RACING_015: ("tab:red", ":")}
    markers = {
        HALVING: ("o", "tab:blue"),
        ASHA: ("s", "tab:orange"),
        SK_HALVING: ("^", "tab:green"),
        RANDOM: ("v", "tab:brown"),
        OPTUNA: ("D", "tab:purple"),
    }
    for ax, name in zip(axes[0], names, strict=True):
        methods = data[name]
        low, high = [], []
        for method, (color, style) in curves.items():
            if method not in methods:
                continue
            seeds = methods[method]["curve"]
            end = max(c[-1][0] for c in seeds)
            grid = np.linspace(0, end, 400)
            values = []
            for curve in seeds:
                t = np.array([p[0] for p in curve])
                b = np.array([p[1] for p in curve])
                idx = np.searchsorted(t, grid, side="right") - 1
                # After its end a seed keeps its final best; before its first candidate, none.
                values.append(np.where(idx >= 0, b[np.clip(idx, 0, None)], np.nan))
            values = np.array(values)
            every_seed = ~np.isnan(values).any(axis=0)
            median = np.median(values[:, every_seed], axis=0)
            ax.plot(
                grid[every_seed], median, color=color, linestyle=style, label=method + " (median)"
            )
            low.append(float(np.quantile(median, 0.2)))
            high.append(float(median.max()))
        for method, (marker, color) in markers.items():
            if method not in methods:
                continue
            cpus = np.array(methods[method]["cpu"])
            final = np.array(methods[method]["rescored"])
            se = _se(final)
            ax.errorbar(
                np.median(cpus),
                final.mean(),
                yerr=se,
                xerr=[[np.median(cpus) - cpus.min()], [cpus.max() - np.median(cpus)]],
                marker=marker,
                color=color,
                linestyle="none",
                capsize=3,
                label=method,
            )
            low.append(final.mean() - 2 * se)
            high.append(final.mean() + 2 * se)
        margin = 0.1 * (max(high) - min(low))
        ax.set_ylim(min(low) - margin, max(high) + margin)
        ax.set_title(name)
        ax.set_xlabel("CPU time (s)")
        ax.set_ylabel("CV score")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------------------
# Running, and the report
# ---------------------------------------------------------------------------
def run_missing(
    tasks: list[str],
    methods: list[str],
    seeds: list[int],
    budget: Budget,
    n_splits: int,
    cache: Path,
    stamp: dict[str, Any],
) -> None:
    """Run every (task, seed, method) of ``seeds`` not in ``cache``; append each as it ends."""
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    key = settings_key(budget, n_splits)
    done = load_cache(cache, key)
    todo = [
        (seed, t, m) for seed in seeds for t in tasks for m in methods if (t, seed, m) not in done
    ]
    log(f"{len(todo)} runs to do, {len(tasks) * len(methods) * len(seeds) - len(todo)} cached")
    # One thread per fit: the estimators' own threads (OpenMP, BLAS) would make timings
    # depend on what else runs on the machine.
    with threadpool_limits(1):
        for seed in seeds:
            for task_name in tasks:
                task = TASKS[task_name]
                folds = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
                order = methods[seed % len(methods) :] + methods[: seed % len(methods)]
                for method in order:
                    if (task_name, seed, method) in done:
                        continue
                    run = METHODS[method](task, folds, seed, budget)
                    run.rescored = _rescore(task, run.best_params, folds)
                    append_record(
                        cache,
                        {
                            "task": task_name,
                            "description": task.description,
                            "seed": seed,
                            "method": method,
                            "settings": key,
                            "run": asdict(run),
                            "load": os.getloadavg()[0],
                            "date": _dt.datetime.now(_dt.timezone.utc).strftime(
                                "%Y-%m-%d %H:%M UTC"
                            ),
                            **stamp,
                        },
                    )
                    log(
                        f"seed {seed} {task_name:17s} {method:32s} {run.wall:7.2f} s "
                        f"(CPU {run.cpu:7.2f} s) "
                        f"{run.n_fits:4d} fits ({run.full_fits:6.1f} full) "
                        f"final {run.rescored:.4f}"
                    )


def _missing(records: dict, tasks: list[str], methods: list[str], seeds: list[int]) -> list:
    return [(t, s, m) for t in tasks for s in seeds for m in methods if (t, s, m) not in records]


def report(
    records: dict[tuple[str, int, str], dict[str, Any]],
    tasks: list[str],
    methods: list[str],
    seeds: list[int],
    budget: Budget,
    n_splits: int,
    output: str,
    plot_path: str,
    docs: bool,
) -> None:
    """Write the report, the plot and (``docs``) the section of docs/benchmarks.md."""
    runs = {
        t: {m: [_run_of(records[(t, s, m)]["run"]) for s in seeds] for m in methods} for t in tasks
    }
    chosen = [records[(t, s, m)] for t in tasks for s in seeds for m in methods]
    tasks_md, racing_table, data = summarise(runs, budget.n_iter)
    env = environment()
    del env["load average at start (1, 5, 15 min)"]
    env["command"] = " ; ".join(sorted({r["command"] for r in chosen if "command" in r}))
    env["skopt_hp"] = ", ".join(sorted({r["skopt_hp"] for r in chosen if "skopt_hp" in r}))
    dates = sorted(r["date"] for r in chosen if "date" in r)
    if dates:
        env["date"] = f"runs from {dates[0]} to {dates[-1]}"
    loads = [r["load"] for r in chosen if r.get("load") is not None]
    if loads:
        env["load average (1 min) after each run: min / median / max"] = (
            f"{min(loads):.2f} / {np.median(loads):.2f} / {max(loads):.2f}"
        )
    reused = sorted(
        {f"{r['method']} from {r['reused_from']}" for r in chosen if "reused_from" in r}
    )
    settings = {
        "n_iter (unpruned, racing, random, Optuna)": budget.n_iter,
        "n_candidates (halving)": budget.n_candidates,
        "factor": FACTOR,
        "min_resources": "exhaust",
        "cv": _cv_text(n_splits),
        "racing": "pruning='folds' with its default pruning_alpha (0.1) and 0.15",
        "n_jobs": budget.n_jobs,
        "seeds": len(seeds),
        "threads per fit": 1,
    }
    if reused:
        settings["runs reused"] = "; ".join(reused)
    explanation = (
        "Five folds (scikit-learn's default cv): racing stops a candidate after one fold at "
        "the earliest, so it saves at most (k - 1) / k of a stopped candidate's fits, two "
        "thirds with three folds. The tasks are sized (fits of about 0.1 s) for the whole run "
        "to take about an hour in two processes on two loaded cores. "
        "Final CV score: the best candidate's mean score over all folds with the full "
        "resource (re-scored). Full-fit equivalents: fits weighted by resource / "
        "max_resources. CPU time: this process's CPU seconds during fit (every fit "
        "runs in it with n_jobs=1), which the other processes of a shared machine "
        "barely change, unlike the wall time. Mean rank: over seeds, of the final scores of "
        "every method of the table (1 = best). 'Faster to that score': the unpruned "
        "search's CPU time to reach the method's final score (its best CV score so far; "
        "each candidate's share of the CPU time is its share of the fit and score times "
        "in cv_results_), over the method's own CPU time to reach it (on its own curve for "
        "the searches that evaluate every candidate in full; a halving search's whole run); "
        "≥ when the unpruned search did not reach it on every seed (its whole run is then "
        "the bound)."
    )
    racing_md = []
    if racing_table:
        racing_md = [
            "### Fold racing against the unpruned search",
            "",
            "Per seed, racing's fits, CPU and wall time over the unpruned search's (median, "
            "min–max over seeds); final score and rank differences paired by seed (mean ± "
            "s.e.); *within noise*: the rank difference is at most its standard error. "
            "Targets: ≤ 60% of the fits and time, within noise.",
            "",
            racing_table,
            "",
        ]
    markdown = "\n".join(
        [
            "# Stopping bad candidates early: racing and halving against the unpruned search",
            "",
            environment_markdown(env),
            "",
            "Settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items()) + ".",
            "",
            explanation,
            "",
            *racing_md,
            tasks_md,
        ]
    )
    if plot_path:
        plot(data, Path(plot_path))
        markdown += f"\n![Time to score](../../docs/images/{Path(plot_path).name})\n"
    raw = {
        "environment": env,
        "settings": settings,
        "settings key": settings_key(budget, n_splits),
        "task descriptions": {t: TASKS[t].description for t in tasks},
        "tasks": data,
    }
    md, js = write_results(output, markdown, raw)
    print(markdown)
    log(f"wrote {md} and {js}")
    if docs:
        section = docs_section(env, settings, explanation, racing_md, tasks_md, plot_path, output)
        update_docs(section)
        log(f"updated {DOCS_PAGE}")


def docs_section(
    env: dict[str, Any],
    settings: dict[str, Any],
    explanation: str,
    racing_md: list[str],
    tasks_md: str,
    plot_path: str,
    output: str,
) -> str:
    """The section of docs/benchmarks.md: the report without its environment list."""
    parts = [
        DOCS_HEADING,
        "",
        'Fold racing (`HyperoptSearchCV(pruning="folds")`), `HyperoptHalvingSearchCV` '
        "(synchronous and ASHA), scikit-learn's `HalvingRandomSearchCV` and "
        "`RandomizedSearchCV`, and optuna-integration's `OptunaSearchCV` against the unpruned "
        "`HyperoptSearchCV`, on the same folds, seeds and budget. When to use which: "
        "[Stopping bad candidates early](pruning.md#when-to-use-which).",
        "",
        f"Command: `{env['command']}` ({env['date']}; skopt_hp {env['skopt_hp']}; "
        f"scikit-learn {env['scikit-learn']}, optuna {env['optuna']}; {env['machine']}, "
        f"{env['nproc']} cores; load average "
        f"{env.get('load average (1 min) after each run: min / median / max', 'unknown')} "
        "(min / median / max after each run)). Full report: "
        f"`benchmarks/results/{output}.md`.",
        "",
        "Settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items()) + ".",
        "",
        explanation,
        "",
        *racing_md,
        tasks_md.rstrip("\n"),
        "",
    ]
    if plot_path:
        parts += [f"![Time to score](images/{Path(plot_path).name})", ""]
    return "\n".join(parts)


def update_docs(section: str, page: Path = DOCS_PAGE) -> None:
    """Replace the section of ``page`` (or put it before the Spark one), leaving others alone."""
    text = page.read_text(encoding="utf-8")
    start = text.find(DOCS_HEADING + "\n")
    if start == -1:
        at = text.find("\n## Spark")
        at = len(text) if at == -1 else at + 1
        text = text[:at] + section.rstrip("\n") + "\n\n" + text[at:]
    else:
        end = text.find("\n## ", start + 3)
        rest = text[end + 1 :] if end != -1 else ""
        text = text[:start] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else "")
    page.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="*", default=list(TASKS), choices=list(TASKS))
    parser.add_argument(
        "--methods", nargs="*", default=list(METHOD_KEYS), choices=list(METHOD_KEYS)
    )
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1")
    parser.add_argument(
        "--part",
        default="0/1",
        help="I/N: run only the seeds s with s %% N == I (processes "
        "sharing the cache); the report is written by whichever ends with every run cached",
    )
    parser.add_argument("--n-iter", type=int, default=30)
    parser.add_argument("--n-candidates", type=int, default=None, help="default: --n-iter")
    parser.add_argument("--cv", type=int, default=5, help="folds (StratifiedKFold)")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument(
        "--reuse-from",
        default=None,
        help="an earlier report's .json whose runs of --reuse methods (same settings) are "
        "taken into the cache instead of run again",
    )
    parser.add_argument("--reuse", nargs="*", default=[], choices=list(METHOD_KEYS))
    parser.add_argument("--output", default="pruning")
    parser.add_argument("--plot", default=str(DOCS_PLOT), help="'' for no plot")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument("--report-only", action="store_true", help="only report from the cache")
    parser.add_argument("--no-report", action="store_true", help="only run (fill the cache)")
    parser.add_argument("--replot", default=None, help="only redraw --plot from this .json")
    args = parser.parse_args(argv)
    if args.replot:
        plot(json.loads(Path(args.replot).read_text())["tasks"], Path(args.plot))
        return

    quiet_peers()
    n_candidates = args.n_iter if args.n_candidates is None else args.n_candidates
    budget = Budget(n_iter=args.n_iter, n_candidates=n_candidates, n_jobs=args.n_jobs)
    key = settings_key(budget, args.cv)
    methods = [METHOD_KEYS[m] for m in args.methods]
    seeds = list(range(args.seeds))
    cache = RESULTS / f"{args.output}.runs.jsonl"
    if args.reuse_from:
        records = load_cache(cache, key)
        reused = [METHOD_KEYS[m] for m in args.reuse]
        for record in import_runs(Path(args.reuse_from), reused, args.tasks, seeds, key):
            if (record["task"], record["seed"], record["method"]) not in records:
                append_record(cache, record)
    if not args.report_only:
        part, n_parts = (int(x) for x in args.part.split("/"))
        env = environment()
        stamp = {"command": env["command"], "skopt_hp": env["skopt_hp"]}
        mine = [s for s in seeds if s % n_parts == part]
        run_missing(args.tasks, methods, mine, budget, args.cv, cache, stamp)
    if args.no_report:
        return
    records = load_cache(cache, key)
    missing = _missing(records, args.tasks, methods, seeds)
    if missing:
        log(f"{len(missing)} runs not cached yet (e.g. {missing[0]}): no report")
        return
    report(
        records,
        args.tasks,
        methods,
        seeds,
        budget,
        args.cv,
        args.output,
        args.plot,
        docs=not args.no_docs,
    )


if __name__ == "__main__":
    main()
