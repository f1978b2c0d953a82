"""Run ``fmin`` trials in parallel on Spark with ``SparkTrials``.

Each trial (one cross-validated fit) is one Spark task; two run at once. Without a
Spark session, ``SparkTrials`` starts an embedded ``local[N]`` one; under
``spark-submit`` or on Databricks it uses the cluster's session.

Run: ``python examples/spark_fmin.py``, or ``spark-submit examples/spark_fmin.py`` on a cluster
(needs ``pip install "skopt_hp[spark]"`` and Java).
Set ``SKOPT_HP_EXAMPLE_SMALL=1`` for a quick run.
"""

import os
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

from skopt_hp import STATUS_OK, fmin, hp, space_eval, tpe

SMALL = os.environ.get("SKOPT_HP_EXAMPLE_SMALL") == "1"
MAX_EVALS = 8 if SMALL else 40

# The objective closes over the data: SparkTrials sends it to the executors once per
# fmin call (a Spark broadcast), not with every trial.
X, y = load_digits(return_X_y=True)
if SMALL:
    X, y = X[:500], y[:500]

space = {
    "C": hp.loguniform("C", np.log(1e-2), np.log(1e3)),
    "gamma": hp.loguniform("gamma", np.log(1e-5), np.log(1e-1)),
    "kernel": hp.choice("kernel", ["rbf", "sigmoid"]),
}


def objective(params):
    accuracy = cross_val_score(SVC(**params), X, y, cv=3).mean()
    return {"loss": -accuracy, "status": STATUS_OK, "accuracy": accuracy}


def main() -> None:
    try:
        from skopt_hp.integrations.spark import SparkTrials, get_spark_session

        spark = get_spark_session()  # spark-submit's master, else an embedded local[N]
    except (ImportError, RuntimeError) as exc:
        print(f"Spark is not available, nothing to run: {exc}")
        return

    trials = SparkTrials(parallelism=2, timeout=600, spark_session=spark)
    start = time.perf_counter()
    best = fmin(
        objective,
        space,
        algo=tpe.suggest,
        max_evals=MAX_EVALS,
        trials=trials,
        rstate=np.random.default_rng(0),
        show_progressbar=False,
    )
    elapsed = time.perf_counter() - start
    print(f"{len(trials)} trials in {elapsed:.1f} s on Spark (parallelism {trials.parallelism})")
    print(
        f"succeeded {trials.count_successful_trials()}, failed {trials.count_failed_trials()}, "
        f"cancelled {trials.count_cancelled_trials()}"
    )
    print("best point:", space_eval(space, best))
    print(f"best accuracy: {trials.best_trial['result']['accuracy']:.4f}")
    spark.stop()


if __name__ == "__main__":
    main()
