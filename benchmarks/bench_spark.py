"""The Spark integration: SparkTrials against hyperopt's, per-task overhead, broadcasting.

A script, not a test. It starts one local Spark session (``local[2]`` by
default) and runs up to three parts, each writing ``results/spark_<part>.md``
(the report, starting with the command, date, versions and machine) and
``.json`` (every raw number):

``fmin``
    The same ``fmin`` (a trivial objective, TPE, ``parallelism=2``) with
    skopt_hp's ``SparkTrials`` and with hyperopt's, side by side: wall time
    and wall time per trial, for several ``max_evals``. Plain ``Trials`` on
    the driver gives the floor (the samplers' own cost).
``overhead``
    Per-task overhead of the Spark joblib backend against loky (2 workers
    each): ``HyperoptSearchCV`` with an estimator whose ``fit`` sleeps 0 or
    100 ms, and bare ``joblib.Parallel`` tasks (``batch_size=1``).
``broadcast``
    A search with a 50 MB ``X`` (20 fits: 4 candidates x 5 folds, a cheap
    estimator) on Spark with ``X`` sent once as a broadcast (the default) or
    inside every task (``broadcast_threshold=None``, joblibspark's
    behaviour), and under loky for reference: wall time and bytes of pickled
    tasks shipped in Spark jobs.

Every timing is the median of ``--repeats`` runs (min and max in the JSON),
after a warm-up run that starts the Python workers. Other processes may
share the machine: the load average at start is in each report.

Examples
--------
    .venv/bin/python benchmarks/bench_spark.py --quick        # smoke run, ~2 min
    .venv/bin/python benchmarks/bench_spark.py                # everything, ~10 min
    .venv/bin/python benchmarks/bench_spark.py --part broadcast
"""

from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import environment, environment_markdown, fmt, log, markdown_table, write_results  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402

PARTS = ("fmin", "overhead", "broadcast")


# ---------------------------------------------------------------------------
# Helpers (defined in __main__: executors receive them by value)
# ---------------------------------------------------------------------------
class SleepClassifier(ClassifierMixin, BaseEstimator):
    """Sleeps ``fit_seconds`` in ``fit``; predicts the majority class."""

    def __init__(self, fit_seconds: float = 0.0, alpha: float = 1.0):
        self.fit_seconds = fit_seconds
        self.alpha = alpha

    def fit(self, X, y):
        time.sleep(self.fit_seconds)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


class CentroidClassifier(ClassifierMixin, BaseEstimator):
    """Nearest class mean after shrinking the means by ``shrink``: reads all of X, cheaply."""

    def __init__(self, shrink: float = 0.0):
        self.shrink = shrink

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.centroids_ = np.stack([X[y == c].mean(axis=0) for c in self.classes_])
        self.centroids_ *= 1.0 - self.shrink
        return self

    def predict(self, X):
        distances = ((X[:, None, :] - self.centroids_[None]) ** 2).sum(axis=2)
        return self.classes_[np.argmin(distances, axis=1)]


def trivial_objective(params: dict[str, float]) -> float:
    return (params["x"] - 1.0) ** 2 + (params["y"] + 0.5) ** 2


def sleep_task(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def timed(run: Callable[[], Any], repeats: int) -> dict[str, float]:
    """Median, min and max wall time of ``repeats`` calls of ``run``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def spark_environment(spark: Any) -> dict[str, Any]:
    import joblib
    import joblibspark
    import pyspark

    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    return {
        "pyspark": pyspark.__version__,
        "joblibspark": joblibspark.__version__,
        "joblib": joblib.__version__,
        "java": java.splitlines()[0] if java else "unknown",
        "spark master": spark.sparkContext.master,
        "spark default parallelism": spark.sparkContext.defaultParallelism,
    }


def ms(value: float) -> str:
    """Milliseconds, three significant digits, never in exponent notation."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def header(title: str, env: dict[str, Any], intro: str) -> str:
    stamp = environment_markdown({k: v for k, v in env.items() if k != "stem"})
    return f"# {title}\n\n{stamp}\n\n{intro}\n"


# ---------------------------------------------------------------------------
# Part (a): fmin with SparkTrials, ours and hyperopt's
# ---------------------------------------------------------------------------
def part_fmin(spark: Any, sizes: list[int], repeats: int, env: dict[str, Any]) -> None:
    import hyperopt

    import skopt_hp
    from skopt_hp.integrations.spark import SparkTrials

    ours_space = {"x": skopt_hp.hp.uniform("x", -5, 5), "y": skopt_hp.hp.uniform("y", -5, 5)}
    their_space = {"x": hyperopt.hp.uniform("x", -5, 5), "y": hyperopt.hp.uniform("y", -5, 5)}
    logging.getLogger("hyperopt").setLevel(logging.ERROR)
    logging.getLogger("py4j").setLevel(logging.ERROR)

    def ours_spark(n: int) -> None:
        trials = SparkTrials(parallelism=2, spark_session=spark)
        skopt_hp.fmin(
            trivial_objective,
            ours_space,
            algo=skopt_hp.tpe.suggest,
            max_evals=n,
            trials=trials,
            rstate=0,
            show_progressbar=False,
        )
        assert len(trials) == n and trials.count_successful_trials() == n

    def theirs_spark(n: int, max_queue_len: int = 1) -> None:
        trials = hyperopt.SparkTrials(parallelism=2, spark_session=spark)
        hyperopt.fmin(
            trivial_objective,
            their_space,
            algo=hyperopt.tpe.suggest,
            max_evals=n,
            trials=trials,
            rstate=np.random.default_rng(0),
            show_progressbar=False,
            max_queue_len=max_queue_len,
        )
        assert len(trials.trials) == n

    def ours_driver(n: int) -> None:
        skopt_hp.fmin(
            trivial_objective,
            ours_space,
            algo=skopt_hp.tpe.suggest,
            max_evals=n,
            trials=skopt_hp.Trials(),
            rstate=0,
            show_progressbar=False,
        )

    methods = {
        "skopt_hp SparkTrials": ours_spark,
        "hyperopt SparkTrials": theirs_spark,
        "hyperopt SparkTrials, max_queue_len=2": lambda n: theirs_spark(n, max_queue_len=2),
        "skopt_hp Trials (driver only, no Spark)": ours_driver,
    }
    log("fmin: warm-up")
    ours_spark(4)
    theirs_spark(4)
    data: dict[str, Any] = {"sizes": sizes, "repeats": repeats, "times": {}}
    rows = []
    for n in sizes:
        for name, run in methods.items():
            log(f"fmin: {name}, max_evals={n}")
            t = timed(lambda run=run, n=n: run(n), repeats)
            data["times"][f"{name}|{n}"] = t
            rows.append([name, n, fmt(t["median"], 3), ms(1000 * t["median"] / n)])
    intro = (
        "The same `fmin`: objective `(x - 1)^2 + (y + 0.5)^2` (microseconds), two uniform "
        "parameters, TPE, `parallelism=2`, on the session above. Wall time of the whole "
        f"`fmin` call, median of {repeats} runs after a warm-up; per trial = wall / max_evals. "
        "hyperopt's `SparkTrials` launches trials from a dispatcher thread that polls every "
        "second, and its `fmin` queues `max_queue_len` proposals (default 1) ahead of it; "
        "skopt_hp's launches a trial as soon as a slot frees, asking the sampler then."
    )
    table = markdown_table(["method", "max_evals", "wall (s)", "per trial (ms)"], rows)
    markdown = header("Spark: fmin with SparkTrials", env, intro) + "\n" + table
    paths = write_results(env["stem"] + "fmin", markdown, {"environment": env, **data})
    log(f"wrote {paths[0]}")
    print(markdown)


# ---------------------------------------------------------------------------
# Part (b): per-task overhead, Spark backend vs loky
# ---------------------------------------------------------------------------
def part_overhead(spark: Any, n_iter: int, n_tasks: int, repeats: int, env: dict) -> None:
    import joblib

    from skopt_hp import HyperoptSearchCV, hp
    from skopt_hp.integrations.spark import spark_backend

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] > 0).astype(int)
    cv = 3

    def search(fit_seconds: float) -> None:
        HyperoptSearchCV(
            SleepClassifier(fit_seconds=fit_seconds),
            {"alpha": hp.uniform("alpha", 0, 1)},
            n_iter=n_iter,
            n_points=4,
            cv=cv,
            n_jobs=2,
            random_state=0,
        ).fit(X, y)

    def tasks(seconds: float) -> None:
        joblib.Parallel(n_jobs=2, batch_size=1)(
            joblib.delayed(sleep_task)(seconds) for _ in range(n_tasks)
        )

    workloads = {
        "HyperoptSearchCV, fit 0 ms": (search, 0.0, n_iter * cv),
        "HyperoptSearchCV, fit 100 ms": (search, 0.1, n_iter * cv),
        "joblib tasks (batch_size=1), 0 ms": (tasks, 0.0, n_tasks),
        "joblib tasks (batch_size=1), 100 ms": (tasks, 0.1, n_tasks),
    }
    data: dict[str, Any] = {"n_iter": n_iter, "cv": cv, "n_tasks": n_tasks, "times": {}}
    rows = []
    for name, (run, seconds, n) in workloads.items():
        ideal = n * seconds / 2  # two workers, no overhead
        per_backend = {}
        for backend in ("loky", "spark"):
            log(f"overhead: {name} on {backend}")
            if backend == "spark":
                with spark_backend(n_jobs=2, spark_session=spark):
                    run(seconds)  # warm-up
                    t = timed(lambda run=run, s=seconds: run(s), repeats)
            else:
                with joblib.parallel_config(backend="loky", n_jobs=2):
                    run(seconds)
                    t = timed(lambda run=run, s=seconds: run(s), repeats)
            per_backend[backend] = t
            data["times"][f"{name}|{backend}"] = t
        loky, spark_t = per_backend["loky"]["median"], per_backend["spark"]["median"]
        rows.append(
            [
                name,
                n,
                fmt(ideal, 3),
                fmt(loky, 3),
                fmt(spark_t, 3),
                ms(1000 * 2 * (loky - ideal) / n),
                ms(1000 * 2 * (spark_t - ideal) / n),
            ]
        )
    intro = (
        f"Two workers each (loky `n_jobs=2`; Spark `local[2]`, `n_jobs=2`). HyperoptSearchCV: "
        f"`n_iter={n_iter}`, `n_points=4`, {cv}-fold CV, an estimator whose `fit` sleeps; "
        "scikit-learn lets joblib batch its fits automatically. joblib tasks: "
        f"{n_tasks} `time.sleep` calls with `batch_size=1` (one Spark job each). "
        "`ideal` = total sleep / 2 workers; overhead per task = 2 x (wall - ideal) / tasks "
        f"(worker-seconds lost per task). Median of {repeats} runs after a warm-up."
    )
    table = markdown_table(
        [
            "workload",
            "tasks",
            "ideal (s)",
            "loky wall (s)",
            "Spark wall (s)",
            "loky overhead/task (ms)",
            "Spark overhead/task (ms)",
        ],
        rows,
    )
    markdown = header("Spark: per-task overhead, Spark backend vs loky", env, intro) + "\n" + table
    paths = write_results(env["stem"] + "overhead", markdown, {"environment": env, **data})
    log(f"wrote {paths[0]}")
    print(markdown)


# ---------------------------------------------------------------------------
# Part (c): sending a large X once
# ---------------------------------------------------------------------------
def part_broadcast(spark: Any, megabytes: float, repeats: int, env: dict[str, Any]) -> None:
    import joblib

    from skopt_hp import HyperoptSearchCV, hp
    from skopt_hp.integrations.spark import spark_backend

    n_features = 100
    n_samples = int(megabytes * 1e6 / (8 * n_features))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, n_features))
    y = (X[:, 0] + rng.normal(size=n_samples) > 0).astype(int)
    folds, n_iter = 5, 4

    def make() -> HyperoptSearchCV:
        return HyperoptSearchCV(
            CentroidClassifier(),
            {"shrink": hp.uniform("shrink", 0, 0.5)},
            n_iter=n_iter,
            n_points=4,
            cv=folds,
            n_jobs=2,
            random_state=0,
        )

    results: dict[str, Any] = {}
    data: dict[str, Any] = {
        "X_bytes": X.nbytes,
        "X_shape": list(X.shape),
        "fits": n_iter * folds,
        "times": {},
        "task_bytes": {},
        "broadcasts": {},
    }
    settings = {
        "Spark, X broadcast once (default)": 64 * 1024,
        "Spark, X inside every task (broadcast_threshold=None)": None,
    }
    for name, threshold in settings.items():
        log(f"broadcast: {name}")
        backends = []

        def run(
            threshold: int | None = threshold, backends: list = backends, name: str = name
        ) -> None:
            with spark_backend(
                n_jobs=2, spark_session=spark, broadcast_threshold=threshold
            ) as backend:
                results[name] = make().fit(X, y)
            backends.append(backend)

        run()  # warm-up
        t = timed(run, repeats)
        data["times"][name] = t
        data["task_bytes"][name] = backends[-1].task_bytes
        data["broadcasts"][name] = backends[-1].n_broadcasts
    log("broadcast: loky")
    with joblib.parallel_config(backend="loky", n_jobs=2):
        make().fit(X, y)
        data["times"]["loky (reference)"] = timed(lambda: make().fit(X, y), repeats)
    first, second = (results[name] for name in settings)
    same = first.cv_results_["params"] == second.cv_results_["params"] and np.array_equal(
        first.cv_results_["mean_test_score"], second.cv_results_["mean_test_score"]
    )
    data["same_results"] = bool(same)
    rows = []
    for name, t in data["times"].items():
        shipped = data["task_bytes"].get(name)
        rows.append(
            [
                name,
                fmt(t["median"], 3),
                fmt(t["min"], 3),
                "—" if shipped is None else fmt(shipped / 1e6, 4),
                data["broadcasts"].get(name, "—"),
            ]
        )
    intro = (
        f"`HyperoptSearchCV` on X of {X.nbytes / 1e6:.0f} MB ({n_samples} x {n_features} "
        f"float64), {n_iter} candidates x {folds} folds = {n_iter * folds} fits in one round, "
        '`n_jobs=2`, a nearest-centroid estimator (reads all of X, cheap). "Shipped" is the '
        "size of the pickled joblib batches sent inside Spark jobs during one fit (joblib "
        "batches several fits per job automatically). Median and min of "
        f"{repeats} runs after a warm-up. Same cv_results_ in both Spark modes: {same}."
    )
    table = markdown_table(
        ["mode", "wall median (s)", "wall min (s)", "shipped in tasks (MB)", "broadcasts"], rows
    )
    title = f"Spark: sending a {X.nbytes / 1e6:.0f} MB X once per search"
    markdown = header(title, env, intro) + "\n" + table
    paths = write_results(env["stem"] + "broadcast", markdown, {"environment": env, **data})
    log(f"wrote {paths[0]}")
    print(markdown)


# ---------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all")
    parser.add_argument("--quick", action="store_true", help="small sizes, 1 repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats

    warnings.filterwarnings("ignore", category=FutureWarning)
    from skopt_hp.integrations.spark import get_spark_session

    spark = get_spark_session(args.master, config={"spark.ui.enabled": "false"})
    spark.sparkContext.parallelize(range(2), 2).map(lambda x: x).collect()
    env = {**environment(), **spark_environment(spark)}
    env["stem"] = "spark_quick_" if args.quick else "spark_"
    parts = PARTS if args.part == "all" else (args.part,)
    try:
        if "fmin" in parts:
            sizes = [8, 24] if args.quick else [8, 24, 50]
            part_fmin(spark, sizes, repeats, env)
        if "overhead" in parts:
            part_overhead(spark, 4 if args.quick else 8, 12 if args.quick else 40, repeats, env)
        if "broadcast" in parts:
            part_broadcast(spark, 10 if args.quick else 50, repeats, env)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
