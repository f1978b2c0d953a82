"""How informative a halving search's first iteration is, and which proposals use it best.

Two studies, on a set of tasks (``--tasks``: bench_pruning's four, or the separate tuning
tasks defined here, which bench_pruning never runs, so that settings chosen on them are not
fitted to bench_pruning's tasks):

``ranks`` (diagnosis): per seed, 30 candidates drawn at random from the task's space are
evaluated at every iteration's resource of the halving plan (factor 3,
``min_resources="exhaust"``, 5-fold) and with the full resource. It reports the Spearman
correlation of each iteration's scores with the full-resource scores, the full-resource score
of the candidate successive halving would keep (simulated from those scores), of the best of
the 30 (the ceiling of any halving of these candidates) and of their median. It then runs
``HyperoptHalvingSearchCV`` (TPE, synchronous, the library's defaults) with the same folds,
evaluates its 30 first-iteration candidates with the full resource and compares, among them,
the random start-up draws with TPE's proposals: at the first iteration's resource and at the
full one (a proposal that looks better at the small resource only is low-fidelity bias).

``variants`` (choice of settings): per seed, ``HyperoptHalvingSearchCV`` with each variant of
its proposals (``algo="rand"``, TPE with several ``random_fraction``...), then its chosen
candidate re-scored with the full resource on all folds. Reported: mean final score, mean
rank among the variants, and wins against random halving, per task and over all tasks.

Run::

    nice -n 19 .venv/bin/python benchmarks/bench_halving_proposals.py ranks --tasks pruning
    nice -n 19 .venv/bin/python benchmarks/bench_halving_proposals.py variants --tasks tuning

Results go to ``results/halving_<study>_<tasks>.{md,json}`` (``--report-as`` names another
report from the same runs); every run is appended to
``results/halving_<study>_<tasks>.runs.jsonl`` as it ends and not run again.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _common import RESULTS, environment, environment_markdown, log, markdown_table, write_results
from scipy.stats import loguniform, randint, spearmanr, uniform

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_pruning  # noqa: E402  (its four tasks)

N_CANDIDATES = 30
FACTOR = 3
N_SPLITS = 5


@dataclass(frozen=True)
class Task:
    name: str
    description: str
    load: Callable[[], tuple[np.ndarray, np.ndarray]]
    estimator: Callable[[], Any]
    space: dict[str, Any]
    resource: str = "n_samples"
    max_resources: int | str = "auto"
    classifier: bool = True


def _svc_scaled():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC())


def _gb():
    from sklearn.ensemble import GradientBoostingClassifier

    return GradientBoostingClassifier(n_estimators=60, random_state=0)


def _extra_trees():
    from sklearn.ensemble import ExtraTreesClassifier

    return ExtraTreesClassifier(n_estimators=30, random_state=0)


def _hgb_regressor():
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(early_stopping=False, max_iter=60, random_state=0)


def _make_classification(n_samples, n_features, seed, **kwargs):
    def load():
        from sklearn.datasets import make_classification

        return make_classification(
            n_samples=n_samples, n_features=n_features, random_state=seed, **kwargs
        )

    return load


def _breast_cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True)


def _friedman():
    from sklearn.datasets import make_friedman1

    return make_friedman1(n_samples=1500, n_features=10, noise=1.0, random_state=3)


#: Tasks for choosing settings: other estimators, data and resources than bench_pruning's.
TUNING_TASKS = {
    task.name: task
    for task in (
        Task(
            "svc_scaled_synthetic",
            "StandardScaler + SVC on make_classification (1,500 × 30, 3 classes); "
            "resource: samples",
            _make_classification(1500, 30, 7, n_informative=8, n_classes=3, flip_y=0.03),
            _svc_scaled,
            {"svc__C": loguniform(1e-3, 1e3), "svc__gamma": loguniform(1e-5, 1.0)},
        ),
        Task(
            "gb_breast_cancer",
            "GradientBoostingClassifier on breast_cancer (569 × 30); resource: n_estimators ≤ 60",
            _breast_cancer,
            _gb,
            {
                "learning_rate": loguniform(0.01, 1.0),
                "max_depth": randint(1, 8),
                "subsample": uniform(0.4, 0.6),
                "min_samples_leaf": randint(1, 40),
            },
            resource="n_estimators",
            max_resources=60,
        ),
        Task(
            "extra_trees_synthetic",
            "ExtraTreesClassifier (30 trees) on make_classification (2,500 × 25); "
            "resource: samples",
            _make_classification(2500, 25, 11, n_informative=10, n_redundant=5, flip_y=0.08),
            _extra_trees,
            {
                "max_depth": randint(2, 40),
                "max_features": uniform(0.05, 0.9),
                "min_samples_split": randint(2, 40),
                "bootstrap": [True, False],
            },
        ),
        Task(
            "hgb_regressor_friedman",
            "HistGradientBoostingRegressor on make_friedman1 (1,500 × 10, R²); "
            "resource: max_iter ≤ 60",
            _friedman,
            _hgb_regressor,
            {
                "learning_rate": loguniform(0.01, 0.5),
                "max_leaf_nodes": randint(4, 64),
                "min_samples_leaf": randint(2, 80),
                "l2_regularization": loguniform(1e-4, 10),
            },
            resource="max_iter",
            max_resources=60,
            classifier=False,
        ),
    )
}

PRUNING_TASKS = {
    name: Task(
        name,
        task.description,
        task.load,
        task.estimator,
        task.space,
        task.resource,
        task.max_resources,
    )
    for name, task in bench_pruning.TASKS.items()
}

TASK_SETS = {"tuning": TUNING_TASKS, "pruning": PRUNING_TASKS}

_DATA: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def _data(task: Task) -> tuple[np.ndarray, np.ndarray]:
    if task.name not in _DATA:
        _DATA[task.name] = task.load()
    return _DATA[task.name]


def _folds(task: Task, seed: int) -> Any:
    from sklearn.model_selection import KFold, StratifiedKFold

    cls = StratifiedKFold if task.classifier else KFold
    return cls(N_SPLITS, shuffle=True, random_state=seed)


class _Frozen:
    """Fixed splits with a ``split`` method (what ``SubsampledSplits`` wraps)."""

    def __init__(self, splits: list) -> None:
        self.splits = splits

    def split(self, X: Any = None, y: Any = None, groups: Any = None):
        yield from self.splits

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return len(self.splits)


def _cv_score(task: Task, params: dict[str, Any], resource: int | None, folds: Any, seed: int):
    """Mean CV score of ``params`` with ``resource`` (None: the full resource)."""
    from sklearn.model_selection import cross_val_score

    from skopt_hp._halving_splits import SubsampledSplits

    X, y = _data(task)
    params = dict(params)
    splits = list(folds.split(X, y))
    cv: Any = splits
    if task.resource == "n_samples":
        if resource is not None and resource < len(X):
            cv = SubsampledSplits(
                _Frozen(splits), resource / len(X), seed=(seed, 1), stratify=task.classifier
            )
    else:
        params[task.resource] = task.max_resources if resource is None else resource
    estimator = task.estimator().set_params(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_val_score(estimator, X, y, cv=cv, error_score=np.nan)
    return float(np.mean(scores))


def _halving(task: Task, seed: int, **kwargs: Any) -> Any:
    from skopt_hp import HyperoptHalvingSearchCV

    X, y = _data(task)
    search = HyperoptHalvingSearchCV(
        task.estimator(),
        task.space,
        n_candidates=N_CANDIDATES,
        factor=FACTOR,
        resource=task.resource,
        max_resources=task.max_resources,
        min_resources="exhaust",
        cv=_folds(task, seed),
        random_state=seed,
        return_train_score=False,
        **kwargs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    return search


def _simulate_halving(scores_by_rung: np.ndarray) -> int:
    """Index of the candidate successive halving keeps, from every candidate's rung scores."""
    alive = np.arange(scores_by_rung.shape[1])
    for rung in range(scores_by_rung.shape[0]):
        keep = max(1, math.ceil(len(alive) / FACTOR))
        scores = np.nan_to_num(scores_by_rung[rung, alive], nan=-np.inf)
        alive = alive[np.argsort(-scores, kind="stable")[:keep]]
    return int(alive[0])


# ---------------------------------------------------------------------------
# Study 1: how informative the first iteration is
# ---------------------------------------------------------------------------
def rank_run(task: Task, seed: int) -> dict[str, Any]:
    from sklearn.model_selection import ParameterSampler

    folds = _folds(task, seed)
    # The plan (resources per iteration) of the search, from a TPE run that is studied too.
    search = _halving(task, seed)
    resources = [int(r) for r in search.n_resources_]
    n_startup = _n_startup(search)
    results = search.cv_results_
    first = np.flatnonzero(np.asarray(results["iter"]) == 0)
    tpe_params = [results["params"][i] for i in first]
    tpe_low = [float(results["mean_test_score"][i]) for i in first]
    tpe_full = [_cv_score(task, p, None, folds, seed) for p in tpe_params]

    random_params = list(ParameterSampler(task.space, N_CANDIDATES, random_state=seed))
    random_rungs = np.array(
        [[_cv_score(task, p, r, folds, seed) for p in random_params] for r in resources]
    )
    random_full = np.array([_cv_score(task, p, None, folds, seed) for p in random_params])
    kept = _simulate_halving(random_rungs)
    promoted = np.argsort(-np.nan_to_num(random_rungs[0], nan=-np.inf))[
        : math.ceil(N_CANDIDATES / FACTOR)
    ]
    return {
        "resources": resources,
        "n_startup": n_startup,
        "random_rungs": random_rungs.tolist(),
        "random_full": random_full.tolist(),
        "random_kept": kept,
        "random_best_promoted": float(np.nanmax(random_full[promoted])),
        "tpe_low": tpe_low,
        "tpe_full": tpe_full,
        "tpe_kept_full": _cv_score(
            task, _without_resource(task, search.best_params_), None, folds, seed
        ),
    }


def _without_resource(task: Task, params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != task.resource}


def _n_startup(search: Any) -> int:
    """How many first-iteration candidates were proposed before the model had enough scores."""
    from skopt_hp._ask import resolve_algo
    from skopt_hp._halving_rungs import min_points_in_model
    from skopt_hp._search import _compile_space

    sampler = resolve_algo(search.algo, param_name="algo")
    space = _compile_space(search.search_space)
    need = min_points_in_model(sampler, space)
    n_points = search.n_points
    # Groups of n_points, each proposed from the scores of the groups before it.
    return min(N_CANDIDATES, math.ceil(need / n_points) * n_points)


def _spearman(a: Any, b: Any) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return float("nan")
    return float(spearmanr(a[ok], b[ok]).statistic)


def rank_summary(task: Task, runs: list[dict[str, Any]]) -> tuple[list[str], dict[str, Any]]:
    n_rungs = len(runs[0]["resources"])
    rho = np.array(
        [
            [_spearman(run["random_rungs"][r], run["random_full"]) for r in range(n_rungs)]
            for run in runs
        ]
    )
    full = np.array([run["random_full"] for run in runs])
    kept = np.array([run["random_full"][run["random_kept"]] for run in runs])
    best = np.nanmax(full, axis=1)
    median = np.nanmedian(full, axis=1)
    best_promoted = np.array([run["random_best_promoted"] for run in runs])
    k = runs[0]["n_startup"]
    tpe_low = np.array([run["tpe_low"] for run in runs])
    tpe_full = np.array([run["tpe_full"] for run in runs])
    rho_tpe = np.array([_spearman(run["tpe_low"], run["tpe_full"]) for run in runs])
    tpe_best = np.nanmax(tpe_full, axis=1)
    tpe_kept = np.array([run["tpe_kept_full"] for run in runs])
    data = {
        "resources": runs[0]["resources"],
        "spearman_by_iteration": rho.mean(axis=0).tolist(),
        "random_kept": float(kept.mean()),
        "random_best_of_30": float(best.mean()),
        "random_best_promoted": float(best_promoted.mean()),
        "random_median": float(median.mean()),
        "n_startup": k,
        "tpe_spearman_first": float(np.nanmean(rho_tpe)),
        "startup_low": float(np.nanmean(tpe_low[:, :k])),
        "proposed_low": float(np.nanmean(tpe_low[:, k:])),
        "startup_full": float(np.nanmean(tpe_full[:, :k])),
        "proposed_full": float(np.nanmean(tpe_full[:, k:])),
        "tpe_best_of_30": float(tpe_best.mean()),
        "tpe_kept": float(tpe_kept.mean()),
        "n_seeds": len(runs),
    }
    return [], data


def rank_report(tasks: dict[str, Task], data: dict[str, dict[str, Any]]) -> str:
    rows = []
    for name, d in data.items():
        rows.append(
            [
                name,
                str(d["n_seeds"]),
                " / ".join(str(r) for r in d["resources"]),
                " / ".join(f"{x:.2f}" for x in d["spearman_by_iteration"]),
                f"{d['random_median']:.4f}",
                f"{d['random_kept']:.4f}",
                f"{d['random_best_promoted']:.4f}",
                f"{d['random_best_of_30']:.4f}",
            ]
        )
    table1 = markdown_table(
        [
            "task",
            "seeds",
            "resource per iteration",
            "Spearman with full resource, per iteration",
            "median of 30",
            "halving keeps",
            "best promoted after iteration 0",
            "best of 30",
        ],
        rows,
    )
    rows = []
    for name, d in data.items():
        rows.append(
            [
                name,
                str(d["n_seeds"]),
                f"{d['n_startup']} / {N_CANDIDATES}",
                f"{d['startup_low']:.4f} → {d['proposed_low']:.4f}",
                f"{d['startup_full']:.4f} → {d['proposed_full']:.4f}",
                f"{d['tpe_spearman_first']:.2f}",
                f"{d['tpe_kept']:.4f}",
                f"{d['tpe_best_of_30']:.4f}",
            ]
        )
    table2 = markdown_table(
        [
            "task",
            "seeds",
            "random start-up draws",
            "mean score at iteration 0: start-up → TPE proposals",
            "mean full-resource score: start-up → TPE proposals",
            "Spearman (iteration 0, full) of TPE's 30",
            "halving keeps",
            "best of its 30",
        ],
        rows,
    )
    return "\n".join(
        [
            "### 30 random candidates, evaluated at every iteration's resource and in full",
            "",
            "Means over seeds of: the Spearman correlation of each iteration's scores with the "
            "full-resource scores; the full-resource score of the median candidate, of the one "
            "successive halving keeps (simulated from these scores), of the best of the ten "
            "promoted after iteration 0, and of the best of the 30.",
            "",
            table1,
            "",
            "### HyperoptHalvingSearchCV (TPE, synchronous, defaults): its 30 candidates",
            "",
            "Start-up draws are random; the later ones are TPE's proposals, modelled on "
            "iteration 0's scores. Full-resource scores re-scored on all folds.",
            "",
            table2,
        ]
    )


# ---------------------------------------------------------------------------
# Study 2: variants of the proposals
# ---------------------------------------------------------------------------
def _variant_kwargs(name: str) -> dict[str, Any]:
    """Keyword arguments of HyperoptHalvingSearchCV for a variant name."""
    if name == "random":
        return {"algo": "rand"}
    if name == "tpe":
        return {}
    if name.startswith("tpe_rf"):  # tpe_rf0.33: random_fraction=0.33
        return {"random_fraction": float(name[len("tpe_rf") :])}
    if name == "asha":
        return {"asynchronous": True}
    if name.startswith("asha_rf"):
        return {"asynchronous": True, "random_fraction": float(name[len("asha_rf") :])}
    raise ValueError(f"unknown variant {name!r}")


def variant_run(task: Task, seed: int, variant: str) -> dict[str, Any]:
    import time

    folds = _folds(task, seed)
    cpu = time.process_time()
    search = _halving(task, seed, **_variant_kwargs(variant))
    cpu = time.process_time() - cpu
    params = _without_resource(task, search.best_params_)
    return {
        "final": _cv_score(task, params, None, folds, seed),
        "own_best": float(search.best_score_),
        "cpu": cpu,
        "n_fits": int(len(search.cv_results_["params"]) * N_SPLITS),
    }


def variant_report(
    tasks: dict[str, Task], variants: list[str], runs: dict, seeds: list[int]
) -> tuple[str, dict[str, Any]]:
    from scipy.stats import rankdata

    rows = []
    data: dict[str, Any] = {}
    overall_ranks = {v: [] for v in variants}
    overall_wins = {v: [0, 0, 0] for v in variants}  # better, tie, worse than random
    for name in tasks:
        finals = np.array([[runs[(name, s, v)]["final"] for s in seeds] for v in variants])
        ranks = np.array([rankdata(-finals[:, i]) for i in range(len(seeds))]).T
        data[name] = {}
        for i, v in enumerate(variants):
            row = [name, v, f"{finals[i].mean():.4f} ± {_se(finals[i]):.4f}"]
            row.append(f"{ranks[i].mean():.2f}")
            overall_ranks[v].extend(ranks[i].tolist())
            if "random" in variants:
                base = finals[variants.index("random")]
                better = int(np.sum(finals[i] > base + 1e-12))
                worse = int(np.sum(finals[i] < base - 1e-12))
                tie = len(seeds) - better - worse
                for j, count in enumerate((better, tie, worse)):
                    overall_wins[v][j] += count
                row.append(f"{better} / {tie} / {worse}")
                diff = finals[i] - base
                row.append(f"{diff.mean():+.4f} ± {_se(diff):.4f}")
            cpu = np.median([runs[(name, s, v)]["cpu"] for s in seeds])
            row.append(f"{cpu:.2f}")
            rows.append(row)
            data[name][v] = {
                "final": finals[i].tolist(),
                "rank": ranks[i].tolist(),
                "cpu": [runs[(name, s, v)]["cpu"] for s in seeds],
            }
    headers = ["task", "variant", "final score (mean ± s.e.)", "mean rank"]
    if "random" in variants:
        headers += ["better / tie / worse than random", "difference from random"]
    headers.append("CPU s (median)")
    table = markdown_table(headers, rows)
    summary_rows = []
    for v in variants:
        r = np.array(overall_ranks[v])
        row = [v, f"{r.mean():.2f} ± {_se(r):.2f}"]
        if "random" in variants:
            row.append(" / ".join(str(x) for x in overall_wins[v]))
        summary_rows.append(row)
    summary_headers = ["variant", "mean rank over all tasks and seeds (± s.e.)"]
    if "random" in variants:
        summary_headers.append("better / tie / worse than random")
    summary = markdown_table(summary_headers, summary_rows)
    data["overall"] = {v: {"rank": overall_ranks[v], "wins": overall_wins[v]} for v in variants}
    md = "\n".join(
        [
            "### Final score per task (re-scored with the full resource on all folds)",
            "",
            table,
            "",
            "### Over all tasks",
            "",
            summary,
        ]
    )
    return md, data


def _se(values: Any) -> float:
    values = np.asarray(values, dtype=float)
    return float(np.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0


# ---------------------------------------------------------------------------
# Cache and main
# ---------------------------------------------------------------------------
def _load(path: Path) -> dict[tuple, dict[str, Any]]:
    records: dict[tuple, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                records[(record["task"], record["seed"], record.get("variant"))] = record["run"]
    return records


def _append(path: Path, record: dict[str, Any]) -> None:
    data = (json.dumps(record) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def main(argv: list[str] | None = None) -> None:
    # threadpoolctl limits only the libraries already loaded: load scikit-learn's OpenMP
    # runtime (histogram gradient boosting) first, or its threads escape the limit.
    import sklearn.ensemble  # noqa: F401
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("study", choices=["ranks", "variants"])
    parser.add_argument("--tasks", choices=list(TASK_SETS), default="tuning")
    parser.add_argument("--only", nargs="*", default=None, help="task names of the set")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--part", default="0/1", help="I/N: seeds with seed %% N == I")
    parser.add_argument(
        "--variants", nargs="*", default=["random", "tpe", "tpe_rf0.33", "tpe_rf0.5"]
    )
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--report-only", action="store_true", help="report from the runs cached")
    parser.add_argument(
        "--complete-only",
        action="store_true",
        help="ranks: report only when every task has every seed (default: the seeds it has)",
    )
    parser.add_argument(
        "--report-as",
        default=None,
        help="name of the report (results/<name>.{md,json}); default halving_<study>_<tasks>",
    )
    args = parser.parse_args(argv)

    tasks = TASK_SETS[args.tasks]
    if args.only:
        tasks = {n: tasks[n] for n in args.only}
    stem = f"halving_{args.study}_{args.tasks}"
    cache = RESULTS / f"{stem}.runs.jsonl"
    seeds = list(range(args.seeds))
    part, n_parts = (int(x) for x in args.part.split("/"))
    variants = args.variants if args.study == "variants" else [None]
    done = _load(cache)
    with threadpool_limits(1):
        for seed in [] if args.report_only else seeds:
            if seed % n_parts != part:
                continue
            for name, task in tasks.items():
                for variant in variants:
                    if (name, seed, variant) in done:
                        continue
                    if args.study == "ranks":
                        run = rank_run(task, seed)
                    else:
                        run = variant_run(task, seed, variant)
                    _append(
                        cache,
                        {
                            "task": name,
                            "seed": seed,
                            "variant": variant,
                            "run": run,
                            "load": os.getloadavg()[0],
                            "date": _dt.datetime.now(_dt.timezone.utc).strftime(
                                "%Y-%m-%d %H:%M UTC"
                            ),
                        },
                    )
                    log(f"{args.study} seed {seed} {name} {variant or ''}: done")
    if args.no_report:
        return
    done = _load(cache)
    missing = [(n, s, v) for n in tasks for s in seeds for v in variants if (n, s, v) not in done]
    if missing and args.study == "ranks" and not args.complete_only:
        # A diagnosis: report each task on the seeds it has (their number is in the report).
        seeds_of = {n: [s for s in seeds if (n, s, None) in done] for n in tasks}
        missing = [n for n, have in seeds_of.items() if not have]
    else:
        seeds_of = {n: seeds for n in tasks}
    if missing:
        log(f"{len(missing)} runs missing; no report")
        return
    env = environment()
    lines = [f"# Halving proposals: {args.study} on the {args.tasks} tasks", ""]
    lines += [f"- {name}: {task.description}" for name, task in tasks.items()]
    lines += [
        "",
        f"{N_CANDIDATES} candidates, factor {FACTOR}, min_resources='exhaust', "
        f"{N_SPLITS}-fold CV (shuffled, seeded), {len(seeds)} seeds.",
        "",
    ]
    if args.study == "ranks":
        data = {
            n: rank_summary(t, [done[(n, s, None)] for s in seeds_of[n]])[1]
            for n, t in tasks.items()
        }
        lines.append(rank_report(tasks, data))
    else:
        md, data = variant_report(tasks, variants, done, seeds)
        lines.append(md)
    lines += ["", environment_markdown(env)]
    write_results(
        args.report_as or stem,
        "\n".join(lines),
        {"study": args.study, "tasks": args.tasks, "data": data},
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
