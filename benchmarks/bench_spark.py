"""The Spark integration: SparkTrials against hyperopt's, per-task overhead, sending data once,
on a classic session and on Spark Connect.

A script, not a test. It starts one classic local Spark session (``local[2]``
by default) and, unless ``--no-connect``, a local Spark Connect server
(``local[2]``, in a child process, as ``tests/spark`` does) with a client
session, then runs up to four parts, each writing ``results/spark_<part>.md``
(the report, starting with the command, date, versions and machine) and
``.json`` (every raw number):

``fmin``
    The same ``fmin`` (a trivial objective, TPE, ``parallelism=2``) with
    skopt_hp's ``SparkTrials`` on the classic session and on Spark Connect,
    and with hyperopt's (classic only: it needs a ``SparkContext``), side by
    side: wall time and wall time per trial, for several ``max_evals``.
    Plain ``Trials`` on the driver gives the floor (the samplers' own cost).
``overhead``
    Per-task overhead of the Spark joblib backend (classic and Connect)
    against loky (2 workers each): ``HyperoptSearchCV`` with an estimator
    whose ``fit`` sleeps 0 or 100 ms, and bare ``joblib.Parallel`` tasks
    (``batch_size=1``).
``broadcast``
    A search with a 50 MB ``X`` (20 fits: 4 candidates x 5 folds, a cheap
    estimator) on Spark with ``X`` sent once (the default: a broadcast on the
    classic session, a file artifact on Spark Connect) or inside every task
    (``broadcast_threshold=None``, joblibspark's behaviour), and under loky
    for reference: wall time and bytes of pickled tasks shipped in Spark jobs.
``payload``
    ``fmin`` with ``SparkTrials`` whose objective holds 0, 10 or 50 MB of
    data (a new array for every run, so nothing is reused between runs): the
    objective is sent once per ``fmin`` call, so the cost per trial should
    barely grow with the data.
``job``
    Where one trial's Spark Connect job spends its time: a query with no
    Python (``range(1).toArrow()``), the one-row ``mapInArrow`` job as
    ``SparkTrials`` ran it before (a new ``range``, the schema as a DDL
    string, ``collect()``, the worker waiting for its input with delayed
    ACKs) and as it runs it now (``ConnectJobs.run``), the Python worker's
    wait for its input row with and without ``TCP_QUICKACK``, the calls
    each job makes to the server (counted on the client), and the CPU time a
    trial of ``fmin`` costs the client, the server's JVM and its Python
    workers (read from ``/proc``: Linux, local server). The classic
    session's one-task job for reference.

Every timing is the median of ``--repeats`` runs (min and max in the JSON),
after a warm-up run that starts the Python workers; within a part, the
methods compared take turns in each repeat, so that a change in the
machine's load affects them alike. Other processes may share the machine:
the load average at start and at the end is in each report.

Examples
--------
    .venv/bin/python benchmarks/bench_spark.py --quick        # smoke run, ~4 min
    .venv/bin/python benchmarks/bench_spark.py                # everything, ~25 min
    .venv/bin/python benchmarks/bench_spark.py --part payload
"""

from __future__ import annotations

import argparse
import logging
import os
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
# The local Spark Connect server of the tests (a child process), shared rather than copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "spark"))

from _common import environment, environment_markdown, fmt, log, markdown_table, write_results  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402

PARTS = ("fmin", "overhead", "broadcast", "payload", "job")


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


def input_wait_task(acknowledge: bool, batches: Any) -> Any:
    """A one-row mapInArrow body that reports how long it waited for its input row."""
    import pyarrow as pa

    from skopt_hp.integrations._spark_tasks import acknowledge_promptly

    start = time.perf_counter()
    if acknowledge:
        acknowledge_promptly()
    for _ in batches:
        pass
    waited = time.perf_counter() - start
    yield pa.RecordBatch.from_arrays([pa.array([waited], type=pa.float64())], names=["waited"])


def previous_connect_job(session: Any, seconds: list[float]) -> None:
    """One trial's job as SparkTrials ran it before: new range, DDL schema, collect."""
    import functools

    frame = session.range(0, 1, 1, numPartitions=1)
    rows = frame.mapInArrow(functools.partial(input_wait_task, False), "waited double").collect()
    seconds.append(rows[0][0])


class CountingStub:
    """Counts, by method, the calls a Spark Connect client makes to its server."""

    def __init__(self, stub: Any) -> None:
        import collections

        self.stub = stub
        self.calls: collections.Counter[str] = collections.Counter()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.stub, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return method(*args, **kwargs)

        return call


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux ``/proc``)."""
    out = [pid]
    try:
        for thread in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{thread}/children") as file:
                for child in file.read().split():
                    out += process_tree(int(child))
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float:
    """CPU seconds of process ``pid`` and of its waited-for children (Linux ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def summary(times: list[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "all": times,
    }


def timed(run: Callable[[], Any], repeats: int) -> dict[str, Any]:
    """Median, min and max wall time of ``repeats`` calls of ``run``."""
    return interleaved({"run": run}, repeats)["run"]


def interleaved(runs: dict[str, Callable[[], Any]], repeats: int) -> dict[str, dict[str, Any]]:
    """Wall times of each of ``runs``, taking turns: repeat 1 of each, then repeat 2..."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: summary(values) for name, values in times.items()}


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def spark_environment(spark: Any, connect: Any) -> dict[str, Any]:
    import joblib
    import joblibspark
    import pyspark

    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    env = {
        "pyspark": pyspark.__version__,
        "joblibspark": joblibspark.__version__,
        "joblib": joblib.__version__,
        "java": java.splitlines()[0] if java else "unknown",
        "spark master": spark.sparkContext.master,
        "spark default parallelism": spark.sparkContext.defaultParallelism,
    }
    if connect is not None:
        from skopt_hp.integrations._spark_session import default_parallelism

        env["spark connect server"] = (
            f"local[2] in a child process, 4 GB heap; client {type(connect).__module__}"
        )
        env["spark connect default parallelism"] = default_parallelism(connect)
    return env


def ms(value: float) -> str:
    """Milliseconds, three significant digits, never in exponent notation."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def header(title: str, env: dict[str, Any], intro: str) -> str:
    stamp = environment_markdown({k: v for k, v in env.items() if k != "stem"})
    stamp += f"\n- load average at the end of this part (1, 5, 15 min): {load_average()}"
    return f"# {title}\n\n{stamp}\n\n{intro}\n"


def sessions(spark: Any, connect: Any) -> dict[str, Any]:
    """The sessions to compare, by label: classic, then Spark Connect when started."""
    out = {"Spark classic": spark}
    if connect is not None:
        out["Spark Connect"] = connect
    return out


# ---------------------------------------------------------------------------
# Part (a): fmin with SparkTrials, ours (classic and Connect) and hyperopt's
# ---------------------------------------------------------------------------
def part_fmin(
    spark: Any, connect: Any, sizes: list[int], repeats: int, env: dict[str, Any]
) -> None:
    import hyperopt

    import skopt_hp
    from skopt_hp.integrations.spark import SparkTrials

    ours_space = {"x": skopt_hp.hp.uniform("x", -5, 5), "y": skopt_hp.hp.uniform("y", -5, 5)}
    their_space = {"x": hyperopt.hp.uniform("x", -5, 5), "y": hyperopt.hp.uniform("y", -5, 5)}
    logging.getLogger("hyperopt").setLevel(logging.ERROR)
    logging.getLogger("py4j").setLevel(logging.ERROR)

    def ours_spark(n: int, session: Any) -> None:
        trials = SparkTrials(parallelism=2, spark_session=session)
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

    methods: dict[str, Callable[[int], None]] = {
        f"skopt_hp SparkTrials, {label}": (lambda n, session=session: ours_spark(n, session))
        for label, session in sessions(spark, connect).items()
    }
    methods.update(
        {
            "hyperopt SparkTrials, Spark classic": theirs_spark,
            "hyperopt SparkTrials, Spark classic, max_queue_len=2": lambda n: theirs_spark(n, 2),
            "skopt_hp Trials (driver only, no Spark)": ours_driver,
        }
    )
    log("fmin: warm-up")
    for run in methods.values():
        run(4)
    data: dict[str, Any] = {"sizes": sizes, "repeats": repeats, "times": {}}
    rows = []
    for n in sizes:
        log(f"fmin: max_evals={n}, {len(methods)} methods taking turns")
        times = interleaved(
            {name: (lambda run=run, n=n: run(n)) for name, run in methods.items()}, repeats
        )
        for name, t in times.items():
            data["times"][f"{name}|{n}"] = t
            rows.append([name, n, fmt(t["median"], 3), ms(1000 * t["median"] / n)])
    ratios = []
    if connect is not None:
        for n in sizes:
            classic = data["times"][f"skopt_hp SparkTrials, Spark classic|{n}"]["median"]
            remote = data["times"][f"skopt_hp SparkTrials, Spark Connect|{n}"]["median"]
            theirs = data["times"][f"hyperopt SparkTrials, Spark classic|{n}"]["median"]
            ratios.append([n, f"{remote / classic:.2f}", f"{theirs / remote:.1f}"])
        data["ratios"] = ratios
    intro = (
        "The same `fmin`: objective `(x - 1)^2 + (y + 0.5)^2` (microseconds), two uniform "
        "parameters, TPE, `parallelism=2`, on the sessions above. Wall time of the whole "
        f"`fmin` call, median of {repeats} runs after a warm-up, the methods taking turns in "
        "each repeat; per trial = wall / max_evals. hyperopt's `SparkTrials` needs a "
        "`SparkContext` (classic only); it launches trials from a dispatcher thread that "
        "polls every second, and its `fmin` queues `max_queue_len` proposals (default 1) ahead "
        "of it; skopt_hp's launches a trial as soon as a slot frees, asking the sampler then."
    )
    table = markdown_table(["method", "max_evals", "wall (s)", "per trial (ms)"], rows)
    markdown = header("Spark: fmin with SparkTrials", env, intro) + "\n" + table
    if ratios:
        markdown += "\n\n" + markdown_table(
            [
                "max_evals",
                "Spark Connect / classic (skopt_hp)",
                "hyperopt classic / skopt_hp Connect",
            ],
            ratios,
        )
    paths = write_results(env["stem"] + "fmin", markdown, {"environment": env, **data})
    log(f"wrote {paths[0]}")
    print(markdown)


# ---------------------------------------------------------------------------
# Part (b): per-task overhead, Spark backend vs loky
# ---------------------------------------------------------------------------
def part_overhead(
    spark: Any, connect: Any, n_iter: int, n_tasks: int, repeats: int, env: dict
) -> None:
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

    def on_loky(run: Callable[[float], None], seconds: float) -> None:
        with joblib.parallel_config(backend="loky", n_jobs=2):
            run(seconds)

    def on_spark(run: Callable[[float], None], seconds: float, session: Any) -> None:
        with spark_backend(n_jobs=2, spark_session=session):
            run(seconds)

    backends: dict[str, Callable[..., None]] = {"loky": on_loky}
    for label, session in sessions(spark, connect).items():
        backends[label] = lambda run, s, session=session: on_spark(run, s, session)

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
        log(f"overhead: {name}, {len(backends)} backends taking turns")
        for backend in backends.values():
            backend(run, seconds)  # warm-up
        times = interleaved(
            {b: (lambda f=f, run=run, s=seconds: f(run, s)) for b, f in backends.items()},
            repeats,
        )
        for backend, t in times.items():
            data["times"][f"{name}|{backend}"] = t
        walls = [times[b]["median"] for b in backends]
        overheads = [ms(1000 * 2 * (w - ideal) / n) for w in walls]
        rows.append([name, n, fmt(ideal, 3), *(fmt(w, 3) for w in walls), *overheads])
    intro = (
        f"Two workers each (loky `n_jobs=2`; Spark `local[2]`, `n_jobs=2`, on the classic session "
        f"and on Spark Connect). HyperoptSearchCV: `n_iter={n_iter}`, `n_points=4`, {cv}-fold CV, "
        "an estimator whose `fit` sleeps; scikit-learn lets joblib batch its fits "
        f"automatically. joblib tasks: {n_tasks} `time.sleep` calls with `batch_size=1` (one "
        "Spark job each). `ideal` = total sleep / 2 workers; overhead per task = 2 x (wall - "
        f"ideal) / tasks (worker-seconds lost per task). Median of {repeats} runs after a "
        "warm-up, the backends taking turns in each repeat."
    )
    table = markdown_table(
        [
            "workload",
            "tasks",
            "ideal (s)",
            *(f"{b} wall (s)" for b in backends),
            *(f"{b} overhead/task (ms)" for b in backends),
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
def part_broadcast(
    spark: Any, connect: Any, megabytes: float, repeats: int, env: dict[str, Any]
) -> None:
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
    settings: dict[str, tuple[Any, int | None]] = {}
    for label, session in sessions(spark, connect).items():
        once = "a file artifact" if label == "Spark Connect" else "a broadcast"
        settings[f"{label}, X sent once as {once} (default)"] = (session, 64 * 1024)
        settings[f"{label}, X inside every task (broadcast_threshold=None)"] = (
            session,
            None,
        )
    backends: dict[str, list[Any]] = {name: [] for name in settings}

    def run(name: str) -> None:
        session, threshold = settings[name]
        with spark_backend(
            n_jobs=2, spark_session=session, broadcast_threshold=threshold
        ) as backend:
            results[name] = make().fit(X, y)
        backends[name].append(backend)

    def on_loky() -> None:
        with joblib.parallel_config(backend="loky", n_jobs=2):
            make().fit(X, y)

    runs: dict[str, Callable[[], None]] = {name: (lambda name=name: run(name)) for name in settings}
    runs["loky (reference)"] = on_loky
    log(f"broadcast: warm-up of {len(runs)} modes")
    for f in runs.values():
        f()
    log(f"broadcast: {len(runs)} modes taking turns")
    data["times"] = interleaved(runs, repeats)
    for name in settings:
        data["task_bytes"][name] = backends[name][-1].task_bytes
        data["broadcasts"][name] = backends[name][-1].n_broadcasts
    reference = results[next(iter(settings))]
    same = all(
        r.cv_results_["params"] == reference.cv_results_["params"]
        and np.array_equal(
            r.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"]
        )
        for r in results.values()
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
        'batches several fits per job automatically); "sent once" counts the arrays sent '
        "once per fit (broadcasts; file artifacts on Spark Connect). Median and min of "
        f"{repeats} runs after a warm-up, the modes taking turns in each repeat. Same "
        f"cv_results_ in every Spark mode: {same}."
    )
    table = markdown_table(
        ["mode", "wall median (s)", "wall min (s)", "shipped in tasks (MB)", "sent once"], rows
    )
    title = f"Spark: sending a {X.nbytes / 1e6:.0f} MB X once per search"
    markdown = header(title, env, intro) + "\n" + table
    paths = write_results(env["stem"] + "broadcast", markdown, {"environment": env, **data})
    log(f"wrote {paths[0]}")
    print(markdown)


# ---------------------------------------------------------------------------
# Part (d): an objective holding data, sent once per fmin call
# ---------------------------------------------------------------------------
def part_payload(
    spark: Any, connect: Any, sizes_mb: list[float], n_trials: int, repeats: int, env: dict
) -> None:
    import skopt_hp
    from skopt_hp.integrations.spark import SparkTrials

    space = {"x": skopt_hp.hp.uniform("x", -5, 5)}

    def search(session: Any, megabytes: float, seed: int) -> None:
        # A new array each run: nothing (artifact, cached value) is reused from a previous run.
        data = np.random.default_rng(seed).random(int(megabytes * 1e6 / 8))

        def objective(params: dict[str, float]) -> float:
            return (params["x"] - 1.0) ** 2 + float(data[:1].sum()) * 0.0

        trials = SparkTrials(parallelism=2, spark_session=session)
        skopt_hp.fmin(
            objective,
            space,
            algo=skopt_hp.tpe.suggest,
            max_evals=n_trials,
            trials=trials,
            rstate=0,
            show_progressbar=False,
        )
        assert trials.count_successful_trials() == n_trials

    counter = iter(range(1, 1_000_000))
    labels = sessions(spark, connect)
    data: dict[str, Any] = {"sizes_mb": sizes_mb, "n_trials": n_trials, "times": {}}
    rows = []
    log("payload: warm-up")
    for session in labels.values():
        search(session, 0.0, 0)
    for megabytes in sizes_mb:
        log(f"payload: {megabytes} MB, {len(labels)} sessions taking turns")
        runs = {
            label: (lambda session=session, mb=megabytes: search(session, mb, next(counter)))
            for label, session in labels.items()
        }
        times = interleaved(runs, repeats)
        for label, t in times.items():
            data["times"][f"{label}|{megabytes}"] = t
            rows.append([label, megabytes, fmt(t["median"], 3), ms(1000 * t["median"] / n_trials)])
    intro = (
        f"`fmin` with `SparkTrials(parallelism=2)`, {n_trials} trials of an objective that "
        "holds an array of the given size (a closure), a new array for every run. The "
        "objective is pickled once per `fmin` call and sent once: a broadcast on the classic "
        "session, a file artifact (`addArtifacts`) on Spark Connect, each loaded once per "
        f"executor Python worker. Wall time of the whole `fmin` call, median of {repeats} runs, "
        "the sessions taking turns."
    )
    table = markdown_table(["session", "objective data (MB)", "wall (s)", "per trial (ms)"], rows)
    markdown = header("Spark: an objective holding data, sent once per fmin", env, intro)
    markdown += "\n" + table
    paths = write_results(env["stem"] + "payload", markdown, {"environment": env, **data})
    log(f"wrote {paths[0]}")
    print(markdown)


# ---------------------------------------------------------------------------
# Part (e): one Spark Connect job, broken down
# ---------------------------------------------------------------------------
def part_job(spark: Any, connect: Any, server: Any, n_jobs: int, env: dict[str, Any]) -> None:
    import functools
    import pickle

    from pyspark.sql.types import DoubleType, StructField, StructType

    from skopt_hp.integrations._spark_jobs import jobs_for

    if connect is None:
        log("job: needs the Spark Connect session (no --no-connect)")
        return
    schema = StructType([StructField("waited", DoubleType())])
    source = connect.range(0, 1, 1, numPartitions=1)
    source.columns  # noqa: B018 - resolved once, as ConnectJobs does
    waits: dict[str, list[float]] = {"before": [], "no quick ACK": [], "quick ACK": []}

    def mapped(acknowledge: bool) -> None:
        frame = source.mapInArrow(functools.partial(input_wait_task, acknowledge), schema)
        label = "quick ACK" if acknowledge else "no quick ACK"
        waits[label].append(frame.toArrow().column(0)[0].as_py())

    connect_jobs, classic_jobs = jobs_for(connect), jobs_for(spark)
    trivial = functools.partial(pickle.dumps, 0.0)
    runs: dict[str, Callable[[], Any]] = {
        "Spark Connect: range(1).toArrow(), no Python": lambda: connect.range(
            0, 1, 1, numPartitions=1
        ).toArrow(),
        "Spark Connect: one-row mapInArrow job as before (new range, DDL schema, collect, "
        "no quick ACK)": lambda: previous_connect_job(connect, waits["before"]),
        "Spark Connect: the same, input and schema built once, toArrow, no quick ACK": (
            lambda: mapped(False)
        ),
        "Spark Connect: the same with quick ACK": lambda: mapped(True),
        "Spark Connect: ConnectJobs.run (what SparkTrials runs now)": lambda: connect_jobs.run(
            trivial, "skopt_hp-bench-job", "bench"
        ),
        "Spark classic: ClassicJobs.run (one-task RDD job)": lambda: classic_jobs.run(
            trivial, "skopt_hp-bench-job", "bench"
        ),
    }
    log("job: warm-up")
    for run in runs.values():
        run()
    for values in waits.values():
        values.clear()
    log(f"job: {len(runs)} kinds of job taking turns, {n_jobs} each")
    times = interleaved(runs, n_jobs)
    # The calls to the server of ten jobs as SparkTrials runs them now, and as before.
    client = connect.client
    counts: dict[str, dict[str, float]] = {}
    for label, run in (
        ("now", lambda: connect_jobs.run(trivial, "skopt_hp-bench-job", "bench")),
        ("before", lambda: previous_connect_job(connect, [])),
    ):
        counting = CountingStub(client._stub)
        client._stub = counting  # the client's setter for tests
        try:
            for _ in range(10):
                run()
        finally:
            client._stub = counting.stub
        counts[label] = {name: count / 10 for name, count in sorted(counting.calls.items())}
    # CPU per trial of a search: this process (the client), the server's JVM, its Python workers.
    import resource

    import skopt_hp
    from skopt_hp.integrations.spark import SparkTrials

    def search(n: int) -> None:
        skopt_hp.fmin(
            trivial_objective,
            {"x": skopt_hp.hp.uniform("x", -5, 5), "y": skopt_hp.hp.uniform("y", -5, 5)},
            algo=skopt_hp.tpe.suggest,
            max_evals=n,
            trials=SparkTrials(parallelism=2, spark_session=connect),
            rstate=0,
            show_progressbar=False,
        )

    def client_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    search(4)  # warm-up
    n_trials = 40
    pids = process_tree(server.process.pid)
    before = {pid: cpu_seconds(pid) for pid in pids}
    start_client, start = client_cpu(), time.perf_counter()
    search(n_trials)
    wall = time.perf_counter() - start
    client = client_cpu() - start_client
    jvm = python = 0.0
    for pid in set(pids) | set(process_tree(server.process.pid)):
        used = cpu_seconds(pid) - before.get(pid, 0.0)
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as file:
                command = file.read()
        except OSError:
            continue
        if b"java" in command.split(b"\0")[0]:
            jvm += used
        elif b"pyspark.daemon" in command:
            python += used
    cpu = {"wall": wall, "client": client, "server JVM": jvm, "server Python workers": python}
    data = {
        "n_jobs": n_jobs,
        "times": times,
        "input_waits": waits,
        "calls_per_job": counts,
        "cpu_per_trial": {k: v / n_trials for k, v in cpu.items()},
        "cpu_trials": n_trials,
    }
    rows = [[name, ms(1000 * t["median"]), ms(1000 * t["min"])] for name, t in times.items()]
    wait_rows = [
        [label, ms(1000 * statistics.median(values)), ms(1000 * min(values))]
        for label, values in waits.items()
    ]
    call_rows = [
        [label, ", ".join(f"{name} {count:g}" for name, count in calls.items())]
        for label, calls in counts.items()
    ]
    intro = (
        f"One-task jobs, each kind {n_jobs} times, the kinds taking turns; times from the "
        "client's call to the result in hand. The input wait is measured inside the Python "
        "worker: from the start of the mapInArrow function to the end of its one input row. "
        "Calls to the server are counted on the client (ReleaseExecute calls are asynchronous: "
        "Spark Connect's client releases each response of a reattachable execution)."
    )
    markdown = header("Spark: one Spark Connect job, broken down", env, intro)
    markdown += "\n" + markdown_table(["job", "median (ms)", "min (ms)"], rows)
    markdown += "\n\n" + markdown_table(
        ["Python worker's wait for its input row", "median (ms)", "min (ms)"], wait_rows
    )
    markdown += "\n\n" + markdown_table(["jobs", "calls to the server per job"], call_rows)
    markdown += (
        f"\n\n`fmin` with `SparkTrials(parallelism=2)` on Spark Connect, {n_trials} trials of "
        "the `fmin` part's objective, after a warm-up search: wall time and CPU time per trial "
        "(the Python workers' CPU includes the collection PySpark's daemon runs after each "
        "task).\n\n"
    )
    markdown += markdown_table(
        ["per trial", "ms"],
        [[name, ms(1000 * value / n_trials)] for name, value in cpu.items()],
    )
    paths = write_results(env["stem"] + "job", markdown, {"environment": env, **data})
    log(f"wrote {paths[0]}")
    print(markdown)


# ---------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all")
    parser.add_argument("--quick", action="store_true", help="small sizes, 1 repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument(
        "--no-connect", action="store_true", help="the classic session only (no Connect server)"
    )
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats

    warnings.filterwarnings("ignore", category=FutureWarning)
    from skopt_hp.integrations.spark import get_spark_session

    spark = get_spark_session(args.master, config={"spark.ui.enabled": "false"})
    spark.sparkContext.parallelize(range(2), 2).map(lambda x: x).collect()
    server = connect = None
    if not args.no_connect:
        import _connect_server

        log("starting a local Spark Connect server")
        # 4 GB: the "inside every task" mode keeps several 50 MB job plans in the server.
        server = _connect_server.start(driver_memory="4g")
        connect = _connect_server.connect(server)
        connect.range(0, 2, 1, numPartitions=2).selectExpr("id").collect()
    env = {**environment(), **spark_environment(spark, connect)}
    env["stem"] = "spark_quick_" if args.quick else "spark_"
    parts = PARTS if args.part == "all" else (args.part,)
    try:
        if "fmin" in parts:
            sizes = [8, 24] if args.quick else [8, 24, 50]
            part_fmin(spark, connect, sizes, repeats, env)
        if "overhead" in parts:
            n_iter, n_tasks = (4, 12) if args.quick else (8, 40)
            part_overhead(spark, connect, n_iter, n_tasks, repeats, env)
        if "broadcast" in parts:
            part_broadcast(spark, connect, 10 if args.quick else 50, repeats, env)
        if "payload" in parts:
            sizes_mb = [0.0, 10.0] if args.quick else [0.0, 10.0, 50.0]
            part_payload(spark, connect, sizes_mb, 8 if args.quick else 16, repeats, env)
        if "job" in parts:
            part_job(spark, connect, server, 10 if args.quick else 40, env)
    finally:
        if connect is not None:
            connect.stop()
        if server is not None:
            server.stop()
        spark.stop()


if __name__ == "__main__":
    main()
