"""The cost of MLflow logging: searches with and without ``mlflow_logging``, per trial.

A script, not a test. It logs to a fresh SQLite store in a temporary directory
(MLflow's default kind of store) and times, with and without logging:

* ``fmin``: 100 trials (``--trials``) of an objective that returns at once,
  and of one that sleeps 50 ms (a stand-in for real work: logging runs in a
  background thread, so it can overlap the trials);
* ``HyperoptSearchCV``: 30 candidates (``--candidates``), 3-fold CV of a
  logistic regression on the wine data, ``n_jobs=1``, logging without the
  model and with it (the refit model is logged once per search).

The overhead per trial is (wall with logging − wall without) / trials, so it
includes the search's fixed costs (the parent run, its artifacts, the model);
importing MLflow and creating the store are paid before timing (a warm-up
search), as a long-running process pays them once. Every timing is the median
of ``--repeats`` runs; min and max are in the JSON.

Output: ``results/mlflow_overhead.md`` and ``.json``.

Examples
--------
    .venv/bin/python benchmarks/bench_mlflow.py              # ~2 min
    .venv/bin/python benchmarks/bench_mlflow.py --quick      # smoke run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import environment, environment_markdown, fmt, log, markdown_table, write_results  # noqa: E402

STEM = "mlflow_overhead"


def instant(p: dict[str, float]) -> float:
    return (p["x"] - 1.0) ** 2 + (p["y"] + 0.5) ** 2


def sleeps_50ms(p: dict[str, float]) -> float:
    time.sleep(0.05)
    return instant(p)


def _summary(times: list[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "all": times,
    }


def timed_pair(
    without: Callable[[], Any], with_logging: Callable[[], Any], repeats: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Wall times of ``repeats`` calls of each, alternated so that other load hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for run, bucket in zip((without, with_logging), times, strict=True):
            start = time.perf_counter()
            run()
            bucket.append(time.perf_counter() - start)
    return _summary(times[0]), _summary(times[1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100, help="fmin trials per search")
    parser.add_argument("--candidates", type=int, default=30, help="HyperoptSearchCV n_iter")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20 trials, 8 candidates, 1 repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.trials, args.candidates, args.repeats = 20, 8, 1

    import mlflow
    from sklearn.datasets import load_wine
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skopt_hp import HyperoptSearchCV, Trials, fmin, hp

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    env = environment()
    env["mlflow"] = mlflow.__version__
    store = Path(tempfile.mkdtemp(prefix="skopt_hp-bench-mlflow-"))
    uri = f"sqlite:///{store / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.MlflowClient().create_experiment(
        "bench", artifact_location=(store / "artifacts").as_uri()
    )
    mlflow.set_experiment(experiment_id=experiment)
    env["tracking store"] = "SQLite, fresh, in a temporary directory"

    space = {"x": hp.uniform("x", -5, 5), "y": hp.uniform("y", -5, 5)}
    X, y = load_wine(return_X_y=True)
    search_space = {"logisticregression__C": hp.loguniform("C", -4, 4)}

    def run_fmin(fn: Callable[..., float], n: int, logging: bool) -> None:
        trials = Trials()
        fmin(
            fn,
            space,
            max_evals=n,
            trials=trials,
            rstate=0,
            show_progressbar=False,
            mlflow_logging=logging,
        )
        assert len(trials) == n

    def run_search(n: int, logging: bool, log_models: bool = False) -> None:
        import skopt_hp

        skopt_hp.autolog(disable=not logging, log_models=log_models)
        search = HyperoptSearchCV(
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=200)),
            search_space,
            n_iter=n,
            cv=3,
            n_jobs=1,
            random_state=0,
        )
        search.fit(X, y)
        assert len(search.cv_results_["params"]) == n

    n, m = args.trials, args.candidates
    log("warm-up (imports MLflow, opens the store)")
    run_fmin(instant, 3, True)
    run_search(4, True, log_models=True)

    workloads: list[tuple[str, int, Callable[[], None], Callable[[], None]]] = [
        (
            "fmin, objective returns at once",
            n,
            lambda: run_fmin(instant, n, False),
            lambda: run_fmin(instant, n, True),
        ),
        (
            "fmin, objective sleeps 50 ms",
            n,
            lambda: run_fmin(sleeps_50ms, n, False),
            lambda: run_fmin(sleeps_50ms, n, True),
        ),
        (
            "HyperoptSearchCV, 3-fold CV, no model logged",
            m,
            lambda: run_search(m, False),
            lambda: run_search(m, True),
        ),
        (
            "HyperoptSearchCV, 3-fold CV, model logged",
            m,
            lambda: run_search(m, False),
            lambda: run_search(m, True, log_models=True),
        ),
    ]
    data: dict[str, Any] = {"environment": env, "repeats": args.repeats, "results": {}}
    rows = []
    for name, trials, without, with_logging in workloads:
        log(f"{name}: {args.repeats} x (without logging, with logging)")
        t0, t1 = timed_pair(without, with_logging, args.repeats)
        overhead_ms = 1000 * (t1["median"] - t0["median"]) / trials
        overhead_min_ms = 1000 * (t1["min"] - t0["min"]) / trials
        data["results"][name] = {
            "trials": trials,
            "without": t0,
            "with": t1,
            "overhead_ms_per_trial": overhead_ms,
            "overhead_ms_per_trial_from_minimums": overhead_min_ms,
            "ratio": t1["median"] / t0["median"],
        }
        rows.append(
            [
                name,
                trials,
                fmt(t0["median"], 3),
                fmt(t1["median"], 3),
                fmt(overhead_ms, 3),
                fmt(overhead_min_ms, 3),
                fmt(t1["median"] / t0["median"], 3),
            ]
        )
    runs = mlflow.search_runs(search_all_experiments=True)
    data["runs_in_store"] = len(runs)

    intro = (
        f"Wall time of whole searches, median of {args.repeats} runs, with `mlflow_logging` "
        "off and on (runs alternated); overhead per trial = (with − without) / trials, fixed "
        "costs (parent run, artifacts, model) included; the next column computes it from the "
        "fastest run of each, which other load on the machine disturbs less. One parent run "
        "per search and one nested run per trial "
        "(`MlflowClient.create_run` + `log_batch` + `set_terminated`, from a background "
        "thread); importing MLflow and creating the store happened before timing. fmin: two "
        f"uniform parameters, TPE, {n} trials. HyperoptSearchCV: logistic regression on the "
        f"wine data, {m} candidates, 3-fold CV, `n_jobs=1`."
    )
    table = markdown_table(
        [
            "workload",
            "trials",
            "without (s)",
            "with (s)",
            "overhead/trial (ms)",
            "from minimums (ms)",
            "ratio",
        ],
        rows,
    )
    stamp = environment_markdown(env)
    markdown = f"# MLflow logging overhead\n\n{stamp}\n\n{intro}\n\n{table}\n"
    paths = write_results(STEM, markdown, data)
    log(f"wrote {paths[0]}")
    print(markdown)


if __name__ == "__main__":
    main()
