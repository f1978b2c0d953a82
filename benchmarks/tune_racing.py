"""Choosing fold racing's default rule on tasks *other* than bench_pruning's (issue 14).

The rule is tuned here, on its own set of tasks (other estimators and datasets, fits of
about 0.003-0.04 s), so that ``bench_pruning.py``'s four tasks stay a test of it, not its
training set.

Three steps, each cached under ``results/``:

``record``
    Complete (unpruned) ``HyperoptSearchCV`` searches, ``--n-iter`` candidates, 5-fold
    (``StratifiedKFold``/``KFold`` shuffled with the seed), one per task and seed: every
    candidate's score on every fold, in proposal order (``tune_racing.runs.jsonl``).
``replay``
    Each candidate rule replayed offline on those searches, round by round as
    ``HyperoptSearchCV`` races (``n_points`` = 4 candidates per round, the reference
    fixed at the start of each round; the first round in full, or, for the rules marked
    ``first round``, raced against its first candidate): the fraction of fits made, and
    whether the unpruned search's best candidate would have been stopped (its final score
    would then have been another candidate's: the loss is recorded). The replay keeps the
    unpruned search's proposals: what TPE would propose after learning from stopped
    candidates is the next step's.
``confirm``
    Real racing searches with chosen rules against the recorded unpruned ones, same
    tasks, seeds and folds: fits, CPU time and the best candidate's mean score
    (``tune_racing_confirm.runs.jsonl``). A rule of :func:`rules` is patched into the
    search (``library: <text>``: the library's rule as it is); runs labelled ``library``
    were made with the library's rule before it changed (the z-test at 0.05).

``report`` writes ``results/tune_racing.{md,json}`` from the caches.

Run::

    nice -n 19 .venv/bin/python benchmarks/tune_racing.py record --seeds 20 --part 0/2 &
    nice -n 19 .venv/bin/python benchmarks/tune_racing.py record --seeds 20 --part 1/2
    .venv/bin/python benchmarks/tune_racing.py replay     # the table only
    nice -n 19 .venv/bin/python benchmarks/tune_racing.py confirm --seeds 10 --part 0/2 \
        --rules "predictive, alpha=0.15, first round" &
    nice -n 19 .venv/bin/python benchmarks/tune_racing.py confirm --seeds 10 --part 1/2 \
        --rules "predictive, alpha=0.15, first round"
    .venv/bin/python benchmarks/tune_racing.py report
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from _common import RESULTS, environment, environment_markdown, log, markdown_table, write_results

N_SPLITS = 5
N_POINTS = 4


# ---------------------------------------------------------------------------
# Tasks: not bench_pruning's
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    name: str
    description: str
    load: Callable[[], tuple[np.ndarray, np.ndarray]]
    estimator: Callable[[], Any]
    space: Callable[[], dict[str, Any]]
    classification: bool = True


def _cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True)


def _wine():
    from sklearn.datasets import load_wine

    return load_wine(return_X_y=True)


def _diabetes():
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True)


def _synthetic_classes():
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=1000,
        n_features=15,
        n_informative=6,
        n_redundant=3,
        n_classes=3,
        flip_y=0.08,
        class_sep=0.8,
        random_state=11,
    )


def _synthetic_regression():
    from sklearn.datasets import make_friedman1

    return make_friedman1(n_samples=800, n_features=10, noise=1.0, random_state=5)


def _scaled(estimator):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), estimator)


def _logreg():
    from sklearn.linear_model import LogisticRegression

    return _scaled(LogisticRegression(max_iter=500))


def _svc():
    from sklearn.svm import SVC

    return _scaled(SVC())


def _knn():
    from sklearn.neighbors import KNeighborsClassifier

    return _scaled(KNeighborsClassifier())


def _extra_trees():
    from sklearn.ensemble import ExtraTreesClassifier

    return ExtraTreesClassifier(n_estimators=15, random_state=0)


def _forest_regressor():
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(n_estimators=15, random_state=0)


def _gb_regressor():
    from sklearn.ensemble import GradientBoostingRegressor

    return GradientBoostingRegressor(n_estimators=40, random_state=0)


def _spaces():
    from skopt_hp import hp

    return {
        "logreg_cancer": lambda: {
            "logisticregression__C": hp.loguniform("C", math.log(1e-4), math.log(1e3)),
            "logisticregression__class_weight": hp.choice("class_weight", [None, "balanced"]),
        },
        "svc_wine": lambda: {
            "svc__C": hp.loguniform("C", math.log(1e-3), math.log(1e3)),
            "svc__gamma": hp.loguniform("gamma", math.log(1e-5), math.log(1e1)),
        },
        "knn_synthetic": lambda: {
            "kneighborsclassifier__n_neighbors": hp.uniformint("n_neighbors", 1, 80),
            "kneighborsclassifier__weights": hp.choice("weights", ["uniform", "distance"]),
            "kneighborsclassifier__p": hp.choice("p", [1, 2]),
        },
        "extratrees_synthetic": lambda: {
            "max_depth": hp.uniformint("max_depth", 1, 25),
            "max_features": hp.uniform("max_features", 0.05, 1.0),
            "min_samples_leaf": hp.uniformint("min_samples_leaf", 1, 40),
            "criterion": hp.choice("criterion", ["gini", "entropy"]),
        },
        "forest_diabetes": lambda: {
            "max_depth": hp.uniformint("max_depth", 1, 20),
            "max_features": hp.uniform("max_features", 0.1, 1.0),
            "min_samples_leaf": hp.uniformint("min_samples_leaf", 1, 60),
        },
        "gbr_friedman": lambda: {
            "learning_rate": hp.loguniform("learning_rate", math.log(0.005), math.log(1.0)),
            "max_depth": hp.uniformint("max_depth", 1, 8),
            "subsample": hp.uniform("subsample", 0.3, 1.0),
            "min_samples_leaf": hp.uniformint("min_samples_leaf", 1, 50),
        },
    }


_SPACES = _spaces()

TASKS = {
    task.name: task
    for task in (
        Task(
            "logreg_cancer",
            "scaled LogisticRegression on breast_cancer (569 × 30)",
            _cancer,
            _logreg,
            _SPACES["logreg_cancer"],
        ),
        Task(
            "svc_wine",
            "scaled SVC (RBF) on wine (178 × 13, 3 classes)",
            _wine,
            _svc,
            _SPACES["svc_wine"],
        ),
        Task(
            "knn_synthetic",
            "scaled KNeighborsClassifier on make_classification (1,000 × 15, 3 classes)",
            _synthetic_classes,
            _knn,
            _SPACES["knn_synthetic"],
        ),
        Task(
            "extratrees_synthetic",
            "ExtraTreesClassifier (15 trees) on make_classification (1,000 × 15, 3 classes)",
            _synthetic_classes,
            _extra_trees,
            _SPACES["extratrees_synthetic"],
        ),
        Task(
            "forest_diabetes",
            "RandomForestRegressor (15 trees) on diabetes (442 × 10), R²",
            _diabetes,
            _forest_regressor,
            _SPACES["forest_diabetes"],
            classification=False,
        ),
        Task(
            "gbr_friedman",
            "GradientBoostingRegressor (40 trees) on make_friedman1 (800 × 10), R²",
            _synthetic_regression,
            _gb_regressor,
            _SPACES["gbr_friedman"],
            classification=False,
        ),
    )
}

_DATA: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def _data(task: Task) -> tuple[np.ndarray, np.ndarray]:
    if task.name not in _DATA:
        _DATA[task.name] = task.load()
    return _DATA[task.name]


def _folds(task: Task, seed: int) -> Any:
    from sklearn.model_selection import KFold, StratifiedKFold

    kind = StratifiedKFold if task.classification else KFold
    return kind(N_SPLITS, shuffle=True, random_state=seed)


def _append(path: Any, record: dict[str, Any]) -> None:
    data = (json.dumps(record) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _load(path: Any) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _split_scores(results: dict[str, Any]) -> np.ndarray:
    return np.array(
        [np.asarray(results[f"split{j}_test_score"], dtype=float) for j in range(N_SPLITS)]
    ).T


def _search(task: Task, seed: int, n_iter: int, **racing: Any) -> tuple[Any, float, float]:
    from skopt_hp import HyperoptSearchCV

    search = HyperoptSearchCV(
        task.estimator(),
        task.space(),
        n_iter=n_iter,
        cv=_folds(task, seed),
        random_state=seed,
        refit=False,
        **racing,
    )
    X, y = _data(task)
    start, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    return search, time.perf_counter() - start, time.process_time() - cpu


# ---------------------------------------------------------------------------
# record
# ---------------------------------------------------------------------------
RUNS = RESULTS / "tune_racing.runs.jsonl"


def record(tasks: list[str], seeds: list[int], n_iter: int) -> None:
    from threadpoolctl import threadpool_limits

    done = {(r["task"], r["seed"], r["n_iter"]) for r in _load(RUNS)}
    with threadpool_limits(1):
        for seed in seeds:
            for name in tasks:
                if (name, seed, n_iter) in done:
                    continue
                task = TASKS[name]
                search, wall, cpu = _search(task, seed, n_iter)
                res = search.cv_results_
                scores = _split_scores(res)
                cost = (
                    np.asarray(res["mean_fit_time"]) + np.asarray(res["mean_score_time"])
                ).tolist()
                _append(
                    RUNS,
                    {
                        "task": name,
                        "description": task.description,
                        "seed": seed,
                        "n_iter": n_iter,
                        "scores": scores.tolist(),
                        "fold_cost": cost,
                        "params": [repr(p) for p in res["params"]],
                        "wall": wall,
                        "cpu": cpu,
                        "load": os.getloadavg()[0],
                    },
                )
                log(
                    f"seed {seed} {name:22s} {wall:6.2f} s (CPU {cpu:6.2f}) best "
                    f"{np.nanmax(scores.mean(axis=1)):.4f}"
                )


# ---------------------------------------------------------------------------
# replay: candidate rules on the recorded searches
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """A stopping rule: stop after fold ``n`` (1-based, ``n < k``) when
    ``mean(d) + z_n * sigma / sqrt(n) < margin``, ``z_n = Phi^-1(1 - alphas[n - 1])``.

    ``sigma``: the standard deviation of one paired difference, from the complete
    candidates: ``"half"`` pools the better half of them (by mean; the rule of the first
    racing release), ``"top<m>"`` the ``m`` best other than the reference, ``"all"`` every
    one. ``own``: from the candidate's second fold, sigma is at least the spread of its own
    differences.
    """

    name: str
    alphas: tuple[float, ...]
    sigma: str = "half"
    own: bool = True
    #: Stop when the full-CV mean difference is unlikely to end >= 0 (predictive) rather than
    #: when the mean difference so far is significantly < 0: z scaled by sqrt((k - n) / k).
    predictive: bool = False
    #: Race the first round's candidates against its first one, once that one is complete.
    first_round: bool = False
    #: What the sampler learns from a stopped candidate: "estimate" (the library's: the
    #: reference's mean plus the mean difference), "level" (the reference's mean plus the
    #: mean difference times n / k: level with the reference on the folds not fit), "below"
    #: (as "estimate", minus 1: worse than every complete candidate).
    learn: str = "estimate"

    def z(self, n: int) -> float:
        from scipy.stats import norm

        return float(norm.isf(self.alphas[min(n, len(self.alphas)) - 1]))


def _sigma_of(rule: Rule, table: np.ndarray) -> tuple[np.ndarray, float]:
    means = table.mean(axis=1)
    best = int(np.argmax(means))
    ref = table[best]
    others = np.flatnonzero(np.any(table != ref, axis=1))
    if not len(others):
        return ref, math.sqrt(2.0) * float(np.std(ref, ddof=1))
    order = others[np.argsort(-means[others], kind="stable")]
    if rule.sigma == "half":
        order = order[: math.ceil(len(others) / 2)]
    elif rule.sigma.startswith("top"):
        order = order[: int(rule.sigma[3:])]
    elif rule.sigma.startswith("q"):  # the best fraction q of them
        order = order[: max(1, math.ceil(len(others) * float(rule.sigma[1:])))]
    diffs = table[order] - ref
    return ref, math.sqrt(float(np.mean(np.var(diffs, axis=1, ddof=1))))


def _stops(rule: Rule, ref: np.ndarray, sigma: float, scores: np.ndarray) -> bool:
    n = len(scores)
    d = scores - ref[:n]
    if not np.all(np.isfinite(d)):
        return False
    s = sigma
    if rule.own and n >= 2:
        s = max(s, float(np.std(d, ddof=1)))
    k = len(ref)
    scale = math.sqrt((k - n) / k) if rule.predictive else 1.0
    return bool(d.mean() + rule.z(n) * scale * s / math.sqrt(n) < 0.0)


def replay_one(rule: Rule, scores: np.ndarray, cost: np.ndarray) -> dict[str, Any]:
    """Race the recorded candidates in rounds of N_POINTS as HyperoptSearchCV would."""
    n, k = scores.shape
    fitted = np.full(n, k)
    complete: list[int] = []
    for start in range(0, n, N_POINTS):
        members = range(start, min(start + N_POINTS, n))
        board = [i for i in complete if np.all(np.isfinite(scores[i]))]
        if not board and rule.first_round and np.all(np.isfinite(scores[start])):
            board, members = [start], range(start + 1, min(start + N_POINTS, n))
        if board:
            ref, sigma = _sigma_of(rule, scores[board])
            for i in members:
                for j in range(1, k):
                    if _stops(rule, ref, sigma, scores[i, :j]):
                        fitted[i] = j
                        break
        complete += [i for i in range(start, min(start + N_POINTS, n)) if fitted[i] == k]
    means = scores.mean(axis=1)
    finite = np.isfinite(means)
    best = int(np.nanargmax(np.where(finite, means, -np.inf)))
    kept = [i for i in complete if finite[i]]
    chosen = max(kept, key=lambda i: means[i])
    return {
        "fits": float(fitted.sum() / (n * k)),
        "cost": float(np.sum(cost * fitted) / np.sum(cost * k)),
        "best_stopped": bool(fitted[best] < k and means[best] > means[chosen]),
        "loss": float(means[best] - means[chosen]),
        "stopped_at_1": int(np.sum(fitted == 1)),
    }


def rules() -> list[Rule]:
    out = []
    for a in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3):
        out.append(Rule(f"alpha={a}", (a,) * 4))
        out.append(Rule(f"alpha={a}, no own spread", (a,) * 4, own=False))
    for a in (0.1, 0.2):
        for sig in ("top3", "q0.25", "all"):
            out.append(Rule(f"alpha={a}, sigma={sig}", (a,) * 4, sigma=sig))
    # Alpha spent where stopping saves most: in proportion to the folds a stop saves.
    for total in (0.4, 0.6, 0.8):
        w = np.array([4, 3, 2, 1], dtype=float)
        alphas = tuple(round(float(x), 4) for x in total * w / w.sum())
        out.append(Rule(f"front-loaded, sum={total}", alphas))
    for a1 in (0.2, 0.3):
        out.append(Rule(f"fold 1: {a1}, then 0.1", (a1, 0.1, 0.1, 0.1)))
    # ... or where the test has most folds to go on.
    for a1 in (0.05, 0.1, 0.15):
        for later in (0.2, 0.3, 0.4):
            out.append(Rule(f"fold 1: {a1}, then {later}", (a1, later, later, later)))
    for alphas in ((0.1, 0.2, 0.3, 0.4), (0.05, 0.15, 0.25, 0.35), (0.1, 0.15, 0.2, 0.25)):
        out.append(Rule(f"rising {alphas}", alphas))
    for a in (0.05, 0.1, 0.15, 0.2, 0.25):
        out.append(Rule(f"predictive, alpha={a}", (a,) * 4, predictive=True))
        out.append(
            Rule(f"predictive, alpha={a}, first round", (a,) * 4, predictive=True, first_round=True)
        )
    for a in (0.1, 0.2):
        out.append(Rule(f"alpha={a}, first round", (a,) * 4, first_round=True))
    for learn in ("level", "below"):
        for a in (0.1, 0.15):
            out.append(
                Rule(
                    f"predictive, alpha={a}, first round, learn {learn}",
                    (a,) * 4,
                    predictive=True,
                    first_round=True,
                    learn=learn,
                )
            )
    return out


def replay(n_iter: int) -> dict[str, Any]:
    runs = [r for r in _load(RUNS) if r["n_iter"] == n_iter]
    by_task: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        by_task.setdefault(r["task"], []).append(r)
    table = []
    data: dict[str, Any] = {}
    for rule in rules():
        if rule.learn != "estimate":  # what the sampler learns: only real searches tell
            continue
        per_task = {}
        for name, rs in by_task.items():
            outs = [
                replay_one(rule, np.array(r["scores"], dtype=float), np.array(r["fold_cost"]))
                for r in rs
            ]
            spread = float(np.std([np.nanmax(np.nanmean(r["scores"], axis=1)) for r in rs], ddof=1))
            per_task[name] = {
                "fits": float(np.median([o["fits"] for o in outs])),
                "cost": float(np.median([o["cost"] for o in outs])),
                "best_stopped": float(np.mean([o["best_stopped"] for o in outs])),
                "loss": float(np.mean([o["loss"] for o in outs])),
                "loss_in_spread": float(np.mean([o["loss"] for o in outs]) / max(spread, 1e-12)),
                "n": len(outs),
            }
        data[rule.name] = {"alphas": rule.alphas, "sigma": rule.sigma, "tasks": per_task}
        v = list(per_task.values())
        table.append(
            [
                rule.name,
                f"{max(t['fits'] for t in v):.0%}",
                f"{np.mean([t['fits'] for t in v]):.0%}",
                f"{max(t['cost'] for t in v):.0%}",
                f"{np.mean([t['best_stopped'] for t in v]):.2f}",
                f"{max(t['best_stopped'] for t in v):.2f}",
                f"{max(t['loss_in_spread'] for t in v):.2f}",
            ]
        )
    md = markdown_table(
        [
            "rule",
            "fits, worst task (median over seeds)",
            "fits, mean over tasks",
            "cost, worst task",
            "best stopped (mean over tasks)",
            "best stopped, worst task",
            "loss / seed spread, worst task",
        ],
        table,
    )
    return {"table": md, "rules": data, "n_runs": {k: len(v) for k, v in by_task.items()}}


# ---------------------------------------------------------------------------
# confirm: real racing searches with a rule
# ---------------------------------------------------------------------------
CONFIRM = RESULTS / "tune_racing_confirm.runs.jsonl"


def _patched(rule: Rule | None) -> Any:
    """A context in which HyperoptSearchCV races with ``rule`` (None: the library's own)."""
    import contextlib

    from skopt_hp import _racing, _search_racing

    if rule is None:
        return contextlib.nullcontext()

    class Test(_racing.FoldRacingTest):
        def stops(self, reference, scores):  # noqa: D102
            n = len(scores)
            if n == 0 or n >= len(reference.scores):
                return False
            return _stops(rule, reference.scores, reference.sigma, np.asarray(scores, float))

        @staticmethod
        def estimate(reference, scores):  # noqa: D102
            base = _racing.FoldRacingTest.estimate(reference, scores)
            if rule.learn == "below":
                return base - 1.0
            if rule.learn == "level":
                n, k = len(scores), len(reference.scores)
                diffs = np.asarray(scores, dtype=float) - reference.scores[:n]
                below = float(np.nextafter(reference.mean, -np.inf))
                return min(reference.mean + float(diffs.sum()) / k, below)
            return base

    class Board(_racing.Leaderboard):
        def reference(self):  # noqa: D102
            if self._n == 0 or self.n_splits < 2:
                return None
            ref, sigma = _sigma_of(rule, self._scores[: self._n])
            return _racing.Reference(ref.copy(), sigma)

    stack = contextlib.ExitStack()
    for name, value in (("FoldRacingTest", Test), ("Leaderboard", Board)):
        original = getattr(_search_racing, name)
        stack.callback(setattr, _search_racing, name, original)
        setattr(_search_racing, name, value)
    if not rule.first_round:  # the first round in full, as the first racing release
        racer = _search_racing.FoldRacer
        stack.callback(setattr, racer, "races", racer.races)
        racer.races = lambda self, n, reference: self.n_splits >= 2 and reference is not None
    return stack


def confirm(tasks: list[str], seeds: list[int], n_iter: int, names: list[str]) -> None:
    from threadpoolctl import threadpool_limits

    known = {r.name: r for r in rules()}
    done = {(r["task"], r["seed"], r["n_iter"], r["rule"]) for r in _load(CONFIRM)}
    with threadpool_limits(1):
        for seed in seeds:
            for name in tasks:
                for rule_name in names:
                    if (name, seed, n_iter, rule_name) in done:
                        continue
                    # "library: ...": the library's own rule, as it is now.
                    rule = None if rule_name.startswith("library:") else known[rule_name]
                    alpha = 0.05
                    with _patched(rule):
                        search, wall, cpu = _search(
                            TASKS[name], seed, n_iter, pruning="folds", pruning_alpha=alpha
                        )
                    _append(
                        CONFIRM,
                        {
                            "task": name,
                            "seed": seed,
                            "n_iter": n_iter,
                            "rule": rule_name,
                            "n_fits": int(search.n_fits_),
                            "n_pruned": int(np.sum(search.cv_results_["pruned"])),
                            "best": float(search.best_score_),
                            "wall": wall,
                            "cpu": cpu,
                            "load": os.getloadavg()[0],
                        },
                    )
                    log(
                        f"seed {seed} {name:22s} {rule_name:30s} {search.n_fits_:4d} fits "
                        f"best {search.best_score_:.4f}"
                    )


def confirm_summary(n_iter: int) -> tuple[str, dict[str, Any]]:
    """Per rule and task: fits and CPU over the unpruned search's, and the paired score loss."""
    from scipy.stats import binomtest
    unpruned = {(r["task"], r["seed"]): r for r in _load(RUNS) if r["n_iter"] == n_iter}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in _load(CONFIRM):
        if r["n_iter"] == n_iter and (r["task"], r["seed"]) in unpruned:
            # "library": runs made with the library's rule before it changed (kept).
            rule = PREVIOUS if r["rule"] == "library" else r["rule"]
            runs.setdefault(rule, {}).setdefault(r["task"], []).append(r)
    rows, data = [], {}
    for rule_name, by_task in runs.items():
        data[rule_name] = {}
        for task_name, rs in sorted(by_task.items()):
            us = [unpruned[(r["task"], r["seed"])] for r in rs]
            fits = [r["n_fits"] / (n_iter * N_SPLITS) for r in rs]
            cpu = [r["cpu"] / u["cpu"] for r, u in zip(rs, us, strict=True)]
            best_u = [float(np.nanmax(np.nanmean(u["scores"], axis=1))) for u in us]
            diff = np.array([r["best"] for r in rs]) - np.array(best_u)
            se = float(np.std(diff, ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else 0.0
            wins = int(np.sum(diff > 0)) - int(np.sum(diff < 0))
            data[rule_name][task_name] = {
                "fits": fits,
                "cpu": cpu,
                "diff": diff.tolist(),
            }
            rows.append(
                [
                    rule_name,
                    task_name,
                    len(rs),
                    f"{np.median(fits):.0%}",
                    f"{np.median(cpu):.0%}",
                    f"{np.mean(diff):+.4f} ± {se:.4f}",
                    f"{int(np.sum(diff > 0))}/{int(np.sum(diff == 0))}/{int(np.sum(diff < 0))}",
                    "yes" if np.mean(diff) >= -se else "no",
                    wins,
                ]
            )
    pooled = []
    for rule_name, by_task in data.items():
        diffs = np.concatenate([np.array(v["diff"]) for v in by_task.values()])
        better, worse = int(np.sum(diffs > 0)), int(np.sum(diffs < 0))
        p = binomtest(worse, better + worse, 0.5).pvalue if better + worse else math.nan
        fits = [float(np.median(v["fits"])) for v in by_task.values()]
        pooled.append(
            [
                rule_name,
                len(by_task),
                len(diffs),
                f"{min(fits):.0%}–{max(fits):.0%}",
                f"{better} / {len(diffs) - better - worse} / {worse}",
                f"{p:.3f}",
            ]
        )
    pooled_table = markdown_table(
        [
            "rule",
            "tasks",
            "searches",
            "fits / unpruned, per task (median)",
            "better / equal / worse",
            "sign test p (two-sided)",
        ],
        pooled,
    )
    table = markdown_table(
        [
            "rule",
            "task",
            "seeds",
            "fits / unpruned (median)",
            "CPU / unpruned (median)",
            "best score, racing − unpruned (mean ± s.e.)",
            "better / equal / worse",
            "within noise",
            "net wins",
        ],
        rows,
    )
    return pooled_table + "\n\nPer task:\n\n" + table, data


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------
#: Confirmation runs made before the rule moved into the library under this label.
PREVIOUS = "z-test, alpha=0.05 (the previous default)"

#: The rules whose per-task replay the report shows.
SHOWN = (
    "alpha=0.05",
    "alpha=0.2",
    "predictive, alpha=0.1, first round",
    "predictive, alpha=0.15, first round",
)


def report(n_iter: int) -> None:
    replayed = replay(n_iter)
    confirmed, confirm_data = confirm_summary(n_iter)
    runs = [r for r in _load(RUNS) if r["n_iter"] == n_iter]
    loads = [r["load"] for r in runs + _load(CONFIRM)]
    env = environment()
    del env["load average at start (1, 5, 15 min)"]
    env["load average (1 min) after each run: min / median / max"] = (
        f"{min(loads):.2f} / {np.median(loads):.2f} / {max(loads):.2f}"
    )
    per_task = []
    for name in SHOWN:
        for task, t in replayed["rules"][name]["tasks"].items():
            per_task.append(
                [
                    name,
                    task,
                    t["n"],
                    f"{t['fits']:.0%}",
                    f"{t['cost']:.0%}",
                    f"{t['best_stopped']:.2f}",
                    f"{t['loss']:.4f}",
                ]
            )
    tasks = "\n".join(f"- `{t.name}`: {t.description}" for t in TASKS.values())
    markdown = "\n".join(
        [
            "# Choosing fold racing's default rule (tuning tasks, not the benchmark's)",
            "",
            environment_markdown(env),
            "",
            f"Complete TPE searches: `HyperoptSearchCV`, n_iter = {n_iter}, 5-fold "
            "(stratified for classifiers), refit=False, one thread per fit, seeds "
            f"0..{max(r['seed'] for r in runs)}: {len(runs)} searches on",
            "",
            tasks,
            "",
            "## Replay",
            "",
            "Each rule replayed on the recorded searches, in rounds of 4 candidates as "
            "HyperoptSearchCV races (the reference and sigma fixed at the start of each round; "
            "the first round in full, or, for the rules marked *first round*, raced against its "
            "first candidate). *alpha*: a per-fold one-sided paired z-test (`mean(d) + z sigma / "
            "sqrt(n) < 0`) at that level per fold (a tuple: fold by fold); *predictive*: the "
            "library's rule, `P(D >= 0) < alpha`; *sigma*: which complete candidates sigma pools "
            "(default: the better half); *no own spread*: sigma not raised to the candidate's own"
            " spread. *Fits*: fits made over the unpruned search's (median over seeds); *cost*: "
            "the same weighted by each candidate's fit and score time; *best stopped*: the "
            "fraction of searches whose best candidate would have been stopped with a loss "
            "(another candidate then best, with a lower mean); *loss / seed spread*: the mean "
            "loss of final score over the standard deviation across seeds of the unpruned "
            "search's best score. The replay keeps the unpruned search's proposals.",
            "",
            replayed["table"],
            "",
            "Per task, for a few of them:",
            "",
            markdown_table(
                ["rule", "task", "seeds", "fits", "cost", "best stopped", "mean loss"],
                per_task,
            ),
            "",
            "## Real racing searches",
            "",
            "HyperoptSearchCV(pruning='folds') with the rule, same tasks, seeds and folds, "
            "against the recorded unpruned search of the same seed: its best (complete) "
            "candidate's mean score. CPU time includes the search's own overhead, large "
            "against fits of 3 to 40 ms, and was measured at other times than the unpruned "
            "runs on a shared machine: the fits are the measure here. First, pooled over "
            "tasks: how often the racing search ended better, level or worse than the "
            "unpruned one, and a sign test of better against worse. Then per task; *within "
            "noise*: mean difference ≥ −its standard error (a criterion that a racing search "
            "exactly as good as the unpruned one fails once in six). *learn level*: a stopped "
            "candidate learnt as the reference's mean plus its mean difference times n / k; "
            "*learn below*: as worse than every complete candidate.",
            "",
            confirmed,
            "",
        ]
    )
    write_results(
        "tune_racing",
        markdown,
        {"environment": env, "replay": replayed, "confirm": confirm_data},
    )
    print(markdown)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=["record", "replay", "confirm", "summary", "report"])
    parser.add_argument("--tasks", nargs="*", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--part", default="0/1")
    parser.add_argument("--n-iter", type=int, default=30)
    parser.add_argument(
        "--rules", nargs="*", default=["predictive, alpha=0.15"], help="names of rules()"
    )
    args = parser.parse_args(argv)
    part, n_parts = (int(x) for x in args.part.split("/"))
    seeds = [s for s in range(args.seeds) if s % n_parts == part]
    if args.step == "record":
        record(args.tasks, seeds, args.n_iter)
    elif args.step == "replay":
        out = replay(args.n_iter)
        print(out["table"])
        (RESULTS / "tune_racing_replay.json").write_text(json.dumps(out, indent=1) + "\n")
    elif args.step == "confirm":
        confirm(args.tasks, seeds, args.n_iter, args.rules)
    elif args.step == "summary":
        print(confirm_summary(args.n_iter)[0])
    elif args.step == "report":
        report(args.n_iter)


if __name__ == "__main__":
    main()
