"""Stopping bad candidates early (issue 14): halving searches against the unpruned search.

Every method searches the same space of the same estimator on the same data with the same
cross-validation folds (``StratifiedKFold(3, shuffle=True, random_state=seed)``), once per
seed: the unpruned search evaluates ``n_iter`` candidates, the halving searches start
``n_candidates`` (by default as many, ``--n-candidates`` to give them more), all with
``factor=3`` and ``min_resources="exhaust"``. Per run it records

* the wall time and the CPU time of ``fit`` (refit included, as a user pays it; with
  ``n_jobs=1`` every fit runs in this process, so its CPU time is the search's whole
  compute, which other processes on a shared machine barely change),
* the fits done, and their *full-fit equivalents*: each fit weighted by its resource over
  ``max_resources`` (a fit on a third of the samples, or with a third of the trees, counts a
  third),
* the best candidate's CV score *re-scored on all folds with the full resource* (a halving
  search's last iteration may use less than ``max_resources``), so that every method is
  judged on the same measure,
* for the unpruned search, its time-to-score curve: the best CV score so far against the
  CPU time spent (each candidate's share of the CPU time is its share of the fit and score
  times in ``cv_results_``).

The summary compares, per task, (a) how much sooner than the unpruned search each halving
search reaches its final score (``T_unpruned(score) / T_halving`` in CPU seconds; when the
unpruned search never reaches it, its whole run is a lower bound, marked ≥) and (b) the
final scores of the halving searches and their CPU times. Methods run interleaved within
each seed, in a rotating order, so that load drift on a shared machine spreads over all
of them.

Methods are a registry (``METHODS``): fold racing (``HyperoptSearchCV(pruning=...)``),
``RandomizedSearchCV`` and ``OptunaSearchCV`` are added there as one function each.

Run (about 40 minutes on two quiet cores)::

    nice -n 10 .venv/bin/python benchmarks/bench_pruning.py
    nice -n 10 .venv/bin/python benchmarks/bench_pruning.py --tasks svc_digits --seeds 2
"""

from __future__ import annotations

import argparse
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from _common import (
    RESULTS,
    environment,
    environment_markdown,
    fmt,
    log,
    markdown_table,
    write_results,
)
from scipy.stats import loguniform, randint, uniform

ROOT = RESULTS.parent.parent
DOCS_PLOT = ROOT / "docs" / "images" / "pruning_time_to_score.png"

UNPRUNED = "HyperoptSearchCV (unpruned)"
HALVING = "HyperoptHalvingSearchCV"
ASHA = "HyperoptHalvingSearchCV (ASHA)"
SK_HALVING = "HalvingRandomSearchCV"
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

    return HistGradientBoostingClassifier(early_stopping=False, max_iter=100, random_state=0)


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
            "HistGradientBoostingClassifier on make_classification (4,000 × 30); "
            "resource: max_iter ≤ 100",
            _synthetic(4000, 30, 0),
            _hgb,
            {
                "learning_rate": loguniform(0.01, 0.5),
                "max_leaf_nodes": randint(4, 64),
                "min_samples_leaf": randint(5, 100),
                "l2_regularization": loguniform(1e-4, 10),
                "max_features": uniform(0.3, 0.7),
            },
            resource="max_iter",
            max_resources=100,
        ),
        Task(
            "forest_synthetic",
            "RandomForestClassifier (20 trees) on make_classification (3,000 × 25); "
            "resource: samples",
            _synthetic(3000, 25, 1),
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
            "XGBClassifier on make_classification (4,000 × 30); resource: n_estimators ≤ 100",
            _synthetic(4000, 30, 2),
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


def _curve(results: dict[str, Any], n_splits: int, total: float) -> list[tuple[float, float]]:
    """Best CV score so far against seconds spent: ``total`` shared by fit and score times."""
    per_fold = np.asarray(results["mean_fit_time"]) + np.asarray(results["mean_score_time"])
    cost = per_fold * n_splits
    elapsed = np.cumsum(cost) * (total / max(float(cost.sum()), 1e-12))
    best = np.fmax.accumulate(np.asarray(results["mean_test_score"], dtype=float))
    return [(float(t), float(b)) for t, b in zip(elapsed, best, strict=True)]


@dataclass(frozen=True)
class Budget:
    """What every method of a run is given."""

    n_iter: int  # candidates of a search without pruning
    n_candidates: int  # first-iteration candidates of a halving search
    n_jobs: int


def _unpruned(task: Task, folds: Any, seed: int, budget: Budget) -> Run:
    from skopt_hp import HyperoptSearchCV

    search = HyperoptSearchCV(
        task.estimator(),
        task.space,
        n_iter=budget.n_iter,
        cv=folds,
        random_state=seed,
        n_jobs=budget.n_jobs,
    )
    wall, cpu = _timed_fit(search, task)
    n_splits = search.n_splits_
    return Run(
        wall=wall,
        cpu=cpu,
        n_fits=budget.n_iter * n_splits,
        full_fits=float(budget.n_iter * n_splits),
        best_params=dict(search.best_params_),
        own_best_score=float(search.best_score_),
        curve=_curve(search.cv_results_, n_splits, cpu),
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


#: Display name -> runner ``(task, folds, seed, budget) -> Run``. Racing and OptunaSearchCV
#: join here.
METHODS: dict[str, Callable[..., Run]] = {
    UNPRUNED: _unpruned,
    HALVING: _ours_halving(asynchronous=False),
    ASHA: _ours_halving(asynchronous=True),
    SK_HALVING: _sklearn_halving,
}
METHOD_KEYS = {"unpruned": UNPRUNED, "halving": HALVING, "asha": ASHA, "sk_halving": SK_HALVING}


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
# Summaries
# ---------------------------------------------------------------------------
def _time_to(curve: list[tuple[float, float]], score: float) -> tuple[float, bool]:
    """Seconds until the curve reaches ``score`` (reached?), else its end (a lower bound)."""
    for seconds, best in curve:
        if best >= score - 1e-12:
            return seconds, True
    return curve[-1][0], False


def _mean_ranks(scores: dict[str, list[float]]) -> dict[str, float]:
    from scipy.stats import rankdata

    names = list(scores)
    matrix = np.array([scores[n] for n in names])  # methods x seeds
    ranks = np.array([rankdata(-matrix[:, s]) for s in range(matrix.shape[1])]).T
    return {n: float(ranks[i].mean()) for i, n in enumerate(names)}


def summarise(runs: dict[str, dict[str, list[Run]]]) -> tuple[str, dict[str, Any]]:
    lines = []
    data: dict[str, Any] = {}
    for task_name, by_method in runs.items():
        task = TASKS[task_name]
        methods = list(by_method)
        n_seeds = len(next(iter(by_method.values())))
        table = []
        finals = {m: [r.rescored for r in by_method[m]] for m in methods}
        ranks = _mean_ranks(finals)
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
                f"{np.mean(final):.4f} ± {np.std(final) / math.sqrt(len(final)):.4f}",
                fmt(ranks[method], 3),
            ]
            speedups = []
            if method != UNPRUNED and UNPRUNED in by_method:
                reached = 0
                for r, u in zip(rs, by_method[UNPRUNED], strict=True):
                    seconds, ok = _time_to(u.curve, r.rescored)
                    reached += ok
                    speedups.append(seconds / r.cpu)
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
                "rescored": final.tolist(),
                "own_best_score": [r.own_best_score for r in rs],
                "mean_rank": ranks[method],
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
                    "mean rank",
                    "faster to that score than unpruned (median, seeds reached)",
                ],
                table,
            ),
            "",
        ]
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
    return "\n".join(lines), data


def plot(data: dict[str, Any], path: Any) -> None:
    """Per task: the unpruned search's median best score so far against CPU time, and each
    halving search's final score (mean ± s.e.) at its median CPU time (bar: min to max)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(data)
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.6), squeeze=False)
    markers = {HALVING: "o", ASHA: "s", SK_HALVING: "^"}
    for ax, name in zip(axes[0], names, strict=True):
        methods = data[name]
        low, high = [], []
        if UNPRUNED in methods:
            curves = methods[UNPRUNED]["curve"]
            end = max(c[-1][0] for c in curves)
            grid = np.linspace(0, end, 400)
            values = []
            for curve in curves:
                t = np.array([p[0] for p in curve])
                b = np.array([p[1] for p in curve])
                idx = np.searchsorted(t, grid, side="right") - 1
                # After its end a seed keeps its final best; before its first candidate, none.
                values.append(np.where(idx >= 0, b[np.clip(idx, 0, None)], np.nan))
            values = np.array(values)
            every_seed = ~np.isnan(values).any(axis=0)
            median = np.median(values[:, every_seed], axis=0)
            ax.plot(grid[every_seed], median, color="0.3", label=UNPRUNED + " (median)")
            low.append(float(np.quantile(median, 0.2)))
            high.append(float(median.max()))
        for method, marker in markers.items():
            if method not in methods:
                continue
            cpus = np.array(methods[method]["cpu"])
            final = np.array(methods[method]["rescored"])
            se = final.std() / math.sqrt(len(final))
            ax.errorbar(
                np.median(cpus),
                final.mean(),
                yerr=se,
                xerr=[[np.median(cpus) - cpus.min()], [cpus.max() - np.median(cpus)]],
                marker=marker,
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


def _reused_unpruned(
    path: str | None, tasks: list[str], n_seeds: int, n_iter: int
) -> dict[str, list[Run]]:
    """The unpruned runs of an earlier report, to compare other budgets of the halving searches.

    The unpruned search does not depend on the halving searches' settings: with the same
    tasks, seeds, folds and ``n_iter`` it is the same search, so it need not run again.
    """
    if path is None:
        return {}
    import json

    report = json.loads(open(path).read())
    if (
        report["settings"].get("n_iter (unpruned)", report["settings"].get("n_iter (n_candidates)"))
        != n_iter
    ):
        raise SystemExit(f"{path} ran the unpruned search with another n_iter")
    reused = {}
    for task in tasks:
        saved = report["tasks"][task][UNPRUNED]
        if len(saved["wall"]) < n_seeds:
            raise SystemExit(f"{path} has {len(saved['wall'])} seeds of {task}, not {n_seeds}")
        reused[task] = [
            Run(
                wall=saved["wall"][i],
                cpu=saved["cpu"][i],
                n_fits=saved["n_fits"][i],
                full_fits=saved["full_fits"][i],
                best_params=saved["best_params"][i],
                own_best_score=saved["own_best_score"][i],
                curve=[tuple(point) for point in saved["curve"][i]],
                rescored=saved["rescored"][i],
            )
            for i in range(n_seeds)
        ]
    return reused


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="*", default=list(TASKS), choices=list(TASKS))
    parser.add_argument(
        "--methods", nargs="*", default=list(METHOD_KEYS), choices=list(METHOD_KEYS)
    )
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--n-iter", type=int, default=30)
    parser.add_argument("--n-candidates", type=int, default=None, help="default: --n-iter")
    parser.add_argument(
        "--unpruned-from",
        default=None,
        help="a report's .json whose unpruned runs (same tasks, seeds, --n-iter) are reused",
    )
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--output", default="pruning")
    parser.add_argument("--plot", default=str(DOCS_PLOT), help="'' for no plot")
    parser.add_argument("--replot", default=None, help="only redraw --plot from this .json")
    args = parser.parse_args(argv)
    if args.replot:
        import json
        from pathlib import Path

        plot(json.loads(Path(args.replot).read_text())["tasks"], Path(args.plot))
        return

    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    env = environment()
    n_candidates = args.n_iter if args.n_candidates is None else args.n_candidates
    budget = Budget(n_iter=args.n_iter, n_candidates=n_candidates, n_jobs=args.n_jobs)
    methods = [METHOD_KEYS[m] for m in args.methods]
    reused = _reused_unpruned(args.unpruned_from, args.tasks, args.seeds, args.n_iter)
    if reused:
        methods = [m for m in methods if m != UNPRUNED]
    runs: dict[str, dict[str, list[Run]]] = {
        t: {**({UNPRUNED: reused[t]} if reused else {}), **{m: [] for m in methods}}
        for t in args.tasks
    }
    load = []
    # One thread per fit: the estimators' own threads (OpenMP, BLAS) would make timings
    # depend on what else runs on the machine.
    with threadpool_limits(1):
        for seed in range(args.seeds):
            for task_name in args.tasks:
                task = TASKS[task_name]
                folds = StratifiedKFold(3, shuffle=True, random_state=seed)
                order = methods[seed % len(methods) :] + methods[: seed % len(methods)]
                for method in order:
                    run = METHODS[method](task, folds, seed, budget)
                    run.rescored = _rescore(task, run.best_params, folds)
                    runs[task_name][method].append(run)
                    log(
                        f"seed {seed} {task_name:17s} {method:32s} {run.wall:7.2f} s "
                        f"(CPU {run.cpu:7.2f} s) "
                        f"{run.n_fits:4d} fits ({run.full_fits:6.1f} full) "
                        f"final {run.rescored:.4f}"
                    )
                load.append(os.getloadavg()[0])
    summary, data = summarise(runs)
    env["load average at end (1, 5, 15 min)"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    env["load average (1 min) after each task and seed: min / median / max"] = (
        f"{min(load):.2f} / {np.median(load):.2f} / {max(load):.2f}"
    )
    settings = {
        "unpruned runs": f"reused from {args.unpruned_from}" if reused else "run here",
        "n_iter (unpruned)": budget.n_iter,
        "n_candidates (halving)": budget.n_candidates,
        "factor": FACTOR,
        "min_resources": "exhaust",
        "cv": "StratifiedKFold(3, shuffle=True, random_state=seed)",
        "n_jobs": args.n_jobs,
        "seeds": args.seeds,
        "threads per fit": 1,
    }
    markdown = "\n".join(
        [
            "# Stopping bad candidates early: halving searches against the unpruned search",
            "",
            environment_markdown(env),
            "",
            "Settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items()) + ".",
            "",
            "Final CV score: the best candidate's mean score over all folds with the full "
            "resource (re-scored). Full-fit equivalents: fits weighted by resource / "
            "max_resources. CPU time: this process's CPU seconds during fit (every fit "
            "runs in it with n_jobs=1), which the other processes of a shared machine "
            "barely change, unlike the wall time. 'Faster to that score': the unpruned "
            "search's CPU time to reach the method's final score (its best CV score so far; "
            "each candidate's share of the CPU time is its share of the fit and score times "
            "in cv_results_), over the method's CPU time; ≥ when the unpruned search did not "
            "reach it on every seed (its whole run is then the bound).",
            "",
            summary,
        ]
    )
    if args.plot:
        from pathlib import Path

        plot(data, Path(args.plot))
        markdown += f"\n![Time to score](../../docs/images/{Path(args.plot).name})\n"
    raw = {"environment": env, "settings": settings, "tasks": data}
    md, js = write_results(args.output, markdown, raw)
    print(markdown)
    log(f"wrote {md} and {js}")


if __name__ == "__main__":
    main()
